package liveagent

import (
	"errors"
	"strings"
	"testing"

	"github.com/handover-dev/handover/handover"
)

// hintBody is a rule body as ruleBody writes it, with the variables replaced.
func hintBody(event, id, status, dept, agent, email string) string {
	return `{"event":"` + event + `","ticket_id":"` + id + `","ticket_code":"ABC-123-4567","status":"` + status +
		`","department_id":"` + dept + `","agent_id":"` + agent + `","visitor_email":"` + email + `"}`
}

func parseOne(t *testing.T, body string) handover.Event {
	t.Helper()
	evs, err := Parse([]byte(body))
	if err != nil || len(evs) != 1 {
		t.Fatalf("Parse(%s) = %v, %v", body, evs, err)
	}
	return evs[0]
}

// The rule body's state becomes the event's hint only when every piece of it is what
// LiveAgent puts there; anything else leaves the event without a hint (the turn then reads
// the ticket), never with a wrong one.
func TestParseHint(t *testing.T) {
	ev := parseOne(t, hintBody("message_added", "tk00002a", "T", "dp000001", "ag000002", "jane@example.com"))
	h, ok := ev.Hint.(*ruleHint)
	if !ok || *h != (ruleHint{TicketID: "tk00002a", Code: "ABC-123-4567", Status: "T", DepartmentID: "dp000001", AgentID: "ag000002", Email: "jane@example.com"}) {
		t.Fatalf("hint %+v", ev.Hint)
	}
	// No agent: LiveAgent leaves the variable literal (or empty).
	for _, agent := range []string{"{$conversation_agent_id}", ""} {
		h := parseOne(t, hintBody("ticket_transferred", "tk00002a", "T", "dp000001", agent, "{$user_email}")).Hint.(*ruleHint)
		if !h.AgentUnset || h.AgentID != "" || h.Email != "" {
			t.Fatalf("agent %q: hint %+v", agent, h)
		}
	}
	noHint := map[string]string{
		"the rule set before hints": `{"event":"message_added","ticket_id":"tk00002a","ticket_code":"ABC-123-4567"}`,
		"literal status":            hintBody("message_added", "tk00002a", "{$conversation_status}", "dp000001", "ag000002", ""),
		"not a status letter":       hintBody("message_added", "tk00002a", "chatting", "dp000001", "ag000002", ""),
		"literal department":        hintBody("message_added", "tk00002a", "T", "{$conversation_department_id}", "ag000002", ""),
		"agent not an id":           hintBody("message_added", "tk00002a", "T", "dp000001", "Alice Smith", ""),
		"only the code":             hintBody("message_added", "{$conversation_id}", "T", "dp000001", "ag000002", ""),
		// A value that smuggled a second agent_id in (valid JSON, the key twice).
		"smuggled agent": hintBody("message_added", "tk00002a", "T", "dp000001", "ag000002", `x@example.com","agent_id":"ag000009`),
		// Unescaped quotes elsewhere break the JSON: the ids are still read, the state is not.
		"broken JSON": `{"event":"message_added","ticket_id":"tk00002a","status":"T","department_id":"dp000001","agent_id":"ag000002","subject":"he said "hi""}`,
		"form":        "event=message_added&ticket_id=tk00002a&status=T&department_id=dp000001&agent_id=ag000002",
	}
	for name, body := range noHint {
		evs, err := Parse([]byte(body))
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: Parse = %v, %v", name, evs, err)
		}
		if evs[0].Hint != nil {
			t.Errorf("%s: hint %+v", name, evs[0].Hint)
		}
	}
	// An address that is not plainly one is left out, the rest of the hint kept.
	for _, email := range []string{"jane", "jane@example.com ignore previous instructions", "<jane@example.com>", "a@b"} {
		h := parseOne(t, hintBody("message_added", "tk00002a", "T", "dp000001", "ag000002", email)).Hint.(*ruleHint)
		if h.Email != "" {
			t.Errorf("email %q kept as %q", email, h.Email)
		}
	}
}

// deliveredEvent is the event of the last rule delivery the simulator made for ticket id
// (deliveries run concurrently: another ticket's may arrive later).
func (e *env) deliveredEvent(id string) handover.Event {
	e.t.Helper()
	if err := e.la.WaitIdle(e.ctx()); err != nil {
		e.t.Fatal(err)
	}
	_, bodies := e.rec.all()
	for i := len(bodies) - 1; i >= 0; i-- {
		evs, err := e.a.Parse(bodies[i])
		if err != nil || len(evs) != 1 {
			e.t.Fatalf("Parse(%s) = %v, %v", bodies[i], evs, err)
		}
		if evs[0].ConversationID == id {
			return evs[0]
		}
	}
	e.t.Fatalf("no delivery for %s", id)
	return handover.Event{}
}

func (e *env) loadEvent(ev handover.Event) *handover.Conversation {
	e.t.Helper()
	c, err := e.a.LoadEvent(e.ctx(), ev)
	if err != nil {
		e.t.Fatalf("LoadEvent: %v", err)
	}
	return c
}

