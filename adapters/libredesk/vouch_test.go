package libredesk

import (
	"context"
	"strings"
	"testing"

	"github.com/handover-dev/handover/handover"
)

func TestEchoFacts(t *testing.T) {
	t.Parallel()
	f := facts{inbox: 1, team: 2, assignee: testBot, seen: 42}
	id := markerEchoID(kindAnswerHuman, &f)
	if echoKind(id) != kindAnswerHuman || !strings.HasPrefix(id, "handover:answer-human:") {
		t.Fatalf("kind of %q", id)
	}
	if got, ok := echoFacts(id); !ok || got != f {
		t.Fatalf("facts of %q: %+v %v", id, got, ok)
	}
	if id := markerEchoID(kindNotice, nil); echoKind(id) != kindNotice {
		t.Fatalf("kind of %q", id)
	}
	for _, bad := range []string{
		markerEchoID(kindAnswer, nil), // no facts
		"handover:answer:0a1b:0.2.7.42",
		"handover:answer:0a1b:1.2.7",
		"handover:answer:0a1b:1.2.x.4",
		"handover:answer:0a1b:1.-2.7.4",
		"handover:answer:0a1b:1.2.7.4:more",
		"a91f0c:1.2.7.4",
		"",
	} {
		if f, ok := echoFacts(bad); ok {
			t.Errorf("echoFacts(%q) = %+v", bad, f)
		}
	}
}

// numbered numbers messages 1, 2, ... in order, as Libredesk's ids.
func numbered(msgs ...message) []message {
	for i := range msgs {
		msgs[i].ID = flexInt(i + 1)
	}
	return msgs
}

// marker is a bot answer recording facts.
func marker(text string, f facts) message {
	m := raw("bot:answer", text)
	m.Meta.EchoID = markerEchoID(kindAnswer, &f)
	return m
}

func activityBy(sender int, text string) message {
	m := raw("activity", text)
	m.SenderID = flexInt(sender)
	return m
}

func TestVouch(t *testing.T) {
	t.Parallel()
	a := testAdapter(t, "http://libredesk.invalid")
	mine := facts{inbox: 1, assignee: testBot}
	at := func(seen int) facts { f := mine; f.seen = seen; return f }
	for _, tc := range []struct {
		name     string
		raw      []message
		complete bool
		hinted   string
		ok       bool
	}{
		{"the bot answered, the visitor wrote", numbered(raw("in", "q1"), marker("a1", at(1)), raw("in", "q2")), false, "m-q2", true},
		{"the bot's own claim after the read", numbered(raw("in", "q1"), activityBy(testBot, "claim"), marker("a1", at(1)), raw("in", "q2")), false, "m-q2", true},
		{"someone's assignment after the read", numbered(raw("in", "q1"), marker("a1", at(1)), activityBy(alice, "Alice self-assigned"), raw("in", "q2")), false, "m-q2", false},
		{"someone's activity the read saw", numbered(raw("in", "q1"), activityBy(alice, "Alice set priority"), marker("a1", at(2)), raw("in", "q2")), false, "m-q2", true},
		{"a reopen by System", numbered(raw("in", "q1"), marker("a1", at(1)), raw("in", "q2"), activityBy(99, "System marked the conversation as Open")), false, "m-q2", false},
		{"the page does not reach back to the read", numbered(raw("in", "q0"), marker("a1", at(0)), raw("in", "q2")), false, "", false},
		{"the page is the whole history", numbered(raw("in", "q0"), marker("a1", at(0)), raw("in", "q2")), true, "", true},
		{"another inbox", numbered(raw("in", "q1"), marker("a1", facts{inbox: 9, seen: 1}), raw("in", "q2")), false, "", false},
		{"no facts recorded", numbered(raw("in", "q1"), raw("bot:answer", "a1"), raw("in", "q2")), true, "", false},
		{"the hinted message is not there", numbered(raw("in", "q1"), marker("a1", at(1)), raw("in", "q2")), false, "m-elsewhere", false},
		{"an assignment from the agent pages", numbered(raw("in", "q1"), marker("a1", at(1)), raw("botnote", noteAssigned+" Agent id 3.")), true, "", false},
		{"no visitor message", numbered(marker("a1", at(0)), raw("agent", "hello")), true, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, ok := a.vouch(testUUID, tc.raw, tc.complete, &hint{message: tc.hinted})
			if ok != tc.ok {
				t.Fatalf("vouch = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if src.read || int(src.c.InboxID) != 1 || int(src.c.AssignedUserID) != testBot || src.c.Contact.name() != "Jane" || src.seen != len(tc.raw) {
				t.Fatalf("source: %+v", src)
			}
			conv, _ := a.build(&src.c, src.raw, !src.complete)
			if conv.State != handover.StateBot || conv.Department != "2" || conv.Visitor.Name != "Jane" {
				t.Fatalf("snapshot: %+v", conv)
			}
		})
	}
	// A message without an id cannot be placed before or after the read.
	noID := numbered(raw("in", "q1"), marker("a1", at(1)), raw("in", "q2"))
	noID[2].ID = 0
	if _, ok := a.vouch(testUUID, noID, true, &hint{}); ok {
		t.Fatal("a message without an id")
	}
}

