package intercom

import (
	"strings"

	"github.com/handover-dev/handover/adapters/internal/flexjson"
)

// The Intercom REST API 2.15 models handover reads (the official OpenAPI description,
// github.com/intercom/Intercom-OpenAPI descriptions/2.15/api.intercom.io.yaml; reference at
// https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io/conversations).
// Ids are read leniently (flexjson): the spec types admin_assignee_id and team_assignee_id as
// integers, conversation, part, admin and contact ids as strings, and its own examples mix them.

// conversation is the Conversation model (components/schemas/conversation).
type conversation struct {
	Type            string          `json:"type"`
	ID              flexjson.String `json:"id"`
	CreatedAt       flexjson.Time   `json:"created_at"`
	UpdatedAt       flexjson.Time   `json:"updated_at"`
	State           string          `json:"state"` // open, closed, snoozed
	Open            *bool           `json:"open"`
	AdminAssigneeID flexjson.String `json:"admin_assignee_id"` // null or an admin id
	TeamAssigneeID  flexjson.String `json:"team_assignee_id"`  // null or a team id
	Source          *part           `json:"source"`            // the message that started it
	Contacts        struct {
		Contacts []contactRef `json:"contacts"`
	} `json:"contacts"`
	Parts struct {
		Parts      []part `json:"conversation_parts"`
		TotalCount int    `json:"total_count"`
	} `json:"conversation_parts"`
	// LinkedObjects are the tickets and conversations linked to it (linked_object_list).
	LinkedObjects struct {
		Data []linkedObject `json:"data"`
	} `json:"linked_objects"`
}

// linkedObject is linked_object: a linked ticket or conversation.
type linkedObject struct {
	Type     string          `json:"type"` // ticket or conversation
	ID       flexjson.String `json:"id"`
	Category *string         `json:"category"`
}

// isOpen reports an open conversation: state "open" (or, when absent, open true).
func (c *conversation) isOpen() bool {
	switch c.State {
	case "open":
		return true
	case "":
		return c.Open == nil || *c.Open
	}
	return false
}

// contactRef is contact_reference.
type contactRef struct {
	ID         flexjson.String `json:"id"`
	ExternalID flexjson.String `json:"external_id"`
}

// part is conversation_part (and conversation_source, which has the same author and body).
type part struct {
	Type       string          `json:"type"`
	ID         flexjson.String `json:"id"`
	PartType   string          `json:"part_type"`
	Body       *string         `json:"body"`
	CreatedAt  flexjson.Time   `json:"created_at"`
	Author     author          `json:"author"`
	AssignedTo *struct {
		Type string          `json:"type"`
		ID   flexjson.String `json:"id"`
	} `json:"assigned_to"`
	Metadata       *partMetadata `json:"metadata"`
	AppPackageCode *string       `json:"app_package_code"`
	Redacted       bool          `json:"redacted"`
	// DeliveredAs is set on the source only: customer_initiated, admin_initiated, automated...
	DeliveredAs string `json:"delivered_as"`
}

// assignment reports a part that assigns the conversation (assignment, assign_and_reopen,
// default_assignment...), and whom: the admin assigned ("" for none), and whether a team is.
func (p *part) assignment() (ok bool, admin string, team bool) {
	if p.AssignedTo != nil {
		switch p.AssignedTo.Type {
		case "admin":
			return true, assignee(p.AssignedTo.ID.String()), false
		case "team":
			return true, "", assignee(p.AssignedTo.ID.String()) != ""
		}
		return true, "", false // nobody_admin, or an id of 0
	}
	return strings.Contains(p.PartType, "assign"), "", false
}

// isNote reports whether the part is one for teammates only: a note, or an assignment with a
// body, which Intercom shows as a note on the assignment (see Adapter.assignRead).
func (p *part) isNote() bool {
	if strings.HasPrefix(p.PartType, "note") {
		return true
	}
	ok, _, _ := p.assignment()
	return ok && strings.TrimSpace(p.body()) != ""
}

func (p *part) body() string {
	if p.Body == nil {
		return ""
	}
	return *p.Body
}

// author is conversation_part_author: type user, lead, contact, admin, bot or team.
type author struct {
	Type        string          `json:"type"`
	ID          flexjson.String `json:"id"`
	Name        *string         `json:"name"`
	Email       string          `json:"email"`
	FromAIAgent flexjson.Bool   `json:"from_ai_agent"`
	IsAIAnswer  flexjson.Bool   `json:"is_ai_answer"`
}

func (a author) name() string {
	if a.Name == nil {
		return ""
	}
	return strings.TrimSpace(*a.Name)
}

// contact reports an author who is the visitor (a user or a lead).
func (a author) contact() bool {
	switch a.Type {
	case "user", "lead", "contact":
		return true
	}
	return false
}

// partMetadata is conversation_part_metadata. The clicked option's uuid is quick_reply_uuid in
// the spec and quick_reply_option_uuid in the 2.14 changelog's example: both are read.
type partMetadata struct {
	QuickReplyOptions    []quickReplyOption `json:"quick_reply_options"`
	QuickReplyUUID       string             `json:"quick_reply_uuid"`
	QuickReplyOptionUUID string             `json:"quick_reply_option_uuid"`
}

// clicked returns the uuid of the quick-reply option a contact part answers, or "".
func (m *partMetadata) clicked() string {
	if m == nil {
		return ""
	}
	if m.QuickReplyUUID != "" {
		return m.QuickReplyUUID
	}
	return m.QuickReplyOptionUUID
}

// quickReplyOption is quick_reply_option: the text shown and its uuid.
type quickReplyOption struct {
	Text string `json:"text"`
	UUID string `json:"uuid"`
}

// admin is the Admin model (teammate).
type admin struct {
	ID              flexjson.String   `json:"id"`
	Name            string            `json:"name"`
	Email           string            `json:"email"`
	AwayModeEnabled bool              `json:"away_mode_enabled"`
	HasInboxSeat    bool              `json:"has_inbox_seat"`
	TeamIDs         []flexjson.String `json:"team_ids"`
}

// inTeam reports whether the admin belongs to team.
func (a *admin) inTeam(team string) bool {
	for _, t := range a.TeamIDs {
		if t.String() == team {
			return true
		}
	}
	return false
}

// ticket is the Ticket model, as far as handover reads it: id is the API's, ticket_id the
// number the Inbox and the Messenger show.
type ticket struct {
	ID         flexjson.String `json:"id"`
	TicketID   flexjson.String `json:"ticket_id"`
	CreatedAt  flexjson.Time   `json:"created_at"`
	Attributes map[string]any  `json:"ticket_attributes"`
	TicketType *struct {
		ID flexjson.String `json:"id"`
	} `json:"ticket_type"`
}

// number is how the team refers to the ticket: its ticket_id, else its id.
func (t *ticket) number() string {
	if n := t.TicketID.String(); n != "" {
		return n
	}
	return t.ID.String()
}

// contact is the Contact model, as far as handover reads it.
type contact struct {
	ID    flexjson.String `json:"id"`
	Role  string          `json:"role"`
	Name  *string         `json:"name"`
	Email *string         `json:"email"`
}

// errorList is Intercom's error body: {"type":"error.list","errors":[{"code","message"}]}.
type errorList struct {
	Type   string `json:"type"`
	Errors []struct {
		Code    string  `json:"code"`
		Message *string `json:"message"`
	} `json:"errors"`
}
