package libredesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/handover-dev/handover/handover"
)

var (
	_ handover.WaitWatcher = (*Adapter)(nil)
	_ handover.HandBacker  = (*Adapter)(nil)
)

// queueFilters are the filters of the wait listing, in the flat-array form every version's
// dbutil.BuildPaginatedQuery accepts (AND-ed): Open live chats. A handover never changes the
// status, so a chat waiting in a queue is Open.
var queueFilters = func() string {
	b, _ := json.Marshal([]map[string]string{
		{"model": "conversation_statuses", "field": "name", "operator": "equals", "value": statusOpen},
		{"model": "inboxes", "field": "channel", "operator": "equals", "value": channelLive},
	})
	return string(b)
}()

// QueuedConversations lists the live chats of the bot's inboxes that may be waiting for a person
// since the bot handed them over, for the reconciler's wait check (HANDOVER_HUMAN_WAIT_TIMEOUT).
// It implements handover.WaitWatcher.
//
// API: GET /api/v1/inboxes (the bot inboxes' names: list items carry no inbox_id), then
// GET /api/v1/conversations/all?page=N&page_size=100&filters=… (conversations:read_all; Open
// live chats, most recent last_message_at first, the newest pages and a moving window of older
// ones, apiclient.Sweep; the filters of makeConversationsListQuery and
// dbutil.BuildPaginatedQuery in abhinavxd/libredesk). The list item's last_interaction and last_interaction_sender (the newest public message that is not
// an activity, update-conversation-last-message in internal/conversation/queries.sql) keep the
// reads down. A chat the bot is not assigned to is kept when
//
//   - its newest public message is the bot's handover notice or "keep waiting" confirmation, in
//     any built-in language (the visitor has been silent since; an agent Libredesk's
//     round-robin assigned has not written either); or
//   - its newest public message is the visitor's, no user is assigned, the bot has replied
//     before (first_reply_at) and it sits in the team its inbox maps to (Config.Teams), or in
//     no team for an inbox without one: where HandToHuman leaves it.
//
// A chat whose newest public message is an agent's, the bot's offer (its answer comes by
// webhook) or another notice of the bot's is left out. The engine's read decides the rest
// (Load: StateQueued or not).
func (a *Adapter) QueuedConversations(ctx context.Context) ([]string, error) {
	names := a.botInboxIDs(ctx)
	var ids []string
	err := a.waitList.Numbered(ctx, func(ctx context.Context, p int) (bool, error) {
		items, more, err := a.listPage(ctx, "all", queueFilters, p)
		for i := range items {
			if c := &items[i]; a.mayWait(c, names) && !slices.Contains(ids, string(c.UUID)) {
				ids = append(ids, string(c.UUID))
			}
		}
		return more, err
	})
	if err != nil {
		return nil, fmt.Errorf("libredesk: list conversations waiting for a person: %w", err)
	}
	return ids, nil
}

// mayWait applies QueuedConversations' rules to a list item; names maps the bot inboxes' names
// to their ids (nil when unknown).
func (a *Adapter) mayWait(c *conversation, names map[string][]int) bool {
	if string(c.UUID) == "" || !isOpen(c) || (string(c.InboxChannel) != "" && string(c.InboxChannel) != channelLive) {
		return false
	}
	inboxes, known := names[string(c.InboxName)]
	if names != nil && !known {
		return false // another inbox
	}
	user, team := int(c.AssignedUserID), int(c.AssignedTeamID)
	if user == a.cfg.BotAgentID {
		return false // the bot's: the reconciler's BotConversations
	}
	switch string(c.LastInteractionSender) {
	case senderAgent:
		return isWaitNotice(string(c.LastInteraction))
	case senderContact:
		if user != 0 || c.FirstReplyAt.IsZero() {
			return false
		}
		if names == nil {
			return team == 0 || slices.Contains(mappedTeams(a.cfg.Teams), team)
		}
		for _, in := range inboxes {
			if a.cfg.Teams[in] == team {
				return true
			}
		}
	}
	return false
}

// mappedTeams returns the teams Config.Teams maps inboxes to.
func mappedTeams(m map[int]int) []int {
	var out []int
	for _, t := range m {
		out = append(out, t)
	}
	return out
}

