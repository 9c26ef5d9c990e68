package libredesk

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
)

// ldHook records Libredesk webhook deliveries.
type ldHook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []ldHookReq
	status int
}

type ldHookReq struct {
	header http.Header
	body   []byte
	event  string
	pay    map[string]any
}

func newLDHook(t *testing.T) *ldHook {
	t.Helper()
	h := &ldHook{status: http.StatusOK}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var env struct {
			Event   string         `json:"event"`
			Payload map[string]any `json:"payload"`
		}
		_ = json.Unmarshal(body, &env)
		h.mu.Lock()
		h.reqs = append(h.reqs, ldHookReq{header: r.Header.Clone(), body: body, event: env.Event, pay: env.Payload})
		st := h.status
		h.mu.Unlock()
		w.WriteHeader(st)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *ldHook) events(name string) []ldHookReq {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []ldHookReq
	for _, r := range h.reqs {
		if name == "" || r.event == name {
			out = append(out, r)
		}
	}
	return out
}

type ldEnv struct {
	l    *Server
	demo Demo
	api  *httptest.Server
	hook *ldHook
}

const ldSecret = "ld-webhook-secret"

func newLDEnv(t *testing.T) *ldEnv {
	t.Helper()
	l := New(Options{WebhookSecret: ldSecret, Seed: 7})
	e := &ldEnv{l: l, demo: l.SeedDemo(), api: httptest.NewServer(l.Handler()), hook: newLDHook(t)}
	l.SetWebhook(e.hook.srv.URL+"/webhooks/libredesk", ldSecret)
	t.Cleanup(func() { l.Close(); e.api.Close() })
	return e
}

func (e *ldEnv) settle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.l.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

// do calls the API with the demo bot's key and decodes the envelope.
func (e *ldEnv) do(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	return e.doAuth(t, method, path, body, "token "+e.demo.APIKey+":"+e.demo.APISecret)
}

func (e *ldEnv) doAuth(t *testing.T, method, path string, body any, auth string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.api.URL+path, rd)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
	}
	return resp.StatusCode, out
}

func (e *ldEnv) visitor(t *testing.T, contact, text string) ConversationView {
	t.Helper()
	id, _, err := e.l.VisitorSend(context.Background(), e.demo.InboxID, contact, text)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := e.l.Conversation(id)
	return c
}

func TestLibredeskAuthAndEnvelope(t *testing.T) {
	e := newLDEnv(t)
	c := e.visitor(t, "v1", "hello")
	path := "/api/v1/conversations/" + c.UUID

	st, body := e.doAuth(t, "GET", path, nil, "")
	if st != 401 || body["status"] != "error" || body["error_type"] != "GeneralException" {
		t.Fatalf("no credentials: %d %v", st, body)
	}
	st, body = e.doAuth(t, "GET", path, nil, "token "+e.demo.APIKey+":wrong")
	if st != 401 || body["message"] != "Invalid credential" {
		t.Fatalf("bad secret: %d %v", st, body)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(e.demo.APIKey+":"+e.demo.APISecret))
	st, body = e.doAuth(t, "GET", path, nil, basic)
	if st != 200 || body["status"] != "success" {
		t.Fatalf("basic auth: %d %v", st, body)
	}
	data := body["data"].(map[string]any)
	if data["uuid"] != c.UUID || data["status"] != "Open" || data["inbox_channel"] != "livechat" || data["assigned_user_id"] != nil || data["tags"] != nil {
		t.Fatalf("conversation: %v", data)
	}
	if st, body = e.do(t, "GET", "/api/v1/conversations/00000000-0000-4000-8000-000000000000", nil); st != 404 || body["error_type"] != "NotFoundException" {
		t.Fatalf("unknown conversation: %d %v", st, body)
	}
	if st, _ = e.do(t, "GET", "/api/v1/nope", nil); st != 404 {
		t.Fatalf("unknown route: %d", st)
	}
	calls := e.l.Calls()
	if calls[0].Token != "" || calls[1].Token != "invalid" || calls[2].Token != "key" {
		t.Fatalf("call log tokens: %+v", calls[:3])
	}

	// A role without users:manage may not read an agent's teams.
	e.l.SetPermissions(e.demo.BotID, "conversations:read_all", "messages:read")
	if st, body = e.do(t, "GET", "/api/v1/agents/1", nil); st != 403 || body["error_type"] != "PermissionException" {
		t.Fatalf("permission: %d %v", st, body)
	}
	// Nor a conversation it cannot see once read_all is gone.
	e.l.SetPermissions(e.demo.BotID, "conversations:read", "conversations:read_assigned")
	if st, _ = e.do(t, "GET", path, nil); st != 403 {
		t.Fatalf("access to an unassigned conversation with read_assigned only: %d", st)
	}
}

