package agentui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

const testSecret = "unit-test-secret-0123456789"

// fakeDesk is an in-memory helpdesk: Directory, Loader and the takeover turn.
type fakeDesk struct {
	mu        sync.Mutex
	convs     map[string]*handover.Conversation
	agents    []handover.Agent
	assigns   []string
	takeovers []string
}

func newFakeDesk() *fakeDesk {
	t0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	msg := func(id string, role handover.Role, text string, at time.Duration) handover.Message {
		return handover.Message{ID: id, Role: role, Text: text, CreatedAt: t0.Add(at)}
	}
	return &fakeDesk{
		convs: map[string]*handover.Conversation{
			"1": {ID: "1", Department: "5", State: handover.StateBot, BotAnswers: 1, Visitor: handover.Visitor{Name: "Ada", Email: "ada@example.com"},
				Messages: []handover.Message{
					msg("11", handover.RoleVisitor, "How long does shipping take?", 0),
					{ID: "12", Role: handover.RoleBot, Author: "AI assistant", Text: "Two days.", CreatedAt: t0.Add(time.Minute),
						Prompt: handover.PromptHuman, Buttons: []handover.Button{{Title: "Request chat with human agent", Value: handover.ChoiceRequestHuman}}},
					{ID: "13", Role: handover.RoleBot, Private: true, Text: "Summary <b>for</b> agents", CreatedAt: t0.Add(2 * time.Minute)},
					{ID: "14", Role: handover.RoleAgent, Private: true, Author: "Bob", Text: "Bob's private note", CreatedAt: t0.Add(3 * time.Minute)},
					{ID: "15", Role: handover.RoleSystem, Text: "Assigned to Support", CreatedAt: t0.Add(3 * time.Minute)},
					msg("16", handover.RoleVisitor, "<script>alert(1)</script> and to Austria?", 4*time.Minute),
				}},
			"2": {ID: "2", Department: "5", State: handover.StateOffline, Visitor: handover.Visitor{Name: "Cyd"}},
			"3": {ID: "3", Department: "5", State: handover.StateAgent, AgentName: "Bob", JoinAnnounced: true, Visitor: handover.Visitor{Name: "Dan"}},
		},
		agents: []handover.Agent{{ID: "7", Name: "Alice", Available: true}, {ID: "8", Name: "Bob"}},
	}
}

func (f *fakeDesk) Conversations(context.Context) ([]*handover.Conversation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*handover.Conversation
	for _, c := range f.convs {
		cp := *c
		out = append(out, &cp)
	}
	slices.SortFunc(out, func(a, b *handover.Conversation) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (f *fakeDesk) Agents(context.Context) ([]handover.Agent, error) { return f.agents, nil }

func (f *fakeDesk) DepartmentNames(context.Context) (map[string]string, error) {
	return map[string]string{"5": "Support"}, nil
}

func (f *fakeDesk) AssignAgent(_ context.Context, conv *handover.Conversation, agentID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.assigns = append(f.assigns, conv.ID+":"+agentID)
	c := f.convs[conv.ID]
	for _, a := range f.agents {
		if a.ID == agentID {
			c.State, c.AgentName, c.JoinAnnounced = handover.StateAgent, a.Name, false
		}
	}
	return nil
}

func (f *fakeDesk) Load(_ context.Context, id string) (*handover.Conversation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.convs[id]
	if !ok {
		return nil, handover.ErrNotFound
	}
	cp := *c
	cp.Messages = slices.Clone(c.Messages)
	return &cp, nil
}

// takeover plays the engine's announcement.
func (f *fakeDesk) takeover(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.takeovers = append(f.takeovers, id)
	c := f.convs[id]
	if c.State == handover.StateAgent && !c.JoinAnnounced {
		c.JoinAnnounced = true
		c.Messages = append(c.Messages, handover.Message{ID: "j" + id, Role: handover.RoleBot, Text: c.AgentName + " joined the chat."})
	}
	return nil
}

func (f *fakeDesk) changes() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.assigns), len(f.takeovers)
}

