// Package chatwoot is the handover adapter for Chatwoot (https://www.chatwoot.com),
// working as a webhook Agent Bot.
//
// Inbound, it verifies and translates the agent bot's webhooks into core
// events (Verify, Parse). Outbound, it implements handover.Helpdesk on the
// Chatwoot REST API (https://developers.chatwoot.com/api-reference/introduction)
// with one retrying HTTP client. Everything it knows about a conversation is
// read back from Chatwoot on every Load: status, assignee, team, labels,
// custom attributes (handover_state, handover_agent, handover_bot_answers) and
// the message history. The facts it relies on are collected, with their
// sources in chatwoot/chatwoot, in shared/design/helpdesks/chatwoot.md.
package chatwoot

import (
	"context"
	"encoding/json"
	"errors"
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

// Custom attributes and the label the adapter keeps on a conversation. They
// are the adapter's only "memory", stored in Chatwoot itself.
const (
	// AttrState is handover's phase: "queued", "offline" or "agent_joined".
	AttrState = "handover_state"
	// AttrAgent is the name of the agent announced to the visitor.
	AttrAgent = "handover_agent"
	// AttrBotAnswers counts the bot's answers in the conversation.
	AttrBotAnswers = "handover_bot_answers"
	// LabelOffline marks a conversation turned into an offline message.
	// Create it in the account: recent Chatwoot silently drops labels that
	// do not exist there (LabelConcern#valid_labels). Load does not depend
	// on it: handover_state "offline" says the same.
	LabelOffline = "offline-message"
)

// Values of AttrState.
const (
	stateQueued      = "queued"
	stateOffline     = "offline"
	stateAgentJoined = "agent_joined"
)

// Conversation statuses (enum status in app/models/conversation.rb).
const (
	statusPending = "pending"
	statusOpen    = "open"
)

// maxHistory caps how many messages Load reads (the newest are kept).
const maxHistory = 1000

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
}

var _ handover.Helpdesk = (*Adapter)(nil)

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
		cfg:    cfg,
		http:   newHTTPClient(cfg, r, logger),
		log:    logger,
		redact: r,
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

// Load reads a conversation and derives its state. It makes two kinds of
// calls:
//
//   - GET /api/v1/accounts/{a}/conversations/{id} with the bot token (allowed
//     since v4.14.2, PR #14655): status, inbox, meta.sender, meta.assignee,
//     meta.team, labels, custom_attributes
//     (app/views/api/v1/conversations/partials/_conversation.json.jbuilder);
//   - GET .../conversations/{id}/messages with the user token (a bot token
//     may not list messages): the latest 20 messages in ascending order,
//     then ?before=<oldest id> for the 20 before, until an empty page
//     (app/finders/message_finder.rb), at most 1000 messages.
//
// State, in this order: custom attribute handover_state "agent_joined" →
// StateAgent (announced); "agent_assigned" with a human assignee →
// StateAgent (a takeover from the agent pages, see AssignAgent); status
// "pending" → StateAgent if a human is assigned or wrote publicly, else
// StateBot; status "open" with
// handover_state "queued" → StateAgent if an agent wrote publicly after the
// handover note, else StateQueued; label offline-message or handover_state
// "offline" → StateOffline; anything else → StateOther.
//
// An unknown conversation returns an error wrapping handover.ErrNotFound.
// API docs: https://developers.chatwoot.com/api-reference/introduction
// (Application APIs: Conversations, Messages).
func (a *Adapter) Load(ctx context.Context, id string) (*handover.Conversation, error) {
	c, err := a.fetch(ctx, id)
	if err != nil {
		return nil, err
	}
	raw, err := a.history(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("chatwoot: load conversation %s: %w", id, err)
	}
	return a.build(c, raw), nil
}

// fetch reads one conversation with the bot token.
func (a *Adapter) fetch(ctx context.Context, id string) (*conversation, error) {
	if !validID(id) {
		return nil, fmt.Errorf("chatwoot: conversation id %q is not a display id: %w", id, handover.ErrNotFound)
	}
	var c conversation
	if err := a.call(ctx, idempotentRequest, botToken, http.MethodGet, "/conversations/"+id, nil, &c); err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
			return nil, fmt.Errorf("chatwoot: conversation %s: %w: %w", id, handover.ErrNotFound, err)
		}
		return nil, fmt.Errorf("chatwoot: read conversation %s: %w", id, err)
	}
	if c.ID == "" {
		c.ID = flexString(id)
	}
	return &c, nil
}

