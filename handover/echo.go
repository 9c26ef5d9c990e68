package handover

import (
	"context"
	"time"
)

// EchoLedger keeps, where every replica sees them (Redis), the echoes a helpdesk is expected
// to send back of the bot's own writes: a helpdesk whose webhook cannot say who wrote a message
// (LiveAgent's "message added" rule) sends one for each message the bot adds, and each would
// otherwise cost a turn's read. One replica expects an echo before it writes; whichever replica
// the next webhook of that conversation reaches takes the expectation, atomically, so that each
// expectation is matched by exactly one delivery.
type EchoLedger interface {
	// ExpectEcho records one echo to come for the conversation within ttl and returns a
	// function that drops it again (the write failed).
	ExpectEcho(ctx context.Context, conversationID string, ttl time.Duration) (forget func(), err error)
	// TakeEcho takes the oldest live expectation of the conversation and reports whether there
	// was one, and how many expired untaken since the last take (echoes that did not come).
	TakeEcho(ctx context.Context, conversationID string) (taken bool, expired int, err error)
}

// EchoSharer is an adapter whose echo filter can keep its expectations in an EchoLedger, so that
// it stays on when replicas share deliveries.
type EchoSharer interface {
	ShareEchoes(EchoLedger)
}
