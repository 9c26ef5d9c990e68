package liveagent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/handover-dev/handover/handover"
)

// The agent pages' view of LiveAgent (handover.Directory, agentui.DepartmentNamer): the chats
// the bot holds, the ones it handed over or filed as offline messages lately, and the names of
// the departments. Everything is read from LiveAgent on every call; the only caches are the
// adapter's usual ones (the agent directory and the offline tag's id).

const (
	// maxDirectory bounds how many chats one Conversations call loads: one read each
	// (GET /tickets/{id}/messages), the ticket itself coming from the list.
	maxDirectory = 20
	// directoryPage is how many tickets one list request asks for (one request whatever the
	// size; a short page is the last, §1.2).
	directoryPage = 50
	// directoryWindow is how far back handed-over chats and offline messages are listed: the
	// tickets created since (a chat is handed over minutes after it starts; an offline message
	// filed after the chat ended is a new ticket).
	directoryWindow = 24 * time.Hour
	// directoryWorkers bounds the message reads Conversations runs at once (the key's limiter
	// paces them anyway).
	directoryWorkers = 4
	// directoryDone are the statuses of tickets nobody waits on any more: resolved, deleted,
	// spam, closed (§1.4). Postponed (W) stays: an agent parked it.
	directoryDone = "R,X,B,L"
)

// Conversations lists, for the agent pages, the chats the bot holds and the ones it handed
// over or filed as offline messages in the last directoryWindow, most recent activity first.
// It implements handover.Directory. Requests per call, whatever the account's size:
//
//   - GET /api/v3/tickets, the bot's running chats:
//     _filters=[["agentid","IN",bot],["status","E","T"]], newest change first, one page;
//   - GET /api/v3/tickets, the chats it may have handed over:
//     _filters=[["departmentid","IN",queues],["status","NI","R,X,B,L"],["date_created","D>=",since]],
//     newest change first, one page of directoryPage. The queues are the targets of
//     HANDOVER_LIVEAGENT_DEPARTMENTS and the queues of the departments the bot's running chats
//     are in (a department that is not mapped hands over to itself); with none known the
//     department filter is left out. HandToHuman and LeaveOffline leave a chat there (an ended
//     chat's offline message is a new ticket there, tagged offline-message);
//   - GET /api/v3/tickets/{id}/messages for at most maxDirectory of them (bot chats first, but
//     at least half the places go to the others when there are that many), the ticket taken
//     from the list instead of read again: the state, answers and visitor come from the same
//     code as Load, and tickets that derive StateOther (a human chat the bot never touched,
//     in the same queue) are left out.
//
// That is at most 2 + maxDirectory = 22 requests on the v3 key, plus GET /agents once per
// AgentsTTL and GET /tags once per process when a listed ticket has tags. The agent pages
// call this on every refresh (HANDOVER_AGENT_UI_REFRESH) and for every open overview; see
// docs/helpdesks/liveagent.md §4 for what that means against 180 requests a minute.
func (a *Adapter) Conversations(ctx context.Context) ([]*handover.Conversation, error) {
	bot := a.cfg.BotAgentID
	mine, err := a.listTickets(ctx, [][3]string{{"agentid", "IN", bot}, {"status", "E", statusChatting}}, maxDirectory)
	if err != nil {
		return nil, fmt.Errorf("liveagent: list the bot's chats: %w", err)
	}
	// Filters are LiveAgent's; check again in case a version ignores one.
	mine = slices.DeleteFunc(mine, func(t ticket) bool {
		return t.ID == "" || t.AgentID.String() != bot || t.Status.String() != statusChatting
	})
	queues := a.directoryQueues(mine)
	// Ticket dates are LiveAgent's wall-clock dates (Config.Clock paces only the limiter), in
	// the account's time zone, which the API does not tell: UTC shifts the window by the
	// account's offset, hours on a day.
	since := time.Now().Add(-directoryWindow).UTC().Format("2006-01-02 15:04:05")
	filters := [][3]string{{"status", "NI", directoryDone}, {"date_created", "D>=", since}}
	if len(queues) > 0 {
		filters = append([][3]string{{"departmentid", "IN", strings.Join(queues, ",")}}, filters...)
	}
	others, err := a.listTickets(ctx, filters, directoryPage)
	if err != nil {
		return nil, fmt.Errorf("liveagent: list the chats handed over: %w", err)
	}
	seen := map[string]bool{}
	for _, t := range mine {
		seen[t.ID.String()] = true
	}
	others = slices.DeleteFunc(others, func(t ticket) bool {
		id := t.ID.String()
		if id == "" || seen[id] || slices.Contains(strings.Split(directoryDone, ","), t.Status.String()) {
			return true
		}
		seen[id] = true
		return false
	})
	load := pickDirectory(mine, others, maxDirectory)

	out := make([]*handover.Conversation, len(load))
	errs := make([]error, len(load))
	sem := make(chan struct{}, directoryWorkers)
	var wg sync.WaitGroup
	for i := range load {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			out[i], errs[i] = a.loadListed(ctx, load[i])
		})
	}
	wg.Wait()
	var kept []*handover.Conversation
	var failed []error
	for i, c := range out {
		switch {
		case errs[i] != nil && errors.Is(errs[i], handover.ErrNotFound):
		case errs[i] != nil:
			failed = append(failed, errs[i])
		case c != nil && c.State != handover.StateOther:
			kept = append(kept, c)
		}
	}
	if len(failed) > 0 {
		return nil, errors.Join(failed...)
	}
	slices.SortStableFunc(kept, func(x, y *handover.Conversation) int { return lastActivity(y).Compare(lastActivity(x)) })
	return kept, nil
}

