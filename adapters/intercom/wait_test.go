package intercom

import (
	"slices"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

// handOver hands a new conversation of visitor over to the team, with the bot's notice, and
// returns its id.
func (e *env) handOver(visitor string) string {
	e.t.Helper()
	id := e.start(visitor, "I want a person")
	conv := e.load(id)
	if err := e.a.HandToHuman(e.ctx(), conv, handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.a.Post(e.ctx(), e.load(id), handover.Outgoing{Text: handover.DefaultTexts().Connecting}); err != nil {
		e.t.Fatal(err)
	}
	if s := e.load(id).State; s != handover.StateQueued {
		e.t.Fatalf("handed over: state %v", s)
	}
	return id
}

func TestQueuedConversations(t *testing.T) {
	e := newEnv(t)
	waiting := e.handOver("ann")
	taken := e.handOver("bob")
	if err := e.s.Assign(taken, e.demo.AliceID, "admin", e.demo.AliceID); err != nil {
		t.Fatal(err)
	}
	if err := e.s.AdminReply(taken, e.demo.AliceID, "Hi, Alice here."); err != nil {
		t.Fatal(err)
	}
	mine := e.start("cid", "Hello bot") // the bot's own
	// The team's own conversation, which the bot never wrote in.
	teams := e.start("dan", "Billing question")
	if err := e.s.Assign(teams, e.demo.AliceID, "team", e.demo.TeamID); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Assign(teams, e.demo.AliceID, "admin", "0"); err != nil {
		t.Fatal(err)
	}
	e.calls()
	ids, err := e.a.QueuedConversations(e.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{waiting}) {
		t.Fatalf("queued %v, want only %s (taken %s, bot's %s, team's %s)", ids, waiting, taken, mine, teams)
	}
	if got := e.calls(); !slices.Equal(got, []string{"POST /conversations/search"}) {
		t.Fatalf("calls %v", got)
	}
	// A handed-over conversation nothing happened in for more than a day is not read again.
	if !e.s.Age(waiting, 25*time.Hour) {
		t.Fatal("no such conversation")
	}
	if ids, err := e.a.QueuedConversations(e.ctx()); err != nil || len(ids) != 0 {
		t.Fatalf("after a day: %v %v", ids, err)
	}
}

func TestHandBack(t *testing.T) {
	e := newEnv(t)
	id := e.handOver("ann")
	e.takeEvents()
	// The visitor's message in the queue reaches the engine.
	if _, err := e.s.VisitorReply(id, "never mind, the bot is fine", ""); err != nil {
		t.Fatal(err)
	}
	evs := e.takeEvents()
	if len(evs) != 1 || evs[0].Kind != handover.EventVisitorMessage || evs[0].ConversationID != id {
		t.Fatalf("events %+v", evs)
	}
	conv := e.load(id)
	if conv.State != handover.StateQueued {
		t.Fatalf("state %v", conv.State)
	}
	e.calls()
	if err := e.a.HandBack(e.ctx(), conv); err != nil {
		t.Fatal(err)
	}
	if got := e.calls(); len(got) != 2 || got[0] != "POST /conversations/"+id+"/parts" || got[1] != got[0] {
		t.Fatalf("calls %v", got)
	}
	v, _ := e.s.Conversation(id)
	if v.AdminAssigneeID != e.demo.BotID || v.TeamAssigneeID != "" {
		t.Fatalf("assignees admin %q team %q", v.AdminAssigneeID, v.TeamAssigneeID)
	}
	if evs := e.takeEvents(); len(evs) != 0 {
		t.Fatalf("the bot's own assignments started %+v", evs)
	}
	again := e.load(id)
	if again.State != handover.StateBot {
		t.Fatalf("after HandBack: state %v", again.State)
	}
	// Repeating it changes nothing and costs no write.
	e.calls()
	if err := e.a.HandBack(e.ctx(), again); err != nil {
		t.Fatal(err)
	}
	if got := e.calls(); len(got) != 0 {
		t.Fatalf("repeated HandBack calls %v", got)
	}
	if s := e.load(id).State; s != handover.StateBot {
		t.Fatalf("after a second HandBack: state %v", s)
	}
	// A new handover queues it again.
	if err := e.a.HandToHuman(e.ctx(), e.load(id), handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		t.Fatal(err)
	}
	if s := e.load(id).State; s != handover.StateQueued {
		t.Fatalf("handed over again: state %v", s)
	}
}

// An offline message filed from the queue (after the wait) is StateOffline; an earlier filing
// does not make a later handover offline.
func TestLeaveOfflineFromQueue(t *testing.T) {
	e := newEnv(t)
	id := e.handOver("ann")
	if _, err := e.s.VisitorReply(id, "ann@example.com", ""); err != nil {
		t.Fatal(err)
	}
	conv := e.load(id)
	if err := e.a.LeaveOffline(e.ctx(), conv, handover.Handoff{Reason: handover.ReasonOffline, Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if s := e.load(id).State; s != handover.StateOffline {
		t.Fatalf("filed from the queue: state %v", s)
	}
	if err := e.s.Assign(id, e.demo.AliceID, "admin", e.demo.BotID); err != nil {
		t.Fatal(err)
	}
	if s := e.load(id).State; s != handover.StateBot {
		t.Fatalf("given to the bot again: state %v", s)
	}
	if err := e.a.HandToHuman(e.ctx(), e.load(id), handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		t.Fatal(err)
	}
	if s := e.load(id).State; s != handover.StateQueued {
		t.Fatalf("handed over after an earlier offline message: state %v", s)
	}
}
