package libredesk

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// Settings are the HANDOVER_LIBREDESK_* variables ("handover config" prints them): the bot is
// an ordinary Libredesk agent with an API key, and Libredesk signs its webhooks with the
// webhook's secret. Read with envconfig and full names only.
type Settings struct {
	URL               string          `envconfig:"HANDOVER_LIBREDESK_URL" desc:"Libredesk base URL, e.g. https://desk.example.com"`
	APIKey            helpdesk.Secret `envconfig:"HANDOVER_LIBREDESK_API_KEY" desc:"secret: the bot agent's API key (Admin > Teams > Agents > the bot)"`
	APISecret         helpdesk.Secret `envconfig:"HANDOVER_LIBREDESK_API_SECRET" desc:"secret: the bot agent's API secret"`
	BotAgentID        int             `envconfig:"HANDOVER_LIBREDESK_BOT_AGENT_ID" desc:"the bot agent's user id"`
	WebhookSecret     helpdesk.Secret `envconfig:"HANDOVER_LIBREDESK_WEBHOOK_SECRET" desc:"secret: the webhook's secret (verifies X-Libredesk-Signature)"`
	InboxIDs          string          `envconfig:"HANDOVER_LIBREDESK_INBOX_IDS" desc:"comma-separated ids of the live-chat inboxes the bot serves, e.g. 1,4"`
	Teams             helpdesk.IDMap  `envconfig:"HANDOVER_LIBREDESK_TEAMS" desc:"optional inboxID:teamID,... the human queue (team) of each inbox"`
	AssignAgent       bool            `envconfig:"HANDOVER_LIBREDESK_ASSIGN_AGENT" default:"false" desc:"on handover, assign an online team agent instead of leaving the chat in the team's unassigned queue"`
	RequestsPerMinute int             `envconfig:"HANDOVER_LIBREDESK_REQUESTS_PER_MINUTE" default:"0" desc:"optional client-side budget of API requests a minute (retries included), below the helpdesk's rate limit; 0 means none"`
}

// Inboxes parses InboxIDs.
func (l *Settings) Inboxes() ([]int, error) {
	var out []int
	for _, part := range strings.Split(l.InboxIDs, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive inbox id", part)
		}
		out = append(out, n)
	}
	return out, nil
}

// Problems lists what is wrong with the Libredesk settings for serve, each with how to fix it.
// Secret values never appear.
func (l *Settings) Problems() []string {
	var out []string
	if p := helpdesk.BaseURLProblem("HANDOVER_LIBREDESK_URL", l.URL, "set the Libredesk base URL, e.g. https://desk.example.com"); p != "" {
		out = append(out, p)
	}
	if l.APIKey == "" {
		out = append(out, "HANDOVER_LIBREDESK_API_KEY: set the bot agent's API key (Admin > Teams > Agents > the bot)")
	} else if strings.ContainsAny(l.APIKey.Value(), ": \t\r\n") {
		out = append(out, "HANDOVER_LIBREDESK_API_KEY: must not contain spaces or colons (copy the api_key alone)")
	}
	if l.APISecret == "" {
		out = append(out, "HANDOVER_LIBREDESK_API_SECRET: set the bot agent's API secret (shown once with the key)")
	} else if strings.ContainsAny(l.APISecret.Value(), " \t\r\n") {
		out = append(out, "HANDOVER_LIBREDESK_API_SECRET: must not contain spaces")
	}
	if l.BotAgentID <= 0 {
		out = append(out, "HANDOVER_LIBREDESK_BOT_AGENT_ID: set the bot agent's user id (the number in /admin/teams/agents/<id>/edit)")
	}
	if l.WebhookSecret == "" {
		out = append(out, "HANDOVER_LIBREDESK_WEBHOOK_SECRET: set the secret of the Libredesk webhook (Admin > Webhooks)")
	}
	if ids, err := l.Inboxes(); err != nil {
		out = append(out, "HANDOVER_LIBREDESK_INBOX_IDS: "+err.Error()+"; use comma-separated inbox ids, e.g. 1,4")
	} else if len(ids) == 0 {
		out = append(out, "HANDOVER_LIBREDESK_INBOX_IDS: set the ids of the live-chat inboxes the bot serves, e.g. 1")
	}
	for inbox, team := range l.Teams {
		if inbox <= 0 || team <= 0 {
			out = append(out, fmt.Sprintf("HANDOVER_LIBREDESK_TEAMS: %d:%d is not a positive inboxID:teamID pair", inbox, team))
		}
	}
	if l.RequestsPerMinute < 0 {
		out = append(out, "HANDOVER_LIBREDESK_REQUESTS_PER_MINUTE: must be 0 (no budget) or a number of requests a minute")
	}
	return out
}

// newFromSettings builds the adapter for serve from the settings; Deps.RetryWaitMax, when set,
// caps the waits between retries.
func newFromSettings(s helpdesk.Settings, d helpdesk.Deps) (helpdesk.Adapter, error) {
	l := s.(*Settings)
	inboxes, err := l.Inboxes()
	if err != nil {
		return nil, fmt.Errorf("HANDOVER_LIBREDESK_INBOX_IDS: %w", err)
	}
	return New(Config{
		BaseURL: l.URL, APIKey: l.APIKey.Value(), APISecret: l.APISecret.Value(), BotAgentID: l.BotAgentID,
		WebhookSecret: l.WebhookSecret.Value(), InboxIDs: inboxes, Teams: l.Teams, AssignAgent: l.AssignAgent,
		Logger: d.Logger, Observe: d.Observe, RequestsPerMinute: l.RequestsPerMinute,
		RetryWaitMax: d.RetryWaitMax, // 0 keeps DefaultRetryWaitMax
	})
}
