// Package liveagent is a simulated LiveAgent (ladesk.com) on the neutral store of package sim. It
// is a second, independent
// reading of LiveAgent, written from docs/helpdesks/liveagent.md and the sources it cites
// (QualityUnit/LiveAgent-api-python, the v3 spec's generated client; the v1 clients
// hostinger/ladesk-php and others; support.liveagent.com). It imports no adapter.
//
// Mapping onto the store: a LiveAgent ticket (a chat) is a conversation in one hidden inbox;
// departments are teams; agents, the bot agent included, are users; tags are labels. What
// LiveAgent has and the store does not (status letters, ticket codes, message groups, message types and formats, the
// rules engine, per-key rate limits) lives in the side maps of LiveAgent, keyed by conversation
// and message id and guarded by the store's mutex.
//
// Simplifications, each against docs/helpdesks/liveagent.md (§ numbers are its sections):
//   - Routing: a new chat in a department that has the bot agent as an online member is given
//     to the bot at once; otherwise it waits unassigned until an agent takes it (AgentTakeOver).
//     Real LiveAgent rings online agents, and a bot must accept the ringing chat (§1.6, PINGO).
//   - A v1 message posted into a running chat is visible to the visitor (§1.6 reports that this
//     is not reliable in production).
//   - A customer's message group (a chat C, an incoming email 3) carries the visitor's user id
//     as its userid: the customer opened it (§1.5 only says the visitor's userid is not the
//     owner_contactid).
//   - Rule deliveries are made once, with no retry (LiveAgent documents none, §2.1).
//   - 429 bodies and the Retry-After header are the sim's choice (§1.3: not documented).
//   - The {$variable} names are the sim's reading (§2.1: the full list is not public):
//     conversation_id, conversation_code, conversation_subject, conversation_status,
//     conversation_department_id, conversation_agent_id, conversation_last_message, user_id,
//     user_firstname, user_lastname, user_email.
package liveagent

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/adapters/sim/simnet"
)

// Options configures a simulated LiveAgent account.
type Options struct {
	APIKey   string // API v3 key (the apikey header)
	APIV1Key string // API v1 key (the apikey parameter)
	BotName  string // the bot agent's name; default "AI assistant"
	// RateLimit is requests a minute per key; 0 means LiveAgent's 180, negative disables it.
	RateLimit int
	// Now is the clock of the rate-limit window; nil is time.Now. Tests share a fake clock
	// with the adapter so that a minute passes instantly.
	Now func() time.Time
	// RuleTimeout bounds one rule HTTP request (default 5s).
	RuleTimeout time.Duration
	Logger      *slog.Logger
	Seed        int64
}

// Demo holds the ids of the world SeedDemo creates.
type Demo struct {
	BotDepartment, SupportDepartment string // department ids
	Bot, Alice, Bob                  string // agent ids
	AliceUser, BobUser, BotUser      int    // the same agents as core user ids
}

// Rule is one rule of Configuration > Automation > Rules with an "HTTP request"
// action, as the administrator typed it.
type Rule struct {
	Name string
	// Trigger is the rule's "Apply when": "chat started", "message added", "ticket
	// transferred" or "ticket status changed".
	Trigger string
	Method  string // default POST
	URL     string // may hold {$variables} too
	Body    string
	// Department, if set, is a condition: the ticket's department id.
	Department string
}

// RuleFaults make the rules engine send the bodies LiveAgent is known to send
// (docs/helpdesks/liveagent.md §2.1): variables left literal, values inserted without escaping.
type RuleFaults struct {
	// Unreplaced lists variables (without "{$" and "}") sent literally, as LiveAgent does
	// for a variable it has no value for.
	Unreplaced []string
	// Values overrides variable values; they are inserted as is (unescaped quotes and
	// control characters break the JSON).
	Values map[string]string
	// Rate is the share of deliveries the faults apply to; 0 means every delivery.
	Rate float64
}

// Delivery is one rule HTTP request the sim made.
type Delivery struct {
	Rule     string
	Trigger  string
	TicketID string
	URL      string // with the secret path segment; tests only
	Body     string
	Status   int    // 0 on a transport error
	Err      string // transport error, if any
}

