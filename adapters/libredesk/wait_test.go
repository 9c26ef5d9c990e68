package libredesk

import (
	"slices"
	"testing"

	"github.com/handover-dev/handover/handover"
)

// handOver starts a chat of contact that the bot answers, then hands it over with the bot's
// notice; it returns the conversation's id and uuid.
func (c *contract) handOver(contact string) (int, string) {
	c.t.Helper()
	id, uuid := c.visitor(contact, "hello")
	if err := c.a.Post(c.ctx(), c.load(uuid), handover.Outgoing{Text: "Hi!", Answer: true}); err != nil {
		c.t.Fatal(err)
	}
	c.visitor(contact, "I want a human")
	conv := c.load(uuid)
	if err := c.a.HandToHuman(c.ctx(), conv, handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		c.t.Fatal(err)
	}
	if err := c.a.Post(c.ctx(), conv, handover.Outgoing{Text: handover.DefaultTexts().Connecting}); err != nil {
		c.t.Fatal(err)
	}
	if s := c.load(uuid).State; s != handover.StateQueued {
		c.t.Fatalf("handed over: state %v", s)
	}
	c.events()
	return id, uuid
}

func TestQueuedConversations(t *testing.T) {
	c := newContract(t)
	_, silent := c.handOver("ann")
	_, wrote := c.handOver("bea") // the visitor wrote after the notice
	c.visitor("bea", "hello? anyone?")
	takenID, taken := c.handOver("cid")
	if err := c.sim.AgentAssign(c.ctx(), takenID, c.demo.AliceID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.sim.AgentReply(c.ctx(), takenID, c.demo.AliceID, "Hi, Alice here", false); err != nil {
		t.Fatal(err)
	}
	_, mine := c.visitor("dan", "hello") // the bot's, unanswered yet
	botID, bots := c.visitor("eve", "hello")
	if err := c.a.Post(c.ctx(), c.load(bots), handover.Outgoing{Text: "Hi!", Answer: true}); err != nil {
		t.Fatal(err)
	}
	c.events()
	c.sim.ResetCalls()
	ids, err := c.a.QueuedConversations(c.ctx())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	want := []string{silent, wrote}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("queued %v, want %v (taken %s, new %s, the bot's %s #%d)", ids, want, taken, mine, bots, botID)
	}
	var paths []string
	for _, call := range c.sim.Calls() {
		paths = append(paths, call.Method+" "+call.Path)
	}
	if !slices.Equal(paths, []string{"GET /api/v1/inboxes", "GET /api/v1/conversations/all"}) {
		t.Fatalf("calls %v", paths)
	}
	// A chat the round-robin assigned, whose agent has not written, still waits while the bot's
	// notice is the newest message.
	_, rr := c.handOver("fay")
	if err := c.sim.AgentAssign(c.ctx(), c.idOf(rr), c.demo.AliceID); err != nil {
		t.Fatal(err)
	}
	if ids, err = c.a.QueuedConversations(c.ctx()); err != nil || !slices.Contains(ids, rr) {
		t.Fatalf("queued %v %v: want %s", ids, err, rr)
	}
}

func TestHandBack(t *testing.T) {
	c := newContract(t)
	id, uuid := c.handOver("ann")
	// Libredesk's round-robin gave it to Alice, who has not written: still queued.
	if err := c.sim.AgentAssign(c.ctx(), id, c.demo.AliceID); err != nil {
		t.Fatal(err)
	}
	c.events()
	c.visitor("ann", "never mind, the bot is fine")
	evs := c.events()
	if len(evs) != 1 || evs[0].Kind != handover.EventVisitorMessage || evs[0].ConversationID != uuid {
		t.Fatalf("the queued visitor's message: %+v", evs)
	}
	conv, err := c.a.LoadEvent(c.ctx(), evs[0])
	if err != nil {
		t.Fatal(err)
	}
	if conv.State != handover.StateQueued {
		t.Fatalf("state %v", conv.State)
	}
	c.sim.ResetCalls()
	if err := c.a.HandBack(c.ctx(), conv); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, call := range c.sim.Calls() {
		paths = append(paths, call.Method+" "+call.Path)
	}
	base := "/api/v1/conversations/" + uuid
	if !slices.Equal(paths, []string{"PUT " + base + "/assignee/user", "POST " + base + "/messages", "PUT " + base + "/assignee/team/remove"}) {
		t.Fatalf("calls %v", paths)
	}
	if v := c.view(id); v.AssigneeID != c.demo.BotID || v.TeamID != 0 {
		t.Fatalf("after HandBack: assignee %d team %d", v.AssigneeID, v.TeamID)
	}
	if evs := c.events(); slices.Contains(kinds(evs), handover.EventAgentActivity) {
		t.Fatalf("the bot's own hand-back looks like a takeover: %+v", evs)
	}
	// The engine tells the visitor; the next turn is the bot's, vouched by the page.
	if err := c.a.Post(c.ctx(), conv, handover.Outgoing{Text: handover.DefaultTexts().Continue}); err != nil {
		t.Fatal(err)
	}
	if s := c.load(uuid).State; s != handover.StateBot {
		t.Fatalf("after HandBack: state %v", s)
	}
	c.events()
	c.visitor("ann", "How long does shipping take?")
	evs = c.events()
	c.sim.ResetCalls()
	next, err := c.a.LoadEvent(c.ctx(), evs[len(evs)-1])
	if err != nil || next.State != handover.StateBot {
		t.Fatalf("next turn: %v %v", next, err)
	}
	if n := len(c.sim.Calls()); n != 1 {
		t.Fatalf("next turn read %d times, want the page only", n)
	}
	// Again: nothing to do, no call.
	c.sim.ResetCalls()
	if err := c.a.HandBack(c.ctx(), c.load(uuid)); err != nil {
		t.Fatal(err)
	}
	if n := len(c.sim.Calls()); n != 2 { // the load's two reads
		t.Fatalf("a repeated HandBack made %d calls beyond the load", n-2)
	}
	// A new handover queues it again.
	if err := c.a.HandToHuman(c.ctx(), c.load(uuid), handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		t.Fatal(err)
	}
	if s := c.load(uuid).State; s != handover.StateQueued {
		t.Fatalf("handed over again: state %v", s)
	}
}

// The offline message filed from the queue (after the wait) is StateOffline.
func TestLeaveOfflineFromQueue(t *testing.T) {
	c := newContract(t)
	_, uuid := c.handOver("ann")
	c.visitor("ann", "ann@example.com")
	conv := c.load(uuid)
	if err := c.a.LeaveOffline(c.ctx(), conv, handover.Handoff{Reason: handover.ReasonOffline, Email: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	if s := c.load(uuid).State; s != handover.StateOffline {
		t.Fatalf("filed from the queue: state %v", s)
	}
}