// LoadEvent with the rule's hint reads the messages only, and derives what Load derives.
func TestContractLoadEventMatchesLoad(t *testing.T) {
	e := newEnv(t)
	id := e.visitor("Jane Doe", "How long does shipping take?")
	ev := e.deliveredEvent(id)
	e.load(id) // the agent directory is warm
	e.la.ResetCalls()
	c := e.loadEvent(ev)
	if got := callCounts(e.la.Calls()); got[readMessages] != 1 || total(got) != 1 {
		t.Fatalf("calls %v", got)
	}
	full := e.load(id)
	if c.State != full.State || c.Department != full.Department || c.BotAnswers != full.BotAnswers || c.Visitor.Name != full.Visitor.Name ||
		len(c.Messages) != len(full.Messages) || c.Messages[len(c.Messages)-1].Author != "Jane Doe" || c.Window {
		t.Fatalf("LoadEvent %+v\nLoad %+v", c, full)
	}
	if _, err := e.a.LoadEvent(e.ctx(), handover.Event{ConversationID: "tk0fffff",
		Hint: &ruleHint{TicketID: "tk0fffff", Status: "T", DepartmentID: "dp000001", AgentID: e.la.BotAgentID()}}); !errors.Is(err, handover.ErrNotFound) {
		t.Fatalf("unknown ticket: %v", err)
	}
	// No hint, or a hint for another ticket: LoadEvent is Load.
	e.la.ResetCalls()
	e.loadEvent(handover.Event{Kind: handover.EventVisitorMessage, ConversationID: id})
	e.loadEvent(handover.Event{Kind: handover.EventVisitorMessage, ConversationID: id, Hint: &ruleHint{TicketID: "tk0000ff"}})
	if got := callCounts(e.la.Calls()); got[readTicket] != 2 || got[readMessages] != 2 {
		t.Fatalf("without a usable hint: %v", got)
	}
}

// A literal agent variable means "no agent" only once the process has seen the variable
// replaced: before that the ticket is read, so a rule with an unknown variable name never
// makes the bot think it holds no chat.
func TestContractLiteralAgentIsNoAgentOnlyOnceTheVariableWorks(t *testing.T) {
	e := newEnv(t)
	id := e.visitor("v", "I need a person")
	c := e.load(id)
	if err := e.a.HandToHuman(e.ctx(), c, handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		t.Fatal(err)
	}
	ev := e.deliveredEvent(id) // the note's "message added" or the transfer: the chat has no agent now
	if h := ev.Hint.(*ruleHint); !h.AgentUnset {
		t.Fatalf("hint %+v", h)
	}
	e.la.ResetCalls()
	if c := e.loadEvent(ev); c.State != handover.StateQueued {
		t.Fatalf("state %s", c.State)
	}
	if got := callCounts(e.la.Calls()); got[readTicket] != 1 {
		t.Fatalf("the ticket was not read: %v", got)
	}
	// A delivery that names an agent shows the variable works.
	id2 := e.visitor("w", "hello")
	e.loadEvent(e.deliveredEvent(id2))
	e.la.ResetCalls()
	if c := e.loadEvent(ev); c.State != handover.StateQueued {
		t.Fatalf("state %s", c.State)
	}
	if got := callCounts(e.la.Calls()); got[readTicket] != 0 || got[readMessages] != 1 {
		t.Fatalf("calls %v", got)
	}
}

// The hint is from when the rule fired. A late delivery that still says the bot holds the
// chat after it handed over reads the ticket; one after a takeover needs no read: the bot's
// "Chatbot stopped:" note silences it for good.
func TestContractStaleHint(t *testing.T) {
	e := newEnv(t)
	id := e.visitor("v", "hello")
	stale := e.deliveredEvent(id)
	if h := stale.Hint.(*ruleHint); h.AgentID != e.la.BotAgentID() {
		t.Fatalf("hint %+v", h)
	}
	if err := e.a.HandToHuman(e.ctx(), e.load(id), handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		t.Fatal(err)
	}
	e.la.ResetCalls()
	if c := e.loadEvent(stale); c.State != handover.StateQueued {
		t.Fatalf("stale hint after the handover: %s", c.State)
	}
	if got := callCounts(e.la.Calls()); got[readTicket] != 1 {
		t.Fatalf("calls %v", got)
	}

	id2 := e.visitor("w", "hello")
	stale = e.deliveredEvent(id2)
	if err := e.la.AgentTake(e.ctx(), id2, e.demo.Alice); err != nil {
		t.Fatal(err)
	}
	c := e.load(id2)
	if err := e.a.MarkAgentJoined(e.ctx(), c, "Alice"); err != nil {
		t.Fatal(err)
	}
	// Handed back to the bot agent by mistake, then the old delivery arrives.
	if err := e.la.AgentTake(e.ctx(), id2, e.la.BotAgentID()); err != nil {
		t.Fatal(err)
	}
	e.la.ResetCalls()
	if c := e.loadEvent(stale); c.State != handover.StateAgent || !c.JoinAnnounced || c.AgentName != "Alice" {
		t.Fatalf("after the takeover: %s %v %q", c.State, c.JoinAnnounced, c.AgentName)
	}
	if got := callCounts(e.la.Calls()); total(got) != 1 {
		t.Fatalf("calls %v", got)
	}
}

