package apiclient

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestCheckRetryTable(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	status := func(code int) *http.Response { return &http.Response{StatusCode: code, Header: http.Header{}} }
	tests := []struct {
		name     string
		kind     Kind
		retry429 bool
		resp     *http.Response
		err      error
		want     bool
	}{
		{"idempotent 429", Idempotent, true, status(429), nil, true},
		{"idempotent 429 left to caller", Idempotent, false, status(429), nil, false},
		{"idempotent 500", Idempotent, true, status(500), nil, true},
		{"idempotent 502", Idempotent, true, status(502), nil, true},
		{"idempotent 503", Idempotent, false, status(503), nil, true},
		{"idempotent 504", Idempotent, true, status(504), nil, true},
		{"idempotent 404", Idempotent, true, status(404), nil, false},
		{"idempotent 423", Idempotent, true, status(423), nil, false},
		{"idempotent 200", Idempotent, true, status(200), nil, false},
		{"idempotent reset", Idempotent, true, nil, reset, true},
		{"idempotent refused", Idempotent, true, nil, refused, true},
		{"create 429", Create, true, status(429), nil, true},
		{"create 429 left to caller", Create, false, status(429), nil, false},
		{"create 503", Create, true, status(503), nil, true},
		{"create 500", Create, true, status(500), nil, false},
		{"create 502", Create, true, status(502), nil, false},
		{"create 504", Create, true, status(504), nil, false},
		{"create refused", Create, true, nil, refused, true},
		{"create reset", Create, true, nil, reset, false},
		{"create timeout", Create, true, nil, context.DeadlineExceeded, false},
		{"no response, no error", Idempotent, true, nil, nil, false},
	}
	for _, tt := range tests {
		ctx := WithKind(context.Background(), tt.kind)
		got, err := NewCheckRetry(tt.retry429)(ctx, tt.resp, tt.err)
		if got != tt.want || err != nil {
			t.Errorf("%s: retry %v (err %v), want %v", tt.name, got, err, tt.want)
		}
		if tt.retry429 {
			if got2, _ := CheckRetry(ctx, tt.resp, tt.err); got2 != got {
				t.Errorf("%s: CheckRetry %v, NewCheckRetry(true) %v", tt.name, got2, got)
			}
		}
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if ok, err := CheckRetry(canceled, status(503), nil); ok || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: retry %v, err %v", ok, err)
	}
	if KindOf(context.Background()) != Idempotent {
		t.Error("unmarked context is not idempotent")
	}
}

func TestIsConnRefusedRealDial(t *testing.T) {
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
	if !IsConnRefused(dialErr) {
		t.Errorf("IsConnRefused(%v) = false", dialErr)
	}
	if IsConnRefused(context.DeadlineExceeded) {
		t.Error("a deadline counted as refused")
	}
}

func TestCappedBackoff(t *testing.T) {
	t.Parallel()
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"3600"}}}
	if d := CappedBackoff(time.Millisecond, 50*time.Millisecond, 0, resp); d != 50*time.Millisecond {
		t.Errorf("Retry-After 3600 → %s, want 50ms", d)
	}
	resp.Header.Set("Retry-After", "0")
	if d := CappedBackoff(time.Millisecond, 50*time.Millisecond, 0, resp); d != 0 {
		t.Errorf("Retry-After 0 → %s", d)
	}
	if d := CappedBackoff(10*time.Millisecond, 50*time.Millisecond, 10, nil); d != 50*time.Millisecond {
		t.Errorf("exponential → %s, want capped 50ms", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{" 7 ", 7 * time.Second, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), -time.Minute, true},
	}
	for _, tt := range tests {
		d, ok := ParseRetryAfter(tt.in, now)
		if d != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", tt.in, d, ok, tt.want, tt.ok)
		}
	}
}

func TestErrorHandler(t *testing.T) {
	t.Parallel()
	resp := &http.Response{StatusCode: 503, Body: io.NopCloser(strings.NewReader("x"))}
	if got, err := ErrorHandler(resp, nil, 3); got != resp || err != nil {
		t.Errorf("response not passed through: %v, %v", got, err)
	}
	got, err := ErrorHandler(nil, syscall.ECONNRESET, 4)
	if got != nil || !errors.Is(err, syscall.ECONNRESET) || !strings.Contains(err.Error(), "giving up after 4 attempt(s)") {
		t.Errorf("transport error: %v, %v", got, err)
	}
	if _, err := ErrorHandler(nil, nil, 1); err == nil {
		t.Error("no response and no error gave no error")
	}
}

