package liveagent

// LiveAgent's REST APIs on the simulated account: v3 (JSON, apikey header; models from
// QualityUnit/LiveAgent-api-python docs/*.md) and v1 (form parameters, apikey parameter,
// {"response": ...} envelopes, errors with HTTP 200; hostinger/ladesk-php src/Ladesk.php and
// docs/helpdesks/liveagent.md §1.6).

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/adapters/sim/simnet"
)

// laCall is what the API middleware hands to a handler.
type laCall struct {
	body   []byte
	params url.Values // v1: query merged with the form body; v3: the query
}

type laHandler func(w http.ResponseWriter, r *http.Request, c *laCall)

func (la *Server) routes() http.Handler {
	mux := http.NewServeMux()
	v3 := func(pattern string, h laHandler) { mux.Handle(pattern, la.api(3, h)) }
	v1 := func(pattern string, h laHandler) { mux.Handle(pattern, la.api(1, h)) }
	v3("GET /api/v3/ping", func(w http.ResponseWriter, _ *http.Request, _ *laCall) {
		sim.WriteJSON(w, http.StatusOK, map[string]any{"message": "pong"})
	})
	v3("GET /api/v3/tickets", la.v3ListTickets)
	v3("POST /api/v3/tickets", la.v3CreateTicket)
	v3("GET /api/v3/tickets/{id}", la.v3GetTicket)
	v3("PUT /api/v3/tickets/{id}", la.v3UpdateTicket)
	v3("GET /api/v3/tickets/{id}/messages", la.v3Messages)
	v3("GET /api/v3/agents", la.v3Agents)
	v3("GET /api/v3/agents/{id}", la.v3Agent)
	v3("GET /api/v3/agents/{id}/status", la.v3AgentStatus)
	v3("GET /api/v3/departments", la.v3Departments)
	v3("GET /api/v3/departments/{id}", la.v3Department)
	v3("GET /api/v3/tags", la.v3Tags)
	v3("POST /api/v3/tags", la.v3CreateTag)
	v3("GET /api/v3/custom_buttons", la.v3Buttons)
	v3("POST /api/v3/custom_buttons", la.v3CreateButton)
	v3("/api/v3/", func(w http.ResponseWriter, _ *http.Request, _ *laCall) {
		sim.WriteJSON(w, http.StatusNotFound, map[string]any{"message": "Unknown endpoint"})
	})
	v1("POST /api/conversations/{id}/messages", la.v1AddMessage)
	v1("PUT /api/conversations/{id}/attendants", la.v1Transfer)
	v1("PUT /api/conversations/{id}/status", la.v1Status)
	v1("POST /api/conversations/{id}/tags", la.v1AddTag)
	v1("GET /api/conversations/{id}", la.v1Conversation)
	v1("GET /api/onlinestatus/departments", la.v1DepartmentStatus)
	v1("GET /api/onlinestatus/agents", la.v1AgentStatus)
	v1("/api/", func(w http.ResponseWriter, _ *http.Request, _ *laCall) {
		laV1Error(w, http.StatusOK, "Unknown handler")
	})
	la.uiRoutes(mux)
	return mux
}

// api wraps a route: body capture, call log, faults, key check, rate limit.
func (la *Server) api(version int, h laHandler) http.Handler {
	faults := simnet.Responses{
		TooMany: func(w http.ResponseWriter) { laTooManyBody(w, version) },
		ServerError: func(w http.ResponseWriter) {
			if version == 3 {
				sim.WriteJSON(w, http.StatusInternalServerError, map[string]any{"message": "Internal server error"})
			} else {
				laV1Error(w, http.StatusInternalServerError, "Internal server error")
			}
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := simnet.ReadBody(r, sim.MaxBody)
		q := r.URL.Query()
		params := url.Values{}
		for k, v := range q {
			params[k] = v
		}
		key, fromQuery := "", q.Get("apikey")
		if version == 3 {
			key = r.Header.Get("apikey")
		} else {
			key = fromQuery
			// PHP reads form fields of POST bodies only; a PUT's apikey must be in the query
			// string (docs/helpdesks/liveagent.md §1.1), its other fields may be in either.
			if form, err := url.ParseQuery(string(body)); err == nil && strings.Contains(r.Header.Get("Content-Type"), "form") {
				for k, v := range form {
					if k == "apikey" && r.Method != http.MethodPost {
						continue
					}
					if _, ok := params[k]; !ok || k == "apikey" {
						params[k] = v
					}
				}
				if r.Method == http.MethodPost && key == "" {
					key = form.Get("apikey")
				}
			}
		}
		kind := ""
		switch {
		case key == "":
		case version == 3 && key == la.opts.APIKey:
			kind = "v3"
		case version == 1 && key == la.opts.APIV1Key:
			kind = "v1"
		case version == 1 && key == la.opts.APIKey:
			kind = "v3"
		default:
			kind = "invalid"
		}
		call := sim.Call{Method: r.Method, Path: r.URL.Path, Query: laRedactQuery(q), Token: kind, Body: laRedactBody(string(body))}
		la.s.MW.Serve(w, r, &call, faults, func(sw http.ResponseWriter) {
			switch {
			case version == 3 && kind != "v3":
				sim.WriteJSON(sw, http.StatusUnauthorized, map[string]any{"message": "Invalid API key"})
				return
			case version == 1 && kind == "v3":
				// v3 keys get 403 on v1 conversation endpoints (docs/helpdesks/liveagent.md §1.1).
				laV1Error(sw, http.StatusForbidden, "Access denied: this is not an API v1 key")
				return
			case version == 1 && kind != "v1":
				laV1Error(sw, http.StatusOK, "Invalid API key")
				return
			}
			if wait, limited := la.rateLimited(key); limited {
				la.tooMany(sw, version, wait)
				return
			}
			h(sw, r, &laCall{body: body, params: params})
		})
	})
}

