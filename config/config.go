// Package config reads handover's configuration from HANDOVER_* environment
// variables (envconfig) and validates it, reporting every problem at once.
package config

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/handover-dev/handover/adapters/all"
	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/handover"
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
	OfferOnRepeat      bool          `envconfig:"HANDOVER_OFFER_ON_REPEAT" default:"true" desc:"offer a person at once, whatever the answer count, when the visitor asks the same thing again"`
	OfferOnUnknown     bool          `envconfig:"HANDOVER_OFFER_ON_UNKNOWN" default:"true" desc:"offer a person at once when the bot could not answer: nothing relevant in the knowledge and the model said so, or two answers in a row say it does not know"`
	HumanWaitTimeout   time.Duration `envconfig:"HANDOVER_HUMAN_WAIT_TIMEOUT" default:"10m" desc:"after a handover, offer the offline message (or to keep waiting) to a visitor no agent took within this time, where the helpdesk lets the bot write in the queue (Chatwoot, Libredesk, Intercom, LiveAgent); 0 turns it off"`
	OfferOnFrustration bool          `envconfig:"HANDOVER_OFFER_ON_FRUSTRATION" default:"true" desc:"offer a person at once when the visitor shows frustration or anger ('this is useless', 'stupid bot', swearing; 11 languages)"`
	TypingIndicator    bool          `envconfig:"HANDOVER_TYPING_INDICATOR" default:"false" desc:"show the visitor the helpdesk's typing indicator while the LLM writes an answer (Chatwoot, Zendesk; the others have no API for it); one more helpdesk call per answer"`
	NoteLanguage       string        `envconfig:"HANDOVER_NOTE_LANGUAGE" default:"en" desc:"language of the labels of the agent's handover note (en, de, fr, es, it, pt, nl, pl, cs, sk, ru); the bot's summary stays as written"`
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
	RedisURL           Secret        `envconfig:"HANDOVER_REDIS_URL" desc:"secret: optional redis://... shared by replicas for per-conversation locks, de-duplication and (Zendesk) the journal that lets webhooks be answered at once, and (LiveAgent) the expected echoes of the bot's messages"`
	RedisPrefix        string        `envconfig:"HANDOVER_REDIS_PREFIX" default:"handover:" desc:"prefix of every Redis key; deployments sharing one Redis need one each"`
	RedisLockLease     time.Duration `envconfig:"HANDOVER_REDIS_LOCK_LEASE" default:"10s" desc:"how long a conversation stays locked after the replica holding it died (a held lock is renewed every third of this)"`
	// The agent pages: who may embed them, how often they refresh.
	AgentUIFrameAncestors string        `envconfig:"HANDOVER_AGENT_UI_FRAME_ANCESTORS" desc:"origins that may embed the agent pages in an iframe, comma-separated (a helpdesk that embeds them as a dashboard app is allowed by itself)"`
	AgentUIRefresh        time.Duration `envconfig:"HANDOVER_AGENT_UI_REFRESH" default:"5s" desc:"how often the agent pages refresh themselves (each refresh reads the helpdesk)"`
	// The knowledge base: embeddings, reloads, the helpdesk's help center.
	EmbeddingModel      string        `envconfig:"HANDOVER_EMBEDDING_MODEL" desc:"embedding model for hybrid retrieval (lexical + vectors), served at the openai provider's /v1/embeddings (same base URL and key); empty: lexical retrieval only"`
	KnowledgeRefresh    time.Duration `envconfig:"HANDOVER_KNOWLEDGE_REFRESH" default:"5m" desc:"how often the knowledge files (and help-center articles) are read again; SIGHUP reloads at once; 0 turns the interval off"`
	KnowledgeHelpCenter bool          `envconfig:"HANDOVER_KNOWLEDGE_HELP_CENTER" default:"false" desc:"also answer from the helpdesk's help-center articles, where its adapter can read them"`

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

