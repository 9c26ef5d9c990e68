package intercom

// What a turn costs: the real engine runs the events the simulated Intercom's webhooks carry,
// against the simulator over real HTTP; the simulator's call log says which calls each turn
// made.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/internal/flexjson"
	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/testenv"
)

// turn runs the events delivered since the last call, one turn each, and returns the API calls
// ("METHOD /path" with ids as {id}) the turns made.
func (e *env) turn(engine *handover.Engine) (map[string]int, []string) {
	e.t.Helper()
	evs := e.takeEvents()
	if len(evs) == 0 {
		e.t.Fatal("no event to run")
	}
	e.s.ResetCalls()
	var outcomes []string
	done := make(chan struct{}, len(evs))
	lanes := handover.NewLanes(func(ctx context.Context, ev handover.Event) (string, error) {
		out, err := engine.Handle(ctx, ev)
		if err != nil {
			e.t.Errorf("turn %+v: %v", ev, err)
		}
		outcomes = append(outcomes, out)
		done <- struct{}{}
		return out, err
	}, handover.LaneOptions{})
	for _, ev := range evs {
		if err := lanes.Submit(ev); err != nil {
			e.t.Fatal(err)
		}
		<-done // one event at a time: each is a turn of its own
	}
	if err := lanes.Shutdown(e.ctx()); err != nil {
		e.t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range e.s.Calls() {
		parts := strings.Split(c.Path, "/")
		for i, p := range parts {
			if p != "" && strings.Trim(p, "0123456789abcdef") == "" && len(p) > 3 {
				parts[i] = "{id}"
			}
		}
		got[c.Method+" "+strings.Join(parts, "/")]++
	}
	return got, outcomes
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// A plain bot turn is one read and one reply: in a short conversation and in one of 1,000
// parts alike, with and without the human button.
func TestTurnCost(t *testing.T) {
	e := newEnv(t)
	engine, err := handover.NewEngine(handover.Options{Helpdesk: e.a, Bot: testenv.Bot{}, RequiredAnswers: 2, HumanRequestInChat: true, LLMTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	plain := map[string]int{"GET /conversations/{id}": 1, "POST /conversations/{id}/reply": 1}
	id := e.start("joe", "hello")
	for i, q := range []string{"", "How long does shipping take?", "And returns?"} {
		if q != "" {
			if _, err := e.s.VisitorReply(id, q, ""); err != nil {
				t.Fatal(err)
			}
		}
		got, outs := e.turn(engine)
		if fmt.Sprint(got) != fmt.Sprint(plain) || total(got) > 2 || outs[0] != handover.OutcomeAnswered {
			t.Fatalf("turn %d: %v %v, want %v", i, got, outs, plain)
		}
	}
	if opts := e.s.LastOptions(id); len(opts) != 1 || opts[0].UUID != choiceUUID(handover.ChoiceRequestHuman) {
		t.Fatalf("the second answer carries no human button: %+v", opts)
	}

	// 1,000 parts: still one read (the 500 newest parts) and one reply.
	long := e.start("ann", "q")
	conv := e.load(long)
	for range 499 {
		if err := e.a.Post(e.ctx(), conv, handover.Outgoing{Text: "answer", Answer: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.VisitorReply(long, "more", ""); err != nil {
			t.Fatal(err)
		}
	}
	e.takeEvents()
	if _, err := e.s.VisitorReply(long, "How long does shipping take?", ""); err != nil {
		t.Fatal(err)
	}
	got, outs := e.turn(engine)
	if fmt.Sprint(got) != fmt.Sprint(plain) || outs[0] != handover.OutcomeAnswered {
		t.Fatalf("turn in 1,000 parts: %v %v", got, outs)
	}
	if v, _ := e.s.Conversation(long); !strings.Contains(v.Parts[len(v.Parts)-1].Body, fmt.Sprintf("Answer to %d messages", DefaultWindow)) {
		t.Fatalf("the bot saw more or less than the window: %q", v.Parts[len(v.Parts)-1].Body)
	}

	// A closed conversation's webhook costs nothing: the hint says the bot cannot act.
	e.s.ResetCalls()
	ev := handover.Event{Kind: handover.EventChanged, ConversationID: id,
		Hint: &hint{conv: conversation{ID: flexjson.String(id), State: "closed"}, at: time.Now()}}
	if out, err := engine.Handle(context.Background(), ev); err != nil || out != handover.OutcomeIgnored || len(e.s.Calls()) != 0 {
		t.Fatalf("closed: %s %v, %d calls", out, err, len(e.s.Calls()))
	}
}

// A handover to the team is five calls: the read, the admins (availability), the team
// assignment carrying the note, the bot's unassignment, the visitor's notice.
func TestHandoverCost(t *testing.T) {
	e := newEnv(t)
	engine, err := handover.NewEngine(handover.Options{Helpdesk: e.a, Bot: testenv.Bot{}, RequiredAnswers: 2, HumanRequestInChat: true, LLMTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	id := e.start("joe", "I want to talk to a human agent")
	got, outs := e.turn(engine)
	want := map[string]int{"GET /admins": 1, "GET /conversations/{id}": 1, "POST /conversations/{id}/parts": 2, "POST /conversations/{id}/reply": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) || total(got) != 5 || outs[0] != handover.OutcomeHandover {
		t.Fatalf("handover: %v %v, want %v", got, outs, want)
	}
	if conv := e.load(id); conv.State != handover.StateQueued {
		t.Fatalf("state %s", conv.State)
	}
}
