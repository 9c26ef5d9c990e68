package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	sim "github.com/handover-dev/handover/adapters/sim/chatwoot"
	"github.com/handover-dev/handover/internal/conformance"
	"github.com/handover-dev/handover/internal/llmtest"
)

// SIGTERM stops intake (503 + not ready), lets the running turn finish
// within HANDOVER_SHUTDOWN_GRACE, and exits 0.
func TestSIGTERMDrainsRunningTurns(t *testing.T) {
	llm := llmtest.New()
	defer llm.Close()
	llm.SetDefault(func(llmtest.Request) llmtest.Reply {
		return llmtest.Reply{Text: "A slow but complete answer.", Delay: 800 * time.Millisecond}
	})
	world := sim.New(sim.Options{AccountID: 1, BotToken: botToken, UserToken: userToken, WebhookSecret: secret, RetryWait: 20 * time.Millisecond})
	simSrv := httptest.NewServer(world.Handler())
	defer simSrv.Close()
	defer world.Close()
	demo := world.SeedDemo()

	addr := conformance.FreeAddr(t)
	cmd := exec.Command(conformance.Binary(t), "serve")
	cmd.Env = append(os.Environ(),
		"HANDOVER_HELPDESK=chatwoot", "HANDOVER_LISTEN_ADDR="+addr,
		"HANDOVER_CHATWOOT_URL="+simSrv.URL, "HANDOVER_CHATWOOT_ACCOUNT_ID=1",
		"HANDOVER_CHATWOOT_BOT_TOKEN="+botToken, "HANDOVER_CHATWOOT_USER_TOKEN="+userToken,
		"HANDOVER_CHATWOOT_WEBHOOK_SECRET="+secret, fmt.Sprintf("HANDOVER_CHATWOOT_TEAMS=%d:%d", demo.InboxID, demo.TeamID),
		"HANDOVER_LLM_PROVIDER=openai", "HANDOVER_LLM_BASE_URL="+llm.URL(), "HANDOVER_LLM_API_KEY=k",
		"HANDOVER_LLM_TIMEOUT=5s", "HANDOVER_SHUTDOWN_GRACE=10s", "HANDOVER_LOG_LEVEL=info")
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	base := "http://" + addr
	waitHTTP(t, base+"/readyz", http.StatusOK)
	world.SetWebhookURL(base + "/webhooks/chatwoot")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := len(llm.Requests()) // the start-up check's request
	id, _, err := world.VisitorSend(ctx, demo.InboxID, "v", "How long does shipping take?")
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the turn is running (the LLM got the request), then SIGTERM.
	for len(llm.Requests()) == before {
		if ctx.Err() != nil {
			t.Fatal("the turn never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("did not exit within the grace period\n%s", logs.String())
	}
	v, _ := world.Conversation(id)
	if b := lastBot(v); b.Content != "A slow but complete answer." {
		t.Fatalf("the running turn was not drained: %s\nlogs:\n%s", dump(v), logs.String())
	}
	if strings.Contains(logs.String(), botToken) || strings.Contains(logs.String(), userToken) || strings.Contains(logs.String(), secret) {
		t.Fatal("a secret appeared in the logs")
	}
}

func waitHTTP(t *testing.T, url string, status int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == status {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never answered %d", url, status)
}
