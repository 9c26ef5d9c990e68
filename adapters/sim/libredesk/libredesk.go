// Package libredesk is a simulated Libredesk on the neutral store of package sim: a second,
// independent reading of Libredesk
// (github.com/abhinavxd/libredesk, v2.7.0 unless a comment says otherwise: its source and the
// traffic of a running instance). It shares no code or types with adapters/libredesk.
//
// The store holds the conversations, messages, contacts, agents (users), teams and inboxes; this
// package keeps what only Libredesk has in side maps (message uuids, statuses and meta, API keys,
// permissions, availability statuses, defined tags). In a Libredesk world:
//
//   - Conversation.Status holds Libredesk's status names (Open, Snoozed, Resolved, Closed);
//   - Conversation.AssigneeID is assigned_user_id (the bot is an ordinary agent, a store user);
//   - Conversation.TeamID is assigned_team_id, Conversation.Labels are its tags;
//   - Message.Type is incoming|outgoing|activity, Message.SenderKind is contact|user.
//
// api.go holds the REST routes and JSON shapes, webhook.go the webhooks, install.go what
// `handover install` creates and ui.go the sandbox page.
//
// Simplifications, each against the Libredesk source it departs from:
//   - a reply is "sent" at once (message.created pending, then message.updated sent); Libredesk's
//     message dispatcher sends it a moment later (internal/conversation: QueueReply and workers);
//   - no automatic assignment (internal/autoassigner round-robins a team's unassigned chats),
//     automation rules, SLAs, business hours, CSAT or continuity emails;
//   - no presence decay: availability_status stays as set (update-inactive-offline in
//     internal/user/queries.sql turns agents offline after 5 minutes without a websocket);
//   - one role per agent, given as a permission list (SetPermissions); every permission by default.
package libredesk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/internal/helptext"
	"github.com/handover-dev/handover/adapters/sim"
)

// Libredesk's default statuses (GET /api/v1/statuses; cmodels.StatusOpen and friends).
const (
	Open     = "Open"
	Snoozed  = "Snoozed"
	Resolved = "Resolved"
	Closed   = "Closed"
)

// Libredesk's availability_status values (users.availability_status).
const (
	Online             = "online"
	Away               = "away"
	AwayManual         = "away_manual"
	Offline            = "offline"
	AwayAndReassigning = "away_and_reassigning"
)

// Events are the webhook events Libredesk can send (internal/webhook/models/models.go),
// without webhook.test.
var Events = []string{
	"conversation.created", "conversation.status_changed", "conversation.tags_changed",
	"conversation.assigned", "conversation.unassigned", "message.created", "message.updated",
}

// Permissions are the permissions the simulated API checks
// (internal/authz/models; cmd/handlers.go perm(...) on each route).
var Permissions = []string{
	"conversations:read", "conversations:read_all", "conversations:read_assigned", "conversations:read_unassigned",
	"conversations:read_team_inbox", "conversations:update_user_assignee", "conversations:update_team_assignee",
	"conversations:update_status", "conversations:update_tags", "messages:read", "messages:write",
	"users:manage", "tags:manage",
}

// Options configures a simulated Libredesk.
type Options struct {
	// WebhookURL receives the webhooks (may be set later with SetWebhook). Empty: none are sent.
	WebhookURL string
	// WebhookSecret signs X-Libredesk-Signature; empty sends unsigned deliveries, as Libredesk
	// does for a webhook without a secret.
	WebhookSecret string
	// Events the webhook subscribes to; nil means all of Events.
	Events []string
	// Version is sent in User-Agent: Libredesk-Webhook/<Version>; default "v2.7.0".
	Version string
	// WebhookTimeout bounds one delivery (Libredesk's webhook timeout, default 15s).
	WebhookTimeout time.Duration
	// BotName is the display name of the bot agent SeedDemo creates; default "AI assistant".
	BotName string
	Logger  *slog.Logger // nil = discard
	Seed    int64        // for fault randomness
}

// Demo holds the ids of the sandbox world created by Libredesk.SeedDemo.
type Demo struct {
	InboxID   int
	InboxUUID string
	TeamID    int
	AliceID   int
	BobID     int
	BotID     int // the bot agent (an ordinary agent)
	APIKey    string
	APISecret string
}