// Ticket is a deep copy of one ticket, for tests and the sandbox.
type Ticket struct {
	ID, Code, Status, Subject  string
	DepartmentID, AgentID      string
	AgentName                  string
	OwnerContactID, OwnerName  string
	OwnerEmail                 string
	Tags                       []string // names
	Ended                      bool     // the chat is over (the visitor left)
	Messages                   []TicketMessage
	ConversationID, AgentUser  int // core ids
	ChannelType                string
	DateCreated, LastActivity  time.Time
	TransferredToDepartmentIDs []string // every department the ticket was transferred to, in order
}

// TicketMessage is one message of a ticket.
type TicketMessage struct {
	ID, GroupID, GroupType string
	Type                   string // M message, N note, U user agent, R transfer, S system...
	Format                 string // T text, H html
	UserID, UserName       string
	Text                   string
	// Role is the sim's own reading of the author: visitor, agent, bot or system.
	Role      string
	Note      bool
	CreatedAt time.Time
}

// LiveAgent is the simulated LiveAgent account: the core model plus LiveAgent's side state.
type Server struct {
	s       *sim.Store
	log     *slog.Logger
	opts    Options
	inboxID int
	botUser int
	client  *http.Client
	handler http.Handler

	// guarded by s.mu
	tickets    map[int]*laTicket
	msgs       map[int]*laMessage
	groupSeq   int
	tagNames   map[string]string // tag id → name
	tagSeq     int
	depts      map[int]bool // core team ids that are departments
	rules      []Rule
	ruleFaults RuleFaults
	buttons    []map[string]any
	chatDept   int // the department of the sandbox's chat button
	window     map[string][]time.Time
	frng       *rand.Rand
}

type laTicket struct {
	status      string
	code        string
	subject     string
	channel     string
	chatGroup   *laGroup // the running chat's group; nil once the chat ended
	groups      []*laGroup
	ended       bool
	transferred []int
}

type laGroup struct {
	id             int
	typ            string
	userID         string
	created, ended time.Time
	msgs           []int
}

type laMessage struct {
	typ, format string
	group       *laGroup
	userID      string // LiveAgent user id of the author ("" = system)
}

// laEvent is a rule trigger that happened, evaluated after the change.
type laEvent struct {
	trigger string
	conv    int
}

// Rule triggers the sim fires.
const (
	TriggerChatStarted       = "chat started"
	TriggerMessageAdded      = "message added"
	TriggerTicketTransferred = "ticket transferred"
	TriggerStatusChanged     = "ticket status changed"
)

