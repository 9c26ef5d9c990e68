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

// countingHelpdesk counts Load calls on top of memHelpdesk.
type countingHelpdesk struct {
	*memHelpdesk
	mu    sync.Mutex
	loads int
	hints []any
}

func (c *countingHelpdesk) Load(ctx context.Context, id string) (*Conversation, error) {
	c.mu.Lock()
	c.loads++
	c.mu.Unlock()
	return c.memHelpdesk.Load(ctx, id)
}

func (c *countingHelpdesk) LoadEvent(ctx context.Context, ev Event) (*Conversation, error) {
	c.mu.Lock()
	c.hints = append(c.hints, ev.Hint)
	c.mu.Unlock()
	return c.Load(ctx, ev.ConversationID)
}

func (c *countingHelpdesk) loadCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loads
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// A plain turn in a lane reads once: nothing happened while the bot
// thought, so the check before posting needs no second read. The hint of
// the webhook reaches the adapter's LoadEvent.
func TestPlainTurnInALaneReadsOnce(t *testing.T) {
	mem := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}}
	hd := &countingHelpdesk{memHelpdesk: mem}
	bot := &scriptBot{answer: Answer{Text: "Shipping takes 2 days."}}
	e, err := NewEngine(Options{Helpdesk: hd, Bot: bot, RequiredAnswers: 3})
	if err != nil {
		t.Fatal(err)
	}
	l := NewLanes(e.Handle, LaneOptions{})
	mem.visitor("how long is shipping?")
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "c1", Hint: "from-webhook"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the answer", func() bool { return mem.last().Role == RoleBot })
	shutdown(t, l)
	if n := hd.loadCount(); n != 1 {
		t.Fatalf("loads = %d, want 1", n)
	}
	if len(hd.hints) != 1 || hd.hints[0] != "from-webhook" {
		t.Fatalf("hints = %v", hd.hints)
	}
}

// gatedBot blocks in Answer until released, so a test can act while the
// bot "thinks".
type gatedBot struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *gatedBot) Answer(ctx context.Context, _ Turn) (Answer, error) {
	b.once.Do(func() { close(b.started) })
	select {
	case <-b.release:
	case <-ctx.Done():
		return Answer{}, ctx.Err()
	}
	return Answer{Text: "an answer"}, nil
}

func (b *gatedBot) Summarize(context.Context, *Conversation) (string, error) { return "", nil }

// An event for the conversation during the turn (an agent joined) makes
// the engine re-read before posting, and the stale answer is dropped.
func TestEventDuringTurnForcesReRead(t *testing.T) {
	mem := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}}
	hd := &countingHelpdesk{memHelpdesk: mem}
	bot := &gatedBot{started: make(chan struct{}), release: make(chan struct{})}
	e, err := NewEngine(Options{Helpdesk: hd, Bot: bot, RequiredAnswers: 3, LLMTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var outcomes []string
	l := NewLanes(func(ctx context.Context, ev Event) (string, error) {
		out, err := e.Handle(ctx, ev)
		mu.Lock()
		outcomes = append(outcomes, out)
		mu.Unlock()
		return out, err
	}, LaneOptions{})
	mem.visitor("hello")
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "c1"}); err != nil {
		t.Fatal(err)
	}
	<-bot.started
	mem.mu.Lock()
	mem.conv.State = StateAgent
	mem.conv.AgentName = "Alice"
	mem.conv.JoinAnnounced = true
	mem.mu.Unlock()
	if err := l.Submit(Event{Kind: EventAgentActivity, ConversationID: "c1"}); err != nil {
		t.Fatal(err)
	}
	close(bot.release)
	shutdown(t, l)
	if len(outcomes) == 0 || outcomes[0] != OutcomeSuperseded {
		t.Fatalf("outcomes %v, want the first superseded", outcomes)
	}
	for _, m := range mem.conv.Messages {
		if m.Role == RoleBot {
			t.Fatalf("bot posted after the agent joined: %q", m.Text)
		}
	}
}