type env struct {
	t    *testing.T
	desk *fakeDesk
	h    *Handler
	now  time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, desk: newFakeDesk(), now: time.Date(2026, 5, 4, 10, 10, 0, 0, time.UTC)}
	h, err := New(Options{Directory: e.desk, Loader: e.desk, Takeover: e.desk.takeover, Secret: testSecret,
		FrameAncestors: []string{"https://chat.example.com/app"}, JoinWait: time.Second,
		Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	return e
}

// do runs one request; mod may add headers or cookies.
func (e *env) do(method, target string, form url.Values, mod ...func(*http.Request)) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, m := range mod {
		m(r)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func withCookie(v string) func(*http.Request) {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: cookieName, Value: v}) }
}

func withHeader(k, v string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set(k, v) }
}

// login logs in with the secret and returns the session cookie.
func (e *env) login() string {
	e.t.Helper()
	w := e.do("POST", "/agent/login", url.Values{"secret": {testSecret}, "next": {"/agent/"}})
	if w.Code != http.StatusSeeOther {
		e.t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName {
			return c.Value
		}
	}
	e.t.Fatal("login set no cookie")
	return ""
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field in:\n%s", body)
	}
	return m[1]
}

func TestNewChecksOptions(t *testing.T) {
	d := newFakeDesk()
	if _, err := New(Options{Directory: d, Loader: d, Takeover: d.takeover, Secret: "short"}); err == nil {
		t.Fatal("a short secret was accepted")
	}
	if _, err := New(Options{Secret: testSecret}); err == nil || !strings.Contains(err.Error(), "Directory") {
		t.Fatalf("missing parts: %v", err)
	}
	if _, err := New(Options{Directory: d, Loader: d, Takeover: d.takeover, Secret: testSecret, FrameAncestors: []string{"javascript:x"}}); err == nil {
		t.Fatal("a bad frame ancestor was accepted")
	}
}

// TestNothingWithoutAccess: every page but the login form needs a session or
// a link; refused requests change nothing.
func TestNothingWithoutAccess(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/agent/", "/agent/conversations/1", "/agent/install", "/agent/embed/chatwoot", "/agent/embed?conversation=1"} {
		w := e.do("GET", path, nil)
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), `name="secret"`) {
			t.Fatalf("GET %s: %d, want 401 with the login form:\n%s", path, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), "Ada") || strings.Contains(w.Body.String(), "shipping") {
			t.Fatalf("GET %s leaked conversation data", path)
		}
	}
	if w := e.do("GET", "/agent/?part=rows", nil); w.Code != http.StatusUnauthorized || strings.Contains(w.Body.String(), "Ada") {
		t.Fatalf("fragment: %d", w.Code)
	}
	if w := e.do("POST", "/agent/conversations/1/join", url.Values{"agent": {"7"}}); w.Code != http.StatusUnauthorized {
		t.Fatalf("join without a session: %d", w.Code)
	}
	if a, tk := e.desk.changes(); a+tk != 0 {
		t.Fatal("a refused request changed the helpdesk")
	}
	// The login form and the static assets are public.
	if w := e.do("GET", "/agent/login", nil); w.Code != http.StatusOK {
		t.Fatalf("login page: %d", w.Code)
	}
	if w := e.do("GET", "/agent/static/agent.js", nil); w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Content-Type"), "javascript") {
		t.Fatalf("static: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if w := e.do("GET", "/agent/static/", nil); w.Code != http.StatusNotFound {
		t.Fatalf("static listing: %d", w.Code)
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	w := e.do("POST", "/agent/login", url.Values{"secret": {"wrong-secret-0123456789"}})
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "Wrong secret") || len(w.Result().Cookies()) != 0 {
		t.Fatalf("wrong secret: %d cookies %v", w.Code, w.Result().Cookies())
	}
	if w := e.do("POST", "/agent/login", url.Values{"secret": {""}}); w.Code != http.StatusUnauthorized {
		t.Fatalf("empty secret: %d", w.Code)
	}
	w = e.do("POST", "/agent/login", url.Values{"secret": {testSecret}, "next": {"//evil.example/x"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/agent/" {
		t.Fatalf("login: %d to %q (an off-site next must fall back to /agent/)", w.Code, w.Header().Get("Location"))
	}
	var ck *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName {
			ck = c
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/agent/" || ck.Secure {
		t.Fatalf("session cookie %+v", ck)
	}
	if strings.Contains(ck.Value, testSecret) {
		t.Fatal("the cookie carries the secret")
	}
	w = e.do("GET", "/agent/", nil, withCookie(ck.Value))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Ada") || !strings.Contains(w.Body.String(), "Support") {
		t.Fatalf("overview: %d\n%s", w.Code, w.Body)
	}
	// Behind an HTTPS proxy the cookie is Secure.
	w = e.do("POST", "/agent/login", url.Values{"secret": {testSecret}}, withHeader("X-Forwarded-Proto", "https"))
	if c := w.Result().Cookies(); len(c) != 1 || !c[0].Secure {
		t.Fatalf("cookie over https: %+v", c)
	}

	// Another replica with the same secret accepts the cookie; another secret does not.
	other, _ := New(Options{Directory: e.desk, Loader: e.desk, Takeover: e.desk.takeover, Secret: testSecret, Now: func() time.Time { return e.now }})
	r := httptest.NewRequest("GET", "/agent/", nil)
	r.AddCookie(ck)
	rw := httptest.NewRecorder()
	other.ServeHTTP(rw, r)
	if rw.Code != http.StatusOK {
		t.Fatalf("second replica: %d", rw.Code)
	}
	forged := newSigner("another-secret-0123456789").sign(claims{Kind: kindSession, Exp: e.now.Add(time.Hour).Unix()})
	if w := e.do("GET", "/agent/", nil, withCookie(forged)); w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "no longer valid") {
		t.Fatalf("forged cookie: %d", w.Code)
	}
	// Sessions expire.
	e.now = e.now.Add(13 * time.Hour)
	if w := e.do("GET", "/agent/", nil, withCookie(ck.Value)); w.Code != http.StatusUnauthorized {
		t.Fatalf("expired session: %d", w.Code)
	}
}

