package libredesk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/handover-dev/handover/adapters/internal/helptext"
	"github.com/handover-dev/handover/handover"
)

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// windowSize is the page_size of the one page of messages a turn reads: the newest ones
// (Libredesk lists messages newest first: get-messages in internal/conversation/queries.sql
// orders by created_at DESC). Older messages are not read: a conversation of 1,000 messages
// costs what one of 10 does.
const windowSize = 100

// source is what a Load read (handover.Conversation.Source). Post, Available, HandToHuman,
// LeaveOffline and MarkAgentJoined of the same turn work from it instead of reading again, and
// record in it what they changed.
type source struct {
	// c holds the conversation's facts: read by GET /api/v1/conversations/{uuid} (read), or
	// carried forward by the bot's latest message in the window (see vouch).
	c    conversation
	read bool
	// raw is the newest page of messages, oldest first; complete when it is the whole history.
	raw      []message
	complete bool
	// seen is the newest message id in raw: the facts in c hold up to it.
	seen int
	// agent is the online agent Available found, for Config.AssignAgent.
	agent int
}

// sourceOf returns the source of a conversation Load or LoadEvent returned, or nil.
func sourceOf(conv *handover.Conversation) *source {
	if conv == nil {
		return nil
	}
	if src, ok := conv.Source.(*source); ok && src != nil && string(src.c.UUID) == conv.ID {
		return src
	}
	return nil
}

// facts are what the bot's public messages record in meta.echo_id after the kind and the
// nonce ("handover:answer:<nonce>:<inbox>.<team>.<assignee>.<seen>"): the inbox, the team and
// the user assignee as the turn that posted the message knew them, up to message id seen.
func (s *source) facts() *facts {
	if s == nil || int(s.c.InboxID) <= 0 {
		return nil
	}
	return &facts{inbox: int(s.c.InboxID), team: int(s.c.AssignedTeamID), assignee: int(s.c.AssignedUserID), seen: s.seen}
}

// conversationOf returns the conversation's facts: the source's, or a fresh read when the
// conversation did not come from Load.
func (a *Adapter) conversationOf(ctx context.Context, conv *handover.Conversation) (*conversation, *source, error) {
	if src := sourceOf(conv); src != nil {
		return &src.c, src, nil
	}
	c, err := a.fetch(ctx, conv.ID)
	return c, nil, err
}

