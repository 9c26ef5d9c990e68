package chatwoot

// The Chatwoot calls of "handover install": agent bots (create, update, show), an inbox's agent
// bot (show, set), the account's labels and dashboard apps. Sources (chatwoot/chatwoot):
// app/controllers/api/v1/accounts/agent_bots_controller.rb and
// app/views/api/v1/models/_agent_bot.json.jbuilder (access_token: the AccessToken record, an
// object with "token"; secret: only to administrators, ≥ 4.13);
// app/controllers/api/v1/accounts/inboxes_controller.rb (agent_bot, set_agent_bot: head :ok);
// app/controllers/api/v1/accounts/labels_controller.rb and
// app/controllers/api/v1/accounts/dashboard_apps_controller.rb (params.require(:label) and
// (:dashboard_app), which Rails' wrap_parameters also fills from a flat JSON body).
//
// Simplifications: bot 1 is the sim's own agent bot (Options.BotName, BotToken, WebhookSecret,
// the outgoing_url webhooks go to); a bot created here gets its own access_token, which
// authenticates as a bot token (acting as bot 1), and its own secret, but webhooks are
// delivered only to bot 1's outgoing_url, signed with Options.WebhookSecret.

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
)

// cwInstallState is what the install calls add to the Chatwoot model; guarded by Server.mu.
type cwInstallState struct {
	bots     []*cwBot     // bots created through the API (ids from 2)
	inboxBot map[int]int  // inbox id → its agent bot's id (absent with withBot: bot 1)
	labels   []*cwLabel   // the account's labels
	apps     []*cwDashApp // the account's dashboard apps
	seq      struct{ bot, label, app int }
}

type cwBot struct {
	id                             int
	name, description, outgoingURL string
	token, secret                  string
	createdAt                      time.Time
}

type cwLabel struct {
	id                        int
	title, description, color string
	showOnSidebar             bool
}

type cwDashApp struct {
	id        int
	title     string
	content   []any
	createdAt time.Time
}

// cwInstallRoutes registers the install calls; api is routes' helper (bot tokens refused).
// Every install handler runs with s.mu held (locked).
func (s *Server) cwInstallRoutes(api func(pattern string, botOK bool, h apiHandler), base string) {
	route := func(pattern string, h apiHandler) { api(pattern, false, s.locked(h)) }
	route("POST "+base+"/agent_bots", s.cwCreateAgentBot)
	route("GET "+base+"/agent_bots/{bot_id}", s.cwShowAgentBot)
	route("PATCH "+base+"/agent_bots/{bot_id}", s.cwUpdateAgentBot)
	route("PUT "+base+"/agent_bots/{bot_id}", s.cwUpdateAgentBot)
	route("GET "+base+"/inboxes/{inbox_id}/agent_bot", s.cwInboxAgentBot)
	route("POST "+base+"/inboxes/{inbox_id}/set_agent_bot", s.cwSetInboxAgentBot)
	route("GET "+base+"/labels", s.cwListLabels)
	route("POST "+base+"/labels", s.cwCreateLabel)
	route("GET "+base+"/dashboard_apps", s.cwListDashApps)
	route("POST "+base+"/dashboard_apps", s.cwCreateDashApp)
	route("PATCH "+base+"/dashboard_apps/{app_id}", s.cwUpdateDashApp)
}

// locked runs h with s.mu held.
func (s *Server) locked(h apiHandler) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
		s.Mu.Lock()
		defer s.Mu.Unlock()
		h(w, r, rc)
	}
}

// inst returns the install state, created on first use. Callers hold s.mu.
func (s *Server) inst() *cwInstallState {
	if s.cwi == nil {
		s.cwi = &cwInstallState{inboxBot: map[int]int{}}
	}
	return s.cwi
}