// tooMany answers 429 with Retry-After (whole seconds, at least 1). An injected 429 has the
// middleware's Retry-After (the fault's, rounded up) and the same body.
func (la *Server) tooMany(w http.ResponseWriter, version int, wait time.Duration) {
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	}
	laTooManyBody(w, version)
}

// laTooManyBody writes the 429 of API v3 or v1 (docs/helpdesks/liveagent.md §1.3: the body is
// the sim's choice).
func laTooManyBody(w http.ResponseWriter, version int) {
	if version == 3 {
		sim.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"message": "Too many requests"})
		return
	}
	laV1Error(w, http.StatusTooManyRequests, "Too many requests")
}

// rateLimited counts a request of key in a sliding minute (180 a minute per key,
// https://support.liveagent.com/217359-Request-rate-limits) and reports how long to wait
// when the budget is spent. Refused requests are not counted.
func (la *Server) rateLimited(key string) (time.Duration, bool) {
	if la.opts.RateLimit < 0 {
		return 0, false
	}
	now := la.opts.Now()
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	w := la.window[key]
	cut := 0
	for cut < len(w) && now.Sub(w[cut]) >= time.Minute {
		cut++
	}
	w = w[cut:]
	if len(w) >= la.opts.RateLimit {
		la.window[key] = w
		return w[0].Add(time.Minute).Sub(now), true
	}
	la.window[key] = append(w, now)
	return 0, false
}

// RequestsInLastMinute returns how many requests key made in the rate-limit window.
func (la *Server) RequestsInLastMinute(key string) int {
	now := la.opts.Now()
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	n := 0
	for _, t := range la.window[key] {
		if now.Sub(t) < time.Minute {
			n++
		}
	}
	return n
}

// laRedactQuery drops apikey from a logged query.
func laRedactQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	c := url.Values{}
	for k, v := range q {
		if k == "apikey" {
			c[k] = []string{"[key]"}
			continue
		}
		c[k] = v
	}
	return c.Encode()
}

func laRedactBody(b string) string {
	if !strings.Contains(b, "apikey=") {
		return b
	}
	form, err := url.ParseQuery(b)
	if err != nil {
		return b
	}
	form.Set("apikey", "[key]")
	return form.Encode()
}

func laV1Error(w http.ResponseWriter, status int, msg string) {
	sim.WriteJSON(w, status, map[string]any{"response": map[string]any{"status": "ERROR", "errormessage": msg}})
}

func laV1OK(w http.ResponseWriter, fields map[string]any) {
	resp := map[string]any{"status": "OK"}
	for k, v := range fields {
		resp[k] = v
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"response": resp})
}

func laV3Error(w http.ResponseWriter, status int, msg string) {
	sim.WriteJSON(w, status, map[string]any{"message": msg})
}

// ---- v3 representations ----

func (la *Server) ticketJSON(c *sim.Conversation) map[string]any {
	lt := la.tickets[c.ID]
	ct := la.s.Contacts[c.ContactID]
	tags := []string{}
	for _, name := range c.Labels {
		tags = append(tags, la.tagIDLocked(name, false))
	}
	out := map[string]any{
		"id": laTicketID(c.ID), "owner_contactid": laContactID(ct.ID), "owner_email": ct.Email, "owner_name": ct.Name,
		"departmentid": "", "agentid": "", "status": lt.status, "tags": tags, "code": lt.code,
		"channel_type": lt.channel, "date_created": laTime(c.CreatedAt), "date_changed": laTime(c.UpdatedAt),
		"last_activity": laTime(c.LastActivityAt), "subject": lt.subject, "custom_fields": []any{},
	}
	if c.TeamID != 0 {
		out["departmentid"] = laDeptID(c.TeamID)
	}
	if c.AssigneeID != 0 {
		out["agentid"] = laAgentID(c.AssigneeID)
	}
	return out
}

func (la *Server) agentJSON(u *sim.User) map[string]any {
	online := "F"
	if u.Availability != "offline" {
		online = "N"
	}
	role := "agent"
	if u.Role == "administrator" {
		role = "owner"
	}
	return map[string]any{"id": laAgentID(u.ID), "name": u.Name, "email": u.Email, "role": role,
		"online_status": online, "status": "A", "gender": "X"}
}