// ConversationView is a deep copy of one conversation as Libredesk shows it.
type ConversationView struct {
	ID           int           `json:"id"`
	UUID         string        `json:"uuid"`
	InboxID      int           `json:"inbox_id"`
	Status       string        `json:"status"`
	AssigneeID   int           `json:"assigned_user_id"` // 0 = none
	AssigneeName string        `json:"assignee_name"`
	TeamID       int           `json:"assigned_team_id"` // 0 = none
	Tags         []string      `json:"tags"`
	ContactID    int           `json:"contact_id"`
	ContactName  string        `json:"contact_name"`
	ContactEmail string        `json:"contact_email"`
	Messages     []MessageView `json:"messages"`
}

// MessageView is a deep copy of one message.
type MessageView struct {
	ID         int            `json:"id"`
	UUID       string         `json:"uuid"`
	Type       string         `json:"type"`        // incoming|outgoing|activity
	Status     string         `json:"status"`      // received|pending|sent
	SenderType string         `json:"sender_type"` // contact|agent
	SenderID   int            `json:"sender_id"`
	SenderName string         `json:"sender_name"`
	Content    string         `json:"content"`      // as posted (HTML for agent replies)
	Text       string         `json:"text_content"` // plain text
	Private    bool           `json:"private"`
	Meta       map[string]any `json:"meta"`
	CreatedAt  time.Time      `json:"created_at"`
}

// Libredesk is a simulated Libredesk on the sim's core model. Create it with New and
// serve Handler. It is safe for concurrent use.
type Server struct {
	s       *sim.Store
	log     *slog.Logger
	opts    Options
	st      *ldState // guarded by s.mu
	handler http.Handler
}

// ldState is what only Libredesk has; every field is guarded by Server.mu.
type ldState struct {
	webhookURL string
	secret     string
	events     map[string]bool
	inboxes    map[int]*ldInbox  // core inbox id → Libredesk inbox data
	msgs       map[int]*ldMsg    // core message id → Libredesk message data
	keys       map[string]ldKey  // api_key → secret and owner
	perms      map[int][]string  // user id → permissions (absent = every permission)
	avail      map[int]string    // user id → availability_status
	lastActive map[int]time.Time // user id → last_active_at
	tags       map[string]int    // defined tag names → ids
	tagIDs     []string          // tag names in creation order
	sessions   map[string]int    // widget session token → contact id
	contactTyp map[int]string    // contact id → visitor|contact
	contactFN  map[int][2]string // contact id → first, last name
	agentFN    map[int][2]string // user id → first, last name
	seqTag     int
	botID      int // the demo's bot agent, for the sandbox page (0 = none)
	systemID   int // Libredesk's System user
}

type ldInbox struct {
	uuid    string
	channel string // livechat|email
}

type ldMsg struct {
	uuid        string
	status      string // received|pending|sent
	meta        map[string]any
	textContent string
}

type ldKey struct {
	secret string
	userID int
}

// Delivery is one webhook delivery attempt (Libredesk makes exactly one).
type Delivery struct {
	Event     string
	Status    int    // 0 on a transport error
	Err       string // transport error, if any
	Signed    bool
	Duplicate bool // a second copy sent by the DuplicateWebhookRate fault
}

