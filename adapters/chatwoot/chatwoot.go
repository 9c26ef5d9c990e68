// Package chatwoot is the handover adapter for Chatwoot (https://www.chatwoot.com),
// working as a webhook Agent Bot.
//
// Inbound, it verifies and translates the agent bot's webhooks into core
// events (Verify, Parse); a message or conversation event carries the
// conversation as the webhook saw it (Event.Hint). Outbound, it implements
// handover.Helpdesk and handover.EventLoader on the Chatwoot REST API
// (https://developers.chatwoot.com/api-reference/introduction) with one
// retrying HTTP client.
//
// It keeps no state of its own. Who holds a conversation is derived from
// Chatwoot on every load: the status, the human assignee, the labels and the
// newest page of messages, where the bot's own private notes mark a handover
// or an offline message and its public replies count as answers. The only
// custom attribute it writes marks a takeover: handover_state "agent_joined"
// (with handover_agent) when it announces an agent, the mark that keeps the
// bot silent in that conversation for good, and "agent_assigned" when an
// agent takes a queued conversation from the agent pages. Older releases'
// values of handover_state are still read; their handover_bot_answers
// counter is not. A plain bot turn costs two calls: one read
// (GET .../messages) and one post.
//
// Sources: the chatwoot/chatwoot repository (v4.15.1 unless a comment says
// otherwise), cited next to each fact, and docs/helpdesks/chatwoot.md in this
// repository.
package chatwoot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/handover"
)

// Name is the adapter's name, as in HANDOVER_HELPDESK and /webhooks/chatwoot.
const Name = "chatwoot"

// Custom attributes and the label the adapter keeps on a conversation.
const (
	// AttrState is handover's mark on a conversation. The adapter writes
	// "agent_joined" (MarkAgentJoined) and "agent_assigned" (AssignAgent);
	// it still reads "queued" and "offline", written by older releases.
	AttrState = "handover_state"
	// AttrAgent is the name of the agent announced to the visitor.
	AttrAgent = "handover_agent"
	// LabelOffline marks a conversation turned into an offline message.
	// Create it in the account: recent Chatwoot silently drops labels that
	// do not exist there (LabelConcern#valid_labels). Load does not depend
	// on it: the bot's offline note says the same while it is among the
	// newest messages.
	LabelOffline = "offline-message"
)

// Values of AttrState.
const (
	stateQueued      = "queued"  // older releases; now the handover note says it
	stateOffline     = "offline" // older releases; now the label and the offline note say it
	stateAgentJoined = "agent_joined"
)

// The headings of the bot's private notes. They mark the conversation's
// phase in its messages: the adapter reads them back (see deriveState).
const (
	headingHandover = "Handed over to a human agent by the bot."
	headingOffline  = "Offline message: no agent was available, the visitor left a message."
)

// Conversation statuses (enum status in app/models/conversation.rb).
const (
	statusPending = "pending"
	statusOpen    = "open"
)

// maxNote caps the length of a private note (Chatwoot validates content
// length at 150,000 characters).
const maxNote = 100_000

// Adapter implements handover.Helpdesk for one Chatwoot account, and the
// inbound webhook side (Authenticate, Parse) for its agent bot.
type Adapter struct {
	cfg    Config
	http   *retryablehttp.Client
	log    *slog.Logger
	redact apiclient.Redactor
	// botList and waitList are how the reconciler's listings page (BotConversations,
	// QueuedConversations).
	botList, waitList *apiclient.Sweep
}

var (
	_ handover.Helpdesk    = (*Adapter)(nil)
	_ handover.EventLoader = (*Adapter)(nil)
)

// New validates cfg, applies defaults and builds the adapter's one retrying
// HTTP client.
func New(cfg Config) (*Adapter, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := apiclient.NewRedactor(cfg.BotToken, cfg.UserToken, cfg.WebhookSecret)
	logger := cfg.Logger.With("adapter", Name)
	return &Adapter{
		cfg:      cfg,
		http:     newHTTPClient(cfg, r, logger),
		log:      logger,
		redact:   r,
		botList:  &apiclient.Sweep{Newest: newestListPages, Older: olderListPages},
		waitList: &apiclient.Sweep{Newest: newestListPages, Older: olderListPages},
	}, nil
}

