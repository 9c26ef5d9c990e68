// Package handover is the domain core of the service: the conversation
// snapshot read from a helpdesk, the events a webhook turns into, the policy
// that decides what the bot does, and the engine that runs one turn.
//
// It imports no HTTP framework, no LLM library and no vendor package. It
// defines the two ports it needs, Helpdesk and Bot, which adapters implement.
package handover

import (
	"strings"
	"time"
)

// Role says who wrote a message.
type Role string

// Message authors.
const (
	RoleVisitor Role = "visitor" // the customer, through the helpdesk's widget or channel
	RoleBot     Role = "bot"     // this service, posting as the helpdesk's bot identity
	RoleAgent   Role = "agent"   // a human agent
	RoleSystem  Role = "system"  // the helpdesk itself (activity, templates)
)

// Prompt is the interactive element a bot message carries, if any.
type Prompt string

// Prompts a bot message can carry.
const (
	PromptNone    Prompt = ""
	PromptHuman   Prompt = "human"   // "Request chat with human agent"
	PromptOffline Prompt = "offline" // "Stop chatbot and leave offline message" / "Continue with the bot"
	PromptEmail   Prompt = "email"   // asks for the visitor's email address
)

// Choice values: the stable values behind the buttons the bot offers.
const (
	ChoiceRequestHuman = "handover_request"
	ChoiceOffline      = "offline_message"
	ChoiceContinue     = "continue_bot"
)

// Button is one option of a prompt: a title shown to the visitor and a stable value.
type Button struct {
	Title string
	Value string
}

// Message is one entry of a conversation's history, as the helpdesk keeps it.
type Message struct {
	ID        string
	Role      Role
	Author    string // display name of the author, if known
	Text      string
	Private   bool // an internal note, never shown to the visitor
	CreatedAt time.Time
	// Prompt and Buttons describe a bot message's interactive element.
	Prompt  Prompt
	Buttons []Button
	// Choice is the value the visitor submitted on this message's buttons, if any.
	Choice string
	// SubmittedEmail is the address the visitor entered on an email prompt.
	SubmittedEmail string
}

// State is who holds a conversation, derived from the helpdesk.
type State string

// Conversation states.
const (
	// StateBot: the bot owns the conversation and answers visitor messages.
	StateBot State = "bot"
	// StateQueued: handed to a human queue; waiting for an agent.
	StateQueued State = "queued"
	// StateAgent: a human agent joined; the bot is silent for good.
	StateAgent State = "agent"
	// StateOffline: turned into an offline message; the bot is silent.
	StateOffline State = "offline"
	// StateOther: not the bot's (closed, snoozed, another inbox...); ignored.
	StateOther State = "other"
)

// Visitor is the contact on the other side of the conversation.
type Visitor struct {
	ID    string
	Name  string
	Email string
}

// Conversation is a snapshot of one helpdesk conversation, read fresh for
// every turn. Everything the engine decides is derived from it: nothing is
// remembered between turns in process memory.
type Conversation struct {
	ID         string
	Department string // the human queue: inbox, team or department id
	Channel    string // e.g. "web", "whatsapp"; informational
	State      State
	// AgentName is the human who joined, for StateAgent.
	AgentName string
	// JoinAnnounced reports that the visitor was already told an agent joined.
	JoinAnnounced bool
	Visitor       Visitor
	// BotAnswers is how many answers the bot gave in this conversation.
	BotAnswers int
	// Messages is the history in chronological order, notes included. It
	// may be a window of the most recent messages (see Window): adapters
	// read back only as far as the turn needs, so a turn costs the same in a
	// 1,000-message conversation as in a 10-message one.
	Messages []Message
	// Window reports that Messages holds only the most recent part of the
	// history (older messages exist but were not read).
	Window bool
	// Source is the adapter's own record of what Load read (its parsed API
	// responses). An adapter may use it in later calls of the same turn in
	// place of a re-read; the core never looks inside.
	Source any
}

// Public returns the messages the visitor can see (no private notes, no
// system activity), in order.
func (c *Conversation) Public() []Message {
	out := make([]Message, 0, len(c.Messages))
	for _, m := range c.Messages {
		if m.Private || m.Role == RoleSystem {
			continue
		}
		out = append(out, m)
	}
	return out
}

// LastBotMessage returns the index in Messages of the bot's latest public
// message, or -1.
func (c *Conversation) LastBotMessage() int {
	for i := len(c.Messages) - 1; i >= 0; i-- {
		m := c.Messages[i]
		if m.Role == RoleBot && !m.Private {
			return i
		}
	}
	return -1
}

// PendingVisitorMessages returns the visitor's messages that no bot or agent
// message has followed yet: the input of the next turn.
func (c *Conversation) PendingVisitorMessages() []Message {
	var out []Message
	for i := len(c.Messages) - 1; i >= 0; i-- {
		m := c.Messages[i]
		if m.Private || m.Role == RoleSystem {
			continue
		}
		if m.Role != RoleVisitor {
			break
		}
		out = append(out, m)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Message returns the message with the given id.
func (c *Conversation) Message(id string) (Message, bool) {
	for _, m := range c.Messages {
		if m.ID == id {
			return m, true
		}
	}
	return Message{}, false
}

// Transcript renders the public history as plain text lines ("Visitor: ..."),
// for notes and offline tickets.
func (c *Conversation) Transcript() string {
	var b strings.Builder
	for _, m := range c.Public() {
		who := string(m.Role)
		if m.Author != "" && m.Role == RoleAgent {
			who = m.Author
		}
		b.WriteString(strings.ToUpper(who[:1]) + who[1:])
		b.WriteString(": ")
		b.WriteString(strings.TrimSpace(m.Text))
		b.WriteString("\n")
	}
	return b.String()
}