func (la *Server) departmentJSON(tm *sim.Team) map[string]any {
	ids := []string{}
	online := "F"
	for _, u := range tm.Members {
		ids = append(ids, laAgentID(u))
		if la.chatOnline(u) {
			online = "T"
		}
	}
	return map[string]any{"department_id": laDeptID(tm.ID), "name": tm.Name, "agent_count": len(ids),
		"online_status": online, "agent_ids": ids}
}

// paged applies _page/_perPage (default 10) or _from/_to (precedence) to n items and returns
// the bounds (PYCLI: "_from takes precedence over _page").
func paged(p url.Values, n int) (int, int) {
	if f := p.Get("_from"); f != "" {
		from, _ := strconv.Atoi(f)
		to, err := strconv.Atoi(p.Get("_to"))
		if err != nil || to < from {
			to = from + 10
		}
		from = min(max(from, 0), n)
		return from, min(max(to, from), n)
	}
	page, _ := strconv.Atoi(p.Get("_page"))
	per, _ := strconv.Atoi(p.Get("_perPage"))
	if page < 1 {
		page = 1
	}
	if per < 1 {
		per = 10
	}
	from := min((page-1)*per, n)
	return from, min(from+per, n)
}

// laFilter is one [column, operator, value] of _filters.
type laFilter struct{ col, op, val string }

// parseFilters reads _filters: {"col":"val"} or [["col","op","val"],...].
func parseFilters(s string) ([]laFilter, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(s), &obj); err == nil {
		var out []laFilter
		for k, v := range obj {
			out = append(out, laFilter{k, "=", fmt.Sprint(v)})
		}
		return out, nil
	}
	var arr [][]any
	if err := json.Unmarshal([]byte(s), &arr); err != nil {
		return nil, fmt.Errorf("_filters is neither a JSON object nor an array of [column, operator, value]")
	}
	var out []laFilter
	for _, f := range arr {
		if len(f) != 3 {
			return nil, fmt.Errorf("_filters: %v is not [column, operator, value]", f)
		}
		out = append(out, laFilter{fmt.Sprint(f[0]), fmt.Sprint(f[1]), fmt.Sprint(f[2])})
	}
	return out, nil
}

// match applies the filter to a string column. The operators are LiveAgent's
// (https://support.liveagent.com/513528-Filtering-API-v3-results, "API v3 advanced filter
// examples"; GET /tickets: https://support.liveagent.com/870644): E equals, NE not equals, L / NL
// like / not like (contains, case-insensitive), IN / NI is / is not one of a comma-separated
// list, CY contains any of (on a string: IN), IE / INE is empty / not empty, and on dates
// D> D< D>= D<= ("2006-01-02 15:04:05", the account's time, UTC here). The sim also accepts
// =, !=, <> and LIKE, as it always did. DP (named periods) is not simulated: 400. LiveAgent
// restricts some columns to fewer operators (agentid: IN only); the sim does not.
func (f laFilter) match(v string) (bool, error) {
	list := func() []string {
		var out []string
		for _, x := range strings.Split(f.val, ",") {
			out = append(out, strings.TrimSpace(x))
		}
		return out
	}
	switch f.op {
	case "=", "E":
		return v == f.val, nil
	case "!=", "<>", "NE":
		return v != f.val, nil
	case "LIKE", "L":
		pat := strings.ToLower(strings.Trim(f.val, "%"))
		return strings.Contains(strings.ToLower(v), pat), nil
	case "NL":
		pat := strings.ToLower(strings.Trim(f.val, "%"))
		return !strings.Contains(strings.ToLower(v), pat), nil
	case "IN", "CY":
		return slices.Contains(list(), v), nil
	case "NI":
		return !slices.Contains(list(), v), nil
	case "IE":
		return v == "", nil
	case "INE":
		return v != "", nil
	case "D>", "D<", "D>=", "D<=":
		want, err := laParseFilterTime(f.val)
		if err != nil {
			return false, fmt.Errorf("_filters: %s %s: %w", f.col, f.op, err)
		}
		got, err := laParseFilterTime(v)
		if err != nil {
			return false, nil // no date: never in a range
		}
		switch f.op {
		case "D>":
			return got.After(want), nil
		case "D<":
			return got.Before(want), nil
		case "D>=":
			return !got.Before(want), nil
		default:
			return !got.After(want), nil
		}
	}
	return false, fmt.Errorf("_filters: operator %q is not supported", f.op)
}

