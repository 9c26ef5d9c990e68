package liveagent

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/helpdesktest"
	sim "github.com/handover-dev/handover/adapters/sim/liveagent"
)

// laSim is a simulated LiveAgent with the demo seeded (keys "v3key" and "v1key"), and its URL.
func laSim(t *testing.T) (*sim.Server, sim.Demo, string) {
	t.Helper()
	la := sim.New(sim.Options{APIKey: "v3key", APIV1Key: "v1key"})
	d := la.SeedDemo()
	srv := httptest.NewServer(la.Handler())
	t.Cleanup(func() { srv.Close(); la.Close() })
	return la, d, srv.URL
}

// laInstall runs install as "handover install liveagent" would, with env as the environment
// file, and fails t on an error.
func laInstall(t *testing.T, set *Settings, env map[string]string, dry bool) *helpdesk.Installation {
	t.Helper()
	in := helpdesktest.NewInstallation("https://handover.example.com", env, dry)
	in.AgentPagesLink = func(p string) string { return "https://handover.example.com" + p + "?k=signed-token" }
	if err := install(context.Background(), set, in); err != nil {
		t.Fatalf("install: %v", err)
	}
	return in
}

func TestInstallButtonRulesAndSecret(t *testing.T) {
	la, d, url := laSim(t)
	set := &Settings{URL: url, APIKey: "v3key", APIV1Key: "v1key", BotAgentID: d.Bot,
		Departments: d.BotDepartment + ":" + d.SupportDepartment}

	// A dry run writes nothing and says it would create the button.
	la.ResetCalls()
	dry := laInstall(t, set, nil, true)
	if w := helpdesktest.Writes(la.Calls()); len(w) != 0 {
		t.Fatalf("dry run wrote %v", w)
	}
	if last := dry.Steps[len(dry.Steps)-1]; last.State != helpdesk.StepWould || strings.Contains(last.Detail, "signed-token") {
		t.Fatalf("dry run's last step = %+v", last)
	}

	first := laInstall(t, set, nil, false)
	if w := helpdesktest.Writes(la.Calls()); len(w) != 1 || w[0] != "POST /api/v3/custom_buttons" {
		t.Fatalf("first run wrote %v, want the custom button", w)
	}
	btns := la.CustomButtons()
	if len(btns) != 1 || btns[0]["url"] != "https://handover.example.com/agent/embed/liveagent?k=signed-token&ticket={$conversation_id}" || btns[0]["type"] != "E" {
		t.Fatalf("buttons = %v", btns)
	}
	secret := first.Env["HANDOVER_LIVEAGENT_WEBHOOK_SECRET"]
	if len(secret) != 64 || !first.Secrets["HANDOVER_LIVEAGENT_WEBHOOK_SECRET"] || first.Env["HANDOVER_LIVEAGENT_BOT_AGENT_ID"] != d.Bot {
		t.Fatalf("env = %v", first.EnvNames())
	}
	rules := 0
	for _, st := range first.Steps {
		if strings.Contains(st.Detail, secret) || strings.Contains(st.Detail, "v3key") || strings.Contains(st.Detail, "signed-token") {
			t.Errorf("a step prints a secret: %+v", st)
		}
		if st.State == helpdesk.StepManual && strings.HasPrefix(st.What, "rule ") {
			rules++
		}
	}
	if rules != len(Rules(d.Bot)) {
		t.Errorf("%d rules reported, want %d", rules, len(Rules(d.Bot)))
	}

	// Second run with the first run's file: the same secret, no write, the button already there.
	la.ResetCalls()
	second := laInstall(t, set, first.Env, false)
	if w := helpdesktest.Writes(la.Calls()); len(w) != 0 {
		t.Fatalf("second run wrote %v", w)
	}
	if second.Env["HANDOVER_LIVEAGENT_WEBHOOK_SECRET"] != secret {
		t.Error("second run changed the webhook secret")
	}
	for _, st := range second.Steps {
		if st.State != helpdesk.StepAlready && st.State != helpdesk.StepManual {
			t.Errorf("second run step %+v", st)
		}
	}
}

func TestInstallMissingOrWrong(t *testing.T) {
	_, _, url := laSim(t)
	for _, c := range []struct {
		s    Settings
		name string
	}{
		{Settings{APIKey: "v3key"}, "HANDOVER_LIVEAGENT_URL"},
		{Settings{URL: url}, "HANDOVER_LIVEAGENT_API_KEY"},
		{Settings{URL: url, APIKey: "wrong", BotAgentID: "x"}, "HANDOVER_LIVEAGENT_API_KEY"},
		{Settings{URL: url, APIKey: "v3key", BotAgentID: "nosuch"}, "HANDOVER_LIVEAGENT_BOT_AGENT_ID"},
	} {
		err := install(context.Background(), &c.s, &helpdesk.Installation{PublicURL: "https://handover.example.com"})
		if err == nil || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%+v: err = %v, want one naming %s", c.s, err, c.name)
		}
	}
}
