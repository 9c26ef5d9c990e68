package libredesk

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/handover"
)

// HeaderSignature is the header Libredesk signs webhooks with, when the webhook has a secret
// (internal/webhook/webhook.go deliverSingleWebhook). There is no timestamp or delivery header.
const HeaderSignature = "X-Libredesk-Signature"

// Webhook verification errors. The HTTP server answers all of them with 401.
var (
	// ErrMissingSignature: the delivery carries no X-Libredesk-Signature (a webhook without a
	// secret, or not from Libredesk).
	ErrMissingSignature = errors.New("libredesk webhook: missing signature")
	// ErrBadSignature: the signature is malformed or does not match, or no secret is configured.
	ErrBadSignature = errors.New("libredesk webhook: bad signature")
	// ErrStaleTimestamp: the signature matches but the body's signed "timestamp" is too far
	// from now (a replayed delivery).
	ErrStaleTimestamp = errors.New("libredesk webhook: stale timestamp")
)

// Verify checks X-Libredesk-Signature: "sha256=" and the hex HMAC-SHA256 of the raw body with
// secret (Manager.generateSignature), compared in constant time. An empty secret verifies
// nothing. Libredesk signs no timestamp header, but the body's own "timestamp" is inside the
// HMAC; see CheckTimestamp.
func Verify(secret string, h http.Header, body []byte) error {
	if secret == "" {
		return fmt.Errorf("%w: no webhook secret configured", ErrBadSignature)
	}
	sig := strings.TrimSpace(h.Get(HeaderSignature))
	if sig == "" {
		return ErrMissingSignature
	}
	hexSig, ok := strings.CutPrefix(sig, "sha256=")
	if !ok {
		return fmt.Errorf("%w: signature is not of the form sha256=<hex>", ErrBadSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return fmt.Errorf("%w: signature is not hex", ErrBadSignature)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrBadSignature
	}
	return nil
}

// Sign returns the X-Libredesk-Signature value Libredesk sends for body. Tests use it.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// CheckTimestamp refuses a verified body whose "timestamp" (RFC 3339, set by
// marshalDeliveryPayload when the delivery is made) is more than tolerance away from now. A
// body without a readable timestamp passes: de-duplication is the replay defence then. A
// tolerance <= 0 disables the check.
func CheckTimestamp(body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		return nil
	}
	var head struct {
		Timestamp flexString `json:"timestamp"`
	}
	if json.Unmarshal(body, &head) != nil || head.Timestamp == "" {
		return nil
	}
	ts, err := time.Parse(time.RFC3339Nano, string(head.Timestamp))
	if err != nil {
		return nil
	}
	if d := now.Sub(ts); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp is %s away from now", ErrStaleTimestamp, d.Round(time.Second))
	}
	return nil
}

// Webhook events (internal/webhook/models/models.go).
const (
	EventConversationCreated       = "conversation.created"
	EventConversationStatusChanged = "conversation.status_changed"
	EventConversationTagsChanged   = "conversation.tags_changed"
	EventConversationAssigned      = "conversation.assigned"
	EventConversationUnassigned    = "conversation.unassigned"
	EventMessageCreated            = "message.created"
	EventMessageUpdated            = "message.updated"
	EventWebhookTest               = "webhook.test"
)

// Events are the seven events the webhook must subscribe to.
var Events = []string{
	EventConversationCreated, EventConversationStatusChanged, EventConversationTagsChanged,
	EventConversationAssigned, EventConversationUnassigned, EventMessageCreated, EventMessageUpdated,
}

// hint is what a webhook said about its conversation (handover.Event.Hint), for LoadEvent: the
// message the event is about (message.created), or the conversation object the payload
// carried (conversation.created, conversation.assigned), whose inbox tells a conversation of
// another inbox without a read. agent marks an agent's event (a reply, an assignment).
type hint struct {
	message string
	conv    *conversation
	agent   bool
}

// MergeHint implements handover.HintMerger: when the lanes fold the two webhooks of a chat's
// first message (message.created and conversation.created) into one turn, that turn keeps
// both the message and the conversation object. An agent's event is never merged: its
// activity may not be on the page yet, so a turn that stands for one reads the conversation
// (LoadEvent); nor are two messages or two objects.
func (h *hint) MergeHint(other any) any {
	o, ok := other.(*hint)
	if !ok || h == nil || o == nil || h.agent || o.agent {
		return nil
	}
	m := *h
	switch {
	case m.message == "":
		m.message = o.message
	case o.message != "" && o.message != m.message:
		return nil
	}
	switch {
	case m.conv == nil:
		m.conv = o.conv
	case o.conv != nil && o.conv != m.conv:
		return nil
	}
	return &m
}

