// Package intercom is a simulated Intercom workspace for handover's tests, sandbox and
// benchmark: an in-memory helpdesk that speaks the documented REST API 2.15 over real HTTP
// (bearer token, Intercom-Version header, the error.list body) and sends signed webhook
// notifications to a configured URL.
//
// It follows Intercom's own description of the API and the webhooks:
//
//   - the OpenAPI description, github.com/intercom/Intercom-OpenAPI,
//     descriptions/2.15/api.intercom.io.yaml (paths, request and response models, errors);
//   - https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io (reference);
//   - https://developers.intercom.com/docs/webhooks/webhook-notifications and
//     https://developers.intercom.com/docs/references/2.15/webhooks/webhook-models (envelope,
//     topics, X-Hub-Signature);
//   - https://developers.intercom.com/docs/references/rest-api/errors/rate-limiting (429 with
//     X-RateLimit-* headers).
//
// What it simulates of the workspace: teammates (admins) with away mode, inbox seats and teams;
// contacts (leads); Messenger conversations whose parts are comments, notes, quick replies and
// assignments; tickets. A workflow assigns each new conversation to the bot teammate, as the
// install guide asks the workspace to do (an assignment part authored by the Operator, which
// sends no webhook of its own). What it leaves out: HTML sanitising beyond tags, pagination of
// GET /admins and /teams, ticket states, the Messenger itself (visitors and teammates act through
// the Go methods).
package intercom

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/sim/simnet"
)

// Version is the API version the simulator speaks; requests may name any published version.
const Version = "2.15"

// maxParts is how many parts GET /conversations/{id} returns: the 500 most recent.
const maxParts = 500

// Options configure a Server.
type Options struct {
	// Token is the access token the API requires (Authorization: Bearer).
	Token string
	// ClientSecret signs the webhooks (X-Hub-Signature: sha1=HMAC-SHA1 of the body).
	ClientSecret string
	// AppID is the workspace's app id in notifications ("" picks one).
	AppID string
	// AppPackageCode is written on the parts the API creates ("" : "handover").
	AppPackageCode string
	// RetryWait is the wait before a failed delivery is sent again (twice at most, doubling);
	// 0 means 3s. Intercom documents no retry schedule: the simulator assumes a few retries.
	RetryWait time.Duration
	// Logger receives the simulator's logs; nil discards them.
	Logger *slog.Logger
}

// Call is one API request the simulator answered.
type Call struct {
	Method, Path, Query string
	Status              int    // 0 for a dropped connection
	Version             string // the Intercom-Version header
}

// Server is the simulated workspace.
type Server struct {
	o   Options
	log *slog.Logger
	mux *http.ServeMux

	mu       sync.Mutex
	seq      int64
	admins   map[string]*Admin
	teams    map[string]*Team
	contacts map[string]*Contact
	convs    map[string]*conv
	order    []string // conversation ids in creation order
	tickets  []*Ticket
	types    map[string]ticketType // ticket type id → name and category
	hookURL  string
	operator string // the Operator's id (workflow parts)
	botID    string // the app's own teammate (GET /me)
	workflow string // who the workflow assigns new conversations to ("" : nobody)

	hcPublished []hcArticle // helpcenter.go: the help center once an article was published (nil: the seed)

	// The network side (package simnet): faults drawn from a fixed seed, the API middleware and
	// its call log, the webhook deliverer.
	faults *simnet.Injector
	mw     *simnet.Middleware
	hooks  *simnet.Deliverer
}

// Admin is a teammate.
type Admin struct {
	ID, Name, Email string
	Away, Seat      bool
	TeamIDs         []string
}

// Team is a team of teammates.
type Team struct {
	ID, Name string
}

// Contact is a visitor (a lead) or a user.
type Contact struct {
	ID, Role, Name, Email string
}

// Ticket is a ticket created through POST /tickets.
type Ticket struct {
	ID, TicketTypeID, ContactID, TeamID string
	Attributes                          map[string]any
	// ConversationID is the conversation it was linked to (conversation_to_link_id), if any.
	ConversationID string
	CreatedAt      time.Time
}

// ticketType is a ticket type: its name and category (Customer, Back-office or Tracker).
type ticketType struct {
	name, category string
}

// Option is a quick-reply option.
type Option struct {
	Text string `json:"text"`
	UUID string `json:"uuid"`
}

