package chatwoot

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
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

// Webhook headers sent by Chatwoot with every agent-bot delivery
// (lib/webhooks/trigger.rb; signing since v4.13.0, PR #13892).
const (
	HeaderSignature = "X-Chatwoot-Signature"
	HeaderTimestamp = "X-Chatwoot-Timestamp"
	HeaderDelivery  = "X-Chatwoot-Delivery"
)

// SignatureTolerance is how far X-Chatwoot-Timestamp may be from now, either way.
const SignatureTolerance = 5 * time.Minute

// Webhook verification errors. The HTTP server answers all of them with 401.
var (
	// ErrMissingSignature: the delivery carries no X-Chatwoot-Signature and
	// no matching secret in its URL (the Chatwoot <= 4.12 fallback).
	ErrMissingSignature = errors.New("chatwoot webhook: missing signature")
	// ErrBadSignature: the signature (or its timestamp) is malformed or does
	// not match, or no secret is configured.
	ErrBadSignature = errors.New("chatwoot webhook: bad signature")
	// ErrStaleTimestamp: the signature matches but X-Chatwoot-Timestamp is
	// more than SignatureTolerance away from now (a replay).
	ErrStaleTimestamp = errors.New("chatwoot webhook: stale timestamp")
)

// Verify checks a signed agent-bot delivery:
//
//	X-Chatwoot-Timestamp: <unix seconds>
//	X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
//
// over the raw body bytes, with a constant-time compare and a timestamp within
// SignatureTolerance of now. An empty secret never verifies anything.
// Chatwoot signs agent-bot webhooks since v4.13.0 (PR #13892,
// lib/webhooks/trigger.rb, app/jobs/agent_bots/webhook_job.rb); webhook
// docs: https://www.chatwoot.com/docs/product/others/webhook-events
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	if secret == "" {
		return fmt.Errorf("%w: no webhook secret configured", ErrBadSignature)
	}
	sig := strings.TrimSpace(h.Get(HeaderSignature))
	if sig == "" {
		return ErrMissingSignature
	}
	ts := strings.TrimSpace(h.Get(HeaderTimestamp))
	if ts == "" {
		return fmt.Errorf("%w: missing %s", ErrBadSignature, HeaderTimestamp)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s is not unix seconds", ErrBadSignature, HeaderTimestamp)
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
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > SignatureTolerance || d < -SignatureTolerance {
		return fmt.Errorf("%w: timestamp is %s away from now", ErrStaleTimestamp, d.Round(time.Second))
	}
	return nil
}

// Sign returns the X-Chatwoot-Signature value Chatwoot would send for body at
// timestamp ts (unix seconds). Tests and the simulator use it.
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// authenticate implements Adapter.Authenticate for a configured secret.
func authenticate(secret string, h http.Header, pathSecret string, body []byte, now time.Time) error {
	if secret == "" {
		return fmt.Errorf("%w: no webhook secret configured", ErrBadSignature)
	}
	if h.Get(HeaderSignature) != "" || h.Get(HeaderTimestamp) != "" {
		// A signing Chatwoot (>= 4.13): the signature must hold, whatever the URL says.
		return Verify(secret, h, body, now)
	}
	if pathSecret != "" {
		if secretEqual(pathSecret, secret) {
			return nil
		}
		return fmt.Errorf("%w (and the secret in the webhook URL does not match)", ErrMissingSignature)
	}
	return ErrMissingSignature
}

// secretEqual compares two secrets in constant time, lengths included.
func secretEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// Webhook events sent to agent bots (app/listeners/agent_bot_listener.rb).
const (
	eventMessageCreated      = "message_created"
	eventMessageUpdated      = "message_updated"
	eventConversationUpdated = "conversation_updated"
)

// Interactive content types (enum content_type in app/models/message.rb).
const (
	contentText        = "text"
	contentInputSelect = "input_select"
	contentInputEmail  = "input_email"
)

