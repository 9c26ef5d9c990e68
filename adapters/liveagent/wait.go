package liveagent

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/handover-dev/handover/handover"
)

// The wait for a person (docs/helpdesks/liveagent.md, "Waiting for a person"): a chat the bot
// handed over rings in its human department with no agent until one picks it up. The bot agent
// still writes there through API v1 (the handover notice already does, after the transfer), so
// the engine may offer the offline message to a visitor nobody took in time (WaitWatcher), and
// give the chat back to the bot when the visitor calls the wait off (HandBacker).

var (
	_ handover.WaitWatcher = (*Adapter)(nil)
	_ handover.HandBacker  = (*Adapter)(nil)
)

const (
	// maxWaiting bounds how many waiting chats one listing returns: the engine reads each
	// (GET /tickets/{id} and its messages: two v3 requests of the key's 180 a minute).
	maxWaiting = 20
	// waitingPage and waitingPages bound the listing itself: one request per page of running
	// chats nobody filtered out yet (a short page is the last, §1.2).
	waitingPage  = 100
	waitingPages = 3
	// waitingStatuses are the running chats' ticket statuses (I init, T chatting; rstatus of
	// ChatInformation in QualityUnit/LiveAgent-api-python docs/ChatInformation.md), as a
	// filter value: LeaveOffline takes the same two as a chat still running.
	waitingStatuses = statusInit + "," + statusChatting
)

// noteHandedBack heads the bot's note when it gives a waiting chat back to itself: the agents'
// record of why the chat left their queue, and the marker LoadEvent reads as undoing the
// handover note before it (a later handover writes a new one).
const noteHandedBack = "Given back to the bot: the visitor no longer waits for a person."

// QueuedConversations lists the running chats that no agent holds, for the reconciler's wait
// check (HANDOVER_HUMAN_WAIT_TIMEOUT): where HandToHuman leaves a chat (its human department,
// no agent) until an agent picks it up. It implements handover.WaitWatcher.
//
// API: GET /api/v3/tickets?_filters=[["status","IN","I,T"]]&_perPage=100&_sortField=date_changed
// &_sortDir=DESC, page by page (at most waitingPages; `status` takes IN on GET /tickets, §1.2).
// The agent cannot be filtered on emptiness (`agentid` takes IN only), so the list items are
// kept here when their `agentid` is empty: the bot's own chats (the reconciler's
// BotConversations) and those an agent took are left out, and so is a chat already filed as an
// offline message (the offline-message tag, read from the list item; only a tagged ticket costs
// the tag lookup, once per process). No department filter: a department that is not mapped
// (HANDOVER_LIVEAGENT_DEPARTMENTS) hands over to itself, so the queues are not all known.
//
// The list cannot tell a chat the bot handed over from a visitor's chat ringing in a human
// department that the bot never saw: the engine's read (Load: two v3 requests) decides, and
// the latter derives StateOther. At most maxWaiting ids are returned; with more, the most
// recently changed half and a random draw of the others (sampleChats), so none waits behind a
// crowd for more than a few passes. A pass therefore costs one to waitingPages list requests
// plus two reads per returned chat: at most 43 v3 requests, every
// max(HANDOVER_RECONCILE_INTERVAL, HANDOVER_HUMAN_WAIT_TIMEOUT/5).
func (a *Adapter) QueuedConversations(ctx context.Context) ([]string, error) {
	filters, err := json.Marshal([][3]string{{"status", "IN", waitingStatuses}})
	if err != nil {
		return nil, fmt.Errorf("liveagent: list waiting chats: %w", err)
	}
	var waiting []ticket
	seen := map[string]bool{}
	for page := 1; page <= waitingPages; page++ {
		q := url.Values{"_filters": {string(filters)}, "_page": {strconv.Itoa(page)}, "_perPage": {strconv.Itoa(waitingPage)},
			"_sortField": {"date_changed"}, "_sortDir": {"DESC"}}
		var list []ticket
		if err := a.c.do(ctx, call{api: V3, method: http.MethodGet, path: "/tickets", query: q}, &list); err != nil {
			return nil, fmt.Errorf("liveagent: list waiting chats: %w", err)
		}
		for i := range list {
			t := &list[i]
			id := t.ID.String()
			if !ValidID(id) || seen[id] || !a.mayWait(ctx, t) {
				continue
			}
			seen[id] = true
			waiting = append(waiting, *t)
		}
		if len(list) < waitingPage {
			break
		}
	}
	return sampleChats(waiting, maxWaiting, rand.Shuffle), nil
}