func TestSignedLinks(t *testing.T) {
	e := newEnv(t)
	link := e.h.SignLink(time.Hour, "")
	w := e.do("GET", "/agent/?k="+url.QueryEscape(link), nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Ada") {
		t.Fatalf("link: %d", w.Code)
	}
	// Links inside the page keep the link.
	if !strings.Contains(w.Body.String(), "/agent/conversations/1?k=") {
		t.Fatal("the view link lost the signed link")
	}
	forged := link[:len(link)-3] + "AAA"
	for name, k := range map[string]string{
		"forged":        forged,
		"other secret":  newSigner("another-secret-0123456789").sign(claims{Kind: kindLink, Exp: e.now.Add(time.Hour).Unix()}),
		"session token": e.login(),
		"garbage":       "abc",
	} {
		if w := e.do("GET", "/agent/?k="+url.QueryEscape(k), nil); w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), "Ada") {
			t.Fatalf("%s link: %d", name, w.Code)
		}
	}
	expired := e.h.SignLink(-time.Minute, "")
	if w := e.do("GET", "/agent/conversations/1?k="+url.QueryEscape(expired), nil); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "expired") {
		t.Fatalf("expired link: %d %s", w.Code, w.Body)
	}
	// A link for one conversation opens only that one.
	one := url.QueryEscape(e.h.SignLink(time.Hour, "1"))
	if w := e.do("GET", "/agent/conversations/1?k="+one, nil); w.Code != http.StatusOK {
		t.Fatalf("scoped link, its conversation: %d", w.Code)
	}
	for _, p := range []string{"/agent/conversations/2?k=", "/agent/?k=", "/agent/install?k="} {
		if w := e.do("GET", p+one, nil); w.Code != http.StatusForbidden {
			t.Fatalf("scoped link on %s: %d", p, w.Code)
		}
	}
	// A link cannot make links.
	if w := e.do("GET", "/agent/install?k="+url.QueryEscape(link), nil); w.Code != http.StatusForbidden {
		t.Fatalf("install with a link: %d", w.Code)
	}
	// The login link sets the session and goes on.
	w = e.do("GET", e.h.LoginLink("/", time.Hour), nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" || len(w.Result().Cookies()) != 1 {
		t.Fatalf("login link: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := e.do("GET", "/agent/login?k="+url.QueryEscape(expired), nil); w.Code != http.StatusForbidden || len(w.Result().Cookies()) != 0 {
		t.Fatalf("expired login link: %d", w.Code)
	}
}