// webhookPayload is the union of the payloads we act on: a message
// (Message#webhook_data plus "event") or a conversation
// (Conversation#webhook_data plus "event" and "changed_attributes").
type webhookPayload struct {
	Event string `json:"event"`
	message
	Conversation *conversation `json:"conversation"`
	// Conversation events: the payload is the conversation itself.
	conversationFields
	ChangedAttributes []map[string]changedValue `json:"changed_attributes"`
}

// conversationFields are the top-level keys of a conversation event that
// message events do not share (id and the rest come from message).
type conversationFields struct {
	Status flexString       `json:"status"`
	Meta   conversationMeta `json:"meta"`
}

// changedValue is one entry of changed_attributes
// (app/listeners/base_listener.rb: {attr: {previous_value, current_value}}).
type changedValue struct {
	Previous flexString `json:"previous_value"`
	Current  flexString `json:"current_value"`
}

// Parse translates one agent-bot webhook body into core events. It is pure:
// no I/O, no clock. Events the engine does not act on yield no event and a
// nil error; a body that is not JSON or lacks a field the event needs yields
// an error saying what is wrong.
//
//   - message_created, incoming, public, conversation pending with no human
//     assignee, or open without handover's agent_joined mark (a visitor who may
//     be waiting for a person): EventVisitorMessage.
//   - message_created, outgoing, public, by a user (or an external_echo):
//     EventAgentActivity. The bot's own messages, Captain's, templates and
//     private notes are ignored.
//   - message_updated with submitted_values on an input_select, or a
//     submitted_email on an input_email: EventChoice (a widget click updates
//     the bot's message; no incoming message is created, see
//     Api::V1::Widget::MessagesController#update).
//   - conversation_updated whose changed_attributes include assignee_id with
//     a User assignee: EventAgentActivity.
//
// Every event carries the payload's conversation as its Hint (status, inbox,
// team, assignee, labels, custom attributes, the newest message it knew of),
// so that LoadEvent reads only the messages.
//
// Payload shapes: Message#webhook_data (app/models/message.rb) and
// Conversations::EventDataPresenter (app/presenters/conversations/event_data_presenter.rb);
// docs: https://www.chatwoot.com/docs/product/others/webhook-events
func Parse(body []byte) ([]handover.Event, error) {
	// One decode for the events handover reads (the body is decoded once, not a head first and
	// then the whole: the ack's main cost); a body that does not fit is looked at again only
	// to tell an event handover ignores, whatever its shape, from a broken one.
	var p webhookPayload
	if err := apiclient.DecodeJSON("chatwoot webhook", body, &p); err != nil {
		var head struct {
			Event flexString `json:"event"`
		}
		if herr := apiclient.DecodeJSON("chatwoot webhook", body, &head); herr != nil {
			return nil, herr
		}
		if !readEvent(string(head.Event)) {
			return nil, nil
		}
		return nil, err
	}
	if !readEvent(p.Event) {
		return nil, nil
	}
	switch p.Event {
	case eventMessageCreated:
		return parseMessageCreated(&p)
	case eventMessageUpdated:
		return parseMessageUpdated(&p)
	default:
		return parseConversationUpdated(&p, body)
	}
}

// readEvent reports whether handover reads webhooks of this event.
func readEvent(event string) bool {
	switch event {
	case eventMessageCreated, eventMessageUpdated, eventConversationUpdated:
		return true
	}
	return false
}

