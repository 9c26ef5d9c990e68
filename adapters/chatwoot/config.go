package chatwoot

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultRetryMax     = 3
	DefaultRetryWaitMax = 10 * time.Second
	DefaultHTTPTimeout  = 10 * time.Second
)

// Config configures the Chatwoot adapter. It maps the HANDOVER_CHATWOOT_*
// variables (see the configuration table in README.md).
//
// Agent bots: app/models/agent_bot.rb and app/listeners/agent_bot_listener.rb
// in chatwoot/chatwoot; API reference: https://developers.chatwoot.com/api-reference/introduction
type Config struct {
	// BaseURL is the Chatwoot installation, e.g. https://app.chatwoot.com.
	// A path prefix (a reverse proxy) is kept.
	BaseURL string
	// AccountID is the Chatwoot account the bot works in.
	AccountID int
	// BotToken is the agent bot's access_token. Chatwoot lets a bot token call
	// only the routes in BOT_ACCESSIBLE_ENDPOINTS
	// (app/controllers/concerns/access_token_auth_helper.rb): conversation show,
	// toggle_status, custom_attributes, messages create, assignments create,
	// labels index/create.
	BotToken string
	// UserToken is an administrator's access token, for what a bot token may
	// not read: the message list, inbox members, team members.
	UserToken string
	// WebhookSecret is the agent bot's secret: it verifies X-Chatwoot-Signature
	// (Chatwoot >= 4.13) and, for older Chatwoot that signs nothing, must be
	// the last path segment of the bot's outgoing_url.
	WebhookSecret string
	// Teams maps an inbox id to the team that is its human queue. Inboxes
	// not listed hand over to the inbox's own members.
	Teams map[int]int
	// RetryMax is how many times a failed request is retried. Zero means
	// DefaultRetryMax; a negative value disables retries.
	RetryMax int
	// RetryWaitMax caps the backoff between attempts and any Retry-After the
	// server asks for. Zero means DefaultRetryWaitMax.
	RetryWaitMax time.Duration
	// RequestsPerMinute, when positive, is a client-side budget of API
	// requests a minute (apiclient.Budget); 0 means none.
	RequestsPerMinute int
	// HTTPTimeout bounds one attempt. Zero means DefaultHTTPTimeout.
	HTTPTimeout time.Duration
	// Logger receives the adapter's logs; nil discards them. Tokens and
	// secrets are never logged.
	Logger *slog.Logger
	// Observe, when set, is called after every HTTP attempt (retries
	// included) with the method and the status, 0 when there was no
	// response: the helpdesk-calls metric.
	Observe func(method string, status int)
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	apiclient.Defaults{RetryMax: DefaultRetryMax, RetryWaitMax: DefaultRetryWaitMax, HTTPTimeout: DefaultHTTPTimeout}.
		Apply(&c.BaseURL, &c.RetryMax, &c.RetryWaitMax, &c.HTTPTimeout, &c.Logger)
	return c
}

// validate reports every problem of c at once, naming the variable an
// administrator sets; it never prints a secret value.
func (c Config) validate() error {
	var errs []error
	if c.BaseURL == "" {
		errs = append(errs, errors.New("HANDOVER_CHATWOOT_URL is required (e.g. https://app.chatwoot.com)"))
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("HANDOVER_CHATWOOT_URL must be an absolute http(s) URL such as https://app.chatwoot.com"))
	} else if u.User != nil {
		errs = append(errs, errors.New("HANDOVER_CHATWOOT_URL must not contain credentials"))
	}
	if c.AccountID <= 0 {
		errs = append(errs, errors.New("HANDOVER_CHATWOOT_ACCOUNT_ID must be a positive account id"))
	}
	if strings.TrimSpace(c.BotToken) == "" {
		errs = append(errs, errors.New("HANDOVER_CHATWOOT_BOT_TOKEN is required (the agent bot's access_token)"))
	}
	if strings.TrimSpace(c.UserToken) == "" {
		errs = append(errs, errors.New("HANDOVER_CHATWOOT_USER_TOKEN is required (an administrator's access token)"))
	}
	if strings.TrimSpace(c.WebhookSecret) == "" {
		errs = append(errs, errors.New("HANDOVER_CHATWOOT_WEBHOOK_SECRET is required (the agent bot's secret)"))
	}
	for inbox, team := range c.Teams {
		if inbox <= 0 || team <= 0 {
			errs = append(errs, fmt.Errorf("HANDOVER_CHATWOOT_TEAMS: %d:%d is not a positive inboxID:teamID pair", inbox, team))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("chatwoot config: %w", errors.Join(errs...))
}
