package main

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/handover-dev/handover/adapters/libredesk"
	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/app"
)

// newLibredesk builds the Libredesk adapter for serve from HANDOVER_LIBREDESK_*. observe, if
// not nil, counts its API calls (observer(metrics, "libredesk")).
func newLibredesk(cfg config.Config, log *slog.Logger, observe func(method string, status int)) (app.Helpdesk, error) {
	l := cfg.Libredesk
	inboxes, err := l.Inboxes()
	if err != nil {
		return nil, fmt.Errorf("HANDOVER_LIBREDESK_INBOX_IDS: %w", err)
	}
	return libredesk.New(libredesk.Config{
		BaseURL: l.URL, APIKey: l.APIKey.Value(), APISecret: l.APISecret.Value(), BotAgentID: l.BotAgentID,
		WebhookSecret: l.WebhookSecret.Value(), InboxIDs: inboxes, Teams: l.Teams, AssignAgent: l.AssignAgent,
		Logger: log.With("adapter", libredesk.Name), Observe: observe,
	})
}

// libredeskSandbox builds the world of `handover sandbox --helpdesk libredesk`: a simulated
// Libredesk (live-chat inbox Website, team Support with Alice online and Bob offline, the bot
// agent with an API key, the tag offline-message) that sends its signed webhooks to
// base+"/webhooks/libredesk", and the adapter pointed at it. handler serves the simulator (API
// and sandbox page); cleanup stops its deliveries. observe may be nil.
func libredeskSandbox(base string, cfg config.Config, log *slog.Logger, observe func(method string, status int)) (hd app.Helpdesk, handler http.Handler, cleanup func(), err error) {
	secret := randomToken()
	world := sim.NewLibredesk(sim.LibredeskOptions{WebhookSecret: secret, BotName: cfg.BotName, Logger: log.With("component", "sim")})
	demo := world.SeedDemo()
	world.SetWebhook(base+"/webhooks/"+libredesk.Name, secret)
	hd, err = libredesk.New(libredesk.Config{
		BaseURL: base, APIKey: demo.APIKey, APISecret: demo.APISecret, BotAgentID: demo.BotID,
		WebhookSecret: secret, InboxIDs: []int{demo.InboxID}, Teams: map[int]int{demo.InboxID: demo.TeamID},
		Logger: log.With("adapter", libredesk.Name), Observe: observe,
	})
	if err != nil {
		world.Close()
		return nil, nil, nil, err
	}
	return hd, world.Handler(), world.Close, nil
}