func parseMessageCreated(p *webhookPayload) ([]handover.Event, error) {
	convID, err := p.messageConversationID()
	if err != nil {
		return nil, err
	}
	m := &p.message
	if m.Private {
		return nil, nil
	}
	ev := handover.Event{
		ConversationID: convID,
		MessageID:      string(m.ID),
		DedupKey:       eventMessageCreated + ":" + string(m.ID),
		Hint:           newHint(p.Conversation, idNum(m.ID)),
	}
	switch {
	case m.MessageType == msgIncoming:
		c := p.Conversation
		switch {
		case c == nil:
			return nil, nil
		case string(c.Status) == statusPending && string(c.Meta.AssigneeType) != "User":
			// The bot's.
		case string(c.Status) == statusOpen && c.attr(AttrState) != stateAgentJoined:
			// Maybe handed over and waiting for a person: the visitor may call the wait
			// off, or it may have lasted too long (one read tells).
		default:
			// Not the bot's: resolved, snoozed, a human holds it or took it over.
			// Chatwoot sends bot events in every status (issues #7340, #11429).
			return nil, nil
		}
		ev.Kind = handover.EventVisitorMessage
	case m.isHuman():
		ev.Kind = handover.EventAgentActivity
		ev.AgentName = "An agent"
		if m.Sender != nil && strings.TrimSpace(string(m.Sender.Name)) != "" {
			ev.AgentName = strings.TrimSpace(string(m.Sender.Name))
		}
	default:
		return nil, nil
	}
	return []handover.Event{ev}, nil
}

func parseMessageUpdated(p *webhookPayload) ([]handover.Event, error) {
	convID, err := p.messageConversationID()
	if err != nil {
		return nil, err
	}
	m := &p.message
	if m.Private {
		return nil, nil
	}
	ev := handover.Event{
		Kind:           handover.EventChoice,
		ConversationID: convID,
		MessageID:      string(m.ID),
		DedupKey:       "click:" + string(m.ID),
		Hint:           newHint(p.Conversation, 0),
	}
	attrs := m.ContentAttributes
	switch string(m.ContentType) {
	case contentInputSelect:
		if len(attrs.SubmittedValues) == 0 {
			return nil, nil
		}
		sv := attrs.SubmittedValues[0]
		ev.Choice = strings.TrimSpace(string(sv.Value))
		if ev.Choice == "" {
			ev.Choice = strings.TrimSpace(string(sv.Title))
		}
		if ev.Choice == "" {
			return nil, nil
		}
	case contentInputEmail:
		ev.Email = strings.TrimSpace(string(attrs.SubmittedEmail))
		if ev.Email == "" {
			return nil, nil
		}
	default:
		return nil, nil
	}
	return []handover.Event{ev}, nil
}

func parseConversationUpdated(p *webhookPayload, body []byte) ([]handover.Event, error) {
	if p.ID == "" {
		return nil, errors.New("chatwoot webhook: missing field id (the conversation's display_id)")
	}
	var newAssignee string
	changed := false
	for _, ch := range p.ChangedAttributes {
		if v, ok := ch["assignee_id"]; ok {
			changed = true
			newAssignee = string(v.Current)
		}
	}
	if !changed || string(p.conversationFields.Meta.AssigneeType) != "User" {
		return nil, nil
	}
	name := "An agent"
	if a := p.conversationFields.Meta.Assignee; a != nil {
		if n := strings.TrimSpace(string(a.Name)); n != "" {
			name = n
		}
		if newAssignee == "" {
			newAssignee = string(a.ID)
		}
	}
	ev := handover.Event{
		Kind:           handover.EventAgentActivity,
		ConversationID: string(p.ID),
		AgentName:      name,
		DedupKey:       eventConversationUpdated + ":" + string(p.ID) + ":assignee:" + newAssignee,
	}
	// The payload is the conversation itself (Conversation#webhook_data).
	// One that does not read as a conversation still names it: the load
	// then reads it all.
	var c conversation
	if err := json.Unmarshal(body, &c); err == nil && c.ID == p.ID {
		ev.Hint = newHint(&c, 0)
	}
	return []handover.Event{ev}, nil
}

// messageConversationID checks the fields every message event needs.
func (p *webhookPayload) messageConversationID() (string, error) {
	if p.ID == "" {
		return "", errors.New("chatwoot webhook: missing field id (the message id)")
	}
	if p.Conversation == nil || p.Conversation.ID == "" {
		return "", errors.New("chatwoot webhook: missing field conversation.id")
	}
	return string(p.Conversation.ID), nil
}
