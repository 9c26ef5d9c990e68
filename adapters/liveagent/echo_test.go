package liveagent

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

// echoAdapter is an adapter with only what its echo filter needs, and its ledger.
func echoAdapter() (*Adapter, *handover.MemoryEchoLedger) {
	l := handover.NewMemoryEchoLedger(0)
	a := &Adapter{}
	a.echo.ledger, a.echo.log = l, slog.New(slog.DiscardHandler)
	return a, l
}

// left reports whether ledger l still holds a live expectation of ticket id (taking it).
func left(t *testing.T, l handover.EchoLedger, id string) bool {
	t.Helper()
	taken, _, err := l.TakeEcho(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return taken
}

// messageAdded returns the "message added" events among evs.
func messageAdded(evs []handover.Event) []handover.Event {
	var out []handover.Event
	for _, ev := range evs {
		if isMessageAdded(ev) {
			out = append(out, ev)
		}
	}
	return out
}

// The rule's webhook for the bot's own answer costs a read until this process has seen one
// arrive as expected; from then on it is taken without a turn, once per message the bot added.
func TestEchoOfTheBotsAnswerTakenOnceSeen(t *testing.T) {
	e := newCostEnv(t)
	e.turn(func() { e.visitor("jane", "How long does shipping take?") })
	echo := messageAdded(e.deliveries())
	if len(echo) != 1 {
		t.Fatalf("want the echo of the answer, got %d message-added events", len(echo))
	}
	// Not yet seen: the echo takes its expectation but goes to a turn, whose read shows the
	// bot's answer newest.
	if e.a.Echo(echo[0]) {
		t.Fatal("an echo was dropped before one was seen to arrive")
	}
	if e.a.Echo(echo[0]) {
		t.Fatal("one write's expectation was taken twice")
	}
	e.la.ResetCalls()
	if err := e.lanes.Submit(echo[0]); err != nil {
		t.Fatal(err)
	}
	e.waitLanes()
	if calls := total(callCounts(e.la.Calls())); calls != 1 {
		t.Fatalf("the first echo's turn made %d calls, want one read", calls)
	}
	if !e.a.echo.seen.Load() {
		t.Fatal("the read did not teach the adapter that the rule echoes the bot's messages")
	}

	// Seen: the next answer's echo is taken, once, and the visitor's next message is not.
	e.turn(func() { e.visitor("jane", "And to Austria?") })
	echo = messageAdded(e.deliveries())
	if len(echo) != 1 || !e.a.Echo(echo[0]) {
		t.Fatalf("the echo of the second answer was not taken: %d events", len(echo))
	}
	if e.a.Echo(echo[0]) {
		t.Fatal("one write's expectation was taken twice")
	}
	e.visitor("jane", "Thanks!")
	if next := messageAdded(e.deliveries()); len(next) != 1 || e.a.Echo(next[0]) {
		t.Fatal("a visitor's message with no write pending was taken for an echo")
	}
}

// A visitor's message that arrives before the echo is taken in its place; the echo then runs
// the turn, whose read answers the visitor: nothing is lost, nothing doubled.
func TestEchoRaceVisitorFirst(t *testing.T) {
	e := newCostEnv(t)
	var id string
	e.turn(func() { id = e.visitor("jane", "How long does shipping take?") })
	first := messageAdded(e.deliveries())
	e.a.echo.seen.Store(true)
	if !e.a.Echo(first[0]) { // the first answer's echo, taken
		t.Fatal("the first answer's echo was not taken")
	}
	e.turn(func() { e.visitor("jane", "And to Austria?") })
	echo := messageAdded(e.deliveries())
	e.visitor("jane", "And to Italy?")
	visitor := messageAdded(e.deliveries())
	if !e.a.Echo(visitor[0]) {
		t.Fatal("the visitor's message, first after the write, should be taken in the echo's place")
	}
	if e.a.Echo(echo[0]) {
		t.Fatal("the echo was expected once only")
	}
	if err := e.lanes.Submit(echo[0]); err != nil {
		t.Fatal(err)
	}
	e.waitLanes()
	c := e.load(id)
	if c.BotAnswers != 3 || len(c.PendingVisitorMessages()) != 0 {
		t.Fatalf("the visitor's message was not answered: %d answers\n%s", c.BotAnswers, c.Transcript())
	}
}

// An expected echo that never comes holds nothing back past echoTTL.
func TestEchoExpectationExpires(t *testing.T) {
	old := echoTTL
	echoTTL = 20 * time.Millisecond
	t.Cleanup(func() { echoTTL = old })
	a, l := echoAdapter()
	a.echo.seen.Store(true)
	a.echo.expect("t1")
	forget := a.echo.expect("t2")
	forget() // the write failed
	time.Sleep(40 * time.Millisecond)
	ev := handover.Event{Kind: handover.EventVisitorMessage, ConversationID: "t1"}
	if a.Echo(ev) {
		t.Fatal("an expired expectation was taken")
	}
	if a.echo.seen.Load() {
		t.Fatal("an expired expectation did not unlearn")
	}
	a.echo.seen.Store(true) // learnt again
	a.echo.expect("t1")
	if a.Echo(handover.Event{Kind: handover.EventVisitorMessage, ConversationID: "t2"}) {
		t.Fatal("a forgotten expectation was taken")
	}
	if a.Echo(handover.Event{Kind: handover.EventVisitorMessage, ConversationID: "t1", Recheck: true}) {
		t.Fatal("chat started's re-check is no echo")
	}
	if !a.Echo(ev) {
		t.Fatal("a live expectation was not taken")
	}
	if left(t, l, "t1") || left(t, l, "t2") {
		t.Fatal("expectations left")
	}
	// An expectation that expired untaken unlearns: the echoes may not come after all.
	a.echo.expect("t3")
	time.Sleep(40 * time.Millisecond)
	if a.Echo(handover.Event{Kind: handover.EventVisitorMessage, ConversationID: "t3"}) || a.echo.seen.Load() {
		t.Fatal("an echo that never came left the adapter dropping deliveries")
	}
}

// Before an echo was seen, events still take expectations (so none outlives its echo to hold
// back a later message); the turn of such a probe whose read shows the bot's message newest
// teaches the adapter, and one whose read shows the visitor's message does not.
func TestEchoProbeTeachesOnlyOnTheBotsMessage(t *testing.T) {
	a, l := echoAdapter()
	ev := handover.Event{Kind: handover.EventVisitorMessage, ConversationID: "t1"}
	visitorNewest := &handover.Conversation{ID: "t1", Messages: []handover.Message{{Role: handover.RoleBot, Text: "a"}, {Role: handover.RoleVisitor, Text: "q"}}}
	botNewest := &handover.Conversation{ID: "t1", Messages: []handover.Message{{Role: handover.RoleVisitor, Text: "q"}, {Role: handover.RoleBot, Text: "a"}}}

	a.learnEcho(ev, botNewest) // no probe: nothing learnt
	if a.echo.seen.Load() {
		t.Fatal("learnt without a probe")
	}
	a.echo.expect("t1")
	if a.Echo(ev) || left(t, l, "t1") {
		t.Fatal("before seen, the event must go to its turn and take the expectation")
	}
	a.learnEcho(ev, visitorNewest)
	if a.echo.seen.Load() {
		t.Fatal("a visitor's message newest taught the adapter")
	}
	a.echo.expect("t1")
	_ = a.Echo(ev)
	a.learnEcho(ev, botNewest)
	if !a.echo.seen.Load() {
		t.Fatal("the probe whose read shows the bot's message newest did not teach")
	}
}

// A probe older than echoTTL (its event dropped without a read) teaches nothing.
func TestEchoProbeExpires(t *testing.T) {
	old := echoTTL
	echoTTL = 20 * time.Millisecond
	t.Cleanup(func() { echoTTL = old })
	a, _ := echoAdapter()
	ev := handover.Event{Kind: handover.EventVisitorMessage, ConversationID: "t1"}
	botNewest := &handover.Conversation{ID: "t1", Messages: []handover.Message{{Role: handover.RoleVisitor, Text: "q"}, {Role: handover.RoleBot, Text: "a"}}}
	a.echo.expect("t1")
	_ = a.Echo(ev) // a probe
	time.Sleep(40 * time.Millisecond)
	a.learnEcho(ev, botNewest)
	if a.echo.seen.Load() {
		t.Fatal("a stale probe taught the adapter")
	}
}

// With replicas that share deliveries, the echo of one replica's write reaches another: a
// shared ledger lets that replica take it, once, and leaves nothing behind on the writer that
// would take the visitor's next message.
func TestEchoSharedBetweenReplicas(t *testing.T) {
	e := newCostEnv(t)
	ledger := handover.NewMemoryEchoLedger(0) // what Redis is to replicas
	e.a.ShareEchoes(ledger)
	other, err := New(e.a.cfg)
	if err != nil {
		t.Fatal(err)
	}
	other.ShareEchoes(ledger)
	e.a.echo.seen.Store(true)
	other.echo.seen.Store(true)

	e.turn(func() { e.visitor("jane", "How long does shipping take?") }) // e.a answers
	echo := messageAdded(e.deliveries())
	if len(echo) != 1 {
		t.Fatalf("want the echo of the answer, got %d", len(echo))
	}
	if !other.Echo(echo[0]) {
		t.Fatal("the other replica did not take the echo of this one's answer")
	}
	if other.Echo(echo[0]) || e.a.Echo(echo[0]) {
		t.Fatal("one write's expectation was taken twice")
	}
	e.visitor("jane", "Thanks!")
	if next := messageAdded(e.deliveries()); len(next) != 1 || e.a.Echo(next[0]) {
		t.Fatal("the writer took the visitor's next message for an echo")
	}
}
