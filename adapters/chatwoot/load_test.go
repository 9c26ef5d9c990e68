package chatwoot

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/handover-dev/handover/handover"
)

func visitorMsg(text string) *fakeMsg {
	return &fakeMsg{Type: 0, Content: text, Sender: contactSender()}
}
func botMsg(text string) *fakeMsg { return &fakeMsg{Type: 1, Content: text, Sender: botSender()} }
func botNote(text string) *fakeMsg {
	return &fakeMsg{Type: 1, Content: text, Sender: botSender(), Private: true}
}
func agentMsg(name, text string) *fakeMsg {
	return &fakeMsg{Type: 1, Content: text, Sender: userSender(11, name)}
}
func agentNote(name, text string) *fakeMsg {
	return &fakeMsg{Type: 1, Content: text, Sender: userSender(11, name), Private: true}
}

func TestLoadState(t *testing.T) {
	t.Parallel()
	alice := map[string]any{"id": 11, "name": "Alice Agent", "available_name": "Alice", "type": "user", "availability_status": "online"}
	for i, tc := range []struct {
		name      string
		conv      fakeConv
		state     handover.State
		agent     string
		announced bool
		answers   int
	}{
		{"pending, bot only", fakeConv{Status: "pending", Messages: []*fakeMsg{visitorMsg("hi"), botMsg("hello")}, Attrs: map[string]any{AttrBotAnswers: 1}}, handover.StateBot, "", false, 1},
		{"answers as string", fakeConv{Status: "pending", Attrs: map[string]any{AttrBotAnswers: "3"}}, handover.StateBot, "", false, 3},
		{"answers as float", fakeConv{Status: "pending", Attrs: map[string]any{AttrBotAnswers: 2.0}}, handover.StateBot, "", false, 2},
		{"answers garbage", fakeConv{Status: "pending", Attrs: map[string]any{AttrBotAnswers: map[string]any{"x": 1}}}, handover.StateBot, "", false, 0},
		{"pending, agent private note only", fakeConv{Status: "pending", Messages: []*fakeMsg{visitorMsg("hi"), agentNote("Alice Agent", "watching")}}, handover.StateBot, "", false, 0},
		{"pending, human assigned", fakeConv{Status: "pending", Assignee: alice}, handover.StateAgent, "Alice Agent", false, 0},
		{"pending, agent replied", fakeConv{Status: "pending", Messages: []*fakeMsg{visitorMsg("hi"), botMsg("hello"), agentMsg("Bob Agent", "Bob here")}}, handover.StateAgent, "Bob Agent", false, 0},
		{"pending, reply echoed from a phone", fakeConv{Status: "pending", Messages: []*fakeMsg{visitorMsg("hi"), {Type: 1, Content: "from phone", Attrs: map[string]any{"external_echo": true}}}}, handover.StateAgent, "An agent", false, 0},
		{"agent joined recorded", fakeConv{Status: "open", Attrs: map[string]any{AttrState: "agent_joined", AttrAgent: "Carol"}}, handover.StateAgent, "Carol", true, 0},
		{"agent joined wins over pending", fakeConv{Status: "pending", Attrs: map[string]any{AttrState: "agent_joined", AttrAgent: "Carol"}}, handover.StateAgent, "Carol", true, 0},
		{"queued", fakeConv{Status: "open", Attrs: map[string]any{AttrState: "queued"}, Messages: []*fakeMsg{visitorMsg("human please"), botNote("Handed over"), botMsg("connecting")}}, handover.StateQueued, "", false, 0},
		{"queued, auto-assigned but silent", fakeConv{Status: "open", Assignee: alice, Attrs: map[string]any{AttrState: "queued"}, Messages: []*fakeMsg{botNote("Handed over")}}, handover.StateQueued, "", false, 0},
		{"queued, agent wrote after handover", fakeConv{Status: "open", Attrs: map[string]any{AttrState: "queued"}, Messages: []*fakeMsg{botNote("Handed over"), agentMsg("Alice Agent", "Hi, Alice here")}}, handover.StateAgent, "Alice Agent", false, 0},
		{"queued, agent note after handover", fakeConv{Status: "open", Attrs: map[string]any{AttrState: "queued"}, Messages: []*fakeMsg{botNote("Handed over"), agentNote("Alice Agent", "taking it")}}, handover.StateQueued, "", false, 0},
		{"queued, agent wrote only before the handover note", fakeConv{Status: "open", Attrs: map[string]any{AttrState: "queued"}, Messages: []*fakeMsg{agentMsg("Alice Agent", "earlier"), visitorMsg("again"), botNote("Handed over")}}, handover.StateQueued, "", false, 0},
		{"offline by label", fakeConv{Status: "open", Labels: []string{"vip", LabelOffline}}, handover.StateOffline, "", false, 0},
		{"offline by attribute", fakeConv{Status: "open", Attrs: map[string]any{AttrState: "offline"}}, handover.StateOffline, "", false, 0},
		{"offline and resolved", fakeConv{Status: "resolved", Attrs: map[string]any{AttrState: "offline"}}, handover.StateOffline, "", false, 0},
		{"open without handover", fakeConv{Status: "open"}, handover.StateOther, "", false, 0},
		{"resolved", fakeConv{Status: "resolved"}, handover.StateOther, "", false, 0},
		{"snoozed", fakeConv{Status: "snoozed"}, handover.StateOther, "", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeChatwoot(t)
			c := tc.conv
			c.ID, c.InboxID = 100+i, 2
			f.addConv(&c)
			a := newTestAdapter(t, f.URL(), nil)
			got, err := a.Load(t.Context(), fmt.Sprint(c.ID))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got.State != tc.state || got.AgentName != tc.agent || got.JoinAnnounced != tc.announced || got.BotAnswers != tc.answers {
				t.Fatalf("Load = state %q agent %q announced %v answers %d; want %q %q %v %d",
					got.State, got.AgentName, got.JoinAnnounced, got.BotAnswers, tc.state, tc.agent, tc.announced, tc.answers)
			}
		})
	}
}

