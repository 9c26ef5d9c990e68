// Package liveagent is the handover adapter for LiveAgent (https://www.liveagent.com,
// ladesk.com), the helpdesk whose built-in chatbot defined "Request chat with human
// agent" and "Stop chatbot and join".
//
// LiveAgent calls out only through its rules engine: an "HTTP request" action
// whose body the administrator types, with {$variable} placeholders (Rules lists
// the exact rule set; Parse reads those bodies defensively and takes only ids and
// status letters from them). The bot is a LiveAgent agent (Config.BotAgentID): a
// chat whose assigned agent it is belongs to the bot. It writes through API v1
// (form-encoded, apikey parameter, {"response":...} envelopes, errors possibly with
// HTTP 200) and reads through API v3 (JSON, apikey header), under a client-side
// limiter that keeps each key below LiveAgent's 180 requests a minute.
//
// What a turn costs, per key's budget: a plain bot turn is one read (the ticket's
// newest message groups, GET /api/v3/tickets/{id}/messages; who holds the chat
// comes from the rule body, see LoadEvent) and one post (v1); a handover to an
// available queue five calls (read, availability, transfer, note, notice); a
// takeover three or four. A 1,000-message chat costs what a short one does: one
// page of groups (see historyGroups).
//
// Everything the adapter knows about a chat is read back from LiveAgent on every
// turn: the ticket's state (from the rule body or GET /tickets/{id}) and its
// newest message groups (sender decided by agent ids, the bot's notes as markers,
// the answer count from the bot's messages). No conversation state lives in the
// process; the agent directory and department memberships are expiring caches
// (Config.AgentsTTL). The facts it relies on, with their sources, are in
// docs/helpdesks/liveagent.md; where the adapter departs from them, a comment
// says why.
package liveagent

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/handover"
)

// Name is the adapter's name, as in HANDOVER_HELPDESK and /webhooks/liveagent.
const Name = "liveagent"

// TagOffline marks a ticket that became an offline message.
const TagOffline = "offline-message"

// The first lines of the bot's notes. They are the adapter's markers in the
// ticket: agents read them, and Load derives the handover state from them.
const (
	noteHandover    = "Handed over to a human agent by the bot."
	noteOffline     = "Offline message: no agent was available, the visitor left a message."
	noteJoinedStart = "Chatbot stopped:"
	noteTakeover    = "Taken over from the bot"
)

// historyGroups is the window Load reads: the newest message groups of a
// ticket, one page. A chat's messages share one group (the chat group), so
// the window holds the running chat whole, however long it is, with the
// newest transfers and notes around it; an older email thread is cut.
const historyGroups = 30

// maxWindowMessages bounds Conversation.Messages to the newest messages of
// the window (the LLM sees fewer: the bot trims to its token budget).
const maxWindowMessages = 200

// maxNote caps a note's length.
const maxNote = 60_000

// Adapter implements handover.Helpdesk, handover.Lister,
// handover.Directory, handover.WaitWatcher and handover.HandBacker (wait.go)
// for one LiveAgent account, and the webhook side (Authenticate, Parse) for
// its rules.
type Adapter struct {
	cfg    Config
	c      *client
	log    *slog.Logger
	redact apiclient.Redactor

	agentsMu sync.Mutex
	agents   map[string]agent // the account's agents, by id (a cache, not state)
	others   map[string]bool  // user ids known not to be agents (visitors)
	fetched  time.Time

	// agentVar is set once a rule body came with {$conversation_agent_id}
	// replaced: from then on a literal one means the ticket has no agent
	// (knowledge about the account's rules, not about a conversation).
	agentVar atomic.Bool

	deptMu sync.Mutex
	depts  map[string]deptMembers // department id → its agents (a cache, AgentsTTL)

	tagMu     sync.Mutex
	tagIDs    map[string]string    // tag name → id (ids never change)
	tagNames  map[string]string    // id → name
	tagMissed map[string]time.Time // tag name → when it was found missing

	// echo expects the rule's webhook for each message the bot adds (echo.go).
	echo echoes
}

var (
	_ handover.Helpdesk    = (*Adapter)(nil)
	_ handover.EventLoader = (*Adapter)(nil)
	_ handover.Lister      = (*Adapter)(nil)
	_ handover.Directory   = (*Adapter)(nil)
)

// deptMembers is one cached department membership.
type deptMembers struct {
	agents  []string
	fetched time.Time
}

// New validates cfg, applies defaults and builds the adapter's client.
func New(cfg Config) (*Adapter, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := apiclient.NewURLRedactor(cfg.APIKey, cfg.APIV1Key, cfg.WebhookSecret)
	logger := cfg.Logger.With("adapter", Name)
	a := &Adapter{cfg: cfg, c: newClient(cfg, r, logger), log: logger, redact: r,
		tagIDs: map[string]string{}, tagNames: map[string]string{}, depts: map[string]deptMembers{}}
	a.echo.ledger, a.echo.log = handover.NewMemoryEchoLedger(maxEchoTickets), logger
	return a, nil
}

// Name returns "liveagent".
func (a *Adapter) Name() string { return Name }

// Authenticate checks the secret in the webhook URL (the path segment after
// /webhooks/liveagent/) against Config.WebhookSecret in constant time.
// LiveAgent's rules sign nothing, so headers and body play no part.
func (a *Adapter) Authenticate(_ http.Header, pathSecret string, _ []byte, _ time.Time) error {
	return authenticate(a.cfg.WebhookSecret, pathSecret)
}

// DeliveryID returns "": LiveAgent's HTTP request action sends no delivery
// id. The engine's re-read makes a repeated delivery harmless.
func (a *Adapter) DeliveryID(h http.Header) string { return deliveryID(h) }

// Parse translates a verified rule body into events; see the package
// function Parse.
func (a *Adapter) Parse(body []byte) ([]handover.Event, error) { return Parse(body) }

// ---- reading ----

// view is one ticket as Load read it, with the message authors resolved. It
// is the Conversation.Source of the snapshot Load builds: HandToHuman and
// MarkAgentJoined act on it instead of reading the ticket again.
type view struct {
	t      ticket
	groups []messageGroup // the window: the newest message groups, oldest first
	agents map[string]agent
	// more: the page of groups was full, older groups exist.
	more bool
}

