package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

// fakeInbound accepts header "X-Sig: ok" and bodies of the form
// {"conv":"1","id":"m1"}; {"ignore":true} yields no events.
type fakeInbound struct{}

func (fakeInbound) Name() string { return "fake" }
func (fakeInbound) Authenticate(h http.Header, secret string, _ []byte, _ time.Time) error {
	if h.Get("X-Sig") == "ok" || secret == "s3cret" {
		return nil
	}
	return errors.New("bad signature")
}
func (fakeInbound) DeliveryID(h http.Header) string { return h.Get("X-Delivery") }
func (fakeInbound) Parse(b []byte) ([]handover.Event, error) {
	var p struct {
		Conv, ID string
		Ignore   bool
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, errors.New("invalid JSON: " + err.Error())
	}
	if p.Ignore {
		return nil, nil
	}
	return []handover.Event{{Kind: handover.EventVisitorMessage, ConversationID: p.Conv, DedupKey: "m:" + p.ID}}, nil
}

type recQueue struct {
	mu   sync.Mutex
	evs  []handover.Event
	busy bool
}

func (q *recQueue) Submit(ev handover.Event) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.busy {
		return handover.ErrBusy
	}
	q.evs = append(q.evs, ev)
	return nil
}

func post(t *testing.T, h http.Handler, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestWebhookAnswers(t *testing.T) {
	q := &recQueue{}
	s := New(Options{Inbound: []Inbound{fakeInbound{}}, Queue: q, MaxBody: 64})
	ok := map[string]string{"X-Sig": "ok"}
	cases := []struct {
		name, path, body string
		hdr              map[string]string
		status           int
		inBody           string
	}{
		{"forged", "/webhooks/fake", `{"conv":"1","id":"a"}`, map[string]string{"X-Sig": "forged"}, 401, "bad signature"},
		{"missing", "/webhooks/fake", `{"conv":"1","id":"a"}`, nil, 401, "bad signature"},
		{"too large", "/webhooks/fake", `{"conv":"1","id":"` + strings.Repeat("x", 100) + `"}`, ok, 413, "body over 64 bytes"},
		{"malformed", "/webhooks/fake", `{"conv":`, ok, 400, "invalid JSON"},
		{"ignored", "/webhooks/fake", `{"ignore":true}`, ok, 200, "ignored"},
		{"unknown helpdesk", "/webhooks/nope", `{}`, ok, 404, "no helpdesk"},
		{"accepted", "/webhooks/fake", `{"conv":"1","id":"a"}`, ok, 200, "accepted"},
		{"same event again", "/webhooks/fake", `{"conv":"1","id":"a"}`, ok, 200, "duplicate"},
		{"path secret", "/webhooks/fake/s3cret", `{"conv":"1","id":"b"}`, nil, 200, "accepted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := post(t, s, tc.path, tc.body, tc.hdr)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.inBody) {
				t.Fatalf("got %d %s, want %d containing %q", rec.Code, rec.Body.String(), tc.status, tc.inBody)
			}
		})
	}
	if len(q.evs) != 2 {
		t.Fatalf("queued %d events, want 2 (bad input must change nothing)", len(q.evs))
	}
}

func TestDeliveryDedupeAndBusyForgets(t *testing.T) {
	q := &recQueue{busy: true}
	s := New(Options{Inbound: []Inbound{fakeInbound{}}, Queue: q, RetryAfter: 7 * time.Second})
	hdr := map[string]string{"X-Sig": "ok", "X-Delivery": "d1"}
	rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, hdr)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "7" {
		t.Fatalf("busy: %d %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	q.busy = false
	// The helpdesk's retry of the same delivery must be accepted now.
	if rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, hdr); rec.Code != 200 || !strings.Contains(rec.Body.String(), "accepted") {
		t.Fatalf("retry: %d %s", rec.Code, rec.Body.String())
	}
	for i := 0; i < 4; i++ {
		if rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, hdr); !strings.Contains(rec.Body.String(), "duplicate") {
			t.Fatalf("repeat %d: %s", i, rec.Body.String())
		}
	}
	if len(q.evs) != 1 {
		t.Fatalf("queued %d, want 1", len(q.evs))
	}
}

