package liveagent

import (
	"strings"
	"testing"
)

func TestLiveAgentProblems(t *testing.T) {
	ok := &Settings{URL: "https://acme.ladesk.com", APIKey: "k3", APIV1Key: "k1", BotAgentID: "ab12cd34",
		WebhookSecret: "s3cr3t", Departments: "dp1:dp2, dp3:dp4", RateLimit: 180}
	if p := ok.Problems(); len(p) != 0 {
		t.Fatalf("valid settings: %v", p)
	}
	bad := &Settings{URL: "acme", WebhookSecret: "a/b-very-secret", Departments: "dp1-dp2", BotAgentID: "{$id}"}
	p := strings.Join(bad.Problems(), "\n")
	for _, want := range []string{"HANDOVER_LIVEAGENT_URL", "HANDOVER_LIVEAGENT_API_KEY", "HANDOVER_LIVEAGENT_API_V1_KEY",
		"HANDOVER_LIVEAGENT_BOT_AGENT_ID", "HANDOVER_LIVEAGENT_WEBHOOK_SECRET", "HANDOVER_LIVEAGENT_DEPARTMENTS", "HANDOVER_LIVEAGENT_RATE_LIMIT"} {
		if !strings.Contains(p, want) {
			t.Errorf("missing %s in:\n%s", want, p)
		}
	}
	if strings.Contains(p, "a/b-very-secret") {
		t.Fatal("secret value in a problem")
	}
}
