// Package zendesk is a simulated Zendesk on the neutral store of package sim: Sunshine
// Conversations (the messaging platform behind Zendesk messaging,
// served under /sc) with its switchboard, and the parts of the Zendesk Support API handover uses
// (/api/v2: tickets, agent availabilities, users, groups).
//
// A Sunshine conversation is a store conversation in one web-widget inbox, a Sunshine user is a
// store contact, an Agent Workspace agent is a store user (agent) whose availability is the
// messaging status, a Zendesk group is a team. What only Sunshine has lives in side maps of this
// package, keyed by the store's ids: the switchboard state of each
// conversation, the Sunshine ids, authors, sources, actions and metadata of messages, the Support
// tickets and the webhook deliveries.
//
// Sources (the vendor's own documents):
//   - Sunshine Conversations API spec, github.com/zendesk/sunshine-conversations-api-spec
//     (paths/, components/schemas/, components/schemas/webhooks/);
//   - the switchboard guide:
//     https://developer.zendesk.com/documentation/conversations/messaging-platform/programmable-conversations/switchboard
//     and https://docs.smooch.io/guide/switchboard/;
//   - SwitchboardActionsApi of zendesk/sunshine-conversations-java (releaseControl, and the
//     403s of acceptControl and releaseControl with integration scope);
//   - Zendesk Support API: https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/
//     (POST /api/v2/tickets, Idempotency-Key:
//     https://developer.zendesk.com/api-reference/ticketing/introduction/#idempotency);
//   - Agent Availability API:
//     https://developer.zendesk.com/api-reference/agent-availability/agent-availability-api/agent_availabilities/
//   - Zendesk article 4419179022874 (first_message_id in passControl metadata).
package zendesk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/adapters/sim/simnet"
)

// Sunshine switchboard integration types and names the sim creates. Agent Workspace's name is the
// one Zendesk's webhooks show ("zd-agentWorkspace", integrationType "zd:agentWorkspace"; example
// payload in "Receiving messages", developer.zendesk.com).
const (
	AgentWorkspaceType = "zd:agentWorkspace"
	AgentWorkspaceName = "zd-agentWorkspace"
	// SourceAgentWorkspace is source.type of messages an agent sends from Agent Workspace.
	SourceAgentWorkspace = "zd:agentWorkspace"
)

// Key scopes (API authentication: Basic or a JWT scoped to app, account or integration): an app
// key may act for any integration; an integration key is the custom integration itself, so
// acceptControl and releaseControl answer 403 when that integration is not the pending (accept)
// or active (release) one.
const (
	ScopeApp         = "app"
	ScopeIntegration = "integration"
)

// Options configures a simulated Zendesk.
type Options struct {
	AppID         string // Sunshine app id; default "5f0c0e0c0e0c0e0c0e0c0e0c"
	IntegrationID string // handover's custom integration id; default "6a0a0a0a0a0a0a0a0a0a0a0a"
	BotName       string // the custom integration's switchboard integration name; default "handover-bot"
	KeyID         string // Sunshine API key id (Basic auth user)
	KeySecret     string // Sunshine API key secret (Basic auth password)
	// KeyScope is ScopeIntegration (the default: a key of the custom integration) or
	// ScopeApp.
	KeyScope string
	// WebhookSecret is the custom integration webhook's secret, sent as X-API-Key.
	WebhookSecret string
	WebhookURL    string // may be set later with SetWebhookURL
	// NoStandbyEvents turns deliverStandbyEvents off on handover's switchboard integration: no
	// conversation:message or conversation:postback while another integration has control.
	NoStandbyEvents bool
	// NoFullUser is a webhook created without includeFullUser: a user message's author carries
	// no user object, and a postback names its user by id only (the profile is not sent).
	NoFullUser   bool
	SupportEmail string // Support API: Basic "<email>/token:<token>"
	SupportToken string
	// RetryWait is the first wait between webhook attempts; it doubles per attempt (Sunshine:
	// up to 5 attempts over 15 minutes, exponential). Default 30s; tests set ~10ms.
	RetryWait time.Duration
	// WebhookTimeout bounds one webhook attempt (Sunshine: 20 s, the default).
	WebhookTimeout time.Duration
	// MessageCap is the number of messages after which posting answers 423 Locked (Sunshine:
	// 30,000, the default).
	MessageCap int
	Logger     *slog.Logger
	Seed       int64
}

