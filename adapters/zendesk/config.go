package zendesk

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultRetryMax     = 3
	DefaultRetryWaitMax = 10 * time.Second
	DefaultHTTPTimeout  = 10 * time.Second
	// DefaultAgentWorkspace is the switchboard integration handover passes control to: Agent
	// Workspace, named by its integrationType as in Zendesk's own example (article
	// 4419179022874: "switchboardIntegration": "zd:agentWorkspace").
	DefaultAgentWorkspace = "zd:agentWorkspace"
)

// Button styles: how the bot's buttons are sent (Sunshine message actions, messages/action.yaml).
const (
	// ButtonsReply sends quick replies: a click is a user message with the button's text and
	// payload (conversation:message), so the choice is in the transcript the agent sees.
	ButtonsReply = "reply"
	// ButtonsPostback sends postback buttons: a click fires conversation:postback and creates no
	// message.
	ButtonsPostback = "postback"
)

// Config configures the Zendesk adapter. It maps the HANDOVER_ZENDESK_* variables.
//
// handover is a Sunshine Conversations switchboard integration (a custom integration with a
// webhook) that hands conversations over to Agent Workspace; offline messages become Support
// tickets.
type Config struct {
	// Subdomain is the Zendesk subdomain: the APIs are at https://{subdomain}.zendesk.com/sc
	// (Sunshine Conversations) and /api/v2 (Support).
	Subdomain string
	// BaseURL overrides https://{subdomain}.zendesk.com for both APIs (a proxy, another region,
	// the simulator). A path prefix is kept.
	BaseURL string
	// AppID is the Sunshine Conversations app id.
	AppID string
	// KeyID and KeySecret are a Sunshine Conversations API key (Basic auth to <base>/sc). A key
	// of the custom integration is recommended: passControl is then idempotent and Sunshine
	// knows which integration acts.
	KeyID, KeySecret string
	// IntegrationID is the custom integration's id: the conversation belongs to the bot while
	// the active switchboard integration has this integrationId.
	IntegrationID string
	// WebhookSecret is the custom integration webhook's secret, sent as X-API-Key.
	WebhookSecret string
	// Email and APIToken authenticate to the Support API (Basic "<email>/token:<token>"); the
	// user must be an admin (the Agent Availability API is admins only).
	Email, APIToken string
	// GroupID is the Zendesk group whose agents' messaging status decides availability, and the
	// group of offline tickets. Empty: any agent, and no group on tickets.
	GroupID string
	// Hours limits handovers to opening hours (see ParseHours); nil means always open.
	Hours *Hours
	// BotName is the author displayName of the bot's messages.
	BotName string
	// Buttons is ButtonsReply (the default) or ButtonsPostback.
	Buttons string
	// AgentWorkspace is the passControl target for handovers; default DefaultAgentWorkspace.
	AgentWorkspace string
	// RetryMax is how many times a failed request is retried. Zero means DefaultRetryMax; a
	// negative value disables retries.
	RetryMax int
	// RetryWaitMax caps the backoff between attempts and any Retry-After. Zero means
	// DefaultRetryWaitMax.
	RetryWaitMax time.Duration
	// RequestsPerMinute, when positive, is a client-side budget of API
	// requests a minute (apiclient.Budget); 0 means none.
	RequestsPerMinute int
	// HTTPTimeout bounds one attempt. Zero means DefaultHTTPTimeout.
	HTTPTimeout time.Duration
	// Logger receives the adapter's logs; nil discards them. Keys are never logged.
	Logger *slog.Logger
	// Now is the clock for opening hours (tests); nil means time.Now.
	Now func() time.Time
	// Observe, when set, is called after every HTTP attempt (retries included) with the method
	// and the status, 0 when there was no response: the helpdesk-calls metric.
	Observe func(method string, status int)
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	apiclient.Defaults{RetryMax: DefaultRetryMax, RetryWaitMax: DefaultRetryWaitMax, HTTPTimeout: DefaultHTTPTimeout}.
		Apply(&c.BaseURL, &c.RetryMax, &c.RetryWaitMax, &c.HTTPTimeout, &c.Logger)
	if c.Now == nil {
		c.Now = time.Now
	}
	if strings.TrimSpace(c.BotName) == "" {
		c.BotName = "AI assistant"
	}
	if c.Buttons == "" {
		c.Buttons = ButtonsReply
	}
	if c.AgentWorkspace == "" {
		c.AgentWorkspace = DefaultAgentWorkspace
	}
	c.Subdomain = strings.TrimSpace(c.Subdomain)
	if c.BaseURL == "" && c.Subdomain != "" {
		c.BaseURL = "https://" + c.Subdomain + ".zendesk.com"
	}
	c.GroupID = strings.TrimSpace(c.GroupID)
	return c
}

var (
	subdomainRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	digitsRe    = regexp.MustCompile(`^[0-9]{1,20}$`)
	sunIDRe     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// validate reports every problem of c at once, naming the variable an administrator sets; it
// never prints a secret value.
func (c Config) validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch {
	case c.BaseURL == "" && c.Subdomain == "":
		add("HANDOVER_ZENDESK_SUBDOMAIN (or HANDOVER_ZENDESK_URL) is required")
	case c.Subdomain != "" && !subdomainRe.MatchString(c.Subdomain):
		add("HANDOVER_ZENDESK_SUBDOMAIN must be the subdomain only, e.g. acme for acme.zendesk.com")
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("HANDOVER_ZENDESK_URL must be an absolute http(s) URL such as https://acme.zendesk.com")
		} else if u.User != nil {
			add("HANDOVER_ZENDESK_URL must not contain credentials")
		}
	}
	if !sunIDRe.MatchString(c.AppID) {
		add("HANDOVER_ZENDESK_APP_ID is required (the Sunshine Conversations app id)")
	}
	if strings.TrimSpace(c.KeyID) == "" || strings.TrimSpace(c.KeySecret) == "" {
		add("HANDOVER_ZENDESK_KEY_ID and HANDOVER_ZENDESK_KEY_SECRET are required (a Conversations API key)")
	}
	if !sunIDRe.MatchString(c.IntegrationID) {
		add("HANDOVER_ZENDESK_INTEGRATION_ID is required (the custom integration's id)")
	}
	if strings.TrimSpace(c.WebhookSecret) == "" {
		add("HANDOVER_ZENDESK_WEBHOOK_SECRET is required (the webhook's secret, sent as X-API-Key)")
	}
	if strings.TrimSpace(c.Email) == "" || !strings.Contains(c.Email, "@") {
		add("HANDOVER_ZENDESK_EMAIL is required (the Support API user's email)")
	}
	if strings.TrimSpace(c.APIToken) == "" {
		add("HANDOVER_ZENDESK_API_TOKEN is required (a Support API token)")
	}
	if c.GroupID != "" && !digitsRe.MatchString(c.GroupID) {
		add("HANDOVER_ZENDESK_GROUP_ID must be a numeric group id")
	}
	if c.Buttons != ButtonsReply && c.Buttons != ButtonsPostback {
		add("HANDOVER_ZENDESK_BUTTONS must be reply or postback")
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("zendesk config: %w", errors.Join(errs...))
}
