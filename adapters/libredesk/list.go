package libredesk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/handover"
)

// maxDirectory bounds how many conversations Conversations loads in full.
const maxDirectory = 50

// BotConversations lists the conversations that may be waiting for the bot, for the
// reconciler (handover.Lister): the live chats assigned to the bot agent
// (GET /api/v1/conversations/assigned: the caller's own) and the unassigned ones
// (GET /api/v1/conversations/unassigned), open, whose last public message is the visitor's
// (last_interaction_sender "contact"; kept when Libredesk does not send it). List items carry no
// inbox_id, only inbox_name: items of other inboxes are dropped by name when GET /api/v1/inboxes
// answers, and the engine's Load checks the inbox id anyway. A list the key may not read is
// skipped with a warning; the call fails only when both fail.
func (a *Adapter) BotConversations(ctx context.Context) ([]string, error) {
	var ids []string
	var errs []error
	names := a.botInboxNames(ctx)
	for _, list := range []string{"assigned", "unassigned"} {
		items, err := a.sweep(ctx, list, a.botLists[list])
		if err != nil {
			a.log.WarnContext(ctx, "could not list conversations", "list", list, "error", a.redact.Redact(err.Error()))
			errs = append(errs, err)
		}
		for _, c := range items {
			if ch := string(c.InboxChannel); ch != "" && ch != channelLive {
				continue
			}
			if !isOpen(&c) || (names != nil && !names[string(c.InboxName)]) {
				continue
			}
			last := string(c.LastInteractionSender)
			if last == "" {
				last = string(c.LastMessageSender)
			}
			if last == senderAgent && string(c.LastInteractionSender) != "" {
				continue // answered (or handed over) already
			}
			if id := string(c.UUID); id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	if len(errs) == 2 {
		return nil, fmt.Errorf("libredesk: list bot conversations: %w", errors.Join(errs...))
	}
	return ids, nil
}

// botInboxNames returns the names of the bot's inboxes (GET /api/v1/inboxes), or nil when
// they cannot be read.
func (a *Adapter) botInboxNames(ctx context.Context) map[string]bool {
	var inboxes []struct {
		ID   flexInt    `json:"id"`
		Name flexString `json:"name"`
	}
	if err := a.call(ctx, idempotentRequest, http.MethodGet, "/api/v1/inboxes", nil, &inboxes); err != nil {
		a.log.DebugContext(ctx, "could not list inboxes; not filtering by inbox name", "error", a.redact.Redact(err.Error()))
		return nil
	}
	names := map[string]bool{}
	for _, in := range inboxes {
		if a.inboxes[int(in.ID)] {
			names[string(in.Name)] = true
		}
	}
	if len(names) == 0 {
		return nil
	}
	return names
}

// list pages through GET /api/v1/conversations/{list} (page_size 100), most recent first.
func (a *Adapter) list(ctx context.Context, list string, maxPages int) ([]conversation, error) {
	var out []conversation
	for p := 1; p <= maxPages; p++ {
		items, more, err := a.listPage(ctx, list, "", p)
		out = append(out, items...)
		if err != nil || !more {
			return out, err
		}
	}
	return out, nil
}

// sweep reads one pass of the list as sw pages it (the newest pages and a moving window of
// older ones, see apiclient.Sweep): a backlog deeper than one pass is reached in turn.
func (a *Adapter) sweep(ctx context.Context, list string, sw *apiclient.Sweep) ([]conversation, error) {
	var out []conversation
	err := sw.Numbered(ctx, func(ctx context.Context, p int) (bool, error) {
		items, more, err := a.listPage(ctx, list, "", p)
		out = append(out, items...)
		return more, err
	})
	return out, err
}

// listPage reads page p of GET /api/v1/conversations/{list} (with filters, a JSON filter list,
// when not "") and reports whether more follow.
func (a *Adapter) listPage(ctx context.Context, list, filters string, p int) (items []conversation, more bool, err error) {
	var pg page[conversation]
	path := fmt.Sprintf("/api/v1/conversations/%s?page=%d&page_size=%d", list, p, pageSize)
	if filters != "" {
		path += "&filters=" + url.QueryEscape(filters)
	}
	if err := a.call(ctx, idempotentRequest, http.MethodGet, path, nil, &pg); err != nil {
		return nil, false, fmt.Errorf("list %s conversations: %w", list, err)
	}
	last := len(pg.Results) < pageSize || (int(pg.TotalPages) > 0 && p >= int(pg.TotalPages))
	return pg.Results, !last, nil
}

// Conversations implements handover.Directory: the recent open live chats (the first page of
// GET /api/v1/conversations/all, or of the bot's assigned and the unassigned lists when the key
// may not read all), each loaded in full, keeping those the bot holds or handed over (states
// bot, queued, agent, offline), most recent activity first.
func (a *Adapter) Conversations(ctx context.Context) ([]*handover.Conversation, error) {
	items, err := a.list(ctx, "all", 1)
	if err != nil {
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
			return nil, fmt.Errorf("libredesk: directory: %w", err)
		}
		mine, err1 := a.list(ctx, "assigned", 1)
		free, err2 := a.list(ctx, "unassigned", 1)
		if err1 != nil && err2 != nil {
			return nil, fmt.Errorf("libredesk: directory: %w", errors.Join(err1, err2))
		}
		items = append(mine, free...)
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].LastMessageAt.After(items[j].LastMessageAt.Time) })
	var out []*handover.Conversation
	seen := map[string]bool{}
	for _, c := range items {
		id := string(c.UUID)
		if id == "" || seen[id] || !isOpen(&c) || (c.InboxChannel != "" && string(c.InboxChannel) != channelLive) {
			continue
		}
		seen[id] = true
		if len(seen) > maxDirectory {
			break
		}
		conv, err := a.Load(ctx, id)
		if err != nil {
			if errors.Is(err, handover.ErrNotFound) {
				continue
			}
			return out, fmt.Errorf("libredesk: directory: %w", err)
		}
		if conv.State != handover.StateOther {
			out = append(out, conv)
		}
	}
	return out, nil
}