// Part is one conversation part as the simulator holds it.
type Part struct {
	ID, PartType string
	Body         string // as written: HTML from the API's admin replies, <p>text</p> from visitors
	CreatedAt    time.Time
	AuthorType   string // user, lead, admin, bot
	AuthorID     string
	AuthorName   string
	AuthorEmail  string
	FromAIAgent  bool
	// AssignedToType and AssignedToID are an assignment's assignee ("" for nobody).
	AssignedToType, AssignedToID string
	Options                      []Option // a quick_reply part's options
	Clicked                      string   // the option uuid a visitor's click answered
	AppPackageCode               string   // set on parts created through the API
}

type conv struct {
	id          string
	created     time.Time
	updated     time.Time
	state       string
	admin, team string // assignees, "" for none
	contactID   string
	source      Part
	parts       []*Part
	tickets     []*Ticket // linked tickets (linked_objects)
}

// ConversationView is a copy of one conversation.
type ConversationView struct {
	ID, State, AdminAssigneeID, TeamAssigneeID, ContactID string
	Source                                                Part
	Parts                                                 []Part
}

// New returns an empty workspace; SeedDemo fills it.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.AppID == "" {
		o.AppID = "simapp" + randHex(3)
	}
	if o.AppPackageCode == "" {
		o.AppPackageCode = "handover"
	}
	if o.RetryWait <= 0 {
		o.RetryWait = 3 * time.Second
	}
	s := &Server{o: o, log: o.Logger, seq: 991267000, admins: map[string]*Admin{}, teams: map[string]*Team{},
		contacts: map[string]*Contact{}, convs: map[string]*conv{}, types: map[string]ticketType{},
		faults: simnet.NewInjector(simnet.NewRand(1, 2))}
	s.mw = simnet.NewMiddleware(s.faults)
	s.hooks = simnet.NewDeliverer(s.faults, &http.Client{Timeout: 10 * time.Second})
	s.operator = s.nextID()
	s.routes()
	return s
}

func (s *Server) nextID() string { s.seq++; return strconv.FormatInt(s.seq, 10) }

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// AppID is the workspace's app id.
func (s *Server) AppID() string { return s.o.AppID }

// Demo is what SeedDemo created.
type Demo struct {
	BotID, AliceID, BobID, TeamID, TicketTypeID string
	// CustomerTicketTypeID is a ticket type of category Customer (shared with the customer; it
	// cannot be linked to a conversation).
	CustomerTicketTypeID string
}

// SeedDemo creates the demo workspace: the bot teammate "AI assistant" (to whom the workflow
// assigns new conversations), team Support with Alice (available) and Bob (away), a Back-office
// ticket type "Offline message" and a Customer ticket type "Customer request". Visitors are
// created as they first write.
func (s *Server) SeedDemo() Demo {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := Demo{BotID: s.nextID(), AliceID: s.nextID(), BobID: s.nextID(), TeamID: s.nextID(), TicketTypeID: s.nextID()}
	d.CustomerTicketTypeID = s.nextID()
	s.teams[d.TeamID] = &Team{ID: d.TeamID, Name: "Support"}
	s.admins[d.BotID] = &Admin{ID: d.BotID, Name: "AI assistant", Email: "bot@example.com", Seat: true}
	s.admins[d.AliceID] = &Admin{ID: d.AliceID, Name: "Alice", Email: "alice@example.com", Seat: true, TeamIDs: []string{d.TeamID}}
	s.admins[d.BobID] = &Admin{ID: d.BobID, Name: "Bob", Email: "bob@example.com", Seat: true, Away: true, TeamIDs: []string{d.TeamID}}
	s.types[d.TicketTypeID] = ticketType{name: "Offline message", category: "Back-office"}
	s.types[d.CustomerTicketTypeID] = ticketType{name: "Customer request", category: "Customer"}
	s.botID, s.workflow = d.BotID, d.BotID
	return d
}

// SetWorkflowAssignee changes whom the workflow assigns new conversations to: an admin id, or
// "" for no workflow (new conversations stay unassigned, in no team).
func (s *Server) SetWorkflowAssignee(adminID string) {
	s.mu.Lock()
	s.workflow = adminID
	s.mu.Unlock()
}

// SetAway sets a teammate's away mode.
func (s *Server) SetAway(adminID string, away bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.admins[adminID]; a != nil {
		a.Away = away
	}
}