// New returns a simulated LiveAgent account with its owner (an administrator agent)
// and the bot agent (online). Add departments with AddDepartment or use SeedDemo.
func New(opts Options) *Server {
	if opts.BotName == "" {
		opts.BotName = "AI assistant"
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = 180
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RuleTimeout <= 0 {
		opts.RuleTimeout = 5 * time.Second
	}
	s := sim.NewStore(opts.Seed, 5*time.Second)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	la := &Server{
		s: s, opts: opts, log: log.With("component", "sim", "dialect", "liveagent"),
		client:   &http.Client{Timeout: opts.RuleTimeout},
		tickets:  map[int]*laTicket{},
		msgs:     map[int]*laMessage{},
		tagNames: map[string]string{},
		depts:    map[int]bool{},
		window:   map[string][]time.Time{},
		frng:     rand.New(rand.NewPCG(uint64(opts.Seed), 0x1a)),
	}
	s.Mu.Lock()
	s.NewUser("Admin", "admin@example.com", "administrator", "offline") // the account's owner
	la.inboxID = s.NewInbox("LiveAgent tickets").ID
	la.botUser = s.NewUser(opts.BotName, "bot@liveagent.sim", "agent", "online").ID
	s.Mu.Unlock()
	la.handler = la.routes()
	return la
}

// Handler serves LiveAgent's API v3 under /api/v3/, API v1 under /api/ and the sandbox page.
func (la *Server) Handler() http.Handler { return la.handler }

// Close stops rule deliveries in flight and waits for them.
func (la *Server) Close() { la.s.Close() }

// WaitIdle waits until no rule delivery is in flight.
func (la *Server) WaitIdle(ctx context.Context) error { return la.s.WaitIdle(ctx) }

// SetFaults sets API faults (429/500/drop/delay) and rule delivery faults (duplicates,
// jitter), shared with the core.
func (la *Server) SetFaults(f sim.Faults) { la.s.SetFaults(f) }

// Calls returns the API call log. Token is "v3", "v1", "invalid" or "".
func (la *Server) Calls() []sim.Call { return la.s.Calls() }

// ResetCalls empties the API call log.
func (la *Server) ResetCalls() { la.s.ResetCalls() }

// BotAgentID returns the bot agent's id (HANDOVER_LIVEAGENT_BOT_AGENT_ID).
func (la *Server) BotAgentID() string { return laAgentID(la.botUser) }

// NewVisitorName returns a random visitor name.
func (la *Server) NewVisitorName() string { return la.s.NewVisitorName() }

// ---- ids ----

func laAgentID(u int) string   { return fmt.Sprintf("ag%06x", u) }
func laTicketID(c int) string  { return fmt.Sprintf("tk%06x", c) }
func laDeptID(t int) string    { return fmt.Sprintf("dp%06x", t) }
func laMsgID(m int) string     { return fmt.Sprintf("ms%06x", m) }
func laGroupID(g int) string   { return fmt.Sprintf("gr%06x", g) }
func laContactID(c int) string { return fmt.Sprintf("ct%06x", c) }

// laVisitorUserID is a visitor's user id in messages: not the ticket's owner_contactid
// (docs/helpdesks/liveagent.md §1.5).
func laVisitorUserID(c int) string { return fmt.Sprintf("vu%06x", c) }

func laCode(c int) string {
	const letters = "BCDFGHJKLMNPQRSTVWXZ"
	a, b, d := letters[c%20], letters[(c/20)%20], letters[(c/400)%20]
	return fmt.Sprintf("%c%c%c-%03d-%04d", d, b, a, c%997, 1000+c)
}

func laParse(prefix, id string) (int, bool) {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || len(rest) != 6 {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 16, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return int(n), true
}

func laTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// ---- world set-up ----

// AddDepartment creates a department with the given agents (core user ids) and returns its id.
func (la *Server) AddDepartment(name string, agentUsers ...int) string {
	la.s.Mu.Lock()
	id := la.s.NewTeam(name, agentUsers...).ID
	la.depts[id] = true
	la.s.Mu.Unlock()
	return laDeptID(id)
}

// AddAgent creates a human agent ("online", "busy" or "offline") and returns its id and core
// user id.
func (la *Server) AddAgent(name, email, availability string) (string, int) {
	la.s.Mu.Lock()
	u := la.s.NewUser(name, email, "agent", laPresence(availability)).ID
	la.s.Mu.Unlock()
	return laAgentID(u), u
}

// AgentUser returns the core user id of an agent id.
func (la *Server) AgentUser(agentID string) int {
	u, _ := laParse("ag", agentID)
	return u
}

// SetAvailability sets an agent's presence: "online" is online for chat, message and read
// ("TMR") in each of its departments, "busy" for message and read only ("MR"), "offline"
// nothing.
func (la *Server) SetAvailability(agentID, availability string) {
	if u := la.AgentUser(agentID); u > 0 {
		la.s.Mu.Lock()
		if x := la.s.Users[u]; x != nil {
			x.Availability = laPresence(availability)
		}
		la.s.Mu.Unlock()
	}
}

// laPresence is an agent's presence as the model keeps it: "online", "busy" or, for anything
// else, "offline".
func laPresence(a string) string {
	switch a {
	case "online", "busy":
		return a
	}
	return "offline"
}

// laTx is a locked section of the store. LiveAgent's rules fire from dispatchLocked; the store
// itself sends nothing.
type laTx struct{ s *sim.Store }

func (la *Server) lock() *laTx {
	la.s.Mu.Lock()
	return &laTx{s: la.s}
}

func (t *laTx) unlock() { t.s.Mu.Unlock() }

func (t *laTx) createConversation(in *sim.Inbox, ct *sim.Contact) *sim.Conversation {
	return t.s.NewConversation(in.ID, ct, "open")
}

func (t *laTx) addMessage(c *sim.Conversation, m *sim.Message) { t.s.Append(c, m) }

// SetChatDepartment sets the department of the sandbox's chat button.
func (la *Server) SetChatDepartment(deptID string) {
	if t, ok := laParse("dp", deptID); ok {
		la.s.Mu.Lock()
		la.chatDept = t
		la.s.Mu.Unlock()
	}
}

// SeedDemo creates the sandbox world: department "Chatbot" with the bot agent (the chat
// button's department), department "Support" with Alice (online) and Bob (offline).
func (la *Server) SeedDemo() Demo {
	alice, aliceU := la.AddAgent("Alice", "alice@example.com", "online")
	bob, bobU := la.AddAgent("Bob", "bob@example.com", "offline")
	botDept := la.AddDepartment("Chatbot", la.botUser)
	support := la.AddDepartment("Support", aliceU, bobU)
	la.SetChatDepartment(botDept)
	return Demo{BotDepartment: botDept, SupportDepartment: support, Bot: la.BotAgentID(),
		Alice: alice, Bob: bob, AliceUser: aliceU, BobUser: bobU, BotUser: la.botUser}
}

// AddRule adds a rule with an HTTP request action.
func (la *Server) AddRule(r Rule) {
	if r.Method == "" {
		r.Method = http.MethodPost
	}
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	la.rules = append(la.rules, r)
}

// SetRuleFaults replaces the rules engine's body faults.
func (la *Server) SetRuleFaults(f RuleFaults) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	la.ruleFaults = f
}

// Deliveries returns the log of rule HTTP requests.
func (la *Server) Deliveries() []Delivery {
	var out []Delivery
	for _, d := range la.s.Hooks.Log() {
		if _, ok := d.Meta.(Delivery); ok {
			out = append(out, laDelivery(d))
		}
	}
	return out
}

// CustomButtons returns the agent-panel custom buttons created through the API.
func (la *Server) CustomButtons() []map[string]any {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	out := make([]map[string]any, 0, len(la.buttons))
	for _, b := range la.buttons {
		out = append(out, sim.DeepCopy(b).(map[string]any))
	}
	return out
}

// ---- visitor and agent side ----

// VisitorSend writes a visitor message in the visitor's running chat, or starts a chat in
// department deptID ("" = the chat button's department). A new chat is a ticket with status T
// (chatting), a chat message group holding a user-agent line and the message, routed to the
// bot when the bot is an online member of the department. It fires "chat started" (new chats)
// and "message added".
func (la *Server) VisitorSend(ctx context.Context, deptID, contactKey, text string) (ticketID, msgID string, err error) {
	if err := ctx.Err(); err != nil {
		return "", "", fmt.Errorf("visitor send: %w", err)
	}
	if strings.TrimSpace(contactKey) == "" {
		return "", "", errors.New("visitor send: empty contact")
	}
	t := la.lock()
	var evs []laEvent
	defer func() { la.dispatchLocked(evs); t.unlock() }()
	dept := la.chatDept
	if deptID != "" {
		d, ok := laParse("dp", deptID)
		if !ok || !la.depts[d] {
			return "", "", fmt.Errorf("visitor send: department %s: %w", deptID, sim.ErrNotFound)
		}
		dept = d
	}
	ct := la.s.ContactFor(contactKey)
	var c *sim.Conversation
	for i := len(la.s.ConvIDs) - 1; i >= 0; i-- {
		cand := la.s.Convs[la.s.ConvIDs[i]]
		if cand.ContactID == ct.ID && cand.InboxID == la.inboxID && !la.tickets[cand.ID].ended {
			c = cand
			break
		}
	}
	if c == nil {
		if dept == 0 {
			return "", "", errors.New("visitor send: no department for the chat (SetChatDepartment)")
		}
		c = t.createConversation(la.s.Inboxes[la.inboxID], ct)
		c.TeamID = dept
		lt := &laTicket{status: "T", code: laCode(c.ID), subject: clipText(text, 60), channel: "B"}
		la.tickets[c.ID] = lt
		lt.chatGroup = la.newGroup(lt, "C", laVisitorUserID(ct.ID))
		la.addLA(t, c, &sim.Message{Type: "activity", Content: "Mozilla/5.0 (Sandbox) LiveAgent widget", HasContent: true, ContentType: "text"},
			"U", "T", lt.chatGroup, laVisitorUserID(ct.ID))
		if tm := la.s.Teams[dept]; tm != nil && slices.Contains(tm.Members, la.botUser) && la.s.Users[la.botUser].Availability == "online" {
			c.AssigneeID = la.botUser
		}
		evs = append(evs, laEvent{TriggerChatStarted, c.ID})
	}
	lt := la.tickets[c.ID]
	m := la.addLA(t, c, &sim.Message{Type: "incoming", SenderKind: "contact", SenderID: ct.ID, Content: text, HasContent: true, ContentType: "text"},
		"M", "T", lt.chatGroup, laVisitorUserID(ct.ID))
	evs = append(evs, laEvent{TriggerMessageAdded, c.ID})
	return laTicketID(c.ID), laMsgID(m.ID), nil
}

// VisitorReply writes a visitor message into the running chat of a ticket (by id or code), as
// its visitor typing in the chat window, and fires "message added". Unlike VisitorSend it needs
// no contact key. A chat that ended is an error: the widget would start a new chat there
// (VisitorSend).
func (la *Server) VisitorReply(ctx context.Context, ticketID, text string) (msgID string, err error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("visitor reply: %w", err)
	}
	if strings.TrimSpace(text) == "" {
		return "", errors.New("visitor reply: empty message")
	}
	t := la.lock()
	var evs []laEvent
	defer func() { la.dispatchLocked(evs); t.unlock() }()
	c, lt, err := la.ticketByRef(ticketID)
	if err != nil {
		return "", fmt.Errorf("visitor reply: %w", err)
	}
	if lt.ended || lt.chatGroup == nil {
		return "", fmt.Errorf("visitor reply: the chat of ticket %s has ended", ticketID)
	}
	ct := la.s.Contacts[c.ContactID]
	m := la.addLA(t, c, &sim.Message{Type: "incoming", SenderKind: "contact", SenderID: ct.ID, Content: text, HasContent: true, ContentType: "text"},
		"M", "T", lt.chatGroup, laVisitorUserID(ct.ID))
	evs = append(evs, laEvent{TriggerMessageAdded, c.ID})
	return laMsgID(m.ID), nil
}

