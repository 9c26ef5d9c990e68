package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// installName is the display name of the custom integration install creates, and the name of
// its switchboard integration.
const (
	installName    = "handover"
	installSBIName = "handover-bot"
)

// install is "handover install zendesk" (helpdesk.InstallFunc), with the Sunshine Conversations
// v2 API (github.com/zendesk/sunshine-conversations-api-spec, paths/v2@apps@{appId}@…):
//
//  1. the custom integration: HANDOVER_ZENDESK_INTEGRATION_ID when set, else the custom
//     integration named "handover" (List Integrations, filter[types]=custom), else Create
//     Integration {type: custom, displayName, webhooks: [the webhook]} (app or account scope);
//  2. its webhook (List / Create / Update Webhook, integration or app scope): target
//     <public URL>/webhooks/zendesk, the triggers of webhookTriggers, includeFullUser. The
//     secret comes with the webhook (schemas/webhook.yaml: secret) and becomes
//     HANDOVER_ZENDESK_WEBHOOK_SECRET;
//  3. the switchboard (List Switchboards, List / Create / Update Switchboard Integration, Update
//     Switchboard; app or account scope): a switchboard integration "handover-bot" for the
//     custom integration with deliverStandbyEvents and nextSwitchboardIntegrationId = Agent
//     Workspace's (integrationType zd:agentWorkspace), made the switchboard's default. With an
//     integration key these answer 403: the step becomes manual;
//  4. the Support API user (GET /api/v2/users/me): an admin.
//
// Creating API keys and Support tokens needs Admin Center: manual.
func install(ctx context.Context, s helpdesk.Settings, in *helpdesk.Installation) error {
	if err := in.NoFlags(Name); err != nil {
		return err
	}
	z := s.(*Settings)
	sub, base := strings.TrimSpace(z.Subdomain), strings.TrimRight(strings.TrimSpace(z.URL), "/")
	switch {
	case sub == "" && base == "":
		return fmt.Errorf("HANDOVER_ZENDESK_SUBDOMAIN is not set: set the Zendesk subdomain (acme for acme.zendesk.com), or HANDOVER_ZENDESK_URL")
	case base == "" && !subdomainRe.MatchString(sub):
		return fmt.Errorf("HANDOVER_ZENDESK_SUBDOMAIN: set only the subdomain, e.g. acme for https://acme.zendesk.com")
	case base == "":
		base = "https://" + sub + ".zendesk.com"
	}
	if p := helpdesk.BaseURLProblem("HANDOVER_ZENDESK_URL", z.URL, ""); p != "" {
		return fmt.Errorf("%s", p)
	}
	if !sunIDRe.MatchString(z.AppID) {
		return fmt.Errorf("HANDOVER_ZENDESK_APP_ID is not set: set the Sunshine Conversations app id (Admin Center > Apps and integrations > Conversations API)")
	}
	if strings.TrimSpace(z.KeyID) == "" || z.KeySecret == "" {
		return fmt.Errorf("HANDOVER_ZENDESK_KEY_ID and HANDOVER_ZENDESK_KEY_SECRET must be set: create a Conversations API key in Admin Center > Apps and integrations > APIs > Conversations API (an app key lets install set up the switchboard too)")
	}
	if id := strings.TrimSpace(z.IntegrationID); id != "" && !sunIDRe.MatchString(id) {
		return fmt.Errorf("HANDOVER_ZENDESK_INTEGRATION_ID: %q is not a Sunshine id", id)
	}
	if sub != "" {
		in.SetEnv("HANDOVER_ZENDESK_SUBDOMAIN", sub, false)
	}
	if strings.TrimSpace(z.URL) != "" {
		in.SetEnv("HANDOVER_ZENDESK_URL", strings.TrimSpace(z.URL), false)
	}
	in.SetEnv("HANDOVER_ZENDESK_APP_ID", z.AppID, false)
	in.SetEnv("HANDOVER_ZENDESK_KEY_ID", strings.TrimSpace(z.KeyID), false)
	in.SetEnv("HANDOVER_ZENDESK_KEY_SECRET", z.KeySecret.Value(), true)

	zi := &zdInstaller{in: in, s: z, app: base + "/sc/v2/apps/" + url.PathEscape(z.AppID), base: base,
		header: http.Header{"User-Agent": {"handover-zendesk"}, "Authorization": {basic(strings.TrimSpace(z.KeyID), z.KeySecret.Value())}}}
	integrationID, err := zi.integration(ctx)
	if err != nil {
		return err
	}
	if err := zi.switchboard(ctx, integrationID); err != nil {
		return err
	}
	return zi.support(ctx)
}

