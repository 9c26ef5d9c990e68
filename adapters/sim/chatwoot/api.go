package chatwoot

// The Chatwoot dialect: routes, token rules, JSON shapes, error bodies and agent-bot webhooks.
// Sources (chatwoot/chatwoot) are cited next to each piece; docs/helpdesks/chatwoot.md collects
// them.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/adapters/sim/simnet"
)

// Chatwoot's error bodies.
const (
	// app/controllers/concerns/access_token_auth_helper.rb
	errInvalidToken = "Invalid Access Token"
	errBotEndpoint  = "Access to this endpoint is not authorized for bots"
	// app/controllers/concerns/ensure_current_account_helper.rb
	errAccount = "You are not authorized to access this account"
	// app/controllers/concerns/request_exception_handler.rb (ActiveRecord::RecordNotFound)
	errNotFound = "Resource could not be found"
	// devise_token_auth authenticate_user! (no api_access_token header): devise.failure.unauthenticated
	errSignIn = "You need to sign in or sign up before continuing."
)

// validContentTypes is Message.content_types (app/models/message.rb).
var validContentTypes = []string{"text", "input_text", "input_textarea", "input_email", "input_select", "cards", "form",
	"article", "incoming_email", "input_csat", "integrations", "sticker", "voice_call"}

var messageTypeInts = map[string]int{"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}

// reqCtx is what the API middleware hands to a handler.
type reqCtx struct {
	token  string // bot|user
	actor  actor
	params params
}

type apiHandler func(w http.ResponseWriter, r *http.Request, rc *reqCtx)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	base := "/api/v1/accounts/{account_id}"
	// botOK mirrors BOT_ACCESSIBLE_ENDPOINTS (access_token_auth_helper.rb, 4.15.1):
	// conversations show toggle_status toggle_typing_status toggle_priority create update
	// custom_attributes; messages create; assignments create; labels index create.
	api := func(pattern string, botOK bool, h apiHandler) { mux.Handle(pattern, s.api(botOK, h)) }
	api("GET "+base+"/conversations", false, s.cwListConversations)
	api("GET "+base+"/conversations/{conv}", true, s.cwShowConversation)
	api("GET "+base+"/conversations/{conv}/messages", false, s.cwListMessages)
	api("POST "+base+"/conversations/{conv}/messages", true, s.cwCreateMessage)
	api("POST "+base+"/conversations/{conv}/toggle_status", true, s.cwToggleStatus)
	api("POST "+base+"/conversations/{conv}/toggle_priority", true, s.cwTogglePriority)
	api("POST "+base+"/conversations/{conv}/toggle_typing_status", true, s.cwToggleTyping)
	api("POST "+base+"/conversations/{conv}/custom_attributes", true, s.cwCustomAttributes)
	api("POST "+base+"/conversations/{conv}/assignments", true, s.cwAssignments)
	api("GET "+base+"/conversations/{conv}/labels", true, s.cwLabels)
	api("POST "+base+"/conversations/{conv}/labels", true, s.cwLabels)
	api("GET "+base+"/agents", false, s.cwAgents)
	api("GET "+base+"/inbox_members/{inbox_id}", false, s.cwInboxMembers)
	api("GET "+base+"/inboxes", false, s.cwInboxes)
	api("GET "+base+"/inboxes/{inbox_id}", false, s.cwInbox)
	api("GET "+base+"/teams", false, s.cwTeams)
	api("GET "+base+"/teams/{team_id}", false, s.cwTeam)
	api("GET "+base+"/teams/{team_id}/team_members", false, s.cwTeamMembers)
	api("GET "+base+"/agent_bots", false, s.cwAgentBots)
	api("GET "+base+"/portals", false, s.cwPortals)
	api("GET "+base+"/portals/{portal}/articles", false, s.cwPortalArticles)
	s.hc.Route(mux)
	s.cwInstallRoutes(api, base) // chatwoot_install.go
	mux.Handle("GET /api/v1/profile", s.public(s.cwProfile))
	mux.Handle("GET /api/v1/widget/inbox_members", s.public(s.cwWidgetInboxMembers))
	mux.Handle("/api/", s.public(func(w http.ResponseWriter, r *http.Request, _ *reqCtx) {
		// Rails in production: an unknown route is a 404 (ActionDispatch::PublicExceptions).
		sim.WriteJSON(w, http.StatusNotFound, map[string]any{"status": 404, "error": "Not Found"})
	}))
	s.uiRoutes(mux)
	return mux
}

// public wraps an API route that needs no token: body capture, faults, call log.
func (s *Server) public(h apiHandler) http.Handler {
	return s.api(true, h, withoutAuth())
}

type apiOpt func(*apiCfg)
type apiCfg struct{ noAuth bool }

func withoutAuth() apiOpt { return func(c *apiCfg) { c.noAuth = true } }

// cwFaults are the answers to injected faults: Rack::Attack's throttled response
// (config/initializers/rack_attack.rb) and Rails' 500.
var cwFaults = simnet.Responses{
	TooMany: func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, "Retry later\n")
	},
	ServerError: func(w http.ResponseWriter) {
		sim.WriteJSON(w, http.StatusInternalServerError, map[string]any{"status": 500, "error": "Internal Server Error"})
	},
}

// api wraps an API route: it captures the body, applies faults, authenticates the token like
// Api::BaseController (authenticate_access_token!, validate_bot_access_token!, then
// EnsureCurrentAccountHelper), parses the parameters and logs the call.
func (s *Server) api(botOK bool, h apiHandler, opts ...apiOpt) http.Handler {
	var cfg apiCfg
	for _, o := range opts {
		o(&cfg)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := simnet.ReadBody(r, sim.MaxBody)
		token := r.Header.Get("api_access_token")
		kind := ""
		switch {
		case token == "":
		case s.opts.BotToken != "" && token == s.opts.BotToken:
			kind = "bot"
		case s.opts.UserToken != "" && token == s.opts.UserToken:
			kind = "user"
		case s.cwiBotToken(token): // a bot created through the API (chatwoot_install.go)
			kind = "bot"
		default:
			kind = "invalid"
		}
		call := simnet.NewCall(r, body)
		call.Token = kind
		s.MW.Serve(w, r, &call, cwFaults, func(sw http.ResponseWriter) { s.serveAPI(sw, r, body, kind, botOK, cfg, h) })
	})
}

