package intercom

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

var _ helpdesk.Doctor = (*Adapter)(nil)

// webhookTopics are the topics the app's webhooks must carry (docs/helpdesks/intercom.md §1).
var webhookTopics = []string{
	"conversation.user.created", "conversation.user.replied", "conversation.admin.replied",
	"conversation.admin.assigned", "conversation.operator.replied", "conversation.admin.closed",
	"conversation.admin.opened", "conversation.admin.snoozed", "conversation.admin.unsnoozed",
}

// Diagnose checks, with the access token: that the bot teammate and the human team exist (GET
// /admins/{id}, /teams/{id}), and the ticket type when one is set (GET /ticket_types/{id}).
// Intercom's API does not list an app's webhooks (they live in the Developer Hub), and its
// signature carries no timestamp, so the clock does not matter. Read-only, one attempt each.
func (a *Adapter) Diagnose(ctx context.Context, publicURL string) []helpdesk.Finding {
	var out []helpdesk.Finding
	exists := func(check, path, what, fix string) {
		ans, err := helpdesk.DoctorGET(ctx, a.http.HTTPClient, a.cfg.BaseURL+path, http.Header{
			"Authorization": {"Bearer " + a.cfg.AccessToken}, "Intercom-Version": {APIVersion}, "User-Agent": {"handover-intercom"}})
		switch {
		case err != nil:
			out = append(out, helpdesk.Bad(check, err.Error(), "check HANDOVER_INTERCOM_URL"))
		case ans.Status == http.StatusNotFound:
			out = append(out, helpdesk.Bad(check, what+" does not exist", fix))
		case !ans.OK():
			out = append(out, helpdesk.Bad(check, ans.Failure(a.redact.Redact), "check HANDOVER_INTERCOM_ACCESS_TOKEN and its scopes (read admins and teams)"))
		default:
			out = append(out, helpdesk.Ok(check, what+" exists"))
		}
	}
	exists("HANDOVER_INTERCOM_BOT_ADMIN_ID", "/admins/"+url.PathEscape(a.cfg.BotAdminID), "teammate "+a.cfg.BotAdminID,
		"set HANDOVER_INTERCOM_BOT_ADMIN_ID to the bot teammate's id (GET /admins lists them)")
	exists("HANDOVER_INTERCOM_TEAM_ID", "/teams/"+url.PathEscape(a.cfg.TeamID), "team "+a.cfg.TeamID,
		"set HANDOVER_INTERCOM_TEAM_ID to the human team's id (GET /teams lists them)")
	if a.cfg.TicketTypeID != "" {
		exists("HANDOVER_INTERCOM_TICKET_TYPE_ID", "/ticket_types/"+url.PathEscape(a.cfg.TicketTypeID), "ticket type "+a.cfg.TicketTypeID,
			"set HANDOVER_INTERCOM_TICKET_TYPE_ID to a ticket type's id (GET /ticket_types), or leave it empty")
	}
	out = append(out, helpdesk.Unchecked("webhook", "cannot be checked by API: check it in the Developer Hub",
		"in Developer Hub > your app > Webhooks: URL "+helpdesk.WebhookURL(publicURL, Name)+", topics "+strings.Join(webhookTopics, ", ")))
	return out
}
