package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/handover-dev/handover/handover"
)

// Conversation metadata handover sets when an agent takes a conversation over from the agent
// pages ("Stop chatbot and join"): who, and the bot message the takeover follows, so that Load
// derives StateAgent for this takeover only.
const (
	metaTakeoverAgent = "handover_takeover_agent"
	metaTakeoverEpoch = "handover_takeover_epoch"
)

// reasonAgentTakeover is handover_reason in the metadata of AssignAgent's passControl; the
// switchboard:passControl webhook echoes it.
const reasonAgentTakeover = "agent_takeover"

var _ handover.Directory = (*Adapter)(nil)

// Conversations returns no conversations: Sunshine Conversations lists a conversation only by
// its user (GET /v2/apps/{app}/conversations needs filter[userId], ConversationListFilter), so
// there is no "every conversation the bot holds" to list without keeping state, which handover
// does not. The agent pages still show any conversation by its link
// (/agent/conversations/<conversation id>) and offer "Stop chatbot and join" there; the
// overview says so (handover.ErrNoListing).
func (a *Adapter) Conversations(context.Context) ([]*handover.Conversation, error) {
	return nil, handover.ErrNoListing
}

// Agents lists the members of Config.GroupID (GET /api/v2/groups/{id}/users), or every agent and
// admin (GET /api/v2/users?role[]=agent&role[]=admin) without a group. An agent is Available when
// the Agent Availability API shows them online for messaging and the opening hours are open.
// API docs: https://developer.zendesk.com/api-reference/ticketing/users/users/
func (a *Adapter) Agents(ctx context.Context) ([]handover.Agent, error) {
	base := "/api/v2/users?role%5B%5D=agent&role%5B%5D=admin&per_page=100"
	if a.cfg.GroupID != "" {
		base = "/api/v2/groups/" + a.cfg.GroupID + "/users?per_page=100"
	}
	var out []handover.Agent
	for page := 1; page <= 10; page++ {
		var resp struct {
			Users []struct {
				ID     json.Number `json:"id"`
				Name   string      `json:"name"`
				Role   string      `json:"role"`
				Active *bool       `json:"active"`
			} `json:"users"`
			NextPage *string `json:"next_page"`
		}
		if err := a.call(ctx, request{api: supportAPI, method: http.MethodGet, path: base + "&page=" + strconv.Itoa(page), out: &resp}); err != nil {
			return nil, fmt.Errorf("zendesk: list agents: %w", err)
		}
		for _, u := range resp.Users {
			if u.Role == "end-user" || (u.Active != nil && !*u.Active) {
				continue
			}
			out = append(out, handover.Agent{ID: u.ID.String(), Name: strings.TrimSpace(u.Name)})
		}
		if resp.NextPage == nil || *resp.NextPage == "" {
			break
		}
	}
	if len(out) == 0 {
		return out, nil
	}
	online, err := a.onlineAgents(ctx)
	if err != nil {
		return nil, fmt.Errorf("zendesk: list agents: %w", err)
	}
	open := a.cfg.Hours.Open(a.cfg.Now())
	for i := range out {
		out[i].Available = open && online[out[i].ID]
	}
	return out, nil
}

// onlineAgents returns the ids of agents online for messaging.
func (a *Adapter) onlineAgents(ctx context.Context) (map[string]bool, error) {
	online := map[string]bool{}
	cursor := ""
	for range 20 {
		path := "/api/v2/agent_availabilities?filter%5Bchannel_status%5D=messaging%3Aonline&page%5Bsize%5D=100"
		if cursor != "" {
			path += "&page%5Bafter%5D=" + url.QueryEscape(cursor)
		}
		var resp struct {
			Data []struct {
				Attributes struct {
					AgentID json.Number `json:"agent_id"`
				} `json:"attributes"`
			} `json:"data"`
			Meta struct {
				HasMore     bool   `json:"has_more"`
				AfterCursor string `json:"after_cursor"`
			} `json:"meta"`
		}
		if err := a.call(ctx, request{api: supportAPI, method: http.MethodGet, path: path, out: &resp}); err != nil {
			return nil, fmt.Errorf("agent availabilities: %w", err)
		}
		for _, d := range resp.Data {
			online[d.Attributes.AgentID.String()] = true
		}
		if !resp.Meta.HasMore || resp.Meta.AfterCursor == "" || resp.Meta.AfterCursor == cursor {
			break
		}
		cursor = resp.Meta.AfterCursor
	}
	return online, nil
}

