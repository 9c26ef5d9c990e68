package intercom

// Crash recovery, takeover detection, claiming and the quick-reply guard: the adapter against
// the simulated Intercom over real HTTP, turns run by the real engine where the engine's order of
// calls matters.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/testenv"
)

// engine is the real engine on the adapter, with the scripted bot; a post that fails is retried
// at once.
func (e *env) engine(required int) *handover.Engine {
	e.t.Helper()
	eng, err := handover.NewEngine(handover.Options{Helpdesk: e.a, Bot: testenv.Bot{}, RequiredAnswers: required,
		HumanRequestInChat: true, LLMTimeout: 5 * time.Second, PostSettle: time.Millisecond})
	if err != nil {
		e.t.Fatal(err)
	}
	return eng
}

// run handles the events the webhooks delivered since the last call, in order, and returns the
// outcomes (an error's outcome is "failed").
func (e *env) run(eng *handover.Engine) []string {
	e.t.Helper()
	var out []string
	for _, ev := range e.takeEvents() {
		o, _ := eng.Handle(e.ctx(), ev)
		out = append(out, o)
	}
	return out
}

// reconcile runs the reconciler's event for conv, as after a crash.
func (e *env) reconcile(eng *handover.Engine, conv string) (string, error) {
	return eng.Handle(e.ctx(), handover.Event{Kind: handover.EventReconcile, ConversationID: conv})
}

