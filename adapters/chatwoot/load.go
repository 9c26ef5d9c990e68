package chatwoot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/handover-dev/handover/handover"
)

// pageSize is how many messages GET .../messages returns: the newest 20
// without a cursor, the 20 before ?before=<id> (MessageFinder#messages_latest
// and #messages_before, app/finders/message_finder.rb).
const pageSize = 20

// maxPageBack bounds the older pages one load reads when the window holds no
// message of the bot (see extend).
const maxPageBack = 4

// hint is what a webhook said about its conversation (handover.Event.Hint):
// the conversation object of the payload (Conversations::EventDataPresenter)
// and the newest message it knew of.
type hint struct {
	conv conversation
	// seen is the id of the newest message the payload knew of: its
	// conversation.messages (the last public message) and, for
	// message_created, the message itself. 0 when unknown.
	seen int64
}

// newHint builds the hint of a payload's conversation; seen is the id of the
// event's own message when it is the newest one (message_created), else 0.
func newHint(c *conversation, seen int64) *hint {
	h := &hint{conv: *c, seen: seen}
	for _, m := range c.LastMessages {
		if n := idNum(m.ID); n > h.seen {
			h.seen = n
		}
	}
	// The hint may wait in a lane for a while: keep only what Load uses.
	h.conv.LastMessages = nil
	return h
}

// stale reports whether the window holds a message the payload did not know
// of (newer than seen) other than one of the bot's own answers, which change
// nothing: then the payload's status, team and attributes may be out of date.
func (h *hint) stale(window []message) bool {
	if h.seen <= 0 {
		return true
	}
	for i := range window {
		if idNum(window[i].ID) > h.seen && !isAnswer(&window[i]) {
			return true
		}
	}
	return false
}

// snapshot is the adapter's record of what a load read
// (handover.Conversation.Source): the conversation as it derived its state
// (the hint or GET conversation, with the message list's fresh meta on top)
// and the messages read, oldest first.
type snapshot struct {
	conv *conversation
	msgs []handover.Message
}

func (s *snapshot) messages() []handover.Message { return s.msgs }

// messagePage is GET .../messages
// (app/views/api/v1/accounts/conversations/messages/index.json.jbuilder):
// meta {labels, additional_attributes, contact, assignee (present only when
// a user is assigned), agent_last_seen_at} and payload, the messages in
// ascending order (app/views/api/v1/models/_message.json.jbuilder).
type messagePage struct {
	Meta    pageMeta  `json:"meta"`
	Payload []message `json:"payload"`
}

type pageMeta struct {
	Labels   *[]flexString `json:"labels"`
	Contact  *sender       `json:"contact"`
	Assignee *assignee     `json:"assignee"`
}

// applyMeta puts what the message list says on top of c: it was read just
// now, while a webhook's conversation may be late. The list's meta renders
// the labels, and, when it renders the contact (every release that renders
// the assignee does), the human assignee or its absence.
func (c *conversation) applyMeta(m *pageMeta) {
	if m.Labels != nil {
		c.Labels = *m.Labels
	}
	if m.Contact != nil {
		c.Meta.Sender = m.Contact
		c.Meta.Assignee, c.Meta.AssigneeType = m.Assignee, ""
		if m.Assignee != nil {
			c.Meta.AssigneeType = "User"
		}
	}
}

// LoadEvent reads what the event's webhook did not say about the
// conversation. It implements handover.EventLoader.
//
// With a hint (Parse sets one for message and conversation events), it reads
// one page: GET .../conversations/{id}/messages with the user token, the
// newest 20 messages. Status, inbox, team, channel and custom attributes come
// from the hint; the labels, the contact and the human assignee from the
// page's meta, read just now. When the page holds a message the webhook did
// not know of (other than the bot's answers), the hint may be out of date and
// GET .../conversations/{id} is read too. A hint whose custom attributes
// carry handover_state "agent_joined" costs no call at all: that mark is
// final (see deriveState), so the engine leaves the conversation alone.
//
// Without a hint it is Load. Either way, a click on a prompt older than the
// newest page reads the span from that prompt on (see extend).
func (a *Adapter) LoadEvent(ctx context.Context, ev handover.Event) (*handover.Conversation, error) {
	h, _ := ev.Hint.(*hint)
	if h != nil && string(h.conv.ID) != ev.ConversationID {
		h = nil
	}
	var want int64
	if ev.Kind == handover.EventChoice {
		want = idNum(flexString(ev.MessageID))
	}
	return a.load(ctx, ev.ConversationID, h, want)
}