// serveAPI runs one unfaulted API call: authentication, parameters, then the handler.
func (s *Server) serveAPI(sw http.ResponseWriter, r *http.Request, body []byte, kind string, botOK bool, cfg apiCfg, h apiHandler) {
	rc := &reqCtx{token: kind}
	if !cfg.noAuth {
		switch kind {
		case "":
			sim.WriteJSON(sw, http.StatusUnauthorized, map[string]any{"errors": []string{errSignIn}})
			return
		case "invalid":
			writeError(sw, http.StatusUnauthorized, errInvalidToken)
			return
		case "bot":
			if !botOK {
				writeError(sw, http.StatusUnauthorized, errBotEndpoint)
				return
			}
			rc.actor = s.botActor()
		case "user":
			s.Mu.Lock()
			rc.actor = s.userActor(s.Users[1])
			s.Mu.Unlock()
		}
		if r.PathValue("account_id") != strconv.Itoa(s.opts.AccountID) {
			writeError(sw, http.StatusUnauthorized, errAccount)
			return
		}
	}
	p, err := parseParams(r, body)
	if err != nil {
		// ActionDispatch::Http::Parameters::ParseError, rendered by PublicExceptions.
		sim.WriteJSON(sw, http.StatusBadRequest, map[string]any{"status": 400, "error": "Bad Request"})
		return
	}
	rc.params = p
	h(sw, r, rc)
}

// params are the request parameters: query string merged with the JSON (or form) body, the
// body winning, like Rails' params.
type params map[string]any

func parseParams(r *http.Request, body []byte) (params, error) {
	p := params{}
	for k, v := range r.URL.Query() {
		p[strings.TrimSuffix(k, "[]")] = queryValue(k, v)
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return p, nil
	}
	ct := r.Header.Get("Content-Type")
	if strings.Contains(ct, "json") || trimmed[0] == '{' || trimmed[0] == '[' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("parse json body: %w", err)
		}
		if obj, ok := sim.NormalizeNumbers(v).(map[string]any); ok {
			for k, e := range obj {
				p[k] = e
			}
		} else {
			p["_json"] = sim.NormalizeNumbers(v)
		}
		return p, nil
	}
	form, err := url.ParseQuery(string(trimmed))
	if err != nil {
		return nil, fmt.Errorf("parse form body: %w", err)
	}
	for k, v := range form {
		p[strings.TrimSuffix(k, "[]")] = queryValue(k, v)
	}
	return p, nil
}

func queryValue(k string, v []string) any {
	if strings.HasSuffix(k, "[]") {
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out
	}
	return v[len(v)-1]
}

func (p params) has(k string) bool { _, ok := p[k]; return ok }

// str returns a scalar parameter as a string; ok is false when absent, null or not a scalar.
func (p params) str(k string) (string, bool) {
	switch x := p[k].(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// intv returns a parameter as an id, like ActiveRecord's find_by(id: value).
func (p params) intv(k string) (int, bool) {
	s, ok := p.str(k)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	return i, true
}

// boolean casts like ActiveModel::Type::Boolean (nil and "" are false here).
func (p params) boolean(k string) bool {
	switch x := p[k].(type) {
	case bool:
		return x
	case nil:
		return false
	}
	s, _ := p.str(k)
	switch strings.ToLower(s) {
	case "", "0", "f", "false", "off":
		return false
	}
	return true
}

func writeError(w http.ResponseWriter, status int, msg string) {
	sim.WriteJSON(w, status, map[string]any{"error": msg})
}

// conversation finds the path's conversation by display id (BaseController#conversation:
// find_by!(display_id:) → 404 {"error":"Resource could not be found"}). Callers hold s.mu.
// pathEntity finds the entity whose id is the path value key, or answers
// Chatwoot's 404 {"error":"Resource could not be found"}. Callers hold s.mu.
func pathEntity[T any](w http.ResponseWriter, r *http.Request, key string, m map[int]*T) *T {
	if id, err := strconv.Atoi(r.PathValue(key)); err == nil {
		if v, ok := m[id]; ok {
			return v
		}
	}
	writeError(w, http.StatusNotFound, errNotFound)
	return nil
}

func (s *Server) pathConversation(w http.ResponseWriter, r *http.Request) *sim.Conversation {
	return pathEntity(w, r, "conv", s.Convs)
}

// ---- conversations ----

// GET /conversations (ConversationFinder; user token only). Supports status (default open;
// "all"), assignee_type (me|unassigned|assigned|all), inbox_id, team_id, labels[], page (25 a
// page). Sorted by last_activity_at desc. Response index.json.jbuilder: {data:{meta, payload}}.
func (s *Server) cwListConversations(w http.ResponseWriter, _ *http.Request, rc *reqCtx) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	p := rc.params
	status, ok := p.str("status")
	if !ok || status == "" {
		status = statusOpen
	}
	inboxID, hasInbox := p.intv("inbox_id")
	teamID, hasTeam := p.intv("team_id")
	var labels []string
	if l, ok := p["labels"].([]any); ok {
		for _, e := range l {
			labels = append(labels, fmt.Sprint(e))
		}
	}
	var base []*sim.Conversation
	for _, id := range s.ConvIDs {
		c := s.Convs[id]
		if status != "all" && c.Status != status {
			continue
		}
		if hasInbox && c.InboxID != inboxID || hasTeam && c.TeamID != teamID {
			continue
		}
		if len(labels) > 0 && len(intersectStr(labels, c.Labels)) == 0 {
			continue
		}
		base = append(base, c)
	}
	me := rc.actor.id
	var mine, unassigned, assigned int
	for _, c := range base {
		switch {
		case c.AssigneeID == me:
			mine++
			assigned++
		case c.AssigneeID == 0:
			unassigned++
		default:
			assigned++
		}
	}
	at, _ := p.str("assignee_type")
	var list []*sim.Conversation
	for _, c := range base {
		switch at {
		case "me":
			if c.AssigneeID != me {
				continue
			}
		case "unassigned":
			if c.AssigneeID != 0 {
				continue
			}
		case "assigned":
			if c.AssigneeID == 0 {
				continue
			}
		}
		list = append(list, c)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].LastActivityAt.After(list[j].LastActivityAt) })
	page, _ := p.intv("page")
	if page < 1 {
		page = 1
	}
	from := min((page-1)*25, len(list))
	to := min(from+25, len(list))
	payload := []any{}
	for _, c := range list[from:to] {
		payload = append(payload, s.conversationREST(c))
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"meta":    map[string]any{"mine_count": mine, "assigned_count": assigned, "unassigned_count": unassigned, "all_count": len(base)},
		"payload": payload,
	}})
}

