package libredesk

import (
	"bytes"
	"encoding/json"
	"github.com/handover-dev/handover/adapters/internal/flexjson"
	"strings"
)

// Lenient JSON types shared by the adapters (adapters/internal/flexjson).
type (
	flexString = flexjson.String
	flexInt    = flexjson.Int
	flexBool   = flexjson.Bool
	flexTime   = flexjson.Time
)

var atoi = flexjson.Atoi

// The JSON shapes below are read leniently: ids are numbers that may come as strings, nullable
// columns come as null (volatiletech/null), and a field of an unexpected type must not make a
// whole conversation unreadable.

// flexNames decodes a list of names: ["a","b"], [{"name":"a"}], a JSON-encoded string of
// either, or null. Conversation tags are a null.JSON column.
type flexNames []string

// UnmarshalJSON implements json.Unmarshaler.
func (n *flexNames) UnmarshalJSON(b []byte) error {
	*n = nil
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] == 'n' {
		return nil
	}
	if b[0] == '"' {
		var inner string
		if err := json.Unmarshal(b, &inner); err != nil {
			return err
		}
		if strings.TrimSpace(inner) == "" {
			return nil
		}
		b = []byte(inner)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil // not a list: no names
	}
	for _, r := range raw {
		var s flexString
		if err := s.UnmarshalJSON(r); err == nil && s != "" {
			*n = append(*n, string(s))
			continue
		}
		var obj struct {
			Name flexString `json:"name"`
		}
		if json.Unmarshal(r, &obj) == nil && obj.Name != "" {
			*n = append(*n, string(obj.Name))
		}
	}
	return nil
}

// meta is a message's meta object; only echo_id matters here.
type meta struct {
	EchoID string
}

// UnmarshalJSON implements json.Unmarshaler: an object, a JSON-encoded object, or null.
func (m *meta) UnmarshalJSON(b []byte) error {
	*m = meta{}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var inner string
		if err := json.Unmarshal(b, &inner); err != nil {
			return err
		}
		b = []byte(inner)
	}
	var obj struct {
		EchoID flexString `json:"echo_id"`
	}
	if json.Unmarshal(b, &obj) == nil {
		m.EchoID = strings.TrimSpace(string(obj.EchoID))
	}
	return nil
}

// person is a contact, an agent or a message author (cmodels.ConversationContact,
// cmodels.MessageAuthor, the compact agent).
type person struct {
	ID                 flexInt    `json:"id"`
	FirstName          flexString `json:"first_name"`
	LastName           flexString `json:"last_name"`
	Email              flexString `json:"email"`
	Type               flexString `json:"type"`
	AvailabilityStatus flexString `json:"availability_status"`
	Enabled            *flexBool  `json:"enabled"`
	Teams              []struct {
		ID   flexInt    `json:"id"`
		Name flexString `json:"name"`
	} `json:"teams"`
}

// name is "First Last", trimmed.
func (p person) name() string {
	return strings.TrimSpace(strings.TrimSpace(string(p.FirstName)) + " " + strings.TrimSpace(string(p.LastName)))
}

// conversation is cmodels.Conversation (GET /api/v1/conversations/{uuid}) or a
// ConversationListItem (the lists), which has no inbox_id.
type conversation struct {
	ID                    flexInt    `json:"id"`
	UUID                  flexString `json:"uuid"`
	InboxID               flexInt    `json:"inbox_id"`
	InboxChannel          flexString `json:"inbox_channel"`
	InboxName             flexString `json:"inbox_name"`
	Status                flexString `json:"status"`
	StatusCategory        flexString `json:"status_category"`
	AssignedUserID        flexInt    `json:"assigned_user_id"`
	AssignedTeamID        flexInt    `json:"assigned_team_id"`
	Tags                  flexNames  `json:"tags"`
	Contact               person     `json:"contact"`
	LastMessageAt         flexTime   `json:"last_message_at"`
	LastMessageSender     flexString `json:"last_message_sender"`
	LastInteraction       flexString `json:"last_interaction"`
	LastInteractionSender flexString `json:"last_interaction_sender"`
	FirstReplyAt          flexTime   `json:"first_reply_at"`
	UpdatedAt             flexTime   `json:"updated_at"`
}

// message is cmodels.Message (GET messages, message.* webhook payloads).
type message struct {
	ID               flexInt    `json:"id"`
	UUID             flexString `json:"uuid"`
	Type             flexString `json:"type"`
	Status           flexString `json:"status"`
	ConversationUUID flexString `json:"conversation_uuid"`
	Content          flexString `json:"content"`
	TextContent      flexString `json:"text_content"`
	ContentType      flexString `json:"content_type"`
	Private          flexBool   `json:"private"`
	SenderID         flexInt    `json:"sender_id"`
	SenderType       flexString `json:"sender_type"`
	Meta             meta       `json:"meta"`
	Author           person     `json:"author"`
	CreatedAt        flexTime   `json:"created_at"`
}

// Message types and sender types (internal/conversation/models).
const (
	msgIncoming    = "incoming"
	msgOutgoing    = "outgoing"
	msgActivity    = "activity"
	senderAgent    = "agent"
	senderContact  = "contact"
	channelLive    = "livechat"
	statusOpen     = "Open"
	statusSnoozed  = "Snoozed"
	statusResolved = "Resolved"
	statusClosed   = "Closed"
)

// page is envelope.PageResults.
type page[T any] struct {
	Results    []T     `json:"results"`
	Total      flexInt `json:"total"`
	PerPage    flexInt `json:"per_page"`
	TotalPages flexInt `json:"total_pages"`
	Page       flexInt `json:"page"`
}
