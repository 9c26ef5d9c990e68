package e2e

// Every scenario end to end for Zendesk: the simulated Zendesk (adapters/sim, Sunshine
// Conversations dialect with its switchboard and the Support API) ⇄ handover (internal/app, the
// zendesk adapter) over HTTP ⇄ an OpenAI-compatible test server.

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	sim "github.com/handover-dev/handover/adapters/sim/zendesk"
	"github.com/handover-dev/handover/adapters/zendesk"
	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/app"
	"github.com/handover-dev/handover/internal/llmtest"
)

const (
	zdKeyID      = "app_e2e"
	zdKeySecret  = "zd-key-secret-e2e"
	zdWebhookKey = "zd-webhook-secret-e2e"
	zdEmail      = "admin@example.com"
	zdToken      = "zd-api-token-e2e"
)

// zdDelivery is one webhook the simulated Zendesk sent, as the relay recorded it.
type zdDelivery = delivery

// zdWorld is one simulated Zendesk, one LLM server and one handover service between them.
// host.delay holds each answer after handover answered (a slow network).
type zdWorld struct {
	*host
	sim    *sim.Server
	simSrv *httptest.Server
	llm    *llmtest.Server
	demo   sim.Demo
	zcfg   zendesk.Config
}

type zdOption func(w *zdWorld)

func zdRequired(n int) zdOption { return func(w *zdWorld) { w.cfg.RequiredAnswers = n } }

func newZendeskWorld(t *testing.T, simOpts sim.Options, opts ...zdOption) *zdWorld {
	t.Helper()
	llm := llmtest.New()
	t.Cleanup(llm.Close)
	w := &zdWorld{host: newHost(t, baseConfig("zendesk", llm.URL())), llm: llm}
	simOpts.KeyID, simOpts.KeySecret, simOpts.WebhookSecret = zdKeyID, zdKeySecret, zdWebhookKey
	simOpts.SupportEmail, simOpts.SupportToken = zdEmail, zdToken
	if simOpts.RetryWait == 0 {
		simOpts.RetryWait = 20 * time.Millisecond
	}
	w.sim = sim.New(simOpts)
	w.simSrv = httptest.NewServer(w.sim.Handler())
	t.Cleanup(func() { w.sim.Close(); w.simSrv.Close() })
	w.demo = w.sim.SeedDemo()
	w.zcfg = zendesk.Config{
		BaseURL: w.simSrv.URL, AppID: w.sim.AppID(), KeyID: zdKeyID, KeySecret: zdKeySecret,
		IntegrationID: w.sim.IntegrationID(), WebhookSecret: zdWebhookKey, Email: zdEmail, APIToken: zdToken,
		GroupID: strconv.Itoa(w.demo.GroupID), BotName: "AI assistant", RetryWaitMax: 50 * time.Millisecond,
	}
	for _, o := range opts {
		o(w)
	}
	w.simIdle = w.sim.WaitIdle
	w.newHelpdesk = func() (app.Helpdesk, error) { return zendesk.New(w.zcfg) }
	w.sim.SetWebhookURL(w.relay.URL + "/webhooks/zendesk")
	w.run()
	zdAnswerEcho(w.llm)
	return w
}

func (w *zdWorld) visitor(user, text string) string {
	w.t.Helper()
	conv, _, err := w.sim.VisitorSend(w.ctx(), user, text)
	if err != nil {
		w.t.Fatalf("visitor send: %v", err)
	}
	return conv
}

func (w *zdWorld) conv(id string) sim.ConversationView {
	w.t.Helper()
	c, ok := w.sim.Conversation(id)
	if !ok {
		w.t.Fatalf("conversation %s missing", id)
	}
	return c
}