// AssignAgent is "Stop chatbot and join" from the agent pages: it records the takeover in the
// conversation's metadata (handover_takeover_agent, handover_takeover_epoch: PATCH
// /sc/v2/apps/{app}/conversations/{id}, merged with the metadata already there) and passes
// control to Agent Workspace (passControl with first_message_id, handover_reason
// "agent_takeover" and handover_agent), unless Agent Workspace has it already. Load then derives
// StateAgent for this takeover, and the engine's turn announces the agent to the visitor. Zendesk
// routes the messaging ticket; the agent takes it in Agent Workspace.
// API docs: https://developer.zendesk.com/api-reference/conversations/#tag/Switchboard-Actions
func (a *Adapter) AssignAgent(ctx context.Context, conv *handover.Conversation, agentID string) error {
	if !digitsRe.MatchString(agentID) {
		return fmt.Errorf("zendesk: assign agent %q: not a Zendesk user id: %w", agentID, handover.ErrPermanent)
	}
	var u struct {
		User struct {
			Name string `json:"name"`
		} `json:"user"`
	}
	if err := a.call(ctx, request{api: supportAPI, method: http.MethodGet, path: "/api/v2/users/" + agentID, out: &u}); err != nil {
		return fmt.Errorf("zendesk: assign agent %s: %w", agentID, err)
	}
	name := strings.TrimSpace(u.User.Name)
	if name == "" {
		name = "An agent"
	}
	l, err := a.loadedFor(ctx, conv, true)
	if err != nil {
		return fmt.Errorf("zendesk: assign agent: %w", err)
	}
	c := &l.conv
	md := metadata{}
	for k, v := range c.Metadata {
		md[k] = v
	}
	md[metaTakeoverAgent] = clipRunes(name, 200)
	_, md[metaTakeoverEpoch] = epochOf(l.raw)
	if err := a.call(ctx, request{api: sunshineAPI, method: http.MethodPatch, path: a.appPath("/conversations/%s", c.ID), in: map[string]any{"metadata": md}}); err != nil {
		return fmt.Errorf("zendesk: assign agent in conversation %s: record takeover: %w", c.ID, err)
	}
	if a.agentWorkspace(c.Active) {
		return nil
	}
	pass := metadata{"handover_reason": reasonAgentTakeover, "handover_reason_text": "An agent took the chat over from the bot.", "handover_agent": md[metaTakeoverAgent]}
	if first := a.firstMessageID(ctx, l); first != "" {
		pass["first_message_id"] = first
	}
	body := map[string]any{"switchboardIntegration": a.cfg.AgentWorkspace, "metadata": pass}
	if err := a.call(ctx, request{api: sunshineAPI, method: http.MethodPost, path: a.appPath("/conversations/%s/passControl", c.ID), in: body}); err != nil {
		return fmt.Errorf("zendesk: assign agent in conversation %s: pass control: %w", c.ID, err)
	}
	return nil
}

// epochOf finds the bot message a takeover follows: handover's last message as the bot (not an
// announcement). It returns its index in raw and its id as Load reports it (handover_ref), or
// -1 and "start" when handover has not spoken.
func epochOf(raw []message) (int, string) {
	idx, id := -1, "start"
	for i := range raw {
		m := &raw[i]
		kind := m.Metadata.str(metaKind)
		if m.Deleted || m.Author.Type != "business" || kind == "" || kind == kindJoined {
			continue
		}
		idx, id = i, m.ID
		if ref := m.Metadata.str(metaRef); ref != "" {
			id = ref
		}
	}
	return idx, id
}