// TeamMembers returns the ids of a team's teammates.
func (s *Server) TeamMembers(teamID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, a := range s.admins {
		for _, t := range a.TeamIDs {
			if t == teamID {
				out = append(out, a.ID)
			}
		}
	}
	return out
}

// SetWebhookURL sets where notifications go; before it none is sent.
func (s *Server) SetWebhookURL(u string) {
	s.mu.Lock()
	s.hookURL = u
	s.mu.Unlock()
}

// SetFaults makes the API misbehave; the zero Faults stops it.
func (s *Server) SetFaults(f helpdesk.Faults) {
	s.faults.SetFaults(simnet.Faults{Status429Rate: f.Status429Rate, RetryAfter: f.RetryAfter,
		Status500Rate: f.Status500Rate, DropRate: f.DropRate, Delay: f.Delay})
}

// Calls returns the API calls answered so far.
func (s *Server) Calls() []Call {
	cs := s.mw.Calls()
	out := make([]Call, len(cs))
	for i, c := range cs {
		out[i] = Call{Method: c.Method, Path: c.Path, Query: c.Query, Status: c.Status, Version: c.Version}
	}
	return out
}

// ResetCalls empties the call log.
func (s *Server) ResetCalls() { s.mw.ResetCalls() }

// WaitIdle waits until no notification is being delivered (or waits to be redelivered).
func (s *Server) WaitIdle(ctx context.Context) error {
	if err := s.hooks.WaitIdle(ctx); err != nil {
		return fmt.Errorf("intercom sim: %d deliveries in flight: %w", s.hooks.InFlight(), err)
	}
	return nil
}

// Close stops sending notifications (cancelling attempts and retry waits) and waits for the
// deliveries in flight.
func (s *Server) Close() { s.hooks.Close() }

// Contact returns the contact id of a visitor by name, creating a lead on first use.
func (s *Server) Contact(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.contactLocked(name)
}

func (s *Server) contactLocked(name string) string {
	for _, c := range s.contacts {
		if c.Name == name {
			return c.ID
		}
	}
	id := randHex(12) // contact ids are 24 hex characters
	s.contacts[id] = &Contact{ID: id, Role: "lead", Name: name}
	return id
}

// ContactView returns a copy of a contact.
func (s *Server) ContactView(id string) (Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contacts[id]
	if !ok {
		return Contact{}, false
	}
	return *c, true
}

// Tickets returns the tickets created so far.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ticket, len(s.tickets))
	for i, t := range s.tickets {
		out[i] = *t
	}
	return out
}

// Conversation returns a copy of a conversation.
func (s *Server) Conversation(id string) (ConversationView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[id]
	if !ok {
		return ConversationView{}, false
	}
	v := ConversationView{ID: c.id, State: c.state, AdminAssigneeID: c.admin, TeamAssigneeID: c.team, ContactID: c.contactID, Source: c.source}
	for _, p := range c.parts {
		v.Parts = append(v.Parts, *p)
	}
	return v, true
}

// ConversationJSON renders a conversation as GET /conversations/{id} returns it (plain-text
// bodies with plaintext).
func (s *Server) ConversationJSON(id string, plaintext bool) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[id]
	if !ok {
		return nil, false
	}
	b, _ := json.Marshal(s.render(c, lastN(c.parts, maxParts), plaintext))
	return b, true
}

// OpenConversation returns the contact's newest open conversation, "" if none.
func (s *Server) OpenConversation(contactID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.order) - 1; i >= 0; i-- {
		if c := s.convs[s.order[i]]; c.contactID == contactID && c.state == "open" {
			return c.id
		}
	}
	return ""
}

// VisitorStart starts a Messenger conversation of a contact (conversation.user.created); the
// workflow assigns it to the bot teammate.
func (s *Server) VisitorStart(contactID, text string) (string, error) {
	s.mu.Lock()
	ct := s.contacts[contactID]
	if ct == nil {
		s.mu.Unlock()
		return "", fmt.Errorf("intercom sim: no contact %s", contactID)
	}
	c := s.startLocked(ct, text)
	s.notifyLocked("conversation.user.created", c, nil)
	s.mu.Unlock()
	return c.id, nil
}