func TestDrainAndProbesAndMetrics(t *testing.T) {
	q := &recQueue{}
	s := New(Options{Inbound: []Inbound{fakeInbound{}}, Queue: q})
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	if get("/healthz").Code != 200 || get("/readyz").Code != 200 {
		t.Fatal("probes")
	}
	post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, map[string]string{"X-Sig": "bad"})
	s.Drain()
	if get("/readyz").Code != 503 {
		t.Fatal("readyz while draining")
	}
	if rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"z"}`, map[string]string{"X-Sig": "ok"}); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("webhook while draining: %d", rec.Code)
	}
	body, _ := io.ReadAll(get("/metrics").Body)
	if !strings.Contains(string(body), `handover_webhooks_total{helpdesk="fake",outcome="unauthorized"} 1`) {
		t.Fatalf("metrics:\n%s", body)
	}
}

func bytesReader(b []byte) io.Reader { return strings.NewReader(string(b)) }

// waitQueue is a WaitQueue whose turns end as the test says.
type waitQueue struct {
	recQueue
	result chan error // what each SubmitWait's turn ends with; closed: none ends
}

func (q *waitQueue) SubmitWait(ctx context.Context, ev handover.Event) error {
	if err := q.Submit(ev); err != nil {
		return err
	}
	select {
	case err := <-q.result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestAckAfterTurn(t *testing.T) {
	q := &waitQueue{result: make(chan error, 4)}
	s := New(Options{Inbound: []Inbound{fakeInbound{}}, Queue: q, AckAfterTurn: 200 * time.Millisecond, RetryAfter: 3 * time.Second})
	hdr := map[string]string{"X-Sig": "ok", "X-Delivery": "d1"}

	// The turn is done: 200.
	q.result <- nil
	if rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, hdr); rec.Code != 200 || !strings.Contains(rec.Body.String(), "done") {
		t.Fatalf("done turn: %d %s", rec.Code, rec.Body.String())
	}
	// The turn failed: 503 with Retry-After, so the helpdesk redelivers.
	q.result <- errors.New("helpdesk down")
	if rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, hdr); rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "3" {
		t.Fatalf("failed turn: %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
	}
	// The turn outlasts the bound: 503 too.
	if rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, hdr); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("slow turn: %d %s", rec.Code, rec.Body.String())
	}
	// The same delivery ran three times: nothing is de-duplicated when the turn is waited for
	// (a redelivery after a crash must run again).
	if len(q.evs) != 3 {
		t.Fatalf("queued %d, want 3", len(q.evs))
	}
}

func TestBusyStatusAndHead(t *testing.T) {
	q := &recQueue{busy: true}
	s := New(Options{Inbound: []Inbound{fakeInbound{}}, Queue: q, BusyStatus: http.StatusServiceUnavailable})
	if rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, map[string]string{"X-Sig": "ok"}); rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("busy: %d %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	for path, want := range map[string]int{"/webhooks/fake": 200, "/webhooks/fake/s3cret": 200, "/webhooks/nope": 404} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, path, nil))
		if rec.Code != want {
			t.Fatalf("HEAD %s: %d, want %d", path, rec.Code, want)
		}
	}
	if len(q.evs) != 0 {
		t.Fatalf("queued %d, want 0", len(q.evs))
	}
}

// echoInbound is a fakeInbound whose helpdesk echoes the bot's writes: it expects one echo
// for conversation "7".
type echoInbound struct {
	fakeInbound
	expected int
}

func (e *echoInbound) Echo(ev handover.Event) bool {
	if ev.ConversationID == "7" && e.expected > 0 {
		e.expected--
		return true
	}
	return false
}

func TestExpectedEchoAcknowledgedWithoutATurn(t *testing.T) {
	q := &recQueue{}
	in := &echoInbound{expected: 1}
	m := NewMetrics()
	s := New(Options{Inbound: []Inbound{in}, Queue: q, Metrics: m})
	ok := map[string]string{"X-Sig": "ok"}
	if rec := post(t, s, "/webhooks/fake", `{"conv":"7","id":"e1"}`, ok); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"echo"`) {
		t.Fatalf("echo: %d %s", rec.Code, rec.Body.String())
	}
	if len(q.evs) != 0 {
		t.Fatalf("an echo reached the queue: %+v", q.evs)
	}
	// The expectation is taken: the next event of the chat is a turn.
	if rec := post(t, s, "/webhooks/fake", `{"conv":"7","id":"m2"}`, ok); !strings.Contains(rec.Body.String(), "accepted") || len(q.evs) != 1 {
		t.Fatalf("after the echo: %s, queued %d", rec.Body.String(), len(q.evs))
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `handover_webhooks_total{helpdesk="fake",outcome="echo"} 1`) {
		t.Fatalf("the echo is not counted:\n%s", rec.Body.String())
	}

	// Replicas sharing deliveries (NoEchoFilter): an expected echo is a turn like any event.
	q2, in2 := &recQueue{}, &echoInbound{expected: 1}
	s2 := New(Options{Inbound: []Inbound{in2}, Queue: q2, NoEchoFilter: true})
	if rec := post(t, s2, "/webhooks/fake", `{"conv":"7","id":"e1"}`, ok); !strings.Contains(rec.Body.String(), "accepted") || len(q2.evs) != 1 || in2.expected != 1 {
		t.Fatalf("with NoEchoFilter: %s, queued %d", rec.Body.String(), len(q2.evs))
	}
}

