package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/handover-dev/handover/adapters/libredesk"
	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/handover"
)

// libredeskWorld is the simulated Libredesk: live-chat inbox Website, team
// Support as its human queue, the bot agent with an API key. Conversations
// are keyed by uuid, as the adapter names them.
type libredeskWorld struct {
	l           *sim.Libredesk
	demo        sim.LibredeskDemo
	url, secret string
	hd          handover.Helpdesk

	mu    sync.Mutex
	uuids map[int]string // conversation id → uuid, learnt on a visitor's first message
}

func newLibredeskWorld(simURL string) (world, error) {
	w := &libredeskWorld{url: simURL, secret: token(), uuids: map[int]string{}}
	w.l = sim.NewLibredesk(sim.LibredeskOptions{})
	w.demo = w.l.SeedDemo()
	hd, err := libredesk.New(libredesk.Config{BaseURL: simURL, APIKey: w.demo.APIKey, APISecret: w.demo.APISecret,
		BotAgentID: w.demo.BotID, WebhookSecret: w.secret, InboxIDs: []int{w.demo.InboxID},
		Teams: map[int]int{w.demo.InboxID: w.demo.TeamID}})
	if err != nil {
		w.l.Close()
		return nil, err
	}
	w.hd = hd
	return w, nil
}

func (w *libredeskWorld) handler() http.Handler { return w.l.Handler() }

func (w *libredeskWorld) env() []string {
	return []string{"HANDOVER_HELPDESK=libredesk", "HANDOVER_LIBREDESK_URL=" + w.url,
		"HANDOVER_LIBREDESK_API_KEY=" + w.demo.APIKey, "HANDOVER_LIBREDESK_API_SECRET=" + w.demo.APISecret,
		"HANDOVER_LIBREDESK_BOT_AGENT_ID=" + strconv.Itoa(w.demo.BotID), "HANDOVER_LIBREDESK_WEBHOOK_SECRET=" + w.secret,
		"HANDOVER_LIBREDESK_INBOX_IDS=" + strconv.Itoa(w.demo.InboxID),
		fmt.Sprintf("HANDOVER_LIBREDESK_TEAMS=%d:%d", w.demo.InboxID, w.demo.TeamID)}
}

func (w *libredeskWorld) connect(base string) { w.l.SetWebhook(base+"/webhooks/libredesk", w.secret) }

func (w *libredeskWorld) send(ctx context.Context, visitor, text string) (string, error) {
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

func (w *libredeskWorld) seedAnswer(ctx context.Context, conv, text string) error {
	return postAnswer(ctx, w.hd, conv, text)
}

func (w *libredeskWorld) transcript(conv string) []entry {
	v, _ := w.l.ConversationByUUID(conv)
	out := make([]entry, 0, len(v.Messages))
	for _, m := range v.Messages {
		r := roleOther
		switch {
		case m.Private:
		case m.Type == "incoming":
			r = roleVisitor
		case m.Type == "outgoing" && m.SenderType == "agent" && m.SenderID == w.demo.BotID:
			r = roleBot
		}
		out = append(out, entry{r, m.CreatedAt})
	}
	return byTime(out)
}

func (w *libredeskWorld) calls() []sim.Call                  { return w.l.Calls() }
func (w *libredeskWorld) resetCalls()                        { w.l.ResetCalls() }
func (w *libredeskWorld) waitIdle(ctx context.Context) error { return w.l.WaitIdle(ctx) }
func (w *libredeskWorld) close()                             { w.l.Close() }