func (s *Server) startLocked(ct *Contact, text string) *conv {
	now := time.Now()
	c := &conv{id: s.nextID(), created: now, updated: now, state: "open", contactID: ct.ID}
	c.source = Part{ID: s.nextID(), PartType: "comment", Body: "<p>" + html.EscapeString(text) + "</p>", CreatedAt: now,
		AuthorType: ct.Role, AuthorID: ct.ID, AuthorName: ct.Name, AuthorEmail: ct.Email}
	if s.workflow != "" {
		c.parts = append(c.parts, &Part{ID: s.nextID(), PartType: "assignment", CreatedAt: now, AuthorType: "bot",
			AuthorID: s.operator, AuthorName: "Operator", AssignedToType: "admin", AssignedToID: s.workflow})
		c.admin = s.workflow
	}
	s.convs[c.id] = c
	s.order = append(s.order, c.id)
	return c
}

// VisitorReply adds a contact's comment (conversation.user.replied); a reply reopens a closed
// conversation. clicked, when set, is the uuid of the quick-reply option the visitor pressed:
// the part's body is the option's text and its metadata names the uuid.
func (s *Server) VisitorReply(convID, text, clicked string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[convID]
	if c == nil {
		return "", fmt.Errorf("intercom sim: no conversation %s", convID)
	}
	p := s.contactPart(s.contacts[c.contactID], "<p>"+html.EscapeString(text)+"</p>")
	p.Clicked = clicked
	s.addLocked(c, p)
	c.state = "open"
	s.notifyLocked("conversation.user.replied", c, p)
	return p.ID, nil
}

// LastOptions returns the options of the conversation's newest quick_reply part.
func (s *Server) LastOptions(convID string) []Option {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[convID]
	if c == nil {
		return nil
	}
	for i := len(c.parts) - 1; i >= 0; i-- {
		if c.parts[i].PartType == "quick_reply" {
			return append([]Option(nil), c.parts[i].Options...)
		}
	}
	return nil
}

// AdminReply adds a teammate's public comment from the Inbox (conversation.admin.replied).
func (s *Server) AdminReply(convID, adminID, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, a := s.convs[convID], s.admins[adminID]
	if c == nil || a == nil {
		return fmt.Errorf("intercom sim: no conversation %s or admin %s", convID, adminID)
	}
	p := s.adminPart(a, "comment", "<p>"+html.EscapeString(text)+"</p>")
	s.addLocked(c, p)
	s.notifyLocked("conversation.admin.replied", c, p)
	return nil
}

// FinReply adds a reply of Fin, Intercom's AI agent (conversation.operator.replied).
func (s *Server) FinReply(convID, text string) error {
	return s.operatorReply(convID, "Fin", text, true)
}

// WorkflowReply adds a public message of a workflow, sent by the Operator (a bot that is not an
// AI agent: an email collector, a reply-time notice) (conversation.operator.replied).
func (s *Server) WorkflowReply(convID, text string) error {
	return s.operatorReply(convID, "Operator", text, false)
}

// operatorReply adds a comment of the Operator's bot under name (conversation.operator.replied).
func (s *Server) operatorReply(convID, name, text string, ai bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[convID]
	if c == nil {
		return fmt.Errorf("intercom sim: no conversation %s", convID)
	}
	p := &Part{ID: s.nextID(), PartType: "comment", Body: "<p>" + html.EscapeString(text) + "</p>", CreatedAt: time.Now(),
		AuthorType: "bot", AuthorID: s.operator, AuthorName: name, AuthorEmail: "operator+" + s.o.AppID + "@intercom.io", FromAIAgent: ai}
	s.addLocked(c, p)
	s.notifyLocked("conversation.operator.replied", c, p)
	return nil
}

// Assign assigns a conversation from the Inbox: by teammate actor, to an admin or a team
// ("0" or "" for nobody) (conversation.admin.assigned).
func (s *Server) Assign(convID, actor, kind, assignee string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, a := s.convs[convID], s.admins[actor]
	if c == nil || a == nil {
		return fmt.Errorf("intercom sim: no conversation %s or admin %s", convID, actor)
	}
	p := s.assignLocked(c, a, kind, assignee, "")
	s.notifyLocked("conversation.admin.assigned", c, p)
	return nil
}

// Age makes conversation convID look untouched for d (its updated_at d ago), as if nothing had
// happened in it since; false for an unknown id.
func (s *Server) Age(convID string, d time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[convID]
	if c == nil {
		return false
	}
	c.updated = time.Now().Add(-d)
	return true
}

