package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	sim "github.com/handover-dev/handover/adapters/sim/chatwoot"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/llmtest"
)

// answerEcho makes the LLM answer every turn with a numbered text.
func answerEcho(w *world) {
	w.llm.SetDefault(func(req llmtest.Request) llmtest.Reply {
		last := ""
		for _, m := range req.Messages {
			if m.Role == "user" {
				last = m.Content
			}
		}
		if strings.Contains(last, "Summar") || strings.Contains(strings.ToLower(req.Messages[0].Content), "summar") {
			return llmtest.Reply{Text: "Visitor wants help with an order."}
		}
		return llmtest.Reply{Text: "Here is what I know about: " + last}
	})
}

func TestBotAnswersAndOffersButtonAfterRequiredAnswers(t *testing.T) {
	w := newWorld(t, func(c *config.Config) { c.RequiredAnswers = 2 })
	answerEcho(w)
	id, _ := w.visitor("v1", "How long does shipping take?")
	c := w.waitFor(id, "first answer", hasBotMessages(1))
	first := lastBot(c)
	if first.ContentType != "text" || !strings.Contains(first.Content, "How long does shipping take?") {
		t.Fatalf("first answer: %+v", first)
	}
	if c.Status != "pending" {
		t.Fatalf("status %s", c.Status)
	}
	w.settle()
	w.visitor("v1", "And returns?")
	c = w.waitFor(id, "second answer", hasBotMessages(2))
	second := lastBot(c)
	if second.ContentType != "input_select" || !slices.Contains(itemValues(second), "handover_request") {
		t.Fatalf("second answer should carry the human button: %+v", second)
	}
	w.settle()
	// The count comes from the bot's messages: nothing is written for it.
	if attrs := w.conv(id).CustomAttributes; len(attrs) != 0 {
		t.Fatalf("custom attributes written: %v", attrs)
	}
	if calledWith(w.sim.Calls(), "/custom_attributes", "bot", "") {
		t.Fatal("a custom attributes write during plain turns")
	}
	// The bot's own messages, echoed back as webhooks, start no turn.
	w.settle()
	if n := len(botMessages(w.conv(id))); n != 2 {
		t.Fatalf("bot messages %d, want 2:\n%s", n, dump(w.conv(id)))
	}
}

func TestClickHandsOverToOnlineTeam(t *testing.T) {
	w := newWorld(t, func(c *config.Config) { c.RequiredAnswers = 0 })
	answerEcho(w)
	id, _ := w.visitor("v1", "Where is my parcel?")
	c := w.waitFor(id, "answer with button", hasBotMessages(1))
	btn := lastBot(c)
	if btn.ContentType != "input_select" {
		t.Fatalf("RequiredAnswers=0 must offer the button at once: %+v", btn)
	}
	w.settle()
	if err := w.sim.VisitorClick(w.ctx(), id, btn.ID, "handover_request"); err != nil {
		t.Fatal(err)
	}
	c = w.waitFor(id, "handover", func(c sim.ConversationView) bool { return c.Status == "open" })
	w.settle()
	c = w.conv(id)
	if c.TeamID != w.demo.TeamID {
		t.Fatalf("team %d, want %d", c.TeamID, w.demo.TeamID)
	}
	if !strings.Contains(lastBot(c).Content, "human agent") {
		t.Fatalf("visitor not told: %q", lastBot(c).Content)
	}
	ns := notes(c)
	if len(ns) != 1 || !strings.Contains(ns[0].Content, "Request chat with human agent") || !strings.Contains(ns[0].Content, "order") {
		t.Fatalf("agent note: %+v", ns)
	}
	// toggle_status open was called with the bot token (Chatwoot's bot_handoff).
	if !calledWith(w.sim.Calls(), "/toggle_status", "bot", `"open"`) {
		t.Fatal("no toggle_status open with the bot token")
	}
	// Replay the click delivery five times: no second handover.
	before := len(c.Messages)
	w.replay(func(d delivery) bool { return strings.Contains(string(d.body), `"submitted_values"`) }, 5)
	w.settle()
	if after := len(w.conv(id).Messages); after != before {
		t.Fatalf("replayed click changed the conversation: %d -> %d\n%s", before, after, dump(w.conv(id)))
	}
}

func TestButtonTitleAsTextOnChannelsWithoutWidget(t *testing.T) {
	w := newWorld(t, func(c *config.Config) { c.RequiredAnswers = 0 })
	answerEcho(w)
	id, _ := w.visitor("wa", "Hello")
	w.waitFor(id, "answer", hasBotMessages(1))
	w.settle()
	w.visitor("wa", "Request chat with human agent")
	w.waitFor(id, "handover", func(c sim.ConversationView) bool { return c.Status == "open" })
}

