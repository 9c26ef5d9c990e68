// Package chatwoot is a simulated Chatwoot: an in-memory helpdesk that speaks Chatwoot's API over
// real HTTP and sends its agent-bot webhooks, built on the neutral store of package sim.
//
// It exists for the contract tests, the end-to-end and fault tests, and `handover sandbox`. It
// shares no types with the Chatwoot adapter: it is an independent second reading of Chatwoot's
// API, written from Chatwoot's source (chatwoot/chatwoot, v4.15.1 unless a comment says
// otherwise), as summarised in docs/helpdesks/chatwoot.md.
//
// server.go holds Chatwoot's rules on the store (statuses, auto-assignment, activity messages,
// events); api.go the routes, token rules, JSON shapes, error bodies and the agent-bot webhooks;
// install.go what `handover install` creates; helpcenter.go the portals; ui.go the sandbox page.
package chatwoot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
)

// Options configures a simulated helpdesk.
type Options struct {
	AccountID     int           // default 1
	AccountName   string        // default "Acme"
	BotName       string        // name of the agent bot that owns BotToken; default "Handover Bot"
	BotToken      string        // agent bot access_token
	UserToken     string        // an administrator's access token
	WebhookURL    string        // agent bot outgoing_url (may be set later with SetWebhookURL)
	WebhookSecret string        // agent bot secret: signs X-Chatwoot-Signature/X-Chatwoot-Timestamp
	Unsigned      bool          // behave like Chatwoot <= 4.12: no signature headers
	RetryWait     time.Duration // wait between webhook retries (Chatwoot: 3s, the default); tests set ~10ms
	// WebhookTimeout bounds one webhook attempt (Chatwoot's WEBHOOK_TIMEOUT, default 5s).
	WebhookTimeout time.Duration
	Logger         *slog.Logger // nil = discard
	Seed           int64        // for fault randomness
	// KeepPendingOnBotFailure is Chatwoot's account setting
	// keep_pending_on_bot_failure (v4.11+, PR #13512): a finally failed
	// delivery leaves the conversation pending instead of opening it.
	KeepPendingOnBotFailure bool
}

// Demo holds the ids of the sandbox world created by SeedDemo.
type Demo struct{ InboxID, TeamID, AliceID, BobID int }

// Delivery is one webhook delivery attempt made to the agent bot.
type Delivery struct {
	Event      string
	DeliveryID string
	Attempt    int
	Status     int    // 0 on a transport error
	Err        string // transport error, if any
}

// Server is the simulated helpdesk. Create it with New; serve Handler.
type Server struct {
	*sim.Store // the conversations, people and network kit every dialect shares
	opts       Options
	log        *slog.Logger
	handler    http.Handler

	webhookURL string // guarded by Mu

	bot agentBot
	cwi *cwInstallState // chatwoot_install.go: bots, labels, dashboard apps made through the API
	hc  *sim.HelpCenter // chatwoot_helpcenter.go renders it as portals
}

type agentBot struct {
	id   int
	name string
}

// actor is who performed a change (Chatwoot's Current.user); the zero value is the system.
type actor struct {
	kind string // user|agent_bot|""
	id   int
	name string
}

// Conversation statuses.
const (
	statusOpen     = "open"
	statusPending  = "pending"
	statusResolved = "resolved"
	statusSnoozed  = "snoozed"
)

// New returns a simulated helpdesk with one administrator (user id 1, "Admin", owner of
// UserToken) and one agent bot (id 1, owner of BotToken). It has no inbox yet: use AddInbox or
// SeedDemo.
func New(opts Options) *Server {
	if opts.AccountID == 0 {
		opts.AccountID = 1
	}
	if opts.AccountName == "" {
		opts.AccountName = "Acme"
	}
	if opts.BotName == "" {
		opts.BotName = "Handover Bot"
	}
	if opts.RetryWait == 0 {
		opts.RetryWait = 3 * time.Second
	}
	if opts.WebhookTimeout == 0 {
		opts.WebhookTimeout = 5 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{
		Store:      sim.NewStore(opts.Seed, opts.WebhookTimeout),
		opts:       opts,
		log:        log.With("component", "sim"),
		webhookURL: opts.WebhookURL,
		bot:        agentBot{id: 1, name: opts.BotName},
		hc:         &sim.HelpCenter{},
	}
	s.Seq.User = 1
	s.Users[1] = &sim.User{ID: 1, Name: "Admin", Email: "admin@example.com", Role: "administrator", Availability: "offline", CreatedAt: time.Now()}
	s.UserIDs = []int{1}
	s.handler = s.routes()
	return s
}

// Handler serves everything: the Chatwoot API under /api/v1/..., the widget API, and the
// sandbox UI at "/" (with its JSON endpoints under /sim/).
func (s *Server) Handler() http.Handler { return s.handler }

// SetWebhookURL sets the agent bot's outgoing_url. An empty URL stops deliveries (Chatwoot skips
// bots with a blank outgoing_url).
func (s *Server) SetWebhookURL(u string) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.webhookURL = u
}

