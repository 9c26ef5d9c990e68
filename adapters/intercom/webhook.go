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
// also logs the misconfiguration a conversation.operator.replied reveals: Fin answering in a
// conversation assigned to the bot.
func (a *Adapter) Parse(body []byte) ([]handover.Event, error) {
	evs, n, err := parse(a.cfg.BotAdminID, body)
	if err == nil && n.Topic == topicOperatorReplied && len(evs) > 0 {
		c := n.Data.Item
		if p := pickPart(c, n.Topic); p != nil && (bool(p.Author.FromAIAgent) || bool(p.Author.IsAIAnswer)) &&
			assignee(c.AdminAssigneeID.String()) == a.cfg.BotAdminID {
			a.log.Warn("misconfiguration: Fin answered in a conversation assigned to the bot; the bot goes silent there. Turn Fin off for the bot's audience",
				"conversation", evs[0].ConversationID)
		}
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
//   - conversation.admin.assigned (and open/close.assigned): made by the bot admin to itself, to
//     a team or to nobody, nothing (its own claim or handover); an assignment to the bot admin
//     by anyone else is EventChanged with Recheck (a workflow giving the bot a conversation
//     whose first message was not answered yet); any other (a teammate taking it, a person
//     routing it to a team or to nobody) is EventAgentActivity, which makes a turn running for
//     it re-read before it posts;
//   - conversation.operator.replied: Fin or a workflow replied: EventAgentActivity (the load
//     decides whether the bot goes silent);
//   - conversation.admin.closed, opened, snoozed, unsnoozed: EventChanged;
//   - anything else (notes, tags, ratings, contacts, tickets): nothing.
//
// The part an event is about is the one its topic names among the parts the notification
// carries (pickPart). DedupKey is "part:<part id>" (the same part may come on two topics), else
// "notif:<notification id>". Hint is the conversation as the webhook shows it.
func Parse(botAdminID string, body []byte) ([]handover.Event, error) {
	evs, _, err := parse(botAdminID, body)
	return evs, err
}

func parse(botAdminID string, body []byte) ([]handover.Event, *notification, error) {
	var n notification
	if err := apiclient.DecodeJSON("intercom webhook", body, &n); err != nil {
		return nil, nil, err
	}
	if n.Topic == "" {
		return nil, nil, errors.New("intercom webhook: missing field topic (not an Intercom notification)")
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
		return nil, &n, nil
	}
	if n.Data == nil || n.Data.Item == nil || n.Data.Item.ID.String() == "" {
		return nil, &n, fmt.Errorf("intercom webhook: %s: missing field data.item.id", n.Topic)
	}
	c := n.Data.Item
	ev := handover.Event{Kind: kind, ConversationID: c.ID.String(), Hint: &hint{conv: *c, at: notifiedAt(n.CreatedAt)}}
	if n.ID != "" {
		ev.DedupKey = "notif:" + n.ID
	}
	p := pickPart(c, n.Topic)
	if p != nil && p.ID.String() != "" {
		ev.MessageID = p.ID.String()
		ev.DedupKey = "part:" + p.ID.String()
	}
	bot := func(au author) bool { return au.Type == "admin" && au.ID.String() == botAdminID }
	switch n.Topic {
	case topicUserCreated, topicUserReplied:
		if p != nil && p.Metadata != nil {
			if v := choiceOf(p.Metadata.clicked()); v != "" {
				ev.Kind, ev.Choice = handover.EventChoice, v
			}
		}
	case topicAdminReplied:
		if p != nil && bot(p.Author) {
			return nil, &n, nil // the bot's own reply, echoed back
		}
		if p != nil {
			ev.AgentName = p.Author.name()
		}
	case topicAdminAssigned, topicAdminOpenAssign, topicAdminCloseAssign:
		var to string
		if p != nil {
			_, to, _ = p.assignment()
		}
		if p != nil && bot(p.Author) && (to == "" || to == botAdminID) {
			return nil, &n, nil // the bot's own claim or handover (itself, a team, or nobody)
		}
		switch {
		case to == botAdminID || (p == nil && assignee(c.AdminAssigneeID.String()) == botAdminID):
			// A workflow or a teammate gave the bot the conversation: a look, nothing changed
			// for a turn already running.
			ev.Kind, ev.Recheck = handover.EventChanged, true
		case to != "" && p.Author.ID.String() == to:
			ev.AgentName = p.Author.name() // a teammate took it
		}
	}
	return []handover.Event{ev}, &n, nil
}

// pickPart returns the part a notification is about, among the parts its item carries (normally
// only the one that triggered it): for conversation.user.created the source (the first message,
// which is not a part); for the visitor's replies their newest part; for a teammate's or Fin's
// reply the newest part they wrote; for an assignment the newest assignment part; else the
// newest part.
func pickPart(c *conversation, topic string) *part {
	ps := c.Parts.Parts
	newest := func(ok func(*part) bool) *part {
		for i := len(ps) - 1; i >= 0; i-- {
			if ok(&ps[i]) {
				return &ps[i]
			}
		}
		if len(ps) > 0 {
			return &ps[len(ps)-1]
		}
		return nil
	}
	switch topic {
	case topicUserCreated:
		if c.Source != nil && c.Source.ID.String() != "" {
			src := *c.Source
			src.ID = flexjson.String("source-" + src.ID.String())
			return &src
		}
		return newest(func(p *part) bool { return p.Author.contact() })
	case topicUserReplied:
		return newest(func(p *part) bool { return p.Author.contact() })
	case topicAdminReplied:
		return newest(func(p *part) bool { return p.Author.Type == "admin" && !p.isNote() })
	case topicOperatorReplied:
		return newest(func(p *part) bool { return !p.Author.contact() })
	case topicAdminAssigned, topicAdminOpenAssign, topicAdminCloseAssign:
		return newest(func(p *part) bool { ok, _, _ := p.assignment(); return ok })
	}
	return newest(func(*part) bool { return true })
}

func notifiedAt(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0)
}
