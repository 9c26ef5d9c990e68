package libredesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/handover-dev/handover/handover"
)

// maxErrorBody is how much of an error response is read.
const maxErrorBody = 4 << 10

// maxResponseBody bounds a success body we decode.
const maxResponseBody = 16 << 20

// APIError is a non-2xx answer of the Libredesk API, or a 2xx whose envelope says
// "status":"error". Its message never contains a key or secret. Errors for 400, 401, 403, 404,
// 409 and 422 match handover.ErrPermanent with errors.Is: retrying will not fix them.
type APIError struct {
	Method    string
	Path      string // the request path (and query), never the host or a credential
	Status    int
	Message   string // the envelope's "message", credentials redacted
	ErrorType string // the envelope's "error_type", e.g. PermissionException
}

// Error implements error.
func (e *APIError) Error() string {
	msg := strings.TrimSpace(e.Message)
	if e.ErrorType != "" {
		msg = strings.TrimSpace(msg + " (" + e.ErrorType + ")")
	}
	if msg == "" {
		return fmt.Sprintf("libredesk api: %s %s: HTTP %d", e.Method, e.Path, e.Status)
	}
	return fmt.Sprintf("libredesk api: %s %s: HTTP %d: %s", e.Method, e.Path, e.Status, msg)
}

// Permanent reports whether retrying the request cannot succeed.
func (e *APIError) Permanent() bool {
	switch e.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusConflict, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// Is makes errors.Is(err, handover.ErrPermanent) true for permanent statuses.
func (e *APIError) Is(target error) bool {
	return target == handover.ErrPermanent && e.Permanent()
}

// requestKind says how a request may be retried; CheckRetry reads it from the request context
// (it gets no request on transport errors).
type requestKind int

const (
	// idempotentRequest: GETs and PUTs/POSTs that set state (assignee, team, status, the whole
	// tag list): repeating them is harmless.
	idempotentRequest requestKind = iota
	// createRequest: POST messages (and tags). Libredesk has no idempotency key, so it is
	// repeated only when the server surely did not create anything.
	createRequest
)

type kindKey struct{}

func withKind(ctx context.Context, k requestKind) context.Context {
	return context.WithValue(ctx, kindKey{}, k)
}

func kindOf(ctx context.Context) requestKind {
	k, _ := ctx.Value(kindKey{}).(requestKind)
	return k
}

// checkRetry is the client's retryablehttp.CheckRetry.
//
// Idempotent requests are retried on transport errors (as retryablehttp.DefaultRetryPolicy
// decides) and on 429, 500, 502, 503, 504. A create is retried only on 429 and 503 (refused
// before any work) and on a refused connection (it never reached Libredesk): never after a
// timeout, a reset or a 500, when the message may exist.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	kind := kindOf(ctx)
	if err != nil {
		if kind == createRequest {
			return isConnRefused(err), nil
		}
		return retryablehttp.DefaultRetryPolicy(ctx, nil, err)
	}
	if resp == nil {
		return false, nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true, nil
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return kind == idempotentRequest, nil
	}
	return false, nil
}

// isConnRefused reports a dial that the server refused: nothing was sent.
func isConnRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && errors.Is(err, syscall.ECONNREFUSED)
}

// cappedBackoff is retryablehttp.DefaultBackoff (exponential, honouring Retry-After on 429 and
// 503) with every wait capped at max: the library does not cap Retry-After (go-retryablehttp
// issue #247).
func cappedBackoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	d := retryablehttp.DefaultBackoff(min, max, attempt, resp)
	if d > max {
		d = max
	}
	if d < 0 {
		d = 0
	}
	return d
}

// errorHandler hands the last response back (so the caller reports its status as an APIError)
// and wraps transport errors with the attempt count.
func errorHandler(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if err == nil && resp != nil {
		return resp, nil
	}
	if resp != nil {
		drain(resp.Body)
	}
	if err == nil {
		err = errors.New("no response")
	}
	return nil, fmt.Errorf("giving up after %d attempt(s): %w", attempts, err)
}

// drain reads what is left of a body (bounded) and closes it, so the connection can be reused.
func drain(body io.ReadCloser) {
	if body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

// redactor removes secrets from text bound for errors and logs.
type redactor struct{ secrets []string }

func newRedactor(secrets ...string) redactor {
	var r redactor
	for _, s := range secrets {
		// Values under 4 characters are left alone: replacing them would garble every
		// message. Libredesk's keys and secrets are long random strings.
		if len(strings.TrimSpace(s)) >= 4 {
			r.secrets = append(r.secrets, s)
		}
	}
	return r
}

func (r redactor) redact(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "[REDACTED]")
	}
	return s
}

// leveledLogger adapts slog to retryablehttp.LeveledLogger. Values are rendered as text and
// redacted. retryablehttp logs every failed attempt as an error; the adapter reports the final
// outcome itself, so those become warnings.
type leveledLogger struct {
	l *slog.Logger
	r redactor
}

