package chatwoot

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeChatwoot is a small in-memory Chatwoot for the adapter's unit tests.
// Every route and JSON shape cites the Chatwoot source it imitates
// (repository chatwoot/chatwoot, v4.15.x). It is deliberately mounted under
// a path prefix so that URL building bugs fail.
const (
	fakeBotToken  = "bot-token-Zq81"
	fakeUserToken = "user-token-Kx55"
	fakeAccount   = 7
	fakePrefix    = "/cw"
)

type fakeMsg struct {
	ID          int
	Content     string
	Type        int // 0 incoming, 1 outgoing, 2 activity, 3 template (enum message_type, app/models/message.rb)
	ContentType string
	Attrs       map[string]any
	Private     bool
	Sender      map[string]any // push_event_data of the sender, or nil
	CreatedAt   int64
}

type fakeConv struct {
	ID           int
	InboxID      int
	Status       string
	Assignee     map[string]any // agent partial, or nil
	TeamID       int
	Labels       []string
	Attrs        map[string]any
	Contact      map[string]any
	Messages     []*fakeMsg
	BotHandoffs  int
	ToggleTokens []string
}

type fakeAgent struct {
	ID     int
	Name   string
	Status string // availability_status
}

type fakeCall struct {
	Method, Path, Query, Token string
	Body                       map[string]any
}

type fakeChatwoot struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	convs  map[int]*fakeConv
	inbox  map[int][]fakeAgent
	teams  map[int][]fakeAgent
	labels []string // the account's labels (LabelConcern#valid_labels keeps only these)
	calls  []fakeCall
	nextID int
}

