package sim

import (
	"slices"
	"time"
)

// ConversationView is a deep copy of one conversation in the shape the sandbox page reads
// (ui/index.html); the Chatwoot dialect's tests read it too.
type ConversationView struct {
	ID               int            `json:"id"`
	InboxID          int            `json:"inbox_id"`
	Status           string         `json:"status"`
	AssigneeID       int            `json:"assignee_id"` // 0 = none (a human assignee only)
	AssigneeName     string         `json:"assignee_name"`
	AssigneeBot      bool           `json:"assignee_bot"` // the agent bot is the assignee (assignee_type AgentBot)
	TeamID           int            `json:"team_id"`
	Labels           []string       `json:"labels"`
	CustomAttributes map[string]any `json:"custom_attributes"`
	ContactName      string         `json:"contact_name"`
	ContactEmail     string         `json:"contact_email"`
	Priority         string         `json:"priority"`
	BotHandoffs      int            `json:"bot_handoffs"` // times the bot handed off (toggle_status pending→open with the bot token)
	Typing           string         `json:"typing"`       // "" or who has typing on: "agent_bot" or "user"
	Messages         []MessageView  `json:"messages"`
}

// MessageView is a deep copy of one message.
type MessageView struct {
	ID                int            `json:"id"`
	Type              string         `json:"type"`        // incoming|outgoing|activity|template
	SenderType        string         `json:"sender_type"` // contact|user|agent_bot|""
	SenderID          int            `json:"sender_id"`
	SenderName        string         `json:"sender_name"`
	Content           string         `json:"content"`
	ContentType       string         `json:"content_type"`
	ContentAttributes map[string]any `json:"content_attributes"`
	Private           bool           `json:"private"`
	CreatedAt         time.Time      `json:"created_at"`
}

// View returns a deep copy of c; botName names the sender of agent_bot messages. Callers
// hold s.Mu.
func (s *Store) View(c *Conversation, botName string) ConversationView {
	ct := s.Contacts[c.ContactID]
	v := ConversationView{
		ID: c.ID, InboxID: c.InboxID, Status: c.Status, AssigneeID: c.AssigneeID, AssigneeBot: c.AssigneeBot,
		TeamID: c.TeamID, Labels: slices.Clone(c.Labels), CustomAttributes: DeepCopy(c.CustomAttrs).(map[string]any),
		ContactName: ct.Name, ContactEmail: ct.Email, Priority: c.Priority, BotHandoffs: c.BotHandoffs, Typing: c.Typing,
	}
	if v.Labels == nil {
		v.Labels = []string{}
	}
	v.Messages = make([]MessageView, 0, len(c.Msgs))
	if u := s.Users[c.AssigneeID]; u != nil {
		v.AssigneeName = u.Name
	}
	for _, m := range c.Msgs {
		v.Messages = append(v.Messages, MessageView{
			ID: m.ID, Type: m.Type, SenderType: m.SenderKind, SenderID: m.SenderID, SenderName: s.senderName(m, botName),
			Content: m.Content, ContentType: m.ContentType, ContentAttributes: DeepCopy(m.ContentAttrs).(map[string]any),
			Private: m.Private, CreatedAt: m.CreatedAt,
		})
	}
	return v
}

func (s *Store) senderName(m *Message, botName string) string {
	switch m.SenderKind {
	case "contact":
		return s.Contacts[m.SenderID].Name
	case "user":
		if u := s.Users[m.SenderID]; u != nil {
			return u.Name
		}
	case "agent_bot":
		return botName
	}
	return ""
}