// cwiBotToken reports a token of a bot created through the API.
func (s *Server) cwiBotToken(token string) bool {
	if token == "" {
		return false
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	for _, b := range s.inst().bots {
		if b.token == token {
			return true
		}
	}
	return false
}

// botOne is the sim's own agent bot as a cwBot (a copy). Callers hold s.mu.
func (s *Server) botOne() *cwBot {
	return &cwBot{id: s.bot.id, name: s.bot.name, outgoingURL: s.webhookURL, token: s.opts.BotToken, secret: s.opts.WebhookSecret}
}

// findBot returns the account's bot of that id, nil when none. Callers hold s.mu.
func (s *Server) findBot(id int) *cwBot {
	if id == s.bot.id {
		return s.botOne()
	}
	for _, b := range s.inst().bots {
		if b.id == id {
			return b
		}
	}
	return nil
}

// agentBotJSON renders _agent_bot.json.jbuilder for an administrator's token.
func (s *Server) agentBotJSON(b *cwBot) map[string]any {
	out := map[string]any{
		"id": b.id, "name": b.name, "description": b.description, "thumbnail": "", "outgoing_url": b.outgoingURL,
		"bot_type": "webhook", "bot_config": map[string]any{}, "account_id": s.opts.AccountID, "system_bot": false,
	}
	if b.token != "" {
		out["access_token"] = map[string]any{"id": b.id, "owner_type": "AgentBot", "owner_id": b.id, "token": b.token,
			"created_at": rubyTime(b.createdAt), "updated_at": rubyTime(b.createdAt)}
	}
	if b.secret != "" && !s.opts.Unsigned {
		out["secret"] = b.secret
	}
	return out
}

// cwAgentBotsJSON is GET /agent_bots: every bot of the account.
func (s *Server) cwAgentBotsJSON() []any {
	out := []any{s.agentBotJSON(s.botOne())}
	for _, b := range s.inst().bots {
		out = append(out, s.agentBotJSON(b))
	}
	return out
}

// POST /agent_bots {name, description, outgoing_url, bot_type, bot_config}: create! (a new
// access token; a secret from 4.13).
func (s *Server) cwCreateAgentBot(w http.ResponseWriter, _ *http.Request, rc *reqCtx) {
	st := s.inst()
	p := wrapped(rc.params, "agent_bot")
	name, _ := p.str("name")
	desc, _ := p.str("description")
	u, _ := p.str("outgoing_url")
	st.seq.bot++
	b := &cwBot{id: s.bot.id + st.seq.bot, name: name, description: desc, outgoingURL: u,
		token: s.RandToken(24), secret: s.RandToken(24), createdAt: time.Now()}
	st.bots = append(st.bots, b)
	sim.WriteJSON(w, http.StatusOK, s.agentBotJSON(b))
}

// pathBot finds the bot of the path's bot_id, or answers 404. Callers hold s.mu.
func (s *Server) pathBot(w http.ResponseWriter, r *http.Request) *cwBot {
	id, _ := strconv.Atoi(r.PathValue("bot_id"))
	b := s.findBot(id)
	if b == nil {
		writeError(w, http.StatusNotFound, errNotFound)
	}
	return b
}

// GET /agent_bots/{id}.
func (s *Server) cwShowAgentBot(w http.ResponseWriter, r *http.Request, _ *reqCtx) {
	if b := s.pathBot(w, r); b != nil {
		sim.WriteJSON(w, http.StatusOK, s.agentBotJSON(b))
	}
}

// PATCH|PUT /agent_bots/{id}: update! with the permitted keys present.
func (s *Server) cwUpdateAgentBot(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	b := s.pathBot(w, r)
	if b == nil {
		return
	}
	p := wrapped(rc.params, "agent_bot")
	if v, ok := p.str("name"); ok {
		b.name = v
	}
	if v, ok := p.str("description"); ok {
		b.description = v
	}
	if v, ok := p.str("outgoing_url"); ok {
		b.outgoingURL = v
	}
	if b.id == s.bot.id {
		s.bot.name, s.webhookURL = b.name, b.outgoingURL
	}
	sim.WriteJSON(w, http.StatusOK, s.agentBotJSON(b))
}

// inboxBotID is the id of the inbox's agent bot, 0 for none. Callers hold s.mu.
func (s *Server) inboxBotID(in *sim.Inbox) int {
	if !in.WithBot {
		return 0
	}
	if id, ok := s.inst().inboxBot[in.ID]; ok {
		return id
	}
	return s.bot.id
}

// GET /inboxes/{id}/agent_bot: {"agent_bot": {…}}, an empty object when none.
func (s *Server) cwInboxAgentBot(w http.ResponseWriter, r *http.Request, _ *reqCtx) {
	in := s.pathInbox(w, r)
	if in == nil {
		return
	}
	bot := map[string]any{}
	if b := s.findBot(s.inboxBotID(in)); b != nil {
		bot = s.agentBotJSON(b)
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"agent_bot": bot})
}

// POST /inboxes/{id}/set_agent_bot {agent_bot: id}: connects the bot (AgentBot.find: 404 for
// an unknown id); without agent_bot it disconnects. head :ok.
func (s *Server) cwSetInboxAgentBot(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	in := s.pathInbox(w, r)
	if in == nil {
		return
	}
	st := s.inst()
	if id, ok := rc.params.intv("agent_bot"); ok {
		if s.findBot(id) == nil {
			writeError(w, http.StatusNotFound, errNotFound)
			return
		}
		in.WithBot = true
		st.inboxBot[in.ID] = id
	} else {
		in.WithBot = false
		delete(st.inboxBot, in.ID)
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) labelJSON(l *cwLabel) map[string]any {
	return map[string]any{"id": l.id, "title": l.title, "description": l.description, "color": l.color, "show_on_sidebar": l.showOnSidebar}
}

// GET /labels: {payload:[label…]}.
func (s *Server) cwListLabels(w http.ResponseWriter, _ *http.Request, _ *reqCtx) {
	out := []any{}
	for _, l := range s.inst().labels {
		out = append(out, s.labelJSON(l))
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"payload": out})
}

