package chatwoot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/handover-dev/handover/handover"
)

// The agent pages' view of Chatwoot (handover.Directory): which
// conversations the bot holds or handed over, the account's agents, and the
// takeover assignment. Everything is read from Chatwoot on every call.

// stateAgentAssigned is the AttrState value AssignAgent leaves on a
// conversation that is not pending (a queued one): there a human assignee
// alone does not mean a takeover, because Chatwoot's auto-assignment assigns
// someone when the bot hands over. Load derives StateAgent from it, and the
// engine's join announcement then replaces it with "agent_joined".
const stateAgentAssigned = "agent_assigned"

// directoryLimit caps how many conversations Conversations returns (the most
// recently active first).
const directoryLimit = 200

// directoryWorkers bounds the message reads Conversations runs at once.
const directoryWorkers = 6

var _ handover.Directory = (*Adapter)(nil)

// listedConversation is one entry of GET /conversations: the conversation
// partial plus the activity time the list is sorted by and its newest
// non-activity message
// (app/views/api/v1/conversations/partials/_conversation.json.jbuilder).
type listedConversation struct {
	conversation
	LastActivityAt  flexTime `json:"last_activity_at"`
	Timestamp       flexTime `json:"timestamp"`
	LastNonActivity *message `json:"last_non_activity_message"`
}

// Conversations lists the conversations the bot holds or handed over, most
// recently active first, for the agent pages. It implements
// handover.Directory.
//
// With the user token it pages through GET /conversations?status=pending
// and ?status=open (assignee_type=all, 25 a page; ConversationFinder,
// app/finders/conversation_finder.rb) and keeps every pending conversation
// and the open ones that may be handover's (see maybeHandedOver). It then
// reads the newest page of messages of each (GET .../messages: the newest
// 20) and derives the state with the same code as Load; conversations that
// derive StateOther are left out. The snapshots' Messages hold only those
// newest messages.
// API docs: https://developers.chatwoot.com/api-reference/introduction (Conversations, Messages).
func (a *Adapter) Conversations(ctx context.Context) ([]*handover.Conversation, error) {
	var listed []listedConversation
	var open []listedConversation
	for _, status := range []string{statusPending, statusOpen} {
		for page := 1; page <= maxListPages; page++ {
			cs, more, err := a.listPage(ctx, status, page)
			if err != nil {
				return nil, err
			}
			if status == statusPending {
				listed = append(listed, cs...)
			} else {
				open = append(open, cs...)
			}
			if !more {
				break
			}
		}
	}
	botInboxes := map[string]bool{}
	for i := range listed {
		botInboxes[string(listed[i].InboxID)] = true
	}
	for i := range open {
		if handoverMarked(&open[i].conversation) {
			botInboxes[string(open[i].InboxID)] = true
		}
	}
	for i := range open {
		if a.maybeHandedOver(&open[i].conversation, botInboxes) {
			listed = append(listed, open[i])
		}
	}
	slices.SortStableFunc(listed, func(x, y listedConversation) int {
		return y.activity().Compare(x.activity().Time)
	})
	if len(listed) > directoryLimit {
		listed = listed[:directoryLimit]
	}

	out := make([]*handover.Conversation, len(listed))
	errs := make([]error, len(listed))
	sem := make(chan struct{}, directoryWorkers)
	var wg sync.WaitGroup
	for i := range listed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			c := &listed[i].conversation
			if !validID(string(c.ID)) {
				errs[i] = fmt.Errorf("chatwoot: listed conversation id %q is not a display id", c.ID)
				return
			}
			page, err := a.readMessages(ctx, string(c.ID), "")
			if err != nil {
				errs[i] = fmt.Errorf("chatwoot: messages of conversation %s: %w", c.ID, err)
				return
			}
			c.applyMeta(&page.Meta)
			out[i] = a.build(c, page.Payload, len(page.Payload) < pageSize)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, conv := range out {
		if conv.State != handover.StateOther {
			kept = append(kept, conv)
		}
	}
	return kept, nil
}

// activity is when the conversation last changed, for sorting.
func (c *listedConversation) activity() flexTime {
	if !c.LastActivityAt.IsZero() {
		return c.LastActivityAt
	}
	return c.Timestamp
}

// handoverMarked reports whether an open conversation carries one of
// handover's marks that the conversation list shows: handover_state (an
// agent joined or was assigned from the agent pages; "queued" and "offline"
// from older releases) or the offline-message label.
func handoverMarked(c *conversation) bool {
	switch c.attr(AttrState) {
	case stateQueued, stateOffline, stateAgentJoined, stateAgentAssigned:
		return true
	}
	return c.hasLabel(LabelOffline)
}

// maybeHandedOver reports whether an open conversation may be one the bot
// handed over, so that its messages are worth reading: it carries a mark
// (handoverMarked); or its inbox maps to a team (Config.Teams) and it is in
// that team, as HandToHuman leaves it; or its inbox is not mapped and is one
// the bot works in (botInboxes: the inboxes of the pending and marked
// conversations listed), since a queued conversation of an inbox queue is
// known by the bot's handover note only. A queued conversation of an
// unmapped inbox where the bot holds no other conversation at the time is
// therefore not listed until an agent joins it.
func (a *Adapter) maybeHandedOver(c *conversation, botInboxes map[string]bool) bool {
	if handoverMarked(c) {
		return true
	}
	if t, ok := a.mappedTeam(c); ok {
		return atoi(c.teamID()) == t
	}
	return botInboxes[string(c.InboxID)]
}