// zdInstaller holds one install's inputs.
type zdInstaller struct {
	in        *helpdesk.Installation
	s         *Settings
	app, base string // <base>/sc/v2/apps/{app}; the base URL
	header    http.Header
}

// zdWebhook is webhook.yaml.
type zdWebhook struct {
	ID              string   `json:"id"`
	Target          string   `json:"target"`
	Triggers        []string `json:"triggers"`
	Secret          string   `json:"secret"`
	IncludeFullUser bool     `json:"includeFullUser"`
}

// call sends one request to the Sunshine API (path after /sc/v2/apps/{app}) and decodes a 2xx
// answer into out.
func (zi *zdInstaller) call(ctx context.Context, method, path string, body, out any) (helpdesk.Answer, error) {
	ans, err := helpdesk.InstallCall(ctx, zi.in.Client(), method, zi.app+path, zi.header, body)
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

// failure is the error of an unexpected answer; 401 names the key's variables.
func (zi *zdInstaller) failure(ans helpdesk.Answer) error {
	msg := ans.Failure(nil)
	if ans.Status == http.StatusUnauthorized {
		msg += ": check HANDOVER_ZENDESK_KEY_ID and HANDOVER_ZENDESK_KEY_SECRET"
	}
	if ans.Status == http.StatusForbidden {
		msg += ": check HANDOVER_ZENDESK_APP_ID and the key's scope"
	}
	return fmt.Errorf("%s", msg)
}

// wantWebhook is the webhook handover needs.
func (zi *zdInstaller) wantWebhook(target string) map[string]any {
	return map[string]any{"target": target, "triggers": webhookTriggers, "includeFullUser": true}
}

// integration finds or creates the custom integration and its webhook; it returns the
// integration's id ("" in a dry run that would create it).
func (zi *zdInstaller) integration(ctx context.Context) (string, error) {
	in := zi.in
	target := in.WebhookURL(Name)
	id := strings.TrimSpace(zi.s.IntegrationID)
	if id == "" {
		var list struct {
			Integrations []struct {
				ID          string      `json:"id"`
				Type        string      `json:"type"`
				DisplayName string      `json:"displayName"`
				Webhooks    []zdWebhook `json:"webhooks"`
			} `json:"integrations"`
		}
		ans, err := zi.call(ctx, http.MethodGet, "/integrations?filter[types]=custom&page[size]=100", nil, &list)
		switch {
		case err != nil:
			return "", err
		case ans.Status == http.StatusForbidden:
			return "", fmt.Errorf("HANDOVER_ZENDESK_INTEGRATION_ID is not set, and the key may not list integrations (%s): set it to the custom integration's id, or use an app key", ans.Failure(nil))
		case !ans.OK():
			return "", zi.failure(ans)
		}
		for _, x := range list.Integrations {
			if x.Type == "custom" && x.DisplayName == installName {
				id = x.ID
				in.Already("custom integration "+installName, "id "+id)
				break
			}
		}
		if id == "" {
			body := map[string]any{"type": "custom", "displayName": installName, "webhooks": []any{zi.wantWebhook(target)}}
			if in.DryRun {
				in.Would("custom integration "+installName, http.MethodPost, "/sc/v2/apps/{app}/integrations", body)
				return "", nil
			}
			var created struct {
				Integration struct {
					ID       string      `json:"id"`
					Webhooks []zdWebhook `json:"webhooks"`
				} `json:"integration"`
			}
			ans, err := zi.call(ctx, http.MethodPost, "/integrations", body, &created)
			if err != nil {
				return "", err
			}
			if !ans.OK() || created.Integration.ID == "" {
				return "", fmt.Errorf("create the custom integration: %w", zi.failure(ans))
			}
			id = created.Integration.ID
			in.Created("custom integration "+installName, "id "+id+", with its webhook at "+target)
			in.SetEnv("HANDOVER_ZENDESK_INTEGRATION_ID", id, false)
			if len(created.Integration.Webhooks) == 0 || created.Integration.Webhooks[0].Secret == "" {
				return "", fmt.Errorf("create the custom integration: the answer holds no webhook secret")
			}
			in.SetEnv("HANDOVER_ZENDESK_WEBHOOK_SECRET", created.Integration.Webhooks[0].Secret, true)
			return id, nil
		}
	}
	in.SetEnv("HANDOVER_ZENDESK_INTEGRATION_ID", id, false)
	return id, zi.webhook(ctx, id, target)
}

// webhook makes the integration's webhook reach target with the triggers and includeFullUser.
func (zi *zdInstaller) webhook(ctx context.Context, id, target string) error {
	in := zi.in
	path := "/integrations/" + url.PathEscape(id) + "/webhooks"
	var list struct {
		Webhooks []zdWebhook `json:"webhooks"`
	}
	ans, err := zi.call(ctx, http.MethodGet, path, nil, &list)
	switch {
	case err != nil:
		return err
	case ans.Status == http.StatusNotFound:
		return fmt.Errorf("HANDOVER_ZENDESK_INTEGRATION_ID: integration %s does not exist in app %s (%s)", id, zi.s.AppID, ans.Failure(nil))
	case !ans.OK():
		return zi.failure(ans)
	}
	// Ours: the one at target, else one at another …/webhooks/zendesk (the public URL moved).
	var hook *zdWebhook
	for i, h := range list.Webhooks {
		if helpdesk.SameWebhook(h.Target, target, false) {
			hook = &list.Webhooks[i]
			break
		}
	}
	if hook == nil {
		for i, h := range list.Webhooks {
			if strings.HasSuffix(strings.TrimRight(h.Target, "/"), "/webhooks/"+Name) {
				hook = &list.Webhooks[i]
				break
			}
		}
	}
	what := "webhook " + target
	if hook == nil {
		body := zi.wantWebhook(target)
		if in.DryRun {
			in.Would(what, http.MethodPost, "/sc/v2/apps/{app}"+path, body)
			return nil
		}
		var created struct {
			Webhook zdWebhook `json:"webhook"`
		}
		ans, err := zi.call(ctx, http.MethodPost, path, body, &created)
		if err != nil {
			return err
		}
		if !ans.OK() || created.Webhook.Secret == "" {
			return fmt.Errorf("create the webhook: %w", zi.failure(ans))
		}
		in.Created(what, "id "+created.Webhook.ID+", triggers "+strings.Join(webhookTriggers, ", "))
		in.SetEnv("HANDOVER_ZENDESK_WEBHOOK_SECRET", created.Webhook.Secret, true)
		return nil
	}
	triggers := slices.Clone(hook.Triggers)
	for _, t := range webhookTriggers {
		if !slices.Contains(triggers, t) {
			triggers = append(triggers, t)
		}
	}
	if helpdesk.SameWebhook(hook.Target, target, false) && len(triggers) == len(hook.Triggers) && hook.IncludeFullUser {
		in.Already(what, "id "+hook.ID+", with the triggers and includeFullUser")
	} else {
		body := map[string]any{"target": target, "triggers": triggers, "includeFullUser": true}
		if in.DryRun {
			in.Would(what, http.MethodPatch, "/sc/v2/apps/{app}"+path+"/"+hook.ID, body)
		} else {
			var updated struct {
				Webhook zdWebhook `json:"webhook"`
			}
			ans, err := zi.call(ctx, http.MethodPatch, path+"/"+url.PathEscape(hook.ID), body, &updated)
			if err != nil {
				return err
			}
			if !ans.OK() {
				return fmt.Errorf("update the webhook: %w", zi.failure(ans))
			}
			in.Updated(what, "id "+hook.ID+" (was "+hook.Target+"): triggers and includeFullUser set")
		}
	}
	// The secret is listed with the webhook (schemas/webhook.yaml); without it, the one of the
	// environment stands.
	switch {
	case hook.Secret != "":
		in.SetEnv("HANDOVER_ZENDESK_WEBHOOK_SECRET", hook.Secret, true)
	case zi.s.WebhookSecret != "":
		in.SetEnv("HANDOVER_ZENDESK_WEBHOOK_SECRET", zi.s.WebhookSecret.Value(), true)
	default:
		in.Manual("HANDOVER_ZENDESK_WEBHOOK_SECRET", "the API did not return the webhook's secret: copy it from Admin Center > Apps and integrations > Conversations API (the integration's webhook) into HANDOVER_ZENDESK_WEBHOOK_SECRET")
	}
	return nil
}

// zdSBI is switchboardIntegration.yaml.
type zdSBI struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	IntegrationID   string `json:"integrationId"`
	IntegrationType string `json:"integrationType"`
	DeliverStandby  bool   `json:"deliverStandbyEvents"`
	Next            string `json:"nextSwitchboardIntegrationId"`
}