// AddInbox creates a web-widget inbox and returns its id. withBot connects the agent bot: new
// conversations then start "pending" (Conversation#determine_conversation_status).
func (s *Server) AddInbox(name string, withBot bool) int {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Seq.Inbox++
	in := &sim.Inbox{ID: s.Seq.Inbox, Name: name, WithBot: withBot, AutoAssign: true, WebsiteToken: s.RandToken(24), CreatedAt: time.Now()}
	s.Inboxes[in.ID] = in
	s.InboxIDs = append(s.InboxIDs, in.ID)
	return in.ID
}

// AddAgent creates an agent (role "agent") and returns its user id. availability is
// "online", "busy" or "offline"; anything else counts as "offline".
func (s *Server) AddAgent(name, email, availability string) int {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Seq.User++
	u := &sim.User{ID: s.Seq.User, Name: name, Email: email, Role: "agent", Availability: normAvailability(availability), CreatedAt: time.Now()}
	s.Users[u.ID] = u
	s.UserIDs = append(s.UserIDs, u.ID)
	return u.ID
}

// AddInboxMember makes an agent a member of an inbox. Unknown ids are ignored.
func (s *Server) AddInboxMember(inboxID, agentID int) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	in, ok := s.Inboxes[inboxID]
	if !ok || s.Users[agentID] == nil || slices.Contains(in.Members, agentID) {
		return
	}
	in.Members = append(in.Members, agentID)
	in.RRQueue = append(in.RRQueue, agentID)
}

// AddTeam creates a team with the given members and returns its id. Teams allow auto-assignment,
// Chatwoot's default; see SetTeamAutoAssign.
func (s *Server) AddTeam(name string, agentIDs ...int) int {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Seq.Team++
	t := &sim.Team{ID: s.Seq.Team, Name: name, AllowAutoAssign: true, CreatedAt: time.Now()}
	for _, id := range agentIDs {
		if s.Users[id] != nil && !slices.Contains(t.Members, id) {
			t.Members = append(t.Members, id)
		}
	}
	s.Teams[t.ID] = t
	s.TeamIDs = append(s.TeamIDs, t.ID)
	return t.ID
}

// SetTeamAutoAssign sets the team's allow_auto_assign. When on (the default), assigning the
// team to a conversation without an assignee picks an online team member who is an inbox member,
// whatever the conversation's status (AssignmentHandler#find_assignee_from_team).
func (s *Server) SetTeamAutoAssign(teamID int, on bool) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if t, ok := s.Teams[teamID]; ok {
		t.AllowAutoAssign = on
	}
}

// SetInboxAutoAssignment sets the inbox's enable_auto_assignment. When on (the default), a
// conversation that becomes open without a valid assignee is given an online inbox member (or
// team member, if it has a team) (AutoAssignmentHandler#run_auto_assignment).
func (s *Server) SetInboxAutoAssignment(inboxID int, on bool) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if in, ok := s.Inboxes[inboxID]; ok {
		in.AutoAssign = on
	}
}

// WebsiteToken returns the inbox's widget website_token ("" for an unknown inbox).
func (s *Server) WebsiteToken(inboxID int) string {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if in, ok := s.Inboxes[inboxID]; ok {
		return in.WebsiteToken
	}
	return ""
}

// SetAvailability sets an agent's availability ("online", "busy" or "offline"). The sim has
// no presence pings: the selected status is the availability_status (auto_offline false).
func (s *Server) SetAvailability(agentID int, availability string) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if u, ok := s.Users[agentID]; ok {
		u.Availability = normAvailability(availability)
	}
}

