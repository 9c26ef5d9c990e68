package chatwoot

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/handover-dev/handover/handover"
)

// TestDirectory runs the agent pages' port against the simulated Chatwoot:
// the overview lists the bot's, queued and offline conversations (not other
// open ones) with states derived as Load derives them, agents come from
// GET /agents, and AssignAgent is a takeover Load sees, pending or queued.
func TestDirectory(t *testing.T) {
	t.Parallel()
	e := newContractEnv(t, false)
	ctx := t.Context()
	send := func(inbox int, contact, text string) int {
		t.Helper()
		id, _, err := e.sim.VisitorSend(ctx, inbox, contact, text)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	botConv := send(e.demo.InboxID, "ada", "How long does shipping take?")
	queuedConv := send(e.demo.InboxID, "bea", "I want a person")
	offlineConv := send(e.demo.InboxID, "cyd", "Nobody there?")
	mail := e.sim.AddInbox("Email", false)
	humanConv := send(mail, "dan", "A plain e-mail ticket, no bot")
	e.idle(t)

	if err := e.a.Post(ctx, e.load(t, botConv), handover.Outgoing{Text: "Two days.", Answer: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.a.HandToHuman(ctx, e.load(t, queuedConv), handover.Handoff{Reason: handover.ReasonButton, Summary: "wants a person"}); err != nil {
		t.Fatal(err)
	}
	if err := e.a.LeaveOffline(ctx, e.load(t, offlineConv), handover.Handoff{Reason: handover.ReasonButton, Email: "cyd@example.com"}); err != nil {
		t.Fatal(err)
	}
	// The visitor writes again: the bot conversation is the most recent.
	send(e.demo.InboxID, "ada", "And to Austria?")
	e.idle(t)

	convs, err := e.a.Conversations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*handover.Conversation{}
	var order []string
	for _, c := range convs {
		got[c.ID] = c
		order = append(order, c.ID)
	}
	if _, ok := got[strconv.Itoa(humanConv)]; ok || len(convs) != 3 {
		t.Fatalf("listed %v; want the bot, queued and offline conversations only", order)
	}
	if order[0] != strconv.Itoa(botConv) {
		t.Fatalf("order %v: the most recently active conversation must come first", order)
	}
	for id, want := range map[int]handover.State{botConv: handover.StateBot, queuedConv: handover.StateQueued, offlineConv: handover.StateOffline} {
		c := got[strconv.Itoa(id)]
		full := e.load(t, id)
		if c == nil || c.State != want || c.State != full.State {
			t.Fatalf("conversation %d: listed %+v, want state %s (Load says %s)", id, c, want, full.State)
		}
		if c.Visitor != full.Visitor || c.BotAnswers != full.BotAnswers || c.Department != full.Department {
			t.Fatalf("conversation %d: listed %+v / %d / %s, Load %+v / %d / %s", id,
				c.Visitor, c.BotAnswers, c.Department, full.Visitor, full.BotAnswers, full.Department)
		}
	}
	bot := got[strconv.Itoa(botConv)]
	if bot.BotAnswers != 1 || bot.Visitor.Name != "ada" || len(bot.PendingVisitorMessages()) != 1 {
		t.Fatalf("bot conversation snapshot: answers %d visitor %+v pending %+v", bot.BotAnswers, bot.Visitor, bot.PendingVisitorMessages())
	}

	agents, err := e.a.Agents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]handover.Agent{}
	for _, ag := range agents {
		byID[ag.ID] = ag
	}
	alice, bob := strconv.Itoa(e.demo.AliceID), strconv.Itoa(e.demo.BobID)
	if byID[alice].Name != "Alice" || !byID[alice].Available || byID[bob].Name != "Bob" || byID[bob].Available {
		t.Fatalf("agents %+v", agents)
	}

	names, err := e.a.DepartmentNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if names["team:"+strconv.Itoa(e.demo.TeamID)] != "Support" || names["inbox:"+strconv.Itoa(mail)] != "Email" {
		t.Fatalf("department names %v", names)
	}

	// Takeover of a pending conversation: the assignee is enough.
	if err := e.a.AssignAgent(ctx, e.load(t, botConv), alice); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	c := e.load(t, botConv)
	if c.State != handover.StateAgent || c.AgentName != "Alice" || c.JoinAnnounced {
		t.Fatalf("after AssignAgent: state %s agent %q announced %v", c.State, c.AgentName, c.JoinAnnounced)
	}
	if v := e.view(t, botConv); v.AssigneeID != e.demo.AliceID || v.Status != "pending" {
		t.Fatalf("sim: assignee %d status %s", v.AssigneeID, v.Status)
	}
	if _, ok := findEvent(e.rec.events(t, e.a, botConv), handover.EventAgentActivity, nil); !ok {
		t.Fatal("the assignment sent the bot no conversation_updated webhook")
	}

	// Takeover of a queued conversation (open, maybe auto-assigned already):
	// marked agent_assigned so that Load sees a takeover.
	if c := e.load(t, queuedConv); c.State != handover.StateQueued {
		t.Fatalf("queued conversation derives %s before the takeover", c.State)
	}
	if err := e.a.AssignAgent(ctx, e.load(t, queuedConv), bob); err != nil {
		t.Fatal(err)
	}
	c = e.load(t, queuedConv)
	if c.State != handover.StateAgent || c.AgentName != "Bob" || c.JoinAnnounced {
		t.Fatalf("queued takeover: state %s agent %q announced %v", c.State, c.AgentName, c.JoinAnnounced)
	}
	if v := e.view(t, queuedConv); anyText(v.CustomAttributes[AttrState]) != stateAgentAssigned {
		t.Fatalf("custom attributes %v", v.CustomAttributes)
	}
	// The join announcement (MarkAgentJoined) replaces the mark.
	if err := e.a.MarkAgentJoined(ctx, c, "Bob"); err != nil {
		t.Fatal(err)
	}
	if c := e.load(t, queuedConv); c.State != handover.StateAgent || !c.JoinAnnounced || c.AgentName != "Bob" {
		t.Fatalf("after MarkAgentJoined: %s %q %v", c.State, c.AgentName, c.JoinAnnounced)
	}
	// Still listed (handed over, with an agent).
	convs, err = e.a.Conversations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range convs {
		if c.ID == strconv.Itoa(queuedConv) {
			found = c.State == handover.StateAgent
		}
	}
	if !found {
		t.Fatal("the taken-over conversation left the overview")
	}

	// Bad input is refused before any call.
	off := e.load(t, offlineConv)
	calls := len(e.sim.Calls())
	for _, id := range []string{"", "0", "abc", "-1", "1 "} {
		if err := e.a.AssignAgent(ctx, off, id); err == nil {
			t.Fatalf("AssignAgent(%q) succeeded", id)
		}
	}
	if n := len(e.sim.Calls()) - calls; n != 0 {
		t.Fatalf("bad agent ids made %d calls", n)
	}
}

// Without a team mapping a queued conversation is known by the bot's
// handover note only: the overview reads the open conversations of the
// inboxes the bot works in (here: where it holds a pending one).
func TestDirectoryInboxQueue(t *testing.T) {
	t.Parallel()
	e := newContractEnv(t, false)
	a, err := New(Config{BaseURL: e.a.cfg.BaseURL, AccountID: simAccount, BotToken: simBot, UserToken: simUser, WebhookSecret: simSecret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	queued, _, err := e.sim.VisitorSend(ctx, e.demo.InboxID, "eve", "a person please")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := e.sim.VisitorSend(ctx, e.demo.InboxID, "fay", "hello")
	if err != nil {
		t.Fatal(err)
	}
	mail := e.sim.AddInbox("Email", false)
	if _, _, err := e.sim.VisitorSend(ctx, mail, "gus", "an e-mail ticket"); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	conv, err := a.Load(ctx, strconv.Itoa(queued))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.HandToHuman(ctx, conv, handover.Handoff{Reason: handover.ReasonButton}); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	convs, err := a.Conversations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]handover.State{}
	for _, c := range convs {
		got[c.ID] = c.State
	}
	want := map[string]handover.State{strconv.Itoa(queued): handover.StateQueued, strconv.Itoa(other): handover.StateBot}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
}