// Name returns "chatwoot".
func (a *Adapter) Name() string { return Name }

// Authenticate verifies a webhook delivery before it is parsed: the
// X-Chatwoot-Signature of a signing Chatwoot (>= 4.13, see Verify), or, when
// the delivery carries no signature headers at all (Chatwoot <= 4.12), the
// secret as the last segment of the webhook URL (pathSecret), compared in
// constant time. An empty configured secret authenticates nothing.
func (a *Adapter) Authenticate(h http.Header, pathSecret string, body []byte, now time.Time) error {
	return authenticate(a.cfg.WebhookSecret, h, pathSecret, body, now)
}

// DeliveryID returns the X-Chatwoot-Delivery header, a UUID per agent-bot
// delivery (app/jobs/agent_bots/webhook_job.rb), or "".
func (a *Adapter) DeliveryID(h http.Header) string {
	return strings.TrimSpace(h.Get(HeaderDelivery))
}

// Parse translates a verified webhook body into events; see the package
// function Parse.
func (a *Adapter) Parse(body []byte) ([]handover.Event, error) { return Parse(body) }

// deriveState decides who holds the conversation, in this order:
//
//  1. custom attribute handover_state "agent_joined" → StateAgent, announced
//     (MarkAgentJoined; it wins over every status: the bot stays silent in
//     that conversation for good);
//  2. "agent_assigned" with a human assignee → StateAgent (a takeover from
//     the agent pages, see AssignAgent);
//  3. status "pending" → StateAgent if a human is assigned or wrote publicly
//     among the messages read, else StateBot;
//  4. status "open" and the newest of the bot's notes is its handover note
//     (or, from older releases, handover_state "queued") → StateAgent if an
//     agent wrote publicly after it, else StateQueued;
//  5. status "open", no note of the bot, but its "<agent> joined the chat"
//     notice among the messages → StateAgent, announced (a takeover whose
//     mark was not written);
//  6. the label offline-message, handover_state "offline" (older releases)
//     or the bot's offline note as its newest note → StateOffline;
//  7. anything else → StateOther.
//
// A StateAgent is announced (JoinAnnounced) when the bot's join notice is
// among the messages read. The messages are the newest page (see Load): a
// handover whose note has scrolled out of it while nobody wrote publicly
// derives StateOther, so the engine leaves the conversation to the humans
// without the join notice.
func deriveState(c *conversation, msgs []handover.Message) (handover.State, string, bool) {
	hstate := c.attr(AttrState)
	if hstate == stateAgentJoined {
		return handover.StateAgent, c.attr(AttrAgent), true
	}
	as := c.humanAssignee()
	if as != nil && hstate == stateAgentAssigned {
		return handover.StateAgent, assigneeName(as), joinAnnounced(c, msgs)
	}
	kind, at := lastNote(msgs)
	switch string(c.Status) {
	case statusPending:
		if as != nil {
			return handover.StateAgent, assigneeName(as), joinAnnounced(c, msgs)
		}
		if i := lastAgentMessage(msgs, 0); i >= 0 {
			return handover.StateAgent, msgs[i].Author, joinAnnounced(c, msgs)
		}
		return handover.StateBot, "", false
	case statusOpen:
		if kind == headingHandover || (kind == "" && hstate == stateQueued) {
			from := at + 1
			if kind == "" {
				from = legacyHandoverPoint(msgs)
			}
			if i := lastAgentMessage(msgs, from); i >= 0 {
				return handover.StateAgent, msgs[i].Author, joinAnnounced(c, msgs)
			}
			return handover.StateQueued, "", false
		}
		if kind == "" && joinAnnounced(c, msgs) {
			name := c.attr(AttrAgent)
			if as != nil {
				name = assigneeName(as)
			}
			return handover.StateAgent, name, true
		}
	}
	if c.hasLabel(LabelOffline) || hstate == stateOffline || kind == headingOffline {
		return handover.StateOffline, "", false
	}
	return handover.StateOther, "", false
}

// lastNote returns the heading of the bot's newest handover or offline note
// among msgs and its index, or "" and -1.
func lastNote(msgs []handover.Message) (string, int) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if h := noteKind(msgs[i]); h != "" {
			return h, i
		}
	}
	return "", -1
}

