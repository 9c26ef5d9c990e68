package chatwoot

import (
	"fmt"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// Settings are the HANDOVER_CHATWOOT_* variables ("handover config" prints them). Read with
// envconfig and full names only (no prefix), so no unprefixed fallback such as URL applies.
type Settings struct {
	URL               string          `envconfig:"HANDOVER_CHATWOOT_URL" desc:"Chatwoot base URL, e.g. https://app.chatwoot.com"`
	AccountID         int             `envconfig:"HANDOVER_CHATWOOT_ACCOUNT_ID" desc:"account id"`
	BotToken          helpdesk.Secret `envconfig:"HANDOVER_CHATWOOT_BOT_TOKEN" desc:"secret: the agent bot's access_token"`
	UserToken         helpdesk.Secret `envconfig:"HANDOVER_CHATWOOT_USER_TOKEN" desc:"secret: an administrator's access token (message lists, agents, inbox members)"`
	WebhookSecret     helpdesk.Secret `envconfig:"HANDOVER_CHATWOOT_WEBHOOK_SECRET" desc:"secret: the agent bot's secret (X-Chatwoot-Signature); for Chatwoot <= 4.12 also the webhook URL's last path segment"`
	Teams             helpdesk.IDMap  `envconfig:"HANDOVER_CHATWOOT_TEAMS" desc:"optional inboxID:teamID,... the human queue (team) of each inbox"`
	RequestsPerMinute int             `envconfig:"HANDOVER_CHATWOOT_REQUESTS_PER_MINUTE" default:"0" desc:"optional client-side budget of API requests a minute (retries included), below the helpdesk's rate limit; 0 means none"`
}

// Problems lists what is wrong for serve, each with how to fix it; secret values never appear.
func (s *Settings) Problems() []string {
	var out []string
	if p := helpdesk.BaseURLProblem("HANDOVER_CHATWOOT_URL", s.URL, "set the Chatwoot base URL, e.g. https://app.chatwoot.com"); p != "" {
		out = append(out, p)
	}
	if s.AccountID <= 0 {
		out = append(out, "HANDOVER_CHATWOOT_ACCOUNT_ID: set the account id (the number in /app/accounts/<id>/ in Chatwoot)")
	}
	if s.BotToken == "" {
		out = append(out, "HANDOVER_CHATWOOT_BOT_TOKEN: set the agent bot's access_token")
	}
	if s.UserToken == "" {
		out = append(out, "HANDOVER_CHATWOOT_USER_TOKEN: set an administrator's access token (Profile settings > Access token)")
	}
	if s.WebhookSecret == "" {
		out = append(out, "HANDOVER_CHATWOOT_WEBHOOK_SECRET: set the agent bot's secret (it verifies webhooks)")
	}
	for inbox, team := range s.Teams {
		if inbox <= 0 || team <= 0 {
			out = append(out, fmt.Sprintf("HANDOVER_CHATWOOT_TEAMS: %d:%d is not a positive inboxID:teamID pair", inbox, team))
		}
	}
	if s.RequestsPerMinute < 0 {
		out = append(out, "HANDOVER_CHATWOOT_REQUESTS_PER_MINUTE: must be 0 (no budget) or a number of requests a minute")
	}
	return out
}

// config is the adapter's Config for these settings; d.RetryWaitMax, when set, caps the
// wait between retries.
func (s *Settings) config(d helpdesk.Deps) Config {
	c := Config{
		BaseURL: s.URL, AccountID: s.AccountID, BotToken: s.BotToken.Value(), UserToken: s.UserToken.Value(),
		WebhookSecret: s.WebhookSecret.Value(), Teams: s.Teams, Logger: d.Logger, Observe: d.Observe,
		RequestsPerMinute: s.RequestsPerMinute,
	}
	if d.RetryWaitMax > 0 {
		c.RetryWaitMax = d.RetryWaitMax
	}
	return c
}