// Problems is what is wrong with the configuration, one line per variable: its name, what is
// wrong, and how to fix it ("HANDOVER_LLM_TIMEOUT: \"5\" is not a duration: add a unit, e.g.
// 5s"). A secret value never appears. Load, Validate and LoadForServe return it as their error.
type Problems []string

// Error lists every problem, one a line.
func (p Problems) Error() string {
	return fmt.Sprintf("configuration has %d problem(s):\n  - %s", len(p), strings.Join(p, "\n  - "))
}

// variable returns the variable a problem line names ("HANDOVER_X" of "HANDOVER_X: ...").
func variable(line string) string {
	name, _, _ := strings.Cut(line, ":")
	if strings.ContainsAny(name, " ,") {
		return ""
	}
	return name
}

// merged joins the problems of one variable into its first line, so each variable has one
// line; lines keep their order.
func merged(lines []string) Problems {
	var out Problems
	at := map[string]int{}
	for _, l := range lines {
		name := variable(l)
		if i, ok := at[name]; ok && name != "" {
			out[i] += "; " + strings.TrimSpace(strings.TrimPrefix(l, name+":"))
			continue
		}
		if name != "" {
			at[name] = len(out)
		}
		out = append(out, l)
	}
	return out
}

// Load reads the environment: every variable on its own, so one value that cannot be read (a
// duration without a unit, a word for a number) hides none of the others. Its error, a
// Problems, lists every such value; the Config holds all the others (and the zero value for
// the bad ones). Load does not check what the values mean: see Validate and LoadForServe.
func Load() (Config, error) {
	var c Config
	var probs []string
	probs = append(probs, process(&c)...)
	c.Adapters = map[string]helpdesk.Settings{}
	for _, d := range helpdesks {
		s := d.Settings()
		probs = append(probs, process(s)...)
		c.Adapters[d.Name] = s
	}
	if len(probs) > 0 {
		return c, merged(probs)
	}
	return c, nil
}

// LoadForServe reads the environment and validates it for serve in one round: the values that
// cannot be read (Load) and the settings that cannot work (Validate), one line per variable in
// one style. A variable whose value cannot be read is reported once, for that.
func LoadForServe() (Config, error) {
	c, err := Load()
	var bad Problems
	if err != nil && !errors.As(err, &bad) {
		return c, err
	}
	lines := append([]string(nil), bad...)
	var invalid Problems
	if verr := c.Validate(); verr != nil && errors.As(verr, &invalid) {
		for _, l := range invalid {
			if !mentionsAny(l, bad) {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) > 0 {
		return c, merged(lines)
	}
	return c, nil
}

// mentionsAny reports a line that names a variable of one of the problems: a consequence of a
// value that could not be read.
func mentionsAny(line string, probs Problems) bool {
	for _, p := range probs {
		if name := variable(p); name != "" && strings.Contains(line, name) {
			return true
		}
	}
	return false
}

// process fills the struct spec points to from the environment, one field at a time through
// envconfig (a struct of that one field), and returns a problem line for each value that
// cannot be read. Fields tagged ignored are skipped; embedded structs are walked.
func process(spec any) []string {
	rv := reflect.ValueOf(spec).Elem()
	rt := rv.Type()
	var out []string
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		if f.Tag.Get("ignored") == "true" || !f.IsExported() {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, process(rv.Field(i).Addr().Interface())...)
			continue
		}
		one := reflect.New(reflect.StructOf([]reflect.StructField{{Name: f.Name, Type: f.Type, Tag: f.Tag}}))
		if err := envconfig.Process("", one.Interface()); err != nil {
			out = append(out, readProblem(f, err))
			continue
		}
		rv.Field(i).Set(one.Elem().Field(0))
	}
	return out
}