// Demo holds the ids of the sandbox world created by Zendesk.SeedDemo.
type Demo struct {
	GroupID, AliceID, BobID int
}

// Zendesk is the simulated Zendesk: a Sunshine Conversations app with a switchboard and a Support
// account, on one core Server. Create it with New; serve Handler.
type Server struct {
	s       *sim.Store
	o       Options
	log     *slog.Logger
	mw      *simnet.Middleware // this dialect's API faults (the core's) and call log
	hc      *sim.HelpCenter    // the Help Center API's articles (zendesk_helpcenter.go)
	handler http.Handler

	// Guarded by s.mu.
	webhookURL string
	inboxID    int
	convs      map[int]*zdConv // core conversation id → Sunshine state
	convBySun  map[string]int  // Sunshine conversation id → core id
	msgs       map[int]*zdMsg  // core message id → Sunshine message
	msgBySun   map[string]int  // Sunshine message id → core message id
	users      map[int]*zdUser // core contact id → Sunshine user
	userBySun  map[string]int  // Sunshine user id → core contact id
	sbis       []*zdSBI        // switchboard integrations, in order
	defaultSBI string          // switchboard integration given control of new conversations
	tickets    []*Ticket       // Support tickets
	ticketSeq  int
	idem       map[string]zdIdem      // Idempotency-Key → stored ticket creation
	control    map[int][]ControlEvent // switchboard actions per core conversation id
	inst       *zdInstall             // install-side state (zendesk_install.go); nil until used
}

// zdConv is the Sunshine side of one conversation.
type zdConv struct {
	sunID     string
	active    string // switchboard integration id in control; "" = none (released)
	pending   string // switchboard integration offered control; "" = none
	agentID   int    // the Agent Workspace agent working the messaging ticket
	metadata  map[string]any
	createdAt time.Time
}

// zdMsg is the Sunshine side of one message.
type zdMsg struct {
	sunID       string
	authorType  string // user|business
	userID      string // Sunshine user id, for user messages
	displayName string
	sourceType  string // web|api:conversations|zd:agentWorkspace
	payload     string // content.payload of a reply click
	actions     []map[string]any
	metadata    map[string]any
}

// zdUser is a Sunshine user (a core contact).
type zdUser struct {
	sunID      string
	externalID string
}

// zdSBI is a switchboard integration.
type zdSBI struct {
	id, name, integrationID, integrationType string
	deliverStandby                           bool
	next                                     string // nextSwitchboardIntegrationId
}

type zdIdem struct {
	fingerprint string
	status      int
	body        []byte
}

// Ticket is a Support ticket created through POST /api/v2/tickets.
type Ticket struct {
	ID             int       `json:"id"`
	Subject        string    `json:"subject"`
	Comment        string    `json:"comment"`
	Public         bool      `json:"public"`
	RequesterName  string    `json:"requester_name"`
	RequesterEmail string    `json:"requester_email"`
	GroupID        int       `json:"group_id"`
	Tags           []string  `json:"tags"`
	ExternalID     string    `json:"external_id"`
	CreatedAt      time.Time `json:"created_at"`
}

// Delivery is one webhook delivery attempt.
type Delivery struct {
	EventType string
	EventID   string
	Attempt   int
	Status    int    // 0 on a transport error
	Err       string // transport error, if any
}

// ConversationView is a deep copy of one Sunshine conversation, for tests and the sandbox.
type ConversationView struct {
	ID       string `json:"id"`
	CoreID   int    `json:"core_id"`
	UserID   string `json:"user_id"`
	UserName string `json:"user_name"`
	Email    string `json:"email"`
	// Active is the name of the switchboard integration in control ("" after releaseControl);
	// Pending the one offered control.
	Active   string         `json:"active"`
	Pending  string         `json:"pending"`
	Agent    string         `json:"agent"` // the Agent Workspace agent working it
	Metadata map[string]any `json:"metadata"`
	Messages []MessageView  `json:"messages"`
	Tickets  []Ticket       `json:"tickets"` // tickets whose external_id is this conversation
	Control  []ControlEvent `json:"control"` // switchboard actions, in order
}

