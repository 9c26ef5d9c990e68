package config

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/chatwoot"
	"github.com/handover-dev/handover/adapters/helpdesk"
)

func TestLoadDefaultsAndChatwoot(t *testing.T) {
	t.Setenv("URL", "http://must-not-be-read.example") // envconfig's unprefixed fallback must not apply
	t.Setenv("HANDOVER_HELPDESK", "chatwoot")
	t.Setenv("HANDOVER_CHATWOOT_ACCOUNT_ID", "7")
	t.Setenv("HANDOVER_CHATWOOT_TEAMS", "2:5, 3:9")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.RequiredAnswers != 3 || !c.HumanRequestInChat || c.LLMProvider != "offline" || c.LLMTimeout != 20*time.Second || c.ListenAddr != ":8080" {
		t.Fatalf("defaults: %+v", c)
	}
	cw, ok := c.Settings().(*chatwoot.Settings)
	if !ok || cw.AccountID != 7 || cw.Teams[2] != 5 || cw.Teams[3] != 9 {
		t.Fatalf("chatwoot: %+v", c.Settings())
	}
	if cw.URL != "" {
		t.Fatalf("read unprefixed URL: %q", cw.URL)
	}
}

func TestLoadReportsEveryTypeError(t *testing.T) {
	t.Setenv("HANDOVER_REQUIRED_ANSWERS", "three")
	t.Setenv("HANDOVER_LLM_TIMEOUT", "soon")
	t.Setenv("HANDOVER_HUMAN_REQUEST_IN_CHAT", "maybe")
	t.Setenv("HANDOVER_CHATWOOT_TEAMS", "2-5")
	_, err := Load()
	if err == nil {
		t.Fatal("want error")
	}
	for _, name := range []string{"HANDOVER_REQUIRED_ANSWERS", "HANDOVER_LLM_TIMEOUT", "HANDOVER_HUMAN_REQUEST_IN_CHAT", "HANDOVER_CHATWOOT_TEAMS"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error misses %s: %v", name, err)
		}
	}
}

func TestValidateListsAllProblemsWithoutSecrets(t *testing.T) {
	c := Config{Helpdesk: "chatwoot", LLMProvider: "anthropic", LLMTimeout: time.Second, LogLevel: "loud",
		MaxConcurrentTurns: 1, MaxQueuedEvents: 1, RequiredAnswers: -1, RedisLockLease: 100 * time.Millisecond}
	c.Adapters = map[string]helpdesk.Settings{"chatwoot": &chatwoot.Settings{BotToken: "bot-secret-123"}}
	err := c.Validate()
	if err == nil {
		t.Fatal("want error")
	}
	msg := err.Error()
	for _, want := range []string{"HANDOVER_CHATWOOT_URL", "HANDOVER_CHATWOOT_ACCOUNT_ID", "HANDOVER_CHATWOOT_USER_TOKEN",
		"HANDOVER_CHATWOOT_WEBHOOK_SECRET", "HANDOVER_LLM_API_KEY", "HANDOVER_LOG_LEVEL", "HANDOVER_REQUIRED_ANSWERS",
		"HANDOVER_REDIS_LOCK_LEASE"} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %s in %s", want, msg)
		}
	}
	if strings.Contains(msg, "HANDOVER_CHATWOOT_BOT_TOKEN") || strings.Contains(msg, "bot-secret-123") {
		t.Errorf("bot token reported or leaked: %s", msg)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2")
	for _, got := range []string{fmt.Sprint(s), fmt.Sprintf("%v %s %#v", s, s, s), fmt.Sprintf("%+v", Config{LLMAPIKey: s})} {
		if strings.Contains(got, "hunter2") {
			t.Fatalf("secret printed: %s", got)
		}
	}
	if s.Value() != "hunter2" {
		t.Fatal("Value")
	}
}

