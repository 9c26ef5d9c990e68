package zendesk

// Contract test: the adapter against the simulated Zendesk (adapters/sim, Sunshine Conversations
// dialect), an independent reading of the vendor's API, over real HTTP, including the webhooks
// the simulator really sends.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sim "github.com/handover-dev/handover/adapters/sim/zendesk"
	"github.com/handover-dev/handover/handover"
)

// hook is one webhook delivery as the simulator sent it.
type hook struct {
	header http.Header
	body   []byte
}

type hookRecorder struct {
	mu    sync.Mutex
	hooks []hook
}

func (rec *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.hooks = append(rec.hooks, hook{header: r.Header.Clone(), body: body})
	rec.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// events verifies and parses every delivery since mark and returns the events of conversation
// convID.
func (rec *hookRecorder) events(t *testing.T, a *Adapter, convID string, mark int) []handover.Event {
	t.Helper()
	rec.mu.Lock()
	hooks := append([]hook(nil), rec.hooks[mark:]...)
	rec.mu.Unlock()
	var out []handover.Event
	for _, h := range hooks {
		if err := a.Authenticate(h.header, "", h.body, time.Now()); err != nil {
			t.Fatalf("delivery does not authenticate: %v", err)
		}
		evs, err := a.Parse(h.body)
		if err != nil {
			t.Fatalf("Parse(%s): %v", h.body, err)
		}
		for _, ev := range evs {
			if ev.ConversationID == convID {
				out = append(out, ev)
			}
		}
	}
	return out
}

func (rec *hookRecorder) len() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.hooks)
}

type contract struct {
	t    *testing.T
	sim  *sim.Server
	srv  *httptest.Server
	rec  *hookRecorder
	a    *Adapter
	demo sim.Demo
}

func newContract(t *testing.T, o sim.Options, mod ...func(*Config)) *contract {
	t.Helper()
	o.KeyID, o.KeySecret, o.WebhookSecret = "app_contract", "contract-key-secret", "contract-hook-secret"
	o.SupportEmail, o.SupportToken = "admin@example.com", "contract-api-token"
	o.RetryWait = 10 * time.Millisecond
	c := &contract{t: t, sim: sim.New(o), rec: &hookRecorder{}}
	c.srv = httptest.NewServer(c.sim.Handler())
	hooks := httptest.NewServer(c.rec)
	t.Cleanup(func() { c.sim.Close(); c.srv.Close(); hooks.Close() })
	c.demo = c.sim.SeedDemo()
	c.sim.SetWebhookURL(hooks.URL + "/webhooks/zendesk")
	cfg := Config{BaseURL: c.srv.URL, AppID: c.sim.AppID(), KeyID: o.KeyID, KeySecret: o.KeySecret, IntegrationID: c.sim.IntegrationID(),
		WebhookSecret: o.WebhookSecret, Email: o.SupportEmail, APIToken: o.SupportToken, GroupID: strconv.Itoa(c.demo.GroupID),
		RetryWaitMax: 5 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.a = a
	return c
}

func (c *contract) settle() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.sim.WaitIdle(ctx); err != nil {
		c.t.Fatal(err)
	}
}

func (c *contract) load(id string) *handover.Conversation {
	c.t.Helper()
	conv, err := c.a.Load(context.Background(), id)
	if err != nil {
		c.t.Fatalf("Load: %v", err)
	}
	return conv
}

