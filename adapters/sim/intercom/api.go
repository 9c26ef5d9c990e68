package intercom

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/sim/simnet"
)

// The REST API, as descriptions/2.15/api.intercom.io.yaml of github.com/intercom/Intercom-OpenAPI
// describes it (https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io).

// versions are the Intercom-Version values the API accepts (intercom_version in the spec).
var versions = []string{"1.0", "1.1", "1.2", "1.3", "1.4", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7",
	"2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16", "Unstable"}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /me", s.me)
	m.HandleFunc("GET /admins", s.listAdmins)
	m.HandleFunc("GET /admins/{id}", s.getAdmin)
	m.HandleFunc("PUT /admins/{id}/away", s.setAway)
	m.HandleFunc("GET /teams", s.listTeams)
	m.HandleFunc("GET /teams/{id}", s.getTeam)
	m.HandleFunc("POST /conversations", s.createConversation)
	m.HandleFunc("GET /conversations/{id}", s.getConversation)
	m.HandleFunc("POST /conversations/{id}/reply", s.replyConversation)
	m.HandleFunc("POST /conversations/{id}/parts", s.manageConversation)
	m.HandleFunc("POST /conversations/search", s.searchConversations)
	m.HandleFunc("GET /contacts/{id}", s.getContact)
	m.HandleFunc("PUT /contacts/{id}", s.updateContact)
	m.HandleFunc("POST /tickets", s.createTicket)
	m.HandleFunc("GET /tickets/{id}", s.getTicket)
	s.mux = m
}

// Handler serves the API: every request is logged, may meet the injected faults, and needs the
// bearer token.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// faultAnswers are the answers to injected faults: the rate limit's 429 (X-RateLimit-* always,
// Retry-After when the fault names one, set by the middleware) and a 500, both error.list.
var faultAnswers = simnet.Responses{
	TooMany: func(w http.ResponseWriter) {
		w.Header().Set("Intercom-Version", Version)
		w.Header().Set("X-RateLimit-Limit", "10000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(10*time.Second).Unix(), 10))
		writeError(w, http.StatusTooManyRequests, "rate_limit_exceeded", "You have exceeded the rate limit")
	},
	ServerError: func(w http.ResponseWriter) {
		w.Header().Set("Intercom-Version", Version)
		writeError(w, http.StatusInternalServerError, "server_error", "Internal server error")
	},
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	call := simnet.Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Version: r.Header.Get("Intercom-Version")}
	s.mw.Serve(w, r, &call, faultAnswers, func(w http.ResponseWriter) {
		w.Header().Set("Intercom-Version", Version)
		if r.Header.Get("Authorization") != "Bearer "+s.o.Token || s.o.Token == "" {
			writeError(w, http.StatusUnauthorized, "unauthorized", "Access Token Invalid")
			return
		}
		if v := call.Version; v != "" && !slices.Contains(versions, v) {
			writeError(w, http.StatusBadRequest, "intercom_version_invalid", "The requested version could not be found")
			return
		}
		s.mux.ServeHTTP(w, r)
	})
}

// writeError writes Intercom's error body: {"type":"error.list","request_id","errors":[{code,message}]}.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"type": "error.list", "request_id": uuid(),
		"errors": []map[string]any{{"code": code, "message": msg}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "parameter_invalid", "Invalid JSON: "+err.Error())
		return false
	}
	return true
}

// str reads a JSON string or number as text (the spec's examples send admin_id both ways).
func str(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	}
	return ""
}

func (s *Server) renderAdmin(a *Admin) map[string]any {
	teams := make([]int64, 0, len(a.TeamIDs))
	for _, t := range a.TeamIDs {
		n, _ := strconv.ParseInt(t, 10, 64)
		teams = append(teams, n)
	}
	return map[string]any{"type": "admin", "id": a.ID, "name": a.Name, "email": a.Email, "job_title": nil,
		"away_mode_enabled": a.Away, "away_mode_reassign": false, "away_status_reason_id": nil,
		"has_inbox_seat": a.Seat, "team_ids": teams, "avatar": nil}
}