func TestLoadMapping(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	humanItems := []any{map[string]any{"title": "Request chat with human agent", "value": "handover_request"}}
	offlineItems := []any{
		map[string]any{"title": "Stop chatbot and leave offline message", "value": "offline_message"},
		map[string]any{"title": "Continue with the bot", "value": "continue_bot"},
	}
	f.addConv(&fakeConv{ID: 42, InboxID: 2, Status: "pending", Messages: []*fakeMsg{
		{ID: 1, Type: 3, Content: "Welcome!"},                    // template greeting, no sender
		{ID: 2, Type: 0, Content: "hi", Sender: contactSender()}, // visitor
		{ID: 3, Type: 1, Content: "Hello", Sender: botSender()},  // bot
		{ID: 4, Type: 1, Content: "Want a human?", Sender: botSender(), ContentType: "input_select", Attrs: map[string]any{"items": humanItems, "submitted_values": []any{map[string]any{"title": "Request chat with human agent", "value": "handover_request"}}}},
		{ID: 5, Type: 1, Content: "Nobody here", Sender: botSender(), ContentType: "input_select", Attrs: map[string]any{"items": offlineItems}},
		{ID: 6, Type: 1, Content: "Your email?", Sender: botSender(), ContentType: "input_email", Attrs: map[string]any{"submitted_email": "v@example.com"}},
		{ID: 7, Type: 2, Content: "Conversation was marked open"}, // activity
		{ID: 8, Type: 1, Content: "Captain says hi", Sender: map[string]any{"id": 9, "name": "Captain", "type": "captain_assistant"}},
		{ID: 9, Type: 1, Content: "note", Sender: userSender(11, "Alice Agent"), Private: true},
	}})
	a := newTestAdapter(t, f.URL(), map[int]int{2: 4})
	got, err := a.Load(t.Context(), "42")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "42" || got.Department != "team:4" || got.Channel != "web" {
		t.Errorf("ID %q Department %q Channel %q", got.ID, got.Department, got.Channel)
	}
	if want := (handover.Visitor{ID: "5", Name: "quiet-sun-42", Email: "visitor@example.com"}); got.Visitor != want {
		t.Errorf("Visitor = %+v, want %+v", got.Visitor, want)
	}
	type row struct {
		ID      string
		Role    handover.Role
		Author  string
		Private bool
		Prompt  handover.Prompt
		Choice  string
		Email   string
		Buttons int
	}
	var rows []row
	for _, m := range got.Messages {
		rows = append(rows, row{m.ID, m.Role, m.Author, m.Private, m.Prompt, m.Choice, m.SubmittedEmail, len(m.Buttons)})
		if m.CreatedAt.IsZero() {
			t.Errorf("message %s has no CreatedAt", m.ID)
		}
	}
	want := []row{
		{"1", handover.RoleSystem, "", false, "", "", "", 0},
		{"2", handover.RoleVisitor, "quiet-sun-42", false, "", "", "", 0},
		{"3", handover.RoleBot, "AI Assistant", false, "", "", "", 0},
		{"4", handover.RoleBot, "AI Assistant", false, handover.PromptHuman, "handover_request", "", 1},
		{"5", handover.RoleBot, "AI Assistant", false, handover.PromptOffline, "", "", 2},
		{"6", handover.RoleBot, "AI Assistant", false, handover.PromptEmail, "", "v@example.com", 0},
		{"7", handover.RoleSystem, "", false, "", "", "", 0},
		{"8", handover.RoleBot, "Captain", false, "", "", "", 0},
		{"9", handover.RoleAgent, "Alice Agent", true, "", "", "", 0},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("messages:\n got %+v\nwant %+v", rows, want)
	}
	if b := got.Messages[4].Buttons; b[0] != (handover.Button{Title: "Stop chatbot and leave offline message", Value: "offline_message"}) {
		t.Errorf("buttons = %+v", b)
	}
	// The message list needs the user token; the conversation is read with the bot's.
	for _, c := range f.callsTo("GET", "/messages") {
		if c.Token != fakeUserToken {
			t.Errorf("message list with token %q", c.Token)
		}
	}
	for _, c := range f.callsTo("GET", "/conversations/42") {
		if c.Token != fakeBotToken {
			t.Errorf("conversation read with token %q", c.Token)
		}
	}
}