func intersectStr(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// GET /conversations/{conv} (show.json.jbuilder → api/v1/conversations/partials/_conversation).
func (s *Server) cwShowConversation(w http.ResponseWriter, r *http.Request, _ *reqCtx) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	c := s.pathConversation(w, r)
	if c == nil {
		return
	}
	sim.WriteJSON(w, http.StatusOK, s.conversationREST(c))
}

// GET /conversations/{conv}/messages (MessageFinder; messages/index.json.jbuilder). Latest 20;
// before=<id>: 20 before that id; after=<id>: up to 100 after it; both: after <= id < before
// (up to 1000). Ascending order, private notes and activity messages included.
func (s *Server) cwListMessages(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	c := s.pathConversation(w, r)
	if c == nil {
		return
	}
	p := rc.params
	msgs := c.Msgs
	if p.boolean("filter_internal_messages") {
		msgs = slices.DeleteFunc(slices.Clone(msgs), func(m *sim.Message) bool { return m.Private || m.Type == "activity" })
	}
	before, hasBefore := p.intv("before")
	after, hasAfter := p.intv("after")
	var sel []*sim.Message
	switch {
	case hasAfter && hasBefore:
		for _, m := range msgs {
			if m.ID >= after && m.ID < before && len(sel) < 1000 {
				sel = append(sel, m)
			}
		}
	case hasBefore:
		for _, m := range msgs {
			if m.ID < before {
				sel = append(sel, m)
			}
		}
		sel = sel[max(0, len(sel)-20):]
	case hasAfter:
		for _, m := range msgs {
			if m.ID > after && len(sel) < 100 {
				sel = append(sel, m)
			}
		}
	default:
		sel = msgs[max(0, len(msgs)-20):]
	}
	payload := make([]any, 0, len(sel))
	for _, m := range sel {
		payload = append(payload, s.messageREST(c, m))
	}
	meta := map[string]any{
		"labels":                s.labelsOf(c),
		"additional_attributes": c.AdditionalAttrs,
		"contact":               s.contactPush(s.Contacts[c.ContactID]),
		"agent_last_seen_at":    nil,
		"assignee_last_seen_at": nil,
	}
	if u := s.Users[c.AssigneeID]; u != nil {
		meta["assignee"] = s.userPush(u)
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"meta": meta, "payload": payload})
}

// POST /conversations/{conv}/messages (MessagesController#create → Messages::MessageBuilder).
// Any StandardError becomes 422 {"error": message}.
func (s *Server) cwCreateMessage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	t := s.lock()
	defer t.unlock()
	c := s.pathConversation(w, r)
	if c == nil {
		return
	}
	p := rc.params
	m := &sim.Message{Type: "outgoing", ContentType: "text"}
	if v, ok := p.str("message_type"); ok {
		typ, err := parseMessageType(v)
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		m.Type = typ
	}
	if m.Type == "incoming" {
		// MessageBuilder: incoming messages are only allowed in API-channel inboxes; every sim
		// inbox is a web widget.
		writeError(w, http.StatusUnprocessableEntity, "Incoming messages are only allowed in Api inboxes")
		return
	}
	if v, ok := p.str("content"); ok {
		m.Content, m.HasContent = v, true
	}
	if v, ok := p.str("content_type"); ok && v != "" {
		if !slices.Contains(validContentTypes, v) {
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("'%s' is not a valid content_type", v))
			return
		}
		m.ContentType = v
	}
	m.Private = p.boolean("private")
	attrs, err := contentAttributes(p["content_attributes"])
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	m.ContentAttrs = attrs
	if msg := validateContentAttributes(m.ContentType, attrs); msg != "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: "+msg)
		return
	}
	m.SenderKind, m.SenderID = rc.actor.kind, rc.actor.id
	if st, _ := p.str("sender_type"); rc.token == "user" && st == "AgentBot" {
		if id, _ := p.intv("sender_id"); id == s.bot.id {
			m.SenderKind, m.SenderID = "agent_bot", s.bot.id
		}
	}
	if m.Type == "activity" || m.Type == "template" {
		m.SenderKind, m.SenderID = "", 0
	}
	t.addMessage(c, m)
	sim.WriteJSON(w, http.StatusOK, s.messageREST(c, m))
}

func parseMessageType(v string) (string, error) {
	if _, ok := messageTypeInts[v]; ok {
		return v, nil
	}
	if i, err := strconv.Atoi(v); err == nil {
		for name, n := range messageTypeInts {
			if n == i {
				return name, nil
			}
		}
	}
	return "", fmt.Errorf("'%s' is not a valid message_type", v)
}

// contentAttributes accepts a hash or a JSON string (MessageBuilder#content_attributes).
func contentAttributes(v any) (map[string]any, error) {
	switch x := v.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return x, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return map[string]any{}, nil
		}
		var out any
		if err := json.Unmarshal([]byte(x), &out); err != nil {
			return nil, fmt.Errorf("unexpected token in content_attributes: %w", err)
		}
		if m, ok := sim.NormalizeNumbers(out).(map[string]any); ok {
			return m, nil
		}
	}
	return map[string]any{}, nil
}

// validateContentAttributes is ContentAttributeValidator (app/models/concerns/
// content_attribute_validator.rb); it returns the errors.full_messages text or "".
func validateContentAttributes(contentType string, attrs map[string]any) string {
	var allowed []string
	switch contentType {
	case "input_select":
		allowed = []string{"title", "value"}
	case "cards":
		allowed = []string{"title", "description", "media_url", "actions"}
	default:
		return ""
	}
	items, _ := attrs["items"].([]any)
	if len(items) == 0 {
		return "Content attributes At least one item is required."
	}
	var invalid []string
	for _, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			return "Content attributes At least one item is required."
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !slices.Contains(allowed, k) {
				invalid = append(invalid, ":"+k)
			}
		}
	}
	if len(invalid) > 0 {
		return "Content attributes contains invalid keys for items : [" + strings.Join(invalid, ", ") + "]"
	}
	if contentType == "cards" {
		for _, it := range items {
			if acts, _ := it.(map[string]any)["actions"].([]any); len(acts) == 0 {
				return "Content attributes contains items missing actions"
			}
		}
	}
	return ""
}

