package libredesk

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/simkit"
	"github.com/handover-dev/handover/adapters/sim"
)

// Descriptor registers the Libredesk adapter (adapters/all).
var Descriptor = helpdesk.Descriptor{
	Name:     Name,
	Settings: func() helpdesk.Settings { return &Settings{} },
	New:      newFromSettings,
	Sandbox:  newWorld,
}

// world is the simulated Libredesk: live-chat inbox Website, team Support (Alice online, Bob
// offline) as its human queue, the bot agent with an API key, the tag offline-message.
// Conversations are keyed by uuid, as the adapter names them.
type world struct {
	l        *sim.Libredesk
	demo     sim.LibredeskDemo
	secret   string
	settings *Settings

	mu    sync.Mutex
	uuids map[int]string // conversation id → uuid, learnt on a visitor's first message
}

func newWorld(o helpdesk.SandboxOptions) (helpdesk.World, error) {
	w := &world{secret: simkit.Token(), uuids: map[int]string{}}
	w.l = sim.NewLibredesk(sim.LibredeskOptions{WebhookSecret: w.secret, BotName: o.BotName, Logger: simkit.Logger(o.Logger)})
	w.demo = w.l.SeedDemo()
	w.settings = &Settings{URL: o.SimURL, APIKey: helpdesk.Secret(w.demo.APIKey), APISecret: helpdesk.Secret(w.demo.APISecret),
		BotAgentID: w.demo.BotID, WebhookSecret: helpdesk.Secret(w.secret), InboxIDs: strconv.Itoa(w.demo.InboxID),
		Teams: helpdesk.IDMap{w.demo.InboxID: w.demo.TeamID}}
	return w, nil
}

func (w *world) Handler() http.Handler              { return w.l.Handler() }
func (w *world) Settings() helpdesk.Settings        { return w.settings }
func (w *world) Connect(base string)                { w.l.SetWebhook(base+"/webhooks/"+Name, w.secret) }
func (w *world) Calls() []helpdesk.Call             { return simkit.Calls(w.l.Calls()) }
func (w *world) ResetCalls()                        { w.l.ResetCalls() }
func (w *world) WaitIdle(ctx context.Context) error { return w.l.WaitIdle(ctx) }
func (w *world) Close()                             { w.l.Close() }

func (w *world) Send(ctx context.Context, visitor, text string) (string, error) {
	id, _, err := w.l.VisitorSend(ctx, w.demo.InboxID, visitor, text)
	if err != nil {
		return "", err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if u, ok := w.uuids[id]; ok {
		return u, nil
	}
	v, ok := w.l.Conversation(id)
	if !ok {
		return "", fmt.Errorf("libredesk: conversation %d vanished", id)
	}
	w.uuids[id] = v.UUID
	return v.UUID, nil
}

func (w *world) Transcript(conv string) []helpdesk.Entry {
	v, _ := w.l.ConversationByUUID(conv)
	out := make([]helpdesk.Entry, 0, len(v.Messages))
	for _, m := range v.Messages {
		r := helpdesk.RoleOther
		switch {
		case m.Private:
		case m.Type == "incoming":
			r = helpdesk.RoleVisitor
		case m.Type == "outgoing" && m.SenderType == "agent" && m.SenderID == w.demo.BotID:
			r = helpdesk.RoleBot
		}
		out = append(out, helpdesk.Entry{Role: r, At: m.CreatedAt})
	}
	return helpdesk.SortEntries(out)
}
