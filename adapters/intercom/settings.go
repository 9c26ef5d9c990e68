package intercom

import (
	"regexp"
	"strings"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// DefaultURL is the API of Intercom's US region; the EU and AU workspaces use
// https://api.eu.intercom.io and https://api.au.intercom.io.
const DefaultURL = "https://api.intercom.io"

// Settings are the HANDOVER_INTERCOM_* variables ("handover config" prints them): an Intercom
// app's access token, its client secret for the webhook signature, the bot teammate and the
// human team. Read with envconfig and full names only.
type Settings struct {
	URL               string          `envconfig:"HANDOVER_INTERCOM_URL" default:"https://api.intercom.io" desc:"Intercom API base URL: https://api.intercom.io (US), https://api.eu.intercom.io (EU) or https://api.au.intercom.io (AU), the workspace's region"`
	AccessToken       helpdesk.Secret `envconfig:"HANDOVER_INTERCOM_ACCESS_TOKEN" desc:"secret: the access token of the workspace's Intercom app (Developer Hub > your app > Authentication)"`
	ClientSecret      helpdesk.Secret `envconfig:"HANDOVER_INTERCOM_CLIENT_SECRET" desc:"secret: the app's client secret (Developer Hub > your app > Basic information); it verifies X-Hub-Signature on webhooks"`
	BotAdminID        string          `envconfig:"HANDOVER_INTERCOM_BOT_ADMIN_ID" desc:"id of the bot teammate: it authors every reply, note and assignment, and the bot answers the conversations assigned to it"`
	TeamID            string          `envconfig:"HANDOVER_INTERCOM_TEAM_ID" desc:"id of the team of human agents the bot hands over to (GET /teams)"`
	TicketTypeID      string          `envconfig:"HANDOVER_INTERCOM_TICKET_TYPE_ID" desc:"optional id of a Back-office ticket type (GET /ticket_types): each offline message also files a ticket of that type, linked to the conversation and assigned to the team; empty: the conversation, assigned to the team with a note, is the offline message"`
	ClaimUnassigned   bool            `envconfig:"HANDOVER_INTERCOM_CLAIM_UNASSIGNED" default:"false" desc:"when true, the bot also takes (assigns to itself) a visitor's Messenger conversation that is open, unassigned, in no team and that no teammate, Fin or workflow has touched; false: only conversations a workflow assigns to the bot teammate"`
	RequestsPerMinute int             `envconfig:"HANDOVER_INTERCOM_REQUESTS_PER_MINUTE" default:"0" desc:"optional client-side budget of API requests a minute (retries included), below Intercom's rate limit; 0 means none"`
}

var digitsRe = regexp.MustCompile(`^[0-9]{1,20}$`)

// Problems lists what is wrong for serve with HANDOVER_HELPDESK=intercom, each with how to fix
// it; secret values never appear.
func (s *Settings) Problems() []string {
	var out []string
	add := func(p string) { out = append(out, p) }
	if p := helpdesk.BaseURLProblem("HANDOVER_INTERCOM_URL", s.URL, ""); p != "" {
		add(p)
	}
	if strings.TrimSpace(s.AccessToken.Value()) == "" {
		add("HANDOVER_INTERCOM_ACCESS_TOKEN: set the access token of your Intercom app (Developer Hub > your app > Authentication)")
	}
	if strings.TrimSpace(s.ClientSecret.Value()) == "" {
		add("HANDOVER_INTERCOM_CLIENT_SECRET: set the app's client secret (Developer Hub > your app > Basic information); webhooks are signed with it")
	}
	if !digitsRe.MatchString(strings.TrimSpace(s.BotAdminID)) {
		add("HANDOVER_INTERCOM_BOT_ADMIN_ID: set the numeric id of the bot teammate (GET /admins lists them)")
	}
	if !digitsRe.MatchString(strings.TrimSpace(s.TeamID)) {
		add("HANDOVER_INTERCOM_TEAM_ID: set the numeric id of the human team (GET /teams lists them)")
	}
	if t := strings.TrimSpace(s.TicketTypeID); t != "" && !digitsRe.MatchString(t) {
		add("HANDOVER_INTERCOM_TICKET_TYPE_ID: set a numeric ticket type id (GET /ticket_types), or leave it empty")
	}
	if s.RequestsPerMinute < 0 {
		add("HANDOVER_INTERCOM_REQUESTS_PER_MINUTE: must be 0 (no budget) or a number of requests a minute")
	}
	return out
}

// config is the adapter's Config for these settings.
func (s *Settings) config(d helpdesk.Deps) Config {
	return Config{
		BaseURL: s.URL, AccessToken: s.AccessToken.Value(), ClientSecret: s.ClientSecret.Value(),
		BotAdminID: strings.TrimSpace(s.BotAdminID), TeamID: strings.TrimSpace(s.TeamID),
		TicketTypeID: strings.TrimSpace(s.TicketTypeID), RequestsPerMinute: s.RequestsPerMinute,
		ClaimUnassigned: s.ClaimUnassigned, Logger: d.Logger, Observe: d.Observe, RetryWaitMax: d.RetryWaitMax,
	}
}
