package liveagent

// What a turn costs against LiveAgent's 180 requests a minute per key: the real engine
// (handover.Engine in handover.Lanes) drives the adapter against the simulated LiveAgent over
// real HTTP, with the event Parse makes of the rule delivery the simulator really sent, and
// every API call the simulator logged is counted per method, path and key. Only the event of
// the action is run: the rules the turn's own writes fire (the bot's message, its note, the
// transfer) are events of their own, counted end to end in e2e/liveagent_test.go.

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	sim "github.com/handover-dev/handover/adapters/sim/liveagent"
	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/testenv"
)

// costEnv is an env with the engine in lanes on top.
type costEnv struct {
	*env
	lanes *handover.Lanes
	seen  int // rule deliveries already looked at
}

func newCostEnv(t *testing.T) *costEnv {
	t.Helper()
	e := &costEnv{env: newEnv(t)}
	eng, err := handover.NewEngine(handover.Options{Helpdesk: e.a, Bot: testenv.Bot{}, RequiredAnswers: 3, HumanRequestInChat: true,
		Detect: func(s string) bool { return strings.Contains(strings.ToLower(s), "human") }})
	if err != nil {
		t.Fatal(err)
	}
	e.lanes = handover.NewLanes(eng.Handle, handover.LaneOptions{})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.lanes.Shutdown(ctx)
	})
	return e
}

// deliveries returns the rule deliveries made since the last call, parsed.
func (e *costEnv) deliveries() []handover.Event {
	e.t.Helper()
	if err := e.la.WaitIdle(e.ctx()); err != nil {
		e.t.Fatal(err)
	}
	_, bodies := e.rec.all()
	var out []handover.Event
	for _, b := range bodies[e.seen:] {
		evs, err := e.a.Parse(b)
		if err != nil {
			e.t.Fatalf("Parse(%s): %v", b, err)
		}
		out = append(out, evs...)
	}
	e.seen = len(bodies)
	return out
}

// turn runs act, then the engine on the event of act's last rule delivery (for a visitor's
// first message LiveAgent fires "chat started" and "message added"; the latter is run), and
// returns the API calls of that turn alone.
func (e *costEnv) turn(act func()) map[string]int {
	e.t.Helper()
	e.deliveries() // the rules earlier turns fired
	act()
	evs := e.deliveries()
	if len(evs) == 0 {
		e.t.Fatal("the action fired no rule")
	}
	ev := evs[len(evs)-1]
	if _, ok := ev.Hint.(*ruleHint); !ok {
		e.t.Fatalf("the rule body carried no hint: %+v", ev)
	}
	e.la.ResetCalls()
	if err := e.lanes.Submit(ev); err != nil {
		e.t.Fatal(err)
	}
	e.waitLanes()
	return callCounts(e.la.Calls())
}

// waitLanes waits until the lanes ran every turn and the simulator delivered every rule.
func (e *costEnv) waitLanes() {
	e.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); e.lanes.Active() > 0; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			e.t.Fatal("the turn never ended")
		}
	}
	if err := e.la.WaitIdle(e.ctx()); err != nil {
		e.t.Fatal(err)
	}
}

// simIDRe matches the simulator's ids in a path: two letters and six hex digits.
var simIDRe = regexp.MustCompile(`/[a-z]{2}[0-9a-f]{6}(/|$)`)

// callCounts groups calls by "METHOD path key", ids replaced by {id}.
func callCounts(calls []sim.Call) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		p := simIDRe.ReplaceAllString(c.Path, "/{id}$1")
		p = simIDRe.ReplaceAllString(p, "/{id}$1")
		out[c.Method+" "+p+" "+c.Token]++
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