// switchboard links the integration to the switchboard before Agent Workspace, as its default.
func (zi *zdInstaller) switchboard(ctx context.Context, integrationID string) error {
	in := zi.in
	manual := "with an app key (Admin Center > Apps and integrations > APIs > Conversations API): POST /sc/v2/apps/{app}/switchboards/{switchboard}/switchboardIntegrations " +
		`{"name":"` + installSBIName + `","integrationId":"<HANDOVER_ZENDESK_INTEGRATION_ID>","deliverStandbyEvents":true,"nextSwitchboardIntegrationId":"<Agent Workspace's switchboard integration id>"}` +
		", then PATCH /sc/v2/apps/{app}/switchboards/{switchboard} {\"defaultSwitchboardIntegrationId\":\"<its id>\"}; or run install again with an app key"
	var sbs struct {
		Switchboards []struct {
			ID      string `json:"id"`
			Enabled bool   `json:"enabled"`
			Default string `json:"defaultSwitchboardIntegrationId"`
		} `json:"switchboards"`
	}
	ans, err := zi.call(ctx, http.MethodGet, "/switchboards", nil, &sbs)
	switch {
	case err != nil:
		return err
	case ans.Status == http.StatusForbidden:
		in.Manual("switchboard integration "+installSBIName, "the key may not read the switchboard (an integration key): "+manual)
		return nil
	case !ans.OK():
		return zi.failure(ans)
	case len(sbs.Switchboards) == 0:
		in.Manual("switchboard", "the app has no switchboard: turn on Agent Workspace for messaging (Admin Center > Channels > Messaging), then run install again")
		return nil
	}
	sb := sbs.Switchboards[0]
	sbPath := "/switchboards/" + url.PathEscape(sb.ID)
	var list struct {
		SBIs []zdSBI `json:"switchboardIntegrations"`
	}
	if ans, err = zi.call(ctx, http.MethodGet, sbPath+"/switchboardIntegrations", nil, &list); err != nil {
		return err
	} else if !ans.OK() {
		return zi.failure(ans)
	}
	var aw, ours *zdSBI
	for i, x := range list.SBIs {
		if x.IntegrationType == DefaultAgentWorkspace && aw == nil {
			aw = &list.SBIs[i]
		}
		if integrationID != "" && x.IntegrationID == integrationID && ours == nil {
			ours = &list.SBIs[i]
		}
	}
	if aw == nil {
		in.Manual("switchboard", "Agent Workspace is not on the switchboard: turn on Agent Workspace for messaging (Admin Center), then run install again")
		return nil
	}
	what := "switchboard integration " + installSBIName
	sbiPath := sbPath + "/switchboardIntegrations"
	ourID := ""
	switch {
	case ours == nil:
		body := map[string]any{"name": installSBIName, "integrationId": integrationID, "deliverStandbyEvents": true, "nextSwitchboardIntegrationId": aw.ID}
		if in.DryRun {
			if integrationID == "" {
				body["integrationId"] = "<the new integration>"
			}
			in.Would(what, http.MethodPost, "/sc/v2/apps/{app}"+sbiPath, body)
			ourID = "<the new switchboard integration>"
			break
		}
		var created struct {
			SBI zdSBI `json:"switchboardIntegration"`
		}
		ans, err := zi.call(ctx, http.MethodPost, sbiPath, body, &created)
		if err != nil {
			return err
		}
		if !ans.OK() || created.SBI.ID == "" {
			return fmt.Errorf("create the switchboard integration: %w", zi.failure(ans))
		}
		ourID = created.SBI.ID
		in.Created(what, "id "+ourID+", deliverStandbyEvents, next: Agent Workspace")
	case !ours.DeliverStandby || ours.Next != aw.ID:
		ourID = ours.ID
		body := map[string]any{"deliverStandbyEvents": true, "nextSwitchboardIntegrationId": aw.ID}
		if in.DryRun {
			in.Would(what, http.MethodPatch, "/sc/v2/apps/{app}"+sbiPath+"/"+ours.ID, body)
			break
		}
		ans, err := zi.call(ctx, http.MethodPatch, sbiPath+"/"+url.PathEscape(ours.ID), body, nil)
		if err != nil {
			return err
		}
		if !ans.OK() {
			return fmt.Errorf("update the switchboard integration: %w", zi.failure(ans))
		}
		in.Updated(what, "id "+ourID+": deliverStandbyEvents, next: Agent Workspace")
	default:
		ourID = ours.ID
		in.Already(what, "id "+ourID+", deliverStandbyEvents, next: Agent Workspace")
	}

	// The default integration gets new and released conversations (docs/helpdesks/zendesk.md §0.3).
	if sb.Default == ourID && sb.Enabled {
		in.Already("switchboard default", installSBIName+" (switchboard "+sb.ID+", enabled)")
		return nil
	}
	was := "none"
	for _, x := range list.SBIs {
		if x.ID == sb.Default {
			was = x.Name
		}
	}
	body := map[string]any{"defaultSwitchboardIntegrationId": ourID}
	if !sb.Enabled {
		body["enabled"] = true
	}
	if in.DryRun {
		in.Would("switchboard default", http.MethodPatch, "/sc/v2/apps/{app}"+sbPath, body)
		return nil
	}
	if ans, err = zi.call(ctx, http.MethodPatch, sbPath, body, nil); err != nil {
		return err
	} else if !ans.OK() {
		return fmt.Errorf("set the switchboard's default: %w", zi.failure(ans))
	}
	in.Updated("switchboard default", installSBIName+" (was "+was+")")
	return nil
}