func TestTranscript(t *testing.T) {
	e := newEnv(t)
	ck := e.login()
	w := e.do("GET", "/agent/conversations/1", nil, withCookie(ck))
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("view: %d", w.Code)
	}
	for _, want := range []string{"How long does shipping take?", "Two days.", "Request chat with human agent", "Summary &lt;b&gt;for&lt;/b&gt; agents",
		"not shown to the visitor", "&lt;script&gt;alert(1)&lt;/script&gt;", "Stop chatbot and join", "Alice (online)", "Bob (offline)", `value="7"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("transcript lacks %q:\n%s", want, body)
		}
	}
	for _, not := range []string{"Bob's private note", "Assigned to Support", "<script>alert"} {
		if strings.Contains(body, not) {
			t.Fatalf("transcript shows %q", not)
		}
	}
	// The embedding helpdesk's agent is preselected.
	if w := e.do("GET", "/agent/conversations/1?agent=8", nil, withCookie(ck)); !strings.Contains(w.Body.String(), `<option value="8" selected>`) {
		t.Fatal("agent 8 not preselected")
	}
	// The live fragment is just the state and the transcript.
	w = e.do("GET", "/agent/conversations/1?part=live", nil, withCookie(ck))
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "<html") || !strings.Contains(w.Body.String(), `data-joinable="true"`) {
		t.Fatalf("fragment: %d\n%s", w.Code, w.Body)
	}
	if w := e.do("GET", "/agent/conversations/404", nil, withCookie(ck)); w.Code != http.StatusNotFound {
		t.Fatalf("unknown conversation: %d", w.Code)
	}
	// Waiting: since the oldest unanswered visitor message (10:04 → 10:10).
	w = e.do("GET", "/agent/?part=rows", nil, withCookie(ck))
	if !strings.Contains(w.Body.String(), "6 min") || strings.Contains(w.Body.String(), "<html") {
		t.Fatalf("overview rows:\n%s", w.Body)
	}
}

func TestJoin(t *testing.T) {
	e := newEnv(t)
	ck := e.login()
	csrf := csrfOf(t, e.do("GET", "/agent/conversations/1", nil, withCookie(ck)).Body.String())
	post := func(id string, form url.Values, mod ...func(*http.Request)) *httptest.ResponseRecorder {
		return e.do("POST", "/agent/conversations/"+id+"/join", form, append([]func(*http.Request){withCookie(ck)}, mod...)...)
	}

	// Refused: no CSRF value, a wrong one, one of another session, another site.
	otherCSRF := e.h.sign.csrf(e.login())
	for name, tc := range map[string]struct {
		form url.Values
		mod  []func(*http.Request)
	}{
		"no csrf":        {url.Values{"agent": {"7"}}, nil},
		"wrong csrf":     {url.Values{"agent": {"7"}, "csrf": {"x" + csrf}}, nil},
		"other session":  {url.Values{"agent": {"7"}, "csrf": {otherCSRF}}, nil},
		"cross-site":     {url.Values{"agent": {"7"}, "csrf": {csrf}}, []func(*http.Request){withHeader("Sec-Fetch-Site", "cross-site")}},
		"same-site":      {url.Values{"agent": {"7"}, "csrf": {csrf}}, []func(*http.Request){withHeader("Sec-Fetch-Site", "same-site")}},
		"foreign origin": {url.Values{"agent": {"7"}, "csrf": {csrf}}, []func(*http.Request){withHeader("Origin", "https://evil.example")}},
	} {
		if w := post("1", tc.form, tc.mod...); w.Code != http.StatusForbidden {
			t.Fatalf("%s: %d", name, w.Code)
		}
	}
	if a, tk := e.desk.changes(); a+tk != 0 {
		t.Fatal("a refused join changed the helpdesk")
	}
	// No agent chosen, an unknown agent: 422, nothing changed.
	for _, agent := range []string{"", "99"} {
		if w := post("1", url.Values{"agent": {agent}, "csrf": {csrf}}); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Choose who joins") {
			t.Fatalf("agent %q: %d", agent, w.Code)
		}
	}
	if a, tk := e.desk.changes(); a+tk != 0 {
		t.Fatal("a join without a valid agent changed the helpdesk")
	}

	// The join: assigned, announced, redirected to the chat.
	w := post("1", url.Values{"agent": {"7"}, "csrf": {csrf}}, withHeader("Origin", "http://example.com"), withHeader("Sec-Fetch-Site", "same-origin"))
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/agent/conversations/1?") || !strings.Contains(w.Header().Get("Location"), "joined=1") {
		t.Fatalf("join: %d %q\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
	if a, tk := e.desk.changes(); a != 1 || tk != 1 || e.desk.assigns[0] != "1:7" {
		t.Fatalf("assigns %v takeovers %v", e.desk.assigns, e.desk.takeovers)
	}
	page := e.do("GET", w.Header().Get("Location"), nil, withCookie(ck)).Body.String()
	if !strings.Contains(page, "Alice joined the chat.") || !strings.Contains(page, "Done: Alice is assigned") || !strings.Contains(page, `id="join-box" class="card join" aria-labelledby="join-title" hidden`) {
		t.Fatalf("after the join:\n%s", page)
	}

	// Pressing twice, or on a chat someone else took: 409, nothing changed.
	if w := post("1", url.Values{"agent": {"7"}, "csrf": {csrf}}); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "You (Alice) already joined this chat") {
		t.Fatalf("second press: %d\n%s", w.Code, w.Body)
	}
	if w := post("1", url.Values{"agent": {"8"}, "csrf": {csrf}}); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "Alice already joined this chat") {
		t.Fatalf("someone else's press: %d", w.Code)
	}
	if w := post("3", url.Values{"agent": {"7"}, "csrf": {csrf}}); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "Bob already joined this chat") {
		t.Fatalf("Bob's chat: %d", w.Code)
	}
	if w := post("2", url.Values{"agent": {"7"}, "csrf": {csrf}}); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "offline message") {
		t.Fatalf("offline chat: %d", w.Code)
	}
	if w := post("404", url.Values{"agent": {"7"}, "csrf": {csrf}}); w.Code != http.StatusNotFound {
		t.Fatalf("unknown chat: %d", w.Code)
	}
	if a, tk := e.desk.changes(); a != 1 || tk != 1 {
		t.Fatalf("a conflicting join changed the helpdesk: %v %v", e.desk.assigns, e.desk.takeovers)
	}
}

func TestJoinWithSignedLink(t *testing.T) {
	e := newEnv(t)
	k := url.QueryEscape(e.h.SignLink(time.Hour, "1"))
	body := e.do("GET", "/agent/conversations/1?embed=chatwoot&k="+k, nil).Body.String()
	csrf := csrfOf(t, body)
	if !strings.Contains(body, `action="/agent/conversations/1/join?embed=chatwoot&amp;k=`) {
		t.Fatalf("the form lost the link:\n%s", body)
	}
	// The CSRF value belongs to the link: without the link, nothing.
	if w := e.do("POST", "/agent/conversations/1/join", url.Values{"agent": {"7"}, "csrf": {csrf}}); w.Code != http.StatusUnauthorized {
		t.Fatalf("no link: %d", w.Code)
	}
	w := e.do("POST", "/agent/conversations/1/join?embed=chatwoot&k="+k, url.Values{"agent": {"7"}, "csrf": {csrf}})
	if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Location"), "k=") || !strings.Contains(w.Header().Get("Location"), "embed=chatwoot") {
		t.Fatalf("join by link: %d %q", w.Code, w.Header().Get("Location"))
	}
	expired := url.QueryEscape(e.h.SignLink(-time.Second, "1"))
	if w := e.do("POST", "/agent/conversations/1/join?k="+expired, url.Values{"agent": {"7"}, "csrf": {csrf}}); w.Code != http.StatusForbidden {
		t.Fatalf("expired link: %d", w.Code)
	}
}