// noteKind returns the heading m starts with when it is one of the bot's
// handover or offline notes, else "".
func noteKind(m handover.Message) string {
	if m.Role != handover.RoleBot || !m.Private {
		return ""
	}
	t := strings.TrimSpace(m.Text)
	for _, h := range []string{headingHandover, headingOffline} {
		if strings.HasPrefix(t, h) {
			return h
		}
	}
	return ""
}

// noteInProgress reports whether the bot's newest note has the heading and
// no public bot message followed it: the handover (or offline message) it
// began is still waiting for its visitor notice, so a retry must not write
// a second note.
func noteInProgress(msgs []handover.Message, heading string) bool {
	kind, at := lastNote(msgs)
	if kind != heading {
		return false
	}
	for _, m := range msgs[at+1:] {
		if m.Role == handover.RoleBot && !m.Private {
			return false
		}
	}
	return true
}

// legacyHandoverPoint is, for a conversation an older release marked
// "queued", the index just after the bot's last private note, or 0.
func legacyHandoverPoint(msgs []handover.Message) int {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == handover.RoleBot && msgs[i].Private {
			return i + 1
		}
	}
	return 0
}

// joinAnnounced reports whether the bot's "<agent> joined the chat" notice
// is among msgs: a public bot message that handover.IsNotice recognises and
// that begins with the name of an agent of the conversation (the assignee,
// an agent who wrote, the announced agent, or the engine's "An agent"). The
// built-in notices put the name first in every language.
func joinAnnounced(c *conversation, msgs []handover.Message) bool {
	names := []string{"An agent", c.attr(AttrAgent)}
	if as := c.humanAssignee(); as != nil {
		names = append(names, string(as.Name), string(as.AvailableName))
	}
	for _, m := range msgs {
		if m.Role == handover.RoleAgent {
			names = append(names, m.Author)
		}
	}
	for _, m := range msgs {
		if m.Role != handover.RoleBot || m.Private || !handover.IsNotice(m.Text) {
			continue
		}
		t := strings.TrimSpace(m.Text)
		for _, n := range names {
			if n = strings.TrimSpace(n); n != "" && strings.HasPrefix(t, n+" ") {
				return true
			}
		}
	}
	return false
}

// lastAgentMessage returns the index of the last public agent message at or
// after from, or -1.
func lastAgentMessage(msgs []handover.Message, from int) int {
	for i := len(msgs) - 1; i >= from && i >= 0; i-- {
		if msgs[i].Role == handover.RoleAgent && !msgs[i].Private {
			return i
		}
	}
	return -1
}

func assigneeName(as *assignee) string {
	if n := strings.TrimSpace(string(as.Name)); n != "" {
		return n
	}
	return strings.TrimSpace(string(as.AvailableName))
}

// countAnswers counts the bot's answers among msgs: its public messages
// (sender type agent_bot) that are an input_select offering the human
// button, or a text that handover.IsNotice does not recognise as one of the
// engine's notices (handover, no agent, email, continue, offline received,
// agent joined). Chatwoot keeps no mark of ours on a message, so the text is
// what tells an answer from a notice.
func countAnswers(msgs []message) int {
	n := 0
	for i := range msgs {
		if isAnswer(&msgs[i]) {
			n++
		}
	}
	return n
}

// isAnswer reports whether m is one of the bot's answers (see countAnswers).
func isAnswer(m *message) bool {
	if m.MessageType != msgOutgoing || bool(m.Private) || m.Sender == nil || string(m.Sender.Type) != senderAgentBot {
		return false
	}
	switch string(m.ContentType) {
	case contentInputSelect:
		for _, it := range m.ContentAttributes.Items {
			if string(it.Value) == handover.ChoiceRequestHuman {
				return true
			}
		}
		return false
	case contentText, "":
		return !handover.IsNotice(string(m.Content))
	}
	return false
}

