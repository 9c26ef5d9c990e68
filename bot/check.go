package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/tmc/langchaingo/llms"

	"github.com/handover-dev/handover/internal/netdiag"
)

// Setting names the part of Config a failed Check points at.
type Setting string

// The settings a CheckError names.
const (
	SettingBaseURL Setting = "base URL"
	SettingAPIKey  Setting = "API key"
	SettingModel   Setting = "model"
	// SettingAccount: the provider account itself (quota, billing).
	SettingAccount Setting = "account"
)

// CheckError is a failed Check in one line: what went wrong, at which URL, what the provider
// said, and which setting to look at. Its text never holds the API key.
type CheckError struct {
	// Problem is "401 Unauthorized", "connection refused", "no answer in time"...
	Problem string
	// URL is the request's URL (no query).
	URL string
	// Detail is the provider's message, if any (the key redacted).
	Detail string
	// Setting is what to check.
	Setting Setting
	// Status is the HTTP status, 0 when nothing answered.
	Status int
	// Slow is set when the request reached the provider but its answer did not come in time:
	// a model still loading, or a slow provider. Nothing is known to be wrong.
	Slow bool
	// Err is the transport error, if any.
	Err error
}

// Error implements error: "<problem> at <url> (<detail>): check the <setting>".
func (e *CheckError) Error() string {
	fix := ""
	if e.Setting == SettingAccount {
		fix = "check the provider account's quota and billing"
	} else if e.Setting != "" {
		fix = "check the " + string(e.Setting)
	}
	return netdiag.Sentence(e.Problem, e.URL, e.Detail, fix)
}

// Unwrap returns the transport error.
func (e *CheckError) Unwrap() error { return e.Err }

// Check sends the provider of cfg one tiny request, a one-token completion of "ping" with the
// configured model, and reports whether the base URL, the API key and the model work: nil, or
// a *CheckError. The offline provider needs no check. A rate limit (429 without
// "insufficient_quota") counts as working: the provider took the key. Bound it with ctx.
func Check(ctx context.Context, cfg Config) error {
	provider := strings.ToLower(strings.TrimSpace(cfg.Provider))
	var target, key string
	var body []byte
	header := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}
	switch provider {
	case "", ProviderOffline:
		return nil
	case ProviderOpenAI:
		base := strings.TrimSpace(cfg.BaseURL)
		if base == "" {
			base = defaultOpenAIBaseURL
		}
		key = cfg.APIKey
		token := key
		if token == "" {
			token = dummyToken
		}
		model := cfg.Model
		if model == "" {
			model = DefaultOpenAIModel
		}
		target = strings.TrimRight(base, "/") + "/chat/completions"
		header.Set("Authorization", "Bearer "+token)
		body, _ = json.Marshal(map[string]any{"model": model, "max_completion_tokens": 1,
			"messages": []map[string]string{{"role": "user", "content": "ping"}}})
	case ProviderAnthropic:
		base := strings.TrimSpace(cfg.BaseURL)
		if base == "" {
			base = "https://api.anthropic.com/v1"
		}
		key = cfg.APIKey
		model := cfg.Model
		if model == "" {
			model = DefaultAnthropicModel
		}
		target = strings.TrimRight(base, "/") + "/messages"
		header.Set("x-api-key", key)
		header.Set("anthropic-version", "2023-06-01")
		body, _ = json.Marshal(map[string]any{"model": model, "max_tokens": 1,
			"messages": []map[string]string{{"role": "user", "content": "ping"}}})
	default:
		return fmt.Errorf("bot: unknown LLM provider %q", cfg.Provider)
	}
	shown := target
	if u, err := url.Parse(target); err == nil {
		u.User, u.RawQuery, u.Fragment = nil, "", ""
		shown = u.String()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return &CheckError{Problem: "not a URL", URL: shown, Setting: SettingBaseURL, Err: err}
	}
	req.Header = header
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{}
	}
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) { wrote.Store(i.Err == nil) },
	}))
	resp, err := client.Do(req)
	if err != nil {
		problem := netdiag.Describe(ctx, err)
		return &CheckError{Problem: problem, URL: shown, Setting: SettingBaseURL, Err: err,
			Slow: wrote.Load() && problem == "no answer in time"}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	status := resp.StatusCode
	msg, code := providerMessage(raw)
	if key != "" && len(key) >= 4 {
		msg = strings.ReplaceAll(msg, key, "[redacted]")
	}
	fail := func(s Setting) error {
		return &CheckError{Problem: statusText(status), URL: shown, Detail: msg, Setting: s, Status: status}
	}
	modelProblem := code == "model_not_found" || mentionsMissingModel(msg)
	switch {
	case status >= 200 && status <= 299:
		if !looksLikeJSON(raw) {
			msg = "not JSON"
			return fail(SettingBaseURL)
		}
		return nil
	case status == http.StatusTooManyRequests:
		if code == "insufficient_quota" || strings.Contains(strings.ToLower(msg), "quota") {
			return fail(SettingAccount)
		}
		return nil // rate limited: the key was taken
	case status == http.StatusUnauthorized:
		return fail(SettingAPIKey)
	case status == http.StatusForbidden:
		if modelProblem {
			return fail(SettingModel)
		}
		return fail(SettingAPIKey)
	case status == http.StatusNotFound || status == http.StatusBadRequest:
		if modelProblem {
			return fail(SettingModel)
		}
		if status == http.StatusBadRequest {
			return nil // the provider took the key and the URL; only the tiny request displeased it
		}
		return fail(SettingBaseURL)
	}
	return fail(SettingBaseURL)
}