func TestEmbedding(t *testing.T) {
	e := newEnv(t)
	k := e.h.SignLink(time.Hour, "")
	w := e.do("GET", "/agent/embed/chatwoot?k="+url.QueryEscape(k), nil)
	csp := w.Header().Get("Content-Security-Policy")
	if w.Code != http.StatusOK || !strings.Contains(csp, "frame-ancestors 'self' https://chat.example.com") || !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("embed page: %d CSP %q", w.Code, csp)
	}
	if !strings.Contains(w.Body.String(), `data-embed="chatwoot"`) || !strings.Contains(w.Body.String(), `data-origins="https://chat.example.com"`) {
		t.Fatalf("embed page body:\n%s", w.Body)
	}
	for _, h := range []string{"X-Content-Type-Options", "Referrer-Policy", "Cache-Control"} {
		if w.Header().Get(h) == "" {
			t.Fatalf("missing %s", h)
		}
	}
	w = e.do("GET", "/agent/embed/liveagent?ticket=1&agent=7&k="+url.QueryEscape(k), nil)
	loc, _ := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusSeeOther || loc.Path != "/agent/conversations/1" || loc.Query().Get("agent") != "7" || loc.Query().Get(linkParam) != k {
		t.Fatalf("liveagent button: %d %v", w.Code, loc)
	}
	// An unresolved placeholder opens the overview instead.
	w = e.do("GET", "/agent/embed/liveagent?ticket=%7B%24conversation_id%7D&agent=%7B%24agent_id%7D&k="+url.QueryEscape(k), nil)
	if loc, _ := url.Parse(w.Header().Get("Location")); w.Code != http.StatusSeeOther || loc.Path != "/agent/" {
		t.Fatalf("placeholder: %d %v", w.Code, loc)
	}
	if w := e.do("GET", "/agent/embed?conversation=1%20or%201&k="+url.QueryEscape(k), nil); w.Code != http.StatusBadRequest {
		t.Fatalf("bad id: %d", w.Code)
	}
}

