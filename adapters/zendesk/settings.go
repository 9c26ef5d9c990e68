package zendesk

import (
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// Settings are the HANDOVER_ZENDESK_* variables ("handover config" prints them): a Sunshine
// Conversations switchboard integration that hands over to Agent Workspace, with offline
// messages as Support tickets. Read with envconfig and full names only.
type Settings struct {
	Subdomain         string          `envconfig:"HANDOVER_ZENDESK_SUBDOMAIN" desc:"Zendesk subdomain: acme for https://acme.zendesk.com (the Sunshine Conversations API is at /sc, the Support API at /api/v2)"`
	URL               string          `envconfig:"HANDOVER_ZENDESK_URL" desc:"optional base URL overriding https://<subdomain>.zendesk.com for both APIs (a proxy, another region, the simulator)"`
	AppID             string          `envconfig:"HANDOVER_ZENDESK_APP_ID" desc:"Sunshine Conversations app id (Admin Center > Apps and integrations > Conversations API)"`
	KeyID             string          `envconfig:"HANDOVER_ZENDESK_KEY_ID" desc:"Conversations API key id (a key of the custom integration is best)"`
	KeySecret         helpdesk.Secret `envconfig:"HANDOVER_ZENDESK_KEY_SECRET" desc:"secret: the Conversations API key's secret"`
	IntegrationID     string          `envconfig:"HANDOVER_ZENDESK_INTEGRATION_ID" desc:"the custom integration's id: the bot answers while this integration is the conversation's active switchboard integration"`
	WebhookSecret     helpdesk.Secret `envconfig:"HANDOVER_ZENDESK_WEBHOOK_SECRET" desc:"secret: the integration webhook's secret (checked against X-API-Key)"`
	Email             string          `envconfig:"HANDOVER_ZENDESK_EMAIL" desc:"email of the Support API user (an admin) for tickets and agent availability"`
	APIToken          helpdesk.Secret `envconfig:"HANDOVER_ZENDESK_API_TOKEN" desc:"secret: a Support API token (Basic <email>/token)"`
	GroupID           string          `envconfig:"HANDOVER_ZENDESK_GROUP_ID" desc:"optional group id: whose agents' messaging status counts as available, and the group of offline tickets"`
	Hours             string          `envconfig:"HANDOVER_ZENDESK_HOURS" desc:"optional opening hours of the human queue, e.g. 'Mon-Fri 09:00-17:00; Sat 10:00-14:00'; outside them the offline message is offered"`
	TimeZone          string          `envconfig:"HANDOVER_ZENDESK_TIMEZONE" default:"UTC" desc:"IANA time zone of HANDOVER_ZENDESK_HOURS, e.g. Europe/Berlin"`
	Buttons           string          `envconfig:"HANDOVER_ZENDESK_BUTTONS" default:"reply" desc:"how buttons are sent: reply (quick replies; the click is a visitor message) or postback"`
	RequestsPerMinute int             `envconfig:"HANDOVER_ZENDESK_REQUESTS_PER_MINUTE" default:"0" desc:"optional client-side budget of API requests a minute (retries included), below the helpdesk's rate limit; 0 means none"`
}

// Problems lists what is wrong for serve with HANDOVER_HELPDESK=zendesk, each with how to fix
// it; secret values never appear.
func (z *Settings) Problems() []string {
	var out []string
	add := func(s string) { out = append(out, s) }
	sub, base := strings.TrimSpace(z.Subdomain), strings.TrimSpace(z.URL)
	switch {
	case sub == "" && base == "":
		add("HANDOVER_ZENDESK_SUBDOMAIN: set the Zendesk subdomain (acme for acme.zendesk.com), or HANDOVER_ZENDESK_URL")
	case sub != "" && !subdomainRe.MatchString(sub):
		add("HANDOVER_ZENDESK_SUBDOMAIN: set only the subdomain, e.g. acme for https://acme.zendesk.com")
	}
	if p := helpdesk.BaseURLProblem("HANDOVER_ZENDESK_URL", base, ""); p != "" {
		add(p)
	}
	if !sunIDRe.MatchString(z.AppID) {
		add("HANDOVER_ZENDESK_APP_ID: set the Sunshine Conversations app id (Admin Center > Apps and integrations > Conversations API)")
	}
	if strings.TrimSpace(z.KeyID) == "" {
		add("HANDOVER_ZENDESK_KEY_ID: set the id of a Conversations API key")
	}
	if z.KeySecret == "" {
		add("HANDOVER_ZENDESK_KEY_SECRET: set the secret of that Conversations API key")
	}
	if !sunIDRe.MatchString(z.IntegrationID) {
		add("HANDOVER_ZENDESK_INTEGRATION_ID: set the custom integration's id (the integrationId of handover's switchboard integration)")
	}
	if z.WebhookSecret == "" {
		add("HANDOVER_ZENDESK_WEBHOOK_SECRET: set the secret of the integration's webhook (Zendesk sends it as X-API-Key)")
	}
	if !strings.Contains(z.Email, "@") {
		add("HANDOVER_ZENDESK_EMAIL: set the email of the Support API user (an admin)")
	}
	if z.APIToken == "" {
		add("HANDOVER_ZENDESK_API_TOKEN: set a Support API token (Admin Center > Apps and integrations > Zendesk API)")
	}
	if g := strings.TrimSpace(z.GroupID); g != "" && !digitsRe.MatchString(g) {
		add("HANDOVER_ZENDESK_GROUP_ID: set a numeric group id, or leave it empty for every agent")
	}
	for _, seg := range strings.Split(z.Hours, ";") {
		if seg = strings.TrimSpace(seg); seg == "" {
			continue
		}
		if _, err := ParseHours(seg, ""); err != nil {
			add("HANDOVER_ZENDESK_HOURS: \"" + seg + "\" is not <days> <HH:MM>-<HH:MM>, e.g. 'Mon-Fri 09:00-17:00; Sat 10:00-14:00'")
		}
	}
	if tz := strings.TrimSpace(z.TimeZone); tz != "" {
		if _, err := time.LoadLocation(tz); err != nil {
			add("HANDOVER_ZENDESK_TIMEZONE: \"" + tz + "\" is not an IANA time zone such as Europe/Berlin")
		}
	}
	switch z.Buttons {
	case "", ButtonsReply, ButtonsPostback:
	default:
		add("HANDOVER_ZENDESK_BUTTONS: use reply or postback")
	}
	if z.RequestsPerMinute < 0 {
		out = append(out, "HANDOVER_ZENDESK_REQUESTS_PER_MINUTE: must be 0 (no budget) or a number of requests a minute")
	}
	return out
}

// config is the adapter's Config for these settings (hours parsed).
func (z *Settings) config(d helpdesk.Deps) (Config, error) {
	hours, err := ParseHours(z.Hours, z.TimeZone)
	if err != nil {
		return Config{}, err
	}
	return Config{
		Subdomain: z.Subdomain, BaseURL: z.URL, AppID: z.AppID,
		KeyID: z.KeyID, KeySecret: z.KeySecret.Value(), IntegrationID: z.IntegrationID,
		WebhookSecret: z.WebhookSecret.Value(), Email: z.Email, APIToken: z.APIToken.Value(),
		GroupID: z.GroupID, Hours: hours, BotName: d.BotName, Buttons: z.Buttons,
		Logger: d.Logger, Observe: d.Observe, RequestsPerMinute: z.RequestsPerMinute,
		RetryWaitMax: d.RetryWaitMax, // 0 keeps DefaultRetryWaitMax (Config.withDefaults)
	}, nil
}
