package zendesk

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/helpdesktest"
	sim "github.com/handover-dev/handover/adapters/sim/zendesk"
)

// installWorld is a fresh simulated Zendesk (no custom integration, Agent Workspace the
// switchboard's default) with an app key, and the settings reaching it.
func installWorld(t *testing.T) (*sim.Server, *Settings) {
	t.Helper()
	z := sim.New(sim.Options{KeyID: "app_key", KeySecret: "key-secret", KeyScope: sim.ScopeApp,
		SupportEmail: "admin@example.com", SupportToken: "support-token", RetryWait: 10 * time.Millisecond})
	z.Uninstall()
	srv := httptest.NewServer(z.Handler())
	t.Cleanup(func() { z.Close(); srv.Close() })
	return z, &Settings{URL: srv.URL, AppID: z.AppID(), KeyID: "app_key", KeySecret: "key-secret",
		Email: "admin@example.com", APIToken: "support-token"}
}

func runInstall(t *testing.T, s *Settings, publicURL string, dry bool) *helpdesk.Installation {
	t.Helper()
	in := helpdesktest.NewInstallation(publicURL, nil, dry)
	if err := install(context.Background(), s, in); err != nil {
		t.Fatalf("install: %v", err)
	}
	return in
}

// states counts the steps of in by state.
func states(in *helpdesk.Installation) map[helpdesk.StepState]int {
	out := map[helpdesk.StepState]int{}
	for _, st := range in.Steps {
		out[st.State]++
	}
	return out
}

func TestInstallCreatesThenAlready(t *testing.T) {
	z, s := installWorld(t)
	// The public URL is a receiver that checks the X-API-Key of each delivery against the
	// secret install wrote.
	got := make(chan error, 10)
	var secret string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/webhooks/zendesk" {
			got <- Authenticate(secret, r.Header)
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer recv.Close()

	first := runInstall(t, s, recv.URL, false)
	if n := states(first); n[helpdesk.StepCreated] != 2 || n[helpdesk.StepUpdated] != 1 || n[helpdesk.StepManual] != 0 {
		t.Fatalf("first run steps = %+v", first.Steps)
	}
	if first.Env["HANDOVER_ZENDESK_INTEGRATION_ID"] != z.IntegrationID() {
		t.Errorf("integration id = %q, want %q", first.Env["HANDOVER_ZENDESK_INTEGRATION_ID"], z.IntegrationID())
	}
	secret = first.Env["HANDOVER_ZENDESK_WEBHOOK_SECRET"]
	if secret == "" || secret != z.WebhookSecret() || !first.Secrets["HANDOVER_ZENDESK_WEBHOOK_SECRET"] {
		t.Fatalf("webhook secret not written as the sim's secret")
	}
	for _, k := range []string{"HANDOVER_ZENDESK_URL", "HANDOVER_ZENDESK_APP_ID", "HANDOVER_ZENDESK_KEY_ID", "HANDOVER_ZENDESK_KEY_SECRET", "HANDOVER_ZENDESK_EMAIL", "HANDOVER_ZENDESK_API_TOKEN"} {
		if first.Env[k] == "" {
			t.Errorf("%s not written", k)
		}
	}
	for _, st := range first.Steps {
		if strings.Contains(st.Detail, secret) || strings.Contains(st.Detail, "key-secret") {
			t.Errorf("a step prints a secret: %+v", st)
		}
	}

	// The switchboard now gives a new conversation to handover, and its webhook verifies.
	if _, _, err := z.VisitorSend(context.Background(), "ann", "hello"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("the delivery does not verify with the written secret: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook delivery")
	}
	if v := z.Conversations(); len(v) != 1 || v[0].Active != "handover-bot" {
		t.Fatalf("conversation not controlled by handover-bot: %+v", v)
	}

	// Second run, with the first run's variables: nothing but already, no write.
	z.ResetCalls()
	s.IntegrationID = first.Env["HANDOVER_ZENDESK_INTEGRATION_ID"]
	s.WebhookSecret = helpdesk.Secret(secret)
	helpdesktest.RerunChangedNothing(t, runInstall(t, s, recv.URL, false), first.Env, z.Calls())
}