func TestInstallPage(t *testing.T) {
	e := newEnv(t)
	ck := e.login()
	w := e.do("GET", "/agent/install?ttl=30d", nil, withCookie(ck))
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "Settings → Integrations → Dashboard apps") || !strings.Contains(body, "2026-06-03") {
		t.Fatalf("install: %d\n%s", w.Code, body)
	}
	m := regexp.MustCompile(`value="http://example.com/agent/embed/chatwoot\?k=([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no Chatwoot URL:\n%s", body)
	}
	k, _ := url.QueryUnescape(strings.ReplaceAll(m[1], "&amp;", "&"))
	if _, err := e.h.sign.verify(k, kindLink, e.now.Add(29*24*time.Hour)); err != nil {
		t.Fatalf("the install link does not verify: %v", err)
	}
	if _, err := e.h.sign.verify(k, kindLink, e.now.Add(31*24*time.Hour)); err == nil {
		t.Fatal("the 30-day link outlives 30 days")
	}
	if !strings.Contains(body, "ticket={$conversation_id}") {
		t.Fatal("no LiveAgent placeholder")
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		12 * time.Second: "12 s", 4*time.Minute + 5*time.Second: "4 min", 65 * time.Minute: "1 h 05 min", 72 * time.Hour: "3 d",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

func TestSummary(t *testing.T) {
	got := summary(3, map[handover.State]int{handover.StateBot: 2, handover.StateQueued: 1})
	if got != "3 chats: 2 with the bot, 1 waiting for a human." {
		t.Fatal(got)
	}
	if fmt.Sprint(summary(0, nil)) != "No chats right now." {
		t.Fatal(summary(0, nil))
	}
}

// namesDesk counts department-name reads and can refuse to list.
type namesDesk struct {
	*fakeDesk
	reads     int
	noListing bool
}

func (d *namesDesk) DepartmentNames(ctx context.Context) (map[string]string, error) {
	d.mu.Lock()
	d.reads++
	d.mu.Unlock()
	return d.fakeDesk.DepartmentNames(ctx)
}

func (d *namesDesk) Conversations(ctx context.Context) ([]*handover.Conversation, error) {
	if d.noListing {
		return nil, handover.ErrNoListing
	}
	return d.fakeDesk.Conversations(ctx)
}

func newNamesEnv(t *testing.T, noListing bool) (*env, *namesDesk) {
	t.Helper()
	e := newEnv(t)
	d := &namesDesk{fakeDesk: e.desk, noListing: noListing}
	h, err := New(Options{Directory: d, Loader: d, Takeover: d.takeover, Secret: testSecret, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	return e, d
}

// TestDepartmentNameInLiveRefreshes: the live part of a chat's page names the department as
// the full page does (it once showed the raw id), and names are read once per few minutes,
// not on every refresh.
func TestDepartmentNameInLiveRefreshes(t *testing.T) {
	e, d := newNamesEnv(t, false)
	c := e.login()
	for i := 0; i < 3; i++ {
		w := e.do("GET", "/agent/conversations/1?part=live", nil, withCookie(c))
		if w.Code != 200 || !strings.Contains(w.Body.String(), "<dd>Support</dd>") || strings.Contains(w.Body.String(), "#5") {
			t.Fatalf("live part %d: %d\n%s", i, w.Code, w.Body)
		}
	}
	if w := e.do("GET", "/agent/", nil, withCookie(c)); !strings.Contains(w.Body.String(), ">Support</td>") {
		t.Fatalf("overview:\n%s", w.Body)
	}
	if d.reads != 1 {
		t.Fatalf("department names read %d times, want once", d.reads)
	}
	e.now = e.now.Add(namesTTL + time.Second)
	e.do("GET", "/agent/conversations/1?part=live", nil, withCookie(c))
	if d.reads != 2 {
		t.Fatalf("department names read %d times after they aged, want 2", d.reads)
	}
}

// TestJoinWithoutAgentSaysWhatToDo: the form does not leave it to the browser's "Please select
// an item"; the page says what is missing and nothing changes.
func TestJoinWithoutAgentSaysWhatToDo(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	page := e.do("GET", "/agent/conversations/1", nil, withCookie(c)).Body.String()
	if strings.Contains(page, "required") {
		t.Fatal("the agent choice is still a browser-required field")
	}
	w := e.do("POST", "/agent/conversations/1/join", url.Values{"csrf": {csrfOf(t, page)}, "agent": {""}}, withCookie(c))
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Choose who joins the chat") {
		t.Fatalf("join without agent: %d\n%s", w.Code, w.Body)
	}
	if a, _ := e.desk.changes(); a != 0 {
		t.Fatal("a join without an agent assigned the chat")
	}
}

// TestOverviewOfAHelpdeskThatCannotList says so, instead of promising chats that never come.
func TestOverviewOfAHelpdeskThatCannotList(t *testing.T) {
	e, _ := newNamesEnv(t, true)
	c := e.login()
	w := e.do("GET", "/agent/", nil, withCookie(c))
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "cannot list") || strings.Contains(body, "appear here by themselves") {
		t.Fatalf("overview: %d\n%s", w.Code, body)
	}
}

// TestLoginThrottledPerAddress: after a burst of wrong secrets an address gets 429 with
// Retry-After (even with the right secret) until a token comes back; another address is not
// affected; the secret tried never reaches the log.
func TestLoginThrottledPerAddress(t *testing.T) {
	e := newEnv(t)
	var logs strings.Builder
	e.h.log = slog.New(slog.NewTextHandler(&logs, nil))
	from := func(addr string) func(*http.Request) { return func(r *http.Request) { r.RemoteAddr = addr } }
	try := func(addr, secret string) *httptest.ResponseRecorder {
		return e.do("POST", "/agent/login", url.Values{"secret": {secret}, "next": {"/agent/"}}, from(addr))
	}
	for i := 0; i < loginBurst; i++ {
		if w := try("203.0.113.7:4000", "guess-number-"+fmt.Sprint(i)); w.Code != http.StatusUnauthorized {
			t.Fatalf("wrong secret %d: %d", i, w.Code)
		}
	}
	w := try("203.0.113.7:4001", testSecret)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "Too many wrong secrets") {
		t.Fatalf("after the burst: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
	if w := try("198.51.100.9:5000", testSecret); w.Code != http.StatusSeeOther {
		t.Fatalf("another address: %d", w.Code)
	}
	e.now = e.now.Add(loginEvery + time.Second)
	if w := try("203.0.113.7:4002", testSecret); w.Code != http.StatusSeeOther {
		t.Fatalf("after a token came back: %d", w.Code)
	}
	if strings.Contains(logs.String(), "guess-number") || strings.Contains(logs.String(), testSecret) {
		t.Fatalf("a secret reached the log:\n%s", logs.String())
	}
}