func TestLibredeskVisitorWebhooksSignedUnordered(t *testing.T) {
	e := newLDEnv(t)
	c := e.visitor(t, "v1", "I want to talk to a human please")
	e.settle(t)
	created := e.hook.events("message.created")
	convCreated := e.hook.events("conversation.created")
	if len(created) != 1 || len(convCreated) != 1 {
		t.Fatalf("deliveries: %v", e.hook.events(""))
	}
	d := created[0]
	mac := hmac.New(sha256.New, []byte(ldSecret))
	mac.Write(d.body)
	if got := d.header.Get("X-Libredesk-Signature"); got != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
		t.Fatalf("signature %q", got)
	}
	if Signature(ldSecret, d.body) != d.header.Get("X-Libredesk-Signature") {
		t.Fatal("Signature disagrees")
	}
	if ua := d.header.Get("User-Agent"); ua != "Libredesk-Webhook/v2.7.0" {
		t.Fatalf("user agent %q", ua)
	}
	for k := range d.header {
		if strings.Contains(strings.ToLower(k), "timestamp") || strings.Contains(strings.ToLower(k), "delivery") {
			t.Fatalf("Libredesk sends no %s header", k)
		}
	}
	var env map[string]any
	_ = json.Unmarshal(d.body, &env)
	if _, err := time.Parse(time.RFC3339, env["timestamp"].(string)); err != nil {
		t.Fatalf("timestamp %v", env["timestamp"])
	}
	p := d.pay
	author := p["author"].(map[string]any)
	if p["type"] != "incoming" || p["status"] != "received" || p["sender_type"] != "contact" || author["type"] != "visitor" ||
		p["conversation_uuid"] != c.UUID || p["text_content"] != "I want to talk to a human please" || p["private"] != false {
		t.Fatalf("message payload: %v", p)
	}
	if convCreated[0].pay["uuid"] != c.UUID {
		t.Fatalf("conversation.created payload: %v", convCreated[0].pay)
	}

	// Unsigned without a secret; one attempt only, even when the receiver fails.
	e.l.SetWebhook(e.hook.srv.URL, "")
	e.hook.mu.Lock()
	e.hook.status = 500
	e.hook.mu.Unlock()
	e.visitor(t, "v1", "again")
	e.settle(t)
	last := e.hook.events("message.created")
	if len(last) != 2 || last[1].header.Get("X-Libredesk-Signature") != "" {
		t.Fatalf("unsigned delivery: %d %v", len(last), last[len(last)-1].header)
	}
	for _, dl := range e.l.Deliveries() {
		if dl.Event == "message.created" && dl.Status == 500 && dl.Signed {
			t.Fatal("an unsigned delivery is recorded as signed")
		}
	}
}

func TestLibredeskMessagesPagedNewestFirst(t *testing.T) {
	e := newLDEnv(t)
	c := e.visitor(t, "v1", "m0")
	for i := 1; i < 5; i++ {
		e.visitor(t, "v1", "m"+string(rune('0'+i)))
	}
	st, body := e.do(t, "GET", "/api/v1/conversations/"+c.UUID+"/messages?page=1&page_size=2", nil)
	if st != 200 {
		t.Fatal(st, body)
	}
	data := body["data"].(map[string]any)
	res := data["results"].([]any)
	if len(res) != 2 || res[0].(map[string]any)["text_content"] != "m4" || res[1].(map[string]any)["text_content"] != "m3" {
		t.Fatalf("page 1: %v", res)
	}
	if data["total"] != float64(5) || data["total_pages"] != float64(3) || data["per_page"] != float64(2) {
		t.Fatalf("paging: %v", data)
	}
	_, body = e.do(t, "GET", "/api/v1/conversations/"+c.UUID+"/messages?page=3&page_size=2", nil)
	res = body["data"].(map[string]any)["results"].([]any)
	if len(res) != 1 || res[0].(map[string]any)["text_content"] != "m0" {
		t.Fatalf("page 3: %v", res)
	}
}

