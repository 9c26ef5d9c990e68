package zendesk

// What LoadEvent, HandToHuman and AssignAgent read, against the simulated Zendesk over HTTP:
// the webhook's hint stands in for the conversation read when it can be trusted, a turn reads
// the newest page of messages only, and the calls after the load act on what it read.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	sim "github.com/handover-dev/handover/adapters/sim/zendesk"
	"github.com/handover-dev/handover/handover"
)

// callKinds names the API calls the sim logged since the last reset, sorted.
func (c *contract) callKinds() []string {
	var out []string
	for _, call := range c.sim.Calls() {
		p := call.Path
		switch {
		case strings.HasSuffix(p, "/messages"):
			out = append(out, call.Method+" messages")
		case strings.HasSuffix(p, "/passControl"):
			out = append(out, call.Method+" passControl")
		case strings.Contains(p, "/sc/v2/apps/") && strings.Contains(p, "/users/"):
			out = append(out, call.Method+" user")
		case strings.Contains(p, "/conversations/"):
			out = append(out, call.Method+" conversation")
		default:
			out = append(out, call.Method+" "+p)
		}
	}
	slices.Sort(out)
	return out
}

func (c *contract) wantCalls(what string, want ...string) {
	c.t.Helper()
	slices.Sort(want)
	if got := c.callKinds(); !slices.Equal(got, want) {
		c.t.Fatalf("%s: calls %v, want %v", what, got, want)
	}
	c.sim.ResetCalls()
}

// visitorEvent sends a visitor message and returns its parsed webhook event (with its hint).
func (c *contract) visitorEvent(user, text string) handover.Event {
	c.t.Helper()
	mark := c.rec.len()
	id, _, err := c.sim.VisitorSend(context.Background(), user, text)
	if err != nil {
		c.t.Fatal(err)
	}
	c.settle()
	evs := c.rec.events(c.t, c.a, id, mark)
	if len(evs) != 1 || evs[0].Hint == nil {
		c.t.Fatalf("visitor message events: %+v", evs)
	}
	return evs[0]
}

func (c *contract) loadEvent(ev handover.Event) *handover.Conversation {
	c.t.Helper()
	conv, err := c.a.LoadEvent(context.Background(), ev)
	if err != nil {
		c.t.Fatalf("LoadEvent: %v", err)
	}
	return conv
}

// sameSnapshot compares what the engine reads of two loads.
func sameSnapshot(t *testing.T, got, want *handover.Conversation) {
	t.Helper()
	if got.ID != want.ID || got.State != want.State || got.AgentName != want.AgentName || got.JoinAnnounced != want.JoinAnnounced ||
		got.Visitor != want.Visitor || got.BotAnswers != want.BotAnswers || got.Window != want.Window || got.Channel != want.Channel ||
		len(got.Messages) != len(want.Messages) {
		t.Fatalf("LoadEvent %+v\nLoad      %+v", got, want)
	}
	for i := range got.Messages {
		g, w := got.Messages[i], want.Messages[i]
		if g.ID != w.ID || g.Role != w.Role || g.Text != w.Text || g.Prompt != w.Prompt || len(g.Buttons) != len(w.Buttons) {
			t.Fatalf("message %d: %+v, want %+v", i, g, w)
		}
	}
}

func TestLoadEventReadsOnlyTheNewestPage(t *testing.T) {
	c := newContract(t, sim.Options{})
	ctx := context.Background()
	c.sim.SetUserEmail("steve", "steve@example.com")
	ev := c.visitorEvent("steve", "Where is my parcel?")
	c.sim.ResetCalls()
	conv := c.loadEvent(ev)
	c.wantCalls("LoadEvent of a visitor message", "GET messages")
	full := c.load(ev.ConversationID)
	c.wantCalls("Load", "GET conversation", "GET messages", "GET user")
	sameSnapshot(t, conv, full)
	if conv.State != handover.StateBot || conv.Visitor.Email != "steve@example.com" || conv.Visitor.Name != "steve" || conv.Window {
		t.Fatalf("loaded: %+v", conv)
	}

	// The turn's calls after the load read nothing more.
	if err := c.a.Post(ctx, conv, handover.Outgoing{Text: "It ships today.", Answer: true}); err != nil {
		t.Fatal(err)
	}
	c.wantCalls("Post", "POST messages")
	if err := c.a.HandToHuman(ctx, conv, handover.Handoff{Reason: handover.ReasonButton, Summary: "Parcel."}); err != nil {
		t.Fatal(err)
	}
	c.wantCalls("HandToHuman", "POST passControl")
	if err := c.a.MarkAgentJoined(ctx, conv, "Alice"); err != nil {
		t.Fatal(err)
	}
	if err := c.a.LeaveOffline(ctx, conv, handover.Handoff{Reason: handover.ReasonButton, Email: "steve@example.com"}); err != nil {
		t.Fatal(err)
	}
	c.wantCalls("MarkAgentJoined and LeaveOffline", "POST /api/v2/tickets")
}

