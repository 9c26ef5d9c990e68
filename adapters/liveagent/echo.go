package liveagent

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/handover-dev/handover/handover"
)

// Echoes of the bot's own writes.
//
// LiveAgent's "message added" rule fires for every message, the bot's own answers and notes
// included, and its body cannot say who wrote (docs/helpdesks/liveagent.md §2.2): each echo
// used to cost a read that found nothing to do, about one call per answer. The adapter knows
// when it writes, so it expects one echo per message it adds and the server acknowledges the
// next "message added" of that ticket without a turn (server.EchoFilter).
//
// Every "message added" event takes the oldest live expectation of its ticket, in the order
// the webhooks arrive, whether or not it is then dropped: so each expectation is matched by
// exactly one delivery. Taking an event for an echo is safe because every expectation stands
// for a webhook that does come: when a visitor's message arrives before the bot's echo and is
// taken in its place, the echo itself arrives next, finds no expectation, and runs the turn,
// whose read shows the visitor's message. Two guards keep it so:
//   - nothing is dropped until this process has seen an echo arrive (an event that took an
//     expectation went to a turn, whose read found the bot's own message newest): an account
//     whose rule skips the bot's messages never has a visitor's message dropped;
//   - an expectation lasts echoTTL: an echo that never comes (a lost delivery) can hold back
//     at most one visitor message, which the reconciler then answers; and an expectation that
//     expires untaken unlearns what was seen (the echoes may not come after all), until a new
//     probe shows one again.
//
// Kept in this process, it is only sound when every delivery of a ticket reaches the process
// that wrote in it: one replica, or replicas with sticky routing by ticket. With Redis
// (replicas that share any delivery) the expectations live there (ShareEchoes): one is written
// before the message is, and whichever replica the next "message added" reaches takes it
// atomically, so an echo that reached another replica leaves no expectation behind to take the
// visitor's next message. Whether echoes come is still learned per process (seen).

// echoTTL is how long an expected echo is waited for. A variable for tests.
var echoTTL = 10 * time.Second

// maxEchoTickets bounds the tickets with an expected echo in this process's ledger (a burst
// past it only costs reads).
const maxEchoTickets = 10000

// echoes holds what the adapter knows of echoes: the expected ones, per ticket, in a ledger
// (this process's, or with replicas that share deliveries one in Redis, see ShareEchoes), and
// whether this process has seen echoes come.
type echoes struct {
	ledger handover.EchoLedger
	log    *slog.Logger
	mu     sync.Mutex
	probes map[string]time.Time // tickets whose event took an expectation before seen: when
	seen   atomic.Bool          // an echo arrived as expected in this process
}

// expect records one echo to come for ticket id and returns a function that forgets it (the
// write failed).
func (e *echoes) expect(id string) (forget func()) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	forget, err := e.ledger.ExpectEcho(ctx, id, echoTTL)
	if err != nil {
		// The echo then runs a turn, which reads and finds nothing to do.
		e.log.Warn("could not record an expected echo", "ticket", id, "err", err)
		return func() {}
	}
	return forget
}

// take removes one unexpired expectation of ticket id and reports whether there was one. An
// expectation that expired untaken unlearns that echoes come.
func (e *echoes) take(id string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	taken, expired, err := e.ledger.TakeEcho(ctx, id)
	if expired > 0 {
		e.seen.Store(false) // an echo did not come
	}
	if err != nil {
		// Not taken: the event runs its turn, which costs a read, never an answer.
		e.log.Warn("could not read the expected echoes", "ticket", id, "err", err)
		return false
	}
	return taken
}

// isMessageAdded reports an event of the "message added" rule: a visitor-message event that is
// not "chat started"'s re-check.
func isMessageAdded(ev handover.Event) bool {
	return ev.Kind == handover.EventVisitorMessage && !ev.Recheck
}

// Echo reports a "message added" event this process expected as the echo of one of the bot's
// own messages or notes: the server acknowledges it without a turn. It implements
// server.EchoFilter. Every such event takes an expectation; before an echo was seen to arrive
// it still goes to its turn, as a probe that learnEcho looks at.
func (a *Adapter) Echo(ev handover.Event) bool {
	if !isMessageAdded(ev) || !a.echo.take(ev.ConversationID) {
		return false
	}
	if a.echo.seen.Load() {
		return true
	}
	a.echo.probe(ev.ConversationID)
	return false
}

// ShareEchoes keeps the expected echoes in l, which every replica sees (handover.EchoSharer):
// the filter then stays sound when replicas share deliveries, since an echo that reaches
// another replica takes the expectation there. Call it before the adapter serves.
func (a *Adapter) ShareEchoes(l handover.EchoLedger) {
	a.echo.ledger = l
}

// probe records that an event of ticket id took an expectation before any echo was seen.
func (e *echoes) probe(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.probes == nil {
		e.probes = map[string]time.Time{}
	}
	if len(e.probes) >= maxEchoTickets {
		for k, at := range e.probes {
			if time.Since(at) >= echoTTL {
				delete(e.probes, k)
			}
		}
	}
	if len(e.probes) < maxEchoTickets {
		e.probes[id] = time.Now()
	}
}

// probed reports and forgets a probe of ticket id made within echoTTL: an older one (its event
// dropped by the lanes without a read) says nothing about what a read shows now.
func (e *echoes) probed(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	at, ok := e.probes[id]
	delete(e.probes, id)
	return ok && time.Since(at) < echoTTL
}

// learnEcho is called with what a turn read for ev: after a probe (a "message added" event
// that took an expectation), a read of that ticket that shows the bot's own public message
// newest says the probe was that echo, and that this account's rule echoes the bot's
// messages. Any visitor-kind turn of the ticket will do: the lanes may fold the probe into
// "chat started"'s event.
func (a *Adapter) learnEcho(ev handover.Event, conv *handover.Conversation) {
	if ev.Kind != handover.EventVisitorMessage || conv == nil || a.echo.seen.Load() || !a.echo.probed(ev.ConversationID) {
		return
	}
	ms := conv.Public()
	if len(ms) > 0 && ms[len(ms)-1].Role == handover.RoleBot {
		a.echo.seen.Store(true)
	}
}