func TestLibredeskReplyNoteAndEcho(t *testing.T) {
	e := newLDEnv(t)
	c := e.visitor(t, "v1", "hi")
	path := "/api/v1/conversations/" + c.UUID + "/messages"
	if st, body := e.do(t, "POST", path, map[string]any{"message": "<p>x</p>"}); st != 400 {
		t.Fatalf("missing sender_type: %d %v", st, body)
	}
	if st, _ := e.do(t, "POST", path, map[string]any{"message": "x", "sender_type": "contact"}); st != 403 {
		t.Fatalf("write as contact without the permission: %d", st)
	}
	st, body := e.do(t, "POST", path, map[string]any{"message": "<p>Hello &amp; welcome</p>", "sender_type": "agent", "private": false, "echo_id": "e-1"})
	if st != 200 {
		t.Fatal(st, body)
	}
	msg := body["data"].(map[string]any)
	if msg["text_content"] != "Hello & welcome" || msg["meta"].(map[string]any)["echo_id"] != "e-1" || msg["type"] != "outgoing" {
		t.Fatalf("reply: %v", msg)
	}
	if st, body = e.do(t, "POST", path, map[string]any{"message": "note", "sender_type": "agent", "private": true, "echo_id": "e-2"}); st != 200 {
		t.Fatal(st, body)
	}
	if len(body["data"].(map[string]any)["meta"].(map[string]any)) != 0 {
		t.Fatalf("a note keeps no echo_id: %v", body["data"])
	}
	e.settle(t)
	var kinds []string
	for _, r := range e.hook.events("") {
		if r.event == "message.created" || r.event == "message.updated" {
			kinds = append(kinds, r.event+"/"+r.pay["type"].(string)+"/"+r.pay["status"].(string))
		}
	}
	for _, want := range []string{"message.created/outgoing/pending", "message.updated/outgoing/sent", "message.created/outgoing/sent"} {
		if !slices.Contains(kinds, want) {
			t.Fatalf("missing %s in %v", want, kinds)
		}
	}
	v, _ := e.l.Conversation(c.ID)
	if v.Messages[1].Status != "sent" || !v.Messages[2].Private {
		t.Fatalf("model: %+v", v.Messages)
	}
}

