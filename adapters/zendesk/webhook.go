package zendesk

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/handover"
)

// HeaderAPIKey carries the webhook's shared secret on every Sunshine Conversations delivery.
// It is not an HMAC of the body (Sunshine Conversations API reference, Webhooks).
const HeaderAPIKey = "X-API-Key"

// Webhook authentication errors. The HTTP server answers them with 401.
var (
	// ErrMissingKey: the delivery has no X-API-Key header.
	ErrMissingKey = errors.New("zendesk webhook: missing X-API-Key")
	// ErrBadKey: X-API-Key does not match the configured secret, or no secret is configured.
	ErrBadKey = errors.New("zendesk webhook: wrong X-API-Key")
)

// Authenticate checks a Sunshine Conversations delivery: its X-API-Key header must equal secret,
// compared in constant time (lengths included). An empty secret authenticates nothing.
// Docs: https://developer.zendesk.com/api-reference/conversations/#tag/Webhooks
func Authenticate(secret string, h http.Header) error {
	if secret == "" {
		return fmt.Errorf("%w: no webhook secret configured", ErrBadKey)
	}
	got := h.Get(HeaderAPIKey)
	if got == "" {
		return ErrMissingKey
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return ErrBadKey
	}
	return nil
}

// Sunshine webhook event types handover reads (components/schemas/webhooks/).
const (
	eventMessage        = "conversation:message"
	eventPostback       = "conversation:postback"
	eventPassControl    = "switchboard:passControl"
	eventAcceptControl  = "switchboard:acceptControl"
	eventOfferControl   = "switchboard:offerControl"
	eventReleaseControl = "switchboard:releaseControl"
)

// webhookBody is the v2 webhook payload (webhookEvent.yaml): an app, the webhook, and an array
// of events that may concern different conversations.
type webhookBody struct {
	App struct {
		ID string `json:"id"`
	} `json:"app"`
	Events *[]webhookEvent `json:"events"`
}

type webhookEvent struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	CreatedAt string `json:"createdAt"`
	Payload   struct {
		Conversation *conversation `json:"conversation"`
		Message      *message      `json:"message"`
		Postback     *struct {
			Payload  string   `json:"payload"`
			Metadata metadata `json:"metadata"`
		} `json:"postback"`
		User     *user    `json:"user"` // conversation:postback: the user who clicked
		Metadata metadata `json:"metadata"`
	} `json:"payload"`
}

// hint is what one webhook event said about its conversation (handover.Event.Hint), for
// LoadEvent: the switchboard state when the event happened (conversationTruncated.yaml, without
// the conversation's metadata), the visitor's full profile when the webhook includes it
// (includeFullUser), and when the event happened.
type hint struct {
	conv conversation
	user *user
	at   time.Time
	// takeover: a passControl from the agent pages' "Stop chatbot and join" (AssignAgent),
	// whose state lives in the conversation's metadata, which webhooks do not carry.
	takeover bool
}

// newHint builds the hint of one event.
func newHint(ev *webhookEvent) *hint {
	p := &ev.Payload
	h := &hint{conv: conversation{ID: p.Conversation.ID, Type: p.Conversation.Type, Active: p.Conversation.Active, Pending: p.Conversation.Pending}}
	if t, err := time.Parse(time.RFC3339Nano, ev.CreatedAt); err == nil {
		h.at = t
	}
	switch {
	case p.Message != nil && p.Message.Author.Type == "user" && p.Message.Author.User != nil:
		h.user = p.Message.Author.User
	case p.User != nil:
		h.user = p.User
	}
	if h.user != nil && (h.user.Profile == nil || h.user.ID == "") {
		h.user = nil // not the full user: LoadEvent reads it when it needs it
	}
	h.takeover = p.Metadata.str("handover_reason") == reasonAgentTakeover
	return h
}

