package liveagent

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
	"github.com/handover-dev/handover/handover"
)

// worldEnv is the sandbox world served over HTTP, its rules connected to a recorder of rule
// deliveries, and the adapter built from the world's settings.
type worldEnv struct {
	t     *testing.T
	w     helpdesk.World
	hd    helpdesk.Adapter
	mu    sync.Mutex
	hooks [][]byte
}

func newWorldEnv(t *testing.T, deps helpdesk.Deps) *worldEnv {
	t.Helper()
	e := &worldEnv{t: t}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	w, err := Descriptor.Sandbox(helpdesk.SandboxOptions{SimURL: srv.URL, BotName: "AI assistant", Benchmark: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	e.w = w
	mux.HandleFunc("POST /webhooks/liveagent/{secret}", func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.hooks = append(e.hooks, body)
		e.mu.Unlock()
	})
	mux.Handle("/", w.Handler())
	w.Connect(srv.URL)
	if e.hd, err = Descriptor.New(w.Settings(), deps); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *worldEnv) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

// settle waits for the rule deliveries in flight and returns the last one.
func (e *worldEnv) settle() []byte {
	e.t.Helper()
	if err := e.w.WaitIdle(e.ctx()); err != nil {
		e.t.Fatal(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.hooks) == 0 {
		return nil
	}
	return e.hooks[len(e.hooks)-1]
}

func (e *worldEnv) load(id string) *handover.Conversation {
	e.t.Helper()
	c, err := e.hd.Load(e.ctx(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *worldEnv) post(id string, out handover.Outgoing) {
	e.t.Helper()
	if err := e.hd.Post(e.ctx(), e.load(id), out); err != nil {
		e.t.Fatal(err)
	}
	e.settle()
}

// last returns the newest entry of the ticket's state.
func (e *worldEnv) last(id string) helpdesk.Entry {
	e.t.Helper()
	st := e.w.State(id)
	if len(st.Entries) == 0 {
		e.t.Fatalf("ticket %s has no entries", id)
	}
	return st.Entries[len(st.Entries)-1]
}

// parsedChoice feeds the rule delivery the last visitor action fired to the adapter (Parse,
// then Load) and returns what the engine reads the visitor's message as on the bot's last
// prompt: the value of the button whose title or value it is (handover's matchButton), or
// "email" for an address after the email prompt.
func (e *worldEnv) parsedChoice(id string) string {
	e.t.Helper()
	body := e.settle()
	evs, err := e.hd.Parse(body)
	if err != nil || len(evs) != 1 || evs[0].ConversationID != id || evs[0].Kind != handover.EventVisitorMessage {
		e.t.Fatalf("the delivery %s parses as %+v, %v", body, evs, err)
	}
	c := e.load(evs[0].ConversationID)
	pending := c.PendingVisitorMessages()
	last := c.LastBotMessage()
	if len(pending) != 1 || last < 0 {
		e.t.Fatalf("pending %+v, last bot message %d", pending, last)
	}
	bot, text := c.Messages[last], strings.ToLower(strings.TrimSpace(pending[0].Text))
	if bot.Prompt == handover.PromptEmail && strings.Contains(text, "@") {
		return "email"
	}
	for _, b := range bot.Buttons {
		if text == strings.ToLower(b.Title) || text == strings.ToLower(b.Value) {
			return b.Value
		}
	}
	return ""
}

func TestLiveAgentWorldStateChooseAndTakeover(t *testing.T) {
	e := newWorldEnv(t, helpdesk.Deps{})
	tx := handover.DefaultTexts()
	id, err := e.w.Send(e.ctx(), "eve", "hello, where is my order?")
	if err != nil {
		t.Fatal(err)
	}
	e.settle()
	st := e.w.State(id)
	if st.WithHuman || st.Offline || st.Email != "" {
		t.Fatalf("a new chat: %+v", st)
	}
	if v := e.last(id); v.Role != helpdesk.RoleVisitor || v.Text != "hello, where is my order?" {
		t.Fatalf("visitor entry %+v", v)
	}
	if tr := e.w.Transcript(id); len(tr) != len(st.Entries) || tr[0].Role != helpdesk.RoleOther {
		t.Fatalf("transcript %+v (the widget's user-agent line first)", tr)
	}

	// An answer with the human button: the typed sentence offers the human choice.
	e.post(id, handover.Outgoing{Text: "It ships tomorrow.", Answer: true,
		Buttons: []handover.Button{{Title: tx.HumanButton, Value: handover.ChoiceRequestHuman}}})
	b := e.last(id)
	if b.Role != helpdesk.RoleBot || !strings.HasPrefix(b.Text, "It ships tomorrow.") || !slices.Equal(b.Offers, []string{handover.ChoiceRequestHuman}) || b.AsksEmail {
		t.Fatalf("bot entry %+v", b)
	}
	if err := e.w.Choose(e.ctx(), id, handover.ChoiceOffline); err == nil {
		t.Fatal("Choose took a choice the bot did not offer")
	}
	if err := e.w.Choose(e.ctx(), id, handover.ChoiceRequestHuman); err != nil {
		t.Fatal(err)
	}
	if v := e.last(id); v.Role != helpdesk.RoleVisitor || v.Text != "agent" {
		t.Fatalf("the visitor typed %+v", v)
	}
	if got := e.parsedChoice(id); got != handover.ChoiceRequestHuman {
		t.Fatalf("the adapter reads the typed choice as %q", got)
	}

	// The offline offer: both choices, in the sentence's order.
	e.post(id, handover.Outgoing{Text: tx.NoAgent, Prompt: handover.PromptOffline, Buttons: []handover.Button{
		{Title: tx.OfflineButton, Value: handover.ChoiceOffline}, {Title: tx.ContinueButton, Value: handover.ChoiceContinue}}})
	if b := e.last(id); b.Role != helpdesk.RoleBot || !slices.Equal(b.Offers, []string{handover.ChoiceOffline, handover.ChoiceContinue}) {
		t.Fatalf("offline offer %+v", b)
	}
	if err := e.w.Choose(e.ctx(), id, handover.ChoiceContinue); err != nil {
		t.Fatal(err)
	}
	if got := e.parsedChoice(id); got != handover.ChoiceContinue {
		t.Fatalf("the adapter reads the typed choice as %q", got)
	}
	e.post(id, handover.Outgoing{Text: tx.NoAgent, Prompt: handover.PromptOffline, Buttons: []handover.Button{
		{Title: tx.OfflineButton, Value: handover.ChoiceOffline}, {Title: tx.ContinueButton, Value: handover.ChoiceContinue}}})
	if err := e.w.Choose(e.ctx(), id, handover.ChoiceOffline); err != nil {
		t.Fatal(err)
	}
	if got := e.parsedChoice(id); got != handover.ChoiceOffline {
		t.Fatalf("the adapter reads the typed choice as %q", got)
	}

	// The email question, answered by typing the address.
	e.post(id, handover.Outgoing{Text: tx.AskEmail, Prompt: handover.PromptEmail})
	if b := e.last(id); b.Role != helpdesk.RoleBot || !b.AsksEmail || len(b.Offers) != 0 {
		t.Fatalf("email question %+v", b)
	}
	if err := e.w.GiveEmail(e.ctx(), id, "eve@example.com"); err != nil {
		t.Fatal(err)
	}
	if got := e.parsedChoice(id); got != "email" {
		t.Fatalf("the adapter does not read the address as the answer: %q", got)
	}

	// A handover: the chat goes to Support's queue, with the bot's note.
	if err := e.hd.HandToHuman(e.ctx(), e.load(id), handover.Handoff{Reason: handover.ReasonButton, Summary: "order"}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	st = e.w.State(id)
	if !st.WithHuman || st.Offline {
		t.Fatalf("after the handover: %+v", st)
	}
	if n := st.Entries[len(st.Entries)-1]; n.Role != helpdesk.RoleNote || !strings.HasPrefix(n.Text, noteHandover) {
		t.Fatalf("handover note %+v", n)
	}
	if o := st.Entries[len(st.Entries)-2]; o.Role != helpdesk.RoleOther || !strings.Contains(o.Text, "Transferred") {
		t.Fatalf("transfer line %+v", o)
	}

	// Alice answers from the agent panel (HTML): a public agent message, read as text.
	if err := e.w.AgentReply(e.ctx(), id, "Fish & chips <today>"); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if a := e.last(id); a.Role != helpdesk.RoleAgent || a.Text != "Fish & chips <today>" || a.Offers != nil {
		t.Fatalf("agent entry %+v", a)
	}
	if c := e.load(id); c.State != handover.StateAgent || c.AgentName != "Alice" {
		t.Fatalf("the adapter reads %s by %q", c.State, c.AgentName)
	}
}

func TestLiveAgentWorldOfflineMessage(t *testing.T) {
	e := newWorldEnv(t, helpdesk.Deps{})
	id, err := e.w.Send(e.ctx(), "joe", "hi")
	if err != nil {
		t.Fatal(err)
	}
	e.settle()
	if err := e.hd.LeaveOffline(e.ctx(), e.load(id), handover.Handoff{Reason: handover.ReasonButton, Email: "joe@example.com"}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	st := e.w.State(id)
	if !st.Offline || st.Email != "joe@example.com" {
		t.Fatalf("after the offline message: %+v", st)
	}
	// A running chat waits in Support's queue meanwhile (LeaveOffline's transfer).
	if !st.WithHuman {
		t.Fatalf("the offline chat is not in the human queue: %+v", st)
	}
}

func TestLiveAgentWorldAvailability(t *testing.T) {
	e := newWorldEnv(t, helpdesk.Deps{})
	id, err := e.w.Send(e.ctx(), "ann", "hi")
	if err != nil {
		t.Fatal(err)
	}
	e.settle()
	c := e.load(id)
	for _, on := range []bool{false, true, false} {
		e.w.SetAgentsAvailable(on)
		if got, err := e.hd.Available(e.ctx(), c); err != nil || got != on {
			t.Fatalf("SetAgentsAvailable(%v): Available = %v, %v", on, got, err)
		}
	}
	// The bot keeps its chats meanwhile: a new chat still goes to it.
	id2, err := e.w.Send(e.ctx(), "bea", "hello")
	if err != nil {
		t.Fatal(err)
	}
	e.settle()
	if c := e.load(id2); c.State != handover.StateBot {
		t.Fatalf("a new chat with the agents away is %s", c.State)
	}
}

func TestLiveAgentWorldFaults(t *testing.T) {
	e := newWorldEnv(t, helpdesk.Deps{RetryWaitMax: time.Millisecond})
	id, err := e.w.Send(e.ctx(), "max", "hi")
	if err != nil {
		t.Fatal(err)
	}
	e.settle()
	e.w.SetFaults(helpdesk.Faults{Status500Rate: 1})
	e.w.ResetCalls()
	if _, err := e.hd.Load(e.ctx(), id); err == nil {
		t.Fatal("Load succeeded against an API that answers 500")
	}
	calls := e.w.Calls()
	if len(calls) < 2 || slices.ContainsFunc(calls, func(c helpdesk.Call) bool { return c.Status != http.StatusInternalServerError }) {
		t.Fatalf("calls %+v: want only 500s, retried", calls)
	}
	e.w.SetFaults(helpdesk.Faults{Status429Rate: 1, RetryAfter: time.Second})
	e.w.ResetCalls()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, _ = e.hd.Load(ctx, id)
	if calls := e.w.Calls(); len(calls) == 0 || calls[0].Status != http.StatusTooManyRequests {
		t.Fatalf("calls %+v: want 429", calls)
	}
	e.w.SetFaults(helpdesk.Faults{})
	if c := e.load(id); c.State != handover.StateBot {
		t.Fatalf("after the faults stopped: %s", c.State)
	}
}

// TestLiveAgentTypedChoicesEveryLanguage: the world reads back what render writes, in every
// language of handover's table, and names the keyword of that language.
func TestLiveAgentTypedChoicesEveryLanguage(t *testing.T) {
	human := []handover.Button{{Title: "h", Value: handover.ChoiceRequestHuman}}
	offline := []handover.Button{{Title: "o", Value: handover.ChoiceOffline}, {Title: "c", Value: handover.ChoiceContinue}}
	for _, l := range handover.Languages() {
		tc := typedChoices(render(handover.Outgoing{Text: "Answer.", Buttons: human}, l))
		if !slices.Equal(tc.offers, []string{handover.ChoiceRequestHuman}) || tc.asksEmail ||
			tc.lang.Keywords.Human != l.Keywords.Human {
			t.Errorf("%s human prompt: %+v", l.Code, tc)
		}
		tc = typedChoices(render(handover.Outgoing{Text: l.Texts.NoAgent, Prompt: handover.PromptOffline, Buttons: offline}, l))
		if len(tc.offers) != 2 || !slices.Contains(tc.offers, handover.ChoiceOffline) || !slices.Contains(tc.offers, handover.ChoiceContinue) ||
			tc.lang.Keywords.Offline != l.Keywords.Offline {
			t.Errorf("%s offline prompt: %+v", l.Code, tc)
		}
		if tc = typedChoices(render(handover.Outgoing{Text: l.Texts.AskEmail, Prompt: handover.PromptEmail}, l)); !tc.asksEmail || tc.offers != nil {
			t.Errorf("%s email prompt: %+v", l.Code, tc)
		}
		if tc = typedChoices(l.Texts.AskEmail); !tc.asksEmail {
			t.Errorf("%s AskEmail notice alone: %+v", l.Code, tc)
		}
		if tc = typedChoices("Answer " + l.Keywords.Human + "."); tc.offers != nil || tc.asksEmail {
			t.Errorf("%s plain answer: %+v", l.Code, tc)
		}
	}
	if got := replyTo(noteOffline + "\nReason: x\nReply to: (none given)\n"); got != "" {
		t.Fatalf("replyTo without an address = %q", got)
	}
}

// TestLiveAgentWorldChoosesInTheVisitorsLanguage: a German visitor gets the German sentence,
// and Choose types its keyword.
func TestLiveAgentWorldChoosesInTheVisitorsLanguage(t *testing.T) {
	e := newWorldEnv(t, helpdesk.Deps{})
	de, _ := handover.LanguageByCode("de")
	id, err := e.w.Send(e.ctx(), "lena", "Hallo, ich möchte bitte wissen, wann meine Bestellung kommt.")
	if err != nil {
		t.Fatal(err)
	}
	e.settle()
	e.post(id, handover.Outgoing{Text: "Morgen.", Answer: true,
		Buttons: []handover.Button{{Title: de.Texts.HumanButton, Value: handover.ChoiceRequestHuman}}})
	if b := e.last(id); !strings.HasSuffix(b.Text, de.Instruction(handover.PromptHuman)) || !slices.Equal(b.Offers, []string{handover.ChoiceRequestHuman}) {
		t.Fatalf("bot entry %+v", b)
	}
	if err := e.w.Choose(e.ctx(), id, handover.ChoiceRequestHuman); err != nil {
		t.Fatal(err)
	}
	if v := e.last(id); v.Text != de.Keywords.Human {
		t.Fatalf("the visitor typed %q, want %q", v.Text, de.Keywords.Human)
	}
	if got := e.parsedChoice(id); got != handover.ChoiceRequestHuman {
		t.Fatalf("the adapter reads the typed choice as %q", got)
	}
}

// TestLiveAgentBenchmarkWorldHasNoRateLimit: a load run's world lets the service past
// LiveAgent's 180 requests a minute, on both sides.
func TestLiveAgentBenchmarkWorldHasNoRateLimit(t *testing.T) {
	e := newWorldEnv(t, helpdesk.Deps{})
	if got := e.w.Settings().(*Settings).RateLimit; got != benchmarkRateLimit {
		t.Fatalf("adapter budget %d", got)
	}
	d := e.hd.(handover.Directory)
	for range 200 {
		if _, err := d.Agents(e.ctx()); err != nil {
			t.Fatal(err)
		}
	}
	if calls := e.w.Calls(); len(calls) < 200 || slices.ContainsFunc(calls, func(c helpdesk.Call) bool { return c.Status != http.StatusOK }) {
		t.Fatalf("%d calls, not all 200", len(calls))
	}
}