// VisitorLeave ends the visitor's chat: the chat group is finished and the ticket becomes
// answered (A) when an agent or the bot wrote last, else new (N). It fires "ticket status
// changed".
func (la *Server) VisitorLeave(ctx context.Context, ticketID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("visitor leave: %w", err)
	}
	t := la.lock()
	var evs []laEvent
	defer func() { la.dispatchLocked(evs); t.unlock() }()
	c, lt, err := la.ticketByRef(ticketID)
	if err != nil {
		return fmt.Errorf("visitor leave: %w", err)
	}
	if lt.ended {
		return nil
	}
	lt.ended = true
	if lt.chatGroup != nil {
		lt.chatGroup.ended = time.Now()
		lt.chatGroup = nil
	}
	status := "N"
	for i := len(c.Msgs) - 1; i >= 0; i-- {
		if m := c.Msgs[i]; !m.Private && (m.Type == "incoming" || m.Type == "outgoing") {
			if m.Type == "outgoing" {
				status = "A"
			}
			break
		}
	}
	if lt.status != status {
		lt.status = status
		evs = append(evs, laEvent{TriggerStatusChanged, c.ID})
	}
	return nil
}

// AgentReply posts an agent's chat message (HTML, as the agent panel writes it) or, with note,
// an internal note, and fires "message added".
func (la *Server) AgentReply(ctx context.Context, ticketID, agentID, text string, note bool) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("agent reply: %w", err)
	}
	t := la.lock()
	var evs []laEvent
	defer func() { la.dispatchLocked(evs); t.unlock() }()
	c, lt, err := la.ticketByRef(ticketID)
	if err != nil {
		return "", fmt.Errorf("agent reply: %w", err)
	}
	u := la.AgentUser(agentID)
	if la.s.Users[u] == nil {
		return "", fmt.Errorf("agent reply: agent %s: %w", agentID, sim.ErrNotFound)
	}
	var m *sim.Message
	if note {
		g := la.newGroup(lt, "I", agentID)
		m = la.addLA(t, c, &sim.Message{Type: "outgoing", SenderKind: "user", SenderID: u, Content: text, HasContent: true, ContentType: "text", Private: true}, "N", "T", g, agentID)
	} else {
		g := lt.chatGroup
		if g == nil {
			g = la.newGroup(lt, "4", agentID)
		}
		m = la.addLA(t, c, &sim.Message{Type: "outgoing", SenderKind: "user", SenderID: u, Content: "<p>" + html.EscapeString(text) + "</p>", HasContent: true, ContentType: "text"}, "M", "H", g, agentID)
	}
	evs = append(evs, laEvent{TriggerMessageAdded, c.ID})
	return laMsgID(m.ID), nil
}