// New returns a simulated Libredesk with one administrator (user 1, "Admin") and no
// inbox yet: use SeedDemo, or AddInbox, AddAgent, AddTeam and CreateAPIKey.
func New(opts Options) *Server {
	if opts.Version == "" {
		opts.Version = "v2.7.0"
	}
	if opts.WebhookTimeout == 0 {
		opts.WebhookTimeout = 15 * time.Second
	}
	if opts.BotName == "" {
		opts.BotName = "AI assistant"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	core := sim.NewStore(opts.Seed, opts.WebhookTimeout)
	l := &Server{s: core, log: log.With("component", "sim", "dialect", "libredesk"), opts: opts, st: &ldState{
		webhookURL: opts.WebhookURL, secret: opts.WebhookSecret, events: map[string]bool{},
		inboxes: map[int]*ldInbox{}, msgs: map[int]*ldMsg{}, keys: map[string]ldKey{}, perms: map[int][]string{},
		avail: map[int]string{}, lastActive: map[int]time.Time{}, tags: map[string]int{}, sessions: map[string]int{},
		contactTyp: map[int]string{}, contactFN: map[int][2]string{}, agentFN: map[int][2]string{},
	}}
	events := opts.Events
	if events == nil {
		events = Events
	}
	for _, e := range events {
		l.st.events[e] = true
	}
	core.Mu.Lock()
	admin := core.NewUser("Admin", "admin@example.com", "administrator", "offline")
	l.st.agentFN[admin.ID] = [2]string{"Admin", ""}
	l.st.avail[admin.ID] = Offline
	// Libredesk's "System" user (email "System", hidden from agent lists) performs automatic
	// changes such as reopening a conversation.
	sys := core.NewUser("System", "System", "system", "offline")
	l.st.systemID = sys.ID
	l.st.agentFN[sys.ID] = [2]string{"System", ""}
	core.Mu.Unlock()
	l.handler = l.routes()
	return l
}

// Handler serves Libredesk's agent API under /api/v1/..., the widget API, and the sandbox page
// at "/" with its JSON endpoints under /sim/.
func (l *Server) Handler() http.Handler { return l.handler }

// SetWebhook sets the webhook's URL and secret (Admin → Integrations → Webhooks). An empty URL
// stops deliveries; an empty secret sends them unsigned.
func (l *Server) SetWebhook(url, secret string) {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	l.st.webhookURL, l.st.secret = url, secret
}

// Close stops webhook deliveries in flight and waits for them.
func (l *Server) Close() { l.s.Close() }

// WaitIdle waits until no webhook delivery is in flight.
func (l *Server) WaitIdle(ctx context.Context) error { return l.s.WaitIdle(ctx) }

// SetFaults replaces the fault settings: API faults (429 with Retry-After, 500, dropped
// connections, delay) and webhook faults (duplicates, jitter that reorders deliveries).
func (l *Server) SetFaults(f sim.Faults) { l.s.SetFaults(f) }

// Calls returns a copy of the API call log. Token is "key" for a valid API key, "invalid" for a
// wrong one and "" for none.
func (l *Server) Calls() []sim.Call { return l.s.Calls() }

// ResetCalls empties the API call log.
func (l *Server) ResetCalls() { l.s.ResetCalls() }

// Deliveries returns a copy of the log of webhook delivery attempts.
func (l *Server) Deliveries() []Delivery {
	var out []Delivery
	for _, d := range l.s.Hooks.Log() {
		if m, ok := d.Meta.(ldMeta); ok {
			ld := Delivery{Event: d.Event, Status: d.Status, Signed: m.signed, Duplicate: d.Duplicate}
			if d.Err != nil {
				ld.Err = d.Err.Error()
			}
			out = append(out, ld)
		}
	}
	return out
}

// AddInbox creates an inbox and returns its id. channel is "livechat" (the default when empty)
// or "email".
func (l *Server) AddInbox(name, channel string) int {
	if channel == "" {
		channel = "livechat"
	}
	s := l.s
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Seq.Inbox++
	in := &sim.Inbox{ID: s.Seq.Inbox, Name: name, CreatedAt: time.Now()}
	s.Inboxes[in.ID] = in
	s.InboxIDs = append(s.InboxIDs, in.ID)
	l.st.inboxes[in.ID] = &ldInbox{uuid: sim.NewUUID(), channel: channel}
	return in.ID
}

// InboxUUID returns the inbox's uuid (the widget's X-Libredesk-Inbox-ID), or "".
func (l *Server) InboxUUID(inboxID int) string {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	if in := l.st.inboxes[inboxID]; in != nil {
		return in.uuid
	}
	return ""
}

// AddAgent creates an agent and returns its id. availability is one of Libredesk's
// availability_status values; anything else counts as offline.
func (l *Server) AddAgent(firstName, lastName, email, availability string) int {
	s := l.s
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Seq.User++
	name := strings.TrimSpace(firstName + " " + lastName)
	u := &sim.User{ID: s.Seq.User, Name: name, Email: email, Role: "agent", CreatedAt: time.Now()}
	s.Users[u.ID] = u
	s.UserIDs = append(s.UserIDs, u.ID)
	l.st.agentFN[u.ID] = [2]string{firstName, lastName}
	l.setAvailLocked(u, availability)
	return u.ID
}

// AddTeam creates a team with the given members and returns its id.
func (l *Server) AddTeam(name string, agentIDs ...int) int {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	return l.s.NewTeam(name, agentIDs...).ID
}

// AddTeamMember adds an agent to a team. Unknown ids are ignored.
func (l *Server) AddTeamMember(teamID, agentID int) {
	s := l.s
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if tm := s.Teams[teamID]; tm != nil && s.Users[agentID] != nil && !slices.Contains(tm.Members, agentID) {
		tm.Members = append(tm.Members, agentID)
	}
}

// SetAvailability sets an agent's availability_status (online, away, away_manual, offline,
// away_and_reassigning). The sim has no presence decay: Libredesk turns an agent offline after
// 5 minutes without a websocket ping (update-inactive-offline); here the status stays as set.
func (l *Server) SetAvailability(agentID int, availability string) {
	s := l.s
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if u := s.Users[agentID]; u != nil {
		l.setAvailLocked(u, availability)
	}
}

func (l *Server) setAvailLocked(u *sim.User, availability string) {
	switch availability {
	case Online, Away, AwayManual, Offline, AwayAndReassigning:
	default:
		availability = Offline
	}
	l.st.avail[u.ID] = availability
	l.st.lastActive[u.ID] = time.Now()
	// Keep the core's view coherent (online|busy|offline).
	switch availability {
	case Online:
		u.Availability = "online"
	case Offline:
		u.Availability = "offline"
	default:
		u.Availability = "busy"
	}
}

// CreateAPIKey generates an API key and secret for an agent (POST /api/v1/agents/{id}/api-key),
// replacing any previous pair. It returns empty strings for an unknown agent.
func (l *Server) CreateAPIKey(agentID int) (key, secret string) {
	s := l.s
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if s.Users[agentID] == nil {
		return "", ""
	}
	for k, v := range l.st.keys {
		if v.userID == agentID {
			delete(l.st.keys, k)
		}
	}
	key, secret = ldRandomHex(16), ldRandomHex(24)
	l.st.keys[key] = ldKey{secret: secret, userID: agentID}
	return key, secret
}

// SetPermissions replaces an agent's permissions (its role's permission list). Agents not set
// here have every permission in Permissions.
func (l *Server) SetPermissions(agentID int, perms ...string) {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	l.st.perms[agentID] = slices.Clone(perms)
}

// AddTag defines a tag (POST /api/v1/tags) and returns its id. Tags must exist before they can
// be put on a conversation: unknown names are silently dropped (set-conversation-tags and
// add-conversation-tags in internal/conversation/queries.sql insert only known tags).
func (l *Server) AddTag(name string) int {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	return l.addTagLocked(name)
}

func (l *Server) addTagLocked(name string) int {
	if id, ok := l.st.tags[name]; ok {
		return id
	}
	l.st.seqTag++
	l.st.tags[name] = l.st.seqTag
	l.st.tagIDs = append(l.st.tagIDs, name)
	return l.st.seqTag
}

// SeedDemo creates the sandbox world: a live-chat inbox "Website"; team "Support" with Alice
// (online) and Bob (offline); the bot agent (BotName, offline: Libredesk's presence decays for
// API-only users) with an API key; and the tag "offline-message".
func (l *Server) SeedDemo() Demo {
	d := Demo{InboxID: l.AddInbox("Website", "livechat")}
	d.InboxUUID = l.InboxUUID(d.InboxID)
	d.AliceID = l.AddAgent("Alice", "", "alice@example.com", Online)
	d.BobID = l.AddAgent("Bob", "", "bob@example.com", Offline)
	d.BotID = l.AddAgent(l.opts.BotName, "", "bot@example.com", Offline)
	d.TeamID = l.AddTeam("Support", d.AliceID, d.BobID)
	d.APIKey, d.APISecret = l.CreateAPIKey(d.BotID)
	l.AddTag("offline-message")
	l.s.Mu.Lock()
	l.st.botID = d.BotID
	l.s.Mu.Unlock()
	return d
}

// ---- visitor and agent sides ----

// VisitorSend posts a visitor message through the live-chat widget and returns the conversation
// and message ids. contact is a visitor key (also the visitor's first name). Like the widget it
// writes into the visitor's latest conversation in the inbox, or starts one (status Open,
// unassigned). A message to a Snoozed, Resolved or Closed conversation reopens it with only an
// activity "System marked the conversation as Open" and no conversation.status_changed (see
// docs/helpdesks/libredesk.md). Webhooks: message.created (incoming) and, for a new conversation,
// conversation.created — delivered in no particular order.
func (l *Server) VisitorSend(ctx context.Context, inboxID int, contact, text string) (convID, msgID int, err error) {
	return l.visitorSend(ctx, inboxID, contact, text, false)
}

// VisitorStart starts a new conversation from the widget, whatever the visitor's earlier ones
// (POST /api/v1/widget/chat/conversations/init).
func (l *Server) VisitorStart(ctx context.Context, inboxID int, contact, text string) (convID, msgID int, err error) {
	return l.visitorSend(ctx, inboxID, contact, text, true)
}

// VisitorReply posts a visitor message into the conversation convID as its visitor does from
// the live-chat widget (POST /api/v1/widget/chat/conversations/{uuid}/message), whatever the
// visitor's other conversations, and returns the message id. Like VisitorSend it reopens a
// Snoozed, Resolved or Closed conversation. Webhook: message.created (incoming).
func (l *Server) VisitorReply(ctx context.Context, convID int, text string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("visitor reply: %w", err)
	}
	if strings.TrimSpace(text) == "" {
		return 0, errors.New("visitor reply: empty message")
	}
	t := l.ldLock()
	defer t.unlock()
	c, ok := l.s.Convs[convID]
	if !ok || l.st.inboxes[c.InboxID] == nil || l.st.inboxes[c.InboxID].channel != "livechat" {
		// The widget serves live-chat inboxes only (widgetInbox).
		return 0, fmt.Errorf("visitor reply: conversation %d: %w", convID, sim.ErrNotFound)
	}
	m, err := t.incoming(c, c.InboxID, l.s.Contacts[c.ContactID], text)
	if err != nil {
		return 0, fmt.Errorf("visitor reply: %w", err)
	}
	return m.ID, nil
}