func TestLoadEventDistrustsHints(t *testing.T) {
	c := newContract(t, sim.Options{})
	ctx := context.Background()
	ev := c.visitorEvent("steve", "Where is my parcel?")
	id := ev.ConversationID
	h := ev.Hint.(*hint)
	if !c.a.ours(h.conv.Active) {
		t.Fatalf("the hint should show handover in control: %+v", h.conv.Active)
	}

	// Agent Workspace takes the conversation without a word (no message shows it). A late
	// delivery of the visitor's message still says the bot has it: too old to trust, so the
	// conversation is read, and the bot stays silent.
	if err := c.sim.AgentTakeOver(ctx, id, c.demo.AliceID, nil); err != nil {
		t.Fatal(err)
	}
	c.settle()
	c.sim.ResetCalls()
	late := ev
	old := *h
	old.at = time.Now().Add(-time.Minute)
	late.Hint = &old
	if conv := c.loadEvent(late); conv.State != handover.StateQueued {
		t.Fatalf("late delivery: %s", conv.State)
	}
	c.wantCalls("late delivery", "GET conversation", "GET messages", "GET user")

	// No hint (lanes folded events), or one of another conversation: Load.
	for _, hv := range []any{nil, &hint{conv: conversation{ID: "other"}, at: time.Now()}} {
		e := ev
		e.Hint = hv
		if conv := c.loadEvent(e); conv.State != handover.StateQueued {
			t.Fatalf("hint %v: %s", hv, conv.State)
		}
		c.wantCalls(fmt.Sprintf("hint %v", hv), "GET conversation", "GET messages", "GET user")
	}

	// Nobody in control (after releaseControl): only a read shows who has the next message.
	released := &hint{conv: conversation{ID: id}, at: time.Now()}
	e := ev
	e.Hint = released
	c.loadEvent(e)
	c.wantCalls("released", "GET conversation", "GET messages", "GET user")

	// Another integration in control: the bot is silent whatever the messages say.
	e.Hint = &hint{conv: conversation{ID: id, Active: sbAI}, at: time.Now()}
	if conv := c.loadEvent(e); conv.State != handover.StateOther {
		t.Fatalf("another integration: %s", conv.State)
	}
	c.wantCalls("another integration")
}

// "Stop chatbot and join" (AssignAgent) keeps its state in the conversation's metadata, which
// the webhook of its passControl does not carry: LoadEvent reads the conversation for it.
func TestLoadEventAgentPagesTakeover(t *testing.T) {
	c := newContract(t, sim.Options{})
	ctx := context.Background()
	ev := c.visitorEvent("steve", "Hi")
	id := ev.ConversationID
	conv := c.loadEvent(ev)
	if err := c.a.Post(ctx, conv, handover.Outgoing{Text: "Hello!", Answer: true}); err != nil {
		t.Fatal(err)
	}
	c.settle()
	conv = c.load(id)
	mark := c.rec.len()
	c.sim.ResetCalls()
	if err := c.a.AssignAgent(ctx, conv, fmt.Sprint(c.demo.AliceID)); err != nil {
		t.Fatal(err)
	}
	c.wantCalls("AssignAgent after a load", "GET /api/v2/users/"+fmt.Sprint(c.demo.AliceID), "PATCH conversation", "POST passControl")
	c.settle()
	evs := c.rec.events(t, c.a, id, mark)
	if len(evs) != 1 || evs[0].Kind != handover.EventAgentActivity || !evs[0].Hint.(*hint).takeover {
		t.Fatalf("passControl events: %+v", evs)
	}
	got := c.loadEvent(evs[0])
	c.wantCalls("LoadEvent of the takeover", "GET messages", "GET conversation")
	if got.State != handover.StateAgent || got.AgentName != "Alice" || got.JoinAnnounced {
		t.Fatalf("takeover: %s %q %v", got.State, got.AgentName, got.JoinAnnounced)
	}
	view, _ := c.sim.Conversation(id)
	if md := view.Control[len(view.Control)-1].Metadata; md["first_message_id"] != view.Messages[0].ID {
		t.Fatalf("passControl metadata %v", md)
	}
}

