package handover

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// memHelpdesk is an in-memory Helpdesk for the engine's unit tests. The
// adapters' contract tests run the real thing over HTTP.
type memHelpdesk struct {
	mu        sync.Mutex
	conv      Conversation
	available bool
	availErr  error
	handoffs  []Handoff
	offline   []Handoff
	joined    []string
	seq       int
}

func (m *memHelpdesk) Load(_ context.Context, id string) (*Conversation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id != m.conv.ID {
		return nil, ErrNotFound
	}
	c := m.conv
	c.Messages = append([]Message(nil), m.conv.Messages...)
	return &c, nil
}

func (m *memHelpdesk) add(msg Message) string {
	m.seq++
	msg.ID = fmt.Sprint(m.seq)
	m.conv.Messages = append(m.conv.Messages, msg)
	return msg.ID
}

func (m *memHelpdesk) visitor(text string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.add(Message{Role: RoleVisitor, Text: text})
}

func (m *memHelpdesk) Post(_ context.Context, _ *Conversation, out Outgoing) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.add(Message{Role: RoleBot, Text: out.Text, Prompt: out.Prompt, Buttons: out.Buttons})
	if out.Answer {
		m.conv.BotAnswers++
	}
	return nil
}

func (m *memHelpdesk) Available(context.Context, *Conversation) (bool, error) {
	return m.available, m.availErr
}

func (m *memHelpdesk) HandToHuman(_ context.Context, _ *Conversation, h Handoff) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handoffs = append(m.handoffs, h)
	m.conv.State = StateQueued
	return nil
}

func (m *memHelpdesk) LeaveOffline(_ context.Context, _ *Conversation, h Handoff) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.offline = append(m.offline, h)
	m.conv.State = StateOffline
	return nil
}

func (m *memHelpdesk) MarkAgentJoined(_ context.Context, _ *Conversation, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.joined = append(m.joined, name)
	m.conv.JoinAnnounced = true
	return nil
}

func (m *memHelpdesk) last() Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.conv.Messages[len(m.conv.Messages)-1]
}

type scriptBot struct {
	answer Answer
	err    error
	delay  time.Duration
	calls  int
}

func (b *scriptBot) Answer(ctx context.Context, _ Turn) (Answer, error) {
	b.calls++
	if b.delay > 0 {
		select {
		case <-time.After(b.delay):
		case <-ctx.Done():
			return Answer{}, ctx.Err()
		}
	}
	return b.answer, b.err
}

func (b *scriptBot) Summarize(context.Context, *Conversation) (string, error) {
	return "", errors.New("no summary")
}

func newTestEngine(t *testing.T, hd *memHelpdesk, bot *scriptBot, required int) *Engine {
	t.Helper()
	e, err := NewEngine(Options{Helpdesk: hd, Bot: bot, RequiredAnswers: required, HumanRequestInChat: true,
		Detect:     func(s string) bool { return strings.Contains(strings.ToLower(s), "human please") },
		LLMTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestButtonAppearsAfterRequiredAnswers(t *testing.T) {
	hd := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}}
	bot := &scriptBot{answer: Answer{Text: "Shipping takes 2 days."}}
	e := newTestEngine(t, hd, bot, 2)
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		hd.visitor(fmt.Sprintf("question %d", i))
		if out, err := e.Handle(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c1"}); err != nil || out != OutcomeAnswered {
			t.Fatalf("turn %d: %q %v", i, out, err)
		}
		got := hd.last()
		wantButton := i >= 2
		if (got.Prompt == PromptHuman) != wantButton {
			t.Fatalf("answer %d: prompt %q, want button %v", i, got.Prompt, wantButton)
		}
	}
	// A repeated event finds nothing pending and posts nothing.
	n := len(hd.conv.Messages)
	if out, _ := e.Handle(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c1"}); out != OutcomeNothing {
		t.Fatalf("repeat: %q", out)
	}
	if len(hd.conv.Messages) != n || bot.calls != 3 {
		t.Fatalf("repeat posted or called the bot: %d msgs, %d calls", len(hd.conv.Messages), bot.calls)
	}
}

func TestClickHandsOverWhenAgentAvailable(t *testing.T) {
	hd := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true}
	hd.visitor("hi")
	id := hd.add(Message{Role: RoleBot, Text: "hello", Prompt: PromptHuman, Buttons: []Button{{"Request chat with human agent", ChoiceRequestHuman}}, Choice: ChoiceRequestHuman})
	e := newTestEngine(t, hd, &scriptBot{}, 0)
	out, err := e.Handle(context.Background(), Event{Kind: EventChoice, ConversationID: "c1", MessageID: id, Choice: ChoiceRequestHuman})
	if err != nil || out != OutcomeHandover {
		t.Fatalf("got %q %v", out, err)
	}
	if len(hd.handoffs) != 1 || hd.handoffs[0].Reason != ReasonButton || !strings.Contains(hd.handoffs[0].Summary, "hi") {
		t.Fatalf("handoffs %+v", hd.handoffs)
	}
	// The click delivered again: the conversation is queued now, nothing happens.
	out, _ = e.Handle(context.Background(), Event{Kind: EventChoice, ConversationID: "c1", MessageID: id, Choice: ChoiceRequestHuman})
	if out != OutcomeIgnored || len(hd.handoffs) != 1 {
		t.Fatalf("second click: %q, %d handoffs", out, len(hd.handoffs))
	}
}