func (s *Server) assignLocked(c *conv, a *Admin, kind, assignee, body string) *Part {
	if assignee == "0" {
		assignee = ""
	}
	p := s.adminPart(a, "assignment", body)
	if assignee != "" {
		p.AssignedToType, p.AssignedToID = kind, assignee
	}
	if kind == "team" {
		c.team = assignee
	} else {
		c.admin = assignee
	}
	s.addLocked(c, p)
	return p
}

// adminPart is a part of teammate a.
func (s *Server) adminPart(a *Admin, typ, body string) *Part {
	return &Part{ID: s.nextID(), PartType: typ, Body: body, CreatedAt: time.Now(), AuthorType: "admin",
		AuthorID: a.ID, AuthorName: a.Name, AuthorEmail: a.Email}
}

// contactPart is a comment of contact ct.
func (s *Server) contactPart(ct *Contact, body string) *Part {
	return &Part{ID: s.nextID(), PartType: "comment", Body: body, CreatedAt: time.Now(), AuthorType: ct.Role,
		AuthorID: ct.ID, AuthorName: ct.Name, AuthorEmail: ct.Email}
}

func (s *Server) addLocked(c *conv, p *Part) {
	c.parts = append(c.parts, p)
	c.updated = p.CreatedAt
}

func lastN(ps []*Part, n int) []*Part {
	if len(ps) > n {
		return ps[len(ps)-n:]
	}
	return ps
}

// --- rendering (components/schemas/conversation, conversation_part) ---

var (
	breakRe = regexp.MustCompile(`(?i)<br\s*/?>`)
	paraRe  = regexp.MustCompile(`(?i)</p>\s*<p[^>]*>`)
	tagRe   = regexp.MustCompile(`<[^>]*>`)
)

// PlainText renders an HTML body as the plain text of display_as=plaintext and of 2.15
// webhooks: paragraphs separated by a blank line, <br> as a line break, tags dropped.
func PlainText(s string) string {
	s = breakRe.ReplaceAllString(s, "\n")
	s = paraRe.ReplaceAllString(s, "\n\n")
	s = tagRe.ReplaceAllString(s, "")
	return strings.TrimSpace(html.UnescapeString(s))
}

func (s *Server) renderPart(p *Part, plaintext bool) map[string]any {
	var body any
	if p.Body != "" {
		body = p.Body
		if plaintext {
			body = PlainText(p.Body)
		}
	}
	author := map[string]any{"type": p.AuthorType, "id": p.AuthorID, "name": p.AuthorName, "email": p.AuthorEmail,
		"from_ai_agent": p.FromAIAgent, "is_ai_answer": p.FromAIAgent}
	md := map[string]any{}
	if len(p.Options) > 0 {
		md["quick_reply_options"] = p.Options
	}
	if p.Clicked != "" {
		md["quick_reply_uuid"] = p.Clicked
	}
	var assigned any
	if p.AssignedToID != "" {
		assigned = map[string]any{"type": p.AssignedToType, "id": p.AssignedToID}
	}
	var pkg any
	if p.AppPackageCode != "" {
		pkg = p.AppPackageCode
	}
	ts := p.CreatedAt.Unix()
	return map[string]any{"type": "conversation_part", "id": p.ID, "part_type": p.PartType, "body": body,
		"created_at": ts, "updated_at": ts, "notified_at": ts, "assigned_to": assigned, "author": author,
		"attachments": []any{}, "external_id": nil, "redacted": false, "metadata": md, "app_package_code": pkg}
}

func nullable(id string) any {
	if id == "" {
		return nil
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return id
	}
	return n
}