func (s *Server) me(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]any{"type": "admin", "id": s.botID, "email_verified": true,
		"app": map[string]any{"type": "app", "id_code": s.o.AppID, "name": "Simulated workspace", "region": "US", "timezone": "UTC"}}
	if a := s.admins[s.botID]; a != nil {
		out["name"], out["email"] = a.Name, a.Email
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listAdmins(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.admins))
	for id := range s.admins {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.renderAdmin(s.admins[id]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "admin.list", "admins": out})
}

func (s *Server) getAdmin(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.admins[r.PathValue("id")]
	if a == nil {
		writeError(w, http.StatusNotFound, "admin_not_found", "Admin not found")
		return
	}
	writeJSON(w, http.StatusOK, s.renderAdmin(a))
}

func (s *Server) setAway(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Away     *bool `json:"away_mode_enabled"`
		Reassign *bool `json:"away_mode_reassign"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.Away == nil || in.Reassign == nil {
		writeError(w, http.StatusBadRequest, "parameter_not_found", "away_mode_enabled and away_mode_reassign are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.admins[r.PathValue("id")]
	if a == nil {
		writeError(w, http.StatusNotFound, "admin_not_found", "Admin not found")
		return
	}
	a.Away = *in.Away
	writeJSON(w, http.StatusOK, s.renderAdmin(a))
}

func (s *Server) renderTeamLocked(t *Team) map[string]any {
	var ids []int64
	for _, a := range s.admins {
		if slices.Contains(a.TeamIDs, t.ID) {
			n, _ := strconv.ParseInt(a.ID, 10, 64)
			ids = append(ids, n)
		}
	}
	slices.Sort(ids)
	return map[string]any{"type": "team", "id": t.ID, "name": t.Name, "admin_ids": ids,
		"admin_priority_level": nil, "assignment_limit": nil, "distribution_method": "round_robin"}
}

func (s *Server) listTeams(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{}
	for _, t := range s.teams {
		out = append(out, s.renderTeamLocked(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "team.list", "teams": out})
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.teams[r.PathValue("id")]
	if t == nil {
		writeError(w, http.StatusNotFound, "team_not_found", "Team not found")
		return
	}
	writeJSON(w, http.StatusOK, s.renderTeamLocked(t))
}

// createConversation: POST /conversations {from:{type,id}, body}: a conversation started by a
// contact; the answer is the message (user_message) with its conversation_id.
func (s *Server) createConversation(w http.ResponseWriter, r *http.Request) {
	var in struct {
		From struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"from"`
		Body string `json:"body"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ct := s.contacts[in.From.ID]
	if ct == nil || in.From.ID == "" {
		writeError(w, http.StatusNotFound, "not_found", "User Not Found")
		return
	}
	if strings.TrimSpace(in.Body) == "" {
		writeError(w, http.StatusBadRequest, "parameter_not_found", "Body is required")
		return
	}
	c := s.startLocked(ct, in.Body)
	s.notifyLocked("conversation.user.created", c, nil)
	writeJSON(w, http.StatusOK, map[string]any{"type": "user_message", "id": c.source.ID, "created_at": c.created.Unix(),
		"body": in.Body, "message_type": "inapp", "conversation_id": c.id})
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[r.PathValue("id")]
	if c == nil {
		writeError(w, http.StatusNotFound, "not_found", "Resource Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.render(c, lastN(c.parts, maxParts), r.URL.Query().Get("display_as") == "plaintext"))
}

// replyConversation: POST /conversations/{id}/reply, an admin's comment, note or quick_reply
// (admin_reply_conversation_request) or a contact's comment or quick-reply selection
// (contact_reply_conversation_request). The answer is the conversation with the new part.
func (s *Server) replyConversation(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MessageType    string   `json:"message_type"`
		Type           string   `json:"type"`
		AdminID        any      `json:"admin_id"`
		Body           string   `json:"body"`
		ReplyOptions   []Option `json:"reply_options"`
		IntercomUserID string   `json:"intercom_user_id"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[r.PathValue("id")]
	if c == nil {
		writeError(w, http.StatusNotFound, "not_found", "Resource Not Found")
		return
	}
	now := time.Now()
	var p *Part
	var topic string
	switch in.Type {
	case "admin":
		a := s.admins[str(in.AdminID)]
		if a == nil {
			writeError(w, http.StatusNotFound, "admin_not_found", "Admin not found")
			return
		}
		p = &Part{ID: s.nextID(), PartType: in.MessageType, Body: in.Body, CreatedAt: now, AuthorType: "admin",
			AuthorID: a.ID, AuthorName: a.Name, AuthorEmail: a.Email, AppPackageCode: s.o.AppPackageCode}
		switch in.MessageType {
		case "comment", "note":
			if strings.TrimSpace(in.Body) == "" {
				writeError(w, http.StatusBadRequest, "parameter_not_found", "Body is required for comment and note")
				return
			}
		case "quick_reply":
			if !validOptions(in.ReplyOptions) {
				writeError(w, http.StatusBadRequest, "parameter_invalid", "reply_options must hold options with text and uuid")
				return
			}
			p.Options = in.ReplyOptions
		default:
			writeError(w, http.StatusBadRequest, "parameter_invalid", "message_type must be comment, note or quick_reply")
			return
		}
		topic = "conversation.admin.replied"
		if in.MessageType == "note" {
			topic = "conversation.admin.noted"
		}
	case "user":
		ct := s.contacts[in.IntercomUserID]
		if ct == nil {
			writeError(w, http.StatusNotFound, "not_found", "User Not Found")
			return
		}
		p = &Part{ID: s.nextID(), PartType: "comment", CreatedAt: now, AuthorType: ct.Role, AuthorID: ct.ID,
			AuthorName: ct.Name, AuthorEmail: ct.Email, AppPackageCode: s.o.AppPackageCode}
		switch {
		case len(in.ReplyOptions) > 0:
			if !validOptions(in.ReplyOptions) {
				writeError(w, http.StatusBadRequest, "parameter_invalid", "reply_options must hold options with text and uuid")
				return
			}
			p.Body, p.Clicked = "<p>"+html.EscapeString(in.ReplyOptions[0].Text)+"</p>", in.ReplyOptions[0].UUID
		case strings.TrimSpace(in.Body) != "":
			p.Body = in.Body
		default:
			writeError(w, http.StatusBadRequest, "parameter_not_found", "Body is required")
			return
		}
		c.state = "open"
		topic = "conversation.user.replied"
	default:
		writeError(w, http.StatusBadRequest, "parameter_invalid", "type must be admin or user")
		return
	}
	s.addLocked(c, p)
	s.notifyLocked(topic, c, p)
	writeJSON(w, http.StatusOK, s.render(c, []*Part{p}, false))
}

