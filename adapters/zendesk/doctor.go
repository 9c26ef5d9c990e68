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

var _ helpdesk.Doctor = (*Adapter)(nil)

// webhookTriggers are the triggers the integration's webhook must carry (docs/helpdesks/zendesk.md §0).
var webhookTriggers = []string{"conversation:message", "conversation:postback", "switchboard:passControl",
	"switchboard:acceptControl", "switchboard:offerControl", "switchboard:releaseControl"}

// Diagnose checks that the custom integration's webhooks (Sunshine List Webhooks, GET
// /sc/v2/apps/{app}/integrations/{integration}/webhooks) include one at publicURL with the
// triggers the adapter needs, and that HANDOVER_ZENDESK_GROUP_ID names a group (GET
// /api/v2/groups/{id}/users). The webhook's X-API-Key carries no timestamp: the clock does not
// matter. Read-only, one attempt each.
func (a *Adapter) Diagnose(ctx context.Context, publicURL string) []helpdesk.Finding {
	var out []helpdesk.Finding
	add := func(f helpdesk.Finding) { out = append(out, f) }
	want := helpdesk.WebhookURL(publicURL, Name)
	sunshine := http.Header{"User-Agent": {"handover-zendesk"}, "Authorization": {basic(a.cfg.KeyID, a.cfg.KeySecret)}}
	ans, err := helpdesk.DoctorGET(ctx, a.http.HTTPClient, a.cfg.BaseURL+"/sc/v2/apps/"+url.PathEscape(a.cfg.AppID)+
		"/integrations/"+url.PathEscape(a.cfg.IntegrationID)+"/webhooks", sunshine)
	switch {
	case strings.TrimSpace(publicURL) == "":
		add(helpdesk.NoPublicURL())
	case err != nil:
		add(helpdesk.Bad("webhook", err.Error(), "check HANDOVER_ZENDESK_URL"))
	case ans.Status == http.StatusNotFound:
		add(helpdesk.Bad("webhook", ans.Failure(a.redact.Redact), "check HANDOVER_ZENDESK_INTEGRATION_ID: the custom integration's id"))
	case !ans.OK():
		add(helpdesk.Bad("webhook", ans.Failure(a.redact.Redact), "check HANDOVER_ZENDESK_KEY_ID and HANDOVER_ZENDESK_KEY_SECRET (a key of the integration or of the app)"))
	default:
		var v struct {
			Webhooks []struct {
				Target          string   `json:"target"`
				Triggers        []string `json:"triggers"`
				IncludeFullUser bool     `json:"includeFullUser"`
			} `json:"webhooks"`
		}
		_ = json.Unmarshal(ans.Body, &v)
		var seen []string
		found := false
		for _, h := range v.Webhooks {
			if !helpdesk.SameWebhook(h.Target, want, false) {
				seen = append(seen, h.Target)
				continue
			}
			found = true
			var missing []string
			for _, t := range webhookTriggers {
				if !slices.Contains(h.Triggers, t) {
					missing = append(missing, t)
				}
			}
			switch {
			case len(missing) > 0:
				add(helpdesk.Bad("webhook", "the webhook at "+want+" lacks the triggers "+strings.Join(missing, ", "),
					"add them (PATCH /sc/v2/apps/{app}/integrations/{integration}/webhooks/{id} {triggers})"))
			case !h.IncludeFullUser:
				add(helpdesk.Ok("webhook", "at "+want+" with the triggers; without includeFullUser (one more user read per message: set it true)"))
			default:
				add(helpdesk.Ok("webhook", fmt.Sprintf("at %s with the %d triggers and includeFullUser", want, len(webhookTriggers))))
			}
			break
		}
		if !found {
			problem := "the integration has no webhook at " + want
			if len(seen) > 0 {
				problem += " (found " + strings.Join(seen, ", ") + ")"
			}
			add(helpdesk.Bad("webhook", problem, "set the webhook's target to "+want+
				" (PATCH …/integrations/{integration}/webhooks/{id}), or HANDOVER_PUBLIC_URL to where handover is reached"))
		}
	}

	if g := strings.TrimSpace(a.cfg.GroupID); g != "" {
		support := http.Header{"User-Agent": {"handover-zendesk"}, "Authorization": {basic(a.cfg.Email+"/token", a.cfg.APIToken)}}
		ans, err := helpdesk.DoctorGET(ctx, a.http.HTTPClient, a.cfg.BaseURL+"/api/v2/groups/"+url.PathEscape(g)+"/users?per_page=1", support)
		switch {
		case err != nil:
			add(helpdesk.Bad("HANDOVER_ZENDESK_GROUP_ID", err.Error(), "check HANDOVER_ZENDESK_URL"))
		case ans.Status == http.StatusNotFound:
			add(helpdesk.Bad("HANDOVER_ZENDESK_GROUP_ID", "group "+g+" does not exist", "set HANDOVER_ZENDESK_GROUP_ID to a group's id (Admin Center > People > Groups), or leave it empty"))
		case !ans.OK():
			add(helpdesk.Bad("HANDOVER_ZENDESK_GROUP_ID", ans.Failure(a.redact.Redact), "check HANDOVER_ZENDESK_EMAIL and HANDOVER_ZENDESK_API_TOKEN"))
		default:
			add(helpdesk.Ok("HANDOVER_ZENDESK_GROUP_ID", "group "+g+" exists"))
		}
	}
	return out
}