// botInboxIDs maps the names of the bot's inboxes to their ids (GET /api/v1/inboxes), or nil
// when they cannot be read. Two inboxes may share a name.
func (a *Adapter) botInboxIDs(ctx context.Context) map[string][]int {
	var inboxes []struct {
		ID   flexInt    `json:"id"`
		Name flexString `json:"name"`
	}
	if err := a.call(ctx, idempotentRequest, http.MethodGet, "/api/v1/inboxes", nil, &inboxes); err != nil {
		a.log.DebugContext(ctx, "could not list inboxes; not filtering by inbox name", "error", a.redact.Redact(err.Error()))
		return nil
	}
	names := map[string][]int{}
	for _, in := range inboxes {
		if a.inboxes[int(in.ID)] {
			names[string(in.Name)] = append(names[string(in.Name)], int(in.ID))
		}
	}
	if len(names) == 0 {
		return nil
	}
	return names
}

// isWaitNotice reports the engine's handover notice or "keep waiting" confirmation in a built-in
// language, with or without the apology before it.
func isWaitNotice(text string) bool {
	t := strings.TrimSpace(text)
	if t == "" {
		return false
	}
	def := handover.DefaultTexts()
	for _, l := range handover.Languages() {
		for _, n := range []string{l.Texts.Connecting, l.Texts.KeepWaiting, def.Connecting, def.KeepWaiting} {
			if n = strings.TrimSpace(n); n != "" && strings.HasSuffix(t, n) {
				return true
			}
		}
	}
	return false
}

// HandBack gives a chat waiting for a person back to the bot, from what Load read:
//
//  1. PUT .../assignee/user {assignee_id: <bot>} unless the bot is the assignee (an agent
//     Libredesk's round-robin assigned, who has not written: the chat is still queued, is
//     replaced; the assignment's activity is the bot's own, so the page still vouches);
//  2. the private note "Given back to the bot…", unless one already follows the latest handover
//     note: the marker Load reads as undoing that handover, so it derives StateBot (a later
//     handover note queues the chat again);
//  3. PUT .../assignee/team/remove when the chat is in the team its inbox maps to (Config.Teams),
//     where HandToHuman put it, so it leaves the team's queue (RemoveConversationAssignee:
//     no activity, no webhook).
//
// It implements handover.HandBacker: up to three calls, none repeated once done. A crash
// before the note leaves the chat queued, where the retried turn does it again; one after it
// leaves the bot's chat in the team, which the bot's assignment keeps from round-robin.
func (a *Adapter) HandBack(ctx context.Context, conv *handover.Conversation) error {
	c, _, err := a.conversationOf(ctx, conv)
	if err != nil {
		return fmt.Errorf("libredesk: hand back to the bot: %w", err)
	}
	id := conv.ID
	if int(c.AssignedUserID) != a.cfg.BotAgentID {
		if err := a.assignUser(ctx, id, a.cfg.BotAgentID); err != nil {
			return fmt.Errorf("libredesk: hand conversation %s back to the bot: %w", id, err)
		}
		c.AssignedUserID = flexInt(a.cfg.BotAgentID)
	}
	if !handedBack(conv) {
		if err := a.note(ctx, id, noteHandedBack); err != nil {
			return fmt.Errorf("libredesk: hand conversation %s back to the bot: %w", id, err)
		}
	}
	if team := a.cfg.Teams[int(c.InboxID)]; team > 0 && int(c.AssignedTeamID) == team {
		if err := a.call(ctx, idempotentRequest, http.MethodPut, "/api/v1/conversations/"+id+"/assignee/team/remove", nil, nil); err != nil {
			return fmt.Errorf("libredesk: hand conversation %s back to the bot: leave team %d: %w", id, team, err)
		}
		c.AssignedTeamID = 0
	}
	return nil
}

// handedBack reports whether the bot's latest handover or hand-back note is a hand-back.
func handedBack(conv *handover.Conversation) bool {
	for i := len(conv.Messages) - 1; i >= 0; i-- {
		m := conv.Messages[i]
		if m.Role != handover.RoleBot || !m.Private {
			continue
		}
		switch {
		case isNote(m.Text, noteHandedBack):
			return true
		case isNote(m.Text, noteHandover):
			return false
		}
	}
	return false
}
