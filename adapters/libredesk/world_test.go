package libredesk_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/libredesk"
	"github.com/handover-dev/handover/handover"
)

// The world the conformance kit drives, over real HTTP: the simulated Libredesk served by
// httptest, the adapter built from the world's settings, and the world's signed webhooks
// authenticated and parsed by the adapter.

// delivery is one webhook the world sent.
type delivery struct {
	header http.Header
	body   []byte
}

type worldEnv struct {
	w  helpdesk.World
	hd helpdesk.Adapter

	mu   sync.Mutex
	hook []delivery
}

func newWorldEnv(t *testing.T, deps helpdesk.Deps) *worldEnv {
	t.Helper()
	api := httptest.NewUnstartedServer(nil)
	w, err := libredesk.Descriptor.Sandbox(helpdesk.SandboxOptions{SimURL: "http://" + api.Listener.Addr().String(),
		BotName: "AI assistant", Benchmark: true})
	if err != nil {
		t.Fatal(err)
	}
	api.Config.Handler = w.Handler()
	api.Start()
	e := &worldEnv{w: w}
	hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.hook = append(e.hook, delivery{header: r.Header.Clone(), body: body})
		e.mu.Unlock()
	}))
	t.Cleanup(func() { w.Close(); hook.Close(); api.Close() })
	w.Connect(hook.URL)
	if e.hd, err = libredesk.Descriptor.New(w.Settings(), deps); err != nil {
		t.Fatal(err)
	}
	return e
}

// events waits for the deliveries in flight and returns the adapter's events of conv from
// every webhook so far, each delivery authenticated first.
func (e *worldEnv) events(t *testing.T, conv string) []handover.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.w.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	ds := slices.Clone(e.hook)
	e.mu.Unlock()
	var out []handover.Event
	for _, d := range ds {
		if err := e.hd.Authenticate(d.header, "", d.body, time.Now()); err != nil {
			t.Fatalf("webhook refused: %v", err)
		}
		evs, err := e.hd.Parse(d.body)
		if err != nil {
			t.Fatalf("parse %s: %v", d.body, err)
		}
		for _, ev := range evs {
			if ev.ConversationID == conv {
				out = append(out, ev)
			}
		}
	}
	return out
}

