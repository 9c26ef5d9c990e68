package zendesk

import (
	"strings"
	"testing"

	"github.com/kelseyhightower/envconfig"
)

func TestZendeskProblems(t *testing.T) {
	got := strings.Join((&Settings{KeySecret: "very-secret-value"}).Problems(), "\n")
	for _, want := range []string{"HANDOVER_ZENDESK_SUBDOMAIN", "HANDOVER_ZENDESK_APP_ID", "HANDOVER_ZENDESK_KEY_ID", "HANDOVER_ZENDESK_INTEGRATION_ID",
		"HANDOVER_ZENDESK_WEBHOOK_SECRET", "HANDOVER_ZENDESK_EMAIL", "HANDOVER_ZENDESK_API_TOKEN"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "HANDOVER_ZENDESK_KEY_SECRET") || strings.Contains(got, "very-secret-value") {
		t.Fatalf("a set secret is no problem and is never printed:\n%s", got)
	}
	ok := Settings{Subdomain: "acme", AppID: "5f0c0e0c0e0c0e0c0e0c0e0c", KeyID: "app_1", KeySecret: "s", IntegrationID: "6a0a",
		WebhookSecret: "w", Email: "admin@acme.com", APIToken: "t", GroupID: "360001234567", Hours: "Mon-Fri 09:00-17:00; Sat 10:00-14:00",
		TimeZone: "Europe/Berlin", Buttons: "postback"}
	if p := ok.Problems(); len(p) != 0 {
		t.Fatalf("valid configuration: %v", p)
	}
	bad := ok
	bad.Subdomain, bad.URL, bad.GroupID, bad.Hours, bad.TimeZone, bad.Buttons = "acme.zendesk.com", "ftp://x", "support", "Weekdays 9-5", "Mars/Olympus", "carousel"
	got = strings.Join(bad.Problems(), "\n")
	for _, want := range []string{"HANDOVER_ZENDESK_SUBDOMAIN", "HANDOVER_ZENDESK_URL", "HANDOVER_ZENDESK_GROUP_ID", "HANDOVER_ZENDESK_HOURS",
		"HANDOVER_ZENDESK_TIMEZONE", "HANDOVER_ZENDESK_BUTTONS"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in:\n%s", want, got)
		}
	}
	// A base URL alone (a proxy, the simulator) is enough.
	onlyURL := ok
	onlyURL.Subdomain, onlyURL.URL = "", "http://127.0.0.1:8080"
	if p := onlyURL.Problems(); len(p) != 0 {
		t.Fatalf("URL without subdomain: %v", p)
	}
}

// The tags read the full HANDOVER_ZENDESK_* names, with the defaults.
func TestZendeskEnvNames(t *testing.T) {
	t.Setenv("HANDOVER_ZENDESK_SUBDOMAIN", "acme")
	t.Setenv("HANDOVER_ZENDESK_KEY_SECRET", "s3cret")
	t.Setenv("HANDOVER_ZENDESK_GROUP_ID", "42")
	t.Setenv("URL", "https://must-not-be-read.example")
	var z Settings
	if err := envconfig.Process("", &z); err != nil {
		t.Fatal(err)
	}
	if z.Subdomain != "acme" || z.KeySecret.Value() != "s3cret" || z.GroupID != "42" || z.URL != "" || z.TimeZone != "UTC" || z.Buttons != "reply" {
		t.Fatalf("%+v", z)
	}
	if s := z.KeySecret.String(); strings.Contains(s, "s3cret") {
		t.Fatal("a secret prints its value")
	}
}
