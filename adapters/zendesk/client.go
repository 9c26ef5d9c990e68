package zendesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/handover-dev/handover/handover"
)

// maxErrorBody is how much of an error response APIError keeps.
const maxErrorBody = 512

// maxResponseBody bounds a success body we decode.
const maxResponseBody = 16 << 20

// ErrLocked is matched (errors.Is) by the error of a message post that Sunshine refused with
// 423 Locked: the conversation holds 30,000 messages, its limit, and takes no more (fact sheet
// §1.10). It is permanent: nothing is retried.
var ErrLocked = errors.New("conversation is locked: it reached Sunshine Conversations' 30,000-message limit")

// APIError is a non-2xx answer of the Sunshine Conversations or Support API. Its text never
// contains a key or token. 400, 401, 403, 404, 413, 422 and 423 match handover.ErrPermanent
// with errors.Is: retrying does not fix them.
type APIError struct {
	API    string // "sunshine" or "support"
	Method string
	Path   string // the request path and query, never the host or a credential
	Status int
	Body   string // the first 512 bytes of the response body, secrets redacted
}

// Error implements error.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("zendesk %s api: %s %s: HTTP %d", e.API, e.Method, e.Path, e.Status)
	if e.Status == http.StatusLocked {
		msg += ": " + ErrLocked.Error()
	}
	if body := strings.TrimSpace(e.Body); body != "" {
		msg += ": " + body
	}
	return msg
}

// Permanent reports whether retrying the request cannot succeed.
func (e *APIError) Permanent() bool {
	switch e.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusLocked:
		return true
	}
	return false
}

// Is makes errors.Is(err, handover.ErrPermanent) true for permanent statuses and
// errors.Is(err, ErrLocked) true for 423.
func (e *APIError) Is(target error) bool {
	switch target {
	case handover.ErrPermanent:
		return e.Permanent()
	case ErrLocked:
		return e.Status == http.StatusLocked
	}
	return false
}

// requestKind says how a request may be retried; CheckRetry reads it from the request context
// (it gets no request on transport errors).
type requestKind int

const (
	// idempotentRequest: reads, switchboard actions (passControl to a named integration is
	// idempotent), and ticket creation with an Idempotency-Key.
	idempotentRequest requestKind = iota
	// createRequest: POST messages. Sunshine has no idempotency key for messages, so it is
	// repeated only when the server surely did not create the message.
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
// decides) and on 429, 500, 502, 503, 504. A message create is retried only on 429 and 503 (the
// request was refused before any work) and on a refused connection (it never reached the
// server): never after a timeout, a reset or a 500, when the message may exist. 423 Locked and
// other 4xx are never retried.
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

// jitterBackoff waits as the server asks with Retry-After (on 429 and 503, seconds or an HTTP
// date), capped at hi: go-retryablehttp does not cap it (issue #247). Otherwise it waits
// lo·2^attempt with "equal jitter" (a random point in the upper half), capped at hi, so
// replicas that failed together do not retry together.
func jitterBackoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return clamp(d, 0, hi)
		}
	}
	d := lo << min(attempt, 30)
	if d <= 0 || d > hi {
		d = hi
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now), true
	}
	return 0, false
}

func clamp(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
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

// drain reads what is left of a body (bounded) and closes it.
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
		// Values under 4 characters are left alone: replacing them would garble every message.
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

// leveledLogger adapts slog to retryablehttp.LeveledLogger, with every value redacted.
// retryablehttp logs each failed attempt as an error; the adapter reports the final outcome
// itself, so those become warnings.
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
	l.l.Log(context.Background(), level, "zendesk http: "+l.r.redact(msg), args...)
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
	c.Backoff = jitterBackoff
	c.ErrorHandler = errorHandler
	c.Logger = leveledLogger{l: logger, r: r}
	return c
}

// api selects which API and credentials a call uses.
type api int

const (
	sunshineAPI api = iota // <base>/sc, Basic key id : key secret
	supportAPI             // <base>/api/v2, Basic <email>/token : api token
)

func (a api) String() string {
	if a == supportAPI {
		return "support"
	}
	return "sunshine"
}

// request is one API call.
type request struct {
	api    api
	kind   requestKind
	method string
	path   string // below /sc or below the base URL for Support ("/api/v2/…")
	in     any    // JSON body, or nil
	out    any    // decoded success body, or nil to discard
	// idempotencyKey is sent as Idempotency-Key (Support API ticket creation).
	idempotencyKey string
}

// call performs one API call.
func (a *Adapter) call(ctx context.Context, rq request) error {
	fullPath := rq.path
	if rq.api == sunshineAPI {
		fullPath = "/sc" + rq.path
	}
	var body []byte
	if rq.in != nil {
		var err error
		if body, err = json.Marshal(rq.in); err != nil {
			return fmt.Errorf("zendesk %s api: %s %s: encode request: %w", rq.api, rq.method, fullPath, err)
		}
	}
	var reqBody any
	if body != nil {
		reqBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(withKind(ctx, rq.kind), rq.method, a.cfg.BaseURL+fullPath, reqBody)
	if err != nil {
		return fmt.Errorf("zendesk %s api: %s %s: %s", rq.api, rq.method, fullPath, a.redact.redact(err.Error()))
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "handover-zendesk")
	if rq.api == supportAPI {
		req.SetBasicAuth(a.cfg.Email+"/token", a.cfg.APIToken)
	} else {
		req.SetBasicAuth(a.cfg.KeyID, a.cfg.KeySecret)
	}
	if rq.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", rq.idempotencyKey)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("zendesk %s api: %s %s: %w", rq.api, rq.method, fullPath, a.transportError(err))
	}
	defer drain(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return &APIError{API: rq.api.String(), Method: rq.method, Path: fullPath, Status: resp.StatusCode, Body: a.redact.redact(string(b))}
	}
	if rq.out == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return fmt.Errorf("zendesk %s api: %s %s: read response: %w", rq.api, rq.method, fullPath, a.transportError(err))
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, rq.out); err != nil {
		return fmt.Errorf("zendesk %s api: %s %s: decode response: %w", rq.api, rq.method, fullPath, err)
	}
	return nil
}

// redactedError keeps an error's chain (errors.Is still sees context.DeadlineExceeded, syscall
// errors…) while its text is redacted.
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