// Load reads a ticket and derives its state. Calls (2):
//
//   - GET /api/v3/tickets/{id} (Ticket: agentid, departmentid, status,
//     tags, owner_*); a 404 is handover.ErrNotFound. An id that looks like a
//     ticket code and is not found is looked up with
//     _filters={"code":...};
//   - GET /api/v3/tickets/{id}/messages?_page=1&_perPage=30&_sortDir=DESC:
//     the newest message groups, one page whatever the ticket's length (see
//     historyGroups).
//
// Authors are told apart by agent ids (there is no is_agent flag):
// GET /api/v3/agents is read when the in-process directory is older than
// Config.AgentsTTL, or when a message has an author that is neither a known
// agent, nor a known non-agent, nor the visitor who opened one of the
// ticket's customer groups (a chat, an incoming email, an offline message):
// in practice once per AgentsTTL, not per turn.
//
// Messages: type M (or legacy Y) is public; its author is the bot
// (Config.BotAgentID), a human agent (an agent id) or the visitor (any
// other user id). Notes (message type N/L/I, or groups of type I/U/Z) are
// private. Everything else (system, transfer, status, user agent, form
// fields...) is RoleSystem. HTML (format H) is turned into text. Messages
// hold at most the newest maxWindowMessages; Window is set when older
// messages or groups were left out.
//
// State, in this order (only tickets the bot took part in, as assignee or
// author, can be anything but StateOther, so rules that fire for every
// ticket never make the bot speak in others):
//
//   - a human agent is the assigned agent, or wrote publicly, or the bot's
//     "Chatbot stopped:" note is there (a takeover is for good): StateAgent
//     (AgentName: the assignee, else the last human author, else the name
//     in that note), announced if the note exists;
//   - the bot's offline note, or the offline-message tag: StateOffline;
//   - status resolved, deleted, spam, closed or postponed: StateOther;
//   - the bot is the assigned agent: StateBot;
//   - nobody (or a department) holds it after the bot spoke or handed
//     over: StateQueued.
//
// BotAnswers counts the bot's public messages in the window that are
// answers, not the engine's notices: a message carrying the offline or
// email prompt, one that replies to a choice the visitor typed, or one of
// the engine's notices (handover.IsNotice, Config.Texts included) is not
// counted. A chat's messages share one group, which the window always holds
// whole, so in a chat the count is exact. Department is the human queue:
// Config.Departments[departmentid], else departmentid.
func (a *Adapter) Load(ctx context.Context, id string) (*handover.Conversation, error) {
	v, err := a.read(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.build(ctx, v), nil
}

// LoadEvent is Load for a rule delivery (handover.EventLoader). When the
// event carries the ticket's state from the rule body (a *ruleHint, see
// Parse), it reads only the messages: one call,
// GET /api/v3/tickets/{id}/messages. Everything else is as Load, with
// these differences:
//
//   - the ticket's tags, owner name and channel are not in the body: the
//     offline state comes from the bot's note alone, the visitor's name from
//     the message groups;
//   - a literal or empty {$conversation_agent_id} means "no agent" only once
//     this process has seen the variable replaced in some delivery (every
//     bot chat's deliveries name the bot); before that, and for any body
//     without the state, LoadEvent is Load;
//   - the body is from when the rule fired. When it says the bot holds the
//     chat but the window shows the bot's handover note (not followed by its
//     hand-back note, see HandBack), the chat may have changed hands since:
//     the ticket is read (GET /api/v3/tickets/{id}).
//     A takeover needs no read: an agent's public message or the bot's
//     "Chatbot stopped:" note in the window decide it.
func (a *Adapter) LoadEvent(ctx context.Context, ev handover.Event) (*handover.Conversation, error) {
	conv, err := a.loadEvent(ctx, ev)
	if err == nil {
		a.learnEcho(ev, conv)
	}
	return conv, err
}

func (a *Adapter) loadEvent(ctx context.Context, ev handover.Event) (*handover.Conversation, error) {
	h, ok := ev.Hint.(*ruleHint)
	if !ok || h == nil || h.TicketID != ev.ConversationID || !ValidID(h.TicketID) {
		return a.Load(ctx, ev.ConversationID)
	}
	if h.AgentID != "" {
		a.agentVar.Store(true)
	} else if !a.agentVar.Load() {
		return a.Load(ctx, ev.ConversationID)
	}
	groups, more, err := a.history(ctx, h.TicketID)
	if err != nil {
		if notFound(err) {
			return nil, fmt.Errorf("liveagent: ticket %s: %w: %w", h.TicketID, handover.ErrNotFound, err)
		}
		return nil, fmt.Errorf("liveagent: load ticket %s: %w", h.TicketID, err)
	}
	// t holds only what the rule body said: no tags, owner name or channel.
	v := &view{groups: groups, more: more, t: ticket{
		ID: flexString(h.TicketID), Code: flexString(h.Code), Status: flexString(h.Status),
		DepartmentID: flexString(h.DepartmentID), AgentID: flexString(h.AgentID), OwnerEmail: flexString(h.Email),
	}}
	if h.AgentID == a.cfg.BotAgentID && a.handedOver(groups) {
		t, err := a.ticket(ctx, h.TicketID)
		if err != nil {
			return nil, err
		}
		v.t = *t
	}
	if v.agents, err = a.agentDirectory(ctx, v.unknownAuthors()); err != nil {
		return nil, fmt.Errorf("liveagent: load ticket %s: %w", h.TicketID, err)
	}
	return a.build(ctx, v), nil
}

// read fetches the ticket, its newest message groups and the authors.
func (a *Adapter) read(ctx context.Context, id string) (*view, error) {
	t, err := a.ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	groups, more, err := a.history(ctx, t.ID.String())
	if err != nil {
		return nil, fmt.Errorf("liveagent: load ticket %s: %w", t.ID, err)
	}
	v := &view{t: *t, groups: groups, more: more}
	if v.agents, err = a.agentDirectory(ctx, v.unknownAuthors()); err != nil {
		return nil, fmt.Errorf("liveagent: load ticket %s: %w", t.ID, err)
	}
	return v, nil
}

// sourceOf is the view Load put in conv.Source, or nil.
func sourceOf(conv *handover.Conversation) *view {
	if v, ok := conv.Source.(*view); ok && v != nil && v.t.ID.String() == conv.ID {
		return v
	}
	return nil
}

// ticket reads one ticket (GET /tickets/{id}).
func (a *Adapter) ticket(ctx context.Context, id string) (*ticket, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("liveagent: ticket id %q is not a LiveAgent id: %w", id, handover.ErrNotFound)
	}
	var t ticket
	err := a.c.do(ctx, call{api: V3, method: http.MethodGet, path: "/tickets/" + url.PathEscape(id)}, &t)
	if notFound(err) && strings.Contains(id, "-") {
		// Rules may pass the ticket code ({$conversation_code}); v1 takes
		// both, v3 ids only: find the ticket by its code.
		var list []ticket
		q := url.Values{"_filters": {`{"code":"` + id + `"}`}, "_perPage": {"1"}}
		if err2 := a.c.do(ctx, call{api: V3, method: http.MethodGet, path: "/tickets", query: q}, &list); err2 == nil && len(list) > 0 && list[0].ID != "" {
			return &list[0], nil
		}
	}
	if err != nil {
		if notFound(err) {
			return nil, fmt.Errorf("liveagent: ticket %s: %w: %w", id, handover.ErrNotFound, err)
		}
		return nil, fmt.Errorf("liveagent: read ticket %s: %w", id, err)
	}
	if t.ID == "" {
		t.ID = flexString(id)
	}
	return &t, nil
}

