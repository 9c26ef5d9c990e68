package libredesk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

const (
	testKey       = "key-7Hf29dLq"
	testAPISecret = "secret-Mx83hQpZ0aLw"
	testUUID      = "0b1f5d3e-7a9c-4e2b-8d6f-1a3c5e7b9d20"
)

// testAdapter returns an adapter for base with fast retries; logs go to buf if given.
func testAdapter(t *testing.T, base string, opts ...func(*Config)) *Adapter {
	t.Helper()
	cfg := Config{
		BaseURL: base, APIKey: testKey, APISecret: testAPISecret, BotAgentID: testBot, WebhookSecret: testSecret,
		InboxIDs: []int{1}, Teams: map[int]int{1: 2}, RetryWaitMax: 20 * time.Millisecond, HTTPTimeout: 2 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNewValidatesEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := New(Config{BaseURL: "ftp://x", APIKey: "a:b", InboxIDs: []int{0}, Teams: map[int]int{1: -2}})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"HANDOVER_LIBREDESK_URL", "HANDOVER_LIBREDESK_API_KEY", "HANDOVER_LIBREDESK_API_SECRET",
		"HANDOVER_LIBREDESK_BOT_AGENT_ID", "HANDOVER_LIBREDESK_WEBHOOK_SECRET", "HANDOVER_LIBREDESK_INBOX_IDS", "HANDOVER_LIBREDESK_TEAMS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	if _, err := New(Config{BaseURL: "https://user:pw@desk.example.com", APIKey: "k", APISecret: "s", BotAgentID: 1, WebhookSecret: "w", InboxIDs: []int{1}}); err == nil ||
		strings.Contains(err.Error(), "pw") {
		t.Fatalf("credentials in the URL: %v", err)
	}
}

func TestClientEnvelopeAndAuth(t *testing.T) {
	t.Parallel()
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		switch r.URL.Path {
		case "/api/v1/agents/compact":
			fmt.Fprint(w, `{"status":"success","data":[{"id":"3","first_name":"Alice","last_name":null,"availability_status":"online","enabled":true}]}`)
		case "/api/v1/statuses":
			fmt.Fprint(w, `{"status":"error","message":"odd","error_type":"GeneralException"}`)
		case "/api/v1/forbidden":
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"status":"error","message":"Permission denied","data":null,"error_type":"PermissionException"}`)
		default:
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, `<html>bad gateway</html>`)
		}
	}))
	defer srv.Close()
	a := testAdapter(t, srv.URL+"/", func(c *Config) { c.RetryMax = -1 })
	ctx := context.Background()

	list, err := a.agents(ctx)
	if err != nil || len(list) != 1 || list[0].ID != 3 || list[0].name() != "Alice" {
		t.Fatalf("agents: %+v %v", list, err)
	}
	if got := auth.Load(); got != "token "+testKey+":"+testAPISecret {
		t.Fatalf("Authorization %q", got)
	}

	err = a.call(ctx, idempotentRequest, http.MethodGet, "/api/v1/forbidden", nil, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 403 || apiErr.ErrorType != "PermissionException" || apiErr.Message != "Permission denied" {
		t.Fatalf("403: %#v", err)
	}
	if !errors.Is(err, handover.ErrPermanent) {
		t.Fatal("403 is permanent")
	}

	err = a.call(ctx, idempotentRequest, http.MethodGet, "/api/v1/statuses", nil, nil)
	if !errors.As(err, &apiErr) || apiErr.Status != 200 || apiErr.Message != "odd" {
		t.Fatalf(`200 with "status":"error": %v`, err)
	}

	err = a.call(ctx, idempotentRequest, http.MethodGet, "/api/v1/elsewhere", nil, nil)
	if !errors.As(err, &apiErr) || apiErr.Status != 502 || errors.Is(err, handover.ErrPermanent) || !strings.Contains(err.Error(), "bad gateway") {
		t.Fatalf("502 with an HTML body: %v", err)
	}
}

func TestClientRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		kind     requestKind
		statuses []int // answers in order; the last repeats
		wantN    int32
		wantErr  bool
	}{
		{"GET retried after 500", idempotentRequest, []int{500, 500, 200}, 3, false},
		{"GET 404 not retried", idempotentRequest, []int{404}, 1, true},
		{"create not retried after 500", createRequest, []int{500, 200}, 1, true},
		{"create not retried after 502", createRequest, []int{502, 200}, 1, true},
		{"create retried after 503", createRequest, []int{503, 200}, 2, false},
		{"create retried after 429", createRequest, []int{429, 200}, 2, false},
		{"gives up after RetryMax", idempotentRequest, []int{503}, 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				st := tc.statuses[min(i, len(tc.statuses)-1)]
				w.WriteHeader(st)
				if st == 200 {
					fmt.Fprint(w, `{"status":"success","data":true}`)
					return
				}
				fmt.Fprintf(w, `{"status":"error","message":"status %d","error_type":"GeneralException"}`, st)
			}))
			defer srv.Close()
			a := testAdapter(t, srv.URL)
			err := a.call(context.Background(), tc.kind, http.MethodPost, "/api/v1/x", map[string]any{"a": 1}, nil)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if got := n.Load(); got != tc.wantN {
				t.Fatalf("%d attempts, want %d", got, tc.wantN)
			}
		})
	}
}

func TestClientRetryAfterIsCapped(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, `{"status":"success","data":[]}`)
	}))
	defer srv.Close()
	a := testAdapter(t, srv.URL, func(c *Config) { c.RetryWaitMax = 100 * time.Millisecond })
	start := time.Now()
	if _, err := a.agents(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Retry-After 3600 was not capped: waited %s", d)
	}
}

func TestClientCreateNotRetriedAfterTimeout(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-time.After(500 * time.Millisecond):
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	a := testAdapter(t, srv.URL, func(c *Config) { c.HTTPTimeout = 100 * time.Millisecond })
	err := a.createMessage(context.Background(), testUUID, outgoingMessage{Message: "hi", SenderType: "agent"})
	if err == nil {
		t.Fatal("want a timeout")
	}
	if got := n.Load(); got != 1 {
		t.Fatalf("a message create was sent %d times after a timeout", got)
	}
}

func TestErrorsAndLogsHideSecrets(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A hostile or buggy server echoing the credentials back.
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, `{"status":"error","message":"bad auth %s","error_type":"GeneralException"}`, r.Header.Get("Authorization"))
	}))
	var logs bytes.Buffer
	a := testAdapter(t, srv.URL, func(c *Config) {
		c.RetryMax = 1
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	err := a.call(context.Background(), idempotentRequest, http.MethodGet, "/api/v1/agents/compact", nil, nil)
	srv.Close()
	err2 := a.call(context.Background(), idempotentRequest, http.MethodGet, "/api/v1/agents/compact", nil, nil) // connection refused
	for _, text := range []string{fmt.Sprint(err), fmt.Sprint(err2), logs.String()} {
		for _, sec := range []string{testKey, testAPISecret, testSecret} {
			if strings.Contains(text, sec) {
				t.Fatalf("secret %q leaked in %q", sec, text)
			}
		}
	}
	if err == nil || err2 == nil || !strings.Contains(err.Error(), "[REDACTED]") {
		t.Fatalf("errors: %v / %v", err, err2)
	}
}

func TestLoadCancelled(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	a := testAdapter(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := a.Load(ctx, testUUID)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Load after the deadline: %v", err)
	}
	if _, err := a.Load(context.Background(), "42"); !errors.Is(err, handover.ErrNotFound) {
		t.Fatalf("a non-uuid id: %v", err)
	}
}

func TestObserveCountsEveryAttempt(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"status":"success","data":[]}`)
	}))
	defer srv.Close()
	var mu sync.Mutex
	var seen []string
	a := testAdapter(t, srv.URL, func(c *Config) {
		c.Observe = func(method string, status int) {
			mu.Lock()
			seen = append(seen, fmt.Sprintf("%s %d", method, status))
			mu.Unlock()
		}
	})
	if _, err := a.agents(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	_, _ = a.agents(context.Background())
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 3 || seen[0] != "GET 503" || seen[1] != "GET 200" || seen[2] != "GET 0" {
		t.Fatalf("observed %v", seen)
	}
}
