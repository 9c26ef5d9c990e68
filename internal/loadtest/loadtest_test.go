package loadtest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunEveryHelpdesk runs a tiny load against every helpdesk with the real
// binary (`handover serve` and `handover load-reference` as child
// processes): nothing lost or doubled, calls counted per endpoint, the
// reference ran on the same schedule, side by side (the default) or one
// after the other. No timing is asserted.
func TestRunEveryHelpdesk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the handover binary")
	}
	exe := filepath.Join(t.TempDir(), "handover")
	if out, err := exec.Command("go", "build", "-o", exe, "../../cmd/handover").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	type run struct {
		helpdesk string
		history  int
		apart    bool // SideBySide off
	}
	// Every helpdesk as in the default run (new conversations), and with a
	// seeded history where the world keys conversations its own way
	// (Libredesk: uuids) or the reference skips events (LiveAgent: a
	// conversation's first message no longer starts a chat).
	runs := []run{{"chatwoot", 0, false}, {"libredesk", 0, false}, {"liveagent", 0, false}, {"zendesk", 0, false},
		{"intercom", 0, false}, {"libredesk", 4, false}, {"liveagent", 4, false}, {"chatwoot", 0, true}}
	for _, rn := range runs {
		h := rn.helpdesk
		t.Run(fmt.Sprintf("%s/history=%d/apart=%v", h, rn.history, rn.apart), func(t *testing.T) {
			o := Defaults()
			o.Helpdesk, o.Executable, o.SideBySide = h, exe, !rn.apart
			o.Rate, o.Duration, o.Gap, o.LLMLatency, o.History = 20, time.Second, 300*time.Millisecond, 50*time.Millisecond, rn.history
			o.Drain = 20 * time.Second // a slow CI machine: the drain ends as soon as all is answered
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rep, err := Run(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			ref, svc := rep.Result(TargetReference), rep.Result(TargetService)
			if ref == nil || svc == nil || len(rep.Results) != 2 || rep.Results[0] != ref {
				t.Fatalf("want the reference, then the service; got %+v", rep.Results)
			}
			for _, r := range []*Result{ref, svc} {
				if r.Sent == 0 || r.SendErrors != 0 || r.Sent != ref.Sent || r.Visitors != ref.Visitors {
					t.Errorf("%s: sent %d (errors %d), want the reference's %d", r.Target, r.Sent, r.SendErrors, ref.Sent)
				}
				if r.Lost != 0 || r.Doubled != 0 {
					t.Errorf("%s: lost %d, doubled %d; errors %v", r.Target, r.Lost, r.Doubled, r.Errors)
				}
				if r.Answers == 0 || r.EndToEnd.N != r.Sent {
					t.Errorf("%s: %d answers, %d end-to-end latencies for %d messages", r.Target, r.Answers, r.EndToEnd.N, r.Sent)
				}
				if r.Acks.N == 0 || r.AckFailures != 0 {
					t.Errorf("%s: %d acks, %d failed", r.Target, r.Acks.N, r.AckFailures)
				}
				if r.LLMCalls < r.Answers {
					t.Errorf("%s: %d LLM calls for %d answers", r.Target, r.LLMCalls, r.Answers)
				}
				// Every answer is one message post, logged under its endpoint with ids as {id}.
				posts := 0
				for _, e := range r.Calls {
					method, path, _ := strings.Cut(e.Endpoint, " ")
					if isReplyPath(method, path) {
						posts += e.Calls
					}
				}
				if posts < r.Answers || r.PerTurn(float64(r.TotalCalls())) < 1 {
					t.Errorf("%s: %d message posts for %d answers; calls %+v", r.Target, posts, r.Answers, r.Calls)
				}
				if !r.CPUMeasured || r.RSSPeak == 0 || !r.AllocMeasured || r.Allocated == 0 {
					t.Errorf("%s: child not measured: cpu %v (%v), rss peak %d, allocated %d (%v)",
						r.Target, r.CPU, r.CPUMeasured, r.RSSPeak, r.Allocated, r.AllocMeasured)
				}
			}
			// The reference never reads the history: it has no Load.
			for _, e := range ref.Calls {
				if strings.HasPrefix(e.Endpoint, "GET ") && strings.HasSuffix(e.Endpoint, "/messages") {
					t.Errorf("the reference read %s", e.Endpoint)
				}
			}
		})
	}
}
