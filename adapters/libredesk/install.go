package libredesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// WebhookName is the name "handover install libredesk" gives the webhook it creates.
const WebhookName = "handover"

// passwordDummy is Libredesk's stringutil.PasswordDummy: a webhook's secret is answered as ten
// of them, and an update whose secret contains one keeps the stored secret
// (internal/webhook/webhook.go Update).
const passwordDummy = "•"

// Install is Descriptor.Install: with the bot agent's key pair (HANDOVER_LIBREDESK_API_KEY and
// _API_SECRET) it
//
//  1. checks the bot agent's role (GET /api/v1/agents/me: the permissions doctor checks) and
//     records its id as HANDOVER_LIBREDESK_BOT_AGENT_ID; a missing permission is a manual step;
//  2. makes sure a webhook at in.WebhookURL is active with the seven Events and the secret
//     HANDOVER_LIBREDESK_WEBHOOK_SECRET (GET, POST /api/v1/webhooks, PUT /api/v1/webhooks/{id};
//     webhooks:manage, else a manual step). Libredesk never answers a webhook's secret, so a
//     webhook found with its events is "already" when the secret is already set here, and is
//     given a new secret otherwise;
//  3. makes sure the tag offline-message (TagOffline) exists (GET, POST /api/v1/tags;
//     tags:manage, else a manual step).
//
// -inbox 1,2 records HANDOVER_LIBREDESK_INBOX_IDS. Sources (abhinavxd/libredesk):
// cmd/handlers.go (routes and permissions), cmd/webhooks.go, internal/webhook/models/models.go,
// cmd/tags.go; docs/helpdesks/libredesk.md "Install".
func Install(ctx context.Context, hs helpdesk.Settings, in *helpdesk.Installation) error {
	s, ok := hs.(*Settings)
	if !ok {
		return fmt.Errorf("libredesk install: settings of type %T", hs)
	}
	fs := in.FlagSet(Name)
	inboxFlag := fs.String("inbox", "", "comma-separated ids of the live-chat inboxes the bot serves (HANDOVER_LIBREDESK_INBOX_IDS)")
	if err := in.ParseFlags(fs); err != nil {
		return err
	}
	if strings.TrimSpace(*inboxFlag) != "" {
		probe := Settings{InboxIDs: *inboxFlag}
		ids, err := probe.Inboxes()
		if err != nil {
			return fmt.Errorf("-inbox: %w", err)
		}
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = strconv.Itoa(id)
		}
		in.SetEnv("HANDOVER_LIBREDESK_INBOX_IDS", strings.Join(parts, ","), false)
	} else if ids, err := s.Inboxes(); err != nil || len(ids) == 0 {
		in.Manual("inboxes", "set HANDOVER_LIBREDESK_INBOX_IDS to the live-chat inboxes the bot serves (Admin > Inboxes shows the ids), or run again with -inbox 1,2")
	}
	if p := helpdesk.BaseURLProblem("HANDOVER_LIBREDESK_URL", s.URL, "set the Libredesk base URL, e.g. https://desk.example.com"); p != "" {
		return fmt.Errorf("%s", p)
	}
	if s.APIKey == "" {
		return fmt.Errorf("HANDOVER_LIBREDESK_API_KEY is not set: set the bot agent's API key (Admin > Teams > Agents > the bot > API key)")
	}
	if s.APISecret == "" {
		return fmt.Errorf("HANDOVER_LIBREDESK_API_SECRET is not set: set the bot agent's API secret (shown once with the key)")
	}
	c := &installer{in: in, base: strings.TrimRight(s.URL, "/"), auth: "token " + s.APIKey.Value() + ":" + s.APISecret.Value(),
		secrets: []string{s.APIKey.Value(), s.APISecret.Value()}}
	in.SetEnv("HANDOVER_LIBREDESK_URL", s.URL, false)
	in.SetEnv("HANDOVER_LIBREDESK_API_KEY", s.APIKey.Value(), true)
	in.SetEnv("HANDOVER_LIBREDESK_API_SECRET", s.APISecret.Value(), true)

	if err := c.role(ctx); err != nil {
		return err
	}
	if err := c.webhook(ctx); err != nil {
		return err
	}
	return c.tag(ctx)
}