// Load reads a conversation: the newest page of its messages, then the conversation.
//
//   - GET /api/v1/conversations/{uuid}/messages?page=1&page_size=100: the newest 100 messages
//     (Conversation.Window when there are more), put back in order;
//   - GET /api/v1/conversations/{uuid}: status, inbox_id, inbox_channel, assigned_user_id,
//     assigned_team_id, tags, contact. Read second, so it reflects every change recorded in
//     the page (see vouch).
//
// State, in this order: not one of Config.InboxIDs, not a live chat, or Snoozed/Resolved/Closed
// → StateOther; the bot announced an agent (a "handover:joined" message or the bot's takeover
// note) → StateAgent, announced; the bot's offline note or the tag offline-message →
// StateOffline; the bot's handover note, unless the bot's hand-back note follows it (HandBack)
// → StateAgent if a human wrote publicly after it or was assigned from handover's agent pages
// (AssignAgent's note), else StateQueued; a user assignee
// other than the bot → StateAgent (a takeover by assignment); a human's public reply →
// StateAgent (a takeover by reply); else StateBot (assigned to the bot, or to no one).
//
// When the page is not the whole history and holds no message of the bot at all, the bot has
// been silent for a whole page: an agent's chat counts as announced (no second "joined"
// notice), and an unassigned chat in the inbox's mapped team as queued (a handover whose note
// is older than the page).
//
// An unknown conversation returns an error wrapping handover.ErrNotFound.
func (a *Adapter) Load(ctx context.Context, id string) (*handover.Conversation, error) {
	if !uuidRE.MatchString(id) {
		return nil, fmt.Errorf("libredesk: conversation id %q is not a uuid: %w", id, handover.ErrNotFound)
	}
	var raw []message
	complete := true
	if !a.isForeign(id) {
		// Another inbox's conversation is StateOther whatever its messages (an inbox never
		// changes): once known, its messages are not read.
		var err error
		if raw, complete, err = a.window(ctx, id); err != nil {
			return nil, err
		}
	}
	c, err := a.fetch(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.snapshot(ctx, a.readSource(c, raw, complete), true), nil
}

// LoadEvent implements handover.EventLoader. Without a hint (a retried or folded event, the
// reconciler) it is Load. With one:
//
//   - a conversation the webhook showed in another inbox, or one a read found there before, is
//     StateOther without a call (an inbox never changes);
//   - else the newest page of messages is read, and the conversation too unless the page
//     vouches for it (see vouch): the bot's latest message records what the bot knew of the
//     conversation, and every change since is in the page. So a turn in a conversation the
//     bot answers costs one read. On the chat's first turn the conversation.created object
//     stands for those facts: the hint's, or one that webhook brought (see creation). An
//     agent's activity that leaves the chat to the bot by the page (an assignment) reads the
//     conversation all the same.
//
// An agent's name is looked up (GET /api/v1/agents/compact) only for a takeover still to be
// announced.
func (a *Adapter) LoadEvent(ctx context.Context, ev handover.Event) (*handover.Conversation, error) {
	h, _ := ev.Hint.(*hint)
	id := ev.ConversationID
	if h == nil || !uuidRE.MatchString(id) {
		return a.Load(ctx, id)
	}
	if h.conv != nil && a.foreignInbox(h.conv) {
		a.rememberForeign(id)
	}
	if a.isForeign(id) {
		return &handover.Conversation{ID: id, State: handover.StateOther}, nil
	}
	raw, complete, err := a.window(ctx, id)
	if err != nil {
		return nil, err
	}
	if h.conv == nil && a.botFacts(raw) == nil {
		if c := a.creation(ctx, id, raw, complete, ev.Kind == handover.EventVisitorMessage); c != nil {
			h = &hint{message: h.message, conv: c}
		}
	}
	if src, ok := a.vouch(id, raw, complete, h); ok {
		conv := a.snapshot(ctx, src, false)
		if ev.Kind != handover.EventAgentActivity || conv.State != handover.StateBot {
			return conv, nil
		}
		// An agent's activity the page does not show (an assignment, whose activity message
		// may not be committed yet): the conversation says who holds it.
	}
	c, err := a.fetch(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.snapshot(ctx, a.readSource(c, raw, complete), false), nil
}

// readSource is the source of a read conversation and the page read before it. Messages of a
// conversation the bot may not hold are dropped (StateOther whatever they say); one of
// another inbox is remembered as such.
func (a *Adapter) readSource(c *conversation, raw []message, complete bool) *source {
	if a.foreignInbox(c) {
		a.rememberForeign(string(c.UUID))
	}
	if !a.botInbox(c) {
		raw, complete = nil, true
	}
	return &source{c: *c, read: true, raw: raw, complete: complete, seen: newestID(raw)}
}

// snapshot builds the core's snapshot of src. The name of an agent who took over by
// assignment is looked up in the agent list, for an announced takeover only when lookup says
// so (the engine ignores one).
func (a *Adapter) snapshot(ctx context.Context, src *source, lookupAnnounced bool) *handover.Conversation {
	conv, assignee := a.build(&src.c, src.raw, !src.complete)
	conv.Window = !src.complete
	conv.Source = src
	if conv.State == handover.StateAgent && conv.AgentName == "" && assignee > 0 && (!conv.JoinAnnounced || lookupAnnounced) {
		conv.AgentName = a.agentName(ctx, assignee)
	}
	return conv
}

// fetch reads one conversation.
func (a *Adapter) fetch(ctx context.Context, id string) (*conversation, error) {
	if !uuidRE.MatchString(id) {
		return nil, fmt.Errorf("libredesk: conversation id %q is not a uuid: %w", id, handover.ErrNotFound)
	}
	var c conversation
	if err := a.call(ctx, idempotentRequest, http.MethodGet, "/api/v1/conversations/"+id, nil, &c); err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
			return nil, fmt.Errorf("libredesk: conversation %s: %w: %w", id, handover.ErrNotFound, err)
		}
		return nil, fmt.Errorf("libredesk: read conversation %s: %w", id, err)
	}
	if c.UUID == "" {
		c.UUID = flexString(id)
	}
	return &c, nil
}