// On the bot's first turn the page holds no facts of the bot's: the conversation object of
// the conversation.created webhook stands in for them, as facts that hold up to no message.
func TestVouchFromTheCreationWebhook(t *testing.T) {
	t.Parallel()
	a := testAdapter(t, "http://libredesk.invalid")
	created := func(opts ...convOpt) *hint { return &hint{conv: testConversation(opts...)} }
	other := func(c *conversation) { c.UUID = "1c2d3e4f-0000-4000-8000-000000000000" }
	for _, tc := range []struct {
		name     string
		raw      []message
		complete bool
		h        *hint
		ok       bool
	}{
		{"a new chat", numbered(raw("in", "hello")), true, created(), true},
		{"a new chat, the visitor wrote again", numbered(raw("in", "hello"), raw("in", "anyone?")), true, created(), true},
		{"older messages exist", numbered(raw("in", "hello")), false, created(), false},
		{"someone's activity", numbered(raw("in", "hello"), activityBy(alice, "Alice self-assigned")), true, created(), false},
		{"an automation's activity before the webhook", numbered(activityBy(99, "Team assigned by rule"), raw("in", "hello")), true, created(), false},
		{"another inbox", numbered(raw("in", "hello")), true, created(inbox(9)), false},
		{"not a live chat", numbered(raw("in", "hello")), true, created(channel("email")), false},
		{"resolved", numbered(raw("in", "hello")), true, created(status("Resolved")), false},
		{"another conversation's object", numbered(raw("in", "hello")), true, created(other), false},
		{"assigned to an agent at creation", numbered(raw("in", "hello")), true, created(assigned(alice)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, ok := a.vouch(testUUID, tc.raw, tc.complete, tc.h)
			if ok != tc.ok {
				t.Fatalf("vouch = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			hc := tc.h.conv
			if src.read || src.c.InboxID != hc.InboxID || src.c.AssignedUserID != hc.AssignedUserID || src.seen != len(tc.raw) {
				t.Fatalf("source: %+v", src)
			}
			if string(src.c.Contact.Email) != "jane@example.com" || src.c.Contact.name() != "Jane" {
				t.Fatalf("contact: %+v", src.c.Contact)
			}
			conv, _ := a.build(&src.c, src.raw, !src.complete)
			want := handover.StateBot
			if hc.AssignedUserID != 0 {
				want = handover.StateAgent
			}
			if conv.State != want || conv.Visitor.Email != "jane@example.com" {
				t.Fatalf("snapshot: %+v", conv)
			}
		})
	}
	// Once the bot wrote, its own facts are the newer ones.
	f := facts{inbox: 1, assignee: testBot, seen: 1}
	src, ok := a.vouch(testUUID, numbered(raw("in", "q1"), marker("a1", f), raw("in", "q2")), false, created())
	if !ok || int(src.c.AssignedUserID) != testBot {
		t.Fatalf("the bot's facts were not used: %v %+v", ok, src)
	}
}

// A page the bot wrote nothing in, with older messages behind it.
func TestDeriveStateSilentPage(t *testing.T) {
	t.Parallel()
	a := testAdapter(t, "http://libredesk.invalid")
	team := func(id int) convOpt { return func(c *conversation) { c.AssignedTeamID = flexInt(id) } }
	for _, tc := range []struct {
		name      string
		conv      *conversation
		msgs      []message
		partial   bool
		state     handover.State
		announced bool
	}{
		{"an agent's long chat: announced long ago", testConversation(assigned(alice)), []message{raw("in", "a"), raw("agent", "b")}, true, handover.StateAgent, true},
		{"an agent writes, nobody assigned", testConversation(), []message{raw("in", "a"), raw("agent", "b")}, true, handover.StateAgent, true},
		{"the whole history: a takeover to announce", testConversation(assigned(alice)), []message{raw("in", "a"), raw("agent", "b")}, false, handover.StateAgent, false},
		{"the bot wrote in the page: a takeover to announce", testConversation(assigned(alice)), []message{raw("in", "a"), raw("bot:answer", "x"), raw("agent", "b")}, true, handover.StateAgent, false},
		{"in the mapped team, unassigned: queued long ago", testConversation(team(2)), []message{raw("in", "a")}, true, handover.StateQueued, false},
		{"in the mapped team, claimed by the bot", testConversation(team(2), assigned(testBot)), []message{raw("in", "a")}, true, handover.StateBot, false},
		{"no team: the bot's", testConversation(), []message{raw("in", "a")}, true, handover.StateBot, false},
		{"offline tag", testConversation(tagged(TagOffline)), []message{raw("in", "a")}, true, handover.StateOffline, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conv, _ := a.build(tc.conv, tc.msgs, tc.partial)
			if conv.State != tc.state || conv.JoinAnnounced != tc.announced {
				t.Fatalf("state=%s announced=%v", conv.State, conv.JoinAnnounced)
			}
		})
	}
}

// A conversation of another inbox costs its webhooks no read once its inbox is known.
func TestLoadEventOtherInbox(t *testing.T) {
	c := newContract(t)
	other := c.sim.AddInbox("Humans only", "livechat")
	id, _, err := c.sim.VisitorSend(c.ctx(), other, "e", "for the humans")
	if err != nil {
		t.Fatal(err)
	}
	evs := c.events()
	c.sim.ResetCalls()
	var created, msg handover.Event
	for _, ev := range evs {
		switch ev.Kind {
		case handover.EventChanged:
			created = ev
		case handover.EventVisitorMessage:
			msg = ev
		}
	}
	for _, ev := range []handover.Event{created, msg} {
		conv, err := c.a.LoadEvent(c.ctx(), ev)
		if err != nil || conv.State != handover.StateOther {
			t.Fatalf("%s: %+v %v", ev.Kind, conv, err)
		}
	}
	if calls := c.sim.Calls(); len(calls) != 0 {
		t.Fatalf("calls for another inbox's webhooks: %+v", calls)
	}
	// Without a hint: a read (the conversation only).
	conv, err := c.a.LoadEvent(c.ctx(), handover.Event{Kind: handover.EventReconcile, ConversationID: c.view(id).UUID})
	if err != nil || conv.State != handover.StateOther || len(c.sim.Calls()) != 1 {
		t.Fatalf("reconcile: %+v %v %+v", conv, err, c.sim.Calls())
	}
	// A fresh adapter learns it from the message's read.
	fresh, _ := New(c.a.cfg)
	c.sim.ResetCalls()
	for range 2 {
		if conv, err := fresh.LoadEvent(c.ctx(), msg); err != nil || conv.State != handover.StateOther {
			t.Fatalf("%+v %v", conv, err)
		}
	}
	if n := len(c.sim.Calls()); n != 2 {
		t.Fatalf("%d calls, want the page and the conversation once", n)
	}
}

// What changes without the bot shows in the page as someone else's activity, and the turn
// reads the conversation: an assignment whose webhook was lost, a resolve and reopen.
func TestTurnCostReadsWhatChanged(t *testing.T) {
	w := newCostWorld(t)
	id, _ := w.visitor("jane", "hello")
	w.run(handover.EventVisitorMessage)
	if err := w.sim.AgentAssign(w.ctx(), id, w.demo.BobID); err != nil {
		t.Fatal(err)
	}
	w.events() // the assignment's webhook is lost
	w.visitor("jane", "still there?")
	got, _ := w.run(handover.EventVisitorMessage)
	wantCost(t, "takeover found on a visitor's turn", got, cost{getMessages: 1, getConv: 1, agentsList: 1, postMessage: 2})
	if !strings.Contains(w.lastBot(id), "Bob") {
		t.Fatalf("no join notice: %s", ldView(w.view(id)))
	}

	id2, _ := w.visitor("joe", "hello")
	w.run(handover.EventVisitorMessage)
	if err := w.sim.AgentSetStatus(w.ctx(), id2, w.demo.AliceID, "Resolved"); err != nil {
		t.Fatal(err)
	}
	w.events()
	w.visitor("joe", "one more question") // reopens the chat
	got, _ = w.run(handover.EventVisitorMessage)
	wantCost(t, "after a resolve and reopen", got, cost{getMessages: 1, getConv: 1, postMessage: 1})
	if !strings.HasPrefix(w.lastBot(id2), "Answer to") {
		t.Fatalf("no answer: %s", ldView(w.view(id2)))
	}
	// The next turn trusts the page again.
	w.visitor("joe", "and another")
	got, _ = w.run(handover.EventVisitorMessage)
	wantCost(t, "the turn after", got, cost{getMessages: 1, postMessage: 1})
}

// A Load (no hint) gives the later calls of the turn what it read: HandToHuman, LeaveOffline
// and MarkAgentJoined read nothing again.
func TestSourceSparesRereads(t *testing.T) {
	c := newContract(t)
	_, uuid := c.visitor("jane", "hello")
	conv := c.load(uuid)
	if err := c.a.Post(c.ctx(), conv, handover.Outgoing{Text: "Hi!", Answer: true}); err != nil {
		t.Fatal(err)
	}
	conv = c.load(uuid)
	c.sim.ResetCalls()
	if err := c.a.HandToHuman(context.Background(), conv, handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		t.Fatal(err)
	}
	for _, call := range c.sim.Calls() {
		if call.Method == "GET" {
			t.Fatalf("HandToHuman read again: %+v", c.sim.Calls())
		}
	}
	// A conversation that did not come from Load is read.
	c.sim.ResetCalls()
	bare := &handover.Conversation{ID: uuid, State: handover.StateQueued, Messages: conv.Messages}
	if err := c.a.HandToHuman(context.Background(), bare, handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		t.Fatal(err)
	}
	if calls := c.sim.Calls(); len(calls) == 0 || calls[0].Method != "GET" {
		t.Fatalf("calls: %+v", calls)
	}
}

// Folded webhooks keep what both said, never an agent's event (its activity may not be on the
// page yet), nor two different messages or objects.
func TestHintMerge(t *testing.T) {
	t.Parallel()
	c, c2 := testConversation(), testConversation()
	for _, tc := range []struct {
		name string
		a    *hint
		b    any
		want *hint
	}{
		{"message, then its conversation.created", &hint{message: "m1"}, &hint{conv: c}, &hint{message: "m1", conv: c}},
		{"conversation.created, then the message", &hint{conv: c}, &hint{message: "m1"}, &hint{message: "m1", conv: c}},
		{"the same message twice", &hint{message: "m1"}, &hint{message: "m1"}, &hint{message: "m1"}},
		{"two messages", &hint{message: "m1"}, &hint{message: "m2"}, nil},
		{"two objects", &hint{conv: c}, &hint{conv: c2}, nil},
		{"an agent's reply", &hint{message: "m1"}, &hint{message: "m2", agent: true}, nil},
		{"an assignment", &hint{conv: c, agent: true}, &hint{message: "m1"}, nil},
		{"an event without a hint", &hint{message: "m1"}, nil, nil},
	} {
		got, _ := tc.a.MergeHint(tc.b).(*hint)
		if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	// Parse marks agents' events.
	for _, name := range []string{"message_created_agent_reply.json", "conversation_assigned_agent.json"} {
		body := golden(t, name)
		evs, err := Parse(body, testBot)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v %+v", name, err, evs)
		}
		if h, _ := evs[0].Hint.(*hint); h == nil || !h.agent {
			t.Errorf("%s: hint %+v is not an agent's", name, evs[0].Hint)
		}
	}
}