// POST /conversations/{conv}/toggle_status (ConversationsController#toggle_status). With the
// bot token on a pending conversation and status "open" it is a bot handoff
// (Conversation#bot_handoff!); the response's success is then null, since @status is only set
// on the other branches. Without status it toggles open ↔ resolved (pending → open).
// Response toggle_status.json.jbuilder: {meta:{}, payload:{success, conversation_id,
// current_status, snoozed_until}}.
func (s *Server) cwToggleStatus(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	t := s.lock()
	defer t.unlock()
	c := s.pathConversation(w, r)
	if c == nil {
		return
	}
	p := rc.params
	status, hasStatus := p.str("status")
	var success any = true
	switch {
	case rc.token == "bot" && c.Status == statusPending && status == statusOpen:
		t.botHandoff(c)
		success = nil
	case hasStatus && status != "":
		if !validStatus(status) {
			// Rails raises ArgumentError here (a 500 in production); the sim answers 422.
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("'%s' is not a valid status", status))
			return
		}
		var until time.Time
		if v, ok := p.str("snoozed_until"); ok {
			until = parseTimeParam(v)
		}
		t.setStatus(c, status, until, rc.actor)
	default:
		next := statusOpen
		if c.Status == statusOpen {
			next = statusResolved
		}
		t.setStatus(c, next, time.Time{}, rc.actor)
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"meta": map[string]any{},
		"payload": map[string]any{
			"success": success, "conversation_id": c.ID, "current_status": c.Status,
			"snoozed_until": rubyTimeOrNil(c.SnoozedUntil),
		},
	})
}

func parseTimeParam(v string) time.Time {
	if i, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(i, 0)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z", "2006-01-02"} {
		if tm, err := time.Parse(layout, v); err == nil {
			return tm
		}
	}
	return time.Time{}
}

// POST /conversations/{conv}/toggle_priority {priority: low|medium|high|urgent|null} → head :ok.
func (s *Server) cwTogglePriority(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	t := s.lock()
	defer t.unlock()
	c := s.pathConversation(w, r)
	if c == nil {
		return
	}
	pr, _ := rc.params.str("priority")
	switch pr {
	case "", "low", "medium", "high", "urgent":
	default:
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("'%s' is not a valid priority", pr))
		return
	}
	t.setPriority(c, pr, rc.actor)
	w.WriteHeader(http.StatusOK)
}

// POST /conversations/{conv}/toggle_typing_status {typing_status: on|off, is_private} → head :ok
// (Conversations::TypingStatusManager; typing events are not sent to bots).
func (s *Server) cwToggleTyping(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	c := s.pathConversation(w, r)
	if c == nil {
		return
	}
	switch v, _ := rc.params.str("typing_status"); v {
	case "on":
		if !rc.params.boolean("is_private") {
			c.Typing = rc.actor.kind
		}
	case "off":
		c.Typing = ""
	}
	w.WriteHeader(http.StatusOK)
}

// POST /conversations/{conv}/custom_attributes {custom_attributes:{…}} replaces the whole hash
// (ConversationCustomAttributesConcern); response custom_attributes.json.jbuilder.
func (s *Server) cwCustomAttributes(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	t := s.lock()
	defer t.unlock()
	c := s.pathConversation(w, r)
	if c == nil {
		return
	}
	attrs, _ := rc.params["custom_attributes"].(map[string]any)
	t.setCustomAttributes(c, sim.DeepCopy(attrs).(map[string]any), rc.actor)
	sim.WriteJSON(w, http.StatusOK, map[string]any{"custom_attributes": c.CustomAttrs})
}

// POST /conversations/{conv}/assignments (Conversations::AssignmentsController#create).
//   - assignee_id key present (or assignee_type "AgentBot"): AssignmentService. The user is
//     looked up in the account; an unknown id unassigns (find_by returns nil). Renders the agent
//     (api/v1/models/_agent), the bot (agent_bot_slim) or null.
//   - else team_id key present: the team (unknown → none) is set; renders the team record or null.
//   - else: null.
func (s *Server) cwAssignments(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	t := s.lock()
	defer t.unlock()
	c := s.pathConversation(w, r)
	if c == nil {
		return
	}
	p := rc.params
	at, _ := p.str("assignee_type")
	switch {
	case at == "AgentBot":
		if id, _ := p.intv("assignee_id"); id == s.bot.id {
			t.setBotAssignee(c, rc.actor)
			sim.WriteJSON(w, http.StatusOK, map[string]any{"id": s.bot.id, "name": s.bot.name, "description": "", "thumbnail": "", "bot_type": "webhook"})
			return
		}
		sim.WriteJSON(w, http.StatusOK, nil)
	case p.has("assignee_id"):
		id, _ := p.intv("assignee_id")
		u := s.Users[id]
		if u == nil {
			id = 0
		}
		t.setAssignee(c, id, rc.actor)
		if u == nil {
			sim.WriteJSON(w, http.StatusOK, nil)
			return
		}
		sim.WriteJSON(w, http.StatusOK, s.agentREST(u))
	case p.has("team_id"):
		id, _ := p.intv("team_id")
		tm := s.Teams[id]
		if tm == nil {
			id = 0
		}
		t.setTeam(c, id, rc.actor)
		if tm == nil {
			sim.WriteJSON(w, http.StatusOK, nil)
			return
		}
		sim.WriteJSON(w, http.StatusOK, map[string]any{
			"id": tm.ID, "name": tm.Name, "description": "", "allow_auto_assign": tm.AllowAutoAssign,
			"account_id": s.opts.AccountID, "created_at": rubyTime(tm.CreatedAt), "updated_at": rubyTime(tm.CreatedAt),
		})
	default:
		sim.WriteJSON(w, http.StatusOK, nil)
	}
}