// window reads the newest page of a conversation's messages and returns it oldest first, and
// whether it is the whole history.
func (a *Adapter) window(ctx context.Context, id string) ([]message, bool, error) {
	var pg page[message]
	path := fmt.Sprintf("/api/v1/conversations/%s/messages?page=1&page_size=%d", id, windowSize)
	if err := a.call(ctx, idempotentRequest, http.MethodGet, path, nil, &pg); err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
			return nil, false, fmt.Errorf("libredesk: conversation %s: %w: %w", id, handover.ErrNotFound, err)
		}
		return nil, false, fmt.Errorf("libredesk: load conversation %s: list messages: %w", id, err)
	}
	raw := pg.Results
	sort.SliceStable(raw, func(i, j int) bool {
		ti, tj := raw[i].CreatedAt.Time, raw[j].CreatedAt.Time
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return raw[i].ID < raw[j].ID
	})
	var complete bool
	switch {
	case int(pg.Total) > 0:
		complete = int(pg.Total) <= len(raw)
	case int(pg.TotalPages) > 0:
		complete = int(pg.TotalPages) <= 1
	default:
		complete = len(raw) < windowSize
	}
	return raw, complete, nil
}

// vouch decides whether the page of messages raw vouches for the conversation's facts, so
// that it need not be read. It does when
//
//   - the newest public message of the bot that records facts (see source.facts) names one
//     of Config.InboxIDs (the inbox of a conversation never changes); or, when the bot has
//     no such message on the page (its first turn), the conversation object the webhook
//     carried (h.conv: conversation.created's payload is GetConversation's, read after the
//     first message was stored) shows an Open live chat of one of those inboxes: its facts
//     hold up to no message (seen 0), so raw must be the whole history and every message on
//     it is checked as below;
//   - raw holds every message after the one the facts hold up to;
//   - none of those messages is an activity by anyone but the bot: Libredesk records every
//     user or team assignment and every status change as an activity message
//     (afterUserAssignedHooks, UpdateConversationTeamAssignee, UpdateConversationStatus and
//     ReOpenConversation in internal/conversation), so a change by someone else shows there,
//     and the bot's own changes are in its notes and markers;
//   - none of them is the note of an assignment from handover's agent pages (which needs the
//     assignee);
//   - the hinted message is in raw, and so is a visitor message (the contact).
//
// Only a removal of the assignee records no activity (RemoveConversationAssignee): that leaves
// a chat to the bot anyway. The facts are then: that inbox, a live chat, Open, the recorded
// team and assignee, the contact of the newest visitor message.
func (a *Adapter) vouch(id string, raw []message, complete bool, h *hint) (*source, bool) {
	bot := a.cfg.BotAgentID
	f := a.botFacts(raw)
	var hinted string
	var hc *conversation
	if h != nil {
		hinted, hc = h.message, h.conv
	}
	if f == nil && hc != nil && string(hc.UUID) == id && a.botInbox(hc) {
		f = &facts{inbox: int(hc.InboxID), team: int(hc.AssignedTeamID), assignee: int(hc.AssignedUserID)}
	} else {
		hc = nil
	}
	if f == nil || !a.inboxes[f.inbox] {
		return nil, false
	}
	covered, hintSeen := complete, hinted == ""
	var visitor *message
	for i := range raw {
		m := &raw[i]
		if int(m.ID) <= 0 {
			return nil, false
		}
		if string(m.UUID) == hinted {
			hintSeen = true
		}
		if string(m.Type) == msgIncoming {
			visitor = m
		}
		if int(m.ID) <= f.seen {
			covered = true
			continue
		}
		if string(m.Type) == msgActivity && int(m.SenderID) != bot {
			return nil, false
		}
		if int(m.SenderID) == bot && bool(m.Private) && string(m.Type) == msgOutgoing && isNote(messageText(m), noteAssigned) {
			return nil, false
		}
	}
	if !covered || !hintSeen || visitor == nil {
		return nil, false
	}
	contact := visitor.Author
	if int(contact.ID) == 0 {
		contact.ID = visitor.SenderID
	}
	if hc != nil && int(hc.Contact.ID) == int(contact.ID) && strings.TrimSpace(string(contact.Email)) == "" {
		contact.Email = hc.Contact.Email
	}
	c := conversation{UUID: flexString(id), InboxID: flexInt(f.inbox), InboxChannel: channelLive, Status: statusOpen,
		AssignedUserID: flexInt(f.assignee), AssignedTeamID: flexInt(f.team), Contact: contact}
	return &source{c: c, raw: raw, complete: complete, seen: newestID(raw)}, true
}