// SeedDemo creates the sandbox world: inbox "Website" with the bot connected; team "Support"
// with Alice (online) and Bob (offline), both inbox members.
func (s *Server) SeedDemo() Demo {
	in := s.AddInbox("Website", true)
	alice := s.AddAgent("Alice", "alice@example.com", "online")
	bob := s.AddAgent("Bob", "bob@example.com", "offline")
	s.AddInboxMember(in, alice)
	s.AddInboxMember(in, bob)
	tm := s.AddTeam("Support", alice, bob)
	return Demo{InboxID: in, TeamID: tm, AliceID: alice, BobID: bob}
}

// VisitorSend posts a visitor message through the web widget and returns the conversation and
// message ids. contact is a visitor key (it is also the contact's name). Like the widget, it
// writes into the contact's last conversation in the inbox, whatever its status, or creates one
// (pending if the inbox has the bot, else open). An incoming message reopens a resolved
// conversation: to pending in a bot inbox, else to open; a snoozed one to open
// (Message#reopen_conversation). It fires message_created asynchronously.
func (s *Server) VisitorSend(ctx context.Context, inboxID int, contactKey string, text string) (convID, msgID int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, fmt.Errorf("visitor send: %w", err)
	}
	if strings.TrimSpace(contactKey) == "" {
		return 0, 0, errors.New("visitor send: empty contact")
	}
	t := s.lock()
	defer t.unlock()
	in, ok := s.Inboxes[inboxID]
	if !ok {
		return 0, 0, fmt.Errorf("visitor send: inbox %d: %w", inboxID, sim.ErrNotFound)
	}
	ct := s.ContactFor(contactKey)
	var c *sim.Conversation
	for i := len(s.ConvIDs) - 1; i >= 0; i-- {
		cand := s.Convs[s.ConvIDs[i]]
		if cand.ContactID == ct.ID && cand.InboxID == in.ID {
			c = cand
			break
		}
	}
	if c == nil {
		c = t.createConversation(in, ct)
	}
	m := &sim.Message{Type: "incoming", SenderKind: "contact", SenderID: ct.ID, Content: text, HasContent: true, ContentType: "text", ContentAttrs: map[string]any{}}
	t.addMessage(c, m)
	return c.ID, m.ID, nil
}

// VisitorClick submits a widget click on an input_select message: it sets
// content_attributes.submitted_values to [{title, value}] on that message and fires
// message_updated (Api::V1::Widget::MessagesController#update). No incoming message is created.
func (s *Server) VisitorClick(ctx context.Context, convID, msgID int, value string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("visitor click: %w", err)
	}
	t := s.lock()
	defer t.unlock()
	c, m, err := s.findMessage(convID, msgID)
	if err != nil {
		return fmt.Errorf("visitor click: %w", err)
	}
	if m.ContentType != "input_select" {
		return fmt.Errorf("visitor click: message %d is %s, not input_select", msgID, m.ContentType)
	}
	items, _ := m.ContentAttrs["items"].([]any)
	var chosen map[string]any
	for _, it := range items {
		obj, _ := it.(map[string]any)
		if obj != nil && fmt.Sprint(obj["value"]) == value {
			chosen = obj
			break
		}
	}
	if chosen == nil {
		return fmt.Errorf("visitor click: value %q is not among the items of message %d", value, msgID)
	}
	m.ContentAttrs["submitted_values"] = []any{map[string]any{"title": chosen["title"], "value": chosen["value"]}}
	m.UpdatedAt = time.Now()
	t.messageEvent("message_updated", c, m)
	return nil
}

// VisitorSubmitEmail submits the widget's input_email form: it sets
// content_attributes.submitted_email on that message and the contact's email, and fires
// message_updated.
func (s *Server) VisitorSubmitEmail(ctx context.Context, convID, msgID int, email string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("visitor submit email: %w", err)
	}
	if !strings.Contains(email, "@") {
		return fmt.Errorf("visitor submit email: invalid email %q", email)
	}
	t := s.lock()
	defer t.unlock()
	c, m, err := s.findMessage(convID, msgID)
	if err != nil {
		return fmt.Errorf("visitor submit email: %w", err)
	}
	if m.ContentType != "input_email" {
		return fmt.Errorf("visitor submit email: message %d is %s, not input_email", msgID, m.ContentType)
	}
	m.ContentAttrs["submitted_email"] = email
	m.UpdatedAt = time.Now()
	s.Contacts[c.ContactID].Email = email
	t.messageEvent("message_updated", c, m)
	return nil
}

