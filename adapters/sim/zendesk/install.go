package zendesk

// What "handover install zendesk" calls on the simulated Zendesk: Sunshine Conversations'
// integrations, their webhooks and the switchboard (github.com/zendesk/sunshine-conversations-api-spec:
// paths/v2@apps@{appId}@integrations.yaml, …@integrations@{integrationId}@webhooks.yaml,
// …@webhooks@{webhookId}.yaml, …@switchboards.yaml, …@switchboards@{switchboardId}.yaml,
// …@switchboardIntegrations.yaml and …@switchboardIntegrations@{switchboardIntegrationId}.yaml),
// and the Support API's GET /api/v2/users/me
// (https://developer.zendesk.com/api-reference/ticketing/users/users/#show-the-currently-authenticated-user).
//
// Scopes as in the spec's security lists: integrations and switchboards are app (or account)
// scope only, so an integration key gets 403; webhooks accept an integration key of their own
// integration. A custom integration carries one webhook (integrations/custom.yaml: webhooks
// maxItems 1), and the sim holds one custom integration: handover's (Options.IntegrationID).
// The webhook's secret is generated on creation and listed with it (schemas/webhook.yaml: secret).

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/handover-dev/handover/adapters/sim"
)

// zdInstall is the install-side state of the simulated Sunshine app. Guarded by s.mu.
type zdInstall struct {
	integration       bool // handover's custom integration exists
	displayName       string
	webhook           bool // the integration has its webhook (target: Zendesk.webhookURL)
	webhookID         string
	triggers          []string
	includeFullUser   bool
	includeFullSource bool
	botLinked         bool // handover's switchboard integration exists (Zendesk.botSBI)
	switchboardID     string
	enabled           bool
	// managed: Uninstall or an API write set the webhook; before, it exists while a webhook URL
	// is set (SetWebhookURL), as in the preinstalled world.
	managed bool
}

// installState returns the install-side state, creating the preinstalled world's on first use:
// the integration with its webhook (when a webhook URL is set), linked to the switchboard.
// Callers hold s.mu.
func (z *Server) installState() *zdInstall {
	if z.inst == nil {
		z.inst = &zdInstall{
			integration: true, displayName: "handover", webhook: z.webhookURL != "", webhookID: "6b0b0b0b0b0b0b0b0b0b0b0b",
			triggers: slices.Clone(zdWebhookTriggers), includeFullUser: !z.o.NoFullUser, botLinked: true,
			switchboardID: z.newID(), enabled: true,
		}
	}
	if !z.inst.managed {
		z.inst.webhook = z.webhookURL != ""
	}
	return z.inst
}

// Uninstall turns the simulated app into one before "handover install zendesk": no custom
// integration, no webhook (no deliveries), and Agent Workspace the switchboard's only
// integration and its default. Use it with KeyScope ScopeApp: an integration key cannot
// exist without its integration.
func (z *Server) Uninstall() {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	st := z.installState()
	st.integration, st.webhook, st.botLinked, st.managed = false, false, false, true
	st.triggers, st.includeFullUser, st.includeFullSource = nil, false, false
	z.webhookURL = ""
	bot := z.botSBI()
	bot.next, bot.deliverStandby = "", false
	z.defaultSBI = z.awSBI().id
}

// WebhookSecret returns the custom integration webhook's current secret (sent as X-API-Key).
func (z *Server) WebhookSecret() string {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	return z.o.WebhookSecret
}

