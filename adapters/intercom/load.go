package intercom

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/adapters/internal/flexjson"
	"github.com/handover-dev/handover/handover"
)

// Load reads a conversation, GET /conversations/{id}?display_as=plaintext (one call: the
// conversation with its 500 most recent parts, bodies as plain text), and derives its state:
//
//   - closed or snoozed: StateOther;
//   - a public reply of Fin or a workflow bot (author type "bot", or from_ai_agent) among the
//     parts: StateOther, the bot stays silent (Intercom's own bot is answering);
//   - a public reply of another teammate, an assignment to another teammate, or another
//     teammate as admin assignee: StateAgent, for good; JoinAnnounced once the bot wrote after
//     the takeover;
//   - the bot's offline note among the parts: StateOffline;
//   - assigned to the bot admin: StateBot;
//   - assigned to a team only: StateQueued;
//   - anything else (unassigned, another inbox): StateOther.
//
// BotAnswers counts the bot admin's public parts that are not the engine's notices, among the
// parts read: the 500 most recent are all the API gives, and the engine also keeps offering
// the human button once an answer in the window carried it. Messages are the newest Window
// messages. The contact is read (GET /contacts/{id}) only when the turn may need its email: the
// bot's last message offers the offline message or asks for the address. The agent's name is
// read (GET /admins/{id}) only when a takeover is to be announced and no part names them.
// https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io/conversations/retrieveconversation
func (a *Adapter) Load(ctx context.Context, id string) (*handover.Conversation, error) {
	c, err := a.fetch(ctx, id)
	if err != nil {
		return nil, err
	}
	conv, agentID := a.build(c)
	if err := a.complete(ctx, conv, agentID); err != nil {
		return nil, err
	}
	return conv, nil
}

// hintMaxAge is how old a webhook may be for LoadEvent to trust what it says.
const hintMaxAge = 10 * time.Second

// LoadEvent is Load for a webhook event (handover.EventLoader). A webhook carries the
// conversation model but only the part(s) that triggered it, so a turn that may answer still
// reads the conversation (Load): a plain bot turn is that read and the reply, two calls. The
// hint spares the read when the webhook, fresh, shows a conversation the bot cannot act on: a
// closed or snoozed one.
func (a *Adapter) LoadEvent(ctx context.Context, ev handover.Event) (*handover.Conversation, error) {
	h, _ := ev.Hint.(*hint)
	if h != nil && h.conv.ID.String() == ev.ConversationID && !h.at.IsZero() && time.Since(h.at) < hintMaxAge && !h.conv.isOpen() {
		return &handover.Conversation{ID: ev.ConversationID, Department: a.cfg.TeamID, State: handover.StateOther}, nil
	}
	return a.Load(ctx, ev.ConversationID)
}

// fetch reads one conversation with its parts as plain text.
func (a *Adapter) fetch(ctx context.Context, id string) (*conversation, error) {
	if !validID(id) {
		return nil, fmt.Errorf("intercom: conversation id %q is not an Intercom id: %w", id, handover.ErrNotFound)
	}
	var c conversation
	if err := a.call(ctx, apiclient.Idempotent, http.MethodGet, "/conversations/"+id+"?display_as=plaintext", nil, &c); err != nil {
		if apiclient.IsNotFound(err) {
			return nil, fmt.Errorf("intercom: conversation %s: %w: %w", id, handover.ErrNotFound, err)
		}
		return nil, fmt.Errorf("intercom: read conversation %s: %w", id, err)
	}
	if c.ID == "" {
		c.ID = flexjson.String(id)
	}
	return &c, nil
}

// loaded is the adapter's record of what Load read (handover.Conversation.Source).
type loaded struct {
	conv *conversation
}

// complete reads what the snapshot lacks and the turn needs: the contact's email when the bot's
// last message offers the offline message or asks for the address, the agent's name when a
// takeover is to be announced.
func (a *Adapter) complete(ctx context.Context, conv *handover.Conversation, agentID string) error {
	if conv.State == handover.StateAgent && !conv.JoinAnnounced && conv.AgentName == "" && validID(agentID) {
		var ad admin
		err := a.call(ctx, apiclient.Idempotent, http.MethodGet, "/admins/"+agentID, nil, &ad)
		switch {
		case err == nil:
			conv.AgentName = strings.TrimSpace(ad.Name)
		case errors.Is(err, handover.ErrPermanent):
			a.log.WarnContext(ctx, "agent unreadable", "conversation", conv.ID, "err", err)
		default:
			return fmt.Errorf("intercom: load conversation %s: read admin: %w", conv.ID, err)
		}
	}
	if conv.State != handover.StateBot || conv.Visitor.Email != "" || conv.Visitor.ID == "" || !needsProfile(conv) {
		return nil
	}
	var ct contact
	err := a.call(ctx, apiclient.Idempotent, http.MethodGet, "/contacts/"+url.PathEscape(conv.Visitor.ID), nil, &ct)
	switch {
	case err == nil:
		if ct.Email != nil {
			conv.Visitor.Email = strings.TrimSpace(*ct.Email)
		}
		if ct.Name != nil && conv.Visitor.Name == "" {
			conv.Visitor.Name = strings.TrimSpace(*ct.Name)
		}
	case errors.Is(err, handover.ErrPermanent):
		a.log.WarnContext(ctx, "visitor's contact unreadable", "conversation", conv.ID, "err", err)
	default:
		return fmt.Errorf("intercom: load conversation %s: read contact: %w", conv.ID, err)
	}
	return nil
}

