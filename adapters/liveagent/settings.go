package liveagent

import (
	"fmt"
	"strings"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// Settings are the HANDOVER_LIVEAGENT_* variables ("handover config" prints them): the bot is a
// LiveAgent agent; LiveAgent calls handover through rules with an HTTP request action. Read
// with envconfig and full names only.
type Settings struct {
	URL           string          `envconfig:"HANDOVER_LIVEAGENT_URL" desc:"LiveAgent account URL, e.g. https://acme.ladesk.com"`
	APIKey        helpdesk.Secret `envconfig:"HANDOVER_LIVEAGENT_API_KEY" desc:"secret: an API v3 key (reads: tickets, messages, agents, departments)"`
	APIV1Key      helpdesk.Secret `envconfig:"HANDOVER_LIVEAGENT_API_V1_KEY" desc:"secret: the API v1 key (writes: replies, notes, transfers)"`
	BotAgentID    string          `envconfig:"HANDOVER_LIVEAGENT_BOT_AGENT_ID" desc:"id of the LiveAgent agent the bot posts as; chats assigned to it are the bot's"`
	WebhookSecret helpdesk.Secret `envconfig:"HANDOVER_LIVEAGENT_WEBHOOK_SECRET" desc:"secret: last path segment of the rules' URL /webhooks/liveagent/<secret> (LiveAgent signs nothing)"`
	Departments   string          `envconfig:"HANDOVER_LIVEAGENT_DEPARTMENTS" desc:"optional fromDepartmentID:toDepartmentID,... the human queue of each department (e.g. the bot's department to Support)"`
	RateLimit     int             `envconfig:"HANDOVER_LIVEAGENT_RATE_LIMIT" default:"180" desc:"API requests a minute per key (LiveAgent allows 180); lower it when other tools share the keys"`
}

// Problems lists what is wrong with the LiveAgent settings, each with how to fix it; secret
// values never appear.
func (l *Settings) Problems() []string {
	var out []string
	if p := helpdesk.BaseURLProblem("HANDOVER_LIVEAGENT_URL", l.URL, "set the LiveAgent account URL, e.g. https://acme.ladesk.com"); p != "" {
		out = append(out, p)
	}
	if l.APIKey == "" {
		out = append(out, "HANDOVER_LIVEAGENT_API_KEY: set an API v3 key (Configuration > System > API)")
	}
	if l.APIV1Key == "" {
		out = append(out, "HANDOVER_LIVEAGENT_API_V1_KEY: set the API v1 key (Configuration > System > API, API v1 key): replies and notes go through API v1")
	}
	if !ValidID(l.BotAgentID) {
		out = append(out, "HANDOVER_LIVEAGENT_BOT_AGENT_ID: set the id of the agent the bot posts as (Configuration > Agents, or GET /api/v3/agents)")
	}
	if l.WebhookSecret == "" {
		out = append(out, "HANDOVER_LIVEAGENT_WEBHOOK_SECRET: set a long random value; it is the last segment of the rules' URL")
	} else if strings.ContainsAny(l.WebhookSecret.Value(), "/?#% ") {
		out = append(out, "HANDOVER_LIVEAGENT_WEBHOOK_SECRET: must be usable in a URL path (no / ? # % or spaces)")
	}
	for _, part := range strings.Split(l.Departments, ",") {
		if _, err := ParseDepartments(part); err != nil {
			out = append(out, "HANDOVER_LIVEAGENT_DEPARTMENTS: "+err.Error())
		}
	}
	if l.RateLimit <= 0 {
		out = append(out, "HANDOVER_LIVEAGENT_RATE_LIMIT: must be a positive number of requests a minute (LiveAgent allows 180)")
	}
	return out
}

// newFromSettings builds the adapter for serve from the settings.
func newFromSettings(s helpdesk.Settings, d helpdesk.Deps) (helpdesk.Adapter, error) {
	l := s.(*Settings)
	depts, err := ParseDepartments(l.Departments)
	if err != nil {
		return nil, fmt.Errorf("HANDOVER_LIVEAGENT_DEPARTMENTS: %w", err)
	}
	cfg := Config{
		BaseURL: l.URL, APIKey: l.APIKey.Value(), APIV1Key: l.APIV1Key.Value(), BotAgentID: l.BotAgentID,
		WebhookSecret: l.WebhookSecret.Value(), Departments: depts, RateLimit: l.RateLimit,
		Logger: d.Logger, Observe: d.Observe,
	}
	if d.RetryWaitMax > 0 {
		cfg.RetryWaitMax = d.RetryWaitMax // the tests' short waits; else DefaultRetryWaitMax
	}
	return New(cfg)
}
