package zendesk

// The simulated Zendesk of the conformance kit (world.go) against the adapter, over real HTTP:
// what the adapter writes reads back as State says, and what Choose, GiveEmail and AgentReply do
// reaches the adapter as a visitor's or agent's action would.

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/handover"
)

type worldEnv struct {
	t   *testing.T
	w   helpdesk.World
	a   *Adapter
	rec *hookRecorder
}

// newWorldEnv builds the world with the given button style, serves it, records its webhooks and
// builds the adapter from its settings as the service does.
func newWorldEnv(t *testing.T, buttons string) *worldEnv {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	w, err := Descriptor.Sandbox(helpdesk.SandboxOptions{SimURL: "http://" + srv.Listener.Addr().String(),
		Settings: &Settings{Buttons: buttons}, Benchmark: true, RetryWait: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = w.Handler()
	srv.Start()
	rec := &hookRecorder{}
	hooks := httptest.NewServer(rec)
	t.Cleanup(func() { w.Close(); srv.Close(); hooks.Close() })
	w.Connect(hooks.URL)
	hd, err := Descriptor.New(w.Settings(), helpdesk.Deps{RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return &worldEnv{t: t, w: w, a: hd.(*Adapter), rec: rec}
}

func (e *worldEnv) settle() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.w.WaitIdle(ctx); err != nil {
		e.t.Fatal(err)
	}
}

func (e *worldEnv) load(conv string) *handover.Conversation {
	e.t.Helper()
	c, err := e.a.Load(context.Background(), conv)
	if err != nil {
		e.t.Fatalf("Load: %v", err)
	}
	return c
}

func (e *worldEnv) post(conv string, out handover.Outgoing) {
	e.t.Helper()
	if err := e.a.Post(context.Background(), e.load(conv), out); err != nil {
		e.t.Fatalf("Post: %v", err)
	}
	e.settle()
}

func (e *worldEnv) last(conv string) helpdesk.Entry {
	e.t.Helper()
	st := e.w.State(conv)
	if len(st.Entries) == 0 {
		e.t.Fatal("no entries")
	}
	return st.Entries[len(st.Entries)-1]
}

var offlinePrompt = handover.Outgoing{Text: "Nobody is here. Leave a message?", Prompt: handover.PromptOffline,
	Buttons: []handover.Button{{Title: "Leave a message", Value: handover.ChoiceOffline}, {Title: "Keep chatting", Value: handover.ChoiceContinue}}}

func TestWorldStateAndChoose(t *testing.T) {
	for _, buttons := range []string{ButtonsReply, ButtonsPostback} {
		t.Run(buttons, func(t *testing.T) {
			e := newWorldEnv(t, buttons)
			ctx := context.Background()
			conv, err := e.w.Send(ctx, "v1", "Where is my order?")
			if err != nil {
				t.Fatal(err)
			}
			e.settle()
			if st := e.w.State(conv); len(st.Entries) != 1 || st.Entries[0].Role != helpdesk.RoleVisitor ||
				st.Entries[0].Text != "Where is my order?" || st.WithHuman || st.Offline {
				t.Fatalf("after the visitor's message: %+v", st)
			}

			e.post(conv, handover.Outgoing{Text: "It ships tomorrow.", Answer: true, Prompt: handover.PromptHuman,
				Buttons: []handover.Button{{Title: "Request chat with human agent", Value: handover.ChoiceRequestHuman}}})
			if got := e.last(conv); got.Role != helpdesk.RoleBot || got.Text != "It ships tomorrow." ||
				!slices.Equal(got.Offers, []string{handover.ChoiceRequestHuman}) || got.AsksEmail {
				t.Fatalf("bot answer: %+v", got)
			}
			e.post(conv, offlinePrompt)
			if got := e.last(conv); got.Role != helpdesk.RoleBot || !slices.Equal(got.Offers, []string{handover.ChoiceOffline, handover.ChoiceContinue}) {
				t.Fatalf("offline offer: %+v", got)
			}

			// Only the latest bot message's choices can be made.
			if err := e.w.Choose(ctx, conv, handover.ChoiceRequestHuman); err == nil {
				t.Fatal("Choose of a choice the latest bot message does not offer succeeded")
			}
			mark := e.rec.len()
			if err := e.w.Choose(ctx, conv, handover.ChoiceContinue); err != nil {
				t.Fatal(err)
			}
			e.settle()
			evs := e.rec.events(t, e.a, conv, mark)
			if len(evs) != 1 {
				t.Fatalf("events after the click: %+v", evs)
			}
			snap := e.load(conv)
			bot := snap.Messages[snap.LastBotMessage()]
			switch buttons {
			case ButtonsReply:
				// A quick reply is a user message with the button's title, which the engine
				// matches against the prompt's buttons.
				if evs[0].Kind != handover.EventVisitorMessage {
					t.Fatalf("reply click: %+v", evs[0])
				}
				pending := snap.PendingVisitorMessages()
				if len(pending) != 1 || !slices.Contains(bot.Buttons, handover.Button{Title: pending[0].Text, Value: handover.ChoiceContinue}) {
					t.Fatalf("reply click reads as %+v under buttons %+v", pending, bot.Buttons)
				}
				if got := e.last(conv); got.Role != helpdesk.RoleVisitor || got.Text != "Keep chatting" {
					t.Fatalf("reply click in State: %+v", got)
				}
			case ButtonsPostback:
				if evs[0].Kind != handover.EventChoice || evs[0].Choice != handover.ChoiceContinue || evs[0].MessageID != bot.ID {
					t.Fatalf("postback: %+v (bot message %s)", evs[0], bot.ID)
				}
				if got := e.last(conv); got.Role != helpdesk.RoleBot {
					t.Fatalf("a postback writes no message: %+v", got)
				}
			}
		})
	}
}

func TestWorldEmailOfflineHandoverAndAgent(t *testing.T) {
	e := newWorldEnv(t, "")
	ctx := context.Background()
	conv, err := e.w.Send(ctx, "v2", "hello")
	if err != nil {
		t.Fatal(err)
	}
	e.settle()
	e.post(conv, handover.Outgoing{Text: handover.DefaultTexts().AskEmail, Prompt: handover.PromptEmail})
	if got := e.last(conv); got.Role != helpdesk.RoleBot || !got.AsksEmail || len(got.Offers) != 0 {
		t.Fatalf("email prompt: %+v", got)
	}
	if err := e.w.GiveEmail(ctx, conv, "v2@example.com"); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got := e.last(conv); got.Role != helpdesk.RoleVisitor || got.Text != "v2@example.com" {
		t.Fatalf("email message: %+v", got)
	}

	// The adapter files the offline message as a ticket with an internal comment.
	snap := e.load(conv)
	if err := e.a.LeaveOffline(ctx, snap, handover.Handoff{Reason: handover.ReasonButton, Email: "v2@example.com", Summary: "wants the order"}); err != nil {
		t.Fatal(err)
	}
	st := e.w.State(conv)
	if !st.Offline || st.Email != "v2@example.com" || st.WithHuman {
		t.Fatalf("after LeaveOffline: %+v", st)
	}
	if got := st.Entries[len(st.Entries)-1]; got.Role != helpdesk.RoleNote || got.Text == "" {
		t.Fatalf("offline note: %+v", got)
	}

	// Handover: Agent Workspace gets control.
	if err := e.a.HandToHuman(ctx, e.load(conv), handover.Handoff{Reason: handover.ReasonButton}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if st := e.w.State(conv); !st.WithHuman {
		t.Fatalf("after HandToHuman: %+v", st)
	}

	mark := e.rec.len()
	if err := e.w.AgentReply(ctx, conv, "Hi, Alice here."); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got := e.last(conv); got.Role != helpdesk.RoleAgent || got.Text != "Hi, Alice here." {
		t.Fatalf("agent reply: %+v", got)
	}
	evs := e.rec.events(t, e.a, conv, mark)
	if len(evs) != 1 || evs[0].Kind != handover.EventAgentActivity || evs[0].AgentName != "Alice" {
		t.Fatalf("agent reply events: %+v", evs)
	}
	if snap := e.load(conv); snap.State != handover.StateAgent || snap.AgentName != "Alice" {
		t.Fatalf("adapter after the agent's reply: %s %q", snap.State, snap.AgentName)
	}
}

// An agent's reply on a chat the bot still has: Agent Workspace takes control first.
func TestWorldAgentTakesOver(t *testing.T) {
	e := newWorldEnv(t, "")
	ctx := context.Background()
	conv, _ := e.w.Send(ctx, "v3", "hello")
	e.settle()
	mark := e.rec.len()
	if err := e.w.AgentReply(ctx, conv, "I'll take it from here."); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if st := e.w.State(conv); !st.WithHuman || st.Entries[len(st.Entries)-1].Role != helpdesk.RoleAgent {
		t.Fatalf("after the takeover: %+v", st)
	}
	var kinds []handover.EventKind
	for _, ev := range e.rec.events(t, e.a, conv, mark) {
		kinds = append(kinds, ev.Kind)
	}
	if len(kinds) != 2 || kinds[0] != handover.EventAgentActivity || kinds[1] != handover.EventAgentActivity {
		t.Fatalf("takeover events: %v", kinds)
	}
	if err := e.w.Choose(ctx, conv, handover.ChoiceRequestHuman); err == nil {
		t.Fatal("Choose without a bot message succeeded")
	}
}

func TestWorldAgentsAvailable(t *testing.T) {
	e := newWorldEnv(t, "")
	ctx := context.Background()
	conv := &handover.Conversation{ID: "c1"}
	for _, on := range []bool{false, true, false} {
		e.w.SetAgentsAvailable(on)
		if got, err := e.a.Available(ctx, conv); err != nil || got != on {
			t.Fatalf("SetAgentsAvailable(%v): Available %v, %v", on, got, err)
		}
	}
}

func TestWorldFaults(t *testing.T) {
	e := newWorldEnv(t, "")
	ctx := context.Background()
	conv, _ := e.w.Send(ctx, "v4", "hello")
	e.settle()
	e.w.ResetCalls()
	e.w.SetFaults(helpdesk.Faults{Status500Rate: 1})
	start := time.Now()
	var apiErr *APIError
	if _, err := e.a.Load(ctx, conv); !errors.As(err, &apiErr) || apiErr.Status != 500 {
		t.Fatalf("Load under 500s: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("retries waited %v: helpdesk.Deps.RetryWaitMax not applied", d)
	}
	calls := e.w.Calls()
	if len(calls) != 1+DefaultRetryMax {
		t.Fatalf("calls %+v", calls)
	}
	for _, c := range calls {
		if c.Status != 500 {
			t.Fatalf("call %+v", c)
		}
	}
	e.w.SetFaults(helpdesk.Faults{})
	if _, err := e.a.Load(ctx, conv); err != nil {
		t.Fatalf("Load after the faults: %v", err)
	}
}