// botFacts returns the facts the bot's newest public message in raw records, or nil.
func (a *Adapter) botFacts(raw []message) *facts {
	for i := len(raw) - 1; i >= 0; i-- {
		if m := &raw[i]; a.botPublic(m) {
			if f, ok := echoFacts(m.Meta.EchoID); ok {
				return &f
			}
		}
	}
	return nil
}

// createdConv is a conversation.created webhook's conversation object, and when it came.
type createdConv struct {
	c  *conversation
	at time.Time
}

const (
	// createdTTL is how long a conversation.created object is kept for the chat's first turn.
	createdTTL = 2 * time.Minute
	// creationWait bounds how long a chat's first turn waits for its conversation.created
	// webhook (Libredesk sends it right after the first message's, from another worker).
	creationWait = 250 * time.Millisecond
)

// rememberCreated keeps the conversation object of a conversation.created webhook and wakes the
// turn that waits for it.
func (a *Adapter) rememberCreated(id string, c *conversation) {
	if string(c.UUID) != id {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.created) >= maxForeign {
		clear(a.created)
	}
	a.created[id] = createdConv{c: c, at: time.Now()}
	if ch, ok := a.awaited[id]; ok {
		close(ch)
		delete(a.awaited, id)
	}
}

// creation returns the object of the conversation.created webhook of conversation id, for a
// turn whose own webhook did not carry one (message.created), so that the first turn of a
// chat need not read the conversation (vouch checks it against the page). When the page is a
// new chat's whole history (every message younger than createdTTL) and wait is set, it waits
// up to creationWait for the webhook, which Libredesk sends right after the first message's.
// Otherwise, or when it does not come, nil.
func (a *Adapter) creation(ctx context.Context, id string, raw []message, complete, wait bool) *conversation {
	a.mu.Lock()
	cc, ok := a.created[id]
	if ok && time.Since(cc.at) < createdTTL {
		a.mu.Unlock()
		return cc.c
	}
	if !wait || !complete || len(raw) == 0 || time.Since(raw[0].CreatedAt.Time) > createdTTL || len(a.awaited) >= maxForeign {
		a.mu.Unlock()
		return nil
	}
	ch, ok := a.awaited[id]
	if !ok {
		ch = make(chan struct{})
		a.awaited[id] = ch
	}
	a.mu.Unlock()
	t := time.NewTimer(creationWait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.awaited[id] == ch {
		delete(a.awaited, id)
	}
	if cc, ok := a.created[id]; ok {
		return cc.c
	}
	return nil
}

// botPublic reports whether m is a public message of the bot.
func (a *Adapter) botPublic(m *message) bool {
	return string(m.Type) == msgOutgoing && int(m.SenderID) == a.cfg.BotAgentID && !bool(m.Private)
}

// newestID is the highest message id in raw.
func newestID(raw []message) int {
	n := 0
	for _, m := range raw {
		n = max(n, int(m.ID))
	}
	return n
}

// messageText is a message's plain text.
func messageText(m *message) string {
	if text := strings.TrimSpace(string(m.TextContent)); text != "" {
		return text
	}
	return helptext.Lines(string(m.Content))
}

// foreignInbox reports whether c is, for good, not the bot's: another inbox, or not a live
// chat. An unknown inbox (0) decides nothing.
func (a *Adapter) foreignInbox(c *conversation) bool {
	if int(c.InboxID) <= 0 {
		return false
	}
	ch := string(c.InboxChannel)
	return !a.inboxes[int(c.InboxID)] || (ch != "" && ch != channelLive)
}

// maxForeign bounds how many conversations of other inboxes the adapter remembers.
const maxForeign = 10_000

// rememberForeign remembers a conversation of another inbox (or channel): its webhooks then
// cost no read.
func (a *Adapter) rememberForeign(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.foreign) >= maxForeign {
		clear(a.foreign)
	}
	a.foreign[id] = true
}

