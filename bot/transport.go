package bot

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxIdlePerHost keeps connections to the LLM provider open between calls:
// Go's default keeps 2 per host, so hundreds of concurrent turns would open
// and close a connection per call.
const maxIdlePerHost = 1024

// httpClient returns the client the providers use: c (or a pooled default)
// with a transport that notes each call's HTTP status and Retry-After for
// overload handling (langchaingo's errors carry neither).
func httpClient(c *http.Client) *http.Client {
	if c == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = maxIdlePerHost
		t.MaxIdleConnsPerHost = maxIdlePerHost
		c = &http.Client{Transport: t}
	}
	out := *c
	base := out.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out.Transport = observingTransport{base: base}
	return &out
}

type callInfoKey struct{}

// callInfo is what the transport saw of one model call's last response.
type callInfo struct {
	mu         sync.Mutex
	status     int
	retryAfter time.Duration
}

// withCallInfo gives ctx a fresh callInfo for the transport to fill.
func withCallInfo(ctx context.Context) context.Context {
	return context.WithValue(ctx, callInfoKey{}, &callInfo{})
}

func (ci *callInfo) get() (int, time.Duration) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	return ci.status, ci.retryAfter
}

type observingTransport struct{ base http.RoundTripper }

func (t observingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	if ci, ok := r.Context().Value(callInfoKey{}).(*callInfo); ok {
		ci.mu.Lock()
		ci.status = resp.StatusCode
		ci.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		ci.mu.Unlock()
	}
	return resp, nil
}

// parseRetryAfter reads delay-seconds or an HTTP date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