func TestInstallDryRunWritesNothing(t *testing.T) {
	z, s := installWorld(t)
	z.ResetCalls()
	in := runInstall(t, s, "https://handover.example.com", true)
	if w := helpdesktest.Writes(z.Calls()); len(w) != 0 {
		t.Fatalf("dry run wrote %v", w)
	}
	if n := states(in); n[helpdesk.StepWould] != 3 {
		t.Fatalf("dry run steps = %+v, want 3 would (integration, switchboard integration, default)", in.Steps)
	}
	// Still fresh: a real run creates.
	if n := states(runInstall(t, s, "https://handover.example.com", false)); n[helpdesk.StepCreated] != 2 {
		t.Fatalf("after a dry run, the first real run created %d things", n[helpdesk.StepCreated])
	}
}

func TestInstallRetargetsWebhook(t *testing.T) {
	z, s := installWorld(t)
	first := runInstall(t, s, "https://old.example.com", false)
	s.IntegrationID = first.Env["HANDOVER_ZENDESK_INTEGRATION_ID"]
	z.ResetCalls()
	in := runInstall(t, s, "https://new.example.com", false)
	if n := states(in); n[helpdesk.StepUpdated] != 1 {
		t.Fatalf("steps = %+v, want the webhook updated", in.Steps)
	}
	if w := helpdesktest.Writes(z.Calls()); len(w) != 1 || !strings.HasPrefix(w[0], "PATCH ") {
		t.Fatalf("writes = %v, want one PATCH", w)
	}
}

func TestInstallIntegrationKeyLeavesSwitchboardManual(t *testing.T) {
	z := sim.New(sim.Options{KeyID: "int_key", KeySecret: "key-secret", WebhookSecret: "hook-secret",
		WebhookURL: "https://handover.example.com/webhooks/zendesk"})
	srv := httptest.NewServer(z.Handler())
	defer srv.Close()
	defer z.Close()
	s := &Settings{URL: srv.URL, AppID: z.AppID(), KeyID: "int_key", KeySecret: "key-secret", IntegrationID: z.IntegrationID()}
	in := runInstall(t, s, "https://handover.example.com", false)
	n := states(in)
	if n[helpdesk.StepManual] != 2 || n[helpdesk.StepAlready] != 1 {
		t.Fatalf("steps = %+v, want webhook already, switchboard and Support token manual", in.Steps)
	}
	if in.Env["HANDOVER_ZENDESK_WEBHOOK_SECRET"] != "hook-secret" {
		t.Error("the listed webhook secret was not written")
	}
	// Without the integration id, an integration key cannot find the integration: the error
	// names the variable.
	s.IntegrationID = ""
	err := install(context.Background(), s, &helpdesk.Installation{PublicURL: "https://handover.example.com"})
	if err == nil || !strings.Contains(err.Error(), "HANDOVER_ZENDESK_INTEGRATION_ID") {
		t.Fatalf("err = %v, want one naming HANDOVER_ZENDESK_INTEGRATION_ID", err)
	}
}

func TestInstallMissingCredentials(t *testing.T) {
	for _, c := range []struct {
		s    Settings
		name string
	}{
		{Settings{AppID: "app"}, "HANDOVER_ZENDESK_SUBDOMAIN"},
		{Settings{Subdomain: "acme"}, "HANDOVER_ZENDESK_APP_ID"},
		{Settings{Subdomain: "acme", AppID: "app"}, "HANDOVER_ZENDESK_KEY_SECRET"},
	} {
		err := install(context.Background(), &c.s, &helpdesk.Installation{PublicURL: "https://handover.example.com"})
		if err == nil || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%+v: err = %v, want one naming %s", c.s, err, c.name)
		}
	}
}
