// Package config reads handover's configuration from HANDOVER_* environment
// variables (envconfig) and validates it, reporting every problem at once.
package config

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/handover-dev/handover/adapters/all"
	"github.com/handover-dev/handover/adapters/helpdesk"
)

// Prefix is the environment variable prefix.
const Prefix = "HANDOVER"

// Secret is a string that never prints its value (adapters use the same type).
type Secret = helpdesk.Secret

// IDMap is an `a:b,c:d` list of integer pairs (inbox id to team id).
type IDMap = helpdesk.IDMap

// helpdesks are the registered helpdesk adapters.
var helpdesks = all.Helpdesks

// Config is the whole configuration. Field tags name the variables; `desc`
// is what `handover config` prints.
type Config struct {
	Helpdesk           string        `envconfig:"HANDOVER_HELPDESK" desc:"the helpdesk; required for serve"`
	ListenAddr         string        `envconfig:"HANDOVER_LISTEN_ADDR" default:":8080" desc:"address of the HTTP server"`
	PublicURL          string        `envconfig:"HANDOVER_PUBLIC_URL" desc:"the URL the helpdesk reaches us at (links, install)"`
	RequiredAnswers    int           `envconfig:"HANDOVER_REQUIRED_ANSWERS" default:"3" desc:"bot answers before the 'Request chat with human agent' button is offered; 0 offers it from the start"`
	HumanRequestInChat bool          `envconfig:"HANDOVER_HUMAN_REQUEST_IN_CHAT" default:"true" desc:"visitors may ask for a human in free text"`
	SystemPromptFile   string        `envconfig:"HANDOVER_SYSTEM_PROMPT_FILE" desc:"the AI agent's system message template (built-in template if empty)"`
	KnowledgeDir       string        `envconfig:"HANDOVER_KNOWLEDGE_DIR" desc:"Markdown/text files the bot answers from"`
	BotName            string        `envconfig:"HANDOVER_BOT_NAME" default:"AI assistant" desc:"how the bot signs and is named in system messages"`
	LLMProvider        string        `envconfig:"HANDOVER_LLM_PROVIDER" default:"offline" desc:"offline, openai (any OpenAI-compatible base URL) or anthropic"`
	LLMModel           string        `envconfig:"HANDOVER_LLM_MODEL" desc:"model name (provider's default if empty)"`
	LLMBaseURL         string        `envconfig:"HANDOVER_LLM_BASE_URL" desc:"e.g. http://localhost:11434/v1 for Ollama"`
	LLMAPIKey          Secret        `envconfig:"HANDOVER_LLM_API_KEY" desc:"secret: the LLM provider's API key"`
	LLMTimeout         time.Duration `envconfig:"HANDOVER_LLM_TIMEOUT" default:"20s" desc:"one LLM call; past it the fail-safe hands over"`
	AgentUISecret      Secret        `envconfig:"HANDOVER_AGENT_UI_SECRET" desc:"secret: protects the agent pages (off without it); at least 16 characters"`
	LogLevel           string        `envconfig:"HANDOVER_LOG_LEVEL" default:"info" desc:"debug, info, warn, error (JSON logs)"`
	MaxConcurrentTurns int           `envconfig:"HANDOVER_MAX_CONCURRENT_TURNS" default:"0" desc:"cap on bot turns running at once; 0 (the default) means no fixed cap: LLM concurrency adapts to the provider (HANDOVER_LLM_MAX_CONCURRENCY)"`
	MaxActive          int           `envconfig:"HANDOVER_MAX_ACTIVE_CONVERSATIONS" default:"10000" desc:"conversations with a turn in flight before webhooks are answered 429 with Retry-After"`
	AdmissionLatency   time.Duration `envconfig:"HANDOVER_ADMISSION_SCHED_LATENCY" default:"10ms" desc:"while goroutines wait longer than this to run (p99, CPU saturated), new conversations get 429 with Retry-After so turns never starve webhook acks; 0 turns the check off"`
	LLMMaxConcurrency  int           `envconfig:"HANDOVER_LLM_MAX_CONCURRENCY" default:"1000" desc:"ceiling of LLM calls at once; the limit adapts below it (cut on 429/503/timeouts, honouring Retry-After) and webhooks get 429 once a whole round of calls waits"`
	MaxQueuedEvents    int           `envconfig:"HANDOVER_MAX_QUEUED_EVENTS" default:"10000" desc:"events waiting in lanes before webhooks are answered 429/503"`
	ShutdownGrace      time.Duration `envconfig:"HANDOVER_SHUTDOWN_GRACE" default:"20s" desc:"on SIGTERM, how long to drain running turns"`
	ReconcileInterval  time.Duration `envconfig:"HANDOVER_RECONCILE_INTERVAL" default:"30s" desc:"how often to look for bot conversations whose last visitor message is unanswered (also at start); 0 turns it off"`
	ReconcileGrace     time.Duration `envconfig:"HANDOVER_RECONCILE_GRACE" default:"45s" desc:"how long a visitor message may wait for its webhook before the reconciler answers it"`
	DebugAddr          string        `envconfig:"HANDOVER_DEBUG_ADDR" desc:"optional loopback address (e.g. 127.0.0.1:6060) serving Go's /debug/pprof profiles; never expose it"`
	RedisURL           Secret        `envconfig:"HANDOVER_REDIS_URL" desc:"secret: optional redis://... shared by replicas for per-conversation locks and de-duplication"`
	// The agent pages: who may embed them, how often they refresh.
	AgentUIFrameAncestors string        `envconfig:"HANDOVER_AGENT_UI_FRAME_ANCESTORS" desc:"origins that may embed the agent pages in an iframe, comma-separated (a helpdesk that embeds them as a dashboard app is allowed by itself)"`
	AgentUIRefresh        time.Duration `envconfig:"HANDOVER_AGENT_UI_REFRESH" default:"5s" desc:"how often the agent pages refresh themselves (each refresh reads the helpdesk)"`

	// Adapters are the settings of every registered helpdesk (adapters/all), read from their
	// own HANDOVER_<HELPDESK>_* variables by Load; keyed by name. Settings returns the one of
	// Helpdesk.
	Adapters map[string]helpdesk.Settings `ignored:"true"`
}

