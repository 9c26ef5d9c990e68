package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/bot"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/netdiag"
)

const doctorUsage = `Usage: handover doctor

Checks the configuration serve would read (the same HANDOVER_* variables) against the live
helpdesk and LLM, and prints one line per check: ok, PROBLEM (with its fix), WARN (the service
runs, weakened) or MANUAL (the helpdesk's API cannot tell: where to look). It checks every
configuration problem, the helpdesk's credentials and, where its API can tell, their
permissions, the webhook registered at HANDOVER_PUBLIC_URL, the inboxes and teams configured,
the clock for signed webhooks, that the LLM answers and calls tools, and what the bot answers from:
the knowledge files load, the help center can be read (HANDOVER_KNOWLEDGE_HELP_CENTER), the
embedding model answers (HANDOVER_EMBEDDING_MODEL). Only reads: it changes nothing. Exit status 1
on any PROBLEM or WARN.
`

// doctorTimeout bounds each helpdesk step of doctor.
const doctorTimeout = 20 * time.Second

// errDoctor is doctor's error when a check failed (the lines said which).
var errDoctor = errors.New("doctor: some checks failed (see above)")

func doctor(ctx context.Context, args []string, stdout io.Writer) error {
	if helpRequested(args) {
		fmt.Fprint(stdout, doctorUsage)
		return nil
	}
	if len(args) > 0 {
		return fmt.Errorf("doctor takes no arguments\n\n%s", doctorUsage)
	}
	cfg, err := config.LoadForServe()
	if failed := doctorRun(ctx, cfg, err, stdout); failed > 0 {
		return errDoctor
	}
	return nil
}

// doctorRun runs every check of cfg (loadErr is LoadForServe's error), writes one line per
// check and returns how many failed.
func doctorRun(ctx context.Context, cfg config.Config, loadErr error, w io.Writer) int {
	failed := 0
	emit := func(f helpdesk.Finding) {
		label := "ok"
		switch {
		case f.OK:
		case f.Manual:
			label = "MANUAL"
		case f.Warn:
			label, failed = "WARN", failed+1
		default:
			label, failed = "PROBLEM", failed+1
		}
		line := fmt.Sprintf("%-8s %s", label, f.Check)
		if f.Problem != "" {
			line += ": " + f.Problem
		}
		if f.Fix != "" && !f.OK {
			line += " → " + f.Fix
		}
		fmt.Fprintln(w, line)
	}

	// The configuration.
	var probs config.Problems
	switch {
	case loadErr == nil:
		emit(helpdesk.Ok("configuration", fmt.Sprintf("helpdesk %s, LLM %s", cfg.Helpdesk, cfg.LLMProvider)))
	case errors.As(loadErr, &probs):
		for _, p := range probs {
			emit(helpdesk.Bad("configuration", p, ""))
		}
	default:
		emit(helpdesk.Bad("configuration", loadErr.Error(), ""))
	}

	// The helpdesk.
	hd, findings := diagnoseHelpdesk(ctx, cfg)
	for _, f := range findings {
		emit(f)
	}
	// The LLM.
	emit(checkLLM(ctx, cfg))
	// The knowledge the bot answers from.
	for _, f := range checkKnowledge(ctx, cfg, hd) {
		emit(f)
	}
	return failed
}