func TestLoadPagesBack(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	var msgs []*fakeMsg
	for i := 1; i <= 45; i++ {
		msgs = append(msgs, &fakeMsg{ID: 100 + i, Type: 0, Content: fmt.Sprint("m", i), Sender: contactSender()})
	}
	f.addConv(&fakeConv{ID: 9, InboxID: 2, Status: "pending", Messages: msgs})
	a := newTestAdapter(t, f.URL(), nil)
	got, err := a.Load(t.Context(), "9")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 45 {
		t.Fatalf("%d messages, want 45", len(got.Messages))
	}
	for i, m := range got.Messages {
		if m.Text != fmt.Sprint("m", i+1) {
			t.Fatalf("message %d = %q: history out of order", i, m.Text)
		}
	}
	var queries []string
	for _, c := range f.callsTo("GET", "/messages") {
		queries = append(queries, c.Query)
	}
	if want := []string{"", "before=126", "before=106", "before=101"}; !reflect.DeepEqual(queries, want) {
		t.Fatalf("paging queries %q, want %q", queries, want)
	}
}

func TestLoadNotFound(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	a := newTestAdapter(t, f.URL(), nil)
	for _, id := range []string{"404", "abc", "", "1/../2", "-1"} {
		_, err := a.Load(t.Context(), id)
		if !errors.Is(err, handover.ErrNotFound) {
			t.Errorf("Load(%q) = %v, want ErrNotFound", id, err)
		}
	}
	if n := len(f.callsTo("GET", "/conversations/404")); n != 1 {
		t.Errorf("404 retried: %d calls", n)
	}
}