// Descriptor returns the registered helpdesk named by Helpdesk.
func (c Config) Descriptor() (helpdesk.Descriptor, bool) { return helpdesks.Lookup(c.Helpdesk) }

// Settings returns the settings of the helpdesk named by Helpdesk: those Load read, or zero
// settings when the configuration was built in code; nil for an unknown helpdesk.
func (c Config) Settings() helpdesk.Settings {
	if s := c.Adapters[c.Helpdesk]; s != nil {
		return s
	}
	if d, ok := c.Descriptor(); ok {
		return d.Settings()
	}
	return nil
}

// Helpdesks are the registered helpdesk adapters.
func Helpdesks() helpdesk.Registry { return helpdesks }

// Load reads the environment. It reports type errors for every variable,
// not just the first.
func Load() (Config, error) {
	var c Config
	var errs []error
	// envconfig stops at the first bad value; find them all first.
	for _, v := range Describe() {
		raw, ok := os.LookupEnv(v.Name)
		if !ok {
			continue
		}
		if err := checkType(v, raw); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	if err := envconfig.Process("", &c); err != nil {
		return c, fmt.Errorf("read environment: %w", err)
	}
	c.Adapters = map[string]helpdesk.Settings{}
	for _, d := range helpdesks {
		s := d.Settings()
		if err := envconfig.Process("", s); err != nil {
			return c, fmt.Errorf("read environment: %w", err)
		}
		c.Adapters[d.Name] = s
	}
	return c, nil
}

func checkType(v Var, raw string) error {
	bad := func(want string) error {
		return fmt.Errorf("%s: %q is not %s", v.Name, redactIfSecret(v, raw), want)
	}
	switch v.Type {
	case "int":
		if _, err := strconv.Atoi(strings.TrimSpace(raw)); err != nil {
			return bad("a whole number")
		}
	case "bool":
		if _, err := strconv.ParseBool(strings.TrimSpace(raw)); err != nil {
			return bad("true or false")
		}
	case "duration":
		if _, err := time.ParseDuration(strings.TrimSpace(raw)); err != nil {
			return bad("a duration such as 20s or 1m")
		}
	case "inboxID:teamID list":
		var m IDMap
		if err := m.Decode(raw); err != nil {
			return fmt.Errorf("%s: %w", v.Name, err)
		}
	}
	return nil
}

func redactIfSecret(v Var, raw string) string {
	if v.Secret {
		return "[redacted]"
	}
	return raw
}

// Validate checks the configuration for serve and returns every problem,
// each with how to fix it. Secret values never appear in the message.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Helpdesk == "" {
		add("HANDOVER_HELPDESK: set it to %s", helpdesks.Choice())
	} else if s := c.Settings(); s == nil {
		add("HANDOVER_HELPDESK: %q is not supported; use %s", c.Helpdesk, helpdesks.Choice())
	} else {
		for _, p := range s.Problems() {
			add("%s", p)
		}
	}
	if c.RequiredAnswers < 0 {
		add("HANDOVER_REQUIRED_ANSWERS: must be 0 or more")
	}
	switch c.LLMProvider {
	case "offline":
	case "openai":
		if c.LLMAPIKey == "" && c.LLMBaseURL == "" {
			add("HANDOVER_LLM_API_KEY: set the OpenAI API key (or HANDOVER_LLM_BASE_URL for a local OpenAI-compatible server)")
		}
	case "anthropic":
		if c.LLMAPIKey == "" {
			add("HANDOVER_LLM_API_KEY: set the Anthropic API key")
		}
	default:
		add("HANDOVER_LLM_PROVIDER: %q is not supported; use offline, openai or anthropic", c.LLMProvider)
	}
	if c.LLMBaseURL != "" {
		if u, err := url.Parse(c.LLMBaseURL); err != nil || u.Host == "" {
			add("HANDOVER_LLM_BASE_URL: not a URL; e.g. http://localhost:11434/v1")
		}
	}
	if c.LLMTimeout <= 0 {
		add("HANDOVER_LLM_TIMEOUT: must be positive, e.g. 20s")
	}
	if c.SystemPromptFile != "" {
		if _, err := os.Stat(c.SystemPromptFile); err != nil {
			add("HANDOVER_SYSTEM_PROMPT_FILE: cannot read %s", c.SystemPromptFile)
		}
	}
	if c.KnowledgeDir != "" {
		if st, err := os.Stat(c.KnowledgeDir); err != nil || !st.IsDir() {
			add("HANDOVER_KNOWLEDGE_DIR: %s is not a readable directory", c.KnowledgeDir)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		add("HANDOVER_LOG_LEVEL: %q is not one of debug, info, warn, error", c.LogLevel)
	}
	if c.AdmissionLatency < 0 {
		add("HANDOVER_ADMISSION_SCHED_LATENCY: must not be negative (0 turns the check off)")
	}
	if c.MaxConcurrentTurns < 0 {
		add("HANDOVER_MAX_CONCURRENT_TURNS: must not be negative (0 means no cap)")
	}
	if c.MaxQueuedEvents <= 0 || c.MaxActive <= 0 || c.LLMMaxConcurrency <= 0 {
		add("HANDOVER_MAX_QUEUED_EVENTS, HANDOVER_MAX_ACTIVE_CONVERSATIONS and HANDOVER_LLM_MAX_CONCURRENCY: must be positive")
	}
	if c.ReconcileInterval < 0 || c.ReconcileGrace < 0 {
		add("HANDOVER_RECONCILE_INTERVAL and HANDOVER_RECONCILE_GRACE: must not be negative")
	}
	if c.ReconcileInterval > 0 && c.ReconcileGrace <= c.LLMTimeout {
		add("HANDOVER_RECONCILE_GRACE: must be longer than HANDOVER_LLM_TIMEOUT (%s), or a turn still thinking could be answered twice", c.LLMTimeout)
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL.Value(), "redis://") && !strings.HasPrefix(c.RedisURL.Value(), "rediss://") && !strings.HasPrefix(c.RedisURL.Value(), "unix://") {
		add("HANDOVER_REDIS_URL: must start with redis://, rediss:// or unix://")
	}
	if c.AgentUIRefresh < 0 {
		add("HANDOVER_AGENT_UI_REFRESH: must not be negative, e.g. 5s")
	}
	if s := c.AgentUISecret.Value(); s != "" && len(s) < 16 {
		add("HANDOVER_AGENT_UI_SECRET: use at least 16 characters (e.g. openssl rand -hex 32)")
	}
	for _, o := range strings.FieldsFunc(c.AgentUIFrameAncestors, func(r rune) bool { return r == ',' || r == ' ' }) {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("HANDOVER_AGENT_UI_FRAME_ANCESTORS: %q is not an origin such as https://helpdesk.example.com", o)
		}
	}
	if c.ShutdownGrace < 0 {
		add("HANDOVER_SHUTDOWN_GRACE: must not be negative")
	}
	if len(errs) == 0 {
		return nil
	}
	msg := make([]string, len(errs))
	for i, e := range errs {
		msg[i] = "  - " + e.Error()
	}
	return fmt.Errorf("configuration has %d problem(s):\n%s", len(errs), strings.Join(msg, "\n"))
}

// Var describes one environment variable.
type Var struct {
	Name, Type, Default, Description string
	Secret                           bool
}

// Describe lists every variable with its type, default and description.
func Describe() []Var {
	var c Config
	var out []Var
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		infos := fieldsOf(v)
		for _, f := range infos {
			if f.nested != nil {
				walk(prefix, f.nested)
				continue
			}
			out = append(out, Var{Name: prefix + f.name, Type: f.typ, Default: f.def, Description: f.desc, Secret: f.secret})
		}
	}
	walk("", &c)
	for i := range out {
		if out[i].Name == "HANDOVER_HELPDESK" {
			out[i].Description = helpdesks.Choice() + "; required for serve"
		}
	}
	for _, d := range helpdesks {
		walk("", d.Settings())
	}
	return out
}

// PrintUsage writes the variable table for `handover config`.
func PrintUsage(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tTYPE\tDEFAULT\tDESCRIPTION")
	for _, v := range Describe() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Name, v.Type, v.Default, v.Description)
	}
	return tw.Flush()
}