// The shared change log makes an event accepted by another replica count.
func TestChangedSeesOtherReplicasEvents(t *testing.T) {
	log := &memChangeLog{v: map[string]int64{}}
	seen := make(chan bool, 1)
	var other *Lanes
	l := NewLanes(func(ctx context.Context, ev Event) (string, error) {
		before := Changed(ctx)
		if err := other.Submit(Event{Kind: EventVisitorMessage, ConversationID: ev.ConversationID}); err != nil {
			return "", err
		}
		// A visitor message is counted in the background: Changed sees it within moments.
		deadline := time.Now().Add(2 * time.Second)
		for !Changed(ctx) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		seen <- !before && Changed(ctx)
		return OutcomeNothing, nil
	}, LaneOptions{Changes: log})
	other = NewLanes(func(context.Context, Event) (string, error) { return OutcomeNothing, nil }, LaneOptions{Changes: log})
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "c9"}); err != nil {
		t.Fatal(err)
	}
	if ok := <-seen; !ok {
		t.Fatal("Changed did not see the other replica's event (or saw one before it)")
	}
	shutdown(t, l)
	shutdown(t, other)
}

// A person joining on another replica is counted before that replica answers the webhook: a
// turn that checks afterwards re-reads, and does not post for the bot.
func TestChangedSeesAnAgentAtOnce(t *testing.T) {
	log := &memChangeLog{v: map[string]int64{}}
	seen := make(chan bool, 1)
	var other *Lanes
	l := NewLanes(func(ctx context.Context, ev Event) (string, error) {
		if err := other.Submit(Event{Kind: EventAgentActivity, ConversationID: ev.ConversationID, AgentName: "Alice"}); err != nil {
			return "", err
		}
		seen <- Changed(ctx)
		return OutcomeNothing, nil
	}, LaneOptions{Changes: log})
	other = NewLanes(func(context.Context, Event) (string, error) { return OutcomeNothing, nil }, LaneOptions{Changes: log})
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "c8"}); err != nil {
		t.Fatal(err)
	}
	if ok := <-seen; !ok {
		t.Fatal("an agent's event on another replica was not counted before its Submit returned")
	}
	shutdown(t, l)
	shutdown(t, other)
}

type memChangeLog struct {
	mu sync.Mutex
	v  map[string]int64
}

func (m *memChangeLog) Touch(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.v[id]++
	return nil
}

func (m *memChangeLog) Version(_ context.Context, id string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.v[id], nil
}

func TestChangedOutsideALaneIsTrue(t *testing.T) {
	if !Changed(context.Background()) {
		t.Fatal("outside a lane Changed must say true so callers re-read")
	}
}

// Folding events drops their hints: two webhooks' views may disagree.
// Two that say the same thing keep it.
func TestMergeDropsHints(t *testing.T) {
	type view struct{ status, agent string }
	q := []entry{{ev: Event{Kind: EventVisitorMessage, ConversationID: "a", Hint: 1}, parts: []arrival{{}}}}
	if !merge(q, Event{Kind: EventAgentActivity, ConversationID: "a", Hint: 2}, arrival{n: 1}) {
		t.Fatal("not merged")
	}
	if q[0].ev.Hint != nil {
		t.Fatalf("hint kept: %v", q[0].ev.Hint)
	}
	q = []entry{{ev: Event{Kind: EventChanged, ConversationID: "a", Recheck: true, Hint: &view{"T", "bot"}}, parts: []arrival{{}}}}
	if !merge(q, Event{Kind: EventVisitorMessage, ConversationID: "a", Hint: &view{"T", "bot"}}, arrival{n: 1}) {
		t.Fatal("not merged")
	}
	if h, _ := q[0].ev.Hint.(*view); h == nil || *h != (view{"T", "bot"}) {
		t.Fatalf("the same hint twice was dropped: %v", q[0].ev.Hint)
	}
	if len(q[0].parts) != 2 {
		t.Fatalf("the folded event is not remembered: %v", q[0].parts)
	}
	// A HintMerger says what remains.
	q = []entry{{ev: Event{Kind: EventVisitorMessage, ConversationID: "a", Hint: joinHint("m1")}, parts: []arrival{{}}}}
	merge(q, Event{Kind: EventChanged, ConversationID: "a", Hint: joinHint("conv")}, arrival{n: 1})
	if h, _ := q[0].ev.Hint.(joinHint); h != "m1+conv" {
		t.Fatalf("merged hint: %v", q[0].ev.Hint)
	}
	merge(q, Event{Kind: EventAgentActivity, ConversationID: "a"}, arrival{n: 2})
	if q[0].ev.Hint != nil {
		t.Fatalf("merged with no hint: %v", q[0].ev.Hint)
	}
}

// joinHint is a HintMerger that joins two joinHints.
type joinHint string

func (h joinHint) MergeHint(other any) any {
	if o, ok := other.(joinHint); ok {
		return h + "+" + o
	}
	return nil
}

