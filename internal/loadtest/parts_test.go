package loadtest

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
)

func TestEndpointOf(t *testing.T) {
	for in, want := range map[string]string{
		"/api/v1/accounts/1/conversations/42/messages":                     "GET /api/v1/accounts/{id}/conversations/{id}/messages",
		"/api/v1/conversations/0b8a4b4e-8f5c-4a64-9b52-1c2d3e4f5a6b":       "GET /api/v1/conversations/{id}",
		"/api/v3/tickets/tk00001a/messages":                                "GET /api/v3/tickets/{id}/messages",
		"/sc/v2/apps/5f0c0e0c0e0c0e0c0e0c0e0c/conversations/abc1/messages": "GET /sc/v2/apps/{id}/conversations/{id}/messages",
		"/api/v3/agents": "GET /api/v3/agents",
	} {
		if got := endpointOf("GET", in); got != want {
			t.Errorf("endpointOf(%q) = %q, want %q", in, got, want)
		}
	}
	eps := byEndpoint([]sim.Call{
		{Method: "GET", Path: "/api/v1/x/1", Status: 200}, {Method: "GET", Path: "/api/v1/x/2", Status: 500},
		{Method: "POST", Path: "/api/v1/x/1/messages", Status: 200},
	})
	if len(eps) != 2 || eps[0] != (Endpoint{"GET /api/v1/x/{id}", 2, 1}) || eps[1] != (Endpoint{"POST /api/v1/x/{id}/messages", 1, 0}) {
		t.Fatalf("byEndpoint = %+v", eps)
	}
}

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := summarize(ds)
	want := Latencies{N: 100, P50: 50 * time.Millisecond, P90: 90 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}
	if got != want {
		t.Fatalf("summarize = %+v, want %+v", got, want)
	}
	if summarize(nil) != (Latencies{}) {
		t.Fatal("empty input")
	}
}

func TestScore(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	seeded := []entry{{roleVisitor, at(-20)}, {roleBot, at(-10)}}
	var tl tally
	// seeded history, then: answered (100 ms), a note, two messages answered together,
	// a doubled answer, and a last message never answered.
	tl.score(append(seeded,
		entry{roleVisitor, at(0)}, entry{roleOther, at(50)}, entry{roleBot, at(100)},
		entry{roleVisitor, at(200)}, entry{roleVisitor, at(300)}, entry{roleBot, at(500)}, entry{roleBot, at(600)},
		entry{roleVisitor, at(700)},
	), t0)
	if tl.visitor != 4 || tl.answers != 3 || tl.lost != 1 || tl.doubled != 1 || tl.coalesced != 1 {
		t.Fatalf("tally = %+v", tl)
	}
	got := summarize(tl.e2e)
	if got.N != 3 || got.Max != 300*time.Millisecond || got.P50 != 200*time.Millisecond {
		t.Fatalf("end-to-end = %+v", got)
	}
	if answered([]entry{{roleBot, at(0)}, {roleVisitor, at(1)}, {roleOther, at(2)}}) {
		t.Fatal("a last visitor message is not answered")
	}
	if !answered([]entry{{roleVisitor, at(0)}, {roleBot, at(1)}, {roleOther, at(2)}}) {
		t.Fatal("a bot answer after the last visitor message answers it")
	}
}

// The schedule is open loop at the set rate, inside the window, each
// visitor's messages at least 3/4 of the gap apart, and reproducible.
func TestSchedule(t *testing.T) {
	o := Defaults()
	o.Rate, o.Duration = 50, 200*time.Second
	s := newSchedule(o)
	rate := float64(len(s.arrivals)) / o.Duration.Seconds()
	if math.Abs(rate-o.Rate)/o.Rate > 0.05 {
		t.Fatalf("rate %.1f, want about %.0f", rate, o.Rate)
	}
	last := map[int]time.Duration{}
	for i, a := range s.arrivals {
		if a.at < 0 || a.at >= o.Duration || (i > 0 && a.at < s.arrivals[i-1].at) {
			t.Fatalf("arrival %d at %s: outside the window or out of order", i, a.at)
		}
		if prev, ok := last[a.visitor]; ok && (a.at-prev < o.Gap*3/4 || a.at-prev > o.Gap*5/4) {
			t.Fatalf("visitor %d: messages %s apart, want %s ±25%%", a.visitor, a.at-prev, o.Gap)
		}
		last[a.visitor] = a.at
	}
	again := newSchedule(o)
	if len(again.arrivals) != len(s.arrivals) || again.arrivals[len(s.arrivals)/2] != s.arrivals[len(s.arrivals)/2] {
		t.Fatal("the same seed gave another schedule")
	}
	o.Seed++
	if other := newSchedule(o); len(other.arrivals) > 0 && other.arrivals[0] == s.arrivals[0] {
		t.Fatal("another seed gave the same schedule")
	}
}

func TestRedisPrefix(t *testing.T) {
	if _, ok := redisPrefix([]string{"HANDOVER_LLM_MAX_CONCURRENCY=10"}); ok {
		t.Error("a prefix without Redis")
	}
	a, ok := redisPrefix([]string{"HANDOVER_REDIS_URL=redis://127.0.0.1:6379/0"})
	b, _ := redisPrefix([]string{"HANDOVER_REDIS_URL=redis://127.0.0.1:6379/0"})
	if !ok || !strings.HasPrefix(a, "handover:load:") || a == b {
		t.Errorf("prefixes %q and %q: want handover:load:<random>: and a new one each run", a, b)
	}
	c, _ := redisPrefix([]string{"HANDOVER_REDIS_PREFIX=x:", "HANDOVER_REDIS_URL=redis://h/0"})
	if !strings.HasPrefix(c, "x:load:") {
		t.Errorf("prefix %q does not extend the one set", c)
	}
}

func TestIsReplyPath(t *testing.T) {
	for path, want := range map[string]bool{
		"/api/v1/accounts/1/conversations/7/messages":      true, // Chatwoot
		"/api/v1/conversations/3f2a/messages":              true, // Libredesk
		"/api/v1/conversations/tk000001/messages":          true, // LiveAgent v1
		"/v2/apps/app_1/conversations/c_1/messages":        true, // Sunshine
		"/conversations/215474343849634/reply":             true, // Intercom
		"/api/v1/accounts/1/conversations/7/toggle_status": false,
		"/api/v1/accounts/1/conversations/7/messages/9":    false,
		"/conversations/215474343849634/parts":             false,
	} {
		if got := isReplyPath("POST", path); got != want {
			t.Errorf("isReplyPath(POST %s) = %v, want %v", path, got, want)
		}
	}
	if isReplyPath("GET", "/api/v1/accounts/1/conversations/7/messages") {
		t.Error("a GET is no reply")
	}
}
