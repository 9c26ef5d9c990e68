package libredesk

// Contract test: the adapter against the simulated Libredesk (adapters/sim), an independent
// reading of Libredesk's API, over real HTTP, including the webhooks the simulator sends.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	sim "github.com/handover-dev/handover/adapters/sim/libredesk"
	"github.com/handover-dev/handover/handover"
)

const simSecret = "sim-webhook-secret-Lq7"

type delivery struct {
	header http.Header
	body   []byte
}

type recorder struct {
	mu   sync.Mutex
	got  []delivery
	seen int
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, delivery{header: req.Header.Clone(), body: b})
	r.mu.Unlock()
}

type contract struct {
	t    *testing.T
	sim  *sim.Server
	demo sim.Demo
	a    *Adapter
	rec  *recorder
	base string
}

func newContract(t *testing.T, opts ...func(*Config)) *contract {
	t.Helper()
	s := sim.New(sim.Options{WebhookSecret: simSecret})
	api := httptest.NewServer(s.Handler())
	rec := &recorder{}
	hooks := httptest.NewServer(rec)
	t.Cleanup(func() { s.Close(); api.Close(); hooks.Close() })
	demo := s.SeedDemo()
	s.SetWebhook(hooks.URL+"/webhooks/libredesk", simSecret)
	cfg := Config{BaseURL: api.URL, APIKey: demo.APIKey, APISecret: demo.APISecret, BotAgentID: demo.BotID,
		WebhookSecret: simSecret, InboxIDs: []int{demo.InboxID}, Teams: map[int]int{demo.InboxID: demo.TeamID},
		RetryWaitMax: 20 * time.Millisecond}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &contract{t: t, sim: s, demo: demo, a: a, rec: rec, base: api.URL}
}

func (c *contract) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	c.t.Cleanup(cancel)
	return ctx
}

// events verifies and parses the deliveries since the last call.
func (c *contract) events() []handover.Event {
	c.t.Helper()
	if err := c.sim.WaitIdle(c.ctx()); err != nil {
		c.t.Fatal(err)
	}
	c.rec.mu.Lock()
	fresh := slices.Clone(c.rec.got[c.rec.seen:])
	c.rec.seen = len(c.rec.got)
	c.rec.mu.Unlock()
	var out []handover.Event
	for _, d := range fresh {
		if err := c.a.Authenticate(d.header, "", d.body, time.Now()); err != nil {
			c.t.Fatalf("delivery does not authenticate: %v\n%s", err, d.body)
		}
		evs, err := c.a.Parse(d.body)
		if err != nil {
			c.t.Fatalf("Parse: %v\n%s", err, d.body)
		}
		out = append(out, evs...)
	}
	return out
}

