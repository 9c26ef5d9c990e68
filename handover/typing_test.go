package handover

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// typingHelpdesk is a countingHelpdesk with a typing indicator. It logs
// the indicator's calls and the posts in one sequence.
type typingHelpdesk struct {
	*countingHelpdesk
	mu  sync.Mutex
	seq []string
	err error
	// gate, when set, holds every Typing call until it is closed or the
	// call's context ends.
	gate chan struct{}
}

func newTypingHelpdesk(state State) (*typingHelpdesk, *memHelpdesk) {
	mem := &memHelpdesk{conv: Conversation{ID: "c1", State: state}}
	return &typingHelpdesk{countingHelpdesk: &countingHelpdesk{memHelpdesk: mem}}, mem
}

func (h *typingHelpdesk) Typing(ctx context.Context, conv *Conversation, on bool) error {
	if conv == nil || conv.ID != "c1" {
		return errors.New("typing: wrong conversation")
	}
	if h.gate != nil {
		select {
		case <-h.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	h.log(map[bool]string{true: "typing on", false: "typing off"}[on])
	return h.err
}

func (h *typingHelpdesk) Post(ctx context.Context, conv *Conversation, out Outgoing) error {
	h.log("post")
	return h.countingHelpdesk.Post(ctx, conv, out)
}

func (h *typingHelpdesk) log(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq = append(h.seq, s)
}

func (h *typingHelpdesk) calls() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.seq)
}

// hookBot answers through a script, after running a hook with the call's
// context.
type hookBot struct {
	scriptBot
	hook func(ctx context.Context)
}

func (b *hookBot) Answer(ctx context.Context, t Turn) (Answer, error) {
	if b.hook != nil {
		b.hook(ctx)
	}
	return b.scriptBot.Answer(ctx, t)
}

func typingEngine(t *testing.T, hd Helpdesk, bot Bot, on bool) *Engine {
	t.Helper()
	e, err := NewEngine(Options{Helpdesk: hd, Bot: bot, RequiredAnswers: 3, HumanRequestInChat: true,
		LLMTimeout: 2 * time.Second, TypingIndicator: on})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func wantSeq(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("calls %q, want %q", got, want)
	}
}

// With the option on, the indicator is turned on as the LLM call starts,
// done before the answer is posted, and not turned off: the answer ends it.
func TestTypingIndicatorBeforeTheAnswer(t *testing.T) {
	hd, mem := newTypingHelpdesk(StateBot)
	bot := &scriptBot{answer: Answer{Text: "Shipping takes 2 days."}}
	mem.visitor("how long is shipping?")
	out, err := typingEngine(t, hd, bot, true).Handle(t.Context(), Event{Kind: EventVisitorMessage, ConversationID: "c1"})
	if err != nil || out != OutcomeAnswered || bot.calls != 1 {
		t.Fatalf("outcome %q, err %v, llm calls %d", out, err, bot.calls)
	}
	wantSeq(t, hd.calls(), "typing on", "post")
}

// The "on" call runs beside the LLM call, not before it: an indicator
// that answers only once the LLM has started still comes before the post.
func TestTypingIndicatorRunsBesideTheLLM(t *testing.T) {
	hd, mem := newTypingHelpdesk(StateBot)
	hd.gate = make(chan struct{})
	var once sync.Once
	bot := &hookBot{scriptBot: scriptBot{answer: Answer{Text: "Yes."}}, hook: func(context.Context) {
		once.Do(func() { close(hd.gate) })
	}}
	mem.visitor("do you ship to Austria?")
	out, err := typingEngine(t, hd, bot, true).Handle(t.Context(), Event{Kind: EventVisitorMessage, ConversationID: "c1"})
	if err != nil || out != OutcomeAnswered {
		t.Fatalf("outcome %q, err %v", out, err)
	}
	wantSeq(t, hd.calls(), "typing on", "post")
}

