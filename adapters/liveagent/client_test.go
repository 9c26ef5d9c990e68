package liveagent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

// fakeClock is a Clock whose Sleep moves time forward at once, so that minutes of rate
// limiting pass in microseconds. It is shared by the adapter and the simulator.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
		c.slept += d
	}
	return nil
}

func (c *fakeClock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}

func testAdapter(t *testing.T, base string, mod ...func(*Config)) *Adapter {
	t.Helper()
	cfg := Config{BaseURL: base, APIKey: "v3-secret-key-aaaa", APIV1Key: "v1-secret-key-bbbb", BotAgentID: "bot00001",
		WebhookSecret: "hook-secret-cccc", RetryWaitMax: 5 * time.Millisecond, HTTPTimeout: 2 * time.Second}
	for _, m := range mod {
		m(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The token bucket never lets more than the budget into any 60-second window, and paces the
// rest instead of failing.
func TestLimiterKeepsEveryMinuteUnderTheBudget(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(180, clk)
	var stamps []time.Time
	for range 400 {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		stamps = append(stamps, clk.Now())
	}
	for i := range stamps {
		n := 0
		for j := i; j < len(stamps) && stamps[j].Sub(stamps[i]) < time.Minute; j++ {
			n++
		}
		if n > 180 {
			t.Fatalf("%d requests in the minute after request %d", n, i)
		}
	}
	if clk.Slept() == 0 {
		t.Fatal("the limiter never waited")
	}
}

func TestLimiterWaitEndsWithContext(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(60, clk)
	ctx, cancel := context.WithCancel(context.Background())
	for range 6 { // the burst of 60 a minute
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if s := clk.Slept(); s != 0 {
		t.Fatalf("the burst waited %s", s)
	}
	cancel()
	if err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait after cancel = %v", err)
	}
}

// A 429 waits for Retry-After (on the clock, capped) and tries again; the caller sees success.
func TestRateLimitedRequestWaitsAndRetries(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			_, _ = io.WriteString(w, `{"id":"tk1","status":"T"}`)
		}
	}))
	defer srv.Close()
	clk := newFakeClock()
	a := testAdapter(t, srv.URL, func(c *Config) { c.Clock = clk; c.RateLimitWaitMax = 30 * time.Second })
	var tk ticket
	if err := a.c.do(context.Background(), call{api: V3, method: http.MethodGet, path: "/tickets/tk1"}, &tk); err != nil {
		t.Fatal(err)
	}
	if tk.Status != "T" || n.Load() != 3 {
		t.Fatalf("status %q after %d requests", tk.Status, n.Load())
	}
	if got := clk.Slept(); got < 37*time.Second || got > 40*time.Second {
		t.Fatalf("waited %s; want 7s + 30s (the cap)", got)
	}
}

// A message create is not sent again after a timeout (it may exist); a GET is.
func TestCreateIsNotRetriedAfterTimeoutButReadsAre(t *testing.T) {
	var posts, gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
			time.Sleep(300 * time.Millisecond)
			_, _ = io.WriteString(w, `{"response":{"status":"OK"}}`)
			return
		}
		if gets.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = io.WriteString(w, `[]`)
	}))
	defer srv.Close()
	a := testAdapter(t, srv.URL, func(c *Config) { c.HTTPTimeout = 50 * time.Millisecond })
	err := a.addMessage(context.Background(), "tk1", "hello", "M")
	if err == nil || posts.Load() != 1 {
		t.Fatalf("create after timeout: err %v, %d posts", err, posts.Load())
	}
	if _, _, err := a.history(context.Background(), "tk1"); err != nil || gets.Load() != 2 {
		t.Fatalf("GET after 502: err %v, %d gets", err, gets.Load())
	}
}

func TestCreateIsRetriedOn503(t *testing.T) {
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if posts.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, `{"response":{"status":"OK"}}`)
	}))
	defer srv.Close()
	a := testAdapter(t, srv.URL)
	if err := a.addMessage(context.Background(), "tk1", "hello", "M"); err != nil || posts.Load() != 2 {
		t.Fatalf("err %v after %d posts", err, posts.Load())
	}
}

// Keys never appear in errors: not from a transport error (the v1 key is in the URL), not from
// an error body that echoes them.
func TestErrorsNeverContainKeys(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprintf(w, `{"message":"key %s / %s rejected"}`, r.Header.Get("apikey"), r.URL.Query().Get("apikey"))
	}))
	a := testAdapter(t, srv.URL)
	errs := []error{
		a.c.do(context.Background(), call{api: V3, method: http.MethodGet, path: "/tickets/x"}, nil),
		a.c.do(context.Background(), call{api: V1, method: http.MethodGet, path: "/conversations/x"}, nil),
	}
	srv.Close() // now every request fails in transport
	errs = append(errs,
		a.c.do(context.Background(), call{api: V1, kind: createRequest, method: http.MethodPost, path: "/conversations/x/messages"}, nil),
		a.c.do(context.Background(), call{api: V1, method: http.MethodGet, path: "/conversations/x"}, nil))
	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d did not fail", i)
		}
		for _, k := range []string{"v3-secret-key-aaaa", "v1-secret-key-bbbb"} {
			if strings.Contains(err.Error(), k) {
				t.Fatalf("call %d: key in error: %v", i, err)
			}
		}
	}
	var apiErr *APIError
	if !errors.As(errs[0], &apiErr) || !errors.Is(errs[0], handover.ErrPermanent) || !strings.Contains(apiErr.Message, "[REDACTED]") {
		t.Fatalf("403: %v", errs[0])
	}
}

func TestConfigValidation(t *testing.T) {
	_, err := New(Config{BaseURL: "ftp://x", WebhookSecret: "a/b", BotAgentID: "{$x}", RateLimit: -1,
		Departments: map[string]string{"ok": "{bad}"}, APIKey: "super-secret-v3"})
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"HANDOVER_LIVEAGENT_URL", "HANDOVER_LIVEAGENT_API_V1_KEY", "HANDOVER_LIVEAGENT_BOT_AGENT_ID",
		"HANDOVER_LIVEAGENT_WEBHOOK_SECRET", "HANDOVER_LIVEAGENT_DEPARTMENTS", "HANDOVER_LIVEAGENT_RATE_LIMIT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %s in %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "super-secret-v3") {
		t.Fatal("secret in config error")
	}
	m, err := ParseDepartments(" dp1:dp2, dp3:dp4 ,")
	if err != nil || m["dp1"] != "dp2" || m["dp3"] != "dp4" {
		t.Fatalf("ParseDepartments = %v, %v", m, err)
	}
	if _, err := ParseDepartments("dp1-dp2"); err == nil {
		t.Fatal("want error")
	}
}