// writeInvalid answers an invalid record, 422 {message, attributes: [attribute]}
// (RequestExceptionHandler#render_record_invalid).
func writeInvalid(w http.ResponseWriter, attribute, msg string) {
	sim.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": msg, "attributes": []string{attribute}})
}

// POST /labels {label:{title, description, color, show_on_sidebar}}: the title is downcased and
// unique in the account (Label validations); an invalid record is 422 (writeInvalid).
func (s *Server) cwCreateLabel(w http.ResponseWriter, _ *http.Request, rc *reqCtx) {
	st := s.inst()
	p := wrapped(rc.params, "label")
	title, _ := p.str("title")
	title = strings.ToLower(strings.TrimSpace(title))
	if title == "" {
		writeInvalid(w, "title", "Title can't be blank")
		return
	}
	for _, l := range st.labels {
		if l.title == title {
			writeInvalid(w, "title", "Title has already been taken")
			return
		}
	}
	desc, _ := p.str("description")
	color, _ := p.str("color")
	if color == "" {
		color = "#1f93ff"
	}
	st.seq.label++
	l := &cwLabel{id: st.seq.label, title: title, description: desc, color: color, showOnSidebar: p.boolean("show_on_sidebar")}
	st.labels = append(st.labels, l)
	sim.WriteJSON(w, http.StatusOK, s.labelJSON(l))
}

func dashAppJSON(a *cwDashApp) map[string]any {
	return map[string]any{"id": a.id, "title": a.title, "content": a.content, "created_at": rubyTime(a.createdAt), "show_on_sidebar": false}
}

// GET /dashboard_apps: an array of _dashboard_app.
func (s *Server) cwListDashApps(w http.ResponseWriter, _ *http.Request, _ *reqCtx) {
	out := []any{}
	for _, a := range s.inst().apps {
		out = append(out, dashAppJSON(a))
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// dashContent checks content like DashboardApp's JSON schema: an array of {type:"frame",
// url:<http(s) URL>}; ok is false (and 422 written) otherwise.
func dashContent(w http.ResponseWriter, p params) ([]any, bool) {
	items, _ := p["content"].([]any)
	valid := len(items) > 0
	for _, it := range items {
		m, _ := it.(map[string]any)
		u, _ := m["url"].(string)
		if m == nil || m["type"] != "frame" || !(strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) {
			valid = false
		}
	}
	if !valid {
		writeInvalid(w, "content", "Content : Invalid data")
		return nil, false
	}
	return items, true
}

// POST /dashboard_apps {dashboard_app:{title, content:[{type, url}]}}.
func (s *Server) cwCreateDashApp(w http.ResponseWriter, _ *http.Request, rc *reqCtx) {
	st := s.inst()
	p := wrapped(rc.params, "dashboard_app")
	title, _ := p.str("title")
	if strings.TrimSpace(title) == "" {
		writeInvalid(w, "title", "Title can't be blank")
		return
	}
	content, ok := dashContent(w, p)
	if !ok {
		return
	}
	st.seq.app++
	a := &cwDashApp{id: st.seq.app, title: title, content: content, createdAt: time.Now()}
	st.apps = append(st.apps, a)
	sim.WriteJSON(w, http.StatusOK, dashAppJSON(a))
}

// PATCH /dashboard_apps/{id}.
func (s *Server) cwUpdateDashApp(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, _ := strconv.Atoi(r.PathValue("app_id"))
	var a *cwDashApp
	for _, x := range s.inst().apps {
		if x.id == id {
			a = x
		}
	}
	if a == nil {
		writeError(w, http.StatusNotFound, errNotFound)
		return
	}
	p := wrapped(rc.params, "dashboard_app")
	if v, ok := p.str("title"); ok {
		a.title = v
	}
	if p.has("content") {
		content, ok := dashContent(w, p)
		if !ok {
			return
		}
		a.content = content
	}
	sim.WriteJSON(w, http.StatusOK, dashAppJSON(a))
}

// wrapped returns params[key] when it is an object (the explicit Rails wrapper), else params
// itself (what wrap_parameters makes of a flat JSON body).
func wrapped(p params, key string) params {
	if m, ok := p[key].(map[string]any); ok {
		return params(m)
	}
	return p
}
