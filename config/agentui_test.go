package config

import (
	"strings"
	"testing"
	"time"
)

func TestAgentPagesSettings(t *testing.T) {
	t.Setenv("HANDOVER_AGENT_UI_SECRET", "short")
	t.Setenv("HANDOVER_AGENT_UI_FRAME_ANCESTORS", "https://chat.example.com, ftp://nope")
	t.Setenv("HANDOVER_AGENT_UI_REFRESH", "-1s")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"HANDOVER_AGENT_UI_SECRET: use at least 16", `"ftp://nope" is not an origin`, "HANDOVER_AGENT_UI_REFRESH"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("missing %q in:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "short") || strings.Contains(err.Error(), "chat.example.com") {
		t.Fatalf("the secret or a good origin is reported: %v", err)
	}

	t.Setenv("HANDOVER_AGENT_UI_SECRET", "0123456789abcdef")
	t.Setenv("HANDOVER_AGENT_UI_FRAME_ANCESTORS", "")
	t.Setenv("HANDOVER_AGENT_UI_REFRESH", "2s")
	c, err = Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil && strings.Contains(err.Error(), "AGENT_UI") {
		t.Fatal(err)
	}
	if c.AgentUIRefresh != 2*time.Second {
		t.Fatalf("refresh %s", c.AgentUIRefresh)
	}
}
