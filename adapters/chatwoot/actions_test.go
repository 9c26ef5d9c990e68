package chatwoot

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/handover-dev/handover/handover"
)

func lastMsg(t *testing.T, c *fakeConv) *fakeMsg {
	t.Helper()
	if len(c.Messages) == 0 {
		t.Fatal("no messages")
	}
	return c.Messages[len(c.Messages)-1]
}

func TestPost(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	f.addConv(&fakeConv{ID: 42, InboxID: 2, Status: "pending", Attrs: map[string]any{"order": "A-17", "vip": true}})
	a := newTestAdapter(t, f.URL(), nil)
	conv := &handover.Conversation{ID: "42"}
	ctx := t.Context()

	if err := a.Post(ctx, conv, handover.Outgoing{Text: "Hello!", Answer: true}); err != nil {
		t.Fatal(err)
	}
	m := lastMsg(t, f.conv(42))
	if m.Content != "Hello!" || m.Private || m.ContentType != "text" || m.Sender["type"] != "agent_bot" {
		t.Fatalf("posted %+v", m)
	}
	if err := a.Post(ctx, conv, handover.Outgoing{Text: "Second", Answer: true}); err != nil {
		t.Fatal(err)
	}

	// A notice with buttons is an input_select.
	buttons := []handover.Button{{Title: "Request chat with human agent", Value: handover.ChoiceRequestHuman}}
	if err := a.Post(ctx, conv, handover.Outgoing{Text: "Need a person?", Prompt: handover.PromptHuman, Buttons: buttons}); err != nil {
		t.Fatal(err)
	}
	m = lastMsg(t, f.conv(42))
	items, _ := json.Marshal(m.Attrs["items"])
	if m.ContentType != "input_select" || string(items) != `[{"title":"Request chat with human agent","value":"handover_request"}]` {
		t.Fatalf("buttons posted as %s %s", m.ContentType, items)
	}
	if err := a.Post(ctx, conv, handover.Outgoing{Text: handover.DefaultTexts().Continue}); err != nil {
		t.Fatal(err)
	}
	if err := a.Post(ctx, conv, handover.Outgoing{Text: "Your email?", Prompt: handover.PromptEmail}); err != nil {
		t.Fatal(err)
	}
	if m = lastMsg(t, f.conv(42)); m.ContentType != "input_email" {
		t.Fatalf("email prompt posted as %s", m.ContentType)
	}

	// Every post is one message create, with the bot token and the
	// documented body: no counter is written anywhere.
	f.mu.Lock()
	calls := slices.Clone(f.calls)
	f.mu.Unlock()
	if len(calls) != 5 {
		t.Fatalf("%d calls for 5 posts: %+v", len(calls), calls)
	}
	for _, call := range calls {
		if call.Method != "POST" || !strings.HasSuffix(call.Path, "/messages") || call.Token != fakeBotToken ||
			call.Body["message_type"] != "outgoing" || call.Body["private"] != false {
			t.Fatalf("call %+v", call)
		}
	}
	if got := f.conv(42).Attrs; !reflect.DeepEqual(got, map[string]any{"order": "A-17", "vip": true}) {
		t.Fatalf("custom attributes changed: %v", got)
	}
	// The answers count from the messages: two answers and the human button
	// (an answer's prompt), not the continue notice nor the email prompt.
	loaded, err := a.Load(ctx, "42")
	if err != nil {
		t.Fatal(err)
	}
	if loaded.BotAnswers != 3 {
		t.Fatalf("answers = %d, want 3", loaded.BotAnswers)
	}
}

func TestPostUnknownConversation(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	a := newTestAdapter(t, f.URL(), nil)
	err := a.Post(t.Context(), &handover.Conversation{ID: "77"}, handover.Outgoing{Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Fatalf("Post = %v", err)
	}
}

// postOrder lists the last path segment of every POST so far.
func postOrder(f *fakeChatwoot) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var order []string
	for _, call := range f.calls {
		if call.Method == "POST" {
			order = append(order, call.Path[strings.LastIndex(call.Path, "/")+1:])
		}
	}
	return order
}