// history reads the window of a ticket's message groups: the newest
// historyGroups of them, in one call (GET /tickets/{id}/messages with
// _page=1, _perPage and _sortDir=DESC; get_ticket_message_groups in
// QualityUnit/LiveAgent-api-python docs/TicketsApi.md pages groups, not
// messages), returned oldest first. more reports a full
// page: older groups exist that were not read.
func (a *Adapter) history(ctx context.Context, id string) (groups []messageGroup, more bool, err error) {
	q := url.Values{"_page": {"1"}, "_perPage": {strconv.Itoa(historyGroups)}, "_sortDir": {"DESC"}}
	var page []messageGroup
	if err := a.c.do(ctx, call{api: V3, method: http.MethodGet, path: "/tickets/" + url.PathEscape(id) + "/messages", query: q}, &page); err != nil {
		return nil, false, fmt.Errorf("list messages: %w", err)
	}
	seen := map[string]bool{}
	for i := len(page) - 1; i >= 0; i-- {
		g := page[i]
		if key := g.ID.String(); key != "" {
			if seen[key] {
				continue
			}
			seen[key] = true
		}
		groups = append(groups, g)
	}
	slices.SortStableFunc(groups, func(x, y messageGroup) int {
		return parseTime(x.DateCreated.String()).Compare(parseTime(y.DateCreated.String()))
	})
	return groups, len(page) >= historyGroups, nil
}

// authorOf is a message's user id, falling back to its group's.
func authorOf(g messageGroup, m message) string {
	if u := m.UserID.String(); u != "" {
		return u
	}
	return g.UserID.String()
}

// customerGroups are the MessageGroup types a customer opens: a chat (C),
// an incoming email (3), an offline message (5, legacy M). Their userid is
// the visitor.
var customerGroups = map[string]bool{"C": true, "3": true, "5": true, "M": true}

// visitorIDs are the user ids that opened one of the view's customer groups.
func (v *view) visitorIDs() map[string]bool {
	out := map[string]bool{}
	for _, g := range v.groups {
		if u := g.UserID.String(); u != "" && customerGroups[g.Type.String()] {
			out[u] = true
		}
	}
	return out
}

// unknownAuthors are the ids the agent directory must know: the message
// authors that are not the visitor of one of the ticket's customer groups,
// and the assigned agent.
func (v *view) unknownAuthors() []string {
	visitors := v.visitorIDs()
	var users []string
	for _, g := range v.groups {
		for _, m := range g.Messages {
			if u := authorOf(g, m); u != "" && !visitors[u] {
				users = append(users, u)
			}
		}
	}
	if u := v.t.AgentID.String(); u != "" {
		users = append(users, u)
	}
	return users
}

// visitorName is the ticket owner's name, else the name on the visitor's
// customer group (a view from a rule body has no owner name).
func (v *view) visitorName() string {
	if n := v.t.OwnerName.String(); n != "" {
		return n
	}
	for _, g := range v.groups {
		if customerGroups[g.Type.String()] && g.UserID.String() != "" {
			if _, agent := v.agents[g.UserID.String()]; !agent {
				if n := strings.TrimSpace(g.UserFullName.String()); n != "" {
					return n
				}
			}
		}
	}
	return ""
}

// agentDirectory returns the account's agents: an in-process cache of
// GET /api/v3/agents (names and ids only: no conversation state), read
// again when it is older than AgentsTTL or when one of users is neither a
// known agent nor a known non-agent. Ids found not to be agents are
// remembered (at most 10,000, then forgotten all at once), so an unknown id
// costs one read per process, not one per turn.
func (a *Adapter) agentDirectory(ctx context.Context, users []string) (map[string]agent, error) {
	a.agentsMu.Lock()
	defer a.agentsMu.Unlock()
	now := a.cfg.Clock.Now()
	stale := a.agents == nil || now.Sub(a.fetched) > a.cfg.AgentsTTL
	if !stale {
		for _, u := range users {
			if _, ok := a.agents[u]; !ok && !a.others[u] && u != a.cfg.BotAgentID {
				stale = true
				break
			}
		}
	}
	if stale {
		list, err := a.listAgents(ctx)
		if err != nil {
			return nil, err
		}
		a.agents = make(map[string]agent, len(list))
		for _, ag := range list {
			a.agents[ag.ID.String()] = ag
		}
		if a.others == nil || len(a.others) > 10000 {
			a.others = map[string]bool{}
		}
		a.fetched = now
	}
	for _, u := range users {
		if _, ok := a.agents[u]; !ok {
			a.others[u] = true
		}
	}
	out := make(map[string]agent, len(a.agents))
	for k, v := range a.agents {
		out[k] = v
	}
	return out, nil
}

// listAgents reads GET /agents page by page.
func (a *Adapter) listAgents(ctx context.Context) ([]agent, error) {
	const perPage = 100
	var out []agent
	for page := 1; page <= 50; page++ {
		q := url.Values{"_page": {strconv.Itoa(page)}, "_perPage": {strconv.Itoa(perPage)}}
		var list []agent
		if err := a.c.do(ctx, call{api: V3, method: http.MethodGet, path: "/agents", query: q}, &list); err != nil {
			return nil, fmt.Errorf("list agents: %w", err)
		}
		out = append(out, list...)
		if len(list) < perPage {
			break
		}
	}
	return out, nil
}

