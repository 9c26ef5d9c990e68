package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/bot"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/server"
)

// knowledgeLoadTimeout bounds one load of the knowledge: reading the help
// center and embedding the passages that changed.
const knowledgeLoadTimeout = 2 * time.Minute

// knowledgeStartTimeout bounds the load at start, which holds up serving: a
// help center or embedding model that does not answer in it is left to a
// reload in the background right after start (the embeddings done so far
// are kept).
var knowledgeStartTimeout = 15 * time.Second // a variable for tests

// Sources of a knowledge reload failure (the metric's label).
const (
	sourceFiles      = "files"
	sourceHelpCenter = "help_center"
	sourceEmbeddings = "embeddings"
)

// knowledge keeps the bot's knowledge current. It builds it from the files of
// HANDOVER_KNOWLEDGE_DIR and, with HANDOVER_KNOWLEDGE_HELP_CENTER, the
// articles of the helpdesk's help center (helpdesk.HelpCenter), embeds it
// when HANDOVER_EMBEDDING_MODEL is set, and builds it again every
// HANDOVER_KNOWLEDGE_REFRESH and on SIGHUP. A source that cannot be read
// keeps its last good copy (logged, counted); the bot reads the result
// through a bot.KnowledgeBase, swapped whole.
type knowledge struct {
	base     *bot.KnowledgeBase
	dir      string
	hc       helpdesk.HelpCenter // nil: no help center
	emb      *bot.Embeddings     // nil: lexical only
	static   *bot.Knowledge      // Options.Knowledge: built by the caller, never re-read
	interval time.Duration
	metrics  *server.Metrics
	log      *slog.Logger

	mu       sync.Mutex     // one load at a time
	files    []bot.Document // last good copy of the files
	articles []bot.Document // last good copy of the help center
	startErr error          // what the load at start could not do: run reloads at once
	reloaded func(error)    // tests: called after each reload of run
}

// newKnowledge loads the knowledge of cfg once. Files that cannot be read
// fail it (as at every start); an unreachable help center or embedding
// model does not: the bot starts without the articles, or lexical, and the
// next reload tries again.
func newKnowledge(cfg config.Config, hd Helpdesk, o Options, metrics *server.Metrics, log *slog.Logger) (*knowledge, error) {
	k := &knowledge{base: bot.NewKnowledgeBase(nil), static: o.Knowledge, interval: cfg.KnowledgeRefresh,
		metrics: metrics, log: log.With("component", "knowledge")}
	if o.Knowledge == nil {
		k.dir = cfg.KnowledgeDir
		if cfg.KnowledgeHelpCenter {
			if hc, ok := hd.(helpdesk.HelpCenter); ok {
				k.hc = hc
			} else {
				k.log.Warn("HANDOVER_KNOWLEDGE_HELP_CENTER is on but this helpdesk adapter cannot read a help center: answering from the files only", "helpdesk", hd.Name())
			}
		}
	}
	if cfg.EmbeddingModel != "" {
		emb, err := bot.NewEmbeddings(bot.EmbeddingsConfig{
			BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey.Value(), Model: cfg.EmbeddingModel,
			HTTPClient: o.HTTPClient, Logger: k.log, OnQueryFailure: metrics.KnowledgeEmbeddingFailed,
		})
		if err != nil {
			return nil, fmt.Errorf("knowledge: %w", err)
		}
		k.emb = emb
	}
	if k.dir != "" {
		// The files must be readable at start, as before reloads existed; they are read once.
		docs, err := bot.ReadKnowledgeDir(k.dir)
		if err != nil {
			return nil, fmt.Errorf("knowledge: %w", err)
		}
		k.files = docs
	}
	ctx, cancel := context.WithTimeout(context.Background(), knowledgeStartTimeout)
	defer cancel()
	k.mu.Lock()
	k.startErr = k.rebuild(ctx) // failures are logged and counted
	k.mu.Unlock()
	return k, nil
}