func TestHandToHuman(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	f.addConv(&fakeConv{ID: 42, InboxID: 2, Status: "pending", Attrs: map[string]any{"order": "A-17"},
		Messages: []*fakeMsg{visitorMsg("refund please"), botMsg("Sure."), visitorMsg("a person please")}})
	a := newTestAdapter(t, f.URL(), map[int]int{2: 4})
	conv, err := a.Load(t.Context(), "42")
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.calls = nil
	f.mu.Unlock()
	h := handover.Handoff{Reason: handover.ReasonButton, Summary: "Wants a refund for order A-17."}
	if err := a.HandToHuman(t.Context(), conv, h); err != nil {
		t.Fatal(err)
	}
	c := f.conv(42)
	note := lastMsg(t, c)
	if !note.Private || !strings.HasPrefix(note.Content, headingHandover) || !strings.Contains(note.Content, handover.ReasonButton.Describe()) || !strings.Contains(note.Content, "refund for order A-17") {
		t.Fatalf("note = %+v", note)
	}
	if !reflect.DeepEqual(c.Attrs, map[string]any{"order": "A-17"}) {
		t.Fatalf("attrs = %v", c.Attrs)
	}
	if c.TeamID != 4 || c.Status != "open" || c.BotHandoffs != 1 {
		t.Fatalf("team %d status %s bot handoffs %d", c.TeamID, c.Status, c.BotHandoffs)
	}
	if !slices.Equal(c.ToggleTokens, []string{fakeBotToken}) {
		t.Fatalf("toggle_status tokens %q", c.ToggleTokens)
	}
	// Three calls, no read: note, team, open.
	if want := []string{"messages", "assignments", "toggle_status"}; !slices.Equal(postOrder(f), want) {
		t.Fatalf("POST order %q, want %q", postOrder(f), want)
	}
	if n := len(f.callsTo("GET", "")); n != 0 {
		t.Fatalf("HandToHuman read %d times", n)
	}
	loaded, err := a.Load(t.Context(), "42")
	if err != nil || loaded.State != handover.StateQueued {
		t.Fatalf("Load after handover: %+v, %v", loaded, err)
	}

	// Again on a fresh read (a retried turn: the visitor notice is not
	// posted yet): no second note, nothing else to do.
	n := len(c.Messages)
	if err := a.HandToHuman(t.Context(), loaded, h); err != nil {
		t.Fatal(err)
	}
	if len(f.conv(42).Messages) != n {
		t.Fatal("second HandToHuman posted another note")
	}
	// A conversation without a snapshot of ours is read first.
	if err := a.HandToHuman(t.Context(), &handover.Conversation{ID: "42", Department: "team:4"}, h); err != nil {
		t.Fatal(err)
	}
	if len(f.conv(42).Messages) != n || len(f.conv(42).ToggleTokens) != 1 {
		t.Fatal("HandToHuman without a snapshot wrote again")
	}
}

// A crash after the note: the retried turn finishes the handover without a
// second note; a later handover (after the visitor was told) writes a new one.
func TestHandToHumanResumes(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	f.addConv(&fakeConv{ID: 42, InboxID: 2, Status: "pending", Messages: []*fakeMsg{visitorMsg("a person please"), handoverNote()}})
	a := newTestAdapter(t, f.URL(), nil)
	conv, err := a.Load(t.Context(), "42")
	if err != nil || conv.State != handover.StateBot {
		t.Fatalf("Load: %+v, %v", conv, err)
	}
	if err := a.HandToHuman(t.Context(), conv, handover.Handoff{Reason: handover.ReasonButton}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"toggle_status"}; !slices.Equal(postOrder(f), want) {
		t.Fatalf("POSTs %q, want %q", postOrder(f), want)
	}

	f.addConv(&fakeConv{ID: 43, InboxID: 2, Status: "pending", Messages: []*fakeMsg{
		handoverNote(), botMsg(handover.DefaultTexts().Connecting), visitorMsg("back again, a person please"),
	}})
	conv, err = a.Load(t.Context(), "43")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.HandToHuman(t.Context(), conv, handover.Handoff{Reason: handover.ReasonButton}); err != nil {
		t.Fatal(err)
	}
	if note := lastMsg(t, f.conv(43)); !note.Private || !strings.HasPrefix(note.Content, headingHandover) {
		t.Fatalf("no new note for a new handover: %+v", note)
	}
}