func (a *Adapter) isForeign(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.foreign[id]
}

// build maps Libredesk's conversation and messages onto the core snapshot; partial says that
// older messages exist. It also returns the user assignee, whose name Load looks up for a
// takeover by assignment. The bot's answers are counted in raw only: the engine offers the
// human button once an answer in the window carried it.
func (a *Adapter) build(c *conversation, raw []message, partial bool) (*handover.Conversation, int) {
	conv := &handover.Conversation{
		ID:         string(c.UUID),
		Department: a.department(c),
		Channel:    string(c.InboxChannel),
		Visitor: handover.Visitor{
			ID: strconv.Itoa(int(c.Contact.ID)), Name: c.Contact.name(), Email: strings.TrimSpace(string(c.Contact.Email)),
		},
	}
	conv.Messages = make([]handover.Message, 0, len(raw))
	for i := range raw {
		m := a.toMessage(&raw[i])
		if m.Role == handover.RoleBot && !m.Private {
			if k := botKind(&raw[i], m.Text); k == kindAnswer || k == kindAnswerHuman {
				conv.BotAnswers++
			}
		}
		conv.Messages = append(conv.Messages, m)
	}
	var assignee int
	conv.State, conv.AgentName, conv.JoinAnnounced, assignee = a.deriveState(c, raw, conv.Messages, partial)
	return conv, assignee
}

// toMessage maps one Libredesk message. The bot's messages are the bot agent's (sender_id);
// activity messages are the system's, whoever caused them.
func (a *Adapter) toMessage(m *message) handover.Message {
	text := strings.TrimSpace(string(m.TextContent))
	if text == "" {
		text = helptext.Lines(string(m.Content))
	}
	out := handover.Message{ID: string(m.UUID), Text: text, Private: bool(m.Private), CreatedAt: m.CreatedAt.Time}
	if out.ID == "" {
		out.ID = strconv.Itoa(int(m.ID))
	}
	switch string(m.Type) {
	case msgIncoming:
		out.Role, out.Author = handover.RoleVisitor, m.Author.name()
	case msgOutgoing:
		switch {
		case string(m.SenderType) == senderContact:
			out.Role, out.Author = handover.RoleVisitor, m.Author.name()
		case int(m.SenderID) == a.cfg.BotAgentID:
			out.Role, out.Author = handover.RoleBot, m.Author.name()
			if !out.Private {
				out.Prompt, out.Buttons = promptOf(botKind(m, text))
			}
		default:
			out.Role, out.Author = handover.RoleAgent, m.Author.name()
			if out.Author == "" {
				out.Author = "An agent"
			}
		}
	default: // activity
		out.Role = handover.RoleSystem
	}
	return out
}

// deriveState implements the rules documented on Load. The name of the agent is returned when
// the history tells it; otherwise the returned assignee is the user whose name Load looks up.
func (a *Adapter) deriveState(c *conversation, raw []message, msgs []handover.Message, partial bool) (handover.State, string, bool, int) {
	if !a.botInbox(c) {
		return handover.StateOther, "", false, 0
	}
	assignee := int(c.AssignedUserID)
	human := assignee > 0 && assignee != a.cfg.BotAgentID
	handoverAt, assignedAt, handedBackAt, offline := -1, -1, -1, slices.Contains([]string(c.Tags), TagOffline)
	joined, joinedName := false, ""
	// silent: older messages exist and the bot wrote none of these (no message, no note).
	silent := partial
	for i := range raw {
		m := &raw[i]
		if int(m.SenderID) != a.cfg.BotAgentID || string(m.Type) != msgOutgoing {
			continue
		}
		silent = false
		text := msgs[i].Text
		switch {
		case !bool(m.Private):
			joined = joined || botKind(m, text) == kindJoined
		case isNote(text, noteJoined):
			joined = true
			joinedName = nameFromJoinedNote(text)
		case isNote(text, noteOffline):
			offline = true
		case isNote(text, noteHandover):
			handoverAt = i
		case isNote(text, noteAssigned):
			assignedAt = i
		case isNote(text, noteHandedBack):
			handedBackAt = i
		}
	}
	if handedBackAt > handoverAt {
		handoverAt = -1 // the visitor called the wait off: the bot's again (HandBack)
	}
	switch {
	case joined:
		if joinedName != "" {
			return handover.StateAgent, joinedName, true, 0
		}
		if human {
			return handover.StateAgent, "", true, assignee
		}
		return handover.StateAgent, lastAgentAuthor(msgs, 0), true, 0
	case offline:
		return handover.StateOffline, "", false, 0
	case handoverAt >= 0:
		if name := lastAgentAuthor(msgs, handoverAt+1); name != "" {
			return handover.StateAgent, name, false, 0
		}
		if human && assignedAt > handoverAt {
			// Assigned from handover's agent pages ("Stop chatbot and join"), not merely by
			// Libredesk's own assignment of the queue.
			return handover.StateAgent, "", false, assignee
		}
		return handover.StateQueued, "", false, 0
	case human:
		return handover.StateAgent, "", silent, assignee
	}
	if name := lastAgentAuthor(msgs, 0); name != "" {
		return handover.StateAgent, name, silent, 0
	}
	if team := a.cfg.Teams[int(c.InboxID)]; silent && team > 0 && int(c.AssignedTeamID) == team && assignee == 0 {
		return handover.StateQueued, "", false, 0
	}
	return handover.StateBot, "", false, 0
}

