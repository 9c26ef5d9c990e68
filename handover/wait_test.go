package handover

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitHelpdesk is a memHelpdesk where the bot may write in the queue (WaitWatcher) and give a
// queued chat back to the bot (HandBacker).
type waitHelpdesk struct {
	*memHelpdesk
	handedBack int
}

func (w *waitHelpdesk) QueuedConversations(context.Context) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conv.State == StateQueued {
		return []string{w.conv.ID}, nil
	}
	return nil, nil
}

func (w *waitHelpdesk) HandBack(context.Context, *Conversation) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.handedBack++
	w.conv.State = StateBot
	return nil
}

// age makes the bot's latest message look d old.
func (w *waitHelpdesk) age(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := len(w.conv.Messages) - 1; i >= 0; i-- {
		if w.conv.Messages[i].Role == RoleBot {
			w.conv.Messages[i].CreatedAt = time.Now().Add(-d)
			return
		}
	}
}

func newWaitEngine(t *testing.T, hd Helpdesk, timeout time.Duration) *Engine {
	t.Helper()
	e, err := NewEngine(Options{Helpdesk: hd, Bot: &scriptBot{answer: Answer{Text: "Shipping takes 2 days."}}, RequiredAnswers: 3,
		HumanRequestInChat: true, HumanWaitTimeout: timeout,
		Detect:     func(s string) bool { return strings.Contains(strings.ToLower(s), "human please") },
		LLMTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestWaitTimeoutOffersOfflineMessageFromTheQueue(t *testing.T) {
	ctx := context.Background()
	ev := Event{Kind: EventReconcile, ConversationID: "c1"}
	hd := &waitHelpdesk{memHelpdesk: &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true}}
	e := newWaitEngine(t, hd, 10*time.Minute)
	tx := DefaultTexts()

	hd.visitor("My order 1234 never arrived, human please")
	if out, err := e.Handle(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c1"}); out != OutcomeHandover || err != nil {
		t.Fatalf("handover: %q %v", out, err)
	}
	// Within the timeout the reconciler's visit changes nothing.
	hd.age(time.Minute)
	if out, _ := e.Handle(ctx, ev); out != OutcomeNothing || hd.last().Text != tx.Connecting {
		t.Fatalf("early: %q %+v", out, hd.last())
	}
	// A visitor message in the queue is for the agent: the bot does not answer it.
	hd.visitor("Is anyone there? My parcel is lost.")
	if out, _ := e.Handle(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c1"}); out != OutcomeNothing {
		t.Fatalf("queued message: %q", out)
	}
	// Past it: the offline message is offered, once.
	hd.age(11 * time.Minute)
	if out, err := e.Handle(ctx, ev); out != OutcomeWaitOffer || err != nil {
		t.Fatalf("timeout: %q %v", out, err)
	}
	offer := hd.last()
	if offer.Prompt != PromptOffline || offer.Text != tx.WaitTimeout || len(offer.Buttons) != 2 ||
		offer.Buttons[0].Value != ChoiceOffline || offer.Buttons[1].Title != tx.WaitButton || offer.Buttons[1].Value != ChoiceContinue {
		t.Fatalf("offer %+v", offer)
	}
	if out, _ := e.Handle(ctx, ev); out != OutcomeNothing || hd.last().ID != offer.ID {
		t.Fatalf("offered twice: %q %d", out, len(hd.conv.Messages))
	}
	// "Keep waiting" (typed) confirms and starts the wait again.
	hd.visitor("no thanks")
	if out, _ := e.Handle(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c1"}); out != OutcomeKeepWait || hd.last().Text != tx.KeepWaiting {
		t.Fatalf("keep waiting: %q %+v", out, hd.last())
	}
	if out, _ := e.Handle(ctx, ev); out != OutcomeNothing {
		t.Fatalf("after keep waiting: %q", out)
	}
	hd.age(11 * time.Minute)
	if out, _ := e.Handle(ctx, ev); out != OutcomeWaitOffer {
		t.Fatalf("second timeout: %q", out)
	}
	// Yes: the email step, then the offline message from the queue, with its reason.
	hd.visitor("yes please")
	if out, _ := e.Handle(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c1"}); out != OutcomeAskEmail || hd.last().Prompt != PromptEmail {
		t.Fatalf("ask email: %q %+v", out, hd.last())
	}
	hd.visitor("jane@example.com")
	if out, err := e.Handle(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c1"}); out != OutcomeOffline || err != nil {
		t.Fatalf("offline: %q %v", out, err)
	}
	h := hd.offline[0]
	if h.Reason != ReasonWaitTimeout || h.Email != "jane@example.com" || !strings.Contains(h.Message, "parcel is lost") {
		t.Fatalf("handoff %+v", h)
	}
}

func TestWaitTimeoutOffWithoutWatcherOrTimeout(t *testing.T) {
	ctx := context.Background()
	for name, hd := range map[string]Helpdesk{
		"no timeout": &waitHelpdesk{memHelpdesk: &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true}},
		"no watcher": &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true},
	} {
		timeout := 10 * time.Minute
		if name == "no timeout" {
			timeout = 0
		}
		e := newWaitEngine(t, hd, timeout)
		var m *memHelpdesk
		switch h := hd.(type) {
		case *waitHelpdesk:
			m = h.memHelpdesk
		case *memHelpdesk:
			m = h
		}
		m.visitor("human please")
		_, _ = e.Handle(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c1"})
		m.conv.Messages[len(m.conv.Messages)-1].CreatedAt = time.Now().Add(-time.Hour)
		if out, _ := e.Handle(ctx, Event{Kind: EventReconcile, ConversationID: "c1"}); out != OutcomeIgnored || m.last().Prompt != PromptNone {
			t.Fatalf("%s: %q %+v", name, out, m.last())
		}
	}
}

func TestCancelWaitGivesTheChatBackToTheBot(t *testing.T) {
	ctx := context.Background()
	ev := Event{Kind: EventVisitorMessage, ConversationID: "c1"}
	hd := &waitHelpdesk{memHelpdesk: &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true}}
	e := newWaitEngine(t, hd, 0)
	hd.visitor("human please")
	_, _ = e.Handle(ctx, ev)
	// A question to the agent is not a cancel.
	hd.visitor("Never mind the colour, is the blue tent in stock in your Berlin shop right now please?")
	if out, _ := e.Handle(ctx, ev); out != OutcomeIgnored || hd.handedBack != 0 {
		t.Fatalf("long message: %q %d", out, hd.handedBack)
	}
	// A cancel followed by a change of mind keeps the wait.
	hd.visitor("never mind")
	hd.visitor("wait, I still need someone for my invoice")
	if out, _ := e.Handle(ctx, ev); out != OutcomeIgnored || hd.handedBack != 0 {
		t.Fatalf("cancel then not: %q %d", out, hd.handedBack)
	}
	hd.visitor("Gut, vergiss es, der Bot reicht")
	if out, err := e.Handle(ctx, ev); out != OutcomeBackToBot || err != nil || hd.handedBack != 1 || hd.conv.State != StateBot {
		t.Fatalf("cancel: %q %v %d", out, err, hd.handedBack)
	}
	if got := hd.last().Text; got != tx(hd.memHelpdesk).Continue {
		t.Fatalf("the bot's word in the visitor's language: %q", got)
	}
	// The bot answers again.
	hd.visitor("How long does shipping take?")
	if out, _ := e.Handle(ctx, ev); out != OutcomeAnswered {
		t.Fatalf("after the cancel: %q", out)
	}
	// Without HandBacker a cancel is left to the agents.
	m := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true}
	e = newWaitEngine(t, m, 0)
	m.visitor("human please")
	_, _ = e.Handle(ctx, ev)
	m.visitor("never mind")
	if out, _ := e.Handle(ctx, ev); out != OutcomeIgnored || m.conv.State != StateQueued {
		t.Fatalf("no hand back: %q", out)
	}
}