// checkKnowledge checks what the bot answers from: the files of HANDOVER_KNOWLEDGE_DIR (they
// load), the help center with HANDOVER_KNOWLEDGE_HELP_CENTER (the adapter reads it; hd is nil
// when the helpdesk could not be built), and the embedding model of HANDOVER_EMBEDDING_MODEL
// (one tiny request).
func checkKnowledge(ctx context.Context, cfg config.Config, hd helpdesk.Adapter) []helpdesk.Finding {
	var out []helpdesk.Finding
	if dir := strings.TrimSpace(cfg.KnowledgeDir); dir != "" {
		if kb, err := bot.LoadKnowledge(dir); err != nil {
			out = append(out, helpdesk.Bad("knowledge files", err.Error(), "point HANDOVER_KNOWLEDGE_DIR at a readable directory of Markdown or text files"))
		} else {
			out = append(out, helpdesk.Ok("knowledge files", fmt.Sprintf("%d passages from %s", kb.Len(), dir)))
		}
	}
	if cfg.KnowledgeHelpCenter {
		hc, ok := hd.(helpdesk.HelpCenter)
		switch {
		case hd == nil:
			out = append(out, helpdesk.Bad("help center", "not checked: the helpdesk could not be reached (above)", ""))
		case !ok:
			out = append(out, helpdesk.Bad("help center", "the "+cfg.Helpdesk+" adapter reads no help center",
				"unset HANDOVER_KNOWLEDGE_HELP_CENTER, or give the bot files (HANDOVER_KNOWLEDGE_DIR)"))
		default:
			hctx, cancel := context.WithTimeout(ctx, doctorTimeout)
			arts, err := hc.Articles(hctx)
			cancel()
			switch {
			case err != nil:
				out = append(out, helpdesk.Bad("help center", netdiag.OneLine(err.Error()), "check the helpdesk credentials' access to its help center (docs/helpdesks/"+cfg.Helpdesk+".md)"))
			case len(arts) == 0:
				out = append(out, helpdesk.Finding{Check: "help center", Warn: true, Problem: "no published article",
					Fix: "publish articles in the help center, or unset HANDOVER_KNOWLEDGE_HELP_CENTER"})
			default:
				langs := map[string]bool{}
				for _, a := range arts {
					if a.Locale != "" {
						langs[a.Locale] = true
					}
				}
				out = append(out, helpdesk.Ok("help center", fmt.Sprintf("%d published articles in %d languages", len(arts), max(len(langs), 1))))
			}
		}
	}
	if model := strings.TrimSpace(cfg.EmbeddingModel); model != "" {
		out = append(out, checkEmbeddings(ctx, cfg, model))
	}
	return out
}

// checkEmbeddings embeds one short passage with the embedding model.
func checkEmbeddings(ctx context.Context, cfg config.Config, model string) helpdesk.Finding {
	emb, err := bot.NewEmbeddings(bot.EmbeddingsConfig{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey.Value(), Model: model})
	if err != nil {
		return helpdesk.Bad("embeddings", err.Error(), "check HANDOVER_EMBEDDING_MODEL and HANDOVER_LLM_BASE_URL")
	}
	kb, err := bot.BuildKnowledge([]bot.Document{{Title: "Connection test", Text: "# Connection test\n\nThis passage checks the embedding model.", Source: "doctor"}})
	if err != nil {
		return helpdesk.Bad("embeddings", err.Error(), "")
	}
	ectx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	if _, err := kb.Embed(ectx, emb); err != nil {
		return helpdesk.Bad("embeddings", redactKey(netdiag.OneLine(err.Error()), cfg), "check HANDOVER_EMBEDDING_MODEL (a model the provider serves at /v1/embeddings), HANDOVER_LLM_BASE_URL and HANDOVER_LLM_API_KEY")
	}
	return helpdesk.Ok("embeddings", "model "+model+" answers")
}