// matchTags applies the filter to Ticket.tags (tag ids): CY (and L) contains any of the listed
// ids, NI contains none of them, IE / INE has no tag / some tag. E, NE and IN cannot filter
// tags (https://support.liveagent.com/513528): 400.
func (f laFilter) matchTags(tags []string) (bool, error) {
	var want []string
	for _, x := range strings.Split(f.val, ",") {
		if x = strings.TrimSpace(x); x != "" {
			want = append(want, x)
		}
	}
	hit := slices.ContainsFunc(tags, func(t string) bool { return slices.Contains(want, t) })
	switch f.op {
	case "CY", "L":
		return hit, nil
	case "NI":
		return !hit, nil
	case "IE":
		return len(tags) == 0, nil
	case "INE":
		return len(tags) > 0, nil
	}
	return false, fmt.Errorf("_filters: operator %q cannot filter tags", f.op)
}

// laParseFilterTime reads a filter's date: "2006-01-02 15:04:05" (seconds optional) or a day.
func laParseFilterTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2006-01-02 15:04:05)", s)
}

// ---- v3 tickets ----

func (la *Server) pathTicket(w http.ResponseWriter, r *http.Request) *sim.Conversation {
	c, _, err := la.ticketByRefID(r.PathValue("id"))
	if err != nil {
		laV3Error(w, http.StatusNotFound, "Ticket not found")
		return nil
	}
	return c
}

// ticketByRefID finds a ticket by id only (v3 paths take ids).
func (la *Server) ticketByRefID(id string) (*sim.Conversation, *laTicket, error) {
	if n, ok := laParse("tk", id); ok {
		if lt, ok := la.tickets[n]; ok {
			return la.s.Convs[n], lt, nil
		}
	}
	return nil, nil, fmt.Errorf("ticket %s: %w", id, sim.ErrNotFound)
}

// GET /tickets: list with _filters (agentid, departmentid, status, code, channel_type,
// owner_contactid, subject, tags, date_created, date_changed; operators: laFilter.match), _sortField (date_created default, date_changed), _sortDir, paging.
func (la *Server) v3ListTickets(w http.ResponseWriter, _ *http.Request, c *laCall) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	filters, err := parseFilters(c.params.Get("_filters"))
	if err != nil {
		laV3Error(w, http.StatusBadRequest, err.Error())
		return
	}
	var list []*sim.Conversation
	for _, id := range la.s.ConvIDs {
		if _, ok := la.tickets[id]; !ok {
			continue
		}
		conv := la.s.Convs[id]
		tj := la.ticketJSON(conv)
		keep := true
		for _, f := range filters {
			var m bool
			var err error
			switch v := tj[f.col].(type) {
			case string:
				m, err = f.match(v)
			case []string:
				m, err = f.matchTags(v)
			default:
				laV3Error(w, http.StatusBadRequest, "_filters: unknown column "+f.col)
				return
			}
			if err != nil {
				laV3Error(w, http.StatusBadRequest, err.Error())
				return
			}
			keep = keep && m
		}
		if keep {
			list = append(list, conv)
		}
	}
	field := c.params.Get("_sortField")
	desc := strings.EqualFold(c.params.Get("_sortDir"), "DESC")
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i].CreatedAt, list[j].CreatedAt
		if field == "date_changed" || field == "last_activity" {
			a, b = list[i].LastActivityAt, list[j].LastActivityAt
		}
		if desc {
			return a.After(b)
		}
		return a.Before(b)
	})
	from, to := paged(c.params, len(list))
	out := []any{}
	for _, conv := range list[from:to] {
		out = append(out, la.ticketJSON(conv))
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

func (la *Server) v3GetTicket(w http.ResponseWriter, r *http.Request, _ *laCall) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	if c := la.pathTicket(w, r); c != nil {
		sim.WriteJSON(w, http.StatusOK, la.ticketJSON(c))
	}
}

// PUT /tickets/{id} (TicketUpdatable: owner_contactid, departmentid, agentid, status, subject,
// tags (ids), custom_fields). Fires "ticket transferred" and "ticket status changed".
func (la *Server) v3UpdateTicket(w http.ResponseWriter, r *http.Request, c *laCall) {
	var in map[string]any
	if err := json.Unmarshal(c.body, &in); err != nil || in == nil {
		laV3Error(w, http.StatusBadRequest, "Request body is not a JSON object")
		return
	}
	t := la.lock()
	var evs []laEvent
	defer func() { la.dispatchLocked(evs); t.unlock() }()
	conv := la.pathTicket(w, r)
	if conv == nil {
		return
	}
	lt := la.tickets[conv.ID]
	str := func(k string) (string, bool) {
		v, ok := in[k]
		if !ok || v == nil {
			return "", false
		}
		s, isStr := v.(string)
		return s, isStr
	}
	dept, user := conv.TeamID, conv.AssigneeID
	if v, ok := str("departmentid"); ok {
		d, ok := laParse("dp", v)
		if !ok || !la.depts[d] {
			laV3Error(w, http.StatusBadRequest, "Unknown department "+v)
			return
		}
		dept = d
	}
	if v, ok := str("agentid"); ok {
		if v == "" {
			user = 0
		} else if u, ok := laParse("ag", v); ok && la.s.Users[u] != nil {
			user = u
		} else {
			laV3Error(w, http.StatusBadRequest, "Unknown agent "+v)
			return
		}
	}
	status := lt.status
	if v, ok := str("status"); ok {
		if !laStatuses[v] || v == "I" {
			laV3Error(w, http.StatusBadRequest, "Invalid status "+v)
			return
		}
		status = v
	}
	var labels []string
	if raw, ok := in["tags"]; ok {
		arr, ok := raw.([]any)
		if !ok {
			laV3Error(w, http.StatusBadRequest, "tags must be an array of tag ids")
			return
		}
		for _, x := range arr {
			id := fmt.Sprint(x)
			name, ok := la.tagNames[id]
			if !ok {
				laV3Error(w, http.StatusBadRequest, "Unknown tag "+id)
				return
			}
			if !slices.Contains(labels, name) {
				labels = append(labels, name)
			}
		}
	}
	if v, ok := str("subject"); ok {
		lt.subject = v
	}
	if labels != nil {
		conv.Labels = labels
	}
	if ev, ok := la.transferLocked(t, conv, dept, user, "api"); ok {
		evs = append(evs, ev)
	}
	if la.setStatusLocked(lt, status) {
		evs = append(evs, laEvent{TriggerStatusChanged, conv.ID})
	}
	conv.UpdatedAt = time.Now()
	sim.WriteJSON(w, http.StatusOK, la.ticketJSON(conv))
}