func (l leveledLogger) log(level slog.Level, msg string, kv []any) {
	if !l.l.Enabled(context.Background(), level) {
		return
	}
	args := make([]any, 0, len(kv))
	for i, v := range kv {
		if i%2 == 0 {
			args = append(args, v)
			continue
		}
		switch x := v.(type) {
		case string:
			args = append(args, l.r.redact(x))
		case error:
			args = append(args, l.r.redact(x.Error()))
		case fmt.Stringer:
			args = append(args, l.r.redact(x.String()))
		case time.Duration, int, int64, bool:
			args = append(args, x)
		default:
			args = append(args, l.r.redact(fmt.Sprint(x)))
		}
	}
	l.l.Log(context.Background(), level, "libredesk http: "+l.r.redact(msg), args...)
}

// Error implements retryablehttp.LeveledLogger.
func (l leveledLogger) Error(msg string, kv ...any) { l.log(slog.LevelWarn, msg, kv) }

// Info implements retryablehttp.LeveledLogger.
func (l leveledLogger) Info(msg string, kv ...any) { l.log(slog.LevelInfo, msg, kv) }

// Debug implements retryablehttp.LeveledLogger.
func (l leveledLogger) Debug(msg string, kv ...any) { l.log(slog.LevelDebug, msg, kv) }

// Warn implements retryablehttp.LeveledLogger.
func (l leveledLogger) Warn(msg string, kv ...any) { l.log(slog.LevelWarn, msg, kv) }

// newHTTPClient builds the adapter's single retrying client.
func newHTTPClient(cfg Config, r redactor, logger *slog.Logger) *retryablehttp.Client {
	c := retryablehttp.NewClient() // HTTPClient: cleanhttp.DefaultPooledClient()
	c.HTTPClient.Timeout = cfg.HTTPTimeout
	if cfg.Observe != nil {
		c.HTTPClient.Transport = observingTransport{next: c.HTTPClient.Transport, observe: cfg.Observe}
	}
	c.RetryMax = cfg.RetryMax
	c.RetryWaitMax = cfg.RetryWaitMax
	c.RetryWaitMin = min(500*time.Millisecond, cfg.RetryWaitMax)
	c.CheckRetry = checkRetry
	c.Backoff = cappedBackoff
	c.ErrorHandler = errorHandler
	c.Logger = leveledLogger{l: logger, r: r}
	return c
}

// envelope is fastglue's response envelope.
type envelope struct {
	Status    flexString      `json:"status"`
	Message   flexString      `json:"message"`
	ErrorType flexString      `json:"error_type"`
	Data      json.RawMessage `json:"data"`
}

// call performs one API call: method and path below the base URL, JSON in (nil for none) and
// the envelope's data decoded into out (nil to discard). Authentication is
// "Authorization: token <api_key>:<api_secret>" (cmd/middlewares.go authenticateUser;
// fastglue ParseAuthHeader with AuthToken).
func (a *Adapter) call(ctx context.Context, kind requestKind, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("libredesk api: %s %s: encode request: %w", method, path, err)
		}
	}
	var reqBody any
	if body != nil {
		reqBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(withKind(ctx, kind), method, a.cfg.BaseURL+path, reqBody)
	if err != nil {
		return fmt.Errorf("libredesk api: %s %s: %s", method, path, a.redact.redact(err.Error()))
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "handover-libredesk")
	req.Header.Set("Authorization", "token "+a.cfg.APIKey+":"+a.cfg.APISecret)

	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("libredesk api: %s %s: %w", method, path, a.transportError(err))
	}
	defer drain(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		apiErr := &APIError{Method: method, Path: path, Status: resp.StatusCode}
		var env envelope
		if json.Unmarshal(b, &env) == nil && (env.Message != "" || env.ErrorType != "") {
			apiErr.Message, apiErr.ErrorType = a.redact.redact(string(env.Message)), string(env.ErrorType)
		} else {
			apiErr.Message = a.redact.redact(clip(strings.TrimSpace(string(b)), 300))
		}
		return apiErr
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return fmt.Errorf("libredesk api: %s %s: read response: %w", method, path, a.transportError(err))
	}
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("libredesk api: %s %s: decode response envelope: %w", method, path, err)
	}
	if string(env.Status) == "error" {
		return &APIError{Method: method, Path: path, Status: resp.StatusCode,
			Message: a.redact.redact(string(env.Message)), ErrorType: string(env.ErrorType)}
	}
	if out == nil || len(bytes.TrimSpace(env.Data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("libredesk api: %s %s: decode response data: %w", method, path, err)
	}
	return nil
}

// redactedError keeps an error's chain (errors.Is still sees context.DeadlineExceeded, syscall
// errors...) while its text is redacted.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// transportError strips the URL from *url.Error (it names the host and path, already in our
// message) and redacts secrets from the text.
func (a *Adapter) transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		msg := strings.Replace(err.Error(), ue.Error(), ue.Err.Error(), 1)
		return &redactedError{msg: a.redact.redact(msg), err: ue.Err}
	}
	return &redactedError{msg: a.redact.redact(err.Error()), err: err}
}

// clip shortens s to n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// observingTransport reports every attempt's status to Config.Observe.
type observingTransport struct {
	next    http.RoundTripper
	observe func(method string, status int)
}

// RoundTrip implements http.RoundTripper.
func (t observingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	t.observe(r.Method, status)
	return resp, err
}