// SetContactEmail sets the email of the conversation's contact (no event: contact_updated is not
// sent to bots).
func (s *Server) SetContactEmail(convID int, email string) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if c, ok := s.Convs[convID]; ok {
		s.Contacts[c.ContactID].Email = email
	}
}

// AgentReply posts an outgoing message (or a private note) from a user and fires
// message_created. It does not change the status (4.15.1 Community Edition: the open-on-reply
// is Captain-only).
func (s *Server) AgentReply(ctx context.Context, convID, agentID int, text string, private bool) (msgID int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("agent reply: %w", err)
	}
	t := s.lock()
	defer t.unlock()
	c, ok := s.Convs[convID]
	if !ok {
		return 0, fmt.Errorf("agent reply: conversation %d: %w", convID, sim.ErrNotFound)
	}
	if s.Users[agentID] == nil {
		return 0, fmt.Errorf("agent reply: agent %d: %w", agentID, sim.ErrNotFound)
	}
	m := &sim.Message{Type: "outgoing", SenderKind: "user", SenderID: agentID, Content: text, HasContent: true, ContentType: "text", ContentAttrs: map[string]any{}, Private: private}
	t.addMessage(c, m)
	return m.ID, nil
}

// AgentAssign assigns a human: it clears the bot assignee, leaves the status unchanged and fires
// conversation_updated with changed_attributes assignee_id.
func (s *Server) AgentAssign(ctx context.Context, convID, agentID int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("agent assign: %w", err)
	}
	t := s.lock()
	defer t.unlock()
	c, ok := s.Convs[convID]
	if !ok {
		return fmt.Errorf("agent assign: conversation %d: %w", convID, sim.ErrNotFound)
	}
	u := s.Users[agentID]
	if u == nil {
		return fmt.Errorf("agent assign: agent %d: %w", agentID, sim.ErrNotFound)
	}
	t.setAssignee(c, agentID, s.userActor(u))
	return nil
}

// AgentSetStatus changes the status as an agent would from the dashboard (a plain status change,
// no bot handoff). status is open, pending, resolved or snoozed.
func (s *Server) AgentSetStatus(ctx context.Context, convID, agentID int, status string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("agent set status: %w", err)
	}
	if !validStatus(status) {
		return fmt.Errorf("agent set status: invalid status %q", status)
	}
	t := s.lock()
	defer t.unlock()
	c, ok := s.Convs[convID]
	if !ok {
		return fmt.Errorf("agent set status: conversation %d: %w", convID, sim.ErrNotFound)
	}
	u := s.Users[agentID]
	if u == nil {
		return fmt.Errorf("agent set status: agent %d: %w", agentID, sim.ErrNotFound)
	}
	t.setStatus(c, status, time.Time{}, s.userActor(u))
	return nil
}

// Conversation returns a deep copy of one conversation.
func (s *Server) Conversation(convID int) (sim.ConversationView, bool) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	c, ok := s.Convs[convID]
	if !ok {
		return sim.ConversationView{}, false
	}
	return s.view(c), true
}

// Conversations returns deep copies of all conversations, by id.
func (s *Server) Conversations() []sim.ConversationView {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	out := make([]sim.ConversationView, 0, len(s.ConvIDs))
	for _, id := range s.ConvIDs {
		out = append(out, s.view(s.Convs[id]))
	}
	return out
}

// Deliveries returns a copy of the log of webhook delivery attempts.
func (s *Server) Deliveries() []Delivery {
	var out []Delivery
	for _, d := range s.Hooks.Log() {
		if _, ok := d.Meta.(cwMeta); ok {
			out = append(out, cwDelivery(d))
		}
	}
	return out
}

// ---- internal model ----

// tx is a locked section that collects webhook events; unlock dispatches them.
type tx struct {
	s      *Server
	events []outEvent
}

func (s *Server) lock() *tx {
	s.Mu.Lock()
	return &tx{s: s}
}