// failOnce answers the first request that match accepts with status and an Intercom error,
// then lets every request through.
func failOnce(status int, match func(r *http.Request, body map[string]any) bool) interceptor {
	var done atomic.Bool
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		if !done.Load() && match(r, body) {
			done.Store(true)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"type":"error.list","errors":[{"code":"injected","message":"injected failure"}]}`))
			return
		}
		next.ServeHTTP(w, r)
	}
}

// carriesNote: a note, or an assignment with a body (how the adapter writes its notes).
func carriesNote(r *http.Request, body map[string]any) bool {
	if r.Method != http.MethodPost {
		return false
	}
	if strings.HasSuffix(r.URL.Path, "/reply") && body["message_type"] == "note" {
		return true
	}
	b, _ := body["body"].(string)
	return strings.HasSuffix(r.URL.Path, "/parts") && body["message_type"] == "assignment" && b != ""
}

// isUnassignment: the bot admin unassigned (the last step of a handover).
func isUnassignment(r *http.Request, body map[string]any) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/parts") && body["type"] == "admin" && body["assignee_id"] == "0"
}

func isTeamAssignment(r *http.Request, body map[string]any) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/parts") && body["type"] == "team"
}

// notes returns the texts of the bot's notes starting with heading.
func (e *env) notes(conv, heading string) []string {
	var out []string
	for _, m := range e.load(conv).Messages {
		if m.Private && m.Role == handover.RoleBot && strings.HasPrefix(m.Text, heading) {
			out = append(out, m.Text)
		}
	}
	return out
}

// botTexts returns the bot's public messages.
func (e *env) botTexts(conv string) []string {
	var out []string
	for _, m := range e.load(conv).Messages {
		if m.Role == handover.RoleBot && !m.Private {
			out = append(out, m.Text)
		}
	}
	return out
}

// offlineUpToEmail drives a conversation, nobody available, to the bot's question for the
// visitor's address.
func (e *env) offlineUpToEmail(eng *handover.Engine) string {
	e.t.Helper()
	e.s.SetAway(e.demo.AliceID, true)
	id := e.start("joe", "I want a person")
	if out := e.run(eng); strings.Join(out, ",") != handover.OutcomeNoAgent {
		e.t.Fatalf("request: %v", out)
	}
	if _, err := e.s.VisitorReply(id, "Leave a message", choiceUUID(handover.ChoiceOffline)); err != nil {
		e.t.Fatal(err)
	}
	if out := e.run(eng); strings.Join(out, ",") != handover.OutcomeAskEmail {
		e.t.Fatalf("offline choice: %v", out)
	}
	return id
}

// A crash (here: the note, the team assignment's body, failing) between creating the offline ticket and writing the note: the
// retried turn finds the ticket among the conversation's linked tickets, files no second one, and
// the visitor is told once.
func TestOfflineTicketRetryFilesOneTicket(t *testing.T) {
	e := newEnv(t)
	e.a.cfg.TicketTypeID = e.demo.TicketTypeID
	eng := e.engine(1)
	id := e.offlineUpToEmail(eng)

	e.setIntercept(failOnce(http.StatusInternalServerError, carriesNote))
	if _, err := e.s.VisitorReply(id, "joe@example.com", ""); err != nil {
		t.Fatal(err)
	}
	if out := e.run(eng); strings.Join(out, ",") != handover.OutcomeFailed {
		t.Fatalf("the failed filing: %v", out)
	}
	if ts := e.s.Tickets(); len(ts) != 1 || ts[0].ConversationID != id {
		t.Fatalf("tickets after the failure %+v", ts)
	}
	// Unfinished: the bot still holds the conversation, so the reconciler sees it.
	if conv := e.load(id); conv.State != handover.StateBot {
		t.Fatalf("after the failure: %s", conv.State)
	}
	if ids, err := e.a.BotConversations(e.ctx()); err != nil || strings.Join(ids, ",") != id {
		t.Fatalf("reconciler's list %v %v", ids, err)
	}
	e.calls()
	if out, err := e.reconcile(eng, id); err != nil || out != handover.OutcomeOffline {
		t.Fatalf("the retried turn: %s %v", out, err)
	}
	got := strings.Join(e.calls(), ",")
	if strings.Contains(got, "POST /tickets") || !strings.Contains(got, "GET /tickets/") {
		t.Fatalf("the retry created a ticket or did not look for it: %s", got)
	}
	if ts := e.s.Tickets(); len(ts) != 1 {
		t.Fatalf("%d tickets", len(ts))
	}
	if ns := e.notes(id, offlineHeading); len(ns) != 1 || !strings.Contains(ns[0], "Ticket: #1\n") || !strings.Contains(ns[0], "Reply to: joe@example.com") {
		t.Fatalf("offline notes %q", ns)
	}
	confirmations := 0
	for _, b := range e.botTexts(id) {
		if strings.Contains(b, "joe@example.com") {
			confirmations++
		}
	}
	if confirmations != 1 {
		t.Fatalf("%d confirmations: %q", confirmations, e.botTexts(id))
	}
	if conv := e.load(id); conv.State != handover.StateOffline {
		t.Fatalf("after the retry: %s", conv.State)
	}
	// The same event once more changes nothing.
	e.calls()
	if out, err := e.reconcile(eng, id); err != nil || out != handover.OutcomeIgnored {
		t.Fatalf("a third look: %s %v", out, err)
	}
	for _, c := range e.calls() {
		if !strings.HasPrefix(c, "GET ") {
			t.Fatalf("a third look wrote: %s", c)
		}
	}
}

// A crash after the note (here: the bot's unassignment refused once, after the team assignment
// that carries the note): the retry writes no second note and files no second ticket; it
// finishes the assignments and confirms.
func TestOfflineRetryAfterNote(t *testing.T) {
	e := newEnv(t)
	e.a.cfg.TicketTypeID = e.demo.TicketTypeID
	eng := e.engine(1)
	id := e.offlineUpToEmail(eng)
	e.setIntercept(failOnce(http.StatusBadRequest, isUnassignment))
	if _, err := e.s.VisitorReply(id, "joe@example.com", ""); err != nil {
		t.Fatal(err)
	}
	if out := e.run(eng); strings.Join(out, ",") != handover.OutcomeFailed {
		t.Fatalf("the failed filing: %v", out)
	}
	if conv := e.load(id); conv.State != handover.StateBot || len(e.notes(id, offlineHeading)) != 1 {
		t.Fatalf("after the failure: %s, notes %q", conv.State, e.notes(id, offlineHeading))
	}
	if out, err := e.reconcile(eng, id); err != nil || out != handover.OutcomeOffline {
		t.Fatalf("the retried turn: %s %v", out, err)
	}
	v, _ := e.s.Conversation(id)
	if len(e.s.Tickets()) != 1 || len(e.notes(id, offlineHeading)) != 1 || v.AdminAssigneeID != "" || v.TeamAssigneeID != e.demo.TeamID {
		t.Fatalf("tickets %d, notes %q, assignees %q/%q", len(e.s.Tickets()), e.notes(id, offlineHeading), v.AdminAssigneeID, v.TeamAssigneeID)
	}
}

// Without a ticket type, the same: the note is not repeated.
func TestOfflineConversationRetry(t *testing.T) {
	e := newEnv(t)
	eng := e.engine(1)
	id := e.offlineUpToEmail(eng)
	e.setIntercept(failOnce(http.StatusBadRequest, isTeamAssignment))
	if _, err := e.s.VisitorReply(id, "joe@example.com", ""); err != nil {
		t.Fatal(err)
	}
	e.run(eng)
	if out, err := e.reconcile(eng, id); err != nil || out != handover.OutcomeOffline {
		t.Fatalf("the retried turn: %s %v", out, err)
	}
	if ns := e.notes(id, offlineHeading); len(ns) != 1 {
		t.Fatalf("notes %q", ns)
	}
	if conv := e.load(id); conv.State != handover.StateOffline {
		t.Fatalf("state %s", conv.State)
	}
}

// A Customer ticket type cannot be linked to the conversation (and would show the team's note to
// the visitor): Intercom refuses the ticket, and the conversation is still filed with the team.
func TestOfflineCustomerTicketTypeRefused(t *testing.T) {
	e := newEnv(t)
	e.a.cfg.TicketTypeID = e.demo.CustomerTicketTypeID
	id := e.start("joe", "Can I get a refund?")
	conv := e.load(id)
	if err := e.a.LeaveOffline(e.ctx(), conv, handover.Handoff{Reason: handover.ReasonButton, Email: "joe@example.com"}); err != nil {
		t.Fatal(err)
	}
	if len(e.s.Tickets()) != 0 {
		t.Fatal("a customer ticket was filed")
	}
	conv = e.load(id)
	v, _ := e.s.Conversation(id)
	if conv.State != handover.StateOffline || v.TeamAssigneeID != e.demo.TeamID || !strings.Contains(lastNote(conv), "Ticket: none") {
		t.Fatalf("state %s, team %q, note %q", conv.State, v.TeamAssigneeID, lastNote(conv))
	}
	if !strings.Contains(e.logs.String(), "Back-office") {
		t.Errorf("the log does not say what to fix: %s", e.logs.String())
	}
}

// An earlier filing's ticket (linked, older than the visitor's new messages) is not taken for
// this filing's.
func TestOfflineSecondFilingNewTicket(t *testing.T) {
	e := newEnv(t)
	e.a.cfg.TicketTypeID = e.demo.TicketTypeID
	id := e.start("joe", "First question")
	if err := e.a.LeaveOffline(e.ctx(), e.load(id), handover.Handoff{Reason: handover.ReasonButton, Email: "joe@example.com"}); err != nil {
		t.Fatal(err)
	}
	// A teammate gives the conversation back to the bot; later the visitor leaves a message again.
	if err := e.s.Assign(id, e.demo.AliceID, "admin", e.demo.BotID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // Intercom's timestamps are seconds
	if _, err := e.s.VisitorReply(id, "Another question", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.a.LeaveOffline(e.ctx(), e.load(id), handover.Handoff{Reason: handover.ReasonButton, Email: "joe@example.com"}); err != nil {
		t.Fatal(err)
	}
	if ts := e.s.Tickets(); len(ts) != 2 {
		t.Fatalf("%d tickets, want a new one for the new message", len(ts))
	}
	if ns := e.notes(id, offlineHeading); len(ns) != 2 || !strings.Contains(ns[1], "Ticket: #2\n") {
		t.Fatalf("notes %q", ns)
	}
}

// The visitor's address is written to a contact that has none, never over the contact's own.
func TestOfflineKeepsContactEmail(t *testing.T) {
	e := newEnv(t)
	id := e.start("joe", "hello")
	conv := e.load(id)
	conv.Visitor.Email = "joe@company.example"
	e.calls()
	if err := e.a.LeaveOffline(e.ctx(), conv, handover.Handoff{Reason: handover.ReasonButton, Email: "other@example.com"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range e.calls() {
		if strings.HasPrefix(c, "PUT /contacts/") {
			t.Fatalf("the contact's address was overwritten: %s", c)
		}
	}
	if note := lastNote(e.load(id)); !strings.Contains(note, "Reply to: other@example.com") {
		t.Fatalf("note %q", note)
	}
}

// A retried handover writes its note once (the first attempt wrote it with the team assignment
// and failed on the bot's unassignment).
func TestHandToHumanRetry(t *testing.T) {
	e := newEnv(t)
	id := e.start("joe", "I need a person")
	e.setIntercept(failOnce(http.StatusBadRequest, isUnassignment))
	h := handover.Handoff{Reason: handover.ReasonRequest, Summary: "Wants a person."}
	if err := e.a.HandToHuman(e.ctx(), e.load(id), h); err == nil {
		t.Fatal("the refused assignment went unnoticed")
	}
	if conv := e.load(id); conv.State != handover.StateBot {
		t.Fatalf("after the failure: %s", conv.State)
	}
	if err := e.a.HandToHuman(e.ctx(), e.load(id), h); err != nil {
		t.Fatal(err)
	}
	if ns := e.notes(id, handoverHeading); len(ns) != 1 {
		t.Fatalf("handover notes %q", ns)
	}
	if conv := e.load(id); conv.State != handover.StateQueued {
		t.Fatalf("state %s", conv.State)
	}
	// A later handover, after the visitor wrote again, writes a note of its own.
	if err := e.s.Assign(id, e.demo.AliceID, "admin", e.demo.BotID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.VisitorReply(id, "still there?", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.a.HandToHuman(e.ctx(), e.load(id), h); err != nil {
		t.Fatal(err)
	}
	if ns := e.notes(id, handoverHeading); len(ns) != 2 {
		t.Fatalf("handover notes %q", ns)
	}
}

// When the team's assignment method gives the conversation to a teammate as the team is
// assigned, the handover leaves it with them instead of unassigning them.
func TestHandToHumanKeepsTeamAssignee(t *testing.T) {
	e := newEnv(t)
	id := e.start("joe", "I need a person")
	e.setIntercept(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		if isTeamAssignment(r, body) {
			_ = e.s.Assign(id, e.demo.AliceID, "admin", e.demo.AliceID) // round robin, as Intercom's Operator would
		}
		next.ServeHTTP(w, r)
	})
	conv := e.load(id)
	e.calls()
	if err := e.a.HandToHuman(e.ctx(), conv, handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		t.Fatal(err)
	}
	// The team assignment (with the note): the bot does not unassign Alice.
	if got := e.calls(); len(got) != 1 || got[0] != "POST /conversations/"+id+"/parts" {
		t.Fatalf("calls %v", got)
	}
	if v, _ := e.s.Conversation(id); v.AdminAssigneeID != e.demo.AliceID || v.TeamAssigneeID != e.demo.TeamID {
		t.Fatalf("assignees %q/%q", v.AdminAssigneeID, v.TeamAssigneeID)
	}
}

// The workspace's other conversations are not the bot's: no turn speaks there, and an agent's
// reply there is no takeover to announce.
func TestNeverInvolvedConversations(t *testing.T) {
	e := newEnv(t)
	eng := e.engine(1)
	e.s.SetWorkflowAssignee(e.demo.AliceID)
	id := e.start("joe", "hello")
	if err := e.s.AdminReply(id, e.demo.AliceID, "Hi, Alice here."); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.VisitorReply(id, "thanks", ""); err != nil {
		t.Fatal(err)
	}
	e.calls()
	for _, o := range e.run(eng) {
		if o != handover.OutcomeIgnored {
			t.Fatalf("outcome %s in Alice's conversation", o)
		}
	}
	for _, c := range e.calls() {
		if !strings.HasPrefix(c, "GET /conversations/") {
			t.Fatalf("a turn in Alice's conversation called %s", c)
		}
	}
	if conv := e.load(id); conv.State != handover.StateOther || len(e.botTexts(id)) != 0 {
		t.Fatalf("state %s, bot %q", conv.State, e.botTexts(id))
	}
	// A team conversation the bot never had is not queued for it either.
	e.s.SetWorkflowAssignee("")
	id2 := e.start("ann", "hello")
	if err := e.s.Assign(id2, e.demo.AliceID, "team", e.demo.TeamID); err != nil {
		t.Fatal(err)
	}
	if conv := e.load(id2); conv.State != handover.StateOther {
		t.Fatalf("a team conversation: %s", conv.State)
	}
}

// What a teammate did before the conversation came to the bot does not take it from the bot: a
// teammate may hand a conversation to the bot.
func TestTeammateGivesConversationToBot(t *testing.T) {
	e := newEnv(t)
	eng := e.engine(3)
	e.s.SetWorkflowAssignee("")
	id := e.start("joe", "hello")
	if err := e.s.AdminReply(id, e.demo.AliceID, "Let me pass you to our assistant."); err != nil {
		t.Fatal(err)
	}
	if err := e.s.Assign(id, e.demo.AliceID, "admin", e.demo.BotID); err != nil {
		t.Fatal(err)
	}
	if conv := e.load(id); conv.State != handover.StateBot {
		t.Fatalf("given to the bot: %s", conv.State)
	}
	e.takeEvents()
	if _, err := e.s.VisitorReply(id, "How long does shipping take?", ""); err != nil {
		t.Fatal(err)
	}
	if out := e.run(eng); strings.Join(out, ",") != handover.OutcomeAnswered {
		t.Fatalf("outcomes %v", out)
	}
}

// A teammate's private note is no takeover; their public reply is.
func TestTeammateNoteIsNoTakeover(t *testing.T) {
	e := newEnv(t)
	id := e.start("joe", "hello")
	req, _ := http.NewRequestWithContext(e.ctx(), http.MethodPost, e.a.cfg.BaseURL+"/conversations/"+id+"/reply",
		strings.NewReader(`{"message_type":"note","type":"admin","admin_id":"`+e.demo.AliceID+`","body":"<p>VIP customer</p>"}`))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("note: %v %v", resp, err)
	}
	resp.Body.Close()
	conv := e.load(id)
	if conv.State != handover.StateBot {
		t.Fatalf("after a teammate's note: %s", conv.State)
	}
	if m := conv.Messages[len(conv.Messages)-1]; !m.Private || m.Role != handover.RoleAgent || m.Text != "VIP customer" {
		t.Fatalf("note %+v", m)
	}
	if err := e.s.AdminReply(id, e.demo.AliceID, "Hi"); err != nil {
		t.Fatal(err)
	}
	if conv := e.load(id); conv.State != handover.StateAgent || conv.AgentName != "Alice" {
		t.Fatalf("after a teammate's reply: %s %q", conv.State, conv.AgentName)
	}
}

// A teammate who assigns the bot's conversation to a team or to nobody takes it from the bot;
// assigning it back gives it back.
func TestTeammateRoutesConversation(t *testing.T) {
	e := newEnv(t)
	eng := e.engine(1)
	id := e.start("joe", "hello")
	e.run(eng)
	if err := e.s.Assign(id, e.demo.AliceID, "team", e.demo.TeamID); err != nil {
		t.Fatal(err)
	}
	evs := e.takeEvents()
	if len(evs) != 1 || evs[0].Kind != handover.EventAgentActivity || evs[0].Recheck {
		t.Fatalf("routing events %+v", evs)
	}
	if conv := e.load(id); conv.State != handover.StateQueued {
		t.Fatalf("routed to a team while the bot is the admin assignee: %s", conv.State)
	}
	n := len(e.botTexts(id))
	if _, err := e.s.VisitorReply(id, "hello?", ""); err != nil {
		t.Fatal(err)
	}
	if out := e.run(eng); strings.Join(out, ",") != handover.OutcomeIgnored || len(e.botTexts(id)) != n {
		t.Fatalf("the bot answered a routed conversation: %v", out)
	}
	if err := e.s.Assign(id, e.demo.AliceID, "admin", e.demo.BotID); err != nil {
		t.Fatal(err)
	}
	if conv := e.load(id); conv.State != handover.StateBot {
		t.Fatalf("given back: %s", conv.State)
	}
	if err := e.s.Assign(id, e.demo.AliceID, "admin", "0"); err != nil {
		t.Fatal(err)
	}
	if conv := e.load(id); conv.State != handover.StateQueued {
		t.Fatalf("unassigned by a person, still in the team: %s", conv.State)
	}
}

// A workflow's message (the Operator, not an AI answer) does not silence the bot; Fin's answer
// does, unless it came before the conversation was assigned to the bot.
func TestWorkflowAndFinMessages(t *testing.T) {
	e := newEnv(t)
	eng := e.engine(5)
	id := e.start("joe", "hello")
	e.run(eng)
	if err := e.s.WorkflowReply(id, "Give the team a way to reach you."); err != nil {
		t.Fatal(err)
	}
	e.run(eng)
	if conv := e.load(id); conv.State != handover.StateBot {
		t.Fatalf("after a workflow's message: %s", conv.State)
	}
	if strings.Contains(e.logs.String(), "misconfiguration") {
		t.Fatalf("a workflow's message logged a misconfiguration: %s", e.logs.String())
	}
	if _, err := e.s.VisitorReply(id, "Where is my order?", ""); err != nil {
		t.Fatal(err)
	}
	if out := e.run(eng); strings.Join(out, ",") != handover.OutcomeAnswered {
		t.Fatalf("the bot did not answer after a workflow's message: %v", out)
	}

	// Fin answered first, then a teammate gave the conversation to the bot.
	e.s.SetWorkflowAssignee("")
	id2 := e.start("ann", "hello")
	if err := e.s.FinReply(id2, "I'm Fin."); err != nil {
		t.Fatal(err)
	}
	e.takeEvents()
	if conv := e.load(id2); conv.State != handover.StateOther {
		t.Fatalf("Fin's conversation: %s", conv.State)
	}
	if strings.Contains(e.logs.String(), "misconfiguration") {
		t.Fatalf("Fin in a conversation not the bot's logged a misconfiguration")
	}
	if err := e.s.Assign(id2, e.demo.AliceID, "admin", e.demo.BotID); err != nil {
		t.Fatal(err)
	}
	if conv := e.load(id2); conv.State != handover.StateBot {
		t.Fatalf("Fin's conversation given to the bot: %s", conv.State)
	}
	// Fin answers again while the bot holds it: silence, and the warning.
	if err := e.s.FinReply(id2, "Still me."); err != nil {
		t.Fatal(err)
	}
	e.takeEvents()
	if conv := e.load(id2); conv.State != handover.StateOther || !strings.Contains(e.logs.String(), "misconfiguration") {
		t.Fatalf("Fin in the bot's conversation: %s; log %s", conv.State, e.logs.String())
	}
}

// With HANDOVER_INTERCOM_CLAIM_UNASSIGNED the bot takes the untouched unassigned conversations it
// gets a visitor's message for: one more call on the first turn, and its own assignment starts
// nothing.
func TestClaimUnassigned(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ClaimUnassigned = true })
	eng := e.engine(5)
	e.s.SetWorkflowAssignee("")
	id := e.start("joe", "hello")
	got, outs := e.turn(eng)
	want := map[string]int{"GET /conversations/{id}": 1, "POST /conversations/{id}/parts": 1, "POST /conversations/{id}/reply": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) || strings.Join(outs, ",") != handover.OutcomeAnswered {
		t.Fatalf("claiming turn %v %v", got, outs)
	}
	if v, _ := e.s.Conversation(id); v.AdminAssigneeID != e.demo.BotID {
		t.Fatalf("admin assignee %q", v.AdminAssigneeID)
	}
	if evs := e.takeEvents(); len(evs) != 0 {
		t.Fatalf("the claim and the answer started %+v", evs)
	}
	if _, err := e.s.VisitorReply(id, "And returns?", ""); err != nil {
		t.Fatal(err)
	}
	plain := map[string]int{"GET /conversations/{id}": 1, "POST /conversations/{id}/reply": 1}
	if got, outs := e.turn(eng); fmt.Sprint(got) != fmt.Sprint(plain) || strings.Join(outs, ",") != handover.OutcomeAnswered {
		t.Fatalf("second turn %v %v", got, outs)
	}

	// Touched conversations are not claimed: a teammate replied, or a team holds it.
	touched := e.start("ann", "hello")
	if err := e.s.AdminReply(touched, e.demo.AliceID, "Hi, Alice here."); err != nil {
		t.Fatal(err)
	}
	teamed := e.start("bea", "hello")
	if err := e.s.Assign(teamed, e.demo.AliceID, "team", e.demo.TeamID); err != nil {
		t.Fatal(err)
	}
	e.takeEvents()
	for _, c := range []string{touched, teamed} {
		ev := handover.Event{Kind: handover.EventVisitorMessage, ConversationID: c}
		if out, err := eng.Handle(e.ctx(), ev); err != nil || out != handover.OutcomeIgnored {
			t.Fatalf("conversation %s: %s %v", c, out, err)
		}
		if v, _ := e.s.Conversation(c); v.AdminAssigneeID != "" {
			t.Fatalf("conversation %s was claimed", c)
		}
	}
}

// Without the setting, an unassigned conversation is not the bot's.
func TestNoClaimByDefault(t *testing.T) {
	e := newEnv(t)
	eng := e.engine(5)
	e.s.SetWorkflowAssignee("")
	id := e.start("joe", "hello")
	e.calls()
	if out := e.run(eng); strings.Join(out, ",") != handover.OutcomeIgnored {
		t.Fatalf("outcomes %v", out)
	}
	if got := e.calls(); len(got) != 1 || got[0] != "GET /conversations/"+id {
		t.Fatalf("calls %v", got)
	}
	if v, _ := e.s.Conversation(id); v.AdminAssigneeID != "" {
		t.Fatal("claimed without the setting")
	}
}

// Should Intercom keep no text on a quick reply, the text follows as a comment at once, later
// messages with buttons are a comment and a bodiless quick reply, and Load reads each pair as
// one message.
func TestQuickReplyWithoutBody(t *testing.T) {
	e := newEnv(t)
	e.setIntercept(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		if json.Unmarshal(b, &body) == nil && body["message_type"] == "quick_reply" {
			delete(body, "body")
			b, _ = json.Marshal(body)
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		next.ServeHTTP(w, r)
	})
	id := e.start("joe", "Where is my order?")
	out := handover.Outgoing{Text: "It shipped.", Answer: true, Prompt: handover.PromptHuman,
		Buttons: []handover.Button{{Title: "Request chat with human agent", Value: handover.ChoiceRequestHuman}}}
	e.calls()
	if err := e.a.Post(e.ctx(), e.load(id), out); err != nil {
		t.Fatal(err)
	}
	v, _ := e.s.Conversation(id)
	ps := v.Parts[len(v.Parts)-2:]
	if ps[0].PartType != "quick_reply" || ps[0].Body != "" || ps[1].PartType != "comment" || ps[1].Body != "<p>It shipped.</p>" {
		t.Fatalf("parts %+v", ps)
	}
	check := func(answers int) {
		t.Helper()
		conv := e.load(id)
		m := conv.Messages[conv.LastBotMessage()]
		if m.Text != "It shipped." || len(m.Buttons) != 1 || m.Prompt != handover.PromptHuman || conv.BotAnswers != answers {
			t.Fatalf("read back %+v, %d answers", m, conv.BotAnswers)
		}
	}
	check(1)
	if _, err := e.s.VisitorReply(id, "thanks", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.a.Post(e.ctx(), e.load(id), out); err != nil {
		t.Fatal(err)
	}
	v, _ = e.s.Conversation(id)
	ps = v.Parts[len(v.Parts)-2:]
	if ps[0].PartType != "comment" || ps[1].PartType != "quick_reply" {
		t.Fatalf("the second message's parts %+v", ps)
	}
	check(2)
	if !strings.Contains(e.logs.String(), "quick reply") {
		t.Errorf("no warning: %s", e.logs.String())
	}
}

// A claim Intercom refuses for good leaves the conversation unclaimed, without failing the turn.
func TestClaimRefused(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ClaimUnassigned = true })
	eng := e.engine(5)
	e.s.SetWorkflowAssignee("")
	e.setIntercept(failOnce(http.StatusForbidden, func(r *http.Request, body map[string]any) bool {
		return strings.HasSuffix(r.URL.Path, "/parts") && body["assignee_id"] == e.demo.BotID
	}))
	id := e.start("joe", "hello")
	if out := e.run(eng); strings.Join(out, ",") != handover.OutcomeIgnored {
		t.Fatalf("outcomes %v", out)
	}
	if v, _ := e.s.Conversation(id); v.AdminAssigneeID != "" || len(e.botTexts(id)) != 0 {
		t.Fatalf("assignee %q, bot %q", v.AdminAssigneeID, e.botTexts(id))
	}
	if !strings.Contains(e.logs.String(), "could not claim") {
		t.Fatalf("no warning: %s", e.logs.String())
	}
}