// installer sends the install's requests with the bot agent's key pair.
type installer struct {
	in      *helpdesk.Installation
	base    string
	auth    string
	secrets []string
}

func (c *installer) redact(s string) string {
	for _, x := range c.secrets {
		if x != "" {
			s = strings.ReplaceAll(s, x, "[redacted]")
		}
	}
	return s
}

// call sends one request and decodes the envelope's data of a 2xx answer into out (may be nil).
// It returns the answer for the caller to look at a refusal (403).
func (c *installer) call(ctx context.Context, method, path string, body, out any) (helpdesk.Answer, error) {
	ans, err := helpdesk.InstallCall(ctx, c.in.Client(), method, c.base+path,
		http.Header{"Authorization": {c.auth}, "User-Agent": {"handover-libredesk"}}, body)
	if err != nil {
		return ans, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if ans.OK() && out != nil {
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(ans.Body, &env); err != nil {
			return ans, fmt.Errorf("%s: read the answer: %w", ans.At, err)
		}
		if err := json.Unmarshal(env.Data, out); err != nil {
			return ans, fmt.Errorf("%s: read the answer's data: %w", ans.At, err)
		}
	}
	return ans, nil
}

// send is call for a request whose every refusal is an error; what prefixes the error.
func (c *installer) send(ctx context.Context, what, method, path string, body, out any) error {
	ans, err := c.call(ctx, method, path, body, out)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !ans.OK() {
		return fmt.Errorf("%s: %w", what, c.failure(ans))
	}
	return nil
}

// failure is the error of a refused answer, with what to check.
func (c *installer) failure(ans helpdesk.Answer) error {
	fix := ""
	switch ans.Status {
	case http.StatusUnauthorized:
		fix = ": check HANDOVER_LIBREDESK_API_KEY and HANDOVER_LIBREDESK_API_SECRET (the bot agent's key pair)"
	case http.StatusNotFound:
		fix = ": check HANDOVER_LIBREDESK_URL"
	}
	return fmt.Errorf("%s%s", ans.Failure(c.redact), fix)
}

// role checks the bot agent's permissions.
func (c *installer) role(ctx context.Context) error {
	in := c.in
	var me struct {
		ID          int      `json:"id"`
		Roles       []string `json:"roles"`
		Permissions []string `json:"permissions"`
	}
	if err := c.send(ctx, "bot agent", http.MethodGet, "/api/v1/agents/me", nil, &me); err != nil {
		return err
	}
	in.SetEnv("HANDOVER_LIBREDESK_BOT_AGENT_ID", strconv.Itoa(me.ID), false)
	var missing []string
	for _, p := range requiredPermissions {
		if !slices.Contains(me.Permissions, p) {
			missing = append(missing, p)
		}
	}
	what := "bot agent role"
	if len(missing) > 0 {
		in.Manual(what, fmt.Sprintf("agent %d's role (%s) lacks %s: grant them in Admin > Teams > Roles (the API cannot change a role with the bot's key)",
			me.ID, strings.Join(me.Roles, ", "), strings.Join(missing, ", ")))
		return nil
	}
	in.Already(what, fmt.Sprintf("agent %d (%s) holds the %d permissions the adapter uses", me.ID, strings.Join(me.Roles, ", "), len(requiredPermissions)))
	return nil
}

// webhookJSON is internal/webhook/models.Webhook.
type webhookJSON struct {
	ID       int      `json:"id"`
	Name     string   `json:"name"`
	URL      string   `json:"url"`
	Events   []string `json:"events"`
	Secret   string   `json:"secret,omitempty"`
	IsActive bool     `json:"is_active"`
}

// webhook makes sure the webhook exists with the events and the secret.
func (c *installer) webhook(ctx context.Context) error {
	in := c.in
	want := in.WebhookURL(Name)
	const secretVar = "HANDOVER_LIBREDESK_WEBHOOK_SECRET"
	known := in.Lookup != nil && strings.TrimSpace(in.Lookup(secretVar)) != ""
	secret := in.Secret(secretVar)
	what := "webhook"
	var hooks []webhookJSON
	ans, err := c.call(ctx, http.MethodGet, "/api/v1/webhooks", nil, &hooks)
	if err != nil {
		return fmt.Errorf("webhooks: %w", err)
	}
	if ans.Status == http.StatusForbidden {
		in.Manual(what, "the bot agent's role may not manage webhooks (webhooks:manage): add one in Admin > Integrations > Webhooks at "+want+
			" with the events "+strings.Join(Events, ", ")+" and as its secret the value of "+secretVar+" in the environment file (or grant webhooks:manage and run again)")
		return nil
	}
	if !ans.OK() {
		return fmt.Errorf("webhooks: %w", c.failure(ans))
	}
	var found *webhookJSON
	for i, h := range hooks {
		if helpdesk.SameWebhook(h.URL, want, false) {
			found = &hooks[i]
			break
		}
	}
	if found == nil {
		body := webhookJSON{Name: WebhookName, URL: want, Events: Events, Secret: secret, IsActive: true}
		if in.DryRun {
			shown := body
			shown.Secret = "<secret>"
			in.Would(what, http.MethodPost, "/api/v1/webhooks", shown)
			return nil
		}
		var made webhookJSON
		if err := c.send(ctx, "create the webhook", http.MethodPost, "/api/v1/webhooks", body, &made); err != nil {
			return err
		}
		in.Created(what, fmt.Sprintf("id %d at %s with %d events and the secret %s", made.ID, want, len(Events), secretVar))
		return nil
	}

	events := slices.Clone(found.Events)
	var added []string
	for _, e := range Events {
		if !slices.Contains(events, e) {
			events = append(events, e)
			added = append(added, e)
		}
	}
	if len(added) == 0 && found.IsActive && known {
		in.Already(what, fmt.Sprintf("%q (id %d) is active at %s with the %d events (Libredesk does not show its secret: it is taken to be %s's)",
			found.Name, found.ID, want, len(Events), secretVar))
		return nil
	}
	var why []string
	if len(added) > 0 {
		why = append(why, "events added: "+strings.Join(added, ", "))
	}
	if !found.IsActive {
		why = append(why, "activated")
	}
	body := webhookJSON{Name: found.Name, URL: found.URL, Events: events, IsActive: true, Secret: strings.Repeat(passwordDummy, 10)}
	if !known {
		body.Secret = secret
		why = append(why, "a new secret ("+secretVar+")")
	}
	path := fmt.Sprintf("/api/v1/webhooks/%d", found.ID)
	if in.DryRun {
		shown := body
		if !known {
			shown.Secret = "<secret>"
		}
		in.Would(what, http.MethodPut, path, shown)
		return nil
	}
	if err := c.send(ctx, "update the webhook", http.MethodPut, path, body, nil); err != nil {
		return err
	}
	in.Updated(what, fmt.Sprintf("%q (id %d) at %s: %s", found.Name, found.ID, want, strings.Join(why, "; ")))
	return nil
}

// tag makes sure the tag TagOffline exists.
func (c *installer) tag(ctx context.Context) error {
	in := c.in
	what := "tag " + TagOffline
	var tags []struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	if err := c.send(ctx, "tags", http.MethodGet, "/api/v1/tags", nil, &tags); err != nil {
		return err
	}
	for _, t := range tags {
		if t.Name == TagOffline {
			in.Already(what, fmt.Sprintf("id %d", t.ID))
			return nil
		}
	}
	body := map[string]any{"name": TagOffline}
	if in.DryRun {
		in.Would(what, http.MethodPost, "/api/v1/tags", body)
		return nil
	}
	var made struct {
		ID int `json:"id"`
	}
	ans, err := c.call(ctx, http.MethodPost, "/api/v1/tags", body, &made)
	if err != nil {
		return fmt.Errorf("create the tag: %w", err)
	}
	if ans.Status == http.StatusForbidden {
		in.Manual(what, "the bot agent's role may not create tags (tags:manage): add the tag "+TagOffline+" in Admin > Conversations > Tags")
		return nil
	}
	if !ans.OK() {
		return fmt.Errorf("create the tag %s: %w", TagOffline, c.failure(ans))
	}
	in.Created(what, fmt.Sprintf("id %d", made.ID))
	return nil
}
