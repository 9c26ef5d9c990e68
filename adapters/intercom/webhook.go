package intercom

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/adapters/internal/flexjson"
	"github.com/handover-dev/handover/handover"
)

// HeaderSignature carries "sha1=<hex>": the HMAC-SHA1 of the raw body keyed with the app's
// client secret (https://developers.intercom.com/docs/webhooks/webhook-notifications, "Signed
// notifications").
const HeaderSignature = "X-Hub-Signature"

// Webhook authentication errors. The HTTP server answers them with 401.
var (
	// ErrMissingSignature: the delivery has no X-Hub-Signature.
	ErrMissingSignature = errors.New("intercom webhook: missing X-Hub-Signature")
	// ErrBadSignature: the signature does not match the body, or no client secret is set.
	ErrBadSignature = errors.New("intercom webhook: wrong X-Hub-Signature")
)

// Sign returns the X-Hub-Signature value of body for secret: "sha1=" and the hex HMAC-SHA1.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

// Authenticate checks a delivery's X-Hub-Signature against the HMAC-SHA1 of its raw body keyed
// with secret, in constant time. An empty secret authenticates nothing.
func Authenticate(secret string, h http.Header, body []byte) error {
	if secret == "" {
		return fmt.Errorf("%w: no client secret configured", ErrBadSignature)
	}
	got := strings.TrimSpace(h.Get(HeaderSignature))
	if got == "" {
		return ErrMissingSignature
	}
	if !hmac.Equal([]byte(strings.ToLower(got)), []byte(Sign(secret, body))) {
		return ErrBadSignature
	}
	return nil
}

// Authenticate verifies a webhook delivery before it is parsed (see the package function).
func (a *Adapter) Authenticate(h http.Header, _ string, body []byte, _ time.Time) error {
	return Authenticate(a.cfg.ClientSecret, h, body)
}

// DeliveryID returns "": Intercom sends no delivery header. The notification's id ("notif_…")
// is in the body: Parse puts it, or the part's id, in each event's DedupKey.
func (a *Adapter) DeliveryID(http.Header) string { return "" }

// Topics handover reads (https://developers.intercom.com/docs/references/2.15/webhooks/webhook-models).
const (
	topicPing             = "ping"
	topicUserCreated      = "conversation.user.created"
	topicUserReplied      = "conversation.user.replied"
	topicAdminReplied     = "conversation.admin.replied"
	topicAdminAssigned    = "conversation.admin.assigned"
	topicOperatorReplied  = "conversation.operator.replied"
	topicAdminClosed      = "conversation.admin.closed"
	topicAdminOpened      = "conversation.admin.opened"
	topicAdminSnoozed     = "conversation.admin.snoozed"
	topicAdminUnsnoozed   = "conversation.admin.unsnoozed"
	topicAdminOpenAssign  = "conversation.admin.open.assigned"
	topicAdminCloseAssign = "conversation.admin.close.assigned"
)

// notification is the webhook envelope: {type:"notification_event", id:"notif_…", topic,
// app_id, created_at, data:{type:"notification_event_data", item}}.
type notification struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	Topic     string `json:"topic"`
	AppID     string `json:"app_id"`
	CreatedAt int64  `json:"created_at"`
	Data      *struct {
		Item *conversation `json:"item"`
	} `json:"data"`
}

// hint is what a webhook said about its conversation (handover.Event.Hint), for LoadEvent.
type hint struct {
	conv conversation
	at   time.Time
}

// Parse translates a verified webhook body into events; see the package function Parse. It
// also logs the misconfiguration a conversation.operator.replied reveals.
func (a *Adapter) Parse(body []byte) ([]handover.Event, error) {
	evs, topic, err := parse(a.cfg.BotAdminID, body)
	if err == nil && topic == topicOperatorReplied && len(evs) > 0 {
		a.log.Warn("misconfiguration: Fin or a workflow bot replied in a conversation the bot may own; the bot goes silent there. Turn Fin and reply-sending workflows off for the bot's audience",
			"conversation", evs[0].ConversationID)
	}
	return evs, err
}