func TestLibredeskTeamAssignmentClearsUser(t *testing.T) {
	e := newLDEnv(t)
	c := e.visitor(t, "v1", "hi")
	base := "/api/v1/conversations/" + c.UUID
	if st, _ := e.do(t, "PUT", base+"/assignee/user", map[string]any{"assignee_id": e.demo.BotID}); st != 200 {
		t.Fatal(st)
	}
	e.settle(t)
	as := e.hook.events("conversation.assigned")
	if len(as) != 1 || as[0].pay["assigned_to"] != float64(e.demo.BotID) || as[0].pay["actor_id"] != float64(e.demo.BotID) ||
		as[0].pay["conversation"].(map[string]any)["assigned_user_id"] != float64(e.demo.BotID) {
		t.Fatalf("assigned: %v", as)
	}
	// Assigning the same agent again is a no-op.
	e.do(t, "PUT", base+"/assignee/user", map[string]any{"assignee_id": e.demo.BotID})
	if st, body := e.do(t, "PUT", base+"/assignee/team", map[string]any{"assignee_id": 99}); st != 404 {
		t.Fatalf("unknown team: %d %v", st, body)
	}
	if st, _ := e.do(t, "PUT", base+"/assignee/team", map[string]any{"assignee_id": e.demo.TeamID}); st != 200 {
		t.Fatal(st)
	}
	e.settle(t)
	v, _ := e.l.Conversation(c.ID)
	if v.TeamID != e.demo.TeamID || v.AssigneeID != 0 {
		t.Fatalf("team change must clear the user: %+v", v)
	}
	if len(e.hook.events("conversation.assigned")) != 1 || len(e.hook.events("conversation.unassigned")) != 1 {
		t.Fatalf("events: %v", e.hook.events(""))
	}
	var activity []string
	for _, m := range v.Messages {
		if m.Type == "activity" {
			activity = append(activity, m.Text)
			if !m.Private || m.SenderType != "agent" {
				t.Fatalf("activity shape: %+v", m)
			}
		}
	}
	if !slices.Contains(activity, "AI assistant self-assigned this conversation") || !slices.Contains(activity, "Assigned to Support team by AI assistant") {
		t.Fatalf("activity: %v", activity)
	}
	// The same team again: no change, the user stays.
	e.do(t, "PUT", base+"/assignee/user", map[string]any{"assignee_id": e.demo.AliceID})
	e.do(t, "PUT", base+"/assignee/team", map[string]any{"assignee_id": e.demo.TeamID})
	if v, _ = e.l.Conversation(c.ID); v.AssigneeID != e.demo.AliceID {
		t.Fatalf("same team cleared the user: %+v", v)
	}
	if st, _ := e.do(t, "PUT", base+"/assignee/user/remove", nil); st != 200 {
		t.Fatal(st)
	}
	if v, _ = e.l.Conversation(c.ID); v.AssigneeID != 0 || v.TeamID != e.demo.TeamID {
		t.Fatalf("remove user: %+v", v)
	}
}

func TestLibredeskTagsStatusAndReopen(t *testing.T) {
	e := newLDEnv(t)
	c := e.visitor(t, "v1", "hi")
	base := "/api/v1/conversations/" + c.UUID
	e.do(t, "POST", base+"/tags", map[string]any{"tags": []string{"offline-message", "no-such-tag"}})
	v, _ := e.l.Conversation(c.ID)
	if !slices.Equal(v.Tags, []string{"offline-message"}) {
		t.Fatalf("unknown tags must be dropped: %v", v.Tags)
	}
	e.l.AddTag("vip")
	e.do(t, "POST", base+"/tags", map[string]any{"tags": []string{"vip"}})
	if v, _ = e.l.Conversation(c.ID); !slices.Equal(v.Tags, []string{"vip"}) {
		t.Fatalf("tags replace: %v", v.Tags)
	}
	// handleUpdateConversationtags' actions: add_tags keeps the others, remove_tags drops
	// the named ones; any other action is a 400.
	e.do(t, "POST", base+"/tags", map[string]any{"tags": []string{"offline-message", "no-such-tag"}, "action": "add_tags"})
	if v, _ = e.l.Conversation(c.ID); !slices.Equal(v.Tags, []string{"vip", "offline-message"}) {
		t.Fatalf("add_tags: %v", v.Tags)
	}
	e.do(t, "POST", base+"/tags", map[string]any{"tags": []string{"offline-message"}, "action": "remove_tags"})
	if v, _ = e.l.Conversation(c.ID); !slices.Equal(v.Tags, []string{"vip"}) {
		t.Fatalf("remove_tags: %v", v.Tags)
	}
	if st, _ := e.do(t, "POST", base+"/tags", map[string]any{"tags": []string{"vip"}, "action": "add"}); st != 400 {
		t.Fatalf("an unknown action: %d", st)
	}
	if st, _ := e.do(t, "PUT", base+"/status", map[string]any{"status": "Snoozed"}); st != 400 {
		t.Fatalf("snooze without duration: %d", st)
	}
	if st, _ := e.do(t, "PUT", base+"/status", map[string]any{"status": "Pending"}); st != 500 {
		t.Fatalf("unknown status: %d", st)
	}
	if st, _ := e.do(t, "PUT", base+"/status", map[string]any{"status": "Resolved"}); st != 200 {
		t.Fatal(st)
	}
	e.settle(t)
	if n := len(e.hook.events("conversation.status_changed")); n != 1 {
		t.Fatalf("status_changed %d", n)
	}
	e.visitor(t, "v1", "back again")
	e.settle(t)
	v, _ = e.l.Conversation(c.ID)
	if v.Status != "Open" || len(e.hook.events("conversation.status_changed")) != 1 {
		t.Fatalf("reopen: %s, %d status events", v.Status, len(e.hook.events("conversation.status_changed")))
	}
	if last := v.Messages[len(v.Messages)-1]; last.Type != "activity" || last.Text != "System marked the conversation as Open" {
		t.Fatalf("reopen activity: %+v", last)
	}
	tc := e.hook.events("conversation.tags_changed")
	var sizes []int // deliveries come in no order
	for _, d := range tc {
		sizes = append(sizes, len(d.pay["new_tags"].([]any)))
	}
	slices.Sort(sizes)
	if !slices.Equal(sizes, []int{1, 1, 1, 2}) {
		t.Fatalf("tags_changed new_tags sizes %v", sizes)
	}
}

