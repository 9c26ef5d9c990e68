package sim

// Libredesk's HTTP API (cmd/handlers.go, cmd/conversation.go, cmd/messages.go, cmd/users.go,
// cmd/middlewares.go; v2.7.0) on the sim's core model. Every response is fastglue's envelope:
// {"status":"success","data":…} or {"status":"error","message":…,"data":null,"error_type":…}.

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/sim/simnet"
)

// Libredesk's error types (internal/envelope).
const (
	ldGeneralError    = "GeneralException"
	ldPermissionError = "PermissionException"
	ldInputError      = "InputException"
	ldNotFoundError   = "NotFoundException"
	ldConflictError   = "ConflictException"
)

// ldMaxPageSize caps page_size. Simplification: recent Libredesk allows 500 (cmd/handlers.go
// maxPageSize); 100 is what every version accepts.
const ldMaxPageSize = 100

// ldHandler handles one authenticated API call; userID is the API key's agent.
type ldHandler func(w http.ResponseWriter, r *http.Request, userID int, body []byte)

func (l *Libredesk) routes() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern, perm string, h ldHandler) { mux.Handle(pattern, l.api(perm, h)) }
	// perm "" is auth() only; otherwise perm(handler, "object:action").
	api("GET /api/v1/conversations/all", "conversations:read_all", l.listConversations("all"))
	api("GET /api/v1/conversations/unassigned", "conversations:read_unassigned", l.listConversations("unassigned"))
	api("GET /api/v1/conversations/assigned", "conversations:read_assigned", l.listConversations("assigned"))
	api("GET /api/v1/teams/{id}/conversations/unassigned", "conversations:read_team_inbox", l.teamUnassigned)
	api("GET /api/v1/conversations/{uuid}", "conversations:read", l.getConversation)
	api("GET /api/v1/conversations/{uuid}/messages", "messages:read", l.getMessages)
	api("POST /api/v1/conversations/{uuid}/messages", "messages:write", l.sendMessage)
	api("PUT /api/v1/conversations/{uuid}/assignee/user", "conversations:update_user_assignee", l.assignUserHandler)
	api("PUT /api/v1/conversations/{uuid}/assignee/team", "conversations:update_team_assignee", l.assignTeamHandler)
	api("PUT /api/v1/conversations/{uuid}/assignee/user/remove", "conversations:update_user_assignee", l.removeAssignee("user"))
	api("PUT /api/v1/conversations/{uuid}/assignee/team/remove", "conversations:update_team_assignee", l.removeAssignee("team"))
	api("PUT /api/v1/conversations/{uuid}/status", "conversations:update_status", l.statusHandler)
	api("POST /api/v1/conversations/{uuid}/tags", "conversations:update_tags", l.tagsHandler)
	api("GET /api/v1/agents/compact", "", l.agentsCompact)
	api("GET /api/v1/agents/me", "", l.agentMe)
	api("GET /api/v1/webhooks", "webhooks:manage", l.listWebhooks)
	l.installRoutes(api) // libredesk_install.go
	api("GET /api/v1/agents/{id}", "users:manage", l.agent)
	api("GET /api/v1/teams/compact", "", l.teamsCompact)
	api("GET /api/v1/inboxes", "", l.listInboxes)
	api("GET /api/v1/tags", "", l.listTags)
	api("POST /api/v1/tags", "tags:manage", l.createTag)
	api("GET /api/v1/statuses", "", l.statuses)
	// The widget (visitor) API: X-Libredesk-Inbox-ID and a session token, no API key.
	mux.Handle("POST /api/v1/widget/chat/conversations/init", l.widget(l.widgetInit))
	mux.Handle("POST /api/v1/widget/chat/conversations/{uuid}/message", l.widget(l.widgetSend))
	mux.Handle("GET /api/v1/widget/chat/conversations/{uuid}", l.widget(l.widgetGet))
	mux.Handle("/api/", l.widget(func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		ldError(w, http.StatusNotFound, "Not found", ldNotFoundError)
	}))
	l.uiRoutes(mux)
	return mux
}

// ldOK writes the success envelope.
func ldOK(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "success", "data": data})
}

// ldError writes the error envelope (fastglue SendErrorEnvelope).
func ldError(w http.ResponseWriter, status int, msg, typ string) {
	writeJSON(w, status, map[string]any{"status": "error", "message": msg, "data": nil, "error_type": typ})
}

// apiKeyFrom parses fastglue's ParseAuthHeader(AuthBasic|AuthToken): "token key:secret" or
// "Basic base64(key:secret)".
func ldAPIKeyFrom(h string) (key, secret string, ok bool) {
	scheme, rest, found := strings.Cut(strings.TrimSpace(h), " ")
	if !found {
		return "", "", false
	}
	switch strings.ToLower(scheme) {
	case "token":
	case "basic":
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return "", "", false
		}
		rest = string(b)
	default:
		return "", "", false
	}
	key, secret, found = strings.Cut(strings.TrimSpace(rest), ":")
	return key, secret, found && key != "" && secret != ""
}

