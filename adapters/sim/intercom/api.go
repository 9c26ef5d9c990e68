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
	m.HandleFunc("GET /me", s.locked(s.me))
	m.HandleFunc("GET /admins", s.locked(s.listAdmins))
	m.HandleFunc("GET /admins/{id}", s.locked(s.getAdmin))
	m.HandleFunc("PUT /admins/{id}/away", withBody(s, s.setAway))
	m.HandleFunc("GET /teams", s.locked(s.listTeams))
	m.HandleFunc("GET /teams/{id}", s.locked(s.getTeam))
	m.HandleFunc("POST /conversations", withBody(s, s.createConversation))
	m.HandleFunc("GET /conversations/{id}", s.locked(s.getConversation))
	m.HandleFunc("POST /conversations/{id}/reply", withBody(s, s.replyConversation))
	m.HandleFunc("POST /conversations/{id}/parts", withBody(s, s.manageConversation))
	m.HandleFunc("POST /conversations/search", withBody(s, s.searchConversations))
	m.HandleFunc("GET /contacts/{id}", s.locked(s.getContact))
	m.HandleFunc("PUT /contacts/{id}", withBody(s, s.updateContact))
	m.HandleFunc("POST /tickets", withBody(s, s.createTicket))
	m.HandleFunc("GET /tickets/{id}", s.locked(s.getTicket))
	m.HandleFunc("GET /articles", s.listArticles)
	s.mux = m
}

// locked runs h holding s.mu: every handler reads or changes the workspace.
func (s *Server) locked(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		h(w, r)
	}
}

// withBody decodes the request's JSON body into an In (a 400 parameter_invalid when it is not
// JSON), then runs h with it, holding s.mu.
func withBody[In any](s *Server, h func(http.ResponseWriter, *http.Request, *In)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in In
		if !readJSON(w, r, &in) {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		h(w, r, &in)
	}
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
	if r.URL.Path == PublishPath {
		s.servePublish(w, r)
		return
	}
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

// invalid writes a 400 parameter_invalid.
func invalid(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, "parameter_invalid", msg)
}

// missing writes a 400 parameter_not_found.
func missing(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, "parameter_not_found", msg)
}

// found returns m[id], or writes a 404 with code and msg and returns nil.
func found[T any](w http.ResponseWriter, m map[string]*T, id, code, msg string) *T {
	v := m[id]
	if v == nil {
		writeError(w, http.StatusNotFound, code, msg)
	}
	return v
}

func (s *Server) findAdmin(w http.ResponseWriter, id string) *Admin {
	return found(w, s.admins, id, "admin_not_found", "Admin not found")
}

func (s *Server) findContact(w http.ResponseWriter, id string) *Contact {
	return found(w, s.contacts, id, "not_found", "User Not Found")
}