// nameFromJoinedNote reads the agent's name back from the note MarkAgentJoined writes.
func nameFromJoinedNote(text string) string {
	_, rest, ok := strings.Cut(text, joinedNoteTold)
	if !ok {
		return ""
	}
	name, _, ok := strings.Cut(rest, joinedNoteEnd)
	if !ok {
		return ""
	}
	return strings.TrimSpace(name)
}

// botInbox reports whether c is an open live chat in one of the bot's inboxes: the only
// conversations the bot may hold.
func (a *Adapter) botInbox(c *conversation) bool {
	if !a.inboxes[int(c.InboxID)] {
		return false
	}
	if ch := string(c.InboxChannel); ch != "" && ch != channelLive {
		return false
	}
	return isOpen(c)
}

// isOpen: a status of category open, or any status but Snoozed, Resolved and Closed (custom
// statuses are open ones unless their category says otherwise).
func isOpen(c *conversation) bool {
	switch strings.ToLower(string(c.StatusCategory)) {
	case "resolved", "closed", "snoozed":
		return false
	}
	switch string(c.Status) {
	case statusSnoozed, statusResolved, statusClosed:
		return false
	}
	return true
}

// lastAgentAuthor returns the author of the last public human agent message at or after from.
func lastAgentAuthor(msgs []handover.Message, from int) string {
	for i := len(msgs) - 1; i >= from && i >= 0; i-- {
		if msgs[i].Role == handover.RoleAgent && !msgs[i].Private {
			return msgs[i].Author
		}
	}
	return ""
}

// isNote reports whether a note's text starts with marker. The prefix, not the first line, is
// compared: Libredesk derives text_content from the HTML, and its line breaks are its own.
func isNote(text, marker string) bool {
	return strings.HasPrefix(strings.TrimSpace(text), marker)
}

// botKind is the kind of one of the bot's public messages: from meta.echo_id, or, for a message
// without one (a Libredesk that keeps no echo_id), from the line the adapter added; any other
// message of the bot counts as an answer.
func botKind(m *message, text string) string {
	if k := echoKind(m.Meta.EchoID); k != "" {
		return k
	}
	for _, l := range typedLines() {
		switch {
		case strings.Contains(text, l.human):
			return kindAnswerHuman
		case strings.Contains(text, l.offline):
			return kindOffline
		}
	}
	return kindAnswer
}

// typedLines are every language's human and offline sentences, rendered once.
var typedLines = sync.OnceValue(func() []struct{ human, offline string } {
	var out []struct{ human, offline string }
	for _, l := range handover.Languages() {
		out = append(out, struct{ human, offline string }{l.Instruction(handover.PromptHuman), l.Instruction(handover.PromptOffline)})
	}
	return out
})

// department is the conversation's human queue: the team Config.Teams maps its inbox to, else
// the inbox.
func (a *Adapter) department(c *conversation) string {
	if t, ok := a.cfg.Teams[int(c.InboxID)]; ok {
		return strconv.Itoa(t)
	}
	return strconv.Itoa(int(c.InboxID))
}
