package intercom

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/handover-dev/handover/adapters/helpdesk"
	sim "github.com/handover-dev/handover/adapters/sim/intercom"
)

func installSim(t *testing.T) (*sim.Server, sim.Demo, *Settings) {
	t.Helper()
	s := sim.New(sim.Options{Token: "install-token"})
	d := s.SeedDemo()
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { s.Close(); srv.Close() })
	return s, d, &Settings{URL: srv.URL, AccessToken: "install-token"}
}

func runIntercomInstall(t *testing.T, set *Settings, args ...string) *helpdesk.Installation {
	t.Helper()
	in := &helpdesk.Installation{PublicURL: "https://handover.example.com", Args: args, Output: &strings.Builder{}}
	if err := install(context.Background(), set, in); err != nil {
		t.Fatalf("install: %v", err)
	}
	return in
}

func TestInstallReadsAndReports(t *testing.T) {
	s, d, set := installSim(t)
	in := runIntercomInstall(t, set, "-team", "support")
	if in.Env["HANDOVER_INTERCOM_BOT_ADMIN_ID"] != d.BotID || in.Env["HANDOVER_INTERCOM_TEAM_ID"] != d.TeamID {
		t.Fatalf("env = bot %q team %q, want %s %s", in.Env["HANDOVER_INTERCOM_BOT_ADMIN_ID"], in.Env["HANDOVER_INTERCOM_TEAM_ID"], d.BotID, d.TeamID)
	}
	if in.Env["HANDOVER_INTERCOM_ACCESS_TOKEN"] != "install-token" || !in.Secrets["HANDOVER_INTERCOM_ACCESS_TOKEN"] {
		t.Error("access token not written as a secret")
	}
	var manual []string
	for _, st := range in.Steps {
		if strings.Contains(st.Detail, "install-token") {
			t.Errorf("a step prints the token: %+v", st)
		}
		switch st.State {
		case helpdesk.StepManual:
			manual = append(manual, st.What)
		case helpdesk.StepAlready:
		default:
			t.Errorf("step %+v: install must only read", st)
		}
	}
	if strings.Join(manual, ",") != "webhook,client secret" {
		t.Errorf("manual steps = %v, want webhook and client secret", manual)
	}
	for _, c := range s.Calls() {
		if c.Method != "GET" {
			t.Errorf("install wrote: %s %s", c.Method, c.Path)
		}
	}
	// Second run with the variables: all already but the webhook.
	set.BotAdminID, set.TeamID, set.ClientSecret = d.BotID, d.TeamID, "cs"
	for _, st := range runIntercomInstall(t, set).Steps {
		if st.State != helpdesk.StepAlready && st.What != "webhook" {
			t.Errorf("second run step %+v", st)
		}
	}
}

func TestInstallErrorsNameTheVariable(t *testing.T) {
	_, _, set := installSim(t)
	for _, c := range []struct {
		mod  func(*Settings)
		name string
	}{
		{func(s *Settings) { s.AccessToken = "" }, "HANDOVER_INTERCOM_ACCESS_TOKEN"},
		{func(s *Settings) { s.AccessToken = "wrong" }, "HANDOVER_INTERCOM_ACCESS_TOKEN"},
		{func(s *Settings) { s.BotAdminID = "999999" }, "HANDOVER_INTERCOM_BOT_ADMIN_ID"},
		{func(s *Settings) { s.TeamID = "999999" }, "HANDOVER_INTERCOM_TEAM_ID"},
	} {
		s := *set
		c.mod(&s)
		err := install(context.Background(), &s, &helpdesk.Installation{PublicURL: "https://handover.example.com"})
		if err == nil || !strings.Contains(err.Error(), c.name) {
			t.Errorf("err = %v, want one naming %s", err, c.name)
		}
	}
}