// MessageView is a deep copy of one Sunshine message.
type MessageView struct {
	ID          string           `json:"id"`
	CoreID      int              `json:"core_id"`
	AuthorType  string           `json:"author_type"` // user|business
	DisplayName string           `json:"display_name"`
	SourceType  string           `json:"source_type"`
	Text        string           `json:"text"`
	Payload     string           `json:"payload"`
	Actions     []map[string]any `json:"actions"`
	Metadata    map[string]any   `json:"metadata"`
	Received    time.Time        `json:"received"`
}

// ControlEvent records one switchboard action on a conversation.
type ControlEvent struct {
	Action   string         `json:"action"` // passControl|offerControl|acceptControl|releaseControl|default
	Target   string         `json:"target"` // switchboard integration name ("" for release)
	Metadata map[string]any `json:"metadata"`
	At       time.Time      `json:"at"`
}

// New returns a simulated Zendesk with an empty world: handover's switchboard integration
// (the default one, deliverStandbyEvents on unless NoStandbyEvents), Agent Workspace after it,
// and no agents or groups yet (use AddAgent, AddGroup or SeedDemo).
func New(o Options) *Server {
	if o.AppID == "" {
		o.AppID = "5f0c0e0c0e0c0e0c0e0c0e0c"
	}
	if o.IntegrationID == "" {
		o.IntegrationID = "6a0a0a0a0a0a0a0a0a0a0a0a"
	}
	if o.BotName == "" {
		o.BotName = "handover-bot"
	}
	if o.KeyScope == "" {
		o.KeyScope = ScopeIntegration
	}
	if o.RetryWait == 0 {
		o.RetryWait = 30 * time.Second
	}
	if o.WebhookTimeout == 0 {
		o.WebhookTimeout = 20 * time.Second
	}
	if o.MessageCap == 0 {
		o.MessageCap = 30000
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := sim.NewStore(o.Seed, o.WebhookTimeout)
	z := &Server{
		s: s, o: o, log: log.With("dialect", "zendesk"),
		mw:         simnet.NewMiddleware(s.Faults),
		hc:         &sim.HelpCenter{},
		webhookURL: o.WebhookURL,
		convs:      map[int]*zdConv{}, convBySun: map[string]int{},
		msgs: map[int]*zdMsg{}, msgBySun: map[string]int{},
		users: map[int]*zdUser{}, userBySun: map[string]int{},
		idem: map[string]zdIdem{}, control: map[int][]ControlEvent{},
	}
	s.Mu.Lock()
	s.NewUser("Admin", "admin@example.com", "administrator", "offline") // the account's owner
	z.inboxID = s.NewInbox("Web Widget").ID
	bot := &zdSBI{id: z.newID(), name: o.BotName, integrationID: o.IntegrationID, integrationType: "custom", deliverStandby: !o.NoStandbyEvents}
	aw := &zdSBI{id: z.newID(), name: AgentWorkspaceName, integrationID: z.newID(), integrationType: AgentWorkspaceType}
	bot.next = aw.id
	z.sbis = []*zdSBI{bot, aw}
	z.defaultSBI = bot.id
	s.Mu.Unlock()
	z.handler = z.routes()
	return z
}

// PublishHelpCenterArticle publishes an article in the help center (see sim.HelpCenter.Publish).
func (z *Server) PublishHelpCenterArticle(locale, title, text string) error {
	return z.hc.Publish(locale, title, text)
}

// Typing returns who has the typing indicator on in the conversation with the core id ("" for
// nobody, "agent_bot" while handover's integration types).
func (z *Server) Typing(coreID int) string {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	if c := z.s.Convs[coreID]; c != nil {
		return c.Typing
	}
	return ""
}

// Handler serves the Sunshine API under /sc/v2, the Support API under /api/v2, and the sandbox
// page at "/" with its /sim/ endpoints speaking this dialect.
func (z *Server) Handler() http.Handler { return z.handler }

// SetWebhookURL sets the custom integration's webhook target. An empty URL stops deliveries.
func (z *Server) SetWebhookURL(u string) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	z.webhookURL = u
}

// Close stops deliveries and waits for them (see Server.Close).
func (z *Server) Close() {
	z.s.Close()
}

// AppID returns the Sunshine app id.
func (z *Server) AppID() string { return z.o.AppID }

// IntegrationID returns handover's custom integration id.
func (z *Server) IntegrationID() string { return z.o.IntegrationID }