// validID accepts a Chatwoot display id (a positive integer).
func validID(id string) bool {
	n, err := strconv.ParseInt(id, 10, 64)
	return err == nil && n > 0 && strconv.FormatInt(n, 10) == id
}

// history pages back through a conversation's messages, oldest first.
func (a *Adapter) history(ctx context.Context, id string) ([]message, error) {
	var pages [][]message
	total := 0
	before := int64(0)
	for total < maxHistory {
		path := "/conversations/" + id + "/messages"
		if before > 0 {
			path += "?before=" + strconv.FormatInt(before, 10)
		}
		var page struct {
			Payload []message `json:"payload"`
		}
		if err := a.call(ctx, idempotentRequest, userToken, http.MethodGet, path, nil, &page); err != nil {
			return nil, fmt.Errorf("list messages: %w", err)
		}
		if len(page.Payload) == 0 {
			break
		}
		oldest := int64(0)
		for _, m := range page.Payload {
			if n, err := strconv.ParseInt(string(m.ID), 10, 64); err == nil && (oldest == 0 || n < oldest) {
				oldest = n
			}
		}
		pages = append(pages, page.Payload)
		total += len(page.Payload)
		if oldest <= 0 || (before > 0 && oldest >= before) {
			break // no usable cursor, or the server ignored it
		}
		before = oldest
	}
	out := make([]message, 0, total)
	seen := make(map[string]bool, total)
	for i := len(pages) - 1; i >= 0; i-- {
		for _, m := range pages[i] {
			if seen[string(m.ID)] {
				continue
			}
			seen[string(m.ID)] = true
			out = append(out, m)
		}
	}
	if len(out) > maxHistory {
		out = out[len(out)-maxHistory:]
	}
	return out, nil
}

// build maps Chatwoot's conversation and messages onto the core snapshot.
func (a *Adapter) build(c *conversation, raw []message) *handover.Conversation {
	conv := &handover.Conversation{
		ID:         string(c.ID),
		Department: a.department(c),
		Channel:    channelName(string(c.Meta.Channel), string(c.Channel)),
		BotAnswers: atoi(c.attr(AttrBotAnswers)),
	}
	if s := c.Meta.Sender; s != nil {
		conv.Visitor = handover.Visitor{ID: string(s.ID), Name: string(s.Name), Email: string(s.Email)}
	}
	conv.Messages = make([]handover.Message, 0, len(raw))
	for i := range raw {
		conv.Messages = append(conv.Messages, toMessage(&raw[i]))
	}
	conv.State, conv.AgentName, conv.JoinAnnounced = deriveState(c, conv.Messages)
	return conv
}

// deriveState implements the state rules documented on Load.
func deriveState(c *conversation, msgs []handover.Message) (handover.State, string, bool) {
	hstate := c.attr(AttrState)
	if hstate == stateAgentJoined {
		return handover.StateAgent, c.attr(AttrAgent), true
	}
	if as := c.humanAssignee(); as != nil && hstate == stateAgentAssigned {
		return handover.StateAgent, assigneeName(as), false // a takeover from the agent pages (AssignAgent)
	}
	status := string(c.Status)
	switch {
	case status == statusPending:
		if as := c.humanAssignee(); as != nil {
			return handover.StateAgent, assigneeName(as), false
		}
		if i := lastAgentMessage(msgs, 0); i >= 0 {
			return handover.StateAgent, msgs[i].Author, false
		}
		return handover.StateBot, "", false
	case status == statusOpen && hstate == stateQueued:
		if i := lastAgentMessage(msgs, handoverPoint(msgs)); i >= 0 {
			return handover.StateAgent, msgs[i].Author, false
		}
		return handover.StateQueued, "", false
	case c.hasLabel(LabelOffline) || hstate == stateOffline:
		return handover.StateOffline, "", false
	}
	return handover.StateOther, "", false
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

// handoverPoint is the index just after the bot's last private note (the
// note HandToHuman leaves first), or 0 when there is none.
func handoverPoint(msgs []handover.Message) int {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == handover.RoleBot && msgs[i].Private {
			return i + 1
		}
	}
	return 0
}