func TestFreeTextRequestDetectorAndTool(t *testing.T) {
	w := newWorld(t)
	answerEcho(w)
	// The deterministic detector catches a plain request in German.
	id, _ := w.visitor("de", "Ich möchte mit einem Mitarbeiter sprechen")
	w.waitFor(id, "handover by detector", func(c sim.ConversationView) bool { return c.Status == "open" })
	if strings.Contains(lastBot(w.conv(id)).Content, "Here is what I know") {
		t.Fatal("the bot answered instead of handing over")
	}

	// A request the detector does not know: the LLM calls the tool.
	w.llm.Enqueue(llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "call_1", Name: "request_human_agent", Arguments: `{"reason":"wants staff"}`}}})
	id2, _ := w.visitor("tool", "could somebody from your staff look at my case")
	w.waitFor(id2, "handover by tool", func(c sim.ConversationView) bool { return c.Status == "open" })

	// A question about agents is answered, not handed over.
	id3, _ := w.visitor("about", "Are your agents available on weekends?")
	c := w.waitFor(id3, "answer", hasBotMessages(1))
	if c.Status != "pending" || !strings.Contains(lastBot(c).Content, "weekends") {
		t.Fatalf("question about agents: %s", dump(c))
	}
}

func TestHumanRequestInChatDisabled(t *testing.T) {
	w := newWorld(t, func(c *config.Config) { c.HumanRequestInChat = false })
	answerEcho(w)
	id, _ := w.visitor("v", "I want to talk to a human")
	c := w.waitFor(id, "answer", hasBotMessages(1))
	if c.Status != "pending" {
		t.Fatalf("handed over although disabled: %s", dump(c))
	}
	for _, r := range w.llm.Requests() {
		if slices.Contains(r.Tools, "request_human_agent") {
			t.Fatal("tool offered although human requests in chat are off")
		}
	}
}

func TestNobodyAvailableOfflineMessage(t *testing.T) {
	w := newWorld(t)
	answerEcho(w)
	w.sim.SetAvailability(w.demo.AliceID, "offline")
	id, _ := w.visitor("v", "Can I talk to a person?")
	c := w.waitFor(id, "offline offer", hasBotMessages(1))
	offer := lastBot(c)
	if !slices.Contains(itemValues(offer), "offline_message") || c.Status != "pending" {
		t.Fatalf("offer: %s", dump(c))
	}
	w.settle()
	if err := w.sim.VisitorClick(w.ctx(), id, offer.ID, "offline_message"); err != nil {
		t.Fatal(err)
	}
	c = w.waitFor(id, "email request", hasBotMessages(2))
	ask := lastBot(c)
	if ask.ContentType != "input_email" {
		t.Fatalf("want input_email: %s", dump(c))
	}
	w.settle()
	if err := w.sim.VisitorSubmitEmail(w.ctx(), id, ask.ID, "jane@example.com"); err != nil {
		t.Fatal(err)
	}
	c = w.waitFor(id, "offline message", func(c sim.ConversationView) bool { return c.Status == "open" })
	w.settle()
	c = w.conv(id)
	if !slices.Contains(c.Labels, "offline-message") || c.AssigneeID != 0 {
		t.Fatalf("offline ticket: %s", dump(c))
	}
	if !strings.Contains(lastBot(c).Content, "jane@example.com") {
		t.Fatalf("visitor not told how they hear back: %q", lastBot(c).Content)
	}
	ns := notes(c)
	if len(ns) == 0 || !strings.Contains(ns[len(ns)-1].Content, "jane@example.com") {
		t.Fatalf("note: %+v", ns)
	}
}

func TestAgentTakeoverSilencesBotAcrossRestart(t *testing.T) {
	w := newWorld(t)
	answerEcho(w)
	id, _ := w.visitor("v", "Hi, question about my order")
	w.waitFor(id, "answer", hasBotMessages(1))
	w.settle()
	if _, err := w.sim.AgentReply(w.ctx(), id, w.demo.AliceID, "Hi, Alice here, let me check.", false); err != nil {
		t.Fatal(err)
	}
	c := w.waitFor(id, "join notice", func(c sim.ConversationView) bool {
		return strings.Contains(lastBot(c).Content, "joined the chat") && c.Status == "open"
	})
	if !strings.Contains(lastBot(c).Content, "Alice") {
		t.Fatalf("notice: %q", lastBot(c).Content)
	}
	w.restart()
	before := len(botMessages(w.conv(id)))
	w.visitor("v", "thanks, still there?")
	w.settle()
	if n := len(botMessages(w.conv(id))); n != before {
		t.Fatalf("bot spoke after takeover: %s", dump(w.conv(id)))
	}
}