func TestLibredeskListsAndAgents(t *testing.T) {
	e := newLDEnv(t)
	a := e.visitor(t, "a", "one")
	b := e.visitor(t, "b", "two")
	e.do(t, "PUT", "/api/v1/conversations/"+a.UUID+"/assignee/user", map[string]any{"assignee_id": e.demo.BotID})
	_, body := e.do(t, "GET", "/api/v1/conversations/assigned?page=1&page_size=10", nil)
	res := body["data"].(map[string]any)["results"].([]any)
	if len(res) != 1 || res[0].(map[string]any)["uuid"] != a.UUID {
		t.Fatalf("assigned: %v", res)
	}
	if _, ok := res[0].(map[string]any)["inbox_id"]; ok {
		t.Fatal("list items carry no inbox_id (ConversationListItem)")
	}
	_, body = e.do(t, "GET", "/api/v1/conversations/unassigned", nil)
	res = body["data"].(map[string]any)["results"].([]any)
	if len(res) != 1 || res[0].(map[string]any)["uuid"] != b.UUID || res[0].(map[string]any)["last_interaction_sender"] != "contact" {
		t.Fatalf("unassigned: %v", res)
	}
	_, body = e.do(t, "GET", "/api/v1/agents/compact", nil)
	agents := body["data"].([]any)
	var alice map[string]any
	for _, x := range agents {
		if m := x.(map[string]any); m["id"] == float64(e.demo.AliceID) {
			alice = m
		}
		if x.(map[string]any)["first_name"] == "System" {
			t.Fatal("the System user is not an agent")
		}
	}
	if alice == nil || alice["availability_status"] != "online" {
		t.Fatalf("agents: %v", agents)
	}
	e.l.SetAvailability(e.demo.AliceID, AwayManual)
	_, body = e.do(t, "GET", "/api/v1/agents/"+strconv.Itoa(e.demo.AliceID), nil)
	ag := body["data"].(map[string]any)
	teams := ag["teams"].([]any)
	if ag["availability_status"] != "away_manual" || len(teams) != 1 || teams[0].(map[string]any)["id"] != float64(e.demo.TeamID) {
		t.Fatalf("agent: %v", ag)
	}
}