func TestNoAgentOfflinePathAsksEmailThenFiles(t *testing.T) {
	hd := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}}
	hd.visitor("can I get a human please")
	e := newTestEngine(t, hd, &scriptBot{}, 3)
	ctx := context.Background()
	if out, _ := e.Handle(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c1"}); out != OutcomeNoAgent {
		t.Fatalf("got %q", out)
	}
	offer := hd.last()
	if offer.Prompt != PromptOffline || offer.Buttons[0].Value != ChoiceOffline {
		t.Fatalf("offer %+v", offer)
	}
	// A text channel answers with the button title.
	hd.visitor("stop chatbot and leave offline message")
	if out, _ := e.Handle(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c1"}); out != OutcomeAskEmail {
		t.Fatalf("got %q", out)
	}
	hd.visitor("sure, it's jane@example.com")
	if out, _ := e.Handle(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c1"}); out != OutcomeOffline {
		t.Fatalf("got %q", out)
	}
	if len(hd.offline) != 1 || hd.offline[0].Email != "jane@example.com" || !strings.Contains(hd.offline[0].Transcript, "human please") {
		t.Fatalf("offline %+v", hd.offline)
	}
	if !strings.Contains(hd.last().Text, "jane@example.com") {
		t.Fatalf("visitor not told: %q", hd.last().Text)
	}
}

func TestBotErrorAndTimeoutFailSafe(t *testing.T) {
	for name, bot := range map[string]*scriptBot{
		"error":   {err: errors.New("500 from provider")},
		"timeout": {answer: Answer{Text: "late"}, delay: time.Second},
		"empty":   {answer: Answer{Text: "  "}},
	} {
		t.Run(name, func(t *testing.T) {
			hd := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true}
			hd.visitor("where is my order?")
			e := newTestEngine(t, hd, bot, 3)
			out, err := e.Handle(context.Background(), Event{Kind: EventVisitorMessage, ConversationID: "c1"})
			if err != nil || out != OutcomeHandover {
				t.Fatalf("got %q %v", out, err)
			}
			if hd.handoffs[0].Reason != ReasonBotError {
				t.Fatalf("reason %q", hd.handoffs[0].Reason)
			}
			if !strings.HasPrefix(hd.last().Text, "Sorry") {
				t.Fatalf("no apology: %q", hd.last().Text)
			}
		})
	}
}

func TestAgentTakeoverAnnouncedOnceAndBotSilent(t *testing.T) {
	hd := &memHelpdesk{conv: Conversation{ID: "c1", State: StateAgent, AgentName: "Alice"}}
	hd.visitor("hello?")
	bot := &scriptBot{answer: Answer{Text: "x"}}
	e := newTestEngine(t, hd, bot, 3)
	ctx := context.Background()
	if out, _ := e.Handle(ctx, Event{Kind: EventAgentActivity, ConversationID: "c1"}); out != OutcomeJoined {
		t.Fatalf("got %q", out)
	}
	if hd.last().Text != "Alice joined the chat." {
		t.Fatalf("announcement %q", hd.last().Text)
	}
	hd.visitor("thanks Alice")
	for i := 0; i < 2; i++ {
		if out, _ := e.Handle(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c1"}); out != OutcomeIgnored {
			t.Fatalf("after takeover: %q", out)
		}
	}
	if bot.calls != 0 || len(hd.joined) != 1 {
		t.Fatalf("bot calls %d, joined %v", bot.calls, hd.joined)
	}
}

func TestHumanRequestDisabledGoesToBot(t *testing.T) {
	hd := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true}
	hd.visitor("human please")
	bot := &scriptBot{answer: Answer{Text: "Use the button below.", HumanRequested: true}}
	e, _ := NewEngine(Options{Helpdesk: hd, Bot: bot, RequiredAnswers: 3, HumanRequestInChat: false,
		Detect: func(string) bool { return true }})
	out, err := e.Handle(context.Background(), Event{Kind: EventVisitorMessage, ConversationID: "c1"})
	if err != nil || out != OutcomeAnswered || len(hd.handoffs) != 0 {
		t.Fatalf("got %q %v handoffs=%d", out, err, len(hd.handoffs))
	}
}

