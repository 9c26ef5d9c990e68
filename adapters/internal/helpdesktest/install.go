// Package helpdesktest holds the checks the adapters' tests share on what an adapter hands to
// package helpdesk: the steps and variables of an install (helpdesk.Installation) and the
// articles of a help center (helpdesk.HelpCenter).
package helpdesktest

import (
	"io"
	"maps"
	"net/http"
	"testing"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/sim"
)

// NewInstallation is the Installation "handover install" hands an adapter: publicURL, dry and
// args, with env as the environment and the environment file (Lookup); flag output is discarded.
func NewInstallation(publicURL string, env map[string]string, dry bool, args ...string) *helpdesk.Installation {
	return &helpdesk.Installation{PublicURL: publicURL, DryRun: dry, Args: args, Output: io.Discard,
		Lookup: func(n string) string { return env[n] }}
}

// States maps the What of each step in reported to its state.
func States(in *helpdesk.Installation) map[string]helpdesk.StepState {
	out := map[string]helpdesk.StepState{}
	for _, st := range in.Steps {
		out[st.What] = st.State
	}
	return out
}

// StatesAre reports whether the steps in reported are exactly want (What → state).
func StatesAre(in *helpdesk.Installation, want map[string]helpdesk.StepState) bool {
	return maps.Equal(States(in), want)
}

// Writes lists the calls of a simulator's log that are not GETs, as "METHOD /path".
func Writes(calls []sim.Call) []string {
	var out []string
	for _, c := range calls {
		if c.Method != http.MethodGet {
			out = append(out, c.Method+" "+c.Path)
		}
	}
	return out
}

// RerunChangedNothing fails t unless in, an install run again with env (holding what the first
// run wrote), reported every step as already, made none of the calls (the simulator's log
// since the first run) a write, and records no variable other than env has.
func RerunChangedNothing(t testing.TB, in *helpdesk.Installation, env map[string]string, calls []sim.Call) {
	t.Helper()
	for _, st := range in.Steps {
		if st.State != helpdesk.StepAlready {
			t.Errorf("second run: %s %s: %s", st.State, st.What, st.Detail)
		}
	}
	if w := Writes(calls); len(w) > 0 {
		t.Errorf("second run wrote: %v", w)
	}
	for k, v := range in.Env {
		if env[k] != v {
			t.Errorf("second run changed %s", k)
		}
	}
}
