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
	if got := f.conv(42).Attrs; !reflect.DeepEqual(got, map[string]any{"order": "A-17", "vip": true, AttrBotAnswers: float64(1)}) {
		t.Fatalf("custom attributes after one answer = %v", got)
	}
	if err := a.Post(ctx, conv, handover.Outgoing{Text: "Second", Answer: true}); err != nil {
		t.Fatal(err)
	}
	if got := f.conv(42).Attrs[AttrBotAnswers]; got != float64(2) {
		t.Fatalf("answers = %v, want 2", got)
	}

	// A notice with buttons is an input_select and does not count.
	buttons := []handover.Button{{Title: "Request chat with human agent", Value: handover.ChoiceRequestHuman}}
	if err := a.Post(ctx, conv, handover.Outgoing{Text: "Need a person?", Prompt: handover.PromptHuman, Buttons: buttons}); err != nil {
		t.Fatal(err)
	}
	m = lastMsg(t, f.conv(42))
	items, _ := json.Marshal(m.Attrs["items"])
	if m.ContentType != "input_select" || string(items) != `[{"title":"Request chat with human agent","value":"handover_request"}]` {
		t.Fatalf("buttons posted as %s %s", m.ContentType, items)
	}
	if got := f.conv(42).Attrs[AttrBotAnswers]; got != float64(2) {
		t.Fatalf("a notice was counted: answers = %v", got)
	}

	if err := a.Post(ctx, conv, handover.Outgoing{Text: "Your email?", Prompt: handover.PromptEmail}); err != nil {
		t.Fatal(err)
	}
	if m = lastMsg(t, f.conv(42)); m.ContentType != "input_email" {
		t.Fatalf("email prompt posted as %s", m.ContentType)
	}

	// Every message create used the bot token and the documented body.
	for _, call := range f.callsTo("POST", "/messages") {
		if call.Token != fakeBotToken || call.Body["message_type"] != "outgoing" || call.Body["private"] != false {
			t.Fatalf("message create %+v", call)
		}
	}
	// The counter is written with the whole hash (POST replaces it).
	for _, call := range f.callsTo("POST", "/custom_attributes") {
		attrs, _ := call.Body["custom_attributes"].(map[string]any)
		if attrs["order"] != "A-17" {
			t.Fatalf("custom attributes written without the existing keys: %v", attrs)
		}
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

func TestHandToHuman(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	f.addConv(&fakeConv{ID: 42, InboxID: 2, Status: "pending", Attrs: map[string]any{AttrBotAnswers: 3}})
	a := newTestAdapter(t, f.URL(), map[int]int{2: 4})
	conv := &handover.Conversation{ID: "42", Department: "team:4"}
	h := handover.Handoff{Reason: handover.ReasonButton, Summary: "Wants a refund for order A-17."}
	if err := a.HandToHuman(t.Context(), conv, h); err != nil {
		t.Fatal(err)
	}
	c := f.conv(42)
	note := lastMsg(t, c)
	if !note.Private || !strings.Contains(note.Content, handover.ReasonButton.Describe()) || !strings.Contains(note.Content, "refund for order A-17") {
		t.Fatalf("note = %+v", note)
	}
	if c.Attrs[AttrState] != "queued" || c.Attrs[AttrBotAnswers] != float64(3) {
		t.Fatalf("attrs = %v", c.Attrs)
	}
	if c.TeamID != 4 || c.Status != "open" || c.BotHandoffs != 1 {
		t.Fatalf("team %d status %s bot handoffs %d", c.TeamID, c.Status, c.BotHandoffs)
	}
	if !slices.Equal(c.ToggleTokens, []string{fakeBotToken}) {
		t.Fatalf("toggle_status tokens %q", c.ToggleTokens)
	}
	// Order: note, attributes, team, open.
	var order []string
	f.mu.Lock()
	for _, call := range f.calls {
		if call.Method == "POST" {
			order = append(order, call.Path[strings.LastIndex(call.Path, "/")+1:])
		}
	}
	f.mu.Unlock()
	if want := []string{"messages", "custom_attributes", "assignments", "toggle_status"}; !slices.Equal(order, want) {
		t.Fatalf("POST order %q, want %q", order, want)
	}

	// Again (a retried turn): no second note, nothing else to do.
	n := len(c.Messages)
	if err := a.HandToHuman(t.Context(), conv, h); err != nil {
		t.Fatal(err)
	}
	if len(f.conv(42).Messages) != n {
		t.Fatal("second HandToHuman posted another note")
	}
	loaded, err := a.Load(t.Context(), "42")
	if err != nil || loaded.State != handover.StateQueued {
		t.Fatalf("Load after handover: %v, %v", loaded, err)
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

func TestLeaveOffline(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	f.addConv(&fakeConv{ID: 42, InboxID: 2, Status: "pending", Labels: []string{"vip"}, Attrs: map[string]any{AttrBotAnswers: 2}})
	a := newTestAdapter(t, f.URL(), map[int]int{2: 4})
	conv := &handover.Conversation{ID: "42", Messages: []handover.Message{
		{Role: handover.RoleVisitor, Text: "my parcel is late"},
		{Role: handover.RoleBot, Text: "sorry to hear"},
	}}
	h := handover.Handoff{Reason: handover.ReasonRequest, Summary: "Late parcel.", Email: "v@example.com"}
	if err := a.LeaveOffline(t.Context(), conv, h); err != nil {
		t.Fatal(err)
	}
	c := f.conv(42)
	note := lastMsg(t, c)
	for _, want := range []string{handover.ReasonRequest.Describe(), "v@example.com", "Late parcel.", "Visitor: my parcel is late", "Bot: sorry to hear"} {
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
	if c.Attrs[AttrState] != "offline" || c.Attrs[AttrBotAnswers] != float64(2) {
		t.Errorf("attrs = %v", c.Attrs)
	}
	if c.Status != "open" || c.BotHandoffs != 1 || c.Assignee != nil || c.TeamID != 0 {
		t.Errorf("status %s handoffs %d assignee %v team %d", c.Status, c.BotHandoffs, c.Assignee, c.TeamID)
	}
	loaded, err := a.Load(t.Context(), "42")
	if err != nil || loaded.State != handover.StateOffline {
		t.Fatalf("Load after offline: %+v, %v", loaded, err)
	}
	// Again: no second note, no second label write.
	n, labelWrites := len(c.Messages), len(f.callsTo("POST", "/labels"))
	if err := a.LeaveOffline(t.Context(), conv, h); err != nil {
		t.Fatal(err)
	}
	if len(f.conv(42).Messages) != n || len(f.callsTo("POST", "/labels")) != labelWrites {
		t.Fatal("second LeaveOffline wrote again")
	}
}

func TestMarkAgentJoined(t *testing.T) {
	t.Parallel()
	f := newFakeChatwoot(t)
	f.addConv(&fakeConv{ID: 42, InboxID: 2, Status: "pending", Attrs: map[string]any{AttrBotAnswers: 1}})
	f.addConv(&fakeConv{ID: 43, InboxID: 2, Status: "open", Attrs: map[string]any{AttrState: "queued"}})
	a := newTestAdapter(t, f.URL(), nil)
	for _, id := range []string{"42", "43"} {
		if err := a.MarkAgentJoined(t.Context(), &handover.Conversation{ID: id}, "Alice Agent"); err != nil {
			t.Fatal(err)
		}
		loaded, err := a.Load(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if loaded.State != handover.StateAgent || !loaded.JoinAnnounced || loaded.AgentName != "Alice Agent" {
			t.Fatalf("conversation %s after MarkAgentJoined: %+v", id, loaded)
		}
	}
	if c := f.conv(42); c.Status != "open" || c.BotHandoffs != 1 || c.Attrs[AttrBotAnswers] != float64(1) {
		t.Fatalf("pending conversation: status %s handoffs %d attrs %v", c.Status, c.BotHandoffs, c.Attrs)
	}
	if c := f.conv(43); len(c.ToggleTokens) != 0 {
		t.Fatalf("open conversation toggled: %q", c.ToggleTokens)
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
