package libredesk

import (
	"slices"
	"strings"
	"testing"

	"github.com/kelseyhightower/envconfig"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

func TestLibredeskFromEnvironment(t *testing.T) {
	t.Setenv("HANDOVER_LIBREDESK_URL", "https://desk.example.com")
	t.Setenv("HANDOVER_LIBREDESK_API_KEY", "key123")
	t.Setenv("HANDOVER_LIBREDESK_API_SECRET", "secret456")
	t.Setenv("HANDOVER_LIBREDESK_BOT_AGENT_ID", "7")
	t.Setenv("HANDOVER_LIBREDESK_WEBHOOK_SECRET", "hook789")
	t.Setenv("HANDOVER_LIBREDESK_INBOX_IDS", "1, 4")
	t.Setenv("HANDOVER_LIBREDESK_TEAMS", "1:2,4:3")
	t.Setenv("URL", "https://wrong.example.com") // the unprefixed fallback must not apply
	// The full names only.
	var c struct{ Settings }
	if err := envconfig.Process("", &c); err != nil {
		t.Fatal(err)
	}
	l := &c.Settings
	if l.URL != "https://desk.example.com" || l.APIKey.Value() != "key123" || l.APISecret.Value() != "secret456" ||
		l.BotAgentID != 7 || l.WebhookSecret.Value() != "hook789" || l.Teams[4] != 3 || l.AssignAgent {
		t.Fatalf("read %+v", l)
	}
	ids, err := l.Inboxes()
	if err != nil || !slices.Equal(ids, []int{1, 4}) {
		t.Fatalf("inboxes %v %v", ids, err)
	}
	if p := l.Problems(); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
}

func TestLibredeskProblems(t *testing.T) {
	all := (&Settings{URL: "desk.example.com", APIKey: "a:b", APISecret: "has space", InboxIDs: "1,x", Teams: helpdesk.IDMap{0: 2}}).Problems()
	joined := strings.Join(all, "\n")
	for _, want := range []string{"HANDOVER_LIBREDESK_URL", "HANDOVER_LIBREDESK_API_KEY", "HANDOVER_LIBREDESK_API_SECRET",
		"HANDOVER_LIBREDESK_BOT_AGENT_ID", "HANDOVER_LIBREDESK_WEBHOOK_SECRET", "HANDOVER_LIBREDESK_INBOX_IDS: \"x\"", "HANDOVER_LIBREDESK_TEAMS"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no problem about %s in:\n%s", want, joined)
		}
	}
	for _, secret := range []string{"a:b", "has space"} {
		if strings.Contains(joined, secret) {
			t.Fatalf("a secret value is printed: %s", joined)
		}
	}
	if p := (&Settings{}).Problems(); !strings.Contains(strings.Join(p, "\n"), "HANDOVER_LIBREDESK_INBOX_IDS: set") {
		t.Fatalf("empty inbox list: %v", p)
	}
	if p := (&Settings{URL: "https://u:p@desk.example.com"}).Problems(); !strings.Contains(p[0], "credentials") {
		t.Fatalf("credentials in the URL: %v", p)
	}
}