// installRoutes registers the install endpoints (see the file comment). Each Sunshine handler
// runs through zdRead or zdWrite: with s.mu held, after its scope and path checks.
func (z *Server) installRoutes(app string, sc, sp func(pattern string, h zdHandler)) {
	sc("GET "+app+"/integrations", z.zdRead(z.appState, z.scListIntegrations))
	sc("POST "+app+"/integrations", zdWrite(z, z.appState, z.scCreateIntegration))
	sc("POST "+app+"/integrations/{integration}/webhooks", zdWrite(z, z.integrationFor, z.scCreateWebhook))
	sc("PATCH "+app+"/integrations/{integration}/webhooks/{webhook}", zdWrite(z, z.integrationFor, z.scUpdateWebhook))
	sc("GET "+app+"/switchboards", z.zdRead(z.appState, z.scListSwitchboards))
	sc("PATCH "+app+"/switchboards/{sb}", zdWrite(z, z.switchboardFor, z.scUpdateSwitchboard))
	sc("GET "+app+"/switchboards/{sb}/switchboardIntegrations", z.zdRead(z.switchboardFor, z.scListSBIs))
	sc("POST "+app+"/switchboards/{sb}/switchboardIntegrations", zdWrite(z, z.switchboardFor, z.scCreateSBI))
	sc("PATCH "+app+"/switchboards/{sb}/switchboardIntegrations/{sbi}", zdWrite(z, z.switchboardFor, z.scUpdateSBI))
	sp("GET /api/v2/users/me", z.spMe)
}

// zdAt checks an install call's scope and path, writing the error itself; it returns the
// install state and whether the call may go on. Callers hold s.mu.
type zdAt func(w http.ResponseWriter, r *http.Request) (*zdInstall, bool)

// zdRead is the prelude of an install handler: s.mu held, then at's checks, then h.
func (z *Server) zdRead(at zdAt, h func(w http.ResponseWriter, r *http.Request, st *zdInstall)) zdHandler {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		z.s.Mu.Lock()
		defer z.s.Mu.Unlock()
		if st, ok := at(w, r); ok {
			h(w, r, st)
		}
	}
}

// zdWrite is zdRead for a call with a JSON body: the body decoded into an In first (a 400
// "Invalid body" when it is not one).
func zdWrite[In any](z *Server, at zdAt, h func(w http.ResponseWriter, r *http.Request, st *zdInstall, in In)) zdHandler {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		var in In
		if err := json.Unmarshal(body, &in); err != nil {
			zdError(w, http.StatusBadRequest, "bad_request", "Invalid body")
			return
		}
		z.zdRead(at, func(w http.ResponseWriter, r *http.Request, st *zdInstall) { h(w, r, st, in) })(w, r, body)
	}
}

// zdBadRequest writes the 400 of problem p unless p is ""; it reports whether it wrote one.
func zdBadRequest(w http.ResponseWriter, p string) bool {
	if p == "" {
		return false
	}
	zdError(w, http.StatusBadRequest, "bad_request", p)
	return true
}

// appState is the zdAt of an app-scoped endpoint: a 403 for an integration key. Callers hold s.mu.
func (z *Server) appState(w http.ResponseWriter, _ *http.Request) (*zdInstall, bool) {
	if z.o.KeyScope == ScopeIntegration {
		zdError(w, http.StatusForbidden, "forbidden", "Insufficient scope: this endpoint needs an app or account key")
		return nil, false
	}
	return z.installState(), true
}

// webhookJSON is webhook.yaml, secret included.
func (z *Server) webhookJSON(st *zdInstall) map[string]any {
	return map[string]any{"id": st.webhookID, "version": "v2", "target": z.webhookURL, "triggers": slices.Clone(st.triggers),
		"secret": z.o.WebhookSecret, "includeFullUser": st.includeFullUser, "includeFullSource": st.includeFullSource}
}

// integrationJSON is integrations/custom.yaml.
func (z *Server) integrationJSON(st *zdInstall) map[string]any {
	hooks := []any{}
	if st.webhook {
		hooks = append(hooks, z.webhookJSON(st))
	}
	return map[string]any{"id": z.o.IntegrationID, "type": "custom", "status": "active", "displayName": st.displayName, "webhooks": hooks}
}