func TestPrintUsageListsEveryVariable(t *testing.T) {
	var b bytes.Buffer
	if err := PrintUsage(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"HANDOVER_HELPDESK", "HANDOVER_REQUIRED_ANSWERS", "3", "HANDOVER_CHATWOOT_WEBHOOK_SECRET", "secret", "HANDOVER_LLM_TIMEOUT", "20s"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, b.String())
		}
	}
}

// Every registered helpdesk is named in HANDOVER_HELPDESK's problems and description, and its
// own variables are listed.
func TestRegisteredHelpdesks(t *testing.T) {
	err := (Config{Helpdesk: "nope", LLMProvider: "offline", LLMTimeout: time.Second, LogLevel: "info"}).Validate()
	if err == nil {
		t.Fatal("want error")
	}
	vars := map[string]bool{}
	for _, v := range Describe() {
		vars[v.Name] = true
	}
	for _, d := range Helpdesks() {
		if !strings.Contains(err.Error(), d.Name) {
			t.Errorf("HANDOVER_HELPDESK problem does not offer %s: %v", d.Name, err)
		}
		prefix := "HANDOVER_" + strings.ToUpper(d.Name) + "_"
		found := false
		for name := range vars {
			found = found || strings.HasPrefix(name, prefix)
		}
		if !found {
			t.Errorf("no %s* variable described", prefix)
		}
	}
}

// serve reports every problem in one round and one style: values that cannot be read and
// settings that cannot work, one line per variable naming it and saying how to fix it, no
// secret value; a variable whose value cannot be read is not reported again for what follows.
func TestLoadForServeReportsEveryProblemOnce(t *testing.T) {
	t.Setenv("HANDOVER_HELPDESK", "chatwoot")
	t.Setenv("HANDOVER_LLM_TIMEOUT", "5")
	t.Setenv("HANDOVER_REQUIRED_ANSWERS", "three")
	t.Setenv("HANDOVER_HUMAN_REQUEST_IN_CHAT", "maybe")
	t.Setenv("HANDOVER_LISTEN_ADDR", "8080")
	t.Setenv("HANDOVER_CHATWOOT_URL", "chatwoot.example.com")
	t.Setenv("HANDOVER_CHATWOOT_BOT_TOKEN", "bot-secret-123")
	t.Setenv("HANDOVER_CHATWOOT_TEAMS", "2-5, 0:3")
	t.Setenv("HANDOVER_CHATWOOT_REQUESTS_PER_MINUTE", "1.5")
	t.Setenv("HANDOVER_BOT_NAME", "Robo")
	c, err := LoadForServe()
	if err == nil {
		t.Fatal("want problems")
	}
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("not Problems: %T %v", err, err)
	}
	msg := err.Error()
	for _, want := range []string{
		`HANDOVER_LLM_TIMEOUT: "5" is not a duration: add a unit, e.g. 5s`,
		`HANDOVER_REQUIRED_ANSWERS: "three" is not a number`,
		`HANDOVER_HUMAN_REQUEST_IN_CHAT: "maybe" is not true or false`,
		`HANDOVER_LISTEN_ADDR: "8080" is a port alone; write ":8080"`,
		`HANDOVER_CHATWOOT_URL: "chatwoot.example.com" lacks a scheme: use https://chatwoot.example.com`,
		`HANDOVER_CHATWOOT_TEAMS: "2-5" is not inboxID:teamID`,
		`HANDOVER_CHATWOOT_REQUESTS_PER_MINUTE: "1.5" is not a whole number`,
		"HANDOVER_CHATWOOT_ACCOUNT_ID: set", "HANDOVER_CHATWOOT_USER_TOKEN: set", "HANDOVER_CHATWOOT_WEBHOOK_SECRET: set",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	seen := map[string]bool{}
	for _, line := range probs {
		name := variable(line)
		if !strings.HasPrefix(name, "HANDOVER_") {
			t.Errorf("a line that names no variable: %q", line)
		}
		if seen[name] {
			t.Errorf("%s has more than one line:\n%s", name, msg)
		}
		seen[name] = true
	}
	// LLM_TIMEOUT could not be read: no "must be positive", no RECONCILE_GRACE comparison with it.
	for _, unwanted := range []string{"must be positive, e.g. 20s", "HANDOVER_RECONCILE_GRACE", "bot-secret-123", "HANDOVER_CHATWOOT_BOT_TOKEN"} {
		if strings.Contains(msg, unwanted) {
			t.Errorf("%q in:\n%s", unwanted, msg)
		}
	}
	// The values that could be read are.
	if c.BotName != "Robo" || c.Helpdesk != "chatwoot" || c.ReconcileGrace != 45*time.Second {
		t.Errorf("other values lost: %+v", c)
	}
}

