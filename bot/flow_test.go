package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/handover-dev/handover/handover"
)

// memDesk is a helpdesk in memory with one conversation, for running the
// engine's turns on the offline bot as the sandbox does.
type memDesk struct {
	mu        sync.Mutex
	conv      handover.Conversation
	available bool
	handoffs  []handover.Handoff
}

func (d *memDesk) Load(_ context.Context, id string) (*handover.Conversation, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if id != d.conv.ID {
		return nil, handover.ErrNotFound
	}
	c := d.conv
	c.Messages = slices.Clone(d.conv.Messages)
	return &c, nil
}

func (d *memDesk) add(m handover.Message) handover.Message {
	m.ID = fmt.Sprint(len(d.conv.Messages) + 1)
	d.conv.Messages = append(d.conv.Messages, m)
	return m
}

func (d *memDesk) Post(_ context.Context, _ *handover.Conversation, out handover.Outgoing) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.add(handover.Message{Role: handover.RoleBot, Author: "Acme bot", Text: out.Text, Prompt: out.Prompt, Buttons: out.Buttons})
	if out.Answer {
		d.conv.BotAnswers++
	}
	return nil
}

func (d *memDesk) Available(context.Context, *handover.Conversation) (bool, error) {
	return d.available, nil
}

func (d *memDesk) HandToHuman(_ context.Context, _ *handover.Conversation, h handover.Handoff) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.handoffs = append(d.handoffs, h)
	d.conv.State = handover.StateQueued
	return nil
}

func (d *memDesk) LeaveOffline(_ context.Context, _ *handover.Conversation, h handover.Handoff) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.handoffs = append(d.handoffs, h)
	d.conv.State = handover.StateOffline
	return nil
}

func (d *memDesk) MarkAgentJoined(context.Context, *handover.Conversation, string) error { return nil }

// sandbox runs the engine on the offline bot with the sample knowledge.
type sandbox struct {
	t    *testing.T
	desk *memDesk
	e    *handover.Engine
}

func newSandbox(t *testing.T, available bool) *sandbox {
	t.Helper()
	a, err := New(Config{Knowledge: SampleKnowledge(), BotName: "Acme bot"})
	if err != nil {
		t.Fatal(err)
	}
	d := &memDesk{conv: handover.Conversation{ID: "c1", State: handover.StateBot}, available: available}
	e, err := handover.NewEngine(handover.Options{Helpdesk: d, Bot: a, Detect: IsHumanRequest, RequiredAnswers: 1, HumanRequestInChat: true})
	if err != nil {
		t.Fatal(err)
	}
	return &sandbox{t: t, desk: d, e: e}
}

// say posts a visitor message and runs its turn; it returns the bot's reply.
func (s *sandbox) say(text string) handover.Message {
	s.t.Helper()
	s.desk.mu.Lock()
	m := s.desk.add(handover.Message{Role: handover.RoleVisitor, Author: "Vera", Text: text})
	s.desk.mu.Unlock()
	return s.run(handover.Event{Kind: handover.EventVisitorMessage, ConversationID: "c1", MessageID: m.ID})
}

// click presses the button of value on the bot's last message.
func (s *sandbox) click(value string) handover.Message {
	s.t.Helper()
	s.desk.mu.Lock()
	last := &s.desk.conv.Messages[len(s.desk.conv.Messages)-1]
	if !slices.ContainsFunc(last.Buttons, func(b handover.Button) bool { return b.Value == value }) {
		s.t.Fatalf("no button %q on %+v", value, *last)
	}
	last.Choice = value
	id := last.ID
	s.desk.mu.Unlock()
	return s.run(handover.Event{Kind: handover.EventChoice, ConversationID: "c1", MessageID: id, Choice: value})
}

func (s *sandbox) run(ev handover.Event) handover.Message {
	s.t.Helper()
	if _, err := s.e.Handle(s.t.Context(), ev); err != nil {
		s.t.Fatalf("turn: %v", err)
	}
	s.desk.mu.Lock()
	defer s.desk.mu.Unlock()
	last := s.desk.conv.Messages[len(s.desk.conv.Messages)-1]
	if last.Role != handover.RoleBot {
		s.t.Fatalf("no bot reply to %+v", ev)
	}
	return last
}

// TestSandboxFlowInTheVisitorsLanguage is the first ten minutes of the
// issue, in German and French: every line the visitor sees, the offline
// bot's and the engine's, is in the visitor's language, and the agent's
// note describes the question, not the email exchange.
func TestSandboxFlowInTheVisitorsLanguage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		code, unknown, email string
	}{
		{"de", "Kann ich bei Ihnen ein Kajak für das Wochenende mieten?", "Meine E-Mail ist jane@example.com"},
		{"fr", "Est-ce que je peux louer un kayak pour le week-end ?", "Mon adresse est jane@example.com"},
	} {
		t.Run(c.code, func(t *testing.T) {
			t.Parallel()
			l, _ := handover.LanguageByCode(c.code)
			tx := offlineLanguages[c.code]
			s := newSandbox(t, false)

			ans := s.say(c.unknown)
			if !strings.HasPrefix(ans.Text, tx.DontKnow) || len(ans.Buttons) != 1 || ans.Buttons[0].Title != l.Texts.HumanButton {
				t.Fatalf("answer %q with buttons %+v: want %q and the button %q", ans.Text, ans.Buttons, tx.DontKnow, l.Texts.HumanButton)
			}
			if !strings.Contains(ans.Text, l.Keywords.Human) {
				t.Errorf("answer %q does not offer a person by the keyword %q", ans.Text, l.Keywords.Human)
			}
			if noAgent := s.click(handover.ChoiceRequestHuman); noAgent.Text != l.Texts.NoAgent || noAgent.Buttons[0].Title != l.Texts.OfflineButton {
				t.Fatalf("no-agent notice %+v", noAgent)
			}
			if ask := s.click(handover.ChoiceOffline); ask.Text != l.Texts.AskEmail {
				t.Fatalf("email prompt %+v", ask)
			}
			if done := s.say(c.email); done.Text != fmt.Sprintf(l.Texts.OfflineReceived, "jane@example.com") {
				t.Fatalf("confirmation %+v", done)
			}
			if len(s.desk.handoffs) != 1 {
				t.Fatalf("handoffs %+v", s.desk.handoffs)
			}
			h := s.desk.handoffs[0]
			want := "Visitor wants: " + c.unknown + "\nBot answered: it did not know the answer\nOpen: unanswered: " + c.unknown
			if h.Summary != want || h.Email != "jane@example.com" {
				t.Errorf("note summary:\n%s\nwant:\n%s", h.Summary, want)
			}
		})
	}

	// A question the bot answers from the English knowledge, then a person.
	s := newSandbox(t, true)
	ans := s.say("Wie lange dauert der Versand nach Kanada?")
	de, _ := handover.LanguageByCode("de")
	if !strings.Contains(ans.Text, "„International shipping“ (nicht übersetzt): We deliver to Canada") || ans.Buttons[0].Title != de.Texts.HumanButton {
		t.Fatalf("answer %+v", ans)
	}
	if done := s.say("Mitarbeiter"); done.Text != de.Texts.Connecting {
		t.Fatalf("handover notice %+v", done)
	}
	h := s.desk.handoffs[0]
	if !strings.HasPrefix(h.Summary, "Visitor wants: Wie lange dauert der Versand nach Kanada?\nBot answered: Dazu steht auf unserer Hilfeseite") ||
		!strings.HasSuffix(h.Summary, "\nOpen: nothing pending") {
		t.Errorf("note summary:\n%s", h.Summary)
	}
}