// ldFaults are the answers to injected faults: the rate limiter's 429 (cmd/middlewares.go
// rateLimit) and a 500, both in the envelope.
var ldFaults = simnet.Responses{
	TooMany: func(w http.ResponseWriter) {
		ldError(w, http.StatusTooManyRequests, "Too many requests, please try again later.", ldGeneralError)
	},
	ServerError: func(w http.ResponseWriter) {
		ldError(w, http.StatusInternalServerError, "Something went wrong", ldGeneralError)
	},
}

// api wraps an agent API route like cmd/middlewares.go: authenticateUser (API key from the
// Authorization header; without one the session check fails), then the permission, then the
// handler. Bodies are captured and every call is logged.
func (l *Libredesk) api(perm string, h ldHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := simnet.ReadBody(r, maxBody)
		s := l.s
		key, sec, hasKey := ldAPIKeyFrom(r.Header.Get("Authorization"))
		userID := 0
		kind := ""
		if hasKey {
			s.mu.Lock()
			if k, ok := l.st.keys[key]; ok && k.secret == sec && s.users[k.userID] != nil {
				userID, kind = k.userID, "key"
			} else {
				kind = "invalid"
			}
			s.mu.Unlock()
		}
		call := simnet.NewCall(r, body)
		call.Token = kind
		s.mw.Serve(w, r, &call, ldFaults, func(sw http.ResponseWriter) {
			switch kind {
			case "":
				ldError(sw, http.StatusUnauthorized, "Invalid or expired session", ldGeneralError)
				return
			case "invalid":
				ldError(sw, http.StatusUnauthorized, "Invalid credential", ldGeneralError)
				return
			}
			if perm != "" {
				s.mu.Lock()
				ok := l.permitted(userID, perm)
				s.mu.Unlock()
				if !ok {
					ldError(sw, http.StatusForbidden, "Permission denied", ldPermissionError)
					return
				}
			}
			h(sw, r, userID, body)
		})
	})
}

// withConversation runs fn under the lock on the path's conversation after
// enforceConversationAccess; unknown conversations are 404, others' are 403.
func (l *Libredesk) withConversation(w http.ResponseWriter, r *http.Request, userID int, fn func(t *ldTx, c *conversation)) {
	t := l.ldLock()
	defer t.unlock()
	c := l.convByUUID(r.PathValue("uuid"))
	if c == nil {
		// Simplification: Libredesk answers a malformed uuid with a database error (500).
		ldError(w, http.StatusNotFound, "Conversation not found", ldNotFoundError)
		return
	}
	if !l.canAccess(userID, c) {
		ldError(w, http.StatusForbidden, "Permission denied", ldPermissionError)
		return
	}
	fn(t, c)
}

// decode unmarshals a JSON body; it answers 400 "Error parsing request" itself.
func decodeLD(w http.ResponseWriter, body []byte, v any) bool {
	if err := json.Unmarshal(body, v); err != nil {
		ldError(w, http.StatusBadRequest, "Error parsing request", ldInputError)
		return false
	}
	return true
}

func ldPagination(r *http.Request) (page, size int) {
	page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	size, _ = strconv.Atoi(r.URL.Query().Get("page_size"))
	if page < 1 {
		page = 1
	}
	if size < 1 {
		size = 30
	}
	return page, min(size, ldMaxPageSize)
}

// pageResults is envelope.PageResults.
func ldPageResults(items []any, page, size int) map[string]any {
	total := len(items)
	from := min((page-1)*size, total)
	to := min(from+size, total)
	results := items[from:to]
	if results == nil {
		results = []any{}
	}
	return map[string]any{"results": results, "total": total, "per_page": size, "total_pages": (total + size - 1) / size, "page": page}
}

// GET /api/v1/conversations/{uuid}
func (l *Libredesk) getConversation(w http.ResponseWriter, r *http.Request, userID int, _ []byte) {
	l.withConversation(w, r, userID, func(_ *ldTx, c *conversation) { ldOK(w, l.conversationJSON(c)) })
}

// GET /api/v1/conversations/{uuid}/messages?page=&page_size=&private=&type=: newest first
// (GetConversationMessages orders by created_at DESC).
func (l *Libredesk) getMessages(w http.ResponseWriter, r *http.Request, userID int, _ []byte) {
	page, size := ldPagination(r)
	q := r.URL.Query()
	types := q["type"]
	l.withConversation(w, r, userID, func(_ *ldTx, c *conversation) {
		var items []any
		for i := len(c.msgs) - 1; i >= 0; i-- {
			m := c.msgs[i]
			if q.Has("private") && strconv.FormatBool(m.private) != strings.ToLower(q.Get("private")) {
				continue
			}
			if len(types) > 0 && !slices.Contains(types, m.typ) {
				continue
			}
			items = append(items, l.messageJSON(c, m))
		}
		ldOK(w, ldPageResults(items, page, size))
	})
}