func TestClientRetriesAndObserves(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if r.Header.Get("User-Agent") != "test-agent" || r.Header.Get("Accept") != "application/json" {
			t.Errorf("headers: %v", r.Header)
		}
		if n == 1 {
			w.Header().Set("Retry-After", "3600") // capped at RetryWaitMax
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	type seen struct {
		method string
		status int
	}
	var observed []seen
	c := NewClient(Options{
		Timeout:      time.Second,
		RetryMax:     2,
		RetryWaitMax: 10 * time.Millisecond,
		Observe: func(method string, status int) {
			mu.Lock()
			observed = append(observed, seen{method, status})
			mu.Unlock()
		},
		Logger: Logger{Log: slog.New(slog.DiscardHandler)},
	})
	req, err := NewRequest(context.Background(), Create, http.MethodPost, srv.URL+"/x", []byte(`{}`), "application/json", "test-agent")
	if err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("Content-Type") != "application/json" || KindOf(req.Context()) != Create {
		t.Errorf("request: %v, kind %v", req.Header, KindOf(req.Context()))
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	Drain(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d", resp.StatusCode)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("Retry-After not capped: took %s", time.Since(start))
	}
	snapshot := func() []seen {
		mu.Lock()
		defer mu.Unlock()
		s := observed
		observed = nil
		return s
	}
	want := []seen{{"POST", 503}, {"POST", 200}}
	if got := snapshot(); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("observed %v, want %v", got, want)
	}

	// A transport error is observed with status 0.
	addr := srv.Listener.Addr().String()
	srv.Close()
	req, _ = NewRequest(context.Background(), Create, http.MethodGet, "http://"+addr+"/", nil, "", "test-agent")
	if req.Header.Get("Content-Type") != "" {
		t.Error("Content-Type set without a body")
	}
	_, err = c.Do(req)
	if got := snapshot(); err == nil || len(got) == 0 || got[0].status != 0 {
		t.Errorf("closed server: err %v, observed %v", err, got)
	}
}

func TestRedactor(t *testing.T) {
	t.Parallel()
	r := NewRedactor("secret-token", "abc", "  ")
	if got := r.Redact("a secret-token and abc"); got != "a [REDACTED] and abc" {
		t.Errorf("Redact: %q", got)
	}
	var zero Redactor
	if got := zero.Redact("secret-token"); got != "secret-token" {
		t.Errorf("zero Redactor: %q", got)
	}
	u := NewURLRedactor("key+with/slash")
	if got := u.Redact("?apikey=key%2Bwith%2Fslash and key+with/slash"); got != "?apikey=[REDACTED] and [REDACTED]" {
		t.Errorf("URL Redactor: %q", got)
	}
	if got := NewRedactor("key+with/slash").Redact("key%2Bwith%2Fslash"); got != "key%2Bwith%2Fslash" {
		t.Errorf("plain Redactor removed an escaped form: %q", got)
	}
}

func TestTransportError(t *testing.T) {
	t.Parallel()
	r := NewURLRedactor("s3cr3t-key")
	ue := &url.Error{Op: "Get", URL: "https://host.example/api?apikey=s3cr3t-key", Err: context.DeadlineExceeded}
	err := r.TransportError(ue, false)
	if err.Error() != context.DeadlineExceeded.Error() || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("without op: %q", err)
	}
	wrapped := errors.Join(errors.New("giving up after 2 attempt(s)"), ue)
	err = r.TransportError(wrapped, true)
	if strings.Contains(err.Error(), "host.example") || !strings.Contains(err.Error(), "Get: "+context.DeadlineExceeded.Error()) {
		t.Errorf("with op: %q", err)
	}
	err = r.TransportError(errors.New("dial s3cr3t-key"), false)
	if err.Error() != "dial [REDACTED]" {
		t.Errorf("plain error: %q", err)
	}
}

func TestLogger(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := Logger{
		Log:      slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Redactor: NewRedactor("tok-12345"),
		Prefix:   "vendor http: ",
	}
	u, _ := url.Parse("https://h/x?t=tok-12345")
	l.Error("request failed tok-12345", "error", errors.New("boom tok-12345"), "url", u, "wait", time.Second, "n", 3)
	out := buf.String()
	if strings.Contains(out, "tok-12345") {
		t.Errorf("secret logged: %s", out)
	}
	for _, want := range []string{`"level":"WARN"`, `"msg":"vendor http: request failed [REDACTED]"`, `"wait":1000000000`, `"n":3`, `t=[REDACTED]`} {
		if !strings.Contains(out, want) {
			t.Errorf("log line lacks %s: %s", want, out)
		}
	}
	buf.Reset()
	l.StringerDurations = true
	l.InfoLevel = slog.LevelDebug
	l.Info("retrying", "timeout", 2*time.Second)
	if out := buf.String(); !strings.Contains(out, `"level":"DEBUG"`) || !strings.Contains(out, `"timeout":"2s"`) {
		t.Errorf("Info line: %s", out)
	}
	buf.Reset()
	quiet := Logger{Log: slog.New(slog.NewJSONHandler(&buf, nil))}
	quiet.Debug("hidden")
	if buf.Len() != 0 {
		t.Errorf("debug logged at info level: %s", buf.String())
	}
}