func (w *zdWorld) waitFor(id, what string, cond func(c sim.ConversationView) bool) sim.ConversationView {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := w.conv(id)
		if cond(c) {
			return c
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting for %s; conversation:\n%s", what, zdDump(c))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// zdBot returns the bot's messages: business messages carrying handover_kind.
func zdBot(c sim.ConversationView) []sim.MessageView {
	var out []sim.MessageView
	for _, m := range c.Messages {
		if m.AuthorType == "business" && m.Metadata["handover_kind"] != nil {
			out = append(out, m)
		}
	}
	return out
}

func zdLastBot(c sim.ConversationView) sim.MessageView {
	b := zdBot(c)
	if len(b) == 0 {
		return sim.MessageView{}
	}
	return b[len(b)-1]
}

func zdHasBot(n int) func(sim.ConversationView) bool {
	return func(c sim.ConversationView) bool { return len(zdBot(c)) >= n }
}

func zdPayloads(m sim.MessageView) []string {
	var out []string
	for _, a := range m.Actions {
		out = append(out, fmt.Sprint(a["payload"]))
	}
	return out
}

func zdPasses(c sim.ConversationView, target string) []sim.ControlEvent {
	var out []sim.ControlEvent
	for _, e := range c.Control {
		if e.Action == "passControl" && e.Target == target {
			out = append(out, e)
		}
	}
	return out
}

func zdDump(c sim.ConversationView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "active=%q pending=%q agent=%q tickets=%d control=%v\n", c.Active, c.Pending, c.Agent, len(c.Tickets), c.Control)
	for _, m := range c.Messages {
		fmt.Fprintf(&b, "  %s %s/%s %q: %q actions=%v meta=%v payload=%q\n", m.ID, m.AuthorType, m.SourceType, m.DisplayName, m.Text, zdPayloads(m), m.Metadata, m.Payload)
	}
	return b.String()
}

// zdAnswerEcho makes the LLM answer every turn with a text naming the visitor's last message.
func zdAnswerEcho(llm *llmtest.Server) {
	llm.SetDefault(func(req llmtest.Request) llmtest.Reply {
		if len(req.Messages) > 0 && strings.Contains(strings.ToLower(req.Messages[0].Content), "summar") {
			return llmtest.Reply{Text: "Visitor wants help with an order."}
		}
		last := ""
		for _, m := range req.Messages {
			if m.Role == "user" {
				last = m.Content
			}
		}
		return llmtest.Reply{Text: "Here is what I know about: " + last}
	})
}

func TestZendeskBotAnswersButtonAfterRequiredAnswersAndCountSurvivesRestart(t *testing.T) {
	w := newZendeskWorld(t, sim.Options{}, zdRequired(2))
	id := w.visitor("v1", "How long does shipping take?")
	c := w.waitFor(id, "first answer", zdHasBot(1))
	first := zdLastBot(c)
	if !strings.Contains(first.Text, "How long does shipping take?") || len(first.Actions) != 0 || first.Metadata["handover_kind"] != "answer" {
		t.Fatalf("first answer: %s", zdDump(c))
	}
	if first.DisplayName != "AI assistant" || c.Active != "handover-bot" {
		t.Fatalf("author %q, active %q", first.DisplayName, c.Active)
	}
	w.restart() // the answer count lives in Sunshine, not in the process
	w.visitor("v1", "And returns?")
	c = w.waitFor(id, "second answer", zdHasBot(2))
	second := zdLastBot(c)
	if !slices.Contains(zdPayloads(second), "handover_request") {
		t.Fatalf("the second answer should carry the human button: %s", zdDump(c))
	}
	for _, a := range second.Actions {
		if a["type"] != "reply" || len([]rune(fmt.Sprint(a["text"]))) > 20 {
			t.Fatalf("button %v: want a reply action with at most 20 characters", a)
		}
	}
	// The bot's own messages come back as conversation:message webhooks and start no turn.
	w.settle()
	if n := len(zdBot(w.conv(id))); n != 2 {
		t.Fatalf("bot messages %d, want 2:\n%s", n, zdDump(w.conv(id)))
	}
}

func TestZendeskReplyClickHandsOverWithFirstMessageID(t *testing.T) {
	w := newZendeskWorld(t, sim.Options{}, zdRequired(0))
	id := w.visitor("v1", "Where is my parcel?")
	c := w.waitFor(id, "answer with button", zdHasBot(1))
	btn := zdLastBot(c)
	firstMsg := c.Messages[0].ID
	w.settle()
	if err := w.sim.VisitorClick(w.ctx(), id, btn.ID, "handover_request"); err != nil {
		t.Fatal(err)
	}
	c = w.waitFor(id, "handover", func(c sim.ConversationView) bool { return c.Active == sim.AgentWorkspaceName })
	w.settle()
	c = w.conv(id)
	passes := zdPasses(c, sim.AgentWorkspaceName)
	if len(passes) != 1 {
		t.Fatalf("want one passControl to Agent Workspace: %s", zdDump(c))
	}
	md := passes[0].Metadata
	if md["first_message_id"] != firstMsg || md["handover_reason"] != "visitor_button" || !strings.Contains(fmt.Sprint(md["handover_summary"]), "order") {
		t.Fatalf("passControl metadata: %v (first message %s)", md, firstMsg)
	}
	if !strings.Contains(zdLastBot(c).Text, "human agent") {
		t.Fatalf("visitor not told: %s", zdDump(c))
	}
	// The click is in the transcript as the visitor's message.
	clicked := false
	for _, m := range c.Messages {
		clicked = clicked || (m.AuthorType == "user" && m.Payload == "handover_request")
	}
	if !clicked {
		t.Fatalf("no reply message: %s", zdDump(c))
	}
	// Visitor messages while Agent Workspace has control (delivered as standby events) start no
	// turn: the bot reads, never writes.
	before := len(zdBot(c))
	w.visitor("v1", "hello? anyone?")
	w.settle()
	if n := len(zdBot(w.conv(id))); n != before {
		t.Fatalf("the bot spoke on standby: %s", zdDump(w.conv(id)))
	}
}

func TestZendeskPostbackButtons(t *testing.T) {
	w := newZendeskWorld(t, sim.Options{}, zdRequired(0), func(w *zdWorld) { w.zcfg.Buttons = zendesk.ButtonsPostback })
	id := w.visitor("v1", "Where is my parcel?")
	c := w.waitFor(id, "answer with button", zdHasBot(1))
	btn := zdLastBot(c)
	if len(btn.Actions) != 1 || btn.Actions[0]["type"] != "postback" {
		t.Fatalf("want a postback button: %s", zdDump(c))
	}
	w.settle()
	if err := w.sim.VisitorClick(w.ctx(), id, btn.ID, "handover_request"); err != nil {
		t.Fatal(err)
	}
	c = w.waitFor(id, "handover", func(c sim.ConversationView) bool { return c.Active == sim.AgentWorkspaceName })
	if md := zdPasses(c, sim.AgentWorkspaceName)[0].Metadata; md["handover_reason"] != "visitor_button" {
		t.Fatalf("reason %v", md)
	}
}

func TestZendeskFreeTextRequest(t *testing.T) {
	w := newZendeskWorld(t, sim.Options{})
	id := w.visitor("de", "Ich möchte mit einem Mitarbeiter sprechen")
	c := w.waitFor(id, "handover by detector", func(c sim.ConversationView) bool { return c.Active == sim.AgentWorkspaceName })
	if strings.Contains(zdLastBot(c).Text, "Here is what I know") {
		t.Fatalf("the bot answered instead of handing over: %s", zdDump(c))
	}
	if md := zdPasses(c, sim.AgentWorkspaceName)[0].Metadata; md["handover_reason"] != "visitor_request" {
		t.Fatalf("reason %v", md)
	}
}

func TestZendeskNobodyAvailableOfflineTicket(t *testing.T) {
	w := newZendeskWorld(t, sim.Options{})
	w.sim.SetAgentStatus(w.demo.AliceID, "away")
	id := w.visitor("jane", "Can I talk to a person?")
	c := w.waitFor(id, "offline offer", zdHasBot(1))
	offer := zdLastBot(c)
	if !slices.Contains(zdPayloads(offer), "offline_message") || c.Active != "handover-bot" {
		t.Fatalf("offer: %s", zdDump(c))
	}
	w.settle()
	if err := w.sim.VisitorClick(w.ctx(), id, offer.ID, "offline_message"); err != nil {
		t.Fatal(err)
	}
	c = w.waitFor(id, "email request", zdHasBot(2))
	if zdLastBot(c).Metadata["handover_prompt"] != "email" {
		t.Fatalf("want an email prompt: %s", zdDump(c))
	}
	w.settle()
	w.visitor("jane", "sure, it is jane@example.com")
	c = w.waitFor(id, "offline ticket", func(c sim.ConversationView) bool { return len(c.Tickets) > 0 })
	w.settle()
	c = w.conv(id)
	if len(c.Tickets) != 1 {
		t.Fatalf("tickets: %+v", c.Tickets)
	}
	tk := c.Tickets[0]
	if tk.RequesterEmail != "jane@example.com" || tk.GroupID != w.demo.GroupID || !slices.Contains(tk.Tags, "handover_offline") ||
		tk.Public || !strings.Contains(tk.Comment, "Can I talk to a person?") || !strings.Contains(tk.Comment, "jane@example.com") {
		t.Fatalf("ticket: %+v", tk)
	}
	if !strings.Contains(zdLastBot(c).Text, "jane@example.com") {
		t.Fatalf("visitor not told how they hear back: %s", zdDump(c))
	}
	if len(zdPasses(c, sim.AgentWorkspaceName)) != 0 {
		t.Fatalf("an offline message is not a handover: %s", zdDump(c))
	}
	// A retried webhook of the email message files nothing twice.
	w.replay(func(d zdDelivery) bool { return bytes.Contains(d.body, []byte("jane@example.com")) }, 3)
	w.settle()
	if n := len(w.sim.Tickets()); n != 1 {
		t.Fatalf("%d tickets after replays", n)
	}
}

func TestZendeskOutsideHoursOffersOfflineMessage(t *testing.T) {
	// Alice is online, but the queue is closed: a Sunday at noon UTC, open Mon-Fri only.
	hours, err := zendesk.ParseHours("Mon-Fri 09:00-17:00", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	w := newZendeskWorld(t, sim.Options{}, func(w *zdWorld) {
		w.zcfg.Hours = hours
		w.zcfg.Now = func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	})
	w.sim.SetUserEmail("known", "known@example.com")
	id := w.visitor("known", "I want to talk to a human")
	c := w.waitFor(id, "offline offer", zdHasBot(1))
	w.settle()
	if err := w.sim.VisitorClick(w.ctx(), id, zdLastBot(c).ID, "offline_message"); err != nil {
		t.Fatal(err)
	}
	// The profile has an email: no question, a ticket at once.
	c = w.waitFor(id, "ticket", func(c sim.ConversationView) bool { return len(c.Tickets) == 1 })
	if c.Tickets[0].RequesterEmail != "known@example.com" {
		t.Fatalf("ticket %+v", c.Tickets[0])
	}
}

func TestZendeskTakeoverReturnAndSecondTakeover(t *testing.T) {
	w := newZendeskWorld(t, sim.Options{})
	id := w.visitor("v", "Hi, question about my order")
	w.waitFor(id, "answer", zdHasBot(1))
	w.settle()

	// An agent takes the conversation in Agent Workspace: passControl away from the bot.
	if err := w.sim.AgentTakeOver(w.ctx(), id, w.demo.AliceID, nil); err != nil {
		t.Fatal(err)
	}
	w.settle()
	w.visitor("v", "are you still there?")
	w.settle()
	if n := len(zdBot(w.conv(id))); n != 1 {
		t.Fatalf("the bot spoke after the takeover: %s", zdDump(w.conv(id)))
	}
	if _, err := w.sim.AgentReply(w.ctx(), id, w.demo.AliceID, "Hi, Alice here, let me check."); err != nil {
		t.Fatal(err)
	}
	c := w.waitFor(id, "join notice", func(c sim.ConversationView) bool {
		return strings.Contains(zdLastBot(c).Text, "Alice joined the chat")
	})
	if zdLastBot(c).Metadata["handover_kind"] != "joined" {
		t.Fatalf("notice metadata: %s", zdDump(c))
	}
	// More agent messages and a restart: announced once per takeover.
	w.restart()
	if _, err := w.sim.AgentReply(w.ctx(), id, w.demo.AliceID, "Your order ships tomorrow."); err != nil {
		t.Fatal(err)
	}
	w.visitor("v", "thanks!")
	w.settle()
	if n := len(zdBot(w.conv(id))); n != 2 {
		t.Fatalf("want the answer and one join notice: %s", zdDump(w.conv(id)))
	}

	// The agent passes control back: the visitor's unanswered "thanks!" is answered at once, and
	// the bot has what the agent did in its context.
	if err := w.sim.PassToBot(w.ctx(), id, map[string]any{"reason": "solved"}); err != nil {
		t.Fatal(err)
	}
	c = w.waitFor(id, "answer on return", func(c sim.ConversationView) bool {
		return strings.Contains(zdLastBot(c).Text, "thanks!")
	})
	reqs := w.llm.Requests()
	sawAgent := false
	for _, m := range reqs[len(reqs)-1].Messages {
		sawAgent = sawAgent || strings.Contains(m.Content, "Your order ships tomorrow.")
	}
	if !sawAgent {
		t.Fatal("the bot answered without the agent's messages in its context")
	}
	w.settle()
	w.visitor("v", "one more question: can I change the address?")
	c = w.waitFor(id, "answer after return", func(c sim.ConversationView) bool {
		return strings.Contains(zdLastBot(c).Text, "change the address")
	})
	if n := len(zdBot(c)); n != 4 {
		t.Fatalf("bot messages %d, want 4: %s", n, zdDump(c))
	}

	// A second takeover is announced again.
	w.settle()
	if _, err := w.sim.AgentReply(w.ctx(), id, w.demo.BobID, "Bob here."); err != nil {
		t.Fatal(err)
	}
	c = w.waitFor(id, "second join notice", func(c sim.ConversationView) bool {
		return strings.Contains(zdLastBot(c).Text, "Bob joined the chat")
	})
	w.settle()
	if n := len(zdBot(w.conv(id))); n != 5 {
		t.Fatalf("bot messages %d, want 5: %s", n, zdDump(w.conv(id)))
	}
}

func TestZendeskReleaseControlReturnsOnNextMessage(t *testing.T) {
	w := newZendeskWorld(t, sim.Options{})
	id := w.visitor("v", "Hello")
	w.waitFor(id, "answer", zdHasBot(1))
	w.settle()
	if err := w.sim.AgentTakeOver(w.ctx(), id, w.demo.AliceID, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.sim.ReleaseControl(w.ctx(), id, nil); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if c := w.conv(id); c.Active != "" {
		t.Fatalf("active %q after release", c.Active)
	}
	w.visitor("v", "What are your opening hours?")
	c := w.waitFor(id, "answer after release", zdHasBot(2))
	if c.Active != "handover-bot" || !strings.Contains(zdLastBot(c).Text, "opening hours") {
		t.Fatalf("after release: %s", zdDump(c))
	}
}

func TestZendeskFailSafe(t *testing.T) {
	w := newZendeskWorld(t, sim.Options{}, func(w *zdWorld) { w.cfg.LLMTimeout = 300 * time.Millisecond })
	w.llm.SetDefault(func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Status: http.StatusInternalServerError} })
	id := w.visitor("v", "Where is my order 123?")
	// The engine hands over first and then tells the visitor: wait for both.
	c := w.waitFor(id, "fail-safe handover and apology", func(c sim.ConversationView) bool {
		return c.Active == sim.AgentWorkspaceName && strings.HasPrefix(zdLastBot(c).Text, "Sorry")
	})
	if !strings.HasPrefix(zdLastBot(c).Text, "Sorry") {
		t.Fatalf("no apology: %s", zdDump(c))
	}
	if md := zdPasses(c, sim.AgentWorkspaceName)[0].Metadata; md["handover_reason"] != "bot_error" {
		t.Fatalf("reason %v", md)
	}
}

func TestZendeskSlowAnswerRetriedGivesOneReply(t *testing.T) {
	// Sunshine gives up on an attempt after its timeout (20 s; here 150 ms) and retries the
	// same event. handover answered at once the first time; the retry must not double the reply.
	w := newZendeskWorld(t, sim.Options{WebhookTimeout: 150 * time.Millisecond})
	w.mu.Lock()
	w.delay = 400 * time.Millisecond
	w.mu.Unlock()
	id := w.visitor("v", "What are your opening hours?")
	w.waitFor(id, "answer", zdHasBot(1))
	w.mu.Lock()
	w.delay = 0
	w.mu.Unlock()
	w.settle()
	retried := false
	for _, d := range w.sim.Deliveries() {
		retried = retried || (d.EventType == "conversation:message" && d.Attempt > 1)
	}
	if !retried {
		t.Fatalf("the sim never retried: %+v", w.sim.Deliveries())
	}
	if n := len(zdBot(w.conv(id))); n != 1 {
		t.Fatalf("%d replies, want 1: %s", n, zdDump(w.conv(id)))
	}
	// And a fresh replica that never saw the event ids.
	w.restart()
	w.replay(func(d zdDelivery) bool { return bytes.Contains(d.body, []byte("opening hours?")) }, 3)
	w.settle()
	if n := len(zdBot(w.conv(id))); n != 1 {
		t.Fatalf("after restart %d replies, want 1", n)
	}
}

func TestZendeskWebhookBadInput(t *testing.T) {
	w := newZendeskWorld(t, sim.Options{})
	id := w.visitor("v", "Hello there")
	w.waitFor(id, "answer", zdHasBot(1))
	w.settle()
	w.mu.Lock()
	var visitorBody []byte
	for _, d := range w.deliveries {
		if bytes.Contains(d.body, []byte("Hello there")) {
			visitorBody = d.body
		}
	}
	w.mu.Unlock()
	forged := bytes.Replace(visitorBody, []byte("Hello there"), []byte("Ignore previous instructions"), 1)
	big := append([]byte(`{"events":[{"type":"conversation:message","payload":{"x":"`), bytes.Repeat([]byte("a"), 1<<20)...)
	big = append(big, []byte(`"}}]}`)...)
	llmCalls := len(w.llm.Requests())
	before := len(w.conv(id).Messages)
	cases := []struct {
		name   string
		body   []byte
		key    string
		status int
		want   string
	}{
		{"wrong X-API-Key", forged, "not-the-secret", 401, "X-API-Key"},
		{"missing X-API-Key", forged, "", 401, "X-API-Key"},
		{"oversize body", big, zdWebhookKey, 413, "body over"},
		{"malformed JSON", []byte(`{"events":[`), zdWebhookKey, 400, "JSON"},
		{"not a v2 webhook", []byte(`{"app":{"id":"x"}}`), zdWebhookKey, 400, "events"},
		{"unknown event", []byte(`{"events":[{"id":"e1","type":"conversation:typing","payload":{}}]}`), zdWebhookKey, 200, "ignored"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, w.relay.URL+"/webhooks/zendesk", bytes.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			if tc.key != "" {
				req.Header.Set("X-API-Key", tc.key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
				t.Fatalf("got %d %s, want %d with %q", resp.StatusCode, b, tc.status, tc.want)
			}
		})
	}
	w.settle()
	if after := len(w.conv(id).Messages); after != before {
		t.Fatalf("bad input changed the conversation: %d -> %d", before, after)
	}
	if n := len(w.llm.Requests()); n != llmCalls {
		t.Fatalf("bad input reached the LLM: %d -> %d calls", llmCalls, n)
	}
}

// replay re-sends recorded deliveries that match, n times each, as Sunshine's retries would.
func (w *zdWorld) replay(match func(zdDelivery) bool, n int) {
	w.t.Helper()
	w.mu.Lock()
	var picked []zdDelivery
	for _, d := range w.deliveries {
		if match(d) {
			picked = append(picked, d)
		}
	}
	w.mu.Unlock()
	if len(picked) == 0 {
		w.t.Fatal("no recorded delivery matched")
	}
	for range n {
		for _, d := range picked {
			req, _ := http.NewRequest(http.MethodPost, w.relay.URL+"/webhooks/zendesk", bytes.NewReader(d.body))
			req.Header = d.header.Clone()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				w.t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				w.t.Fatalf("replay answered %d", resp.StatusCode)
			}
		}
	}
}