// GET|POST /conversations/{conv}/labels (Conversations::LabelsController): POST {labels:[…]}
// replaces the list (update_labels). Both render {payload:[…]}.
func (s *Server) cwLabels(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	t := s.lock()
	defer t.unlock()
	c := s.pathConversation(w, r)
	if c == nil {
		return
	}
	if r.Method == http.MethodPost {
		var labels []string
		switch x := rc.params["labels"].(type) {
		case []any:
			for _, e := range x {
				if e != nil {
					labels = append(labels, fmt.Sprint(e))
				}
			}
		case string:
			labels = strings.Split(x, ",")
		}
		t.setLabels(c, labels, rc.actor)
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"payload": s.labelsOf(c)})
}

// ---- agents, inboxes, teams ----

// GET /agents: every account user (agents/index.json.jbuilder → array of _agent).
func (s *Server) cwAgents(w http.ResponseWriter, _ *http.Request, _ *reqCtx) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	out := []any{}
	for _, id := range s.UserIDs {
		out = append(out, s.agentREST(s.Users[id]))
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// GET /inbox_members/{inbox_id}: {payload:[agent…]} (inbox_members/show.json.jbuilder).
func (s *Server) cwInboxMembers(w http.ResponseWriter, r *http.Request, _ *reqCtx) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	in := s.pathInbox(w, r)
	if in == nil {
		return
	}
	out := []any{}
	for _, id := range in.Members {
		out = append(out, s.agentREST(s.Users[id]))
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"payload": out})
}

func (s *Server) pathInbox(w http.ResponseWriter, r *http.Request) *sim.Inbox {
	return pathEntity(w, r, "inbox_id", s.Inboxes)
}

func (s *Server) pathTeam(w http.ResponseWriter, r *http.Request) *sim.Team {
	return pathEntity(w, r, "team_id", s.Teams)
}

// GET /inboxes: {payload:[inbox…]}.
func (s *Server) cwInboxes(w http.ResponseWriter, _ *http.Request, _ *reqCtx) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	out := []any{}
	for _, id := range s.InboxIDs {
		out = append(out, s.inboxREST(s.Inboxes[id]))
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"payload": out})
}

// GET /inboxes/{inbox_id}: the inbox (api/v1/models/_inbox.json.jbuilder, main fields).
func (s *Server) cwInbox(w http.ResponseWriter, r *http.Request, _ *reqCtx) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if in := s.pathInbox(w, r); in != nil {
		sim.WriteJSON(w, http.StatusOK, s.inboxREST(in))
	}
}

// GET /teams: array of _team.
func (s *Server) cwTeams(w http.ResponseWriter, _ *http.Request, _ *reqCtx) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	out := []any{}
	for _, id := range s.TeamIDs {
		out = append(out, s.teamREST(s.Teams[id]))
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// GET /teams/{team_id}.
func (s *Server) cwTeam(w http.ResponseWriter, r *http.Request, _ *reqCtx) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if tm := s.pathTeam(w, r); tm != nil {
		sim.WriteJSON(w, http.StatusOK, s.teamREST(tm))
	}
}

// GET /teams/{team_id}/team_members: array of _agent (team_members/index.json.jbuilder).
func (s *Server) cwTeamMembers(w http.ResponseWriter, r *http.Request, _ *reqCtx) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	tm := s.pathTeam(w, r)
	if tm == nil {
		return
	}
	out := []any{}
	for _, id := range tm.Members {
		out = append(out, s.agentREST(s.Users[id]))
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// GET /api/v1/widget/inbox_members?website_token=… (no API token):
// {payload:[{id, name, avatar_url, availability_status}]}; unknown token → 404.
func (s *Server) cwWidgetInboxMembers(w http.ResponseWriter, _ *http.Request, rc *reqCtx) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	tok, _ := rc.params.str("website_token")
	for _, id := range s.InboxIDs {
		in := s.Inboxes[id]
		if tok == "" || in.WebsiteToken != tok {
			continue
		}
		out := []any{}
		for _, uid := range in.Members {
			u := s.Users[uid]
			out = append(out, map[string]any{"id": u.ID, "name": u.Name, "avatar_url": "", "availability_status": u.Availability})
		}
		sim.WriteJSON(w, http.StatusOK, map[string]any{"payload": out})
		return
	}
	writeError(w, http.StatusNotFound, errNotFound)
}

// ---- JSON shapes (REST) ----

func (s *Server) labelsOf(c *sim.Conversation) []string {
	if c.Labels == nil {
		return []string{}
	}
	return slices.Clone(c.Labels)
}

// agentREST is api/v1/models/_agent.json.jbuilder.
func (s *Server) agentREST(u *sim.User) map[string]any {
	return map[string]any{
		"id": u.ID, "account_id": s.opts.AccountID, "availability_status": u.Availability, "auto_offline": false,
		"confirmed": true, "active": true, "email": u.Email, "provider": "email", "available_name": u.Name,
		"name": u.Name, "role": u.Role, "thumbnail": "",
	}
}

// teamREST is api/v1/models/_team.json.jbuilder.
func (s *Server) teamREST(tm *sim.Team) map[string]any {
	return map[string]any{
		"id": tm.ID, "name": tm.Name, "description": "", "allow_auto_assign": tm.AllowAutoAssign,
		"account_id": s.opts.AccountID, "is_member": slices.Contains(tm.Members, 1),
	}
}

// inboxREST is the main fields of api/v1/models/_inbox.json.jbuilder for a web widget inbox.
// Working hours are disabled; the schedule is Chatwoot's default (Mon–Fri 9–17).
func (s *Server) inboxREST(in *sim.Inbox) map[string]any {
	hours := []any{}
	for d := range 7 {
		closed := d == 0 || d == 6
		h := map[string]any{"day_of_week": d, "closed_all_day": closed, "open_all_day": false,
			"open_hour": nil, "open_minutes": nil, "close_hour": nil, "close_minutes": nil}
		if !closed {
			h["open_hour"], h["open_minutes"], h["close_hour"], h["close_minutes"] = 9, 0, 17, 0
		}
		hours = append(hours, h)
	}
	return map[string]any{
		"id": in.ID, "name": in.Name, "channel_id": in.ID, "channel_type": "Channel::WebWidget", "avatar_url": "",
		"greeting_enabled": false, "greeting_message": nil, "working_hours_enabled": false, "working_hours": hours,
		"timezone": "UTC", "out_of_office_message": nil, "enable_email_collect": true, "csat_survey_enabled": false,
		"enable_auto_assignment": in.AutoAssign, "auto_assignment_config": map[string]any{},
		"allow_messages_after_resolved": true, "lock_to_single_conversation": false, "website_token": in.WebsiteToken,
		"website_url": "http://sandbox.local/", "widget_color": "#1f93ff", "web_widget_script": "",
		"welcome_title": "", "welcome_tagline": "", "reply_time": "in_a_few_minutes", "hmac_mandatory": false,
	}
}