func TestLanesSerialiseAndCoalesce(t *testing.T) {
	var mu sync.Mutex
	running := map[string]int{}
	maxPer := 0
	calls := 0
	release := make(chan struct{})
	run := func(ctx context.Context, ev Event) (string, error) {
		mu.Lock()
		running[ev.ConversationID]++
		if running[ev.ConversationID] > maxPer {
			maxPer = running[ev.ConversationID]
		}
		calls++
		mu.Unlock()
		<-release
		mu.Lock()
		running[ev.ConversationID]--
		mu.Unlock()
		return OutcomeAnswered, nil
	}
	l := NewLanes(run, LaneOptions{MaxConcurrent: 1, MaxQueued: 3})
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "a"}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		mu.Lock()
		r := running["a"]
		mu.Unlock()
		if r == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("first turn never started")
		}
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < 4; i++ {
		if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	// One running plus one coalesced queued event for "a".
	if q := l.Queued(); q != 1 {
		t.Fatalf("queued %d, want 1", q)
	}
	_ = l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "b"})
	_ = l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "c"})
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "d"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("want ErrBusy, got %v", err)
	}
	close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if maxPer != 1 || calls != 4 {
		t.Fatalf("max per conversation %d, calls %d", maxPer, calls)
	}
	if err := l.Submit(Event{ConversationID: "a"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after shutdown: %v", err)
	}
}

func TestMemoryDeduper(t *testing.T) {
	d := NewMemoryDeduper(2, time.Minute)
	if !d.FirstSeen("a") || d.FirstSeen("a") {
		t.Fatal("a")
	}
	d.FirstSeen("b")
	d.FirstSeen("c") // evicts a
	if !d.FirstSeen("a") {
		t.Fatal("a should have been evicted")
	}
}

func TestMatchButtonToleratesPunctuationAndCase(t *testing.T) {
	bs := []Button{{Title: "Yes", Value: ChoiceOffline}, {Title: "No", Value: ChoiceContinue}}
	for in, want := range map[string]string{"yes": ChoiceOffline, " Yes! ": ChoiceOffline, "no.": ChoiceContinue, "YES?!": ChoiceOffline, "yes please": "", "": ""} {
		if got := matchButton(bs, in); got != want {
			t.Errorf("%q: got %q want %q", in, got, want)
		}
	}
}

// A webhook arriving while a reconcile event waits in the lane must not be
// swallowed by it: the reconcile event waits out its grace period.
func TestLanesWebhookUpgradesQueuedReconcile(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var got []Event
	run := func(ctx context.Context, ev Event) (string, error) {
		mu.Lock()
		got = append(got, ev)
		first := len(got) == 1
		mu.Unlock()
		if first {
			<-release
		}
		return OutcomeNothing, nil
	}
	l := NewLanes(run, LaneOptions{MaxConcurrent: 1})
	_ = l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "a"})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("first turn never started")
		}
	}
	_ = l.Submit(Event{Kind: EventReconcile, ConversationID: "a", MinAge: time.Minute})
	_ = l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "a"})
	_ = l.Submit(Event{Kind: EventReconcile, ConversationID: "a", MinAge: time.Minute})
	close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Kind != EventVisitorMessage || got[1].MinAge != 0 {
		t.Fatalf("turns %+v, want the webhook event to run without grace", got)
	}
}

// An answer the bot could not give (Answer.Unknown) offers a person at once,
// whatever the answer count; taking it, by click or typed, says no_answer,
// read back from the answer's text. Off, it waits for the required answers.
func TestUnknownAnswerOffersAPersonAtOnce(t *testing.T) {
	ctx := context.Background()
	ev := Event{Kind: EventVisitorMessage, ConversationID: "c1"}
	unknown := &scriptBot{answer: Answer{Text: "I'm sorry, I don't know the answer to that.", Unknown: true}}
	for _, typed := range []bool{false, true} {
		hd := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true}
		e := newTestEngine(t, hd, unknown, 5)
		e.opts.OfferOnUnknown = true
		hd.visitor("Do you sell kites?")
		if out, err := e.Handle(ctx, ev); err != nil || out != OutcomeAnswered || hd.last().Prompt != PromptHuman {
			t.Fatalf("%q %v %+v", out, err, hd.last())
		}
		if typed {
			hd.visitor("yes please")
			_, _ = e.Handle(ctx, ev)
		} else {
			hd.conv.Messages[len(hd.conv.Messages)-1].Choice = ChoiceRequestHuman
			_, _ = e.Handle(ctx, Event{Kind: EventChoice, ConversationID: "c1", MessageID: hd.last().ID, Choice: ChoiceRequestHuman})
		}
		if len(hd.handoffs) != 1 || hd.handoffs[0].Reason != ReasonNoAnswer {
			t.Fatalf("typed %v: handoffs %+v", typed, hd.handoffs)
		}
	}
	// Off: no early offer; a plain answer marked nothing offers nothing early.
	for _, c := range []struct {
		on  bool
		ans Answer
	}{{false, unknown.answer}, {true, Answer{Text: "Kites are not in our range."}}, {true, Answer{Text: "I'm not sure, it depends on the size."}}} {
		hd := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true}
		e := newTestEngine(t, hd, &scriptBot{answer: c.ans}, 5)
		e.opts.OfferOnUnknown = c.on
		hd.visitor("Do you sell kites?")
		if out, _ := e.Handle(ctx, ev); out != OutcomeAnswered || hd.last().Prompt != PromptNone {
			t.Fatalf("%+v: %q %+v", c, out, hd.last())
		}
	}
	if !strings.Contains(ReasonNoAnswer.Describe(), "offered a person") {
		t.Fatal(ReasonNoAnswer.Describe())
	}
}