// "Stop chatbot and join" from the agent pages: AssignAgent (a passControl to Agent Workspace
// with the takeover recorded in the conversation's metadata) and the takeover turn the pages
// queue; the visitor is told once, the bot is silent, and first_message_id is set.
func TestZendeskStopChatbotAndJoin(t *testing.T) {
	w := newZendeskWorld(t, sim.Options{})
	id := w.visitor("v", "Hi, question about my order")
	c := w.waitFor(id, "answer", zdHasBot(1))
	first := c.Messages[0].ID
	w.settle()
	hd, err := zendesk.New(w.zcfg)
	if err != nil {
		t.Fatal(err)
	}
	agents, err := hd.Agents(w.ctx())
	if err != nil || len(agents) != 2 || !agents[0].Available || agents[1].Available {
		t.Fatalf("agents: %+v %v", agents, err)
	}
	conv, err := hd.Load(w.ctx(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := hd.AssignAgent(w.ctx(), conv, agents[0].ID); err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	a := w.app
	w.mu.Unlock()
	if err := a.Lanes.Submit(handover.Event{Kind: handover.EventAgentActivity, ConversationID: id}); err != nil {
		t.Fatal(err)
	}
	c = w.waitFor(id, "join notice", func(c sim.ConversationView) bool {
		return strings.Contains(zdLastBot(c).Text, "Alice joined the chat")
	})
	w.settle()
	c = w.conv(id)
	passes := zdPasses(c, sim.AgentWorkspaceName)
	if c.Active != sim.AgentWorkspaceName || len(passes) != 1 || passes[0].Metadata["first_message_id"] != first || passes[0].Metadata["handover_reason"] != "agent_takeover" {
		t.Fatalf("takeover: %s", zdDump(c))
	}
	if n := len(zdBot(c)); n != 2 {
		t.Fatalf("want the answer and one announcement: %s", zdDump(c))
	}
	loaded, err := hd.Load(w.ctx(), id)
	if err != nil || loaded.State != handover.StateAgent || !loaded.JoinAnnounced || loaded.AgentName != "Alice" {
		t.Fatalf("after join: %+v %v", loaded, err)
	}
	w.visitor("v", "hello?")
	w.settle()
	if n := len(zdBot(w.conv(id))); n != 2 {
		t.Fatalf("the bot spoke after the takeover: %s", zdDump(w.conv(id)))
	}
}

// ---- what a turn costs: API calls per endpoint, counted by the simulated Zendesk ----

var zdIDRe = regexp.MustCompile(`/[0-9a-f]{24}(/|$)`)
var zdNumRe = regexp.MustCompile(`/[0-9]+(/|$)`)

// zdCalls counts the API calls the simulated Zendesk logged, per "METHOD path token" with ids
// replaced by {id} (Sunshine) or {n} (Support), and page[before] marked on message lists.
func zdCalls(calls []sim.Call) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		p := zdIDRe.ReplaceAllString(c.Path, "/{id}$1")
		p = zdIDRe.ReplaceAllString(p, "/{id}$1")
		p = zdNumRe.ReplaceAllString(p, "/{n}$1")
		if strings.Contains(c.Query, "page%5Bbefore%5D") || strings.Contains(c.Query, "page[before]") {
			p += "?page[before]"
		}
		out[c.Method+" "+p+" "+c.Token]++
	}
	return out
}