// zdWebhookIn is webhookBody.yaml.
type zdWebhookIn struct {
	Target            *string   `json:"target"`
	Triggers          *[]string `json:"triggers"`
	IncludeFullUser   *bool     `json:"includeFullUser"`
	IncludeFullSource *bool     `json:"includeFullSource"`
}

// apply sets the webhook from in; create requires target and triggers (webhookCreateBody.yaml).
// It returns the problem, "" when none. Callers hold s.mu.
func (z *Server) applyWebhook(st *zdInstall, in zdWebhookIn, create bool) string {
	if create && (in.Target == nil || *in.Target == "" || in.Triggers == nil || len(*in.Triggers) == 0) {
		return "target and triggers are required"
	}
	if in.Target != nil {
		if *in.Target == "" {
			return "target must be a URL"
		}
		z.webhookURL = *in.Target
	}
	if in.Triggers != nil {
		st.triggers = slices.Clone(*in.Triggers)
	}
	if in.IncludeFullUser != nil {
		st.includeFullUser = *in.IncludeFullUser
	}
	if in.IncludeFullSource != nil {
		st.includeFullSource = *in.IncludeFullSource
	}
	st.managed = true
	if create {
		st.webhook = true
		st.webhookID = z.newID()
		z.o.WebhookSecret = z.newID() + z.newID()[:8]
	}
	// Agent Workspace's switchboard events carry no full user: the sim's own flag follows the
	// webhook's.
	z.o.NoFullUser = !st.includeFullUser
	return ""
}

// GET …/integrations (List Integrations; filter[types]): app scope.
func (z *Server) scListIntegrations(w http.ResponseWriter, r *http.Request, st *zdInstall) {
	out := []any{}
	if types := r.URL.Query().Get("filter[types]"); st.integration && (types == "" || slices.Contains(splitComma(types), "custom")) {
		out = append(out, z.integrationJSON(st))
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"integrations": out, "meta": map[string]any{"hasMore": false}, "links": map[string]any{}})
}

// zdIntegrationIn is the body of Create Integration.
type zdIntegrationIn struct {
	Type        string        `json:"type"`
	DisplayName string        `json:"displayName"`
	Webhooks    []zdWebhookIn `json:"webhooks"`
}

// POST …/integrations {type: "custom", displayName, webhooks: [one]} → 201 {integration}: app
// scope; the webhook's secret is in the answer.
func (z *Server) scCreateIntegration(w http.ResponseWriter, _ *http.Request, st *zdInstall, in zdIntegrationIn) {
	switch {
	case in.Type != "custom":
		zdError(w, http.StatusBadRequest, "bad_request", "The simulator creates custom integrations only")
		return
	case len(in.Webhooks) != 1:
		zdError(w, http.StatusBadRequest, "bad_request", "webhooks must hold exactly one webhook")
		return
	case st.integration:
		zdError(w, http.StatusConflict, "conflict", "The simulator holds one custom integration, and it exists")
		return
	}
	if zdBadRequest(w, z.applyWebhook(st, in.Webhooks[0], true)) {
		return
	}
	st.integration, st.displayName = true, in.DisplayName
	sim.WriteJSON(w, http.StatusCreated, map[string]any{"integration": z.integrationJSON(st)})
}

// integrationFor checks the path's integration against the key: 404 when it does not exist.
// Callers hold s.mu.
func (z *Server) integrationFor(w http.ResponseWriter, r *http.Request) (*zdInstall, bool) {
	st := z.installState()
	if r.PathValue("integration") != z.o.IntegrationID || !st.integration {
		zdError(w, http.StatusNotFound, "integration_not_found", "Integration not found")
		return nil, false
	}
	return st, true
}

// scListWebhooksInstalled is List Webhooks: {webhooks: [webhook.yaml]}, the secret included.
// (Registered in zendesk_api.go.)
func (z *Server) scListWebhooksInstalled(w http.ResponseWriter, r *http.Request, body []byte) {
	z.zdRead(z.integrationFor, func(w http.ResponseWriter, _ *http.Request, st *zdInstall) {
		sim.WriteJSON(w, http.StatusOK, map[string]any{"webhooks": z.integrationJSON(st)["webhooks"]})
	})(w, r, body)
}

