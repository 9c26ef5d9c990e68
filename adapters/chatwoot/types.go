package chatwoot

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/handover-dev/handover/adapters/internal/flexjson"
)

// Lenient JSON types shared by the adapters (adapters/internal/flexjson).
type (
	flexString = flexjson.String
	flexBool   = flexjson.Bool
	flexTime   = flexjson.Time
)

// The JSON shapes below are read leniently: Chatwoot renders the same field
// as a string in webhooks and an integer in the REST API (message_type,
// created_at), and ids are numbers that we keep as strings.

// messageType is Chatwoot's message_type: a string in webhook payloads
// (Message#webhook_data) and an integer in the REST API and push format
// (message_type_before_type_cast). enum message_type in app/models/message.rb:
// incoming 0, outgoing 1, activity 2, template 3.
type messageType string

const (
	msgIncoming messageType = "incoming"
	msgOutgoing messageType = "outgoing"
	msgActivity messageType = "activity"
	msgTemplate messageType = "template"
)

func (m *messageType) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	switch string(s) {
	case "0":
		*m = msgIncoming
	case "1":
		*m = msgOutgoing
	case "2":
		*m = msgActivity
	case "3":
		*m = msgTemplate
	default:
		*m = messageType(s)
	}
	return nil
}

// contentAttributes is a message's content_attributes hash, as far as we use
// it: interactive items (app/models/concerns/content_attribute_validator.rb),
// the visitor's submission (submitted_values, submitted_email; store accessors
// in app/models/message.rb) and the external_echo flag of replies written on
// a phone (human_response? checks it).
type contentAttributes struct {
	Items           []item     `json:"items"`
	SubmittedValues []item     `json:"submitted_values"`
	SubmittedEmail  flexString `json:"submitted_email"`
	ExternalEcho    flexBool   `json:"external_echo"`
}

// UnmarshalJSON accepts an object; anything else (null, "", a JSON string
// written by an old Chatwoot) leaves the attributes empty.
func (c *contentAttributes) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		*c = contentAttributes{}
		return nil
	}
	type plain contentAttributes
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*c = contentAttributes(p)
	return nil
}

// item is one option of an input_select ({title, value}), or one submitted value.
type item struct {
	Title flexString `json:"title"`
	Value flexString `json:"value"`
}

// sender is a message author: a contact (webhook: no type key; push format:
// type "contact"), a user {id,name,type:"user"}, an agent bot
// {type:"agent_bot"}, a Captain assistant {type:"captain_assistant"}, or null
// (templates, system messages). Sources: User#webhook_data,
// AgentBot#webhook_data, Contact#webhook_data and their push_event_data.
type sender struct {
	ID    flexString `json:"id"`
	Name  flexString `json:"name"`
	Email flexString `json:"email"`
	Type  flexString `json:"type"`
}

// Sender types that identify the bot side and the human side.
const (
	senderUser     = "user"
	senderAgentBot = "agent_bot"
	senderCaptain  = "captain_assistant"
)

// message is one message, in webhook (Message#webhook_data) or REST
// (app/views/api/v1/models/_message.json.jbuilder) form.
type message struct {
	ID                flexString        `json:"id"`
	Content           flexString        `json:"content"`
	MessageType       messageType       `json:"message_type"`
	ContentType       flexString        `json:"content_type"`
	ContentAttributes contentAttributes `json:"content_attributes"`
	Private           flexBool          `json:"private"`
	CreatedAt         flexTime          `json:"created_at"`
	Sender            *sender           `json:"sender"`
}

// isHuman reports whether m is an agent's public reply: an outgoing message
// by a user, or an echo of a reply written on the phone (external_echo).
func (m *message) isHuman() bool {
	if m.MessageType != msgOutgoing || bool(m.Private) {
		return false
	}
	if m.Sender != nil && string(m.Sender.Type) == senderUser {
		return true
	}
	return bool(m.ContentAttributes.ExternalEcho)
}

