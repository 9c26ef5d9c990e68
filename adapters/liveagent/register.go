package liveagent

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/simkit"
	"github.com/handover-dev/handover/adapters/sim"
)

// Descriptor registers the LiveAgent adapter (adapters/all).
var Descriptor = helpdesk.Descriptor{
	Name:     Name,
	Settings: func() helpdesk.Settings { return &Settings{} },
	New:      newFromSettings,
	Sandbox:  newWorld,
	Commands: []helpdesk.Command{{
		Name:  "rules",
		Usage: "print the LiveAgent rules to create (uses HANDOVER_PUBLIC_URL)",
		// The rules with the secret as a placeholder, plus the optional agent-panel button;
		// HANDOVER_LIVEAGENT_BOT_AGENT_ID, if set, fills in the bot.
		Run: func(w io.Writer, publicURL string, s helpdesk.Settings) error {
			return WriteRules(w, publicURL, s.(*Settings).BotAgentID)
		},
	}},
	// The rules fire "message added" for every message, the bot's own included, and "chat
	// started" besides for a chat's first message (Rules).
	Reference: helpdesk.ReferenceTraits{
		SelfEcho: true,
		Repeat: func(body []byte) bool {
			var b struct {
				Event string `json:"event"`
			}
			return json.Unmarshal(body, &b) == nil && b.Event == EventChatStarted
		},
	},
	LoadNote: budgetNote,
}

// budgetNote relates the calls per turn to LiveAgent's documented budget of 180 requests a
// minute per API key (v3 and v1 keys count separately).
func budgetNote(perTurn map[string]float64) string {
	var v3, v1 float64
	for endpoint, n := range perTurn {
		if strings.Contains(endpoint, " /api/v3/") {
			v3 += n
		} else {
			v1 += n
		}
	}
	worst := max(v3, v1)
	if worst == 0 {
		return ""
	}
	return fmt.Sprintf("LiveAgent budget: %.2f v3 + %.2f v1 requests per turn; at 180 requests a minute per key, at most %.0f plain turns a minute",
		v3, v1, 180/worst)
}

const (
	// sandboxRateLimit: one person clicking in a sandbox should not wait for LiveAgent's 180
	// requests a minute (real accounts keep it: HANDOVER_LIVEAGENT_RATE_LIMIT); the sim and the
	// adapter agree on a roomier budget.
	sandboxRateLimit = 1200
	// benchmarkRateLimit is the adapter's budget in a load run: far above LiveAgent's 180, so the
	// run measures the service, not the budget (the report shows what a turn costs against
	// 180). The simulator enforces none.
	benchmarkRateLimit = 1_000_000
)

// world is the simulated LiveAgent account: department Chatbot with the bot agent, where the
// chat button starts chats; department Support (Alice online, Bob offline) as the human queue;
// the rules of "handover liveagent rules" once connected.
type world struct {
	la       *sim.LiveAgent
	demo     sim.LiveAgentDemo
	settings *Settings
}

func newWorld(o helpdesk.SandboxOptions) (helpdesk.World, error) {
	key, v1Key, secret := simkit.Token(), simkit.Token(), simkit.Token()
	simLimit, limit := sandboxRateLimit, sandboxRateLimit
	opts := sim.LiveAgentOptions{APIKey: key, APIV1Key: v1Key, BotName: o.BotName, RuleTimeout: 10 * time.Second, Logger: simkit.Logger(o.Logger)}
	if o.Benchmark {
		simLimit, limit, opts.RuleTimeout = -1, benchmarkRateLimit, 0
	}
	opts.RateLimit = simLimit
	w := &world{la: sim.NewLiveAgent(opts)}
	w.demo = w.la.SeedDemo()
	w.settings = &Settings{URL: o.SimURL, APIKey: helpdesk.Secret(key), APIV1Key: helpdesk.Secret(v1Key),
		BotAgentID: w.la.BotAgentID(), WebhookSecret: helpdesk.Secret(secret),
		Departments: w.demo.BotDepartment + ":" + w.demo.SupportDepartment, RateLimit: limit}
	return w, nil
}

func (w *world) Handler() http.Handler              { return w.la.Handler() }
func (w *world) Settings() helpdesk.Settings        { return w.settings }
func (w *world) Calls() []helpdesk.Call             { return simkit.Calls(w.la.Calls()) }
func (w *world) ResetCalls()                        { w.la.ResetCalls() }
func (w *world) WaitIdle(ctx context.Context) error { return w.la.WaitIdle(ctx) }
func (w *world) Close()                             { w.la.Close() }

// Connect creates the rules' HTTP request actions, as an administrator would from "handover
// liveagent rules".
func (w *world) Connect(base string) {
	for _, r := range Rules(w.la.BotAgentID()) {
		if r.Action != "HTTP request" {
			continue // routing to the bot: the sim's Chatbot department does it
		}
		w.la.AddRule(sim.LiveAgentRule{Name: r.Name, Trigger: r.Trigger, Method: r.Method,
			URL: WebhookURL(base, w.settings.WebhookSecret.Value()), Body: r.Body})
	}
}

func (w *world) Send(ctx context.Context, visitor, text string) (string, error) {
	id, _, err := w.la.VisitorSend(ctx, "", visitor, text)
	return id, err
}

func (w *world) Transcript(conv string) []helpdesk.Entry {
	tk, _ := w.la.Ticket(conv)
	out := make([]helpdesk.Entry, 0, len(tk.Messages))
	for _, m := range tk.Messages {
		r := helpdesk.RoleOther
		switch {
		case m.Note:
		case m.Role == "visitor":
			r = helpdesk.RoleVisitor
		case m.Role == "bot":
			r = helpdesk.RoleBot
		}
		out = append(out, helpdesk.Entry{Role: r, At: m.CreatedAt})
	}
	return helpdesk.SortEntries(out)
}