func validOptions(os []Option) bool {
	if len(os) == 0 {
		return false
	}
	for _, o := range os {
		if strings.TrimSpace(o.Text) == "" || len(o.UUID) != 36 {
			return false
		}
	}
	return true
}

// manageConversation: POST /conversations/{id}/parts: assignment (type admin or team,
// assignee_id, "0" for nobody), close, open, snoozed; admin_id performs it.
func (s *Server) manageConversation(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MessageType  string `json:"message_type"`
		Type         string `json:"type"`
		AdminID      any    `json:"admin_id"`
		AssigneeID   any    `json:"assignee_id"`
		Body         string `json:"body"`
		SnoozedUntil int64  `json:"snoozed_until"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[r.PathValue("id")]
	if c == nil {
		writeError(w, http.StatusNotFound, "not_found", "Resource Not Found")
		return
	}
	a := s.admins[str(in.AdminID)]
	if a == nil {
		writeError(w, http.StatusNotFound, "admin_not_found", "Admin not found")
		return
	}
	var p *Part
	var topic string
	switch in.MessageType {
	case "assignment":
		assignee := str(in.AssigneeID)
		if in.AssigneeID == nil || assignee == "" {
			writeError(w, http.StatusBadRequest, "parameter_not_found", "assignee_id is required")
			return
		}
		switch {
		case in.Type == "team" && assignee != "0" && s.teams[assignee] == nil,
			in.Type == "admin" && assignee != "0" && s.admins[assignee] == nil:
			writeError(w, http.StatusNotFound, "assignee_not_found", "Assignee not found")
			return
		case in.Type != "team" && in.Type != "admin":
			writeError(w, http.StatusBadRequest, "parameter_invalid", "type must be admin or team")
			return
		}
		p = s.assignLocked(c, a, in.Type, assignee, in.Body)
		topic = "conversation.admin.assigned"
	case "close", "open", "snoozed":
		if in.MessageType == "snoozed" && in.SnoozedUntil <= time.Now().Unix() {
			writeError(w, http.StatusBadRequest, "parameter_invalid", "snoozed_until must be in the future")
			return
		}
		p = &Part{ID: s.nextID(), PartType: in.MessageType, Body: in.Body, CreatedAt: time.Now(), AuthorType: "admin",
			AuthorID: a.ID, AuthorName: a.Name, AuthorEmail: a.Email}
		s.addLocked(c, p)
		c.state = map[string]string{"close": "closed", "open": "open", "snoozed": "snoozed"}[in.MessageType]
		topic = map[string]string{"close": "conversation.admin.closed", "open": "conversation.admin.opened", "snoozed": "conversation.admin.snoozed"}[in.MessageType]
	default:
		writeError(w, http.StatusBadRequest, "parameter_invalid", "message_type must be assignment, close, open or snoozed")
		return
	}
	p.AppPackageCode = s.o.AppPackageCode
	s.notifyLocked(topic, c, p)
	writeJSON(w, http.StatusOK, s.render(c, []*Part{p}, false))
}

// searchConversations: POST /conversations/search {query, pagination{per_page, starting_after}}
// with the fields open, state, id, admin_assignee_id and team_assignee_id, the operators = and
// !=, and nested AND/OR groups; 20 a page by default, 150 at most. The cursor is opaque.
func (s *Server) searchConversations(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Query      json.RawMessage `json:"query"`
		Pagination *struct {
			PerPage       int    `json:"per_page"`
			StartingAfter string `json:"starting_after"`
		} `json:"pagination"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if len(in.Query) == 0 {
		writeError(w, http.StatusBadRequest, "parameter_not_found", "query is required")
		return
	}
	var q query
	if err := json.Unmarshal(in.Query, &q); err != nil {
		writeError(w, http.StatusBadRequest, "parameter_invalid", "invalid query: "+err.Error())
		return
	}
	if msg := q.check(0); msg != "" {
		writeError(w, http.StatusBadRequest, "parameter_invalid", msg)
		return
	}
	per, from := 20, 0
	if in.Pagination != nil {
		if in.Pagination.PerPage > 0 {
			per = min(in.Pagination.PerPage, 150)
		}
		if c := in.Pagination.StartingAfter; c != "" {
			b, err := base64.RawURLEncoding.DecodeString(c)
			n, err2 := strconv.Atoi(string(b))
			if err != nil || err2 != nil || n < 0 {
				writeError(w, http.StatusBadRequest, "parameter_invalid", "invalid starting_after")
				return
			}
			from = n
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []*conv
	for _, id := range s.order {
		if c := s.convs[id]; q.match(c) {
			hits = append(hits, c)
		}
	}
	out := []any{}
	for i := from; i < len(hits) && i < from+per; i++ {
		out = append(out, s.render(hits[i], nil, false))
	}
	pages := map[string]any{"type": "pages", "page": from/per + 1, "per_page": per, "total_pages": (len(hits) + per - 1) / per}
	if from+per < len(hits) {
		pages["next"] = map[string]any{"per_page": per, "starting_after": base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(from + per)))}
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "conversation.list", "pages": pages, "total_count": len(hits), "conversations": out})
}