// POST …/integrations/{integration}/webhooks → 201 {webhook} with its secret.
func (z *Server) scCreateWebhook(w http.ResponseWriter, _ *http.Request, st *zdInstall, in zdWebhookIn) {
	if st.webhook {
		zdBadRequest(w, "A custom integration has one webhook: update it")
		return
	}
	if zdBadRequest(w, z.applyWebhook(st, in, true)) {
		return
	}
	sim.WriteJSON(w, http.StatusCreated, map[string]any{"webhook": z.webhookJSON(st)})
}

// PATCH …/webhooks/{webhook} {target, triggers, includeFullUser, includeFullSource} → 200 {webhook}.
func (z *Server) scUpdateWebhook(w http.ResponseWriter, r *http.Request, st *zdInstall, in zdWebhookIn) {
	if !st.webhook || r.PathValue("webhook") != st.webhookID {
		zdError(w, http.StatusNotFound, "webhook_not_found", "Webhook not found")
		return
	}
	if zdBadRequest(w, z.applyWebhook(st, in, false)) {
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"webhook": z.webhookJSON(st)})
}

func (z *Server) switchboardJSON(st *zdInstall) map[string]any {
	return map[string]any{"id": st.switchboardID, "enabled": st.enabled, "defaultSwitchboardIntegrationId": z.defaultSBI}
}

// sbiAPIJSON is switchboardIntegration.yaml.
func (z *Server) sbiAPIJSON(x *zdSBI) map[string]any {
	out := map[string]any{"id": x.id, "name": x.name, "integrationType": x.integrationType,
		"deliverStandbyEvents": x.deliverStandby, "nextSwitchboardIntegrationId": x.next, "messageHistoryCount": 10}
	if x.integrationType == "custom" {
		out["integrationId"] = x.integrationID
	}
	return out
}

// GET …/switchboards → {switchboards: [switchboard]}: app scope.
func (z *Server) scListSwitchboards(w http.ResponseWriter, _ *http.Request, st *zdInstall) {
	sim.WriteJSON(w, http.StatusOK, map[string]any{"switchboards": []any{z.switchboardJSON(st)}})
}

// switchboardFor checks the scope and the path's switchboard. Callers hold s.mu.
func (z *Server) switchboardFor(w http.ResponseWriter, r *http.Request) (*zdInstall, bool) {
	st, ok := z.appState(w, r)
	if !ok {
		return nil, false
	}
	if r.PathValue("sb") != st.switchboardID {
		zdError(w, http.StatusNotFound, "switchboard_not_found", "Switchboard not found")
		return nil, false
	}
	return st, true
}

// visibleSBI finds a switchboard integration by id, handover's only once linked. Callers hold s.mu.
func (z *Server) visibleSBI(st *zdInstall, id string) *zdSBI {
	x := z.sbi(id)
	if x == nil || (x == z.botSBI() && !st.botLinked) {
		return nil
	}
	return x
}

// zdSwitchboardIn is the body of Update Switchboard.
type zdSwitchboardIn struct {
	Enabled *bool   `json:"enabled"`
	Default *string `json:"defaultSwitchboardIntegrationId"`
}

// PATCH …/switchboards/{sb} {enabled, defaultSwitchboardIntegrationId} → 200 {switchboard}.
func (z *Server) scUpdateSwitchboard(w http.ResponseWriter, _ *http.Request, st *zdInstall, in zdSwitchboardIn) {
	if in.Default != nil {
		if z.visibleSBI(st, *in.Default) == nil {
			zdBadRequest(w, "defaultSwitchboardIntegrationId names no switchboard integration")
			return
		}
		z.defaultSBI = *in.Default
	}
	if in.Enabled != nil {
		st.enabled = *in.Enabled
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"switchboard": z.switchboardJSON(st)})
}

