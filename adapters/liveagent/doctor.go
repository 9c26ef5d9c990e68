package liveagent

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

var _ helpdesk.Doctor = (*Adapter)(nil)

// Diagnose checks, with the API v3 key: that the bot agent exists (GET /api/v3/agents/{id}) and
// that the departments of HANDOVER_LIVEAGENT_DEPARTMENTS exist (GET /api/v3/departments/{id}).
// LiveAgent's API does not show rules, so the webhook is left to the admin (handover liveagent
// rules); LiveAgent signs nothing, so the clock does not matter. Read-only, one attempt each,
// within the key's budget.
func (a *Adapter) Diagnose(ctx context.Context, publicURL string) []helpdesk.Finding {
	var out []helpdesk.Finding
	get := func(path string) (helpdesk.Answer, error) {
		if err := a.c.v3.Wait(ctx); err != nil {
			return helpdesk.Answer{}, err
		}
		return helpdesk.DoctorGET(ctx, a.c.http.HTTPClient, a.cfg.BaseURL+path,
			http.Header{"apikey": {a.cfg.APIKey}, "User-Agent": {"handover-liveagent"}})
	}
	exists := func(check, path, what, fix string) bool {
		ans, err := get(path)
		switch {
		case err != nil:
			out = append(out, helpdesk.Bad(check, err.Error(), "check HANDOVER_LIVEAGENT_URL"))
		case ans.Status == http.StatusNotFound:
			out = append(out, helpdesk.Bad(check, what+" does not exist", fix))
		case !ans.OK():
			out = append(out, helpdesk.Bad(check, ans.Failure(a.redact.Redact), "check HANDOVER_LIVEAGENT_API_KEY"))
		default:
			return true
		}
		return false
	}

	if exists("bot agent", "/api/v3/agents/"+url.PathEscape(a.cfg.BotAgentID), "agent "+a.cfg.BotAgentID,
		"set HANDOVER_LIVEAGENT_BOT_AGENT_ID to the bot agent's id (Configuration > Agents, or GET /api/v3/agents)") {
		out = append(out, helpdesk.Ok("bot agent", "agent "+a.cfg.BotAgentID+" exists"))
	}

	from := make([]string, 0, len(a.cfg.Departments))
	for f := range a.cfg.Departments {
		from = append(from, f)
	}
	sort.Strings(from)
	fix := "fix HANDOVER_LIVEAGENT_DEPARTMENTS (Configuration > Departments, or GET /api/v3/departments)"
	for _, f := range from {
		to := a.cfg.Departments[f]
		check := fmt.Sprintf("HANDOVER_LIVEAGENT_DEPARTMENTS %s:%s", f, to)
		okF := exists(check, "/api/v3/departments/"+url.PathEscape(f), "department "+f, fix)
		okT := exists(check, "/api/v3/departments/"+url.PathEscape(to), "department "+to, fix)
		if okF && okT {
			out = append(out, helpdesk.Ok(check, "both departments exist"))
		}
	}

	out = append(out, helpdesk.Unchecked("webhook", "LiveAgent's API does not show rules: the rules that call "+
		helpdesk.WebhookURL(publicURL, Name)+"/<secret> cannot be checked by API",
		"compare Configuration > Automation > Rules with the output of `handover liveagent rules`"))
	return out
}