// query is a search filter: {field, operator, value} or {operator: AND|OR, value: [filters]}.
type query struct {
	Field    string          `json:"field"`
	Operator string          `json:"operator"`
	Value    json.RawMessage `json:"value"`
	sub      []query
}

var intFields = map[string]bool{"admin_assignee_id": true, "team_assignee_id": true}

func (q *query) check(depth int) string {
	if q.Field == "" {
		if q.Operator != "AND" && q.Operator != "OR" {
			return "a group's operator must be AND or OR"
		}
		if depth >= 2 {
			return "at most 2 nested filters"
		}
		if err := json.Unmarshal(q.Value, &q.sub); err != nil || len(q.sub) == 0 || len(q.sub) > 15 {
			return "a group holds 1 to 15 filters"
		}
		for i := range q.sub {
			if msg := q.sub[i].check(depth + 1); msg != "" {
				return msg
			}
		}
		return ""
	}
	if q.Operator != "=" && q.Operator != "!=" {
		return "the simulator supports the operators = and !="
	}
	switch {
	case intFields[q.Field]:
		var n json.Number
		if json.Unmarshal(q.Value, &n) != nil {
			return q.Field + " takes an integer"
		}
	case q.Field == "open":
		var b bool
		if json.Unmarshal(q.Value, &b) != nil {
			return "open takes a boolean"
		}
	case q.Field == "state" || q.Field == "id":
		var v string
		if json.Unmarshal(q.Value, &v) != nil {
			return q.Field + " takes a string"
		}
	default:
		return "the simulator cannot search " + q.Field
	}
	return ""
}