func (t *tx) unlock() {
	t.s.dispatchLocked(t.events)
	t.events = nil
	t.s.Mu.Unlock()
}

func normAvailability(a string) string {
	switch a {
	case "online", "busy", "offline":
		return a
	}
	return "offline"
}

func validStatus(st string) bool {
	switch st {
	case statusOpen, statusPending, statusResolved, statusSnoozed:
		return true
	}
	return false
}

func (s *Server) userActor(u *sim.User) actor { return actor{kind: "user", id: u.ID, name: u.Name} }
func (s *Server) botActor() actor             { return actor{kind: "agent_bot", id: s.bot.id, name: s.bot.name} }

func (s *Server) findMessage(convID, msgID int) (*sim.Conversation, *sim.Message, error) {
	c, ok := s.Convs[convID]
	if !ok {
		return nil, nil, fmt.Errorf("conversation %d: %w", convID, sim.ErrNotFound)
	}
	for _, m := range c.Msgs {
		if m.ID == msgID {
			return c, m, nil
		}
	}
	return nil, nil, fmt.Errorf("message %d in conversation %d: %w", msgID, convID, sim.ErrNotFound)
}

func (s *Server) messageByID(msgID int) (*sim.Conversation, *sim.Message) {
	for _, id := range s.ConvIDs {
		c := s.Convs[id]
		for _, m := range c.Msgs {
			if m.ID == msgID {
				return c, m
			}
		}
	}
	return nil, nil
}

func (t *tx) createConversation(in *sim.Inbox, ct *sim.Contact) *sim.Conversation {
	s := t.s
	now := time.Now()
	s.Seq.Conv++
	s.Seq.ContactInbox++
	status := statusOpen
	if in.WithBot {
		status = statusPending
	}
	c := &sim.Conversation{
		ID: s.Seq.Conv, InboxID: in.ID, ContactID: ct.ID, ContactInboxID: s.Seq.ContactInbox,
		UUID: sim.NewUUID(), SourceID: sim.NewUUID(), PubsubToken: s.RandToken(24),
		Status: status, Labels: []string{}, CustomAttrs: map[string]any{},
		AdditionalAttrs: map[string]any{
			"browser":      map[string]any{"device_name": "Unknown", "browser_name": "Sandbox", "platform_name": "Sandbox", "browser_version": "1", "platform_version": "1"},
			"referer":      "http://sandbox.local/",
			"initiated_at": map[string]any{"timestamp": now.UTC().Format(time.RFC1123)},
		},
		CreatedAt: now, UpdatedAt: now, LastActivityAt: now, WaitingSince: now,
	}
	s.Convs[c.ID] = c
	s.ConvIDs = append(s.ConvIDs, c.ID)
	// conversation_created is not sent to agent bots. A conversation created open is
	// auto-assigned (conversation_status_changed_to_open? is true on create).
	if status == statusOpen {
		t.autoAssign(c, actor{})
	}
	return c
}

// addMessage appends a message and runs Message#execute_after_create_commit_callbacks:
// reopen_conversation, set_conversation_activity, dispatch_create_events (message_created, then
// first reply / waiting_since updates).
func (t *tx) addMessage(c *sim.Conversation, m *sim.Message) {
	s := t.s
	now := time.Now()
	s.Seq.Msg++
	m.ID = s.Seq.Msg
	m.ConvID = c.ID
	m.CreatedAt, m.UpdatedAt = now, now
	if m.ContentAttrs == nil {
		m.ContentAttrs = map[string]any{}
	}
	c.Msgs = append(c.Msgs, m)
	if m.Type == "activity" {
		c.LastActivityAt = now
		return
	}
	if m.Type == "incoming" {
		switch c.Status {
		case statusSnoozed:
			t.setStatus(c, statusOpen, time.Time{}, actor{})
		case statusResolved:
			if s.Inboxes[c.InboxID].WithBot {
				t.setStatus(c, statusPending, time.Time{}, actor{})
			} else {
				t.setStatus(c, statusOpen, time.Time{}, actor{})
			}
		}
	}
	c.LastActivityAt = now
	if m.Type == "outgoing" && !m.Private && c.Typing != "" && c.Typing == m.SenderKind {
		c.Typing = ""
	}
	t.messageEvent("message_created", c, m)

	human := m.Type == "outgoing" && m.SenderKind == "user"
	switch {
	case human && !m.Private && c.FirstReplyAt.IsZero():
		ch := []change{{"first_reply_created_at", nil, rubyTime(now)}}
		if !c.WaitingSince.IsZero() {
			ch = append(ch, change{"waiting_since", rubyTime(c.WaitingSince), nil})
		}
		c.FirstReplyAt, c.WaitingSince = now, time.Time{}
		t.save(c, actor{}, ch)
	case human && !m.Private && !c.WaitingSince.IsZero():
		ch := []change{{"waiting_since", rubyTime(c.WaitingSince), nil}}
		c.WaitingSince = time.Time{}
		t.save(c, actor{}, ch)
	case m.Type == "incoming" && c.WaitingSince.IsZero():
		c.WaitingSince = now
		t.save(c, actor{}, []change{{"waiting_since", nil, rubyTime(now)}})
	}
}

