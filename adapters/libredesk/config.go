package libredesk

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
	// DefaultWebhookTolerance is how far the signed "timestamp" of a delivery may be from now.
	DefaultWebhookTolerance = 15 * time.Minute
)

// Config configures the Libredesk adapter. It maps the HANDOVER_LIBREDESK_* variables of the
// configuration (Settings; "handover config" prints them).
//
// The bot is an ordinary Libredesk agent with an API key (POST /api/v1/agents/{id}/api-key);
// its role's permissions bound what the adapter may do (cmd/handlers.go in
// abhinavxd/libredesk).
type Config struct {
	// BaseURL is the Libredesk installation, e.g. https://desk.example.com. A path prefix (a
	// reverse proxy) is kept.
	BaseURL string
	// APIKey and APISecret are the bot agent's API key pair, sent as
	// "Authorization: token <key>:<secret>" (cmd/middlewares.go authenticateUser).
	APIKey    string
	APISecret string
	// BotAgentID is the bot agent's user id: the conversations it is assigned are the bot's,
	// and its own messages and assignments start no turn.
	BotAgentID int
	// WebhookSecret verifies X-Libredesk-Signature (HMAC-SHA256 of the raw body).
	WebhookSecret string
	// InboxIDs are the live-chat inboxes the bot serves.
	InboxIDs []int
	// Teams maps an inbox id to the team that is its human queue. Inboxes not listed hand over
	// to no team: the conversation is left unassigned in the inbox.
	Teams map[int]int
	// AssignAgent makes a handover assign the conversation to the online team agent it found,
	// instead of leaving it in the team's unassigned queue for Libredesk's own assignment.
	AssignAgent bool
	// WebhookTolerance bounds the age of a delivery's signed timestamp (replays older than this
	// are refused). Zero means DefaultWebhookTolerance; negative disables the check.
	WebhookTolerance time.Duration
	// RetryMax is how many times a failed request is retried. Zero means DefaultRetryMax; a
	// negative value disables retries.
	RetryMax int
	// RetryWaitMax caps the backoff between attempts and any Retry-After the server asks for.
	// Zero means DefaultRetryWaitMax.
	RetryWaitMax time.Duration
	// RequestsPerMinute, when positive, is a client-side budget of API
	// requests a minute (apiclient.Budget); 0 means none.
	RequestsPerMinute int
	// HTTPTimeout bounds one attempt. Zero means DefaultHTTPTimeout.
	HTTPTimeout time.Duration
	// Logger receives the adapter's logs; nil discards them. Keys and secrets are never logged.
	Logger *slog.Logger
	// Observe, when set, is called after every HTTP attempt (retries included) with the method
	// and the status, 0 when there was no response: the helpdesk-calls metric.
	Observe func(method string, status int)
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	apiclient.Defaults{RetryMax: DefaultRetryMax, RetryWaitMax: DefaultRetryWaitMax, HTTPTimeout: DefaultHTTPTimeout}.
		Apply(&c.BaseURL, &c.RetryMax, &c.RetryWaitMax, &c.HTTPTimeout, &c.Logger)
	if c.WebhookTolerance == 0 {
		c.WebhookTolerance = DefaultWebhookTolerance
	}
	return c
}

// validate reports every problem of c at once, naming the variable an administrator sets; it
// never prints a secret value.
func (c Config) validate() error {
	var errs []error
	if c.BaseURL == "" {
		errs = append(errs, errors.New("HANDOVER_LIBREDESK_URL is required (e.g. https://desk.example.com)"))
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("HANDOVER_LIBREDESK_URL must be an absolute http(s) URL such as https://desk.example.com"))
	} else if u.User != nil {
		errs = append(errs, errors.New("HANDOVER_LIBREDESK_URL must not contain credentials"))
	}
	if strings.TrimSpace(c.APIKey) == "" || strings.ContainsAny(c.APIKey, ": \t\r\n") {
		errs = append(errs, errors.New("HANDOVER_LIBREDESK_API_KEY is required (the bot agent's api_key, without spaces or colons)"))
	}
	if strings.TrimSpace(c.APISecret) == "" || strings.ContainsAny(c.APISecret, " \t\r\n") {
		errs = append(errs, errors.New("HANDOVER_LIBREDESK_API_SECRET is required (the bot agent's api_secret)"))
	}
	if c.BotAgentID <= 0 {
		errs = append(errs, errors.New("HANDOVER_LIBREDESK_BOT_AGENT_ID must be the bot agent's positive user id"))
	}
	if strings.TrimSpace(c.WebhookSecret) == "" {
		errs = append(errs, errors.New("HANDOVER_LIBREDESK_WEBHOOK_SECRET is required (the webhook's secret)"))
	}
	if len(c.InboxIDs) == 0 {
		errs = append(errs, errors.New("HANDOVER_LIBREDESK_INBOX_IDS must name at least one live-chat inbox id"))
	}
	for _, id := range c.InboxIDs {
		if id <= 0 {
			errs = append(errs, fmt.Errorf("HANDOVER_LIBREDESK_INBOX_IDS: %d is not a positive inbox id", id))
		}
	}
	for inbox, team := range c.Teams {
		if inbox <= 0 || team <= 0 {
			errs = append(errs, fmt.Errorf("HANDOVER_LIBREDESK_TEAMS: %d:%d is not a positive inboxID:teamID pair", inbox, team))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("libredesk config: %w", errors.Join(errs...))
}
