package liveagent

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/handover"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultRetryMax     = 3
	DefaultRetryWaitMax = 10 * time.Second
	DefaultHTTPTimeout  = 10 * time.Second
	// DefaultRateLimit is LiveAgent's documented limit: 180 API requests a
	// minute per API key (https://support.liveagent.com/217359-Request-rate-limits).
	DefaultRateLimit = 180
	// DefaultRateLimitWaitMax caps how long one request waits on a 429's
	// Retry-After before it tries again.
	DefaultRateLimitWaitMax = 60 * time.Second
	// DefaultAgentsTTL is how long the account's agent list is reused
	// before it is read again (an unknown author refreshes it at once).
	DefaultAgentsTTL = 5 * time.Minute
)

// Config configures the LiveAgent adapter. It maps the HANDOVER_LIVEAGENT_*
// variables of the configuration (go run ./cmd/handover config).
//
// API v3 reference: https://{account}.ladesk.com/docs/api/v3/ (generated
// client QualityUnit/LiveAgent-api-python); API v1:
// http://support.liveagent.se/index.php?type=page&urlcode=599618; rate
// limits: https://support.liveagent.com/217359-Request-rate-limits.
type Config struct {
	// BaseURL is the LiveAgent account, e.g. https://acme.ladesk.com. API v3
	// lives below /api/v3, API v1 below /api.
	BaseURL string
	// APIKey is an API v3 key, sent as the apikey header.
	APIKey string
	// APIV1Key is the separate API v1 key, sent as the apikey parameter
	// (v3 keys get 403 on v1 conversation endpoints).
	APIV1Key string
	// BotAgentID is the LiveAgent agent the bot posts as; chats whose
	// assigned agent it is belong to the bot.
	BotAgentID string
	// WebhookSecret is the last path segment of the rules' HTTP request URL
	// (/webhooks/liveagent/<secret>): LiveAgent signs nothing.
	WebhookSecret string
	// Departments maps the department a chat arrives in to the department
	// that is its human queue (e.g. the bot's own department to Support).
	// Departments not listed hand over to themselves.
	Departments map[string]string
	// Texts are the engine's visitor notices; the adapter recognises them in
	// the history (to count only real answers) and localises the typed
	// choices. Zero fields take handover.DefaultTexts.
	Texts handover.Texts
	// RateLimit is the API budget a minute per key (v3 and v1 each). Zero
	// means DefaultRateLimit; lower it when other integrations share a key.
	RateLimit int
	// RateLimitWaitMax caps a 429's Retry-After. Zero means
	// DefaultRateLimitWaitMax.
	RateLimitWaitMax time.Duration
	// RetryMax is how many times a request that failed in transport or
	// with a 5xx is retried. Zero means DefaultRetryMax; negative disables.
	RetryMax int
	// RetryWaitMax caps the backoff between those attempts. Zero means
	// DefaultRetryWaitMax.
	RetryWaitMax time.Duration
	// HTTPTimeout bounds one attempt. Zero means DefaultHTTPTimeout.
	HTTPTimeout time.Duration
	// AgentsTTL is how long the agent list (who is an agent, their names)
	// and each department's members are cached in-process; presence is
	// never cached. Zero means DefaultAgentsTTL.
	AgentsTTL time.Duration
	// Clock paces the rate limiter and the 429 waits; nil is the real clock.
	// Tests inject a fake one.
	Clock Clock
	// Logger receives the adapter's logs; nil discards them. Keys and the
	// webhook secret are never logged.
	Logger *slog.Logger
	// Observe, when set, is called after every HTTP attempt (retries and
	// 429s included) with the method and the status, 0 when there was no
	// response: the helpdesk-calls metric.
	Observe func(method string, status int)
}

// Clock is the time source of the rate limiter and of 429 waits.
type Clock = apiclient.Clock

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	apiclient.Defaults{RetryMax: DefaultRetryMax, RetryWaitMax: DefaultRetryWaitMax, HTTPTimeout: DefaultHTTPTimeout}.
		Apply(&c.BaseURL, &c.RetryMax, &c.RetryWaitMax, &c.HTTPTimeout, &c.Logger)
	if c.RateLimit == 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.RateLimitWaitMax <= 0 {
		c.RateLimitWaitMax = DefaultRateLimitWaitMax
	}
	if c.AgentsTTL <= 0 {
		c.AgentsTTL = DefaultAgentsTTL
	}
	if c.Clock == nil {
		c.Clock = apiclient.WallClock{}
	}
	c.BotAgentID = strings.TrimSpace(c.BotAgentID)
	c.Texts = withDefaultTexts(c.Texts)
	return c
}