func (l *Server) visitorSend(ctx context.Context, inboxID int, contact, text string, fresh bool) (int, int, error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, fmt.Errorf("visitor send: %w", err)
	}
	if strings.TrimSpace(contact) == "" {
		return 0, 0, errors.New("visitor send: empty contact")
	}
	if strings.TrimSpace(text) == "" {
		return 0, 0, errors.New("visitor send: empty message")
	}
	t := l.ldLock()
	defer t.unlock()
	s := l.s
	if s.Inboxes[inboxID] == nil || l.st.inboxes[inboxID] == nil {
		return 0, 0, fmt.Errorf("visitor send: inbox %d: %w", inboxID, sim.ErrNotFound)
	}
	ct := l.contactLocked(contact)
	var c *sim.Conversation
	if !fresh {
		for i := len(s.ConvIDs) - 1; i >= 0; i-- {
			cand := s.Convs[s.ConvIDs[i]]
			if cand.ContactID == ct.ID && cand.InboxID == inboxID {
				c = cand
				break
			}
		}
	}
	m, err := t.incoming(c, inboxID, ct, text)
	if err != nil {
		return 0, 0, err
	}
	return m.ConvID, m.ID, nil
}

// incoming stores a visitor message, creating the conversation when c is nil.
func (t *ldTx) incoming(c *sim.Conversation, inboxID int, ct *sim.Contact, text string) (*sim.Message, error) {
	created := false
	if c == nil {
		c = t.createConversation(inboxID, ct)
		created = true
	}
	m := &sim.Message{Type: "incoming", SenderKind: "contact", SenderID: ct.ID, Content: text, HasContent: true, ContentType: "text"}
	t.addMessage(c, m, "received", nil, text)
	if created {
		// Observed order on v2.7.0: the first message.created, then conversation.created.
		t.event("conversation.created", t.l.conversationJSON(c))
	}
	switch c.Status {
	case Snoozed, Resolved, Closed:
		// ReOpenConversation: status and an activity, no webhook of its own.
		c.Status = Open
		c.UpdatedAt = time.Now()
		t.activity(c, t.l.st.systemID, "System marked the conversation as Open")
	}
	return m, nil
}

