package handover

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// thinkingBot runs during (a hook standing for webhooks that arrive while
// the LLM thinks) once, in its first answer.
type thinkingBot struct {
	once   sync.Once
	during func()
}

func (b *thinkingBot) Answer(context.Context, Turn) (Answer, error) {
	b.once.Do(b.during)
	return Answer{Text: "an answer"}, nil
}

func (b *thinkingBot) Summarize(context.Context, *Conversation) (string, error) { return "", nil }

// coverRun runs first through lanes (with opts) over a countingHelpdesk
// whose conversation holds one visitor message; during runs while the bot
// thinks in the first turn. It returns the loads, the turns' outcomes and
// the bot's answers.
func coverRun(t *testing.T, opts LaneOptions, first Event, during func(l *Lanes, mem *memHelpdesk)) (int, []string, int) {
	t.Helper()
	mem := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}}
	hd := &countingHelpdesk{memHelpdesk: mem}
	var l *Lanes
	bot := &thinkingBot{during: func() { during(l, mem) }}
	e, err := NewEngine(Options{Helpdesk: hd, Bot: bot, RequiredAnswers: 3})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var outcomes []string
	l = NewLanes(func(ctx context.Context, ev Event) (string, error) {
		out, err := e.Handle(ctx, ev)
		mu.Lock()
		outcomes = append(outcomes, out)
		mu.Unlock()
		return out, err
	}, opts)
	mem.visitor("hello") // message "1"
	if err := l.Submit(first); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the answer", func() bool { return mem.last().Role == RoleBot })
	shutdown(t, l)
	answers := 0
	for _, m := range mem.conv.Messages {
		if m.Role == RoleBot {
			answers++
		}
	}
	return hd.loadCount(), outcomes, answers
}

func submit(t *testing.T, l *Lanes, ev Event) {
	t.Helper()
	if err := l.Submit(ev); err != nil {
		t.Error(err)
	}
}

// A helpdesk that sends two webhooks for a conversation's first message (its
// creation, a re-check, and the message's): whichever comes second while the
// turn runs costs nothing. The message's event is about a message the turn
// read, so the turn does not re-read; once the turn answered, neither the
// re-check nor that event runs a turn of its own.
func TestEventsAboutWhatTheTurnReadCostNothing(t *testing.T) {
	recheck := Event{Kind: EventChanged, ConversationID: "c1", Recheck: true}
	message := Event{Kind: EventVisitorMessage, ConversationID: "c1", MessageID: "1"}
	for _, c := range []struct {
		name          string
		first, second Event
	}{{"message first", message, recheck}, {"re-check first", recheck, message}} {
		loads, outcomes, answers := coverRun(t, LaneOptions{}, c.first, func(l *Lanes, _ *memHelpdesk) {
			submit(t, l, c.second)
			submit(t, l, c.second) // a duplicate delivery
		})
		if loads != 1 || answers != 1 || len(outcomes) != 1 {
			t.Errorf("%s: %d loads, %d answers, outcomes %v; want 1 load, 1 answer, 1 turn", c.name, loads, answers, outcomes)
		}
	}
}

// A message the turn did not read is news: the turn re-reads before
// posting, and the message's event still runs its turn.
func TestANewMessageDuringTheTurnStillCounts(t *testing.T) {
	loads, outcomes, _ := coverRun(t, LaneOptions{}, Event{Kind: EventVisitorMessage, ConversationID: "c1", MessageID: "1"},
		func(l *Lanes, mem *memHelpdesk) {
			id := mem.visitor("and another thing")
			submit(t, l, Event{Kind: EventVisitorMessage, ConversationID: "c1", MessageID: id})
		})
	if loads != 3 || len(outcomes) != 2 {
		t.Fatalf("%d loads, outcomes %v; want 3 loads (read, re-read, the new message's turn) and 2 turns", loads, outcomes)
	}
}