// assignee is meta.assignee: a user in the agent format
// (app/views/api/v1/models/_agent.json.jbuilder or User#push_event_data) or,
// in webhooks, possibly an agent bot.
type assignee struct {
	ID                 flexString `json:"id"`
	Name               flexString `json:"name"`
	AvailableName      flexString `json:"available_name"`
	Type               flexString `json:"type"`
	AvailabilityStatus flexString `json:"availability_status"`
}

// team is meta.team.
type team struct {
	ID   flexString `json:"id"`
	Name flexString `json:"name"`
}

// conversationMeta is a conversation's meta hash.
type conversationMeta struct {
	Sender   *sender   `json:"sender"`
	Assignee *assignee `json:"assignee"`
	// AssigneeType is "User", "AgentBot" or null in webhooks
	// (Conversations::EventDataPresenter#push_meta). The REST conversation
	// JSON has no such key: there meta.assignee is always a user
	// (app/views/api/v1/conversations/partials/_conversation.json.jbuilder).
	AssigneeType flexString `json:"assignee_type"`
	Team         *team      `json:"team"`
	Channel      flexString `json:"channel"`
}

// conversation is a conversation in webhook (EventDataPresenter#push_data)
// or REST (_conversation.json.jbuilder) form. Its id is the display_id.
type conversation struct {
	ID               flexString                 `json:"id"`
	InboxID          flexString                 `json:"inbox_id"`
	Status           flexString                 `json:"status"`
	Channel          flexString                 `json:"channel"`
	Labels           []flexString               `json:"labels"`
	CustomAttributes map[string]json.RawMessage `json:"custom_attributes"`
	Meta             conversationMeta           `json:"meta"`
	// LastMessages is "messages": in a webhook the last public,
	// non-activity message (EventDataPresenter#push_messages), in the REST
	// partial the last message of any kind. Only the ids are read.
	LastMessages messageRefs `json:"messages"`
}

// messageRef is a message as far as its id.
type messageRef struct {
	ID flexString `json:"id"`
}

// messageRefs reads a list of messages leniently: anything but an array, and
// any element but an object, is left out (the ids only tell how fresh a
// payload is; they must not make it unreadable).
type messageRefs []messageRef

func (r *messageRefs) UnmarshalJSON(b []byte) error {
	*r = nil
	var elems []json.RawMessage
	if err := json.Unmarshal(b, &elems); err != nil {
		return nil
	}
	for _, e := range elems {
		var m messageRef
		if e = bytes.TrimSpace(e); len(e) > 0 && e[0] == '{' && json.Unmarshal(e, &m) == nil {
			*r = append(*r, m)
		}
	}
	return nil
}

// humanAssignee returns the conversation's human assignee, if any.
func (c *conversation) humanAssignee() *assignee {
	a := c.Meta.Assignee
	if a == nil {
		return nil
	}
	switch string(c.Meta.AssigneeType) {
	case "User":
		return a
	case "":
		// REST form: meta.assignee is the user association; a typed
		// webhook assignee says what it is.
		if t := string(a.Type); t == "" || t == senderUser {
			return a
		}
	}
	return nil
}

// attr returns a custom attribute as text ("" when absent or not scalar).
func (c *conversation) attr(key string) string {
	raw, ok := c.CustomAttributes[key]
	if !ok {
		return ""
	}
	var s flexString
	if err := s.UnmarshalJSON(raw); err != nil {
		return ""
	}
	return strings.TrimSpace(string(s))
}

// hasLabel reports whether the conversation carries label l.
func (c *conversation) hasLabel(l string) bool {
	for _, x := range c.Labels {
		if strings.EqualFold(string(x), l) {
			return true
		}
	}
	return false
}

// agent is an account user in the agent format, as listed by
// GET /inbox_members/{inbox} and GET /teams/{team}/team_members
// (app/views/api/v1/models/_agent.json.jbuilder).
type agent struct {
	ID                 flexString `json:"id"`
	Name               flexString `json:"name"`
	AvailabilityStatus flexString `json:"availability_status"`
}