func kinds(evs []handover.Event) []handover.EventKind {
	var out []handover.EventKind
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

func (c *contract) visitor(contact, text string) (int, string) {
	c.t.Helper()
	id, _, err := c.sim.VisitorSend(c.ctx(), c.demo.InboxID, contact, text)
	if err != nil {
		c.t.Fatal(err)
	}
	v, _ := c.sim.Conversation(id)
	return id, v.UUID
}

func (c *contract) load(uuid string) *handover.Conversation {
	c.t.Helper()
	conv, err := c.a.Load(c.ctx(), uuid)
	if err != nil {
		c.t.Fatalf("Load: %v", err)
	}
	return conv
}

func (c *contract) idOf(uuid string) int {
	c.t.Helper()
	v, ok := c.sim.ConversationByUUID(uuid)
	if !ok {
		c.t.Fatalf("no conversation %s", uuid)
	}
	return v.ID
}

func (c *contract) view(id int) sim.ConversationView {
	v, _ := c.sim.Conversation(id)
	return v
}

func TestContractBotTurn(t *testing.T) {
	c := newContract(t)
	id, uuid := c.visitor("jane", "How long does shipping take?")
	evs := c.events()
	if !slices.Contains(kinds(evs), handover.EventVisitorMessage) || !slices.Contains(kinds(evs), handover.EventChanged) {
		t.Fatalf("events: %+v", evs)
	}
	conv := c.load(uuid)
	if conv.State != handover.StateBot || conv.Visitor.Name != "jane" || len(conv.PendingVisitorMessages()) != 1 || conv.Department != fmt.Sprint(c.demo.TeamID) {
		t.Fatalf("fresh chat: %+v", conv)
	}
	if err := c.a.Post(c.ctx(), conv, handover.Outgoing{Text: "Two days.", Answer: true}); err != nil {
		t.Fatal(err)
	}
	v := c.view(id)
	if v.AssigneeID != c.demo.BotID {
		t.Fatalf("the bot did not claim the chat: %+v", v)
	}
	last := v.Messages[len(v.Messages)-1]
	if last.SenderID != c.demo.BotID || last.Content != "<p>Two days.</p>" || !strings.HasPrefix(fmt.Sprint(last.Meta["echo_id"]), "handover:answer:") {
		t.Fatalf("bot message: %+v", last)
	}
	if evs := c.events(); len(evs) != 0 {
		t.Fatalf("the bot's own claim and reply start turns: %+v", evs)
	}
	conv = c.load(uuid)
	if conv.BotAnswers != 1 || len(conv.PendingVisitorMessages()) != 0 || conv.State != handover.StateBot {
		t.Fatalf("after the answer: answers=%d pending=%d state=%s", conv.BotAnswers, len(conv.PendingVisitorMessages()), conv.State)
	}

	// The second answer carries the human line; Load gives it back its prompt.
	c.visitor("jane", "Wie lange dauert die Rücksendung bitte?")
	conv = c.load(uuid)
	out := handover.Outgoing{Text: "14 Tage.", Answer: true, Prompt: handover.PromptHuman,
		Buttons: []handover.Button{{Title: "Request chat with human agent", Value: handover.ChoiceRequestHuman}}}
	if err := c.a.Post(c.ctx(), conv, out); err != nil {
		t.Fatal(err)
	}
	conv = c.load(uuid)
	lb := conv.Messages[conv.LastBotMessage()]
	if conv.BotAnswers != 2 || lb.Prompt != handover.PromptHuman || !strings.Contains(lb.Text, `"Mitarbeiter"`) || !hasTitle(lb.Buttons, "mitarbeiter", handover.ChoiceRequestHuman) ||
		!hasTitle(lb.Buttons, "mensch", handover.ChoiceRequestHuman) {
		t.Fatalf("human prompt: answers=%d %+v", conv.BotAnswers, lb)
	}
	// A reply comes back as message.created (pending) and message.updated (sent): no turn.
	if evs := c.events(); len(evs) != 1 || evs[0].Kind != handover.EventVisitorMessage {
		t.Fatalf("events: %+v", evs)
	}
}

func TestContractHandToHuman(t *testing.T) {
	for _, assign := range []bool{false, true} {
		t.Run(fmt.Sprintf("assignAgent=%v", assign), func(t *testing.T) {
			c := newContract(t, func(cfg *Config) { cfg.AssignAgent = assign })
			id, uuid := c.visitor("jane", "hello")
			conv := c.load(uuid)
			if err := c.a.Post(c.ctx(), conv, handover.Outgoing{Text: "Hi!", Answer: true}); err != nil {
				t.Fatal(err)
			}
			c.events()
			c.visitor("jane", "I want a human")
			conv = c.load(uuid)
			ok, err := c.a.Available(c.ctx(), conv)
			if err != nil || !ok {
				t.Fatalf("Alice is online in Support: %v %v", ok, err)
			}
			if err := c.a.HandToHuman(c.ctx(), conv, handover.Handoff{Reason: handover.ReasonRequest, Summary: "Wants a person."}); err != nil {
				t.Fatal(err)
			}
			v := c.view(id)
			wantAssignee := 0
			if assign {
				wantAssignee = c.demo.AliceID
			}
			if v.TeamID != c.demo.TeamID || v.AssigneeID != wantAssignee {
				t.Fatalf("after handover: team=%d assignee=%d", v.TeamID, v.AssigneeID)
			}
			var note string
			for _, m := range v.Messages {
				if m.Private && m.Type == "outgoing" && m.SenderID == c.demo.BotID {
					note = m.Text
				}
			}
			if !strings.HasPrefix(note, noteHandover) || !strings.Contains(note, "Wants a person.") || !strings.Contains(note, "asked to talk to a person") {
				t.Fatalf("note: %q", note)
			}
			if evs := c.events(); slices.Contains(kinds(evs), handover.EventAgentActivity) {
				t.Fatalf("the bot's own handover looks like a takeover: %+v", evs)
			}
			conv = c.load(uuid)
			if conv.State != handover.StateQueued {
				t.Fatalf("state %s", conv.State)
			}
			// Again (a retried turn): no second note, nothing changes.
			before := len(c.view(id).Messages)
			if err := c.a.HandToHuman(c.ctx(), conv, handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
				t.Fatal(err)
			}
			if after := len(c.view(id).Messages); after != before {
				t.Fatalf("second HandToHuman added %d messages", after-before)
			}
			// The agent writes: a takeover of the queued chat.
			if _, err := c.sim.AgentReply(c.ctx(), id, c.demo.AliceID, "Hi, Alice here", false); err != nil {
				t.Fatal(err)
			}
			if evs := c.events(); !slices.Contains(kinds(evs), handover.EventAgentActivity) {
				t.Fatalf("agent reply: %+v", evs)
			}
			if conv = c.load(uuid); conv.State != handover.StateAgent || conv.AgentName != "Alice" {
				t.Fatalf("after the agent's reply: %s %q", conv.State, conv.AgentName)
			}
		})
	}
}

// Libredesk clears the user only when the team changes: a chat already in the team keeps the
// bot unless the adapter removes it.
func TestContractHandToHumanSameTeam(t *testing.T) {
	c := newContract(t)
	id, uuid := c.visitor("jane", "hello")
	if err := c.sim.AgentAssignTeam(c.ctx(), id, c.demo.AliceID, c.demo.TeamID); err != nil {
		t.Fatal(err)
	}
	conv := c.load(uuid)
	if err := c.a.Post(c.ctx(), conv, handover.Outgoing{Text: "Hi!", Answer: true}); err != nil {
		t.Fatal(err)
	}
	if v := c.view(id); v.AssigneeID != c.demo.BotID || v.TeamID != c.demo.TeamID {
		t.Fatalf("claimed: %+v", v)
	}
	if err := c.a.HandToHuman(c.ctx(), c.load(uuid), handover.Handoff{Reason: handover.ReasonButton}); err != nil {
		t.Fatal(err)
	}
	if v := c.view(id); v.AssigneeID != 0 {
		t.Fatalf("the bot still holds the chat: %+v", v)
	}
}

func TestContractAvailable(t *testing.T) {
	c := newContract(t)
	_, uuid := c.visitor("jane", "hi")
	conv := c.load(uuid)
	avail := func() bool {
		t.Helper()
		ok, err := c.a.Available(c.ctx(), conv)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !avail() {
		t.Fatal("Alice online")
	}
	for _, st := range []string{sim.Away, sim.AwayManual, sim.AwayAndReassigning, sim.Offline} {
		c.sim.SetAvailability(c.demo.AliceID, st)
		if avail() {
			t.Fatalf("Alice %s counts as available", st)
		}
	}
	carol := c.sim.AddAgent("Carol", "", "carol@example.com", sim.Online)
	if avail() {
		t.Fatal("Carol is online but not in Support")
	}
	c.sim.SetAvailability(c.demo.BotID, sim.Online)
	if avail() {
		t.Fatal("the bot agent is never an available human")
	}
	c.sim.AddTeamMember(c.demo.TeamID, carol)
	if !avail() {
		t.Fatal("Carol joined Support")
	}
	// Without a team mapping, any online agent will do.
	c2 := newContract(t, func(cfg *Config) { cfg.Teams = nil })
	c2.sim.SetAvailability(c2.demo.AliceID, sim.Offline)
	_, uuid2 := c2.visitor("jo", "hi")
	conv2 := c2.load(uuid2)
	if ok, _ := c2.a.Available(c2.ctx(), conv2); ok {
		t.Fatal("nobody online")
	}
	c2.sim.AddAgent("Dan", "", "dan@example.com", sim.Online)
	if ok, _ := c2.a.Available(c2.ctx(), conv2); !ok {
		t.Fatal("Dan online")
	}
	// A key without users:manage cannot read teams: an error, which the engine treats as
	// "hand to the queue". A membership read a moment ago is still known.
	c.sim.SetPermissions(c.demo.BotID, "conversations:read", "conversations:read_all", "messages:read")
	if !avail() {
		t.Fatal("Carol's membership was read a moment ago")
	}
	cold, err := New(c.a.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cold.Available(c.ctx(), conv); !errors.Is(err, handover.ErrPermanent) {
		t.Fatalf("without users:manage: %v", err)
	}
}

func TestContractLeaveOffline(t *testing.T) {
	c := newContract(t)
	id, uuid := c.visitor("jane", "hello")
	conv := c.load(uuid)
	if err := c.a.Post(c.ctx(), conv, handover.Outgoing{Text: "Nobody is here.", Prompt: handover.PromptOffline,
		Buttons: []handover.Button{{Title: "Leave", Value: handover.ChoiceOffline}, {Title: "Go on", Value: handover.ChoiceContinue}}}); err != nil {
		t.Fatal(err)
	}
	conv = c.load(uuid)
	lb := conv.Messages[conv.LastBotMessage()]
	if lb.Prompt != handover.PromptOffline || !hasTitle(lb.Buttons, "yes", handover.ChoiceOffline) || !hasTitle(lb.Buttons, "no", handover.ChoiceContinue) ||
		!hasTitle(lb.Buttons, "message", handover.ChoiceOffline) || !hasTitle(lb.Buttons, "bot", handover.ChoiceContinue) ||
		!strings.Contains(lb.Text, `Type "message"`) {
		t.Fatalf("offer: %+v", lb)
	}
	c.visitor("jane", "jane@example.com")
	conv = c.load(uuid)
	if err := c.a.LeaveOffline(c.ctx(), conv, handover.Handoff{Reason: handover.ReasonButton, Email: "jane@example.com", Summary: "Order question.", Transcript: conv.Transcript()}); err != nil {
		t.Fatal(err)
	}
	v := c.view(id)
	if !slices.Contains(v.Tags, TagOffline) || v.AssigneeID != 0 || v.TeamID != c.demo.TeamID || v.Status != "Open" {
		t.Fatalf("offline ticket: %+v", v)
	}
	note := v.Messages[len(v.Messages)-1]
	for _, m := range v.Messages {
		if m.Private && m.Type == "outgoing" {
			note = m
		}
	}
	if !strings.HasPrefix(note.Text, noteOffline) || !strings.Contains(note.Text, "Reply to: jane@example.com") || !strings.Contains(note.Text, "Visitor: hello") {
		t.Fatalf("note: %q", note.Text)
	}
	if conv = c.load(uuid); conv.State != handover.StateOffline {
		t.Fatalf("state %s", conv.State)
	}
}

func TestContractOfflineTagCreatedWhenMissing(t *testing.T) {
	s := sim.New(sim.Options{})
	api := httptest.NewServer(s.Handler())
	t.Cleanup(func() { s.Close(); api.Close() })
	in := s.AddInbox("Chat", "livechat")
	bot := s.AddAgent("Bot", "", "bot@example.com", sim.Offline)
	key, sec := s.CreateAPIKey(bot)
	a, err := New(Config{BaseURL: api.URL, APIKey: key, APISecret: sec, BotAgentID: bot, WebhookSecret: "x", InboxIDs: []int{in}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id, _, _ := s.VisitorSend(ctx, in, "v", "hi")
	v, _ := s.Conversation(id)
	conv, err := a.Load(ctx, v.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.LeaveOffline(ctx, conv, handover.Handoff{Reason: handover.ReasonButton, Email: "v@example.com"}); err != nil {
		t.Fatal(err)
	}
	if v, _ = s.Conversation(id); !slices.Contains(v.Tags, TagOffline) {
		t.Fatalf("the tag was not created and set: %v", v.Tags)
	}
	// A key that may not create tags: the offline message is still filed (note), no error.
	id2, _, _ := s.VisitorStart(ctx, in, "w", "hi")
	v2, _ := s.Conversation(id2)
	s.SetPermissions(bot, "conversations:read", "conversations:read_all", "messages:read", "messages:write",
		"conversations:update_tags", "conversations:update_user_assignee", "conversations:update_team_assignee")
	conv2, _ := a.Load(ctx, v2.UUID)
	if err := a.LeaveOffline(ctx, conv2, handover.Handoff{Reason: handover.ReasonButton}); err != nil {
		t.Fatal(err)
	}
	if conv2, _ = a.Load(ctx, v2.UUID); conv2.State != handover.StateOffline {
		t.Fatalf("state %s", conv2.State)
	}
}

func TestContractTakeovers(t *testing.T) {
	c := newContract(t)
	id, uuid := c.visitor("jane", "hi")
	conv := c.load(uuid)
	if err := c.a.Post(c.ctx(), conv, handover.Outgoing{Text: "Hello!", Answer: true}); err != nil {
		t.Fatal(err)
	}
	c.events()
	// Takeover by reply while the bot holds the chat.
	if _, err := c.sim.AgentReply(c.ctx(), id, c.demo.AliceID, "Alice here", false); err != nil {
		t.Fatal(err)
	}
	evs := c.events()
	if len(evs) != 1 || evs[0].Kind != handover.EventAgentActivity || evs[0].AgentName != "Alice" {
		t.Fatalf("events: %+v", evs)
	}
	conv = c.load(uuid)
	if conv.State != handover.StateAgent || conv.AgentName != "Alice" || conv.JoinAnnounced {
		t.Fatalf("state: %+v", conv)
	}
	if err := c.a.Post(c.ctx(), conv, handover.Outgoing{Text: "Alice joined the chat."}); err != nil {
		t.Fatal(err)
	}
	if err := c.a.MarkAgentJoined(c.ctx(), conv, "Alice"); err != nil {
		t.Fatal(err)
	}
	if v := c.view(id); v.AssigneeID != c.demo.AliceID {
		t.Fatalf("the chat should be Alice's now: %+v", v)
	}
	if evs := c.events(); slices.Contains(kinds(evs), handover.EventAgentActivity) {
		t.Fatalf("the bot's reassignment looks like a takeover: %+v", evs)
	}
	if conv = c.load(uuid); !conv.JoinAnnounced || conv.State != handover.StateAgent {
		t.Fatalf("announced: %+v", conv)
	}

	// Takeover by assignment.
	id2, uuid2 := c.visitor("joe", "hi")
	c.events()
	if err := c.sim.AgentAssign(c.ctx(), id2, c.demo.BobID); err != nil {
		t.Fatal(err)
	}
	if evs := c.events(); len(evs) != 1 || evs[0].Kind != handover.EventAgentActivity || evs[0].ConversationID != uuid2 {
		t.Fatalf("assignment events: %+v", evs)
	}
	if conv := c.load(uuid2); conv.State != handover.StateAgent || conv.AgentName != "Bob" {
		t.Fatalf("assigned to Bob: %+v", conv)
	}
}

// visitorIn starts a new conversation and returns its uuid.
func (c *contract) visitorIn(contact, text string) string {
	c.t.Helper()
	id, _, err := c.sim.VisitorStart(c.ctx(), c.demo.InboxID, contact, text)
	if err != nil {
		c.t.Fatal(err)
	}
	v, _ := c.sim.Conversation(id)
	return v.UUID
}

// A long conversation: the newest page only.
func TestContractLongHistory(t *testing.T) {
	c := newContract(t)
	var id int
	var uuid string
	for i := range 230 {
		id, uuid = c.visitor("jane", fmt.Sprintf("message %03d", i))
	}
	_ = id
	c.sim.ResetCalls()
	conv := c.load(uuid)
	if len(conv.Messages) != windowSize || !conv.Window {
		t.Fatalf("%d messages, window %v", len(conv.Messages), conv.Window)
	}
	for i, m := range conv.Messages {
		if m.Text != fmt.Sprintf("message %03d", 230-windowSize+i) {
			t.Fatalf("message %d out of order: %q", i, m.Text)
		}
	}
	if calls := c.sim.Calls(); len(calls) != 2 {
		t.Fatalf("Load made %d calls: %+v", len(calls), calls)
	}
	if short := c.load(c.visitorIn("new", "hi")); short.Window || len(short.Messages) != 1 {
		t.Fatalf("a short conversation is read whole: %+v", short)
	}
}

func TestContractBotConversationsAndDirectory(t *testing.T) {
	c := newContract(t)
	_, waiting := c.visitor("a", "unanswered, unassigned")
	_, claimed := c.visitor("b", "first")
	if err := c.a.Post(c.ctx(), c.load(claimed), handover.Outgoing{Text: "answer", Answer: true}); err != nil {
		t.Fatal(err)
	}
	c.visitor("b", "second, unanswered")
	_, answered := c.visitor("c", "question")
	if err := c.a.Post(c.ctx(), c.load(answered), handover.Outgoing{Text: "answer", Answer: true}); err != nil {
		t.Fatal(err)
	}
	_, queued := c.visitor("d", "human")
	if err := c.a.HandToHuman(c.ctx(), c.load(queued), handover.Handoff{Reason: handover.ReasonRequest}); err != nil {
		t.Fatal(err)
	}
	if err := c.a.Post(c.ctx(), c.load(queued), handover.Outgoing{Text: "connecting"}); err != nil {
		t.Fatal(err)
	}
	// A chat in an inbox the bot does not serve is not listed.
	other := c.sim.AddInbox("Humans only", "livechat")
	if _, _, err := c.sim.VisitorSend(c.ctx(), other, "e", "for the humans"); err != nil {
		t.Fatal(err)
	}
	ids, err := c.a.BotConversations(c.ctx())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	want := []string{waiting, claimed}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("BotConversations = %v, want %v (answered %s, queued %s)", ids, want, answered, queued)
	}

	agents, err := c.a.Agents(c.ctx())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ag := range agents {
		names = append(names, fmt.Sprintf("%s:%v", ag.Name, ag.Available))
	}
	if !slices.Equal(names, []string{"Admin:false", "Alice:true", "Bob:false"}) {
		t.Fatalf("agents: %v", names)
	}
	convs, err := c.a.Conversations(c.ctx())
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]handover.State{}
	for _, cv := range convs {
		states[cv.ID] = cv.State
	}
	if states[waiting] != handover.StateBot || states[answered] != handover.StateBot || states[queued] != handover.StateQueued || len(convs) != 4 {
		t.Fatalf("directory: %v", states)
	}
	if err := c.a.AssignAgent(c.ctx(), c.load(answered), fmt.Sprint(c.demo.AliceID)); err != nil {
		t.Fatal(err)
	}
	if conv := c.load(answered); conv.State != handover.StateAgent || conv.AgentName != "Alice" {
		t.Fatalf("after AssignAgent: %+v", conv)
	}
	if err := c.a.AssignAgent(c.ctx(), c.load(answered), "x"); !errors.Is(err, handover.ErrPermanent) {
		t.Fatalf("bad agent id: %v", err)
	}
	// "Stop chatbot and join" on a queued chat is a takeover; Libredesk's own assignment is not.
	c.sim.AgentAssign(c.ctx(), c.idOf(queued), c.demo.BobID)
	if conv := c.load(queued); conv.State != handover.StateQueued {
		t.Fatalf("an agent assigned in Libredesk has not joined yet: %s", conv.State)
	}
	if err := c.a.AssignAgent(c.ctx(), c.load(queued), fmt.Sprint(c.demo.AliceID)); err != nil {
		t.Fatal(err)
	}
	if conv := c.load(queued); conv.State != handover.StateAgent || conv.AgentName != "Alice" {
		t.Fatalf("after AssignAgent on a queued chat: %s %q", conv.State, conv.AgentName)
	}
	depts, err := c.a.DepartmentNames(c.ctx())
	if err != nil || depts[fmt.Sprint(c.demo.TeamID)] != "Support" {
		t.Fatalf("department names: %v %v", depts, err)
	}
}

func TestContractErrors(t *testing.T) {
	c := newContract(t)
	if _, err := c.a.Load(c.ctx(), "00000000-0000-4000-8000-000000000000"); !errors.Is(err, handover.ErrNotFound) {
		t.Fatalf("unknown conversation: %v", err)
	}
	bad, err := New(Config{BaseURL: c.base, APIKey: "nope", APISecret: "nope", BotAgentID: c.demo.BotID, WebhookSecret: "x", InboxIDs: []int{c.demo.InboxID}})
	if err != nil {
		t.Fatal(err)
	}
	_, uuid := c.visitor("v", "hi")
	_, err = bad.Load(c.ctx(), uuid)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 401 || !errors.Is(err, handover.ErrPermanent) {
		t.Fatalf("bad key: %v", err)
	}
	// API faults: retried GETs survive a flaky server.
	c.sim.SetFaults(sim.Faults{Status500Rate: 0.3})
	for range 5 {
		if _, err := c.a.Load(c.ctx(), uuid); err != nil {
			t.Fatalf("Load with 30%% 500s: %v", err)
		}
	}
}

// The reconciler's listing of a list deeper than one pass reaches its oldest chats in turn:
// with one newest and one older page a pass (100 chats a page), the oldest of 250 waiting chats
// is on page 3, read by the second pass, not the first.
func TestContractBotConversationsSweep(t *testing.T) {
	c := newContract(t)
	c.a.botLists["unassigned"] = &apiclient.Sweep{Newest: 1, Older: 1}
	_, oldest := c.visitor("v000", "the first question")
	for i := 1; i < 250; i++ {
		c.visitor(fmt.Sprintf("v%03d", i), "a question")
	}
	for pass, want := range []bool{false, true, false} { // pages 1+2, 1+3, 1+2
		ids, err := c.a.BotConversations(c.ctx())
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(ids, oldest); got != want {
			t.Errorf("pass %d: oldest chat listed %v, want %v (%d listed)", pass+1, got, want, len(ids))
		}
	}
}
