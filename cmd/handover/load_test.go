package main

import (
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/internal/loadtest"
)

// The report shows both targets side by side with their ratio, and the
// calls per turn of every endpoint either of them called.
func TestPrintReport(t *testing.T) {
	o := loadtest.Defaults()
	o.Helpdesk = "liveagent"
	svc := &loadtest.Result{Target: loadtest.TargetService, Visitors: 3, Sent: 4, Answers: 4, LLMCalls: 4,
		Calls: []loadtest.Endpoint{{Endpoint: "GET /api/v3/tickets/{id}/messages", Calls: 8}, {Endpoint: "POST /api/conversations/{id}/messages", Calls: 4, Failed: 1}},
		CPU:   40 * time.Millisecond, CPUMeasured: true, RSSPeak: 30 << 20,
		Acks: loadtest.Latencies{N: 8, P50: 2 * time.Millisecond, P99: 9 * time.Millisecond}}
	ref := &loadtest.Result{Target: loadtest.TargetReference, Visitors: 3, Sent: 4, Answers: 4, LLMCalls: 4,
		Calls: []loadtest.Endpoint{{Endpoint: "POST /api/conversations/{id}/messages", Calls: 4}},
		CPU:   10 * time.Millisecond, CPUMeasured: true, RSSPeak: 20 << 20,
		Acks: loadtest.Latencies{N: 8, P50: time.Millisecond, P99: 3 * time.Millisecond}}
	var b strings.Builder
	printReport(&b, &loadtest.Report{Options: o, Results: []*loadtest.Result{ref, svc}})
	out := strings.Join(strings.Fields(b.String()), " ") // columns are aligned with spaces
	for _, want := range []string{
		"service/reference",
		"helpdesk calls per turn              3.00       1.00              3.00x",
		"CPU per turn                       10.00ms     2.50ms              4.00x",
		"RSS peak                          30.0 MiB   20.0 MiB              1.50x",
		"ack p99                             9.00ms     3.00ms              3.00x",
		"GET /api/v3/tickets/{id}/messages      2.00      -",
		"POST /api/conversations/{id}/messages  1.00 [1]  1.00",
		"LiveAgent budget: 2.00 v3 + 1.00 v1 requests per turn; at 180 requests a minute per key, at most 90 plain turns a minute",
	} {
		if want = strings.Join(strings.Fields(want), " "); !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

// With several rounds the table is the median round's (by ack p99 ratio) and every round's
// ratios follow, with their medians; the worst round's losses decide the exit.
func TestPrintRounds(t *testing.T) {
	o := loadtest.Defaults()
	o.Helpdesk = "chatwoot"
	round := func(svcP99, refP99 time.Duration, lost int) []*loadtest.Result {
		return []*loadtest.Result{
			{Target: loadtest.TargetReference, Answers: 10, Acks: loadtest.Latencies{N: 10, P50: time.Millisecond, P99: refP99}},
			{Target: loadtest.TargetService, Answers: 10, Lost: lost, Acks: loadtest.Latencies{N: 10, P50: 2 * time.Millisecond, P99: svcP99}},
		}
	}
	rep := &loadtest.Report{Options: o, Rounds: [][]*loadtest.Result{
		round(6*time.Millisecond, time.Millisecond, 0), // 6x: a noisy round
		round(3*time.Millisecond, 2*time.Millisecond, 1),
		round(2*time.Millisecond, 2*time.Millisecond, 0),
	}}
	if m := rep.MedianRound(); m != 1 {
		t.Fatalf("median round %d, want 1 (1.5x between 1.0x and 6.0x)", m)
	}
	if lost, doubled := rep.Worst(loadtest.TargetService); lost != 1 || doubled != 0 {
		t.Fatalf("worst %d lost %d doubled", lost, doubled)
	}
	rep.Results = rep.Rounds[rep.MedianRound()]
	var b strings.Builder
	printReport(&b, rep)
	out := strings.Join(strings.Fields(b.String()), " ")
	for _, want := range []string{
		"ack p99 3.00ms 2.00ms 1.50x",
		"round ack p50 ack p99 e2e p99 CPU/turn calls/turn lost doubled",
		"1 2.00x 6.00x",
		"2* 2.00x 1.50x",
		"3 2.00x 1.00x",
		"median 2.00x 1.50x",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