// withDefaultTexts fills empty Texts fields from handover.DefaultTexts.
func withDefaultTexts(t handover.Texts) handover.Texts {
	d := handover.DefaultTexts()
	fill := func(v *string, def string) {
		if strings.TrimSpace(*v) == "" {
			*v = def
		}
	}
	fill(&t.HumanButton, d.HumanButton)
	fill(&t.OfflineButton, d.OfflineButton)
	fill(&t.ContinueButton, d.ContinueButton)
	fill(&t.Connecting, d.Connecting)
	fill(&t.NoAgent, d.NoAgent)
	fill(&t.AskEmail, d.AskEmail)
	fill(&t.OfflineReceived, d.OfflineReceived)
	fill(&t.Continue, d.Continue)
	fill(&t.Apology, d.Apology)
	fill(&t.AgentJoined, d.AgentJoined)
	return t
}

// idRE is what a LiveAgent id (ticket, agent, department) or ticket code
// looks like: letters, digits, '-' and '_'. A literal placeholder such as
// {$conversation_id} never matches.
var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$`)

// ValidID reports whether s can be a LiveAgent id or ticket code.
func ValidID(s string) bool { return idRE.MatchString(s) }

// ParseDepartments reads "fromID:toID,..." (HANDOVER_LIVEAGENT_DEPARTMENTS).
func ParseDepartments(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		from, to, ok := strings.Cut(part, ":")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || !ValidID(from) || !ValidID(to) {
			return nil, fmt.Errorf("%q is not fromDepartmentID:toDepartmentID", part)
		}
		out[from] = to
	}
	return out, nil
}

// validate reports every problem of c at once, naming the variable an
// administrator sets; it never prints a secret value.
func (c Config) validate() error {
	var errs []error
	if c.BaseURL == "" {
		errs = append(errs, errors.New("HANDOVER_LIVEAGENT_URL is required (e.g. https://acme.ladesk.com)"))
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("HANDOVER_LIVEAGENT_URL must be an absolute http(s) URL such as https://acme.ladesk.com"))
	} else if u.User != nil || u.RawQuery != "" {
		errs = append(errs, errors.New("HANDOVER_LIVEAGENT_URL must not contain credentials or a query"))
	}
	if strings.TrimSpace(c.APIKey) == "" {
		errs = append(errs, errors.New("HANDOVER_LIVEAGENT_API_KEY is required (an API v3 key)"))
	}
	if strings.TrimSpace(c.APIV1Key) == "" {
		errs = append(errs, errors.New("HANDOVER_LIVEAGENT_API_V1_KEY is required (the API v1 key: replies and notes go through v1)"))
	}
	if !ValidID(c.BotAgentID) {
		errs = append(errs, errors.New("HANDOVER_LIVEAGENT_BOT_AGENT_ID is required (the id of the agent the bot posts as)"))
	}
	if strings.TrimSpace(c.WebhookSecret) == "" {
		errs = append(errs, errors.New("HANDOVER_LIVEAGENT_WEBHOOK_SECRET is required (the last path segment of the rules' URL)"))
	} else if strings.ContainsAny(c.WebhookSecret, "/?#% ") {
		errs = append(errs, errors.New("HANDOVER_LIVEAGENT_WEBHOOK_SECRET must be usable as a URL path segment (no / ? # % or spaces)"))
	}
	for from, to := range c.Departments {
		if !ValidID(from) || !ValidID(to) {
			errs = append(errs, fmt.Errorf("HANDOVER_LIVEAGENT_DEPARTMENTS: %q:%q is not a pair of department ids", from, to))
		}
	}
	if c.RateLimit < 0 {
		errs = append(errs, errors.New("HANDOVER_LIVEAGENT_RATE_LIMIT must be positive (requests a minute per key)"))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("liveagent config: %w", errors.Join(errs...))
}