// toMessage maps one Chatwoot message (REST: message_type is 0 incoming,
// 1 outgoing, 2 activity, 3 template; sender in push format).
func toMessage(m *message) handover.Message {
	out := handover.Message{
		ID:        string(m.ID),
		Text:      string(m.Content),
		Private:   bool(m.Private),
		CreatedAt: m.CreatedAt.Time,
	}
	senderType, senderName := "", ""
	if m.Sender != nil {
		senderType, senderName = string(m.Sender.Type), strings.TrimSpace(string(m.Sender.Name))
	}
	switch m.MessageType {
	case msgIncoming:
		out.Role, out.Author = handover.RoleVisitor, senderName
	case msgOutgoing:
		switch {
		case senderType == senderAgentBot || senderType == senderCaptain:
			out.Role, out.Author = handover.RoleBot, senderName
		case senderType == senderUser || bool(m.ContentAttributes.ExternalEcho):
			out.Role, out.Author = handover.RoleAgent, senderName
			if out.Author == "" {
				out.Author = "An agent"
			}
		default:
			// No sender: automation rules, campaigns, system replies.
			out.Role = handover.RoleSystem
		}
	default: // activity, template
		out.Role = handover.RoleSystem
	}
	attrs := m.ContentAttributes
	switch string(m.ContentType) {
	case contentInputSelect:
		for _, it := range attrs.Items {
			out.Buttons = append(out.Buttons, handover.Button{Title: string(it.Title), Value: string(it.Value)})
			switch string(it.Value) {
			case handover.ChoiceRequestHuman:
				out.Prompt = handover.PromptHuman
			case handover.ChoiceOffline:
				if out.Prompt == handover.PromptNone {
					out.Prompt = handover.PromptOffline
				}
			}
		}
		if len(attrs.SubmittedValues) > 0 {
			sv := attrs.SubmittedValues[0]
			out.Choice = string(sv.Value)
			if out.Choice == "" {
				out.Choice = string(sv.Title)
			}
		}
	case contentInputEmail:
		out.Prompt = handover.PromptEmail
	}
	out.SubmittedEmail = strings.TrimSpace(string(attrs.SubmittedEmail))
	return out
}

// department is the conversation's human queue: the team that
// Config.Teams maps its inbox to, else the inbox.
func (a *Adapter) department(c *conversation) string {
	if t, ok := a.mappedTeam(c); ok {
		return deptTeam + strconv.Itoa(t)
	}
	return deptInbox + string(c.InboxID)
}

// mappedTeam is the team Config.Teams maps the conversation's inbox to.
func (a *Adapter) mappedTeam(c *conversation) (int, bool) {
	t, ok := a.cfg.Teams[atoi(string(c.InboxID))]
	return t, ok
}

// A Department says which kind of queue it is, so that availability needs no
// second read of the conversation: "team:<id>" or "inbox:<id>".
const (
	deptTeam  = "team:"
	deptInbox = "inbox:"
)

// channelName turns "Channel::WebWidget" into "web", "Channel::Whatsapp"
// into "whatsapp" and so on.
func channelName(names ...string) string {
	for _, n := range names {
		n = strings.TrimPrefix(strings.TrimSpace(n), "Channel::")
		switch n {
		case "":
			continue
		case "WebWidget":
			return "web"
		default:
			return strings.ToLower(n)
		}
	}
	return ""
}

// atoi reads an integer that Chatwoot may return as a number, a float or a
// string; anything else is 0.
func atoi(s string) int {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return int(f)
	}
	return 0
}

// outgoingMessage is the body of POST .../messages
// (Messages::MessageBuilder; items may only carry title and value,
// app/models/concerns/content_attribute_validator.rb).
type outgoingMessage struct {
	Content           string         `json:"content"`
	MessageType       string         `json:"message_type"`
	Private           bool           `json:"private"`
	ContentType       string         `json:"content_type"`
	ContentAttributes map[string]any `json:"content_attributes,omitempty"`
}

