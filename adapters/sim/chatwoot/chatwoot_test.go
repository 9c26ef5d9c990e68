package chatwoot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
)

const (
	botToken  = "bot-token"
	userToken = "user-token"
	secret    = "s3cret"
)

// hook is an agent-bot endpoint that records every delivery.
type hook struct {
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []hookReq
	respond func(n int, ev string) int // status for the n-th request (1-based)
}

type hookReq struct {
	header  http.Header
	body    []byte
	payload map[string]any
}

func newHook(t *testing.T) *hook {
	t.Helper()
	h := &hook{respond: func(int, string) int { return http.StatusOK }}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p map[string]any
		_ = json.Unmarshal(body, &p)
		h.mu.Lock()
		h.reqs = append(h.reqs, hookReq{header: r.Header.Clone(), body: body, payload: p})
		n := len(h.reqs)
		respond := h.respond
		h.mu.Unlock()
		ev, _ := p["event"].(string)
		w.WriteHeader(respond(n, ev))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) setRespond(f func(n int, ev string) int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.respond = f
}

func (h *hook) all() []hookReq {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.reqs)
}

func (h *hook) events(name string) []hookReq {
	var out []hookReq
	for _, r := range h.all() {
		if r.payload["event"] == name {
			out = append(out, r)
		}
	}
	return out
}

func (h *hook) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reqs = nil
}

type fixture struct {
	sim  *Server
	api  *httptest.Server
	hook *hook
	demo Demo
}

func newFixture(t *testing.T, mod func(*Options)) *fixture {
	t.Helper()
	h := newHook(t)
	opts := Options{BotToken: botToken, UserToken: userToken, WebhookURL: h.srv.URL, WebhookSecret: secret, RetryWait: 10 * time.Millisecond, Seed: 7}
	if mod != nil {
		mod(&opts)
	}
	s := New(opts)
	api := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		api.Close()
		s.Close()
	})
	return &fixture{sim: s, api: api, hook: h, demo: s.SeedDemo()}
}

func (f *fixture) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := f.sim.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

