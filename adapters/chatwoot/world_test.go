package chatwoot

// The simulated Chatwoot's World (world.go) over real HTTP: the adapter built from its settings
// writes, the world reads; the world acts as a visitor or an agent, and the webhooks the
// simulator then sends parse into what the engine acts on.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/handover"
)

type worldEnv struct {
	w   *world
	a   helpdesk.Adapter
	rec *hookRecorder
}

func newWorldEnv(t *testing.T) *worldEnv {
	t.Helper()
	api := httptest.NewUnstartedServer(nil) // its address is known before it serves
	rec := &hookRecorder{}
	hooks := httptest.NewServer(rec)
	hw, err := Descriptor.Sandbox(helpdesk.SandboxOptions{SimURL: "http://" + api.Listener.Addr().String(), RetryWait: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	api.Config.Handler = hw.Handler()
	api.Start()
	t.Cleanup(func() {
		hw.Close()
		api.Close()
		hooks.Close()
	})
	hw.Connect(hooks.URL)
	// RetryWaitMax keeps the adapter's retries of a failing API short.
	a, err := Descriptor.New(hw.Settings(), helpdesk.Deps{RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return &worldEnv{w: hw.(*world), a: a, rec: rec}
}

func (e *worldEnv) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := e.w.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

func (e *worldEnv) load(t *testing.T, conv string) *handover.Conversation {
	t.Helper()
	c, err := e.a.Load(t.Context(), conv)
	if err != nil {
		t.Fatalf("Load(%s): %v", conv, err)
	}
	return c
}

// events are the events parsed from every webhook delivered so far for conv, verified as the
// service verifies them.
func (e *worldEnv) events(t *testing.T, conv string) []handover.Event {
	t.Helper()
	e.idle(t)
	var out []handover.Event
	for _, h := range e.rec.all() {
		if err := e.a.Authenticate(h.Header, pathSecretOf(h.Path), h.Body, time.Now()); err != nil {
			t.Fatalf("delivery does not authenticate: %v", err)
		}
		evs, err := e.a.Parse(h.Body)
		if err != nil {
			t.Fatalf("Parse(%s): %v", h.Body, err)
		}
		for _, ev := range evs {
			if ev.ConversationID == conv {
				out = append(out, ev)
			}
		}
	}
	return out
}

func lastEntry(t *testing.T, st helpdesk.State) helpdesk.Entry {
	t.Helper()
	if len(st.Entries) == 0 {
		t.Fatal("no entries")
	}
	return st.Entries[len(st.Entries)-1]
}

func TestWorldStateChooseAndEmail(t *testing.T) {
	t.Parallel()
	e := newWorldEnv(t)
	ctx := t.Context()
	tx := handover.DefaultTexts()

	conv, err := e.w.Send(ctx, "quiet-sun-42", "Where is my order?")
	if err != nil {
		t.Fatal(err)
	}
	st := e.w.State(conv)
	if len(st.Entries) != 1 || st.Entries[0].Role != helpdesk.RoleVisitor || st.Entries[0].Text != "Where is my order?" {
		t.Fatalf("after the visitor's message: %+v", st.Entries)
	}
	if st.WithHuman || st.Offline || st.Email != "" {
		t.Fatalf("new conversation: %+v", st)
	}
	if _, ok := findEvent(e.events(t, conv), handover.EventVisitorMessage, nil); !ok {
		t.Fatal("no visitor-message event")
	}

	// A plain answer offers nothing; Choose then fails.
	c := e.load(t, conv)
	if err := e.a.Post(ctx, c, handover.Outgoing{Text: "It ships tomorrow.", Answer: true}); err != nil {
		t.Fatal(err)
	}
	if last := lastEntry(t, e.w.State(conv)); last.Role != helpdesk.RoleBot || last.Text != "It ships tomorrow." || last.Offers != nil || last.AsksEmail {
		t.Fatalf("plain answer: %+v", last)
	}
	if err := e.w.Choose(ctx, conv, handover.ChoiceRequestHuman); err == nil {
		t.Fatal("Choose on a message without buttons succeeded")
	}

	// The human button: offered, clicked, parsed as that choice.
	out := handover.Outgoing{Text: "Anything else?", Answer: true, Prompt: handover.PromptHuman,
		Buttons: []handover.Button{{Title: tx.HumanButton, Value: handover.ChoiceRequestHuman}}}
	if err := e.a.Post(ctx, c, out); err != nil {
		t.Fatal(err)
	}
	last := lastEntry(t, e.w.State(conv))
	if last.Role != helpdesk.RoleBot || last.Text != "Anything else?" || !slices.Equal(last.Offers, []string{handover.ChoiceRequestHuman}) {
		t.Fatalf("human offer: %+v", last)
	}
	if err := e.w.Choose(ctx, conv, handover.ChoiceOffline); err == nil {
		t.Fatal("Choose of a choice not offered succeeded")
	}
	if err := e.w.Choose(ctx, conv, handover.ChoiceRequestHuman); err != nil {
		t.Fatal(err)
	}
	ev, ok := findEvent(e.events(t, conv), handover.EventChoice, nil)
	if !ok || ev.Choice != handover.ChoiceRequestHuman {
		t.Fatalf("click event = %+v (found %v)", ev, ok)
	}
	if c = e.load(t, conv); c.Messages[len(c.Messages)-1].Choice != handover.ChoiceRequestHuman {
		t.Fatalf("the adapter reads the click as %q", c.Messages[len(c.Messages)-1].Choice)
	}
	if err := e.w.Choose(ctx, conv, handover.ChoiceRequestHuman); err == nil {
		t.Fatal("a second click on answered buttons succeeded")
	}

	// The offline offer: two buttons in order; "continue" clicked.
	out = handover.Outgoing{Text: tx.NoAgent, Prompt: handover.PromptOffline, Buttons: []handover.Button{
		{Title: tx.OfflineButton, Value: handover.ChoiceOffline}, {Title: tx.ContinueButton, Value: handover.ChoiceContinue}}}
	if err := e.a.Post(ctx, c, out); err != nil {
		t.Fatal(err)
	}
	if last := lastEntry(t, e.w.State(conv)); !slices.Equal(last.Offers, []string{handover.ChoiceOffline, handover.ChoiceContinue}) {
		t.Fatalf("offline offer: %+v", last)
	}
	if err := e.w.Choose(ctx, conv, handover.ChoiceContinue); err != nil {
		t.Fatal(err)
	}
	if _, ok := findEvent(e.events(t, conv), handover.EventChoice, func(ev handover.Event) bool {
		return ev.Choice == handover.ChoiceContinue
	}); !ok {
		t.Fatal("no continue click event")
	}

	// The email prompt: the widget's form.
	if err := e.a.Post(ctx, c, handover.Outgoing{Text: tx.AskEmail, Prompt: handover.PromptEmail}); err != nil {
		t.Fatal(err)
	}
	if last := lastEntry(t, e.w.State(conv)); !last.AsksEmail || last.Role != helpdesk.RoleBot || last.Offers != nil {
		t.Fatalf("email prompt: %+v", last)
	}
	if err := e.w.GiveEmail(ctx, conv, "sun@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, ok := findEvent(e.events(t, conv), handover.EventChoice, func(ev handover.Event) bool {
		return ev.Email == "sun@example.com"
	}); !ok {
		t.Fatal("no email event")
	}
	if st := e.w.State(conv); st.Email != "sun@example.com" {
		t.Fatalf("email = %q", st.Email)
	}
	// No form open: the address is typed.
	if err := e.w.GiveEmail(ctx, conv, "moon@example.com"); err != nil {
		t.Fatal(err)
	}
	if last := lastEntry(t, e.w.State(conv)); last.Role != helpdesk.RoleVisitor || last.Text != "moon@example.com" {
		t.Fatalf("typed email: %+v", last)
	}
	if len(e.w.Transcript(conv)) != len(e.w.State(conv).Entries) {
		t.Fatal("Transcript and State disagree")
	}
}

func TestWorldHandoverOfflineAndAgents(t *testing.T) {
	t.Parallel()
	e := newWorldEnv(t)
	ctx := t.Context()

	// A handover to the team: the bot's note, team Support, open.
	conv, err := e.w.Send(ctx, "calm-lake-7", "I want a person")
	if err != nil {
		t.Fatal(err)
	}
	c := e.load(t, conv)
	if ok, err := e.a.Available(ctx, c); err != nil || !ok {
		t.Fatalf("Available = %v, %v with Alice online", ok, err)
	}
	if err := e.a.HandToHuman(ctx, c, handover.Handoff{Reason: handover.ReasonButton, Summary: "Wants a person."}); err != nil {
		t.Fatal(err)
	}
	st := e.w.State(conv)
	if !st.WithHuman || st.Offline {
		t.Fatalf("after HandToHuman: with human %v, offline %v", st.WithHuman, st.Offline)
	}
	if !slices.ContainsFunc(st.Entries, func(en helpdesk.Entry) bool { return en.Role == helpdesk.RoleNote }) {
		t.Fatalf("no note among %+v", st.Entries)
	}
	if err := e.w.AgentReply(ctx, conv, "Hi, Alice here."); err != nil {
		t.Fatal(err)
	}
	if last := lastEntry(t, e.w.State(conv)); last.Role != helpdesk.RoleAgent || last.Text != "Hi, Alice here." {
		t.Fatalf("agent reply: %+v", last)
	}
	if ev, ok := findEvent(e.events(t, conv), handover.EventAgentActivity, nil); !ok || ev.AgentName != "Alice" {
		t.Fatalf("agent activity = %+v (found %v)", ev, ok)
	}

	// Nobody available: the adapter's check says so, and an offline message is filed.
	e.w.SetAgentsAvailable(false)
	conv2, err := e.w.Send(ctx, "red-fox-9", "Hello?")
	if err != nil {
		t.Fatal(err)
	}
	c2 := e.load(t, conv2)
	if ok, err := e.a.Available(ctx, c2); err != nil || ok {
		t.Fatalf("Available = %v, %v with every agent away", ok, err)
	}
	if st := e.w.State(conv2); st.WithHuman || st.Offline {
		t.Fatalf("before the offline message: %+v", st)
	}
	if err := e.a.LeaveOffline(ctx, c2, handover.Handoff{Reason: handover.ReasonButton, Email: "fox@example.com"}); err != nil {
		t.Fatal(err)
	}
	if st := e.w.State(conv2); !st.Offline || st.WithHuman {
		t.Fatalf("after LeaveOffline: with human %v, offline %v", st.WithHuman, st.Offline)
	}
	e.w.SetAgentsAvailable(true)
	if ok, err := e.a.Available(ctx, c2); err != nil || !ok {
		t.Fatalf("Available = %v, %v with every agent back", ok, err)
	}
}

func TestWorldFaults(t *testing.T) {
	t.Parallel()
	e := newWorldEnv(t)
	ctx := t.Context()
	conv, err := e.w.Send(ctx, "dry-leaf-3", "Hi")
	if err != nil {
		t.Fatal(err)
	}
	e.w.SetFaults(helpdesk.Faults{Status500Rate: 1})
	e.w.ResetCalls()
	if _, err := e.a.Load(ctx, conv); err == nil {
		t.Fatal("Load succeeded against an API answering 500")
	}
	calls := e.w.Calls()
	if len(calls) == 0 || !slices.ContainsFunc(calls, func(c helpdesk.Call) bool { return c.Status == http.StatusInternalServerError }) {
		t.Fatalf("calls = %+v", calls)
	}
	e.w.SetFaults(helpdesk.Faults{Status429Rate: 1})
	if _, err := e.a.Load(ctx, conv); err == nil {
		t.Fatal("Load succeeded against an API answering 429")
	}
	e.w.SetFaults(helpdesk.Faults{})
	if _, err := e.a.Load(ctx, conv); err != nil {
		t.Fatalf("Load after the faults stopped: %v", err)
	}
}

// TestWorldOffersAreValues: an offer is a button whose value is a choice value, the value a click
// submits and Parse reads; a button Post wrote without a value (its title becomes the value)
// offers no choice, whatever its title says.
func TestWorldOffersAreValues(t *testing.T) {
	t.Parallel()
	e := newWorldEnv(t)
	ctx := t.Context()
	conv, err := e.w.Send(ctx, "tall-tree-5", "Hallo")
	if err != nil {
		t.Fatal(err)
	}
	tx := handover.DefaultTexts()
	out := handover.Outgoing{Text: "…", Buttons: []handover.Button{{Title: tx.HumanButton}, {Title: "Keep chatting", Value: handover.ChoiceContinue}}}
	if err := e.a.Post(ctx, e.load(t, conv), out); err != nil {
		t.Fatal(err)
	}
	if last := lastEntry(t, e.w.State(conv)); !slices.Equal(last.Offers, []string{handover.ChoiceContinue}) {
		t.Fatalf("offers = %v", last.Offers)
	}
	if err := e.w.Choose(ctx, conv, handover.ChoiceRequestHuman); err == nil {
		t.Fatal("Choose of a button without the choice value succeeded")
	}
}