// GET …/switchboardIntegrations → {switchboardIntegrations: [...]}.
func (z *Server) scListSBIs(w http.ResponseWriter, _ *http.Request, st *zdInstall) {
	out := []any{}
	for _, x := range z.sbis {
		if z.visibleSBI(st, x.id) != nil {
			out = append(out, z.sbiAPIJSON(x))
		}
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"switchboardIntegrations": out})
}

// zdSBIIn is switchboardIntegrationCreateBody.yaml / …UpdateBody.yaml.
type zdSBIIn struct {
	Name            *string `json:"name"`
	IntegrationID   string  `json:"integrationId"`
	IntegrationType string  `json:"integrationType"`
	DeliverStandby  *bool   `json:"deliverStandbyEvents"`
	Next            *string `json:"nextSwitchboardIntegrationId"`
}

// applySBI sets x from in; "" or the problem. Callers hold s.mu.
func (z *Server) applySBI(st *zdInstall, x *zdSBI, in zdSBIIn) string {
	if in.Next != nil && *in.Next != "" && z.visibleSBI(st, *in.Next) == nil {
		return "nextSwitchboardIntegrationId names no switchboard integration"
	}
	if in.Name != nil {
		x.name = *in.Name
	}
	if in.DeliverStandby != nil {
		x.deliverStandby = *in.DeliverStandby
	}
	if in.Next != nil {
		x.next = *in.Next
	}
	return ""
}

// POST …/switchboardIntegrations {name, integrationId, deliverStandbyEvents (default true),
// nextSwitchboardIntegrationId} → 201 {switchboardIntegration}. The sim links handover's
// custom integration only.
func (z *Server) scCreateSBI(w http.ResponseWriter, _ *http.Request, st *zdInstall, in zdSBIIn) {
	switch {
	case in.Name == nil || *in.Name == "":
		zdBadRequest(w, "name is required")
		return
	case in.IntegrationID == "" && in.IntegrationType == "":
		zdBadRequest(w, "One of integrationId or integrationType is required")
		return
	case in.IntegrationID != z.o.IntegrationID || !st.integration:
		zdBadRequest(w, "integrationId names no integration the simulator can link")
		return
	case st.botLinked:
		zdError(w, http.StatusConflict, "conflict", "The integration is already linked to the switchboard")
		return
	}
	bot := z.botSBI()
	if in.DeliverStandby == nil {
		t := true
		in.DeliverStandby = &t
	}
	if zdBadRequest(w, z.applySBI(st, bot, in)) {
		return
	}
	st.botLinked = true
	sim.WriteJSON(w, http.StatusCreated, map[string]any{"switchboardIntegration": z.sbiAPIJSON(bot)})
}

// PATCH …/switchboardIntegrations/{sbi} {name, deliverStandbyEvents, nextSwitchboardIntegrationId}
// → 200 {switchboardIntegration}.
func (z *Server) scUpdateSBI(w http.ResponseWriter, r *http.Request, st *zdInstall, in zdSBIIn) {
	x := z.visibleSBI(st, r.PathValue("sbi"))
	if x == nil {
		zdError(w, http.StatusNotFound, "switchboard_integration_not_found", "Switchboard integration not found")
		return
	}
	if zdBadRequest(w, z.applySBI(st, x, in)) {
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"switchboardIntegration": z.sbiAPIJSON(x)})
}

// GET /api/v2/users/me: the token's user, an admin.
func (z *Server) spMe(w http.ResponseWriter, _ *http.Request, _ []byte) {
	sim.WriteJSON(w, http.StatusOK, map[string]any{"user": map[string]any{"id": 1, "name": "Admin", "email": z.o.SupportEmail, "role": "admin", "active": true}})
}

// splitComma splits a comma-separated query value.
func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
