package chatwoot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

var _ helpdesk.Doctor = (*Adapter)(nil)

// Diagnose checks, with the administrator's token: that its user is an administrator of the
// account (GET /api/v1/profile), that an agent bot sends its webhooks to publicURL (GET
// /agent_bots: outgoing_url), that the inboxes and teams of HANDOVER_CHATWOOT_TEAMS exist (GET
// /inboxes/{id}, /teams/{id}), and the clock against Chatwoot's Date header (signed webhooks
// carry X-Chatwoot-Timestamp). Read-only, one attempt each.
func (a *Adapter) Diagnose(ctx context.Context, publicURL string) []helpdesk.Finding {
	var out []helpdesk.Finding
	var date time.Time
	get := func(path string) (helpdesk.Answer, error) {
		ans, err := helpdesk.DoctorGET(ctx, a.http.HTTPClient, a.cfg.BaseURL+path,
			http.Header{"api_access_token": {a.cfg.UserToken}, "User-Agent": {"handover-chatwoot"}})
		if date.IsZero() {
			date = ans.Date
		}
		return ans, err
	}
	account := fmt.Sprintf("/api/v1/accounts/%d", a.cfg.AccountID)

	// The user token's role.
	if ans, err := get("/api/v1/profile"); err != nil {
		out = append(out, helpdesk.Bad("user token role", err.Error(), "check HANDOVER_CHATWOOT_URL"))
	} else if !ans.OK() {
		out = append(out, helpdesk.Bad("user token role", ans.Failure(a.redact.Redact), "check HANDOVER_CHATWOOT_USER_TOKEN: an administrator's access token (Profile settings > Access token)"))
	} else {
		var p struct {
			Accounts []struct {
				ID   int    `json:"id"`
				Role string `json:"role"`
			} `json:"accounts"`
		}
		_ = json.Unmarshal(ans.Body, &p)
		role := ""
		for _, acc := range p.Accounts {
			if acc.ID == a.cfg.AccountID {
				role = acc.Role
			}
		}
		switch role {
		case "administrator":
			out = append(out, helpdesk.Ok("user token role", "administrator of account "+strconv.Itoa(a.cfg.AccountID)))
		case "":
			out = append(out, helpdesk.Bad("user token role", "the user of HANDOVER_CHATWOOT_USER_TOKEN is not in account "+strconv.Itoa(a.cfg.AccountID),
				"check HANDOVER_CHATWOOT_ACCOUNT_ID and HANDOVER_CHATWOOT_USER_TOKEN"))
		default:
			out = append(out, helpdesk.Bad("user token role", "the user of HANDOVER_CHATWOOT_USER_TOKEN is an "+role+", not an administrator",
				"use an administrator's access token for HANDOVER_CHATWOOT_USER_TOKEN (agents cannot read inbox members, teams and agent bots)"))
		}
	}

	// The agent bot's outgoing_url.
	want := helpdesk.WebhookURL(publicURL, Name)
	switch ans, err := get(account + "/agent_bots"); {
	case strings.TrimSpace(publicURL) == "":
		out = append(out, helpdesk.NoPublicURL())
	case err != nil:
		out = append(out, helpdesk.Bad("webhook", err.Error(), "check HANDOVER_CHATWOOT_URL"))
	case !ans.OK():
		out = append(out, helpdesk.Bad("webhook", ans.Failure(a.redact.Redact), "check HANDOVER_CHATWOOT_USER_TOKEN (an administrator's)"))
	default:
		var bots []struct {
			Name        string `json:"name"`
			OutgoingURL string `json:"outgoing_url"`
			SystemBot   bool   `json:"system_bot"`
		}
		_ = json.Unmarshal(ans.Body, &bots)
		var seen []string
		found := ""
		for _, b := range bots {
			if b.SystemBot || b.OutgoingURL == "" {
				continue
			}
			if helpdesk.SameWebhook(b.OutgoingURL, want, true) {
				found = b.Name
				break
			}
			seen = append(seen, fmt.Sprintf("%q → %s", b.Name, redactPathSecret(b.OutgoingURL)))
		}
		if found != "" {
			out = append(out, helpdesk.Ok("webhook", fmt.Sprintf("agent bot %q sends every event to %s", found, want)))
		} else {
			problem := "no agent bot sends to " + want
			if len(seen) > 0 {
				problem += " (found " + strings.Join(seen, ", ") + ")"
			}
			out = append(out, helpdesk.Bad("webhook", problem,
				"set the outgoing_url of handover's agent bot (Settings > Bots) to "+want+", or HANDOVER_PUBLIC_URL to where handover is reached"))
		}
	}

	// Inboxes and teams of HANDOVER_CHATWOOT_TEAMS.
	inboxes := make([]int, 0, len(a.cfg.Teams))
	for inbox := range a.cfg.Teams {
		inboxes = append(inboxes, inbox)
	}
	sort.Ints(inboxes)
	exists := func(kind string, id int, path string) bool {
		check := fmt.Sprintf("HANDOVER_CHATWOOT_TEAMS %s %d", kind, id)
		ans, err := get(path)
		switch {
		case err != nil:
			out = append(out, helpdesk.Bad(check, err.Error(), "check HANDOVER_CHATWOOT_URL"))
		case ans.Status == http.StatusNotFound:
			out = append(out, helpdesk.Bad(check, fmt.Sprintf("%s %d does not exist in account %d", kind, id, a.cfg.AccountID),
				"fix HANDOVER_CHATWOOT_TEAMS (inboxID:teamID; Settings > Inboxes and Settings > Teams show the ids)"))
		case !ans.OK():
			out = append(out, helpdesk.Bad(check, ans.Failure(a.redact.Redact), "check HANDOVER_CHATWOOT_USER_TOKEN (an administrator's)"))
		default:
			return true
		}
		return false
	}
	for _, inbox := range inboxes {
		team := a.cfg.Teams[inbox]
		okInbox := exists("inbox", inbox, fmt.Sprintf("%s/inboxes/%d", account, inbox))
		okTeam := exists("team", team, fmt.Sprintf("%s/teams/%d", account, team))
		if okInbox && okTeam {
			out = append(out, helpdesk.Ok(fmt.Sprintf("HANDOVER_CHATWOOT_TEAMS %d:%d", inbox, team), "inbox and team exist"))
		}
	}

	out = append(out, helpdesk.ClockFinding(date, time.Now(), SignatureTolerance))
	return out
}

// redactPathSecret hides a last path segment after /webhooks/chatwoot/ (the ≤ 4.12 secret).
func redactPathSecret(u string) string {
	if i := strings.Index(u, "/webhooks/"+Name+"/"); i >= 0 {
		return u[:i] + "/webhooks/" + Name + "/[secret]"
	}
	return u
}