const (
	readMessages  = "GET /api/v3/tickets/{id}/messages v3"
	readTicket    = "GET /api/v3/tickets/{id} v3"
	readAgents    = "GET /api/v3/agents v3"
	readDept      = "GET /api/v3/departments/{id} v3"
	deptOnline    = "GET /api/onlinestatus/departments v1"
	postMessage   = "POST /api/conversations/{id}/messages v1"
	transferChat  = "PUT /api/conversations/{id}/attendants v1"
	updateTicket  = "PUT /api/v3/tickets/{id} v3"
	readTags      = "GET /api/v3/tags v3"
	createTag     = "POST /api/v3/tags v3"
	budgetPerKey  = 180
	plainTurnCost = 2
)

func wantCalls(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("%s: calls %v (%d), want %v (%d)", what, got, total(got), want, total(want))
	}
}

// A plain bot turn is one read (the newest message groups) and one post, in a new chat (the
// visitor is told from agents by the chat group they opened: no author lookup) as in a
// running one; so one key sustains 180/2 = 90 answers a minute.
func TestTurnCostPlainTurn(t *testing.T) {
	e := newCostEnv(t)
	var id string
	// The process's first turn fills the agent directory (GET /api/v3/agents, then once per
	// AgentsTTL): not a per-turn cost.
	first := e.turn(func() { id = e.visitor("warm", "Hello") })
	wantCalls(t, "the process's first turn", first, map[string]int{readMessages: 1, readAgents: 1, postMessage: 1})

	newChat := e.turn(func() { id = e.visitor("jane", "How long does shipping take?") })
	wantCalls(t, "a new chat's first turn", newChat, map[string]int{readMessages: 1, postMessage: 1})
	running := e.turn(func() { e.visitor("jane", "And to Austria?") })
	wantCalls(t, "a running chat's turn", running, map[string]int{readMessages: 1, postMessage: 1})
	if total(running) != plainTurnCost {
		t.Fatalf("a plain turn costs %d calls", total(running))
	}
	c := e.load(id)
	if c.BotAnswers != 2 || c.State != handover.StateBot || !strings.Contains(c.Messages[c.LastBotMessage()].Text, "Austria") {
		t.Fatalf("after two turns: answers %d state %s\n%s", c.BotAnswers, c.State, c.Transcript())
	}
	t.Logf("plain turn: %d calls (%v): one LiveAgent key sustains %d bot answers a minute", total(running), running, budgetPerKey/total(running))
}

// A handover to an available human queue: read, availability (one call), transfer, note,
// notice: five. The department's membership (is the bot in it?) is cached for AgentsTTL.
func TestTurnCostHandover(t *testing.T) {
	e := newCostEnv(t)
	var id string
	e.turn(func() { id = e.visitor("v", "Hello") })
	got := e.turn(func() { e.visitor("v", "I want a human please") })
	wantCalls(t, "handover (the department's membership not yet cached)", got,
		map[string]int{readMessages: 1, readDept: 1, deptOnline: 1, transferChat: 1, postMessage: 2})
	tk := e.ticket(id)
	if tk.DepartmentID != e.demo.SupportDepartment || tk.AgentID != "" || len(simNotes(tk)) != 1 {
		t.Fatalf("not handed over: %+v", tk)
	}
	var id2 string
	e.turn(func() { id2 = e.visitor("w", "Hi") })
	got = e.turn(func() { e.visitor("w", "human agent, now") })
	wantCalls(t, "handover", got, map[string]int{readMessages: 1, deptOnline: 1, transferChat: 1, postMessage: 2})
	if total(got) > 5 {
		t.Fatalf("a handover costs %d calls", total(got))
	}
	if tk := e.ticket(id2); tk.DepartmentID != e.demo.SupportDepartment {
		t.Fatalf("not handed over: %+v", tk)
	}
}

