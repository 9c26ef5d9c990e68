package chatwoot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/testenv"
)

// scripted answers each request with the next step; the last step repeats.
type scripted struct {
	attempts atomic.Int32
	steps    []func(w http.ResponseWriter, r *http.Request)
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.attempts.Add(1)) - 1
	if n >= len(s.steps) {
		n = len(s.steps) - 1
	}
	s.steps[n](w, r)
}

func status(code int, hdr ...string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"status":%d}`, code)
	}
}

// okConversation answers like GET /conversations/{id}.
func okConversation(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"id":42,"inbox_id":2,"status":"pending","meta":{},"custom_attributes":{},"labels":[],"payload":[]}`)
}

// hangup closes the connection without an answer (a reset/EOF for the client).
func hangup(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func retryAdapter(t *testing.T, url string, timeout time.Duration, logger *slog.Logger) *Adapter {
	t.Helper()
	a, err := New(Config{
		BaseURL: url, AccountID: fakeAccount, BotToken: fakeBotToken, UserToken: fakeUserToken, WebhookSecret: testSecret,
		RetryMax: 3, RetryWaitMax: 50 * time.Millisecond, HTTPTimeout: timeout, Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	get := func(a *Adapter, ctx context.Context) error {
		_, err := a.fetch(ctx, "42")
		return err
	}
	create := func(a *Adapter, ctx context.Context) error {
		return a.Post(ctx, &handover.Conversation{ID: "42"}, handover.Outgoing{Text: "hi"})
	}
	toggle := func(a *Adapter, ctx context.Context) error { return a.open(ctx, "42") }
	for _, tc := range []struct {
		name     string
		do       func(*Adapter, context.Context) error
		steps    []func(http.ResponseWriter, *http.Request)
		timeout  time.Duration
		attempts int32
		status   int // final APIError status, 0 for success, -1 for a transport error
	}{
		{"GET retried on 502", get, steps(status(502), okConversation), 0, 2, 0},
		{"GET retried on 500, 503, 504", get, steps(status(500), status(503), status(504), okConversation), 0, 4, 0},
		{"GET gives up after RetryMax", get, steps(status(502)), 0, 4, 502},
		{"GET not retried on 404", get, steps(status(404)), 0, 1, 404},
		{"GET not retried on 501", get, steps(status(501)), 0, 1, 501},
		{"GET retried after a reset", get, steps(hangup, okConversation), 0, 2, 0},
		{"GET retried after a timeout", get, steps(sleep(300*time.Millisecond, okConversation), okConversation), 100 * time.Millisecond, 2, 0},
		{"429 Retry-After capped at RetryWaitMax", get, steps(status(429, "Retry-After", "3600"), okConversation), 0, 2, 0},
		{"idempotent POST retried on 500", toggle, steps(status(500), status(200)), 0, 2, 0},
		{"message create not retried on 500", create, steps(status(500), status(200)), 0, 1, 500},
		{"message create not retried on 502", create, steps(status(502), status(200)), 0, 1, 502},
		{"message create retried on 429", create, steps(status(429, "Retry-After", "1"), status(200)), 0, 2, 0},
		{"message create retried on 503", create, steps(status(503), status(200)), 0, 2, 0},
		{"message create not retried after a timeout", create, steps(sleep(300*time.Millisecond, status(200)), status(200)), 100 * time.Millisecond, 1, -1},
		{"message create not retried after a reset", create, steps(hangup, status(200)), 0, 1, -1},
		{"message create not retried on 422", create, steps(status(422)), 0, 1, 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &scripted{steps: tc.steps}
			srv := httptest.NewServer(s)
			defer srv.Close()
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 2 * time.Second
			}
			a := retryAdapter(t, srv.URL, timeout, nil)
			start := time.Now()
			err := tc.do(a, t.Context())
			if time.Since(start) > 3*time.Second {
				t.Errorf("took %s: a wait was not capped", time.Since(start))
			}
			// Let a slow handler finish before counting.
			time.Sleep(20 * time.Millisecond)
			if got := s.attempts.Load(); got != tc.attempts {
				t.Errorf("%d attempts, want %d (err %v)", got, tc.attempts, err)
			}
			var apiErr *APIError
			switch {
			case tc.status == 0 && err != nil:
				t.Errorf("error %v, want success", err)
			case tc.status > 0 && (!errors.As(err, &apiErr) || apiErr.Status != tc.status):
				t.Errorf("error %v, want APIError %d", err, tc.status)
			case tc.status < 0 && (err == nil || errors.As(err, &apiErr)):
				t.Errorf("error %v, want a transport error", err)
			}
		})
	}
}

func steps(fs ...func(http.ResponseWriter, *http.Request)) []func(http.ResponseWriter, *http.Request) {
	return fs
}

func sleep(d time.Duration, then func(http.ResponseWriter, *http.Request)) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
		then(w, r)
	}
}

func TestCheckRetryConnRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, dialErr := (&http.Client{}).Get("http://" + addr + "/")
	if dialErr == nil {
		t.Skip("closed port accepted a connection")
	}
	ctx := t.Context()
	if ok, _ := apiclient.CheckRetry(apiclient.WithKind(ctx, createRequest), nil, dialErr); !ok {
		t.Errorf("message create not retried after connection refused: %v", dialErr)
	}
	if ok, _ := apiclient.CheckRetry(apiclient.WithKind(ctx, idempotentRequest), nil, dialErr); !ok {
		t.Error("GET not retried after connection refused")
	}
	if ok, _ := apiclient.CheckRetry(apiclient.WithKind(ctx, createRequest), nil, context.DeadlineExceeded); ok {
		t.Error("message create retried after a deadline")
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if ok, err := apiclient.CheckRetry(apiclient.WithKind(canceled, idempotentRequest), &http.Response{StatusCode: 503}, nil); ok || err == nil {
		t.Error("retried with a canceled context")
	}

	// End to end: a refused create is retried RetryMax times, then reported.
	a := retryAdapter(t, "http://"+addr, time.Second, nil)
	err = a.Post(ctx, &handover.Conversation{ID: "42"}, handover.Outgoing{Text: "hi"})
	if err == nil || !strings.Contains(err.Error(), "giving up after 4 attempt(s)") {
		t.Errorf("Post to a closed port: %v", err)
	}
}

func TestCappedBackoff(t *testing.T) {
	t.Parallel()
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"3600"}}}
	if d := apiclient.CappedBackoff(time.Millisecond, 50*time.Millisecond, 0, resp); d != 50*time.Millisecond {
		t.Errorf("Retry-After 3600 → %s, want 50ms", d)
	}
	resp.Header.Set("Retry-After", "0")
	if d := apiclient.CappedBackoff(time.Millisecond, 50*time.Millisecond, 0, resp); d != 0 {
		t.Errorf("Retry-After 0 → %s", d)
	}
	if d := apiclient.CappedBackoff(10*time.Millisecond, 50*time.Millisecond, 10, nil); d != 50*time.Millisecond {
		t.Errorf("exponential → %s, want capped 50ms", d)
	}
}

func TestAPIErrorPermanent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status    int
		permanent bool
	}{{400, false}, {401, true}, {403, true}, {404, true}, {422, true}, {429, false}, {500, false}, {503, false}} {
		err := fmt.Errorf("wrapped: %w", apiError("GET", "/x", &http.Response{StatusCode: tc.status}, ""))
		if got := errors.Is(err, handover.ErrPermanent); got != tc.permanent {
			t.Errorf("HTTP %d permanent = %v, want %v", tc.status, got, tc.permanent)
		}
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	// A hostile or buggy server echoes the token it got, in the body and in a redirect-less error.
	echo := func(code int) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
			fmt.Fprintf(w, `{"error":"bad token %s (secret %s)"}`, r.Header.Get("api_access_token"), testSecret)
		}
	}
	var logs testenv.LogBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, step := range [][]func(http.ResponseWriter, *http.Request){
		steps(echo(401)), steps(echo(500)), steps(echo(429)), steps(hangup),
	} {
		srv := httptest.NewServer(&scripted{steps: step})
		a := retryAdapter(t, srv.URL, time.Second, logger)
		var errs []error
		_, err := a.Load(t.Context(), "42")
		errs = append(errs, err)
		errs = append(errs, a.Post(t.Context(), &handover.Conversation{ID: "42"}, handover.Outgoing{Text: "x"}))
		_, err = a.Available(t.Context(), &handover.Conversation{ID: "42", Department: "inbox:2"})
		errs = append(errs, err)
		srv.Close()
		for _, err := range errs {
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, secret := range []string{fakeBotToken, fakeUserToken, testSecret} {
				if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v", err), secret) {
					t.Errorf("error leaks a secret: %v", err)
				}
			}
		}
	}
	out := logs.String()
	if !strings.Contains(out, "chatwoot http") {
		t.Fatalf("nothing logged at debug level: %q", out)
	}
	for _, secret := range []string{fakeBotToken, fakeUserToken, testSecret} {
		if strings.Contains(out, secret) {
			t.Errorf("logs leak %q:\n%s", secret, out)
		}
	}
	// The config error names variables, never values.
	_, err := New(Config{BaseURL: "ftp://x", BotToken: fakeBotToken})
	if err == nil || strings.Contains(err.Error(), fakeBotToken) || !strings.Contains(err.Error(), "HANDOVER_CHATWOOT_ACCOUNT_ID") {
		t.Errorf("config error: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	_, err := New(Config{})
	if err == nil {
		t.Fatal("empty config accepted")
	}
	for _, v := range []string{"HANDOVER_CHATWOOT_URL", "HANDOVER_CHATWOOT_ACCOUNT_ID", "HANDOVER_CHATWOOT_BOT_TOKEN", "HANDOVER_CHATWOOT_USER_TOKEN", "HANDOVER_CHATWOOT_WEBHOOK_SECRET"} {
		if !strings.Contains(err.Error(), v) {
			t.Errorf("config error does not name %s: %v", v, err)
		}
	}
	a, err := New(Config{BaseURL: "https://chat.example.com/", AccountID: 1, BotToken: "b", UserToken: "u", WebhookSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if a.cfg.BaseURL != "https://chat.example.com" || a.cfg.RetryMax != DefaultRetryMax || a.cfg.RetryWaitMax != DefaultRetryWaitMax || a.cfg.HTTPTimeout != DefaultHTTPTimeout {
		t.Errorf("defaults not applied: %+v", a.cfg)
	}
	if _, err := New(Config{BaseURL: "https://chat.example.com", AccountID: 1, BotToken: "b", UserToken: "u", WebhookSecret: "s", Teams: map[int]int{2: 0}}); err == nil {
		t.Error("team 0 accepted")
	}
}
