package zendesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
)

// zdHooks records webhook deliveries and answers each with the next status of a script.
type zdHooks struct {
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
	status  []int
}

func (h *zdHooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.bodies = append(h.bodies, b)
	h.headers = append(h.headers, r.Header.Clone())
	code := http.StatusOK
	if len(h.status) > 0 {
		code, h.status = h.status[0], h.status[1:]
	}
	h.mu.Unlock()
	w.WriteHeader(code)
}

func (h *zdHooks) types() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, b := range h.bodies {
		var p struct {
			Events []struct {
				Type string `json:"type"`
			} `json:"events"`
		}
		_ = json.Unmarshal(b, &p)
		for _, e := range p.Events {
			out = append(out, e.Type)
		}
	}
	return out
}

type zdEnv struct {
	t     *testing.T
	z     *Server
	srv   *httptest.Server
	hooks *zdHooks
	demo  Demo
}

func newZdEnv(t *testing.T, o Options) *zdEnv {
	t.Helper()
	o.KeyID, o.KeySecret, o.WebhookSecret = "app_k", "k-secret", "hook-secret"
	o.SupportEmail, o.SupportToken = "admin@example.com", "api-token"
	if o.RetryWait == 0 {
		o.RetryWait = time.Millisecond
	}
	e := &zdEnv{t: t, z: New(o), hooks: &zdHooks{}}
	e.srv = httptest.NewServer(e.z.Handler())
	hooks := httptest.NewServer(e.hooks)
	t.Cleanup(func() { e.z.Close(); e.srv.Close(); hooks.Close() })
	e.z.SetWebhookURL(hooks.URL)
	e.demo = e.z.SeedDemo()
	return e
}

// do sends a request; auth is "key", "support" or "".
func (e *zdEnv) do(method, path, auth string, body any) (int, map[string]any, http.Header) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	switch auth {
	case "key":
		req.SetBasicAuth("app_k", "k-secret")
	case "support":
		req.SetBasicAuth("admin@example.com/token", "api-token")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

func (e *zdEnv) settle() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.z.WaitIdle(ctx); err != nil {
		e.t.Fatal(err)
	}
}

func (e *zdEnv) conv(user, text string) string {
	e.t.Helper()
	id, _, err := e.z.VisitorSend(context.Background(), user, text)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *zdEnv) path(format string, a ...any) string {
	return "/sc/v2/apps/" + e.z.AppID() + fmt.Sprintf(format, a...)
}

func TestZendeskAuthAndLimits(t *testing.T) {
	e := newZdEnv(t, Options{})
	id := e.conv("v", "hi")
	if st, _, _ := e.do("GET", e.path("/conversations/%s", id), "", nil); st != 401 {
		t.Fatalf("no credentials: %d", st)
	}
	if st, _, _ := e.do("GET", "/sc/v2/apps/otherapp/conversations/"+id, "key", nil); st != 403 {
		t.Fatalf("another app: %d", st)
	}
	if st, _, _ := e.do("GET", "/api/v2/agent_availabilities", "key", nil); st != 401 {
		t.Fatalf("a Sunshine key on the Support API: %d", st)
	}
	big := []byte(`{"author":{"type":"business"},"content":{"type":"text","text":"` + strings.Repeat("a", 100*1000) + `"}}`)
	if st, out, _ := e.do("POST", e.path("/conversations/%s/messages", id), "key", big); st != 413 || !strings.Contains(fmt.Sprint(out), "request_entity_too_large") {
		t.Fatalf("a body over 100 kB: %d %v", st, out)
	}
	md := map[string]any{"x": strings.Repeat("b", 5000)}
	if st, _, _ := e.do("POST", e.path("/conversations/%s/messages", id), "key", map[string]any{"author": map[string]any{"type": "business"}, "content": map[string]any{"type": "text", "text": "hi"}, "metadata": md}); st != 400 {
		t.Fatalf("metadata over 4 KB: %d", st)
	}
	nested := map[string]any{"x": map[string]any{"y": 1}}
	if st, _, _ := e.do("POST", e.path("/conversations/%s/passControl", id), "key", map[string]any{"switchboardIntegration": "next", "metadata": nested}); st != 400 {
		t.Fatalf("nested metadata: %d", st)
	}
	if st, _, _ := e.do("POST", e.path("/conversations/%s/messages", id), "key", map[string]any{"author": map[string]any{"type": "business"},
		"content": map[string]any{"type": "text", "text": "x", "actions": []any{map[string]any{"type": "reply", "text": "no payload"}}}}); st != 400 {
		t.Fatalf("a reply action without payload: %d", st)
	}
	if st, _, _ := e.do("GET", e.path("/conversations"), "key", nil); st != 400 {
		t.Fatalf("listing conversations without a user filter: %d", st)
	}
}

