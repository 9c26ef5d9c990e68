package intercom

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

type fixture struct {
	t    *testing.T
	s    *Server
	demo Demo
	api  *httptest.Server

	mu    sync.Mutex
	hooks []map[string]any
	sigOK []bool
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, s: New(Options{Token: "tok", ClientSecret: "cs", RetryWait: 5 * time.Millisecond})}
	f.demo = f.s.SeedDemo()
	f.api = httptest.NewServer(f.s.Handler())
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var n map[string]any
		_ = json.Unmarshal(body, &n)
		f.mu.Lock()
		f.hooks = append(f.hooks, n)
		f.sigOK = append(f.sigOK, r.Header.Get("X-Hub-Signature") == Sign("cs", body))
		f.mu.Unlock()
	}))
	t.Cleanup(func() { f.s.Close(); hooks.Close(); f.api.Close() })
	f.s.SetWebhookURL(hooks.URL)
	return f
}

// do sends a request with the token and version and decodes the answer.
func (f *fixture) do(method, path, body string, out any) (int, http.Header) {
	f.t.Helper()
	req, _ := http.NewRequest(method, f.api.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Intercom-Version", "2.15")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode, resp.Header
}

func (f *fixture) idle() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.s.WaitIdle(ctx); err != nil {
		f.t.Fatal(err)
	}
}

type errBody struct {
	Type   string `json:"type"`
	Errors []struct {
		Code, Message string
	} `json:"errors"`
}

func TestAuthVersionAndErrors(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Get(f.api.URL + "/admins")
	if err != nil {
		t.Fatal(err)
	}
	var e errBody
	_ = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 401 || e.Type != "error.list" || e.Errors[0].Code != "unauthorized" {
		t.Fatalf("no token: %d %+v", resp.StatusCode, e)
	}
	req, _ := http.NewRequest(http.MethodGet, f.api.URL+"/admins", nil)
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Intercom-Version", "9.9")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("unknown version: %d", resp.StatusCode)
	}
	if st, h := f.do("GET", "/conversations/1", "", &e); st != 404 || e.Errors[0].Code != "not_found" || h.Get("Intercom-Version") != Version {
		t.Fatalf("unknown conversation: %d %+v", st, e)
	}
	calls := f.s.Calls()
	if len(calls) != 3 || calls[0].Status != 401 || calls[2].Version != "2.15" {
		t.Fatalf("call log %+v", calls)
	}
}

func TestConversationFlowAndWebhooks(t *testing.T) {
	f := newFixture(t)
	contact := f.s.Contact("joe")
	var msg map[string]any
	if st, _ := f.do("POST", "/conversations", `{"from":{"type":"lead","id":"`+contact+`"},"body":"Hello <there>"}`, &msg); st != 200 || msg["type"] != "user_message" {
		t.Fatalf("create: %d %v", st, msg)
	}
	id := msg["conversation_id"].(string)
	// The workflow gave it to the bot.
	var c map[string]any
	f.do("GET", "/conversations/"+id+"?display_as=plaintext", "", &c)
	if c["admin_assignee_id"].(float64) == 0 || c["source"].(map[string]any)["body"] != "Hello <there>" {
		t.Fatalf("conversation %v", c)
	}
	f.do("GET", "/conversations/"+id, "", &c)
	if c["source"].(map[string]any)["body"] != "<p>Hello &lt;there&gt;</p>" {
		t.Fatalf("HTML body %v", c["source"])
	}
	// A quick reply needs options; a valid one is stored with them.
	var e errBody
	if st, _ := f.do("POST", "/conversations/"+id+"/reply", `{"message_type":"quick_reply","type":"admin","admin_id":"`+f.demo.BotID+`"}`, &e); st != 400 {
		t.Fatalf("quick reply without options: %d", st)
	}
	uuid := "a5e1c524-5ddd-4c3e-9328-6bca5d6e3edb"
	if st, _ := f.do("POST", "/conversations/"+id+"/reply", `{"message_type":"quick_reply","type":"admin","admin_id":`+f.demo.BotID+`,"body":"<p>Pick</p>","reply_options":[{"text":"Yes","uuid":"`+uuid+`"}]}`, &c); st != 200 {
		t.Fatalf("quick reply: %d", st)
	}
	parts := c["conversation_parts"].(map[string]any)["conversation_parts"].([]any)
	if len(parts) != 1 || parts[0].(map[string]any)["part_type"] != "quick_reply" {
		t.Fatalf("reply answer %v", parts)
	}
	// The contact's selection, as the spec's contact_quick_reply_reply example sends it.
	if st, _ := f.do("POST", "/conversations/"+id+"/reply", `{"message_type":"quick_reply","type":"user","intercom_user_id":"`+contact+`","reply_options":[{"text":"Yes","uuid":"`+uuid+`"}]}`, &c); st != 200 {
		t.Fatalf("selection: %d", st)
	}
	// Assignment to the team and unassignment of the admin.
	if st, _ := f.do("POST", "/conversations/"+id+"/parts", `{"message_type":"assignment","type":"team","admin_id":"`+f.demo.BotID+`","assignee_id":"`+f.demo.TeamID+`"}`, &c); st != 200 {
		t.Fatalf("assign team: %d", st)
	}
	f.do("POST", "/conversations/"+id+"/parts", `{"message_type":"assignment","type":"admin","admin_id":"`+f.demo.BotID+`","assignee_id":"0"}`, &c)
	if v, _ := f.s.Conversation(id); v.AdminAssigneeID != "" || v.TeamAssigneeID != f.demo.TeamID {
		t.Fatalf("assignees %+v", v)
	}
	f.idle()
	f.mu.Lock()
	defer f.mu.Unlock()
	var topics []string
	for i, n := range f.hooks {
		topics = append(topics, n["topic"].(string))
		if !f.sigOK[i] || !strings.HasPrefix(n["id"].(string), "notif_") || n["type"] != "notification_event" {
			t.Errorf("notification %d: signature %v, %v", i, f.sigOK[i], n)
		}
	}
	want := "conversation.admin.assigned conversation.admin.assigned conversation.admin.replied conversation.user.created conversation.user.replied"
	slices.Sort(topics)
	if strings.Join(topics, " ") != want {
		t.Fatalf("topics %v", topics)
	}
	for _, n := range f.hooks {
		if n["topic"] == "conversation.user.replied" {
			item := n["data"].(map[string]any)["item"].(map[string]any)
			p := item["conversation_parts"].(map[string]any)["conversation_parts"].([]any)[0].(map[string]any)
			if p["body"] != "Yes" || p["metadata"].(map[string]any)["quick_reply_uuid"] != uuid {
				t.Errorf("selection part %v", p)
			}
		}
	}
}

