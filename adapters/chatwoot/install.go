package chatwoot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// BotName is the name "handover install chatwoot" gives the agent bot it creates (-bot-name).
const BotName = "handover"

// DashboardAppTitle is the title of the dashboard app that shows the agent pages.
const DashboardAppTitle = "handover"

// EmbedPath is the agent pages' path for Chatwoot's dashboard app.
const EmbedPath = "/agent/embed/chatwoot"

// Install is Descriptor.Install: with the administrator's token (HANDOVER_CHATWOOT_USER_TOKEN)
// it makes sure that
//
//  1. an agent bot sends its webhooks to in.WebhookURL (GET /agent_bots: one whose outgoing_url
//     reaches it, else one named -bot-name, is reused and its outgoing_url set with PATCH
//     /agent_bots/{id}; else POST /agent_bots {name, description, outgoing_url}). Its
//     access_token becomes HANDOVER_CHATWOOT_BOT_TOKEN and its secret (Chatwoot ≥ 4.13)
//     HANDOVER_CHATWOOT_WEBHOOK_SECRET. A Chatwoot without a bot secret (≤ 4.12) gets a random
//     secret as the outgoing_url's last path segment instead (webhook.go, authenticate);
//  2. the inboxes of -inbox (default: those of HANDOVER_CHATWOOT_TEAMS) are connected to it
//     (GET /inboxes/{id}/agent_bot, POST /inboxes/{id}/set_agent_bot {agent_bot});
//  3. the label offline-message (LabelOffline) exists (GET, POST /labels);
//  4. a dashboard app shows the agent pages (GET, POST /dashboard_apps with a frame at
//     in.AgentPagesLink(EmbedPath)).
//
// Sources (chatwoot/chatwoot): app/controllers/api/v1/accounts/agent_bots_controller.rb,
// app/views/api/v1/models/_agent_bot.json.jbuilder, inboxes_controller.rb (agent_bot,
// set_agent_bot), labels_controller.rb, dashboard_apps_controller.rb;
// docs/helpdesks/chatwoot.md "Install".
func Install(ctx context.Context, hs helpdesk.Settings, in *helpdesk.Installation) error {
	s, ok := hs.(*Settings)
	if !ok {
		return fmt.Errorf("chatwoot install: settings of type %T", hs)
	}
	fs := in.FlagSet(Name)
	inboxFlag := fs.String("inbox", "", "comma-separated ids of the inboxes to connect the bot to (default: the inboxes of HANDOVER_CHATWOOT_TEAMS)")
	name := fs.String("bot-name", BotName, "the agent bot's name, when it is created")
	if err := in.ParseFlags(fs); err != nil {
		return err
	}
	inboxes, err := installInboxes(*inboxFlag, s)
	if err != nil {
		return err
	}
	if p := helpdesk.BaseURLProblem("HANDOVER_CHATWOOT_URL", s.URL, "set the Chatwoot base URL, e.g. https://app.chatwoot.com"); p != "" {
		return fmt.Errorf("%s", p)
	}
	if s.AccountID <= 0 {
		return fmt.Errorf("HANDOVER_CHATWOOT_ACCOUNT_ID is not set: set the account id (the number in /app/accounts/<id>/ in Chatwoot)")
	}
	if s.UserToken == "" {
		return fmt.Errorf("HANDOVER_CHATWOOT_USER_TOKEN is not set: set an administrator's access token (Profile settings > Access token)")
	}
	c := &installer{in: in, base: strings.TrimRight(s.URL, "/"), account: fmt.Sprintf("/api/v1/accounts/%d", s.AccountID), token: s.UserToken.Value()}
	in.SetEnv("HANDOVER_CHATWOOT_URL", s.URL, false)
	in.SetEnv("HANDOVER_CHATWOOT_ACCOUNT_ID", strconv.Itoa(s.AccountID), false)
	in.SetEnv("HANDOVER_CHATWOOT_USER_TOKEN", s.UserToken.Value(), true)

	botID, err := c.bot(ctx, s, *name)
	if err != nil {
		return err
	}
	for _, id := range inboxes {
		if err := c.inbox(ctx, id, botID); err != nil {
			return err
		}
	}
	if len(inboxes) == 0 {
		in.Manual("inboxes", "no inbox named: connect the bot to each inbox it serves (Settings > Inboxes > the inbox > Bot configuration), or run again with -inbox 1,2")
	}
	if err := c.label(ctx); err != nil {
		return err
	}
	return c.dashboardApp(ctx)
}

