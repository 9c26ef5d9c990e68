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
// conversation with its 500 most recent parts, bodies as plain text), and derives its state.
// The bot is involved in a conversation from its first part of its own or the first assignment
// to it (or, when no part shows it, while it is the admin assignee); a conversation it was never
// involved in is StateOther, whoever holds it, so the bot never speaks in the workspace's other
// conversations. Then, in this order:
//
//   - closed or snoozed: StateOther;
//   - an answer of Fin, Intercom's AI agent (from_ai_agent or is_ai_answer), since the latest
//     assignment to the bot: StateOther, the bot stays silent (two bots would talk). A message
//     of the Operator or of a workflow that is not an AI answer (an email collector, a reply-time
//     notice) is a system line and silences nothing;
//   - since the bot was involved, a public reply of another teammate or an assignment to another
//     teammate, or another teammate as admin assignee: StateAgent, for good; JoinAnnounced once
//     the bot wrote after the takeover;
//   - the bot's offline note since the latest assignment to the bot, and the bot no longer the
//     admin assignee: StateOffline (while the bot is still the assignee the filing did not
//     finish, and the retried turn completes it); the note may be written from the team's queue
//     (an offline message after the wait for a person, see QueuedConversations);
//   - since the latest assignment to the bot, a teammate assigned the conversation to a team or
//     to nobody: StateQueued (a team) or StateOther (nobody): a person routed it elsewhere;
//   - assigned to the bot admin: StateBot;
//   - assigned to a team only: StateQueued;
//   - anything else: StateOther.
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
	return a.snapshot(ctx, c)
}