// render renders a conversation with the given parts (all for a read, the triggering ones for
// a notification, none for a search).
func (s *Server) render(c *conv, parts []*Part, plaintext bool) map[string]any {
	src := s.renderPart(&c.source, plaintext)
	src["type"] = "conversation"
	src["delivered_as"] = "customer_initiated"
	src["subject"] = ""
	src["url"] = nil
	ps := make([]any, 0, len(parts))
	for _, p := range parts {
		ps = append(ps, s.renderPart(p, plaintext))
	}
	contacts := []any{}
	if c.contactID != "" {
		contacts = append(contacts, map[string]any{"type": "contact", "id": c.contactID, "external_id": nil})
	}
	return map[string]any{
		"type": "conversation", "id": c.id, "title": nil, "created_at": c.created.Unix(), "updated_at": c.updated.Unix(),
		"waiting_since": nil, "snoozed_until": nil, "open": c.state == "open", "state": c.state, "read": false,
		"priority": "not_priority", "admin_assignee_id": nullable(c.admin), "team_assignee_id": nullable(c.team),
		"tags":      map[string]any{"type": "tag.list", "tags": []any{}},
		"source":    src,
		"contacts":  map[string]any{"type": "contact.list", "contacts": contacts},
		"teammates": renderTeammates(c), "custom_attributes": map[string]any{},
		"conversation_parts":    map[string]any{"type": "conversation_part.list", "conversation_parts": ps, "total_count": len(ps)},
		"linked_objects":        s.linkedLocked(c),
		"ai_agent_participated": false, "ai_agent": nil,
	}
}

// teammates returns the ids of the teammates (admins) who wrote at least one part of c, in
// the order they first did (conversation_teammates: "wrote at least one conversation part").
func teammates(c *conv) []string {
	var ids []string
	for _, p := range c.parts {
		if p.AuthorType == "admin" && !slices.Contains(ids, p.AuthorID) {
			ids = append(ids, p.AuthorID)
		}
	}
	return ids
}

// renderTeammates renders conversation_teammates: {type: admin.list, teammates: [reference]}.
func renderTeammates(c *conv) map[string]any {
	refs := []any{}
	for _, id := range teammates(c) {
		refs = append(refs, map[string]any{"type": "admin", "id": id})
	}
	return map[string]any{"type": "admin.list", "teammates": refs}
}

// linkedLocked renders a conversation's linked tickets (linked_object_list).
func (s *Server) linkedLocked(c *conv) map[string]any {
	data := []any{}
	for _, t := range c.tickets {
		data = append(data, map[string]any{"type": "ticket", "id": t.ID, "category": s.types[t.TicketTypeID].category})
	}
	return map[string]any{"type": "list", "data": data, "total_count": len(data), "has_more": false}
}

// --- webhooks ---

// notifyLocked queues a notification of topic for c, carrying part p (if any).
func (s *Server) notifyLocked(topic string, c *conv, p *Part) {
	if s.hookURL == "" {
		return
	}
	var parts []*Part
	if p != nil {
		parts = []*Part{p}
	}
	now := time.Now().Unix()
	n := map[string]any{
		"type": "notification_event", "app_id": s.o.AppID, "id": "notif_" + uuid(),
		"topic": topic, "delivery_status": "pending", "delivery_attempts": 1, "delivered_at": 0,
		"first_sent_at": now, "created_at": now, "self": nil, "links": map[string]any{},
		"data": map[string]any{"type": "notification_event_data", "item": s.render(c, parts, true)},
	}
	body, _ := json.Marshal(n)
	s.hooks.Send(simnet.Webhook{URL: s.hookURL, Body: body, Header: s.hookHeader(body),
		Policy: simnet.Policy{Attempts: 3, Wait: s.o.RetryWait, Growth: 2, Retry: redeliver},
		Event:  topic, ID: n["id"].(string),
		Attempted: func(d simnet.Delivery) {
			if redeliver(d.Status, d.Err) {
				s.log.Debug("intercom sim: delivery failed", "status", d.Status, "err", d.Err, "attempt", d.Attempt)
			}
		}})
}

func uuid() string {
	h := randHex(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Sign is the X-Hub-Signature of body: "sha1=" and the hex HMAC-SHA1 keyed with secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

// redeliver reports whether a notification is sent again, after RetryWait (doubling, twice at
// most): after a transport error, a 3xx, a 429 or a 5xx; not after a 2xx or another 4xx, nor
// when the request could not be built.
func redeliver(status int, err error) bool {
	if err != nil {
		ae, ok := errors.AsType[*simnet.AttemptError](err)
		return !ok || !ae.Build
	}
	return status >= 300 && (status < 400 || status == http.StatusTooManyRequests || status >= 500)
}

// hookHeader is the headers of a notification: JSON, Intercom's User-Agent and X-Hub-Signature.
func (s *Server) hookHeader(body []byte) func() http.Header {
	return func() http.Header {
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("User-Agent", "intercom-parrot-service-client/1.0")
		h.Set("X-Hub-Signature", Sign(s.o.ClientSecret, body))
		return h
	}
}