// An event that does not say which message it is about (a helpdesk whose
// webhook cannot) makes the turn re-read; when the re-read shows nothing
// to answer but what the turn answers, the event's own turn is spared.
// When it shows more, the event's turn runs.
func TestAReReadCoversTheEventsBeforeIt(t *testing.T) {
	anon := Event{Kind: EventVisitorMessage, ConversationID: "c1"}
	loads, outcomes, _ := coverRun(t, LaneOptions{}, Event{Kind: EventChanged, ConversationID: "c1", Recheck: true},
		func(l *Lanes, _ *memHelpdesk) { submit(t, l, anon) })
	if loads != 2 || len(outcomes) != 1 {
		t.Errorf("nothing new: %d loads, outcomes %v; want 2 loads (read, re-read) and 1 turn", loads, outcomes)
	}
	loads, outcomes, _ = coverRun(t, LaneOptions{}, Event{Kind: EventChanged, ConversationID: "c1", Recheck: true},
		func(l *Lanes, mem *memHelpdesk) { mem.visitor("and another thing"); submit(t, l, anon) })
	if loads != 3 || len(outcomes) != 2 {
		t.Errorf("a new message: %d loads, outcomes %v; want 3 loads and 2 turns", loads, outcomes)
	}
}

// What is not covered still runs: an agent's activity (it may show in the
// helpdesk after its webhook), a click, and a re-check queued behind a turn
// that did not answer.
func TestUncoveredEventsStillRun(t *testing.T) {
	loads, outcomes, _ := coverRun(t, LaneOptions{}, Event{Kind: EventVisitorMessage, ConversationID: "c1", MessageID: "1"},
		func(l *Lanes, _ *memHelpdesk) {
			submit(t, l, Event{Kind: EventChoice, ConversationID: "c1", MessageID: "1", Choice: ChoiceContinue})
			submit(t, l, Event{Kind: EventAgentActivity, ConversationID: "c1", MessageID: "1"})
		})
	if loads != 4 || len(outcomes) != 3 {
		t.Errorf("%d loads, outcomes %v; want 4 loads (read, re-read, then the click's and the agent's turns)", loads, outcomes)
	}

	// A turn that finds nothing to do covers nothing.
	mem := &memHelpdesk{conv: Conversation{ID: "c1", State: StateOther}}
	hd := &countingHelpdesk{memHelpdesk: mem}
	e, err := NewEngine(Options{Helpdesk: hd, Bot: &scriptBot{answer: Answer{Text: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	gate, queued := make(chan struct{}), make(chan struct{})
	var l *Lanes
	l = NewLanes(func(ctx context.Context, ev Event) (string, error) {
		if ev.Recheck {
			return e.Handle(ctx, ev)
		}
		out, err := e.Handle(ctx, ev)
		submit(t, l, Event{Kind: EventChanged, ConversationID: "c1", Recheck: true})
		close(queued)
		<-gate
		return out, err
	}, LaneOptions{})
	mem.visitor("hello")
	submit(t, l, Event{Kind: EventVisitorMessage, ConversationID: "c1", MessageID: "1"})
	<-queued
	close(gate)
	shutdown(t, l)
	if n := hd.loadCount(); n != 2 {
		t.Errorf("a re-check behind an ignored turn: %d loads, want 2", n)
	}
}

// gateLocker is a Locker that always grants the lock.
type gateLocker struct{}

func (gateLocker) Lock(context.Context, string) (func(), error) { return func() {}, nil }

// With replicas (a shared change log and lock), an event about a message
// the running turn read is not shared: no other replica's turn runs while
// this one holds the lock, and any later turn reads the message. So it
// does not make the turn re-read either.
func TestReplicasDoNotShareEventsTheTurnRead(t *testing.T) {
	log := &memChangeLog{v: map[string]int64{}}
	loads, outcomes, answers := coverRun(t, LaneOptions{Changes: log, Locker: gateLocker{}},
		Event{Kind: EventChanged, ConversationID: "c1", Recheck: true}, func(l *Lanes, _ *memHelpdesk) {
			submit(t, l, Event{Kind: EventVisitorMessage, ConversationID: "c1", MessageID: "1"})
		})
	if loads != 1 || answers != 1 || len(outcomes) != 1 {
		t.Errorf("%d loads, %d answers, outcomes %v; want 1, 1, 1 turn", loads, answers, outcomes)
	}
	if v, _ := log.Version(context.Background(), "c1"); v != 0 {
		t.Errorf("the change log counted %d events, want 0", v)
	}
	// An event about a message the turn has not read is shared.
	loads, _, _ = coverRun(t, LaneOptions{Changes: log, Locker: gateLocker{}},
		Event{Kind: EventChanged, ConversationID: "c1", Recheck: true}, func(l *Lanes, mem *memHelpdesk) {
			submit(t, l, Event{Kind: EventVisitorMessage, ConversationID: "c1", MessageID: mem.visitor("more")})
		})
	if v, _ := log.Version(context.Background(), "c1"); v != 1 || loads != 3 {
		t.Errorf("a new message: %d events in the change log, %d loads; want 1 and 3", v, loads)
	}
}

// A re-read that one event caused loads as that event's own turn would, with its hint; one
// that two events caused (or with replicas sharing events) reads the conversation plainly.
func TestAReReadLoadsAsTheEventsTurnWould(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  LaneOptions
		news  []Event
		hints []any
	}{
		{"one event", LaneOptions{}, []Event{{Kind: EventVisitorMessage, ConversationID: "c1", Hint: "news"}}, []any{"first", "news"}},
		{"two events", LaneOptions{}, []Event{{Kind: EventVisitorMessage, ConversationID: "c1", Hint: "news"},
			{Kind: EventAgentActivity, ConversationID: "c1", Hint: "other"}}, []any{"first"}},
		{"replicas", LaneOptions{Changes: &memChangeLog{v: map[string]int64{}}}, []Event{{Kind: EventVisitorMessage, ConversationID: "c1", Hint: "news"}}, []any{"first"}},
	} {
		mem := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}}
		hd := &countingHelpdesk{memHelpdesk: mem}
		var l *Lanes
		bot := &thinkingBot{during: func() {
			for _, ev := range c.news {
				submit(t, l, ev)
			}
		}}
		e, err := NewEngine(Options{Helpdesk: hd, Bot: bot, RequiredAnswers: 3})
		if err != nil {
			t.Fatal(err)
		}
		l = NewLanes(e.Handle, c.opts)
		mem.visitor("hello")
		submit(t, l, Event{Kind: EventVisitorMessage, ConversationID: "c1", MessageID: "1", Hint: "first"})
		waitFor(t, "the answer", func() bool { return mem.last().Role == RoleBot })
		shutdown(t, l)
		hd.mu.Lock()
		got := hd.hints[:min(len(hd.hints), 2)]
		if len(got) > 1 && got[1] != "news" {
			got = got[:1] // a later turn's
		}
		hd.mu.Unlock()
		if fmt.Sprint(got) != fmt.Sprint(c.hints) {
			t.Errorf("%s: LoadEvent hints %v, want %v", c.name, got, c.hints)
		}
	}
}

// A flood of events during a turn is not kept one by one: past the bound, an event that
// nothing covers stands for the rest, so the turn re-reads.
func TestNewsAreBounded(t *testing.T) {
	loads, _, _ := coverRun(t, LaneOptions{}, Event{Kind: EventVisitorMessage, ConversationID: "c1", MessageID: "1"},
		func(l *Lanes, _ *memHelpdesk) {
			for range 3 * maxParts {
				submit(t, l, Event{Kind: EventVisitorMessage, ConversationID: "c1", MessageID: "1"})
			}
			l.mu.Lock()
			n := len(l.lanes["c1"].news)
			l.mu.Unlock()
			if n > maxParts {
				t.Errorf("%d news kept", n)
			}
		})
	if loads < 2 {
		t.Fatalf("%d loads: past the bound the turn must re-read", loads)
	}
}
