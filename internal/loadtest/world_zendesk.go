package loadtest

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/adapters/zendesk"
	"github.com/handover-dev/handover/handover"
)

// zendeskWorld is the simulated Zendesk: Sunshine Conversations with
// handover's switchboard integration in control of new conversations, and
// group Support in Agent Workspace as the human queue.
type zendeskWorld struct {
	z                                  *sim.Zendesk
	demo                               sim.ZendeskDemo
	url, keyID, keySecret, hook, token string
	hd                                 handover.Helpdesk
}

const zendeskEmail = "admin@example.com"

func newZendeskWorld(simURL string) (world, error) {
	w := &zendeskWorld{url: simURL, keyID: "app_" + token()[:12], keySecret: token(), hook: token(), token: token()}
	w.z = sim.NewZendesk(sim.ZendeskOptions{KeyID: w.keyID, KeySecret: w.keySecret, WebhookSecret: w.hook,
		SupportEmail: zendeskEmail, SupportToken: w.token, RetryWait: 3 * time.Second})
	w.demo = w.z.SeedDemo()
	hd, err := zendesk.New(zendesk.Config{BaseURL: simURL, AppID: w.z.AppID(), KeyID: w.keyID, KeySecret: w.keySecret,
		IntegrationID: w.z.IntegrationID(), WebhookSecret: w.hook, Email: zendeskEmail, APIToken: w.token,
		GroupID: strconv.Itoa(w.demo.GroupID), BotName: "AI assistant"})
	if err != nil {
		w.z.Close()
		return nil, err
	}
	w.hd = hd
	return w, nil
}

func (w *zendeskWorld) handler() http.Handler { return w.z.Handler() }

func (w *zendeskWorld) env() []string {
	return []string{"HANDOVER_HELPDESK=zendesk", "HANDOVER_ZENDESK_URL=" + w.url, "HANDOVER_ZENDESK_APP_ID=" + w.z.AppID(),
		"HANDOVER_ZENDESK_KEY_ID=" + w.keyID, "HANDOVER_ZENDESK_KEY_SECRET=" + w.keySecret,
		"HANDOVER_ZENDESK_INTEGRATION_ID=" + w.z.IntegrationID(), "HANDOVER_ZENDESK_WEBHOOK_SECRET=" + w.hook,
		"HANDOVER_ZENDESK_EMAIL=" + zendeskEmail, "HANDOVER_ZENDESK_API_TOKEN=" + w.token,
		"HANDOVER_ZENDESK_GROUP_ID=" + strconv.Itoa(w.demo.GroupID)}
}

func (w *zendeskWorld) connect(base string) { w.z.SetWebhookURL(base + "/webhooks/zendesk") }

func (w *zendeskWorld) send(ctx context.Context, visitor, text string) (string, error) {
	id, _, err := w.z.VisitorSend(ctx, visitor, text)
	return id, err
}

func (w *zendeskWorld) seedAnswer(ctx context.Context, conv, text string) error {
	return postAnswer(ctx, w.hd, conv, text)
}

func (w *zendeskWorld) transcript(conv string) []entry {
	v, _ := w.z.Conversation(conv)
	out := make([]entry, 0, len(v.Messages))
	for _, m := range v.Messages {
		r := roleOther
		switch m.AuthorType {
		case "user":
			r = roleVisitor
		case "business": // the run has no human agents: every business message is the bot's
			r = roleBot
		}
		out = append(out, entry{r, m.Received})
	}
	return byTime(out)
}

func (w *zendeskWorld) calls() []sim.Call                  { return w.z.Calls() }
func (w *zendeskWorld) resetCalls()                        { w.z.ResetCalls() }
func (w *zendeskWorld) waitIdle(ctx context.Context) error { return w.z.WaitIdle(ctx) }
func (w *zendeskWorld) close()                             { w.z.Close() }