// contactREST is api/v1/models/_contact.json.jbuilder (meta.sender of the REST conversation).
func (s *Server) contactREST(ct *sim.Contact) map[string]any {
	return map[string]any{
		"additional_attributes": map[string]any{}, "availability_status": "offline", "email": sim.NullStr(ct.Email),
		"id": ct.ID, "name": ct.Name, "phone_number": nil, "identifier": nil, "blocked": false, "thumbnail": "",
		"custom_attributes": map[string]any{}, "last_activity_at": nil, "created_at": ct.CreatedAt.Unix(),
	}
}

// conversationREST is api/v1/conversations/partials/_conversation.json.jbuilder. messages holds
// the last message of any kind (activity and private included) in push format.
func (s *Server) conversationREST(c *sim.Conversation) map[string]any {
	meta := map[string]any{
		"sender":        s.contactREST(s.Contacts[c.ContactID]),
		"channel":       "Channel::WebWidget",
		"hmac_verified": false,
	}
	if u := s.Users[c.AssigneeID]; u != nil {
		meta["assignee"], meta["assignee_type"] = s.agentREST(u), "User"
	} else if c.AssigneeBot {
		meta["assignee"] = map[string]any{"id": s.bot.id, "name": s.bot.name, "description": "", "thumbnail": "", "bot_type": "webhook"}
		meta["assignee_type"] = "AgentBot"
	}
	if tm := s.Teams[c.TeamID]; tm != nil {
		meta["team"] = s.teamREST(tm)
	}
	msgs := []any{}
	if n := len(c.Msgs); n > 0 {
		msgs = append(msgs, s.messagePush(c, c.Msgs[n-1]))
	}
	var lastNonActivity any
	for i := len(c.Msgs) - 1; i >= 0; i-- {
		if c.Msgs[i].Type != "activity" {
			lastNonActivity = s.messagePush(c, c.Msgs[i])
			break
		}
	}
	return map[string]any{
		"meta": meta, "id": c.ID, "messages": msgs, "account_id": s.opts.AccountID, "uuid": c.UUID,
		"additional_attributes": c.AdditionalAttrs, "agent_last_seen_at": 0, "assignee_last_seen_at": 0,
		"can_reply": true, "contact_last_seen_at": 0, "custom_attributes": c.CustomAttrs, "inbox_id": c.InboxID,
		"labels": s.labelsOf(c), "muted": false, "snoozed_until": rubyTimeOrNil(c.SnoozedUntil), "status": c.Status,
		"created_at": c.CreatedAt.Unix(), "updated_at": floatTime(c.UpdatedAt), "timestamp": c.LastActivityAt.Unix(),
		"first_reply_created_at": epoch(c.FirstReplyAt), "unread_count": s.unreadCount(c),
		"last_non_activity_message": lastNonActivity, "last_activity_at": c.LastActivityAt.Unix(),
		"priority": sim.NullStr(c.Priority), "waiting_since": epoch(c.WaitingSince), "sla_policy_id": nil,
	}
}

// messageREST is api/v1/models/_message.json.jbuilder (messages list and create response):
// message_type is an integer, created_at epoch seconds.
func (s *Server) messageREST(c *sim.Conversation, m *sim.Message) map[string]any {
	out := map[string]any{
		"id": m.ID, "content": s.contentOf(m), "inbox_id": c.InboxID, "conversation_id": c.ID,
		"message_type": messageTypeInts[m.Type], "content_type": m.ContentType, "status": "sent",
		"content_attributes": m.ContentAttrs, "created_at": m.CreatedAt.Unix(), "private": m.Private, "source_id": nil,
	}
	if snd := s.senderPush(m); snd != nil {
		out["sender"] = snd
	}
	return out
}

func (s *Server) contentOf(m *sim.Message) any {
	if !m.HasContent {
		return nil
	}
	return m.Content
}

func (s *Server) unreadCount(c *sim.Conversation) int {
	n := 0
	for _, m := range c.Msgs {
		if m.Type == "incoming" {
			n++
		}
	}
	return n
}

// ---- push / webhook shapes ----

// contactPush is Contact#push_event_data.
func (s *Server) contactPush(ct *sim.Contact) map[string]any {
	return map[string]any{
		"additional_attributes": map[string]any{}, "custom_attributes": map[string]any{}, "email": sim.NullStr(ct.Email),
		"id": ct.ID, "identifier": nil, "name": ct.Name, "phone_number": nil, "thumbnail": "", "blocked": false, "type": "contact",
	}
}

// userPush is User#push_event_data.
func (s *Server) userPush(u *sim.User) map[string]any {
	return map[string]any{"id": u.ID, "name": u.Name, "available_name": u.Name, "avatar_url": "", "type": "user",
		"availability_status": u.Availability, "thumbnail": ""}
}

func (s *Server) botPush() map[string]any {
	return map[string]any{"id": s.bot.id, "name": s.bot.name, "avatar_url": "", "type": "agent_bot"}
}

func (s *Server) senderPush(m *sim.Message) map[string]any {
	switch m.SenderKind {
	case "contact":
		return s.contactPush(s.Contacts[m.SenderID])
	case "user":
		if u := s.Users[m.SenderID]; u != nil {
			return s.userPush(u)
		}
	case "agent_bot":
		return s.botPush()
	}
	return nil
}

func senderTypeName(kind string) any {
	switch kind {
	case "contact":
		return "Contact"
	case "user":
		return "User"
	case "agent_bot":
		return "AgentBot"
	}
	return nil
}