// SetContactEmail sets the email of the conversation's contact (no webhook).
func (l *Server) SetContactEmail(convID int, email string) {
	s := l.s
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if c, ok := s.Convs[convID]; ok {
		s.Contacts[c.ContactID].Email = email
	}
}

// AgentReply posts a public reply or (private) a private note as an agent, like the agent UI
// (POST /api/v1/conversations/{uuid}/messages). A reply is created "pending" and sent at once:
// message.created, then message.updated with status "sent".
func (l *Server) AgentReply(ctx context.Context, convID, agentID int, text string, private bool) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("agent reply: %w", err)
	}
	t := l.ldLock()
	defer t.unlock()
	c, u, err := l.convAndAgent(convID, agentID)
	if err != nil {
		return 0, fmt.Errorf("agent reply: %w", err)
	}
	m := t.reply(c, u.ID, ldEscapeHTML(text), private, nil)
	return m.ID, nil
}

// AgentAssign assigns the conversation to agentID as that agent (self-assignment): the
// activity "<agent> self-assigned this conversation" and conversation.assigned.
func (l *Server) AgentAssign(ctx context.Context, convID, agentID int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("agent assign: %w", err)
	}
	t := l.ldLock()
	defer t.unlock()
	c, u, err := l.convAndAgent(convID, agentID)
	if err != nil {
		return fmt.Errorf("agent assign: %w", err)
	}
	t.assignUser(c, u.ID, u.ID)
	return nil
}