// pickDirectory chooses which listed tickets to load: all of both lists when they fit in
// limit; else the bot's chats first, but at least half of limit for the others when they
// have that many (a crowd of bot chats must not hide the queue).
func pickDirectory(mine, others []ticket, limit int) []ticket {
	nOthers := min(len(others), max(limit/2, limit-len(mine)))
	nMine := min(len(mine), limit-nOthers)
	nOthers = min(len(others), limit-nMine)
	return append(slices.Clone(mine[:nMine]), others[:nOthers]...)
}

// directoryQueues are the departments handed-over chats wait in: the targets of
// Config.Departments and the queue of each department the bot's chats run in, sorted.
func (a *Adapter) directoryQueues(mine []ticket) []string {
	set := map[string]bool{}
	for _, to := range a.cfg.Departments {
		set[to] = true
	}
	for _, t := range mine {
		if d := t.DepartmentID.String(); ValidID(d) {
			set[a.queueOf(d)] = true
		}
	}
	out := make([]string, 0, len(set))
	for d := range set {
		if ValidID(d) {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

// listTickets is one page of GET /api/v3/tickets with the advanced filters given
// ([column, operator, value], §1.2), the most recently changed first.
func (a *Adapter) listTickets(ctx context.Context, filters [][3]string, perPage int) ([]ticket, error) {
	f, err := json.Marshal(filters)
	if err != nil {
		return nil, err
	}
	q := url.Values{"_filters": {string(f)}, "_page": {"1"}, "_perPage": {strconv.Itoa(perPage)},
		"_sortField": {"date_changed"}, "_sortDir": {"DESC"}}
	var list []ticket
	if err := a.c.do(ctx, call{api: V3, method: http.MethodGet, path: "/tickets", query: q}, &list); err != nil {
		return nil, err
	}
	if len(list) > perPage {
		list = list[:perPage]
	}
	return list, nil
}

// loadListed is Load for a ticket from a list: the list item is the ticket (GET /tickets
// answers Ticket models, PYCLI get_tickets_list), so only the messages are read.
func (a *Adapter) loadListed(ctx context.Context, t ticket) (*handover.Conversation, error) {
	id := t.ID.String()
	if !ValidID(id) {
		return nil, fmt.Errorf("liveagent: listed ticket id %q: %w", id, handover.ErrNotFound)
	}
	groups, more, err := a.history(ctx, id)
	if err != nil {
		if notFound(err) {
			return nil, fmt.Errorf("liveagent: ticket %s: %w: %w", id, handover.ErrNotFound, err)
		}
		return nil, fmt.Errorf("liveagent: load ticket %s: %w", id, err)
	}
	v := &view{t: t, groups: groups, more: more}
	if v.agents, err = a.agentDirectory(ctx, v.unknownAuthors()); err != nil {
		return nil, fmt.Errorf("liveagent: load ticket %s: %w", id, err)
	}
	return a.build(ctx, v), nil
}

func lastActivity(c *handover.Conversation) time.Time {
	var t time.Time
	for _, m := range c.Messages {
		if m.CreatedAt.After(t) {
			t = m.CreatedAt
		}
	}
	return t
}

// maxDepartmentPages bounds DepartmentNames' paging (100 departments a page).
const maxDepartmentPages = 10

// DepartmentNames maps department ids (Conversation.Department) to their names, for the agent
// pages (agentui.DepartmentNamer, which keeps them for a few minutes): GET /api/v3/departments
// page by page, 100 a page (Department: department_id, name; PYCLI Department.md).
func (a *Adapter) DepartmentNames(ctx context.Context) (map[string]string, error) {
	const perPage = 100
	names := map[string]string{}
	for page := 1; page <= maxDepartmentPages; page++ {
		q := url.Values{"_page": {strconv.Itoa(page)}, "_perPage": {strconv.Itoa(perPage)}}
		var list []department
		if err := a.c.do(ctx, call{api: V3, method: http.MethodGet, path: "/departments", query: q}, &list); err != nil {
			return nil, fmt.Errorf("liveagent: list departments: %w", err)
		}
		for _, d := range list {
			if id, name := d.ID.String(), strings.TrimSpace(d.Name.String()); id != "" && name != "" {
				names[id] = name
			}
		}
		if len(list) < perPage {
			break
		}
	}
	return names, nil
}
