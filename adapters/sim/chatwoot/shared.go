package chatwoot

import (
	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/adapters/sim/simnet"
)

// The neutral store's names this dialect's users need, so that they import one package.
type (
	// Call is one entry of the API call log.
	Call = simnet.Call
	// Faults makes API requests and webhook deliveries misbehave (see simnet.Faults).
	Faults = simnet.Faults
)

// ErrNotFound is returned (wrapped) when a conversation, message, agent or inbox does not exist.
var ErrNotFound = sim.ErrNotFound

// ConversationView and MessageView are deep copies of a conversation and its messages as the
// tests and the sandbox page read them.
type (
	ConversationView = sim.ConversationView
	MessageView      = sim.MessageView
)
