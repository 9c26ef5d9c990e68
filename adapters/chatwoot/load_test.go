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

func handoverNote() *fakeMsg {
	return botNote(headingHandover + "\nReason: The visitor pressed \"Request chat with human agent\".\n")
}
func offlineNote() *fakeMsg {
	return botNote(headingOffline + "\nReason: The visitor asked to talk to a person.\nReply to: v@example.com\n")
}
func humanButtonMsg(text string) *fakeMsg {
	return &fakeMsg{Type: 1, Content: text, Sender: botSender(), ContentType: "input_select",
		Attrs: map[string]any{"items": []any{map[string]any{"title": "Request chat with human agent", "value": "handover_request"}}}}
}
func offlineOfferMsg() *fakeMsg {
	return &fakeMsg{Type: 1, Content: handover.DefaultTexts().NoAgent, Sender: botSender(), ContentType: "input_select",
		Attrs: map[string]any{"items": []any{
			map[string]any{"title": "Stop chatbot and leave offline message", "value": "offline_message"},
			map[string]any{"title": "Continue with the bot", "value": "continue_bot"},
		}}}
}

func TestLoadState(t *testing.T) {
	t.Parallel()
	alice := map[string]any{"id": 11, "name": "Alice Agent", "available_name": "Alice", "type": "user", "availability_status": "online"}
	tx := handover.DefaultTexts()
	de := "Ich leite Sie an einen Mitarbeiter weiter. Bitte bleiben Sie im Chat: Gleich ist jemand für Sie da."
	for i, tc := range []struct {
		name      string
		conv      fakeConv
		state     handover.State
		agent     string
		announced bool
		answers   int
	}{
		{"pending, bot only", fakeConv{Status: "pending", Messages: []*fakeMsg{visitorMsg("hi"), botMsg("hello")}}, handover.StateBot, "", false, 1},
		{"answers counted from the bot's messages", fakeConv{Status: "pending", Messages: []*fakeMsg{
			visitorMsg("a"), botMsg("one"), visitorMsg("b"), humanButtonMsg("two"), visitorMsg("c"), botMsg("three"),
		}}, handover.StateBot, "", false, 3},
		{"notices, prompts and Captain are not answers", fakeConv{Status: "pending", Messages: []*fakeMsg{
			visitorMsg("a"), botMsg("an answer"), offlineOfferMsg(), botMsg(tx.Continue),
			{Type: 1, Content: tx.AskEmail, Sender: botSender(), ContentType: "input_email"},
			botMsg("Sorry, I can't answer that right now. " + tx.NoAgent),
			{Type: 1, Content: "Captain's answer", Sender: map[string]any{"id": 9, "name": "Captain", "type": "captain_assistant"}},
			{Type: 1, Content: "an agent's answer", Sender: userSender(11, "Alice Agent"), Private: true},
			botNote("a private note of the bot"),
		}}, handover.StateBot, "", false, 1},
		{"the old counter attribute is ignored", fakeConv{Status: "pending", Attrs: map[string]any{"handover_bot_answers": 3}}, handover.StateBot, "", false, 0},
		{"pending, agent private note only", fakeConv{Status: "pending", Messages: []*fakeMsg{visitorMsg("hi"), agentNote("Alice Agent", "watching")}}, handover.StateBot, "", false, 0},
		{"pending, human assigned", fakeConv{Status: "pending", Assignee: alice}, handover.StateAgent, "Alice Agent", false, 0},
		{"pending, agent replied", fakeConv{Status: "pending", Messages: []*fakeMsg{visitorMsg("hi"), botMsg("hello"), agentMsg("Bob Agent", "Bob here")}}, handover.StateAgent, "Bob Agent", false, 1},
		{"pending, reply echoed from a phone", fakeConv{Status: "pending", Messages: []*fakeMsg{visitorMsg("hi"), {Type: 1, Content: "from phone", Attrs: map[string]any{"external_echo": true}}}}, handover.StateAgent, "An agent", false, 0},
		{"pending, agent assigned and announced", fakeConv{Status: "pending", Assignee: alice, Messages: []*fakeMsg{visitorMsg("hi"), botMsg("Alice Agent joined the chat.")}}, handover.StateAgent, "Alice Agent", true, 0},
		{"agent joined recorded", fakeConv{Status: "open", Attrs: map[string]any{AttrState: "agent_joined", AttrAgent: "Carol"}}, handover.StateAgent, "Carol", true, 0},
		{"agent joined wins over pending", fakeConv{Status: "pending", Attrs: map[string]any{AttrState: "agent_joined", AttrAgent: "Carol"}}, handover.StateAgent, "Carol", true, 0},
		{"queued by the handover note", fakeConv{Status: "open", Messages: []*fakeMsg{visitorMsg("human please"), handoverNote(), botMsg(tx.Connecting)}}, handover.StateQueued, "", false, 0},
		{"queued, German notice", fakeConv{Status: "open", Messages: []*fakeMsg{visitorMsg("Mitarbeiter bitte"), handoverNote(), botMsg(de)}}, handover.StateQueued, "", false, 0},
		{"queued, auto-assigned but silent", fakeConv{Status: "open", Assignee: alice, Messages: []*fakeMsg{handoverNote()}}, handover.StateQueued, "", false, 0},
		{"queued, agent wrote after handover", fakeConv{Status: "open", Messages: []*fakeMsg{handoverNote(), botMsg(tx.Connecting), agentMsg("Alice Agent", "Hi, Alice here")}}, handover.StateAgent, "Alice Agent", false, 0},
		{"queued, agent wrote and was announced", fakeConv{Status: "open", Messages: []*fakeMsg{handoverNote(), botMsg(tx.Connecting), agentMsg("Alice Agent", "Hi, Alice here"), botMsg("Alice Agent joined the chat.")}}, handover.StateAgent, "Alice Agent", true, 0},
		{"queued, announced in French", fakeConv{Status: "open", Messages: []*fakeMsg{handoverNote(), agentMsg("Alice Agent", "Bonjour"), botMsg("Alice Agent a rejoint la conversation.")}}, handover.StateAgent, "Alice Agent", true, 0},
		{"queued, agent note after handover", fakeConv{Status: "open", Messages: []*fakeMsg{handoverNote(), agentNote("Alice Agent", "taking it")}}, handover.StateQueued, "", false, 0},
		{"queued, agent wrote only before the handover note", fakeConv{Status: "open", Messages: []*fakeMsg{agentMsg("Alice Agent", "earlier"), visitorMsg("again"), handoverNote()}}, handover.StateQueued, "", false, 0},
		{"queued by an older release's attribute", fakeConv{Status: "open", Attrs: map[string]any{AttrState: "queued"}, Messages: []*fakeMsg{visitorMsg("human please"), botNote("Handed over"), botMsg(tx.Connecting)}}, handover.StateQueued, "", false, 0},
		{"older release's queued, agent wrote after its note", fakeConv{Status: "open", Attrs: map[string]any{AttrState: "queued"}, Messages: []*fakeMsg{botNote("Handed over"), agentMsg("Alice Agent", "Hi")}}, handover.StateAgent, "Alice Agent", false, 0},
		{"open after a pending takeover, mark missing", fakeConv{Status: "open", Assignee: alice, Messages: []*fakeMsg{visitorMsg("hi"), botMsg("Alice Agent joined the chat.")}}, handover.StateAgent, "Alice Agent", true, 0},
		{"a join notice for somebody else is not ours", fakeConv{Status: "open", Messages: []*fakeMsg{visitorMsg("hi"), botMsg("Mallory joined the chat.")}}, handover.StateOther, "", false, 0},
		{"offline by label", fakeConv{Status: "open", Labels: []string{"vip", LabelOffline}}, handover.StateOffline, "", false, 0},
		{"offline by the offline note", fakeConv{Status: "open", Messages: []*fakeMsg{visitorMsg("hi"), offlineOfferMsg(), offlineNote()}}, handover.StateOffline, "", false, 0},
		{"offline by an older release's attribute", fakeConv{Status: "open", Attrs: map[string]any{AttrState: "offline"}}, handover.StateOffline, "", false, 0},
		{"offline and resolved", fakeConv{Status: "resolved", Labels: []string{LabelOffline}}, handover.StateOffline, "", false, 0},
		{"handed over after an offline message", fakeConv{Status: "open", Labels: []string{LabelOffline}, Messages: []*fakeMsg{offlineNote(), visitorMsg("back again"), handoverNote()}}, handover.StateQueued, "", false, 0},
		{"open without handover", fakeConv{Status: "open", Messages: []*fakeMsg{visitorMsg("hi"), agentMsg("Bob Agent", "hello")}}, handover.StateOther, "", false, 0},
		{"resolved", fakeConv{Status: "resolved", Messages: []*fakeMsg{handoverNote()}}, handover.StateOther, "", false, 0},
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

func messageQueries(f *fakeChatwoot) []string {
	var queries []string
	for _, c := range f.callsTo("GET", "/messages") {
		queries = append(queries, c.Query)
	}
	return queries
}

// Load reads the newest page only, whatever the conversation's length.
func TestLoadReadsTheNewestPage(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	var msgs []*fakeMsg
	for i := 1; i <= 500; i++ {
		msgs = append(msgs, &fakeMsg{ID: 1000 + 2*i, Type: 0, Content: fmt.Sprint("q", i), Sender: contactSender()},
			&fakeMsg{ID: 1001 + 2*i, Type: 1, Content: fmt.Sprint("a", i), Sender: botSender()})
	}
	f.addConv(&fakeConv{ID: 9, InboxID: 2, Status: "pending", Messages: msgs})
	a := newTestAdapter(t, f.URL(), nil)
	got, err := a.Load(t.Context(), "9")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 20 || !got.Window || got.Messages[19].Text != "a500" || got.Messages[0].Text != "q491" {
		t.Fatalf("%d messages (window %v), last %q", len(got.Messages), got.Window, got.Messages[len(got.Messages)-1].Text)
	}
	if got.BotAnswers != 10 {
		t.Fatalf("answers in the window = %d, want 10", got.BotAnswers)
	}
	if q := messageQueries(f); !reflect.DeepEqual(q, []string{""}) {
		t.Fatalf("message reads %q, want one", q)
	}
	if n := len(f.callsTo("GET", "/conversations/9")); n != 1 {
		t.Fatalf("%d conversation reads", n)
	}
	// A short conversation is complete.
	f.addConv(&fakeConv{ID: 10, InboxID: 2, Status: "pending", Messages: []*fakeMsg{visitorMsg("hi")}})
	if short, err := a.Load(t.Context(), "10"); err != nil || short.Window || len(short.Messages) != 1 {
		t.Fatalf("short conversation: %+v, %v", short, err)
	}
}

// A pending window without any message of the bot pages back until the
// bot's latest answer shows up.
func TestLoadPagesBackToTheBot(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	msgs := []*fakeMsg{
		{ID: 101, Type: 0, Content: "m1", Sender: contactSender()},
		{ID: 102, Type: 1, Content: "an answer", Sender: botSender(), ContentType: "input_select",
			Attrs: map[string]any{"items": []any{map[string]any{"title": "Request chat with human agent", "value": "handover_request"}}}},
	}
	for i := 3; i <= 45; i++ {
		msgs = append(msgs, &fakeMsg{ID: 100 + i, Type: 0, Content: fmt.Sprint("m", i), Sender: contactSender()})
	}
	f.addConv(&fakeConv{ID: 9, InboxID: 2, Status: "pending", Messages: msgs})
	a := newTestAdapter(t, f.URL(), nil)
	got, err := a.Load(t.Context(), "9")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 45 || got.Window {
		t.Fatalf("%d messages, window %v; want all 45", len(got.Messages), got.Window)
	}
	for i, m := range got.Messages {
		if i != 1 && m.Text != fmt.Sprint("m", i+1) {
			t.Fatalf("message %d = %q: history out of order", i, m.Text)
		}
	}
	if i := got.LastBotMessage(); i != 1 || got.Messages[i].Prompt != handover.PromptHuman || got.BotAnswers != 1 {
		t.Fatalf("last bot message %d, answers %d", i, got.BotAnswers)
	}
	if q, want := messageQueries(f), []string{"", "before=126", "before=106"}; !reflect.DeepEqual(q, want) {
		t.Fatalf("paging queries %q, want %q", q, want)
	}

	// At most maxPageBack pages, however long the bot was silent.
	var silent []*fakeMsg
	for i := 1; i <= 300; i++ {
		silent = append(silent, &fakeMsg{ID: 1000 + i, Type: 0, Content: fmt.Sprint("s", i), Sender: contactSender()})
	}
	f.addConv(&fakeConv{ID: 11, InboxID: 2, Status: "pending", Messages: silent})
	got, err = a.Load(t.Context(), "11")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != pageSize*(1+maxPageBack) || !got.Window {
		t.Fatalf("%d messages, window %v", len(got.Messages), got.Window)
	}
	if n := len(f.callsTo("GET", "/conversations/11/messages")); n != 1+maxPageBack {
		t.Fatalf("%d message reads, want %d", n, 1+maxPageBack)
	}

	// An open conversation needs only the newest page.
	f.addConv(&fakeConv{ID: 12, InboxID: 2, Status: "open", Messages: silent})
	if _, err := a.Load(t.Context(), "12"); err != nil {
		t.Fatal(err)
	}
	if n := len(f.callsTo("GET", "/conversations/12/messages")); n != 1 {
		t.Fatalf("open conversation: %d message reads", n)
	}
}

// A click on a prompt older than the window reads the span from that prompt
// on, in one call.
func TestLoadEventReachesAnOlderClick(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	msgs := []*fakeMsg{{ID: 101, Type: 0, Content: "hi", Sender: contactSender()}}
	btn := humanButtonMsg("Want a person?")
	btn.ID = 102
	btn.Attrs["submitted_values"] = []any{map[string]any{"title": "Request chat with human agent", "value": "handover_request"}}
	msgs = append(msgs, btn)
	for i := 3; i <= 60; i++ {
		m := &fakeMsg{ID: 100 + i, Type: 0, Content: fmt.Sprint("m", i), Sender: contactSender()}
		if i%2 == 0 {
			m = &fakeMsg{ID: 100 + i, Type: 1, Content: fmt.Sprint("answer ", i), Sender: botSender()}
		}
		msgs = append(msgs, m)
	}
	f.addConv(&fakeConv{ID: 9, InboxID: 2, Status: "pending", Messages: msgs})
	a := newTestAdapter(t, f.URL(), nil)
	got, err := a.LoadEvent(t.Context(), handover.Event{Kind: handover.EventChoice, ConversationID: "9", MessageID: "102", Choice: handover.ChoiceRequestHuman})
	if err != nil {
		t.Fatal(err)
	}
	m, ok := got.Message("102")
	if !ok || m.Choice != handover.ChoiceRequestHuman || m.Prompt != handover.PromptHuman {
		t.Fatalf("clicked prompt not read: %+v (found %v)", m, ok)
	}
	if len(got.Messages) != 59 || got.Messages[0].ID != "102" || got.Messages[58].ID != "160" {
		t.Fatalf("%d messages from %s", len(got.Messages), got.Messages[0].ID)
	}
	if q, want := messageQueries(f), []string{"", "after=102&before=141"}; !reflect.DeepEqual(q, want) {
		t.Fatalf("queries %q, want %q", q, want)
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
