package simnet

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func newAPI(t *testing.T) (*Injector, *Middleware, *httptest.Server) {
	in := NewInjector(NewRand(1, 2))
	mw := NewMiddleware(in)
	resp := Responses{
		TooMany:     func(w http.ResponseWriter) { w.WriteHeader(http.StatusTooManyRequests) },
		ServerError: func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) },
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call := NewCall(r, ReadBody(r, 4))
		mw.Serve(w, r, &call, resp, func(w http.ResponseWriter) {
			call.Token = "key"
			_, _ = io.WriteString(w, "ok")
		})
	}))
	t.Cleanup(srv.Close)
	return in, mw, srv
}

func TestMiddlewareFaultsAndLog(t *testing.T) {
	in, mw, srv := newAPI(t)
	get := func() (*http.Response, error) {
		return http.Post(srv.URL+"/p?q=1", "text/plain", strings.NewReader("body!"))
	}
	in.SetFaults(Faults{Status429Rate: 1, RetryAfter: 1500 * time.Millisecond})
	if resp, err := get(); err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("429: %v %v", resp, err)
	}
	in.SetFaults(Faults{Status500Rate: 1})
	if resp, err := get(); err != nil || resp.StatusCode != 500 {
		t.Fatalf("500: %v %v", resp, err)
	}
	in.SetFaults(Faults{DropRate: 1})
	if resp, err := get(); err == nil {
		resp.Body.Close()
		t.Fatal("a dropped connection was answered")
	}
	// The client may see the dropped connection before the handler has logged it.
	for deadline := time.Now().Add(5 * time.Second); len(mw.Calls()) < 3 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	in.SetFaults(Faults{})
	if resp, err := get(); err != nil || resp.StatusCode != 200 {
		t.Fatalf("no fault: %v %v", resp, err)
	}
	calls := mw.Calls()
	want := []int{429, 500, 0, 200}
	if len(calls) != len(want) {
		t.Fatalf("calls %+v", calls)
	}
	for i, c := range calls {
		if c.Status != want[i] || c.Path != "/p" || c.Query != "q=1" || c.Body != "body" {
			t.Fatalf("call %d: %+v", i, c)
		}
	}
	if calls[3].Token != "key" || calls[0].Token != "" {
		t.Fatalf("tokens: %+v", calls)
	}
	mw.ResetCalls()
	if len(mw.Calls()) != 0 {
		t.Fatal("ResetCalls")
	}
}

// hookServer answers with the next status of a script (200 once it runs out).
type hookServer struct {
	mu     sync.Mutex
	script []int
	got    []http.Header
}

func (h *hookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, r.Header.Clone())
	status := 200
	if len(h.script) > 0 {
		status, h.script = h.script[0], h.script[1:]
	}
	w.WriteHeader(status)
}

func TestDeliverRetryPolicy(t *testing.T) {
	h := &hookServer{script: []int{500, 503, 500}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	in := NewInjector(NewRand(1, 2))
	d := NewDeliverer(in, srv.Client())
	defer d.Close()
	var res Result
	n := 0
	d.Send(Webhook{URL: srv.URL, Body: []byte("{}"), Event: "e", ID: "1",
		Header: func() http.Header { n++; return http.Header{"X-N": {string(rune('0' + n))}} },
		Policy: Policy{Attempts: 3, Wait: time.Millisecond, Growth: 2, Retry: func(status int, err error) bool { return err != nil || status >= 500 }},
		Done:   func(r Result) { time.Sleep(10 * time.Millisecond); res = r }})
	if err := d.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !res.Exhausted || res.OK || res.Attempts != 3 || res.Status != 500 {
		t.Fatalf("result %+v (WaitIdle must wait for Done)", res)
	}
	if log := d.Log(); len(log) != 3 || log[2].Attempt != 3 || log[0].Event != "e" || log[0].ID != "1" {
		t.Fatalf("log %+v", log)
	}
	h.mu.Lock()
	if h.got[0].Get("X-N") != "1" || h.got[2].Get("X-N") != "3" {
		t.Error("Header is not called per attempt")
	}
	// No retry without Retry; duplicates keep the id and are marked.
	h.script = []int{500}
	h.mu.Unlock()
	in.SetFaults(Faults{DuplicateWebhookRate: 1})
	d.Send(Webhook{URL: srv.URL, Event: "dup", ID: "2"})
	if err := d.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	log := d.Log()[3:]
	if len(log) != 2 || log[0].ID != "2" || log[1].ID != "2" || log[0].Duplicate == log[1].Duplicate {
		t.Fatalf("duplicates %+v", log)
	}
}

func TestDeliverBuildErrorAndClose(t *testing.T) {
	in := NewInjector(NewRand(1, 2))
	d := NewDeliverer(in, http.DefaultClient)
	var res Result
	d.Send(Webhook{URL: "http://bad host/", Policy: Policy{Attempts: 5, Retry: func(int, error) bool { return false }},
		Done: func(r Result) { res = r }})
	if err := d.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ae *AttemptError
	if !errors.As(res.Err, &ae) || !ae.Build || res.Attempts != 1 {
		t.Fatalf("build error: %+v", res)
	}

	// Close cancels a retry wait; Send after Close does nothing.
	srv := httptest.NewServer(&hookServer{script: []int{500}})
	defer srv.Close()
	d.Send(Webhook{URL: srv.URL, Policy: Policy{Attempts: 2, Wait: time.Hour, Retry: func(int, error) bool { return true }},
		Done: func(r Result) { res = r }})
	time.Sleep(50 * time.Millisecond)
	done := make(chan struct{})
	go func() { d.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop a retry wait")
	}
	if !res.Canceled {
		t.Fatalf("result %+v", res)
	}
	d.Send(Webhook{URL: srv.URL})
	if d.InFlight() != 0 {
		t.Fatal("Send after Close")
	}
}