// A conversation of 1,000 messages costs what a short one does: one page of the newest 100.
func TestLoadLongConversation(t *testing.T) {
	c := newContract(t, sim.Options{})
	ctx := context.Background()
	c.sim.SetWebhookURL("")
	id := ""
	for i := range 500 {
		var err error
		if id, _, err = c.sim.VisitorSend(ctx, "v", fmt.Sprintf("question %d", i)); err != nil {
			t.Fatal(err)
		}
		conv := &handover.Conversation{ID: id, State: handover.StateBot}
		out := handover.Outgoing{Text: fmt.Sprintf("answer %d", i), Answer: true}
		if i%10 == 9 {
			out.Text, out.Answer = "a notice", false
		}
		if err := c.a.Post(ctx, conv, out); err != nil {
			t.Fatal(err)
		}
	}
	c.sim.ResetCalls()
	conv := c.load(id)
	c.wantCalls("Load", "GET conversation", "GET messages", "GET user")
	// The newest 100: 50 bot messages, of which every tenth is a notice.
	if !conv.Window || len(conv.Messages) != 100 || conv.BotAnswers != 45 || conv.Messages[99].Text != "a notice" {
		t.Fatalf("window %v, %d messages, %d answers, last %+v", conv.Window, len(conv.Messages), conv.BotAnswers, conv.Messages[99])
	}
	if err := c.a.HandToHuman(ctx, conv, handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		t.Fatal(err)
	}
	c.wantCalls("HandToHuman", "POST passControl")
	view, _ := c.sim.Conversation(id)
	oldest := view.Messages[len(view.Messages)-100].ID
	if md := view.Control[len(view.Control)-1].Metadata; md["first_message_id"] != oldest {
		t.Fatalf("first_message_id %v, want the oldest message of the page read %s", md["first_message_id"], oldest)
	}
}

// Without includeFullUser the webhook carries no profile: a plain turn does not read it; a turn
// on an offline offer or email prompt does (the address decides whether to ask for it).
func TestLoadEventWithoutFullUser(t *testing.T) {
	c := newContract(t, sim.Options{NoFullUser: true})
	ctx := context.Background()
	c.sim.SetUserEmail("steve", "steve@example.com")
	ev := c.visitorEvent("steve", "Is anyone there?")
	if ev.Hint.(*hint).user != nil {
		t.Fatal("a hint without the full user must not claim one")
	}
	c.sim.ResetCalls()
	conv := c.loadEvent(ev)
	c.wantCalls("plain turn", "GET messages")
	if conv.Visitor.Email != "" || conv.Visitor.Name != "steve" || conv.Visitor.ID == "" {
		t.Fatalf("visitor %+v", conv.Visitor)
	}
	for _, p := range []handover.Prompt{handover.PromptOffline, handover.PromptEmail} {
		if err := c.a.Post(ctx, conv, handover.Outgoing{Text: "Nobody is available.", Prompt: p}); err != nil {
			t.Fatal(err)
		}
		ev = c.visitorEvent("steve", "ok")
		c.sim.ResetCalls()
		conv = c.loadEvent(ev)
		c.wantCalls("turn on an offline prompt", "GET messages", "GET user")
		if conv.Visitor.Email != "steve@example.com" {
			t.Fatalf("visitor %+v", conv.Visitor)
		}
	}
}