// markers are the bot's notes (and public messages) found in a ticket.
type markers struct {
	handover, offline, joined, takeover bool
	botSpoke                            bool
	// joinedName is the agent named in the latest "Chatbot stopped:" note.
	joinedName string
}

// joinedName reads the agent's name back from the bot's "Chatbot stopped:
// <agent> joined the chat." note.
func joinedName(first string) string {
	rest := strings.TrimSpace(strings.TrimPrefix(first, noteJoinedStart))
	if name, _, ok := strings.Cut(rest, " joined the chat"); ok {
		return strings.TrimSpace(name)
	}
	return ""
}

// build maps a view onto the core snapshot.
func (a *Adapter) build(ctx context.Context, v *view) *handover.Conversation {
	t := &v.t
	conv := &handover.Conversation{
		ID:         t.ID.String(),
		Department: a.queueOf(t.DepartmentID.String()),
		Channel:    channelName(t.ChannelType.String()),
		Visitor:    handover.Visitor{ID: t.OwnerContactID.String(), Name: v.visitorName()},
		Source:     v,
	}
	if e := t.OwnerEmail.String(); strings.Contains(e, "@") && !placeholderRE.MatchString(e) {
		conv.Visitor.Email = e
	}
	var mk markers
	// prompt is the bot's latest public prompt; chose is set when the
	// visitor's latest message answered it (a typed button or an email):
	// the bot message after that is the engine's reaction, not an answer.
	var prompt *handover.Message
	chose := false
	for _, e := range chronological(v.groups) {
		msg, ok := a.toMessage(v, e.g, e.i, e.m)
		if !ok {
			continue
		}
		switch {
		case msg.Role == handover.RoleBot && msg.Private:
			first := firstLine(msg.Text)
			mk.handover = mk.handover || strings.HasPrefix(first, noteHandover)
			mk.offline = mk.offline || strings.HasPrefix(first, noteOffline)
			if strings.HasPrefix(first, noteJoinedStart) {
				mk.joined = true
				if n := joinedName(first); n != "" {
					mk.joinedName = n
				}
			}
			mk.takeover = mk.takeover || strings.HasPrefix(first, noteTakeover)
		case msg.Role == handover.RoleBot:
			mk.botSpoke = true
			r := recognise(msg.Text, a.cfg.Texts)
			msg.Prompt, msg.Buttons = r.prompt, r.buttons
			notice := chose || r.prompt == handover.PromptOffline || r.prompt == handover.PromptEmail ||
				isNotice(r.body, a.cfg.Texts) || handover.IsNotice(r.body, a.cfg.Texts)
			if !notice {
				conv.BotAnswers++
			}
			chose = false
			conv.Messages = append(conv.Messages, msg)
			last := msg
			prompt = &last
			continue
		case msg.Role == handover.RoleVisitor && !msg.Private:
			chose = prompt != nil && answersPrompt(*prompt, msg.Text)
		case msg.Role == handover.RoleAgent && !msg.Private:
			prompt, chose = nil, false
		}
		conv.Messages = append(conv.Messages, msg)
	}
	conv.State, conv.AgentName, conv.JoinAnnounced = a.deriveState(ctx, v, conv.Messages, mk)
	conv.Window = v.more
	if n := len(conv.Messages); n > maxWindowMessages {
		conv.Messages = slices.Clone(conv.Messages[n-maxWindowMessages:])
		conv.Window = true
	}
	return conv
}

// entry is one message with its group and its index in the group.
type entry struct {
	g messageGroup
	i int
	m message
	t time.Time
}

// chronological flattens message groups into one list ordered by the
// messages' datecreated. A chat's messages share one group that spans the
// whole chat, while transfers and notes get groups of their own, so group
// order alone would put a note made mid-chat after the chat's last
// message. Ties (LiveAgent dates have seconds) keep the groups' order; a
// message without a date takes its predecessor's.
func chronological(groups []messageGroup) []entry {
	var out []entry
	var last time.Time
	for _, g := range groups {
		for i, m := range g.Messages {
			t := parseTime(m.DateCreated.String())
			if t.IsZero() {
				t = parseTime(g.DateCreated.String())
			}
			if t.IsZero() {
				t = last
			}
			last = t
			out = append(out, entry{g: g, i: i, m: m, t: t})
		}
	}
	slices.SortStableFunc(out, func(x, y entry) int { return x.t.Compare(y.t) })
	return out
}

// answersPrompt reports whether a visitor's text answers a bot prompt the
// way the engine reads it: a button's title or value (case-insensitive),
// or an email address after the email prompt.
func answersPrompt(p handover.Message, text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	if t == "" {
		return false
	}
	if p.Prompt == handover.PromptEmail {
		return strings.Contains(t, "@")
	}
	for _, b := range p.Buttons {
		if t == strings.ToLower(strings.TrimSpace(b.Title)) || t == strings.ToLower(b.Value) {
			return true
		}
	}
	return false
}

// deriveState implements the state rules documented on Load.
func (a *Adapter) deriveState(ctx context.Context, v *view, msgs []handover.Message, mk markers) (handover.State, string, bool) {
	t := &v.t
	bot := a.cfg.BotAgentID
	assignee := t.AgentID.String()
	involved := assignee == bot || mk.botSpoke || mk.handover || mk.offline || mk.joined || mk.takeover
	if !involved {
		return handover.StateOther, "", false
	}
	if ag, ok := v.agents[assignee]; ok && assignee != bot {
		return handover.StateAgent, agentName(ag), mk.joined
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == handover.RoleAgent && !msgs[i].Private {
			return handover.StateAgent, msgs[i].Author, mk.joined
		}
	}
	if mk.joined {
		// The takeover was announced: the bot stays silent for good, even
		// when the agent's message is older than the window or the chat was
		// handed back to the bot agent.
		return handover.StateAgent, mk.joinedName, true
	}
	if mk.offline || a.hasTag(ctx, t, TagOffline) {
		return handover.StateOffline, "", false
	}
	switch t.Status.String() {
	case statusResolved, statusDeleted, statusSpam, statusClosed, statusPostponed:
		return handover.StateOther, "", false
	}
	if assignee == bot {
		return handover.StateBot, "", false
	}
	if mk.handover || mk.botSpoke {
		return handover.StateQueued, "", false
	}
	return handover.StateOther, "", false
}