// POST /tickets (TicketListItem; required useridentifier, subject, departmentid, recipient,
// message; status default N, I not allowed (CHLOG #9230); tags are ids) → TicketInformation.
func (la *Server) v3CreateTicket(w http.ResponseWriter, _ *http.Request, c *laCall) {
	var in map[string]any
	if err := json.Unmarshal(c.body, &in); err != nil || in == nil {
		laV3Error(w, http.StatusBadRequest, "Request body is not a JSON object")
		return
	}
	get := func(k string) string { s, _ := in[k].(string); return strings.TrimSpace(s) }
	for _, k := range []string{"useridentifier", "subject", "departmentid", "recipient", "message"} {
		if get(k) == "" {
			laV3Error(w, http.StatusBadRequest, "Missing required field "+k)
			return
		}
	}
	t := la.lock()
	defer t.unlock()
	d, ok := laParse("dp", get("departmentid"))
	if !ok || !la.depts[d] {
		laV3Error(w, http.StatusBadRequest, "Unknown department "+get("departmentid"))
		return
	}
	author, ok := la.agentByIdentifier(get("useridentifier"))
	if !ok {
		laV3Error(w, http.StatusBadRequest, "Unknown useridentifier "+get("useridentifier"))
		return
	}
	status := get("status")
	if status == "" {
		status = "N"
	}
	if !laStatuses[status] || status == "I" {
		laV3Error(w, http.StatusBadRequest, "Invalid status "+status)
		return
	}
	var labels []string
	if arr, ok := in["tags"].([]any); ok {
		for _, x := range arr {
			name, ok := la.tagNames[fmt.Sprint(x)]
			if !ok {
				laV3Error(w, http.StatusBadRequest, "Unknown tag "+fmt.Sprint(x))
				return
			}
			labels = append(labels, name)
		}
	}
	recipient := get("recipient")
	ct := la.s.ContactFor(recipient)
	if ct.Email == "" && strings.Contains(recipient, "@") {
		ct.Email = recipient
	}
	if n := get("recipient_name"); n != "" && ct.Name == recipient {
		ct.Name = n
	}
	conv := t.createConversation(la.s.Inboxes[la.inboxID], ct)
	conv.TeamID = d
	conv.Labels = labels
	lt := &laTicket{status: status, code: laCode(conv.ID), subject: get("subject"), channel: "E", ended: true}
	la.tickets[conv.ID] = lt
	g := la.newGroup(lt, "4", laAgentID(author))
	format := "T"
	if get("is_html_message") == "Y" {
		format = "H"
	}
	la.addLA(t, conv, &sim.Message{Type: "outgoing", SenderKind: "user", SenderID: author, Content: get("message"), HasContent: true, ContentType: "text"},
		"M", format, g, laAgentID(author))
	tj := la.ticketJSON(conv)
	tj["tags"] = strings.Join(tj["tags"].([]string), ",")
	tj["ownerid"] = laContactID(ct.ID)
	sim.WriteJSON(w, http.StatusOK, tj)
}

// agentByIdentifier resolves an agent by id or email (v1 useridentifier).
func (la *Server) agentByIdentifier(ident string) (int, bool) {
	if u, ok := laParse("ag", ident); ok && la.s.Users[u] != nil {
		return u, true
	}
	for _, id := range la.s.UserIDs {
		if u := la.s.Users[id]; strings.EqualFold(u.Email, ident) && ident != "" {
			return id, true
		}
	}
	return 0, false
}