// Off (the default), or on other turns than answers, the indicator is
// never called.
func TestTypingIndicatorOffByDefault(t *testing.T) {
	hd, mem := newTypingHelpdesk(StateBot)
	bot := &scriptBot{answer: Answer{Text: "Shipping takes 2 days."}}
	mem.visitor("how long is shipping?")
	e := typingEngine(t, hd, bot, false)
	if out, err := e.Handle(t.Context(), Event{Kind: EventVisitorMessage, ConversationID: "c1"}); err != nil || out != OutcomeAnswered {
		t.Fatalf("outcome %q, err %v", out, err)
	}
	wantSeq(t, hd.calls(), "post")

	// With the option on, a turn that does not ask the LLM (a typed
	// choice, an agent's join) shows no indicator.
	hd2, mem2 := newTypingHelpdesk(StateAgent)
	mem2.conv.AgentName = "Alice"
	e2 := typingEngine(t, hd2, bot, true)
	if out, err := e2.Handle(t.Context(), Event{Kind: EventAgentActivity, ConversationID: "c1"}); err != nil || out != OutcomeJoined {
		t.Fatalf("takeover: outcome %q, err %v", out, err)
	}
	wantSeq(t, hd2.calls(), "post")
}

// A failing indicator, or one that never answers, fails nothing: the
// answer is posted, and no "off" follows a failed "on".
func TestTypingIndicatorFailureIsIgnored(t *testing.T) {
	hd, mem := newTypingHelpdesk(StateBot)
	hd.err = errors.New("401 Access to this endpoint is not authorized for bots")
	bot := &scriptBot{answer: Answer{Text: "Shipping takes 2 days."}}
	mem.visitor("how long is shipping?")
	e := typingEngine(t, hd, bot, true)
	if out, err := e.Handle(t.Context(), Event{Kind: EventVisitorMessage, ConversationID: "c1"}); err != nil || out != OutcomeAnswered {
		t.Fatalf("outcome %q, err %v", out, err)
	}
	wantSeq(t, hd.calls(), "typing on", "post")

	// A hung indicator is given up after typingTimeout; the answer waits
	// at most that long.
	defer func(d time.Duration) { typingTimeout = d }(typingTimeout)
	typingTimeout = 200 * time.Millisecond
	hung, mem2 := newTypingHelpdesk(StateBot)
	hung.gate = make(chan struct{}) // never opened
	mem2.visitor("and to Austria?")
	start := time.Now()
	if out, err := typingEngine(t, hung, bot, true).Handle(t.Context(), Event{Kind: EventVisitorMessage, ConversationID: "c1"}); err != nil || out != OutcomeAnswered {
		t.Fatalf("hung indicator: outcome %q, err %v", out, err)
	}
	if d := time.Since(start); d < typingTimeout || d > typingTimeout+time.Second {
		t.Fatalf("the answer waited %s for a hung indicator", d)
	}
	wantSeq(t, hung.calls(), "post")
}

// A turn that ends without posting (the conversation moved on while the
// LLM wrote) turns the indicator off again.
func TestTypingIndicatorOffWhenNothingIsPosted(t *testing.T) {
	hd, mem := newTypingHelpdesk(StateBot)
	bot := &hookBot{scriptBot: scriptBot{answer: Answer{Text: "Shipping takes 2 days."}}, hook: func(context.Context) {
		mem.mu.Lock()
		mem.conv.State = StateAgent // an agent took the chat meanwhile
		mem.mu.Unlock()
	}}
	mem.visitor("how long is shipping?")
	out, err := typingEngine(t, hd, bot, true).Handle(t.Context(), Event{Kind: EventVisitorMessage, ConversationID: "c1"})
	if err != nil || out != OutcomeSuperseded {
		t.Fatalf("outcome %q, err %v", out, err)
	}
	wantSeq(t, hd.calls(), "typing on", "typing off")
}

// The indicator's call is no news for the turn: a plain turn in a lane
// with the option on still reads once (Changed stays false) and makes one
// indicator call and one post.
func TestTypingIndicatorIsNoChange(t *testing.T) {
	hd, mem := newTypingHelpdesk(StateBot)
	bot := &scriptBot{answer: Answer{Text: "Shipping takes 2 days."}}
	l := NewLanes(typingEngine(t, hd, bot, true).Handle, LaneOptions{})
	mem.visitor("how long is shipping?")
	if err := l.Submit(Event{Kind: EventVisitorMessage, ConversationID: "c1", Hint: "from-webhook"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the answer", func() bool { return mem.last().Role == RoleBot })
	shutdown(t, l)
	if n := hd.loadCount(); n != 1 {
		t.Fatalf("loads = %d, want 1", n)
	}
	wantSeq(t, hd.calls(), "typing on", "post")
}
