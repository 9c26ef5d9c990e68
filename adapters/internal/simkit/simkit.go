// Package simkit holds what the adapters' simulated worlds (their Descriptor.Sandbox, built on
// adapters/sim) share.
package simkit

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/sim"
)

// Token returns a random credential for a simulated world.
func Token() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Calls converts the simulator's call log.
func Calls(cs []sim.Call) []helpdesk.Call {
	out := make([]helpdesk.Call, len(cs))
	for i, c := range cs {
		out[i] = helpdesk.Call{Method: c.Method, Path: c.Path, Status: c.Status}
	}
	return out
}

// Logger returns l with the simulator's component, or a discarding logger.
func Logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.With("component", "sim")
}
