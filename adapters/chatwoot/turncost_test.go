package chatwoot

// What a turn costs: the real engine, in lanes, drives the adapter against
// the simulated Chatwoot over HTTP, fed with the webhooks the simulator
// really sent, and the simulator's call log says which calls each turn made.

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	sim "github.com/handover-dev/handover/adapters/sim/chatwoot"
	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/testenv"
)

type costEnv struct {
	*contractEnv
	t       *testing.T
	engine  *handover.Engine
	handled map[string]bool // deliveries already run (by body)
}

// newCostEnv is a contract environment whose adapter maps the demo inbox to
// its team when teamed, and an engine offering the human button from the
// required answer on.
func newCostEnv(t *testing.T, teamed bool, required int) *costEnv {
	t.Helper()
	e := newContractEnv(t, false)
	if !teamed {
		a, err := New(Config{BaseURL: e.a.cfg.BaseURL, AccountID: simAccount, BotToken: simBot, UserToken: simUser,
			WebhookSecret: simSecret, RetryWaitMax: 50 * time.Millisecond, HTTPTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		e.a = a
	}
	eng, err := handover.NewEngine(handover.Options{Helpdesk: e.a, Bot: testenv.Bot{}, RequiredAnswers: required,
		HumanRequestInChat: true, LLMTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &costEnv{contractEnv: e, t: t, engine: eng, handled: map[string]bool{}}
}

// turn runs the events of every webhook delivered since the last turn, for
// conversation convID, in lanes as the service does, and returns the calls
// they made, one line each: "METHOD route token".
func (e *costEnv) turn(convID int) []string {
	t := e.t
	t.Helper()
	e.idle(t)
	var evs []handover.Event
	for _, h := range e.rec.all() {
		if e.handled[string(h.Body)] {
			continue
		}
		e.handled[string(h.Body)] = true
		if err := e.a.Authenticate(h.Header, pathSecretOf(h.Path), h.Body, time.Now()); err != nil {
			t.Fatal(err)
		}
		parsed, err := e.a.Parse(h.Body)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range parsed {
			if ev.ConversationID == strconv.Itoa(convID) {
				evs = append(evs, ev)
			}
		}
	}
	e.sim.ResetCalls()
	lanes := handover.NewLanes(e.engine.Handle, handover.LaneOptions{})
	for _, ev := range evs {
		if err := lanes.Submit(ev); err != nil {
			t.Fatal(err)
		}
		// One event at a time, as webhooks arrive one after another.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		for lanes.Active() > 0 && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := lanes.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	return callLines(e.sim.Calls())
}

var idSegment = regexp.MustCompile(`/\d+`)

func callLines(calls []sim.Call) []string {
	out := make([]string, 0, len(calls))
	for _, c := range calls {
		path := strings.TrimPrefix(c.Path, fmt.Sprintf("/api/v1/accounts/%d", simAccount))
		out = append(out, c.Method+" "+idSegment.ReplaceAllString(path, "/{id}")+" "+c.Token)
	}
	return out
}

func wantCalls(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s made %d calls:\n  %s\nwant %d:\n  %s", what, len(got), strings.Join(got, "\n  "), len(want), strings.Join(want, "\n  "))
	}
}

const (
	readMessages  = "GET /conversations/{id}/messages user"
	readConv      = "GET /conversations/{id} bot"
	postMessage   = "POST /conversations/{id}/messages bot"
	teamMembers   = "GET /teams/{id}/team_members user"
	inboxMembers  = "GET /inbox_members/{id} user"
	assignTeam    = "POST /conversations/{id}/assignments bot"
	toggleOpen    = "POST /conversations/{id}/toggle_status bot"
	writeAttrs    = "POST /conversations/{id}/custom_attributes bot"
	writeLabels   = "POST /conversations/{id}/labels bot"
	visitorSender = "visitor"
)

func (e *costEnv) visitor(contact, text string) int {
	e.t.Helper()
	id, _, err := e.sim.VisitorSend(e.t.Context(), e.demo.InboxID, contact, text)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func lastBotView(t *testing.T, v sim.ConversationView) sim.MessageView {
	t.Helper()
	for i := len(v.Messages) - 1; i >= 0; i-- {
		if m := v.Messages[i]; m.SenderType == "agent_bot" && !m.Private {
			return m
		}
	}
	t.Fatal("no bot message")
	return sim.MessageView{}
}

// A plain turn is one read and one post, and a second turn in the same
// conversation too: the answer count comes from the messages read.
func TestCostPlainTurn(t *testing.T) {
	t.Parallel()
	e := newCostEnv(t, true, 2)
	id := e.visitor(visitorSender, "How long does shipping take?")
	wantCalls(t, "a plain turn", e.turn(id), readMessages, postMessage)
	e.visitor(visitorSender, "And to Austria?")
	wantCalls(t, "the second plain turn", e.turn(id), readMessages, postMessage)
	v := e.view(t, id)
	if m := lastBotView(t, v); m.ContentType != "input_select" {
		t.Fatalf("the second answer (required 2) carries no button: %+v", m)
	}
	if len(v.CustomAttributes) != 0 {
		t.Fatalf("custom attributes written: %v", v.CustomAttributes)
	}
}

// A conversation of 1,000 messages costs what a short one does.
func TestCostLongConversation(t *testing.T) {
	t.Parallel()
	e := newCostEnv(t, true, 3)
	id := e.visitor(visitorSender, "first")
	for i := range 499 {
		if err := e.a.Post(t.Context(), &handover.Conversation{ID: strconv.Itoa(id)}, handover.Outgoing{Text: fmt.Sprint("answer ", i), Answer: true}); err != nil {
			t.Fatal(err)
		}
		e.visitor(visitorSender, fmt.Sprint("question ", i))
	}
	e.idle(t)
	for _, h := range e.rec.all() { // the history's webhooks were answered long ago
		e.handled[string(h.Body)] = true
	}
	if n := len(e.view(t, id).Messages); n != 999 {
		t.Fatalf("%d messages", n)
	}
	e.visitor(visitorSender, "And the thousandth?")
	wantCalls(t, "a plain turn after 999 messages", e.turn(id), readMessages, postMessage)
	v := e.view(t, id)
	if m := lastBotView(t, v); !strings.Contains(m.Content, "thousandth") || m.ContentType != "input_select" {
		t.Fatalf("answer %+v", m)
	}
}

// A handover to a team queue: read, availability, note, team, open, notice.
// Six calls, five when the conversation already is in the team or the
// queue is the inbox's.
func TestCostHandover(t *testing.T) {
	t.Parallel()
	t.Run("button, team queue", func(t *testing.T) {
		t.Parallel()
		e := newCostEnv(t, true, 0)
		id := e.visitor(visitorSender, "Where is my parcel?")
		e.turn(id)
		btn := lastBotView(t, e.view(t, id))
		if err := e.sim.VisitorClick(t.Context(), id, btn.ID, handover.ChoiceRequestHuman); err != nil {
			t.Fatal(err)
		}
		wantCalls(t, "a handover to a team", e.turn(id), readMessages, teamMembers, postMessage, assignTeam, toggleOpen, postMessage)
		v := e.view(t, id)
		if v.Status != "open" || v.TeamID != e.demo.TeamID || v.BotHandoffs != 1 || !strings.Contains(lastBotView(t, v).Content, "human agent") {
			t.Fatalf("after the handover: %+v", v)
		}
		if conv := e.load(t, id); conv.State != handover.StateQueued {
			t.Fatalf("state %s", conv.State)
		}
	})
	t.Run("free text, inbox queue", func(t *testing.T) {
		t.Parallel()
		e := newCostEnv(t, false, 3)
		id := e.visitor(visitorSender, "Where is my parcel?")
		e.turn(id)
		e.visitor(visitorSender, "I want a human")
		wantCalls(t, "a handover to an inbox", e.turn(id), readMessages, inboxMembers, postMessage, toggleOpen, postMessage)
		if conv := e.load(t, id); conv.State != handover.StateQueued {
			t.Fatalf("state %s", conv.State)
		}
	})
	t.Run("team set before", func(t *testing.T) {
		t.Parallel()
		e := newCostEnv(t, true, 3)
		id := e.visitor(visitorSender, "Where is my parcel?")
		e.turn(id)
		// An automation rule or an agent put the conversation in the team
		// (without auto-assignment, which would make it a takeover).
		e.sim.SetTeamAutoAssign(e.demo.TeamID, false)
		if err := e.a.call(t.Context(), idempotentRequest, userToken, "POST", "/conversations/"+strconv.Itoa(id)+"/assignments", map[string]int{"team_id": e.demo.TeamID}, nil); err != nil {
			t.Fatal(err)
		}
		e.visitor(visitorSender, "I want a human")
		wantCalls(t, "a handover to a team already set", e.turn(id), readMessages, teamMembers, postMessage, toggleOpen, postMessage)
	})
}

// Nobody available: the offer, the email prompt and the offline message.
func TestCostOffline(t *testing.T) {
	t.Parallel()
	e := newCostEnv(t, true, 3)
	e.sim.SetAvailability(e.demo.AliceID, "offline")
	id := e.visitor(visitorSender, "I want a human")
	wantCalls(t, "the offline offer", e.turn(id), readMessages, teamMembers, postMessage)
	offer := lastBotView(t, e.view(t, id))
	if err := e.sim.VisitorClick(t.Context(), id, offer.ID, handover.ChoiceOffline); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, "the email prompt", e.turn(id), readMessages, postMessage)
	ask := lastBotView(t, e.view(t, id))
	if err := e.sim.VisitorSubmitEmail(t.Context(), id, ask.ID, "jane@example.com"); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, "the offline message", e.turn(id), readMessages, postMessage, writeLabels, toggleOpen, postMessage)
	v := e.view(t, id)
	if v.Status != "open" || !slices.Contains(v.Labels, LabelOffline) || !strings.Contains(lastBotView(t, v).Content, "jane@example.com") {
		t.Fatalf("after the offline message: %+v", v)
	}
	if conv := e.load(t, id); conv.State != handover.StateOffline {
		t.Fatalf("state %s", conv.State)
	}
}

// An agent's reply in a pending conversation: read, join notice, the mark,
// open. After that, the agent's replies cost nothing.
func TestCostTakeover(t *testing.T) {
	t.Parallel()
	e := newCostEnv(t, true, 3)
	id := e.visitor(visitorSender, "Hello")
	e.turn(id)
	if _, err := e.sim.AgentReply(t.Context(), id, e.demo.AliceID, "Hi, Alice here.", false); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, "a takeover", e.turn(id), readMessages, postMessage, writeAttrs, toggleOpen)
	v := e.view(t, id)
	if !strings.Contains(lastBotView(t, v).Content, "Alice joined the chat") || v.Status != "open" {
		t.Fatalf("after the takeover: %+v", v)
	}
	if _, err := e.sim.AgentReply(t.Context(), id, e.demo.AliceID, "Let me check.", false); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, "an agent's reply after the takeover", e.turn(id))

	// A takeover by assignment: the assignment's activity message is newer
	// than the webhook knew, so the conversation is read too.
	id2 := e.visitor("another", "Hello")
	e.turn(id2)
	if err := e.sim.AgentAssign(t.Context(), id2, e.demo.BobID); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, "a takeover by assignment", e.turn(id2), readMessages, readConv, postMessage, writeAttrs, toggleOpen)
	if v := e.view(t, id2); !strings.Contains(lastBotView(t, v).Content, "Bob joined the chat") {
		t.Fatalf("after the assignment: %+v", v)
	}
}

