package loadtest

import (
	"context"
	"net/http"
	"strconv"

	"github.com/handover-dev/handover/adapters/liveagent"
	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/handover"
)

// liveAgentRateLimit is the API budget a minute of the simulated LiveAgent
// and of the adapter in a load run: far above LiveAgent's 180, so the run
// measures the service, not the budget (the report shows what a turn costs
// against 180).
const liveAgentRateLimit = 1_000_000

// liveAgentWorld is the simulated LiveAgent account: department Chatbot
// with the bot agent (where chats start), department Support as the human
// queue, and the rules of `handover liveagent rules`.
type liveAgentWorld struct {
	la                 *sim.LiveAgent
	demo               sim.LiveAgentDemo
	url, key, v1, hook string
	hd                 handover.Helpdesk
}

func newLiveAgentWorld(simURL string) (world, error) {
	w := &liveAgentWorld{url: simURL, key: token(), v1: token(), hook: token()}
	w.la = sim.NewLiveAgent(sim.LiveAgentOptions{APIKey: w.key, APIV1Key: w.v1, RateLimit: -1})
	w.demo = w.la.SeedDemo()
	hd, err := liveagent.New(liveagent.Config{BaseURL: simURL, APIKey: w.key, APIV1Key: w.v1, BotAgentID: w.la.BotAgentID(),
		WebhookSecret: w.hook, Departments: map[string]string{w.demo.BotDepartment: w.demo.SupportDepartment},
		RateLimit: liveAgentRateLimit})
	if err != nil {
		w.la.Close()
		return nil, err
	}
	w.hd = hd
	return w, nil
}

func (w *liveAgentWorld) handler() http.Handler { return w.la.Handler() }

func (w *liveAgentWorld) env() []string {
	return []string{"HANDOVER_HELPDESK=liveagent", "HANDOVER_LIVEAGENT_URL=" + w.url,
		"HANDOVER_LIVEAGENT_API_KEY=" + w.key, "HANDOVER_LIVEAGENT_API_V1_KEY=" + w.v1,
		"HANDOVER_LIVEAGENT_BOT_AGENT_ID=" + w.la.BotAgentID(), "HANDOVER_LIVEAGENT_WEBHOOK_SECRET=" + w.hook,
		"HANDOVER_LIVEAGENT_DEPARTMENTS=" + w.demo.BotDepartment + ":" + w.demo.SupportDepartment,
		"HANDOVER_LIVEAGENT_RATE_LIMIT=" + strconv.Itoa(liveAgentRateLimit)}
}

// connect creates the rules' HTTP request actions, as an administrator
// would from `handover liveagent rules`.
func (w *liveAgentWorld) connect(base string) {
	for _, r := range liveagent.Rules(w.la.BotAgentID()) {
		if r.Action != "HTTP request" {
			continue // routing to the bot: the sim's Chatbot department does it
		}
		w.la.AddRule(sim.LiveAgentRule{Name: r.Name, Trigger: r.Trigger, Method: r.Method,
			URL: liveagent.WebhookURL(base, w.hook), Body: r.Body})
	}
}

func (w *liveAgentWorld) send(ctx context.Context, visitor, text string) (string, error) {
	id, _, err := w.la.VisitorSend(ctx, "", visitor, text)
	return id, err
}

func (w *liveAgentWorld) seedAnswer(ctx context.Context, conv, text string) error {
	return postAnswer(ctx, w.hd, conv, text)
}

func (w *liveAgentWorld) transcript(conv string) []entry {
	tk, _ := w.la.Ticket(conv)
	out := make([]entry, 0, len(tk.Messages))
	for _, m := range tk.Messages {
		r := roleOther
		switch {
		case m.Note:
		case m.Role == "visitor":
			r = roleVisitor
		case m.Role == "bot":
			r = roleBot
		}
		out = append(out, entry{r, m.CreatedAt})
	}
	return byTime(out)
}

func (w *liveAgentWorld) calls() []sim.Call                  { return w.la.Calls() }
func (w *liveAgentWorld) resetCalls()                        { w.la.ResetCalls() }
func (w *liveAgentWorld) waitIdle(ctx context.Context) error { return w.la.WaitIdle(ctx) }
func (w *liveAgentWorld) close()                             { w.la.Close() }
