package liveagent

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	laTestKey   = "v3-test-key"
	laTestV1Key = "v1-test-key"
)

type laClockStub struct {
	mu  sync.Mutex
	now time.Time
}

func (c *laClockStub) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *laClockStub) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type laEnv struct {
	t    *testing.T
	la   *Server
	srv  *httptest.Server
	demo Demo
	clk  *laClockStub
}

func newLAEnv(t *testing.T) *laEnv {
	t.Helper()
	e := &laEnv{t: t, clk: &laClockStub{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
	e.la = New(Options{APIKey: laTestKey, APIV1Key: laTestV1Key, Now: e.clk.Now, RuleTimeout: 2 * time.Second})
	e.srv = httptest.NewServer(e.la.Handler())
	t.Cleanup(func() { e.la.Close(); e.srv.Close() })
	e.demo = e.la.SeedDemo()
	return e
}

// do sends a request; v3 requests carry the v3 key header unless key says otherwise.
func (e *laEnv) do(method, path string, header map[string]string, body string) (int, http.Header, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func (e *laEnv) v3(method, path, body string) (int, []byte) {
	e.t.Helper()
	st, _, b := e.do(method, path, map[string]string{"apikey": laTestKey, "Content-Type": "application/json"}, body)
	return st, b
}

func (e *laEnv) v1(method, path string, query, form url.Values) (int, map[string]any) {
	e.t.Helper()
	if query != nil {
		path += "?" + query.Encode()
	}
	st, _, b := e.do(method, path, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form.Encode())
	var env struct {
		Response map[string]any `json:"response"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		e.t.Fatalf("v1 body is not an envelope: %s", b)
	}
	return st, env.Response
}

func (e *laEnv) start(contact, text string) string {
	e.t.Helper()
	id, _, err := e.la.VisitorSend(context.Background(), "", contact, text)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func TestLiveAgentNewChatBelongsToTheBotAndReadsAsMessageGroups(t *testing.T) {
	e := newLAEnv(t)
	id := e.start("Jane Doe", "hello")
	st, b := e.v3("GET", "/api/v3/tickets/"+id, "")
	var tk map[string]any
	if st != 200 || json.Unmarshal(b, &tk) != nil {
		t.Fatalf("%d %s", st, b)
	}
	if tk["agentid"] != e.demo.Bot || tk["status"] != "T" || tk["departmentid"] != e.demo.BotDepartment || tk["channel_type"] != "B" {
		t.Fatalf("ticket %v", tk)
	}
	st, b = e.v3("GET", "/api/v3/tickets/"+id+"/messages", "")
	var groups []struct {
		Type     string `json:"type"`
		Messages []struct {
			UserID, Type, Format, Message string
		} `json:"messages"`
	}
	if st != 200 || json.Unmarshal(b, &groups) != nil || len(groups) != 1 || groups[0].Type != "C" || len(groups[0].Messages) != 2 {
		t.Fatalf("%d %s", st, b)
	}
	ua, msg := groups[0].Messages[0], groups[0].Messages[1]
	if ua.Type != "U" || msg.Type != "M" || msg.Message != "hello" || msg.UserID == "" || msg.UserID == tk["owner_contactid"] {
		t.Fatalf("messages %+v (the visitor's userid is not owner_contactid)", groups[0].Messages)
	}
}

func TestLiveAgentV1WritesAndErrors(t *testing.T) {
	e := newLAEnv(t)
	id := e.start("v", "hi")
	key := url.Values{"apikey": {laTestV1Key}}
	// POST: the key may be a form field.
	st, r := e.v1("POST", "/api/conversations/"+id+"/messages", nil,
		url.Values{"apikey": {laTestV1Key}, "message": {"Hello from the bot"}, "useridentifier": {e.demo.Bot}, "type": {"M"}})
	if st != 200 || r["status"] != "OK" {
		t.Fatalf("%d %v", st, r)
	}
	// Errors come with HTTP 200.
	for name, tc := range map[string]struct {
		path string
		form url.Values
	}{
		"bad key":      {"/api/conversations/" + id + "/messages", url.Values{"apikey": {"nope"}, "message": {"x"}, "useridentifier": {e.demo.Bot}}},
		"unknown conv": {"/api/conversations/tk0fffff/messages", url.Values{"apikey": {laTestV1Key}, "message": {"x"}, "useridentifier": {e.demo.Bot}}},
		"no message":   {"/api/conversations/" + id + "/messages", url.Values{"apikey": {laTestV1Key}, "useridentifier": {e.demo.Bot}}},
		"unknown user": {"/api/conversations/" + id + "/messages", url.Values{"apikey": {laTestV1Key}, "message": {"x"}, "useridentifier": {"nobody"}}},
	} {
		if st, r := e.v1("POST", tc.path, nil, tc.form); st != 200 || r["status"] != "ERROR" || r["errormessage"] == "" {
			t.Errorf("%s: %d %v", name, st, r)
		}
	}
	// A v3 key on v1: 403.
	if st, r := e.v1("GET", "/api/conversations/"+id, url.Values{"apikey": {laTestKey}}, nil); st != 403 || r["status"] != "ERROR" {
		t.Fatalf("v3 key on v1: %d %v", st, r)
	}
	// PUT reads the key from the query string only.
	form := url.Values{"apikey": {laTestV1Key}, "departmentid": {e.demo.SupportDepartment}}
	if st, r := e.v1("PUT", "/api/conversations/"+id+"/attendants", nil, form); st != 200 || r["status"] != "ERROR" {
		t.Fatalf("PUT with the key in the body: %d %v", st, r)
	}
	if st, r := e.v1("PUT", "/api/conversations/"+id+"/attendants", key, url.Values{"departmentid": {e.demo.SupportDepartment}}); st != 200 || r["status"] != "OK" {
		t.Fatalf("transfer: %d %v", st, r)
	}
	tk, _ := e.la.Ticket(id)
	if tk.DepartmentID != e.demo.SupportDepartment || tk.AgentID != "" {
		t.Fatalf("after transfer %+v", tk)
	}
	// Status through v1: A, R or C only.
	if _, r := e.v1("PUT", "/api/conversations/"+id+"/status", key, url.Values{"status": {"N"}}); r["status"] != "ERROR" {
		t.Fatalf("status N accepted: %v", r)
	}
	// The code works where the id does.
	if _, r := e.v1("POST", "/api/conversations/"+tk.Code+"/messages", key, url.Values{"message": {"note"}, "type": {"N"}, "useridentifier": {e.demo.Bot}}); r["status"] != "OK" {
		t.Fatalf("note by code: %v", r)
	}
	tk, _ = e.la.Ticket(id)
	last := tk.Messages[len(tk.Messages)-1]
	if !last.Note || last.GroupType != "I" || last.Type != "N" || last.Role != "bot" {
		t.Fatalf("note %+v", last)
	}
	for _, c := range e.la.Calls() {
		if strings.Contains(c.Query+c.Body, laTestV1Key) {
			t.Fatalf("key in the call log: %+v", c)
		}
	}
}

func TestLiveAgentV3ListFiltersPagingAndTags(t *testing.T) {
	e := newLAEnv(t)
	for i := range 12 {
		e.start("v"+string(rune('a'+i)), "hi")
	}
	st, b := e.v3("GET", "/api/v3/tickets", "")
	var list []map[string]any
	if st != 200 || json.Unmarshal(b, &list) != nil || len(list) != 10 {
		t.Fatalf("default page: %d, %d tickets", st, len(list))
	}
	f := url.QueryEscape(`[["agentid","=","` + e.demo.Bot + `"],["status","=","T"]]`)
	st, b = e.v3("GET", "/api/v3/tickets?_perPage=100&_filters="+f, "")
	if json.Unmarshal(b, &list) != nil || st != 200 || len(list) != 12 {
		t.Fatalf("filtered: %d %d", st, len(list))
	}
	if st, _ := e.v3("GET", "/api/v3/tickets?_filters="+url.QueryEscape(`{"nosuch":"x"}`), ""); st != 400 {
		t.Fatalf("unknown column: %d", st)
	}
	if st, _ := e.v3("GET", "/api/v3/tickets", ""); st != 200 {
		t.Fatal(st)
	}
	if st, _, _ := e.do("GET", "/api/v3/tickets", map[string]string{"apikey": laTestV1Key}, ""); st != 401 {
		t.Fatalf("v1 key on v3: %d", st)
	}
	// Tags are ids on tickets.
	st, b = e.v3("POST", "/api/v3/tags", `{"name":"offline-message"}`)
	var tg map[string]any
	if st != 200 || json.Unmarshal(b, &tg) != nil {
		t.Fatalf("%d %s", st, b)
	}
	if st, _ := e.v3("POST", "/api/v3/tags", `{"name":"offline-message"}`); st != 400 {
		t.Fatalf("duplicate tag: %d", st)
	}
	id := list[0]["id"].(string)
	if st, b := e.v3("PUT", "/api/v3/tickets/"+id, `{"tags":["`+tg["id"].(string)+`"]}`); st != 200 || !strings.Contains(string(b), tg["id"].(string)) {
		t.Fatalf("%d %s", st, b)
	}
	if st, _ := e.v3("PUT", "/api/v3/tickets/"+id, `{"tags":["offline-message"]}`); st != 400 {
		t.Fatalf("a tag name instead of an id: %d", st)
	}
	if tk, _ := e.la.Ticket(id); len(tk.Tags) != 1 || tk.Tags[0] != "offline-message" {
		t.Fatalf("tags %v", tk.Tags)
	}
}

func TestLiveAgentAgentStatusLettersPerDepartment(t *testing.T) {
	e := newLAEnv(t)
	var sts []map[string]any
	_, b := e.v3("GET", "/api/v3/agents/"+e.demo.Alice+"/status", "")
	if json.Unmarshal(b, &sts) != nil || len(sts) != 1 || sts[0]["departmentid"] != e.demo.SupportDepartment || sts[0]["online_status"] != "TMR" {
		t.Fatalf("%s", b)
	}
	e.la.SetAvailability(e.demo.Alice, "busy")
	_, b = e.v3("GET", "/api/v3/agents/"+e.demo.Alice+"/status", "")
	if json.Unmarshal(b, &sts) != nil || strings.Contains(sts[0]["online_status"].(string), "T") {
		t.Fatalf("busy is online for chat: %s", b)
	}
	_, b = e.v3("GET", "/api/v3/departments/"+e.demo.SupportDepartment, "")
	if !strings.Contains(string(b), e.demo.Alice) || !strings.Contains(string(b), e.demo.Bob) {
		t.Fatalf("department %s", b)
	}
}

func TestLiveAgentRateLimitPerKey(t *testing.T) {
	e := newLAEnv(t)
	for i := range 180 {
		if st, _ := e.v3("GET", "/api/v3/ping", ""); st != 200 {
			t.Fatalf("request %d: %d", i+1, st)
		}
	}
	st, h, _ := e.do("GET", "/api/v3/ping", map[string]string{"apikey": laTestKey}, "")
	if st != 429 || h.Get("Retry-After") == "" {
		t.Fatalf("181st: %d Retry-After %q", st, h.Get("Retry-After"))
	}
	// The v1 key has its own budget.
	if st, r := e.v1("GET", "/api/onlinestatus/departments", url.Values{"apikey": {laTestV1Key}}, nil); st != 200 || r["status"] != "OK" {
		t.Fatalf("v1: %d %v", st, r)
	}
	e.clk.add(time.Minute)
	if st, _ := e.v3("GET", "/api/v3/ping", ""); st != 200 {
		t.Fatalf("a minute later: %d", st)
	}
}

func TestLiveAgentRulesSendTheAdministratorsBody(t *testing.T) {
	e := newLAEnv(t)
	var mu sync.Mutex
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.URL.Path+" "+string(b))
		mu.Unlock()
	}))
	defer hook.Close()
	e.la.AddRule(Rule{Name: "m", Trigger: TriggerMessageAdded, URL: hook.URL + "/h/{$conversation_id}",
		Body: `{"id":"{$conversation_id}","name":"{$user_firstname}","mail":"{$user_email}"}`})
	e.la.AddRule(Rule{Name: "support only", Trigger: TriggerMessageAdded, URL: hook.URL + "/support",
		Body: `x`, Department: e.demo.SupportDepartment})
	e.la.SetRuleFaults(RuleFaults{Values: map[string]string{"user_firstname": "Jo \"the\"\x01"}})
	id := e.start("Jo Smith", "hi")
	if err := e.la.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("deliveries %q (the Support-only rule must not fire)", got)
	}
	want := "/h/" + id + ` {"id":"` + id + `","name":"Jo "the"` + "\x01" + `","mail":"{$user_email}"}`
	if got[0] != want {
		t.Fatalf("delivery\n got %q\nwant %q", got[0], want)
	}
	if ds := e.la.Deliveries(); len(ds) != 1 || ds[0].Status != 200 || ds[0].TicketID != id {
		t.Fatalf("log %+v", ds)
	}
}

func TestLiveAgentAgentSide(t *testing.T) {
	e := newLAEnv(t)
	id := e.start("v", "hi")
	if _, err := e.la.AgentReply(context.Background(), id, e.demo.Alice, "a <b> & c", false); err != nil {
		t.Fatal(err)
	}
	tk, _ := e.la.Ticket(id)
	m := tk.Messages[len(tk.Messages)-1]
	if m.Format != "H" || m.Text != "<p>a &lt;b&gt; &amp; c</p>" || m.Role != "agent" {
		t.Fatalf("agent message %+v", m)
	}
	if err := e.la.AgentTake(context.Background(), id, e.demo.Alice); err != nil {
		t.Fatal(err)
	}
	if tk, _ = e.la.Ticket(id); tk.AgentID != e.demo.Alice {
		t.Fatalf("agent %s", tk.AgentID)
	}
	if err := e.la.VisitorLeave(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if tk, _ = e.la.Ticket(id); !tk.Ended || tk.Status != "A" {
		t.Fatalf("after leaving %+v", tk)
	}
	// The next message starts a new chat.
	if id2 := e.start("v", "again"); id2 == id {
		t.Fatal("a message after the chat ended went into the old chat")
	}
}

func TestLiveAgentVisitorReplyWritesIntoTheRunningChat(t *testing.T) {
	e := newLAEnv(t)
	id := e.start("v", "hi")
	msg, err := e.la.VisitorReply(context.Background(), id, "agent")
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := e.la.Ticket(id)
	m := tk.Messages[len(tk.Messages)-1]
	if m.ID != msg || m.Role != "visitor" || m.Text != "agent" || m.GroupType != "C" || m.GroupID != tk.Messages[0].GroupID {
		t.Fatalf("visitor reply %+v", m)
	}
	if _, err := e.la.VisitorReply(context.Background(), id, " "); err == nil {
		t.Fatal("an empty reply was written")
	}
	if err := e.la.VisitorLeave(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.la.VisitorReply(context.Background(), id, "back"); err == nil {
		t.Fatal("a reply went into a chat that ended")
	}
	if _, err := e.la.VisitorReply(context.Background(), "tk00ffff", "x"); err == nil {
		t.Fatal("a reply went into an unknown ticket")
	}
}

func TestLiveAgentSandboxPage(t *testing.T) {
	e := newLAEnv(t)
	st, _, b := e.do("POST", "/sim/visitor/send", map[string]string{"Content-Type": "application/json"}, `{"contact":"eve","text":"hello"}`)
	if st != 200 {
		t.Fatalf("%d %s", st, b)
	}
	var sent map[string]string
	_ = json.Unmarshal(b, &sent)
	id := sent["ticket_id"]
	st, _, b = e.do("POST", "/sim/agent/reply", map[string]string{"Content-Type": "application/json"},
		`{"conversation_id":"`+id+`","agent_id":`+strconv.Itoa(e.demo.AliceUser)+`,"text":"hi <there>"}`)
	if st != 200 {
		t.Fatalf("%d %s", st, b)
	}
	st, _, b = e.do("GET", "/sim/state", nil, "")
	var state struct {
		Conversations []struct {
			ID       string `json:"id"`
			Status   string `json:"status"`
			Messages []struct {
				Type, SenderType, Content string
			} `json:"messages"`
		} `json:"conversations"`
	}
	if st != 200 || json.Unmarshal(b, &state) != nil || len(state.Conversations) != 1 {
		t.Fatalf("%d %s", st, b)
	}
	c := state.Conversations[0]
	last := c.Messages[len(c.Messages)-1]
	if c.ID != id || c.Status != "chatting" || last.Content != "hi <there>" {
		t.Fatalf("state %+v", c)
	}
	if st, _, _ := e.do("POST", "/sim/visitor/click", nil, `{}`); st != http.StatusUnprocessableEntity {
		t.Fatalf("click: %d", st)
	}
	if st, _, b := e.do("GET", "/", nil, ""); st != 200 || !strings.Contains(string(b), "LiveAgent") {
		t.Fatalf("page: %d", st)
	}
}

// LiveAgent's advanced filter operators (support.liveagent.com 513528, 870644): E, NE, IN, NI,
// CY on tags, IE / INE, and the date comparisons D>, D<, D>=, D<=.
func TestLiveAgentV3ListAdvancedOperators(t *testing.T) {
	e := newLAEnv(t)
	a := e.start("va", "hi")
	b := e.start("vb", "hello")
	list := func(filters string) (int, []string) {
		t.Helper()
		st, body := e.v3("GET", "/api/v3/tickets?_perPage=100&_filters="+url.QueryEscape(filters), "")
		var out []map[string]any
		if st != 200 {
			return st, nil
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, tk := range out {
			ids = append(ids, tk["id"].(string))
		}
		return st, ids
	}
	same := func(got []string, want ...string) bool {
		return strings.Join(got, ",") == strings.Join(want, ",")
	}
	if _, ids := list(`[["agentid","IN","` + e.demo.Bot + `"],["status","E","T"]]`); !same(ids, a, b) {
		t.Fatalf("IN/E: %v", ids)
	}
	if _, ids := list(`[["status","NI","R,X,B,L"],["departmentid","IN","` + e.demo.SupportDepartment + `,` + e.demo.BotDepartment + `"]]`); !same(ids, a, b) {
		t.Fatalf("NI/IN: %v", ids)
	}
	if _, ids := list(`[["departmentid","IN","` + e.demo.SupportDepartment + `"]]`); len(ids) != 0 {
		t.Fatalf("IN Support: %v", ids)
	}
	tk, _ := e.la.Ticket(a)
	created := tk.Messages[0].CreatedAt.UTC().Truncate(time.Second)
	at := func(d time.Duration) string { return created.Add(d).Format("2006-01-02 15:04:05") }
	if _, ids := list(`[["date_created","D>=","` + at(-time.Hour) + `"]]`); !same(ids, a, b) {
		t.Fatalf("D>= an hour before: %v", ids)
	}
	if _, ids := list(`[["date_created","D>=","` + at(time.Hour) + `"]]`); len(ids) != 0 {
		t.Fatalf("D>= an hour after: %v", ids)
	}
	if _, ids := list(`[["date_created","D<","` + at(time.Hour) + `"],["date_created","D>","` + at(-time.Hour) + `"]]`); !same(ids, a, b) {
		t.Fatalf("D< and D>: %v", ids)
	}
	if _, ids := list(`[["date_changed","D<=","` + at(-time.Hour) + `"]]`); len(ids) != 0 {
		t.Fatalf("D<= an hour before: %v", ids)
	}
	// Tags hold ids: CY any of, NI none of, IE / INE; E cannot filter tags.
	_, body := e.v3("POST", "/api/v3/tags", `{"name":"offline-message"}`)
	var tg map[string]any
	if err := json.Unmarshal(body, &tg); err != nil {
		t.Fatal(err)
	}
	tag := tg["id"].(string)
	if st, _ := e.v3("PUT", "/api/v3/tickets/"+b, `{"tags":["`+tag+`"]}`); st != 200 {
		t.Fatal(st)
	}
	if _, ids := list(`[["tags","CY","` + tag + `,nosuch"]]`); !same(ids, b) {
		t.Fatalf("CY: %v", ids)
	}
	if _, ids := list(`[["tags","NI","` + tag + `"]]`); !same(ids, a) {
		t.Fatalf("NI tags: %v", ids)
	}
	if _, ids := list(`[["tags","IE",""]]`); !same(ids, a) {
		t.Fatalf("IE: %v", ids)
	}
	if _, ids := list(`[["tags","INE",""]]`); !same(ids, b) {
		t.Fatalf("INE: %v", ids)
	}
	for _, bad := range []string{
		`[["tags","E","` + tag + `"]]`,
		`[["date_created","D>=","yesterday"]]`,
		`[["date_created","DP","TW"]]`,
		`[["status","~","T"]]`,
	} {
		if st, _ := list(bad); st != 400 {
			t.Errorf("%s: %d, want 400", bad, st)
		}
	}
}