// AgentTake makes the agent the ticket's agent ("transfer to me" in the agent panel, or
// accepting a chat ringing in the queue) and fires "ticket transferred".
func (la *Server) AgentTake(ctx context.Context, ticketID, agentID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("agent take: %w", err)
	}
	t := la.lock()
	var evs []laEvent
	defer func() { la.dispatchLocked(evs); t.unlock() }()
	c, _, err := la.ticketByRef(ticketID)
	if err != nil {
		return fmt.Errorf("agent take: %w", err)
	}
	u := la.AgentUser(agentID)
	if la.s.Users[u] == nil {
		return fmt.Errorf("agent take: agent %s: %w", agentID, sim.ErrNotFound)
	}
	if ev, ok := la.transferLocked(t, c, c.TeamID, u, agentID); ok {
		evs = append(evs, ev)
	}
	return nil
}

// AgentSetStatus sets a ticket's status letter as an agent would (e.g. R resolved, C open)
// and fires "ticket status changed".
func (la *Server) AgentSetStatus(ctx context.Context, ticketID, status string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("agent set status: %w", err)
	}
	if !laStatuses[status] {
		return fmt.Errorf("agent set status: %q is not a status letter", status)
	}
	t := la.lock()
	var evs []laEvent
	defer func() { la.dispatchLocked(evs); t.unlock() }()
	c, lt, err := la.ticketByRef(ticketID)
	if err != nil {
		return fmt.Errorf("agent set status: %w", err)
	}
	if la.setStatusLocked(lt, status) {
		evs = append(evs, laEvent{TriggerStatusChanged, c.ID})
	}
	return nil
}

