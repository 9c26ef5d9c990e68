package libredesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

var _ helpdesk.Doctor = (*Adapter)(nil)

// requiredPermissions are the permissions the bot agent's role needs (docs/helpdesks/libredesk.md
// §1); tags:manage is optional.
var requiredPermissions = []string{
	"conversations:read", "conversations:read_all", "conversations:read_assigned", "conversations:read_unassigned",
	"conversations:update_user_assignee", "conversations:update_team_assignee", "conversations:update_tags",
	"messages:read", "messages:write", "users:manage",
}

// Diagnose checks, with the bot agent's key: that the key is the bot agent's and its role holds
// the permissions the adapter uses (GET /api/v1/agents/me), that a webhook with the seven events
// is registered at publicURL (GET /api/v1/webhooks, where the role may read them:
// webhooks:manage), that the inboxes and teams configured exist (GET /api/v1/inboxes,
// /api/v1/teams/compact), and the clock against Libredesk's Date header (deliveries carry a
// signed timestamp). Read-only, one attempt each.
func (a *Adapter) Diagnose(ctx context.Context, publicURL string) []helpdesk.Finding {
	var out []helpdesk.Finding
	var date time.Time
	add := func(f ...helpdesk.Finding) { out = append(out, f...) }
	creds := "HANDOVER_LIBREDESK_API_KEY and HANDOVER_LIBREDESK_API_SECRET"
	get := func(path string, data any) (helpdesk.Answer, error) {
		ans, err := helpdesk.DoctorGET(ctx, a.http.HTTPClient, a.cfg.BaseURL+path, http.Header{
			"Authorization": {"token " + a.cfg.APIKey + ":" + a.cfg.APISecret}, "User-Agent": {"handover-libredesk"}})
		if date.IsZero() {
			date = ans.Date
		}
		if err == nil && ans.OK() && data != nil {
			var env struct {
				Data json.RawMessage `json:"data"`
			}
			if json.Unmarshal(ans.Body, &env) == nil {
				_ = json.Unmarshal(env.Data, data)
			}
		}
		return ans, err
	}

	// The key's agent and its permissions.
	var me struct {
		ID          int      `json:"id"`
		Roles       []string `json:"roles"`
		Permissions []string `json:"permissions"`
	}
	switch ans, err := get("/api/v1/agents/me", &me); {
	case err != nil:
		add(helpdesk.Bad("bot agent", err.Error(), "check HANDOVER_LIBREDESK_URL"))
	case !ans.OK():
		add(helpdesk.Bad("bot agent", ans.Failure(a.redact.Redact), "check "+creds))
	case me.ID != a.cfg.BotAgentID:
		add(helpdesk.Bad("bot agent", fmt.Sprintf("the API key belongs to agent %d, not to HANDOVER_LIBREDESK_BOT_AGENT_ID %d", me.ID, a.cfg.BotAgentID),
			"use the bot agent's key pair, or set HANDOVER_LIBREDESK_BOT_AGENT_ID to "+strconv.Itoa(me.ID)))
	default:
		var missing []string
		for _, p := range requiredPermissions {
			if !slices.Contains(me.Permissions, p) {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			add(helpdesk.Bad("bot agent role", "the role ("+strings.Join(me.Roles, ", ")+") lacks "+strings.Join(missing, ", "),
				"grant them to the bot agent's role (Admin > Teams > Roles): it must manage conversations"))
		} else {
			note := "agent " + strconv.Itoa(me.ID) + " may manage conversations"
			if !slices.Contains(me.Permissions, "tags:manage") {
				note += " (without tags:manage: the tag offline-message must exist)"
			}
			add(helpdesk.Ok("bot agent role", note))
		}
	}

	// The webhook.
	want := helpdesk.WebhookURL(publicURL, Name)
	var hooks []struct {
		Name     string   `json:"name"`
		URL      string   `json:"url"`
		Events   []string `json:"events"`
		IsActive bool     `json:"is_active"`
	}
	switch ans, err := get("/api/v1/webhooks", &hooks); {
	case strings.TrimSpace(publicURL) == "":
		add(helpdesk.NoPublicURL())
	case err != nil:
		add(helpdesk.Bad("webhook", err.Error(), "check HANDOVER_LIBREDESK_URL"))
	case ans.Status == http.StatusForbidden:
		add(helpdesk.Unchecked("webhook", "the bot agent's role may not read webhooks (webhooks:manage)",
			"check in Admin > Webhooks that one is active at "+want+" with the events "+strings.Join(Events, ", ")))
	case !ans.OK():
		add(helpdesk.Bad("webhook", ans.Failure(a.redact.Redact), "check "+creds))
	default:
		var seen []string
		done := false
		for _, h := range hooks {
			if !helpdesk.SameWebhook(h.URL, want, false) {
				seen = append(seen, h.URL)
				continue
			}
			var missing []string
			for _, e := range Events {
				if !slices.Contains(h.Events, e) {
					missing = append(missing, e)
				}
			}
			switch {
			case !h.IsActive:
				add(helpdesk.Bad("webhook", fmt.Sprintf("the webhook %q at %s is inactive", h.Name, want), "activate it in Admin > Webhooks"))
			case len(missing) > 0:
				add(helpdesk.Bad("webhook", fmt.Sprintf("the webhook %q at %s lacks the events %s", h.Name, want, strings.Join(missing, ", ")),
					"tick them in Admin > Webhooks"))
			default:
				add(helpdesk.Ok("webhook", fmt.Sprintf("%q at %s with the %d events", h.Name, want, len(Events))))
			}
			done = true
			break
		}
		if !done {
			problem := "no webhook at " + want
			if len(seen) > 0 {
				problem += " (found " + strings.Join(seen, ", ") + ")"
			}
			add(helpdesk.Bad("webhook", problem, "add one in Admin > Webhooks at "+want+
				" with the events "+strings.Join(Events, ", ")+", or set HANDOVER_PUBLIC_URL to where handover is reached"))
		}
	}

	// Inboxes and teams.
	var inboxes, teams []struct {
		ID int `json:"id"`
	}
	ids := func(list []struct {
		ID int `json:"id"`
	}) map[int]bool {
		m := map[int]bool{}
		for _, x := range list {
			m[x.ID] = true
		}
		return m
	}
	ansI, errI := get("/api/v1/inboxes", &inboxes)
	ansT, errT := get("/api/v1/teams/compact", &teams)
	switch {
	case errI != nil || errT != nil:
		add(helpdesk.Bad("inboxes and teams", fmt.Sprint(firstErr(errI, errT)), "check HANDOVER_LIBREDESK_URL"))
	case !ansI.OK():
		add(helpdesk.Bad("inboxes and teams", ansI.Failure(a.redact.Redact), "check "+creds))
	case !ansT.OK():
		add(helpdesk.Bad("inboxes and teams", ansT.Failure(a.redact.Redact), "check "+creds))
	default:
		haveI, haveT := ids(inboxes), ids(teams)
		for _, id := range a.cfg.InboxIDs {
			if haveI[id] {
				add(helpdesk.Ok(fmt.Sprintf("HANDOVER_LIBREDESK_INBOX_IDS %d", id), "the inbox exists"))
			} else {
				add(helpdesk.Bad(fmt.Sprintf("HANDOVER_LIBREDESK_INBOX_IDS %d", id), fmt.Sprintf("inbox %d does not exist", id),
					"fix HANDOVER_LIBREDESK_INBOX_IDS (Admin > Inboxes shows the ids)"))
			}
		}
		keys := make([]int, 0, len(a.cfg.Teams))
		for k := range a.cfg.Teams {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		for _, inbox := range keys {
			team := a.cfg.Teams[inbox]
			check := fmt.Sprintf("HANDOVER_LIBREDESK_TEAMS %d:%d", inbox, team)
			var bad []string
			if !haveI[inbox] {
				bad = append(bad, fmt.Sprintf("inbox %d does not exist", inbox))
			}
			if !haveT[team] {
				bad = append(bad, fmt.Sprintf("team %d does not exist", team))
			}
			if len(bad) > 0 {
				add(helpdesk.Bad(check, strings.Join(bad, "; "), "fix HANDOVER_LIBREDESK_TEAMS (Admin > Inboxes and Admin > Teams show the ids)"))
			} else {
				add(helpdesk.Ok(check, "inbox and team exist"))
			}
		}
	}

	if a.cfg.WebhookTolerance > 0 {
		add(helpdesk.ClockFinding(date, time.Now(), a.cfg.WebhookTolerance))
	}
	return out
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