// do calls the API and returns the status and the raw body.
func (f *fixture) do(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	st, out, err := f.call(t.Context(), method, path, token, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return st, out
}

// call is do without testing.T, for goroutines.
func (f *fixture) call(ctx context.Context, method, path, token string, body any) (int, []byte, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.api.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("api_access_token", token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func (f *fixture) doJSON(t *testing.T, method, path, token string, body any, wantStatus int) map[string]any {
	t.Helper()
	st, out := f.do(t, method, path, token, body)
	if st != wantStatus {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, st, wantStatus, out)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("%s %s: body %s: %v", method, path, out, err)
	}
	return m
}

func (f *fixture) visitor(t *testing.T, contact, text string) (int, int) {
	t.Helper()
	conv, msg, err := f.sim.VisitorSend(t.Context(), f.demo.InboxID, contact, text)
	if err != nil {
		t.Fatal(err)
	}
	return conv, msg
}

func conv(id int) string { return fmt.Sprintf("/api/v1/accounts/1/conversations/%d", id) }

func dig(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func TestTokenRules(t *testing.T) {
	f := newFixture(t, nil)
	c, _ := f.visitor(t, "v1", "hi")
	cases := []struct {
		name, method, path, token string
		status                    int
		body                      string
	}{
		{"bot cannot list messages", "GET", conv(c) + "/messages", botToken, 401, `{"error":"Access to this endpoint is not authorized for bots"}`},
		{"bot cannot list agents", "GET", "/api/v1/accounts/1/agents", botToken, 401, `{"error":"Access to this endpoint is not authorized for bots"}`},
		{"unknown token", "GET", conv(c), "nope", 401, `{"error":"Invalid Access Token"}`},
		{"missing token", "GET", conv(c), "", 401, `{"errors":["You need to sign in or sign up before continuing."]}`},
		{"other account", "GET", "/api/v1/accounts/2/conversations/1", userToken, 401, `{"error":"You are not authorized to access this account"}`},
		{"unknown conversation", "GET", conv(999), botToken, 404, `{"error":"Resource could not be found"}`},
		{"bot may show", "GET", conv(c), botToken, 200, ""},
		{"bot may read labels", "GET", conv(c) + "/labels", botToken, 200, `{"payload":[]}`},
		{"user may list messages", "GET", conv(c) + "/messages", userToken, 200, ""},
		{"unknown route", "GET", "/api/v1/accounts/1/nothing", userToken, 404, `{"error":"Not Found","status":404}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, body := f.do(t, tc.method, tc.path, tc.token, nil)
			if st != tc.status {
				t.Fatalf("status %d, want %d (%s)", st, tc.status, body)
			}
			if tc.body != "" && string(body) != tc.body {
				t.Fatalf("body %s, want %s", body, tc.body)
			}
		})
	}
	calls := f.sim.Calls()
	if len(calls) != len(cases) {
		t.Fatalf("%d calls logged, want %d", len(calls), len(cases))
	}
	if calls[0].Token != "bot" || calls[0].Status != 401 || calls[2].Token != "invalid" || calls[3].Token != "" {
		t.Fatalf("call log: %+v", calls[:4])
	}
}

func TestMalformedJSON(t *testing.T) {
	f := newFixture(t, nil)
	c, _ := f.visitor(t, "v1", "hi")
	st, body := f.do(t, "POST", conv(c)+"/messages", botToken, `{"content":`)
	if st != 400 || string(body) != `{"error":"Bad Request","status":400}` {
		t.Fatalf("got %d %s", st, body)
	}
	st, _ = f.do(t, "POST", conv(c)+"/messages", botToken, `{"content":"x","message_type":"bogus"}`)
	if st != 422 {
		t.Fatalf("bad message_type: %d", st)
	}
	st, body = f.do(t, "POST", conv(c)+"/messages", botToken, `{"content":"x","message_type":"incoming"}`)
	if st != 422 || !strings.Contains(string(body), "Incoming messages are only allowed in Api inboxes") {
		t.Fatalf("incoming: %d %s", st, body)
	}
}

func TestMessageCreateAndPaging(t *testing.T) {
	f := newFixture(t, nil)
	c, first := f.visitor(t, "v1", "m0")
	m := f.doJSON(t, "POST", conv(c)+"/messages", botToken, map[string]any{"content": "bot says hi"}, 200)
	if m["message_type"] != float64(1) || dig(m, "sender", "type") != "agent_bot" || m["conversation_id"] != float64(c) {
		t.Fatalf("create response: %v", m)
	}
	f.doJSON(t, "POST", conv(c)+"/messages", userToken, map[string]any{"content": "note", "private": true}, 200)
	for i := 3; i < 45; i++ {
		f.visitor(t, "v1", fmt.Sprintf("m%d", i))
	}
	f.idle(t)
	ids := func(m map[string]any) []int {
		var out []int
		for _, e := range m["payload"].([]any) {
			out = append(out, int(e.(map[string]any)["id"].(float64)))
		}
		return out
	}
	latest := f.doJSON(t, "GET", conv(c)+"/messages", userToken, nil, 200)
	got := ids(latest)
	if len(got) != 20 || !slices.IsSorted(got) || got[19] != first+44 {
		t.Fatalf("latest: %v", got)
	}
	if dig(latest, "meta", "contact", "name") != "v1" {
		t.Fatalf("meta: %v", latest["meta"])
	}
	before := ids(f.doJSON(t, "GET", conv(c)+fmt.Sprintf("/messages?before=%d", got[0]), userToken, nil, 200))
	if len(before) != 20 || before[19] != got[0]-1 {
		t.Fatalf("before: %v", before)
	}
	older := f.doJSON(t, "GET", conv(c)+fmt.Sprintf("/messages?before=%d", before[0]), userToken, nil, 200)
	rest := ids(older)
	if len(rest) != 5 || rest[0] != first {
		t.Fatalf("oldest page: %v", rest)
	}
	// The oldest page holds the bot message (type 1) and the private note.
	var sawNote bool
	for _, e := range older["payload"].([]any) {
		em := e.(map[string]any)
		if em["private"] == true && em["message_type"] == float64(1) && dig(em, "sender", "type") == "user" {
			sawNote = true
		}
	}
	if !sawNote {
		t.Fatalf("private note missing: %v", older["payload"])
	}
	after := ids(f.doJSON(t, "GET", conv(c)+fmt.Sprintf("/messages?after=%d", first), userToken, nil, 200))
	if len(after) != 44 || after[0] != first+1 {
		t.Fatalf("after: %d %v", len(after), after)
	}
}

func TestMessageCreateFiresWebhooksForBotAndNotes(t *testing.T) {
	f := newFixture(t, nil)
	c, _ := f.visitor(t, "v1", "hi")
	f.doJSON(t, "POST", conv(c)+"/messages", botToken, map[string]any{"content": "answer"}, 200)
	f.doJSON(t, "POST", conv(c)+"/messages", botToken, map[string]any{"content": "note", "private": true}, 200)
	if _, err := f.sim.AgentReply(t.Context(), c, f.demo.AliceID, "human here", false); err != nil {
		t.Fatal(err)
	}
	f.idle(t)
	evs := f.hook.events("message_created")
	if len(evs) != 4 {
		t.Fatalf("%d message_created, want 4", len(evs))
	}
	byContent := map[string]map[string]any{}
	for _, e := range evs {
		byContent[e.payload["content"].(string)] = e.payload
	}
	if s := byContent["hi"]["sender"].(map[string]any); s["type"] != nil || s["name"] != "v1" {
		t.Fatalf("contact sender: %v", s)
	}
	if byContent["answer"]["message_type"] != "outgoing" || dig(byContent["answer"], "sender", "type") != "agent_bot" {
		t.Fatalf("bot message: %v", byContent["answer"])
	}
	if byContent["note"]["private"] != true {
		t.Fatalf("note: %v", byContent["note"])
	}
	human := byContent["human here"]
	if dig(human, "sender", "type") != "user" || dig(human, "sender", "email") != "alice@example.com" || dig(human, "conversation", "status") != "pending" {
		t.Fatalf("agent reply: %v", human)
	}
	if v, _ := f.sim.Conversation(c); v.Status != "pending" {
		t.Fatalf("status after agent reply: %s", v.Status)
	}
	// The first human reply clears waiting_since: conversation_updated.
	upd := f.hook.events("conversation_updated")
	if len(upd) != 1 || !strings.Contains(string(upd[0].body), `"first_reply_created_at"`) {
		t.Fatalf("conversation_updated after first reply: %d", len(upd))
	}
}

func TestInputSelectValidation(t *testing.T) {
	f := newFixture(t, nil)
	c, _ := f.visitor(t, "v1", "hi")
	st, body := f.do(t, "POST", conv(c)+"/messages", botToken, map[string]any{
		"content": "pick", "content_type": "input_select",
		"content_attributes": map[string]any{"items": []any{map[string]any{"title": "A", "value": "a", "description": "x"}}},
	})
	if st != 422 || string(body) != `{"error":"Validation failed: Content attributes contains invalid keys for items : [:description]"}` {
		t.Fatalf("extra key: %d %s", st, body)
	}
	st, body = f.do(t, "POST", conv(c)+"/messages", botToken, map[string]any{"content": "pick", "content_type": "input_select"})
	if st != 422 || !strings.Contains(string(body), "At least one item is required.") {
		t.Fatalf("no items: %d %s", st, body)
	}
	st, _ = f.do(t, "POST", conv(c)+"/messages", botToken, map[string]any{"content": "x", "content_type": "bogus"})
	if st != 422 {
		t.Fatalf("bad content_type: %d", st)
	}
	f.doJSON(t, "POST", conv(c)+"/messages", botToken, map[string]any{
		"content": "pick", "content_type": "input_select",
		"content_attributes": map[string]any{"items": []any{map[string]any{"title": "A", "value": "a"}}},
	}, 200)
}

func TestCustomAttributesAndLabelsReplace(t *testing.T) {
	f := newFixture(t, nil)
	c, _ := f.visitor(t, "v1", "hi")
	f.idle(t)
	f.hook.reset()
	f.doJSON(t, "POST", conv(c)+"/custom_attributes", botToken, map[string]any{"custom_attributes": map[string]any{"a": 1, "b": "x"}}, 200)
	got := f.doJSON(t, "POST", conv(c)+"/custom_attributes", botToken, map[string]any{"custom_attributes": map[string]any{"b": "y"}}, 200)
	if ca := got["custom_attributes"].(map[string]any); len(ca) != 1 || ca["b"] != "y" {
		t.Fatalf("custom_attributes not replaced: %v", ca)
	}
	f.doJSON(t, "POST", conv(c)+"/labels", botToken, map[string]any{"labels": []string{"one", "two"}}, 200)
	lb := f.doJSON(t, "POST", conv(c)+"/labels", botToken, map[string]any{"labels": []string{"three"}}, 200)
	if fmt.Sprint(lb["payload"]) != "[three]" {
		t.Fatalf("labels not replaced: %v", lb)
	}
	show := f.doJSON(t, "GET", conv(c), botToken, nil, 200)
	if fmt.Sprint(show["labels"]) != "[three]" || dig(show, "custom_attributes", "b") != "y" {
		t.Fatalf("show: labels %v attrs %v", show["labels"], show["custom_attributes"])
	}
	v, _ := f.sim.Conversation(c)
	if fmt.Sprint(v.Labels) != "[three]" || len(v.CustomAttributes) != 1 {
		t.Fatalf("view: %+v", v)
	}
	f.idle(t)
	if n := len(f.hook.events("conversation_updated")); n != 4 {
		t.Fatalf("%d conversation_updated, want 4", n)
	}
}

func TestWebhookSignature(t *testing.T) {
	f := newFixture(t, nil)
	c, msg := f.visitor(t, "v1", "Hi, can you help me with my order?")
	f.idle(t)
	reqs := f.hook.all()
	if len(reqs) != 1 {
		t.Fatalf("%d deliveries, want 1", len(reqs))
	}
	r := reqs[0]
	ts := r.header.Get("X-Chatwoot-Timestamp")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(r.body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if got := r.header.Get("X-Chatwoot-Signature"); !hmac.Equal([]byte(got), []byte(want)) {
		t.Fatalf("signature %q, want %q", got, want)
	}
	if r.header.Get("X-Chatwoot-Delivery") == "" || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("headers: %v", r.header)
	}
	p := r.payload
	if p["event"] != "message_created" || p["id"] != float64(msg) || p["message_type"] != "incoming" ||
		dig(p, "conversation", "id") != float64(c) || dig(p, "conversation", "status") != "pending" ||
		dig(p, "conversation", "meta", "assignee") != nil || dig(p, "conversation", "meta", "sender", "type") != "contact" ||
		dig(p, "account", "id") != float64(1) || dig(p, "inbox", "name") != "Website" {
		t.Fatalf("payload: %s", r.body)
	}
	if msgs := dig(p, "conversation", "messages").([]any); len(msgs) != 1 || dig(msgs[0], "message_type") != float64(0) {
		t.Fatalf("conversation.messages: %v", msgs)
	}
}

func TestUnsignedDeliveries(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Unsigned = true })
	f.visitor(t, "v1", "hi")
	f.idle(t)
	r := f.hook.all()[0]
	if r.header.Get("X-Chatwoot-Signature") != "" || r.header.Get("X-Chatwoot-Timestamp") != "" || r.header.Get("X-Chatwoot-Delivery") == "" {
		t.Fatalf("headers: %v", r.header)
	}
}

func TestDeliveryRetriedOn500ThenSucceeds(t *testing.T) {
	f := newFixture(t, nil)
	f.hook.setRespond(func(n int, _ string) int {
		if n == 1 {
			return 500
		}
		return 200
	})
	c, _ := f.visitor(t, "v1", "hi")
	f.idle(t)
	reqs := f.hook.all()
	if len(reqs) != 2 {
		t.Fatalf("%d attempts, want 2", len(reqs))
	}
	id := reqs[0].header.Get("X-Chatwoot-Delivery")
	if id == "" || reqs[1].header.Get("X-Chatwoot-Delivery") != id || !bytes.Equal(reqs[0].body, reqs[1].body) {
		t.Fatalf("retry changed the delivery id or body")
	}
	if v, _ := f.sim.Conversation(c); v.Status != "pending" {
		t.Fatalf("status %s, want pending", v.Status)
	}
}

func TestFinalFailureOpensPendingConversation(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		attempts int
	}{
		{"500 retried 3 times", 500, 3},
		{"404 not retried", 404, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.sim.SetAvailability(f.demo.AliceID, "offline") // no auto-assignment on open
			f.hook.setRespond(func(_ int, ev string) int {
				if ev == "message_created" {
					return tc.status
				}
				return 200
			})
			c, _ := f.visitor(t, "v1", "hi")
			f.idle(t)
			if n := len(f.hook.events("message_created")); n != tc.attempts {
				t.Fatalf("%d attempts, want %d", n, tc.attempts)
			}
			v, _ := f.sim.Conversation(c)
			last := v.Messages[len(v.Messages)-1]
			if v.Status != "open" || last.Type != "activity" || last.Content != "Conversation was marked open by system due to an error with the agent bot." {
				t.Fatalf("status %s, last message %+v", v.Status, last)
			}
			for _, ev := range []string{"conversation_opened", "conversation_status_changed", "conversation_updated"} {
				if len(f.hook.events(ev)) != 1 {
					t.Fatalf("missing %s", ev)
				}
			}
		})
	}
}

func TestVisitorClickFiresMessageUpdated(t *testing.T) {
	f := newFixture(t, nil)
	c, _ := f.visitor(t, "v1", "hi")
	m := f.doJSON(t, "POST", conv(c)+"/messages", botToken, map[string]any{
		"content": "Talk to a person?", "content_type": "input_select",
		"content_attributes": map[string]any{"items": []any{
			map[string]any{"title": "Request chat with human agent", "value": "handover_request"},
			map[string]any{"title": "No, thanks", "value": "handover_decline"},
		}},
	}, 200)
	mid := int(m["id"].(float64))
	if err := f.sim.VisitorClick(t.Context(), c, mid, "nope"); err == nil {
		t.Fatal("click with an unknown value succeeded")
	}
	_, textID := f.visitor(t, "v1", "plain")
	if err := f.sim.VisitorClick(t.Context(), c, textID, "x"); err == nil {
		t.Fatal("click on a text message succeeded")
	}
	if err := f.sim.VisitorClick(t.Context(), c, mid, "handover_request"); err != nil {
		t.Fatal(err)
	}
	f.idle(t)
	upd := f.hook.events("message_updated")
	if len(upd) != 1 {
		t.Fatalf("%d message_updated, want 1", len(upd))
	}
	p := upd[0].payload
	sv := dig(p, "content_attributes", "submitted_values").([]any)
	if p["id"] != float64(mid) || p["content_type"] != "input_select" || dig(p, "sender", "type") != "agent_bot" ||
		len(sv) != 1 || dig(sv[0], "value") != "handover_request" || dig(sv[0], "title") != "Request chat with human agent" {
		t.Fatalf("payload: %s", upd[0].body)
	}
	v, _ := f.sim.Conversation(c)
	for _, msg := range v.Messages {
		if msg.Type == "incoming" && msg.Content != "hi" && msg.Content != "plain" {
			t.Fatalf("a click created an incoming message: %+v", msg)
		}
	}
}

func TestVisitorSubmitEmail(t *testing.T) {
	f := newFixture(t, nil)
	c, _ := f.visitor(t, "v1", "hi")
	m := f.doJSON(t, "POST", conv(c)+"/messages", botToken, map[string]any{"content": "Your email?", "content_type": "input_email"}, 200)
	if err := f.sim.VisitorSubmitEmail(t.Context(), c, int(m["id"].(float64)), "v1@example.com"); err != nil {
		t.Fatal(err)
	}
	f.idle(t)
	upd := f.hook.events("message_updated")
	if len(upd) != 1 || dig(upd[0].payload, "content_attributes", "submitted_email") != "v1@example.com" ||
		dig(upd[0].payload, "conversation", "meta", "sender", "email") != "v1@example.com" {
		t.Fatalf("message_updated: %v", upd)
	}
	show := f.doJSON(t, "GET", conv(c), botToken, nil, 200)
	if dig(show, "meta", "sender", "email") != "v1@example.com" {
		t.Fatalf("meta.sender: %v", dig(show, "meta", "sender"))
	}
}

func TestBotHandoffFiresThreeEvents(t *testing.T) {
	f := newFixture(t, nil)
	f.sim.SetAvailability(f.demo.AliceID, "offline")
	c, _ := f.visitor(t, "v1", "hi")
	f.idle(t)
	f.hook.reset()
	got := f.doJSON(t, "POST", conv(c)+"/toggle_status", botToken, map[string]any{"status": "open"}, 200)
	if dig(got, "payload", "current_status") != "open" || dig(got, "payload", "conversation_id") != float64(c) {
		t.Fatalf("response: %v", got)
	}
	if pl := got["payload"].(map[string]any); pl["success"] != nil {
		t.Fatalf("bot handoff success = %v, want null", pl["success"])
	}
	f.idle(t)
	var names []string
	for _, r := range f.hook.all() {
		names = append(names, r.payload["event"].(string))
	}
	slices.Sort(names)
	if fmt.Sprint(names) != "[conversation_opened conversation_status_changed conversation_updated]" {
		t.Fatalf("events: %v", names)
	}
	sc := f.hook.events("conversation_status_changed")[0].payload
	ca := sc["changed_attributes"].([]any)
	if dig(ca[0], "status", "previous_value") != "pending" || dig(ca[0], "status", "current_value") != "open" {
		t.Fatalf("changed_attributes: %v", ca)
	}
	v, _ := f.sim.Conversation(c)
	if v.Status != "open" || v.BotHandoffs != 1 {
		t.Fatalf("view: %+v", v)
	}
	// The same call with a user token is a plain change, with success true.
	f.doJSON(t, "POST", conv(c)+"/toggle_status", userToken, map[string]any{"status": "pending"}, 200)
	got = f.doJSON(t, "POST", conv(c)+"/toggle_status", userToken, map[string]any{"status": "open"}, 200)
	if dig(got, "payload", "success") != true {
		t.Fatalf("user toggle: %v", got)
	}
	if v, _ := f.sim.Conversation(c); v.BotHandoffs != 1 {
		t.Fatalf("user toggle counted as a bot handoff")
	}
}

func TestHandoffAutoAssignsOnlineInboxMember(t *testing.T) {
	f := newFixture(t, nil)
	c, _ := f.visitor(t, "v1", "hi")
	f.idle(t)
	f.doJSON(t, "POST", conv(c)+"/toggle_status", botToken, map[string]any{"status": "open"}, 200)
	f.idle(t)
	v, _ := f.sim.Conversation(c)
	if v.AssigneeID != f.demo.AliceID {
		t.Fatalf("assignee %d, want Alice %d", v.AssigneeID, f.demo.AliceID)
	}
	if n := len(f.hook.events("conversation_updated")); n != 2 {
		t.Fatalf("%d conversation_updated, want 2 (status, then assignee)", n)
	}
}

func TestAssignments(t *testing.T) {
	f := newFixture(t, nil)
	c, _ := f.visitor(t, "v1", "hi")
	f.idle(t)
	f.hook.reset()
	// A team with an online member: Chatwoot picks that member at once, status unchanged.
	team := f.doJSON(t, "POST", conv(c)+"/assignments", botToken, map[string]any{"team_id": f.demo.TeamID}, 200)
	if team["name"] != "Support" {
		t.Fatalf("team response: %v", team)
	}
	v, _ := f.sim.Conversation(c)
	if v.TeamID != f.demo.TeamID || v.AssigneeID != f.demo.AliceID || v.Status != "pending" {
		t.Fatalf("after team: %+v", v)
	}
	// A human assignee.
	agent := f.doJSON(t, "POST", conv(c)+"/assignments", botToken, map[string]any{"assignee_id": f.demo.BobID}, 200)
	if agent["name"] != "Bob" || agent["availability_status"] != "offline" {
		t.Fatalf("agent response: %v", agent)
	}
	// An unknown user unassigns and renders null.
	st, body := f.do(t, "POST", conv(c)+"/assignments", botToken, map[string]any{"assignee_id": 999})
	if st != 200 || string(body) != "null" {
		t.Fatalf("unknown assignee: %d %s", st, body)
	}
	if v, _ := f.sim.Conversation(c); v.AssigneeID != 0 || v.Status != "pending" {
		t.Fatalf("after unknown assignee: %+v", v)
	}
	if err := f.sim.AgentAssign(t.Context(), c, f.demo.BobID); err != nil {
		t.Fatal(err)
	}
	f.idle(t)
	var sawAssignee bool
	for _, r := range f.hook.events("conversation_updated") {
		for _, e := range r.payload["changed_attributes"].([]any) {
			if cur := dig(e, "assignee_id", "current_value"); cur == float64(f.demo.BobID) {
				sawAssignee = true
				if dig(r.payload, "meta", "assignee_type") != "User" || dig(r.payload, "status") != "pending" {
					t.Fatalf("payload: %s", r.body)
				}
			}
		}
	}
	if !sawAssignee {
		t.Fatal("no conversation_updated with assignee_id")
	}
	v, _ = f.sim.Conversation(c)
	last := v.Messages[len(v.Messages)-1]
	if last.Type != "activity" || last.Content != "Bob self-assigned this conversation" {
		t.Fatalf("activity: %+v", last)
	}
}

func TestResolvedConversationReopensToPending(t *testing.T) {
	f := newFixture(t, nil)
	c, _ := f.visitor(t, "v1", "hi")
	if err := f.sim.AgentSetStatus(t.Context(), c, f.demo.AliceID, "resolved"); err != nil {
		t.Fatal(err)
	}
	f.idle(t)
	f.hook.reset()
	c2, _ := f.visitor(t, "v1", "again")
	if c2 != c {
		t.Fatalf("new conversation %d, want %d reused", c2, c)
	}
	f.idle(t)
	mc := f.hook.events("message_created")
	if v, _ := f.sim.Conversation(c); v.Status != "pending" || len(mc) != 1 || dig(mc[0].payload, "conversation", "status") != "pending" {
		t.Fatalf("status %s, events %d", v.Status, len(mc))
	}
}

func TestFault429WithRetryAfter(t *testing.T) {
	f := newFixture(t, nil)
	c, _ := f.visitor(t, "v1", "hi")
	f.sim.SetFaults(sim.Faults{Status429Rate: 1, RetryAfter: 1500 * time.Millisecond})
	req, _ := http.NewRequestWithContext(t.Context(), "GET", f.api.URL+conv(c), nil)
	req.Header.Set("api_access_token", botToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("got %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	f.sim.SetFaults(sim.Faults{Status500Rate: 1})
	if st, _ := f.do(t, "GET", conv(c), botToken, nil); st != 500 {
		t.Fatalf("500 fault: %d", st)
	}
	f.sim.SetFaults(sim.Faults{DropRate: 1})
	req, _ = http.NewRequestWithContext(t.Context(), "GET", f.api.URL+conv(c), nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("dropped connection answered")
	}
	f.sim.SetFaults(sim.Faults{})
	calls := f.sim.Calls()
	if got := calls[len(calls)-1]; got.Status != 0 {
		t.Fatalf("dropped call logged with status %d", got.Status)
	}
}

func TestDuplicateWebhook(t *testing.T) {
	f := newFixture(t, nil)
	f.sim.SetFaults(sim.Faults{DuplicateWebhookRate: 1})
	f.visitor(t, "v1", "hi")
	f.idle(t)
	reqs := f.hook.all()
	if len(reqs) != 2 || reqs[0].header.Get("X-Chatwoot-Delivery") != reqs[1].header.Get("X-Chatwoot-Delivery") {
		t.Fatalf("%d deliveries", len(reqs))
	}
}

func TestListConversationsAndPresence(t *testing.T) {
	f := newFixture(t, nil)
	f.visitor(t, "v1", "hi")
	f.visitor(t, "v2", "hi")
	got := f.doJSON(t, "GET", "/api/v1/accounts/1/conversations?status=pending", userToken, nil, 200)
	if n := len(dig(got, "data", "payload").([]any)); n != 2 || dig(got, "data", "meta", "all_count") != float64(2) {
		t.Fatalf("list: %v", got)
	}
	members := f.doJSON(t, "GET", fmt.Sprintf("/api/v1/accounts/1/inbox_members/%d", f.demo.InboxID), userToken, nil, 200)
	var online []string
	for _, m := range members["payload"].([]any) {
		if dig(m, "availability_status") == "online" {
			online = append(online, dig(m, "name").(string))
		}
	}
	if fmt.Sprint(online) != "[Alice]" {
		t.Fatalf("online members: %v", online)
	}
	st, body := f.do(t, "GET", fmt.Sprintf("/api/v1/accounts/1/teams/%d/team_members", f.demo.TeamID), userToken, nil)
	if st != 200 || !strings.Contains(string(body), `"name":"Bob"`) {
		t.Fatalf("team members: %d %s", st, body)
	}
	inbox := f.doJSON(t, "GET", fmt.Sprintf("/api/v1/accounts/1/inboxes/%d", f.demo.InboxID), userToken, nil, 200)
	if inbox["working_hours_enabled"] != false || inbox["name"] != "Website" {
		t.Fatalf("inbox: %v", inbox)
	}
	w := f.doJSON(t, "GET", "/api/v1/widget/inbox_members?website_token="+f.sim.WebsiteToken(f.demo.InboxID), "", nil, 200)
	if len(w["payload"].([]any)) != 2 {
		t.Fatalf("widget members: %v", w)
	}
}

func TestSandboxUI(t *testing.T) {
	f := newFixture(t, nil)
	st, body := f.do(t, "GET", "/", "", nil)
	if st != 200 || !bytes.Contains(body, []byte("<title>handover sandbox: a simulated Chatwoot</title>")) {
		t.Fatalf("page: %d", st)
	}
	res := f.doJSON(t, "POST", "/sim/visitor/send", "", map[string]any{"inbox_id": f.demo.InboxID, "contact": "v9", "text": "hello"}, 200)
	c := int(res["conversation_id"].(float64))
	f.doJSON(t, "POST", "/sim/agent/reply", "", map[string]any{"conversation_id": c, "agent_id": f.demo.BobID, "text": "note", "private": true}, 200)
	f.doJSON(t, "POST", "/sim/agent/availability", "", map[string]any{"agent_id": f.demo.BobID, "availability": "online"}, 200)
	f.doJSON(t, "POST", "/sim/agent/availability", "", map[string]any{"agent_id": f.demo.BobID, "availability": "away"}, 422)
	f.doJSON(t, "POST", "/sim/visitor/click", "", map[string]any{"conversation_id": c, "message_id": 1, "value": "x"}, 422)
	state := f.doJSON(t, "GET", "/sim/state", "", nil, 200)
	convs := state["conversations"].([]any)
	if len(convs) != 1 || len(dig(convs[0], "messages").([]any)) != 2 {
		t.Fatalf("state: %v", convs)
	}
	if len(f.sim.Calls()) != 0 {
		t.Fatal("sandbox endpoints were logged as API calls")
	}
	f.idle(t)
}

func TestCloseStopsRetries(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.RetryWait = time.Hour })
	f.hook.setRespond(func(int, string) int { return 500 })
	f.visitor(t, "v1", "hi")
	done := make(chan struct{})
	go func() { f.sim.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop a retry wait")
	}
}

func TestSlowBotTimesOutAndOpens(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.WebhookTimeout = 50 * time.Millisecond })
	f.sim.SetAvailability(f.demo.AliceID, "offline")
	f.hook.setRespond(func(_ int, ev string) int {
		if ev == "message_created" {
			time.Sleep(200 * time.Millisecond)
		}
		return 200
	})
	c, _ := f.visitor(t, "v1", "hi")
	f.idle(t)
	if n := len(f.hook.events("message_created")); n != 1 {
		t.Fatalf("timeout retried: %d attempts", n)
	}
	if v, _ := f.sim.Conversation(c); v.Status != "open" {
		t.Fatalf("status %s, want open", v.Status)
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, nil)
	f.sim.SetFaults(sim.Faults{WebhookJitter: 5 * time.Millisecond, DuplicateWebhookRate: 0.3})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			contact := fmt.Sprintf("v%d", i)
			for j := range 5 {
				c, _, err := f.sim.VisitorSend(t.Context(), f.demo.InboxID, contact, fmt.Sprintf("m%d", j))
				if err != nil {
					t.Error(err)
					return
				}
				if st, body, err := f.call(t.Context(), "POST", conv(c)+"/messages", botToken, map[string]any{"content": "ok"}); err != nil || st != 200 {
					t.Errorf("reply: %d %s %v", st, body, err)
				}
				_ = f.sim.Conversations()
			}
		}()
	}
	wg.Wait()
	f.idle(t)
	if n := len(f.sim.Conversations()); n != 8 {
		t.Fatalf("%d conversations, want 8", n)
	}
	if n := len(f.hook.events("message_created")); n < 80 {
		t.Fatalf("%d message_created deliveries, want >= 80", n)
	}
}