// toMessage classifies one LiveAgent message; ok is false for an empty one.
func (a *Adapter) toMessage(v *view, g messageGroup, i int, m message) (handover.Message, bool) {
	text := m.Message.String()
	switch strings.ToUpper(m.Format.String()) {
	case "H", "Y":
		text = plainText(text)
	}
	text = strings.TrimSpace(text)
	id := m.ID.String()
	if id == "" {
		id = g.ID.String() + "#" + strconv.Itoa(i)
	}
	created := parseTime(m.DateCreated.String())
	if created.IsZero() {
		created = parseTime(g.DateCreated.String())
	}
	out := handover.Message{ID: id, Text: text, CreatedAt: created}
	author := authorOf(g, m)
	mtype, gtype := m.Type.String(), g.Type.String()
	note := mtype == "N" || mtype == "L" || mtype == "I" || gtype == "I" || gtype == "U" || gtype == "Z"
	public := !note && (mtype == "M" || mtype == "Y")
	switch {
	case note:
		out.Private = true
		out.Role = handover.RoleSystem
		if author == a.cfg.BotAgentID {
			out.Role = handover.RoleBot
		} else if ag, ok := v.agents[author]; ok {
			out.Role, out.Author = handover.RoleAgent, agentName(ag)
		}
	case public && author == a.cfg.BotAgentID:
		out.Role = handover.RoleBot
	case public && author != "":
		if ag, ok := v.agents[author]; ok {
			out.Role, out.Author = handover.RoleAgent, agentName(ag)
		} else {
			out.Role, out.Author = handover.RoleVisitor, v.visitorName()
		}
	default:
		out.Role = handover.RoleSystem
	}
	if text == "" && out.Role != handover.RoleSystem {
		return out, false
	}
	return out, true
}

