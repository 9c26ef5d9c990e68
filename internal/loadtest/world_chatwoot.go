package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/handover-dev/handover/adapters/chatwoot"
	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/handover"
)

// chatwootWorld is the simulated Chatwoot: inbox "Website" with the agent
// bot connected, team Support as its human queue.
type chatwootWorld struct {
	s                      *sim.Server
	demo                   sim.Demo
	url, bot, user, secret string
	hd                     handover.Helpdesk
}

func newChatwootWorld(simURL string) (world, error) {
	w := &chatwootWorld{url: simURL, bot: token(), user: token(), secret: token()}
	w.s = sim.New(sim.Options{AccountID: 1, BotToken: w.bot, UserToken: w.user, WebhookSecret: w.secret, KeepPendingOnBotFailure: true})
	w.demo = w.s.SeedDemo()
	hd, err := chatwoot.New(chatwoot.Config{BaseURL: simURL, AccountID: 1, BotToken: w.bot, UserToken: w.user,
		WebhookSecret: w.secret, Teams: map[int]int{w.demo.InboxID: w.demo.TeamID}})
	if err != nil {
		w.s.Close()
		return nil, err
	}
	w.hd = hd
	return w, nil
}

func (w *chatwootWorld) handler() http.Handler { return w.s.Handler() }

func (w *chatwootWorld) env() []string {
	return []string{"HANDOVER_HELPDESK=chatwoot", "HANDOVER_CHATWOOT_URL=" + w.url, "HANDOVER_CHATWOOT_ACCOUNT_ID=1",
		"HANDOVER_CHATWOOT_BOT_TOKEN=" + w.bot, "HANDOVER_CHATWOOT_USER_TOKEN=" + w.user,
		"HANDOVER_CHATWOOT_WEBHOOK_SECRET=" + w.secret, fmt.Sprintf("HANDOVER_CHATWOOT_TEAMS=%d:%d", w.demo.InboxID, w.demo.TeamID)}
}

func (w *chatwootWorld) connect(base string) { w.s.SetWebhookURL(base + "/webhooks/chatwoot") }

func (w *chatwootWorld) send(ctx context.Context, visitor, text string) (string, error) {
	id, _, err := w.s.VisitorSend(ctx, w.demo.InboxID, visitor, text)
	return strconv.Itoa(id), err
}

func (w *chatwootWorld) seedAnswer(ctx context.Context, conv, text string) error {
	return postAnswer(ctx, w.hd, conv, text)
}

func (w *chatwootWorld) transcript(conv string) []entry {
	id, _ := strconv.Atoi(conv)
	v, _ := w.s.Conversation(id)
	out := make([]entry, 0, len(v.Messages))
	for _, m := range v.Messages {
		r := roleOther
		switch {
		case m.Private:
		case m.Type == "incoming" && m.SenderType == "contact":
			r = roleVisitor
		case m.Type == "outgoing" && m.SenderType == "agent_bot":
			r = roleBot
		}
		out = append(out, entry{r, m.CreatedAt})
	}
	return byTime(out)
}

func (w *chatwootWorld) calls() []sim.Call                  { return w.s.Calls() }
func (w *chatwootWorld) resetCalls()                        { w.s.ResetCalls() }
func (w *chatwootWorld) waitIdle(ctx context.Context) error { return w.s.WaitIdle(ctx) }
func (w *chatwootWorld) close()                             { w.s.Close() }
