package app

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/llmtest"
	"github.com/handover-dev/handover/server"
)

// plainHD is a helpdesk adapter without a help center (only Name is called).
type plainHD struct{ helpdesk.Adapter }

func (plainHD) Name() string { return "plain" }

// helpCenterHD is a helpdesk adapter with a scripted help center.
type helpCenterHD struct {
	plainHD
	mu   sync.Mutex
	arts []helpdesk.Article
	err  error
}

func (h *helpCenterHD) set(arts []helpdesk.Article, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.arts, h.err = arts, err
}

func (h *helpCenterHD) Articles(ctx context.Context) ([]helpdesk.Article, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.arts, h.err
}

// metricValue returns the value of the metric name whose labels hold want.
func metricValue(t *testing.T, m *server.Metrics, name string, want map[string]string) float64 {
	t.Helper()
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if v, ok := want[l.GetName()]; ok && v != l.GetValue() {
					continue metrics
				}
			}
			if c := mt.GetCounter(); c != nil {
				return c.GetValue()
			}
			return mt.GetGauge().GetValue()
		}
	}
	return 0
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func knowledgeConfig(dir string) config.Config {
	return config.Config{LLMProvider: "offline", KnowledgeDir: dir, KnowledgeRefresh: time.Minute}
}

func TestKnowledgeReloadKeepsLastGoodFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "shipping.md"), "# Shipping\n\n## Costs\n\nShipping costs $5.")
	m := server.NewMetrics()
	var logs bytes.Buffer
	k, err := newKnowledge(knowledgeConfig(dir), plainHD{}, Options{}, m, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if n := k.base.Load().Len(); n != 1 || metricValue(t, m, "handover_knowledge_passages", nil) != 1 {
		t.Fatalf("%d passages at start", n)
	}
	writeFile(t, filepath.Join(dir, "hours.md"), "# Hours\n\nOpen daily from 9 to 5.")
	if err := k.reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if hits := k.base.Load().Search("When are you open?", 1); len(hits) == 0 || hits[0].Title != "Hours" {
		t.Errorf("after adding a file: %+v", hits)
	}
	// A broken file: the last good knowledge stays, said in the log and the metric.
	good := k.base.Load()
	writeFile(t, filepath.Join(dir, "broken.md"), "\xff\xfe not text")
	if err := k.reload(t.Context()); err == nil || !strings.Contains(err.Error(), "broken.md") {
		t.Errorf("reload with a broken file: %v", err)
	}
	if got := k.base.Load(); got.Len() != good.Len() {
		t.Errorf("%d passages after a failed reload, want the last good %d", got.Len(), good.Len())
	}
	if !strings.Contains(logs.String(), "keeping the last good copy") {
		t.Errorf("log lacks the failure:\n%s", logs.String())
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := k.reload(t.Context()); err == nil {
		t.Error("reload of a removed directory: no error")
	}
	if got := metricValue(t, m, "handover_knowledge_reload_failures_total", map[string]string{"source": "files"}); got != 2 {
		t.Errorf("files reload failures = %v, want 2", got)
	}
	if k.base.Load().Len() != 2 || metricValue(t, m, "handover_knowledge_passages", nil) != 2 {
		t.Errorf("passages after failures: %d", k.base.Load().Len())
	}
	// At start, unreadable files fail as before.
	if _, err := newKnowledge(knowledgeConfig(dir), plainHD{}, Options{}, m, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("start with a missing directory: no error")
	}
}

func TestKnowledgeFromHelpCenter(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hours.md"), "# Hours\n\nOpen daily from 9 to 5.")
	hd := &helpCenterHD{}
	hd.set([]helpdesk.Article{
		{ID: "42", Title: "Gift wrapping", Body: "We gift wrap any order for $3.", URL: "https://help.example.com/42", Locale: "en"},
		{ID: "43", Title: "Geschenkverpackung", Body: "Wir verpacken jede Bestellung als Geschenk.", URL: "https://help.example.com/de/43", Locale: "de"},
		{ID: "44", Title: "Draft", Body: "  "},
	}, nil)
	cfg := knowledgeConfig(dir)
	cfg.KnowledgeHelpCenter = true
	m := server.NewMetrics()
	k, err := newKnowledge(cfg, hd, Options{}, m, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hits := k.base.Load().Search("gift wrap", 1)
	if len(hits) == 0 || hits[0].URL != "https://help.example.com/42" || hits[0].Lang != "en" || hits[0].Source != "help-center/42/en" {
		t.Fatalf("article passage: %+v", hits)
	}
	if k.base.Load().Len() != 3 {
		t.Errorf("%d passages, want the file and two articles", k.base.Load().Len())
	}
	// The help center is down: its last good articles stay.
	hd.set(nil, errors.New("503 from the help center"))
	writeFile(t, filepath.Join(dir, "parking.md"), "# Parking\n\nPark behind the store.")
	if err := k.reload(t.Context()); err == nil {
		t.Error("no error with the help center down")
	}
	if k.base.Load().Len() != 4 || len(k.base.Load().Search("gift wrap", 1)) == 0 {
		t.Errorf("with the help center down: %d passages", k.base.Load().Len())
	}
	if got := metricValue(t, m, "handover_knowledge_reload_failures_total", map[string]string{"source": "help_center"}); got != 1 {
		t.Errorf("help_center failures = %v", got)
	}
	// An article removed from the help center leaves the knowledge.
	hd.set([]helpdesk.Article{{ID: "42", Title: "Gift wrapping", Body: "We gift wrap any order for $3."}}, nil)
	if err := k.reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if k.base.Load().Len() != 3 {
		t.Errorf("%d passages after an article left", k.base.Load().Len())
	}

	// Off, or an adapter without a help center: the files only.
	cfg.KnowledgeHelpCenter = false
	if k, _ := newKnowledge(cfg, hd, Options{}, m, slog.New(slog.DiscardHandler)); k.base.Load().Len() != 2 {
		t.Errorf("help center off: %d passages", k.base.Load().Len())
	}
	cfg.KnowledgeHelpCenter = true
	if k, _ := newKnowledge(cfg, plainHD{}, Options{}, m, slog.New(slog.DiscardHandler)); k.base.Load().Len() != 2 || k.hc != nil {
		t.Errorf("adapter without a help center: %d passages", k.base.Load().Len())
	}
	// No files, the help center down from the start: the service starts, empty.
	hd.set(nil, errors.New("down"))
	k2, err := newKnowledge(config.Config{LLMProvider: "offline", KnowledgeHelpCenter: true}, hd, Options{}, m, slog.New(slog.DiscardHandler))
	if err != nil || k2.base.Load().Len() != 0 || !k2.reloads() {
		t.Errorf("help center down at start: %v, %d passages", err, k2.base.Load().Len())
	}
}

func TestKnowledgeEmbeddedAndFallback(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "shipping.md"), "# Shipping\n\n## Costs\n\nShipping costs $5.\n\n## Times\n\nDelivery takes 3 days.")
	srv := llmtest.NewEmbeddings()
	t.Cleanup(srv.Close)
	cfg := knowledgeConfig(dir)
	cfg.LLMProvider, cfg.LLMBaseURL, cfg.EmbeddingModel = "openai", srv.URL(), "embed-small"
	m := server.NewMetrics()
	k, err := newKnowledge(cfg, plainHD{}, Options{HTTPClient: &http.Client{Timeout: 10 * time.Second}}, m, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if !k.base.Load().Embedded() || len(srv.Requests()) == 0 || srv.Requests()[0].Model != "embed-small" {
		t.Fatalf("not embedded at start (%d requests)", len(srv.Requests()))
	}
	// The model is down at a reload: the new files are searched lexically.
	srv.SetStatus(http.StatusBadGateway)
	writeFile(t, filepath.Join(dir, "hours.md"), "# Hours\n\nOpen daily.")
	if err := k.reload(t.Context()); err == nil {
		t.Error("no error with the embedding model down")
	}
	if kb := k.base.Load(); kb.Embedded() || kb.Len() != 3 {
		t.Errorf("embedded %v, %d passages", kb.Embedded(), kb.Len())
	}
	if got := metricValue(t, m, "handover_knowledge_reload_failures_total", map[string]string{"source": "embeddings"}); got != 1 {
		t.Errorf("embeddings failures = %v", got)
	}
	srv.SetStatus(0)
	if err := k.reload(t.Context()); err != nil || !k.base.Load().Embedded() {
		t.Errorf("after recovery: %v, embedded %v", err, k.base.Load().Embedded())
	}
}

// slowHelpCenterHD's help center answers only after its first call (which outlasts the load
// at start).
type slowHelpCenterHD struct {
	plainHD
	calls atomic.Int32
}

func (h *slowHelpCenterHD) Articles(ctx context.Context) ([]helpdesk.Article, error) {
	if h.calls.Add(1) == 1 {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return []helpdesk.Article{{ID: "7", Title: "Gift wrapping", Body: "We gift wrap any order for $3.", Locale: "en"}}, nil
}

// A help center that does not answer holds start-up for knowledgeStartTimeout only: the bot
// starts with the files, and the background reload right after start brings the articles.
func TestKnowledgeStartIsBoundedAndFinishedInTheBackground(t *testing.T) {
	old := knowledgeStartTimeout
	knowledgeStartTimeout = 50 * time.Millisecond
	t.Cleanup(func() { knowledgeStartTimeout = old })
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hours.md"), "# Hours\n\nOpen daily from 9 to 5.")
	cfg := knowledgeConfig(dir)
	cfg.KnowledgeHelpCenter, cfg.KnowledgeRefresh = true, time.Hour
	hd := &slowHelpCenterHD{}
	k, err := newKnowledge(cfg, hd, Options{}, server.NewMetrics(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if k.base.Load().Len() != 1 || k.startErr == nil {
		t.Fatalf("at start: %d passages, start error %v; want the file alone and the cut-short load", k.base.Load().Len(), k.startErr)
	}
	done := make(chan error, 1)
	k.reloaded = func(err error) { done <- err }
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go k.run(ctx)
	select {
	case err := <-done:
		if err != nil || len(k.base.Load().Search("gift wrap", 1)) == 0 {
			t.Fatalf("after the background reload: %v, %d passages", err, k.base.Load().Len())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no reload right after start (the next tick is an hour away)")
	}
}
