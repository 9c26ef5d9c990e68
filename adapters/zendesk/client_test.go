package zendesk

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/testenv"
)

// scripted answers request n with steps[n] (the last step repeats).
type scripted struct {
	n     atomic.Int32
	steps []func(w http.ResponseWriter, r *http.Request)
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(s.n.Add(1)) - 1
	if i >= len(s.steps) {
		i = len(s.steps) - 1
	}
	s.steps[i](w, r)
}

func status(code int, hdr ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"errors":[{"code":"x","title":"y"}]}`))
	}
}

func ok(w http.ResponseWriter, _ *http.Request) {
	_, _ = w.Write([]byte(`{"conversation":{"id":"c1"}}`))
}

func slow(d time.Duration) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		ok(w, r)
	}
}

func retryAdapter(t *testing.T, url string, mod ...func(*Config)) *Adapter {
	t.Helper()
	return testAdapter(t, append([]func(*Config){func(c *Config) {
		c.BaseURL = url
		c.RetryMax = 3
		c.RetryWaitMax = 5 * time.Millisecond
		c.HTTPTimeout = 200 * time.Millisecond
	}}, mod...)...)
}

func TestRetryPolicy(t *testing.T) {
	cases := []struct {
		name     string
		kind     requestKind
		steps    []func(http.ResponseWriter, *http.Request)
		attempts int32
		wantErr  bool
	}{
		{"read retried on 500", idempotentRequest, []func(http.ResponseWriter, *http.Request){status(500), ok}, 2, false},
		{"read retried on 429", idempotentRequest, []func(http.ResponseWriter, *http.Request){status(429, "Retry-After", "0"), ok}, 2, false},
		{"read retried on a timeout", idempotentRequest, []func(http.ResponseWriter, *http.Request){slow(400 * time.Millisecond), ok}, 2, false},
		{"read not retried on 404", idempotentRequest, []func(http.ResponseWriter, *http.Request){status(404), ok}, 1, true},
		{"read gives up", idempotentRequest, []func(http.ResponseWriter, *http.Request){status(502)}, 4, true},
		{"create retried on 429", createRequest, []func(http.ResponseWriter, *http.Request){status(429), ok}, 2, false},
		{"create retried on 503", createRequest, []func(http.ResponseWriter, *http.Request){status(503), ok}, 2, false},
		{"create not retried on 500", createRequest, []func(http.ResponseWriter, *http.Request){status(500), ok}, 1, true},
		{"create not retried after a timeout", createRequest, []func(http.ResponseWriter, *http.Request){slow(400 * time.Millisecond), ok}, 1, true},
		{"create not retried on 423", createRequest, []func(http.ResponseWriter, *http.Request){status(423), ok}, 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &scripted{steps: tc.steps}
			srv := httptest.NewServer(s)
			defer srv.Close()
			a := retryAdapter(t, srv.URL)
			err := a.call(context.Background(), request{api: sunshineAPI, kind: tc.kind, method: http.MethodPost, path: "/v2/apps/app1/conversations/c1/messages", in: map[string]string{"a": "b"}})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if got := s.n.Load(); got != tc.attempts {
				t.Fatalf("%d attempts, want %d", got, tc.attempts)
			}
		})
	}
}

func TestCreateRetriedWhenConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: the dial is refused, the message surely not created
	if ok, _ := apiclient.CheckRetry(apiclient.WithKind(context.Background(), createRequest), nil, &net.OpError{Op: "dial", Err: errors.New("x")}); ok {
		t.Fatal("a dial error that is not ECONNREFUSED must not be retried for a create")
	}
	a := retryAdapter(t, "http://"+addr)
	err = a.call(context.Background(), request{api: sunshineAPI, kind: createRequest, method: http.MethodPost, path: "/v2/x", in: map[string]string{}})
	if err == nil || !strings.Contains(err.Error(), "4 attempt") {
		t.Fatalf("want 4 attempts on a refused connection, got %v", err)
	}
}

func TestLockedIsPermanentAndClear(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusLocked)
		_, _ = w.Write([]byte(`{"errors":[{"code":"locked","title":"Conversation is locked"}]}`))
	}))
	defer srv.Close()
	a := retryAdapter(t, srv.URL)
	err := a.Post(context.Background(), &handover.Conversation{ID: "c1", State: handover.StateBot}, handover.Outgoing{Text: "hi"})
	if !errors.Is(err, ErrLocked) || !errors.Is(err, handover.ErrPermanent) || !strings.Contains(err.Error(), "30,000") {
		t.Fatalf("got %v", err)
	}
}

func TestJitterBackoff(t *testing.T) {
	resp := func(code int, retryAfter string) *http.Response {
		r := &http.Response{StatusCode: code, Header: http.Header{}}
		if retryAfter != "" {
			r.Header.Set("Retry-After", retryAfter)
		}
		return r
	}
	if d := jitterBackoff(time.Second, 10*time.Second, 1, resp(429, "3600")); d != 10*time.Second {
		t.Fatalf("Retry-After 3600 must be capped at the maximum: %s", d)
	}
	if d := jitterBackoff(time.Second, 10*time.Second, 1, resp(503, "2")); d != 2*time.Second {
		t.Fatalf("Retry-After 2: %s", d)
	}
	date := time.Now().Add(4 * time.Second).UTC().Format(http.TimeFormat)
	if d := jitterBackoff(time.Second, 10*time.Second, 1, resp(429, date)); d < 2*time.Second || d > 4*time.Second {
		t.Fatalf("Retry-After date: %s", d)
	}
	seen := map[time.Duration]bool{}
	for range 200 {
		d := jitterBackoff(100*time.Millisecond, 10*time.Second, 3, resp(500, ""))
		if d < 400*time.Millisecond || d > 800*time.Millisecond {
			t.Fatalf("attempt 3: %s outside [400ms, 800ms]", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Fatalf("no jitter: %d distinct waits", len(seen))
	}
	if d := jitterBackoff(time.Second, 3*time.Second, 40, resp(500, "")); d > 3*time.Second || d < 1500*time.Millisecond {
		t.Fatalf("capped: %s", d)
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	const keySecret, apiToken, hookSecret = "key-secret-LEAK", "api-token-LEAK", "hook-secret-LEAK"
	// A server that echoes the credentials it got in its error bodies.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("bad auth " + u + ":" + p + " " + hookSecret))
	}))
	defer srv.Close()
	var logs testenv.LogBuffer
	a := retryAdapter(t, srv.URL, func(c *Config) {
		c.KeySecret, c.APIToken, c.WebhookSecret = keySecret, apiToken, hookSecret
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := context.Background()
	var errs []error
	_, err := a.Load(ctx, "c1")
	errs = append(errs, err)
	_, err = a.Available(ctx, &handover.Conversation{ID: "c1"})
	errs = append(errs, err)
	errs = append(errs, a.LeaveOffline(ctx, &handover.Conversation{ID: "c1"}, handover.Handoff{Email: "x@example.com"}))
	errs = append(errs, a.Post(ctx, &handover.Conversation{ID: "c1"}, handover.Outgoing{Text: "hi"}))
	for _, err := range errs {
		if err == nil {
			t.Fatal("want an error")
		}
		for _, s := range []string{keySecret, apiToken, hookSecret} {
			if strings.Contains(err.Error(), s) {
				t.Fatalf("error leaks a secret: %v", err)
			}
		}
	}
	for _, s := range []string{keySecret, apiToken, hookSecret} {
		if strings.Contains(logs.String(), s) {
			t.Fatalf("logs leak a secret:\n%s", logs.String())
		}
	}
	if !strings.Contains(errs[0].Error(), "[REDACTED]") {
		t.Fatalf("the echoed secret should show as redacted: %v", errs[0])
	}
}

func TestObserveCountsEveryAttempt(t *testing.T) {
	s := &scripted{steps: []func(http.ResponseWriter, *http.Request){status(503), ok}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	var mu sync.Mutex
	var seen []int
	a := retryAdapter(t, srv.URL, func(c *Config) {
		c.Observe = func(_ string, status int) { mu.Lock(); seen = append(seen, status); mu.Unlock() }
	})
	if _, err := a.fetch(context.Background(), "c1"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0] != 503 || seen[1] != 200 {
		t.Fatalf("observed %v", seen)
	}
}

func TestNewValidates(t *testing.T) {
	_, err := New(Config{Subdomain: "Not A Subdomain", GroupID: "abc", Buttons: "carousel", KeySecret: "super-secret-value"})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"HANDOVER_ZENDESK_SUBDOMAIN", "HANDOVER_ZENDESK_APP_ID", "HANDOVER_ZENDESK_KEY_ID", "HANDOVER_ZENDESK_INTEGRATION_ID",
		"HANDOVER_ZENDESK_WEBHOOK_SECRET", "HANDOVER_ZENDESK_EMAIL", "HANDOVER_ZENDESK_API_TOKEN", "HANDOVER_ZENDESK_GROUP_ID", "HANDOVER_ZENDESK_BUTTONS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %s in %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "super-secret-value") {
		t.Fatal("the error prints a secret")
	}
	a := testAdapter(t, func(c *Config) { c.BaseURL, c.Subdomain = "", "acme" })
	if a.cfg.BaseURL != "https://acme.zendesk.com" || a.cfg.Buttons != ButtonsReply || a.cfg.AgentWorkspace != "zd:agentWorkspace" {
		t.Fatalf("defaults: %+v", a.cfg)
	}
	if _, err := New(Config{BaseURL: "https://user:pw@acme.example", AppID: "a", KeyID: "k", KeySecret: "s", IntegrationID: "i",
		WebhookSecret: "w", Email: "e@x", APIToken: "t"}); err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("credentials in the URL: %v", err)
	}
}

func TestPostRefusesBadConversationID(t *testing.T) {
	a := testAdapter(t)
	err := a.Post(context.Background(), &handover.Conversation{ID: "../../apps"}, handover.Outgoing{Text: "x"})
	if !errors.Is(err, handover.ErrPermanent) {
		t.Fatalf("got %v", err)
	}
	if _, err := a.Load(context.Background(), "a/b"); !errors.Is(err, handover.ErrNotFound) {
		t.Fatalf("Load: %v", err)
	}
}
