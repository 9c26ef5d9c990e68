package liveagent

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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"

	"github.com/handover-dev/handover/handover"
)

// maxErrorBody is how much of an error response APIError keeps.
const maxErrorBody = 512

// maxResponseBody bounds a success body we decode.
const maxResponseBody = 16 << 20

// rateLimitAttempts bounds how often one request is sent again after 429s.
const rateLimitAttempts = 20

// API selects LiveAgent's REST API version of a call.
type API int

// The two APIs the adapter uses.
const (
	// V3 is /api/v3: JSON bodies, the apikey header.
	V3 API = iota
	// V1 is /api: form-encoded bodies, the apikey parameter, responses
	// wrapped in {"response": ...} and errors possibly with HTTP 200.
	V1
)

func (a API) String() string {
	if a == V1 {
		return "v1"
	}
	return "v3"
}

// APIError is a failed LiveAgent API call: a non-2xx status, or an API v1
// {"response":{"status":"ERROR","errormessage":...}} body (often with HTTP
// 200). Its message never contains a key. Errors for 400, 401, 403, 404, 422
// and every v1 ERROR body match handover.ErrPermanent with errors.Is.
type APIError struct {
	API    API
	Method string
	Path   string // the request path, never the host, the query or a key
	Status int
	// Message is the error text LiveAgent returned (v3 "message", v1
	// "errormessage"), or the first 512 bytes of the body, keys redacted.
	Message string
	// V1Error is set for a v1 ERROR body.
	V1Error bool
}

// Error implements error.
func (e *APIError) Error() string {
	msg := strings.TrimSpace(e.Message)
	kind := fmt.Sprintf("HTTP %d", e.Status)
	if e.V1Error {
		kind += " with status ERROR"
	}
	if msg == "" {
		return fmt.Sprintf("liveagent api %s: %s %s: %s", e.API, e.Method, e.Path, kind)
	}
	return fmt.Sprintf("liveagent api %s: %s %s: %s: %s", e.API, e.Method, e.Path, kind, msg)
}

// Permanent reports whether retrying the request cannot succeed.
func (e *APIError) Permanent() bool {
	if e.V1Error {
		return true
	}
	switch e.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// NotFound reports a 404 (or a v1 error that names something not found).
func (e *APIError) NotFound() bool {
	return e.Status == http.StatusNotFound || (e.V1Error && strings.Contains(strings.ToLower(e.Message), "not found"))
}

// Is makes errors.Is(err, handover.ErrPermanent) true for permanent errors.
func (e *APIError) Is(target error) bool {
	return target == handover.ErrPermanent && e.Permanent()
}

// requestKind says how a request may be retried; CheckRetry reads it from
// the request context (it gets no request on transport errors).
type requestKind int

const (
	// idempotentRequest: GETs and updates that set state (transfer, ticket
	// update): repeating them is harmless.
	idempotentRequest requestKind = iota
	// createRequest: a POST that creates a message, a note, a tag or a
	// ticket. LiveAgent has no idempotency key, so it is repeated only when
	// LiveAgent surely did not act: a 429, a 503 or a refused connection,
	// never after a timeout, a reset or a 500.
	createRequest
)

type ctxKey int

const (
	kindKey ctxKey = iota
	limiterKey
)

func kindOf(ctx context.Context) requestKind {
	k, _ := ctx.Value(kindKey).(requestKind)
	return k
}

// checkRetry is the client's retryablehttp.CheckRetry. 429s are not retried
// here: call waits for them itself, on the limiter's clock.
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
	case http.StatusServiceUnavailable:
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

// cappedBackoff is retryablehttp.DefaultBackoff with every wait (Retry-After
// included) capped at max: the library does not cap Retry-After
// (go-retryablehttp issue #247).
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

// errorHandler hands the last response back (so the caller reports its
// status) and wraps transport errors with the attempt count.
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

// Limiter keeps one API key under its per-minute budget: a token bucket
// whose burst plus a minute of refill equals the budget, so no 60-second
// window ever holds more requests than LiveAgent allows. It runs on a Clock,
// so tests can pace it without waiting.
type Limiter struct {
	lim   *rate.Limiter
	clock Clock
}

// NewLimiter returns a limiter for perMinute requests a minute.
func NewLimiter(perMinute int, clock Clock) *Limiter {
	if perMinute <= 0 {
		perMinute = DefaultRateLimit
	}
	if clock == nil {
		clock = realClock{}
	}
	burst := max(1, min(10, perMinute/10))
	refill := float64(perMinute-burst) / 60
	if refill <= 0 {
		refill = float64(perMinute) / 60
	}
	return &Limiter{lim: rate.NewLimiter(rate.Limit(refill), burst), clock: clock}
}

// Wait blocks until a request may be sent or ctx ends.
func (l *Limiter) Wait(ctx context.Context) error {
	now := l.clock.Now()
	r := l.lim.ReserveN(now, 1)
	if !r.OK() {
		return errors.New("rate limiter: request exceeds the burst")
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if err := l.clock.Sleep(ctx, d); err != nil {
		r.CancelAt(l.clock.Now())
		return fmt.Errorf("waiting for the rate limiter: %w", err)
	}
	return nil
}

// redactor removes secrets from text bound for errors and logs.
type redactor struct{ secrets []string }

func newRedactor(secrets ...string) redactor {
	var r redactor
	for _, s := range secrets {
		if len(strings.TrimSpace(s)) >= 4 {
			r.secrets = append(r.secrets, s, url.QueryEscape(s))
		}
	}
	return r
}

func (r redactor) redact(s string) string {
	for _, sec := range r.secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[REDACTED]")
		}
	}
	return s
}