// mayWait reports a listed ticket that may be a chat waiting for a person: running (the
// filter is LiveAgent's; checked again in case a version ignores it), held by no agent, and
// not filed as an offline message.
func (a *Adapter) mayWait(ctx context.Context, t *ticket) bool {
	switch t.Status.String() {
	case statusInit, statusChatting:
	default:
		return false
	}
	return strings.TrimSpace(t.AgentID.String()) == "" && !a.hasTag(ctx, t, TagOffline)
}

// HandBack gives a chat waiting for a person back to the bot agent. It implements
// handover.HandBacker:
//
//  1. GET /api/v3/tickets/{id}, fresh: the transfer below would take the chat from whoever
//     holds it, and the turn's read may come from a rule body made before an agent picked the
//     chat up (LoadEvent). An agent other than the bot holding it is an error, not retried as
//     such: the retried turn reads StateAgent and leaves the chat to them. A chat no longer
//     running (any status but I or T) cannot be given back (handover.ErrPermanent);
//  2. the bot's note noteHandedBack (v1 POST /api/conversations/{id}/messages, type N),
//     unless the latest of the bot's handover and hand-back notes already is one: the agents
//     see why the chat left their queue, and LoadEvent reads it as the handover undone;
//  3. v1 PUT /api/conversations/{id}/attendants {agentidentifier: the bot}, unless the bot
//     already holds it, with departmentid: the bot's department when exactly one department
//     maps to the chat's queue (HANDOVER_LIVEAGENT_DEPARTMENTS), else the department is kept.
//     Load then derives StateBot (the bot is the assignee).
//
// Three calls (one v3 read, two v1 writes); repeating it is harmless: a note already there or a
// bot already holding the chat is not written again. A crash between 2 and 3 leaves the chat
// queued, where the retried turn makes the transfer.
func (a *Adapter) HandBack(ctx context.Context, conv *handover.Conversation) error {
	if !ValidID(conv.ID) {
		return fmt.Errorf("liveagent: hand back ticket %q: not an id: %w", conv.ID, handover.ErrPermanent)
	}
	t, err := a.ticket(ctx, conv.ID)
	if err != nil {
		return fmt.Errorf("liveagent: hand back to the bot: %w", err)
	}
	id, bot := t.ID.String(), a.cfg.BotAgentID
	holder := strings.TrimSpace(t.AgentID.String())
	if holder != "" && holder != bot {
		return fmt.Errorf("liveagent: hand ticket %s back to the bot: agent %s holds it now", id, holder)
	}
	if s := t.Status.String(); s != statusInit && s != statusChatting {
		return fmt.Errorf("liveagent: hand ticket %s back to the bot: the chat is not running (status %q): %w", id, s, handover.ErrPermanent)
	}
	if !handedBack(conv.Messages) {
		if err := a.note(ctx, id, noteHandedBack); err != nil {
			return fmt.Errorf("liveagent: hand ticket %s back to the bot: %w", id, err)
		}
	}
	if holder != bot {
		if err := a.transfer(ctx, id, a.botDepartment(t.DepartmentID.String()), bot); err != nil {
			return fmt.Errorf("liveagent: hand ticket %s back to the bot: %w", id, err)
		}
	}
	return nil
}

// botDepartment is the one department that hands over to queue (Config.Departments), where the
// bot takes chats; "" when none or several do (the transfer then keeps the department).
func (a *Adapter) botDepartment(queue string) string {
	from := ""
	for f, to := range a.cfg.Departments {
		if to != queue || f == queue {
			continue
		}
		if from != "" {
			return ""
		}
		from = f
	}
	return from
}

// handedBack reports whether the latest of the bot's handover and hand-back notes among msgs
// is a hand-back.
func handedBack(msgs []handover.Message) bool {
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Role != handover.RoleBot || !m.Private {
			continue
		}
		switch first := firstLine(m.Text); {
		case strings.HasPrefix(first, noteHandedBack):
			return true
		case strings.HasPrefix(first, noteHandover):
			return false
		}
	}
	return false
}

// handedOver reports whether the latest of the bot's handover and hand-back notes in the
// groups, in creation order, is a handover note: the chat was handed over and not given back
// since.
func (a *Adapter) handedOver(groups []messageGroup) bool {
	over := false
	for _, e := range chronological(groups) {
		mt, gt := e.m.Type.String(), e.g.Type.String()
		note := mt == "N" || mt == "L" || mt == "I" || gt == "I" || gt == "U" || gt == "Z"
		if !note || authorOf(e.g, e.m) != a.cfg.BotAgentID {
			continue
		}
		switch first := firstLine(e.m.Message.String()); {
		case strings.HasPrefix(first, noteHandover):
			over = true
		case strings.HasPrefix(first, noteHandedBack):
			over = false
		}
	}
	return over
}
