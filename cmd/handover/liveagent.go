package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/handover-dev/handover/adapters/liveagent"
	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/app"
)

// newLiveAgent builds the LiveAgent adapter for serve from HANDOVER_LIVEAGENT_*; observe, if
// not nil, is called after every LiveAgent API attempt (observer(metrics, "liveagent")).
func newLiveAgent(cfg config.Config, log *slog.Logger, observe func(method string, status int)) (app.Helpdesk, error) {
	l := cfg.LiveAgent
	depts, err := liveagent.ParseDepartments(l.Departments)
	if err != nil {
		return nil, fmt.Errorf("HANDOVER_LIVEAGENT_DEPARTMENTS: %w", err)
	}
	return liveagent.New(liveagent.Config{
		BaseURL: l.URL, APIKey: l.APIKey.Value(), APIV1Key: l.APIV1Key.Value(), BotAgentID: l.BotAgentID,
		WebhookSecret: l.WebhookSecret.Value(), Departments: depts, RateLimit: l.RateLimit,
		Logger: log.With("adapter", liveagent.Name), Observe: observe,
	})
}

// liveagentSandbox builds the world of `handover sandbox --helpdesk liveagent`: a simulated
// LiveAgent account (department Chatbot with the bot agent, where the chat button starts chats;
// department Support with Alice online and Bob offline) whose rules send the bodies of
// `handover liveagent rules` to base+"/webhooks/liveagent/<secret>", and the adapter pointed at
// it, handing Chatbot's chats to Support. handler serves the simulator (API and sandbox page);
// cleanup stops its rule deliveries.
func liveagentSandbox(base string, cfg config.Config, log *slog.Logger) (hd app.Helpdesk, handler http.Handler, cleanup func(), err error) {
	key, v1Key, secret := randomToken(), randomToken(), randomToken()
	// One person clicking in a sandbox should not wait for LiveAgent's 180 requests a minute
	// (real accounts keep it: HANDOVER_LIVEAGENT_RATE_LIMIT); the sim and the adapter agree on
	// a roomier budget.
	const sandboxRateLimit = 1200
	world := sim.NewLiveAgent(sim.LiveAgentOptions{APIKey: key, APIV1Key: v1Key, BotName: cfg.BotName,
		RateLimit: sandboxRateLimit, RuleTimeout: 10 * time.Second, Logger: log.With("component", "sim")})
	demo := world.SeedDemo()
	for _, r := range liveagent.Rules(world.BotAgentID()) {
		if r.Action != "HTTP request" {
			continue // routing to the bot: the sim's Chatbot department does it
		}
		world.AddRule(sim.LiveAgentRule{Name: r.Name, Trigger: r.Trigger, Method: r.Method,
			URL: liveagent.WebhookURL(base, secret), Body: r.Body})
	}
	hd, err = liveagent.New(liveagent.Config{
		BaseURL: base, APIKey: key, APIV1Key: v1Key, BotAgentID: world.BotAgentID(), WebhookSecret: secret,
		Departments: map[string]string{demo.BotDepartment: demo.SupportDepartment},
		RateLimit:   sandboxRateLimit, Logger: log.With("adapter", liveagent.Name),
	})
	if err != nil {
		world.Close()
		return nil, nil, nil, err
	}
	return hd, world.Handler(), world.Close, nil
}

// liveagentRules prints the LiveAgent rules an administrator creates for handover (`handover
// liveagent rules`): trigger, conditions, URL (with the secret as a placeholder) and body, plus
// the optional agent-panel button. HANDOVER_LIVEAGENT_BOT_AGENT_ID, if set, fills in the bot.
func liveagentRules(w io.Writer, publicURL string) error {
	return liveagent.WriteRules(w, publicURL, os.Getenv("HANDOVER_LIVEAGENT_BOT_AGENT_ID"))
}
