package liveagent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// buttonName is the agent-panel custom button install creates.
const buttonName = "Stop chatbot and join"

// install is "handover install liveagent" (helpdesk.InstallFunc), with the API v3 key: it checks
// the key and the bot agent (GET /api/v3/agents/{id}) and the departments of
// HANDOVER_LIVEAGENT_DEPARTMENTS (GET /api/v3/departments/{id}), generates the webhook secret,
// and creates the agent-panel custom button (GET/POST /api/v3/custom_buttons; LiveAgent's
// generated client github.com/QualityUnit/LiveAgent-api-python, docs/CustomButtonsApi.md and
// docs/CustomButton.md: url, method and type required, type E opens a new tab). LiveAgent's API
// has no rules endpoint (that client has no RulesApi; rules are made in Configuration >
// Automation > Rules), so the rules of `handover liveagent rules` are manual steps, and so is
// the API v1 key, which only the UI shows (Configuration > System > API).
func install(ctx context.Context, s helpdesk.Settings, in *helpdesk.Installation) error {
	if err := in.NoFlags(Name); err != nil {
		return err
	}
	l := s.(*Settings)
	base := strings.TrimRight(strings.TrimSpace(l.URL), "/")
	if base == "" {
		return fmt.Errorf("HANDOVER_LIVEAGENT_URL is not set: set the LiveAgent account URL, e.g. https://acme.ladesk.com")
	}
	if p := helpdesk.BaseURLProblem("HANDOVER_LIVEAGENT_URL", base, ""); p != "" {
		return fmt.Errorf("%s", p)
	}
	key := strings.TrimSpace(l.APIKey.Value())
	if key == "" {
		return fmt.Errorf("HANDOVER_LIVEAGENT_API_KEY is not set: create an API v3 key in Configuration > System > API")
	}
	header := http.Header{"apikey": {key}, "User-Agent": {"handover-liveagent"}}
	call := func(method, path string, body, out any) (helpdesk.Answer, error) {
		ans, err := helpdesk.InstallCall(ctx, in.Client(), method, base+path, header, body)
		if err != nil {
			return ans, fmt.Errorf("%s %s: %w", method, path, err)
		}
		if ans.OK() && out != nil {
			if err := json.Unmarshal(ans.Body, out); err != nil {
				return ans, fmt.Errorf("%s: unreadable answer: %w", ans.At, err)
			}
		}
		return ans, nil
	}
	failure := func(ans helpdesk.Answer) error {
		return fmt.Errorf("%s: check HANDOVER_LIVEAGENT_API_KEY and its privileges", ans.Failure(nil))
	}
	// get reads path into out: a 404 is the error missing (when set), any other unexpected
	// answer failure(ans).
	get := func(path string, out any, missing string) error {
		ans, err := call(http.MethodGet, path, nil, out)
		switch {
		case err != nil:
			return err
		case ans.Status == http.StatusNotFound && missing != "":
			return fmt.Errorf("%s", missing)
		case !ans.OK():
			return failure(ans)
		}
		return nil
	}
	in.SetEnv("HANDOVER_LIVEAGENT_URL", base, false)
	in.SetEnv("HANDOVER_LIVEAGENT_API_KEY", key, true)

	// The bot agent.
	bot := strings.TrimSpace(l.BotAgentID)
	if bot == "" {
		in.Manual("bot agent", "create an agent for the bot (Configuration > Agents; it takes a seat), route the bot's department to it, set HANDOVER_LIVEAGENT_BOT_AGENT_ID to its id (GET /api/v3/agents) and run install again")
	} else {
		var a struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if err := get("/api/v3/agents/"+url.PathEscape(bot), &a,
			"HANDOVER_LIVEAGENT_BOT_AGENT_ID: agent "+bot+" does not exist (Configuration > Agents, or GET /api/v3/agents)"); err != nil {
			return err
		}
		in.Already("bot agent", fmt.Sprintf("%s (%s)", a.Name, bot))
		in.SetEnv("HANDOVER_LIVEAGENT_BOT_AGENT_ID", bot, false)
	}

	// The departments' human queues.
	if d := strings.TrimSpace(l.Departments); d != "" {
		depts, err := ParseDepartments(d)
		if err != nil {
			return fmt.Errorf("HANDOVER_LIVEAGENT_DEPARTMENTS: %w", err)
		}
		for from, to := range depts {
			for _, id := range []string{from, to} {
				if err := get("/api/v3/departments/"+url.PathEscape(id), nil,
					"HANDOVER_LIVEAGENT_DEPARTMENTS: department "+id+" does not exist (GET /api/v3/departments)"); err != nil {
					return err
				}
			}
		}
		in.Already("departments", d)
		in.SetEnv("HANDOVER_LIVEAGENT_DEPARTMENTS", d, false)
	}

	// The API v1 key (replies, notes, transfers): only the UI shows it.
	if v1 := strings.TrimSpace(l.APIV1Key.Value()); v1 != "" {
		in.SetEnv("HANDOVER_LIVEAGENT_API_V1_KEY", v1, true)
	} else {
		in.Manual("API v1 key", "copy the API v1 key (Configuration > System > API) into HANDOVER_LIVEAGENT_API_V1_KEY: replies and notes go through API v1")
	}

	// The rules' URL secret, then the rules themselves: UI only.
	in.Secret("HANDOVER_LIVEAGENT_WEBHOOK_SECRET")
	hook := WebhookURL(in.PublicURL, "<HANDOVER_LIVEAGENT_WEBHOOK_SECRET>")
	for _, r := range Rules(bot) {
		how := "Configuration > Automation > Rules > Create: apply when " + r.Trigger
		for _, c := range r.Conditions {
			how += ", if " + c
		}
		how += "; action " + r.Action
		if r.Action == "HTTP request" {
			how += " " + r.Method + " " + hook + " (the secret is in the environment file), body " + r.Body
		}
		if r.Note != "" {
			how += " (" + r.Note + ")"
		}
		in.Manual("rule "+r.Name, how)
	}

	// The agent-panel button to the agent page.
	if in.AgentPagesLink == nil {
		in.Manual("custom button", "run install through `handover install` to create the agent-panel button")
		return nil
	}
	var buttons []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		URL  string `json:"url"`
	}
	if err := get("/api/v3/custom_buttons", &buttons, ""); err != nil {
		return err
	}
	prefix := in.PublicURL + "/agent/embed/liveagent?"
	for _, b := range buttons {
		if strings.HasPrefix(b.URL, prefix) {
			in.Already("custom button "+buttonName, "id "+b.ID)
			return nil
		}
	}
	// The link carries a signed token: it is printed masked.
	link := in.AgentPagesLink("/agent/embed/liveagent") + "&ticket={$conversation_id}"
	body := map[string]any{"name": buttonName, "url": link, "method": "GET", "type": "E", "status": "A"}
	if in.DryRun {
		shown := map[string]any{"name": buttonName, "url": prefix + "k=<signed>&ticket={$conversation_id}", "method": "GET", "type": "E", "status": "A"}
		in.Would("custom button "+buttonName, http.MethodPost, "/api/v3/custom_buttons", shown)
		return nil
	}
	var created struct {
		ID string `json:"id"`
	}
	if ans, err := call(http.MethodPost, "/api/v3/custom_buttons", body, &created); err != nil {
		return err
	} else if !ans.OK() {
		return fmt.Errorf("create the custom button: %w", failure(ans))
	}
	in.Created("custom button "+buttonName, "id "+created.ID+": opens "+prefix+"k=<signed>&ticket={$conversation_id}")
	return nil
}