// needsProfile reports whether a turn may need the visitor's email address.
func needsProfile(conv *handover.Conversation) bool {
	i := conv.LastBotMessage()
	return i >= 0 && (conv.Messages[i].Prompt == handover.PromptOffline || conv.Messages[i].Prompt == handover.PromptEmail)
}

// reading is what build learns walking the parts.
type reading struct {
	msgs       []handover.Message
	botAnswers int
	// takeover is the index in msgs at which another teammate took over (-1: none seen), and
	// agent, agentID who.
	takeover       int
	agent, agentID string
	// announced: the bot wrote publicly after the takeover.
	announced bool
	fin       bool // Fin or a workflow bot replied publicly
	offline   bool // the bot's offline note
	visitor   handover.Visitor
}

// build derives the snapshot from a conversation as GET /conversations/{id} returns it. It also
// returns the id of the teammate who took over, if any.
func (a *Adapter) build(c *conversation) (*handover.Conversation, string) {
	r := reading{takeover: -1}
	parts := c.Parts.Parts
	truncated := len(parts) >= maxParts || c.Parts.TotalCount > len(parts)
	if c.Source != nil && !truncated {
		src := *c.Source
		src.ID = flexjson.String("source-" + src.ID.String())
		if src.PartType == "" {
			src.PartType = "comment"
		}
		if src.CreatedAt.IsZero() {
			src.CreatedAt = c.CreatedAt
		}
		a.read(&r, &src)
	}
	for i := range parts {
		a.read(&r, &parts[i])
	}
	if len(c.Contacts.Contacts) > 0 {
		r.visitor.ID = c.Contacts.Contacts[0].ID.String()
	}
	conv := &handover.Conversation{
		ID: c.ID.String(), Department: a.cfg.TeamID, Visitor: r.visitor, BotAnswers: r.botAnswers,
		Source: &loaded{conv: c},
	}
	if c.Source != nil {
		conv.Channel = c.Source.Type
	}
	adminID, teamID := assignee(c.AdminAssigneeID.String()), assignee(c.TeamAssigneeID.String())
	agentID := r.agentID
	switch {
	case !c.isOpen():
		conv.State = handover.StateOther
	case r.fin:
		conv.State = handover.StateOther
	case r.takeover >= 0 || (adminID != "" && adminID != a.cfg.BotAdminID):
		conv.State = handover.StateAgent
		conv.AgentName = r.agent
		if r.takeover < 0 {
			agentID, conv.AgentName = adminID, ""
			r.announced = lastBotIsJoin(r.msgs)
		}
		conv.JoinAnnounced = r.announced
	case r.offline:
		conv.State = handover.StateOffline
	case adminID == a.cfg.BotAdminID:
		conv.State = handover.StateBot
	case teamID != "":
		conv.State = handover.StateQueued
	default:
		conv.State = handover.StateOther
	}
	msgs := r.msgs
	if len(msgs) > a.cfg.Window {
		msgs = msgs[len(msgs)-a.cfg.Window:]
		truncated = true
	}
	conv.Messages, conv.Window = msgs, truncated
	return conv, agentID
}

// assignee normalises an assignee id: "" for none (null or 0).
func assignee(id string) string {
	if id == "0" {
		return ""
	}
	return id
}

// lastBotIsJoin reports whether the bot's last public message announces an agent.
func lastBotIsJoin(msgs []handover.Message) bool {
	for i := len(msgs) - 1; i >= 0; i-- {
		if m := msgs[i]; m.Role == handover.RoleBot && !m.Private {
			return isJoinNotice(m.Text)
		}
	}
	return false
}

// isJoinNotice reports an "<agent> joined the chat." notice in a built-in language.
func isJoinNotice(text string) bool {
	t := strings.TrimSpace(text)
	for _, l := range handover.Languages() {
		f := l.Texts.AgentJoined
		if f == "" {
			f = handover.DefaultTexts().AgentJoined
		}
		before, after, ok := strings.Cut(f, "%s")
		if ok && strings.HasPrefix(t, before) && strings.HasSuffix(t, after) && len(t) > len(before)+len(after) {
			return true
		}
	}
	return false
}