// Admission refuses new conversations while the LLM is saturated, yet an
// event for a conversation already in flight still folds into its lane.
func TestAdmissionRefusesNewWorkOnly(t *testing.T) {
	release := make(chan struct{})
	saturated := false
	var mu sync.Mutex
	l := NewLanes(func(context.Context, Event) (string, error) {
		<-release
		return OutcomeAnswered, nil
	}, LaneOptions{Admit: func(int) error {
		mu.Lock()
		defer mu.Unlock()
		if saturated {
			return ErrLLMSaturated
		}
		return nil
	}})
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "a"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	saturated = true
	mu.Unlock()
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "b"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("new conversation while saturated: %v, want ErrBusy", err)
	}
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "a"}); err != nil {
		t.Fatalf("event for a conversation in flight: %v", err)
	}
	close(release)
	shutdown(t, l)
}

func TestMaxActiveBoundsConversationsInFlight(t *testing.T) {
	release := make(chan struct{})
	l := NewLanes(func(context.Context, Event) (string, error) { <-release; return OutcomeNothing, nil }, LaneOptions{MaxActive: 2})
	for _, id := range []string{"a", "b"} {
		if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "c"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("third conversation: %v, want ErrBusy", err)
	}
	close(release)
	shutdown(t, l)
}

func shutdown(t *testing.T, l *Lanes) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// The button rule holds in a window: once an answer carried the button,
// later answers carry it, whatever the window counts.
func TestButtonStaysOnceOfferedInAWindow(t *testing.T) {
	mem := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot, Window: true}}
	mem.add(Message{Role: RoleBot, Text: "earlier answer", Prompt: PromptHuman, Buttons: []Button{{Title: "x", Value: ChoiceRequestHuman}}})
	mem.visitor("and returns?")
	bot := &scriptBot{answer: Answer{Text: "Returns are free."}}
	e := newTestEngine(t, mem, bot, 5)
	if _, err := e.Handle(context.Background(), Event{Kind: EventVisitorMessage, ConversationID: "c1"}); err != nil {
		t.Fatal(err)
	}
	if last := mem.last(); last.Prompt != PromptHuman {
		t.Fatalf("answer without the human button: %+v", last)
	}
}

func TestIsNotice(t *testing.T) {
	tx := DefaultTexts()
	lang, _ := LanguageByCode("de")
	de := lang.Texts.withDefaults()
	for _, s := range []string{tx.Connecting, tx.Apology + " " + tx.Connecting, tx.Continue, tx.AskEmail,
		strings.Replace(tx.OfflineReceived, "%s", "a@b.example", 1), strings.Replace(tx.AgentJoined, "%s", "Alice", 1),
		strings.Replace(de.AgentJoined, "%s", "Jörg", 1), de.NoAgent} {
		if !IsNotice(s) {
			t.Errorf("not a notice: %q", s)
		}
	}
	for _, s := range []string{"Shipping takes two days.", "", "Alice", "joined the chat."} {
		if IsNotice(s) {
			t.Errorf("taken for a notice: %q", s)
		}
	}
	custom := Texts{Continue: "Na klar!"}
	if IsNotice("Na klar!") || !IsNotice("Na klar!", custom) {
		t.Error("configured texts are not recognised")
	}
}

// Past the slot cap, conversations wait as data: turns run no more than
// the cap at once, every conversation is served in arrival order, and
// admission learns how many wait.
func TestLanesWaitForSlotsInOrder(t *testing.T) {
	var mu sync.Mutex
	running, peak := 0, 0
	var order []string
	release := make(chan struct{})
	var waitingSeen []int
	l := NewLanes(func(_ context.Context, ev Event) (string, error) {
		mu.Lock()
		running++
		peak = max(peak, running)
		order = append(order, ev.ConversationID)
		mu.Unlock()
		<-release
		mu.Lock()
		running--
		mu.Unlock()
		return OutcomeAnswered, nil
	}, LaneOptions{Slots: func() int { return 1 }, Admit: func(waiting int) error {
		mu.Lock()
		waitingSeen = append(waitingSeen, waiting)
		mu.Unlock()
		return nil
	}})
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: id}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the first turn", func() bool { mu.Lock(); defer mu.Unlock(); return running == 1 })
	close(release)
	shutdown(t, l)
	if peak != 1 {
		t.Fatalf("peak %d turns at once, want 1", peak)
	}
	if got := strings.Join(order, ""); got != "abcde" {
		t.Fatalf("served %s, want abcde", got)
	}
	if got := fmt.Sprint(waitingSeen); got != "[0 0 1 2 3]" {
		t.Fatalf("admission saw %s waiting, want [0 0 1 2 3]", got)
	}
}

