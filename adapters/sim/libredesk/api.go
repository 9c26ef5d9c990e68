package libredesk

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

	"github.com/handover-dev/handover/adapters/sim"
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

func (l *Server) routes() http.Handler {
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
	sim.WriteJSON(w, http.StatusOK, map[string]any{"status": "success", "data": data})
}

// ldError writes the error envelope (fastglue SendErrorEnvelope).
func ldError(w http.ResponseWriter, status int, msg, typ string) {
	sim.WriteJSON(w, status, map[string]any{"status": "error", "message": msg, "data": nil, "error_type": typ})
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
func (l *Server) api(perm string, h ldHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := simnet.ReadBody(r, sim.MaxBody)
		s := l.s
		key, sec, hasKey := ldAPIKeyFrom(r.Header.Get("Authorization"))
		userID := 0
		kind := ""
		if hasKey {
			s.Mu.Lock()
			if k, ok := l.st.keys[key]; ok && k.secret == sec && s.Users[k.userID] != nil {
				userID, kind = k.userID, "key"
			} else {
				kind = "invalid"
			}
			s.Mu.Unlock()
		}
		call := simnet.NewCall(r, body)
		call.Token = kind
		s.MW.Serve(w, r, &call, ldFaults, func(sw http.ResponseWriter) {
			switch kind {
			case "":
				ldError(sw, http.StatusUnauthorized, "Invalid or expired session", ldGeneralError)
				return
			case "invalid":
				ldError(sw, http.StatusUnauthorized, "Invalid credential", ldGeneralError)
				return
			}
			if perm != "" {
				s.Mu.Lock()
				ok := l.permitted(userID, perm)
				s.Mu.Unlock()
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
func (l *Server) withConversation(w http.ResponseWriter, r *http.Request, userID int, fn func(t *ldTx, c *sim.Conversation)) {
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
func (l *Server) getConversation(w http.ResponseWriter, r *http.Request, userID int, _ []byte) {
	l.withConversation(w, r, userID, func(_ *ldTx, c *sim.Conversation) { ldOK(w, l.conversationJSON(c)) })
}

// GET /api/v1/conversations/{uuid}/messages?page=&page_size=&private=&type=: newest first
// (GetConversationMessages orders by created_at DESC).
func (l *Server) getMessages(w http.ResponseWriter, r *http.Request, userID int, _ []byte) {
	page, size := ldPagination(r)
	q := r.URL.Query()
	types := q["type"]
	l.withConversation(w, r, userID, func(_ *ldTx, c *sim.Conversation) {
		var items []any
		for i := len(c.Msgs) - 1; i >= 0; i-- {
			m := c.Msgs[i]
			if q.Has("private") && strconv.FormatBool(m.Private) != strings.ToLower(q.Get("private")) {
				continue
			}
			if len(types) > 0 && !slices.Contains(types, m.Type) {
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
func (l *Server) sendMessage(w http.ResponseWriter, r *http.Request, userID int, body []byte) {
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
	l.withConversation(w, r, userID, func(t *ldTx, c *sim.Conversation) {
		if req.SenderType == "contact" {
			// messages:write_as_contact is in neither built-in role (internal/authz and the roles in schema.sql).
			if perms, ok := l.st.perms[userID]; !ok || !slices.Contains(perms, "messages:write_as_contact") {
				ldError(w, http.StatusForbidden, "Permission denied", ldPermissionError)
				return
			}
			ct := l.s.Contacts[c.ContactID]
			m, _ := t.incoming(c, c.InboxID, ct, ldHTMLToText(req.Message))
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
func (l *Server) assignUserHandler(w http.ResponseWriter, r *http.Request, userID int, body []byte) {
	var req struct {
		AssigneeID int `json:"assignee_id"`
	}
	if !decodeLD(w, body, &req) {
		return
	}
	l.withConversation(w, r, userID, func(t *ldTx, c *sim.Conversation) {
		if c.AssigneeID == req.AssigneeID {
			ldOK(w, true) // "Already assigned?"
			return
		}
		if u := l.s.Users[req.AssigneeID]; u == nil || u.Role == "system" {
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
func (l *Server) assignTeamHandler(w http.ResponseWriter, r *http.Request, userID int, body []byte) {
	var req struct {
		AssigneeID int `json:"assignee_id"`
	}
	if !decodeLD(w, body, &req) {
		return
	}
	l.s.Mu.Lock()
	ok := l.s.Teams[req.AssigneeID] != nil
	l.s.Mu.Unlock()
	if !ok {
		ldError(w, http.StatusNotFound, "Team not found", ldNotFoundError)
		return
	}
	l.withConversation(w, r, userID, func(t *ldTx, c *sim.Conversation) {
		t.assignTeam(c, req.AssigneeID, userID)
		ldOK(w, true)
	})
}

// PUT /api/v1/conversations/{uuid}/assignee/{user|team}/remove (no body).
func (l *Server) removeAssignee(kind string) ldHandler {
	return func(w http.ResponseWriter, r *http.Request, userID int, _ []byte) {
		l.withConversation(w, r, userID, func(t *ldTx, c *sim.Conversation) {
			if kind == "user" {
				t.unassignUser(c, userID)
			} else {
				c.TeamID = 0
				c.UpdatedAt = time.Now()
			}
			ldOK(w, true)
		})
	}
}

// PUT /api/v1/conversations/{uuid}/status {status, snoozed_until}
func (l *Server) statusHandler(w http.ResponseWriter, r *http.Request, userID int, body []byte) {
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
	case req.Status == Snoozed && req.SnoozedUntil == "":
		ldError(w, http.StatusBadRequest, "`snoozed_until` is empty", ldInputError)
		return
	case req.Status == Snoozed:
		if _, err := time.ParseDuration(req.SnoozedUntil); err != nil {
			ldError(w, http.StatusBadRequest, "Bad request", ldInputError)
			return
		}
	}
	l.withConversation(w, r, userID, func(t *ldTx, c *sim.Conversation) {
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
func (l *Server) tagsHandler(w http.ResponseWriter, r *http.Request, userID int, body []byte) {
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
	l.withConversation(w, r, userID, func(t *ldTx, c *sim.Conversation) {
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
func (l *Server) listConversations(list string) ldHandler {
	return func(w http.ResponseWriter, r *http.Request, userID int, _ []byte) {
		page, size := ldPagination(r)
		var filters []ldFilter
		if raw := strings.TrimSpace(r.URL.Query().Get("filters")); raw != "" && raw != "[]" {
			if json.Unmarshal([]byte(raw), &filters) != nil || !ldFiltersValid(filters) {
				ldError(w, http.StatusInternalServerError, "Something went wrong", ldGeneralError)
				return
			}
		}
		l.s.Mu.Lock()
		defer l.s.Mu.Unlock()
		ldOK(w, ldPageResults(l.listLocked(func(c *sim.Conversation) bool {
			for _, f := range filters {
				if !l.ldFilterMatch(f, c) {
					return false
				}
			}
			switch list {
			case "assigned":
				return c.AssigneeID == userID
			case "unassigned":
				return c.AssigneeID == 0
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
var ldFilterFields = map[string]func(l *Server, c *sim.Conversation) string{
	"conversations.assigned_user_id": func(_ *Server, c *sim.Conversation) string { return ldIntOrEmpty(c.AssigneeID) },
	"conversations.assigned_team_id": func(_ *Server, c *sim.Conversation) string { return ldIntOrEmpty(c.TeamID) },
	"conversations.inbox_id":         func(_ *Server, c *sim.Conversation) string { return strconv.Itoa(c.InboxID) },
	"conversation_statuses.name":     func(_ *Server, c *sim.Conversation) string { return c.Status },
	"inboxes.channel":                func(l *Server, c *sim.Conversation) string { return l.st.inboxes[c.InboxID].channel },
	"conversations.last_interaction_sender": func(l *Server, c *sim.Conversation) string {
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
func (l *Server) ldFilterMatch(f ldFilter, c *sim.Conversation) bool {
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
func (l *Server) teamUnassigned(w http.ResponseWriter, r *http.Request, userID int, _ []byte) {
	page, size := ldPagination(r)
	teamID, _ := strconv.Atoi(r.PathValue("id"))
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	tm := l.s.Teams[teamID]
	if teamID < 1 || tm == nil {
		ldError(w, http.StatusBadRequest, "Invalid `team_id`", ldInputError)
		return
	}
	if !slices.Contains(tm.Members, userID) {
		ldError(w, http.StatusForbidden, "You are not a member of this team", ldPermissionError)
		return
	}
	ldOK(w, ldPageResults(l.listLocked(func(c *sim.Conversation) bool { return c.TeamID == teamID && c.AssigneeID == 0 }), page, size))
}

func (l *Server) listLocked(keep func(*sim.Conversation) bool) []any {
	var convs []*sim.Conversation
	for _, id := range l.s.ConvIDs {
		c := l.s.Convs[id]
		if l.st.inboxes[c.InboxID] != nil && keep(c) {
			convs = append(convs, c)
		}
	}
	sort.SliceStable(convs, func(i, j int) bool { return convs[i].LastActivityAt.After(convs[j].LastActivityAt) })
	out := make([]any, 0, len(convs))
	for _, c := range convs {
		out = append(out, l.listItemJSON(c))
	}
	return out
}

// GET /api/v1/agents/compact: enabled agents, without the System user.
func (l *Server) agentsCompact(w http.ResponseWriter, _ *http.Request, _ int, _ []byte) {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	out := []any{}
	for _, id := range l.s.UserIDs {
		if u := l.s.Users[id]; u.Role != "system" {
			out = append(out, l.agentCompactJSON(u))
		}
	}
	ldOK(w, out)
}

// GET /api/v1/agents/{id} (users:manage): the agent with roles, teams and permissions.
func (l *Server) agent(w http.ResponseWriter, r *http.Request, _ int, _ []byte) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id <= 0 {
		ldError(w, http.StatusBadRequest, "Invalid `id`", ldInputError)
		return
	}
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	u := l.s.Users[id]
	if u == nil || u.Role == "system" {
		ldError(w, http.StatusNotFound, "User not found", ldNotFoundError)
		return
	}
	a := l.agentCompactJSON(u)
	teams := []any{}
	for _, tid := range l.s.TeamIDs {
		if tm := l.s.Teams[tid]; slices.Contains(tm.Members, u.ID) {
			teams = append(teams, map[string]any{"id": tm.ID, "name": tm.Name, "emoji": nil})
		}
	}
	a["teams"] = teams
	role := "Agent"
	if u.Role == "administrator" {
		role = "Admin"
	}
	a["roles"] = []string{role}
	perms, ok := l.st.perms[u.ID]
	if !ok {
		perms = Permissions
	}
	a["permissions"] = slices.Clone(perms)
	a["last_active_at"] = l.st.lastActive[u.ID]
	ldOK(w, a)
}

// GET /api/v1/teams/compact: [{id, name, emoji}].
func (l *Server) teamsCompact(w http.ResponseWriter, _ *http.Request, _ int, _ []byte) {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	out := []any{}
	for _, id := range l.s.TeamIDs {
		tm := l.s.Teams[id]
		out = append(out, map[string]any{"id": tm.ID, "name": tm.Name, "emoji": nil})
	}
	ldOK(w, out)
}

// GET /api/v1/inboxes (auth only): every inbox, [{id, name, channel, enabled, ...}]; the
// channel config is left out.
func (l *Server) listInboxes(w http.ResponseWriter, _ *http.Request, _ int, _ []byte) {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	out := []any{}
	for _, id := range l.s.InboxIDs {
		in, ok := l.st.inboxes[id]
		if !ok {
			continue
		}
		core := l.s.Inboxes[id]
		out = append(out, map[string]any{"id": id, "created_at": core.CreatedAt, "updated_at": core.CreatedAt,
			"name": core.Name, "channel": in.channel, "enabled": true, "csat_enabled": false, "from": ""})
	}
	ldOK(w, out)
}

// GET /api/v1/tags: [{id, name, created_at, updated_at}].
func (l *Server) listTags(w http.ResponseWriter, _ *http.Request, _ int, _ []byte) {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	out := []any{}
	for _, n := range l.st.tagIDs {
		out = append(out, map[string]any{"id": l.st.tags[n], "name": n})
	}
	ldOK(w, out)
}

// POST /api/v1/tags {name}: a duplicate name is a 409 conflict.
func (l *Server) createTag(w http.ResponseWriter, _ *http.Request, _ int, body []byte) {
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
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	if _, ok := l.st.tags[name]; ok {
		ldError(w, http.StatusConflict, "Already exists", ldConflictError)
		return
	}
	ldOK(w, map[string]any{"id": l.addTagLocked(name), "name": name})
}

// GET /api/v1/statuses: the default statuses.
func (l *Server) statuses(w http.ResponseWriter, _ *http.Request, _ int, _ []byte) {
	out := []any{}
	for i, n := range []string{Open, Snoozed, Resolved, Closed} {
		out = append(out, map[string]any{"id": i + 1, "name": n})
	}
	ldOK(w, out)
}

// ---- widget API ----

// widget wraps a widget route: body capture, faults and the call log; no API key.
func (l *Server) widget(h func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := simnet.ReadBody(r, sim.MaxBody)
		call := simnet.NewCall(r, body)
		l.s.MW.Serve(w, r, &call, ldFaults, func(sw http.ResponseWriter) { h(sw, r, body) })
	})
}

// widgetInbox finds the inbox named by X-Libredesk-Inbox-ID. Callers hold s.mu.
func (l *Server) widgetInbox(r *http.Request) int {
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
func (l *Server) widgetInit(w http.ResponseWriter, r *http.Request, body []byte) {
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
		ct = l.contactLocked(l.s.RandToken(8))
		token = ldRandomHex(20)
		l.st.sessions[token] = ct.ID
	}
	m, _ := t.incoming(nil, inboxID, ct, req.Message)
	c := l.s.Convs[m.ConvID]
	ldOK(w, map[string]any{"session_token": token, "conversation": l.widgetConversationJSON(c), "messages": l.widgetMessages(c)})
}

// widgetSession resolves "Authorization: Bearer <session_token>". Callers hold s.mu.
func (l *Server) widgetSession(r *http.Request) (string, *sim.Contact) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return "", nil
	}
	id, ok := l.st.sessions[strings.TrimSpace(tok)]
	if !ok {
		return "", nil
	}
	return tok, l.s.Contacts[id]
}

// POST /api/v1/widget/chat/conversations/{uuid}/message {message}
func (l *Server) widgetSend(w http.ResponseWriter, r *http.Request, body []byte) {
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
	case c == nil || c.ContactID != ct.ID:
		ldError(w, http.StatusNotFound, "Conversation not found", ldNotFoundError)
		return
	case strings.TrimSpace(req.Message) == "":
		ldError(w, http.StatusBadRequest, "`message` is empty", ldInputError)
		return
	}
	m, _ := t.incoming(c, c.InboxID, ct, req.Message)
	ldOK(w, l.widgetMessageJSON(c, m))
}

// GET /api/v1/widget/chat/conversations/{uuid}: the conversation and its public messages.
func (l *Server) widgetGet(w http.ResponseWriter, r *http.Request, _ []byte) {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	_, ct := l.widgetSession(r)
	c := l.convByUUID(r.PathValue("uuid"))
	switch {
	case ct == nil || l.widgetInbox(r) == 0:
		ldError(w, http.StatusUnauthorized, "Invalid or expired session", ldGeneralError)
	case c == nil || c.ContactID != ct.ID:
		ldError(w, http.StatusNotFound, "Conversation not found", ldNotFoundError)
	default:
		ldOK(w, map[string]any{"conversation": l.widgetConversationJSON(c), "messages": l.widgetMessages(c)})
	}
}

func (l *Server) widgetConversationJSON(c *sim.Conversation) map[string]any {
	out := map[string]any{"uuid": c.UUID, "status": c.Status, "created_at": c.CreatedAt}
	if u := l.s.Users[c.AssigneeID]; u != nil {
		out["assignee"] = map[string]any{"id": u.ID, "first_name": l.st.agentFN[u.ID][0], "last_name": l.st.agentFN[u.ID][1], "type": "agent"}
	} else {
		out["assignee"] = nil
	}
	return out
}

// widgetMessages are the messages a visitor sees: no private notes, no activity.
func (l *Server) widgetMessages(c *sim.Conversation) []any {
	out := []any{}
	for _, m := range c.Msgs {
		if !m.Private && m.Type != "activity" {
			out = append(out, l.widgetMessageJSON(c, m))
		}
	}
	return out
}

func (l *Server) widgetMessageJSON(c *sim.Conversation, m *sim.Message) map[string]any {
	lm := l.st.msgs[m.ID]
	return map[string]any{
		"id": m.ID, "uuid": lm.uuid, "status": lm.status, "conversation_uuid": c.UUID, "created_at": m.CreatedAt,
		"content": m.Content, "text_content": lm.textContent, "author": l.authorJSON(m), "attachments": []any{},
		"meta": sim.DeepCopy(lm.meta),
	}
}

// ---- JSON shapes ----

// conversationJSON is cmodels.Conversation (GET /api/v1/conversations/{uuid} and the
// conversation in webhook payloads). Callers hold s.mu.
func (l *Server) conversationJSON(c *sim.Conversation) map[string]any {
	s := l.s
	in := s.Inboxes[c.InboxID]
	var tags any // null.JSON: null without tags
	if len(c.Labels) > 0 {
		tags = slices.Clone(c.Labels)
	}
	out := map[string]any{
		"id": c.ID, "created_at": c.CreatedAt, "updated_at": c.UpdatedAt, "uuid": c.UUID, "contact_id": c.ContactID,
		"inbox_id": c.InboxID, "closed_at": nil, "resolved_at": nil, "reference_number": strconv.Itoa(100 + c.ID),
		"priority": nil, "priority_id": nil, "status": c.Status, "status_id": ldStatusID(c.Status),
		"first_reply_at": ldNullTime(c.FirstReplyAt), "assigned_user_id": sim.NullInt(c.AssigneeID), "assigned_team_id": sim.NullInt(c.TeamID),
		"waiting_since": c.WaitingSince, "snoozed_until": ldNullTime(c.SnoozedUntil), "subject": nil, "inbox_mail": "",
		"inbox_name": in.Name, "inbox_channel": l.st.inboxes[c.InboxID].channel, "tags": tags,
		"meta": map[string]any{}, "custom_attributes": sim.DeepCopy(c.CustomAttrs), "contact": l.contactJSON(s.Contacts[c.ContactID]),
	}
	for k, v := range l.lastMessageFields(c) {
		out[k] = v
	}
	return out
}

// listItemJSON is cmodels.ConversationListItem: no inbox_id, a reduced contact.
func (l *Server) listItemJSON(c *sim.Conversation) map[string]any {
	ct := l.s.Contacts[c.ContactID]
	fn := l.st.contactFN[ct.ID]
	out := map[string]any{
		"id": c.ID, "created_at": c.CreatedAt, "updated_at": c.UpdatedAt, "uuid": c.UUID,
		"reference_number": strconv.Itoa(100 + c.ID), "waiting_since": c.WaitingSince,
		"contact":       map[string]any{"created_at": ct.CreatedAt, "updated_at": ct.CreatedAt, "first_name": fn[0], "last_name": fn[1], "email": sim.NullStr(ct.Email), "avatar_url": nil},
		"inbox_channel": l.st.inboxes[c.InboxID].channel, "inbox_name": l.s.Inboxes[c.InboxID].Name, "subject": nil,
		"priority_id": nil, "priority": nil, "assigned_user_id": sim.NullInt(c.AssigneeID), "assigned_team_id": sim.NullInt(c.TeamID),
		"status": c.Status, "unread_message_count": 0, "first_reply_at": ldNullTime(c.FirstReplyAt),
	}
	for k, v := range l.lastMessageFields(c) {
		out[k] = v
	}
	return out
}

// lastMessageFields: last_message* follow every message; last_interaction* only public,
// non-activity ones (UpdateConversationLastMessage).
func (l *Server) lastMessageFields(c *sim.Conversation) map[string]any {
	out := map[string]any{"last_message": nil, "last_message_at": nil, "last_message_sender": nil,
		"last_interaction": nil, "last_interaction_at": nil, "last_interaction_sender": nil}
	if n := len(c.Msgs); n > 0 {
		m := c.Msgs[n-1]
		out["last_message"], out["last_message_at"], out["last_message_sender"] = l.st.msgs[m.ID].textContent, m.CreatedAt, ldSenderType(m)
	}
	for i := len(c.Msgs) - 1; i >= 0; i-- {
		if m := c.Msgs[i]; !m.Private && m.Type != "activity" {
			out["last_interaction"], out["last_interaction_at"], out["last_interaction_sender"] = l.st.msgs[m.ID].textContent, m.CreatedAt, ldSenderType(m)
			break
		}
	}
	return out
}

func (l *Server) contactJSON(ct *sim.Contact) map[string]any {
	fn := l.st.contactFN[ct.ID]
	typ := l.st.contactTyp[ct.ID]
	if typ == "" {
		typ = "contact"
	}
	return map[string]any{
		"id": ct.ID, "created_at": ct.CreatedAt, "updated_at": ct.CreatedAt, "first_name": fn[0], "last_name": fn[1],
		"email": sim.NullStr(ct.Email), "type": typ, "availability_status": "offline", "avatar_url": nil,
		"phone_number": nil, "phone_number_country_code": nil, "country": nil, "custom_attributes": map[string]any{},
		"enabled": true, "last_active_at": nil, "last_login_at": nil, "external_user_id": nil,
	}
}

// messageJSON is cmodels.Message with its author (GET messages, message.* payloads).
func (l *Server) messageJSON(c *sim.Conversation, m *sim.Message) map[string]any {
	lm := l.st.msgs[m.ID]
	meta := sim.DeepCopy(lm.meta)
	if meta == nil {
		meta = map[string]any{}
	}
	return map[string]any{
		"id": m.ID, "created_at": m.CreatedAt, "updated_at": m.UpdatedAt, "uuid": lm.uuid, "type": m.Type,
		"status": lm.status, "conversation_id": c.ID, "conversation_uuid": c.UUID, "content": m.Content,
		"text_content": lm.textContent, "content_type": m.ContentType, "private": m.Private, "sender_id": m.SenderID,
		"sender_type": ldSenderType(m), "meta": meta, "attachments": []any{}, "author": l.authorJSON(m),
	}
}

// authorJSON is cmodels.MessageAuthor; a widget visitor has type "visitor".
func (l *Server) authorJSON(m *sim.Message) map[string]any {
	if m.SenderKind == "contact" {
		ct := l.s.Contacts[m.SenderID]
		fn := l.st.contactFN[ct.ID]
		return map[string]any{"id": ct.ID, "first_name": fn[0], "last_name": fn[1], "email": sim.NullStr(ct.Email),
			"avatar_url": nil, "availability_status": "offline", "type": l.st.contactTyp[ct.ID], "last_active_at": nil}
	}
	u := l.s.Users[m.SenderID]
	fn := l.st.agentFN[u.ID]
	return map[string]any{"id": u.ID, "first_name": fn[0], "last_name": fn[1], "email": sim.NullStr(u.Email),
		"avatar_url": nil, "availability_status": l.st.avail[u.ID], "type": "agent", "last_active_at": nil}
}

func (l *Server) agentCompactJSON(u *sim.User) map[string]any {
	fn := l.st.agentFN[u.ID]
	avail := l.st.avail[u.ID]
	if avail == "" {
		avail = Offline
	}
	return map[string]any{
		"id": u.ID, "avatar_url": nil, "type": "agent", "created_at": u.CreatedAt, "updated_at": u.CreatedAt,
		"first_name": fn[0], "last_name": fn[1], "email": u.Email, "enabled": true, "external_user_id": nil,
		"availability_status": avail,
	}
}

func ldStatusID(s string) int {
	switch s {
	case Open:
		return 1
	case Snoozed:
		return 2
	case Resolved:
		return 3
	case Closed:
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
func (l *Server) agentMe(w http.ResponseWriter, r *http.Request, userID int, body []byte) {
	r.SetPathValue("id", strconv.Itoa(userID))
	l.agent(w, r, userID, body)
}

// GET /api/v1/webhooks (webhooks:manage): [{id, created_at, updated_at, name, url, events,
// is_active}] (internal/webhook/models Webhook; the secret is not sent back). The simulator
// holds at most one webhook: the one deliveries go to.
func (l *Server) listWebhooks(w http.ResponseWriter, _ *http.Request, _ int, _ []byte) {
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	out := []any{}
	if l.st.webhookURL != "" {
		var events []string
		for _, e := range Events {
			if l.st.events[e] {
				events = append(events, e)
			}
		}
		out = append(out, map[string]any{"id": 1, "created_at": time.Time{}, "updated_at": time.Time{},
			"name": "handover", "url": l.st.webhookURL, "events": events, "is_active": true})
	}
	ldOK(w, out)
}