// Post sends a public bot message with the bot token, so Chatwoot records the
// agent bot as its sender: POST /api/v1/accounts/{a}/conversations/{id}/messages
// {content, message_type:"outgoing", private:false, content_type}. Buttons
// become an input_select with content_attributes.items [{title, value}];
// PromptEmail an input_email. It is one call: an answer needs no counter,
// Load counts the bot's answers from its messages (see countAnswers). The
// create is never retried once it may have reached Chatwoot.
// API docs: https://developers.chatwoot.com/api-reference/introduction (Messages).
func (a *Adapter) Post(ctx context.Context, conv *handover.Conversation, out handover.Outgoing) error {
	id := conv.ID
	if !validID(id) {
		return fmt.Errorf("chatwoot: post to conversation %q: not a display id: %w", id, handover.ErrPermanent)
	}
	msg := outgoingMessage{Content: out.Text, MessageType: "outgoing", ContentType: contentText}
	switch {
	case out.Prompt == handover.PromptEmail:
		msg.ContentType = contentInputEmail
	case len(out.Buttons) > 0:
		items := make([]map[string]string, 0, len(out.Buttons))
		for _, b := range out.Buttons {
			v := b.Value
			if v == "" {
				v = b.Title
			}
			items = append(items, map[string]string{"title": b.Title, "value": v})
		}
		msg.ContentType = contentInputSelect
		msg.ContentAttributes = map[string]any{"items": items}
	}
	if err := a.createMessage(ctx, id, msg); err != nil {
		return fmt.Errorf("chatwoot: post to conversation %s: %w", id, err)
	}
	return nil
}

func (a *Adapter) createMessage(ctx context.Context, id string, msg outgoingMessage) error {
	return a.call(ctx, createRequest, botToken, http.MethodPost, "/conversations/"+id+"/messages", msg, nil)
}

// note posts a private note with the bot token. Notes reach webhooks too,
// and Parse ignores them.
func (a *Adapter) note(ctx context.Context, id, text string) error {
	if utf8.RuneCountInString(text) > maxNote {
		text = string([]rune(text)[:maxNote]) + "\n… (truncated)"
	}
	msg := outgoingMessage{Content: text, MessageType: "outgoing", Private: true, ContentType: contentText}
	if err := a.createMessage(ctx, id, msg); err != nil {
		return fmt.Errorf("private note: %w", err)
	}
	return nil
}

// setAttrs writes c's custom_attributes merged with set: POST
// .../custom_attributes {custom_attributes, merge:true}. Chatwoot up to 4.15
// replaces the whole hash with the one sent
// (ConversationCustomAttributesConcern), so the hash sent is c's, as the
// turn read it, with set on top; a Chatwoot with the opt-in merge flag
// (PR #15119) keeps, in addition, keys written since that read.
// API docs: https://developers.chatwoot.com/api-reference/introduction (Conversations).
func (a *Adapter) setAttrs(ctx context.Context, c *conversation, set map[string]any) error {
	merged := make(map[string]any, len(c.CustomAttributes)+len(set))
	stored := make(map[string]json.RawMessage, len(c.CustomAttributes)+len(set))
	for k, v := range c.CustomAttributes {
		merged[k], stored[k] = v, v
	}
	for k, v := range set {
		merged[k] = v
		if b, err := json.Marshal(v); err == nil {
			stored[k] = b
		}
	}
	body := map[string]any{"custom_attributes": merged, "merge": true}
	if err := a.call(ctx, idempotentRequest, botToken, http.MethodPost, "/conversations/"+string(c.ID)+"/custom_attributes", body, nil); err != nil {
		return fmt.Errorf("set custom attributes: %w", err)
	}
	c.CustomAttributes = stored
	return nil
}

// open calls POST .../toggle_status {status:"open"} with the BOT token: on a
// pending conversation Chatwoot then runs Conversation#bot_handoff! (waiting
// time, inbox member notifications, the bot-handoff report, auto-assignment)
// instead of a plain status change (ConversationsController#toggle_status,
// bot_handoff?). A user token would not fire bot_handoff.
// API docs: https://developers.chatwoot.com/api-reference/introduction (Conversations).
func (a *Adapter) open(ctx context.Context, id string) error {
	body := map[string]string{"status": statusOpen}
	if err := a.call(ctx, idempotentRequest, botToken, http.MethodPost, "/conversations/"+id+"/toggle_status", body, nil); err != nil {
		return fmt.Errorf("open conversation: %w", err)
	}
	return nil
}

