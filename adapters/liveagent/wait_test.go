package liveagent

import (
	"slices"
	"strings"
	"testing"

	"github.com/handover-dev/handover/handover"
)

// handOver runs a new chat of contact to its human queue, as the engine does: a bot answer, the
// handover (transfer and note) and the notice.
func (e *env) handOver(contact string) string {
	e.t.Helper()
	id := e.visitor(contact, "I need a person")
	c := e.load(id)
	if err := e.a.HandToHuman(e.ctx(), c, handover.Handoff{Reason: handover.ReasonRequest, Summary: "Wants a person."}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.a.Post(e.ctx(), c, handover.Outgoing{Text: handover.DefaultTexts().Connecting}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.la.WaitIdle(e.ctx()); err != nil {
		e.t.Fatal(err)
	}
	if s := e.load(id).State; s != handover.StateQueued {
		e.t.Fatalf("%s after the handover: %s, want queued", id, s)
	}
	return id
}

// The wait listing holds the chats handed over that no agent took: not the bot's own, not one an
// agent accepted and answered, not one filed as an offline message. A visitor's chat ringing in
// a human department that the bot never saw is listed too (the list item cannot tell), and the
// engine's read leaves it: StateOther.
func TestContractQueuedConversations(t *testing.T) {
	e := newEnv(t)
	waiting := e.handOver("w")
	taken := e.handOver("t")
	if err := e.la.AgentTake(e.ctx(), taken, e.demo.Alice); err != nil { // accepting the ringing chat
		t.Fatal(err)
	}
	if _, err := e.la.AgentReply(e.ctx(), taken, e.demo.Alice, "Hi, Alice here", false); err != nil {
		t.Fatal(err)
	}
	filed := e.handOver("o")
	c := e.load(filed)
	if err := e.a.LeaveOffline(e.ctx(), c, handover.Handoff{Reason: handover.ReasonWaitTimeout, Email: "o@example.com", Transcript: c.Transcript()}); err != nil {
		t.Fatal(err)
	}
	bots := e.visitor("b", "How long does shipping take?")
	human, _, err := e.la.VisitorSend(e.ctx(), e.demo.SupportDepartment, "h", "hello Support")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.la.WaitIdle(e.ctx()); err != nil {
		t.Fatal(err)
	}

	e.la.ResetCalls()
	ids, err := e.a.QueuedConversations(e.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ids, waiting) || slices.Contains(ids, taken) || slices.Contains(ids, filed) || slices.Contains(ids, bots) {
		t.Fatalf("listed %v: want %s (waiting), not %s (taken), %s (offline) or %s (the bot's)", ids, waiting, taken, filed, bots)
	}
	// One list request (one short page); the offline tag's id once, for the tagged ticket.
	if got := callCounts(e.la.Calls()); got["GET /api/v3/tickets v3"] != 1 || total(got) > 2 {
		t.Fatalf("calls %v", got)
	}
	if s := e.load(human).State; s != handover.StateOther {
		t.Fatalf("a chat the bot never saw: %s, want other", s)
	}
	if s := e.load(taken).State; s != handover.StateAgent {
		t.Fatalf("the taken chat: %s, want agent", s)
	}
}

// HandBack makes Load derive StateBot, moves the chat back to the bot's department, leaves the
// agents a note, and repeats harmlessly; a later handover queues the chat again.
func TestContractHandBack(t *testing.T) {
	e := newEnv(t)
	id := e.handOver("v")
	c := e.load(id)
	if err := e.a.HandBack(e.ctx(), c); err != nil {
		t.Fatal(err)
	}
	tk := e.ticket(id)
	if tk.AgentID != e.la.BotAgentID() || tk.DepartmentID != e.demo.BotDepartment || tk.Status != "T" {
		t.Fatalf("ticket after HandBack: agent %q department %q status %q", tk.AgentID, tk.DepartmentID, tk.Status)
	}
	notes := simNotes(tk)
	if last := notes[len(notes)-1]; !strings.HasPrefix(last.Text, noteHandedBack) || last.Role != "bot" {
		t.Fatalf("notes %+v", notes)
	}
	c = e.load(id)
	if c.State != handover.StateBot {
		t.Fatalf("state %s after HandBack, want bot", c.State)
	}
	// Again: one fresh read of the ticket, nothing written.
	e.la.ResetCalls()
	if err := e.a.HandBack(e.ctx(), c); err != nil {
		t.Fatal(err)
	}
	if got := callCounts(e.la.Calls()); got[readTicket] != 1 || total(got) != 1 {
		t.Fatalf("repeated HandBack: calls %v", got)
	}
	if n := len(simNotes(e.ticket(id))); n != len(notes) {
		t.Fatalf("repeated HandBack wrote a note: %d notes, want %d", n, len(notes))
	}
	// The visitor's next message: the rule body says the bot holds the chat, and the hand-back
	// note follows the handover note, so the turn reads the messages only.
	if _, _, err := e.la.VisitorSend(e.ctx(), "", "v", "How long does shipping take?"); err != nil {
		t.Fatal(err)
	}
	ev := e.deliveredEvent(id)
	e.la.ResetCalls()
	if c := e.loadEvent(ev); c.State != handover.StateBot {
		t.Fatalf("LoadEvent after HandBack: %s, want bot", c.State)
	}
	if got := callCounts(e.la.Calls()); got[readTicket] != 0 || got[readMessages] != 1 {
		t.Fatalf("LoadEvent after HandBack: calls %v", got)
	}
	// A second handover queues it again.
	c = e.load(id)
	if err := e.a.HandToHuman(e.ctx(), c, handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		t.Fatal(err)
	}
	if c := e.load(id); c.State != handover.StateQueued || handedBack(c.Messages) {
		t.Fatalf("after a second handover: %s, handed back %v", c.State, handedBack(c.Messages))
	}
}

// An agent who picked the chat up after the turn read it keeps it: HandBack reads the ticket
// fresh and refuses, so the retried turn finds StateAgent.
func TestContractHandBackLeavesAnAgentsChat(t *testing.T) {
	e := newEnv(t)
	id := e.handOver("v")
	c := e.load(id) // queued
	if err := e.la.AgentTake(e.ctx(), id, e.demo.Alice); err != nil {
		t.Fatal(err)
	}
	before := len(simNotes(e.ticket(id)))
	if err := e.a.HandBack(e.ctx(), c); err == nil {
		t.Fatal("HandBack took the chat from the agent who picked it up")
	}
	if tk := e.ticket(id); tk.AgentID != e.demo.Alice || len(simNotes(tk)) != before {
		t.Fatalf("after the refused HandBack: agent %q, %d notes (want Alice, %d)", tk.AgentID, len(simNotes(tk)), before)
	}
	if s := e.load(id).State; s != handover.StateAgent {
		t.Fatalf("state %s, want agent", s)
	}
}

// A visitor's message in a queued chat is a visitor-message event, and its turn reads the chat
// as queued with the message pending.
func TestContractParseQueuedVisitorMessage(t *testing.T) {
	e := newEnv(t)
	id := e.handOver("v")
	if _, _, err := e.la.VisitorSend(e.ctx(), "", "v", "never mind, the bot is fine"); err != nil {
		t.Fatal(err)
	}
	ev := e.deliveredEvent(id)
	if ev.Kind != handover.EventVisitorMessage || ev.ConversationID != id {
		t.Fatalf("event %+v", ev)
	}
	c := e.loadEvent(ev)
	p := c.PendingVisitorMessages()
	if c.State != handover.StateQueued || len(p) != 1 || p[0].Text != "never mind, the bot is fine" {
		t.Fatalf("state %s, pending %+v", c.State, p)
	}
}

// The offline tag, missing until the first offline message, is looked up once per tagMissTTL
// and not once per tagged chat of every wait listing.
func TestMissingTagLookedUpOnce(t *testing.T) {
	e := newEnv(t)
	e.la.ResetCalls()
	for range 3 {
		if id, err := e.a.tagID(e.ctx(), TagOffline, false); err != nil || id != "" {
			t.Fatalf("tagID = %q, %v; want missing", id, err)
		}
	}
	if got := callCounts(e.la.Calls()); got["GET /api/v3/tags v3"] != 1 {
		t.Fatalf("calls %v: want one tag listing", got)
	}
	// Creating it is not held back by the remembered miss.
	id, err := e.a.tagID(e.ctx(), TagOffline, true)
	if err != nil || id == "" {
		t.Fatalf("create: %q %v", id, err)
	}
	if again, _ := e.a.tagID(e.ctx(), TagOffline, false); again != id {
		t.Fatalf("after create: %q, want %q", again, id)
	}
}
