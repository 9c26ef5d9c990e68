package zendesk

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/simkit"
	"github.com/handover-dev/handover/adapters/sim"
)

// Descriptor registers the Zendesk adapter (adapters/all).
var Descriptor = helpdesk.Descriptor{
	Name:     Name,
	Settings: func() helpdesk.Settings { return &Settings{} },
	New: func(s helpdesk.Settings, d helpdesk.Deps) (helpdesk.Adapter, error) {
		cfg, err := s.(*Settings).config(d)
		if err != nil {
			return nil, fmt.Errorf("HANDOVER_ZENDESK_HOURS: %w", err)
		}
		return New(cfg)
	},
	Sandbox: newWorld,
}

const sandboxEmail = "admin@example.com"

// world is the simulated Zendesk: Sunshine Conversations with handover's switchboard
// integration in control of new conversations, Agent Workspace agents Alice (online) and Bob
// (offline) in group Support as the human queue, and the Support API.
type world struct {
	z        *sim.Zendesk
	demo     sim.ZendeskDemo
	settings *Settings
}

func newWorld(o helpdesk.SandboxOptions) (helpdesk.World, error) {
	keyID, keySecret, hook, token := "app_"+simkit.Token()[:12], simkit.Token(), simkit.Token(), simkit.Token()
	w := &world{z: sim.NewZendesk(sim.ZendeskOptions{KeyID: keyID, KeySecret: keySecret, WebhookSecret: hook,
		SupportEmail: sandboxEmail, SupportToken: token, RetryWait: 3 * time.Second, Logger: simkit.Logger(o.Logger)})}
	w.demo = w.z.SeedDemo()
	w.settings = &Settings{URL: o.SimURL, AppID: w.z.AppID(), KeyID: keyID, KeySecret: helpdesk.Secret(keySecret),
		IntegrationID: w.z.IntegrationID(), WebhookSecret: helpdesk.Secret(hook), Email: sandboxEmail,
		APIToken: helpdesk.Secret(token), GroupID: strconv.Itoa(w.demo.GroupID)}
	if s, ok := o.Settings.(*Settings); ok && s != nil {
		w.settings.Buttons = s.Buttons // try either style against the simulator
	}
	return w, nil
}

func (w *world) Handler() http.Handler              { return w.z.Handler() }
func (w *world) Settings() helpdesk.Settings        { return w.settings }
func (w *world) Connect(base string)                { w.z.SetWebhookURL(base + "/webhooks/" + Name) }
func (w *world) Calls() []helpdesk.Call             { return simkit.Calls(w.z.Calls()) }
func (w *world) ResetCalls()                        { w.z.ResetCalls() }
func (w *world) WaitIdle(ctx context.Context) error { return w.z.WaitIdle(ctx) }
func (w *world) Close()                             { w.z.Close() }

func (w *world) Send(ctx context.Context, visitor, text string) (string, error) {
	id, _, err := w.z.VisitorSend(ctx, visitor, text)
	return id, err
}

func (w *world) Transcript(conv string) []helpdesk.Entry {
	v, _ := w.z.Conversation(conv)
	out := make([]helpdesk.Entry, 0, len(v.Messages))
	for _, m := range v.Messages {
		r := helpdesk.RoleOther
		switch m.AuthorType {
		case "user":
			r = helpdesk.RoleVisitor
		case "business": // the benchmark has no human agents: every business message is the bot's
			r = helpdesk.RoleBot
		}
		out = append(out, helpdesk.Entry{Role: r, At: m.Received})
	}
	return helpdesk.SortEntries(out)
}
