// Package libredesk is the handover adapter for Libredesk (github.com/abhinavxd/libredesk), an
// open-source helpdesk with live chat, teams, agent API keys and signed webhooks.
//
// The bot is an ordinary Libredesk agent with an API key. A live chat in one of the bot's inboxes
// that no one else holds is the bot's: the adapter assigns it to the bot agent when it first
// answers, so agents see whose it is. Inbound, it verifies and translates the webhooks into core
// events (Verify, Parse); outbound, it implements handover.Helpdesk (and handover.Lister and
// handover.Directory) on Libredesk's REST API with one retrying HTTP client.
//
// Everything it knows about a conversation is read back from Libredesk on every Load: status,
// inbox, assignee, team, tags and the message history. The bot's own messages carry their kind
// in meta.echo_id ("handover:answer:…", "handover:offline:…", "handover:joined:…"), which counts
// the bot's answers and restores the text prompts; its private notes mark a handover or an
// offline message. The facts it relies on are in shared/design/helpdesks/libredesk.md.
package libredesk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/handover"
)

// Name is the adapter's name, as in HANDOVER_HELPDESK and /webhooks/libredesk.
const Name = "libredesk"

// TagOffline marks a conversation turned into an offline message. Libredesk drops tags that do
// not exist (fact sheet, gotcha 8): the adapter creates it when its key may (tags:manage), and
// Load does not depend on it (the bot's offline note says the same).
const TagOffline = "offline-message"

// The first lines of the bot's private notes; Load reads them back as the handover markers.
const (
	noteHandover = "Handed over to a human agent by the bot."
	noteOffline  = "Offline message: no agent was available, the visitor left a message."
	noteJoined   = "An agent took over: the bot stays silent in this conversation."
	noteAssigned = "An agent was assigned from handover's agent pages."

	joinedNoteTold = "The visitor was told that "
	joinedNoteEnd  = " joined the chat."
)

const (
	// maxHistory caps how many messages Load reads (the newest are kept).
	maxHistory = 1000
	// pageSize is the page_size of every list call (every Libredesk version accepts 100).
	pageSize = 100
	// maxListPages bounds one conversation listing.
	maxListPages = 20
	// maxNote caps the length of a private note.
	maxNote = 50_000
)

// Adapter implements handover.Helpdesk, handover.Lister and handover.Directory for one
// Libredesk installation, and the inbound webhook side (Authenticate, Parse).
type Adapter struct {
	cfg     Config
	http    *retryablehttp.Client
	log     *slog.Logger
	redact  apiclient.Redactor
	inboxes map[int]bool
}

var (
	_ handover.Helpdesk  = (*Adapter)(nil)
	_ handover.Lister    = (*Adapter)(nil)
	_ handover.Directory = (*Adapter)(nil)
)

// New validates cfg, applies defaults and builds the adapter's one retrying HTTP client.
func New(cfg Config) (*Adapter, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := apiclient.NewRedactor(cfg.APIKey, cfg.APISecret, cfg.WebhookSecret)
	logger := cfg.Logger.With("adapter", Name)
	inboxes := make(map[int]bool, len(cfg.InboxIDs))
	for _, id := range cfg.InboxIDs {
		inboxes[id] = true
	}
	return &Adapter{cfg: cfg, http: newHTTPClient(cfg, r, logger), log: logger, redact: r, inboxes: inboxes}, nil
}

// Name returns "libredesk".
func (a *Adapter) Name() string { return Name }

// Authenticate verifies a webhook delivery before it is parsed: X-Libredesk-Signature over the
// raw body (see Verify), then the signed body's timestamp within Config.WebhookTolerance (see
// CheckTimestamp). pathSecret is not used: Libredesk signs its deliveries.
func (a *Adapter) Authenticate(h http.Header, _ string, body []byte, now time.Time) error {
	if err := Verify(a.cfg.WebhookSecret, h, body); err != nil {
		return err
	}
	return CheckTimestamp(body, now, a.cfg.WebhookTolerance)
}

