// Package apiclient holds the HTTP client plumbing the helpdesk adapters share: a
// go-retryablehttp client whose retry policy depends on the kind of request (an idempotent
// call may be repeated, a message-creating POST only when the server surely did not act), a
// backoff that honours Retry-After but never waits past RetryWaitMax, a passthrough error
// handler, a slog-backed retryablehttp.LeveledLogger that redacts secrets, a RoundTripper
// that reports every attempt to an observer, helpers that drain bodies and redact
// transport errors, the one APIError every adapter returns for a failed call, and the
// strict JSON decoder of the webhooks (DecodeJSON).
//
// Vendor behaviour (which statuses are permanent, authentication, rate limiting, jitter,
// response envelopes) stays in the adapters: they plug it in through Options, or fill in
// what this package returns.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Kind says how a request may be retried. CheckRetry reads it from the request context,
// because retryablehttp hands it no request on transport errors.
type Kind int

const (
	// Idempotent requests (reads, and writes that set state) may be repeated harmlessly.
	// It is the zero Kind: a context without one is idempotent.
	Idempotent Kind = iota
	// Create requests (a POST that creates a message, note, tag...) carry no idempotency key,
	// so they are repeated only when the server surely did not create anything.
	Create
)

type kindKey struct{}

// WithKind returns ctx marked with the request kind k.
func WithKind(ctx context.Context, k Kind) context.Context {
	return context.WithValue(ctx, kindKey{}, k)
}

// KindOf returns the kind ctx was marked with, Idempotent if none.
func KindOf(ctx context.Context) Kind {
	k, _ := ctx.Value(kindKey{}).(Kind)
	return k
}

// CheckRetry is a retryablehttp.CheckRetry that retries 429s (see NewCheckRetry).
func CheckRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	return checkRetry(ctx, resp, err, true)
}

// NewCheckRetry returns the retry policy for a client.
//
// Idempotent requests are retried on transport errors (as retryablehttp.DefaultRetryPolicy
// decides) and on 429, 500, 502, 503 and 504. A Create request is retried only on 429 and 503
// (the request was refused before any work) and on a refused connection (it never reached the
// server): never after a timeout, a reset or a 500, when the server may have acted. Other
// statuses are never retried. With retry429 false, 429s are left to the caller (who may wait
// for them on its own rate limiter). A done context stops retrying with its error.
func NewCheckRetry(retry429 bool) retryablehttp.CheckRetry {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		return checkRetry(ctx, resp, err, retry429)
	}
}

func checkRetry(ctx context.Context, resp *http.Response, err error, retry429 bool) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	kind := KindOf(ctx)
	if err != nil {
		if kind == Create {
			return IsConnRefused(err), nil
		}
		return retryablehttp.DefaultRetryPolicy(ctx, nil, err)
	}
	if resp == nil {
		return false, nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return retry429, nil
	case http.StatusServiceUnavailable:
		return true, nil
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return kind == Idempotent, nil
	}
	return false, nil
}

// IsConnRefused reports a dial that the server refused: nothing was sent.
func IsConnRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && errors.Is(err, syscall.ECONNREFUSED)
}

// CappedBackoff is retryablehttp.DefaultBackoff (exponential, honouring Retry-After on 429
// and 503) with every wait capped at max and never negative: the library does not cap
// Retry-After (go-retryablehttp issue #247).
func CappedBackoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	d := retryablehttp.DefaultBackoff(min, max, attempt, resp)
	if d > max {
		d = max
	}
	if d < 0 {
		d = 0
	}
	return d
}

// ParseRetryAfter parses a Retry-After value, delay-seconds or an HTTP date (relative to
// now; a date in the past gives a negative duration). ok is false for an empty or invalid
// value.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
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

// ErrorHandler is a retryablehttp.ErrorHandler that hands the last response back, so the
// caller reports its status in its own error type, and wraps a transport error with the
// attempt count.
func ErrorHandler(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if err == nil && resp != nil {
		return resp, nil
	}
	if resp != nil {
		Drain(resp.Body)
	}
	if err == nil {
		err = errors.New("no response")
	}
	return nil, fmt.Errorf("giving up after %d attempt(s): %w", attempts, err)
}