func TestLibredeskWidgetAPI(t *testing.T) {
	e := newLDEnv(t)
	post := func(path, token string, body any) (int, map[string]any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", e.api.URL+path, bytes.NewReader(b))
		req.Header.Set("X-Libredesk-Inbox-ID", e.demo.InboxUUID)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	st, body := post("/api/v1/widget/chat/conversations/init", "", map[string]any{"message": "hello", "form_data": map[string]any{}})
	if st != 200 {
		t.Fatal(st, body)
	}
	data := body["data"].(map[string]any)
	token := data["session_token"].(string)
	uuid := data["conversation"].(map[string]any)["uuid"].(string)
	if st, _ = post("/api/v1/widget/chat/conversations/"+uuid+"/message", "", map[string]any{"message": "x"}); st != 401 {
		t.Fatalf("no session: %d", st)
	}
	if st, _ = post("/api/v1/widget/chat/conversations/"+uuid+"/message", token, map[string]any{"message": "second"}); st != 200 {
		t.Fatalf("send: %d", st)
	}
	v, ok := e.l.ConversationByUUID(uuid)
	if !ok || len(v.Messages) != 2 || v.Messages[1].Text != "second" {
		t.Fatalf("widget conversation: %+v", v)
	}
}

func TestLibredeskFaultsDuplicateAndReorder(t *testing.T) {
	e := newLDEnv(t)
	e.l.SetFaults(sim.Faults{DuplicateWebhookRate: 1, WebhookJitter: 30 * time.Millisecond})
	for i := range 10 {
		e.visitor(t, "v", "message "+strconv.Itoa(i))
	}
	e.settle(t)
	got := e.hook.events("message.created")
	if len(got) != 20 {
		t.Fatalf("duplicated deliveries: %d", len(got))
	}
	inOrder := true
	prev := -1
	for _, r := range got {
		n := int(r.pay["id"].(float64))
		if n < prev {
			inOrder = false
		}
		prev = n
	}
	if inOrder {
		t.Fatal("jitter should reorder deliveries")
	}
	e.l.SetFaults(sim.Faults{Status429Rate: 1, RetryAfter: 2 * time.Second})
	req, _ := http.NewRequest("GET", e.api.URL+"/api/v1/agents/compact", nil)
	req.Header.Set("Authorization", "token "+e.demo.APIKey+":"+e.demo.APISecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("429 fault: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestLibredeskSandboxPage(t *testing.T) {
	e := newLDEnv(t)
	e.visitor(t, "v", "hello")
	resp, err := http.Get(e.api.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "A simulated Libredesk") {
		t.Fatal("page not adapted")
	}
	resp, err = http.Get(e.api.URL + "/sim/state")
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	convs := st["conversations"].([]any)
	if len(convs) != 1 || convs[0].(map[string]any)["status"] != "open" {
		t.Fatalf("state: %v", st["conversations"])
	}
	for _, a := range st["agents"].([]any) {
		if a.(map[string]any)["id"] == float64(e.demo.BotID) {
			t.Fatal("the bot is shown as the bot, not as an agent")
		}
	}
	r, _ := http.Post(e.api.URL+"/sim/visitor/click", "application/json", strings.NewReader(`{}`))
	r.Body.Close()
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("clicks are refused: %d", r.StatusCode)
	}
}

// VisitorReply writes into the conversation named, not the visitor's latest one, and sends
// message.created like the widget.
func TestLibredeskVisitorReplyTargetsItsConversation(t *testing.T) {
	e := newLDEnv(t)
	first := e.visitor(t, "v1", "first chat")
	second, _, err := e.l.VisitorStart(context.Background(), e.demo.InboxID, "v1", "second chat")
	if err != nil {
		t.Fatal(err)
	}
	e.settle(t)
	id, err := e.l.VisitorReply(context.Background(), first.ID, "back in the first")
	if err != nil {
		t.Fatal(err)
	}
	e.settle(t)
	c, _ := e.l.Conversation(first.ID)
	last := c.Messages[len(c.Messages)-1]
	if last.ID != id || last.Type != "incoming" || last.SenderType != "contact" || last.Text != "back in the first" {
		t.Fatalf("reply: %+v", last)
	}
	if c2, _ := e.l.Conversation(second); len(c2.Messages) != 1 {
		t.Fatalf("the second chat got the reply: %+v", c2.Messages)
	}
	// Deliveries come in no guaranteed order.
	found := false
	for _, d := range e.hook.events("message.created") {
		if d.pay["text_content"] == "back in the first" {
			found = d.pay["conversation_uuid"] == first.UUID && d.pay["type"] == "incoming"
		}
	}
	if !found {
		t.Fatalf("message.created: %v", e.hook.events("message.created"))
	}
	if _, err := e.l.VisitorReply(context.Background(), 999, "x"); err == nil {
		t.Fatal("reply to an unknown conversation")
	}
	if _, err := e.l.VisitorReply(context.Background(), first.ID, " "); err == nil {
		t.Fatal("empty reply")
	}
}