// Load reads a conversation and derives its state (see deriveState) with two
// calls:
//
//   - GET /api/v1/accounts/{a}/conversations/{id} with the bot token (allowed
//     since v4.14.2, PR #14655): status, inbox, meta.sender, meta.assignee,
//     meta.team, labels, custom_attributes
//     (app/views/api/v1/conversations/partials/_conversation.json.jbuilder);
//   - GET .../conversations/{id}/messages with the user token (a bot token
//     may not list messages): the newest 20 messages
//     (app/finders/message_finder.rb).
//
// Messages hold that newest page (Window is set when older messages exist),
// so a load costs the same in a conversation of any length. It pages back
// only when the window needs it (see extend). BotAnswers counts the bot's
// answers among the messages read (see countAnswers): the engine offers the
// human button when that count reaches the requirement or the bot's latest
// answer offered it, so a count within the window is enough.
//
// An unknown conversation returns an error wrapping handover.ErrNotFound.
// API docs: https://developers.chatwoot.com/api-reference/introduction
// (Application APIs: Conversations, Messages).
func (a *Adapter) Load(ctx context.Context, id string) (*handover.Conversation, error) {
	return a.load(ctx, id, nil, 0)
}

// load reads conversation id, starting from h when the webhook said
// something about it; want is a message the window must reach, or 0.
func (a *Adapter) load(ctx context.Context, id string, h *hint, want int64) (*handover.Conversation, error) {
	if !validID(id) {
		return nil, fmt.Errorf("chatwoot: conversation id %q is not a display id: %w", id, handover.ErrNotFound)
	}
	var c *conversation
	if h != nil {
		cc := h.conv
		c = &cc
		if c.attr(AttrState) == stateAgentJoined {
			return a.build(c, nil, false), nil
		}
	} else {
		var err error
		if c, err = a.fetch(ctx, id); err != nil {
			return nil, err
		}
	}
	page, err := a.readMessages(ctx, id, "")
	if err != nil {
		return nil, loadError(id, err)
	}
	c.applyMeta(&page.Meta)
	if h != nil && h.stale(page.Payload) {
		fresh, err := a.fetch(ctx, id)
		if err != nil {
			return nil, err
		}
		fresh.applyMeta(&page.Meta)
		c = fresh
	}
	raw, complete, err := a.extend(ctx, id, c, page.Payload, want)
	if err != nil {
		return nil, loadError(id, err)
	}
	return a.build(c, raw, complete), nil
}

// loadError wraps a failed message read; a 404 is handover.ErrNotFound.
func loadError(id string, err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		return fmt.Errorf("chatwoot: conversation %s: %w: %w", id, handover.ErrNotFound, err)
	}
	return fmt.Errorf("chatwoot: load conversation %s: list messages: %w", id, err)
}

