package zendesk

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	sim "github.com/handover-dev/handover/adapters/sim/zendesk"
	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/testenv"
)

// typingShown is what the simulator shows of the conversation's typing indicator.
func (c *contract) typingShown(id string) string {
	c.t.Helper()
	v, ok := c.sim.Conversation(id)
	if !ok {
		c.t.Fatalf("no conversation %s", id)
	}
	return c.sim.Typing(v.CoreID)
}

// Typing posts a business typing:start / typing:stop activity (Post Activity), over HTTP against
// the simulator, which shows the indicator, then not. The call starts no turn.
func TestTypingPostsActivity(t *testing.T) {
	c := newContract(t, sim.Options{})
	ev := c.visitorEvent("steve", "Where is my parcel?")
	conv := &handover.Conversation{ID: ev.ConversationID}
	c.sim.ResetCalls()
	mark := c.rec.len()
	for _, on := range []bool{true, false} {
		if err := c.a.Typing(t.Context(), conv, on); err != nil {
			t.Fatalf("Typing(%v): %v", on, err)
		}
		calls := c.sim.Calls()
		c.sim.ResetCalls()
		if len(calls) != 1 {
			t.Fatalf("Typing(%v) made %d calls", on, len(calls))
		}
		call := calls[0]
		if call.Method != "POST" || call.Path != "/sc/v2/apps/"+c.sim.AppID()+"/conversations/"+conv.ID+"/activity" || call.Status != 200 {
			t.Fatalf("Typing(%v) called %s %s → %d", on, call.Method, call.Path, call.Status)
		}
		var body struct {
			Author map[string]string `json:"author"`
			Type   string            `json:"type"`
		}
		if err := json.Unmarshal([]byte(call.Body), &body); err != nil {
			t.Fatal(err)
		}
		want, shown := "typing:stop", ""
		if on {
			want, shown = "typing:start", "agent_bot"
		}
		if body.Type != want || body.Author["type"] != "business" || body.Author["displayName"] != "AI assistant" {
			t.Fatalf("Typing(%v) sent %s", on, call.Body)
		}
		if got := c.typingShown(conv.ID); got != shown {
			t.Fatalf("after Typing(%v) the simulator shows typing %q", on, got)
		}
	}
	c.settle()
	if evs := c.rec.events(t, c.a, conv.ID, mark); len(evs) != 0 {
		t.Fatalf("the typing indicator started a turn: %+v", evs)
	}
	if err := c.a.Typing(t.Context(), &handover.Conversation{ID: "../x"}, true); err == nil {
		t.Fatal("Typing accepted a malformed id")
	}
}

// The engine with HANDOVER_TYPING_INDICATOR: a plain turn reads the newest page, starts the
// indicator and posts the answer, which ends it (no typing:stop).
func TestTypingIndicatorInATurn(t *testing.T) {
	c := newContract(t, sim.Options{})
	eng, err := handover.NewEngine(handover.Options{Helpdesk: c.a, Bot: testenv.Bot{}, RequiredAnswers: 3,
		HumanRequestInChat: true, LLMTimeout: 5 * time.Second, TypingIndicator: true})
	if err != nil {
		t.Fatal(err)
	}
	ev := c.visitorEvent("steve", "How long does shipping take?")
	c.sim.ResetCalls()
	// In lanes, as the service runs turns: nothing happened while the bot thought, so no re-read.
	lanes := handover.NewLanes(eng.Handle, handover.LaneOptions{})
	if err := lanes.Submit(ev); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := lanes.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, call := range c.sim.Calls() {
		p := call.Path[strings.LastIndex(call.Path, "/")+1:]
		if call.Body != "" && p == "activity" {
			var body map[string]any
			_ = json.Unmarshal([]byte(call.Body), &body)
			p += " " + body["type"].(string)
		}
		got = append(got, call.Method+" "+p)
	}
	want := []string{"GET messages", "POST activity typing:start", "POST messages"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("calls %q, want %q", got, want)
	}
	if shown := c.typingShown(ev.ConversationID); shown != "" {
		t.Fatalf("after the answer the simulator shows typing %q", shown)
	}
}

// The simulator refuses what Sunshine refuses: a user author may only mark the conversation read.
func TestSimActivityRules(t *testing.T) {
	c := newContract(t, sim.Options{})
	ev := c.visitorEvent("steve", "Hello")
	path := c.a.appPath("/conversations/%s/activity", ev.ConversationID)
	userID := ""
	if v, ok := c.sim.Conversation(ev.ConversationID); ok {
		userID = v.UserID
	}
	for _, tc := range []struct {
		body map[string]any
		ok   bool
	}{
		{map[string]any{"author": map[string]any{"type": "business"}, "type": "typing:start"}, true},
		{map[string]any{"author": map[string]any{"type": "user", "userId": userID}, "type": "conversation:read"}, true},
		{map[string]any{"author": map[string]any{"type": "user", "userId": userID}, "type": "typing:start"}, false},
		{map[string]any{"author": map[string]any{"type": "business"}, "type": "typing:maybe"}, false},
		{map[string]any{"type": "typing:start"}, false},
	} {
		err := c.a.call(t.Context(), request{api: sunshineAPI, kind: idempotentRequest, method: "POST", path: path, in: tc.body})
		if (err == nil) != tc.ok {
			t.Errorf("%v: err %v, want ok %v", tc.body, err, tc.ok)
		}
	}
}