func TestSearchPaging(t *testing.T) {
	f := newFixture(t)
	for i := range 5 {
		if _, err := f.s.VisitorStart(f.s.Contact(string(rune('a'+i))), "hi"); err != nil {
			t.Fatal(err)
		}
	}
	q := `{"query":{"operator":"AND","value":[{"field":"admin_assignee_id","operator":"=","value":` + f.demo.BotID + `},{"field":"open","operator":"=","value":true}]},"pagination":{"per_page":2%s}}`
	var ids []string
	cursor := ""
	for range 5 {
		var page struct {
			Conversations []struct{ ID string } `json:"conversations"`
			Pages         struct {
				Next *struct {
					StartingAfter string `json:"starting_after"`
				} `json:"next"`
			} `json:"pages"`
		}
		extra := ""
		if cursor != "" {
			extra = `,"starting_after":"` + cursor + `"`
		}
		if st, _ := f.do("POST", "/conversations/search", strings.Replace(q, "%s", extra, 1), &page); st != 200 {
			t.Fatalf("search: %d", st)
		}
		for _, c := range page.Conversations {
			ids = append(ids, c.ID)
		}
		if page.Pages.Next == nil {
			break
		}
		cursor = page.Pages.Next.StartingAfter
	}
	if len(ids) != 5 {
		t.Fatalf("ids %v", ids)
	}
	// admin_assignee_id takes an integer.
	var e errBody
	if st, _ := f.do("POST", "/conversations/search", `{"query":{"field":"admin_assignee_id","operator":"=","value":"bot"}}`, &e); st != 400 {
		t.Fatalf("string for an integer field: %d", st)
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t)
	f.s.SetFaults(helpdesk.Faults{Status429Rate: 1, RetryAfter: 2 * time.Second})
	st, h := f.do("GET", "/admins", "", nil)
	if st != 429 || h.Get("Retry-After") != "2" || h.Get("X-RateLimit-Reset") == "" {
		t.Fatalf("429: %d %v", st, h)
	}
	f.s.SetFaults(helpdesk.Faults{Status500Rate: 1})
	if st, _ := f.do("GET", "/admins", "", nil); st != 500 {
		t.Fatalf("500: %d", st)
	}
	f.s.SetFaults(helpdesk.Faults{DropRate: 1})
	req, _ := http.NewRequest("GET", f.api.URL+"/admins", nil)
	req.Header.Set("Authorization", "Bearer tok")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("dropped connection answered")
	}
	f.s.SetFaults(helpdesk.Faults{Delay: 30 * time.Millisecond})
	start := time.Now()
	if st, _ := f.do("GET", "/admins", "", nil); st != 200 || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("delay: %d after %s", st, time.Since(start))
	}
	calls := f.s.Calls()
	if calls[2].Status != 0 || calls[0].Status != 429 {
		t.Fatalf("call log %+v", calls)
	}
}