// GET /tickets/{id}/messages: message groups with their messages (MessageGroup, Message),
// paged (_page/_perPage, default 10 groups), _sortDir ASC by default.
func (la *Server) v3Messages(w http.ResponseWriter, r *http.Request, c *laCall) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	conv := la.pathTicket(w, r)
	if conv == nil {
		return
	}
	lt := la.tickets[conv.ID]
	groups := slices.Clone(lt.groups)
	if strings.EqualFold(c.params.Get("_sortDir"), "DESC") {
		slices.Reverse(groups)
	}
	from, to := paged(c.params, len(groups))
	out := []any{}
	for i, g := range groups[from:to] {
		msgs := []any{}
		for _, mid := range g.msgs {
			m := la.coreMessage(conv, mid)
			lm := la.msgs[mid]
			if m == nil || lm == nil {
				continue
			}
			msgs = append(msgs, map[string]any{"id": laMsgID(mid), "userid": lm.userID, "type": lm.typ,
				"datecreated": laTime(m.CreatedAt), "format": lm.format, "message": m.Content, "visibility": "V"})
		}
		out = append(out, map[string]any{"id": laGroupID(g.id), "parent_id": "", "userid": g.userID,
			"user_full_name": la.userName(conv, g.userID), "type": g.typ, "status": "V",
			"datecreated": laTime(g.created), "datefinished": laTime(g.ended), "sort_order": from + i,
			"mail_msg_id": "", "pop3_msg_id": "", "messages": msgs})
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// ---- v3 agents, departments, tags, buttons ----

func (la *Server) v3Agents(w http.ResponseWriter, _ *http.Request, c *laCall) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	from, to := paged(c.params, len(la.s.UserIDs))
	out := []any{}
	for _, id := range la.s.UserIDs[from:to] {
		out = append(out, la.agentJSON(la.s.Users[id]))
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

func (la *Server) pathAgent(w http.ResponseWriter, r *http.Request) *sim.User {
	if u, ok := laParse("ag", r.PathValue("id")); ok && la.s.Users[u] != nil {
		return la.s.Users[u]
	}
	laV3Error(w, http.StatusNotFound, "Agent not found")
	return nil
}

func (la *Server) v3Agent(w http.ResponseWriter, r *http.Request, _ *laCall) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	if u := la.pathAgent(w, r); u != nil {
		sim.WriteJSON(w, http.StatusOK, la.agentJSON(u))
	}
}

// GET /agents/{id}/status: one AgentStatus per department of the agent; online_status letters
// R read, M message, T chat, P phone.
func (la *Server) v3AgentStatus(w http.ResponseWriter, r *http.Request, _ *laCall) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	u := la.pathAgent(w, r)
	if u == nil {
		return
	}
	out := []any{}
	for _, tid := range la.s.TeamIDs {
		tm := la.s.Teams[tid]
		if !la.depts[tid] || !slices.Contains(tm.Members, u.ID) {
			continue
		}
		letters := laOnlineLetters(u.Availability)
		out = append(out, map[string]any{"departmentid": laDeptID(tid), "online_status": letters,
			"preset_status": "TMR", "work_allocation_allowed": letters != ""})
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

func (la *Server) v3Departments(w http.ResponseWriter, _ *http.Request, c *laCall) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	var ids []int
	for _, id := range la.s.TeamIDs {
		if la.depts[id] {
			ids = append(ids, id)
		}
	}
	from, to := paged(c.params, len(ids))
	out := []any{}
	for _, id := range ids[from:to] {
		out = append(out, la.departmentJSON(la.s.Teams[id]))
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

func (la *Server) v3Department(w http.ResponseWriter, r *http.Request, _ *laCall) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	if d, ok := laParse("dp", r.PathValue("id")); ok && la.depts[d] {
		sim.WriteJSON(w, http.StatusOK, la.departmentJSON(la.s.Teams[d]))
		return
	}
	laV3Error(w, http.StatusNotFound, "Department not found")
}

// tagIDLocked returns a tag's id by name, creating it when create is set ("" if unknown).
func (la *Server) tagIDLocked(name string, create bool) string {
	for id, n := range la.tagNames {
		if n == name {
			return id
		}
	}
	if !create {
		return ""
	}
	la.tagSeq++
	id := fmt.Sprintf("tg%06x", la.tagSeq)
	la.tagNames[id] = name
	return id
}

func (la *Server) v3Tags(w http.ResponseWriter, _ *http.Request, c *laCall) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	ids := make([]string, 0, len(la.tagNames))
	for id := range la.tagNames {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	from, to := paged(c.params, len(ids))
	out := []any{}
	for _, id := range ids[from:to] {
		out = append(out, map[string]any{"id": id, "name": la.tagNames[id], "color": "FFFFFF", "background_color": "000000", "is_public": "N", "is_archived": "N"})
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// POST /tags {name, color, background_color, is_public}; a duplicate name is a 400.
func (la *Server) v3CreateTag(w http.ResponseWriter, _ *http.Request, c *laCall) {
	var in struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil || strings.TrimSpace(in.Name) == "" {
		laV3Error(w, http.StatusBadRequest, "Missing required field name")
		return
	}
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	if la.tagIDLocked(in.Name, false) != "" {
		laV3Error(w, http.StatusBadRequest, "Tag with this name already exists")
		return
	}
	id := la.tagIDLocked(in.Name, true)
	sim.WriteJSON(w, http.StatusOK, map[string]any{"id": id, "name": in.Name, "color": "FFFFFF", "background_color": "000000", "is_public": "N", "is_archived": "N"})
}

func (la *Server) v3Buttons(w http.ResponseWriter, _ *http.Request, _ *laCall) {
	sim.WriteJSON(w, http.StatusOK, la.CustomButtons())
}

// POST /custom_buttons (CustomButton: url, method and type required; type E opens the URL
// in a new tab).
func (la *Server) v3CreateButton(w http.ResponseWriter, _ *http.Request, c *laCall) {
	var in map[string]any
	if err := json.Unmarshal(c.body, &in); err != nil || in == nil {
		laV3Error(w, http.StatusBadRequest, "Request body is not a JSON object")
		return
	}
	for _, k := range []string{"url", "method", "type"} {
		if s, _ := in[k].(string); s == "" {
			laV3Error(w, http.StatusBadRequest, "Missing required field "+k)
			return
		}
	}
	if in["type"] != "E" {
		laV3Error(w, http.StatusBadRequest, "Unsupported button type")
		return
	}
	la.s.Mu.Lock()
	in["id"] = fmt.Sprintf("cb%06x", len(la.buttons)+1)
	if _, ok := in["status"]; !ok {
		in["status"] = "A"
	}
	la.buttons = append(la.buttons, in)
	la.s.Mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, in)
}

// ---- v1 ----

// POST /conversations/{id}/messages (message required; useridentifier: an agent's id or
// email, or the customer; type M message or N note). The id may be the ticket id or its code.
// A message goes into the running chat's group; once the chat ended, into a new group; a note
// into an internal group. Fires "message added".
func (la *Server) v1AddMessage(w http.ResponseWriter, r *http.Request, c *laCall) {
	text := c.params.Get("message")
	if strings.TrimSpace(text) == "" {
		laV1Error(w, http.StatusOK, "Missing mandatory parameter: message")
		return
	}
	typ := c.params.Get("type")
	if typ == "" {
		typ = "M"
	}
	if typ != "M" && typ != "N" {
		laV1Error(w, http.StatusOK, "Invalid message type "+typ)
		return
	}
	t := la.lock()
	var evs []laEvent
	defer func() { la.dispatchLocked(evs); t.unlock() }()
	conv, lt, err := la.ticketByRef(r.PathValue("id"))
	if err != nil {
		laV1Error(w, http.StatusOK, "Conversation not found")
		return
	}
	ident := c.params.Get("useridentifier")
	ct := la.s.Contacts[conv.ContactID]
	format := "T"
	if c.params.Get("is_html_message") == "Y" {
		format = "H"
	}
	var m *sim.Message
	switch {
	case typ == "N":
		author, userID := 0, ""
		if u, ok := la.agentByIdentifier(ident); ok {
			author, userID = u, laAgentID(u)
		}
		g := la.newGroup(lt, "I", userID)
		m = &sim.Message{Type: "outgoing", SenderKind: "user", SenderID: author, Content: text, HasContent: true, ContentType: "text", Private: true}
		if author == 0 {
			m.Type, m.SenderKind = "activity", ""
		}
		la.addLA(t, conv, m, "N", format, g, userID)
	case ident == laContactID(ct.ID) || (ct.Email != "" && strings.EqualFold(ident, ct.Email)):
		g := lt.chatGroup
		if g == nil {
			g = la.newGroup(lt, "3", laVisitorUserID(ct.ID))
		}
		m = la.addLA(t, conv, &sim.Message{Type: "incoming", SenderKind: "contact", SenderID: ct.ID, Content: text, HasContent: true, ContentType: "text"},
			"M", format, g, laVisitorUserID(ct.ID))
	default:
		u, ok := la.agentByIdentifier(ident)
		if !ok {
			laV1Error(w, http.StatusOK, "Unknown useridentifier")
			return
		}
		g := lt.chatGroup
		if g == nil {
			g = la.newGroup(lt, "4", laAgentID(u))
		}
		m = la.addLA(t, conv, &sim.Message{Type: "outgoing", SenderKind: "user", SenderID: u, Content: text, HasContent: true, ContentType: "text"},
			"M", format, g, laAgentID(u))
	}
	evs = append(evs, laEvent{TriggerMessageAdded, conv.ID})
	laV1OK(w, map[string]any{"conversationid": laTicketID(conv.ID), "messageid": laMsgID(m.ID)})
}

// PUT /conversations/{id}/attendants (departmentid and/or agentidentifier; useridentifier is
// who transfers). A department without an agent puts the chat in that department's queue
// (unassigned). Fires "ticket transferred".
func (la *Server) v1Transfer(w http.ResponseWriter, r *http.Request, c *laCall) {
	t := la.lock()
	var evs []laEvent
	defer func() { la.dispatchLocked(evs); t.unlock() }()
	conv, _, err := la.ticketByRef(r.PathValue("id"))
	if err != nil {
		laV1Error(w, http.StatusOK, "Conversation not found")
		return
	}
	deptID, agentIdent := c.params.Get("departmentid"), c.params.Get("agentidentifier")
	if deptID == "" && agentIdent == "" {
		laV1Error(w, http.StatusOK, "Missing parameter: departmentid or agentidentifier")
		return
	}
	dept, user := conv.TeamID, 0
	if deptID != "" {
		d, ok := laParse("dp", deptID)
		if !ok || !la.depts[d] {
			laV1Error(w, http.StatusOK, "Department not found")
			return
		}
		dept = d
	}
	if agentIdent != "" {
		u, ok := la.agentByIdentifier(agentIdent)
		if !ok {
			laV1Error(w, http.StatusOK, "Agent not found")
			return
		}
		user = u
	}
	by := ""
	if u, ok := la.agentByIdentifier(c.params.Get("useridentifier")); ok {
		by = laAgentID(u)
	}
	if ev, ok := la.transferLocked(t, conv, dept, user, by); ok {
		evs = append(evs, ev)
	}
	laV1OK(w, nil)
}

// PUT /conversations/{id}/status: A, R or C only (PINGO).
func (la *Server) v1Status(w http.ResponseWriter, r *http.Request, c *laCall) {
	st := c.params.Get("status")
	if st != "A" && st != "R" && st != "C" {
		laV1Error(w, http.StatusOK, "Invalid status: use A, R or C")
		return
	}
	t := la.lock()
	var evs []laEvent
	defer func() { la.dispatchLocked(evs); t.unlock() }()
	conv, lt, err := la.ticketByRef(r.PathValue("id"))
	if err != nil {
		laV1Error(w, http.StatusOK, "Conversation not found")
		return
	}
	if la.setStatusLocked(lt, st) {
		evs = append(evs, laEvent{TriggerStatusChanged, conv.ID})
	}
	laV1OK(w, nil)
}

// POST /conversations/{id}/tags (name; the tag is created when missing).
func (la *Server) v1AddTag(w http.ResponseWriter, r *http.Request, c *laCall) {
	name := strings.TrimSpace(c.params.Get("name"))
	if name == "" {
		laV1Error(w, http.StatusOK, "Missing mandatory parameter: name")
		return
	}
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	conv, _, err := la.ticketByRef(r.PathValue("id"))
	if err != nil {
		laV1Error(w, http.StatusOK, "Conversation not found")
		return
	}
	la.tagIDLocked(name, true)
	if !slices.Contains(conv.Labels, name) {
		conv.Labels = append(conv.Labels, name)
	}
	laV1OK(w, nil)
}

func (la *Server) v1Conversation(w http.ResponseWriter, r *http.Request, _ *laCall) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	conv, lt, err := la.ticketByRef(r.PathValue("id"))
	if err != nil {
		laV1Error(w, http.StatusOK, "Conversation not found")
		return
	}
	tj := la.ticketJSON(conv)
	laV1OK(w, map[string]any{"conversationid": tj["id"], "code": lt.code, "status": lt.status,
		"departmentid": tj["departmentid"], "subject": lt.subject, "tags": strings.Join(conv.Labels, ",")})
}

// GET /onlinestatus/departments → departmentsOnlineStates [{id, name, onlineStatus,
// presetStatus}] (the field names a third-party Go v1 client reads); onlineStatus is the union
// of the members' letters (the bot agent included: it is an agent like any other), T when one
// of them is online for chat, F when none is online.
func (la *Server) v1DepartmentStatus(w http.ResponseWriter, _ *http.Request, _ *laCall) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	out := []any{}
	for _, id := range la.s.TeamIDs {
		if !la.depts[id] {
			continue
		}
		tm := la.s.Teams[id]
		letters := ""
		for _, u := range tm.Members {
			for _, l := range laOnlineLetters(la.s.Users[u].Availability) {
				if !strings.ContainsRune(letters, l) {
					letters += string(l)
				}
			}
		}
		if letters == "" {
			letters = "F"
		}
		out = append(out, map[string]any{"id": laDeptID(id), "name": tm.Name, "onlineStatus": letters, "presetStatus": "TMR"})
	}
	laV1OK(w, map[string]any{"departmentsOnlineStates": out})
}

// GET /onlinestatus/agents → agentsOnlineStates [{id, name, onlineStatus}] (e.g. "TMR", "F").
func (la *Server) v1AgentStatus(w http.ResponseWriter, _ *http.Request, _ *laCall) {
	la.s.Mu.Lock()
	defer la.s.Mu.Unlock()
	out := []any{}
	for _, id := range la.s.UserIDs {
		u := la.s.Users[id]
		letters := laOnlineLetters(u.Availability)
		if letters == "" {
			letters = "F"
		}
		out = append(out, map[string]any{"id": laAgentID(id), "name": u.Name, "onlineStatus": letters})
	}
	laV1OK(w, map[string]any{"agentsOnlineStates": out})
}