// tx returns the texts of the conversation's visitor language.
func tx(m *memHelpdesk) Texts {
	l, _ := LanguageByCode(visitorLanguageCode(&m.conv))
	return l.Texts
}

func TestIsCancelWait(t *testing.T) {
	for text, want := range map[string]bool{
		"never mind":                   true,
		"Never mind, the bot is fine!": true,
		"ok never mind thanks":         true,
		"No, never mind":               true,
		"nein, vergiss es":             true,
		"laissez tomber":               true,
		"нет, уже не нужно":            true,
		// A request for the agent that uses a cancel word is not a cancel.
		"cancel":                           false,
		"cancel my order please":           false,
		"I want to cancel my subscription": false,
		"quiero cancelar mi pedido":        false,
		"how do I cancel my order?":        false,
		"I found it broken on arrival":     false,
		"I will never mind waiting a bit longer for someone to help me with this": false,
		"is anyone there?": false,
		// "No problem", "doesn't matter": also what a visitor told to wait answers.
		"Dobře, nevadí":       false,
		"D'accord, pas grave": false,
		"ok schon gut":        false,
		"ok no importa":       false,
		"no":                  false,
	} {
		if got := IsCancelWait(text); got != want {
			t.Errorf("IsCancelWait(%q) = %v, want %v", text, got, want)
		}
	}
}