// laStatuses are Ticket.status letters (PYCLI docs/Ticket.md).
var laStatuses = map[string]bool{"I": true, "N": true, "T": true, "P": true, "R": true, "X": true, "B": true, "A": true, "C": true, "W": true, "L": true}

func (la *Server) setStatusLocked(lt *laTicket, status string) bool {
	if lt.status == status {
		return false
	}
	lt.status = status
	if status != "T" && status != "I" && lt.chatGroup != nil {
		// Any status but chatting ends the chat.
		lt.chatGroup.ended = time.Now()
		lt.chatGroup = nil
		lt.ended = true
	}
	return true
}

// ---- views ----

// Ticket returns a deep copy of one ticket (by id or code).
func (la *Server) Ticket(ticketID string) (Ticket, bool) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	c, _, err := la.ticketByRef(ticketID)
	if err != nil {
		return Ticket{}, false
	}
	return la.ticketView(c), true
}

// Tickets returns deep copies of every ticket, oldest first.
func (la *Server) Tickets() []Ticket {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	var out []Ticket
	for _, id := range la.s.ConvIDs {
		if _, ok := la.tickets[id]; ok {
			out = append(out, la.ticketView(la.s.Convs[id]))
		}
	}
	return out
}

func (la *Server) ticketView(c *sim.Conversation) Ticket {
	lt := la.tickets[c.ID]
	ct := la.s.Contacts[c.ContactID]
	v := Ticket{
		ID: laTicketID(c.ID), Code: lt.code, Status: lt.status, Subject: lt.subject,
		OwnerContactID: laContactID(ct.ID), OwnerName: ct.Name, OwnerEmail: ct.Email,
		Tags: slices.Clone(c.Labels), Ended: lt.ended, ConversationID: c.ID, AgentUser: c.AssigneeID,
		ChannelType: lt.channel, DateCreated: c.CreatedAt, LastActivity: c.LastActivityAt,
	}
	if c.TeamID != 0 {
		v.DepartmentID = laDeptID(c.TeamID)
	}
	if u := la.s.Users[c.AssigneeID]; u != nil {
		v.AgentID, v.AgentName = laAgentID(u.ID), u.Name
	}
	for _, d := range lt.transferred {
		v.TransferredToDepartmentIDs = append(v.TransferredToDepartmentIDs, laDeptID(d))
	}
	for _, g := range lt.groups {
		for _, mid := range g.msgs {
			m := la.coreMessage(c, mid)
			if m == nil {
				continue
			}
			lm := la.msgs[mid]
			mv := TicketMessage{ID: laMsgID(mid), GroupID: laGroupID(g.id), GroupType: g.typ, Type: lm.typ, Format: lm.format,
				UserID: lm.userID, UserName: la.userName(c, lm.userID), Text: m.Content, Note: m.Private, CreatedAt: m.CreatedAt}
			switch {
			case lm.userID == laAgentID(la.botUser):
				mv.Role = "bot"
			case strings.HasPrefix(lm.userID, "ag"):
				mv.Role = "agent"
			case strings.HasPrefix(lm.userID, "vu") && lm.typ == "M":
				mv.Role = "visitor"
			default:
				mv.Role = "system"
			}
			v.Messages = append(v.Messages, mv)
		}
	}
	return v
}