// DeliveryID returns "": Libredesk sends no delivery id (and never retries). Events are
// de-duplicated by the message uuid in their DedupKey instead.
func (a *Adapter) DeliveryID(http.Header) string { return "" }

// Parse translates a verified webhook body into events; see the package function Parse.
func (a *Adapter) Parse(body []byte) ([]handover.Event, error) { return Parse(body, a.cfg.BotAgentID) }

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Load reads a conversation and derives its state from two calls:
//
//   - GET /api/v1/conversations/{uuid}: status, inbox_id, inbox_channel, assigned_user_id,
//     assigned_team_id, tags, contact;
//   - GET /api/v1/conversations/{uuid}/messages?page=N&page_size=100, newest first, until the
//     last page (at most 1000 messages), put back in order.
//
// State, in this order: not one of Config.InboxIDs, not a live chat, or Snoozed/Resolved/Closed
// → StateOther; the bot announced an agent (a "handover:joined" message or the bot's takeover
// note) → StateAgent, announced; the bot's offline note or the tag offline-message →
// StateOffline; the bot's handover note → StateAgent if a human wrote publicly after it or was
// assigned from handover's agent pages (AssignAgent's note), else StateQueued; a user assignee
// other than the bot → StateAgent (a takeover by assignment); a human's public reply →
// StateAgent (a takeover by reply); else StateBot (assigned to the bot, or to no one).
//
// An unknown conversation returns an error wrapping handover.ErrNotFound.
func (a *Adapter) Load(ctx context.Context, id string) (*handover.Conversation, error) {
	c, err := a.fetch(ctx, id)
	if err != nil {
		return nil, err
	}
	var raw []message
	if a.botInbox(c) {
		// Another inbox's, or a closed chat, is StateOther whatever its messages: no need to read them.
		if raw, err = a.history(ctx, id); err != nil {
			return nil, fmt.Errorf("libredesk: load conversation %s: %w", id, err)
		}
	}
	conv, assignee := a.build(c, raw)
	if conv.State == handover.StateAgent && conv.AgentName == "" && assignee > 0 {
		conv.AgentName = a.agentName(ctx, assignee)
	}
	return conv, nil
}

// fetch reads one conversation.
func (a *Adapter) fetch(ctx context.Context, id string) (*conversation, error) {
	if !uuidRE.MatchString(id) {
		return nil, fmt.Errorf("libredesk: conversation id %q is not a uuid: %w", id, handover.ErrNotFound)
	}
	var c conversation
	if err := a.call(ctx, idempotentRequest, http.MethodGet, "/api/v1/conversations/"+id, nil, &c); err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
			return nil, fmt.Errorf("libredesk: conversation %s: %w: %w", id, handover.ErrNotFound, err)
		}
		return nil, fmt.Errorf("libredesk: read conversation %s: %w", id, err)
	}
	if c.UUID == "" {
		c.UUID = flexString(id)
	}
	return &c, nil
}

