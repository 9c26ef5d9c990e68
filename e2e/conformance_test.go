package e2e

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/handover-dev/handover/adapters/all"
	"github.com/handover-dev/handover/internal/conformance"
)

var faultScale = flag.Int("fault.scale", 1, "multiply the fault suite's conversations (docs/reliability.md uses a larger scale)")

// TestConformance runs the kit's scenario table for every registered helpdesk: the same
// behaviour, over real HTTP, against each one's simulated helpdesk.
func TestConformance(t *testing.T) {
	for _, d := range all.Helpdesks {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			conformance.Scenarios(t, d)
		})
	}
}

// TestFaultSuite runs the kit's fault suite for every registered helpdesk: nothing lost,
// nothing doubled while deliveries repeat and reorder, the helpdesk and the LLM fail, replicas
// share the work and the process is SIGKILLed. Each run prints its counts;
// docs/reliability.md keeps a full run.
func TestFaultSuite(t *testing.T) {
	var total conformance.Counts
	for _, d := range all.Helpdesks {
		t.Run(d.Name, func(t *testing.T) {
			for i, fr := range conformance.FaultRuns(*faultScale) {
				t.Run(fr.Name, func(t *testing.T) {
					c := conformance.Fault(t, d, fr, int64(i+1))
					line := fmt.Sprintf("fault %-10s %-40s %s", d.Name, fr.Name+":", c)
					t.Log(line)
					reportFault(line)
					total.Sent += c.Sent
					total.Lost += c.Lost
					total.Doubled += c.Doubled
					if !c.OK() {
						t.Fatal(line)
					}
				})
			}
		})
	}
	line := fmt.Sprintf("fault total: visitor messages %d, lost %d, doubled %d", total.Sent, total.Lost, total.Doubled)
	t.Log(line)
	reportFault(line)
}

// reportFault appends a line to $HANDOVER_FAULT_REPORT (scripts/test.sh prints it).
func reportFault(line string) {
	p := os.Getenv("HANDOVER_FAULT_REPORT")
	if p == "" {
		return
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}