// AddAgent creates an agent. status is the messaging status: "online", "away" or "offline".
func (z *Server) AddAgent(name, email, status string) int {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	return z.s.NewUser(name, email, "agent", zdToCore(status)).ID
}

// SetAgentStatus sets an agent's messaging status: "online", "away" or "offline".
func (z *Server) SetAgentStatus(agentID int, status string) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	if u := z.s.Users[agentID]; u != nil {
		u.Availability = zdToCore(status)
	}
}

// AddGroup creates a Zendesk group with the given agents and returns its id.
func (z *Server) AddGroup(name string, agentIDs ...int) int {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	return z.s.NewTeam(name, agentIDs...).ID
}

// zdTx is a locked section of the store. Webhooks are queued by the dialect itself; the store
// sends nothing.
type zdTx struct{ s *sim.Store }

func (z *Server) lock() *zdTx {
	z.s.Mu.Lock()
	return &zdTx{s: z.s}
}

func (t *zdTx) unlock() { t.s.Mu.Unlock() }

func (t *zdTx) createConversation(in *sim.Inbox, ct *sim.Contact) *sim.Conversation {
	return t.s.NewConversation(in.ID, ct, "open")
}

// addMessage stores m. A message from the business ends its typing indicator, as the Web
// Widget shows it (typing:stop is implied by the message it announced).
func (t *zdTx) addMessage(c *sim.Conversation, m *sim.Message) {
	t.s.Append(c, m)
	if m.Type == "outgoing" && !m.Private && c.Typing != "" && c.Typing == m.SenderKind {
		c.Typing = ""
	}
}

// zdToCore maps a messaging status to the core availability (away is busy).
func zdToCore(status string) string {
	switch status {
	case "online":
		return "online"
	case "away", "busy", "transfers_only":
		return "busy"
	}
	return "offline"
}

// zdFromCore maps the core availability to the messaging status.
func zdFromCore(a string) string {
	switch a {
	case "online":
		return "online"
	case "busy":
		return "away"
	}
	return "offline"
}

// SeedDemo creates the sandbox world: group "Support" with Alice (online) and Bob (offline).
func (z *Server) SeedDemo() Demo {
	alice := z.AddAgent("Alice", "alice@example.com", "online")
	bob := z.AddAgent("Bob", "bob@example.com", "offline")
	g := z.AddGroup("Support", alice, bob)
	return Demo{GroupID: g, AliceID: alice, BobID: bob}
}

// newID returns a Sunshine-style id (24 hex digits, like a MongoDB ObjectId). Callers hold s.mu.
func (z *Server) newID() string {
	const hexdig = "0123456789abcdef"
	b := make([]byte, 24)
	for i := range b {
		b[i] = hexdig[z.s.Rng.IntN(16)]
	}
	return string(b)
}

// sbi finds a switchboard integration by id. Callers hold s.mu.
func (z *Server) sbi(id string) *zdSBI {
	for _, x := range z.sbis {
		if x.id == id {
			return x
		}
	}
	return nil
}

// resolveSBI finds the target of a switchboard action: an id, a name, an integrationType or the
// keyword "next" (the active integration's nextSwitchboardIntegrationId). Callers hold s.mu.
func (z *Server) resolveSBI(zc *zdConv, target string) *zdSBI {
	if target == "next" {
		if cur := z.sbi(zc.active); cur != nil {
			return z.sbi(cur.next)
		}
		return z.sbi(z.defaultSBI)
	}
	for _, x := range z.sbis {
		if x.id == target || x.name == target || x.integrationType == target {
			return x
		}
	}
	return nil
}

func (z *Server) botSBI() *zdSBI { return z.sbis[0] }
func (z *Server) awSBI() *zdSBI  { return z.sbis[1] }

// ---- the visitor side ----

// VisitorSend sends a user message through the Web Widget and returns the Sunshine conversation
// and message ids. user is a visitor key (also the user's name); like the widget, it writes into
// the user's conversation, creating it (controlled by the default switchboard integration) if
// needed. A conversation nobody controls (after releaseControl) is given to the default
// integration before the message is dispatched.
func (z *Server) VisitorSend(ctx context.Context, user, text string) (string, string, error) {
	return z.userMessage(ctx, user, text, "")
}

