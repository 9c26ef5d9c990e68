package chatwoot

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/simkit"
	"github.com/handover-dev/handover/adapters/sim"
)

// Descriptor registers the Chatwoot adapter (adapters/all).
var Descriptor = helpdesk.Descriptor{
	Name:     Name,
	Settings: func() helpdesk.Settings { return &Settings{} },
	New: func(s helpdesk.Settings, d helpdesk.Deps) (helpdesk.Adapter, error) {
		return New(s.(*Settings).config(d))
	},
	// The agent pages run inside Chatwoot as a dashboard app.
	FrameAncestors: func(s helpdesk.Settings) []string {
		if u := s.(*Settings).URL; u != "" {
			return []string{u}
		}
		return nil
	},
	Sandbox: newWorld,
}

// world is the simulated Chatwoot: inbox "Website" with the agent bot connected, team Support
// (Alice online, Bob offline) as its human queue.
type world struct {
	s        *sim.Server
	demo     sim.Demo
	settings *Settings
}

func newWorld(o helpdesk.SandboxOptions) (helpdesk.World, error) {
	bot, user, secret := simkit.Token(), simkit.Token(), simkit.Token()
	opts := sim.Options{AccountID: 1, BotName: o.BotName, BotToken: bot, UserToken: user, WebhookSecret: secret,
		RetryWait: 3 * time.Second, Logger: simkit.Logger(o.Logger)}
	if o.Benchmark {
		opts.KeepPendingOnBotFailure = true
	}
	w := &world{s: sim.New(opts)}
	w.demo = w.s.SeedDemo()
	w.settings = &Settings{URL: o.SimURL, AccountID: 1, BotToken: helpdesk.Secret(bot), UserToken: helpdesk.Secret(user),
		WebhookSecret: helpdesk.Secret(secret), Teams: helpdesk.IDMap{w.demo.InboxID: w.demo.TeamID}}
	return w, nil
}

func (w *world) Handler() http.Handler              { return w.s.Handler() }
func (w *world) Settings() helpdesk.Settings        { return w.settings }
func (w *world) Connect(base string)                { w.s.SetWebhookURL(base + "/webhooks/" + Name) }
func (w *world) Calls() []helpdesk.Call             { return simkit.Calls(w.s.Calls()) }
func (w *world) ResetCalls()                        { w.s.ResetCalls() }
func (w *world) WaitIdle(ctx context.Context) error { return w.s.WaitIdle(ctx) }
func (w *world) Close()                             { w.s.Close() }

func (w *world) Send(ctx context.Context, visitor, text string) (string, error) {
	id, _, err := w.s.VisitorSend(ctx, w.demo.InboxID, visitor, text)
	return strconv.Itoa(id), err
}

func (w *world) Transcript(conv string) []helpdesk.Entry {
	id, _ := strconv.Atoi(conv)
	v, _ := w.s.Conversation(id)
	out := make([]helpdesk.Entry, 0, len(v.Messages))
	for _, m := range v.Messages {
		r := helpdesk.RoleOther
		switch {
		case m.Private:
		case m.Type == "incoming" && m.SenderType == "contact":
			r = helpdesk.RoleVisitor
		case m.Type == "outgoing" && m.SenderType == "agent_bot":
			r = helpdesk.RoleBot
		}
		out = append(out, helpdesk.Entry{Role: r, At: m.CreatedAt})
	}
	return helpdesk.SortEntries(out)
}