// providerMessage reads the error message and code of an OpenAI ({"error":{"message","code",
// "type"}}), Anthropic ({"error":{"type","message"}}) or Ollama ({"error":"..."}) error body.
func providerMessage(b []byte) (msg, code string) {
	var v struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(b, &v) != nil || len(v.Error) == 0 {
		return "", ""
	}
	var s string
	if json.Unmarshal(v.Error, &s) == nil {
		return netdiag.OneLine(s), ""
	}
	var e struct {
		Message string `json:"message"`
		Code    any    `json:"code"`
		Type    string `json:"type"`
	}
	if json.Unmarshal(v.Error, &e) != nil {
		return "", ""
	}
	code, _ = e.Code.(string)
	if code == "" {
		code = e.Type
	}
	return netdiag.OneLine(e.Message), code
}

// mentionsMissingModel reports a message about a model that does not exist or is not
// available ("The model `x` does not exist", "model 'x' not found", "model: x").
func mentionsMissingModel(msg string) bool {
	m := strings.ToLower(msg)
	if !strings.Contains(m, "model") {
		return false
	}
	for _, w := range []string{"not found", "does not exist", "not exist", "unknown", "invalid model", "no access", "not available", "model:"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return strconv.Itoa(status) + " " + t
	}
	return "HTTP " + strconv.Itoa(status)
}

func looksLikeJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// probeTool is the one function ProbeTools offers the model.
const probeTool = "ping"

// ProbeTools sends the configured model one tiny request that offers one tool and asks it to
// call it, through the same langchaingo client the bot answers with, and reports whether it
// did: a model that calls no tools leaves the deterministic human-request detector as the only
// net. An error means the request failed (Check then says why). The offline provider calls
// tools by construction. Bound it with ctx.
func ProbeTools(ctx context.Context, cfg Config) (bool, error) {
	if p := strings.ToLower(strings.TrimSpace(cfg.Provider)); p == "" || p == ProviderOffline {
		return true, nil
	}
	m, err := newModel(cfg, "")
	if err != nil {
		return false, err
	}
	tool := llms.Tool{Type: "function", Function: &llms.FunctionDefinition{
		Name: probeTool, Description: "Answers pong. Call it when asked to.",
		Parameters: map[string]any{"type": "object", "properties": map[string]any{}},
	}}
	msgs := []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman,
		"This is a connection test. Call the function "+probeTool+" now, with no arguments.")}
	resp, err := m.GenerateContent(ctx, msgs, llms.WithTools([]llms.Tool{tool}), llms.WithMaxTokens(256))
	if err != nil {
		return false, redact(err, cfg.APIKey)
	}
	_, calls := collect(resp)
	for _, c := range calls {
		if c.FunctionCall != nil && c.FunctionCall.Name == probeTool {
			return true, nil
		}
	}
	return false, nil
}