// VisitorReply sends a user message through the Web Widget into the conversation convID (by
// Sunshine id), as its user, and returns the message's Sunshine id: VisitorSend for a caller
// that knows the conversation rather than the visitor.
func (z *Server) VisitorReply(ctx context.Context, convID, text string) (string, error) {
	z.s.Mu.Lock()
	cid, ok := z.convBySun[convID]
	var user string
	if ok {
		user = z.s.Contacts[z.s.Convs[cid].ContactID].Key
	}
	z.s.Mu.Unlock()
	if !ok {
		return "", fmt.Errorf("visitor reply: conversation %s: %w", convID, sim.ErrNotFound)
	}
	_, msgID, err := z.userMessage(ctx, user, text, "")
	return msgID, err
}

func (z *Server) userMessage(ctx context.Context, user, text, payload string) (string, string, error) {
	if err := ctx.Err(); err != nil {
		return "", "", fmt.Errorf("visitor send: %w", err)
	}
	if strings.TrimSpace(user) == "" {
		return "", "", errors.New("visitor send: empty user")
	}
	if strings.TrimSpace(text) == "" {
		return "", "", errors.New("visitor send: empty text")
	}
	t := z.lock()
	var evs []zdEvent
	defer func() { z.dispatchLocked(evs); t.unlock() }()
	ct := z.s.ContactFor(user)
	zu := z.userFor(ct)
	c, zc := z.conversationOf(t, ct)
	if zc.active == "" {
		// Switchboard state null: the default integration gets the conversation.
		zc.active = z.defaultSBI
		z.logControl(c.ID, "default", z.sbi(zc.active).name, nil)
	}
	m, zm := z.addMessage(t, c, &sim.Message{Type: "incoming", SenderKind: "contact", SenderID: ct.ID, Content: text, HasContent: true, ContentType: "text"},
		&zdMsg{authorType: "user", userID: zu.sunID, displayName: ct.Name, sourceType: "web", payload: payload})
	evs = append(evs, z.messageEvent(c, m, zm))
	return zc.sunID, zm.sunID, nil
}

// VisitorClick clicks an action of a business message: a reply action sends a user message with
// the action's text and payload (conversation:message); a postback action sends
// conversation:postback with its payload and metadata and creates no message. value is the
// action's payload.
func (z *Server) VisitorClick(ctx context.Context, convID, msgID, value string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("visitor click: %w", err)
	}
	z.s.Mu.Lock()
	cid, ok := z.convBySun[convID]
	mid, okm := z.msgBySun[msgID]
	var zm *zdMsg
	if okm {
		zm = z.msgs[mid]
	}
	var user string
	if ok {
		user = z.s.Contacts[z.s.Convs[cid].ContactID].Key
	}
	var action map[string]any
	if zm != nil {
		for _, a := range zm.actions {
			if fmt.Sprint(a["payload"]) == value {
				action = a
				break
			}
		}
	}
	z.s.Mu.Unlock()
	switch {
	case !ok:
		return fmt.Errorf("visitor click: conversation %s: %w", convID, sim.ErrNotFound)
	case zm == nil:
		return fmt.Errorf("visitor click: message %s: %w", msgID, sim.ErrNotFound)
	case action == nil:
		return fmt.Errorf("visitor click: no action with payload %q on message %s", value, msgID)
	}
	switch action["type"] {
	case "reply":
		_, _, err := z.userMessage(ctx, user, fmt.Sprint(action["text"]), value)
		if err != nil {
			return fmt.Errorf("visitor click: %w", err)
		}
		return nil
	case "postback":
		t := z.lock()
		var evs []zdEvent
		defer func() { z.dispatchLocked(evs); t.unlock() }()
		c := z.s.Convs[cid]
		zc := z.convs[cid]
		meta, _ := action["metadata"].(map[string]any)
		evs = append(evs, z.postbackEvent(c, zc, value, meta))
		return nil
	}
	return fmt.Errorf("visitor click: action type %v cannot be clicked", action["type"])
}

// SetUserEmail sets the Sunshine user's profile email (no webhook).
func (z *Server) SetUserEmail(user, email string) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	ct := z.s.ContactFor(user)
	z.userFor(ct)
	ct.Email = email
}

// ---- the agent side (Agent Workspace) ----