// A late webhook whose conversation predates the handover: the messages show
// what it did not know, so the conversation is read, and the bot stays
// silent in the handed-over conversation.
func TestCostStaleHint(t *testing.T) {
	t.Parallel()
	e := newCostEnv(t, true, 3)
	id := e.visitor(visitorSender, "Where is my parcel?")
	e.idle(t)
	var late []hook
	for _, h := range e.rec.all() {
		late = append(late, h)
		e.handled[string(h.Body)] = true
	}
	e.visitor(visitorSender, "I want a human")
	e.turn(id)
	if v := e.view(t, id); v.Status != "open" {
		t.Fatalf("not handed over: %+v", v)
	}
	// The visitor writes on (an open conversation: no bot event), then the
	// first message's webhook arrives again, late.
	e.visitor(visitorSender, "hello? anyone?")
	e.idle(t)
	for _, h := range e.rec.all() {
		e.handled[string(h.Body)] = true
	}
	e.rec.mu.Lock()
	e.rec.hooks = append(e.rec.hooks, late...)
	e.rec.mu.Unlock()
	for _, h := range late {
		delete(e.handled, string(h.Body))
	}
	before := len(e.view(t, id).Messages)
	wantCalls(t, "a late webhook", e.turn(id), readMessages, readConv)
	if n := len(e.view(t, id).Messages); n != before {
		t.Fatalf("the bot spoke in a handed-over conversation:\n%+v", e.view(t, id).Messages[before:])
	}
}