// AgentAssignTeam assigns a team as actorID would in the UI; like Libredesk it clears the user
// assignee when the team changes.
func (l *Server) AgentAssignTeam(ctx context.Context, convID, actorID, teamID int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("agent assign team: %w", err)
	}
	t := l.ldLock()
	defer t.unlock()
	c, u, err := l.convAndAgent(convID, actorID)
	if err != nil {
		return fmt.Errorf("agent assign team: %w", err)
	}
	if l.s.Teams[teamID] == nil {
		return fmt.Errorf("agent assign team: team %d: %w", teamID, sim.ErrNotFound)
	}
	t.assignTeam(c, teamID, u.ID)
	return nil
}

// AgentSetStatus changes the status as actorID (Open, Snoozed, Resolved or Closed).
func (l *Server) AgentSetStatus(ctx context.Context, convID, actorID int, status string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("agent set status: %w", err)
	}
	t := l.ldLock()
	defer t.unlock()
	c, u, err := l.convAndAgent(convID, actorID)
	if err != nil {
		return fmt.Errorf("agent set status: %w", err)
	}
	if !validLDStatus(status) {
		return fmt.Errorf("agent set status: unknown status %q", status)
	}
	t.setStatus(c, status, u.ID)
	return nil
}

func (l *Server) convAndAgent(convID, agentID int) (*sim.Conversation, *sim.User, error) {
	c, ok := l.s.Convs[convID]
	if !ok || l.st.inboxes[c.InboxID] == nil {
		return nil, nil, fmt.Errorf("conversation %d: %w", convID, sim.ErrNotFound)
	}
	u := l.s.Users[agentID]
	if u == nil {
		return nil, nil, fmt.Errorf("agent %d: %w", agentID, sim.ErrNotFound)
	}
	return c, u, nil
}

// Conversation returns a deep copy of one conversation.
func (l *Server) Conversation(convID int) (ConversationView, bool) {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	c, ok := l.s.Convs[convID]
	if !ok || l.st.inboxes[c.InboxID] == nil {
		return ConversationView{}, false
	}
	return l.view(c), true
}

// ConversationByUUID returns a deep copy of the conversation with that uuid.
func (l *Server) ConversationByUUID(uuid string) (ConversationView, bool) {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	c := l.convByUUID(uuid)
	if c == nil {
		return ConversationView{}, false
	}
	return l.view(c), true
}

// Conversations returns deep copies of all conversations, by id.
func (l *Server) Conversations() []ConversationView {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	var out []ConversationView
	for _, id := range l.s.ConvIDs {
		if c := l.s.Convs[id]; l.st.inboxes[c.InboxID] != nil {
			out = append(out, l.view(c))
		}
	}
	return out
}

// NewVisitorName returns a random visitor name like "quiet-sun-421".
func (l *Server) NewVisitorName() string { return l.s.NewVisitorName() }