// isEmailQuestion reports the engine's question for an email address in a built-in language.
func isEmailQuestion(text string) bool {
	t := strings.TrimSpace(text)
	for _, l := range handover.Languages() {
		q := l.Texts.AskEmail
		if q == "" {
			q = handover.DefaultTexts().AskEmail
		}
		if strings.HasSuffix(t, q) {
			return true
		}
	}
	return false
}

// read adds one part to r.
func (a *Adapter) read(r *reading, p *part) {
	text := plainText(p.body())
	note := strings.HasPrefix(p.PartType, "note")
	var opts []quickReplyOption
	if p.Metadata != nil {
		opts = p.Metadata.QuickReplyOptions
	}
	au := p.Author
	bot := au.Type == "admin" && au.ID.String() == a.cfg.BotAdminID
	human := au.Type == "admin" && !bot && !bool(au.FromAIAgent)
	// An assignment to another teammate is a takeover, whoever made it (the agent pages
	// assign as the bot admin).
	if p.AssignedTo != nil && p.AssignedTo.Type == "admin" {
		if id := assignee(p.AssignedTo.ID.String()); id != "" && id != a.cfg.BotAdminID && r.takeover < 0 {
			r.takeover, r.agentID = len(r.msgs), id
			if human && au.ID.String() == id {
				r.agent = au.name()
			}
		}
	}
	if note {
		if text == "" {
			return
		}
		m := handover.Message{ID: p.ID.String(), Text: text, Private: true, CreatedAt: p.CreatedAt.Time, Author: au.name(), Role: handover.RoleAgent}
		if bot {
			m.Role = handover.RoleBot
			if strings.HasPrefix(text, offlineHeading) {
				r.offline = true
			}
		}
		r.msgs = append(r.msgs, m)
		return
	}
	if text == "" && len(opts) == 0 && p.Metadata.clicked() == "" {
		return // an assignment, open, close, snooze...: no message
	}
	m := handover.Message{ID: p.ID.String(), Text: text, CreatedAt: p.CreatedAt.Time, Author: au.name()}
	switch {
	case au.contact():
		m.Role = handover.RoleVisitor
		if r.visitor.Name == "" {
			r.visitor.Name = au.name()
		}
		if au.Email != "" && r.visitor.Email == "" {
			r.visitor.Email = au.Email
		}
		if v := choiceOf(p.Metadata.clicked()); v != "" {
			// A click: its text becomes the clicked button's title, which the engine matches
			// against the prompt's buttons (or the value itself, which it matches too).
			m.Text = clickText(r.msgs, v)
		}
	case bot:
		m.Role = handover.RoleBot
		for _, o := range opts {
			if v := choiceOf(o.UUID); v != "" {
				m.Buttons = append(m.Buttons, handover.Button{Title: o.Text, Value: v})
			}
		}
		m.Prompt = promptOf(m.Buttons)
		if m.Prompt == handover.PromptNone && (isEmailQuestion(text) || afterOfflineChoice(r.msgs)) {
			m.Prompt = handover.PromptEmail
		}
		if !handover.IsNotice(text) {
			r.botAnswers++
		}
		if r.takeover >= 0 {
			r.announced = true
		}
	case human:
		m.Role = handover.RoleAgent
		if m.Author == "" {
			m.Author = "An agent"
		}
		if r.takeover < 0 {
			r.takeover, r.agent, r.agentID = len(r.msgs), au.name(), au.ID.String()
		}
	default:
		// Fin, a workflow or custom bot (author type bot, or an AI answer), a team.
		m.Role = handover.RoleSystem
		if au.Type == "bot" || bool(au.FromAIAgent) || bool(au.IsAIAnswer) {
			r.fin = true
		}
	}
	r.msgs = append(r.msgs, m)
}

// clickText is what a click on choice v reads as: the title of that button on the bot's last
// prompt, else the value.
func clickText(msgs []handover.Message, v string) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if m := msgs[i]; m.Role == handover.RoleBot && !m.Private && len(m.Buttons) > 0 {
			for _, b := range m.Buttons {
				if b.Value == v && strings.TrimSpace(b.Title) != "" {
					return b.Title
				}
			}
			break
		}
	}
	return v
}

// afterOfflineChoice reports whether the last public message is the visitor choosing the
// offline message: the bot's next message is the question for the address.
func afterOfflineChoice(msgs []handover.Message) bool {
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Private || m.Role == handover.RoleSystem {
			continue
		}
		if m.Role != handover.RoleVisitor {
			return false
		}
		for j := i - 1; j >= 0; j-- {
			p := msgs[j]
			if p.Role == handover.RoleBot && !p.Private {
				for _, b := range p.Buttons {
					if b.Value == handover.ChoiceOffline && (strings.EqualFold(strings.TrimSpace(m.Text), b.Title) || m.Text == b.Value) {
						return true
					}
				}
				return false
			}
		}
		return false
	}
	return false
}