func newFakeChatwoot(t *testing.T) *fakeChatwoot {
	t.Helper()
	f := &fakeChatwoot{
		t:      t,
		convs:  map[int]*fakeConv{},
		inbox:  map[int][]fakeAgent{},
		teams:  map[int][]fakeAgent{},
		labels: []string{LabelOffline, "vip", "billing"},
		nextID: 5000,
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the BaseURL to give the adapter.
func (f *fakeChatwoot) URL() string { return f.srv.URL + fakePrefix }

func (f *fakeChatwoot) addConv(c *fakeConv) *fakeConv {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.Attrs == nil {
		c.Attrs = map[string]any{}
	}
	if c.Contact == nil {
		c.Contact = map[string]any{"id": 5, "name": "quiet-sun-42", "email": "visitor@example.com", "type": "contact"}
	}
	for _, m := range c.Messages {
		if m.ID == 0 {
			f.nextID++
			m.ID = f.nextID
		}
		if m.ContentType == "" {
			m.ContentType = "text"
		}
		if m.CreatedAt == 0 {
			m.CreatedAt = 1781949600 + int64(m.ID)
		}
	}
	f.convs[c.ID] = c
	return c
}

func (f *fakeChatwoot) conv(id int) *fakeConv {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.convs[id]
}

// callsTo returns the calls with the method ("" for any) whose path ends in suffix.
func (f *fakeChatwoot) callsTo(method, suffix string) []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls {
		if (method == "" || c.Method == method) && strings.HasSuffix(c.Path, suffix) {
			out = append(out, c)
		}
	}
	return out
}

// Push-format senders (User#push_event_data, AgentBot#push_event_data,
// Contact#push_event_data).
func userSender(id int, name string) map[string]any {
	return map[string]any{"id": id, "name": name, "available_name": name, "avatar_url": "", "type": "user", "availability_status": "online", "thumbnail": ""}
}

func botSender() map[string]any {
	return map[string]any{"id": 3, "name": "AI Assistant", "avatar_url": "", "type": "agent_bot"}
}

func contactSender() map[string]any {
	return map[string]any{"id": 5, "name": "quiet-sun-42", "type": "contact"}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// BOT_ACCESSIBLE_ENDPOINTS (app/controllers/concerns/access_token_auth_helper.rb):
// anything else answers 401 {"error":"Access to this endpoint is not authorized for bots"}.
func botAllowed(method, route string) bool {
	switch route {
	case "conversation", "toggle_status", "custom_attributes", "assignments":
		return true
	case "messages":
		return method == http.MethodPost
	case "labels":
		return true
	}
	return false
}

func (f *fakeChatwoot) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var body map[string]any
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		if err := json.Unmarshal(b, &body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad json"})
			return
		}
	}
	tok := r.Header.Get("api_access_token")
	f.calls = append(f.calls, fakeCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Token: tok, Body: body})

	prefix := fmt.Sprintf("%s/api/v1/accounts/%d/", fakePrefix, fakeAccount)
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route " + r.URL.Path})
		return
	}
	isBot := tok == fakeBotToken
	if !isBot && tok != fakeUserToken {
		// Api::BaseController#authenticate_access_token! → 401
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Invalid Access Token"})
		return
	}
	parts := strings.Split(rest, "/")
	switch {
	// GET /inbox_members/{inbox_id} → {payload:[agent...]}
	// (app/views/api/v1/accounts/inbox_members/show.json.jbuilder, agent partial).
	case len(parts) == 2 && parts[0] == "inbox_members" && r.Method == http.MethodGet:
		if isBot {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Access to this endpoint is not authorized for bots"})
			return
		}
		id, _ := strconv.Atoi(parts[1])
		writeJSON(w, http.StatusOK, map[string]any{"payload": agentsJSON(f.inbox[id])})
		return
	// GET /teams/{team_id}/team_members → [agent...] (a bare array,
	// app/views/api/v1/accounts/team_members/index.json.jbuilder).
	case len(parts) == 3 && parts[0] == "teams" && parts[2] == "team_members" && r.Method == http.MethodGet:
		if isBot {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Access to this endpoint is not authorized for bots"})
			return
		}
		id, _ := strconv.Atoi(parts[1])
		writeJSON(w, http.StatusOK, agentsJSON(f.teams[id]))
		return
	}
	if len(parts) < 2 || parts[0] != "conversations" {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route"})
		return
	}
	route := "conversation"
	if len(parts) == 3 {
		route = parts[2]
	}
	if isBot && !botAllowed(r.Method, route) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Access to this endpoint is not authorized for bots"})
		return
	}
	id, _ := strconv.Atoi(parts[1])
	c := f.convs[id]
	if c == nil {
		// find_by!(display_id:) → ActiveRecord::RecordNotFound → 404
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Resource could not be found"})
		return
	}
	switch {
	case route == "conversation" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, f.conversationJSON(c))
	case route == "messages" && r.Method == http.MethodGet:
		f.listMessages(w, r, c)
	case route == "messages" && r.Method == http.MethodPost:
		f.createMessage(w, c, body, isBot)
	case route == "custom_attributes" && r.Method == http.MethodPost:
		// ConversationCustomAttributesConcern#custom_attributes: replaces the hash.
		attrs, _ := body["custom_attributes"].(map[string]any)
		if attrs == nil {
			attrs = map[string]any{}
		}
		c.Attrs = attrs
		writeJSON(w, http.StatusOK, map[string]any{"custom_attributes": c.Attrs})
	case route == "labels" && r.Method == http.MethodGet:
		// LabelConcern#index → {payload: [titles]}
		writeJSON(w, http.StatusOK, map[string]any{"payload": c.Labels})
	case route == "labels" && r.Method == http.MethodPost:
		// LabelConcern#create: update_labels(valid_labels) replaces the list
		// with the posted titles that exist in the account.
		var next []string
		if ls, ok := body["labels"].([]any); ok {
			for _, l := range ls {
				if s, _ := l.(string); slices.Contains(f.labels, s) {
					next = append(next, s)
				}
			}
		}
		c.Labels = next
		writeJSON(w, http.StatusOK, map[string]any{"payload": c.Labels})
	case route == "assignments" && r.Method == http.MethodPost:
		// AssignmentsController#create: assignee_id wins; else team_id sets the team.
		if tid, ok := body["team_id"].(float64); ok {
			c.TeamID = int(tid)
			writeJSON(w, http.StatusOK, map[string]any{"id": c.TeamID, "name": "support"})
			return
		}
		writeJSON(w, http.StatusOK, nil)
	case route == "toggle_status" && r.Method == http.MethodPost:
		// ConversationsController#toggle_status: a bot opening a pending
		// conversation runs bot_handoff!; else a plain status change.
		status, _ := body["status"].(string)
		c.ToggleTokens = append(c.ToggleTokens, tok)
		if isBot && c.Status == "pending" && status == "open" {
			c.BotHandoffs++
		}
		if status != "" {
			c.Status = status
		}
		writeJSON(w, http.StatusOK, map[string]any{"meta": map[string]any{}, "payload": map[string]any{"success": true, "conversation_id": c.ID, "current_status": c.Status, "snoozed_until": nil}})
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route"})
	}
}

func agentsJSON(as []fakeAgent) []map[string]any {
	out := make([]map[string]any, 0, len(as))
	for _, a := range as {
		// app/views/api/v1/models/_agent.json.jbuilder
		out = append(out, map[string]any{"id": a.ID, "account_id": fakeAccount, "availability_status": a.Status, "auto_offline": true,
			"confirmed": true, "email": strings.ToLower(a.Name) + "@acme.example", "available_name": a.Name, "name": a.Name, "role": "agent", "thumbnail": ""})
	}
	return out
}