// AgentTakeOver is an agent taking a conversation in Agent Workspace: Agent Workspace gets control
// (passControl, switchboard:passControl webhook with the given metadata) unless it has it, and the
// agent works the messaging ticket.
func (z *Server) AgentTakeOver(ctx context.Context, convID string, agentID int, metadata map[string]any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("agent take over: %w", err)
	}
	t := z.lock()
	var evs []zdEvent
	defer func() { z.dispatchLocked(evs); t.unlock() }()
	c, zc, err := z.conv(convID)
	if err != nil {
		return fmt.Errorf("agent take over: %w", err)
	}
	if z.s.Users[agentID] == nil {
		return fmt.Errorf("agent take over: agent %d: %w", agentID, sim.ErrNotFound)
	}
	if zc.active != z.awSBI().id {
		evs = append(evs, z.pass(c, zc, z.awSBI(), metadata)...)
	}
	zc.agentID = agentID
	return nil
}

// AgentReply sends an agent's message from Agent Workspace (author business, source
// zd:agentWorkspace, the agent's name). On a conversation Agent Workspace does not control, the
// agent first takes it over (AgentTakeOver), as replying from a ticket requires.
func (z *Server) AgentReply(ctx context.Context, convID string, agentID int, text string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("agent reply: %w", err)
	}
	if strings.TrimSpace(text) == "" {
		return "", errors.New("agent reply: empty text")
	}
	t := z.lock()
	var evs []zdEvent
	defer func() { z.dispatchLocked(evs); t.unlock() }()
	c, zc, err := z.conv(convID)
	if err != nil {
		return "", fmt.Errorf("agent reply: %w", err)
	}
	u := z.s.Users[agentID]
	if u == nil {
		return "", fmt.Errorf("agent reply: agent %d: %w", agentID, sim.ErrNotFound)
	}
	if zc.active != z.awSBI().id {
		evs = append(evs, z.pass(c, zc, z.awSBI(), nil)...)
	}
	zc.agentID = agentID
	m, zm := z.addMessage(t, c, &sim.Message{Type: "outgoing", SenderKind: "user", SenderID: agentID, Content: text, HasContent: true, ContentType: "text"},
		&zdMsg{authorType: "business", displayName: u.Name, sourceType: SourceAgentWorkspace})
	evs = append(evs, z.messageEvent(c, m, zm))
	return zm.sunID, nil
}

// PassControl is a passControl by Agent Workspace or an admin (not by handover): target is an id,
// name, integrationType or "next".
func (z *Server) PassControl(ctx context.Context, convID, target string, metadata map[string]any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pass control: %w", err)
	}
	t := z.lock()
	var evs []zdEvent
	defer func() { z.dispatchLocked(evs); t.unlock() }()
	c, zc, err := z.conv(convID)
	if err != nil {
		return fmt.Errorf("pass control: %w", err)
	}
	to := z.resolveSBI(zc, target)
	if to == nil {
		return fmt.Errorf("pass control: switchboard integration %q: %w", target, sim.ErrNotFound)
	}
	evs = append(evs, z.pass(c, zc, to, metadata)...)
	return nil
}

// PassToBot is Agent Workspace passing control back to handover's integration (an agent's
// "%((switchboard:passControl:<name>))%" macro).
func (z *Server) PassToBot(ctx context.Context, convID string, metadata map[string]any) error {
	return z.PassControl(ctx, convID, z.o.BotName, metadata)
}

// ReleaseControl is Agent Workspace releasing control: the switchboard state becomes null and the
// next user message goes to the default integration (handover's).
func (z *Server) ReleaseControl(ctx context.Context, convID string, metadata map[string]any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("release control: %w", err)
	}
	t := z.lock()
	var evs []zdEvent
	defer func() { z.dispatchLocked(evs); t.unlock() }()
	c, zc, err := z.conv(convID)
	if err != nil {
		return fmt.Errorf("release control: %w", err)
	}
	evs = append(evs, z.release(c, zc, metadata))
	return nil
}

// OfferControl offers control to target (by Agent Workspace or an admin).
func (z *Server) OfferControl(ctx context.Context, convID, target string, metadata map[string]any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("offer control: %w", err)
	}
	t := z.lock()
	var evs []zdEvent
	defer func() { z.dispatchLocked(evs); t.unlock() }()
	c, zc, err := z.conv(convID)
	if err != nil {
		return fmt.Errorf("offer control: %w", err)
	}
	to := z.resolveSBI(zc, target)
	if to == nil {
		return fmt.Errorf("offer control: switchboard integration %q: %w", target, sim.ErrNotFound)
	}
	ev, err := z.offer(c, zc, to, metadata)
	if err != nil {
		return fmt.Errorf("offer control: %w", err)
	}
	evs = append(evs, ev)
	return nil
}