// countingDeduper is a MemoryDeduper that counts how it is asked.
type countingDeduper struct {
	*handover.MemoryDeduper
	mu          sync.Mutex
	single      int
	batches     [][]string
	forbidCalls bool
	t           *testing.T
}

func (d *countingDeduper) FirstSeen(key string) bool {
	d.mu.Lock()
	d.single++
	d.mu.Unlock()
	if d.forbidCalls {
		d.t.Errorf("FirstSeen(%q) called", key)
	}
	return d.MemoryDeduper.FirstSeen(key)
}

func (d *countingDeduper) FirstSeenAll(keys []string) []bool {
	d.mu.Lock()
	d.batches = append(d.batches, keys)
	d.mu.Unlock()
	if d.forbidCalls {
		d.t.Errorf("FirstSeenAll(%q) called", keys)
	}
	out := make([]bool, len(keys))
	for i, k := range keys {
		out[i] = d.MemoryDeduper.FirstSeen(k)
	}
	return out
}

// A webhook's delivery and events are marked as seen in one call to the server's Deduper; a
// body that does not parse or carries nothing marks nothing.
func TestDedupeKeysInOneCall(t *testing.T) {
	q := &recQueue{}
	d := &countingDeduper{MemoryDeduper: handover.NewMemoryDeduper(100, time.Hour), t: t}
	s := New(Options{Inbound: []Inbound{fakeInbound{}}, Queue: q, Dedupe: d})
	hdr := map[string]string{"X-Sig": "ok", "X-Delivery": "d1"}
	if rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, hdr); !strings.Contains(rec.Body.String(), "accepted") {
		t.Fatalf("first: %s", rec.Body.String())
	}
	if d.single != 0 || len(d.batches) != 1 || strings.Join(d.batches[0], ",") != "fake:delivery:d1,fake:1:m:a" {
		t.Fatalf("single %d, batches %q", d.single, d.batches)
	}
	if rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, hdr); !strings.Contains(rec.Body.String(), "duplicate") {
		t.Fatalf("repeat: %s", rec.Body.String())
	}
	// Another delivery of the same message: its event is a duplicate.
	if rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, map[string]string{"X-Sig": "ok", "X-Delivery": "d2"}); !strings.Contains(rec.Body.String(), "duplicate") {
		t.Fatalf("same message, new delivery: %s", rec.Body.String())
	}
	n := len(d.batches)
	post(t, s, "/webhooks/fake", `{"conv":`, map[string]string{"X-Sig": "ok", "X-Delivery": "d3"})
	post(t, s, "/webhooks/fake", `{"ignore":true}`, map[string]string{"X-Sig": "ok", "X-Delivery": "d4"})
	if len(d.batches) != n || d.single != 0 {
		t.Fatalf("a malformed or empty webhook was de-duplicated: %q", d.batches[n:])
	}
	// The queued event carries its key, for lanes that share a Deduper between replicas.
	if len(q.evs) != 1 || q.evs[0].SeenKey != "fake:1:m:a" {
		t.Fatalf("queued %+v, want one with its key", q.evs)
	}
}

func TestDedupeKeys(t *testing.T) {
	evs := []handover.Event{{ConversationID: "1", DedupKey: "m:a"}, {ConversationID: "1"}}
	keys, at := dedupeKeys("fake", "fake:delivery:d1", evs)
	if fmt.Sprint(keys, at) != "[fake:delivery:d1 fake:1:m:a fake:delivery:d1:1] [1 2]" {
		t.Fatalf("with a delivery id: %v %v", keys, at)
	}
	keys, at = dedupeKeys("fake", "", evs)
	if fmt.Sprint(keys, at) != "[fake:1:m:a] [0 -1]" {
		t.Fatalf("without: %v %v", keys, at)
	}
}