func (la *Server) coreMessage(c *sim.Conversation, id int) *sim.Message {
	for _, m := range c.Msgs {
		if m.ID == id {
			return m
		}
	}
	return nil
}

func (la *Server) userName(c *sim.Conversation, userID string) string {
	if u, ok := laParse("ag", userID); ok && la.s.Users[u] != nil {
		return la.s.Users[u].Name
	}
	if strings.HasPrefix(userID, "vu") {
		return la.s.Contacts[c.ContactID].Name
	}
	return ""
}

// ---- model helpers (callers hold s.mu) ----

func (la *Server) newGroup(lt *laTicket, typ, userID string) *laGroup {
	la.groupSeq++
	g := &laGroup{id: la.groupSeq, typ: typ, userID: userID, created: time.Now()}
	lt.groups = append(lt.groups, g)
	return g
}

// addLA stores a message in the core and its LiveAgent side data.
func (la *Server) addLA(t *laTx, c *sim.Conversation, m *sim.Message, typ, format string, g *laGroup, userID string) *sim.Message {
	t.addMessage(c, m)
	la.msgs[m.ID] = &laMessage{typ: typ, format: format, group: g, userID: userID}
	g.msgs = append(g.msgs, m.ID)
	return m
}

// addSystem adds a system group (transfer T, status J...) with one message.
func (la *Server) addSystem(t *laTx, c *sim.Conversation, groupType, msgType, text string) {
	lt := la.tickets[c.ID]
	g := la.newGroup(lt, groupType, "")
	la.addLA(t, c, &sim.Message{Type: "activity", Content: text, HasContent: true, ContentType: "text"}, msgType, "T", g, "")
}

// ticketByRef finds a ticket by id or code.
func (la *Server) ticketByRef(ref string) (*sim.Conversation, *laTicket, error) {
	if id, ok := laParse("tk", ref); ok {
		if lt, ok := la.tickets[id]; ok {
			return la.s.Convs[id], lt, nil
		}
	}
	for id, lt := range la.tickets {
		if lt.code == ref {
			return la.s.Convs[id], lt, nil
		}
	}
	return nil, nil, fmt.Errorf("ticket %s: %w", ref, sim.ErrNotFound)
}

// transferLocked moves a ticket to a department and/or agent (user 0: the department's
// queue), with a transfer group, and returns the "ticket transferred" event if anything
// changed.
func (la *Server) transferLocked(t *laTx, c *sim.Conversation, dept, user int, by string) (laEvent, bool) {
	if c.TeamID == dept && c.AssigneeID == user {
		return laEvent{}, false
	}
	lt := la.tickets[c.ID]
	if dept != c.TeamID {
		lt.transferred = append(lt.transferred, dept)
	}
	c.TeamID, c.AssigneeID = dept, user
	target := ""
	if tm := la.s.Teams[dept]; tm != nil {
		target = "department " + tm.Name
	}
	if u := la.s.Users[user]; u != nil {
		target = strings.TrimPrefix(target+", agent "+u.Name, ", ")
	}
	who := la.userName(c, by)
	if who == "" {
		who = "system"
	}
	la.addSystem(t, c, "T", "R", fmt.Sprintf("Transferred to %s by %s", target, who))
	return laEvent{TriggerTicketTransferred, c.ID}, true
}

// chatOnline reports whether a user is online for chat.
func (la *Server) chatOnline(u int) bool {
	us := la.s.Users[u]
	return us != nil && us.Availability == "online"
}

func laOnlineLetters(availability string) string {
	switch availability {
	case "online":
		return "TMR"
	case "busy":
		return "MR"
	}
	return ""
}

// ---- the rules engine ----

var laVarRE = regexp.MustCompile(`\{\$([A-Za-z0-9_]+)\}`)