// Parse translates one Sunshine Conversations webhook body into core events, for the custom
// integration integrationID. It is pure: no I/O, no clock. Events that start nothing yield no
// event; a body that is not JSON, has no events array, or has a handled event without the ids it
// needs yields an error saying what is wrong.
//
//   - conversation:message from the user (author.type "user") while handover's integration is
//     the conversation's activeSwitchboardIntegration (or none is named): EventVisitorMessage.
//     On standby (another integration active, delivered because of deliverStandbyEvents) it is
//     read and ignored: the bot never answers there.
//   - conversation:message from the business: handover's own messages (metadata handover_kind)
//     are ignored; any other (an agent in Agent Workspace, another integration) is
//     EventAgentActivity, so a takeover is noticed.
//   - conversation:postback while handover is active: EventChoice with the postback's payload;
//     its MessageID is the handover_ref the button's metadata carries.
//   - switchboard:passControl and switchboard:acceptControl: control moved. To handover:
//     EventChanged (a return to the bot; pending visitor messages are answered). Away from it:
//     EventAgentActivity (a takeover or a handover completing).
//   - switchboard:releaseControl and switchboard:offerControl: EventChanged. After a release
//     nobody has control; the next user message goes to the switchboard's default integration.
//   - anything else (the :failure events, typing, read receipts, …): nothing.
//
// DedupKey is "message:<message id>" for messages and "<type>:<event id>" for other events:
// Sunshine repeats both on every retry. Hint is the event's view of the conversation (see hint),
// which LoadEvent uses in place of a conversation read.
func Parse(integrationID string, body []byte) ([]handover.Event, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("zendesk webhook: empty body")
	}
	var wb webhookBody
	if err := apiclient.DecodeJSON("zendesk webhook", body, &wb); err != nil {
		return nil, err
	}
	if wb.Events == nil {
		return nil, errors.New("zendesk webhook: missing field events (not a Sunshine Conversations v2 webhook)")
	}
	var out []handover.Event
	for i, ev := range *wb.Events {
		evs, err := parseEvent(integrationID, &ev)
		if err != nil {
			return nil, fmt.Errorf("zendesk webhook: events[%d] (%s): %w", i, ev.Type, err)
		}
		out = append(out, evs...)
	}
	return out, nil
}

func parseEvent(integrationID string, ev *webhookEvent) ([]handover.Event, error) {
	switch ev.Type {
	case eventMessage, eventPostback, eventPassControl, eventAcceptControl, eventOfferControl, eventReleaseControl:
	default:
		return nil, nil
	}
	p := &ev.Payload
	if p.Conversation == nil || strings.TrimSpace(p.Conversation.ID) == "" {
		return nil, errors.New("missing field payload.conversation.id")
	}
	conv := p.Conversation
	ours := conv.Active != nil && conv.Active.IntegrationID == integrationID
	standby := conv.Active != nil && !ours
	base := handover.Event{ConversationID: conv.ID, Hint: newHint(ev)}
	if ev.ID != "" {
		base.DedupKey = ev.Type + ":" + ev.ID
	}
	switch ev.Type {
	case eventMessage:
		m := p.Message
		if m == nil || strings.TrimSpace(m.ID) == "" {
			return nil, errors.New("missing field payload.message.id")
		}
		base.MessageID = m.ID
		base.DedupKey = "message:" + m.ID
		switch m.Author.Type {
		case "user":
			if standby {
				return nil, nil
			}
			base.Kind = handover.EventVisitorMessage
		case "business":
			if m.Metadata.str(metaKind) != "" {
				return nil, nil // our own message, echoed back
			}
			base.Kind = handover.EventAgentActivity
			base.AgentName = strings.TrimSpace(m.Author.DisplayName)
		default:
			return nil, nil
		}
	case eventPostback:
		if p.Postback == nil || strings.TrimSpace(p.Postback.Payload) == "" || standby {
			return nil, nil
		}
		base.Kind = handover.EventChoice
		base.Choice = strings.TrimSpace(p.Postback.Payload)
		base.MessageID = p.Postback.Metadata.str(metaRef)
	case eventPassControl, eventAcceptControl:
		if ours {
			base.Kind = handover.EventChanged
		} else {
			base.Kind = handover.EventAgentActivity
			base.AgentName = p.Metadata.str(metaAgent)
		}
	default:
		base.Kind = handover.EventChanged
	}
	return []handover.Event{base}, nil
}