func (q *query) match(c *conv) bool {
	if q.Field == "" {
		for i := range q.sub {
			m := q.sub[i].match(c)
			if q.Operator == "AND" && !m {
				return false
			}
			if q.Operator == "OR" && m {
				return true
			}
		}
		return q.Operator == "AND"
	}
	var got string
	switch q.Field {
	case "open":
		got = strconv.FormatBool(c.state == "open")
	case "state":
		got = c.state
	case "id":
		got = c.id
	case "admin_assignee_id":
		got = c.admin
	case "team_assignee_id":
		got = c.team
	}
	want := strings.Trim(string(q.Value), `"`)
	if got == "" && intFields[q.Field] {
		got = "null"
	}
	return (got == want) == (q.Operator == "=")
}

func (s *Server) renderContact(c *Contact) map[string]any {
	var email any
	if c.Email != "" {
		email = c.Email
	}
	return map[string]any{"type": "contact", "id": c.ID, "role": c.Role, "name": c.Name, "email": email}
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.contacts[r.PathValue("id")]
	if c == nil {
		writeError(w, http.StatusNotFound, "not_found", "User Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.renderContact(c))
}

// updateContact: PUT /contacts/{id} (update_contact_request): email and name.
func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email *string `json:"email"`
		Name  *string `json:"name"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.contacts[r.PathValue("id")]
	if c == nil {
		writeError(w, http.StatusNotFound, "not_found", "User Not Found")
		return
	}
	if in.Email != nil {
		e := strings.TrimSpace(*in.Email)
		if e != "" && !strings.Contains(e, "@") {
			writeError(w, http.StatusBadRequest, "parameter_invalid", "Invalid email")
			return
		}
		c.Email = e
	}
	if in.Name != nil {
		c.Name = *in.Name
	}
	writeJSON(w, http.StatusOK, s.renderContact(c))
}

// createTicket: POST /tickets (create_ticket_request): ticket_type_id and one contact (id or
// email; an unknown email creates a contact) required, ticket_attributes, assignment, and
// conversation_to_link_id, which only a Back-office or Tracker ticket may name ("conversation |
// back-office ticket", "conversation | tracker ticket").
func (s *Server) createTicket(w http.ResponseWriter, r *http.Request) {
	var in struct {
		TicketTypeID any                 `json:"ticket_type_id"`
		Contacts     []map[string]string `json:"contacts"`
		Attributes   map[string]any      `json:"ticket_attributes"`
		LinkTo       any                 `json:"conversation_to_link_id"`
		Assignment   *struct {
			TeamAssigneeID string `json:"team_assignee_id"`
		} `json:"assignment"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	typeID := str(in.TicketTypeID)
	typ, ok := s.types[typeID]
	if !ok {
		writeError(w, http.StatusBadRequest, "parameter_invalid", "Ticket type not found")
		return
	}
	if len(in.Contacts) != 1 {
		writeError(w, http.StatusBadRequest, "parameter_invalid", "Exactly one contact is allowed")
		return
	}
	var link *conv
	if id := str(in.LinkTo); id != "" {
		if link = s.convs[id]; link == nil {
			writeError(w, http.StatusNotFound, "not_found", "Conversation not found")
			return
		}
		if typ.category != "Back-office" && typ.category != "Tracker" {
			writeError(w, http.StatusBadRequest, "parameter_invalid", "A "+typ.category+" ticket cannot be linked to a conversation")
			return
		}
	}
	var ct *Contact
	if id := in.Contacts[0]["id"]; id != "" {
		ct = s.contacts[id]
	} else if e := in.Contacts[0]["email"]; e != "" {
		for _, c := range s.contacts {
			if strings.EqualFold(c.Email, e) {
				ct = c
			}
		}
		if ct == nil {
			ct = &Contact{ID: randHex(12), Role: "user", Email: e}
			s.contacts[ct.ID] = ct
		}
	}
	if ct == nil {
		writeError(w, http.StatusNotFound, "not_found", "User Not Found")
		return
	}
	t := &Ticket{ID: s.nextID(), TicketTypeID: typeID, ContactID: ct.ID, Attributes: in.Attributes, CreatedAt: time.Now()}
	if in.Assignment != nil {
		t.TeamID = in.Assignment.TeamAssigneeID
	}
	if link != nil {
		t.ConversationID = link.id
		link.tickets = append(link.tickets, t)
	}
	s.tickets = append(s.tickets, t)
	writeJSON(w, http.StatusOK, s.renderTicketLocked(t))
}

// renderTicketLocked renders a ticket (components/schemas/ticket); ticket_id is its number in
// the Inbox, id its API id.
func (s *Server) renderTicketLocked(t *Ticket) map[string]any {
	typ := s.types[t.TicketTypeID]
	number := 0
	for i, x := range s.tickets {
		if x == t {
			number = i + 1
		}
	}
	team := t.TeamID
	if team == "" {
		team = "0"
	}
	linked := []any{}
	if t.ConversationID != "" {
		linked = append(linked, map[string]any{"type": "conversation", "id": t.ConversationID, "category": nil})
	}
	return map[string]any{"type": "ticket", "id": t.ID, "ticket_id": strconv.Itoa(number), "category": typ.category,
		"ticket_type":       map[string]any{"type": "ticket_type", "id": t.TicketTypeID, "name": typ.name, "category": typ.category},
		"contacts":          map[string]any{"type": "contact.list", "contacts": []any{map[string]any{"type": "contact", "id": t.ContactID}}},
		"admin_assignee_id": "0", "team_assignee_id": team, "ticket_attributes": t.Attributes, "open": true,
		"created_at": t.CreatedAt.Unix(), "updated_at": t.CreatedAt.Unix(),
		"linked_objects": map[string]any{"type": "list", "data": linked, "total_count": len(linked), "has_more": false}}
}

// getTicket: GET /tickets/{id}.
func (s *Server) getTicket(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tickets {
		if t.ID == r.PathValue("id") {
			writeJSON(w, http.StatusOK, s.renderTicketLocked(t))
			return
		}
	}
	writeError(w, http.StatusNotFound, "ticket_not_found", "Ticket not found")
}