// addActivity appends an activity message (never sent to bots).
func (t *tx) addActivity(c *sim.Conversation, content string) {
	t.addMessage(c, &sim.Message{Type: "activity", Content: content, HasContent: true, ContentType: "text"})
}

// change is one entry of Rails' previous_changes.
type change struct {
	key       string
	prev, cur any
}

// conversationUpdatedKeys are the attributes whose change raises conversation_updated
// (Conversation#allowed_keys?).
var conversationUpdatedKeys = []string{"team_id", "assignee_id", "assignee_agent_bot_id", "status", "snoozed_until",
	"custom_attributes", "label_list", "waiting_since", "first_reply_created_at", "priority"}

// save models one ActiveRecord save of a conversation whose attributes were already changed by
// the caller: activity messages (ActivityMessageHandler), events (notify_status_change,
// notify_conversation_updation) and, after a change to open, auto-assignment.
func (t *tx) save(c *sim.Conversation, by actor, changes []change) {
	if len(changes) == 0 {
		return
	}
	s := t.s
	now := time.Now()
	changes = append(changes, change{"updated_at", rubyTime(c.UpdatedAt), rubyTime(now)})
	c.UpdatedAt = now
	has := func(k string) *change {
		for i := range changes {
			if changes[i].key == k {
				return &changes[i]
			}
		}
		return nil
	}
	// Activity messages.
	if st := has("status"); st != nil && by.name != "" {
		t.addActivity(c, statusActivity(c.Status, by.name))
	}
	if tc := has("team_id"); tc != nil {
		if by.name != "" {
			t.addActivity(c, s.teamActivity(c, tc, has("assignee_id") != nil, by))
		}
	} else if has("assignee_id") != nil && by.name != "" {
		t.addActivity(c, s.assigneeActivity(c, by))
	}
	if lc := has("label_list"); lc != nil && by.name != "" {
		prev, _ := lc.prev.([]string)
		cur, _ := lc.cur.([]string)
		if added := minus(cur, prev); len(added) > 0 {
			t.addActivity(c, fmt.Sprintf("%s added %s", by.name, strings.Join(added, ", ")))
		}
		if removed := minus(prev, cur); len(removed) > 0 {
			t.addActivity(c, fmt.Sprintf("%s removed %s", by.name, strings.Join(removed, ", ")))
		}
	}
	// Events: their order is not guaranteed in Chatwoot (one Sidekiq job each).
	var evs []outEvent
	if st := has("status"); st != nil {
		switch c.Status {
		case statusOpen:
			evs = append(evs, t.conversationEvent("conversation_opened", c, nil))
		case statusResolved:
			evs = append(evs, t.conversationEvent("conversation_resolved", c, nil))
		}
		evs = append(evs, t.conversationEvent("conversation_status_changed", c, []change{*st}))
	}
	for _, k := range conversationUpdatedKeys {
		if has(k) != nil {
			evs = append(evs, t.conversationEvent("conversation_updated", c, changes))
			break
		}
	}
	s.Rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
	for _, e := range evs {
		if e.name != "" {
			t.events = append(t.events, e)
		}
	}
	if st := has("status"); st != nil && c.Status == statusOpen {
		t.autoAssign(c, by)
	}
}

func statusActivity(status, who string) string {
	switch status {
	case statusResolved:
		return "Conversation was marked resolved by " + who
	case statusPending:
		return "Conversation was marked as pending by " + who
	case statusSnoozed:
		return "Conversation was snoozed by " + who
	}
	return "Conversation was reopened by " + who
}