// extend reads older messages when the window needs them, and reports
// whether the messages reach the conversation's first one:
//
//   - the event is a click on a prompt older than the window (a visitor may
//     still press an older "Request chat with human agent" button): one GET
//     ?after=<prompt>&before=<oldest read> reads the span between
//     (MessageFinder#messages_between, up to 1000);
//   - the conversation is pending (the bot's) and the full window holds no
//     message of the bot: the bot's latest answer, and whether it offered the
//     human button, is older. ?before=<oldest read> pages back, 20 at a time,
//     until one shows up, at most maxPageBack pages.
//
// Nothing else reads back: the state rules need only the newest page.
func (a *Adapter) extend(ctx context.Context, id string, c *conversation, raw []message, want int64) ([]message, bool, error) {
	if len(raw) < pageSize {
		return raw, true, nil
	}
	oldest := idNum(raw[0].ID)
	if oldest <= 0 {
		return raw, false, nil
	}
	if want > 0 && want < oldest {
		page, err := a.readMessages(ctx, id, "?after="+strconv.FormatInt(want, 10)+"&before="+strconv.FormatInt(oldest, 10))
		if err != nil {
			return nil, false, err
		}
		raw = joinPages(page.Payload, raw)
		oldest = idNum(raw[0].ID)
	}
	if string(c.Status) != statusPending {
		return raw, false, nil
	}
	for range maxPageBack {
		if hasBotMessage(raw) {
			break
		}
		page, err := a.readMessages(ctx, id, "?before="+strconv.FormatInt(oldest, 10))
		if err != nil {
			return nil, false, err
		}
		raw = joinPages(page.Payload, raw)
		if len(page.Payload) < pageSize {
			return raw, true, nil
		}
		next := idNum(raw[0].ID)
		if next <= 0 || next >= oldest {
			break // no usable cursor, or the server ignored it
		}
		oldest = next
	}
	return raw, false, nil
}

// hasBotMessage reports whether raw holds a public message of the agent bot.
func hasBotMessage(raw []message) bool {
	for i := range raw {
		m := &raw[i]
		if m.MessageType == msgOutgoing && !bool(m.Private) && m.Sender != nil && string(m.Sender.Type) == senderAgentBot {
			return true
		}
	}
	return false
}

// joinPages puts an older page before a newer one, each message once.
func joinPages(older, newer []message) []message {
	out := make([]message, 0, len(older)+len(newer))
	seen := make(map[flexString]bool, len(older)+len(newer))
	for _, part := range [][]message{older, newer} {
		for _, m := range part {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			out = append(out, m)
		}
	}
	return out
}

// readMessages is one GET .../messages[query] with the user token.
func (a *Adapter) readMessages(ctx context.Context, id, query string) (*messagePage, error) {
	var page messagePage
	if err := a.call(ctx, idempotentRequest, userToken, http.MethodGet, "/conversations/"+id+"/messages"+query, nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
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

// idNum reads a message id; 0 when it is not a positive integer.
func idNum(id flexString) int64 {
	n, err := strconv.ParseInt(string(id), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// build maps what a load read onto the core snapshot.
func (a *Adapter) build(c *conversation, raw []message, complete bool) *handover.Conversation {
	conv := &handover.Conversation{
		ID:         string(c.ID),
		Department: a.department(c),
		Channel:    channelName(string(c.Meta.Channel), string(c.Channel)),
		BotAnswers: countAnswers(raw),
		Window:     !complete,
	}
	if s := c.Meta.Sender; s != nil {
		conv.Visitor = handover.Visitor{ID: string(s.ID), Name: string(s.Name), Email: string(s.Email)}
	}
	conv.Messages = make([]handover.Message, 0, len(raw))
	for i := range raw {
		conv.Messages = append(conv.Messages, toMessage(&raw[i]))
	}
	conv.State, conv.AgentName, conv.JoinAnnounced = deriveState(c, conv.Messages)
	conv.Source = &snapshot{conv: c, msgs: conv.Messages}
	return conv
}

// source is the snapshot the turn's load left in conv.Source, or, for a
// conversation that carries none of ours, a fresh Load's.
func (a *Adapter) source(ctx context.Context, conv *handover.Conversation) (*snapshot, error) {
	if s, ok := conv.Source.(*snapshot); ok && s != nil && s.conv != nil && string(s.conv.ID) == conv.ID {
		return s, nil
	}
	fresh, err := a.Load(ctx, conv.ID)
	if err != nil {
		return nil, err
	}
	return fresh.Source.(*snapshot), nil
}