// leveledLogger adapts slog to retryablehttp.LeveledLogger with every value
// redacted; failed attempts are warnings (the adapter reports outcomes).
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
		case time.Duration, int, int64, bool:
			args = append(args, x)
		case *http.Request:
			args = append(args, x.Method+" "+x.URL.Path)
		default:
			args = append(args, l.r.redact(fmt.Sprint(x)))
		}
	}
	l.l.Log(context.Background(), level, "liveagent http: "+l.r.redact(msg), args...)
}

// Error implements retryablehttp.LeveledLogger.
func (l leveledLogger) Error(msg string, kv ...any) { l.log(slog.LevelWarn, msg, kv) }

// Info implements retryablehttp.LeveledLogger.
func (l leveledLogger) Info(msg string, kv ...any) { l.log(slog.LevelDebug, msg, kv) }

// Debug implements retryablehttp.LeveledLogger.
func (l leveledLogger) Debug(msg string, kv ...any) { l.log(slog.LevelDebug, msg, kv) }

// Warn implements retryablehttp.LeveledLogger.
func (l leveledLogger) Warn(msg string, kv ...any) { l.log(slog.LevelWarn, msg, kv) }

// client is the adapter's HTTP side: one retrying client, one limiter per key.
type client struct {
	cfg    Config
	http   *retryablehttp.Client
	v3, v1 *Limiter
	redact redactor
	log    *slog.Logger
}

func newClient(cfg Config, r redactor, logger *slog.Logger) *client {
	c := &client{cfg: cfg, redact: r, log: logger,
		v3: NewLimiter(cfg.RateLimit, cfg.Clock), v1: NewLimiter(cfg.RateLimit, cfg.Clock)}
	h := retryablehttp.NewClient() // HTTPClient: cleanhttp.DefaultPooledClient()
	h.HTTPClient.Timeout = cfg.HTTPTimeout
	if cfg.Observe != nil {
		h.HTTPClient.Transport = observingTransport{next: h.HTTPClient.Transport, observe: cfg.Observe}
	}
	h.RetryMax = cfg.RetryMax
	h.RetryWaitMax = cfg.RetryWaitMax
	h.RetryWaitMin = min(500*time.Millisecond, cfg.RetryWaitMax)
	h.CheckRetry = checkRetry
	h.Backoff = cappedBackoff
	h.ErrorHandler = errorHandler
	h.Logger = leveledLogger{l: logger, r: r}
	// Every retry is a request LiveAgent counts: it waits for the limiter too.
	h.PrepareRetry = func(req *http.Request) error {
		if l, ok := req.Context().Value(limiterKey).(*Limiter); ok {
			return l.Wait(req.Context())
		}
		return nil
	}
	c.http = h
	return c
}

// call is one API request.
type call struct {
	api    API
	kind   requestKind
	method string
	// path is below /api/v3 (V3) or /api (V1), e.g. "/tickets/abc".
	path  string
	query url.Values
	// form is a V1 body (form-encoded); json is a V3 body.
	form url.Values
	json any
}