// Agents lists the account's users (agents and administrators) with the user
// token: GET /api/v1/accounts/{a}/agents, an array in the agent format
// (app/views/api/v1/accounts/agents/index.json.jbuilder). An agent is
// Available when availability_status is "online", the rule Available uses.
// It implements handover.Directory.
// API docs: https://developers.chatwoot.com/api-reference/introduction (Agents).
func (a *Adapter) Agents(ctx context.Context) ([]handover.Agent, error) {
	var raw json.RawMessage
	if err := a.call(ctx, idempotentRequest, userToken, http.MethodGet, "/agents", nil, &raw); err != nil {
		return nil, fmt.Errorf("chatwoot: list agents: %w", err)
	}
	list, err := decodeAgents(raw)
	if err != nil {
		return nil, fmt.Errorf("chatwoot: list agents: %w", err)
	}
	out := make([]handover.Agent, 0, len(list))
	for _, ag := range list {
		if string(ag.ID) == "" {
			continue
		}
		name := strings.TrimSpace(string(ag.Name))
		if name == "" {
			name = "Agent " + string(ag.ID)
		}
		out = append(out, handover.Agent{
			ID:        string(ag.ID),
			Name:      name,
			Available: strings.EqualFold(string(ag.AvailabilityStatus), "online"),
		})
	}
	return out, nil
}

// AssignAgent makes agentID the conversation's assignee: POST
// .../conversations/{id}/assignments {assignee_id} with the user token
// (Conversations::AssignmentsController#create; Chatwoot sends the bot a
// conversation_updated webhook, which the engine reads as agent activity).
// It then re-reads the conversation: the assignee must be the agent (Chatwoot
// unassigns on an unknown id), and a conversation that is no longer pending
// (handed over, waiting in the queue) gets handover_state "agent_assigned",
// so Load derives StateAgent. It implements handover.Directory.
// API docs: https://developers.chatwoot.com/api-reference/introduction (Conversation Assignments).
func (a *Adapter) AssignAgent(ctx context.Context, conv *handover.Conversation, agentID string) error {
	if !validID(agentID) {
		return fmt.Errorf("chatwoot: assign conversation %s: agent id %q is not a user id: %w", conv.ID, agentID, handover.ErrPermanent)
	}
	if !validID(conv.ID) {
		return fmt.Errorf("chatwoot: assign conversation %q: not a display id: %w", conv.ID, handover.ErrNotFound)
	}
	n, _ := strconv.Atoi(agentID)
	body := map[string]int{"assignee_id": n}
	if err := a.call(ctx, idempotentRequest, userToken, http.MethodPost, "/conversations/"+conv.ID+"/assignments", body, nil); err != nil {
		return fmt.Errorf("chatwoot: assign conversation %s to agent %s: %w", conv.ID, agentID, err)
	}
	c, err := a.fetch(ctx, conv.ID)
	if err != nil {
		return fmt.Errorf("chatwoot: assign conversation %s: %w", conv.ID, err)
	}
	if as := c.humanAssignee(); as == nil || string(as.ID) != agentID {
		return fmt.Errorf("chatwoot: assign conversation %s: agent %s is not its assignee afterwards: %w", conv.ID, agentID, handover.ErrPermanent)
	}
	if string(c.Status) != statusPending && c.attr(AttrState) != stateAgentJoined && c.attr(AttrState) != stateAgentAssigned {
		if err := a.setAttrs(ctx, c, map[string]any{AttrState: stateAgentAssigned}); err != nil {
			return fmt.Errorf("chatwoot: assign conversation %s: %w", conv.ID, err)
		}
	}
	return nil
}

// DepartmentNames maps the Department ids Load produces to names, for the
// agent pages: the names of the teams Config.Teams maps inboxes to
// (GET /teams, an array) and of the other inboxes (GET /inboxes,
// {payload:[...]}), read with the user token.
func (a *Adapter) DepartmentNames(ctx context.Context) (map[string]string, error) {
	var inboxes struct {
		Payload []struct {
			ID   flexString `json:"id"`
			Name flexString `json:"name"`
		} `json:"payload"`
	}
	if err := a.call(ctx, idempotentRequest, userToken, http.MethodGet, "/inboxes", nil, &inboxes); err != nil {
		return nil, fmt.Errorf("chatwoot: list inboxes: %w", err)
	}
	names := map[string]string{}
	add := func(id, name string) {
		name = strings.TrimSpace(name)
		if id == "" || name == "" {
			return
		}
		names[id] = name
	}
	for _, in := range inboxes.Payload {
		if _, mapped := a.cfg.Teams[atoi(string(in.ID))]; !mapped {
			add(deptInbox+string(in.ID), string(in.Name))
		}
	}
	if len(a.cfg.Teams) == 0 {
		return names, nil
	}
	var raw json.RawMessage
	if err := a.call(ctx, idempotentRequest, userToken, http.MethodGet, "/teams", nil, &raw); err != nil {
		return nil, fmt.Errorf("chatwoot: list teams: %w", err)
	}
	var teams []team
	if err := json.Unmarshal(raw, &teams); err != nil {
		var wrapped struct {
			Payload []team `json:"payload"`
		}
		if err := json.Unmarshal(raw, &wrapped); err != nil {
			return nil, fmt.Errorf("chatwoot: list teams: decode: %w", err)
		}
		teams = wrapped.Payload
	}
	for _, tm := range teams {
		for _, t := range a.cfg.Teams {
			if strconv.Itoa(t) == string(tm.ID) {
				add(deptTeam+string(tm.ID), string(tm.Name))
				break
			}
		}
	}
	return names, nil
}