func TestRedelivery(t *testing.T) {
	s := New(Options{Token: "tok", ClientSecret: "cs", RetryWait: 5 * time.Millisecond})
	s.SeedDemo()
	var mu sync.Mutex
	n := 0
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		n++
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer hooks.Close()
	defer s.Close()
	s.SetWebhookURL(hooks.URL)
	if _, err := s.VisitorStart(s.Contact("joe"), "hi"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if n != 2 {
		t.Fatalf("deliveries %d, want 2 (one 503, one retry)", n)
	}
	if !bytes.Equal([]byte(PlainText("<p>a</p><p>b<br>c &amp; d</p>")), []byte("a\n\nb\nc & d")) {
		t.Fatal("PlainText")
	}
}

// Tickets: a Back-office ticket may be linked to a conversation, which then lists it in
// linked_objects; a Customer ticket may not; GET /tickets/{id} reads one back.
func TestTicketsLinked(t *testing.T) {
	f := newFixture(t)
	id, err := f.s.VisitorStart(f.s.Contact("joe"), "hello")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := f.s.Conversation(id)
	var e errBody
	if st, _ := f.do("POST", "/tickets", `{"ticket_type_id":"`+f.demo.CustomerTicketTypeID+`","contacts":[{"id":"`+v.ContactID+`"}],"conversation_to_link_id":"`+id+`"}`, &e); st != 400 {
		t.Fatalf("customer ticket linked: %d %+v", st, e)
	}
	var tk map[string]any
	// The spec's example sends ticket_type_id as a number.
	if st, _ := f.do("POST", "/tickets", `{"ticket_type_id":`+f.demo.TicketTypeID+`,"contacts":[{"id":"`+v.ContactID+`"}],"conversation_to_link_id":"`+id+`",
		"ticket_attributes":{"_default_title_":"t","_default_description_":"d"},"assignment":{"team_assignee_id":"`+f.demo.TeamID+`"}}`, &tk); st != 200 || tk["category"] != "Back-office" {
		t.Fatalf("back-office ticket: %d %v", st, tk)
	}
	var c map[string]any
	f.do("GET", "/conversations/"+id, "", &c)
	data := c["linked_objects"].(map[string]any)["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["id"] != tk["id"] || data[0].(map[string]any)["type"] != "ticket" {
		t.Fatalf("linked_objects %v", c["linked_objects"])
	}
	var got map[string]any
	if st, _ := f.do("GET", "/tickets/"+tk["id"].(string), "", &got); st != 200 || got["ticket_type"].(map[string]any)["id"] != f.demo.TicketTypeID ||
		got["ticket_attributes"].(map[string]any)["_default_description_"] != "d" || got["ticket_id"] != "1" || got["created_at"].(float64) == 0 {
		t.Fatalf("ticket read back %d %v", st, got)
	}
	if st, _ := f.do("GET", "/tickets/999", "", &e); st != 404 {
		t.Fatalf("unknown ticket: %d", st)
	}
	if ts := f.s.Tickets(); len(ts) != 1 || ts[0].ConversationID != id || ts[0].TeamID != f.demo.TeamID {
		t.Fatalf("tickets %+v", ts)
	}
}

// Without the workflow a new conversation stays unassigned; a workflow's message is the
// Operator's, not an AI answer.
func TestNoWorkflowAndWorkflowReply(t *testing.T) {
	f := newFixture(t)
	f.s.SetWorkflowAssignee("")
	id, err := f.s.VisitorStart(f.s.Contact("joe"), "hello")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.s.Conversation(id); v.AdminAssigneeID != "" || v.TeamAssigneeID != "" || len(v.Parts) != 0 {
		t.Fatalf("conversation %+v", v)
	}
	var me map[string]any
	if f.do("GET", "/me", "", &me); me["id"] != f.demo.BotID {
		t.Fatalf("/me %v", me)
	}
	if err := f.s.WorkflowReply(id, "Give the team a way to reach you"); err != nil {
		t.Fatal(err)
	}
	f.idle()
	f.mu.Lock()
	defer f.mu.Unlock()
	// Deliveries run concurrently: find the workflow's among them.
	var n map[string]any
	for _, h := range f.hooks {
		if h["topic"] == "conversation.operator.replied" {
			n = h
		}
	}
	if n == nil {
		t.Fatalf("no conversation.operator.replied among %v", f.hooks)
	}
	ps := n["data"].(map[string]any)["item"].(map[string]any)["conversation_parts"].(map[string]any)["conversation_parts"].([]any)
	if len(ps) != 1 {
		t.Fatalf("notification %v", n)
	}
	p := ps[0].(map[string]any)
	au := p["author"].(map[string]any)
	if au["type"] != "bot" || au["from_ai_agent"] != false || p["body"] != "Give the team a way to reach you" {
		t.Fatalf("notification %v", n)
	}
}