// history reads a conversation's messages, newest first page by page, and returns them oldest
// first. Messages arriving meanwhile shift the pages: duplicates are dropped by uuid.
func (a *Adapter) history(ctx context.Context, id string) ([]message, error) {
	seen := map[string]bool{}
	var all []message
	for p := 1; len(all) < maxHistory; p++ {
		var pg page[message]
		path := fmt.Sprintf("/api/v1/conversations/%s/messages?page=%d&page_size=%d", id, p, pageSize)
		if err := a.call(ctx, idempotentRequest, http.MethodGet, path, nil, &pg); err != nil {
			return nil, fmt.Errorf("list messages: %w", err)
		}
		for _, m := range pg.Results {
			key := string(m.UUID)
			if key == "" {
				key = "id:" + strconv.Itoa(int(m.ID))
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			all = append(all, m)
		}
		if len(pg.Results) == 0 || (int(pg.TotalPages) > 0 && p >= int(pg.TotalPages)) ||
			(int(pg.TotalPages) == 0 && len(pg.Results) < pageSize) || p >= maxHistory/pageSize+2 {
			break
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		ti, tj := all[i].CreatedAt.Time, all[j].CreatedAt.Time
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return all[i].ID < all[j].ID
	})
	if len(all) > maxHistory {
		all = all[len(all)-maxHistory:]
	}
	return all, nil
}

// build maps Libredesk's conversation and messages onto the core snapshot. It also returns the
// user assignee, whose name Load looks up for a takeover by assignment.
func (a *Adapter) build(c *conversation, raw []message) (*handover.Conversation, int) {
	conv := &handover.Conversation{
		ID:         string(c.UUID),
		Department: a.department(c),
		Channel:    string(c.InboxChannel),
		Visitor: handover.Visitor{
			ID: strconv.Itoa(int(c.Contact.ID)), Name: c.Contact.name(), Email: strings.TrimSpace(string(c.Contact.Email)),
		},
	}
	conv.Messages = make([]handover.Message, 0, len(raw))
	for i := range raw {
		m := a.toMessage(&raw[i])
		if m.Role == handover.RoleBot && !m.Private {
			if k := botKind(&raw[i], m.Text); k == kindAnswer || k == kindAnswerHuman {
				conv.BotAnswers++
			}
		}
		conv.Messages = append(conv.Messages, m)
	}
	var assignee int
	conv.State, conv.AgentName, conv.JoinAnnounced, assignee = a.deriveState(c, raw, conv.Messages)
	return conv, assignee
}

// toMessage maps one Libredesk message. The bot's messages are the bot agent's (sender_id);
// activity messages are the system's, whoever caused them.
func (a *Adapter) toMessage(m *message) handover.Message {
	text := strings.TrimSpace(string(m.TextContent))
	if text == "" {
		text = htmlToText(string(m.Content))
	}
	out := handover.Message{ID: string(m.UUID), Text: text, Private: bool(m.Private), CreatedAt: m.CreatedAt.Time}
	if out.ID == "" {
		out.ID = strconv.Itoa(int(m.ID))
	}
	switch string(m.Type) {
	case msgIncoming:
		out.Role, out.Author = handover.RoleVisitor, m.Author.name()
	case msgOutgoing:
		switch {
		case string(m.SenderType) == senderContact:
			out.Role, out.Author = handover.RoleVisitor, m.Author.name()
		case int(m.SenderID) == a.cfg.BotAgentID:
			out.Role, out.Author = handover.RoleBot, m.Author.name()
			if !out.Private {
				out.Prompt, out.Buttons = promptOf(botKind(m, text))
			}
		default:
			out.Role, out.Author = handover.RoleAgent, m.Author.name()
			if out.Author == "" {
				out.Author = "An agent"
			}
		}
	default: // activity
		out.Role = handover.RoleSystem
	}
	return out
}

// deriveState implements the rules documented on Load. The name of the agent is returned when
// the history tells it; otherwise the returned assignee is the user whose name Load looks up.
func (a *Adapter) deriveState(c *conversation, raw []message, msgs []handover.Message) (handover.State, string, bool, int) {
	if !a.botInbox(c) {
		return handover.StateOther, "", false, 0
	}
	assignee := int(c.AssignedUserID)
	human := assignee > 0 && assignee != a.cfg.BotAgentID
	handoverAt, assignedAt, offline := -1, -1, slices.Contains([]string(c.Tags), TagOffline)
	joined, joinedName := false, ""
	for i := range raw {
		m := &raw[i]
		if int(m.SenderID) != a.cfg.BotAgentID || string(m.Type) != msgOutgoing {
			continue
		}
		text := msgs[i].Text
		switch {
		case !bool(m.Private):
			joined = joined || botKind(m, text) == kindJoined
		case isNote(text, noteJoined):
			joined = true
			joinedName = nameFromJoinedNote(text)
		case isNote(text, noteOffline):
			offline = true
		case isNote(text, noteHandover):
			handoverAt = i
		case isNote(text, noteAssigned):
			assignedAt = i
		}
	}
	switch {
	case joined:
		if joinedName != "" {
			return handover.StateAgent, joinedName, true, 0
		}
		if human {
			return handover.StateAgent, "", true, assignee
		}
		return handover.StateAgent, lastAgentAuthor(msgs, 0), true, 0
	case offline:
		return handover.StateOffline, "", false, 0
	case handoverAt >= 0:
		if name := lastAgentAuthor(msgs, handoverAt+1); name != "" {
			return handover.StateAgent, name, false, 0
		}
		if human && assignedAt > handoverAt {
			// Assigned from handover's agent pages ("Stop chatbot and join"), not merely by
			// Libredesk's own assignment of the queue.
			return handover.StateAgent, "", false, assignee
		}
		return handover.StateQueued, "", false, 0
	case human:
		return handover.StateAgent, "", false, assignee
	}
	if name := lastAgentAuthor(msgs, 0); name != "" {
		return handover.StateAgent, name, false, 0
	}
	return handover.StateBot, "", false, 0
}

// nameFromJoinedNote reads the agent's name back from the note MarkAgentJoined writes.
func nameFromJoinedNote(text string) string {
	_, rest, ok := strings.Cut(text, joinedNoteTold)
	if !ok {
		return ""
	}
	name, _, ok := strings.Cut(rest, joinedNoteEnd)
	if !ok {
		return ""
	}
	return strings.TrimSpace(name)
}

// botInbox reports whether c is an open live chat in one of the bot's inboxes: the only
// conversations the bot may hold.
func (a *Adapter) botInbox(c *conversation) bool {
	if !a.inboxes[int(c.InboxID)] {
		return false
	}
	if ch := string(c.InboxChannel); ch != "" && ch != channelLive {
		return false
	}
	return isOpen(c)
}

// isOpen: a status of category open, or any status but Snoozed, Resolved and Closed (custom
// statuses are open ones unless their category says otherwise).
func isOpen(c *conversation) bool {
	switch strings.ToLower(string(c.StatusCategory)) {
	case "resolved", "closed", "snoozed":
		return false
	}
	switch string(c.Status) {
	case statusSnoozed, statusResolved, statusClosed:
		return false
	}
	return true
}

// lastAgentAuthor returns the author of the last public human agent message at or after from.
func lastAgentAuthor(msgs []handover.Message, from int) string {
	for i := len(msgs) - 1; i >= from && i >= 0; i-- {
		if msgs[i].Role == handover.RoleAgent && !msgs[i].Private {
			return msgs[i].Author
		}
	}
	return ""
}

// isNote reports whether a note's text starts with marker. The prefix, not the first line, is
// compared: Libredesk derives text_content from the HTML, and its line breaks are its own.
func isNote(text, marker string) bool {
	return strings.HasPrefix(strings.TrimSpace(text), marker)
}

// botKind is the kind of one of the bot's public messages: from meta.echo_id, or, for a message
// without one (a Libredesk that keeps no echo_id), from the line the adapter added; any other
// message of the bot counts as an answer.
func botKind(m *message, text string) string {
	if k := echoKind(m.Meta.EchoID); k != "" {
		return k
	}
	for _, l := range languages {
		switch {
		case strings.Contains(text, l.humanLine):
			return kindAnswerHuman
		case strings.Contains(text, l.offerLine):
			return kindOffline
		}
	}
	return kindAnswer
}

// department is the conversation's human queue: the team Config.Teams maps its inbox to, else
// the inbox.
func (a *Adapter) department(c *conversation) string {
	if t, ok := a.cfg.Teams[int(c.InboxID)]; ok {
		return strconv.Itoa(t)
	}
	return strconv.Itoa(int(c.InboxID))
}

// agentName looks an agent's display name up in GET /api/v1/agents/compact; on failure it is
// "An agent".
func (a *Adapter) agentName(ctx context.Context, id int) string {
	agents, err := a.agents(ctx)
	if err != nil {
		a.log.WarnContext(ctx, "agent name lookup failed", "agent", id, "error", a.redact.Redact(err.Error()))
		return "An agent"
	}
	for _, ag := range agents {
		if int(ag.ID) == id {
			if n := ag.name(); n != "" {
				return n
			}
		}
	}
	return "An agent"
}

// agents lists the agents (GET /api/v1/agents/compact: id, names, email, enabled,
// availability_status).
func (a *Adapter) agents(ctx context.Context) ([]person, error) {
	var list []person
	if err := a.call(ctx, idempotentRequest, http.MethodGet, "/api/v1/agents/compact", nil, &list); err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	return list, nil
}

// outgoingMessage is the body of POST /api/v1/conversations/{uuid}/messages (messageReq in
// cmd/messages.go): message is HTML; sender_type must be "agent" or "contact"; echo_id is kept
// in meta.echo_id of a reply (not of a private note).
type outgoingMessage struct {
	Message    string `json:"message"`
	Private    bool   `json:"private"`
	SenderType string `json:"sender_type"`
	EchoID     string `json:"echo_id,omitempty"`
}

// Post sends a public bot message: POST /api/v1/conversations/{uuid}/messages
// {message, private:false, sender_type:"agent", echo_id}. Libredesk's widget has no buttons, so
// a prompt becomes a line saying what to type, in the visitor's language (see render), and
// echo_id records the message's kind for Load. The create is never retried once it may have
// reached Libredesk.
//
// Before an answer or a prompt in a conversation the bot owns, it claims the conversation: if
// no user is assigned (a fresh read), it assigns the bot agent (PUT .../assignee/user), so
// agents see whose chat it is. A failed claim is logged; the visitor still gets the answer.
func (a *Adapter) Post(ctx context.Context, conv *handover.Conversation, out handover.Outgoing) error {
	id := conv.ID
	if !uuidRE.MatchString(id) {
		return fmt.Errorf("libredesk: post to conversation %q: not a uuid: %w", id, handover.ErrPermanent)
	}
	text, kind := render(conv, out, conv.State == handover.StateAgent)
	if conv.State == handover.StateBot && kind != kindNotice && kind != kindJoined {
		if err := a.claim(ctx, id); err != nil {
			a.log.WarnContext(ctx, "could not assign the conversation to the bot", "conversation", id, "error", a.redact.Redact(err.Error()))
		}
	}
	msg := outgoingMessage{Message: toHTML(text), SenderType: senderAgent, EchoID: newEchoID(kind)}
	if err := a.createMessage(ctx, id, msg); err != nil {
		return fmt.Errorf("libredesk: post to conversation %s: %w", id, err)
	}
	return nil
}

func (a *Adapter) createMessage(ctx context.Context, id string, msg outgoingMessage) error {
	return a.call(ctx, createRequest, http.MethodPost, "/api/v1/conversations/"+id+"/messages", msg, nil)
}

// claim assigns the bot agent to a conversation no user holds.
func (a *Adapter) claim(ctx context.Context, id string) error {
	c, err := a.fetch(ctx, id)
	if err != nil {
		return err
	}
	if c.AssignedUserID != 0 {
		return nil
	}
	return a.assignUser(ctx, id, a.cfg.BotAgentID)
}

// assignUser is PUT /api/v1/conversations/{uuid}/assignee/user {assignee_id}.
func (a *Adapter) assignUser(ctx context.Context, id string, userID int) error {
	body := map[string]int{"assignee_id": userID}
	if err := a.call(ctx, idempotentRequest, http.MethodPut, "/api/v1/conversations/"+id+"/assignee/user", body, nil); err != nil {
		return fmt.Errorf("assign agent %d: %w", userID, err)
	}
	return nil
}

// unassignUser is PUT /api/v1/conversations/{uuid}/assignee/user/remove.
func (a *Adapter) unassignUser(ctx context.Context, id string) error {
	if err := a.call(ctx, idempotentRequest, http.MethodPut, "/api/v1/conversations/"+id+"/assignee/user/remove", nil, nil); err != nil {
		return fmt.Errorf("unassign the bot: %w", err)
	}
	return nil
}

// assignTeam is PUT /api/v1/conversations/{uuid}/assignee/team {assignee_id}. When the team
// changes, Libredesk clears the user assignee (UpdateConversationTeamAssignee).
func (a *Adapter) assignTeam(ctx context.Context, id string, teamID int) error {
	body := map[string]int{"assignee_id": teamID}
	if err := a.call(ctx, idempotentRequest, http.MethodPut, "/api/v1/conversations/"+id+"/assignee/team", body, nil); err != nil {
		return fmt.Errorf("assign team %d: %w", teamID, err)
	}
	return nil
}

// note posts a private note as the bot: {private:true}. Notes reach the webhook too, and Parse
// ignores them.
func (a *Adapter) note(ctx context.Context, id, text string) error {
	if utf8.RuneCountInString(text) > maxNote {
		text = string([]rune(text)[:maxNote]) + "\n… (truncated)"
	}
	if err := a.createMessage(ctx, id, outgoingMessage{Message: toHTML(text), Private: true, SenderType: senderAgent}); err != nil {
		return fmt.Errorf("private note: %w", err)
	}
	return nil
}

// Available reports whether an agent of the conversation's human queue is online: an enabled
// agent other than the bot whose availability_status is "online" (GET /api/v1/agents/compact)
// and, when Config.Teams maps the inbox to a team, who is a member of that team (GET
// /api/v1/agents/{id}: teams; needs users:manage). "away", "away_manual",
// "away_and_reassigning" and "offline" do not count.
func (a *Adapter) Available(ctx context.Context, conv *handover.Conversation) (bool, error) {
	c, err := a.fetch(ctx, conv.ID)
	if err != nil {
		return false, fmt.Errorf("libredesk: availability for conversation %s: %w", conv.ID, err)
	}
	id, err := a.onlineAgent(ctx, a.cfg.Teams[int(c.InboxID)])
	if err != nil {
		return false, fmt.Errorf("libredesk: availability for conversation %s: %w", conv.ID, err)
	}
	return id > 0, nil
}

// onlineAgent returns an online agent (not the bot) of team, or of anyone when team is 0, in
// random order so that handovers spread; 0 when there is none.
func (a *Adapter) onlineAgent(ctx context.Context, team int) (int, error) {
	list, err := a.agents(ctx)
	if err != nil {
		return 0, err
	}
	var cands []int
	for _, ag := range list {
		id := int(ag.ID)
		if id <= 0 || id == a.cfg.BotAgentID || (ag.Enabled != nil && !bool(*ag.Enabled)) {
			continue
		}
		if t := string(ag.Type); t != "" && t != senderAgent {
			continue
		}
		if string(ag.AvailabilityStatus) == "online" {
			cands = append(cands, id)
		}
	}
	rand.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	if team == 0 {
		if len(cands) == 0 {
			return 0, nil
		}
		return cands[0], nil
	}
	for _, id := range cands {
		var ag person
		if err := a.call(ctx, idempotentRequest, http.MethodGet, "/api/v1/agents/"+strconv.Itoa(id), nil, &ag); err != nil {
			return 0, fmt.Errorf("read agent %d's teams: %w", id, err)
		}
		for _, t := range ag.Teams {
			if int(t.ID) == team {
				return id, nil
			}
		}
	}
	return 0, nil
}

// HandToHuman hands the conversation to its human queue, in this order:
//
//  1. PUT .../assignee/team when Config.Teams maps the inbox and the team differs: Libredesk
//     then clears the user assignee (UpdateConversationTeamAssignee), so the team comes first;
//  2. a fresh read and, if the bot is still the assignee, PUT .../assignee/user/remove: the
//     chat waits in the team's unassigned queue for Libredesk's own assignment;
//  3. a private note with the reason and the summary (skipped when the bot already left one):
//     the marker Load reads as StateQueued, written last so that a failure before it leaves a
//     conversation the next turn hands over again;
//  4. with Config.AssignAgent, PUT .../assignee/user for an online team agent (a failure is
//     logged: the chat is in the queue already).
//
// A human already assigned is left alone. It is safe to call again.
func (a *Adapter) HandToHuman(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	c, err := a.fetch(ctx, conv.ID)
	if err != nil {
		return fmt.Errorf("libredesk: hand over: %w", err)
	}
	id := string(c.UUID)
	team := a.cfg.Teams[int(c.InboxID)]
	c, err = a.toQueue(ctx, c, team)
	if err != nil {
		return fmt.Errorf("libredesk: hand over conversation %s: %w", id, err)
	}
	if !hasBotNote(conv, noteHandover) {
		if err := a.note(ctx, id, handover.HandoverNote(noteHandover, h)); err != nil {
			return fmt.Errorf("libredesk: hand over conversation %s: %w", id, err)
		}
	}
	if a.cfg.AssignAgent && c.AssignedUserID == 0 {
		agent, err := a.onlineAgent(ctx, team)
		if err == nil && agent > 0 {
			err = a.assignUser(ctx, id, agent)
		}
		if err != nil {
			a.log.WarnContext(ctx, "handed over to the queue; no agent assigned", "conversation", id, "error", a.redact.Redact(err.Error()))
		}
	}
	return nil
}

// toQueue moves a conversation to team (0: none) and takes the bot off it. It returns the
// conversation as it now is; a human assignee is left alone.
func (a *Adapter) toQueue(ctx context.Context, c *conversation, team int) (*conversation, error) {
	id := string(c.UUID)
	if team > 0 && int(c.AssignedTeamID) != team {
		if err := a.assignTeam(ctx, id, team); err != nil {
			return nil, err
		}
		fresh, err := a.fetch(ctx, id) // the team change may have cleared the assignee
		if err != nil {
			return nil, err
		}
		c = fresh
	}
	if int(c.AssignedUserID) == a.cfg.BotAgentID {
		if err := a.unassignUser(ctx, id); err != nil {
			return nil, err
		}
		c.AssignedUserID = 0
	}
	return c, nil
}

// hasBotNote reports whether the bot already left a private note starting with first.
func hasBotNote(conv *handover.Conversation, first string) bool {
	for _, m := range conv.Messages {
		if m.Role == handover.RoleBot && m.Private && isNote(m.Text, first) {
			return true
		}
	}
	return false
}

// LeaveOffline files the conversation as an offline message for the humans:
//
//  1. the mapped team, and the bot taken off: the chat waits in the team's unassigned queue;
//  2. a private note with the reason, the email to reply to, the summary and the transcript
//     (skipped when the bot already left one): the marker Load reads as StateOffline, written
//     after the move so that a failure before it leaves a conversation the next turn files
//     again;
//  3. the tag offline-message added to the conversation's tags (POST .../tags replaces the
//     whole list, so the current tags are sent along; a tag that does not exist is created
//     first when the key may). A tag that will not stick is logged, not returned.
//
// Libredesk keeps the conversation Open; the visitor is told where the answer will go.
func (a *Adapter) LeaveOffline(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	c, err := a.fetch(ctx, conv.ID)
	if err != nil {
		return fmt.Errorf("libredesk: leave offline message: %w", err)
	}
	id := string(c.UUID)
	if c, err = a.toQueue(ctx, c, a.cfg.Teams[int(c.InboxID)]); err != nil {
		return fmt.Errorf("libredesk: offline message for conversation %s: %w", id, err)
	}
	if !hasBotNote(conv, noteOffline) {
		if err := a.note(ctx, id, handover.OfflineNote(noteOffline, conv, h)); err != nil {
			return fmt.Errorf("libredesk: offline message for conversation %s: %w", id, err)
		}
	}
	if err := a.addTag(ctx, c, TagOffline); err != nil {
		a.log.WarnContext(ctx, "offline message filed without its tag", "conversation", id, "tag", TagOffline, "error", a.redact.Redact(err.Error()))
	}
	return nil
}

// addTag sets the conversation's tags to its current tags plus tag, and checks the result:
// unknown tag names are dropped silently (fact sheet, gotcha 8), so a missing tag is created
// (POST /api/v1/tags, tags:manage) and set again once.
func (a *Adapter) addTag(ctx context.Context, c *conversation, tag string) error {
	if slices.Contains([]string(c.Tags), tag) {
		return nil
	}
	id := string(c.UUID)
	set := func() (bool, error) {
		tags := append(slices.Clone([]string(c.Tags)), tag)
		if err := a.call(ctx, idempotentRequest, http.MethodPost, "/api/v1/conversations/"+id+"/tags", map[string]any{"tags": tags}, nil); err != nil {
			return false, fmt.Errorf("set tags: %w", err)
		}
		fresh, err := a.fetch(ctx, id)
		if err != nil {
			return false, err
		}
		return slices.Contains([]string(fresh.Tags), tag), nil
	}
	ok, err := set()
	if err != nil || ok {
		return err
	}
	if err := a.call(ctx, createRequest, http.MethodPost, "/api/v1/tags", map[string]string{"name": tag}, nil); err != nil {
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict {
			return fmt.Errorf("tag %q does not exist and could not be created: %w", tag, err)
		}
	}
	if ok, err = set(); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("tag %q was dropped by Libredesk", tag)
	}
	return nil
}

