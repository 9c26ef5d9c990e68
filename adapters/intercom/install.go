package intercom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// install is "handover install intercom" (helpdesk.InstallFunc). Intercom's REST API
// (github.com/intercom/Intercom-OpenAPI) has no endpoint for an app's webhook subscriptions:
// they are set in the Developer Hub (https://developers.intercom.com/docs/webhooks/setting-up-webhooks:
// "navigate to your App in your Developer Hub and under the Configure menu, select Webhooks"),
// and the client secret that signs them (X-Hub-Signature) is shown there too. So install only
// reads: the token (GET /me), the bot teammate (GET /admins/{id}; default: the token's own
// teammate from /me) and the human team (GET /teams/{id}, or by name from GET /teams), writes
// the variables, and prints the webhook and the client secret as manual steps.
//
// Flags: -bot-admin <id|email|name> and -team <id|name> choose the teammate and the team.
func install(ctx context.Context, s helpdesk.Settings, in *helpdesk.Installation) error {
	set := s.(*Settings)
	fs := in.FlagSet(Name)
	botFlag := fs.String("bot-admin", "", "the bot teammate: an admin's id, email or name (default HANDOVER_INTERCOM_BOT_ADMIN_ID, else the token's own teammate, GET /me)")
	teamFlag := fs.String("team", "", "the human team: a team's id or name (default HANDOVER_INTERCOM_TEAM_ID)")
	if err := fs.Parse(in.Args); err != nil {
		return err
	}
	base := strings.TrimRight(strings.TrimSpace(set.URL), "/")
	if base == "" {
		base = DefaultURL
	}
	if p := helpdesk.BaseURLProblem("HANDOVER_INTERCOM_URL", base, ""); p != "" {
		return fmt.Errorf("%s", p)
	}
	token := strings.TrimSpace(set.AccessToken.Value())
	if token == "" {
		return fmt.Errorf("HANDOVER_INTERCOM_ACCESS_TOKEN is not set: copy the access token of your Intercom app (Developer Hub > your app > Authentication)")
	}
	header := http.Header{"Authorization": {"Bearer " + token}, "Intercom-Version": {APIVersion}, "User-Agent": {"handover-intercom"}}
	get := func(path string, out any) (helpdesk.Answer, error) {
		ans, err := helpdesk.InstallCall(ctx, in.Client(), http.MethodGet, base+path, header, nil)
		if err != nil {
			return ans, fmt.Errorf("GET %s: %w", path, err)
		}
		if ans.OK() {
			if err := json.Unmarshal(ans.Body, out); err != nil {
				return ans, fmt.Errorf("%s: unreadable answer: %w", ans.At, err)
			}
		}
		return ans, nil
	}
	// read GETs path into out; a 404 is notFound when that is set, another refusal an error
	// that names the token's scope (read <scope>).
	read := func(path, scope string, notFound error, out any) error {
		ans, err := get(path, out)
		switch {
		case err != nil:
			return err
		case notFound != nil && ans.Status == http.StatusNotFound:
			return notFound
		case !ans.OK():
			return fmt.Errorf("%s: check HANDOVER_INTERCOM_ACCESS_TOKEN and its scope (read %s)", ans.Failure(nil), scope)
		}
		return nil
	}
	type admin struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
		App   struct {
			IDCode string `json:"id_code"`
			Name   string `json:"name"`
		} `json:"app"`
	}

	// The token: GET /me (https://developers.intercom.com/docs/references/rest-api/api.intercom.io/admins/identifyadmin).
	var me admin
	ans, err := get("/me", &me)
	switch {
	case err != nil:
		return err
	case ans.Status == http.StatusUnauthorized:
		return fmt.Errorf("%s: check HANDOVER_INTERCOM_ACCESS_TOKEN", ans.Failure(nil))
	case !ans.OK():
		return fmt.Errorf("%s: check HANDOVER_INTERCOM_URL (the workspace's region) and HANDOVER_INTERCOM_ACCESS_TOKEN", ans.Failure(nil))
	}
	in.Already("access token", fmt.Sprintf("teammate %s (%s) of workspace %s (%s)", me.Name, me.ID, me.App.Name, me.App.IDCode))
	in.SetEnv("HANDOVER_INTERCOM_URL", base, false)
	in.SetEnv("HANDOVER_INTERCOM_ACCESS_TOKEN", token, true)

	// The bot teammate.
	bot := strings.TrimSpace(*botFlag)
	if bot == "" {
		bot = strings.TrimSpace(set.BotAdminID)
	}
	switch {
	case bot == "":
		in.Already("bot teammate", fmt.Sprintf("the token's own teammate %s (%s)", me.Name, me.ID))
		bot = me.ID
	case digitsRe.MatchString(bot):
		var a admin
		notFound := fmt.Errorf("HANDOVER_INTERCOM_BOT_ADMIN_ID: teammate %s does not exist (GET /admins lists them)", bot)
		if err := read("/admins/"+url.PathEscape(bot), "admins", notFound, &a); err != nil {
			return err
		}
		in.Already("bot teammate", fmt.Sprintf("%s (%s)", a.Name, a.ID))
	default:
		var list struct {
			Admins []admin `json:"admins"`
		}
		if err := read("/admins", "admins", nil, &list); err != nil {
			return err
		}
		found := ""
		for _, a := range list.Admins {
			if strings.EqualFold(a.Email, bot) || strings.EqualFold(a.Name, bot) {
				found = a.ID
				in.Already("bot teammate", fmt.Sprintf("%s (%s)", a.Name, a.ID))
				break
			}
		}
		if found == "" {
			return fmt.Errorf("-bot-admin: no teammate has the email or name %q (GET /admins lists them)", bot)
		}
		bot = found
	}
	in.SetEnv("HANDOVER_INTERCOM_BOT_ADMIN_ID", bot, false)

	// The human team.
	type team struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	want := strings.TrimSpace(*teamFlag)
	if want == "" {
		want = strings.TrimSpace(set.TeamID)
	}
	if digitsRe.MatchString(want) {
		var t team
		notFound := fmt.Errorf("HANDOVER_INTERCOM_TEAM_ID: team %s does not exist (GET /teams lists them)", want)
		if err := read("/teams/"+url.PathEscape(want), "teams", notFound, &t); err != nil {
			return err
		}
		in.Already("human team", fmt.Sprintf("%s (%s)", t.Name, t.ID))
		in.SetEnv("HANDOVER_INTERCOM_TEAM_ID", t.ID, false)
	} else {
		var list struct {
			Teams []team `json:"teams"`
		}
		if err := read("/teams", "teams", nil, &list); err != nil {
			return err
		}
		found := false
		names := make([]string, 0, len(list.Teams))
		for _, t := range list.Teams {
			names = append(names, t.Name+" ("+t.ID+")")
			if want != "" && strings.EqualFold(t.Name, want) {
				in.Already("human team", fmt.Sprintf("%s (%s)", t.Name, t.ID))
				in.SetEnv("HANDOVER_INTERCOM_TEAM_ID", t.ID, false)
				found = true
			}
		}
		switch {
		case found:
		case want != "":
			return fmt.Errorf("-team: no team is named %q (teams: %s)", want, strings.Join(names, ", "))
		default:
			in.Manual("human team", "choose the team handover hands over to and run install again with -team <id or name>, or set HANDOVER_INTERCOM_TEAM_ID; teams: "+strings.Join(names, ", "))
		}
	}

	// What only the Developer Hub does.
	in.Manual("webhook", "Developer Hub > your app > Configure > Webhooks: endpoint URL "+in.WebhookURL(Name)+
		", topics "+strings.Join(webhookTopics, ", ")+" (Intercom has no API for webhook subscriptions)")
	if cs := strings.TrimSpace(set.ClientSecret.Value()); cs != "" {
		in.Already("client secret", "HANDOVER_INTERCOM_CLIENT_SECRET is set (it cannot be checked by API)")
		in.SetEnv("HANDOVER_INTERCOM_CLIENT_SECRET", cs, true)
	} else {
		in.Manual("client secret", "copy the app's client secret (Developer Hub > your app > Basic information) into HANDOVER_INTERCOM_CLIENT_SECRET: it verifies X-Hub-Signature")
	}
	return nil
}