// Parse translates one Intercom webhook notification into core events, for the bot admin
// botAdminID. It is pure: no I/O, no clock. Topics that start nothing yield no event; a body
// that is not a notification, or a conversation topic without a conversation id, is an error.
//
//   - ping: nothing (the server answers 200);
//   - conversation.user.created, conversation.user.replied: EventVisitorMessage; a click on one
//     of handover's quick-reply options (metadata quick_reply_uuid, or quick_reply_option_uuid)
//     is EventChoice with the choice it names;
//   - conversation.admin.replied: by the bot admin, nothing (its own echo); by another teammate,
//     EventAgentActivity (a takeover);
//   - conversation.admin.assigned (and open/close.assigned): made by the bot admin, nothing
//     (its own handover); an assignment to the bot admin is EventChanged (a workflow giving the
//     bot a conversation whose first message was not answered yet); any other is
//     EventAgentActivity;
//   - conversation.operator.replied: Fin or a workflow replied: EventAgentActivity (the load
//     finds the bot's reply and keeps silent);
//   - conversation.admin.closed, opened, snoozed, unsnoozed: EventChanged;
//   - anything else (notes, tags, ratings, contacts, tickets): nothing.
//
// DedupKey is "part:<part id>" for the part the notification carries (the same part may come
// on two topics), else "notif:<notification id>". Hint is the conversation as the webhook shows
// it.
func Parse(botAdminID string, body []byte) ([]handover.Event, error) {
	evs, _, err := parse(botAdminID, body)
	return evs, err
}

func parse(botAdminID string, body []byte) ([]handover.Event, string, error) {
	var n notification
	if err := apiclient.DecodeJSON("intercom webhook", body, &n); err != nil {
		return nil, "", err
	}
	if n.Topic == "" {
		return nil, "", errors.New("intercom webhook: missing field topic (not an Intercom notification)")
	}
	var kind handover.EventKind
	switch n.Topic {
	case topicUserCreated, topicUserReplied:
		kind = handover.EventVisitorMessage
	case topicAdminReplied, topicOperatorReplied, topicAdminAssigned, topicAdminOpenAssign, topicAdminCloseAssign:
		kind = handover.EventAgentActivity
	case topicAdminClosed, topicAdminOpened, topicAdminSnoozed, topicAdminUnsnoozed:
		kind = handover.EventChanged
	default:
		return nil, n.Topic, nil
	}
	if n.Data == nil || n.Data.Item == nil || n.Data.Item.ID.String() == "" {
		return nil, n.Topic, fmt.Errorf("intercom webhook: %s: missing field data.item.id", n.Topic)
	}
	c := n.Data.Item
	ev := handover.Event{Kind: kind, ConversationID: c.ID.String(), Hint: &hint{conv: *c, at: notifiedAt(n.CreatedAt)}}
	if n.ID != "" {
		ev.DedupKey = "notif:" + n.ID
	}
	p := lastPart(c, n.Topic)
	if p != nil && p.ID.String() != "" {
		ev.MessageID = p.ID.String()
		ev.DedupKey = "part:" + p.ID.String()
	}
	switch n.Topic {
	case topicUserCreated, topicUserReplied:
		if p != nil && p.Metadata != nil {
			if v := choiceOf(p.Metadata.clicked()); v != "" {
				ev.Kind, ev.Choice = handover.EventChoice, v
			}
		}
	case topicAdminReplied:
		if p != nil && p.Author.Type == "admin" && p.Author.ID.String() == botAdminID {
			return nil, n.Topic, nil // the bot's own reply, echoed back
		}
		if p != nil {
			ev.AgentName = p.Author.name()
		}
	case topicAdminAssigned, topicAdminOpenAssign, topicAdminCloseAssign:
		if p != nil && p.Author.Type == "admin" && p.Author.ID.String() == botAdminID &&
			(p.AssignedTo == nil || p.AssignedTo.Type != "admin" || assignee(p.AssignedTo.ID.String()) == "") {
			return nil, n.Topic, nil // the bot's own handover (team, or nobody)
		}
		if assignee(c.AdminAssigneeID.String()) == botAdminID {
			ev.Kind, ev.Recheck = handover.EventChanged, true
		} else if p != nil {
			ev.AgentName = p.Author.name()
		}
	}
	return []handover.Event{ev}, n.Topic, nil
}

// lastPart returns the part a notification is about: the newest part the item carries, or for
// conversation.user.created the source (the first message, which is not a part).
func lastPart(c *conversation, topic string) *part {
	if ps := c.Parts.Parts; len(ps) > 0 {
		return &ps[len(ps)-1]
	}
	if topic == topicUserCreated && c.Source != nil {
		src := *c.Source
		src.ID = flexjson.String("source-" + src.ID.String())
		return &src
	}
	return nil
}

func notifiedAt(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0)
}