// messagePush is Message#push_event_data (conversation.messages[] in webhooks and REST).
func (s *Server) messagePush(c *sim.Conversation, m *sim.Message) map[string]any {
	out := map[string]any{
		"id": m.ID, "content": s.contentOf(m), "account_id": s.opts.AccountID, "inbox_id": c.InboxID,
		"conversation_id": c.ID, "message_type": messageTypeInts[m.Type], "created_at": m.CreatedAt.Unix(),
		"updated_at": rubyTime(m.UpdatedAt), "private": m.Private, "status": "sent", "source_id": nil,
		"content_type": m.ContentType, "content_attributes": m.ContentAttrs, "sender_type": senderTypeName(m.SenderKind),
		"sender_id": sim.NullInt(m.SenderID), "external_source_ids": map[string]any{}, "additional_attributes": map[string]any{},
		"processed_message_content": s.contentOf(m), "sentiment": map[string]any{},
		"conversation": map[string]any{
			"assignee_id": sim.NullInt(c.AssigneeID), "unread_count": s.unreadCount(c), "last_activity_at": c.LastActivityAt.Unix(),
			"contact_inbox": map[string]any{"source_id": c.SourceID},
		},
	}
	if snd := s.senderPush(m); snd != nil {
		out["sender"] = snd
	}
	return out
}

func (s *Server) accountWebhook() map[string]any {
	return map[string]any{"id": s.opts.AccountID, "name": s.opts.AccountName}
}

// senderWebhook is sender.webhook_data: a contact without "type"; a user {id,name,email,type};
// the bot {id,name,type}; nil for template and system messages.
func (s *Server) senderWebhook(m *sim.Message) any {
	switch m.SenderKind {
	case "contact":
		ct := s.Contacts[m.SenderID]
		return map[string]any{
			"account": s.accountWebhook(), "additional_attributes": map[string]any{}, "avatar": "",
			"custom_attributes": map[string]any{}, "email": sim.NullStr(ct.Email), "id": ct.ID, "identifier": nil,
			"name": ct.Name, "phone_number": nil, "thumbnail": "", "blocked": false,
		}
	case "user":
		if u := s.Users[m.SenderID]; u != nil {
			return map[string]any{"id": u.ID, "name": u.Name, "email": u.Email, "type": "user"}
		}
	case "agent_bot":
		return map[string]any{"id": s.bot.id, "name": s.bot.name, "type": "agent_bot"}
	}
	return nil
}

// conversationWebhook is Conversations::EventDataPresenter#webhook_data (push_data + account).
// messages holds only the last message of the chat scope (not activity, not private).
func (s *Server) conversationWebhook(c *sim.Conversation) map[string]any {
	meta := map[string]any{
		"sender":        s.contactPush(s.Contacts[c.ContactID]),
		"assignee":      nil,
		"assignee_type": nil,
		"team":          nil,
		"hmac_verified": false,
	}
	if u := s.Users[c.AssigneeID]; u != nil {
		meta["assignee"], meta["assignee_type"] = s.userPush(u), "User"
	} else if c.AssigneeBot {
		meta["assignee"], meta["assignee_type"] = s.botPush(), "AgentBot"
	}
	if tm := s.Teams[c.TeamID]; tm != nil {
		meta["team"] = map[string]any{"id": tm.ID, "name": tm.Name}
	}
	msgs := []any{}
	for i := len(c.Msgs) - 1; i >= 0; i-- {
		m := c.Msgs[i]
		if !m.Private && m.Type != "activity" {
			msgs = append(msgs, s.messagePush(c, m))
			break
		}
	}
	return map[string]any{
		"additional_attributes": c.AdditionalAttrs, "can_reply": true, "channel": "Channel::WebWidget",
		"contact_inbox": map[string]any{
			"id": c.ContactInboxID, "contact_id": c.ContactID, "inbox_id": c.InboxID, "source_id": c.SourceID,
			"created_at": rubyTime(c.CreatedAt), "updated_at": rubyTime(c.CreatedAt), "hmac_verified": false,
			"pubsub_token": c.PubsubToken,
		},
		"id": c.ID, "inbox_id": c.InboxID, "messages": msgs, "labels": s.labelsOf(c), "meta": meta,
		"status": c.Status, "custom_attributes": c.CustomAttrs, "snoozed_until": rubyTimeOrNil(c.SnoozedUntil),
		"unread_count": s.unreadCount(c), "first_reply_created_at": rubyTimeOrNil(c.FirstReplyAt),
		"priority": sim.NullStr(c.Priority), "waiting_since": epoch(c.WaitingSince), "agent_last_seen_at": 0,
		"contact_last_seen_at": 0, "last_activity_at": c.LastActivityAt.Unix(), "timestamp": c.LastActivityAt.Unix(),
		"created_at": c.CreatedAt.Unix(), "updated_at": floatTime(c.UpdatedAt), "account": s.accountWebhook(),
	}
}

// messageWebhook is Message#webhook_data merged with the event name.
func (s *Server) messageWebhook(event string, c *sim.Conversation, m *sim.Message) map[string]any {
	return map[string]any{
		"event": event, "id": m.ID, "content": s.contentOf(m), "content_type": m.ContentType,
		"content_attributes": m.ContentAttrs, "additional_attributes": map[string]any{}, "message_type": m.Type,
		"private": m.Private, "source_id": nil, "created_at": rubyTime(m.CreatedAt), "account": s.accountWebhook(),
		"inbox": map[string]any{"id": c.InboxID, "name": s.Inboxes[c.InboxID].Name}, "sender": s.senderWebhook(m),
		"conversation": s.conversationWebhook(c),
	}
}

// ---- webhook events and delivery ----

// outEvent is one webhook payload, serialised when the event happened (like Sidekiq job args).
type outEvent struct {
	name  string
	msgID int
	body  []byte
}

// botReceives is agent_bots_for (app/listeners/agent_bot_listener.rb): the inbox's active bot
// and the conversation's assigned bot; the sim has one bot, so one copy.
func (s *Server) botReceives(c *sim.Conversation) bool {
	return s.Inboxes[c.InboxID].WithBot || c.AssigneeBot
}

// messageEvent queues message_created/message_updated for sendable messages: incoming,
// outgoing and template, private notes included (Message#webhook_sendable?).
func (t *tx) messageEvent(name string, c *sim.Conversation, m *sim.Message) {
	s := t.s
	if !s.botReceives(c) || m.Type == "activity" {
		return
	}
	body, err := json.Marshal(s.messageWebhook(name, c, m))
	if err != nil {
		s.log.Error("marshal webhook", "event", name, "err", err)
		return
	}
	t.events = append(t.events, outEvent{name: name, msgID: m.ID, body: body})
}

