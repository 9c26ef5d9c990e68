package handover

import (
	"context"
	"time"
)

// Journal keeps the webhooks of a helpdesk that cannot be listed from the moment they are
// acknowledged until their turns are done, in a store the replicas share (Redis). A process
// that dies in between leaves its entries behind, and any replica replays them once they are
// due: the journal stands in for the helpdesk's own redelivery, so the webhook can be answered
// at once instead of after its turn. A replay runs a turn again, which does nothing twice.
type Journal interface {
	// Add records an acknowledged webhook body of the named helpdesk and returns its id. The
	// entry is due for replay at replayAt unless Done removes it first.
	Add(ctx context.Context, helpdesk string, body []byte, replayAt time.Time) (string, error)
	// Done removes an entry whose turns are done.
	Done(ctx context.Context, id string) error
	// Claim takes up to max entries due at now, makes each due again at replayAt (so that one
	// replica replays an entry at a time, and a replay that dies is replayed again) and
	// returns them.
	Claim(ctx context.Context, now, replayAt time.Time, max int) ([]JournalEntry, error)
}

// JournalEntry is one journaled webhook, as Claim returns it.
type JournalEntry struct {
	ID       string
	Helpdesk string
	Body     []byte
	// Since is when the webhook was acknowledged; Replays counts the claims, this one
	// included.
	Since   time.Time
	Replays int
}