// Available reports whether an agent of the conversation's human queue is
// online: the members of the team Config.Teams maps its inbox to
// (GET /teams/{team}/team_members, a JSON array,
// app/views/api/v1/accounts/team_members/index.json.jbuilder), else the
// inbox's members (GET /inbox_members/{inbox}, {payload:[...]},
// app/views/api/v1/accounts/inbox_members/show.json.jbuilder), read with the
// user token: one call. An agent counts when availability_status is
// "online", the rule Chatwoot's own auto-assignment uses
// (AutoAssignment::AgentAssignmentService; "busy" and "offline" do not count).
func (a *Adapter) Available(ctx context.Context, conv *handover.Conversation) (bool, error) {
	path, err := queueMembersPath(conv)
	if err != nil {
		return false, fmt.Errorf("chatwoot: availability for conversation %s: %w", conv.ID, err)
	}
	var raw json.RawMessage
	if err := a.call(ctx, idempotentRequest, userToken, http.MethodGet, path, nil, &raw); err != nil {
		return false, fmt.Errorf("chatwoot: availability for conversation %s: %w", conv.ID, err)
	}
	agents, err := decodeAgents(raw)
	if err != nil {
		return false, fmt.Errorf("chatwoot: availability for conversation %s: GET %s: %w", conv.ID, path, err)
	}
	for _, ag := range agents {
		if strings.EqualFold(string(ag.AvailabilityStatus), "online") {
			return true, nil
		}
	}
	return false, nil
}

// queueMembersPath is whose members to ask: the team's, or the inbox's.
func queueMembersPath(conv *handover.Conversation) (string, error) {
	if id, ok := strings.CutPrefix(conv.Department, deptTeam); ok && validID(id) {
		return "/teams/" + id + "/team_members", nil
	}
	if id, ok := strings.CutPrefix(conv.Department, deptInbox); ok && validID(id) {
		return "/inbox_members/" + id, nil
	}
	return "", fmt.Errorf("department %q is neither team:<id> nor inbox:<id>: %w", conv.Department, handover.ErrPermanent)
}

// decodeAgents accepts a bare array of agents or {payload:[...]}.
func decodeAgents(raw json.RawMessage) ([]agent, error) {
	var list []agent
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var wrapped struct {
		Payload []agent `json:"payload"`
	}
	if err := json.Unmarshal(raw, &wrapped); err != nil {
		return nil, fmt.Errorf("decode agents: %w", err)
	}
	return wrapped.Payload, nil
}

// HandToHuman hands the conversation to its human queue, acting on what the
// turn's load read (conv.Source; no re-read), in this order:
//
//  1. a private note (bot token) headed "Handed over to a human agent by the
//     bot." with the reason and the bot's summary; the note is the mark
//     Load derives StateQueued from;
//  2. POST .../assignments {team_id} when Config.Teams maps the inbox and the
//     conversation is not in that team yet, so auto-assignment picks from
//     that team (Conversations::AssignmentsController);
//  3. POST .../toggle_status {status:"open"} with the bot token, so Chatwoot
//     runs bot_handoff! (see open), unless it is open already.
//
// Two or three calls. The engine's handover (load, availability, this, the
// visitor's notice) is then five calls, or six with a team to assign:
// Chatwoot has no one call that sets the team and opens the conversation
// (assignments create sets an assignee or a team; toggle_status sets the
// status; conversations update permits the priority only). A team set on the
// conversation before (an automation rule on conversation creation, for
// one) saves the assignment.
//
// It is safe to call again: a note of an unfinished handover (no public bot
// message after it) among the messages read is not written twice. A retried
// turn re-reads the conversation, so its snapshot shows what the failed
// attempt did.
// API docs: https://developers.chatwoot.com/api-reference/introduction (Conversation Assignments).
func (a *Adapter) HandToHuman(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	s, err := a.source(ctx, conv)
	if err != nil {
		return fmt.Errorf("chatwoot: hand over: %w", err)
	}
	c, id := s.conv, string(s.conv.ID)
	if !noteInProgress(s.messages(), headingHandover) {
		if err := a.note(ctx, id, handover.HandoverNote(headingHandover, h)); err != nil {
			return fmt.Errorf("chatwoot: hand over conversation %s: %w", id, err)
		}
	}
	if t, ok := a.mappedTeam(c); ok && atoi(c.teamID()) != t {
		body := map[string]int{"team_id": t}
		if err := a.call(ctx, idempotentRequest, botToken, http.MethodPost, "/conversations/"+id+"/assignments", body, nil); err != nil {
			return fmt.Errorf("chatwoot: hand over conversation %s: assign team %d: %w", id, t, err)
		}
	}
	if string(c.Status) != statusOpen {
		if err := a.open(ctx, id); err != nil {
			return fmt.Errorf("chatwoot: hand over conversation %s: %w", id, err)
		}
		c.Status = statusOpen
	}
	return nil
}