func agentName(ag agent) string {
	if n := ag.Name.String(); n != "" {
		return n
	}
	if e := ag.Email.String(); e != "" {
		return e
	}
	return "An agent"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// queueOf is a department's human queue.
func (a *Adapter) queueOf(dept string) string {
	if to, ok := a.cfg.Departments[dept]; ok {
		return to
	}
	return dept
}

// channelName maps channel_type letters (Ticket.channel_type) to names.
func channelName(c string) string {
	switch c {
	case "B", "I":
		return "web"
	case "E":
		return "email"
	case "M":
		return "form"
	case "F", "A":
		return "facebook"
	case "T":
		return "twitter"
	case "C", "W":
		return "call"
	case "":
		return ""
	}
	return strings.ToLower(c)
}

// ---- tags ----

// hasTag reports whether the ticket carries the tag name. Ticket.tags holds
// tag ids (TicketListItem: "array of tags id"); names found directly also
// count. Only a ticket with tags costs a lookup, cached.
func (a *Adapter) hasTag(ctx context.Context, t *ticket, name string) bool {
	if len(t.Tags) == 0 {
		return false
	}
	for _, tg := range t.Tags {
		if strings.EqualFold(tg.String(), name) {
			return true
		}
	}
	id, err := a.tagID(ctx, name, false)
	if err != nil || id == "" {
		return false
	}
	for _, tg := range t.Tags {
		if tg.String() == id {
			return true
		}
	}
	return false
}

// tagMissTTL is how long a tag found missing is not looked up again (the listing of waiting
// chats asks for the offline tag of every tagged chat, before any offline message made it).
const tagMissTTL = 5 * time.Minute

// tagID finds a tag's id by name (GET /tags, paged), creating the tag
// (POST /tags {name}) when create is set and it does not exist. A tag found
// missing is "" without a request for tagMissTTL, unless create is set.
func (a *Adapter) tagID(ctx context.Context, name string, create bool) (string, error) {
	a.tagMu.Lock()
	defer a.tagMu.Unlock()
	if id, ok := a.tagIDs[name]; ok {
		return id, nil
	}
	if at, ok := a.tagMissed[name]; ok && !create && time.Since(at) < tagMissTTL {
		return "", nil
	}
	const perPage = 100
	for page := 1; page <= 20; page++ {
		q := url.Values{"_page": {strconv.Itoa(page)}, "_perPage": {strconv.Itoa(perPage)}}
		var list []tag
		if err := a.c.do(ctx, call{api: V3, method: http.MethodGet, path: "/tags", query: q}, &list); err != nil {
			return "", fmt.Errorf("list tags: %w", err)
		}
		for _, tg := range list {
			a.tagNames[tg.ID.String()] = tg.Name.String()
			if strings.EqualFold(tg.Name.String(), name) {
				a.tagIDs[name] = tg.ID.String()
			}
		}
		if len(list) < perPage {
			break
		}
	}
	if id, ok := a.tagIDs[name]; ok || !create {
		if !ok {
			if a.tagMissed == nil {
				a.tagMissed = map[string]time.Time{}
			}
			a.tagMissed[name] = time.Now()
		}
		return id, nil
	}
	var created tag
	body := map[string]any{"name": name, "color": "FFFFFF", "background_color": "D0021B", "is_public": "N"}
	if err := a.c.do(ctx, call{api: V3, kind: createRequest, method: http.MethodPost, path: "/tags", json: body}, &created); err != nil {
		return "", fmt.Errorf("create tag %s: %w", name, err)
	}
	if created.ID == "" {
		return "", fmt.Errorf("create tag %s: no id in the answer", name)
	}
	a.tagIDs[name] = created.ID.String()
	return created.ID.String(), nil
}

// ---- writing ----

// Post sends a public bot message: v1 POST /api/conversations/{id}/messages
// (form: message, useridentifier = the bot agent, type M). A prompt's
// buttons become a sentence in the visitor's language that says what to
// type (the chat has no bot buttons through the API); Load turns it back
// into buttons. Answers need no counter: Load counts them from the
// history. The create is not repeated once it may have reached LiveAgent.
func (a *Adapter) Post(ctx context.Context, conv *handover.Conversation, out handover.Outgoing) error {
	if !ValidID(conv.ID) {
		return fmt.Errorf("liveagent: post to ticket %q: not an id: %w", conv.ID, handover.ErrPermanent)
	}
	text := render(out, visitorLang(conv))
	if err := a.addMessage(ctx, conv.ID, text, "M"); err != nil {
		return fmt.Errorf("liveagent: post to ticket %s: %w", conv.ID, err)
	}
	return nil
}

// addMessage is v1 POST /conversations/{id}/messages as the bot agent;
// typ is M (message) or N (note).
func (a *Adapter) addMessage(ctx context.Context, id, text, typ string) error {
	form := url.Values{
		"message":         {text},
		"useridentifier":  {a.cfg.BotAgentID},
		"type":            {typ},
		"is_html_message": {"N"},
	}
	// The rule's "message added" webhook comes back for this message: expected before the
	// write, since it may arrive before the answer does.
	forget := a.echo.expect(id)
	err := a.c.do(ctx, call{api: V1, kind: createRequest, method: http.MethodPost, path: "/conversations/" + url.PathEscape(id) + "/messages", form: form}, nil)
	if err != nil {
		forget()
	}
	return err
}

// note posts an internal note (type N) as the bot agent.
func (a *Adapter) note(ctx context.Context, id, text string) error {
	if utf8.RuneCountInString(text) > maxNote {
		text = string([]rune(text)[:maxNote]) + "\n… (truncated)"
	}
	if err := a.addMessage(ctx, id, text, "N"); err != nil {
		return fmt.Errorf("note: %w", err)
	}
	return nil
}

// transfer is v1 PUT /api/conversations/{id}/attendants: to a department
// (its queue: the chat rings there) and/or an agent. The v1 key goes in
// the query string, the only place this handler reads it (a third-party bot
// integration's v1 client, docs/helpdesks/liveagent.md §1.6).
func (a *Adapter) transfer(ctx context.Context, id, departmentID, agentID string) error {
	form := url.Values{"useridentifier": {a.cfg.BotAgentID}}
	if departmentID != "" {
		form.Set("departmentid", departmentID)
	}
	if agentID != "" {
		form.Set("agentidentifier", agentID)
	}
	if err := a.c.do(ctx, call{api: V1, method: http.MethodPut, path: "/conversations/" + url.PathEscape(id) + "/attendants", form: form}, nil); err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	return nil
}

// Available reports whether an agent other than the bot is online for chat
// in the conversation's human queue. One call:
//
//   - GET /api/onlinestatus/departments (v1, departmentsOnlineStates: id,
//     onlineStatus letters, T = online for chat) when the bot is not a
//     member of the department;
//   - when it is (the bot inside the human department), its own presence
//     would count there, so GET /api/onlinestatus/agents (v1,
//     agentsOnlineStates: id, onlineStatus) for the other members. That
//     presence is the agent's, not per department.
//
// Membership comes from GET /api/v3/departments/{id} (agent_ids), cached
// in-process for Config.AgentsTTL (membership changes rarely; presence is
// read fresh every time). No online member means offline.
func (a *Adapter) Available(ctx context.Context, conv *handover.Conversation) (bool, error) {
	dept := conv.Department
	if !ValidID(dept) {
		return false, fmt.Errorf("liveagent: availability for ticket %s: no department: %w", conv.ID, handover.ErrPermanent)
	}
	members, err := a.departmentMembers(ctx, dept)
	if err != nil {
		return false, fmt.Errorf("liveagent: availability of department %s: %w", dept, err)
	}
	if !slices.Contains(members, a.cfg.BotAgentID) {
		var resp struct {
			States []struct {
				ID           flexString `json:"id"`
				DepartmentID flexString `json:"departmentid"`
				OnlineStatus flexString `json:"onlineStatus"`
			} `json:"departmentsOnlineStates"`
		}
		if err := a.c.do(ctx, call{api: V1, method: http.MethodGet, path: "/onlinestatus/departments"}, &resp); err != nil {
			return false, fmt.Errorf("liveagent: availability of department %s: %w", dept, err)
		}
		for _, st := range resp.States {
			id := st.ID.String()
			if id == "" {
				id = st.DepartmentID.String()
			}
			if id == dept {
				return chatOnline(st.OnlineStatus.String()), nil
			}
		}
		return false, nil
	}
	humans := slices.DeleteFunc(slices.Clone(members), func(id string) bool { return id == a.cfg.BotAgentID })
	if len(humans) == 0 {
		return false, nil
	}
	var resp struct {
		States []struct {
			ID           flexString `json:"id"`
			OnlineStatus flexString `json:"onlineStatus"`
		} `json:"agentsOnlineStates"`
	}
	if err := a.c.do(ctx, call{api: V1, method: http.MethodGet, path: "/onlinestatus/agents"}, &resp); err != nil {
		return false, fmt.Errorf("liveagent: availability of department %s: %w", dept, err)
	}
	for _, st := range resp.States {
		if slices.Contains(humans, st.ID.String()) && chatOnline(st.OnlineStatus.String()) {
			return true, nil
		}
	}
	return false, nil
}

// chatOnline reads online-status letters (R read, M message, T chat, P
// phone; F offline): T is online for chat.
func chatOnline(letters string) bool {
	return strings.Contains(strings.ToUpper(letters), "T")
}

// departmentMembers returns a department's agent ids from the in-process
// cache, reading GET /api/v3/departments/{id} when the entry is older than
// AgentsTTL. At most 1,000 departments are kept.
func (a *Adapter) departmentMembers(ctx context.Context, dept string) ([]string, error) {
	now := a.cfg.Clock.Now()
	a.deptMu.Lock()
	e, ok := a.depts[dept]
	a.deptMu.Unlock()
	if ok && now.Sub(e.fetched) <= a.cfg.AgentsTTL {
		return e.agents, nil
	}
	var d department
	if err := a.c.do(ctx, call{api: V3, method: http.MethodGet, path: "/departments/" + url.PathEscape(dept)}, &d); err != nil {
		return nil, err
	}
	e = deptMembers{fetched: now}
	for _, id := range d.AgentIDs {
		if s := id.String(); s != "" {
			e.agents = append(e.agents, s)
		}
	}
	a.deptMu.Lock()
	if len(a.depts) >= 1000 {
		a.depts = map[string]deptMembers{}
	}
	a.depts[dept] = e
	a.deptMu.Unlock()
	return e.agents, nil
}

// HandToHuman moves the chat to its human queue, then leaves the agents a
// note: v1 PUT attendants {departmentid} (skipped when the bot no longer
// holds the ticket and it is already in that department), then a note
// (type N) with the reason and summary: two calls. Who holds the ticket is
// what this turn's Load read (conv.Source); the ticket is read only for a
// conversation that does not come from Load. A retried turn loads afresh,
// so the check holds after a crash. The visitor waits in the queue like any
// chat; the engine tells them next.
func (a *Adapter) HandToHuman(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	t, err := a.heldBy(ctx, conv)
	if err != nil {
		return fmt.Errorf("liveagent: hand over: %w", err)
	}
	id := t.ID.String()
	dept := conv.Department
	if dept == "" {
		dept = a.queueOf(t.DepartmentID.String())
	}
	if t.AgentID.String() == a.cfg.BotAgentID || t.DepartmentID.String() != dept {
		if err := a.transfer(ctx, id, dept, ""); err != nil {
			return fmt.Errorf("liveagent: hand over ticket %s to department %s: %w", id, dept, err)
		}
	}
	if err := a.note(ctx, id, handover.HandoverNote(noteHandover, h)); err != nil {
		return fmt.Errorf("liveagent: hand over ticket %s: %w", id, err)
	}
	return nil
}

// heldBy is the ticket as this turn's Load read it (conv.Source), or read
// now when conv has no such record.
func (a *Adapter) heldBy(ctx context.Context, conv *handover.Conversation) (*ticket, error) {
	if v := sourceOf(conv); v != nil {
		t := v.t
		return &t, nil
	}
	return a.ticket(ctx, conv.ID)
}

// LeaveOffline turns the chat into an offline message for the human queue.
//
// While the chat runs (status T or I), in the same ticket: v1 PUT
// attendants {departmentid: the queue} (the chat waits there like any chat
// nobody picked up, and becomes a ticket of that department when the
// visitor leaves), v3 PUT /tickets/{id} {tags: the ticket's tags plus
// offline-message, created with POST /tags if missing}, then a note with the
// reason, the address to reply to, the summary and the transcript. The
// status is left alone: any status but T ends the chat, and the engine
// tells the visitor what happens next only after this returns.
//
// Where the chat has ended, a new ticket is filed: v3 POST /tickets
// {useridentifier: the bot, recipient: the visitor's email, subject,
// departmentid, message: the note with the transcript, status N,
// do_not_send_mail Y, tags}; the chat's ticket gets the tag and a note
// naming the new ticket.
//
// Unlike HandToHuman, this reads the ticket first (GET /api/v3/tickets/{id}),
// on purpose: whether the chat still runs decides where the message goes,
// and the visitor may have left while the summary was written (Load's
// record is from before that). The fresh read also makes a retry cheap and
// safe: a transfer or tag already in place is not repeated. A live chat
// costs four calls (read, transfer, tag, note), the tag id lookup aside
// (GET /tags once per process).
func (a *Adapter) LeaveOffline(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	t, err := a.ticket(ctx, conv.ID)
	if err != nil {
		return fmt.Errorf("liveagent: leave offline message: %w", err)
	}
	id := t.ID.String()
	dept := conv.Department
	if dept == "" {
		dept = a.queueOf(t.DepartmentID.String())
	}
	tagID, err := a.tagID(ctx, TagOffline, true)
	if err != nil {
		return fmt.Errorf("liveagent: offline message for ticket %s: %w", id, err)
	}
	tags := make([]string, 0, len(t.Tags)+1)
	for _, tg := range t.Tags {
		if s := tg.String(); s != "" && !slices.Contains(tags, s) {
			tags = append(tags, s)
		}
	}
	tagged := slices.Contains(tags, tagID)
	if !tagged {
		tags = append(tags, tagID)
	}
	filedAs := ""
	if live := t.Status.String() == statusChatting || t.Status.String() == statusInit; live {
		if t.AgentID.String() == a.cfg.BotAgentID || t.DepartmentID.String() != dept {
			if err := a.transfer(ctx, id, dept, ""); err != nil {
				return fmt.Errorf("liveagent: offline message for ticket %s: %w", id, err)
			}
		}
	} else {
		email := strings.TrimSpace(h.Email)
		if email == "" {
			email = strings.TrimSpace(conv.Visitor.Email)
		}
		if email == "" {
			return fmt.Errorf("liveagent: offline message for ended chat %s: no email to file it under: %w", id, handover.ErrPermanent)
		}
		code := t.Code.String()
		if code == "" {
			code = id
		}
		body := map[string]any{
			"useridentifier":   a.cfg.BotAgentID,
			"subject":          "Offline message from chat " + code,
			"departmentid":     dept,
			"recipient":        email,
			"recipient_name":   conv.Visitor.Name,
			"message":          handover.OfflineNote(noteOffline, conv, h),
			"status":           statusNew,
			"do_not_send_mail": "Y",
			"use_template":     "N",
			"is_html_message":  "N",
			"tags":             []string{tagID},
		}
		var info struct {
			ID   flexString `json:"id"`
			Code flexString `json:"code"`
		}
		if err := a.c.do(ctx, call{api: V3, kind: createRequest, method: http.MethodPost, path: "/tickets", json: body}, &info); err != nil {
			return fmt.Errorf("liveagent: offline message for ended chat %s: create ticket: %w", id, err)
		}
		filedAs = info.Code.String()
		if filedAs == "" {
			filedAs = info.ID.String()
		}
	}
	if !tagged {
		if err := a.c.do(ctx, call{api: V3, method: http.MethodPut, path: "/tickets/" + url.PathEscape(id), json: map[string]any{"tags": tags}}, nil); err != nil {
			return fmt.Errorf("liveagent: offline message for ticket %s: tag: %w", id, err)
		}
	}
	if err := a.note(ctx, id, handover.OfflineNote(noteOffline, conv, h, filedLine(filedAs))); err != nil {
		return fmt.Errorf("liveagent: offline message for ticket %s: %w", id, err)
	}
	return nil
}

// MarkAgentJoined records the takeover the engine announced: a note
// "Chatbot stopped: <agent> joined the chat." (Load's marker; skipped when
// conv already shows it), and, when the bot is still the ticket's agent
// (the human wrote without taking it), v1 PUT attendants
// {agentidentifier: that human}, so LiveAgent routes the chat to them. Both
// checks use what this turn's Load read (conv.Source): no read here, one or
// two writes. A conversation that does not come from Load is read first.
func (a *Adapter) MarkAgentJoined(ctx context.Context, conv *handover.Conversation, agentName string) error {
	v := sourceOf(conv)
	announced := conv.JoinAnnounced
	if v == nil {
		var err error
		if v, err = a.read(ctx, conv.ID); err != nil {
			return fmt.Errorf("liveagent: mark agent joined: %w", err)
		}
		announced = a.build(ctx, v).JoinAnnounced
	}
	id := v.t.ID.String()
	if !announced {
		text := fmt.Sprintf("%s %s joined the chat. The bot stays silent in this conversation.", noteJoinedStart, agentName)
		if err := a.note(ctx, id, text); err != nil {
			return fmt.Errorf("liveagent: mark agent joined in ticket %s: %w", id, err)
		}
	}
	if v.t.AgentID.String() == a.cfg.BotAgentID {
		if human := lastHumanAuthor(v, a.cfg.BotAgentID); human != "" {
			if err := a.transfer(ctx, id, v.t.DepartmentID.String(), human); err != nil {
				return fmt.Errorf("liveagent: mark agent joined in ticket %s: %w", id, err)
			}
		}
	}
	return nil
}

// lastHumanAuthor is the id of the last human agent (not bot) who wrote
// publicly.
func lastHumanAuthor(v *view, bot string) string {
	last := ""
	for _, g := range v.groups {
		for _, m := range g.Messages {
			u := authorOf(g, m)
			if _, ok := v.agents[u]; ok && u != "" && u != bot && (m.Type.String() == "M" || m.Type.String() == "Y") && g.Type.String() != "I" {
				last = u
			}
		}
	}
	return last
}

// ---- lists ----

// maxReconcile bounds how many chats one reconcile pass re-checks: each
// costs two reads of the key's 180 a minute.
const maxReconcile = 50

// reconcileScan bounds how many running bot chats one reconcile pass lists (a page of 100 is
// one request).
const reconcileScan = 500

// BotConversations lists the running chats the bot holds, for the reconciler: GET
// /api/v3/tickets with _filters=[["agentid","=",bot],["status","=","T"]], the most recently
// changed first, up to reconcileScan of them. Every chat it returns costs the reconciler two
// reads of the key's 180 a minute, so it returns at most maxReconcile: with more, half are the
// most recently changed and half a random draw of the others, so that no chat waits behind a
// crowd of busier ones for more than a few passes (a list cut at the newest maxReconcile once
// buried the very chats whose message was lost). It implements handover.Lister.
func (a *Adapter) BotConversations(ctx context.Context) ([]string, error) {
	ts, err := a.botTickets(ctx, reconcileScan)
	if err != nil {
		return nil, fmt.Errorf("liveagent: list the bot's chats: %w", err)
	}
	return sampleChats(ts, maxReconcile, rand.Shuffle), nil
}

// sampleChats returns the ids of ts (newest change first) when they fit in limit; else the
// newest limit/2 and a draw of the rest made with shuffle.
func sampleChats(ts []ticket, limit int, shuffle func(n int, swap func(i, j int))) []string {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID.String()
	}
	if len(ids) <= limit {
		return ids
	}
	newest := limit / 2
	rest := slices.Clone(ids[newest:])
	shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	return append(ids[:newest:newest], rest[:limit-newest]...)
}