// Nobody available: the offer (read, availability, post), the email question (read, post),
// then the offline message: read, a fresh ticket read (is the chat still running?),
// transfer, tag, note, confirmation.
func TestTurnCostOfflineMessage(t *testing.T) {
	e := newCostEnv(t)
	e.la.SetAvailability(e.demo.Alice, "offline")
	var id string
	e.turn(func() { id = e.visitor("v", "Hello") })
	e.turn(func() { e.visitor("v", "I want a human") })
	offer := e.turn(func() { e.visitor("v", "human, please") }) // membership cached by now
	wantCalls(t, "offline offer", offer, map[string]int{readMessages: 1, deptOnline: 1, postMessage: 1})
	ask := e.turn(func() { e.visitor("v", "message") })
	wantCalls(t, "email question", ask, map[string]int{readMessages: 1, postMessage: 1})
	filed := e.turn(func() { e.visitor("v", "jane@example.com") })
	wantCalls(t, "offline message (the tag's id not yet cached)", filed,
		map[string]int{readMessages: 1, readTicket: 1, readTags: 1, createTag: 1, transferChat: 1, updateTicket: 1, postMessage: 2})
	tk := e.ticket(id)
	if tk.DepartmentID != e.demo.SupportDepartment || len(simNotes(tk)) != 1 || !strings.Contains(simNotes(tk)[0].Text, "jane@example.com") {
		t.Fatalf("offline message: %+v", tk)
	}
	if s := e.load(id).State; s != handover.StateOffline {
		t.Fatalf("state %s", s)
	}

	// A second one in the same process: the tag's id is known.
	var id2 string
	e.turn(func() { id2 = e.visitor("w", "I want a human") })
	e.turn(func() { e.visitor("w", "message") })
	filed = e.turn(func() { e.visitor("w", "it is joe@example.com") })
	wantCalls(t, "offline message", filed, map[string]int{readMessages: 1, readTicket: 1, transferChat: 1, updateTicket: 1, postMessage: 2})
	if s := e.load(id2).State; s != handover.StateOffline {
		t.Fatalf("state %s", s)
	}
}

// A takeover: an agent writing in the bot's chat (read, join notice, note, transfer to that
// agent), or an agent taking the chat (read, notice, note).
func TestTurnCostTakeover(t *testing.T) {
	e := newCostEnv(t)
	var id string
	e.turn(func() { id = e.visitor("v", "Hello") })
	wrote := e.turn(func() {
		if _, err := e.la.AgentReply(e.ctx(), id, e.demo.Alice, "Alice here", false); err != nil {
			t.Fatal(err)
		}
	})
	wantCalls(t, "takeover by writing", wrote, map[string]int{readMessages: 1, postMessage: 2, transferChat: 1})
	if tk := e.ticket(id); tk.AgentID != e.demo.Alice || len(simNotes(tk)) != 1 || !strings.HasPrefix(simNotes(tk)[0].Text, "Chatbot stopped: Alice") {
		t.Fatalf("takeover: %+v", tk)
	}

	var id2 string
	e.turn(func() { id2 = e.visitor("w", "Hello") })
	took := e.turn(func() {
		if err := e.la.AgentTake(e.ctx(), id2, e.demo.Bob); err != nil {
			t.Fatal(err)
		}
	})
	wantCalls(t, "takeover by taking the chat", took, map[string]int{readMessages: 1, postMessage: 2})
	c := e.load(id2)
	if c.State != handover.StateAgent || !c.JoinAnnounced || c.AgentName != "Bob" {
		t.Fatalf("after the takeover: %s %v %q", c.State, c.JoinAnnounced, c.AgentName)
	}
}