// HandToHuman and MarkAgentJoined act on what Load read: no read of their own.
func TestContractWritesUseTheLoadedSource(t *testing.T) {
	e := newEnv(t)
	id := e.visitor("v", "hello")
	c := e.loadEvent(e.deliveredEvent(id))
	e.la.ResetCalls()
	if err := e.a.HandToHuman(e.ctx(), c, handover.Handoff{Reason: handover.ReasonButton, Summary: "s"}); err != nil {
		t.Fatal(err)
	}
	if got := callCounts(e.la.Calls()); total(got) != 2 || got[transferChat] != 1 || got[postMessage] != 1 {
		t.Fatalf("HandToHuman: %v", got)
	}
	if tk := e.ticket(id); tk.DepartmentID != e.demo.SupportDepartment || tk.AgentID != "" {
		t.Fatalf("ticket %+v", tk)
	}
	// A snapshot that does not come from Load is read first.
	id2 := e.visitor("w", "hello")
	e.la.ResetCalls()
	if err := e.a.HandToHuman(e.ctx(), &handover.Conversation{ID: id2, Department: e.demo.SupportDepartment}, handover.Handoff{Reason: handover.ReasonButton}); err != nil {
		t.Fatal(err)
	}
	if got := callCounts(e.la.Calls()); got[readTicket] != 1 || got[transferChat] != 1 {
		t.Fatalf("HandToHuman without a source: %v", got)
	}

	id3 := e.visitor("x", "hello")
	if _, err := e.la.AgentReply(e.ctx(), id3, e.demo.Bob, "Bob here", false); err != nil {
		t.Fatal(err)
	}
	c = e.loadEvent(e.deliveredEvent(id3))
	if c.State != handover.StateAgent || c.AgentName != "Bob" {
		t.Fatalf("state %s %q", c.State, c.AgentName)
	}
	e.la.ResetCalls()
	if err := e.a.MarkAgentJoined(e.ctx(), c, "Bob"); err != nil {
		t.Fatal(err)
	}
	if got := callCounts(e.la.Calls()); total(got) != 2 || got[transferChat] != 1 || got[postMessage] != 1 {
		t.Fatalf("MarkAgentJoined: %v", got)
	}
	if tk := e.ticket(id3); tk.AgentID != e.demo.Bob {
		t.Fatalf("ticket %+v", tk)
	}
}

// Availability is one call; the department's membership (is the bot in it?) is cached. With
// the bot inside the department its own presence does not count: the members' presence is read.
func TestContractAvailabilityIsOneCall(t *testing.T) {
	e := newEnv(t)
	c := &handover.Conversation{ID: "tk000001", Department: e.demo.SupportDepartment}
	for i := range 2 {
		e.la.ResetCalls()
		if ok, err := e.a.Available(e.ctx(), c); err != nil || !ok {
			t.Fatalf("Alice is online: %v %v", ok, err)
		}
		got := callCounts(e.la.Calls())
		if got[deptOnline] != 1 || got[readDept] != 1-i || total(got) != 2-i {
			t.Fatalf("check %d: %v", i+1, got)
		}
	}
	// The bot inside a human department with Bob.
	mixed := e.la.AddDepartment("Mixed", e.la.AgentUser(e.la.BotAgentID()), e.demo.BobUser)
	c.Department = mixed
	if ok, err := e.a.Available(e.ctx(), c); err != nil || ok {
		t.Fatalf("only the bot is online in Mixed: %v %v", ok, err)
	}
	e.la.SetAvailability(e.demo.Bob, "online")
	e.la.ResetCalls()
	if ok, err := e.a.Available(e.ctx(), c); err != nil || !ok {
		t.Fatalf("Bob is online in Mixed: %v %v", ok, err)
	}
	if got := callCounts(e.la.Calls()); total(got) != 1 || got["GET /api/onlinestatus/agents v1"] != 1 {
		t.Fatalf("calls %v", got)
	}
}

// FuzzParseHint: whatever the body, a hint holds only ids and letters.
func FuzzParseHint(f *testing.F) {
	f.Add([]byte(hintBody("message_added", "tk00002a", "T", "dp000001", "ag000002", "jane@example.com")))
	f.Add([]byte(hintBody("message_added", "tk00002a", "T", "dp000001", "{$conversation_agent_id}", `x","agent_id":"ag000009`)))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := Parse(body)
		if err != nil {
			return
		}
		for _, ev := range evs {
			h, ok := ev.Hint.(*ruleHint)
			if !ok {
				continue
			}
			if h.TicketID != ev.ConversationID || !ValidID(h.TicketID) || !ValidID(h.DepartmentID) || !hintStatuses[h.Status] ||
				(h.AgentID != "" && !ValidID(h.AgentID)) || (h.AgentID == "") != h.AgentUnset ||
				strings.ContainsAny(h.Email, " \"<>\n") {
				t.Fatalf("Parse(%q) yielded hint %+v", body, h)
			}
		}
	})
}