// do performs c, waiting for the key's limiter before every attempt and
// for 429s (Retry-After, capped) as often as rateLimitAttempts allows; out
// (if not nil) receives the JSON body, for V1 the value inside "response".
func (c *client) do(ctx context.Context, rq call, out any) error {
	lim, prefix := c.v3, "/api/v3"
	if rq.api == V1 {
		lim, prefix = c.v1, "/api"
	}
	fullPath := prefix + rq.path
	var body []byte
	contentType := ""
	switch {
	case rq.api == V3 && rq.json != nil:
		b, err := json.Marshal(rq.json)
		if err != nil {
			return fmt.Errorf("liveagent api %s: %s %s: encode request: %w", rq.api, rq.method, fullPath, err)
		}
		body, contentType = b, "application/json"
	case rq.api == V1 && (rq.method == http.MethodPost || rq.method == http.MethodPut):
		form := url.Values{}
		for k, v := range rq.form {
			form[k] = v
		}
		form.Set("apikey", c.cfg.APIV1Key)
		body, contentType = []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	q := url.Values{}
	for k, v := range rq.query {
		q[k] = v
	}
	if rq.api == V1 {
		// The v1 key travels as a parameter; some v1 handlers (the
		// attendants PUT) read it from the query string only.
		q.Set("apikey", c.cfg.APIV1Key)
	}
	target := c.cfg.BaseURL + fullPath
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	ctx = context.WithValue(context.WithValue(ctx, kindKey, rq.kind), limiterKey, lim)
	for attempt := 1; ; attempt++ {
		if err := lim.Wait(ctx); err != nil {
			return fmt.Errorf("liveagent api %s: %s %s: %w", rq.api, rq.method, fullPath, err)
		}
		var reqBody any
		if body != nil {
			reqBody = body
		}
		req, err := retryablehttp.NewRequestWithContext(ctx, rq.method, target, reqBody)
		if err != nil {
			return fmt.Errorf("liveagent api %s: %s %s: %s", rq.api, rq.method, fullPath, c.redact.redact(err.Error()))
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "handover-liveagent")
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if rq.api == V3 {
			req.Header.Set("apikey", c.cfg.APIKey)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return fmt.Errorf("liveagent api %s: %s %s: %w", rq.api, rq.method, fullPath, c.transportError(err))
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			wait := c.retryAfter(resp, attempt)
			drain(resp.Body)
			if attempt >= rateLimitAttempts {
				return &APIError{API: rq.api, Method: rq.method, Path: fullPath, Status: resp.StatusCode, Message: "still rate limited after " + strconv.Itoa(attempt) + " attempts"}
			}
			c.log.WarnContext(ctx, "rate limited by LiveAgent; waiting", "api", rq.api.String(), "path", fullPath, "wait", wait.String(), "attempt", attempt)
			if err := c.cfg.Clock.Sleep(ctx, wait); err != nil {
				return fmt.Errorf("liveagent api %s: %s %s: waiting after 429: %w", rq.api, rq.method, fullPath, err)
			}
			continue
		}
		return c.finish(rq, fullPath, resp, out)
	}
}

// retryAfter is the 429's Retry-After (seconds or an HTTP date), capped at
// RateLimitWaitMax; without one, 1s, 2s, 4s... up to the cap.
func (c *client) retryAfter(resp *http.Response, attempt int) time.Duration {
	limit := c.cfg.RateLimitWaitMax
	if v := strings.TrimSpace(resp.Header.Get("Retry-After")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return min(time.Duration(n)*time.Second, limit)
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(0, min(t.Sub(c.cfg.Clock.Now()), limit))
		}
	}
	d := time.Second << min(attempt-1, 10)
	return min(d, limit)
}

// finish reads a response: errors become APIError, v1 bodies are unwrapped
// and checked for status ERROR.
func (c *client) finish(rq call, fullPath string, resp *http.Response, out any) error {
	defer drain(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return &APIError{API: rq.api, Method: rq.method, Path: fullPath, Status: resp.StatusCode, Message: c.redact.redact(errorText(rq.api, b))}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return fmt.Errorf("liveagent api %s: %s %s: read response: %w", rq.api, rq.method, fullPath, c.transportError(err))
	}
	if rq.api == V1 {
		var env struct {
			Response json.RawMessage `json:"response"`
		}
		if len(bytes.TrimSpace(b)) > 0 {
			if err := json.Unmarshal(b, &env); err != nil {
				return fmt.Errorf("liveagent api v1: %s %s: decode response: %w", rq.method, fullPath, err)
			}
		}
		var st struct {
			Status       string `json:"status"`
			ErrorMessage string `json:"errormessage"`
		}
		_ = json.Unmarshal(env.Response, &st)
		if strings.EqualFold(st.Status, "ERROR") {
			return &APIError{API: V1, Method: rq.method, Path: fullPath, Status: resp.StatusCode, V1Error: true, Message: c.redact.redact(st.ErrorMessage)}
		}
		b = env.Response
	}
	if out == nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("liveagent api %s: %s %s: decode response: %w", rq.api, rq.method, fullPath, err)
	}
	return nil
}

// errorText extracts LiveAgent's error message from an error body: v3
// ErrorResponse {"message"}, v1 {"response":{"errormessage"}}, else the raw
// (bounded) body.
func errorText(api API, b []byte) string {
	var v3 struct {
		Message string `json:"message"`
	}
	var v1 struct {
		Response struct {
			ErrorMessage string `json:"errormessage"`
		} `json:"response"`
	}
	if json.Unmarshal(b, &v3) == nil && v3.Message != "" {
		return v3.Message
	}
	if json.Unmarshal(b, &v1) == nil && v1.Response.ErrorMessage != "" {
		return v1.Response.ErrorMessage
	}
	return strings.TrimSpace(string(b))
}

// redactedError keeps an error's chain while its text is redacted.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// transportError strips the URL from *url.Error (it holds the v1 key in its
// query) and redacts secrets from the text.
func (c *client) transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		msg := strings.Replace(err.Error(), ue.Error(), ue.Op+": "+ue.Err.Error(), 1)
		return &redactedError{msg: c.redact.redact(msg), err: ue.Err}
	}
	return &redactedError{msg: c.redact.redact(err.Error()), err: err}
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