// conversationEvent builds a conversation_* event; changes become changed_attributes
// [{attr: {previous_value, current_value}}] (BaseListener#extract_changed_attributes). It returns
// the zero outEvent when no bot receives it.
func (t *tx) conversationEvent(name string, c *sim.Conversation, changes []change) outEvent {
	s := t.s
	if !s.botReceives(c) {
		return outEvent{}
	}
	payload := s.conversationWebhook(c)
	payload["event"] = name
	if name == "conversation_status_changed" || name == "conversation_updated" {
		ca := make([]any, 0, len(changes))
		for _, ch := range changes {
			ca = append(ca, map[string]any{ch.key: map[string]any{"previous_value": ch.prev, "current_value": ch.cur}})
		}
		payload["changed_attributes"] = ca
	}
	body, err := json.Marshal(payload)
	if err != nil {
		s.log.Error("marshal webhook", "event", name, "err", err)
		return outEvent{}
	}
	return outEvent{name: name, body: body}
}

// cwMeta marks the Chatwoot dialect's entries in the delivery log.
type cwMeta struct{}

// cwDelivery is one entry of the delivery log as Deliveries shows it.
func cwDelivery(d simnet.Delivery) Delivery {
	out := Delivery{Event: d.Event, DeliveryID: d.ID, Attempt: d.Attempt, Status: d.Status}
	if d.Err != nil {
		out.Err = d.Err.Error()
	}
	return out
}

// cwRetryable is RETRYABLE_AGENT_BOT_STATUSES (lib/webhooks/trigger.rb): 429 and 500, not a
// transport error.
func cwRetryable(status int, err error) bool {
	return err == nil && (status == http.StatusTooManyRequests || status == http.StatusInternalServerError)
}

// dispatchLocked sends each event (AgentBots::WebhookJob, queue high): 3 attempts, RetryWait
// apart, retried only on 429 and 500; a final failure of a message event runs botFailed. Callers
// hold s.mu.
func (s *Server) dispatchLocked(evs []outEvent) {
	if s.webhookURL == "" {
		return
	}
	for _, ev := range evs {
		id := sim.NewUUID()
		s.Hooks.Send(simnet.Webhook{
			URL: s.webhookURL, Body: ev.body, Header: s.webhookHeader(id, ev.body),
			Policy: simnet.Policy{Attempts: 3, Wait: s.opts.RetryWait, Retry: cwRetryable},
			Event:  ev.name, ID: id, Meta: cwMeta{},
			Done: func(r simnet.Result) { s.delivered(ev, id, r) },
		})
	}
}

// delivered logs how a delivery ended and runs botFailed after a final failure of a message
// event (unless KeepPendingOnBotFailure).
func (s *Server) delivered(ev outEvent, deliveryID string, r simnet.Result) {
	switch {
	case r.Canceled:
		return
	case r.OK:
		s.log.Debug("webhook delivered", "event", ev.name, "delivery", deliveryID, "attempt", r.Attempts)
		return
	}
	s.log.Warn("webhook delivery failed", "event", ev.name, "delivery", deliveryID, "attempt", r.Attempts, "status", r.Status, "err", r.Err)
	if (ev.name == "message_created" || ev.name == "message_updated") && !s.opts.KeepPendingOnBotFailure {
		s.botFailed(ev.msgID)
	}
}

// webhookHeader returns the headers of each attempt (lib/webhooks/trigger.rb): JSON, Accept,
// X-Chatwoot-Delivery and, with a secret and unless Unsigned, X-Chatwoot-Timestamp and
// X-Chatwoot-Signature: sha256=hex(HMAC-SHA256(secret, "<ts>.<body>")), recomputed per attempt.
func (s *Server) webhookHeader(deliveryID string, body []byte) func() http.Header {
	return func() http.Header {
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("Accept", "application/json")
		h.Set("X-Chatwoot-Delivery", deliveryID)
		if !s.opts.Unsigned && s.opts.WebhookSecret != "" {
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			h.Set("X-Chatwoot-Timestamp", ts)
			h.Set("X-Chatwoot-Signature", "sha256="+Sign(s.opts.WebhookSecret, ts, body))
		}
		return h
	}
}

// Sign returns the hex HMAC-SHA256 of "<timestamp>.<body>" with secret, the value after
// "sha256=" in X-Chatwoot-Signature.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// ---- value helpers ----

// rubyTime formats like ActiveSupport's JSON encoding of a Time (3 decimals, UTC "Z").
func rubyTime(t time.Time) string { return sim.TimeMillis(t) }

func rubyTimeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return rubyTime(t)
}

func epoch(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func floatTime(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }

func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA != nil || errB != nil {
		return reflect.DeepEqual(a, b)
	}
	return bytes.Equal(ja, jb)
}

// GET /agent_bots: the account's agent bots (api/v1/accounts/agent_bots/index.json.jbuilder,
// api/v1/models/_agent_bot.json.jbuilder); outgoing_url is where its webhooks go.
func (s *Server) cwAgentBots(w http.ResponseWriter, _ *http.Request, _ *reqCtx) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, s.cwAgentBotsJSON()) // chatwoot_install.go
}

// GET /api/v1/profile: the token's user (profiles_controller.rb, profiles/show.json.jbuilder)
// with its role in each account. Not open to bot tokens (BOT_ACCESSIBLE_ENDPOINTS).
func (s *Server) cwProfile(w http.ResponseWriter, r *http.Request, _ *reqCtx) {
	switch token := r.Header.Get("api_access_token"); {
	case token == "":
		sim.WriteJSON(w, http.StatusUnauthorized, map[string]any{"errors": []string{errSignIn}})
		return
	case s.opts.BotToken != "" && token == s.opts.BotToken:
		writeError(w, http.StatusUnauthorized, errBotEndpoint)
		return
	case s.opts.UserToken == "" || token != s.opts.UserToken:
		writeError(w, http.StatusUnauthorized, errInvalidToken)
		return
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	u := s.Users[1]
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"id": u.ID, "name": u.Name, "display_name": u.Name, "email": u.Email, "available_name": u.Name,
		"role": u.Role, "accounts": []any{map[string]any{
			"id": s.opts.AccountID, "name": "Acme", "status": "active", "role": u.Role, "permissions": []string{u.Role},
			"availability": u.Availability, "availability_status": u.Availability, "auto_offline": false,
		}},
	})
}