func (s *Server) assigneeActivity(c *sim.Conversation, by actor) string {
	if c.AssigneeID == 0 {
		return "Conversation unassigned by " + by.name
	}
	if by.kind == "user" && by.id == c.AssigneeID {
		return by.name + " self-assigned this conversation"
	}
	return fmt.Sprintf("Assigned to %s by %s", s.Users[c.AssigneeID].Name, by.name)
}

func (s *Server) teamActivity(c *sim.Conversation, tc *change, assigneeChanged bool, by actor) string {
	if c.TeamID == 0 {
		name := ""
		if id, ok := tc.prev.(int); ok && s.Teams[id] != nil {
			name = s.Teams[id].Name
		}
		return fmt.Sprintf("Unassigned from %s by %s", name, by.name)
	}
	tm := s.Teams[c.TeamID]
	if assigneeChanged && c.AssigneeID != 0 {
		return fmt.Sprintf("Assigned to %s via %s by %s", s.Users[c.AssigneeID].Name, tm.Name, by.name)
	}
	return fmt.Sprintf("Assigned to %s by %s", tm.Name, by.name)
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// setStatus is a plain status change (snoozed_until is reset unless snoozed).
func (t *tx) setStatus(c *sim.Conversation, status string, snoozedUntil time.Time, by actor) {
	var ch []change
	if c.Status != status {
		ch = append(ch, change{"status", c.Status, status})
		c.Status = status
	}
	if status != statusSnoozed {
		snoozedUntil = time.Time{}
	}
	if !c.SnoozedUntil.Equal(snoozedUntil) {
		ch = append(ch, change{"snoozed_until", rubyTimeOrNil(c.SnoozedUntil), rubyTimeOrNil(snoozedUntil)})
		c.SnoozedUntil = snoozedUntil
	}
	t.save(c, by, ch)
}

// botHandoff is Conversation#bot_handoff!: waiting_since if blank, open!, a bot_handoff event
// (reporting and notifications, not sent to bots).
func (t *tx) botHandoff(c *sim.Conversation) {
	ch := []change{{"status", c.Status, statusOpen}}
	c.Status = statusOpen
	if c.WaitingSince.IsZero() {
		now := time.Now()
		ch = append(ch, change{"waiting_since", nil, rubyTime(now)})
		c.WaitingSince = now
	}
	c.BotHandoffs++
	t.save(c, t.s.botActor(), ch)
}

// setAssignee is Conversations::AssignmentService#assign_agent: a human assignee (0 = none)
// and no bot assignee.
func (t *tx) setAssignee(c *sim.Conversation, userID int, by actor) {
	var ch []change
	if c.AssigneeID != userID {
		ch = append(ch, change{"assignee_id", sim.NullInt(c.AssigneeID), sim.NullInt(userID)})
		c.AssigneeID = userID
	}
	if c.AssigneeBot {
		ch = append(ch, change{"assignee_agent_bot_id", t.s.bot.id, nil})
		c.AssigneeBot = false
	}
	t.save(c, by, ch)
}

// setBotAssignee is AssignmentService#assign_agent_bot (4.15.1: the status is unchanged).
func (t *tx) setBotAssignee(c *sim.Conversation, by actor) {
	var ch []change
	if c.AssigneeID != 0 {
		ch = append(ch, change{"assignee_id", c.AssigneeID, nil})
		c.AssigneeID = 0
	}
	if !c.AssigneeBot {
		ch = append(ch, change{"assignee_agent_bot_id", nil, t.s.bot.id})
		c.AssigneeBot = true
	}
	t.save(c, by, ch)
}

// setTeam sets the team (0 = none) and runs AssignmentHandler#ensure_assignee_is_from_team: an
// assignee outside the new team is cleared, and if the team allows auto-assignment an online
// member of both the team and the inbox is picked, whatever the status.
func (t *tx) setTeam(c *sim.Conversation, teamID int, by actor) {
	s := t.s
	if c.TeamID == teamID {
		return
	}
	ch := []change{{"team_id", sim.NullInt(c.TeamID), sim.NullInt(teamID)}}
	c.TeamID = teamID
	prevAssignee := c.AssigneeID
	if tm := s.Teams[teamID]; tm != nil {
		if c.AssigneeID != 0 && !slices.Contains(tm.Members, c.AssigneeID) {
			c.AssigneeID = 0
		}
		if c.AssigneeID == 0 && tm.AllowAutoAssign {
			in := s.Inboxes[c.InboxID]
			c.AssigneeID = s.pickAgent(in, intersect(in.Members, tm.Members))
		}
	}
	if c.AssigneeID != prevAssignee {
		ch = append(ch, change{"assignee_id", sim.NullInt(prevAssignee), sim.NullInt(c.AssigneeID)})
		if c.AssigneeID != 0 && c.AssigneeBot {
			ch = append(ch, change{"assignee_agent_bot_id", s.bot.id, nil})
			c.AssigneeBot = false
		}
	}
	t.save(c, by, ch)
}

// autoAssign is the legacy AutoAssignmentHandler#run_auto_assignment, run after a change to open.
func (t *tx) autoAssign(c *sim.Conversation, by actor) {
	s := t.s
	in := s.Inboxes[c.InboxID]
	if !in.AutoAssign {
		return
	}
	if c.AssigneeID != 0 && slices.Contains(in.Members, c.AssigneeID) {
		return
	}
	allowed := in.Members
	if c.TeamID != 0 {
		allowed = nil
		if tm := s.Teams[c.TeamID]; tm != nil && tm.AllowAutoAssign {
			allowed = intersect(in.Members, tm.Members)
		}
	}
	id := s.pickAgent(in, allowed)
	if id == 0 {
		return
	}
	t.setAssignee(c, id, by)
}

// pickAgent takes the first online agent of the inbox's round-robin queue among allowed, and
// moves it to the end of the queue. It returns 0 if none is online.
func (s *Server) pickAgent(in *sim.Inbox, allowed []int) int {
	for i, id := range in.RRQueue {
		u := s.Users[id]
		if u == nil || u.Availability != "online" || !slices.Contains(allowed, id) {
			continue
		}
		in.RRQueue = append(append(slices.Clone(in.RRQueue[:i]), in.RRQueue[i+1:]...), id)
		return id
	}
	return 0
}

func intersect(a, b []int) []int {
	var out []int
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func (t *tx) setLabels(c *sim.Conversation, labels []string, by actor) {
	norm := []string{}
	for _, l := range labels {
		l = strings.TrimSpace(l)
		if l != "" && !slices.Contains(norm, l) {
			norm = append(norm, l)
		}
	}
	prev := slices.Clone(c.Labels)
	a, b := slices.Clone(prev), slices.Clone(norm)
	sort.Strings(a)
	sort.Strings(b)
	c.Labels = norm
	if slices.Equal(a, b) {
		return
	}
	t.save(c, by, []change{{"label_list", prev, slices.Clone(norm)}})
}

func (t *tx) setCustomAttributes(c *sim.Conversation, attrs map[string]any, by actor) {
	if attrs == nil {
		attrs = map[string]any{}
	}
	prev := c.CustomAttrs
	c.CustomAttrs = attrs
	if jsonEqual(prev, attrs) {
		return
	}
	t.save(c, by, []change{{"custom_attributes", sim.DeepCopy(prev), sim.DeepCopy(attrs)}})
}

func (t *tx) setPriority(c *sim.Conversation, priority string, by actor) {
	if c.Priority == priority {
		return
	}
	ch := []change{{"priority", sim.NullStr(c.Priority), sim.NullStr(priority)}}
	c.Priority = priority
	t.save(c, by, ch)
}

// botFailed handles the final failure of a message_created/message_updated delivery
// (Webhooks::Trigger#update_conversation_status, v4.7+): a pending conversation is opened and
// gets the activity "Conversation was marked open by system due to an error with the agent bot."
func (s *Server) botFailed(msgID int) {
	t := s.lock()
	defer t.unlock()
	c, _ := s.messageByID(msgID)
	if c == nil || c.Status != statusPending {
		return
	}
	t.setStatus(c, statusOpen, time.Time{}, actor{})
	t.addActivity(c, "Conversation was marked open by system due to an error with the agent bot.")
}

func (s *Server) view(c *sim.Conversation) sim.ConversationView { return s.View(c, s.bot.name) }