func TestHandToHumanInboxQueue(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	f.addConv(&fakeConv{ID: 42, InboxID: 2, Status: "pending"})
	a := newTestAdapter(t, f.URL(), nil)
	if err := a.HandToHuman(t.Context(), &handover.Conversation{ID: "42", Department: "inbox:2"}, handover.Handoff{Reason: handover.ReasonBotError}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.callsTo("POST", "/assignments")); n != 0 {
		t.Fatalf("%d assignment calls without a team mapping", n)
	}
	if c := f.conv(42); c.Status != "open" || c.BotHandoffs != 1 {
		t.Fatalf("status %s handoffs %d", c.Status, c.BotHandoffs)
	}
}

// A conversation already in the mapped team needs no assignment.
func TestHandToHumanTeamAlreadySet(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	f.addConv(&fakeConv{ID: 42, InboxID: 2, Status: "pending", TeamID: 4, Messages: []*fakeMsg{visitorMsg("a person please")}})
	a := newTestAdapter(t, f.URL(), map[int]int{2: 4})
	conv, err := a.Load(t.Context(), "42")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.HandToHuman(t.Context(), conv, handover.Handoff{Reason: handover.ReasonButton}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"messages", "toggle_status"}; !slices.Equal(postOrder(f), want) {
		t.Fatalf("POSTs %q, want %q", postOrder(f), want)
	}
}

func TestLeaveOffline(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	f.addConv(&fakeConv{ID: 42, InboxID: 2, Status: "pending", Labels: []string{"vip"}, Attrs: map[string]any{"order": "A-17"},
		Messages: []*fakeMsg{visitorMsg("my parcel is late"), botMsg("sorry to hear")}})
	a := newTestAdapter(t, f.URL(), map[int]int{2: 4})
	conv, err := a.Load(t.Context(), "42")
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.calls = nil
	f.mu.Unlock()
	h := handover.Handoff{Reason: handover.ReasonRequest, Summary: "Late parcel.", Email: "v@example.com", Transcript: conv.Transcript()}
	if err := a.LeaveOffline(t.Context(), conv, h); err != nil {
		t.Fatal(err)
	}
	c := f.conv(42)
	note := lastMsg(t, c)
	for _, want := range []string{headingOffline, handover.ReasonRequest.Describe(), "v@example.com", "Late parcel.", "Visitor: my parcel is late", "Bot: sorry to hear"} {
		if !strings.Contains(note.Content, want) {
			t.Errorf("note lacks %q:\n%s", want, note.Content)
		}
	}
	if !note.Private {
		t.Error("offline note is public")
	}
	if !slices.Equal(c.Labels, []string{"vip", LabelOffline}) {
		t.Errorf("labels = %q", c.Labels)
	}
	if !reflect.DeepEqual(c.Attrs, map[string]any{"order": "A-17"}) {
		t.Errorf("attrs = %v", c.Attrs)
	}
	if c.Status != "open" || c.BotHandoffs != 1 || c.Assignee != nil || c.TeamID != 0 {
		t.Errorf("status %s handoffs %d assignee %v team %d", c.Status, c.BotHandoffs, c.Assignee, c.TeamID)
	}
	// Three calls, no read: note, labels (the union with what the message
	// list said), open.
	if want := []string{"messages", "labels", "toggle_status"}; !slices.Equal(postOrder(f), want) {
		t.Fatalf("POSTs %q, want %q", postOrder(f), want)
	}
	if n := len(f.callsTo("GET", "")); n != 0 {
		t.Fatalf("LeaveOffline read %d times", n)
	}
	loaded, err := a.Load(t.Context(), "42")
	if err != nil || loaded.State != handover.StateOffline {
		t.Fatalf("Load after offline: %+v, %v", loaded, err)
	}
	// Again: no second note, no second label write.
	n, labelWrites := len(c.Messages), len(f.callsTo("POST", "/labels"))
	if err := a.LeaveOffline(t.Context(), loaded, h); err != nil {
		t.Fatal(err)
	}
	if len(f.conv(42).Messages) != n || len(f.callsTo("POST", "/labels")) != labelWrites {
		t.Fatal("second LeaveOffline wrote again")
	}
}