// Parse translates one webhook body {"event", "timestamp", "payload"} into core events. It is
// pure: no I/O, no clock. Events the engine does not act on yield no event and a nil error; a
// body that is not JSON, or lacks a field the event needs, yields an error saying what is wrong.
//
//   - message.created, type incoming, public: EventVisitorMessage (de-duplicated by the
//     message uuid). Whether the bot owns the conversation is decided on a fresh read (LoadEvent).
//   - message.created, type outgoing, public, sender_type agent, by anyone but the bot:
//     EventAgentActivity (a takeover by reply). The bot's own replies and notes, every private
//     note and every activity message start nothing.
//   - conversation.assigned to someone other than the bot, by someone other than the bot:
//     EventAgentActivity (a takeover by assignment).
//   - conversation.created: EventChanged, a re-check. Libredesk delivers out of order and never
//     retries, so the conversation's first message may arrive first, later, or not at all.
//   - message.updated (the bot's own status updates), conversation.unassigned,
//     conversation.status_changed, conversation.tags_changed, webhook.test and unknown events:
//     nothing.
//
// Each event carries a hint for LoadEvent: the message's uuid, or the conversation object.
//
// Payload shapes: cmodels.Message, cmodels.Conversation and the maps in
// internal/conversation/conversation.go (TriggerEvent calls), abhinavxd/libredesk.
func Parse(body []byte, botAgentID int) ([]handover.Event, error) {
	var env struct {
		Event   flexString      `json:"event"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := apiclient.DecodeJSON("libredesk webhook", body, &env); err != nil {
		return nil, err
	}
	switch string(env.Event) {
	case EventMessageCreated:
		return parseMessageCreated(env.Payload, botAgentID)
	case EventConversationAssigned:
		return parseAssigned(env.Payload, botAgentID)
	case EventConversationCreated:
		return parseConversationCreated(env.Payload)
	default:
		return nil, nil
	}
}

func parseMessageCreated(raw json.RawMessage, botAgentID int) ([]handover.Event, error) {
	var m message
	if err := decodePayload(raw, &m); err != nil {
		return nil, err
	}
	conv := strings.TrimSpace(string(m.ConversationUUID))
	if conv == "" {
		return nil, errors.New("libredesk webhook: message.created: missing field payload.conversation_uuid")
	}
	id := strings.TrimSpace(string(m.UUID))
	if id == "" {
		return nil, errors.New("libredesk webhook: message.created: missing field payload.uuid")
	}
	if m.Private {
		return nil, nil
	}
	ev := handover.Event{ConversationID: conv, MessageID: id, DedupKey: EventMessageCreated + ":" + id, Hint: &hint{message: id}}
	switch string(m.Type) {
	case msgIncoming:
		ev.Kind = handover.EventVisitorMessage
	case msgOutgoing:
		if string(m.SenderType) != senderAgent || int(m.SenderID) == botAgentID {
			return nil, nil
		}
		ev.Kind = handover.EventAgentActivity
		ev.Hint.(*hint).agent = true
		ev.AgentName = m.Author.name()
		if ev.AgentName == "" {
			ev.AgentName = "An agent"
		}
	default: // activity
		return nil, nil
	}
	return []handover.Event{ev}, nil
}

func parseAssigned(raw json.RawMessage, botAgentID int) ([]handover.Event, error) {
	var p struct {
		ConversationUUID flexString    `json:"conversation_uuid"`
		AssignedTo       flexInt       `json:"assigned_to"`
		ActorID          flexInt       `json:"actor_id"`
		Conversation     *conversation `json:"conversation"`
	}
	if err := decodePayload(raw, &p); err != nil {
		return nil, err
	}
	conv := strings.TrimSpace(string(p.ConversationUUID))
	if conv == "" {
		return nil, errors.New("libredesk webhook: conversation.assigned: missing field payload.conversation_uuid")
	}
	to := int(p.AssignedTo)
	if to <= 0 || to == botAgentID || int(p.ActorID) == botAgentID {
		// The bot claiming a chat, or handing it to an agent itself: not a takeover.
		return nil, nil
	}
	return []handover.Event{{
		Kind:           handover.EventAgentActivity,
		ConversationID: conv,
		AgentName:      "An agent",
		DedupKey:       EventConversationAssigned + ":" + strconv.Itoa(to),
		Hint:           &hint{conv: p.Conversation, agent: true},
	}}, nil
}

func parseConversationCreated(raw json.RawMessage) ([]handover.Event, error) {
	var c conversation
	if err := decodePayload(raw, &c); err != nil {
		return nil, err
	}
	id := strings.TrimSpace(string(c.UUID))
	if id == "" {
		return nil, errors.New("libredesk webhook: conversation.created: missing field payload.uuid")
	}
	return []handover.Event{{Kind: handover.EventChanged, ConversationID: id, DedupKey: EventConversationCreated, Recheck: true, Hint: &hint{conv: &c}}}, nil
}

// decodePayload decodes the envelope's payload, which must be an object.
func decodePayload(raw json.RawMessage, v any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return errors.New("libredesk webhook: field payload must be an object")
	}
	if err := apiclient.DecodeJSON("libredesk webhook", raw, v); err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	return nil
}