// installInboxes parses -inbox, or takes the inboxes of HANDOVER_CHATWOOT_TEAMS.
func installInboxes(flagValue string, s *Settings) ([]int, error) {
	var out []int
	if strings.TrimSpace(flagValue) == "" {
		for id := range s.Teams {
			out = append(out, id)
		}
		sort.Ints(out)
		return out, nil
	}
	for _, part := range strings.Split(flagValue, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-inbox: %q is not a positive inbox id", part)
		}
		out = append(out, n)
	}
	return out, nil
}

// installer sends the install's requests with the administrator's token.
type installer struct {
	in      *helpdesk.Installation
	base    string
	account string
	token   string
}

// call sends one request to the account's path and decodes a 2xx answer into out (may be nil).
func (c *installer) call(ctx context.Context, method, path string, body, out any) error {
	ans, err := helpdesk.InstallCall(ctx, c.in.Client(), method, c.base+c.account+path,
		http.Header{"api_access_token": {c.token}, "User-Agent": {"handover-chatwoot"}}, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if !ans.OK() {
		fix := ""
		switch ans.Status {
		case http.StatusUnauthorized, http.StatusForbidden:
			fix = ": check HANDOVER_CHATWOOT_USER_TOKEN (an administrator's access token) and HANDOVER_CHATWOOT_ACCOUNT_ID"
		case http.StatusNotFound:
			fix = ": check HANDOVER_CHATWOOT_URL and HANDOVER_CHATWOOT_ACCOUNT_ID"
		}
		return fmt.Errorf("%s%s", ans.Failure(c.redact), fix)
	}
	if out != nil && len(ans.Body) > 0 {
		if err := json.Unmarshal(ans.Body, out); err != nil {
			return fmt.Errorf("%s: read the answer: %w", ans.At, err)
		}
	}
	return nil
}

func (c *installer) redact(s string) string { return strings.ReplaceAll(s, c.token, "[redacted]") }

// agentBot is _agent_bot.json.jbuilder: access_token is the AccessToken record (an object
// with "token"); secret is rendered to administrators from 4.13 (PR #13892).
type agentBot struct {
	ID          int             `json:"id"`
	Name        string          `json:"name"`
	OutgoingURL string          `json:"outgoing_url"`
	SystemBot   bool            `json:"system_bot"`
	AccessToken json.RawMessage `json:"access_token"`
	Secret      *string         `json:"secret"`
}

// token returns the bot's access token: {"token": …} or, should a release render it so, a string.
func (b agentBot) token() string {
	var s string
	if json.Unmarshal(b.AccessToken, &s) == nil {
		return s
	}
	var o struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(b.AccessToken, &o)
	return o.Token
}

// signed reports a Chatwoot that gives the bot a secret (≥ 4.13: X-Chatwoot-Signature).
func (b agentBot) signed() bool { return b.Secret != nil && *b.Secret != "" }

// bot finds, updates or creates the agent bot and records its token and secret; it returns
// the bot's id (0 in a dry run that would create it).
func (c *installer) bot(ctx context.Context, s *Settings, name string) (int, error) {
	in := c.in
	want := in.WebhookURL(Name)
	var bots []agentBot
	if err := c.call(ctx, http.MethodGet, "/agent_bots", nil, &bots); err != nil {
		return 0, fmt.Errorf("agent bots: %w", err)
	}
	var found *agentBot
	for i, b := range bots {
		if !b.SystemBot && b.OutgoingURL != "" && helpdesk.SameWebhook(b.OutgoingURL, want, true) {
			found = &bots[i]
			break
		}
	}
	if found == nil {
		for i, b := range bots {
			if !b.SystemBot && b.Name == name {
				found = &bots[i]
				break
			}
		}
	}
	what := fmt.Sprintf("agent bot %q", name)
	if found == nil {
		body := map[string]any{"name": name, "description": "handover: the chatbot with human handover", "outgoing_url": want}
		if in.DryRun {
			in.Would(what, http.MethodPost, c.account+"/agent_bots", body)
			in.Manual("bot token", "a dry run creates no bot: its access_token and secret are written by the real run")
			return 0, nil
		}
		var b agentBot
		if err := c.call(ctx, http.MethodPost, "/agent_bots", body, &b); err != nil {
			return 0, fmt.Errorf("create the agent bot: %w", err)
		}
		detail := fmt.Sprintf("id %d, outgoing_url %s", b.ID, want)
		if !b.signed() {
			// Chatwoot ≤ 4.12 signs nothing: the secret goes in the URL's last path segment.
			u := want + "/" + in.Secret("HANDOVER_CHATWOOT_WEBHOOK_SECRET")
			if err := c.call(ctx, http.MethodPatch, fmt.Sprintf("/agent_bots/%d", b.ID), map[string]any{"outgoing_url": u}, &b); err != nil {
				return 0, fmt.Errorf("set the agent bot's outgoing_url: %w", err)
			}
			detail = fmt.Sprintf("id %d, outgoing_url %s/<secret> (this Chatwoot signs no webhooks)", b.ID, want)
		}
		in.Created(what, detail)
		c.credentials(b, s)
		return b.ID, nil
	}

	what = fmt.Sprintf("agent bot %q", found.Name)
	wantURL := want
	if !found.signed() {
		secret := in.Secret("HANDOVER_CHATWOOT_WEBHOOK_SECRET")
		wantURL = want + "/" + secret
	}
	if strings.TrimRight(found.OutgoingURL, "/") == wantURL {
		in.Already(what, fmt.Sprintf("id %d sends its webhooks to %s", found.ID, want))
	} else {
		body := map[string]any{"outgoing_url": wantURL}
		shown := map[string]any{"outgoing_url": strings.Replace(wantURL, want+"/", want+"/<secret>", 1)}
		if wantURL == want {
			shown = body
		}
		if in.DryRun {
			in.Would(what, http.MethodPatch, fmt.Sprintf("%s/agent_bots/%d", c.account, found.ID), shown)
		} else {
			if err := c.call(ctx, http.MethodPatch, fmt.Sprintf("/agent_bots/%d", found.ID), body, nil); err != nil {
				return 0, fmt.Errorf("update the agent bot: %w", err)
			}
			in.Updated(what, fmt.Sprintf("id %d: outgoing_url was %s, now %s", found.ID, redactPathSecret(found.OutgoingURL), shown["outgoing_url"]))
		}
	}
	c.credentials(*found, s)
	return found.ID, nil
}

// credentials records the bot's access token and secret, or says how to copy the token.
func (c *installer) credentials(b agentBot, s *Settings) {
	in := c.in
	if tok := b.token(); tok != "" {
		in.SetEnv("HANDOVER_CHATWOOT_BOT_TOKEN", tok, true)
	} else if s.BotToken != "" {
		in.Manual("bot token", "Chatwoot did not return the bot's access_token: HANDOVER_CHATWOOT_BOT_TOKEN is kept as set; check it is the one in Settings > Bots")
	} else {
		in.Manual("bot token", "Chatwoot did not return the bot's access_token: copy it from Settings > Bots > the bot into HANDOVER_CHATWOOT_BOT_TOKEN")
	}
	if b.signed() {
		in.SetEnv("HANDOVER_CHATWOOT_WEBHOOK_SECRET", *b.Secret, true)
	}
}

// inbox connects the bot to the inbox id.
func (c *installer) inbox(ctx context.Context, id, botID int) error {
	in := c.in
	what := fmt.Sprintf("inbox %d", id)
	var cur struct {
		AgentBot struct {
			ID   int    `json:"id"`
			Name string `json:"name"`
		} `json:"agent_bot"`
	}
	if err := c.call(ctx, http.MethodGet, fmt.Sprintf("/inboxes/%d/agent_bot", id), nil, &cur); err != nil {
		return fmt.Errorf("inbox %d: %w", id, err)
	}
	if botID != 0 && cur.AgentBot.ID == botID {
		in.Already(what, "connected to the agent bot")
		return nil
	}
	path := fmt.Sprintf("/inboxes/%d/set_agent_bot", id)
	if in.DryRun {
		var body any = map[string]any{"agent_bot": botID}
		if botID == 0 {
			body = map[string]any{"agent_bot": "<the new bot's id>"}
		}
		in.Would(what, http.MethodPost, c.account+path, body)
		return nil
	}
	if err := c.call(ctx, http.MethodPost, path, map[string]any{"agent_bot": botID}, nil); err != nil {
		return fmt.Errorf("connect inbox %d to the agent bot: %w", id, err)
	}
	if cur.AgentBot.ID != 0 {
		in.Updated(what, fmt.Sprintf("connected to the agent bot (was %q, id %d)", cur.AgentBot.Name, cur.AgentBot.ID))
	} else {
		in.Created(what, "connected to the agent bot")
	}
	return nil
}

// label makes sure the account has the label LabelOffline.
func (c *installer) label(ctx context.Context) error {
	in := c.in
	what := "label " + LabelOffline
	var labels struct {
		Payload []struct {
			ID    int    `json:"id"`
			Title string `json:"title"`
		} `json:"payload"`
	}
	if err := c.call(ctx, http.MethodGet, "/labels", nil, &labels); err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	for _, l := range labels.Payload {
		if strings.EqualFold(l.Title, LabelOffline) {
			in.Already(what, fmt.Sprintf("id %d", l.ID))
			return nil
		}
	}
	body := map[string]any{"label": map[string]any{"title": LabelOffline, "description": "handover: an offline message left for the humans", "color": "#1f93ff", "show_on_sidebar": true}}
	if in.DryRun {
		in.Would(what, http.MethodPost, c.account+"/labels", body)
		return nil
	}
	var l struct {
		ID int `json:"id"`
	}
	if err := c.call(ctx, http.MethodPost, "/labels", body, &l); err != nil {
		return fmt.Errorf("create the label %s: %w", LabelOffline, err)
	}
	in.Created(what, fmt.Sprintf("id %d", l.ID))
	return nil
}

// dashboardApp makes sure a dashboard app shows the agent pages.
func (c *installer) dashboardApp(ctx context.Context) error {
	in := c.in
	what := fmt.Sprintf("dashboard app %q", DashboardAppTitle)
	prefix := in.PublicURL + EmbedPath
	var apps []struct {
		ID      int    `json:"id"`
		Title   string `json:"title"`
		Content []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"content"`
	}
	if err := c.call(ctx, http.MethodGet, "/dashboard_apps", nil, &apps); err != nil {
		return fmt.Errorf("dashboard apps: %w", err)
	}
	for _, a := range apps {
		for _, f := range a.Content {
			if strings.HasPrefix(f.URL, prefix) {
				in.Already(fmt.Sprintf("dashboard app %q", a.Title), fmt.Sprintf("id %d shows %s", a.ID, prefix))
				return nil
			}
		}
	}
	if in.AgentPagesLink == nil {
		in.Manual(what, "add a dashboard app (Settings > Integrations > Dashboard apps) with the URL of the agent pages: "+prefix+"?k=<a link from handover>")
		return nil
	}
	link := in.AgentPagesLink(EmbedPath)
	body := func(u string) map[string]any {
		return map[string]any{"dashboard_app": map[string]any{"title": DashboardAppTitle, "content": []any{map[string]any{"type": "frame", "url": u}}}}
	}
	if in.DryRun {
		in.Would(what, http.MethodPost, c.account+"/dashboard_apps", body(prefix+"?k=<secret>"))
		return nil
	}
	var a struct {
		ID int `json:"id"`
	}
	if err := c.call(ctx, http.MethodPost, "/dashboard_apps", body(link), &a); err != nil {
		return fmt.Errorf("create the dashboard app: %w", err)
	}
	in.Created(what, fmt.Sprintf("id %d shows %s (a signed link valid for a year)", a.ID, prefix))
	return nil
}