func (l *Server) view(c *sim.Conversation) ConversationView {
	s := l.s
	ct := s.Contacts[c.ContactID]
	v := ConversationView{
		ID: c.ID, UUID: c.UUID, InboxID: c.InboxID, Status: c.Status, AssigneeID: c.AssigneeID, TeamID: c.TeamID,
		Tags: slices.Clone(c.Labels), ContactID: ct.ID, ContactName: ct.Name, ContactEmail: ct.Email,
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if u := s.Users[c.AssigneeID]; u != nil {
		v.AssigneeName = u.Name
	}
	v.Messages = make([]MessageView, 0, len(c.Msgs))
	for _, m := range c.Msgs {
		lm := l.st.msgs[m.ID]
		meta, _ := sim.DeepCopy(lm.meta).(map[string]any)
		if meta == nil {
			meta = map[string]any{}
		}
		v.Messages = append(v.Messages, MessageView{
			ID: m.ID, UUID: lm.uuid, Type: m.Type, Status: lm.status, SenderType: ldSenderType(m), SenderID: m.SenderID,
			SenderName: l.senderName(m), Content: m.Content, Text: lm.textContent, Private: m.Private, Meta: meta,
			CreatedAt: m.CreatedAt,
		})
	}
	return v
}

func ldSenderType(m *sim.Message) string {
	if m.SenderKind == "contact" {
		return "contact"
	}
	return "agent"
}

func (l *Server) senderName(m *sim.Message) string {
	if m.SenderKind == "contact" {
		if ct := l.s.Contacts[m.SenderID]; ct != nil {
			return ct.Name
		}
		return ""
	}
	if u := l.s.Users[m.SenderID]; u != nil {
		return u.Name
	}
	return ""
}

// ---- internal model ----

// ldTx is a locked section that collects webhook events; unlock dispatches them.
type ldTx struct {
	l      *Server
	events []ldEvent
}

func (l *Server) ldLock() *ldTx {
	l.s.Mu.Lock()
	return &ldTx{l: l}
}

func (t *ldTx) unlock() {
	t.l.dispatchLocked(t.events)
	t.events = nil
	t.l.s.Mu.Unlock()
}

func (l *Server) contactLocked(key string) *sim.Contact {
	s := l.s
	ct := s.ContactFor(key)
	if _, ok := l.st.contactTyp[ct.ID]; !ok {
		l.st.contactTyp[ct.ID] = "visitor"
		l.st.contactFN[ct.ID] = [2]string{key, ""}
	}
	return ct
}

func (l *Server) convByUUID(uuid string) *sim.Conversation {
	for _, id := range l.s.ConvIDs {
		if c := l.s.Convs[id]; c.UUID == uuid && l.st.inboxes[c.InboxID] != nil {
			return c
		}
	}
	return nil
}

func (t *ldTx) createConversation(inboxID int, ct *sim.Contact) *sim.Conversation {
	c := t.l.s.NewConversation(inboxID, ct, Open)
	c.WaitingSince = c.CreatedAt
	return c
}

// addMessage appends a message (InsertMessage) and queues message.created.
func (t *ldTx) addMessage(c *sim.Conversation, m *sim.Message, status string, meta map[string]any, text string) {
	t.l.s.Append(c, m)
	if meta == nil {
		meta = map[string]any{}
	}
	t.l.st.msgs[m.ID] = &ldMsg{uuid: sim.NewUUID(), status: status, meta: meta, textContent: text}
	t.event("message.created", t.l.messageJSON(c, m))
}

// reply stores an agent's reply (QueueReply: pending, then sent with message.updated) or
// private note (SendPrivateNote: sent).
func (t *ldTx) reply(c *sim.Conversation, userID int, html string, private bool, meta map[string]any) *sim.Message {
	m := &sim.Message{Type: "outgoing", SenderKind: "user", SenderID: userID, Content: html, HasContent: true, ContentType: "html", Private: private}
	status := "pending"
	if private {
		status = "sent"
	}
	t.addMessage(c, m, status, meta, ldHTMLToText(html))
	if !private && c.FirstReplyAt.IsZero() {
		// update-conversation-reply-timestamps: first_reply_at = COALESCE(first_reply_at, now).
		c.FirstReplyAt = m.CreatedAt
	}
	if !private {
		t.l.st.msgs[m.ID].status = "sent"
		m.UpdatedAt = time.Now()
		t.event("message.updated", t.l.messageJSON(c, m))
	}
	return m
}

// activity inserts an activity message (InsertConversationActivity: type activity, private,
// sender_type agent, status sent), which Libredesk also sends as message.created.
func (t *ldTx) activity(c *sim.Conversation, actorID int, text string) {
	m := &sim.Message{Type: "activity", SenderKind: "user", SenderID: actorID, Content: text, HasContent: true, ContentType: "text", Private: true}
	t.addMessage(c, m, "sent", nil, text)
}

// assignUser is UpdateConversationUserAssignee: no-op when unchanged (the handler's "Already
// assigned?"), else conversation.assigned and an activity.
func (t *ldTx) assignUser(c *sim.Conversation, userID, actorID int) {
	if c.AssigneeID == userID {
		return
	}
	c.AssigneeID = userID
	c.UpdatedAt = time.Now()
	t.event("conversation.assigned", map[string]any{
		"conversation_uuid": c.UUID, "assigned_to": userID, "actor_id": actorID, "conversation": t.l.conversationJSON(c),
	})
	actor := t.l.actorName(actorID)
	if userID == actorID {
		t.activity(c, actorID, actor+" self-assigned this conversation")
	} else {
		t.activity(c, actorID, fmt.Sprintf("Assigned to %s by %s", t.l.s.Users[userID].Name, actor))
	}
}

// assignTeam is UpdateConversationTeamAssignee: no-op when unchanged, else the team, an
// activity and — because the team changed — RemoveConversationAssignee(user), which sends
// conversation.unassigned whether or not a user was assigned. There is no event for the team.
func (t *ldTx) assignTeam(c *sim.Conversation, teamID, actorID int) {
	if c.TeamID == teamID {
		return
	}
	c.TeamID = teamID
	c.UpdatedAt = time.Now()
	t.activity(c, actorID, fmt.Sprintf("Assigned to %s team by %s", t.l.s.Teams[teamID].Name, t.l.actorName(actorID)))
	t.unassignUser(c, actorID)
}

// unassignUser is RemoveConversationAssignee(uuid, "user"): conversation.unassigned, no activity.
func (t *ldTx) unassignUser(c *sim.Conversation, actorID int) {
	c.AssigneeID = 0
	c.UpdatedAt = time.Now()
	t.event("conversation.unassigned", map[string]any{
		"conversation_uuid": c.UUID, "actor_id": actorID, "conversation": t.l.conversationJSON(c),
	})
}

// setStatus is UpdateConversationStatus: no-op when unchanged (and not snoozed), else
// conversation.status_changed and the activity "<actor> marked the conversation as <status>".
func (t *ldTx) setStatus(c *sim.Conversation, status string, actorID int) {
	prev := c.Status
	if prev == status && status != Snoozed {
		return
	}
	c.Status = status
	c.UpdatedAt = time.Now()
	snooze := ""
	if status == Snoozed {
		c.SnoozedUntil = time.Now().Add(time.Hour)
		snooze = c.SnoozedUntil.UTC().Format(time.RFC3339)
	} else {
		c.SnoozedUntil = time.Time{}
	}
	t.event("conversation.status_changed", map[string]any{
		"conversation_uuid": c.UUID, "previous_status": prev, "new_status": status, "snooze_until": snooze,
		"actor_id": actorID, "conversation": t.l.conversationJSON(c),
	})
	t.activity(c, actorID, fmt.Sprintf("%s marked the conversation as %s", t.l.actorName(actorID), status))
}

// setTags is SetConversationTags: names that are not defined tags are dropped silently;
// conversation.tags_changed is sent either way, with an activity per added or removed tag.
func (t *ldTx) setTags(c *sim.Conversation, action string, names []string, actorID int) {
	prev := slices.Clone(c.Labels)
	var next []string
	switch action {
	case "add_tags":
		next = slices.Clone(prev)
		for _, n := range names {
			if _, ok := t.l.st.tags[n]; ok && !slices.Contains(next, n) {
				next = append(next, n)
			}
		}
	case "remove_tags":
		for _, n := range prev {
			if !slices.Contains(names, n) {
				next = append(next, n)
			}
		}
	default: // set
		for _, n := range names {
			if _, ok := t.l.st.tags[n]; ok && !slices.Contains(next, n) {
				next = append(next, n)
			}
		}
	}
	if next == nil {
		next = []string{}
	}
	c.Labels = next
	c.UpdatedAt = time.Now()
	t.event("conversation.tags_changed", map[string]any{
		"conversation_uuid": c.UUID, "previous_tags": prev, "new_tags": slices.Clone(next), "actor_id": actorID,
		"conversation": t.l.conversationJSON(c),
	})
	actor := t.l.actorName(actorID)
	for _, n := range next {
		if !slices.Contains(prev, n) {
			t.activity(c, actorID, fmt.Sprintf("%s added tag %s", actor, n))
		}
	}
	for _, n := range prev {
		if !slices.Contains(next, n) {
			t.activity(c, actorID, fmt.Sprintf("%s removed tag %s", actor, n))
		}
	}
}

func (l *Server) actorName(id int) string {
	if u := l.s.Users[id]; u != nil {
		return u.Name
	}
	return "System"
}

func validLDStatus(s string) bool {
	switch s {
	case Open, Snoozed, Resolved, Closed:
		return true
	}
	return false
}

// permitted reports whether a user's role grants perm.
func (l *Server) permitted(userID int, perm string) bool {
	perms, ok := l.st.perms[userID]
	if !ok {
		return true
	}
	return slices.Contains(perms, perm)
}

// canAccess is authz EnforceConversationAccess: read_all, or read_assigned for the assignee, or
// read_unassigned without a user assignee, or read_team_inbox for a team member without one.
func (l *Server) canAccess(userID int, c *sim.Conversation) bool {
	switch {
	case l.permitted(userID, "conversations:read_all"):
		return true
	case c.AssigneeID == userID && l.permitted(userID, "conversations:read_assigned"):
		return true
	case c.AssigneeID == 0 && l.permitted(userID, "conversations:read_unassigned"):
		return true
	case c.AssigneeID == 0 && c.TeamID != 0 && l.permitted(userID, "conversations:read_team_inbox"):
		if tm := l.s.Teams[c.TeamID]; tm != nil && slices.Contains(tm.Members, userID) {
			return true
		}
	}
	return false
}

func ldRandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// escapeHTML turns plain text into the HTML the agent UI's editor sends.
func ldEscapeHTML(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	lines := strings.Split(r.Replace(s), "\n")
	return "<p>" + strings.Join(lines, "<br>") + "</p>"
}

// ldHTMLToText stands in for Libredesk's html2text (text_content).
func ldHTMLToText(s string) string { return helptext.Lines(s) }