// A duration given as a plain number, and other values that cannot be read, are named with
// their fix; a secret's value is not repeated.
func TestReadProblemsSayHowToFix(t *testing.T) {
	t.Setenv("HANDOVER_RECONCILE_GRACE", "soon")
	t.Setenv("HANDOVER_MAX_ACTIVE_CONVERSATIONS", "many")
	_, err := Load()
	if err == nil {
		t.Fatal("want problems")
	}
	for _, want := range []string{`HANDOVER_RECONCILE_GRACE: "soon" is not a duration; write a number with a unit (ms, s, m, h), e.g. 45s`,
		`HANDOVER_MAX_ACTIVE_CONVERSATIONS: "many" is not a number; write a whole number, e.g. 10000`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestListenAddr(t *testing.T) {
	for addr, want := range map[string]string{
		":8080": "", "127.0.0.1:8080": "", "[::1]:9000": "", "localhost:80": "",
		"8080":            `"8080" is a port alone; write ":8080"`,
		"localhost":       `"localhost" is not host:port`,
		":0":              "must be a number from 1 to 65535",
		":70000":          "must be a number from 1 to 65535",
		":http":           "must be a number from 1 to 65535",
		"":                "set the address to listen on",
		"0.0.0.0:8080:80": "is not host:port",
	} {
		got := listenAddrProblem(addr)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%q: got %q, want %q", addr, got, want)
		}
	}
}

// The other URL variables of the core get the same base URL check as the helpdesks'.
func TestURLVariablesSayWhatIsMissing(t *testing.T) {
	c := Config{Helpdesk: "chatwoot", ListenAddr: ":8080", LLMProvider: "openai", LLMBaseURL: "localhost:11434/v1",
		PublicURL: "handover.example.com", LLMTimeout: time.Second, LogLevel: "info", MaxActive: 1, MaxQueuedEvents: 1, LLMMaxConcurrency: 1,
		DebugAddr: "0.0.0.0:6060"}
	msg := c.Validate().Error()
	for _, want := range []string{
		`HANDOVER_LLM_BASE_URL: "localhost:11434/v1" lacks a scheme: use http://localhost:11434/v1`,
		`HANDOVER_PUBLIC_URL: "handover.example.com" lacks a scheme: use https://handover.example.com`,
		`HANDOVER_DEBUG_ADDR: "0.0.0.0:6060" is not a loopback host:port`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "HANDOVER_LISTEN_ADDR") || strings.Contains(msg, "HANDOVER_LLM_API_KEY") {
		t.Errorf("a good value reported:\n%s", msg)
	}
}

func TestNoteLanguage(t *testing.T) {
	t.Setenv("HANDOVER_HELPDESK", "chatwoot")
	c, err := Load()
	if err != nil || c.NoteLanguage != "en" {
		t.Fatalf("default: %q %v", c.NoteLanguage, err)
	}
	t.Setenv("HANDOVER_NOTE_LANGUAGE", "de")
	if c, err = Load(); err != nil || c.NoteLanguage != "de" {
		t.Fatalf("de: %q %v", c.NoteLanguage, err)
	}
	c.NoteLanguage = "xx"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `HANDOVER_NOTE_LANGUAGE: "xx" is not a known language; use one of en, de,`) {
		t.Fatalf("unknown code: %v", err)
	}
}