// The reconciler's listing leaves out the conversations the bot already
// answered, so idle conversations cost it no read; one whose visitor wrote
// last stays in.
func TestReconcilerListSkipsAnsweredConversations(t *testing.T) {
	t.Parallel()
	e := newCostEnv(t, true, 5)
	answered := e.visitor("ada", "How long does shipping take?")
	e.turn(answered)
	waiting := e.visitor("bob", "Where is my parcel?")
	e.idle(t)
	ids, err := e.a.BotConversations(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ids, strconv.Itoa(answered)) {
		t.Errorf("listed %v: includes the answered conversation %d", ids, answered)
	}
	if !slices.Contains(ids, strconv.Itoa(waiting)) {
		t.Errorf("listed %v: lacks the waiting conversation %d", ids, waiting)
	}
}

// A backlog deeper than one listing is swept in turn: each pass reads the
// newest pages and the next window of older ones, and starts over at the
// end, so an unanswered conversation below everything the bot answered since
// is reached (here with windows of one page: 25 conversations).
func TestReconcilerListSweepsOlderPages(t *testing.T) {
	t.Parallel()
	e := newCostEnv(t, true, 5)
	e.a.botList = &apiclient.Sweep{Newest: 1, Older: 1}
	old := strconv.Itoa(e.visitor("first", "Is anyone there?"))
	for i := range 90 { // newer conversations, all answered: pages 1-4 hold 91, the oldest last
		id := strconv.Itoa(e.visitor(fmt.Sprintf("v%d", i), "How long does shipping take?"))
		if err := e.a.Post(t.Context(), &handover.Conversation{ID: id, State: handover.StateBot},
			handover.Outgoing{Text: "Three to five days.", Answer: true}); err != nil {
			t.Fatal(err)
		}
	}
	e.idle(t)
	var found []int
	for pass := 1; pass <= 6; pass++ {
		e.sim.ResetCalls()
		ids, err := e.a.BotConversations(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) > 0 && !slices.Equal(ids, []string{old}) {
			t.Fatalf("pass %d listed %v: only %s waits for an answer", pass, ids, old)
		}
		if len(ids) == 1 {
			found = append(found, pass)
		}
		if n := len(e.sim.Calls()); n != 2 {
			t.Errorf("pass %d made %d calls, want 2 (the newest page and one older)", pass, n)
		}
	}
	// Pages 1+2, 1+3, 1+4 (the last, short: start over), 1+2, 1+3, 1+4.
	if !slices.Equal(found, []int{3, 6}) {
		t.Errorf("the oldest conversation was listed in passes %v, want [3 6]", found)
	}
}