// dispatchLocked sends every rule matching the events. Callers hold s.mu.
func (la *Server) dispatchLocked(evs []laEvent) {
	s := la.s
	for _, ev := range evs {
		c := s.Convs[ev.conv]
		if c == nil {
			continue
		}
		for _, r := range la.rules {
			if !strings.EqualFold(r.Trigger, ev.trigger) {
				continue
			}
			if r.Department != "" && r.Department != laDeptID(c.TeamID) {
				continue
			}
			vars := la.variables(c)
			faulty := la.ruleFaults.Rate <= 0 || la.frng.Float64() < la.ruleFaults.Rate
			if faulty {
				for k, v := range la.ruleFaults.Values {
					vars[k] = v
				}
				for _, k := range la.ruleFaults.Unreplaced {
					delete(vars, k)
				}
			}
			d := Delivery{Rule: r.Name, Trigger: r.Trigger, TicketID: laTicketID(c.ID),
				URL: laRender(r.URL, vars, true), Body: laRender(r.Body, vars, false)}
			// One request, no retry; GET sends no body.
			w := simnet.Webhook{Method: r.Method, URL: d.URL, Header: laRuleHeader, Client: la.client, Meta: d,
				Event: d.Trigger, Done: la.logRuleResult(d.Trigger)}
			if r.Method != http.MethodGet {
				w.Body = []byte(d.Body)
			}
			s.Hooks.Send(w)
		}
	}
}

// variables are the ticket's {$variable} values; empty values are absent, so they stay
// literal (docs/helpdesks/liveagent.md §2.1).
func (la *Server) variables(c *sim.Conversation) map[string]string {
	lt := la.tickets[c.ID]
	ct := la.s.Contacts[c.ContactID]
	first, last, _ := strings.Cut(ct.Name, " ")
	vars := map[string]string{
		"conversation_id":      laTicketID(c.ID),
		"conversation_code":    lt.code,
		"conversation_subject": lt.subject,
		"conversation_status":  lt.status,
		"user_id":              laContactID(ct.ID),
		"user_firstname":       first,
		"user_lastname":        last,
		"user_email":           ct.Email,
	}
	if c.TeamID != 0 {
		vars["conversation_department_id"] = laDeptID(c.TeamID)
	}
	if c.AssigneeID != 0 {
		vars["conversation_agent_id"] = laAgentID(c.AssigneeID)
	}
	for i := len(c.Msgs) - 1; i >= 0; i-- {
		if m := c.Msgs[i]; m.Type == "incoming" || m.Type == "outgoing" {
			vars["conversation_last_message"] = m.Content
			break
		}
	}
	for k, v := range vars {
		if v == "" {
			delete(vars, k)
		}
	}
	return vars
}

// laRender replaces {$variable}s; values are inserted unescaped (in a URL, query-escaped).
func laRender(tmpl string, vars map[string]string, inURL bool) string {
	return laVarRE.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := laVarRE.FindStringSubmatch(m)[1]
		v, ok := vars[name]
		if !ok {
			return m
		}
		if inURL {
			return url.PathEscape(v)
		}
		return v
	})
}

// laRuleHeader is the headers of a rule's HTTP request.
func laRuleHeader() http.Header {
	return http.Header{"Content-Type": {"application/json"}, "User-Agent": {"LiveAgent"}}
}

// laDelivery is one entry of the delivery log as Deliveries shows it. Err is the bare cause:
// the sim's LiveAgent never prefixed it, and the URL (which holds the secret) is left out.
func laDelivery(d simnet.Delivery) Delivery {
	out := d.Meta.(Delivery)
	out.Status = d.Status
	if d.Err != nil {
		cause := d.Err
		if ae, ok := errors.AsType[*simnet.AttemptError](d.Err); ok {
			cause = ae.Err
		}
		if uerr, ok := errors.AsType[*url.Error](cause); ok {
			cause = uerr.Err // a malformed URL: http.NewRequest's error names it
		}
		out.Err = cause.Error()
	}
	return out
}

func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// logRuleResult logs a rule's HTTP request that failed (the rules engine makes one attempt).
func (la *Server) logRuleResult(trigger string) func(simnet.Result) {
	return func(r simnet.Result) {
		if !r.OK && !r.Canceled {
			la.log.Warn("liveagent rule request failed", "trigger", trigger, "status", r.Status, "err", r.Err)
		}
	}
}