// Drain reads what is left of a body (at most 64 KiB) and closes it, so the connection can
// be reused. A nil body is ignored.
func Drain(body io.ReadCloser) {
	if body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

// Options configures NewClient.
type Options struct {
	// Timeout bounds each attempt (http.Client.Timeout).
	Timeout time.Duration
	// RetryMax is how many times a request is retried.
	RetryMax int
	// RetryWaitMax caps every wait between attempts; the minimum wait is
	// min(500ms, RetryWaitMax).
	RetryWaitMax time.Duration
	// Observe, if set, is told every attempt's method and status (0 for a transport error).
	Observe func(method string, status int)
	// CheckRetry is the retry policy; nil means CheckRetry.
	CheckRetry retryablehttp.CheckRetry
	// Backoff computes waits; nil means CappedBackoff.
	Backoff retryablehttp.Backoff
	// Logger receives retryablehttp's log lines, typically a Logger.
	Logger retryablehttp.LeveledLogger
	// PerMinute, when positive, is a client-side budget of requests a minute
	// (see Limiter); every attempt waits for it.
	PerMinute int
}

// NewClient builds a retrying client on cleanhttp's pooled transport, with ErrorHandler as
// its error handler. Callers may set further fields (PrepareRetry...) on the result.
func NewClient(o Options) *retryablehttp.Client {
	c := retryablehttp.NewClient() // HTTPClient: cleanhttp.DefaultPooledClient()
	c.HTTPClient.Timeout = o.Timeout
	// cleanhttp keeps GOMAXPROCS+1 idle connections per host: with hundreds
	// of turns in flight, every other call would open (and leave in
	// TIME_WAIT) a new connection to the helpdesk. Keep enough idle ones.
	if t, ok := c.HTTPClient.Transport.(*http.Transport); ok {
		t.MaxIdleConns = maxIdlePerHost
		t.MaxIdleConnsPerHost = maxIdlePerHost
	}
	if o.PerMinute > 0 {
		c.HTTPClient.Transport = budgetTransport{next: c.HTTPClient.Transport, lim: NewLimiter(o.PerMinute, nil)}
	}
	if o.Observe != nil {
		c.HTTPClient.Transport = ObservingTransport{Next: c.HTTPClient.Transport, Observe: o.Observe}
	}
	c.RetryMax = o.RetryMax
	c.RetryWaitMax = o.RetryWaitMax
	c.RetryWaitMin = min(500*time.Millisecond, o.RetryWaitMax)
	c.CheckRetry = o.CheckRetry
	if c.CheckRetry == nil {
		c.CheckRetry = CheckRetry
	}
	c.Backoff = o.Backoff
	if c.Backoff == nil {
		c.Backoff = CappedBackoff
	}
	c.ErrorHandler = ErrorHandler
	c.Logger = o.Logger
	return c
}

// NewRequest builds a request whose context carries kind, with "Accept: application/json"
// and userAgent set, and for a non-nil body that body and contentType.
func NewRequest(ctx context.Context, kind Kind, method, url string, body []byte, contentType, userAgent string) (*retryablehttp.Request, error) {
	var reqBody any
	if body != nil {
		reqBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(WithKind(ctx, kind), method, url, reqBody)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if body != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

// IsEmpty reports a body that holds only white space.
func IsEmpty(b []byte) bool { return len(bytes.TrimSpace(b)) == 0 }

// Success reports a 2xx status.
func Success(status int) bool { return status >= 200 && status <= 299 }

// maxIdlePerHost is how many idle connections to one helpdesk are kept.
const maxIdlePerHost = 512

// ObservingTransport reports every attempt's method and status (0 on a transport error) to
// Observe.
type ObservingTransport struct {
	Next    http.RoundTripper
	Observe func(method string, status int)
}

// RoundTrip implements http.RoundTripper.
func (t ObservingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.Next.RoundTrip(r)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	t.Observe(r.Method, status)
	return resp, err
}

// MaxResponseBody bounds a success body an adapter reads.
const MaxResponseBody = 16 << 20

// ReadBody reads a success body, at most MaxResponseBody.
func ReadBody(r io.Reader) ([]byte, error) { return io.ReadAll(io.LimitReader(r, MaxResponseBody)) }

// DecodeSuccess reads a success body (ReadBody) and decodes it into out; an empty body leaves
// out as it is. A failed read comes back as readErr (a transport error: the caller redacts and
// words it), a body that is not the JSON out expects as decodeErr.
func DecodeSuccess(body io.Reader, out any) (readErr, decodeErr error) {
	b, err := ReadBody(body)
	if err != nil {
		return err, nil
	}
	if IsEmpty(b) {
		return nil, nil
	}
	return nil, json.Unmarshal(b, out)
}