// A 1,000-message chat costs the same calls as a short one: one page of message groups, the
// chat group whole in it. The snapshot is a window of the newest messages, and the answer
// count stays exact.
func TestTurnCostIndependentOfLength(t *testing.T) {
	e := newCostEnv(t)
	var short, long string
	e.turn(func() { short = e.visitor("short", "Hello") })
	e.turn(func() { long = e.visitor("long", "Hello") })
	// 998 more messages in the long chat: 499 visitor questions and 499 bot answers.
	c := e.load(long)
	for i := range 499 {
		if _, _, err := e.la.VisitorSend(e.ctx(), "", "long", fmt.Sprintf("question %d", i)); err != nil {
			t.Fatal(err)
		}
		if err := e.a.Post(e.ctx(), c, handover.Outgoing{Text: fmt.Sprintf("answer %d", i), Answer: true}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.ticket(long).Messages); n < 1000 {
		t.Fatalf("the long chat has %d messages", n)
	}
	s := e.turn(func() { e.visitor("short", "one more question") })
	l := e.turn(func() { e.visitor("long", "one more question") })
	wantCalls(t, "the short chat", s, map[string]int{readMessages: 1, postMessage: 1})
	wantCalls(t, "the 1,000-message chat", l, s)
	for _, cl := range e.la.Calls() {
		if cl.Method == http.MethodGet && !strings.Contains(cl.Query, "_sortDir=DESC") {
			t.Fatalf("a read that is not the newest page: %+v", cl)
		}
	}
	c = e.load(long)
	if !c.Window || len(c.Messages) > maxWindowMessages || c.BotAnswers != 501 {
		t.Fatalf("long chat: window %v, %d messages, %d answers", c.Window, len(c.Messages), c.BotAnswers)
	}
	if last := c.Messages[c.LastBotMessage()]; !strings.Contains(last.Text, "one more question") {
		t.Fatalf("the window misses the newest answer: %+v", last)
	}
	if c := e.load(short); c.Window || c.BotAnswers != 2 {
		t.Fatalf("short chat: window %v, answers %d", c.Window, c.BotAnswers)
	}
}

// BenchmarkBuildLongChat is the CPU side of a turn in a 1,000-message chat: turning the page
// of message groups into the snapshot (every bot message is checked for a typed-choice
// sentence and for the engine's notices in every language).
func BenchmarkBuildLongChat(b *testing.B) {
	a, err := New(Config{BaseURL: "https://acme.ladesk.com", APIKey: "k3", APIV1Key: "k1", BotAgentID: "bot00001", WebhookSecret: "s"})
	if err != nil {
		b.Fatal(err)
	}
	g := messageGroup{ID: "gr000001", UserID: "vu000001", Type: "C", DateCreated: "2026-05-04 10:00:00"}
	for i := range 500 {
		g.Messages = append(g.Messages,
			message{ID: flexString(fmt.Sprint("v", i)), UserID: "vu000001", Type: "M", Format: "T", DateCreated: "2026-05-04 10:00:00",
				Message: flexString(fmt.Sprintf("question %d about shipping to Austria", i))},
			message{ID: flexString(fmt.Sprint("b", i)), UserID: "bot00001", Type: "M", Format: "T", DateCreated: "2026-05-04 10:00:01",
				Message: flexString(render(handover.Outgoing{Text: fmt.Sprintf("Answer %d: three days.", i), Answer: true, Prompt: handover.PromptHuman,
					Buttons: []handover.Button{{Title: "Request chat with human agent", Value: handover.ChoiceRequestHuman}}}, english))})
	}
	v := &view{t: ticket{ID: "tk000001", AgentID: "bot00001", Status: "T", DepartmentID: "dp000001"}, groups: []messageGroup{g}, agents: map[string]agent{}}
	b.ReportAllocs()
	for b.Loop() {
		if c := a.build(context.Background(), v); c.BotAnswers != 500 {
			b.Fatalf("answers %d", c.BotAnswers)
		}
	}
}

// hookBot is testenv.Bot that runs during (rule deliveries arriving while the LLM thinks) in
// its first answer.
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

// A chat's first message fires two rules, "chat started" (a re-check) and "message added", in
// no set order (docs/helpdesks/liveagent.md §2.1); both bodies carry the ticket's state. One
// turn answers, and the other delivery costs at most one read: none when it comes first or
// folds into the same turn, one re-read of the messages when "message added" arrives while
// the turn started by "chat started" thinks (its body cannot say which message was added, so
// the turn looks before posting; the re-read then covers it, and it runs no turn of its own).
func TestTurnCostFirstMessageRules(t *testing.T) {
	plain := map[string]int{readMessages: 1, postMessage: 1}
	for _, tc := range []struct {
		name string
		run  func(e *costEnv, l *handover.Lanes, started, added handover.Event, bot *hookBot)
		want map[string]int
	}{
		{"message added first, chat started while the bot thinks", func(e *costEnv, l *handover.Lanes, started, added handover.Event, bot *hookBot) {
			bot.during = func() { e.submit(l, started) }
			e.submit(l, added)
		}, plain},
		{"chat started first, message added while the bot thinks", func(e *costEnv, l *handover.Lanes, started, added handover.Event, bot *hookBot) {
			bot.during = func() { e.submit(l, added) }
			e.submit(l, started)
		}, map[string]int{readMessages: 2, postMessage: 1}},
		{"both before the turn began (folded, the same state)", func(e *costEnv, l *handover.Lanes, started, added handover.Event, _ *hookBot) {
			e.submit(l, handover.Event{Kind: handover.EventChanged, ConversationID: "blocker"})
			e.submit(l, started, added)
		}, plain},
		{"chat started only (message added lost)", func(e *costEnv, l *handover.Lanes, started, _ handover.Event, _ *hookBot) {
			e.submit(l, started)
		}, plain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newCostEnv(t)
			e.turn(func() { e.visitor("warm", "Hello") }) // fills the agent directory
			e.deliveries()                                // the rule the warm-up's answer fired
			id := e.visitor("jane", "How long does shipping take?")
			evs := e.deliveries()
			var started, added handover.Event
			for _, ev := range evs {
				if _, ok := ev.Hint.(*ruleHint); !ok || ev.ConversationID != id {
					t.Fatalf("event %+v", ev)
				}
				if ev.Recheck {
					started = ev
				} else {
					added = ev
				}
			}
			if len(evs) != 2 || !started.Recheck || added.Recheck {
				t.Fatalf("deliveries: %+v", evs)
			}
			bot := &hookBot{}
			eng, err := handover.NewEngine(handover.Options{Helpdesk: e.a, Bot: bot, RequiredAnswers: 3})
			if err != nil {
				t.Fatal(err)
			}
			block := make(chan struct{})
			var mu sync.Mutex
			var outcomes []string
			l := handover.NewLanes(func(ctx context.Context, ev handover.Event) (string, error) {
				if ev.ConversationID == "blocker" {
					<-block
					return handover.OutcomeNothing, nil
				}
				out, err := eng.Handle(ctx, ev)
				mu.Lock()
				outcomes = append(outcomes, out)
				mu.Unlock()
				return out, err
			}, handover.LaneOptions{MaxConcurrent: 1})
			e.la.ResetCalls()
			tc.run(e, l, started, added, bot)
			close(block)
			for deadline := time.Now().Add(5 * time.Second); laBotMessages(e.ticket(id)) < 1; time.Sleep(2 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("no answer")
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := l.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			got := callCounts(e.la.Calls())
			wantCalls(t, "first message", got, tc.want)
			if len(outcomes) != 1 || outcomes[0] != handover.OutcomeAnswered || laBotMessages(e.ticket(id)) != 1 {
				t.Errorf("turns %v, %d bot messages; want one answer", outcomes, laBotMessages(e.ticket(id)))
			}
		})
	}
}

func (e *costEnv) submit(l *handover.Lanes, evs ...handover.Event) {
	e.t.Helper()
	for _, ev := range evs {
		if err := l.Submit(ev); err != nil {
			e.t.Error(err)
		}
	}
}

// laBotMessages counts the bot's public messages in a ticket.
func laBotMessages(tk sim.Ticket) int {
	n := 0
	for _, m := range tk.Messages {
		if m.Role == "bot" && !m.Note {
			n++
		}
	}
	return n
}
