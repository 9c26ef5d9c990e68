package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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
		m := netdiag.OneLine(err.Error())
		if k := cfg.LLMAPIKey.Value(); len(k) >= 4 {
			m = strings.ReplaceAll(m, k, "[redacted]")
		}
		return helpdesk.Bad("embeddings", m, "check HANDOVER_EMBEDDING_MODEL (a model the provider serves at /v1/embeddings), HANDOVER_LLM_BASE_URL and HANDOVER_LLM_API_KEY")
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

// doctorTool is the one function offered to the model.
const doctorTool = "ping"

// checkLLM sends one tiny request that offers one tool and asks the model to call it: ok when it
// does; a warning when it answers without (the deterministic human-request detector is then the
// only net); a problem, diagnosed by bot.Check, when the provider cannot be used.
func checkLLM(ctx context.Context, cfg config.Config) helpdesk.Finding {
	provider := strings.ToLower(strings.TrimSpace(cfg.LLMProvider))
	bcfg := bot.Config{Provider: provider, Model: cfg.LLMModel, BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey.Value()}
	timeout := cfg.LLMTimeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, 2*timeout)
	defer cancel()
	var target string
	var body []byte
	header := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}
	prompt := "This is a connection test. Call the function " + doctorTool + " now, with no arguments."
	description := "Answers pong. Call it when asked to."
	switch provider {
	case "", bot.ProviderOffline:
		return helpdesk.Ok("LLM", "the offline provider: no LLM to check")
	case bot.ProviderOpenAI:
		base, model := strings.TrimSpace(cfg.LLMBaseURL), cfg.LLMModel
		if base == "" {
			base = "https://api.openai.com/v1"
		}
		if model == "" {
			model = bot.DefaultOpenAIModel
		}
		token := cfg.LLMAPIKey.Value()
		if token == "" {
			token = "none"
		}
		bcfg.Model = model
		target = strings.TrimRight(base, "/") + "/chat/completions"
		header.Set("Authorization", "Bearer "+token)
		body, _ = json.Marshal(map[string]any{"model": model, "max_completion_tokens": 256,
			"messages": []map[string]string{{"role": "user", "content": prompt}},
			"tools": []any{map[string]any{"type": "function", "function": map[string]any{"name": doctorTool,
				"description": description, "parameters": map[string]any{"type": "object", "properties": map[string]any{}}}}}})
	case bot.ProviderAnthropic:
		base, model := strings.TrimSpace(cfg.LLMBaseURL), cfg.LLMModel
		if base == "" {
			base = "https://api.anthropic.com/v1"
		}
		if model == "" {
			model = bot.DefaultAnthropicModel
		}
		bcfg.Model = model
		target = strings.TrimRight(base, "/") + "/messages"
		header.Set("x-api-key", cfg.LLMAPIKey.Value())
		header.Set("anthropic-version", "2023-06-01")
		body, _ = json.Marshal(map[string]any{"model": model, "max_tokens": 256,
			"messages": []map[string]string{{"role": "user", "content": prompt}},
			"tools": []any{map[string]any{"name": doctorTool, "description": description,
				"input_schema": map[string]any{"type": "object", "properties": map[string]any{}}}}})
	default:
		return helpdesk.Bad("LLM", fmt.Sprintf("unknown provider %q", cfg.LLMProvider), "set HANDOVER_LLM_PROVIDER to offline, openai or anthropic")
	}
	fail := func(status int, raw []byte) helpdesk.Finding {
		// Let bot.Check say what is wrong with the URL, key or model.
		if err := bot.Check(cctx, bcfg); err != nil {
			return helpdesk.Bad("LLM", err.Error(), "check HANDOVER_LLM_BASE_URL, HANDOVER_LLM_API_KEY and HANDOVER_LLM_MODEL")
		}
		what := "no answer"
		if status != 0 {
			what = fmt.Sprintf("HTTP %d", status)
			m := netdiag.OneLine(string(raw))
			if k := cfg.LLMAPIKey.Value(); len(k) >= 4 {
				m = strings.ReplaceAll(m, k, "[redacted]")
			}
			if m != "" {
				what += " (" + m + ")"
			}
		}
		return helpdesk.Finding{Check: "LLM", Warn: true,
			Problem: "the model answers, but refused a request offering a tool: " + what,
			Fix:     "use a model that supports tool (function) calling; without it the deterministic detector is the only net for human requests"}
	}
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return helpdesk.Bad("LLM", "HANDOVER_LLM_BASE_URL is not a URL", "check HANDOVER_LLM_BASE_URL")
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fail(0, nil)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fail(resp.StatusCode, raw)
	}
	if calledTool(provider, raw) {
		return helpdesk.Ok("LLM", fmt.Sprintf("%s model %s answers and calls tools", provider, bcfg.Model))
	}
	return helpdesk.Finding{Check: "LLM", Warn: true,
		Problem: fmt.Sprintf("%s model %s answers but did not call the tool it was asked to call", provider, bcfg.Model),
		Fix:     "use a model that supports tool (function) calling; without it the deterministic detector is the only net for human requests"}
}

// calledTool reports an answer that calls doctorTool: OpenAI's choices[].message.tool_calls or
// Anthropic's content[] of type tool_use.
func calledTool(provider string, raw []byte) bool {
	if provider == bot.ProviderAnthropic {
		var v struct {
			Content []struct {
				Type string `json:"type"`
				Name string `json:"name"`
			} `json:"content"`
		}
		_ = json.Unmarshal(raw, &v)
		for _, c := range v.Content {
			if c.Type == "tool_use" && c.Name == doctorTool {
				return true
			}
		}
		return false
	}
	var v struct {
		Choices []struct {
			Message struct {
				ToolCalls []struct {
					Function struct {
						Name string `json:"name"`
					} `json:"function"`
				} `json:"tool_calls"`
			} `json:"message"`
		} `json:"choices"`
	}
	_ = json.Unmarshal(raw, &v)
	for _, c := range v.Choices {
		for _, tc := range c.Message.ToolCalls {
			if tc.Function.Name == doctorTool {
				return true
			}
		}
	}
	return false
}
