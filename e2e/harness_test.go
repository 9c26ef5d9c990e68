// Package e2e runs every scenario end to end: the simulated Chatwoot
// (adapters/sim) ⇄ handover over HTTP ⇄ an OpenAI-compatible test server
// reached through langchaingo's openai provider.
package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/chatwoot"
	sim "github.com/handover-dev/handover/adapters/sim/chatwoot"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/app"
	"github.com/handover-dev/handover/internal/llmtest"
)

const (
	botToken  = "bot-token-e2e"
	userToken = "user-token-e2e"
	secret    = "webhook-secret-e2e"
)

// delivery is one webhook the sim sent, as recorded by the relay.
type delivery struct {
	header http.Header
	body   []byte
}

// world is one simulated Chatwoot, one LLM server and one handover service
// between them.
type world struct {
	*host
	sim    *sim.Server
	simSrv *httptest.Server
	llm    *llmtest.Server
	demo   sim.Demo
}

type option func(*config.Config)

func newWorld(t *testing.T, opts ...option) *world {
	t.Helper()
	llm := llmtest.New()
	t.Cleanup(llm.Close)
	cfg := baseConfig("chatwoot", llm.URL())
	for _, o := range opts {
		o(&cfg)
	}
	w := &world{host: newHost(t, cfg), llm: llm}
	w.sim = sim.New(sim.Options{AccountID: 1, BotToken: botToken, UserToken: userToken, WebhookSecret: secret, RetryWait: 20 * time.Millisecond})
	w.simSrv = httptest.NewServer(w.sim.Handler())
	t.Cleanup(func() { w.sim.Close(); w.simSrv.Close() })
	w.demo = w.sim.SeedDemo()
	w.simIdle = w.sim.WaitIdle
	w.newHelpdesk = func() (app.Helpdesk, error) {
		return chatwoot.New(chatwoot.Config{BaseURL: w.simSrv.URL, AccountID: 1, BotToken: botToken, UserToken: userToken,
			WebhookSecret: secret, Teams: map[int]int{w.demo.InboxID: w.demo.TeamID}, RetryWaitMax: 50 * time.Millisecond})
	}
	w.sim.SetWebhookURL(w.relay.URL + "/webhooks/chatwoot")
	w.run()
	return w
}

// visitor sends a visitor message and returns the conversation id.
func (w *world) visitor(contact, text string) (int, int) {
	w.t.Helper()
	conv, msg, err := w.sim.VisitorSend(w.ctx(), w.demo.InboxID, contact, text)
	if err != nil {
		w.t.Fatalf("visitor send: %v", err)
	}
	return conv, msg
}

func (w *world) conv(id int) sim.ConversationView {
	w.t.Helper()
	c, ok := w.sim.Conversation(id)
	if !ok {
		w.t.Fatalf("conversation %d missing", id)
	}
	return c
}

// waitFor polls the conversation until cond holds.
func (w *world) waitFor(id int, what string, cond func(c sim.ConversationView) bool) sim.ConversationView {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := w.conv(id)
		if cond(c) {
			return c
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting for %s; conversation:\n%s", what, dump(c))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// botMessages returns the bot's public messages.
func botMessages(c sim.ConversationView) []sim.MessageView {
	var out []sim.MessageView
	for _, m := range c.Messages {
		if m.SenderType == "agent_bot" && !m.Private && m.Type == "outgoing" {
			out = append(out, m)
		}
	}
	return out
}

func notes(c sim.ConversationView) []sim.MessageView {
	var out []sim.MessageView
	for _, m := range c.Messages {
		if m.Private {
			out = append(out, m)
		}
	}
	return out
}

func lastBot(c sim.ConversationView) sim.MessageView {
	b := botMessages(c)
	if len(b) == 0 {
		return sim.MessageView{}
	}
	return b[len(b)-1]
}

func hasBotMessages(n int) func(sim.ConversationView) bool {
	return func(c sim.ConversationView) bool { return len(botMessages(c)) >= n }
}

func itemValues(m sim.MessageView) []string {
	items, _ := m.ContentAttributes["items"].([]any)
	var out []string
	for _, it := range items {
		if mm, ok := it.(map[string]any); ok {
			out = append(out, fmt.Sprint(mm["value"]))
		}
	}
	return out
}

func dump(c sim.ConversationView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "status=%s assignee=%d team=%d labels=%v attrs=%v\n", c.Status, c.AssigneeID, c.TeamID, c.Labels, c.CustomAttributes)
	for _, m := range c.Messages {
		fmt.Fprintf(&b, "  #%d %s/%s private=%v %s: %q %v\n", m.ID, m.Type, m.SenderType, m.Private, m.ContentType, m.Content, m.ContentAttributes)
	}
	return b.String()
}