// readProblem is the line of a value envconfig could not read: the variable, the value (never
// a secret's) and how to write it.
func readProblem(f reflect.StructField, err error) string {
	name := f.Tag.Get("envconfig")
	raw, _ := os.LookupEnv(name)
	fi := fieldOf(f)
	shown := strconv.Quote(raw)
	if fi.secret {
		shown = "the value"
	}
	example := func(fallback string) string {
		if fi.def != "" {
			return fi.def
		}
		return fallback
	}
	v := strings.TrimSpace(raw)
	switch fi.typ {
	case "int":
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return fmt.Sprintf("%s: %s is not a whole number; write digits only, e.g. %s", name, shown, example("10"))
		}
		return fmt.Sprintf("%s: %s is not a number; write a whole number, e.g. %s", name, shown, example("10"))
	case "bool":
		return fmt.Sprintf("%s: %s is not true or false; write true or false", name, shown)
	case "duration":
		if _, err := strconv.ParseFloat(v, 64); err == nil && !fi.secret {
			return fmt.Sprintf("%s: %s is not a duration: add a unit, e.g. %ss (seconds) or %sm (minutes)", name, shown, v, v)
		}
		return fmt.Sprintf("%s: %s is not a duration; write a number with a unit (ms, s, m, h), e.g. %s", name, shown, example("20s"))
	case "inboxID:teamID list":
		var pe *envconfig.ParseError
		detail := ""
		if errors.As(err, &pe) && pe.Err != nil {
			detail = pe.Err.Error() + "; "
		}
		return fmt.Sprintf("%s: %swrite inboxID:teamID pairs separated by commas, e.g. 2:5,3:9", name, detail)
	}
	return fmt.Sprintf("%s: %s cannot be read as a %s", name, shown, fi.typ)
}