// botTickets lists up to limit running chats assigned to the bot, most
// recently changed first.
func (a *Adapter) botTickets(ctx context.Context, limit int) ([]ticket, error) {
	perPage := min(limit, 100)
	filters := fmt.Sprintf(`[["agentid","=",%q],["status","=","T"]]`, a.cfg.BotAgentID)
	var out []ticket
	for page := 1; len(out) < limit && page <= 10; page++ {
		q := url.Values{"_filters": {filters}, "_page": {strconv.Itoa(page)}, "_perPage": {strconv.Itoa(perPage)},
			"_sortField": {"date_changed"}, "_sortDir": {"DESC"}}
		var list []ticket
		if err := a.c.do(ctx, call{api: V3, method: http.MethodGet, path: "/tickets", query: q}, &list); err != nil {
			return out, err
		}
		for _, t := range list {
			// Filters are applied by LiveAgent; check again in case a
			// version ignores one.
			if t.AgentID.String() == a.cfg.BotAgentID && t.Status.String() == statusChatting && t.ID != "" {
				out = append(out, t)
			}
		}
		if len(list) < perPage {
			break
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Agents lists the account's active human agents (GET /api/v3/agents, the
// bot excluded); Available is online_status N (online). It implements
// handover.Directory.
func (a *Adapter) Agents(ctx context.Context) ([]handover.Agent, error) {
	list, err := a.listAgents(ctx)
	if err != nil {
		return nil, fmt.Errorf("liveagent: %w", err)
	}
	var out []handover.Agent
	for _, ag := range list {
		id := ag.ID.String()
		if id == "" || id == a.cfg.BotAgentID || ag.Status.String() == "X" {
			continue
		}
		out = append(out, handover.Agent{ID: id, Name: agentName(ag), Available: ag.OnlineStatus.String() == "N"})
	}
	return out, nil
}

// AssignAgent makes agentID the ticket's agent, so Load derives
// StateAgent: "Stop chatbot and join" from handover's agent page. A note
// "Taken over from the bot by <agent>." comes first (it also marks the
// ticket as one the bot took part in, should it not have spoken yet), then
// v1 PUT attendants {agentidentifier}. It implements handover.Directory.
func (a *Adapter) AssignAgent(ctx context.Context, conv *handover.Conversation, agentID string) error {
	if !ValidID(agentID) || agentID == a.cfg.BotAgentID {
		return fmt.Errorf("liveagent: assign ticket %s: %q is not a human agent id: %w", conv.ID, agentID, handover.ErrPermanent)
	}
	name := agentID
	if dir, err := a.agentDirectory(ctx, []string{agentID}); err == nil {
		if ag, ok := dir[agentID]; ok {
			name = agentName(ag)
		}
	}
	if err := a.note(ctx, conv.ID, fmt.Sprintf("%s by %s (handover's agent page).", noteTakeover, name)); err != nil {
		return fmt.Errorf("liveagent: assign ticket %s to %s: %w", conv.ID, agentID, err)
	}
	if err := a.transfer(ctx, conv.ID, "", agentID); err != nil {
		return fmt.Errorf("liveagent: assign ticket %s to %s: %w", conv.ID, agentID, err)
	}
	return nil
}

// filedLine names the ticket an offline message was filed as, when it has one.
func filedLine(ticket string) string {
	if ticket == "" {
		return ""
	}
	return "Filed as ticket: " + ticket
}