// diagnoseHelpdesk checks the credentials (Checker) and then what the adapter's Doctor checks.
// It returns the adapter when its credentials work (nil otherwise), for the checks after it.
func diagnoseHelpdesk(ctx context.Context, cfg config.Config) (helpdesk.Adapter, []helpdesk.Finding) {
	d, ok := cfg.Descriptor()
	if !ok {
		return nil, []helpdesk.Finding{helpdesk.Bad("helpdesk", "not checked: HANDOVER_HELPDESK names no helpdesk",
			"set HANDOVER_HELPDESK to "+config.Helpdesks().Choice())}
	}
	s := cfg.Settings()
	if p := s.Problems(); len(p) > 0 {
		return nil, []helpdesk.Finding{helpdesk.Bad("helpdesk", "not checked: fix the "+d.Name+" settings above first", "")}
	}
	hd, err := d.New(s, helpdesk.Deps{Logger: slog.New(slog.DiscardHandler), BotName: cfg.BotName})
	if err != nil {
		return nil, []helpdesk.Finding{helpdesk.Bad("helpdesk", err.Error(), "")}
	}
	var out []helpdesk.Finding
	if c, ok := hd.(helpdesk.Checker); ok {
		cctx, cancel := context.WithTimeout(ctx, doctorTimeout)
		err := c.Check(cctx)
		cancel()
		if err != nil {
			var ce *helpdesk.CheckError
			if errors.As(err, &ce) {
				fix := ce.Fix
				ce.Fix = ""
				return nil, append(out, helpdesk.Bad("credentials", ce.Error(), fix),
					helpdesk.Bad("helpdesk", "the other checks need working credentials: not checked", ""))
			}
			return nil, append(out, helpdesk.Bad("credentials", err.Error(), ""))
		}
		out = append(out, helpdesk.Ok("credentials", d.Name+" is reachable and takes them"))
	}
	if doc, ok := hd.(helpdesk.Doctor); ok {
		dctx, cancel := context.WithTimeout(ctx, doctorTimeout)
		out = append(out, doc.Diagnose(dctx, cfg.PublicURL)...)
		cancel()
	} else {
		out = append(out, helpdesk.Unchecked("helpdesk", "the "+d.Name+" adapter checks nothing more", "check the webhook and teams by hand"))
	}
	return hd, out
}

// checkLLM sends the model one tiny request that offers one tool and asks it to call it
// (bot.ProbeTools, through the client the bot answers with): ok when it does; a warning when it
// answers without (the deterministic human-request detector is then the only net); a problem,
// diagnosed by bot.Check, when the provider cannot be used.
func checkLLM(ctx context.Context, cfg config.Config) helpdesk.Finding {
	provider := strings.ToLower(strings.TrimSpace(cfg.LLMProvider))
	bcfg := bot.Config{Provider: provider, Model: cfg.LLMModel, BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey.Value()}
	switch provider {
	case "", bot.ProviderOffline:
		return helpdesk.Ok("LLM", "the offline provider: no LLM to check")
	case bot.ProviderOpenAI:
		bcfg.Model = cmp.Or(bcfg.Model, bot.DefaultOpenAIModel)
	case bot.ProviderAnthropic:
		bcfg.Model = cmp.Or(bcfg.Model, bot.DefaultAnthropicModel)
	default:
		return helpdesk.Bad("LLM", fmt.Sprintf("unknown provider %q", cfg.LLMProvider), "set HANDOVER_LLM_PROVIDER to offline, openai or anthropic")
	}
	timeout := cfg.LLMTimeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, 2*timeout)
	defer cancel()
	const noTools = "use a model that supports tool (function) calling; without it the deterministic detector is the only net for human requests"
	called, err := bot.ProbeTools(cctx, bcfg)
	if err != nil {
		// Let bot.Check say what is wrong with the URL, key or model.
		if cerr := bot.Check(cctx, bcfg); cerr != nil {
			return helpdesk.Bad("LLM", cerr.Error(), "check HANDOVER_LLM_BASE_URL, HANDOVER_LLM_API_KEY and HANDOVER_LLM_MODEL")
		}
		return helpdesk.Finding{Check: "LLM", Warn: true,
			Problem: "the model answers, but refused a request offering a tool: " + redactKey(netdiag.OneLine(err.Error()), cfg),
			Fix:     noTools}
	}
	if called {
		return helpdesk.Ok("LLM", fmt.Sprintf("%s model %s answers and calls tools", provider, bcfg.Model))
	}
	return helpdesk.Finding{Check: "LLM", Warn: true,
		Problem: fmt.Sprintf("%s model %s answers but did not call the tool it was asked to call", provider, bcfg.Model),
		Fix:     noTools}
}

// redactKey takes the LLM key out of a message shown to people.
func redactKey(m string, cfg config.Config) string {
	if k := cfg.LLMAPIKey.Value(); len(k) >= 4 {
		m = strings.ReplaceAll(m, k, "[redacted]")
	}
	return m
}
