package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/adapters/zendesk"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/app"
)

// newZendesk builds the Zendesk adapter for serve from HANDOVER_ZENDESK_*. observe (may be nil)
// receives every HTTP attempt: the helpdesk-calls metric.
func newZendesk(cfg config.Config, log *slog.Logger, observe func(method string, status int)) (app.Helpdesk, error) {
	z := cfg.Zendesk
	hours, err := zendesk.ParseHours(z.Hours, z.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("HANDOVER_ZENDESK_HOURS: %w", err)
	}
	return zendesk.New(zendesk.Config{
		Subdomain: z.Subdomain, BaseURL: z.URL, AppID: z.AppID,
		KeyID: z.KeyID, KeySecret: z.KeySecret.Value(), IntegrationID: z.IntegrationID,
		WebhookSecret: z.WebhookSecret.Value(), Email: z.Email, APIToken: z.APIToken.Value(),
		GroupID: z.GroupID, Hours: hours, BotName: cfg.BotName, Buttons: z.Buttons,
		Logger: log.With("adapter", zendesk.Name), Observe: observe,
	})
}

// zendeskSandbox builds the world of `handover sandbox --helpdesk zendesk`: a simulated Zendesk
// (Sunshine Conversations with its switchboard, Agent Workspace agents Alice online and Bob
// offline in group Support, the Support API) that sends its webhooks to base+"/webhooks/zendesk",
// and the adapter pointed at it. handler serves the simulator (API and sandbox page); cleanup
// stops its deliveries. observe (may be nil) receives every HTTP attempt of the adapter.
func zendeskSandbox(base string, cfg config.Config, log *slog.Logger, observe func(method string, status int)) (hd app.Helpdesk, handler http.Handler, cleanup func(), err error) {
	keyID, keySecret, webhookSecret, token := "app_"+randomToken()[:12], randomToken(), randomToken(), randomToken()
	world := sim.NewZendesk(sim.ZendeskOptions{
		KeyID: keyID, KeySecret: keySecret, WebhookSecret: webhookSecret,
		SupportEmail: "admin@example.com", SupportToken: token,
		RetryWait: 3 * time.Second, Logger: log.With("component", "sim"),
	})
	demo := world.SeedDemo()
	world.SetWebhookURL(base + "/webhooks/" + zendesk.Name)
	hd, err = zendesk.New(zendesk.Config{
		BaseURL: base, AppID: world.AppID(), KeyID: keyID, KeySecret: keySecret,
		IntegrationID: world.IntegrationID(), WebhookSecret: webhookSecret,
		Email: "admin@example.com", APIToken: token, GroupID: strconv.Itoa(demo.GroupID),
		BotName: cfg.BotName, Buttons: cfg.Zendesk.Buttons, Logger: log.With("adapter", zendesk.Name), Observe: observe,
	})
	if err != nil {
		world.Close()
		return nil, nil, nil, err
	}
	return hd, world.Handler(), world.Close, nil
}