// ---- views ----

// Conversation returns a deep copy of one conversation by Sunshine id.
func (z *Server) Conversation(convID string) (ConversationView, bool) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	id, ok := z.convBySun[convID]
	if !ok {
		return ConversationView{}, false
	}
	return z.view(id), true
}

// Conversations returns deep copies of all conversations, oldest first.
func (z *Server) Conversations() []ConversationView {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	var out []ConversationView
	for _, id := range z.s.ConvIDs {
		if _, ok := z.convs[id]; ok {
			out = append(out, z.view(id))
		}
	}
	return out
}

// Tickets returns copies of every Support ticket, by id.
func (z *Server) Tickets() []Ticket {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	out := make([]Ticket, 0, len(z.tickets))
	for _, tk := range z.tickets {
		c := *tk
		c.Tags = slices.Clone(tk.Tags)
		out = append(out, c)
	}
	return out
}

// Calls returns a copy of the log of every API call to this dialect. Token is "key" (Sunshine
// key), "support" (Support API token), "invalid" or "".
func (z *Server) Calls() []sim.Call { return z.mw.Calls() }

// ResetCalls empties the call log.
func (z *Server) ResetCalls() { z.mw.ResetCalls() }

// Deliveries returns a copy of the log of webhook delivery attempts.
func (z *Server) Deliveries() []Delivery {
	var out []Delivery
	for _, d := range z.s.Hooks.Log() {
		if _, ok := d.Meta.(zdMeta); ok {
			zd := Delivery{EventType: d.Event, EventID: d.ID, Attempt: d.Attempt, Status: d.Status}
			if d.Err != nil {
				zd.Err = d.Err.Error()
			}
			out = append(out, zd)
		}
	}
	return out
}

// SetFaults replaces the fault settings (they apply to both APIs and to webhook deliveries).
func (z *Server) SetFaults(f sim.Faults) { z.s.SetFaults(f) }

// WaitIdle waits until no webhook delivery is in flight.
func (z *Server) WaitIdle(ctx context.Context) error { return z.s.WaitIdle(ctx) }

func (z *Server) view(id int) ConversationView {
	c := z.s.Convs[id]
	zc := z.convs[id]
	ct := z.s.Contacts[c.ContactID]
	v := ConversationView{ID: zc.sunID, CoreID: id, UserName: ct.Name, Email: ct.Email, Metadata: deepCopyMap(zc.metadata)}
	if zu := z.users[ct.ID]; zu != nil {
		v.UserID = zu.sunID
	}
	if x := z.sbi(zc.active); x != nil {
		v.Active = x.name
	}
	if x := z.sbi(zc.pending); x != nil {
		v.Pending = x.name
	}
	if u := z.s.Users[zc.agentID]; u != nil {
		v.Agent = u.Name
	}
	for _, m := range c.Msgs {
		zm := z.msgs[m.ID]
		if zm == nil {
			continue
		}
		mv := MessageView{ID: zm.sunID, CoreID: m.ID, AuthorType: zm.authorType, DisplayName: zm.displayName, SourceType: zm.sourceType,
			Text: m.Content, Payload: zm.payload, Metadata: deepCopyMap(zm.metadata), Received: m.CreatedAt}
		for _, a := range zm.actions {
			mv.Actions = append(mv.Actions, deepCopyMap(a))
		}
		v.Messages = append(v.Messages, mv)
	}
	for _, tk := range z.tickets {
		if tk.ExternalID == zc.sunID {
			c := *tk
			c.Tags = slices.Clone(tk.Tags)
			v.Tickets = append(v.Tickets, c)
		}
	}
	for _, e := range z.control[id] {
		e.Metadata = deepCopyMap(e.Metadata)
		v.Control = append(v.Control, e)
	}
	return v
}

func deepCopyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out, _ := sim.DeepCopy(m).(map[string]any)
	return out
}

// ---- model internals (callers hold s.mu) ----

