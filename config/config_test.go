package config

import (
	"bytes"
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
		MaxConcurrentTurns: 1, MaxQueuedEvents: 1, RequiredAnswers: -1}
	c.Adapters = map[string]helpdesk.Settings{"chatwoot": &chatwoot.Settings{BotToken: "bot-secret-123"}}
	err := c.Validate()
	if err == nil {
		t.Fatal("want error")
	}
	msg := err.Error()
	for _, want := range []string{"HANDOVER_CHATWOOT_URL", "HANDOVER_CHATWOOT_ACCOUNT_ID", "HANDOVER_CHATWOOT_USER_TOKEN",
		"HANDOVER_CHATWOOT_WEBHOOK_SECRET", "HANDOVER_LLM_API_KEY", "HANDOVER_LOG_LEVEL", "HANDOVER_REQUIRED_ANSWERS"} {
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