// snapshot builds the turn's snapshot of a conversation read from the API and completes it.
func (a *Adapter) snapshot(ctx context.Context, c *conversation) (*handover.Conversation, error) {
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
//
// With ClaimUnassigned, a visitor's message (or a reconciliation) in a conversation the bot may
// claim (claimable) makes the bot assign it to itself (POST /conversations/{id}/parts, one more
// call on the conversation's first turn) and answer it.
func (a *Adapter) LoadEvent(ctx context.Context, ev handover.Event) (*handover.Conversation, error) {
	h, _ := ev.Hint.(*hint)
	if h != nil && h.conv.ID.String() == ev.ConversationID && !h.at.IsZero() && time.Since(h.at) < hintMaxAge && !h.conv.isOpen() {
		return &handover.Conversation{ID: ev.ConversationID, Department: a.cfg.TeamID, State: handover.StateOther}, nil
	}
	c, err := a.fetch(ctx, ev.ConversationID)
	if err != nil {
		return nil, err
	}
	if a.cfg.ClaimUnassigned && claimEvent(ev.Kind) && a.claimable(c) {
		err := a.assign(ctx, ev.ConversationID, "admin", a.cfg.BotAdminID)
		switch {
		case err == nil:
			a.log.InfoContext(ctx, "claimed an unassigned conversation", "conversation", ev.ConversationID)
			claimed := *c
			claimed.AdminAssigneeID = flexjson.String(a.cfg.BotAdminID)
			c = &claimed
		case errors.Is(err, handover.ErrPermanent):
			// Refused for good (the bot teammate cannot be assigned): the conversation stays
			// unclaimed, as without the setting.
			a.log.WarnContext(ctx, "could not claim an unassigned conversation", "conversation", ev.ConversationID, "err", err)
		default:
			return nil, fmt.Errorf("intercom: claim conversation %s: %w", ev.ConversationID, err)
		}
	}
	return a.snapshot(ctx, c)
}

// claimEvent reports the events that may make the bot claim a conversation: the visitor wrote.
func claimEvent(k handover.EventKind) bool {
	return k == handover.EventVisitorMessage || k == handover.EventChoice || k == handover.EventReconcile
}

// claimable reports a conversation the bot may take for itself: open, started by the visitor in
// the Messenger (source type conversation, customer initiated), unassigned and in no team, and
// untouched: no part of the bot, of a teammate, of Fin or of a workflow, other than the
// visitor's own, and no assignment.
func (a *Adapter) claimable(c *conversation) bool {
	if !c.isOpen() || assignee(c.AdminAssigneeID.String()) != "" || assignee(c.TeamAssigneeID.String()) != "" {
		return false
	}
	src := c.Source
	if src == nil || src.Type != "conversation" || !src.Author.contact() || (src.DeliveredAs != "" && src.DeliveredAs != "customer_initiated") {
		return false
	}
	for i := range c.Parts.Parts {
		p := &c.Parts.Parts[i]
		if ok, _, _ := p.assignment(); ok || !p.Author.contact() {
			return false
		}
	}
	return true
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

// current returns the conversation as this turn's Load read it (conv.Source), or reads it.
func (a *Adapter) current(ctx context.Context, conv *handover.Conversation) (*conversation, error) {
	if l, ok := conv.Source.(*loaded); ok && l.conv != nil && l.conv.ID.String() == conv.ID {
		return l.conv, nil
	}
	return a.fetch(ctx, conv.ID)
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

// reading is what build learns walking the parts, indexed in reading order (the source, when
// read, is 0).
type reading struct {
	msgs       []handover.Message
	botAnswers int
	// from is the index of the bot's first involvement (-1: none): only what follows it can
	// take the conversation from the bot.
	from int
	// takeover is the index in msgs at which another teammate took over (-1: none seen), and
	// agent, agentID who.
	takeover       int
	agent, agentID string
	// announced: the bot wrote publicly after the takeover.
	announced bool
	// Indexes of the latest assignment to the bot, of the latest assignment by a teammate to a
	// team or to nobody, and of the latest public answer of Fin (-1: none).
	botAssigned, routed, fin int
	// offlineAt is the index of the bot's latest offline note (-1: none).
	offlineAt int
	visitor   handover.Visitor
}

// build derives the snapshot from a conversation as GET /conversations/{id} returns it. It also
// returns the id of the teammate who took over, if any.
func (a *Adapter) build(c *conversation) (*handover.Conversation, string) {
	parts := c.Parts.Parts
	truncated := len(parts) >= maxParts || c.Parts.TotalCount > len(parts)
	seq := make([]*part, 0, len(parts)+1)
	if c.Source != nil && !truncated {
		src := *c.Source
		src.ID = flexjson.String("source-" + src.ID.String())
		if src.PartType == "" {
			src.PartType = "comment"
		}
		if src.CreatedAt.IsZero() {
			src.CreatedAt = c.CreatedAt
		}
		seq = append(seq, &src)
	}
	for i := range parts {
		seq = append(seq, &parts[i])
	}
	adminID, teamID := assignee(c.AdminAssigneeID.String()), assignee(c.TeamAssigneeID.String())
	r := reading{from: -1, takeover: -1, botAssigned: -1, routed: -1, fin: -1, offlineAt: -1}
	for i, p := range seq {
		if a.involves(p) {
			r.from = i
			break
		}
	}
	if r.from < 0 && adminID == a.cfg.BotAdminID {
		r.from = 0 // assigned to the bot, though no part read shows it
	}
	for i, p := range seq {
		a.read(&r, p, i)
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
	agentID := r.agentID
	switch {
	case !c.isOpen(), r.from < 0:
		conv.State = handover.StateOther
	case r.fin > r.botAssigned:
		conv.State = handover.StateOther
	case r.takeover >= 0 || (adminID != "" && adminID != a.cfg.BotAdminID):
		conv.State = handover.StateAgent
		conv.AgentName = r.agent
		if r.takeover < 0 {
			agentID, conv.AgentName = adminID, ""
			r.announced = lastBotIsJoin(r.msgs)
		}
		conv.JoinAnnounced = r.announced
	case r.offlineAt > r.botAssigned && adminID != a.cfg.BotAdminID:
		// Filed since the bot last got the conversation (a later assignment to the bot and a
		// new handover make it queued again).
		conv.State = handover.StateOffline
	case r.routed > r.botAssigned && teamID != "":
		conv.State = handover.StateQueued
	case r.routed > r.botAssigned:
		conv.State = handover.StateOther
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

// involves reports a part that involves the bot: one of its own, or an assignment to it.
func (a *Adapter) involves(p *part) bool {
	if a.isBot(p.Author) {
		return true
	}
	_, to, _ := p.assignment()
	return to == a.cfg.BotAdminID
}

// isBot reports the bot admin as author.
func (a *Adapter) isBot(au author) bool {
	return au.Type == "admin" && au.ID.String() == a.cfg.BotAdminID
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
			return handover.IsJoinNotice(m.Text)
		}
	}
	return false
}

// read adds the part at index i to r.
func (a *Adapter) read(r *reading, p *part, i int) {
	text := plainText(p.body())
	note := p.isNote()
	var opts []quickReplyOption
	if p.Metadata != nil {
		opts = p.Metadata.QuickReplyOptions
	}
	au := p.Author
	bot := a.isBot(au)
	ai := bool(au.FromAIAgent) || bool(au.IsAIAnswer)
	human := au.Type == "admin" && !bot && !ai
	involved := r.from >= 0 && i >= r.from
	if ok, to, _ := p.assignment(); ok {
		switch {
		case to == a.cfg.BotAdminID:
			r.botAssigned = i
		case to != "":
			// An assignment to another teammate is a takeover, whoever made it (the team's
			// assignment method, the agent pages assigning as the bot admin).
			if involved && r.takeover < 0 {
				r.takeover, r.agentID = len(r.msgs), to
				if human && au.ID.String() == to {
					r.agent = au.name()
				}
			}
		case human:
			r.routed = i // a person assigned it to a team or to nobody
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
				r.offlineAt = i
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
		if text != "" && !handover.IsNotice(text) {
			r.botAnswers++
		}
		if r.takeover >= 0 {
			r.announced = true
		}
		r.msgs = mergeBot(r.msgs, &m)
		m.Prompt = promptOf(m.Buttons)
		if m.Prompt == handover.PromptNone && (handover.AsksEmail(m.Text) || afterOfflineChoice(r.msgs)) {
			m.Prompt = handover.PromptEmail
		}
	case human:
		m.Role = handover.RoleAgent
		if m.Author == "" {
			m.Author = "An agent"
		}
		if involved && r.takeover < 0 {
			r.takeover, r.agent, r.agentID = len(r.msgs), au.name(), au.ID.String()
		}
	default:
		// Fin, the Operator, a workflow or custom bot (author type bot, or an AI answer), a team.
		m.Role = handover.RoleSystem
		if ai {
			r.fin = i
		}
	}
	r.msgs = append(r.msgs, m)
}

// mergeBot joins a bot message with the bot's public message just before it when one holds only
// the text and the other only the quick-reply buttons (a message Post had to split in two
// parts): it returns msgs without that previous message, whose text or buttons m takes.
func mergeBot(msgs []handover.Message, m *handover.Message) []handover.Message {
	n := len(msgs)
	if n == 0 {
		return msgs
	}
	prev := msgs[n-1]
	if prev.Role != handover.RoleBot || prev.Private {
		return msgs
	}
	switch {
	case prev.Text == "" && len(prev.Buttons) > 0 && m.Text != "" && len(m.Buttons) == 0:
		m.Buttons = prev.Buttons
	case prev.Text != "" && len(prev.Buttons) == 0 && m.Text == "" && len(m.Buttons) > 0:
		m.Text = prev.Text
	default:
		return msgs
	}
	return msgs[:n-1]
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