// Agents implements handover.Directory: the agents but the bot, available when their
// availability_status is "online".
func (a *Adapter) Agents(ctx context.Context) ([]handover.Agent, error) {
	list, err := a.agents(ctx)
	if err != nil {
		return nil, fmt.Errorf("libredesk: %w", err)
	}
	out := make([]handover.Agent, 0, len(list))
	for _, ag := range list {
		id := int(ag.ID)
		if id <= 0 || id == a.cfg.BotAgentID || (ag.Enabled != nil && !bool(*ag.Enabled)) {
			continue
		}
		if t := string(ag.Type); t != "" && t != senderAgent {
			continue
		}
		name := ag.name()
		if name == "" {
			name = strings.TrimSpace(string(ag.Email))
		}
		out = append(out, handover.Agent{ID: strconv.Itoa(id), Name: name, Available: string(ag.AvailabilityStatus) == "online"})
	}
	return out, nil
}

// AssignAgent implements handover.Directory ("Stop chatbot and join"): PUT .../assignee/user
// {assignee_id}, then a private note that records the assignment as a takeover, so that Load
// derives StateAgent even for a chat queued after a handover (where an assignment by Libredesk's
// own rules is not one). Libredesk's conversation.assigned names the bot as the actor, so Parse
// ignores it: the caller runs the turn that announces the agent.
func (a *Adapter) AssignAgent(ctx context.Context, conv *handover.Conversation, agentID string) error {
	n, err := strconv.Atoi(strings.TrimSpace(agentID))
	if err != nil || n <= 0 || n == a.cfg.BotAgentID {
		return fmt.Errorf("libredesk: assign agent %q: not an agent id: %w", agentID, handover.ErrPermanent)
	}
	if !uuidRE.MatchString(conv.ID) {
		return fmt.Errorf("libredesk: assign agent to %q: not a uuid: %w", conv.ID, handover.ErrNotFound)
	}
	if err := a.assignUser(ctx, conv.ID, n); err != nil {
		return fmt.Errorf("libredesk: conversation %s: %w", conv.ID, err)
	}
	if err := a.note(ctx, conv.ID, noteAssigned+"\nAgent id "+strconv.Itoa(n)+"."); err != nil {
		return fmt.Errorf("libredesk: conversation %s: %w", conv.ID, err)
	}
	return nil
}

// DepartmentNames maps the Department ids Load produces to names, for the agent pages: the
// teams Config.Teams maps inboxes to (GET /api/v1/teams/compact) and the other inboxes
// (GET /api/v1/inboxes). An id that is both gets both names.
func (a *Adapter) DepartmentNames(ctx context.Context) (map[string]string, error) {
	type named struct {
		ID   flexInt    `json:"id"`
		Name flexString `json:"name"`
	}
	var inboxes, teams []named
	if err := a.call(ctx, idempotentRequest, http.MethodGet, "/api/v1/inboxes", nil, &inboxes); err != nil {
		return nil, fmt.Errorf("libredesk: list inboxes: %w", err)
	}
	mapped := map[int]bool{}
	for _, t := range a.cfg.Teams {
		mapped[t] = true
	}
	if len(mapped) > 0 {
		if err := a.call(ctx, idempotentRequest, http.MethodGet, "/api/v1/teams/compact", nil, &teams); err != nil {
			return nil, fmt.Errorf("libredesk: list teams: %w", err)
		}
	}
	names := map[string]string{}
	add := func(id int, name string) {
		name = strings.TrimSpace(name)
		if id <= 0 || name == "" {
			return
		}
		key := strconv.Itoa(id)
		if prev, ok := names[key]; ok && prev != name {
			name = prev + " / " + name
		}
		names[key] = name
	}
	for _, in := range inboxes {
		if _, ok := a.cfg.Teams[int(in.ID)]; !ok {
			add(int(in.ID), string(in.Name))
		}
	}
	for _, t := range teams {
		if mapped[int(t.ID)] {
			add(int(t.ID), string(t.Name))
		}
	}
	return names, nil
}
