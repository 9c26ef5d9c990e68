package intercom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/handover"
)

// Search limits: 150 conversations a page is the API's maximum; maxPages bounds one listing,
// sweepPages the first pages and the moving window of the reconciler's (apiclient.Sweep).
const (
	searchPerPage = 150
	maxPages      = 20
	sweepPages    = 10
	// directorySize is how many conversations the agent pages show.
	directorySize = 50
)

// search lists the open conversations matching filters (AND), pages in the order the API
// gives them, up to limit (0: up to maxPages pages): POST /conversations/search with cursor
// paging (starting_after). Search may lag behind new conversations (the reconciler's grace
// period covers it); it is never on a turn's path.
// https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io/conversations/searchconversations
func (a *Adapter) search(ctx context.Context, limit int, filters ...map[string]any) ([]conversation, error) {
	var out []conversation
	cursor := ""
	for range maxPages {
		cs, next, err := a.searchPage(ctx, cursor, filters)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
		if limit > 0 && len(out) >= limit {
			return out[:limit], nil
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return out, nil
}

// sweep lists the open conversations matching filters as sw pages them: the first pages and a
// window of later ones that moves on each pass (apiclient.Sweep), so a reconciler's
// listing longer than one pass is read in turn, whatever order the search gives. A saved
// cursor Intercom refuses (400) starts the window over.
func (a *Adapter) sweep(ctx context.Context, sw *apiclient.Sweep, filters ...map[string]any) ([]conversation, error) {
	var out []conversation
	err := sw.Pages(ctx, func(ctx context.Context, cursor string) (string, error) {
		cs, next, err := a.searchPage(ctx, cursor, filters)
		out = append(out, cs...)
		return next, err
	}, func(err error) bool {
		var apiErr *APIError
		return errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest
	})
	return out, err
}

// searchPage reads one page of the search (cursor "" for the first) and returns the next
// page's cursor, "" after the last.
func (a *Adapter) searchPage(ctx context.Context, cursor string, filters []map[string]any) ([]conversation, string, error) {
	value := []map[string]any{{"field": "open", "operator": "=", "value": true}}
	value = append(value, filters...)
	page := map[string]any{"per_page": searchPerPage}
	if cursor != "" {
		page["starting_after"] = cursor
	}
	body := map[string]any{"query": map[string]any{"operator": "AND", "value": value}, "pagination": page}
	var resp struct {
		Conversations []conversation `json:"conversations"`
		Pages         *struct {
			Next *struct {
				StartingAfter string `json:"starting_after"`
			} `json:"next"`
		} `json:"pages"`
	}
	if err := a.call(ctx, apiclient.Idempotent, http.MethodPost, "/conversations/search", body, &resp); err != nil {
		return nil, "", fmt.Errorf("search conversations: %w", err)
	}
	next := ""
	if resp.Pages != nil && resp.Pages.Next != nil && resp.Pages.Next.StartingAfter != cursor {
		next = resp.Pages.Next.StartingAfter
	}
	return resp.Conversations, next, nil
}

// intID renders a numeric id as the integer the search expects for admin_assignee_id and
// team_assignee_id ("The value you search for has to match the accepted type").
func intID(id string) json.Number { return json.Number(id) }

// BotConversations lists the open conversations assigned to the bot admin, for the reconciler
// (handover.Lister): a search for admin_assignee_id = the bot and open = true.
func (a *Adapter) BotConversations(ctx context.Context) ([]string, error) {
	cs, err := a.sweep(ctx, a.botList, map[string]any{"field": "admin_assignee_id", "operator": "=", "value": intID(a.cfg.BotAdminID)})
	if err != nil {
		return nil, fmt.Errorf("intercom: bot conversations: %w", err)
	}
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		if id := c.ID.String(); validID(id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// Conversations lists, for the agent pages (handover.Directory), the open conversations of the
// bot admin and of the team, most recently updated first, each read as Load reads it (so
// State and BotAnswers are right), at most directorySize. The team's conversations the bot
// never had (StateOther) are left out.
func (a *Adapter) Conversations(ctx context.Context) ([]*handover.Conversation, error) {
	var all []conversation
	for _, f := range []map[string]any{
		{"field": "admin_assignee_id", "operator": "=", "value": intID(a.cfg.BotAdminID)},
		{"field": "team_assignee_id", "operator": "=", "value": intID(a.cfg.TeamID)},
	} {
		cs, err := a.search(ctx, directorySize, f)
		if err != nil {
			return nil, fmt.Errorf("intercom: conversations: %w", err)
		}
		all = append(all, cs...)
	}
	slices.SortStableFunc(all, func(x, y conversation) int { return y.UpdatedAt.Compare(x.UpdatedAt.Time) })
	seen := map[string]bool{}
	var out []*handover.Conversation
	for _, c := range all {
		id := c.ID.String()
		if seen[id] || !validID(id) {
			continue
		}
		seen[id] = true
		conv, err := a.Load(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("intercom: conversations: %w", err)
		}
		if conv.State == handover.StateOther {
			continue
		}
		out = append(out, conv)
		if len(out) == directorySize {
			break
		}
	}
	return out, nil
}

// Agents lists the team's teammates (GET /admins), available as Available counts them.
func (a *Adapter) Agents(ctx context.Context) ([]handover.Agent, error) {
	as, err := a.admins(ctx)
	if err != nil {
		return nil, fmt.Errorf("intercom: agents: %w", err)
	}
	var out []handover.Agent
	for i := range as {
		ad := &as[i]
		if ad.ID.String() == a.cfg.BotAdminID || !ad.inTeam(a.cfg.TeamID) {
			continue
		}
		out = append(out, handover.Agent{ID: ad.ID.String(), Name: ad.Name, Available: a.availableAgent(ad)})
	}
	return out, nil
}

// AssignAgent assigns the conversation to the teammate agentID (an assignment part performed by
// the bot admin), which Load then reads as a takeover.
func (a *Adapter) AssignAgent(ctx context.Context, conv *handover.Conversation, agentID string) error {
	if !validID(conv.ID) || !validID(agentID) {
		return fmt.Errorf("intercom: assign %q to %q: not Intercom ids: %w", conv.ID, agentID, handover.ErrPermanent)
	}
	if err := a.assign(ctx, conv.ID, "admin", agentID); err != nil {
		return fmt.Errorf("intercom: conversation %s: %w", conv.ID, err)
	}
	return nil
}