// POST /api/v1/conversations/{uuid}/messages {message, private, sender_type, echo_id, ...}
// (handleSendMessage): sender_type must be agent or contact; a private message is a note; a
// reply keeps echo_id in meta.echo_id and is queued "pending".
func (l *Libredesk) sendMessage(w http.ResponseWriter, r *http.Request, userID int, body []byte) {
	var req struct {
		Message    string `json:"message"`
		Private    bool   `json:"private"`
		SenderType string `json:"sender_type"`
		EchoID     string `json:"echo_id"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		// handleSendMessage answers a decode error with 500 and an InputException.
		ldError(w, http.StatusInternalServerError, "Error parsing request", ldInputError)
		return
	}
	switch {
	case req.SenderType != "agent" && req.SenderType != "contact":
		ldError(w, http.StatusBadRequest, "Something went wrong", ldInputError)
		return
	case req.SenderType == "contact" && req.Private:
		ldError(w, http.StatusBadRequest, "Bad request", ldInputError)
		return
	}
	l.withConversation(w, r, userID, func(t *ldTx, c *conversation) {
		if req.SenderType == "contact" {
			// messages:write_as_contact is in neither built-in role (internal/authz and the roles in schema.sql).
			if perms, ok := l.st.perms[userID]; !ok || !slices.Contains(perms, "messages:write_as_contact") {
				ldError(w, http.StatusForbidden, "Permission denied", ldPermissionError)
				return
			}
			ct := l.s.contacts[c.contactID]
			m, _ := t.incoming(c, c.inboxID, ct, ldHTMLToText(req.Message))
			ldOK(w, l.messageJSON(c, m))
			return
		}
		var meta map[string]any
		if req.EchoID != "" && !req.Private {
			meta = map[string]any{"echo_id": req.EchoID}
		}
		m := t.reply(c, userID, req.Message, req.Private, meta)
		ldOK(w, l.messageJSON(c, m))
	})
}

// PUT /api/v1/conversations/{uuid}/assignee/user {assignee_id}
func (l *Libredesk) assignUserHandler(w http.ResponseWriter, r *http.Request, userID int, body []byte) {
	var req struct {
		AssigneeID int `json:"assignee_id"`
	}
	if !decodeLD(w, body, &req) {
		return
	}
	l.withConversation(w, r, userID, func(t *ldTx, c *conversation) {
		if c.assigneeID == req.AssigneeID {
			ldOK(w, true) // "Already assigned?"
			return
		}
		if u := l.s.users[req.AssigneeID]; u == nil || u.role == "system" {
			// The foreign key fails in UpdateAssignee: a generic error.
			ldError(w, http.StatusInternalServerError, "Error updating conversation", ldGeneralError)
			return
		}
		t.assignUser(c, req.AssigneeID, userID)
		ldOK(w, true)
	})
}

// PUT /api/v1/conversations/{uuid}/assignee/team {assignee_id}: the team must exist; the user
// assignee is cleared when the team changes.
func (l *Libredesk) assignTeamHandler(w http.ResponseWriter, r *http.Request, userID int, body []byte) {
	var req struct {
		AssigneeID int `json:"assignee_id"`
	}
	if !decodeLD(w, body, &req) {
		return
	}
	l.s.mu.Lock()
	ok := l.s.teams[req.AssigneeID] != nil
	l.s.mu.Unlock()
	if !ok {
		ldError(w, http.StatusNotFound, "Team not found", ldNotFoundError)
		return
	}
	l.withConversation(w, r, userID, func(t *ldTx, c *conversation) {
		t.assignTeam(c, req.AssigneeID, userID)
		ldOK(w, true)
	})
}

// PUT /api/v1/conversations/{uuid}/assignee/{user|team}/remove (no body).
func (l *Libredesk) removeAssignee(kind string) ldHandler {
	return func(w http.ResponseWriter, r *http.Request, userID int, _ []byte) {
		l.withConversation(w, r, userID, func(t *ldTx, c *conversation) {
			if kind == "user" {
				t.unassignUser(c, userID)
			} else {
				c.teamID = 0
				c.updatedAt = time.Now()
			}
			ldOK(w, true)
		})
	}
}

// PUT /api/v1/conversations/{uuid}/status {status, snoozed_until}
func (l *Libredesk) statusHandler(w http.ResponseWriter, r *http.Request, userID int, body []byte) {
	var req struct {
		Status       string `json:"status"`
		SnoozedUntil string `json:"snoozed_until"`
	}
	if !decodeLD(w, body, &req) {
		return
	}
	switch {
	case req.Status == "":
		ldError(w, http.StatusBadRequest, "`status` is empty", ldInputError)
		return
	case req.Status == LibredeskSnoozed && req.SnoozedUntil == "":
		ldError(w, http.StatusBadRequest, "`snoozed_until` is empty", ldInputError)
		return
	case req.Status == LibredeskSnoozed:
		if _, err := time.ParseDuration(req.SnoozedUntil); err != nil {
			ldError(w, http.StatusBadRequest, "Bad request", ldInputError)
			return
		}
	}
	l.withConversation(w, r, userID, func(t *ldTx, c *conversation) {
		if !validLDStatus(req.Status) {
			ldError(w, http.StatusInternalServerError, "Error updating conversation", ldGeneralError)
			return
		}
		t.setStatus(c, req.Status, userID)
		ldOK(w, true)
	})
}

// POST /api/v1/conversations/{uuid}/tags {tags:[…], action?} (handleUpdateConversationtags):
// action is add_tags, remove_tags or set_tags (amodels.ActionAddTags and friends, since
// v2.3.0); without one the list replaces the conversation's tags; any other value is a 400.
// Unknown tag names are dropped without a word either way.
func (l *Libredesk) tagsHandler(w http.ResponseWriter, r *http.Request, userID int, body []byte) {
	var req struct {
		Tags   []string `json:"tags"`
		Action string   `json:"action"`
	}
	if !decodeLD(w, body, &req) {
		return
	}
	switch req.Action {
	case "", "set_tags", "add_tags", "remove_tags":
	default:
		ldError(w, http.StatusBadRequest, "Error parsing request", ldInputError)
		return
	}
	l.withConversation(w, r, userID, func(t *ldTx, c *conversation) {
		t.setTags(c, req.Action, req.Tags, userID)
		ldOK(w, true)
	})
}

// GET /api/v1/conversations/{all,unassigned,assigned}: ConversationListItem pages, most recent
// last_message_at first. "assigned" is the caller's own conversations. The filters parameter
// (dbutil.BuildPaginatedQuery) takes the flat array of AND-ed leaves
// [{model, field, operator, value}], for the fields of ldFilterValue and the operators equals,
// not equals, set and not set; anything else is the 500 GetConversations answers when the
// query cannot be built.
func (l *Libredesk) listConversations(list string) ldHandler {
	return func(w http.ResponseWriter, r *http.Request, userID int, _ []byte) {
		page, size := ldPagination(r)
		var filters []ldFilter
		if raw := strings.TrimSpace(r.URL.Query().Get("filters")); raw != "" && raw != "[]" {
			if json.Unmarshal([]byte(raw), &filters) != nil || !ldFiltersValid(filters) {
				ldError(w, http.StatusInternalServerError, "Something went wrong", ldGeneralError)
				return
			}
		}
		l.s.mu.Lock()
		defer l.s.mu.Unlock()
		ldOK(w, ldPageResults(l.listLocked(func(c *conversation) bool {
			for _, f := range filters {
				if !l.ldFilterMatch(f, c) {
					return false
				}
			}
			switch list {
			case "assigned":
				return c.assigneeID == userID
			case "unassigned":
				return c.assigneeID == 0
			}
			return true
		}), page, size))
	}
}

// ldFilter is a leaf of dbutil's FilterNode.
type ldFilter struct {
	Model    string `json:"model"`
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    string `json:"value"`
}

// ldFiltersValid checks the leaves against the fields and operators the simulator knows.
func ldFiltersValid(fs []ldFilter) bool {
	for _, f := range fs {
		if _, ok := ldFilterFields[f.Model+"."+f.Field]; !ok {
			return false
		}
		switch f.Operator {
		case "equals", "not equals":
			if strings.TrimSpace(f.Value) == "" {
				return false // "operator requires a value"
			}
		case "set", "not set":
		default:
			return false
		}
	}
	return true
}

// ldFilterFields are the filterable columns the simulator renders: model.field → its value in a
// conversation ("" for NULL).
var ldFilterFields = map[string]func(l *Libredesk, c *conversation) string{
	"conversations.assigned_user_id": func(_ *Libredesk, c *conversation) string { return ldIntOrEmpty(c.assigneeID) },
	"conversations.assigned_team_id": func(_ *Libredesk, c *conversation) string { return ldIntOrEmpty(c.teamID) },
	"conversations.inbox_id":         func(_ *Libredesk, c *conversation) string { return strconv.Itoa(c.inboxID) },
	"conversation_statuses.name":     func(_ *Libredesk, c *conversation) string { return c.status },
	"inboxes.channel":                func(l *Libredesk, c *conversation) string { return l.st.inboxes[c.inboxID].channel },
	"conversations.last_interaction_sender": func(l *Libredesk, c *conversation) string {
		s, _ := l.lastMessageFields(c)["last_interaction_sender"].(string)
		return s
	},
}

func ldIntOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// ldFilterMatch is one leaf in SQL's terms: = and != are false against NULL.
func (l *Libredesk) ldFilterMatch(f ldFilter, c *conversation) bool {
	v := ldFilterFields[f.Model+"."+f.Field](l, c)
	switch f.Operator {
	case "equals":
		return v != "" && v == f.Value
	case "not equals":
		return v != "" && v != f.Value
	case "set":
		return v != ""
	}
	return v == "" // not set
}

// GET /api/v1/teams/{id}/conversations/unassigned: the caller must be a team member.
func (l *Libredesk) teamUnassigned(w http.ResponseWriter, r *http.Request, userID int, _ []byte) {
	page, size := ldPagination(r)
	teamID, _ := strconv.Atoi(r.PathValue("id"))
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	tm := l.s.teams[teamID]
	if teamID < 1 || tm == nil {
		ldError(w, http.StatusBadRequest, "Invalid `team_id`", ldInputError)
		return
	}
	if !slices.Contains(tm.members, userID) {
		ldError(w, http.StatusForbidden, "You are not a member of this team", ldPermissionError)
		return
	}
	ldOK(w, ldPageResults(l.listLocked(func(c *conversation) bool { return c.teamID == teamID && c.assigneeID == 0 }), page, size))
}

func (l *Libredesk) listLocked(keep func(*conversation) bool) []any {
	var convs []*conversation
	for _, id := range l.s.convIDs {
		c := l.s.convs[id]
		if l.st.inboxes[c.inboxID] != nil && keep(c) {
			convs = append(convs, c)
		}
	}
	sort.SliceStable(convs, func(i, j int) bool { return convs[i].lastActivityAt.After(convs[j].lastActivityAt) })
	out := make([]any, 0, len(convs))
	for _, c := range convs {
		out = append(out, l.listItemJSON(c))
	}
	return out
}

// GET /api/v1/agents/compact: enabled agents, without the System user.
func (l *Libredesk) agentsCompact(w http.ResponseWriter, _ *http.Request, _ int, _ []byte) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	out := []any{}
	for _, id := range l.s.userIDs {
		if u := l.s.users[id]; u.role != "system" {
			out = append(out, l.agentCompactJSON(u))
		}
	}
	ldOK(w, out)
}

// GET /api/v1/agents/{id} (users:manage): the agent with roles, teams and permissions.
func (l *Libredesk) agent(w http.ResponseWriter, r *http.Request, _ int, _ []byte) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id <= 0 {
		ldError(w, http.StatusBadRequest, "Invalid `id`", ldInputError)
		return
	}
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	u := l.s.users[id]
	if u == nil || u.role == "system" {
		ldError(w, http.StatusNotFound, "User not found", ldNotFoundError)
		return
	}
	a := l.agentCompactJSON(u)
	teams := []any{}
	for _, tid := range l.s.teamIDs {
		if tm := l.s.teams[tid]; slices.Contains(tm.members, u.id) {
			teams = append(teams, map[string]any{"id": tm.id, "name": tm.name, "emoji": nil})
		}
	}
	a["teams"] = teams
	role := "Agent"
	if u.role == "administrator" {
		role = "Admin"
	}
	a["roles"] = []string{role}
	perms, ok := l.st.perms[u.id]
	if !ok {
		perms = LibredeskPermissions
	}
	a["permissions"] = slices.Clone(perms)
	a["last_active_at"] = l.st.lastActive[u.id]
	ldOK(w, a)
}

// GET /api/v1/teams/compact: [{id, name, emoji}].
func (l *Libredesk) teamsCompact(w http.ResponseWriter, _ *http.Request, _ int, _ []byte) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	out := []any{}
	for _, id := range l.s.teamIDs {
		tm := l.s.teams[id]
		out = append(out, map[string]any{"id": tm.id, "name": tm.name, "emoji": nil})
	}
	ldOK(w, out)
}

// GET /api/v1/inboxes (auth only): every inbox, [{id, name, channel, enabled, ...}]; the
// channel config is left out.
func (l *Libredesk) listInboxes(w http.ResponseWriter, _ *http.Request, _ int, _ []byte) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	out := []any{}
	for _, id := range l.s.inboxIDs {
		in, ok := l.st.inboxes[id]
		if !ok {
			continue
		}
		core := l.s.inboxes[id]
		out = append(out, map[string]any{"id": id, "created_at": core.createdAt, "updated_at": core.createdAt,
			"name": core.name, "channel": in.channel, "enabled": true, "csat_enabled": false, "from": ""})
	}
	ldOK(w, out)
}

// GET /api/v1/tags: [{id, name, created_at, updated_at}].
func (l *Libredesk) listTags(w http.ResponseWriter, _ *http.Request, _ int, _ []byte) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	out := []any{}
	for _, n := range l.st.tagIDs {
		out = append(out, map[string]any{"id": l.st.tags[n], "name": n})
	}
	ldOK(w, out)
}

// POST /api/v1/tags {name}: a duplicate name is a 409 conflict.
func (l *Libredesk) createTag(w http.ResponseWriter, _ *http.Request, _ int, body []byte) {
	var req struct {
		Name string `json:"name"`
	}
	if !decodeLD(w, body, &req) {
		return
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		ldError(w, http.StatusBadRequest, "`name` is empty", ldInputError)
		return
	}
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if _, ok := l.st.tags[name]; ok {
		ldError(w, http.StatusConflict, "Already exists", ldConflictError)
		return
	}
	ldOK(w, map[string]any{"id": l.addTagLocked(name), "name": name})
}

// GET /api/v1/statuses: the default statuses.
func (l *Libredesk) statuses(w http.ResponseWriter, _ *http.Request, _ int, _ []byte) {
	out := []any{}
	for i, n := range []string{LibredeskOpen, LibredeskSnoozed, LibredeskResolved, LibredeskClosed} {
		out = append(out, map[string]any{"id": i + 1, "name": n})
	}
	ldOK(w, out)
}

// ---- widget API ----

// widget wraps a widget route: body capture, faults and the call log; no API key.
func (l *Libredesk) widget(h func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := simnet.ReadBody(r, maxBody)
		call := simnet.NewCall(r, body)
		l.s.mw.Serve(w, r, &call, ldFaults, func(sw http.ResponseWriter) { h(sw, r, body) })
	})
}

// widgetInbox finds the inbox named by X-Libredesk-Inbox-ID. Callers hold s.mu.
func (l *Libredesk) widgetInbox(r *http.Request) int {
	id := strings.TrimSpace(r.Header.Get("X-Libredesk-Inbox-ID"))
	for inboxID, in := range l.st.inboxes {
		if id != "" && in.uuid == id && in.channel == "livechat" {
			return inboxID
		}
	}
	return 0
}

// POST /api/v1/widget/chat/conversations/init {message, form_data}: a new visitor (unless a
// session token is sent) and a new conversation.
func (l *Libredesk) widgetInit(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Message string `json:"message"`
	}
	if !decodeLD(w, body, &req) {
		return
	}
	if strings.TrimSpace(req.Message) == "" {
		ldError(w, http.StatusBadRequest, "`message` is empty", ldInputError)
		return
	}
	t := l.ldLock()
	defer t.unlock()
	inboxID := l.widgetInbox(r)
	if inboxID == 0 {
		ldError(w, http.StatusBadRequest, "Invalid inbox", ldInputError)
		return
	}
	token, ct := l.widgetSession(r)
	if ct == nil {
		ct = l.contactLocked(l.s.randToken(8))
		token = ldRandomHex(20)
		l.st.sessions[token] = ct.id
	}
	m, _ := t.incoming(nil, inboxID, ct, req.Message)
	c := l.s.convs[m.convID]
	ldOK(w, map[string]any{"session_token": token, "conversation": l.widgetConversationJSON(c), "messages": l.widgetMessages(c)})
}

// widgetSession resolves "Authorization: Bearer <session_token>". Callers hold s.mu.
func (l *Libredesk) widgetSession(r *http.Request) (string, *contact) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return "", nil
	}
	id, ok := l.st.sessions[strings.TrimSpace(tok)]
	if !ok {
		return "", nil
	}
	return tok, l.s.contacts[id]
}

// POST /api/v1/widget/chat/conversations/{uuid}/message {message}
func (l *Libredesk) widgetSend(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Message string `json:"message"`
	}
	if !decodeLD(w, body, &req) {
		return
	}
	t := l.ldLock()
	defer t.unlock()
	_, ct := l.widgetSession(r)
	c := l.convByUUID(r.PathValue("uuid"))
	switch {
	case ct == nil || l.widgetInbox(r) == 0:
		ldError(w, http.StatusUnauthorized, "Invalid or expired session", ldGeneralError)
		return
	case c == nil || c.contactID != ct.id:
		ldError(w, http.StatusNotFound, "Conversation not found", ldNotFoundError)
		return
	case strings.TrimSpace(req.Message) == "":
		ldError(w, http.StatusBadRequest, "`message` is empty", ldInputError)
		return
	}
	m, _ := t.incoming(c, c.inboxID, ct, req.Message)
	ldOK(w, l.widgetMessageJSON(c, m))
}

// GET /api/v1/widget/chat/conversations/{uuid}: the conversation and its public messages.
func (l *Libredesk) widgetGet(w http.ResponseWriter, r *http.Request, _ []byte) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	_, ct := l.widgetSession(r)
	c := l.convByUUID(r.PathValue("uuid"))
	switch {
	case ct == nil || l.widgetInbox(r) == 0:
		ldError(w, http.StatusUnauthorized, "Invalid or expired session", ldGeneralError)
	case c == nil || c.contactID != ct.id:
		ldError(w, http.StatusNotFound, "Conversation not found", ldNotFoundError)
	default:
		ldOK(w, map[string]any{"conversation": l.widgetConversationJSON(c), "messages": l.widgetMessages(c)})
	}
}

func (l *Libredesk) widgetConversationJSON(c *conversation) map[string]any {
	out := map[string]any{"uuid": c.uuid, "status": c.status, "created_at": c.createdAt}
	if u := l.s.users[c.assigneeID]; u != nil {
		out["assignee"] = map[string]any{"id": u.id, "first_name": l.st.agentFN[u.id][0], "last_name": l.st.agentFN[u.id][1], "type": "agent"}
	} else {
		out["assignee"] = nil
	}
	return out
}

// widgetMessages are the messages a visitor sees: no private notes, no activity.
func (l *Libredesk) widgetMessages(c *conversation) []any {
	out := []any{}
	for _, m := range c.msgs {
		if !m.private && m.typ != "activity" {
			out = append(out, l.widgetMessageJSON(c, m))
		}
	}
	return out
}

func (l *Libredesk) widgetMessageJSON(c *conversation, m *message) map[string]any {
	lm := l.st.msgs[m.id]
	return map[string]any{
		"id": m.id, "uuid": lm.uuid, "status": lm.status, "conversation_uuid": c.uuid, "created_at": m.createdAt,
		"content": m.content, "text_content": lm.textContent, "author": l.authorJSON(m), "attachments": []any{},
		"meta": deepCopy(lm.meta),
	}
}

// ---- JSON shapes ----

// conversationJSON is cmodels.Conversation (GET /api/v1/conversations/{uuid} and the
// conversation in webhook payloads). Callers hold s.mu.
func (l *Libredesk) conversationJSON(c *conversation) map[string]any {
	s := l.s
	in := s.inboxes[c.inboxID]
	var tags any // null.JSON: null without tags
	if len(c.labels) > 0 {
		tags = slices.Clone(c.labels)
	}
	out := map[string]any{
		"id": c.id, "created_at": c.createdAt, "updated_at": c.updatedAt, "uuid": c.uuid, "contact_id": c.contactID,
		"inbox_id": c.inboxID, "closed_at": nil, "resolved_at": nil, "reference_number": strconv.Itoa(100 + c.id),
		"priority": nil, "priority_id": nil, "status": c.status, "status_id": ldStatusID(c.status),
		"first_reply_at": ldNullTime(c.firstReplyAt), "assigned_user_id": nullInt(c.assigneeID), "assigned_team_id": nullInt(c.teamID),
		"waiting_since": c.waitingSince, "snoozed_until": ldNullTime(c.snoozedUntil), "subject": nil, "inbox_mail": "",
		"inbox_name": in.name, "inbox_channel": l.st.inboxes[c.inboxID].channel, "tags": tags,
		"meta": map[string]any{}, "custom_attributes": deepCopy(c.customAttrs), "contact": l.contactJSON(s.contacts[c.contactID]),
	}
	for k, v := range l.lastMessageFields(c) {
		out[k] = v
	}
	return out
}

// listItemJSON is cmodels.ConversationListItem: no inbox_id, a reduced contact.
func (l *Libredesk) listItemJSON(c *conversation) map[string]any {
	ct := l.s.contacts[c.contactID]
	fn := l.st.contactFN[ct.id]
	out := map[string]any{
		"id": c.id, "created_at": c.createdAt, "updated_at": c.updatedAt, "uuid": c.uuid,
		"reference_number": strconv.Itoa(100 + c.id), "waiting_since": c.waitingSince,
		"contact":       map[string]any{"created_at": ct.createdAt, "updated_at": ct.createdAt, "first_name": fn[0], "last_name": fn[1], "email": nullStr(ct.email), "avatar_url": nil},
		"inbox_channel": l.st.inboxes[c.inboxID].channel, "inbox_name": l.s.inboxes[c.inboxID].name, "subject": nil,
		"priority_id": nil, "priority": nil, "assigned_user_id": nullInt(c.assigneeID), "assigned_team_id": nullInt(c.teamID),
		"status": c.status, "unread_message_count": 0, "first_reply_at": ldNullTime(c.firstReplyAt),
	}
	for k, v := range l.lastMessageFields(c) {
		out[k] = v
	}
	return out
}

// lastMessageFields: last_message* follow every message; last_interaction* only public,
// non-activity ones (UpdateConversationLastMessage).
func (l *Libredesk) lastMessageFields(c *conversation) map[string]any {
	out := map[string]any{"last_message": nil, "last_message_at": nil, "last_message_sender": nil,
		"last_interaction": nil, "last_interaction_at": nil, "last_interaction_sender": nil}
	if n := len(c.msgs); n > 0 {
		m := c.msgs[n-1]
		out["last_message"], out["last_message_at"], out["last_message_sender"] = l.st.msgs[m.id].textContent, m.createdAt, ldSenderType(m)
	}
	for i := len(c.msgs) - 1; i >= 0; i-- {
		if m := c.msgs[i]; !m.private && m.typ != "activity" {
			out["last_interaction"], out["last_interaction_at"], out["last_interaction_sender"] = l.st.msgs[m.id].textContent, m.createdAt, ldSenderType(m)
			break
		}
	}
	return out
}

func (l *Libredesk) contactJSON(ct *contact) map[string]any {
	fn := l.st.contactFN[ct.id]
	typ := l.st.contactTyp[ct.id]
	if typ == "" {
		typ = "contact"
	}
	return map[string]any{
		"id": ct.id, "created_at": ct.createdAt, "updated_at": ct.createdAt, "first_name": fn[0], "last_name": fn[1],
		"email": nullStr(ct.email), "type": typ, "availability_status": "offline", "avatar_url": nil,
		"phone_number": nil, "phone_number_country_code": nil, "country": nil, "custom_attributes": map[string]any{},
		"enabled": true, "last_active_at": nil, "last_login_at": nil, "external_user_id": nil,
	}
}

// messageJSON is cmodels.Message with its author (GET messages, message.* payloads).
func (l *Libredesk) messageJSON(c *conversation, m *message) map[string]any {
	lm := l.st.msgs[m.id]
	meta := deepCopy(lm.meta)
	if meta == nil {
		meta = map[string]any{}
	}
	return map[string]any{
		"id": m.id, "created_at": m.createdAt, "updated_at": m.updatedAt, "uuid": lm.uuid, "type": m.typ,
		"status": lm.status, "conversation_id": c.id, "conversation_uuid": c.uuid, "content": m.content,
		"text_content": lm.textContent, "content_type": m.contentType, "private": m.private, "sender_id": m.senderID,
		"sender_type": ldSenderType(m), "meta": meta, "attachments": []any{}, "author": l.authorJSON(m),
	}
}

// authorJSON is cmodels.MessageAuthor; a widget visitor has type "visitor".
func (l *Libredesk) authorJSON(m *message) map[string]any {
	if m.senderKind == "contact" {
		ct := l.s.contacts[m.senderID]
		fn := l.st.contactFN[ct.id]
		return map[string]any{"id": ct.id, "first_name": fn[0], "last_name": fn[1], "email": nullStr(ct.email),
			"avatar_url": nil, "availability_status": "offline", "type": l.st.contactTyp[ct.id], "last_active_at": nil}
	}
	u := l.s.users[m.senderID]
	fn := l.st.agentFN[u.id]
	return map[string]any{"id": u.id, "first_name": fn[0], "last_name": fn[1], "email": nullStr(u.email),
		"avatar_url": nil, "availability_status": l.st.avail[u.id], "type": "agent", "last_active_at": nil}
}

func (l *Libredesk) agentCompactJSON(u *user) map[string]any {
	fn := l.st.agentFN[u.id]
	avail := l.st.avail[u.id]
	if avail == "" {
		avail = LibredeskOffline
	}
	return map[string]any{
		"id": u.id, "avatar_url": nil, "type": "agent", "created_at": u.createdAt, "updated_at": u.createdAt,
		"first_name": fn[0], "last_name": fn[1], "email": u.email, "enabled": true, "external_user_id": nil,
		"availability_status": avail,
	}
}

func ldStatusID(s string) int {
	switch s {
	case LibredeskOpen:
		return 1
	case LibredeskSnoozed:
		return 2
	case LibredeskResolved:
		return 3
	case LibredeskClosed:
		return 4
	}
	return 0
}

func ldNullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// GET /api/v1/agents/me (auth only): the key's own agent, shaped like GET /api/v1/agents/{id},
// with its roles and their permissions (handleGetCurrentAgent).
func (l *Libredesk) agentMe(w http.ResponseWriter, r *http.Request, userID int, body []byte) {
	r.SetPathValue("id", strconv.Itoa(userID))
	l.agent(w, r, userID, body)
}

// GET /api/v1/webhooks (webhooks:manage): [{id, created_at, updated_at, name, url, events,
// is_active}] (internal/webhook/models Webhook; the secret is not sent back). The simulator
// holds at most one webhook: the one deliveries go to.
func (l *Libredesk) listWebhooks(w http.ResponseWriter, _ *http.Request, _ int, _ []byte) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	out := []any{}
	if l.st.webhookURL != "" {
		var events []string
		for _, e := range LibredeskEvents {
			if l.st.events[e] {
				events = append(events, e)
			}
		}
		out = append(out, map[string]any{"id": 1, "created_at": time.Time{}, "updated_at": time.Time{},
			"name": "handover", "url": l.st.webhookURL, "events": events, "is_active": true})
	}
	ldOK(w, out)
}
