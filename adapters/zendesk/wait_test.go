package zendesk

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/handover-dev/handover/handover"
)

// The wait for a person is left to Agent Workspace (docs/helpdesks/zendesk.md, "Waiting for a
// person"): Sunshine cannot list the conversations it holds (no WaitWatcher), and nothing tells
// whether an agent accepted the ticket, so a hand-back could take a chat from that agent (no
// HandBacker). A visitor's message while Agent Workspace has control is read and dropped.
// Whoever adds either interface must first find that guard, and change this test.
func TestNoWaitInterfaces(t *testing.T) {
	var a any = (*Adapter)(nil)
	if _, ok := a.(handover.WaitWatcher); ok {
		t.Error("the adapter implements handover.WaitWatcher: Sunshine lists conversations only by user")
	}
	if _, ok := a.(handover.HandBacker); ok {
		t.Error("the adapter implements handover.HandBacker: nothing tells a waiting chat from one an agent accepted")
	}
	body, err := os.ReadFile(filepath.Join("testdata", "user_message_standby.json"))
	if err != nil {
		t.Fatal(err)
	}
	if evs, err := Parse(testIntegration, body); err != nil || len(evs) != 0 {
		t.Fatalf("a visitor's message on standby: %v, %v; want no event", evs, err)
	}
}