func (e *worldEnv) load(t *testing.T, conv string) *handover.Conversation {
	t.Helper()
	c, err := e.hd.Load(context.Background(), conv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *worldEnv) post(t *testing.T, conv string, out handover.Outgoing) {
	t.Helper()
	if err := e.hd.Post(context.Background(), e.load(t, conv), out); err != nil {
		t.Fatal(err)
	}
}

func (e *worldEnv) send(t *testing.T, visitor, text string) string {
	t.Helper()
	conv, err := e.w.Send(context.Background(), visitor, text)
	if err != nil {
		t.Fatal(err)
	}
	return conv
}

func lastOf(st helpdesk.State, r helpdesk.Role) (helpdesk.Entry, bool) {
	for i := len(st.Entries) - 1; i >= 0; i-- {
		if st.Entries[i].Role == r {
			return st.Entries[i], true
		}
	}
	return helpdesk.Entry{}, false
}

// chosen checks that the visitor's latest message reached the adapter as a visitor message
// (the webhook) and is, for the engine, the choice want on the bot's prompt: Load gives the
// prompt back its answers, and the engine matches the typed text against a title or value.
func (e *worldEnv) chosen(t *testing.T, conv, want string) {
	t.Helper()
	evs := e.events(t, conv)
	c := e.load(t, conv)
	pending := c.PendingVisitorMessages()
	if len(pending) == 0 {
		t.Fatal("no visitor message after the bot's prompt")
	}
	typed := pending[len(pending)-1]
	if !slices.ContainsFunc(evs, func(ev handover.Event) bool {
		return ev.Kind == handover.EventVisitorMessage && ev.MessageID == typed.ID
	}) {
		t.Fatalf("no visitor_message webhook for %q: %+v", typed.Text, evs)
	}
	bot := c.Messages[c.LastBotMessage()]
	for _, b := range bot.Buttons {
		if strings.EqualFold(b.Title, typed.Text) || strings.EqualFold(b.Value, typed.Text) {
			if b.Value != want {
				t.Fatalf("%q answers %s, want %s", typed.Text, b.Value, want)
			}
			return
		}
	}
	t.Fatalf("%q answers none of the prompt's choices %+v", typed.Text, bot.Buttons)
}

func TestWorldStateOffersAndChoose(t *testing.T) {
	e := newWorldEnv(t, helpdesk.Deps{})
	ctx := context.Background()
	conv := e.send(t, "eve", "Where is my order?")
	st := e.w.State(conv)
	if len(st.Entries) != 1 || st.Entries[0].Role != helpdesk.RoleVisitor || st.Entries[0].Text != "Where is my order?" {
		t.Fatalf("entries: %+v", st.Entries)
	}
	if st.WithHuman || st.Offline || st.Email != "" {
		t.Fatalf("a new chat: %+v", st)
	}
	if err := e.w.Choose(ctx, conv, handover.ChoiceRequestHuman); err == nil {
		t.Fatal("choose before the bot wrote anything")
	}

	d := handover.DefaultTexts()
	e.post(t, conv, handover.Outgoing{Text: "It ships tomorrow.", Answer: true,
		Buttons: []handover.Button{{Title: d.HumanButton, Value: handover.ChoiceRequestHuman}}})
	st = e.w.State(conv)
	bot, ok := lastOf(st, helpdesk.RoleBot)
	if !ok || !strings.HasPrefix(bot.Text, "It ships tomorrow.") || !strings.Contains(bot.Text, `type "agent"`) ||
		!slices.Equal(bot.Offers, []string{handover.ChoiceRequestHuman}) || bot.AsksEmail {
		t.Fatalf("bot answer: %+v", bot)
	}
	// The bot's claim of the chat is an activity line.
	if other, ok := lastOf(st, helpdesk.RoleOther); !ok || !strings.Contains(other.Text, "AI assistant") {
		t.Fatalf("activity: %+v", st.Entries)
	}
	if st.WithHuman {
		t.Fatal("the bot holds the chat: not with a human")
	}
	if err := e.w.Choose(ctx, conv, handover.ChoiceOffline); err == nil {
		t.Fatal("chose a choice the message does not offer")
	}
	if err := e.w.Choose(ctx, conv, handover.ChoiceRequestHuman); err != nil {
		t.Fatal(err)
	}
	if v, _ := lastOf(e.w.State(conv), helpdesk.RoleVisitor); v.Text != "agent" {
		t.Fatalf("typed: %+v", v)
	}
	e.chosen(t, conv, handover.ChoiceRequestHuman)

	// The offline offer: leave a message or keep chatting, in that order.
	e.post(t, conv, handover.Outgoing{Text: d.NoAgent, Prompt: handover.PromptOffline, Buttons: []handover.Button{
		{Title: d.OfflineButton, Value: handover.ChoiceOffline}, {Title: d.ContinueButton, Value: handover.ChoiceContinue}}})
	bot, _ = lastOf(e.w.State(conv), helpdesk.RoleBot)
	if !slices.Equal(bot.Offers, []string{handover.ChoiceOffline, handover.ChoiceContinue}) {
		t.Fatalf("offline offer: %+v", bot)
	}
	if err := e.w.Choose(ctx, conv, handover.ChoiceRequestHuman); err == nil {
		t.Fatal("the offline offer has no human choice")
	}
	if err := e.w.Choose(ctx, conv, handover.ChoiceContinue); err != nil {
		t.Fatal(err)
	}
	e.chosen(t, conv, handover.ChoiceContinue)

	// The question for an email address, answered in the chat; the offline message files it.
	e.post(t, conv, handover.Outgoing{Text: d.AskEmail, Prompt: handover.PromptEmail})
	bot, _ = lastOf(e.w.State(conv), helpdesk.RoleBot)
	if !bot.AsksEmail || len(bot.Offers) != 0 || bot.Text != d.AskEmail {
		t.Fatalf("email question: %+v", bot)
	}
	if err := e.w.GiveEmail(ctx, conv, "eve@example.com"); err != nil {
		t.Fatal(err)
	}
	if v, _ := lastOf(e.w.State(conv), helpdesk.RoleVisitor); v.Text != "eve@example.com" {
		t.Fatalf("email message: %+v", v)
	}
	if err := e.hd.LeaveOffline(ctx, e.load(t, conv), handover.Handoff{Reason: handover.ReasonButton, Email: "eve@example.com"}); err != nil {
		t.Fatal(err)
	}
	st = e.w.State(conv)
	note, ok := lastOf(st, helpdesk.RoleNote)
	if !st.Offline || st.Email != "eve@example.com" || !ok || !strings.HasPrefix(note.Text, "Offline message") {
		t.Fatalf("offline message: %+v", st)
	}
	if c := e.load(t, conv); c.State != handover.StateOffline {
		t.Fatalf("the adapter reads %s", c.State)
	}
}

// The keywords come from handover's language table: a German visitor is told, and types,
// the German word.
func TestWorldChooseInTheVisitorsLanguage(t *testing.T) {
	e := newWorldEnv(t, helpdesk.Deps{})
	conv := e.send(t, "jonas", "Hallo, wo ist meine Bestellung? Ich möchte bitte wissen, wann sie kommt.")
	e.post(t, conv, handover.Outgoing{Text: "Morgen.", Answer: true,
		Buttons: []handover.Button{{Title: "Talk to a human", Value: handover.ChoiceRequestHuman}}})
	de, _ := handover.LanguageByCode("de")
	bot, _ := lastOf(e.w.State(conv), helpdesk.RoleBot)
	if !strings.Contains(bot.Text, de.Instruction(handover.PromptHuman)) || !slices.Equal(bot.Offers, []string{handover.ChoiceRequestHuman}) {
		t.Fatalf("bot answer: %+v", bot)
	}
	if err := e.w.Choose(context.Background(), conv, handover.ChoiceRequestHuman); err != nil {
		t.Fatal(err)
	}
	if v, _ := lastOf(e.w.State(conv), helpdesk.RoleVisitor); v.Text != de.Keywords.Human {
		t.Fatalf("typed %q, want %q", v.Text, de.Keywords.Human)
	}
	e.chosen(t, conv, handover.ChoiceRequestHuman)
}

func TestWorldHandoverAndAgentReply(t *testing.T) {
	e := newWorldEnv(t, helpdesk.Deps{})
	ctx := context.Background()

	conv := e.send(t, "eve", "I need a person")
	e.post(t, conv, handover.Outgoing{Text: "Sure.", Answer: true})
	if e.w.State(conv).WithHuman {
		t.Fatal("with a human before the handover")
	}
	if err := e.hd.HandToHuman(ctx, e.load(t, conv), handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		t.Fatal(err)
	}
	st := e.w.State(conv)
	if note, _ := lastOf(st, helpdesk.RoleNote); !st.WithHuman || st.Offline || !strings.HasPrefix(note.Text, "Handed over") {
		t.Fatalf("after the handover: %+v", st)
	}

	// An agent taking over a bot chat: a public reply by Alice, which the adapter reads as an
	// agent's activity.
	other := e.send(t, "zoe", "Hello")
	e.post(t, other, handover.Outgoing{Text: "Hi!", Answer: true})
	if err := e.w.AgentReply(ctx, other, "Hi, Alice here & ready"); err != nil {
		t.Fatal(err)
	}
	st = e.w.State(other)
	if a, ok := lastOf(st, helpdesk.RoleAgent); !ok || a.Text != "Hi, Alice here & ready" || !st.WithHuman {
		t.Fatalf("agent reply: %+v", st)
	}
	if !slices.ContainsFunc(e.events(t, other), func(ev handover.Event) bool {
		return ev.Kind == handover.EventAgentActivity && ev.AgentName == "Alice"
	}) {
		t.Fatal("no agent_activity webhook for Alice's reply")
	}
	if c := e.load(t, other); c.State != handover.StateAgent {
		t.Fatalf("the adapter reads %s", c.State)
	}
	if err := e.w.AgentReply(ctx, "00000000-0000-4000-8000-000000000000", "x"); err == nil {
		t.Fatal("reply in an unknown conversation")
	}
}

func TestWorldAgentsAvailable(t *testing.T) {
	e := newWorldEnv(t, helpdesk.Deps{})
	conv := e.send(t, "eve", "Hello")
	available := func() bool {
		t.Helper()
		ok, err := e.hd.Available(context.Background(), e.load(t, conv))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !available() {
		t.Fatal("Alice is online in the demo")
	}
	e.w.SetAgentsAvailable(false)
	if available() {
		t.Fatal("available with every agent away")
	}
	e.w.SetAgentsAvailable(true)
	if !available() {
		t.Fatal("nobody available with every agent online")
	}
}

func TestWorldFaults(t *testing.T) {
	e := newWorldEnv(t, helpdesk.Deps{RetryWaitMax: time.Millisecond})
	conv := e.send(t, "eve", "Hello")
	e.w.SetFaults(helpdesk.Faults{Status500Rate: 1})
	e.w.ResetCalls()
	start := time.Now()
	if _, err := e.hd.Load(context.Background(), conv); err == nil {
		t.Fatal("Load succeeded against a failing API")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the retries took %s: Deps.RetryWaitMax not applied", d)
	}
	calls := e.w.Calls()
	if len(calls) < 2 || slices.ContainsFunc(calls, func(c helpdesk.Call) bool { return c.Status != http.StatusInternalServerError }) {
		t.Fatalf("calls: %+v", calls)
	}
	e.w.SetFaults(helpdesk.Faults{})
	if _, err := e.hd.Load(context.Background(), conv); err != nil {
		t.Fatal(err)
	}
}
