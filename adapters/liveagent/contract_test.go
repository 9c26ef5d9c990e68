package liveagent

// Contract test: the adapter against the simulated LiveAgent (adapters/sim), an independent
// reading of LiveAgent's API v3 and v1, over real HTTP, including the rule HTTP requests the
// simulator really sends with the bodies from Rules.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sim "github.com/handover-dev/handover/adapters/sim/liveagent"
	"github.com/handover-dev/handover/handover"
)

const (
	testKey   = "v3-key-contract-0001"
	testV1Key = "v1-key-contract-0002"
	testHook  = "hook-secret-0003"
)

// hookRecorder stands in for handover's webhook endpoint.
type hookRecorder struct {
	mu    sync.Mutex
	paths []string
	body  [][]byte
}

func (rec *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.paths = append(rec.paths, r.URL.Path)
	rec.body = append(rec.body, b)
	rec.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (rec *hookRecorder) all() ([]string, [][]byte) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.paths), slices.Clone(rec.body)
}

// env is one simulated account, its HTTP server, the adapter and a rule recorder.
type env struct {
	t    *testing.T
	la   *sim.Server
	srv  *httptest.Server
	demo sim.Demo
	a    *Adapter
	rec  *hookRecorder
}

func newEnv(t *testing.T, mod ...func(*Config)) *env {
	t.Helper()
	e := &env{t: t, rec: &hookRecorder{}}
	// One fake clock paces the adapter's limiter and the simulator's rate window: the
	// 180-a-minute budget holds without the test waiting for it.
	clk := newFakeClock()
	e.la = sim.New(sim.Options{APIKey: testKey, APIV1Key: testV1Key, Now: clk.Now})
	e.srv = httptest.NewServer(e.la.Handler())
	hooks := httptest.NewServer(e.rec)
	t.Cleanup(func() { e.la.Close(); e.srv.Close(); hooks.Close() })
	e.demo = e.la.SeedDemo()
	for _, r := range Rules(e.la.BotAgentID()) {
		if r.Action == "HTTP request" {
			e.la.AddRule(sim.Rule{Name: r.Name, Trigger: r.Trigger, Method: r.Method, URL: WebhookURL(hooks.URL, testHook), Body: r.Body})
		}
	}
	cfg := Config{BaseURL: e.srv.URL, APIKey: testKey, APIV1Key: testV1Key, BotAgentID: e.la.BotAgentID(),
		WebhookSecret: testHook, Departments: map[string]string{e.demo.BotDepartment: e.demo.SupportDepartment},
		RetryWaitMax: 20 * time.Millisecond, Clock: clk}
	for _, m := range mod {
		m(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.a = a
	return e
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

func (e *env) visitor(contact, text string) string {
	e.t.Helper()
	id, _, err := e.la.VisitorSend(e.ctx(), "", contact, text)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.la.WaitIdle(e.ctx()); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) load(id string) *handover.Conversation {
	e.t.Helper()
	c, err := e.a.Load(e.ctx(), id)
	if err != nil {
		e.t.Fatalf("Load(%s): %v", id, err)
	}
	return c
}

func (e *env) ticket(id string) sim.Ticket {
	e.t.Helper()
	tk, ok := e.la.Ticket(id)
	if !ok {
		e.t.Fatalf("ticket %s missing", id)
	}
	return tk
}

func simNotes(tk sim.Ticket) []sim.TicketMessage {
	var out []sim.TicketMessage
	for _, m := range tk.Messages {
		if m.Note {
			out = append(out, m)
		}
	}
	return out
}

func TestContractRuleBodiesParseToTheTicket(t *testing.T) {
	e := newEnv(t)
	id := e.visitor("Jane Doe", "How long does shipping take?")
	paths, bodies := e.rec.all()
	if len(bodies) != 2 {
		t.Fatalf("want chat started + message added deliveries, got %d: %q", len(bodies), bodies)
	}
	for i, b := range bodies {
		secret := strings.TrimPrefix(paths[i], "/webhooks/liveagent/")
		if err := e.a.Authenticate(nil, secret, b, time.Now()); err != nil {
			t.Fatalf("delivery %d does not authenticate: %v", i, err)
		}
		evs, err := e.a.Parse(b)
		if err != nil || len(evs) != 1 {
			t.Fatalf("Parse(%s) = %v, %v", b, evs, err)
		}
		if evs[0].ConversationID != id || evs[0].Kind != handover.EventVisitorMessage {
			t.Fatalf("event %+v, want visitor message for %s", evs[0], id)
		}
	}
}

func TestContractLoadNewChat(t *testing.T) {
	e := newEnv(t)
	id := e.visitor("Jane Doe", "How long does shipping take?")
	c := e.load(id)
	if c.State != handover.StateBot || c.ID != id || c.Department != e.demo.SupportDepartment || c.Channel != "web" {
		t.Fatalf("snapshot %+v", c)
	}
	p := c.PendingVisitorMessages()
	if len(p) != 1 || p[0].Text != "How long does shipping take?" || p[0].Author != "Jane Doe" {
		t.Fatalf("pending %+v", p)
	}
	// The widget's user-agent line is system, not the visitor speaking.
	if c.Messages[0].Role != handover.RoleSystem {
		t.Fatalf("first message %+v", c.Messages[0])
	}
	if c.Visitor.Name != "Jane Doe" || c.Visitor.ID == "" || c.BotAnswers != 0 {
		t.Fatalf("visitor %+v answers %d", c.Visitor, c.BotAnswers)
	}
}

func TestContractPostAnswerPromptAndCount(t *testing.T) {
	e := newEnv(t)
	id := e.visitor("hans", "Wie lange dauert der Versand nach Deutschland?")
	c := e.load(id)
	err := e.a.Post(e.ctx(), c, handover.Outgoing{Text: "Drei Tage.", Answer: true, Prompt: handover.PromptHuman,
		Buttons: []handover.Button{{Title: "Request chat with human agent", Value: handover.ChoiceRequestHuman}}})
	if err != nil {
		t.Fatal(err)
	}
	tk := e.ticket(id)
	last := tk.Messages[len(tk.Messages)-1]
	if last.Role != "bot" || last.Type != "M" || !strings.Contains(last.Text, `"Mitarbeiter"`) {
		t.Fatalf("bot message in the sim: %+v", last)
	}
	if !slices.ContainsFunc(e.la.Calls(), func(cl sim.Call) bool {
		return cl.Method == http.MethodPost && strings.HasSuffix(cl.Path, "/messages") && cl.Token == "v1" && strings.Contains(cl.Body, "type=M")
	}) {
		t.Fatal("no v1 message post with the v1 key")
	}
	c = e.load(id)
	lb := c.Messages[c.LastBotMessage()]
	if lb.Prompt != handover.PromptHuman || c.BotAnswers != 1 {
		t.Fatalf("bot message %+v answers %d", lb, c.BotAnswers)
	}
	var titles []string
	for _, b := range lb.Buttons {
		if b.Value == handover.ChoiceRequestHuman {
			titles = append(titles, b.Title)
		}
	}
	for _, want := range []string{"Mitarbeiter", "agent", "Request chat with human agent"} {
		if !slices.Contains(titles, want) {
			t.Fatalf("buttons %v miss %q", titles, want)
		}
	}
	// A notice is not an answer.
	if err := e.a.Post(e.ctx(), c, handover.Outgoing{Text: handover.DefaultTexts().Continue}); err != nil {
		t.Fatal(err)
	}
	if n := e.load(id).BotAnswers; n != 1 {
		t.Fatalf("answers after a notice: %d", n)
	}
}

func TestContractAvailabilityExcludesTheBot(t *testing.T) {
	e := newEnv(t)
	id := e.visitor("v", "hello")
	c := e.load(id)
	ok, err := e.a.Available(e.ctx(), c)
	if err != nil || !ok {
		t.Fatalf("Alice is online in Support: %v %v", ok, err)
	}
	e.la.SetAvailability(e.demo.Alice, "busy")
	if ok, err := e.a.Available(e.ctx(), c); err != nil || ok {
		t.Fatalf("busy is not online for chat: %v %v", ok, err)
	}
	// The bot's own department has only the bot, online: nobody.
	c.Department = e.demo.BotDepartment
	if ok, err := e.a.Available(e.ctx(), c); err != nil || ok {
		t.Fatalf("the bot counted as available: %v %v", ok, err)
	}
}

func TestContractHandToHumanQueueThenAgentAccepts(t *testing.T) {
	e := newEnv(t)
	id := e.visitor("v", "I need a person")
	c := e.load(id)
	if err := e.a.HandToHuman(e.ctx(), c, handover.Handoff{Reason: handover.ReasonRequest, Summary: "Wants a person about an order."}); err != nil {
		t.Fatal(err)
	}
	tk := e.ticket(id)
	if tk.DepartmentID != e.demo.SupportDepartment || tk.AgentID != "" || tk.Status != "T" {
		t.Fatalf("ticket after handover: %+v", tk)
	}
	ns := simNotes(tk)
	if len(ns) != 1 || !strings.Contains(ns[0].Text, "asked to talk to a person") || !strings.Contains(ns[0].Text, "about an order") || ns[0].Role != "bot" {
		t.Fatalf("notes %+v", ns)
	}
	if !slices.ContainsFunc(e.la.Calls(), func(cl sim.Call) bool {
		return cl.Method == http.MethodPut && strings.HasSuffix(cl.Path, "/attendants") && cl.Status == http.StatusOK
	}) {
		t.Fatal("no v1 attendants transfer")
	}
	if s := e.load(id).State; s != handover.StateQueued {
		t.Fatalf("state %s, want queued", s)
	}
	if err := e.la.AgentTake(e.ctx(), id, e.demo.Alice); err != nil {
		t.Fatal(err)
	}
	c = e.load(id)
	if c.State != handover.StateAgent || c.AgentName != "Alice" || c.JoinAnnounced {
		t.Fatalf("after accept: %s %q %v", c.State, c.AgentName, c.JoinAnnounced)
	}
	if err := e.a.MarkAgentJoined(e.ctx(), c, "Alice"); err != nil {
		t.Fatal(err)
	}
	if c := e.load(id); !c.JoinAnnounced || c.State != handover.StateAgent {
		t.Fatalf("not announced: %+v", c)
	}
}

func TestContractAgentWritingIsATakeover(t *testing.T) {
	e := newEnv(t)
	id := e.visitor("v", "hello")
	if _, err := e.la.AgentReply(e.ctx(), id, e.demo.Alice, "Hi, Alice here & ready", false); err != nil {
		t.Fatal(err)
	}
	c := e.load(id)
	if c.State != handover.StateAgent || c.AgentName != "Alice" {
		t.Fatalf("state %s %q", c.State, c.AgentName)
	}
	am := c.Messages[len(c.Messages)-1]
	if am.Role != handover.RoleAgent || am.Text != "Hi, Alice here & ready" {
		t.Fatalf("HTML agent message not read as text: %+v", am)
	}
	if err := e.a.MarkAgentJoined(e.ctx(), c, "Alice"); err != nil {
		t.Fatal(err)
	}
	if tk := e.ticket(id); tk.AgentID != e.demo.Alice {
		t.Fatalf("the chat stayed with %q, want Alice", tk.AgentID)
	}
	// An agent's note is not a takeover.
	id2 := e.visitor("w", "hi")
	if _, err := e.la.AgentReply(e.ctx(), id2, e.demo.Alice, "watching", true); err != nil {
		t.Fatal(err)
	}
	if s := e.load(id2).State; s != handover.StateBot {
		t.Fatalf("a note took over: %s", s)
	}
}

func TestContractLeaveOfflineInTheChat(t *testing.T) {
	e := newEnv(t)
	id := e.visitor("v", "anyone?")
	c := e.load(id)
	h := handover.Handoff{Reason: handover.ReasonButton, Summary: "Asks about a refund.", Email: "jane@example.com", Transcript: c.Transcript()}
	if err := e.a.LeaveOffline(e.ctx(), c, h); err != nil {
		t.Fatal(err)
	}
	tk := e.ticket(id)
	// The chat keeps running (the visitor is told next), in Support's queue, tagged.
	if tk.Status != "T" || !slices.Contains(tk.Tags, TagOffline) || tk.AgentID != "" || tk.DepartmentID != e.demo.SupportDepartment {
		t.Fatalf("offline ticket %+v", tk)
	}
	ns := simNotes(tk)
	if len(ns) != 1 || !strings.Contains(ns[0].Text, "jane@example.com") || !strings.Contains(ns[0].Text, "anyone?") {
		t.Fatalf("notes %+v", ns)
	}
	if s := e.load(id).State; s != handover.StateOffline {
		t.Fatalf("state %s", s)
	}
}

func TestContractLeaveOfflineAfterTheChatEnded(t *testing.T) {
	e := newEnv(t)
	id := e.visitor("v", "my parcel is lost")
	c := e.load(id)
	if err := e.la.VisitorLeave(e.ctx(), id); err != nil {
		t.Fatal(err)
	}
	h := handover.Handoff{Reason: handover.ReasonButton, Summary: "Lost parcel.", Email: "jane@example.com", Transcript: c.Transcript()}
	if err := e.a.LeaveOffline(e.ctx(), c, h); err != nil {
		t.Fatal(err)
	}
	all := e.la.Tickets()
	if len(all) != 2 {
		t.Fatalf("want a new offline ticket, have %d", len(all))
	}
	nt := all[1]
	if nt.OwnerEmail != "jane@example.com" || nt.Status != "N" || nt.DepartmentID != e.demo.SupportDepartment ||
		!slices.Contains(nt.Tags, TagOffline) || !strings.Contains(nt.Messages[0].Text, "my parcel is lost") {
		t.Fatalf("offline ticket %+v", nt)
	}
	orig := e.ticket(id)
	ns := simNotes(orig)
	if !slices.Contains(orig.Tags, TagOffline) || len(ns) != 1 || !strings.Contains(ns[0].Text, nt.Code) {
		t.Fatalf("chat ticket %+v", orig)
	}
	if s := e.load(id).State; s != handover.StateOffline {
		t.Fatalf("state %s", s)
	}
}

func TestContractNotFoundAndCodes(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"tk00ffff", "{$conversation_id}", ""} {
		if _, err := e.a.Load(e.ctx(), id); !errors.Is(err, handover.ErrNotFound) {
			t.Fatalf("Load(%q) = %v, want ErrNotFound", id, err)
		}
	}
	id := e.visitor("v", "hi")
	code := e.ticket(id).Code
	if c := e.load(code); c.ID != id || c.State != handover.StateBot {
		t.Fatalf("by code: %+v", c)
	}
}

func TestContractTicketsWithoutTheBotAreNotItsBusiness(t *testing.T) {
	e := newEnv(t)
	// A chat in Support (no bot there) that Alice answers: a rule fires for it too.
	id, _, err := e.la.VisitorSend(e.ctx(), e.demo.SupportDepartment, "human-only", "hello?")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.la.AgentTake(e.ctx(), id, e.demo.Alice); err != nil {
		t.Fatal(err)
	}
	if _, err := e.la.AgentReply(e.ctx(), id, e.demo.Alice, "hi", false); err != nil {
		t.Fatal(err)
	}
	if s := e.load(id).State; s != handover.StateOther {
		t.Fatalf("state %s, want other", s)
	}
}

func TestContractListerAndDirectory(t *testing.T) {
	e := newEnv(t)
	a := e.visitor("a", "one")
	b := e.visitor("b", "two")
	if err := e.la.VisitorLeave(e.ctx(), b); err != nil {
		t.Fatal(err)
	}
	ids, err := e.a.BotConversations(e.ctx())
	if err != nil || len(ids) != 1 || ids[0] != a {
		t.Fatalf("BotConversations = %v, %v; want [%s]", ids, err, a)
	}
	convs, err := e.a.Conversations(e.ctx())
	if err != nil || len(convs) != 1 || convs[0].State != handover.StateBot {
		t.Fatalf("Conversations = %v, %v", convs, err)
	}
	agents, err := e.a.Agents(e.ctx())
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(agents, func(x handover.Agent) bool { return x.ID == e.la.BotAgentID() }) {
		t.Fatal("the bot is listed as a human agent")
	}
	if err := e.a.AssignAgent(e.ctx(), convs[0], e.demo.Bob); err != nil {
		t.Fatal(err)
	}
	if c := e.load(a); c.State != handover.StateAgent || c.AgentName != "Bob" {
		t.Fatalf("after AssignAgent: %s %q", c.State, c.AgentName)
	}
}

func TestContractV1ErrorWithHTTP200IsPermanentAndKeysNeverLeak(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.APIV1Key = "wrong-v1-key-9999" })
	id := e.visitor("v", "hi")
	c := e.load(id)
	err := e.a.Post(e.ctx(), c, handover.Outgoing{Text: "hello"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !apiErr.InBody || apiErr.Status != http.StatusOK || !errors.Is(err, handover.ErrPermanent) {
		t.Fatalf("want a permanent v1 ERROR with HTTP 200, got %v", err)
	}
	if strings.Contains(err.Error(), "wrong-v1-key-9999") || strings.Contains(err.Error(), testKey) {
		t.Fatalf("a key leaked: %v", err)
	}
	// A v3 key on v1 is a 403 (docs/helpdesks/liveagent.md §1.1).
	e2 := newEnv(t, func(c *Config) { c.APIV1Key = testKey })
	id2 := e2.visitor("v", "hi")
	err = e2.a.Post(e2.ctx(), e2.load(id2), handover.Outgoing{Text: "hello"})
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden || strings.Contains(err.Error(), testKey) {
		t.Fatalf("v3 key on v1: %v", err)
	}
}

// The engine's notices come in the visitor's language; the adapter tells them from answers
// by their shape, not their words: the offline and email prompts, and the bot's reply to a
// choice the visitor typed, are not answers.
func TestContractLocalizedNoticesAreNotAnswers(t *testing.T) {
	e := newEnv(t)
	id := e.visitor("hans", "Ich möchte wissen, wie lange der Versand dauert")
	post := func(out handover.Outgoing) {
		t.Helper()
		if err := e.a.Post(e.ctx(), e.load(id), out); err != nil {
			t.Fatal(err)
		}
	}
	post(handover.Outgoing{Text: "Drei Tage.", Answer: true})
	post(handover.Outgoing{Text: "Gerade ist kein Mitarbeiter erreichbar.", Prompt: handover.PromptOffline,
		Buttons: []handover.Button{{Title: "Chatbot beenden", Value: handover.ChoiceOffline}, {Title: "Weiter mit dem Bot", Value: handover.ChoiceContinue}}})
	if _, _, err := e.la.VisitorSend(e.ctx(), "", "hans", "bot"); err != nil {
		t.Fatal(err)
	}
	post(handover.Outgoing{Text: "Gerne, ich bin weiter für Sie da. Wobei kann ich helfen?"})
	if _, _, err := e.la.VisitorSend(e.ctx(), "", "hans", "Und die Rücksendung?"); err != nil {
		t.Fatal(err)
	}
	post(handover.Outgoing{Text: "Dreißig Tage.", Answer: true})
	c := e.load(id)
	if c.BotAnswers != 2 {
		t.Fatalf("BotAnswers = %d, want 2:\n%s", c.BotAnswers, c.Transcript())
	}
	tk := e.ticket(id)
	if !strings.Contains(tk.Messages[len(tk.Messages)-1].Text, "Dreißig") {
		t.Fatalf("last message %+v", tk.Messages[len(tk.Messages)-1])
	}
	// The email prompt says, in German, to type the address into the chat.
	post(handover.Outgoing{Text: "Bitte geben Sie Ihre E-Mail-Adresse ein.", Prompt: handover.PromptEmail})
	c = e.load(id)
	if lb := c.Messages[c.LastBotMessage()]; lb.Prompt != handover.PromptEmail || !strings.Contains(lb.Text, "hier in den Chat") {
		t.Fatalf("email prompt %+v", lb)
	}
}

// Reads survive LiveAgent's 500s and dropped connections (retried); every attempt is observed.
func TestContractReadsSurviveFaultsAndAreObserved(t *testing.T) {
	var mu sync.Mutex
	statuses := map[int]int{}
	e := newEnv(t, func(c *Config) {
		c.RetryMax = 8
		c.Observe = func(_ string, status int) { mu.Lock(); statuses[status]++; mu.Unlock() }
	})
	id := e.visitor("v", "hello")
	e.la.SetFaults(sim.Faults{Status500Rate: 0.3, DropRate: 0.1})
	for range 5 {
		if c := e.load(id); c.State != handover.StateBot {
			t.Fatalf("state %s", c.State)
		}
	}
	e.la.SetFaults(sim.Faults{})
	mu.Lock()
	defer mu.Unlock()
	if statuses[http.StatusOK] == 0 || statuses[http.StatusInternalServerError]+statuses[0] == 0 {
		t.Fatalf("observed %v: the faults never happened or were not observed", statuses)
	}
}
