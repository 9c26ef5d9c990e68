package config

import (
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Zendesk configures the Zendesk adapter: a Sunshine Conversations switchboard integration that
// hands over to Agent Workspace, with offline messages as Support tickets. It is embedded in
// Config with full HANDOVER_ZENDESK_* names (see the note on Chatwoot there).
type Zendesk struct {
	Subdomain     string `envconfig:"HANDOVER_ZENDESK_SUBDOMAIN" desc:"Zendesk subdomain: acme for https://acme.zendesk.com (the Sunshine Conversations API is at /sc, the Support API at /api/v2)"`
	URL           string `envconfig:"HANDOVER_ZENDESK_URL" desc:"optional base URL overriding https://<subdomain>.zendesk.com for both APIs (a proxy, another region, the simulator)"`
	AppID         string `envconfig:"HANDOVER_ZENDESK_APP_ID" desc:"Sunshine Conversations app id (Admin Center > Apps and integrations > Conversations API)"`
	KeyID         string `envconfig:"HANDOVER_ZENDESK_KEY_ID" desc:"Conversations API key id (a key of the custom integration is best)"`
	KeySecret     Secret `envconfig:"HANDOVER_ZENDESK_KEY_SECRET" desc:"secret: the Conversations API key's secret"`
	IntegrationID string `envconfig:"HANDOVER_ZENDESK_INTEGRATION_ID" desc:"the custom integration's id: the bot answers while this integration is the conversation's active switchboard integration"`
	WebhookSecret Secret `envconfig:"HANDOVER_ZENDESK_WEBHOOK_SECRET" desc:"secret: the integration webhook's secret (checked against X-API-Key)"`
	Email         string `envconfig:"HANDOVER_ZENDESK_EMAIL" desc:"email of the Support API user (an admin) for tickets and agent availability"`
	APIToken      Secret `envconfig:"HANDOVER_ZENDESK_API_TOKEN" desc:"secret: a Support API token (Basic <email>/token)"`
	GroupID       string `envconfig:"HANDOVER_ZENDESK_GROUP_ID" desc:"optional group id: whose agents' messaging status counts as available, and the group of offline tickets"`
	Hours         string `envconfig:"HANDOVER_ZENDESK_HOURS" desc:"optional opening hours of the human queue, e.g. 'Mon-Fri 09:00-17:00; Sat 10:00-14:00'; outside them the offline message is offered"`
	TimeZone      string `envconfig:"HANDOVER_ZENDESK_TIMEZONE" default:"UTC" desc:"IANA time zone of HANDOVER_ZENDESK_HOURS, e.g. Europe/Berlin"`
	Buttons       string `envconfig:"HANDOVER_ZENDESK_BUTTONS" default:"reply" desc:"how buttons are sent: reply (quick replies; the click is a visitor message) or postback"`
}

var (
	zdSubdomainRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	zdIDRe        = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	zdDigitsRe    = regexp.MustCompile(`^[0-9]{1,20}$`)
	zdDaysRe      = regexp.MustCompile(`(?i)^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?(,(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?)*$`)
	zdSpanRe      = regexp.MustCompile(`^([01][0-9]|2[0-4]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$`)
)

// problems lists what is wrong for serve with HANDOVER_HELPDESK=zendesk, each with how to fix
// it; secret values never appear.
func (z Zendesk) problems() []string {
	var out []string
	add := func(s string) { out = append(out, s) }
	sub, base := strings.TrimSpace(z.Subdomain), strings.TrimSpace(z.URL)
	switch {
	case sub == "" && base == "":
		add("HANDOVER_ZENDESK_SUBDOMAIN: set the Zendesk subdomain (acme for acme.zendesk.com), or HANDOVER_ZENDESK_URL")
	case sub != "" && !zdSubdomainRe.MatchString(sub):
		add("HANDOVER_ZENDESK_SUBDOMAIN: set only the subdomain, e.g. acme for https://acme.zendesk.com")
	}
	if base != "" {
		if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			add("HANDOVER_ZENDESK_URL: set an absolute http(s) URL without credentials, e.g. https://acme.zendesk.com")
		}
	}
	if !zdIDRe.MatchString(z.AppID) {
		add("HANDOVER_ZENDESK_APP_ID: set the Sunshine Conversations app id (Admin Center > Apps and integrations > Conversations API)")
	}
	if strings.TrimSpace(z.KeyID) == "" {
		add("HANDOVER_ZENDESK_KEY_ID: set the id of a Conversations API key")
	}
	if z.KeySecret == "" {
		add("HANDOVER_ZENDESK_KEY_SECRET: set the secret of that Conversations API key")
	}
	if !zdIDRe.MatchString(z.IntegrationID) {
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
	if g := strings.TrimSpace(z.GroupID); g != "" && !zdDigitsRe.MatchString(g) {
		add("HANDOVER_ZENDESK_GROUP_ID: set a numeric group id, or leave it empty for every agent")
	}
	if strings.TrimSpace(z.Hours) != "" {
		for _, seg := range strings.Split(z.Hours, ";") {
			seg = strings.TrimSpace(seg)
			if seg == "" {
				continue
			}
			days, span, ok := strings.Cut(seg, " ")
			if !ok || !zdDaysRe.MatchString(strings.TrimSpace(days)) || !zdSpanRe.MatchString(strings.TrimSpace(span)) {
				add("HANDOVER_ZENDESK_HOURS: \"" + seg + "\" is not <days> <HH:MM>-<HH:MM>, e.g. 'Mon-Fri 09:00-17:00; Sat 10:00-14:00'")
			}
		}
	}
	if tz := strings.TrimSpace(z.TimeZone); tz != "" {
		if _, err := time.LoadLocation(tz); err != nil {
			add("HANDOVER_ZENDESK_TIMEZONE: \"" + tz + "\" is not an IANA time zone such as Europe/Berlin")
		}
	}
	switch z.Buttons {
	case "", "reply", "postback":
	default:
		add("HANDOVER_ZENDESK_BUTTONS: use reply or postback")
	}
	return out
}