// teamID is meta.team.id, or "".
func (c *conversation) teamID() string {
	if c.Meta.Team == nil {
		return ""
	}
	return string(c.Meta.Team.ID)
}

// LeaveOffline files the conversation as an offline message for the humans,
// acting on what the turn's load read (conv.Source):
//
//  1. a private note headed "Offline message: ..." with the reason, the
//     email to reply to, the summary and the transcript;
//  2. the label offline-message added to the conversation's labels (POST
//     .../labels with the union: it replaces the list, LabelConcern; the
//     labels are those the message read returned), unless it is there;
//  3. toggle_status open with the bot token, unless it is open. The
//     conversation stays unassigned.
//
// Up to three calls, so the offline message (load, this, the visitor's
// confirmation) is five. A note of an unfinished offline message among the
// messages read is not written twice.
// API docs: https://developers.chatwoot.com/api-reference/introduction (Conversations, labels).
func (a *Adapter) LeaveOffline(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	s, err := a.source(ctx, conv)
	if err != nil {
		return fmt.Errorf("chatwoot: leave offline message: %w", err)
	}
	c, id := s.conv, string(s.conv.ID)
	if !noteInProgress(s.messages(), headingOffline) {
		if err := a.note(ctx, id, handover.OfflineNote(headingOffline, conv, h)); err != nil {
			return fmt.Errorf("chatwoot: offline message for conversation %s: %w", id, err)
		}
	}
	if !c.hasLabel(LabelOffline) {
		labels := make([]string, 0, len(c.Labels)+1)
		for _, x := range c.Labels {
			if l := string(x); l != "" && !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
		}
		labels = append(labels, LabelOffline)
		if err := a.call(ctx, idempotentRequest, botToken, http.MethodPost, "/conversations/"+id+"/labels", map[string]any{"labels": labels}, nil); err != nil {
			return fmt.Errorf("chatwoot: offline message for conversation %s: add label %s: %w", id, LabelOffline, err)
		}
	}
	if string(c.Status) != statusOpen {
		if err := a.open(ctx, id); err != nil {
			return fmt.Errorf("chatwoot: offline message for conversation %s: %w", id, err)
		}
		c.Status = statusOpen
	}
	return nil
}

// MarkAgentJoined records that the visitor was told agentName joined, acting
// on what the turn's load read (conv.Source): custom_attributes
// handover_state "agent_joined" and handover_agent (see setAttrs), unless
// they are there; and it moves a conversation still pending to the humans
// with toggle_status open (bot token), which stops Chatwoot treating it as
// the bot's. So a takeover costs three or four calls (load, the join notice,
// these).
//
// The attribute is the one write the adapter keeps: the join notice among the
// newest messages says the same (Load reads it), but only until it scrolls
// out of them, and the bot must stay silent in that conversation for good,
// even after it is resolved and the visitor writes again. With the mark, a
// webhook that carries it (an agent's every reply) costs no call at all.
func (a *Adapter) MarkAgentJoined(ctx context.Context, conv *handover.Conversation, agentName string) error {
	s, err := a.source(ctx, conv)
	if err != nil {
		return fmt.Errorf("chatwoot: mark agent joined: %w", err)
	}
	c, id := s.conv, string(s.conv.ID)
	if c.attr(AttrState) != stateAgentJoined || c.attr(AttrAgent) != agentName {
		if err := a.setAttrs(ctx, c, map[string]any{AttrState: stateAgentJoined, AttrAgent: agentName}); err != nil {
			return fmt.Errorf("chatwoot: mark agent joined in conversation %s: %w", id, err)
		}
	}
	if string(c.Status) == statusPending {
		if err := a.open(ctx, id); err != nil {
			return fmt.Errorf("chatwoot: mark agent joined in conversation %s: %w", id, err)
		}
		c.Status = statusOpen
	}
	return nil
}