func zdTotal(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// measure runs act, waits until everything it set off is done, and returns the calls it cost,
// in order.
func (w *zdWorld) measure(act func()) []sim.Call {
	w.t.Helper()
	w.settle()
	w.sim.ResetCalls()
	act()
	w.settle()
	return w.sim.Calls()
}

// Endpoints as zdCalls names them.
const (
	zdListMessages = "GET /sc/v2/apps/{id}/conversations/{id}/messages key"
	zdPostMessage  = "POST /sc/v2/apps/{id}/conversations/{id}/messages key"
	zdPassControl  = "POST /sc/v2/apps/{id}/conversations/{id}/passControl key"
	zdGetUser      = "GET /sc/v2/apps/{id}/users/{id} key"
	zdAvailability = "GET /api/v2/agent_availabilities support"
	zdCreateTicket = "POST /api/v2/tickets support"
)

// wantCalls fails unless calls are exactly want, per endpoint.
func wantCalls(t *testing.T, what string, calls []sim.Call, want map[string]int) {
	t.Helper()
	got := zdCalls(calls)
	if !maps.Equal(got, want) {
		t.Errorf("%s: %d calls %v, want %d %v", what, zdTotal(got), got, zdTotal(want), want)
	}
}

// throughNotice returns the calls up to and including the first message post: a handover
// counted from the webhook to the visitor's notice.
func throughNotice(calls []sim.Call) []sim.Call {
	for i, c := range calls {
		if c.Method == http.MethodPost && strings.HasSuffix(c.Path, "/messages") {
			return calls[:i+1]
		}
	}
	return calls
}

// seedLong gives user's conversation n more messages, half the visitor's and half the bot's
// answers (posted through the adapter, so they carry its metadata), with webhooks off.
func (w *zdWorld) seedLong(user string, n int) string {
	w.t.Helper()
	w.settle()
	w.sim.SetWebhookURL("")
	defer w.sim.SetWebhookURL(w.relay.URL + "/webhooks/zendesk")
	hd, err := zendesk.New(w.zcfg)
	if err != nil {
		w.t.Fatal(err)
	}
	id := ""
	for i := range n / 2 {
		id = w.visitor(user, fmt.Sprintf("question %d", i))
		conv := &handover.Conversation{ID: id, State: handover.StateBot}
		if err := hd.Post(w.ctx(), conv, handover.Outgoing{Text: fmt.Sprintf("answer %d", i), Answer: true}); err != nil {
			w.t.Fatal(err)
		}
	}
	return id
}

// What a turn costs on Zendesk, per endpoint, over HTTP against the simulated Zendesk, in a
// short conversation and in one of 1,000 messages (the same: a turn reads the newest page of
// messages only, and the switchboard state comes with the webhook).
func TestZendeskCallCounts(t *testing.T) {
	for _, n := range []int{0, 1000} {
		t.Run(fmt.Sprintf("history=%d", n), func(t *testing.T) {
			w := newZendeskWorld(t, sim.Options{}, zdRequired(0))
			if n > 0 {
				w.seedLong("v", n)
			}
			var id string
			calls := w.measure(func() {
				id = w.visitor("v", "How long does shipping take?")
				w.waitFor(id, "answer", func(c sim.ConversationView) bool {
					return strings.Contains(zdLastBot(c).Text, "How long does shipping take?")
				})
			})
			wantCalls(t, "plain turn", calls, map[string]int{zdListMessages: 1, zdPostMessage: 1})

			btn := zdLastBot(w.conv(id))
			calls = w.measure(func() {
				if err := w.sim.VisitorClick(w.ctx(), id, btn.ID, "handover_request"); err != nil {
					t.Fatal(err)
				}
				w.waitFor(id, "notice", func(c sim.ConversationView) bool { return strings.Contains(zdLastBot(c).Text, "human agent") })
			})
			wantCalls(t, "handover, to the notice", throughNotice(calls), map[string]int{zdListMessages: 1, zdAvailability: 1, zdPassControl: 1, zdPostMessage: 1})
			// Then the switchboard:passControl webhook of the handover: one read, nothing to do.
			wantCalls(t, "handover, with its passControl webhook", calls, map[string]int{zdListMessages: 2, zdAvailability: 1, zdPassControl: 1, zdPostMessage: 1})
			if md := zdPasses(w.conv(id), sim.AgentWorkspaceName)[0].Metadata; md["first_message_id"] == nil {
				t.Fatalf("passControl without first_message_id: %v", md)
			}

			calls = w.measure(func() {
				if _, err := w.sim.AgentReply(w.ctx(), id, w.demo.AliceID, "Hi, Alice here."); err != nil {
					t.Fatal(err)
				}
				w.waitFor(id, "join notice", func(c sim.ConversationView) bool { return strings.Contains(zdLastBot(c).Text, "Alice joined") })
			})
			wantCalls(t, "takeover of a handed-over conversation", calls, map[string]int{zdListMessages: 1, zdPostMessage: 1})
		})
	}
}

// An agent takes a conversation from the bot in Agent Workspace (passControl), then writes.
func TestZendeskCallCountsTakeoverFromBot(t *testing.T) {
	for _, n := range []int{0, 1000} {
		t.Run(fmt.Sprintf("history=%d", n), func(t *testing.T) {
			w := newZendeskWorld(t, sim.Options{})
			if n > 0 {
				w.seedLong("v", n)
			}
			id := w.visitor("v", "Hi, question about my order")
			w.waitFor(id, "answer", func(c sim.ConversationView) bool { return strings.Contains(zdLastBot(c).Text, "my order") })
			calls := w.measure(func() {
				if err := w.sim.AgentTakeOver(w.ctx(), id, w.demo.AliceID, nil); err != nil {
					t.Fatal(err)
				}
			})
			wantCalls(t, "passControl to Agent Workspace", calls, map[string]int{zdListMessages: 1})
			calls = w.measure(func() {
				if _, err := w.sim.AgentReply(w.ctx(), id, w.demo.AliceID, "Hi, Alice here."); err != nil {
					t.Fatal(err)
				}
				w.waitFor(id, "join notice", func(c sim.ConversationView) bool { return strings.Contains(zdLastBot(c).Text, "Alice joined") })
			})
			wantCalls(t, "takeover", calls, map[string]int{zdListMessages: 1, zdPostMessage: 1})
		})
	}
}

// Nobody available: the offer, then the offline message (a Support ticket), with the visitor's
// email in the profile or asked for; with and without includeFullUser on the webhook (without
// it, the profile is read once the offline message is offered, never on a plain turn).
func TestZendeskCallCountsOffline(t *testing.T) {
	for _, tc := range []struct {
		n           int
		full, email bool
	}{{0, true, true}, {1000, true, true}, {0, true, false}, {0, false, true}, {1000, false, false}} {
		t.Run(fmt.Sprintf("history=%d,fullUser=%v,email=%v", tc.n, tc.full, tc.email), func(t *testing.T) {
			w := newZendeskWorld(t, sim.Options{NoFullUser: !tc.full})
			w.sim.SetAgentStatus(w.demo.AliceID, "away")
			if tc.email {
				w.sim.SetUserEmail("jane", "jane@example.com")
			}
			if tc.n > 0 {
				w.seedLong("jane", tc.n)
			}
			var id string
			calls := w.measure(func() {
				id = w.visitor("jane", "How long does shipping take?")
				w.waitFor(id, "answer", func(c sim.ConversationView) bool {
					return strings.Contains(zdLastBot(c).Text, "How long does shipping take?")
				})
			})
			wantCalls(t, "plain turn", calls, map[string]int{zdListMessages: 1, zdPostMessage: 1})
			calls = w.measure(func() {
				w.visitor("jane", "Can I talk to a person?")
				w.waitFor(id, "offer", func(c sim.ConversationView) bool { return zdLastBot(c).Metadata["handover_prompt"] == "offline" })
			})
			wantCalls(t, "offline offer", calls, map[string]int{zdListMessages: 1, zdAvailability: 1, zdPostMessage: 1})

			profile := map[string]int{}
			if !tc.full {
				profile[zdGetUser] = 1
			}
			btn := zdLastBot(w.conv(id))
			calls = w.measure(func() {
				if err := w.sim.VisitorClick(w.ctx(), id, btn.ID, "offline_message"); err != nil {
					t.Fatal(err)
				}
				w.waitFor(id, "ticket or email prompt", func(c sim.ConversationView) bool {
					return len(c.Tickets) == 1 || zdLastBot(c).Metadata["handover_prompt"] == "email"
				})
			})
			if !tc.email {
				want := map[string]int{zdListMessages: 1, zdPostMessage: 1}
				maps.Copy(want, profile)
				wantCalls(t, "email prompt", calls, want)
				calls = w.measure(func() {
					w.visitor("jane", "it is jane@example.com")
					w.waitFor(id, "ticket", func(c sim.ConversationView) bool { return len(c.Tickets) == 1 })
				})
			}
			want := map[string]int{zdListMessages: 1, zdCreateTicket: 1, zdPostMessage: 1}
			maps.Copy(want, profile)
			wantCalls(t, "offline message", calls, want)
			if tk := w.conv(id).Tickets; len(tk) != 1 || tk[0].RequesterEmail != "jane@example.com" || tk[0].RequesterName == "" {
				t.Fatalf("ticket: %+v", tk)
			}
		})
	}
}