func TestAgentAssignmentIsATakeover(t *testing.T) {
	w := newWorld(t)
	answerEcho(w)
	id, _ := w.visitor("v", "Hello")
	w.waitFor(id, "answer", hasBotMessages(1))
	w.settle()
	if err := w.sim.AgentAssign(w.ctx(), id, w.demo.AliceID); err != nil {
		t.Fatal(err)
	}
	w.waitFor(id, "join notice", func(c sim.ConversationView) bool {
		return strings.Contains(lastBot(c).Content, "Alice joined the chat") && c.Status == "open"
	})
}

func TestFailSafeOnLLMErrorAndTimeout(t *testing.T) {
	for name, reply := range map[string]llmtest.Reply{
		"500":     {Status: http.StatusInternalServerError},
		"timeout": {Text: "too late", Delay: 3 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, func(c *config.Config) { c.LLMTimeout = 300 * time.Millisecond })
			w.llm.SetDefault(func(llmtest.Request) llmtest.Reply { return reply })
			id, _ := w.visitor("v", "Where is my order 123?")
			w.waitFor(id, "fail-safe handover", func(c sim.ConversationView) bool { return c.Status == "open" })
			w.settle()
			if c := w.conv(id); !strings.HasPrefix(lastBot(c).Content, "Sorry") {
				t.Fatalf("no apology: %s", dump(c))
			}
			if ns := notes(w.conv(id)); len(ns) != 1 || !strings.Contains(ns[0].Content, "could not answer") {
				t.Fatalf("note: %s", dump(w.conv(id)))
			}
		})
	}
}

func TestRepeatedDeliveryGivesOneReply(t *testing.T) {
	w := newWorld(t)
	answerEcho(w)
	id, _ := w.visitor("v", "What are your opening hours?")
	w.waitFor(id, "answer", hasBotMessages(1))
	w.settle()
	w.replay(func(d delivery) bool {
		return strings.Contains(string(d.body), `"message_created"`) && strings.Contains(string(d.body), `"incoming"`)
	}, 5)
	w.settle()
	if n := len(botMessages(w.conv(id))); n != 1 {
		t.Fatalf("%d replies, want 1:\n%s", n, dump(w.conv(id)))
	}
	// Even on a fresh replica that never saw the delivery ids.
	w.restart()
	w.replay(func(d delivery) bool {
		return strings.Contains(string(d.body), `"message_created"`) && strings.Contains(string(d.body), `"incoming"`)
	}, 5)
	w.settle()
	if n := len(botMessages(w.conv(id))); n != 1 {
		t.Fatalf("after restart %d replies, want 1", n)
	}
}

func TestRestartKeepsAnswerCount(t *testing.T) {
	w := newWorld(t, func(c *config.Config) { c.RequiredAnswers = 2 })
	answerEcho(w)
	id, _ := w.visitor("v", "first question")
	w.waitFor(id, "answer 1", hasBotMessages(1))
	w.restart()
	w.visitor("v", "second question")
	c := w.waitFor(id, "answer 2", hasBotMessages(2))
	if lastBot(c).ContentType != "input_select" {
		t.Fatalf("after restart the count was lost: %s", dump(c))
	}
}

func calledWith(calls []sim.Call, pathSuffix, token, bodyPart string) bool {
	for _, c := range calls {
		if strings.HasSuffix(c.Path, pathSuffix) && c.Token == token && strings.Contains(c.Body, bodyPart) {
			return true
		}
	}
	return false
}

// A provider that rate-limits (429 with Retry-After) is waited out, not
// taken for a failure: the visitor gets the bot's answer, not the
// fail-safe handover, and the wait honours the provider's Retry-After.
func TestLLMRateLimitIsWaitedOut(t *testing.T) {
	w := newWorld(t, func(c *config.Config) { c.LLMTimeout = 5 * time.Second })
	answerEcho(w)
	w.llm.Enqueue(llmtest.Reply{Status: http.StatusTooManyRequests, Text: "Rate limit reached", RetryAfter: "1"})
	start := time.Now()
	id, _ := w.visitor("v", "How long does shipping take?")
	c := w.waitFor(id, "the answer after the rate limit", hasBotMessages(1))
	if got := lastBot(c).Content; !strings.Contains(got, "How long does shipping take?") {
		t.Fatalf("not the bot's answer: %s", dump(c))
	}
	if c.Status != "pending" || len(notes(c)) != 0 {
		t.Fatalf("handed over instead of waiting: %s", dump(c))
	}
	if waited := time.Since(start); waited < time.Second {
		t.Fatalf("answered after %s, before the provider's Retry-After of 1s", waited)
	}
	if n := len(w.llm.Requests()); n != 2 {
		t.Fatalf("%d LLM requests, want 2 (the refused one and the retry)", n)
	}
}