func TestContractConversationLifecycle(t *testing.T) {
	c := newContract(t, sim.Options{})
	ctx := context.Background()
	c.sim.SetUserEmail("steve", "steve@example.com")
	id, firstMsg, err := c.sim.VisitorSend(ctx, "steve", "Where is my parcel?")
	if err != nil {
		t.Fatal(err)
	}
	c.settle()
	evs := c.rec.events(t, c.a, id, 0)
	if len(evs) != 1 || evs[0].Kind != handover.EventVisitorMessage || evs[0].MessageID != firstMsg {
		t.Fatalf("visitor message events: %+v", evs)
	}
	conv := c.load(id)
	if conv.State != handover.StateBot || conv.Visitor.Email != "steve@example.com" || conv.Visitor.Name != "steve" || len(conv.PendingVisitorMessages()) != 1 {
		t.Fatalf("loaded: %+v", conv)
	}

	// An answer with the human button; its echo starts no turn.
	mark := c.rec.len()
	out := handover.Outgoing{Text: "It ships today.", Answer: true, Prompt: handover.PromptHuman,
		Buttons: []handover.Button{{Title: "Request chat with human agent", Value: handover.ChoiceRequestHuman}}}
	if err := c.a.Post(ctx, conv, out); err != nil {
		t.Fatal(err)
	}
	c.settle()
	if evs := c.rec.events(t, c.a, id, mark); len(evs) != 0 {
		t.Fatalf("our own message started a turn: %+v", evs)
	}
	conv = c.load(id)
	bot := conv.Messages[conv.LastBotMessage()]
	if conv.BotAnswers != 1 || bot.Prompt != handover.PromptHuman || len(bot.Buttons) != 1 || bot.Buttons[0].Title != "Talk to a human" || bot.Author != "AI assistant" {
		t.Fatalf("answer as loaded: %+v (answers %d)", bot, conv.BotAnswers)
	}
	view, _ := c.sim.Conversation(id)
	sent := view.Messages[len(view.Messages)-1]
	if sent.AuthorType != "business" || sent.Actions[0]["type"] != "reply" || sent.Actions[0]["payload"] != handover.ChoiceRequestHuman {
		t.Fatalf("as Sunshine has it: %+v", sent)
	}

	// The visitor clicks the quick reply: a user message with the button's text and payload.
	mark = c.rec.len()
	if err := c.sim.VisitorClick(ctx, id, sent.ID, handover.ChoiceRequestHuman); err != nil {
		t.Fatal(err)
	}
	c.settle()
	if evs := c.rec.events(t, c.a, id, mark); len(evs) != 1 || evs[0].Kind != handover.EventVisitorMessage {
		t.Fatalf("click events: %+v", evs)
	}
	conv = c.load(id)
	if p := conv.PendingVisitorMessages(); len(p) != 1 || p[0].Text != "Talk to a human" {
		t.Fatalf("pending after click: %+v", p)
	}

	// Availability: Alice (group Support) is online; then away; then outside the hours.
	if ok, err := c.a.Available(ctx, conv); err != nil || !ok {
		t.Fatalf("available: %v %v", ok, err)
	}
	c.sim.SetAgentStatus(c.demo.AliceID, "away")
	if ok, err := c.a.Available(ctx, conv); err != nil || ok {
		t.Fatalf("nobody online: %v %v", ok, err)
	}
	c.sim.SetAgentStatus(c.demo.AliceID, "online")

	// Hand over: passControl to Agent Workspace with first_message_id and the reason.
	mark = c.rec.len()
	h := handover.Handoff{Reason: handover.ReasonButton, Summary: "Wants to know where the parcel is."}
	if err := c.a.HandToHuman(ctx, conv, h); err != nil {
		t.Fatal(err)
	}
	if err := c.a.HandToHuman(ctx, conv, h); err != nil { // a repeated turn changes nothing
		t.Fatal(err)
	}
	c.settle()
	view, _ = c.sim.Conversation(id)
	var passes []sim.ControlEvent
	for _, e := range view.Control {
		if e.Action == "passControl" {
			passes = append(passes, e)
		}
	}
	if view.Active != sim.AgentWorkspaceName || len(passes) != 1 || passes[0].Metadata["first_message_id"] != firstMsg ||
		passes[0].Metadata["handover_reason"] != "visitor_button" || passes[0].Metadata["handover_summary"] != h.Summary {
		t.Fatalf("handover: active %q, passes %+v", view.Active, passes)
	}
	if evs := c.rec.events(t, c.a, id, mark); len(evs) != 1 || evs[0].Kind != handover.EventAgentActivity {
		t.Fatalf("passControl events: %+v", evs)
	}
	if conv = c.load(id); conv.State != handover.StateQueued {
		t.Fatalf("after handover: %s", conv.State)
	}

	// Visitor messages on standby are delivered (deliverStandbyEvents) and start nothing.
	mark = c.rec.len()
	if _, _, err := c.sim.VisitorSend(ctx, "steve", "hello?"); err != nil {
		t.Fatal(err)
	}
	c.settle()
	if evs := c.rec.events(t, c.a, id, mark); len(evs) != 0 || c.rec.len() == mark {
		t.Fatalf("standby: %d deliveries, events %+v", c.rec.len()-mark, evs)
	}

	// Alice writes from Agent Workspace: a takeover to announce.
	mark = c.rec.len()
	if _, err := c.sim.AgentReply(ctx, id, c.demo.AliceID, "Hi, Alice here."); err != nil {
		t.Fatal(err)
	}
	c.settle()
	if evs := c.rec.events(t, c.a, id, mark); len(evs) != 1 || evs[0].Kind != handover.EventAgentActivity || evs[0].AgentName != "Alice" {
		t.Fatalf("agent events: %+v", evs)
	}
	conv = c.load(id)
	if conv.State != handover.StateAgent || conv.AgentName != "Alice" || conv.JoinAnnounced {
		t.Fatalf("after the agent wrote: %s %q %v", conv.State, conv.AgentName, conv.JoinAnnounced)
	}
	if err := c.a.Post(ctx, conv, handover.Outgoing{Text: "Alice joined the chat."}); err != nil {
		t.Fatal(err)
	}
	if err := c.a.MarkAgentJoined(ctx, conv, "Alice"); err != nil {
		t.Fatal(err)
	}
	if conv = c.load(id); !conv.JoinAnnounced || conv.State != handover.StateAgent {
		t.Fatalf("after the announcement: %+v", conv)
	}

	// Back to the bot.
	mark = c.rec.len()
	if err := c.sim.PassToBot(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	c.settle()
	if evs := c.rec.events(t, c.a, id, mark); len(evs) != 1 || evs[0].Kind != handover.EventChanged {
		t.Fatalf("return events: %+v", evs)
	}
	if conv = c.load(id); conv.State != handover.StateBot {
		t.Fatalf("after the return: %s", conv.State)
	}

	// Released: nobody has control until the next user message.
	if err := c.sim.ReleaseControl(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	if conv = c.load(id); conv.State != handover.StateOther {
		t.Fatalf("after release: %s", conv.State)
	}
	if _, _, err := c.sim.VisitorSend(ctx, "steve", "still there?"); err != nil {
		t.Fatal(err)
	}
	if conv = c.load(id); conv.State != handover.StateBot {
		t.Fatalf("after a message with nobody in control: %s", conv.State)
	}

	// Offline message: a Support ticket, once.
	h = handover.Handoff{Reason: handover.ReasonButton, Summary: "Parcel question.", Transcript: conv.Transcript(), Email: "steve@example.com"}
	for range 2 {
		if err := c.a.LeaveOffline(ctx, conv, h); err != nil {
			t.Fatal(err)
		}
	}
	tickets := c.sim.Tickets()
	if len(tickets) != 1 {
		t.Fatalf("tickets: %+v", tickets)
	}
	tk := tickets[0]
	if tk.RequesterEmail != "steve@example.com" || tk.RequesterName != "steve" || tk.GroupID != c.demo.GroupID || tk.ExternalID != id ||
		tk.Public || !strings.Contains(tk.Comment, "Where is my parcel?") || !strings.Contains(tk.Comment, "Parcel question.") ||
		!strings.Contains(tk.Subject, "Where is my parcel?") {
		t.Fatalf("ticket: %+v", tk)
	}
}

func TestContractPostbackButtons(t *testing.T) {
	c := newContract(t, sim.Options{}, func(cfg *Config) { cfg.Buttons = ButtonsPostback })
	ctx := context.Background()
	id, _, err := c.sim.VisitorSend(ctx, "v", "Is there an agent available today?")
	if err != nil {
		t.Fatal(err)
	}
	conv := c.load(id)
	out := handover.Outgoing{Text: "Nobody is available.", Prompt: handover.PromptOffline, Buttons: []handover.Button{
		{Title: "Stop chatbot and leave offline message", Value: handover.ChoiceOffline}, {Title: "Continue with the bot", Value: handover.ChoiceContinue}}}
	if err := c.a.Post(ctx, conv, out); err != nil {
		t.Fatal(err)
	}
	c.settle()
	view, _ := c.sim.Conversation(id)
	sent := view.Messages[len(view.Messages)-1]
	mark := c.rec.len()
	if err := c.sim.VisitorClick(ctx, id, sent.ID, handover.ChoiceOffline); err != nil {
		t.Fatal(err)
	}
	c.settle()
	evs := c.rec.events(t, c.a, id, mark)
	if len(evs) != 1 || evs[0].Kind != handover.EventChoice || evs[0].Choice != handover.ChoiceOffline {
		t.Fatalf("postback events: %+v", evs)
	}
	conv = c.load(id)
	prompt, ok := conv.Message(evs[0].MessageID)
	if !ok || prompt.Prompt != handover.PromptOffline || len(prompt.Buttons) != 2 || prompt.Buttons[1].Title != "Keep chatting" {
		t.Fatalf("the postback must name its prompt: %q → %+v", evs[0].MessageID, prompt)
	}
	if n := len(conv.Messages); n != 2 {
		t.Fatalf("a postback creates no message: %d messages", n)
	}
}

func TestContractLockedConversation(t *testing.T) {
	c := newContract(t, sim.Options{MessageCap: 2})
	ctx := context.Background()
	id, _, _ := c.sim.VisitorSend(ctx, "v", "one")
	conv := c.load(id)
	if err := c.a.Post(ctx, conv, handover.Outgoing{Text: "two"}); err != nil {
		t.Fatal(err)
	}
	c.sim.ResetCalls()
	err := c.a.Post(ctx, conv, handover.Outgoing{Text: "three"})
	if !errors.Is(err, ErrLocked) || !errors.Is(err, handover.ErrPermanent) {
		t.Fatalf("got %v", err)
	}
	if n := len(c.sim.Calls()); n != 1 {
		t.Fatalf("423 was retried: %d calls", n)
	}
}

func TestContractRateLimitBackoff(t *testing.T) {
	c := newContract(t, sim.Options{Seed: 7}, func(cfg *Config) { cfg.RetryMax = 8 })
	ctx := context.Background()
	id, _, _ := c.sim.VisitorSend(ctx, "v", "hello")
	c.sim.SetFaults(sim.Faults{Status429Rate: 0.5, RetryAfter: time.Hour})
	start := time.Now()
	for range 5 {
		if _, err := c.a.Load(ctx, id); err != nil {
			t.Fatalf("Load under 429s: %v", err)
		}
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("Retry-After: 3600 was not capped")
	}
	throttled := 0
	for _, call := range c.sim.Calls() {
		if call.Status == http.StatusTooManyRequests {
			throttled++
		}
	}
	if throttled == 0 {
		t.Fatal("the fault never fired")
	}
}

func TestContractUnknownConversationAndBadCredentials(t *testing.T) {
	c := newContract(t, sim.Options{})
	if _, err := c.a.Load(context.Background(), "000000000000000000000000"); !errors.Is(err, handover.ErrNotFound) {
		t.Fatalf("unknown conversation: %v", err)
	}
	bad := newContract(t, sim.Options{}, func(cfg *Config) { cfg.KeySecret = "wrong-secret" })
	id, _, _ := bad.sim.VisitorSend(context.Background(), "v", "hi")
	_, err := bad.a.Load(context.Background(), id)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized || !errors.Is(err, handover.ErrPermanent) {
		t.Fatalf("wrong key: %v", err)
	}
}