// support checks the Support API user (GET /api/v2/users/me, https://developer.zendesk.com/api-reference/ticketing/users/users/#show-the-currently-authenticated-user):
// an admin, for the Agent Availability API.
func (zi *zdInstaller) support(ctx context.Context) error {
	in := zi.in
	email, token := strings.TrimSpace(zi.s.Email), zi.s.APIToken.Value()
	if email == "" || token == "" {
		in.Manual("Support API token", "create an API token in Admin Center > Apps and integrations > APIs > Zendesk API, then set HANDOVER_ZENDESK_EMAIL (an admin's email) and HANDOVER_ZENDESK_API_TOKEN and run install again")
		return nil
	}
	h := http.Header{"User-Agent": {"handover-zendesk"}, "Authorization": {basic(email+"/token", token)}}
	ans, err := helpdesk.InstallCall(ctx, in.Client(), http.MethodGet, zi.base+"/api/v2/users/me", h, nil)
	if err != nil {
		return fmt.Errorf("GET /api/v2/users/me: %w", err)
	}
	var me struct {
		User struct {
			ID   int64  `json:"id"`
			Role string `json:"role"`
		} `json:"user"`
	}
	_ = json.Unmarshal(ans.Body, &me)
	switch {
	case !ans.OK():
		return fmt.Errorf("%s: check HANDOVER_ZENDESK_EMAIL and HANDOVER_ZENDESK_API_TOKEN", ans.Failure(nil))
	case me.User.ID == 0:
		// An invalid token may be answered 200 with an anonymous user (id null).
		return fmt.Errorf("GET /api/v2/users/me answered no user: check HANDOVER_ZENDESK_EMAIL and HANDOVER_ZENDESK_API_TOKEN")
	case me.User.Role != "admin":
		return fmt.Errorf("HANDOVER_ZENDESK_EMAIL: %s is a %s; the Agent Availability API needs an admin's token", email, me.User.Role)
	}
	in.Already("Support API user", fmt.Sprintf("%s, admin (id %d)", email, me.User.ID))
	in.SetEnv("HANDOVER_ZENDESK_EMAIL", email, false)
	in.SetEnv("HANDOVER_ZENDESK_API_TOKEN", token, true)
	return nil
}