// A cap that grows lets waiting conversations run side by side.
func TestLanesSlotsFollowTheCap(t *testing.T) {
	var mu sync.Mutex
	running, peak := 0, 0
	limit := 1
	release := make(chan struct{})
	l := NewLanes(func(context.Context, Event) (string, error) {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		<-release
		mu.Lock()
		running--
		mu.Unlock()
		return OutcomeAnswered, nil
	}, LaneOptions{Slots: func() int { mu.Lock(); defer mu.Unlock(); return limit }})
	for _, id := range []string{"a", "b", "c"} {
		if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: id}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the first turn", func() bool { mu.Lock(); defer mu.Unlock(); return running == 1 })
	mu.Lock()
	limit = 3
	mu.Unlock()
	// The next submission (any conversation) starts what the cap now allows.
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "d"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "three turns side by side", func() bool { mu.Lock(); defer mu.Unlock(); return running == 3 })
	close(release)
	shutdown(t, l)
	if peak != 3 {
		t.Fatalf("peak %d, want 3", peak)
	}
}

// A re-check arriving during a turn (a conversation's creation webhook
// beside its first message's) runs its own turn but does not make the
// running one re-read; a real event does.
func TestRecheckDoesNotCountAsAChange(t *testing.T) {
	var l *Lanes
	seen := make(chan [2]bool, 1)
	l = NewLanes(func(ctx context.Context, ev Event) (string, error) {
		if ev.Kind != EventVisitorMessage {
			return OutcomeNothing, nil
		}
		if err := l.Submit(Event{Kind: EventChanged, ConversationID: ev.ConversationID, Recheck: true}); err != nil {
			return "", err
		}
		afterRecheck := Changed(ctx)
		if err := l.Submit(Event{Kind: EventAgentActivity, ConversationID: ev.ConversationID}); err != nil {
			return "", err
		}
		seen <- [2]bool{afterRecheck, Changed(ctx)}
		return OutcomeAnswered, nil
	}, LaneOptions{})
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "c1"}); err != nil {
		t.Fatal(err)
	}
	got := <-seen
	shutdown(t, l)
	if got[0] {
		t.Error("a re-check made the running turn see a change")
	}
	if !got[1] {
		t.Error("an agent's event did not")
	}
}

// failingPost fails its first post the way a timeout does.
type failingPost struct {
	*memHelpdesk
	failed bool
}

func (f *failingPost) Post(ctx context.Context, c *Conversation, out Outgoing) error {
	if !f.failed {
		f.failed = true
		return errors.New("POST messages: context deadline exceeded")
	}
	return f.memHelpdesk.Post(ctx, c, out)
}

// A failed post asks the lane to wait PostSettle before the retry re-reads:
// the helpdesk may still be creating the message.
func TestFailedPostWaitsBeforeTheRetry(t *testing.T) {
	mem := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}}
	hd := &failingPost{memHelpdesk: mem}
	bot := &scriptBot{answer: Answer{Text: "Two days."}}
	e, err := NewEngine(Options{Helpdesk: hd, Bot: bot, RequiredAnswers: 3, PostSettle: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	mem.visitor("shipping?")
	_, err = e.Handle(context.Background(), Event{Kind: EventVisitorMessage, ConversationID: "c1"})
	var rl *RetryLater
	if !errors.As(err, &rl) || rl.After != 150*time.Millisecond {
		t.Fatalf("got %v, want a RetryLater of 150ms", err)
	}

	// In a lane: the retry comes no sooner than asked, and answers once.
	hd.failed = false
	mem.conv.Messages = nil
	mem.visitor("shipping?")
	var mu sync.Mutex
	var starts []time.Time
	l := NewLanes(func(ctx context.Context, ev Event) (string, error) {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		return e.Handle(ctx, ev)
	}, LaneOptions{Retries: 2, RetryBase: time.Millisecond})
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "c1"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the answer", func() bool { return mem.last().Role == RoleBot })
	shutdown(t, l)
	if len(starts) != 2 {
		t.Fatalf("%d attempts, want 2", len(starts))
	}
	if gap := starts[1].Sub(starts[0]); gap < 150*time.Millisecond {
		t.Fatalf("retried after %s, before PostSettle", gap)
	}
	answers := 0
	for _, m := range mem.conv.Messages {
		if m.Role == RoleBot {
			answers++
		}
	}
	if answers != 1 {
		t.Fatalf("%d answers, want 1", answers)
	}
}