// Without the label in the account (Chatwoot drops unknown labels), the
// offline note alone says the conversation is an offline message.
func TestLeaveOfflineWithoutTheLabel(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	f.labels = []string{"vip"}
	f.addConv(&fakeConv{ID: 42, InboxID: 2, Status: "pending", Messages: []*fakeMsg{visitorMsg("hello?")}})
	a := newTestAdapter(t, f.URL(), nil)
	if err := a.LeaveOffline(t.Context(), &handover.Conversation{ID: "42"}, handover.Handoff{Reason: handover.ReasonButton, Email: "v@example.com"}); err != nil {
		t.Fatal(err)
	}
	if l := f.conv(42).Labels; len(l) != 0 {
		t.Fatalf("labels %q", l)
	}
	if loaded, err := a.Load(t.Context(), "42"); err != nil || loaded.State != handover.StateOffline {
		t.Fatalf("Load: %+v, %v", loaded, err)
	}
}

func TestMarkAgentJoined(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	alice := map[string]any{"id": 11, "name": "Alice Agent", "available_name": "Alice", "type": "user"}
	f.addConv(&fakeConv{ID: 42, InboxID: 2, Status: "pending", Assignee: alice, Attrs: map[string]any{"order": "A-17"}})
	f.addConv(&fakeConv{ID: 43, InboxID: 2, Status: "open", Messages: []*fakeMsg{handoverNote(), agentMsg("Alice Agent", "Hi")}})
	a := newTestAdapter(t, f.URL(), nil)
	for _, id := range []string{"42", "43"} {
		conv, err := a.Load(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if conv.State != handover.StateAgent || conv.JoinAnnounced {
			t.Fatalf("conversation %s before: %s %v", id, conv.State, conv.JoinAnnounced)
		}
		reads := len(f.callsTo("GET", ""))
		if err := a.MarkAgentJoined(t.Context(), conv, "Alice Agent"); err != nil {
			t.Fatal(err)
		}
		if n := len(f.callsTo("GET", "")) - reads; n != 0 {
			t.Fatalf("MarkAgentJoined read %d times", n)
		}
		loaded, err := a.Load(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if loaded.State != handover.StateAgent || !loaded.JoinAnnounced || loaded.AgentName != "Alice Agent" {
			t.Fatalf("conversation %s after MarkAgentJoined: %+v", id, loaded)
		}
	}
	if c := f.conv(42); c.Status != "open" || c.BotHandoffs != 1 || c.Attrs["order"] != "A-17" || c.Attrs[AttrState] != "agent_joined" {
		t.Fatalf("pending conversation: status %s handoffs %d attrs %v", c.Status, c.BotHandoffs, c.Attrs)
	}
	if c := f.conv(43); len(c.ToggleTokens) != 0 {
		t.Fatalf("open conversation toggled: %q", c.ToggleTokens)
	}
	// The attribute write asks a Chatwoot that can merge to merge.
	for _, call := range f.callsTo("POST", "/custom_attributes") {
		if call.Body["merge"] != true || call.Token != fakeBotToken {
			t.Fatalf("custom attributes written as %+v", call)
		}
	}
	// Once marked, a load from a webhook that carries the mark costs nothing.
	calls := len(f.callsTo("", ""))
	body := []byte(`{"event":"message_created","id":9001,"message_type":"outgoing","private":false,"content":"more help",
		"sender":{"id":11,"name":"Alice Agent","type":"user"},
		"conversation":{"id":42,"inbox_id":2,"status":"open","custom_attributes":{"handover_state":"agent_joined","handover_agent":"Alice Agent"},
		"meta":{"assignee":{"id":11,"name":"Alice Agent","type":"user"},"assignee_type":"User"},"messages":[{"id":9001}]}}`)
	evs, err := Parse(body)
	if err != nil || len(evs) != 1 {
		t.Fatalf("Parse: %v, %v", evs, err)
	}
	got, err := a.LoadEvent(t.Context(), evs[0])
	if err != nil || got.State != handover.StateAgent || !got.JoinAnnounced {
		t.Fatalf("LoadEvent: %+v, %v", got, err)
	}
	if n := len(f.callsTo("", "")) - calls; n != 0 {
		t.Fatalf("a marked conversation cost %d calls", n)
	}
}

func TestAvailable(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	f.addConv(&fakeConv{ID: 42, InboxID: 2, Status: "pending"})
	f.addConv(&fakeConv{ID: 43, InboxID: 3, Status: "pending"})
	f.inbox[2] = []fakeAgent{{11, "Alice", "busy"}, {12, "Bob", "offline"}}
	f.inbox[3] = []fakeAgent{{11, "Alice", "busy"}, {13, "Carol", "online"}}
	f.teams[4] = []fakeAgent{{14, "Dan", "offline"}}

	plain := newTestAdapter(t, f.URL(), nil)
	for _, tc := range []struct {
		a    *Adapter
		conv handover.Conversation
		want bool
	}{
		{plain, handover.Conversation{ID: "42", Department: "inbox:2"}, false},
		{plain, handover.Conversation{ID: "43", Department: "inbox:3"}, true},
	} {
		got, err := tc.a.Available(t.Context(), &tc.conv)
		if err != nil || got != tc.want {
			t.Fatalf("Available(%+v) = %v, %v; want %v", tc.conv, got, err, tc.want)
		}
	}
	// With a team mapping the team's members count, not the inbox's.
	teamed := newTestAdapter(t, f.URL(), map[int]int{3: 4})
	if got, err := teamed.Available(t.Context(), &handover.Conversation{ID: "43", Department: "team:4"}); err != nil || got {
		t.Fatalf("team queue: %v, %v; want false", got, err)
	}
	f.mu.Lock()
	f.teams[4][0].Status = "online"
	f.mu.Unlock()
	if got, err := teamed.Available(t.Context(), &handover.Conversation{ID: "43", Department: "team:4"}); err != nil || !got {
		t.Fatalf("team queue: %v, %v; want true", got, err)
	}
	if got, err := teamed.Available(t.Context(), &handover.Conversation{ID: "42", Department: "inbox:2"}); err != nil || got {
		t.Fatalf("unmapped inbox with teams configured: %v, %v; want false", got, err)
	}
	for _, c := range append(f.callsTo("GET", "/team_members"), f.callsTo("GET", "/inbox_members/2")...) {
		if c.Token != fakeUserToken {
			t.Fatalf("members read with token %q", c.Token)
		}
	}
	// The Department says which queue it is: no second read of the conversation.
	if n := len(f.callsTo("GET", "/conversations/42")) + len(f.callsTo("GET", "/conversations/43")); n != 0 {
		t.Fatalf("availability re-read the conversation %d times", n)
	}
}
