package intercom

// The adapter against the simulated Intercom (adapters/sim/intercom) over real HTTP.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/apiclient"
	sim "github.com/handover-dev/handover/adapters/sim/intercom"
	"github.com/handover-dev/handover/handover"
)

const (
	testToken  = "tok_0123456789abcdef"
	testSecret = "cs_fedcba9876543210"
)

type env struct {
	t    *testing.T
	s    *sim.Server
	demo sim.Demo
	a    *Adapter
	logs *bytes.Buffer

	mu        sync.Mutex
	events    []handover.Event // what the webhooks said, parsed by the adapter
	intercept interceptor      // when set, stands between the adapter and the simulator
}

// interceptor sees an API request before the simulator: it may answer it, change it, or pass it
// on to next.
type interceptor func(w http.ResponseWriter, r *http.Request, next http.Handler)

// setIntercept installs (nil: removes) an interceptor.
func (e *env) setIntercept(f interceptor) {
	e.mu.Lock()
	e.intercept = f
	e.mu.Unlock()
}

func newEnv(t *testing.T, opts ...func(*Config)) *env {
	t.Helper()
	s := sim.New(sim.Options{Token: testToken, ClientSecret: testSecret, RetryWait: 10 * time.Millisecond})
	e := &env{t: t, s: s, demo: s.SeedDemo(), logs: &bytes.Buffer{}}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		f := e.intercept
		e.mu.Unlock()
		if f != nil {
			f(w, r, s.Handler())
			return
		}
		s.Handler().ServeHTTP(w, r)
	}))
	hooks := httptest.NewServer(http.HandlerFunc(e.hook))
	t.Cleanup(func() {
		s.Close()
		hooks.Close()
		api.Close()
	})
	s.SetWebhookURL(hooks.URL + "/webhooks/intercom")
	cfg := Config{BaseURL: api.URL, AccessToken: testToken, ClientSecret: testSecret, BotAdminID: e.demo.BotID,
		TeamID: e.demo.TeamID, RetryWaitMax: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: e.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.a = a
	return e
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// hook is the service's webhook endpoint: authenticate, parse, record.
func (e *env) hook(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := e.a.Authenticate(r.Header, "", body, time.Now()); err != nil {
		e.t.Errorf("simulator's delivery refused: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	evs, err := e.a.Parse(body)
	if err != nil {
		e.t.Errorf("simulator's delivery unparseable: %v\n%s", err, body)
	}
	e.mu.Lock()
	e.events = append(e.events, evs...)
	e.mu.Unlock()
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

// takeEvents waits for the deliveries in flight and returns the events since the last call.
func (e *env) takeEvents() []handover.Event {
	e.t.Helper()
	if err := e.s.WaitIdle(e.ctx()); err != nil {
		e.t.Fatal(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.events
	e.events = nil
	return out
}

func (e *env) start(visitor, text string) string {
	e.t.Helper()
	id, err := e.s.VisitorStart(e.s.Contact(visitor), text)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) load(id string) *handover.Conversation {
	e.t.Helper()
	c, err := e.a.Load(e.ctx(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// calls returns "METHOD /path" of the API calls since the last reset, and resets.
func (e *env) calls() []string {
	var out []string
	for _, c := range e.s.Calls() {
		out = append(out, c.Method+" "+c.Path)
	}
	e.s.ResetCalls()
	return out
}

func TestPostButtonsAndClick(t *testing.T) {
	e := newEnv(t)
	id := e.start("joe", "Where is my order?")
	if evs := e.takeEvents(); len(evs) != 1 || evs[0].Kind != handover.EventVisitorMessage || evs[0].ConversationID != id {
		t.Fatalf("creation events %+v", evs)
	}
	conv := e.load(id)
	if conv.State != handover.StateBot || len(conv.Messages) != 1 || conv.Messages[0].Text != "Where is my order?" || conv.Visitor.ID == "" || conv.Visitor.Name != "joe" {
		t.Fatalf("snapshot %+v", conv)
	}
	e.calls()
	err := e.a.Post(e.ctx(), conv, handover.Outgoing{Text: "It shipped.\n\nTracking: <b>123</b>", Answer: true, Prompt: handover.PromptHuman,
		Buttons: []handover.Button{{Title: "Request chat with human agent", Value: handover.ChoiceRequestHuman}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.calls(); len(got) != 1 || got[0] != "POST /conversations/"+id+"/reply" {
		t.Fatalf("post calls %v", got)
	}
	for _, c := range e.s.Calls() {
		if c.Version != APIVersion {
			t.Errorf("call %s without Intercom-Version %s: %q", c.Path, APIVersion, c.Version)
		}
	}
	v, _ := e.s.Conversation(id)
	p := v.Parts[len(v.Parts)-1]
	if p.PartType != "quick_reply" || p.AuthorID != e.demo.BotID || p.Body != "<p>It shipped.</p><p>Tracking: &lt;b&gt;123&lt;/b&gt;</p>" ||
		len(p.Options) != 1 || p.Options[0].UUID != choiceUUID(handover.ChoiceRequestHuman) {
		t.Fatalf("posted part %+v", p)
	}
	if evs := e.takeEvents(); len(evs) != 0 {
		t.Fatalf("the bot's own reply started %+v", evs)
	}
	conv = e.load(id)
	bot := conv.Messages[len(conv.Messages)-1]
	if conv.BotAnswers != 1 || bot.Role != handover.RoleBot || bot.Prompt != handover.PromptHuman || bot.Text != "It shipped.\n\nTracking: <b>123</b>" ||
		len(bot.Buttons) != 1 || bot.Buttons[0].Value != handover.ChoiceRequestHuman {
		t.Fatalf("bot message %+v (answers %d)", bot, conv.BotAnswers)
	}
	// The click: a visitor comment whose metadata names the option's uuid.
	o := e.s.LastOptions(id)[0]
	if _, err := e.s.VisitorReply(id, o.Text, o.UUID); err != nil {
		t.Fatal(err)
	}
	evs := e.takeEvents()
	if len(evs) != 1 || evs[0].Kind != handover.EventChoice || evs[0].Choice != handover.ChoiceRequestHuman {
		t.Fatalf("click events %+v", evs)
	}
	pending := e.load(id).PendingVisitorMessages()
	if len(pending) != 1 || pending[0].Text != "Request chat with human agent" {
		t.Fatalf("pending %+v", pending)
	}
}

func TestHandToHumanAndTakeover(t *testing.T) {
	e := newEnv(t)
	id := e.start("joe", "I need a person")
	conv := e.load(id)
	if ok, err := e.a.Available(e.ctx(), conv); err != nil || !ok {
		t.Fatalf("Alice is available: %v %v", ok, err)
	}
	e.takeEvents()
	e.calls()
	if err := e.a.HandToHuman(e.ctx(), conv, handover.Handoff{Reason: handover.ReasonButton, Summary: "Wants a refund."}); err != nil {
		t.Fatal(err)
	}
	// The note is the team assignment's body: two calls, not three.
	want := []string{"POST /conversations/" + id + "/parts", "POST /conversations/" + id + "/parts"}
	if got := e.calls(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("handover calls %v", got)
	}
	v, _ := e.s.Conversation(id)
	if v.AdminAssigneeID != "" || v.TeamAssigneeID != e.demo.TeamID {
		t.Fatalf("assignees admin %q team %q", v.AdminAssigneeID, v.TeamAssigneeID)
	}
	if p := v.Parts[len(v.Parts)-2]; p.PartType != "assignment" || p.AssignedToType != "team" ||
		!strings.HasPrefix(sim.PlainText(p.Body), handoverHeading) || !strings.Contains(sim.PlainText(p.Body), "Wants a refund.") {
		t.Fatalf("the team assignment does not carry the note: %+v", p)
	}
	if evs := e.takeEvents(); len(evs) != 0 {
		t.Fatalf("the bot's own note and assignments started %+v", evs)
	}
	conv = e.load(id)
	if conv.State != handover.StateQueued {
		t.Fatalf("state %s", conv.State)
	}
	var note handover.Message
	for _, m := range conv.Messages {
		if m.Private {
			note = m
		}
	}
	if !strings.HasPrefix(note.Text, handoverHeading) || !strings.Contains(note.Text, "Wants a refund.") || note.Role != handover.RoleBot {
		t.Fatalf("note %+v", note)
	}
	if err := e.a.Post(e.ctx(), conv, handover.Outgoing{Text: "I'm handing you over."}); err != nil {
		t.Fatal(err)
	}
	// Alice takes the conversation from the team's inbox: a takeover, to be announced once.
	if err := e.s.Assign(id, e.demo.AliceID, "admin", e.demo.AliceID); err != nil {
		t.Fatal(err)
	}
	evs := e.takeEvents()
	if len(evs) != 1 || evs[0].Kind != handover.EventAgentActivity || evs[0].AgentName != "Alice" {
		t.Fatalf("assignment events %+v", evs)
	}
	conv = e.load(id)
	if conv.State != handover.StateAgent || conv.AgentName != "Alice" || conv.JoinAnnounced {
		t.Fatalf("after the assignment: %s %q announced %v", conv.State, conv.AgentName, conv.JoinAnnounced)
	}
	if err := e.a.Post(e.ctx(), conv, handover.Outgoing{Text: "Alice joined the chat."}); err != nil {
		t.Fatal(err)
	}
	if conv = e.load(id); conv.State != handover.StateAgent || !conv.JoinAnnounced {
		t.Fatalf("after the announcement: %s announced %v", conv.State, conv.JoinAnnounced)
	}
}

func TestTakeoverByReplyAndFin(t *testing.T) {
	e := newEnv(t)
	id := e.start("joe", "hello")
	if err := e.s.AdminReply(id, e.demo.AliceID, "Hi, Alice here."); err != nil {
		t.Fatal(err)
	}
	conv := e.load(id)
	if conv.State != handover.StateAgent || conv.AgentName != "Alice" || conv.JoinAnnounced {
		t.Fatalf("a teammate's reply: %s %q %v", conv.State, conv.AgentName, conv.JoinAnnounced)
	}
	// Reassigned to the bot, the conversation stays the human's: a takeover is for good.
	if err := e.s.Assign(id, e.demo.AliceID, "admin", e.demo.BotID); err != nil {
		t.Fatal(err)
	}
	if conv = e.load(id); conv.State != handover.StateAgent {
		t.Fatalf("after reassigning the bot: %s", conv.State)
	}

	id2 := e.start("ann", "hello")
	e.takeEvents()
	if err := e.s.FinReply(id2, "I'm Fin."); err != nil {
		t.Fatal(err)
	}
	evs := e.takeEvents()
	if len(evs) != 1 || evs[0].Kind != handover.EventAgentActivity {
		t.Fatalf("Fin's events %+v", evs)
	}
	if !strings.Contains(e.logs.String(), "misconfiguration") {
		t.Errorf("no misconfiguration warning: %s", e.logs.String())
	}
	if conv := e.load(id2); conv.State != handover.StateOther {
		t.Fatalf("after Fin: %s", conv.State)
	}
}

func TestAvailability(t *testing.T) {
	e := newEnv(t)
	conv := &handover.Conversation{ID: "1"}
	e.s.SetAway(e.demo.AliceID, true)
	if ok, err := e.a.Available(e.ctx(), conv); err != nil || ok {
		t.Fatalf("everyone away: %v %v", ok, err)
	}
	e.s.SetAway(e.demo.BobID, false)
	if ok, err := e.a.Available(e.ctx(), conv); err != nil || !ok {
		t.Fatalf("Bob back: %v %v", ok, err)
	}
	agents, err := e.a.Agents(e.ctx())
	if err != nil || len(agents) != 2 {
		t.Fatalf("agents %+v %v", agents, err)
	}
	for _, ag := range agents {
		if ag.ID == e.demo.BotID || ag.Available != (ag.Name == "Bob") {
			t.Errorf("agent %+v", ag)
		}
	}
}

func TestLeaveOfflineConversation(t *testing.T) {
	e := newEnv(t)
	id := e.start("joe", "Can I get a refund?")
	conv := e.load(id)
	e.calls()
	err := e.a.LeaveOffline(e.ctx(), conv, handover.Handoff{Reason: handover.ReasonButton, Summary: "Refund.", Email: "joe@example.com",
		Transcript: "Visitor: Can I get a refund?\n"})
	if err != nil {
		t.Fatal(err)
	}
	got := e.calls()
	want := []string{"PUT /contacts/" + conv.Visitor.ID, "POST /conversations/" + id + "/parts", "POST /conversations/" + id + "/parts"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("offline calls %v", got)
	}
	if ct, _ := e.s.ContactView(conv.Visitor.ID); ct.Email != "joe@example.com" {
		t.Fatalf("contact email %q", ct.Email)
	}
	conv = e.load(id)
	if conv.State != handover.StateOffline {
		t.Fatalf("state %s", conv.State)
	}
	v, _ := e.s.Conversation(id)
	if v.TeamAssigneeID != e.demo.TeamID || v.AdminAssigneeID != "" {
		t.Fatalf("assignees %+v", v)
	}
	note := sim.PlainText(v.Parts[len(v.Parts)-2].Body) // the team assignment's body
	for _, s := range []string{offlineHeading, "Reply to: joe@example.com", "Refund.", "Visitor: Can I get a refund?"} {
		if !strings.Contains(note, s) {
			t.Errorf("note lacks %q: %s", s, note)
		}
	}
	if len(e.s.Tickets()) != 0 {
		t.Error("a ticket without a ticket type")
	}
}

func TestLeaveOfflineTicket(t *testing.T) {
	var typ string
	e := newEnv(t, func(c *Config) { c.TicketTypeID = "1" })
	typ = e.demo.TicketTypeID
	e.a.cfg.TicketTypeID = typ
	id := e.start("joe", "Can I get a refund?")
	conv := e.load(id)
	e.calls()
	if err := e.a.LeaveOffline(e.ctx(), conv, handover.Handoff{Reason: handover.ReasonButton, Email: "joe@example.com"}); err != nil {
		t.Fatal(err)
	}
	got := e.calls()
	want := []string{"PUT /contacts/" + conv.Visitor.ID, "POST /tickets",
		"POST /conversations/" + id + "/parts", "POST /conversations/" + id + "/parts"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("offline calls %v", got)
	}
	ts := e.s.Tickets()
	if len(ts) != 1 || ts[0].TicketTypeID != typ || ts[0].ContactID != conv.Visitor.ID || ts[0].TeamID != e.demo.TeamID ||
		ts[0].ConversationID != id || !strings.Contains(ts[0].Attributes["_default_description_"].(string), "Conversation: "+id+"\n") {
		t.Fatalf("tickets %+v", ts)
	}
	conv = e.load(id)
	if conv.State != handover.StateOffline {
		t.Fatalf("state %s", conv.State)
	}
	if note := lastNote(conv); !strings.HasPrefix(note, offlineHeading) || !strings.Contains(note, "Ticket: #1\n") {
		t.Fatalf("note %q", note)
	}
	// A back-office ticket is internal: the team answers the visitor in the conversation, which
	// is theirs too.
	v, _ := e.s.Conversation(id)
	if v.AdminAssigneeID != "" || v.TeamAssigneeID != e.demo.TeamID {
		t.Fatalf("assignees %+v", v)
	}
}

// lastNote returns the text of the conversation's newest private note.
func lastNote(conv *handover.Conversation) string {
	for i := len(conv.Messages) - 1; i >= 0; i-- {
		if conv.Messages[i].Private {
			return conv.Messages[i].Text
		}
	}
	return ""
}

func TestEmailPromptAndProfile(t *testing.T) {
	e := newEnv(t)
	id := e.start("joe", "human please")
	conv := e.load(id)
	err := e.a.Post(e.ctx(), conv, handover.Outgoing{Text: handover.DefaultTexts().NoAgent, Prompt: handover.PromptOffline, Buttons: []handover.Button{
		{Title: "Leave a message", Value: handover.ChoiceOffline}, {Title: "Continue", Value: handover.ChoiceContinue}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.VisitorReply(id, "Leave a message", choiceUUID(handover.ChoiceOffline)); err != nil {
		t.Fatal(err)
	}
	e.calls()
	conv = e.load(id)
	// The offer is the last bot message: the contact is read for its email.
	if got := e.calls(); len(got) != 2 || got[1] != "GET /contacts/"+conv.Visitor.ID {
		t.Fatalf("calls %v", got)
	}
	if conv.BotAnswers != 0 {
		t.Fatalf("the offer counted as an answer: %d", conv.BotAnswers)
	}
	// A custom text for the email question is still recognised: it follows the offline choice.
	if err := e.a.Post(e.ctx(), conv, handover.Outgoing{Text: "Your e-mail, please?", Prompt: handover.PromptEmail}); err != nil {
		t.Fatal(err)
	}
	conv = e.load(id)
	if m := conv.Messages[conv.LastBotMessage()]; m.Prompt != handover.PromptEmail {
		t.Fatalf("email question %+v", m)
	}
}

func TestWindowAndCounters(t *testing.T) {
	e := newEnv(t)
	id := e.start("joe", "q0")
	conv := e.load(id)
	for i := range 350 {
		if err := e.a.Post(e.ctx(), conv, handover.Outgoing{Text: "answer", Answer: true}); err != nil {
			t.Fatal(err)
		}
		if i < 349 {
			if _, err := e.s.VisitorReply(id, "more", ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.calls()
	conv = e.load(id)
	if got := e.calls(); len(got) != 1 {
		t.Fatalf("a load of a long conversation took %v", got)
	}
	// 700 parts (plus the workflow's assignment): the API gives the newest 500, 250 of them answers.
	if !conv.Window || len(conv.Messages) != DefaultWindow || conv.BotAnswers != 250 || conv.State != handover.StateBot {
		t.Fatalf("window %v, %d messages, %d answers, %s", conv.Window, len(conv.Messages), conv.BotAnswers, conv.State)
	}
}

func TestListerAndDirectory(t *testing.T) {
	e := newEnv(t)
	a := e.start("a", "one")
	b := e.start("b", "two")
	c := e.start("c", "three")
	if err := e.a.HandToHuman(e.ctx(), e.load(b), handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Assign(c, e.demo.AliceID, "admin", e.demo.AliceID); err != nil {
		t.Fatal(err)
	}
	// A team conversation the bot never had is not the agent pages' business.
	e.s.SetWorkflowAssignee("")
	d := e.start("d", "four")
	if err := e.s.Assign(d, e.demo.AliceID, "team", e.demo.TeamID); err != nil {
		t.Fatal(err)
	}
	e.s.SetWorkflowAssignee(e.demo.BotID)
	ids, err := e.a.BotConversations(e.ctx())
	if err != nil || strings.Join(ids, ",") != a {
		t.Fatalf("bot conversations %v %v (want %s)", ids, err, a)
	}
	convs, err := e.a.Conversations(e.ctx())
	if err != nil || len(convs) != 2 {
		t.Fatalf("directory %d %v", len(convs), err)
	}
	states := map[string]handover.State{}
	for _, cv := range convs {
		states[cv.ID] = cv.State
	}
	if states[a] != handover.StateBot || states[b] != handover.StateQueued {
		t.Fatalf("states %v", states)
	}
	if err := e.a.AssignAgent(e.ctx(), e.load(a), e.demo.BobID); err != nil {
		t.Fatal(err)
	}
	if conv := e.load(a); conv.State != handover.StateAgent || conv.AgentName != "Bob" {
		t.Fatalf("after AssignAgent: %s %q", conv.State, conv.AgentName)
	}
}

func TestErrorsRetriesAndSecrets(t *testing.T) {
	e := newEnv(t)
	id := e.start("joe", "hi")
	if _, err := e.a.Load(e.ctx(), "999"); !errors.Is(err, handover.ErrNotFound) {
		t.Fatalf("unknown conversation: %v", err)
	}
	if _, err := e.a.Load(e.ctx(), "../admins"); !errors.Is(err, handover.ErrNotFound) {
		t.Fatalf("invalid id: %v", err)
	}
	// A 429 with Retry-After is waited for and retried.
	e.s.SetFaults(helpdesk.Faults{Status429Rate: 1, RetryAfter: time.Second})
	done := make(chan error, 1)
	go func() { _, err := e.a.Load(e.ctx(), id); done <- err }()
	deadline := time.Now().Add(5 * time.Second)
	for len(e.s.Calls()) < 2 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	e.s.SetFaults(helpdesk.Faults{})
	if err := <-done; err != nil {
		t.Fatalf("load through 429s: %v", err)
	}
	// A 500 on a reply is not repeated: Intercom may have created the part.
	e.s.ResetCalls()
	e.s.SetFaults(helpdesk.Faults{Status500Rate: 1})
	err := e.a.Post(e.ctx(), &handover.Conversation{ID: id}, handover.Outgoing{Text: "x"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 500 || apiErr.ErrorType != "server_error" || len(e.s.Calls()) != 1 {
		t.Fatalf("500: %v, %d calls", err, len(e.s.Calls()))
	}
	// A dropped connection on a read is retried (DefaultRetryMax times), then reported.
	e.s.ResetCalls()
	e.s.SetFaults(helpdesk.Faults{DropRate: 1})
	if _, err := e.a.Load(e.ctx(), id); err == nil || errors.Is(err, handover.ErrPermanent) {
		t.Fatalf("every connection dropped: %v", err)
	}
	// (net/http may itself resend an idempotent request once on a reused connection.)
	if n := len(e.s.Calls()); n < DefaultRetryMax+1 || n > 2*(DefaultRetryMax+1) {
		t.Fatalf("a dropped read was tried %d times, want %d retries", n, DefaultRetryMax)
	}
	e.s.SetFaults(helpdesk.Faults{})
	// A wrong token: a permanent error with Intercom's code, and no secret in it or in the logs.
	bad, err := New(Config{BaseURL: e.a.cfg.BaseURL, AccessToken: "wrong-token-123456", ClientSecret: testSecret,
		BotAdminID: e.demo.BotID, TeamID: e.demo.TeamID, Logger: e.a.cfg.Logger})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Load(e.ctx(), id)
	if !errors.Is(err, handover.ErrPermanent) || !apiclient.HasStatus(err, 401) || !strings.Contains(err.Error(), "Access Token Invalid (unauthorized)") {
		t.Fatalf("wrong token: %v", err)
	}
	for _, s := range []string{"wrong-token-123456", testToken, testSecret} {
		if strings.Contains(err.Error(), s) || strings.Contains(e.logs.String(), s) {
			t.Errorf("a secret leaked: %q", s)
		}
	}
}

func TestSettingsProblems(t *testing.T) {
	s := Descriptor.Settings().(*Settings)
	ps := s.Problems()
	for _, v := range []string{"ACCESS_TOKEN", "CLIENT_SECRET", "BOT_ADMIN_ID", "TEAM_ID"} {
		if !strings.Contains(strings.Join(ps, "\n"), "HANDOVER_INTERCOM_"+v) {
			t.Errorf("no problem names HANDOVER_INTERCOM_%s: %v", v, ps)
		}
	}
	good := &Settings{URL: DefaultURL, AccessToken: "very-secret-token", ClientSecret: "very-secret-cs", BotAdminID: "991267715", TeamID: "5017691"}
	if ps := good.Problems(); ps != nil {
		t.Fatalf("valid settings: %v", ps)
	}
	bad := *good
	bad.URL, bad.TicketTypeID, bad.TeamID, bad.RequestsPerMinute = "ftp://user:pw@x", "abc", "team", -1
	ps = bad.Problems()
	if len(ps) != 4 || strings.Contains(strings.Join(ps, ""), "very-secret") {
		t.Fatalf("problems %v", ps)
	}
	if _, err := Descriptor.New(good, helpdesk.Deps{}); err != nil {
		t.Fatalf("New: %v", err)
	}
	claiming := *good
	claiming.ClaimUnassigned = true
	if a, err := Descriptor.New(&claiming, helpdesk.Deps{}); err != nil || !a.(*Adapter).cfg.ClaimUnassigned {
		t.Fatalf("HANDOVER_INTERCOM_CLAIM_UNASSIGNED does not reach the adapter: %v", err)
	}
	if env := helpdesk.Env(Name, &claiming); !strings.Contains(strings.Join(env, " "), "HANDOVER_INTERCOM_CLAIM_UNASSIGNED=true") {
		t.Fatalf("env %v", env)
	}
	if _, err := Descriptor.New(&bad, helpdesk.Deps{}); err == nil {
		t.Fatal("New accepted bad settings")
	}
	if Descriptor.Name != "intercom" || Descriptor.OverloadStatus != http.StatusServiceUnavailable || Descriptor.Sandbox == nil {
		t.Fatalf("descriptor %+v", Descriptor)
	}
	env := helpdesk.Env(Name, good)
	if strings.Join(env, " ") != "HANDOVER_HELPDESK=intercom HANDOVER_INTERCOM_URL=https://api.intercom.io HANDOVER_INTERCOM_ACCESS_TOKEN=very-secret-token HANDOVER_INTERCOM_CLIENT_SECRET=very-secret-cs HANDOVER_INTERCOM_BOT_ADMIN_ID=991267715 HANDOVER_INTERCOM_TEAM_ID=5017691" {
		t.Fatalf("env %v", env)
	}
}

// The reconciler's search reads the first pages and a window of later ones that moves on each
// pass: with one page of each (150 conversations a page), the last of 301 bot conversations
// (page 3 in the simulator's order) is listed by the second pass, not the first.
func TestBotConversationsSweep(t *testing.T) {
	e := newEnv(t)
	e.a.botList = &apiclient.Sweep{Newest: 1, Older: 1}
	var last string
	for i := range 301 {
		last = e.start(fmt.Sprintf("v%03d", i), "a question")
	}
	for pass, want := range []bool{false, true, false} { // pages 1+2, 1+3, 1+2
		ids, err := e.a.BotConversations(e.ctx())
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(ids, last); got != want {
			t.Errorf("pass %d: the last conversation listed %v, want %v (%d listed)", pass+1, got, want, len(ids))
		}
	}
}