func (z *Server) userFor(ct *sim.Contact) *zdUser {
	if zu := z.users[ct.ID]; zu != nil {
		return zu
	}
	zu := &zdUser{sunID: z.newID(), externalID: ct.Key}
	z.users[ct.ID] = zu
	z.userBySun[zu.sunID] = ct.ID
	return zu
}

// conversationOf returns the user's conversation, creating it (the default integration in
// control) when it has none.
func (z *Server) conversationOf(t *zdTx, ct *sim.Contact) (*sim.Conversation, *zdConv) {
	for i := len(z.s.ConvIDs) - 1; i >= 0; i-- {
		c := z.s.Convs[z.s.ConvIDs[i]]
		if c.ContactID == ct.ID && c.InboxID == z.inboxID {
			return c, z.convs[c.ID]
		}
	}
	c := t.createConversation(z.s.Inboxes[z.inboxID], ct)
	zc := &zdConv{sunID: z.newID(), active: z.defaultSBI, createdAt: c.CreatedAt}
	z.convs[c.ID] = zc
	z.convBySun[zc.sunID] = c.ID
	z.logControl(c.ID, "default", z.sbi(zc.active).name, nil)
	return c, zc
}

func (z *Server) conv(sunID string) (*sim.Conversation, *zdConv, error) {
	id, ok := z.convBySun[sunID]
	if !ok {
		return nil, nil, fmt.Errorf("conversation %s: %w", sunID, sim.ErrNotFound)
	}
	return z.s.Convs[id], z.convs[id], nil
}

func (z *Server) addMessage(t *zdTx, c *sim.Conversation, m *sim.Message, zm *zdMsg) (*sim.Message, *zdMsg) {
	if len(zm.actions) > 0 {
		// The core's sandbox page renders buttons from an input_select: give it one.
		items := make([]any, 0, len(zm.actions))
		for _, a := range zm.actions {
			items = append(items, map[string]any{"title": a["text"], "value": a["payload"]})
		}
		m.ContentType = "input_select"
		m.ContentAttrs = map[string]any{"items": items}
	}
	t.addMessage(c, m)
	zm.sunID = z.newID()
	z.msgs[m.ID] = zm
	z.msgBySun[zm.sunID] = m.ID
	return m, zm
}

func (z *Server) logControl(convID int, action, target string, metadata map[string]any) {
	z.control[convID] = append(z.control[convID], ControlEvent{Action: action, Target: target, Metadata: deepCopyMap(metadata), At: time.Now()})
}

// pass makes to active and clears any offer. Passing control to the integration that already has
// it changes nothing and sends nothing (passControl is idempotent by id or name).
func (z *Server) pass(c *sim.Conversation, zc *zdConv, to *zdSBI, metadata map[string]any) []zdEvent {
	if zc.active == to.id {
		return nil
	}
	zc.active, zc.pending = to.id, ""
	if to.id != z.awSBI().id {
		zc.agentID = 0
	}
	z.logControl(c.ID, "passControl", to.name, metadata)
	return []zdEvent{z.switchboardEvent("switchboard:passControl", c, zc, metadata)}
}

func (z *Server) offer(c *sim.Conversation, zc *zdConv, to *zdSBI, metadata map[string]any) (zdEvent, error) {
	if zc.active == to.id {
		return zdEvent{}, errors.New("the target is the active switchboard integration")
	}
	zc.pending = to.id
	z.logControl(c.ID, "offerControl", to.name, metadata)
	return z.switchboardEvent("switchboard:offerControl", c, zc, metadata), nil
}

func (z *Server) accept(c *sim.Conversation, zc *zdConv, metadata map[string]any) (zdEvent, error) {
	to := z.sbi(zc.pending)
	if to == nil {
		return zdEvent{}, errors.New("no switchboard integration is pending")
	}
	zc.active, zc.pending = to.id, ""
	if to.id != z.awSBI().id {
		zc.agentID = 0
	}
	z.logControl(c.ID, "acceptControl", to.name, metadata)
	return z.switchboardEvent("switchboard:acceptControl", c, zc, metadata), nil
}

func (z *Server) release(c *sim.Conversation, zc *zdConv, metadata map[string]any) zdEvent {
	zc.active, zc.pending, zc.agentID = "", "", 0
	z.logControl(c.ID, "releaseControl", "", metadata)
	return z.switchboardEvent("switchboard:releaseControl", c, zc, metadata)
}