// MarkAgentJoined completes a takeover after the visitor was told that agentName joined (Post
// marked that message "handover:joined"): a private note for the agents, which Load also reads
// as the record should a Libredesk keep no echo_id; then, if the bot is still the assignee, the
// conversation is assigned to the agent who replied last (found in the latest messages), or
// unassigned when there is none.
func (a *Adapter) MarkAgentJoined(ctx context.Context, conv *handover.Conversation, agentName string) error {
	c, err := a.fetch(ctx, conv.ID)
	if err != nil {
		return fmt.Errorf("libredesk: mark agent joined: %w", err)
	}
	id := string(c.UUID)
	if !hasBotNote(conv, noteJoined) {
		if err := a.note(ctx, id, noteJoined+"\n"+joinedNoteTold+agentName+joinedNoteEnd); err != nil {
			return fmt.Errorf("libredesk: mark agent joined in conversation %s: %w", id, err)
		}
	}
	if int(c.AssignedUserID) != a.cfg.BotAgentID {
		return nil
	}
	var pg page[message]
	path := fmt.Sprintf("/api/v1/conversations/%s/messages?page=1&page_size=%d", id, pageSize)
	if err := a.call(ctx, idempotentRequest, http.MethodGet, path, nil, &pg); err != nil {
		return fmt.Errorf("libredesk: mark agent joined in conversation %s: list messages: %w", id, err)
	}
	agent := 0
	var newest time.Time
	for _, m := range pg.Results {
		if string(m.Type) == msgOutgoing && !bool(m.Private) && string(m.SenderType) == senderAgent &&
			int(m.SenderID) != a.cfg.BotAgentID && int(m.SenderID) > 0 && !m.CreatedAt.Time.Before(newest) {
			agent, newest = int(m.SenderID), m.CreatedAt.Time
		}
	}
	if agent > 0 {
		err = a.assignUser(ctx, id, agent)
	} else {
		err = a.unassignUser(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("libredesk: mark agent joined in conversation %s: %w", id, err)
	}
	return nil
}