// joiningHelpdesk is a waitHelpdesk where an agent takes the chat while a turn runs: the first
// Load after arm hands the chat to Alice (for later reads) and delivers her event.
type joiningHelpdesk struct {
	*waitHelpdesk
	onLoad func()
}

func (j *joiningHelpdesk) Load(ctx context.Context, id string) (*Conversation, error) {
	c, err := j.memHelpdesk.Load(ctx, id)
	if f := j.onLoad; f != nil {
		j.onLoad = nil
		f()
	}
	return c, err
}

// An agent who takes the chat while the wait offer is being made wins: the offer is not posted
// (the re-read before posting shows the agent) and the visitor is told the agent joined.
func TestWaitOfferYieldsToAnAgentWhoJoinsMeanwhile(t *testing.T) {
	ctx := context.Background()
	hd := &joiningHelpdesk{waitHelpdesk: &waitHelpdesk{memHelpdesk: &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true}}}
	e := newWaitEngine(t, hd, 10*time.Minute)
	hd.visitor("My order never arrived, human please")
	if out, _ := e.Handle(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c1"}); out != OutcomeHandover {
		t.Fatalf("handover: %q", out)
	}
	hd.age(time.Hour)
	var mu sync.Mutex
	var outcomes []string
	lanes := NewLanes(func(ctx context.Context, ev Event) (string, error) {
		out, err := e.Handle(ctx, ev)
		mu.Lock()
		outcomes = append(outcomes, string(ev.Kind)+":"+out)
		mu.Unlock()
		return out, err
	}, LaneOptions{})
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = lanes.Shutdown(sctx)
	})
	hd.onLoad = func() {
		hd.mu.Lock()
		hd.conv.State, hd.conv.AgentName = StateAgent, "Alice"
		hd.mu.Unlock()
		if err := lanes.Submit(Event{Kind: EventAgentActivity, ConversationID: "c1", AgentName: "Alice"}); err != nil {
			t.Error(err)
		}
	}
	if err := lanes.Submit(Event{Kind: EventReconcile, ConversationID: "c1"}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		mu.Lock()
		n := len(outcomes)
		mu.Unlock()
		if n >= 2 && lanes.Active() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("turns: %v", outcomes)
		}
	}
	for _, m := range hd.conv.Messages {
		if m.Text == DefaultTexts().WaitTimeout {
			t.Fatalf("the offer was posted over the agent: %v", outcomes)
		}
	}
	if got := hd.last().Text; got != "Alice joined the chat." {
		t.Fatalf("last message %q, outcomes %v", got, outcomes)
	}
	if outcomes[0] != "reconcile:"+OutcomeSuperseded {
		t.Fatalf("outcomes %v", outcomes)
	}
}

// On a chat without buttons the offer says to type the continue keyword ("bot") to keep chatting
// with the bot: typed in the queue, it gives the chat back to the bot; "no thanks" keeps waiting.
func TestWaitOfferTypedBotKeywordGoesBackToTheBot(t *testing.T) {
	ctx := context.Background()
	ev := Event{Kind: EventVisitorMessage, ConversationID: "c1"}
	hd := &waitHelpdesk{memHelpdesk: &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true}}
	e := newWaitEngine(t, hd, 10*time.Minute)
	hd.visitor("human please")
	_, _ = e.Handle(ctx, ev)
	hd.age(time.Hour)
	if out, _ := e.Handle(ctx, Event{Kind: EventReconcile, ConversationID: "c1"}); out != OutcomeWaitOffer {
		t.Fatalf("offer: %q", out)
	}
	hd.visitor("bot")
	if out, err := e.Handle(ctx, ev); out != OutcomeBackToBot || err != nil || hd.handedBack != 1 {
		t.Fatalf("typed keyword: %q %v %d", out, err, hd.handedBack)
	}
	// Without HandBacker the keyword keeps the wait.
	m := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true}
	w := &watchOnly{memHelpdesk: m}
	e = newWaitEngine(t, w, 10*time.Minute)
	m.visitor("human please")
	_, _ = e.Handle(ctx, ev)
	m.conv.Messages[len(m.conv.Messages)-1].CreatedAt = time.Now().Add(-time.Hour)
	if out, _ := e.Handle(ctx, Event{Kind: EventReconcile, ConversationID: "c1"}); out != OutcomeWaitOffer {
		t.Fatalf("offer: %q", out)
	}
	m.visitor("bot")
	if out, _ := e.Handle(ctx, ev); out != OutcomeKeepWait {
		t.Fatalf("keyword without hand-back: %q", out)
	}
}

// watchOnly is a memHelpdesk that lists waiting chats but cannot give one back.
type watchOnly struct{ *memHelpdesk }

func (w *watchOnly) QueuedConversations(context.Context) ([]string, error) { return nil, nil }