// conversationJSON follows app/views/api/v1/conversations/partials/_conversation.json.jbuilder:
// meta {sender, channel, assignee (agent partial, users only), team, hmac_verified};
// no meta.assignee_type.
func (f *fakeChatwoot) conversationJSON(c *fakeConv) map[string]any {
	meta := map[string]any{"sender": c.Contact, "channel": "Channel::WebWidget", "hmac_verified": false}
	if c.Assignee != nil {
		meta["assignee"] = c.Assignee
	}
	if c.TeamID != 0 {
		meta["team"] = map[string]any{"id": c.TeamID, "name": "support"}
	}
	labels := c.Labels
	if labels == nil {
		labels = []string{}
	}
	return map[string]any{
		"meta": meta, "id": c.ID, "account_id": fakeAccount, "inbox_id": c.InboxID, "status": c.Status,
		"labels": labels, "custom_attributes": c.Attrs, "additional_attributes": map[string]any{},
		"messages": []any{}, "can_reply": true, "muted": false, "snoozed_until": nil, "unread_count": 0,
		"created_at": 1781949600, "timestamp": 1781949600, "waiting_since": 0, "priority": nil,
	}
}

// listMessages follows app/finders/message_finder.rb: without params the
// latest 20 ascending; before=<id> the 20 before that id; after=<id> up to
// 100 after it; both: after <= id < before (up to 1000); all ascending. Shape:
// app/views/api/v1/accounts/conversations/messages/index.json.jbuilder and
// app/views/api/v1/models/_message.json.jbuilder (integer message_type,
// epoch created_at).
func (f *fakeChatwoot) listMessages(w http.ResponseWriter, r *http.Request, c *fakeConv) {
	q := r.URL.Query()
	before, errBefore := strconv.Atoi(q.Get("before"))
	after, errAfter := strconv.Atoi(q.Get("after"))
	var msgs []*fakeMsg
	for _, m := range c.Messages {
		switch {
		case errBefore == nil && errAfter == nil: // messages_between: after <= id < before
			if m.ID >= after && m.ID < before && len(msgs) < 1000 {
				msgs = append(msgs, m)
			}
		case errAfter == nil: // messages_after: id > after, up to 100
			if m.ID > after && len(msgs) < 100 {
				msgs = append(msgs, m)
			}
		case errBefore == nil && m.ID >= before:
		default:
			msgs = append(msgs, m)
		}
	}
	if errAfter != nil && len(msgs) > 20 { // the latest 20, or the 20 before
		msgs = msgs[len(msgs)-20:]
	}
	payload := make([]map[string]any, 0, len(msgs))
	for _, m := range msgs {
		attrs := m.Attrs
		if attrs == nil {
			attrs = map[string]any{}
		}
		pm := map[string]any{"id": m.ID, "content": m.Content, "inbox_id": c.InboxID, "conversation_id": c.ID,
			"message_type": m.Type, "content_type": m.ContentType, "status": "sent", "content_attributes": attrs,
			"created_at": m.CreatedAt, "private": m.Private, "source_id": nil}
		if m.Sender != nil {
			pm["sender"] = m.Sender
		}
		payload = append(payload, pm)
	}
	// meta: app/views/api/v1/accounts/conversations/messages/index.json.jbuilder
	// (labels, contact, and the assignee only when one is set).
	meta := map[string]any{"labels": c.Labels, "contact": c.Contact, "additional_attributes": map[string]any{}}
	if c.Assignee != nil {
		meta["assignee"] = c.Assignee
	}
	writeJSON(w, http.StatusOK, map[string]any{"meta": meta, "payload": payload})
}

// createMessage follows Messages::MessageBuilder: the sender is the token's
// owner; message_type defaults to outgoing.
func (f *fakeChatwoot) createMessage(w http.ResponseWriter, c *fakeConv, body map[string]any, isBot bool) {
	f.nextID++
	m := &fakeMsg{ID: f.nextID, Type: 1, ContentType: "text", CreatedAt: time.Now().Unix()}
	m.Content, _ = body["content"].(string)
	m.Private, _ = body["private"].(bool)
	if ct, ok := body["content_type"].(string); ok && ct != "" {
		m.ContentType = ct
	}
	if ca, ok := body["content_attributes"].(map[string]any); ok {
		m.Attrs = ca
	}
	if isBot {
		m.Sender = botSender()
	} else {
		m.Sender = userSender(1, "Admin")
	}
	c.Messages = append(c.Messages, m)
	writeJSON(w, http.StatusOK, map[string]any{"id": m.ID, "content": m.Content, "message_type": 1, "content_type": m.ContentType, "private": m.Private, "conversation_id": c.ID})
}

// newTestAdapter builds an adapter on baseURL with fast retries.
func newTestAdapter(t *testing.T, baseURL string, teams map[int]int) *Adapter {
	t.Helper()
	a, err := New(Config{
		BaseURL: baseURL, AccountID: fakeAccount, BotToken: fakeBotToken, UserToken: fakeUserToken,
		WebhookSecret: testSecret, Teams: teams, RetryWaitMax: 20 * time.Millisecond, HTTPTimeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