// reloads reports whether there is anything to read again.
func (k *knowledge) reloads() bool { return k.dir != "" || k.hc != nil || k.startErr != nil }

// failed logs and counts a source that could not be read, and returns err.
func (k *knowledge) failed(source string, err error) error {
	k.metrics.KnowledgeReloadFailed(source)
	k.log.Warn("knowledge reload failed: keeping the last good copy", "source", source, "err", err)
	return err
}

// reload reads every source again and builds the knowledge from the last
// good copy of each, then makes it the bot's. It returns what failed (the
// knowledge is still replaced from what could be read).
func (k *knowledge) reload(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	var filesErr error
	if k.static == nil && k.dir != "" {
		if docs, err := bot.ReadKnowledgeDir(k.dir); err != nil {
			filesErr = k.failed(sourceFiles, err)
		} else {
			k.files = docs
		}
	}
	return errors.Join(filesErr, k.rebuild(ctx))
}

// rebuild reads the help center again and builds the knowledge from the
// files read last and the articles, embeds it, and makes it the bot's. k.mu
// is held.
func (k *knowledge) rebuild(ctx context.Context) error {
	var errs []error
	fail := func(source string, err error) { errs = append(errs, k.failed(source, err)) }
	kb := k.static
	if kb == nil {
		if k.hc != nil {
			if arts, err := k.hc.Articles(ctx); err != nil {
				fail(sourceHelpCenter, fmt.Errorf("help center: %w", err))
			} else {
				k.articles = articleDocuments(arts)
			}
		}
		docs := append(append([]bot.Document(nil), k.files...), k.articles...)
		if len(docs) > 0 {
			var err error
			if kb, err = bot.BuildKnowledge(docs); err != nil {
				k.log.Warn("the knowledge sources hold no text", "documents", len(docs))
			}
		}
	}
	if kb.Len() > 0 && k.emb != nil {
		if ekb, err := kb.Embed(ctx, k.emb); err != nil {
			// The new content, searched lexically, beats stale vectors.
			fail(sourceEmbeddings, err)
		} else {
			kb = ekb
		}
	}
	k.base.Store(kb)
	k.metrics.KnowledgePassages(kb.Len())
	k.log.Info("knowledge loaded", "passages", kb.Len(), "files", len(k.files), "articles", len(k.articles), "embedded", kb.Embedded())
	return errors.Join(errs...)
}

// run reloads the knowledge every interval (when positive) and on SIGHUP
// until ctx ends.
func (k *knowledge) run(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var tick <-chan time.Time
	if k.interval > 0 {
		t := time.NewTicker(k.interval)
		defer t.Stop()
		tick = t.C
	}
	k.mu.Lock()
	now := k.startErr != nil // the load at start was cut short: finish it at once
	k.mu.Unlock()
	for {
		if !now {
			select {
			case <-ctx.Done():
				return
			case <-tick:
			case <-hup:
				k.log.Info("SIGHUP: reloading the knowledge")
			}
		}
		now = false
		rctx, cancel := context.WithTimeout(ctx, knowledgeLoadTimeout)
		err := k.reload(rctx)
		cancel()
		if k.reloaded != nil {
			k.reloaded(err)
		}
	}
}

// articleDocuments turns help-center articles into knowledge documents,
// leaving out those without text.
func articleDocuments(arts []helpdesk.Article) []bot.Document {
	out := make([]bot.Document, 0, len(arts))
	for _, a := range arts {
		if strings.TrimSpace(a.Body) == "" {
			continue
		}
		src := "help-center/" + a.ID
		if a.Locale != "" {
			src += "/" + a.Locale
		}
		out = append(out, bot.Document{Title: a.Title, Text: a.Body, URL: a.URL, Lang: a.Locale, Source: src})
	}
	return out
}

// ReloadKnowledge reads the knowledge sources again now (as SIGHUP does) and
// returns what failed; the last good copy of a failed source is kept.
func (a *App) ReloadKnowledge(ctx context.Context) error {
	return a.knowledge.reload(ctx)
}
