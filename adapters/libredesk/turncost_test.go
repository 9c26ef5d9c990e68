package libredesk

// What a turn costs: the engine, in its lanes, runs the events the simulated Libredesk's
// webhooks carry, against the simulated Libredesk over real HTTP; the simulator's call log says
// which API calls each turn made.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	sim "github.com/handover-dev/handover/adapters/sim/libredesk"
	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/testenv"
)

type costWorld struct {
	*contract
	engine *handover.Engine
}

func newCostWorld(t *testing.T, opts ...func(*Config)) *costWorld {
	t.Helper()
	c := newContract(t, opts...)
	e, err := handover.NewEngine(handover.Options{Helpdesk: c.a, Bot: testenv.Bot{}, RequiredAnswers: 2, HumanRequestInChat: true,
		LLMTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &costWorld{contract: c, engine: e}
}

var (
	uuidInPath = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	idInPath   = regexp.MustCompile(`/[0-9]+(/|$)`)
)

// cost is a turn's API calls: "METHOD /path/with/{uuid}/and/{id} token" → count.
type cost map[string]int

func (c cost) total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

func (c cost) String() string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %d × %s", c[k], k)
	}
	return fmt.Sprintf("%d calls:%s", c.total(), b.String())
}

// run runs the events the webhooks delivered since the last call (those of kind, when given)
// through lanes, waits for the turns to finish and returns their API calls.
func (w *costWorld) run(kinds ...handover.EventKind) (cost, []handover.Event) {
	w.t.Helper()
	evs := w.events()
	if len(kinds) > 0 {
		evs = slices.DeleteFunc(evs, func(e handover.Event) bool { return !slices.Contains(kinds, e.Kind) })
	}
	if len(evs) == 0 {
		w.t.Fatal("no event to run")
	}
	w.sim.ResetCalls()
	var outcomes []string
	done := make(chan struct{}, len(evs))
	lanes := handover.NewLanes(func(ctx context.Context, ev handover.Event) (string, error) {
		out, err := w.engine.Handle(ctx, ev)
		outcomes = append(outcomes, out)
		done <- struct{}{}
		return out, err
	}, handover.LaneOptions{})
	for _, ev := range evs {
		if err := lanes.Submit(ev); err != nil {
			w.t.Fatal(err)
		}
		<-done // one event at a time: each is a turn of its own, as webhooks far apart are
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := lanes.Shutdown(ctx); err != nil {
		w.t.Fatal(err)
	}
	got := cost{}
	for _, call := range w.sim.Calls() {
		p := uuidInPath.ReplaceAllString(call.Path, "{uuid}")
		p = idInPath.ReplaceAllString(p, "/{id}$1")
		if call.Query != "" {
			p += "?" + call.Query
		}
		got[call.Method+" "+p+" "+call.Token]++
	}
	w.t.Logf("%v → %v: %v", kindsOf(evs), outcomes, got)
	return got, evs
}

func kindsOf(evs []handover.Event) []handover.EventKind {
	var out []handover.EventKind
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

const (
	getMessages  = "GET /api/v1/conversations/{uuid}/messages?page=1&page_size=100 key"
	postMessage  = "POST /api/v1/conversations/{uuid}/messages key"
	getConv      = "GET /api/v1/conversations/{uuid} key"
	claimBot     = "PUT /api/v1/conversations/{uuid}/assignee/user key"
	assignTeam   = "PUT /api/v1/conversations/{uuid}/assignee/team key"
	agentsList   = "GET /api/v1/agents/compact key"
	agentTeams   = "GET /api/v1/agents/{id} key"
	setTags      = "POST /api/v1/conversations/{uuid}/tags key"
	unassignUser = "PUT /api/v1/conversations/{uuid}/assignee/user/remove key"
)

func wantCost(t *testing.T, what string, got, want cost) {
	t.Helper()
	if !maps(got, want) {
		t.Errorf("%s: got %v\nwant %v", what, got, want)
	}
}

func maps(a, b cost) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// lastBot returns the text of the newest public bot message.
func (w *costWorld) lastBot(id int) string {
	v := w.view(id)
	for i := len(v.Messages) - 1; i >= 0; i-- {
		if m := v.Messages[i]; m.SenderID == w.demo.BotID && !m.Private && m.Type == "outgoing" {
			return m.Text
		}
	}
	return ""
}

// A plain bot turn is one read (the newest page of messages) and one post, in a short
// conversation and in one of 1,000 messages alike; the first turn also claims the chat (its
// conversation object came with the conversation.created webhook: see
// TestTurnCostFirstTurnWebhookOrders). In a long chat the bot never marked, the first turn
// reads the conversation: the object vouches only for a page that is the whole history.
func TestTurnCostPlainTurn(t *testing.T) {
	w := newCostWorld(t)
	first := cost{getMessages: 1, claimBot: 1, postMessage: 1}
	firstLong := cost{getMessages: 1, getConv: 1, claimBot: 1, postMessage: 1}
	plain := cost{getMessages: 1, postMessage: 1}

	id, _ := w.visitor("jane", "hello")
	got, _ := w.run(handover.EventVisitorMessage)
	wantCost(t, "first turn", got, first)
	w.visitor("jane", "How long does shipping take?")
	got, _ = w.run(handover.EventVisitorMessage)
	wantCost(t, "plain turn", got, plain)
	if !strings.HasPrefix(w.lastBot(id), "Answer to") {
		t.Fatalf("no answer: %q", w.lastBot(id))
	}

	// 1,000 messages: 499 questions and answers (the bot's, as Libredesk shows them), then the
	// turns.
	var long int
	for i := range 499 {
		long, _ = w.visitor("joe", fmt.Sprintf("question %d", i))
		if _, err := w.sim.AgentReply(w.ctx(), long, w.demo.BotID, fmt.Sprintf("answer %d", i), false); err != nil {
			t.Fatal(err)
		}
	}
	w.events()
	w.visitor("joe", "anyone?")
	got, _ = w.run(handover.EventVisitorMessage)
	wantCost(t, "first turn, 1,000 messages", got, firstLong)
	w.visitor("joe", "How long does shipping take?")
	long1000, _ := w.run(handover.EventVisitorMessage)
	wantCost(t, "plain turn, 1,000 messages", long1000, plain)
	if n := len(w.view(long).Messages); n < 1000 {
		t.Fatalf("only %d messages", n)
	}
	if !strings.HasPrefix(w.lastBot(long), "Answer to 100 messages") {
		t.Fatalf("the bot saw more or less than the newest page: %q", w.lastBot(long))
	}
}

// A handover: the turn's read, the availability check (the agents, and the teams of an online
// one until the membership is known), the team assignment (which takes the bot off), the
// agents' note and the visitor's notice.
func TestTurnCostHandover(t *testing.T) {
	w := newCostWorld(t)
	for i, who := range []string{"jane", "joe"} {
		id, _ := w.visitor(who, "hello")
		w.run(handover.EventVisitorMessage)
		w.visitor(who, "I want a person please")
		got, _ := w.run(handover.EventVisitorMessage)
		want := cost{getMessages: 1, agentsList: 1, assignTeam: 1, postMessage: 2}
		if i == 0 {
			want[agentTeams] = 1 // the team membership is read once, then known for a while
		}
		wantCost(t, "handover "+who, got, want)
		if v := w.view(id); v.TeamID != w.demo.TeamID || v.AssigneeID != 0 {
			t.Fatalf("not handed over: %s", ldView(v))
		}
		if got.total() > 6 || (i > 0 && got.total() > 5) {
			t.Fatalf("handover costs %d calls", got.total())
		}
	}
	// Without a team mapping: any online agent, and the bot taken off.
	w2 := newCostWorld(t, func(c *Config) { c.Teams = nil })
	id, _ := w2.visitor("ann", "hello")
	w2.run(handover.EventVisitorMessage)
	w2.visitor("ann", "a person, please")
	got, _ := w2.run(handover.EventVisitorMessage)
	wantCost(t, "handover without a team", got, cost{getMessages: 1, agentsList: 1, unassignUser: 1, postMessage: 2})
	if v := w2.view(id); v.AssigneeID != 0 {
		t.Fatalf("the bot still holds the chat: %s", ldView(v))
	}
}

// An offline message: the offer, the request for an email and the offline message itself.
func TestTurnCostOfflineMessage(t *testing.T) {
	w := newCostWorld(t)
	w.sim.SetAvailability(w.demo.AliceID, sim.Offline)
	id, _ := w.visitor("jane", "hello")
	w.run(handover.EventVisitorMessage)
	w.visitor("jane", "I want a person")
	got, _ := w.run(handover.EventVisitorMessage)
	wantCost(t, "offer", got, cost{getMessages: 1, agentsList: 1, postMessage: 1})
	w.visitor("jane", "yes")
	got, _ = w.run(handover.EventVisitorMessage)
	wantCost(t, "ask for the email", got, cost{getMessages: 1, postMessage: 1})
	w.visitor("jane", "jane@example.com")
	got, _ = w.run(handover.EventVisitorMessage)
	// The tag is checked once (Libredesk drops unknown tag names silently), then known.
	wantCost(t, "offline message", got, cost{getMessages: 1, assignTeam: 1, postMessage: 2, setTags: 1, getConv: 1})
	v := w.view(id)
	if !slices.Contains(v.Tags, TagOffline) || v.TeamID != w.demo.TeamID || v.AssigneeID != 0 {
		t.Fatalf("not filed: %s", ldView(v))
	}
	// A second offline message: the tag is known.
	id2, _ := w.visitor("joe", "hello")
	w.sim.SetContactEmail(id2, "joe@example.com")
	w.run(handover.EventVisitorMessage)
	w.visitor("joe", "a person please")
	w.run(handover.EventVisitorMessage)
	w.visitor("joe", "yes")
	got, _ = w.run(handover.EventVisitorMessage)
	wantCost(t, "offline message, email known, tag known", got, cost{getMessages: 1, assignTeam: 1, postMessage: 2, setTags: 1})
	if v := w.view(id2); !slices.Contains(v.Tags, TagOffline) {
		t.Fatalf("not tagged: %s", ldView(v))
	}
}

// A takeover: by a reply (the read sees the agent's message) and by an assignment (the read
// sees someone else's activity, so the conversation is read too, and the agent's name).
func TestTurnCostTakeover(t *testing.T) {
	w := newCostWorld(t)
	id, _ := w.visitor("jane", "hello")
	w.run(handover.EventVisitorMessage)
	if _, err := w.sim.AgentReply(w.ctx(), id, w.demo.AliceID, "Alice here", false); err != nil {
		t.Fatal(err)
	}
	got, _ := w.run(handover.EventAgentActivity)
	wantCost(t, "takeover by reply", got, cost{getMessages: 1, postMessage: 2, claimBot: 1})
	if v := w.view(id); v.AssigneeID != w.demo.AliceID || !strings.Contains(w.lastBot(id), "Alice") {
		t.Fatalf("takeover: %s", ldView(v))
	}

	id2, _ := w.visitor("joe", "hello")
	w.run(handover.EventVisitorMessage)
	if err := w.sim.AgentAssign(w.ctx(), id2, w.demo.BobID); err != nil {
		t.Fatal(err)
	}
	got, _ = w.run(handover.EventAgentActivity)
	wantCost(t, "takeover by assignment", got, cost{getMessages: 1, getConv: 1, agentsList: 1, postMessage: 2})
	if !strings.Contains(w.lastBot(id2), "Bob") {
		t.Fatalf("takeover: %s", ldView(w.view(id2)))
	}
}

func ldView(v sim.ConversationView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "status=%s assignee=%d team=%d tags=%v", v.Status, v.AssigneeID, v.TeamID, v.Tags)
	for _, m := range v.Messages {
		fmt.Fprintf(&b, "\n  %d %s/%s by %d private=%v: %q", m.ID, m.Type, m.SenderType, m.SenderID, m.Private, m.Text)
	}
	return b.String()
}

// hookBot is testenv.Bot that runs during (webhooks arriving while the LLM thinks) in its
// first answer.
type hookBot struct {
	testenv.Bot
	once   sync.Once
	during func()
}

func (b *hookBot) Answer(ctx context.Context, t handover.Turn) (handover.Answer, error) {
	if b.during != nil {
		b.once.Do(b.during)
	}
	return b.Bot.Answer(ctx, t)
}

// deliveries returns the bodies of the webhooks delivered since the last call, by event name.
func (w *costWorld) deliveries() map[string][][]byte {
	w.t.Helper()
	if err := w.sim.WaitIdle(w.ctx()); err != nil {
		w.t.Fatal(err)
	}
	w.rec.mu.Lock()
	fresh := slices.Clone(w.rec.got[w.rec.seen:])
	w.rec.seen = len(w.rec.got)
	w.rec.mu.Unlock()
	out := map[string][][]byte{}
	for _, d := range fresh {
		var head struct {
			Event string `json:"event"`
		}
		if err := json.Unmarshal(d.body, &head); err != nil {
			w.t.Fatal(err)
		}
		out[head.Event] = append(out[head.Event], d.body)
	}
	return out
}

// parse authenticates and parses one delivery, as the server does when it arrives.
func (w *costWorld) parse(body []byte) handover.Event {
	w.t.Helper()
	if err := w.a.Authenticate(http.Header{HeaderSignature: {Sign(simSecret, body)}}, "", body, time.Now()); err != nil {
		w.t.Fatal(err)
	}
	evs, err := w.a.Parse(body)
	if err != nil || len(evs) != 1 {
		w.t.Fatalf("Parse: %v %+v", err, evs)
	}
	return evs[0]
}

// A chat's first message sends two webhooks, in no set order (docs/helpdesks/libredesk.md §2):
// message.created and conversation.created, whose payload is the conversation as GET
// /api/v1/conversations/{uuid} shows it. Whatever the order, the first turn reads the page,
// claims the chat and answers, and the other webhook costs nothing: 3 calls. The conversation
// is read only when its object is not there within a moment (creationWait), or when the lanes
// folded both webhooks before the turn began (then neither hint is trusted).
func TestTurnCostFirstTurnWebhookOrders(t *testing.T) {
	first := cost{getMessages: 1, claimBot: 1, postMessage: 1}
	withRead := cost{getMessages: 1, getConv: 1, claimBot: 1, postMessage: 1}
	for _, tc := range []struct {
		name string
		// run delivers the two webhooks (msg, created) to lanes, the engine's bot calling
		// during while it thinks.
		run  func(w *costWorld, l *handover.Lanes, msg, created []byte, bot *hookBot)
		want cost
	}{
		{"conversation.created first, message.created while the bot thinks", func(w *costWorld, l *handover.Lanes, msg, created []byte, bot *hookBot) {
			bot.during = func() { w.submit(l, w.parse(msg)) }
			w.submit(l, w.parse(created))
		}, first},
		{"message.created first, conversation.created at once", func(w *costWorld, l *handover.Lanes, msg, created []byte, bot *hookBot) {
			w.submit(l, w.parse(msg))
			w.waitRead() // the turn read the page and waits for the object
			w.submit(l, w.parse(created))
		}, first},
		{"message.created first, conversation.created while the bot thinks", func(w *costWorld, l *handover.Lanes, msg, created []byte, bot *hookBot) {
			bot.during = func() { w.submit(l, w.parse(created)) }
			w.submit(l, w.parse(msg))
		}, withRead},
		{"message.created only (conversation.created lost or not subscribed)", func(w *costWorld, l *handover.Lanes, msg, _ []byte, _ *hookBot) {
			w.submit(l, w.parse(msg))
		}, withRead},
		{"conversation.created only (message.created lost)", func(w *costWorld, l *handover.Lanes, _, created []byte, _ *hookBot) {
			w.submit(l, w.parse(created))
		}, first},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCostWorld(t)
			bot := &hookBot{}
			e, err := handover.NewEngine(handover.Options{Helpdesk: w.a, Bot: bot, RequiredAnswers: 2, LLMTimeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			id, _ := w.visitor("jane", "hello")
			d := w.deliveries()
			if len(d[EventMessageCreated]) != 1 || len(d[EventConversationCreated]) != 1 {
				t.Fatalf("deliveries: %d message.created, %d conversation.created", len(d[EventMessageCreated]), len(d[EventConversationCreated]))
			}
			w.sim.ResetCalls()
			var mu sync.Mutex
			var outcomes []string
			l := handover.NewLanes(func(ctx context.Context, ev handover.Event) (string, error) {
				out, err := e.Handle(ctx, ev)
				mu.Lock()
				outcomes = append(outcomes, out)
				mu.Unlock()
				return out, err
			}, handover.LaneOptions{})
			tc.run(w, l, d[EventMessageCreated][0], d[EventConversationCreated][0], bot)
			w.waitAnswered(id, 1)
			time.Sleep(50 * time.Millisecond) // a late turn would show now
			w.shutdown(l)
			got := w.calls()
			t.Logf("outcomes %v: %v", outcomes, got)
			wantCost(t, "first turn", got, tc.want)
			if len(outcomes) != 1 || outcomes[0] != handover.OutcomeAnswered {
				t.Errorf("turns: %v, want one answer", outcomes)
			}
			if v := w.view(id); v.AssigneeID != w.demo.BotID {
				t.Errorf("not claimed: %s", ldView(v))
			}
		})
	}
}

// Both webhooks folded into one turn before it began: the turn keeps the message and the
// conversation object (hint.MergeHint): 3 calls, one turn.
func TestTurnCostFirstTurnFolded(t *testing.T) {
	w := newCostWorld(t)
	id, _ := w.visitor("jane", "hello")
	d := w.deliveries()
	w.sim.ResetCalls()
	block := make(chan struct{})
	var outcomes []string
	l := handover.NewLanes(func(ctx context.Context, ev handover.Event) (string, error) {
		if ev.ConversationID == "blocker" {
			<-block
			return handover.OutcomeNothing, nil
		}
		out, err := w.engine.Handle(ctx, ev)
		outcomes = append(outcomes, out)
		return out, err
	}, handover.LaneOptions{MaxConcurrent: 1})
	w.submit(l, handover.Event{Kind: handover.EventChanged, ConversationID: "blocker"})
	w.submit(l, w.parse(d[EventMessageCreated][0]))
	w.submit(l, w.parse(d[EventConversationCreated][0]))
	close(block)
	w.waitAnswered(id, 1)
	w.shutdown(l)
	wantCost(t, "folded first turn", w.calls(), cost{getMessages: 1, claimBot: 1, postMessage: 1})
	if len(outcomes) != 1 {
		t.Errorf("turns: %v, want one", outcomes)
	}
}

func (w *costWorld) submit(l *handover.Lanes, evs ...handover.Event) {
	w.t.Helper()
	for _, ev := range evs {
		if err := l.Submit(ev); err != nil {
			w.t.Error(err)
		}
	}
}

func (w *costWorld) shutdown(l *handover.Lanes) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Shutdown(ctx); err != nil {
		w.t.Fatal(err)
	}
}

// waitAnswered waits until the conversation holds n public bot messages.
func (w *costWorld) waitAnswered(id, n int) {
	w.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		got := 0
		for _, m := range w.view(id).Messages {
			if m.SenderID == w.demo.BotID && !m.Private && m.Type == "outgoing" {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%d bot messages, want %d: %s", got, n, ldView(w.view(id)))
		}
	}
}

// calls are the API calls made since the last ResetCalls, as cost keys.
// waitRead waits until the simulator logged a read of a conversation's messages.
func (w *costWorld) waitRead() {
	w.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		for _, c := range w.sim.Calls() {
			if c.Method == http.MethodGet && strings.HasSuffix(c.Path, "/messages") {
				return
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatal("the turn never read the messages")
		}
	}
}

func (w *costWorld) calls() cost {
	got := cost{}
	for _, call := range w.sim.Calls() {
		p := uuidInPath.ReplaceAllString(call.Path, "{uuid}")
		p = idInPath.ReplaceAllString(p, "/{id}$1")
		if call.Query != "" {
			p += "?" + call.Query
		}
		got[call.Method+" "+p+" "+call.Token]++
	}
	return got
}