// Validate checks the configuration for serve and returns every problem (a Problems), one
// line per variable saying how to fix it. Secret values never appear. It does not read the
// environment: LoadForServe reads and validates in one round.
func (c Config) Validate() error {
	var errs []string
	add := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	if c.Helpdesk == "" {
		add("HANDOVER_HELPDESK: set it to %s", helpdesks.Choice())
	} else if s := c.Settings(); s == nil {
		add("HANDOVER_HELPDESK: %q is not supported; use %s", c.Helpdesk, helpdesks.Choice())
	} else {
		errs = append(errs, s.Problems()...)
	}
	if p := listenAddrProblem(c.ListenAddr); p != "" {
		add("HANDOVER_LISTEN_ADDR: %s", p)
	}
	if p := helpdesk.BaseURLProblem("HANDOVER_PUBLIC_URL", c.PublicURL, ""); p != "" {
		add("%s", p)
	}
	if _, ok := handover.LanguageByCode(c.NoteLanguage); !ok && c.NoteLanguage != "" {
		add("HANDOVER_NOTE_LANGUAGE: %q is not a known language; use one of %s", c.NoteLanguage, noteLanguages())
	}
	if c.RequiredAnswers < 0 {
		add("HANDOVER_REQUIRED_ANSWERS: must be 0 or more (0 offers the human button from the start)")
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
	if p := helpdesk.BaseURLProblem("HANDOVER_LLM_BASE_URL", c.LLMBaseURL, ""); p != "" {
		add("%s", p)
	}
	if c.LLMTimeout <= 0 {
		add("HANDOVER_LLM_TIMEOUT: must be positive, e.g. 20s")
	}
	if c.SystemPromptFile != "" {
		if _, err := os.Stat(c.SystemPromptFile); err != nil {
			add("HANDOVER_SYSTEM_PROMPT_FILE: cannot read %s; give the path of a readable file, or leave it empty for the built-in template", c.SystemPromptFile)
		}
	}
	if c.EmbeddingModel != "" && c.LLMProvider != "openai" {
		add("HANDOVER_EMBEDDING_MODEL: embeddings need HANDOVER_LLM_PROVIDER=openai (an OpenAI-compatible /v1/embeddings); unset it for %s", c.LLMProvider)
	}
	if c.KnowledgeRefresh < 0 {
		add("HANDOVER_KNOWLEDGE_REFRESH: must not be negative (0 turns the interval off)")
	} else if c.KnowledgeRefresh > 0 && c.KnowledgeRefresh < 10*time.Second {
		add("HANDOVER_KNOWLEDGE_REFRESH: %s is too often; use 10s or more (0 turns the interval off)", c.KnowledgeRefresh)
	}
	if c.KnowledgeDir != "" {
		if st, err := os.Stat(c.KnowledgeDir); err != nil || !st.IsDir() {
			add("HANDOVER_KNOWLEDGE_DIR: %s is not a readable directory; give the directory of the Markdown/text files", c.KnowledgeDir)
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
	if c.MaxActive <= 0 {
		add("HANDOVER_MAX_ACTIVE_CONVERSATIONS: must be positive, e.g. 10000")
	}
	if c.MaxQueuedEvents <= 0 {
		add("HANDOVER_MAX_QUEUED_EVENTS: must be positive, e.g. 10000")
	}
	if c.LLMMaxConcurrency <= 0 {
		add("HANDOVER_LLM_MAX_CONCURRENCY: must be positive, e.g. 1000")
	}
	if c.ReconcileInterval < 0 {
		add("HANDOVER_RECONCILE_INTERVAL: must not be negative (0 turns the reconciler off), e.g. 30s")
	}
	if c.HumanWaitTimeout < 0 {
		add("HANDOVER_HUMAN_WAIT_TIMEOUT: must not be negative (0 turns it off), e.g. 10m")
	}
	if c.ReconcileGrace < 0 {
		add("HANDOVER_RECONCILE_GRACE: must not be negative, e.g. 45s")
	} else if c.ReconcileInterval > 0 && c.ReconcileGrace <= c.LLMTimeout {
		add("HANDOVER_RECONCILE_GRACE: must be longer than HANDOVER_LLM_TIMEOUT (%s), or a turn still thinking could be answered twice", c.LLMTimeout)
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL.Value(), "redis://") && !strings.HasPrefix(c.RedisURL.Value(), "rediss://") && !strings.HasPrefix(c.RedisURL.Value(), "unix://") {
		add("HANDOVER_REDIS_URL: must start with redis://, rediss:// or unix://")
	}
	if c.RedisLockLease != 0 && c.RedisLockLease < time.Second {
		add("HANDOVER_REDIS_LOCK_LEASE: must be at least 1s, e.g. 10s")
	}
	if c.DebugAddr != "" {
		host, _, err := net.SplitHostPort(c.DebugAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() || listenAddrProblem(c.DebugAddr) != "" {
			add("HANDOVER_DEBUG_ADDR: %q is not a loopback host:port; use e.g. 127.0.0.1:6060 (profiles reveal internals), or leave it empty", c.DebugAddr)
		}
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
		add("HANDOVER_SHUTDOWN_GRACE: must not be negative, e.g. 20s")
	}
	if len(errs) == 0 {
		return nil
	}
	return merged(errs)
}

// listenAddrProblem says what is wrong with a listen address (host:port, the port a number
// from 1 to 65535), or "".
func listenAddrProblem(addr string) string {
	a := strings.TrimSpace(addr)
	if a == "" {
		return `set the address to listen on, e.g. ":8080" (every interface) or "127.0.0.1:8080"`
	}
	if n, err := strconv.Atoi(a); err == nil {
		return fmt.Sprintf(`%q is a port alone; write ":%d" (every interface) or "127.0.0.1:%d"`, addr, n, n)
	}
	_, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Sprintf(`%q is not host:port; write e.g. ":8080" (every interface) or "127.0.0.1:8080"`, addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Sprintf(`the port of %q must be a number from 1 to 65535, e.g. ":8080"`, addr)
	}
	return ""
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

// noteLanguages lists the codes HANDOVER_NOTE_LANGUAGE takes.
func noteLanguages() string {
	var codes []string
	for _, l := range handover.Languages() {
		codes = append(codes, l.Code)
	}
	return strings.Join(codes, ", ")
}