func TestZendeskMessageCapAnswersLocked(t *testing.T) {
	e := newZdEnv(t, Options{MessageCap: 3})
	id := e.conv("v", "1")
	post := func() int {
		st, _, _ := e.do("POST", e.path("/conversations/%s/messages", id), "key", map[string]any{"author": map[string]any{"type": "business"}, "content": map[string]any{"type": "text", "text": "x"}})
		return st
	}
	if a, b, c := post(), post(), post(); a != 201 || b != 201 || c != 423 {
		t.Fatalf("statuses %d %d %d, want 201 201 423", a, b, c)
	}
}

func TestZendeskListMessagesPaging(t *testing.T) {
	e := newZdEnv(t, Options{})
	id := e.conv("v", "m0")
	for i := 1; i < 250; i++ {
		if _, _, err := e.z.VisitorSend(context.Background(), "v", fmt.Sprintf("m%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var texts []string
	path := e.path("/conversations/%s/messages", id)
	for range 5 {
		st, out, _ := e.do("GET", path, "key", nil)
		if st != 200 {
			t.Fatalf("status %d", st)
		}
		var page []string
		for _, m := range out["messages"].([]any) {
			page = append(page, m.(map[string]any)["content"].(map[string]any)["text"].(string))
		}
		texts = append(page, texts...)
		meta := out["meta"].(map[string]any)
		if meta["hasMore"] != true {
			break
		}
		path = e.path("/conversations/%s/messages", id) + "?page%5Bbefore%5D=" + meta["beforeCursor"].(string)
	}
	if len(texts) != 250 || texts[0] != "m0" || texts[249] != "m249" || texts[100] != "m100" {
		t.Fatalf("%d messages: first %v last %v", len(texts), texts[:1], texts[len(texts)-1:])
	}
}

func TestZendeskSwitchboardActions(t *testing.T) {
	e := newZdEnv(t, Options{})
	id := e.conv("v", "hi")
	act := func(action string, body map[string]any) int {
		st, _, _ := e.do("POST", e.path("/conversations/%s/%s", id, action), "key", body)
		return st
	}
	// The integration key acts as handover's integration: it may not accept an offer made to
	// another, nor release control it does not have.
	if st := act("offerControl", map[string]any{"switchboardIntegration": "handover-bot"}); st != 400 {
		t.Fatalf("offering control to the active integration: %d", st)
	}
	if st := act("passControl", map[string]any{"switchboardIntegration": "nobody"}); st != 400 {
		t.Fatalf("unknown target: %d", st)
	}
	if st := act("passControl", map[string]any{"switchboardIntegration": "zd:agentWorkspace", "metadata": map[string]any{"first_message_id": "x"}}); st != 200 {
		t.Fatalf("pass to Agent Workspace by integrationType: %d", st)
	}
	if st := act("passControl", map[string]any{"switchboardIntegration": "zd-agentWorkspace"}); st != 200 {
		t.Fatalf("repeated pass by name: %d", st)
	}
	if st := act("releaseControl", nil); st != 403 {
		t.Fatalf("release while Agent Workspace is active: %d", st)
	}
	if st := act("acceptControl", nil); st != 403 {
		t.Fatalf("accept with nothing offered to us: %d", st)
	}
	if err := e.z.OfferControl(context.Background(), id, "handover-bot", map[string]any{"why": "back to bot"}); err != nil {
		t.Fatal(err)
	}
	if st := act("acceptControl", nil); st != 200 {
		t.Fatalf("accept an offer: %d", st)
	}
	if v, _ := e.z.Conversation(id); v.Active != "handover-bot" || v.Pending != "" {
		t.Fatalf("after accept: %+v", v)
	}
	if st := act("releaseControl", map[string]any{"metadata": map[string]any{"done": true}}); st != 200 {
		t.Fatalf("release while active: %d", st)
	}
	e.settle()
	got := e.hooks.types()
	sort.Strings(got)
	want := []string{"conversation:message", "switchboard:acceptControl", "switchboard:offerControl", "switchboard:passControl", "switchboard:releaseControl"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("webhooks %v, want %v (a repeated passControl sends nothing)", got, want)
	}
	v, _ := e.z.Conversation(id)
	if v.Active != "" || v.Control[1].Metadata["first_message_id"] != "x" {
		t.Fatalf("after release: %+v", v)
	}
	// With an app key anyone may release.
	a := newZdEnv(t, Options{KeyScope: ScopeApp})
	id = a.conv("v", "hi")
	if err := a.z.AgentTakeOver(context.Background(), id, a.demo.AliceID, nil); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := a.do("POST", a.path("/conversations/%s/releaseControl", id), "key", nil); st != 200 {
		t.Fatalf("app key release: %d", st)
	}
}

func TestZendeskWebhookDelivery(t *testing.T) {
	e := newZdEnv(t, Options{})
	e.hooks.status = []int{500, 503, 200}
	e.conv("v", "hello")
	e.settle()
	e.hooks.mu.Lock()
	n, hdr, body := len(e.hooks.bodies), e.hooks.headers[0], e.hooks.bodies[0]
	e.hooks.mu.Unlock()
	if n != 3 || hdr.Get("X-API-Key") != "hook-secret" {
		t.Fatalf("%d attempts, X-API-Key %q", n, hdr.Get("X-API-Key"))
	}
	var p struct {
		App    map[string]any `json:"app"`
		Events []struct {
			ID, Type string
			Payload  struct {
				Conversation struct {
					ID     string         `json:"id"`
					Active map[string]any `json:"activeSwitchboardIntegration"`
				} `json:"conversation"`
				Message struct {
					ID     string         `json:"id"`
					Author map[string]any `json:"author"`
				} `json:"message"`
			} `json:"payload"`
		} `json:"events"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	ev := p.Events[0]
	if p.App["id"] != e.z.AppID() || ev.Type != "conversation:message" || ev.ID == "" || ev.Payload.Message.Author["type"] != "user" ||
		ev.Payload.Conversation.Active["integrationId"] != e.z.IntegrationID() {
		t.Fatalf("payload: %s", body)
	}
	// No retry after 400, 401, 403, 404 or 406; at most 5 attempts otherwise.
	for _, code := range []int{400, 404, 406} {
		f := newZdEnv(t, Options{})
		f.hooks.status = []int{code}
		f.conv("v", "x")
		f.settle()
		if got := len(f.z.Deliveries()); got != 1 {
			t.Fatalf("%d: %d attempts", code, got)
		}
	}
	g := newZdEnv(t, Options{})
	g.hooks.status = []int{500, 500, 500, 500, 500, 500, 500}
	g.conv("v", "x")
	g.settle()
	if got := len(g.z.Deliveries()); got != 5 {
		t.Fatalf("%d attempts, want 5", got)
	}
}

func TestZendeskStandbyEvents(t *testing.T) {
	for _, noStandby := range []bool{false, true} {
		e := newZdEnv(t, Options{NoStandbyEvents: noStandby})
		id := e.conv("v", "hi")
		if err := e.z.AgentTakeOver(context.Background(), id, e.demo.AliceID, nil); err != nil {
			t.Fatal(err)
		}
		e.conv("v", "on standby")
		if _, err := e.z.AgentReply(context.Background(), id, e.demo.AliceID, "agent here"); err != nil {
			t.Fatal(err)
		}
		e.settle()
		// Deliveries run concurrently, as Sunshine's do: compare them sorted.
		types := e.hooks.types()
		sort.Strings(types)
		got := strings.Join(types, ",")
		want := "conversation:message,conversation:message,conversation:message,switchboard:passControl"
		if noStandby {
			want = "conversation:message,switchboard:passControl"
		}
		if got != want {
			t.Fatalf("deliverStandbyEvents=%v: %s, want %s", !noStandby, got, want)
		}
	}
}

func TestZendeskTicketsIdempotency(t *testing.T) {
	e := newZdEnv(t, Options{})
	body := map[string]any{"ticket": map[string]any{"subject": "s", "comment": map[string]any{"body": "b", "public": false},
		"requester": map[string]any{"name": "Jane", "email": "jane@example.com"}, "group_id": e.demo.GroupID, "tags": []string{"a"}}}
	create := func(key string, b any) (int, map[string]any, http.Header) {
		req, _ := json.Marshal(b)
		r, _ := http.NewRequest("POST", e.srv.URL+"/api/v2/tickets", bytes.NewReader(req))
		r.SetBasicAuth("admin@example.com/token", "api-token")
		r.Header.Set("Content-Type", "application/json")
		if key != "" {
			r.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out, resp.Header
	}
	st1, out1, h1 := create("k1", body)
	st2, out2, h2 := create("k1", body)
	if st1 != 201 || st2 != 201 || h1.Get("x-idempotency-lookup") != "miss" || h2.Get("x-idempotency-lookup") != "hit" ||
		fmt.Sprint(out1["ticket"].(map[string]any)["id"]) != fmt.Sprint(out2["ticket"].(map[string]any)["id"]) || len(e.z.Tickets()) != 1 {
		t.Fatalf("idempotent create: %d %d %v %v, %d tickets", st1, st2, h1, h2, len(e.z.Tickets()))
	}
	other := map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "different"}}}
	if st, out, _ := create("k1", other); st != 400 || out["error"] != "IdempotentRequestError" {
		t.Fatalf("same key, other body: %d %v", st, out)
	}
	if st, _, _ := create("", map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": " "}}}); st != 422 {
		t.Fatalf("blank comment: %d", st)
	}
	if st, _, _ := create("", map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "x"}, "group_id": 999}}); st != 422 {
		t.Fatalf("unknown group: %d", st)
	}
}

func TestZendeskAgentAvailabilities(t *testing.T) {
	e := newZdEnv(t, Options{})
	extra := e.z.AddAgent("Carol", "carol@example.com", "online")
	st, out, _ := e.do("GET", "/api/v2/agent_availabilities?filter%5Bchannel_status%5D=messaging%3Aonline&page%5Bsize%5D=1", "support", nil)
	if st != 200 {
		t.Fatalf("status %d", st)
	}
	data := out["data"].([]any)
	attrs := data[0].(map[string]any)["attributes"].(map[string]any)
	meta := out["meta"].(map[string]any)
	if len(data) != 1 || fmt.Sprint(attrs["agent_id"]) != fmt.Sprint(e.demo.AliceID) || fmt.Sprint(attrs["group_ids"]) != fmt.Sprintf("[%d]", e.demo.GroupID) || meta["has_more"] != true {
		t.Fatalf("page 1: %v", out)
	}
	st, out, _ = e.do("GET", "/api/v2/agent_availabilities?filter%5Bchannel_status%5D=messaging%3Aonline&page%5Bsize%5D=1&page%5Bafter%5D="+meta["after_cursor"].(string), "support", nil)
	data = out["data"].([]any)
	if st != 200 || len(data) != 1 || fmt.Sprint(data[0].(map[string]any)["attributes"].(map[string]any)["agent_id"]) != fmt.Sprint(extra) || out["meta"].(map[string]any)["has_more"] != false {
		t.Fatalf("page 2: %v", out)
	}
	e.z.SetAgentStatus(e.demo.AliceID, "away")
	e.z.SetAgentStatus(extra, "offline")
	if _, out, _ = e.do("GET", "/api/v2/agent_availabilities?filter%5Bchannel_status%5D=messaging%3Aonline", "support", nil); len(out["data"].([]any)) != 0 {
		t.Fatalf("nobody online: %v", out)
	}
}

func TestZendeskSandboxState(t *testing.T) {
	e := newZdEnv(t, Options{})
	id := e.conv("sandy", "hello")
	if err := e.z.AgentTakeOver(context.Background(), id, e.demo.AliceID, nil); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(e.srv.URL + "/sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Conversations []sim.ConversationView `json:"conversations"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if len(st.Conversations) != 1 || st.Conversations[0].Status != "open" || st.Conversations[0].AssigneeName != "Alice" ||
		st.Conversations[0].CustomAttributes["switchboard"] != AgentWorkspaceName {
		t.Fatalf("state: %+v", st.Conversations)
	}
	// The page's visitor send speaks Sunshine: a user message.
	r, err := http.Post(e.srv.URL+"/sim/visitor/send", "application/json", strings.NewReader(`{"inbox_id":1,"contact":"sandy","text":"again"}`))
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("visitor send: %v %v", err, r)
	}
	r.Body.Close()
	if v, _ := e.z.Conversation(id); len(v.Messages) != 2 || v.Messages[1].AuthorType != "user" {
		t.Fatalf("after the page's send: %+v", v.Messages)
	}
}

// TestZendeskIncludeFullUser: with includeFullUser (the default) a user message's author carries
// the user with its profile and a postback the full user; without it (NoFullUser) neither
// carries the profile.
func TestZendeskIncludeFullUser(t *testing.T) {
	for _, full := range []bool{true, false} {
		t.Run(fmt.Sprint("full=", full), func(t *testing.T) {
			e := newZdEnv(t, Options{NoFullUser: !full})
			e.z.SetUserEmail("v", "v@example.com")
			id := e.conv("v", "hi")
			if st, _, _ := e.do("POST", e.path("/conversations/%s/messages", id), "key", map[string]any{"author": map[string]any{"type": "business"},
				"content": map[string]any{"type": "text", "text": "pick", "actions": []any{map[string]any{"type": "postback", "text": "Yes", "payload": "yes"}}}}); st != 201 {
				t.Fatalf("post: %d", st)
			}
			e.settle()
			_, body, _ := e.do("GET", e.path("/conversations/%s/messages", id), "key", nil)
			msgs := body["messages"].([]any)
			if err := e.z.VisitorClick(context.Background(), id, msgs[len(msgs)-1].(map[string]any)["id"].(string), "yes"); err != nil {
				t.Fatal(err)
			}
			e.settle()
			e.hooks.mu.Lock()
			bodies := append([][]byte(nil), e.hooks.bodies...)
			e.hooks.mu.Unlock()
			var sawMessage, sawPostback bool
			for _, b := range bodies {
				var p struct {
					Events []struct {
						Type    string `json:"type"`
						Payload struct {
							Message *struct {
								Author map[string]any `json:"author"`
							} `json:"message"`
							User map[string]any `json:"user"`
						} `json:"payload"`
					} `json:"events"`
				}
				if err := json.Unmarshal(b, &p); err != nil {
					t.Fatal(err)
				}
				for _, ev := range p.Events {
					switch {
					case ev.Type == "conversation:message" && ev.Payload.Message.Author["type"] == "user":
						sawMessage = true
						u, ok := ev.Payload.Message.Author["user"].(map[string]any)
						if ok != full || (full && u["profile"].(map[string]any)["email"] != "v@example.com") {
							t.Fatalf("author %v", ev.Payload.Message.Author)
						}
					case ev.Type == "conversation:postback":
						sawPostback = true
						_, hasProfile := ev.Payload.User["profile"]
						if ev.Payload.User["id"] == nil || hasProfile != full {
							t.Fatalf("postback user %v", ev.Payload.User)
						}
					}
				}
			}
			if !sawMessage || !sawPostback {
				t.Fatalf("message %v postback %v", sawMessage, sawPostback)
			}
		})
	}
}

// TestZendeskVisitorReply: a user message into a conversation named by its Sunshine id, as its
// user, with the conversation:message webhook; an unknown conversation is ErrNotFound.
func TestZendeskVisitorReply(t *testing.T) {
	e := newZdEnv(t, Options{})
	id := e.conv("v", "hi")
	msgID, err := e.z.VisitorReply(context.Background(), id, "v@example.com")
	if err != nil {
		t.Fatal(err)
	}
	e.settle()
	v, _ := e.z.Conversation(id)
	if last := v.Messages[len(v.Messages)-1]; len(v.Messages) != 2 || last.ID != msgID || last.AuthorType != "user" || last.Text != "v@example.com" || v.UserName != "v" {
		t.Fatalf("messages %+v", v.Messages)
	}
	if got := e.hooks.types(); len(got) != 2 || got[1] != "conversation:message" {
		t.Fatalf("webhooks %v", got)
	}
	if _, err := e.z.VisitorReply(context.Background(), "nope", "hi"); !errors.Is(err, sim.ErrNotFound) {
		t.Fatalf("unknown conversation: %v", err)
	}
}

// TestZendeskSandboxPage: the sandbox page's endpoints are this dialect's own (a visitor name,
// an agent's availability as the messaging status), and no other helpdesk's API is served.
func TestZendeskSandboxPage(t *testing.T) {
	e := newZdEnv(t, Options{})
	code, out, _ := e.do(http.MethodPost, "/sim/visitor/new", "", nil)
	if name, _ := out["contact"].(string); code != http.StatusOK || name == "" {
		t.Fatalf("visitor name: %d %v", code, out)
	}
	if code, out, _ := e.do(http.MethodPost, "/sim/agent/availability", "", map[string]any{"agent_id": e.demo.BobID, "availability": "online"}); code != http.StatusOK {
		t.Fatalf("availability: %d %v", code, out)
	}
	code, out, _ = e.do(http.MethodGet, "/api/v2/agent_availabilities?filter[channel_status]=messaging:online", "support", nil)
	online := map[string]bool{}
	data, _ := out["data"].([]any)
	for _, d := range data {
		if m, ok := d.(map[string]any); ok {
			attrs, _ := m["attributes"].(map[string]any)
			online[fmt.Sprint(attrs["agent_id"])] = true
		}
	}
	if code != http.StatusOK || !online[fmt.Sprint(e.demo.BobID)] || !online[fmt.Sprint(e.demo.AliceID)] {
		t.Fatalf("Bob online on the page is not online in the Agent Availability API: %d %v", code, out)
	}
	if code, _, _ := e.do(http.MethodPost, "/sim/agent/availability", "", map[string]any{"agent_id": e.demo.BobID, "availability": "asleep"}); code != http.StatusUnprocessableEntity {
		t.Fatalf("unknown availability: %d, want 422", code)
	}
	if code, _, _ := e.do(http.MethodGet, "/api/v1/accounts/1/conversations", "support", nil); code != http.StatusNotFound {
		t.Fatalf("Chatwoot's API on the Zendesk simulator: %d, want 404", code)
	}
}
