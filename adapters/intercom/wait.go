package intercom

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/handover-dev/handover/handover"
)

var (
	_ handover.WaitWatcher = (*Adapter)(nil)
	_ handover.HandBacker  = (*Adapter)(nil)
)

// maxWaitAge bounds the wait listing: a conversation of the team nothing happened in for a
// day (an old handover, an offline message filed, nobody closed) is not read every pass.
const maxWaitAge = 24 * time.Hour

// QueuedConversations lists the open conversations waiting in the team since the bot handed them
// over, for the reconciler's wait check (HANDOVER_HUMAN_WAIT_TIMEOUT). It implements
// handover.WaitWatcher.
//
// API: POST /conversations/search for open = true, team_assignee_id = the team and
// teammate_ids = the bot admin (the teammates who wrote a part: the bot wrote its handover note
// and notice there), 150 a page (searchConversations, descriptions/2.15/api.intercom.io.yaml of
// intercom/Intercom-OpenAPI: "Accepted Fields" lists team_assignee_id as an Integer and
// teammate_ids as a String). A conversation with an admin assignee is left out: a teammate
// holds it (Load reads any teammate but the bot as a takeover), and the bot as assignee means
// the bot's. The search cannot say whether a teammate replied without taking the
// conversation; such a one costs the engine one read (Load: StateAgent) and nothing else.
func (a *Adapter) QueuedConversations(ctx context.Context) ([]string, error) {
	cs, err := a.sweep(ctx, a.waitList,
		map[string]any{"field": "team_assignee_id", "operator": "=", "value": intID(a.cfg.TeamID)},
		map[string]any{"field": "teammate_ids", "operator": "=", "value": a.cfg.BotAdminID},
	)
	if err != nil {
		return nil, fmt.Errorf("intercom: conversations waiting for a person: %w", err)
	}
	var ids []string
	for _, c := range cs {
		id := c.ID.String()
		if !validID(id) || assignee(c.AdminAssigneeID.String()) != "" || assignee(c.TeamAssigneeID.String()) != a.cfg.TeamID {
			continue
		}
		if at := c.UpdatedAt.Time; !at.IsZero() && time.Since(at) > maxWaitAge {
			continue // nothing moved for a day: nobody is still in that chat waiting
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// HandBack gives a conversation waiting in the team back to the bot: it assigns the bot admin
// (POST /conversations/{id}/parts {message_type: assignment, type: admin, assignee_id: <bot>},
// which Load reads as the latest assignment to the bot: StateBot), then, when the team the
// conversation waits in was the bot's own assignment (HandToHuman's), unassigns the team
// (type team, assignee_id "0": "Set 0 if you want this assign to no admin or team",
// assign_conversation_request) so it leaves the team's inbox. It implements
// handover.HandBacker: two calls (one when a workflow, not the bot, put the conversation in
// the team, which then stays), from the conversation as the turn read it. Assignments are
// idempotent, and a crash between the two leaves the conversation with the bot and in the
// team: the bot's, as after both.
func (a *Adapter) HandBack(ctx context.Context, conv *handover.Conversation) error {
	if !validID(conv.ID) {
		return fmt.Errorf("intercom: hand back %q: not an Intercom id: %w", conv.ID, handover.ErrPermanent)
	}
	c, err := a.current(ctx, conv)
	if err != nil {
		return fmt.Errorf("intercom: hand conversation %s back to the bot: %w", conv.ID, err)
	}
	if assignee(c.AdminAssigneeID.String()) != a.cfg.BotAdminID {
		if err := a.assign(ctx, conv.ID, "admin", a.cfg.BotAdminID); err != nil {
			return fmt.Errorf("intercom: hand conversation %s back to the bot: %w", conv.ID, err)
		}
	}
	if assignee(c.TeamAssigneeID.String()) == a.cfg.TeamID && a.botRoutedToTeam(c) {
		if err := a.assign(ctx, conv.ID, "team", "0"); err != nil {
			return fmt.Errorf("intercom: hand conversation %s back to the bot: leave the team: %w", conv.ID, err)
		}
	}
	return nil
}

// botRoutedToTeam reports whether the newest assignment to a team among the parts read is the
// bot admin's own (a handover or an offline filing), so undoing it restores what was before.
func (a *Adapter) botRoutedToTeam(c *conversation) bool {
	ps := c.Parts.Parts
	for i := len(ps) - 1; i >= 0; i-- {
		p := &ps[i]
		if ok, _, team := p.assignment(); ok && team {
			return a.isBot(p.Author) && strings.TrimSpace(p.AssignedTo.ID.String()) == a.cfg.TeamID
		}
	}
	return false
}
