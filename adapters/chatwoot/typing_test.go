package chatwoot

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/testenv"
)

const toggleTyping = "POST /conversations/{id}/toggle_typing_status bot"

// Typing calls toggle_typing_status with the bot token and {"typing_status":"on"|"off"}, over
// HTTP against the simulator, which shows the bot typing, then not.
func TestTypingTogglesTheBotsIndicator(t *testing.T) {
	t.Parallel()
	e := newContractEnv(t, false)
	id, _, err := e.sim.VisitorSend(t.Context(), e.demo.InboxID, "visitor", "Hello?")
	if err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	conv := &handover.Conversation{ID: strconv.Itoa(id)}
	for _, on := range []bool{true, false} {
		e.sim.ResetCalls()
		if err := e.a.Typing(t.Context(), conv, on); err != nil {
			t.Fatalf("Typing(%v): %v", on, err)
		}
		calls := e.sim.Calls()
		wantCalls(t, "Typing", callLines(calls), toggleTyping)
		var body map[string]any
		if err := json.Unmarshal([]byte(calls[0].Body), &body); err != nil {
			t.Fatal(err)
		}
		want, typing := "off", ""
		if on {
			want, typing = "on", "agent_bot"
		}
		if len(body) != 1 || body["typing_status"] != want {
			t.Fatalf("Typing(%v) sent %s", on, calls[0].Body)
		}
		if v := e.view(t, id); v.Typing != typing {
			t.Fatalf("after Typing(%v) the simulator shows typing %q", on, v.Typing)
		}
	}
	if err := e.a.Typing(t.Context(), &handover.Conversation{ID: "1/../2"}, true); err == nil {
		t.Fatal("Typing accepted a malformed id")
	}
}

// With HANDOVER_TYPING_INDICATOR a plain turn costs 3 calls: the read, the indicator and the
// post, which ends the indicator. The indicator is no news for the turn: no second read.
func TestCostPlainTurnWithTypingIndicator(t *testing.T) {
	t.Parallel()
	e := newCostEnv(t, true, 2)
	eng, err := handover.NewEngine(handover.Options{Helpdesk: e.a, Bot: testenv.Bot{}, RequiredAnswers: 2,
		HumanRequestInChat: true, LLMTimeout: 5 * time.Second, TypingIndicator: true})
	if err != nil {
		t.Fatal(err)
	}
	e.engine = eng
	id := e.visitor(visitorSender, "How long does shipping take?")
	wantCalls(t, "a plain turn with the typing indicator", e.turn(id), readMessages, toggleTyping, postMessage)
	if v := e.view(t, id); v.Typing != "" || lastBotView(t, v).Content == "" {
		t.Fatalf("after the answer: typing %q", v.Typing)
	}
}