func assigneeName(as *assignee) string {
	if n := strings.TrimSpace(string(as.Name)); n != "" {
		return n
	}
	return strings.TrimSpace(string(as.AvailableName))
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
	inbox := atoi(string(c.InboxID))
	if t, ok := a.cfg.Teams[inbox]; ok {
		return deptTeam + strconv.Itoa(t)
	}
	return deptInbox + string(c.InboxID)
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
// PromptEmail an input_email. The create is never retried once it may have
// reached Chatwoot. For an Answer, it then re-reads the conversation and
// writes back its whole custom_attributes hash with handover_bot_answers+1
// (POST custom_attributes replaces the hash). A failure of that count is
// logged, not returned: the visitor has the answer.
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
	if out.Answer {
		if err := a.countAnswer(ctx, id); err != nil {
			a.log.WarnContext(ctx, "bot answer posted but not counted", "conversation", id, "error", a.redact.Redact(err.Error()))
		}
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

// countAnswer increments handover_bot_answers on a fresh read.
func (a *Adapter) countAnswer(ctx context.Context, id string) error {
	c, err := a.fetch(ctx, id)
	if err != nil {
		return err
	}
	return a.setAttrs(ctx, c, map[string]any{AttrBotAnswers: atoi(c.attr(AttrBotAnswers)) + 1})
}

// setAttrs writes c's custom_attributes merged with set. POST
// .../custom_attributes {custom_attributes} replaces the whole hash unless
// Chatwoot supports merge=true (ConversationCustomAttributesConcern), so the
// merge is done here from c, read just before.
// API docs: https://developers.chatwoot.com/api-reference/introduction (Conversations).
func (a *Adapter) setAttrs(ctx context.Context, c *conversation, set map[string]any) error {
	merged := make(map[string]any, len(c.CustomAttributes)+len(set))
	for k, v := range c.CustomAttributes {
		merged[k] = v
	}
	for k, v := range set {
		merged[k] = v
		if b, err := json.Marshal(v); err == nil {
			if c.CustomAttributes == nil {
				c.CustomAttributes = map[string]json.RawMessage{}
			}
			c.CustomAttributes[k] = b
		}
	}
	body := map[string]any{"custom_attributes": merged}
	if err := a.call(ctx, idempotentRequest, botToken, http.MethodPost, "/conversations/"+string(c.ID)+"/custom_attributes", body, nil); err != nil {
		return fmt.Errorf("set custom attributes: %w", err)
	}
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
// user token. An agent counts when availability_status is "online", the rule
// Chatwoot's own auto-assignment uses (AutoAssignment::AgentAssignmentService;
// "busy" and "offline" do not count).
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

// HandToHuman hands the conversation to its human queue, in this order:
//
//  1. a private note (bot token) with the reason and the bot's summary;
//  2. custom_attributes handover_state "queued" (merged into the hash);
//  3. POST .../assignments {team_id} when Config.Teams maps the inbox, so
//     auto-assignment picks from that team (Conversations::AssignmentsController);
//  4. POST .../toggle_status {status:"open"} with the bot token, so Chatwoot
//     runs bot_handoff! (see open).
//
// It is safe to call again: an open conversation already marked queued gets
// no second note.
// API docs: https://developers.chatwoot.com/api-reference/introduction (Conversation Assignments).
func (a *Adapter) HandToHuman(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	c, err := a.fetch(ctx, conv.ID)
	if err != nil {
		return fmt.Errorf("chatwoot: hand over: %w", err)
	}
	id := string(c.ID)
	if c.attr(AttrState) != stateQueued || string(c.Status) != statusOpen {
		if err := a.note(ctx, id, handover.HandoverNote("Handed over to a human agent by the bot.", h)); err != nil {
			return fmt.Errorf("chatwoot: hand over conversation %s: %w", id, err)
		}
		if err := a.setAttrs(ctx, c, map[string]any{AttrState: stateQueued}); err != nil {
			return fmt.Errorf("chatwoot: hand over conversation %s: %w", id, err)
		}
	}
	if t, ok := a.cfg.Teams[atoi(string(c.InboxID))]; ok && atoi(c.teamID()) != t {
		body := map[string]int{"team_id": t}
		if err := a.call(ctx, idempotentRequest, botToken, http.MethodPost, "/conversations/"+id+"/assignments", body, nil); err != nil {
			return fmt.Errorf("chatwoot: hand over conversation %s: assign team %d: %w", id, t, err)
		}
	}
	if string(c.Status) != statusOpen {
		if err := a.open(ctx, id); err != nil {
			return fmt.Errorf("chatwoot: hand over conversation %s: %w", id, err)
		}
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

// LeaveOffline files the conversation as an offline message for the humans:
//
//  1. a private note with the reason, the email to reply to, the summary and
//     the transcript;
//  2. the label offline-message added to the conversation's labels (GET, then
//     POST the union: POST .../labels replaces the list, LabelConcern);
//  3. custom_attributes handover_state "offline";
//  4. toggle_status open with the bot token. The conversation stays
//     unassigned.
//
// An open conversation already marked offline gets no second note.
// API docs: https://developers.chatwoot.com/api-reference/introduction (Conversations, labels).
func (a *Adapter) LeaveOffline(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	c, err := a.fetch(ctx, conv.ID)
	if err != nil {
		return fmt.Errorf("chatwoot: leave offline message: %w", err)
	}
	id := string(c.ID)
	already := c.attr(AttrState) == stateOffline && string(c.Status) == statusOpen
	if !already {
		if err := a.note(ctx, id, handover.OfflineNote("Offline message: no agent was available, the visitor left a message.", conv, h)); err != nil {
			return fmt.Errorf("chatwoot: offline message for conversation %s: %w", id, err)
		}
	}
	if err := a.addLabel(ctx, id, LabelOffline); err != nil {
		return fmt.Errorf("chatwoot: offline message for conversation %s: %w", id, err)
	}
	if !already {
		if err := a.setAttrs(ctx, c, map[string]any{AttrState: stateOffline}); err != nil {
			return fmt.Errorf("chatwoot: offline message for conversation %s: %w", id, err)
		}
	}
	if string(c.Status) != statusOpen {
		if err := a.open(ctx, id); err != nil {
			return fmt.Errorf("chatwoot: offline message for conversation %s: %w", id, err)
		}
	}
	return nil
}

// addLabel reads the labels ({payload:[titles]}) and writes their union with l.
func (a *Adapter) addLabel(ctx context.Context, id, l string) error {
	var cur struct {
		Payload []flexString `json:"payload"`
	}
	path := "/conversations/" + id + "/labels"
	if err := a.call(ctx, idempotentRequest, botToken, http.MethodGet, path, nil, &cur); err != nil {
		return fmt.Errorf("read labels: %w", err)
	}
	labels := make([]string, 0, len(cur.Payload)+1)
	for _, x := range cur.Payload {
		if s := string(x); s != "" && !slices.Contains(labels, s) {
			labels = append(labels, s)
		}
	}
	if slices.Contains(labels, l) {
		return nil
	}
	labels = append(labels, l)
	if err := a.call(ctx, idempotentRequest, botToken, http.MethodPost, path, map[string]any{"labels": labels}, nil); err != nil {
		return fmt.Errorf("add label %s: %w", l, err)
	}
	return nil
}

// MarkAgentJoined records that the visitor was told agentName joined:
// custom_attributes handover_state "agent_joined" and handover_agent; and
// moves a conversation still pending to the humans with toggle_status open
// (bot token), which stops Chatwoot treating it as the bot's.
func (a *Adapter) MarkAgentJoined(ctx context.Context, conv *handover.Conversation, agentName string) error {
	c, err := a.fetch(ctx, conv.ID)
	if err != nil {
		return fmt.Errorf("chatwoot: mark agent joined: %w", err)
	}
	id := string(c.ID)
	if c.attr(AttrState) != stateAgentJoined || c.attr(AttrAgent) != agentName {
		if err := a.setAttrs(ctx, c, map[string]any{AttrState: stateAgentJoined, AttrAgent: agentName}); err != nil {
			return fmt.Errorf("chatwoot: mark agent joined in conversation %s: %w", id, err)
		}
	}
	if string(c.Status) == statusPending {
		if err := a.open(ctx, id); err != nil {
			return fmt.Errorf("chatwoot: mark agent joined in conversation %s: %w", id, err)
		}
	}
	return nil
}