func (s *Server) findConv(w http.ResponseWriter, id string) *conv {
	return found(w, s.convs, id, "not_found", "Resource Not Found")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		invalid(w, "Invalid JSON: "+err.Error())
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
	out := map[string]any{"type": "admin", "id": s.botID, "email_verified": true,
		"app": map[string]any{"type": "app", "id_code": s.o.AppID, "name": "Simulated workspace", "region": "US", "timezone": "UTC"}}
	if a := s.admins[s.botID]; a != nil {
		out["name"], out["email"] = a.Name, a.Email
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listAdmins(w http.ResponseWriter, _ *http.Request) {
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
	if a := s.findAdmin(w, r.PathValue("id")); a != nil {
		writeJSON(w, http.StatusOK, s.renderAdmin(a))
	}
}

// awayRequest is PUT /admins/{id}/away's body; both fields are required.
type awayRequest struct {
	Away     *bool `json:"away_mode_enabled"`
	Reassign *bool `json:"away_mode_reassign"`
}

func (s *Server) setAway(w http.ResponseWriter, r *http.Request, in *awayRequest) {
	if in.Away == nil || in.Reassign == nil {
		missing(w, "away_mode_enabled and away_mode_reassign are required")
		return
	}
	if a := s.findAdmin(w, r.PathValue("id")); a != nil {
		a.Away = *in.Away
		writeJSON(w, http.StatusOK, s.renderAdmin(a))
	}
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
	out := []any{}
	for _, t := range s.teams {
		out = append(out, s.renderTeamLocked(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "team.list", "teams": out})
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) {
	if t := found(w, s.teams, r.PathValue("id"), "team_not_found", "Team not found"); t != nil {
		writeJSON(w, http.StatusOK, s.renderTeamLocked(t))
	}
}

// createConversationRequest is POST /conversations's body: {from:{type,id}, body}.
type createConversationRequest struct {
	From struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"from"`
	Body string `json:"body"`
}

// createConversation: POST /conversations, a conversation started by a contact; the answer is
// the message (user_message) with its conversation_id.
func (s *Server) createConversation(w http.ResponseWriter, _ *http.Request, in *createConversationRequest) {
	ct := s.findContact(w, in.From.ID)
	if ct == nil {
		return
	}
	if strings.TrimSpace(in.Body) == "" {
		missing(w, "Body is required")
		return
	}
	c := s.startLocked(ct, in.Body)
	s.notifyLocked("conversation.user.created", c, nil)
	writeJSON(w, http.StatusOK, map[string]any{"type": "user_message", "id": c.source.ID, "created_at": c.created.Unix(),
		"body": in.Body, "message_type": "inapp", "conversation_id": c.id})
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) {
	if c := s.findConv(w, r.PathValue("id")); c != nil {
		writeJSON(w, http.StatusOK, s.render(c, lastN(c.parts, maxParts), r.URL.Query().Get("display_as") == "plaintext"))
	}
}

// replyRequest is POST /conversations/{id}/reply's body: admin_reply_conversation_request or
// contact_reply_conversation_request.
type replyRequest struct {
	MessageType    string   `json:"message_type"`
	Type           string   `json:"type"`
	AdminID        any      `json:"admin_id"`
	Body           string   `json:"body"`
	ReplyOptions   []Option `json:"reply_options"`
	IntercomUserID string   `json:"intercom_user_id"`
}

// replyConversation: POST /conversations/{id}/reply, an admin's comment, note or quick_reply or
// a contact's comment or quick-reply selection. The answer is the conversation with the new part.
func (s *Server) replyConversation(w http.ResponseWriter, r *http.Request, in *replyRequest) {
	c := s.findConv(w, r.PathValue("id"))
	if c == nil {
		return
	}
	var p *Part
	var topic string
	switch in.Type {
	case "admin":
		p, topic = s.adminReplyPart(w, in)
	case "user":
		if p = s.userReplyPart(w, in); p != nil {
			c.state = "open"
			topic = "conversation.user.replied"
		}
	default:
		invalid(w, "type must be admin or user")
	}
	if p == nil {
		return
	}
	p.AppPackageCode = s.o.AppPackageCode
	s.addLocked(c, p)
	s.notifyLocked(topic, c, p)
	writeJSON(w, http.StatusOK, s.render(c, []*Part{p}, false))
}

// adminReplyPart is an admin's reply and its topic, or nil after writing the error.
func (s *Server) adminReplyPart(w http.ResponseWriter, in *replyRequest) (*Part, string) {
	a := s.findAdmin(w, str(in.AdminID))
	if a == nil {
		return nil, ""
	}
	p := s.adminPart(a, in.MessageType, in.Body)
	switch in.MessageType {
	case "comment", "note":
		if strings.TrimSpace(in.Body) == "" {
			missing(w, "Body is required for comment and note")
			return nil, ""
		}
	case "quick_reply":
		if !checkOptions(w, in.ReplyOptions) {
			return nil, ""
		}
		p.Options = in.ReplyOptions
	default:
		invalid(w, "message_type must be comment, note or quick_reply")
		return nil, ""
	}
	if in.MessageType == "note" {
		return p, "conversation.admin.noted"
	}
	return p, "conversation.admin.replied"
}

// userReplyPart is a contact's comment or quick-reply selection, or nil after writing the error.
func (s *Server) userReplyPart(w http.ResponseWriter, in *replyRequest) *Part {
	ct := s.findContact(w, in.IntercomUserID)
	if ct == nil {
		return nil
	}
	p := s.contactPart(ct, "")
	switch {
	case len(in.ReplyOptions) > 0:
		if !checkOptions(w, in.ReplyOptions) {
			return nil
		}
		p.Body, p.Clicked = "<p>"+html.EscapeString(in.ReplyOptions[0].Text)+"</p>", in.ReplyOptions[0].UUID
	case strings.TrimSpace(in.Body) != "":
		p.Body = in.Body
	default:
		missing(w, "Body is required")
		return nil
	}
	return p
}

// checkOptions reports whether os are quick-reply options with text and a uuid, writing the
// error when they are not.
func checkOptions(w http.ResponseWriter, os []Option) bool {
	ok := len(os) > 0
	for _, o := range os {
		ok = ok && strings.TrimSpace(o.Text) != "" && len(o.UUID) == 36
	}
	if !ok {
		invalid(w, "reply_options must hold options with text and uuid")
	}
	return ok
}

// manageRequest is POST /conversations/{id}/parts's body.
type manageRequest struct {
	MessageType  string `json:"message_type"`
	Type         string `json:"type"`
	AdminID      any    `json:"admin_id"`
	AssigneeID   any    `json:"assignee_id"`
	Body         string `json:"body"`
	SnoozedUntil int64  `json:"snoozed_until"`
}

// stateChanges are the message types of POST /conversations/{id}/parts that change the state:
// the new state and the topic.
var stateChanges = map[string]struct{ state, topic string }{
	"close":   {"closed", "conversation.admin.closed"},
	"open":    {"open", "conversation.admin.opened"},
	"snoozed": {"snoozed", "conversation.admin.snoozed"},
}

// manageConversation: POST /conversations/{id}/parts: assignment (type admin or team,
// assignee_id, "0" for nobody), close, open, snoozed; admin_id performs it. An assignment's
// optional body stays on the assignment part: teammates see it as a note, and the Messenger
// shows the contact comments only (Intercom's v1.0 reference: the body "appears as note").
func (s *Server) manageConversation(w http.ResponseWriter, r *http.Request, in *manageRequest) {
	c := s.findConv(w, r.PathValue("id"))
	if c == nil {
		return
	}
	a := s.findAdmin(w, str(in.AdminID))
	if a == nil {
		return
	}
	var p *Part
	var topic string
	change, isChange := stateChanges[in.MessageType]
	switch {
	case in.MessageType == "assignment":
		assignee := str(in.AssigneeID)
		if in.AssigneeID == nil || assignee == "" {
			missing(w, "assignee_id is required")
			return
		}
		switch {
		case in.Type == "team" && assignee != "0" && s.teams[assignee] == nil,
			in.Type == "admin" && assignee != "0" && s.admins[assignee] == nil:
			writeError(w, http.StatusNotFound, "assignee_not_found", "Assignee not found")
			return
		case in.Type != "team" && in.Type != "admin":
			invalid(w, "type must be admin or team")
			return
		}
		p = s.assignLocked(c, a, in.Type, assignee, in.Body)
		topic = "conversation.admin.assigned"
	case isChange:
		if in.MessageType == "snoozed" && in.SnoozedUntil <= time.Now().Unix() {
			invalid(w, "snoozed_until must be in the future")
			return
		}
		p = s.adminPart(a, in.MessageType, in.Body)
		s.addLocked(c, p)
		c.state, topic = change.state, change.topic
	default:
		invalid(w, "message_type must be assignment, close, open or snoozed")
		return
	}
	p.AppPackageCode = s.o.AppPackageCode
	s.notifyLocked(topic, c, p)
	writeJSON(w, http.StatusOK, s.render(c, []*Part{p}, false))
}

// searchRequest is POST /conversations/search's body.
type searchRequest struct {
	Query      json.RawMessage `json:"query"`
	Pagination *struct {
		PerPage       int    `json:"per_page"`
		StartingAfter string `json:"starting_after"`
	} `json:"pagination"`
}

// searchConversations: POST /conversations/search {query, pagination{per_page, starting_after}}
// with the fields open, state, id, admin_assignee_id, team_assignee_id and teammate_ids (the
// teammates who wrote at least one part: conversation_teammates; "=" matches a conversation
// one of whose teammates it names), the operators = and !=, and nested AND/OR groups; 20 a
// page by default, 150 at most. The cursor is opaque.
func (s *Server) searchConversations(w http.ResponseWriter, _ *http.Request, in *searchRequest) {
	if len(in.Query) == 0 {
		missing(w, "query is required")
		return
	}
	var q query
	if err := json.Unmarshal(in.Query, &q); err != nil {
		invalid(w, "invalid query: "+err.Error())
		return
	}
	if msg := q.check(0); msg != "" {
		invalid(w, msg)
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
				invalid(w, "invalid starting_after")
				return
			}
			from = n
		}
	}
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
	case intFields[q.Field] && !decodes[json.Number](q.Value):
		return q.Field + " takes an integer"
	case q.Field == "open" && !decodes[bool](q.Value):
		return "open takes a boolean"
	case (q.Field == "state" || q.Field == "id" || q.Field == "teammate_ids") && !decodes[string](q.Value):
		return q.Field + " takes a string"
	case !intFields[q.Field] && q.Field != "open" && q.Field != "state" && q.Field != "id" && q.Field != "teammate_ids":
		return "the simulator cannot search " + q.Field
	}
	return ""
}

// decodes reports whether b is JSON for a T.
func decodes[T any](b json.RawMessage) bool {
	var v T
	return json.Unmarshal(b, &v) == nil
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
	if q.Field == "teammate_ids" {
		want := strings.Trim(string(q.Value), `"`)
		return slices.Contains(teammates(c), want) == (q.Operator == "=")
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
	if c := s.findContact(w, r.PathValue("id")); c != nil {
		writeJSON(w, http.StatusOK, s.renderContact(c))
	}
}

// updateContactRequest is PUT /contacts/{id}'s body (update_contact_request): email and name.
type updateContactRequest struct {
	Email *string `json:"email"`
	Name  *string `json:"name"`
}

// updateContact: PUT /contacts/{id}.
func (s *Server) updateContact(w http.ResponseWriter, r *http.Request, in *updateContactRequest) {
	c := s.findContact(w, r.PathValue("id"))
	if c == nil {
		return
	}
	if in.Email != nil {
		e := strings.TrimSpace(*in.Email)
		if e != "" && !strings.Contains(e, "@") {
			invalid(w, "Invalid email")
			return
		}
		c.Email = e
	}
	if in.Name != nil {
		c.Name = *in.Name
	}
	writeJSON(w, http.StatusOK, s.renderContact(c))
}

// createTicketRequest is POST /tickets's body (create_ticket_request).
type createTicketRequest struct {
	TicketTypeID any                 `json:"ticket_type_id"`
	Contacts     []map[string]string `json:"contacts"`
	Attributes   map[string]any      `json:"ticket_attributes"`
	LinkTo       any                 `json:"conversation_to_link_id"`
	Assignment   *struct {
		TeamAssigneeID string `json:"team_assignee_id"`
	} `json:"assignment"`
}

// createTicket: POST /tickets : ticket_type_id and one contact (id or
// email; an unknown email creates a contact) required, ticket_attributes, assignment, and
// conversation_to_link_id, which only a Back-office or Tracker ticket may name ("conversation |
// back-office ticket", "conversation | tracker ticket").
func (s *Server) createTicket(w http.ResponseWriter, _ *http.Request, in *createTicketRequest) {
	typeID := str(in.TicketTypeID)
	typ, ok := s.types[typeID]
	if !ok {
		invalid(w, "Ticket type not found")
		return
	}
	if len(in.Contacts) != 1 {
		invalid(w, "Exactly one contact is allowed")
		return
	}
	var link *conv
	if id := str(in.LinkTo); id != "" {
		if link = found(w, s.convs, id, "not_found", "Conversation not found"); link == nil {
			return
		}
		if typ.category != "Back-office" && typ.category != "Tracker" {
			invalid(w, "A "+typ.category+" ticket cannot be linked to a conversation")
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
	for _, t := range s.tickets {
		if t.ID == r.PathValue("id") {
			writeJSON(w, http.StatusOK, s.renderTicketLocked(t))
			return
		}
	}
	writeError(w, http.StatusNotFound, "ticket_not_found", "Ticket not found")
}
