package agentui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/handover"
)

// pageNames are the templates, each parsed with layout.html.
var pageNames = []string{"login", "overview", "conversation", "install", "embed", "error"}

func (h *Handler) parseTemplates() error {
	h.pages = map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return fmt.Errorf("agentui: template %s: %w", name, err)
		}
		h.pages[name] = t
	}
	return nil
}

// assetVersion is a short hash of the static files, for cache busting.
func assetVersion() string {
	sum := sha256.New()
	for _, f := range []string{"static/agent.css", "static/agent.js"} {
		b, _ := assets.ReadFile(f)
		sum.Write(b)
	}
	return hex.EncodeToString(sum.Sum(nil))[:10]
}

func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Path
	b, err := assets.ReadFile("static/" + name)
	if err != nil || name == "" || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
}

// pageData is what every template gets.
type pageData struct {
	h         *Handler
	Title     string
	Access    *access
	Embed     string // "", "1" or "chatwoot"
	CSRF      string
	AssetV    string
	RefreshMS int64
	Notice    string
	Error     string
	// Current is the conversation the page shows, if any.
	Current string

	Login     *loginData
	Overview  *overviewData
	Conv      *convData
	Install   *installData
	ErrorPage *errorData
}

type loginData struct{ Next string }

type errorData struct {
	Heading string
	Status  int
}

func (h *Handler) page(r *http.Request, a *access, title string) *pageData {
	p := &pageData{h: h, Title: title, Access: a, AssetV: h.assetV, RefreshMS: h.opts.Refresh.Milliseconds()}
	switch r.URL.Query().Get("embed") {
	case "":
	case "chatwoot":
		p.Embed = "chatwoot"
	default:
		p.Embed = "1"
	}
	if a != nil {
		p.CSRF = h.sign.csrf(a.Token)
	}
	return p
}

// Link returns path with the query pairs kv, keeping the signed link and the
// embedding mode of the current page.
func (p *pageData) Link(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if p.Access != nil && p.Access.Via == "link" {
		q.Set(linkParam, p.Access.Token)
	}
	if p.Embed != "" {
		q.Set("embed", p.Embed)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// EmbedQuery is the query the Chatwoot embed script appends to a
// conversation URL.
func (p *pageData) EmbedQuery() string {
	l := p.Link("")
	return strings.TrimPrefix(l, "?")
}

// Origins lists the origins allowed to send the Chatwoot app context.
func (p *pageData) Origins() string { return strings.Join(p.h.opts.FrameAncestors, " ") }

// Overviewable reports whether the overview is open to this access.
func (p *pageData) Overviewable() bool { return p.Access != nil && p.Access.Conv == "" }

// RefreshText says how often the page refreshes.
func (p *pageData) RefreshText() string {
	d := time.Duration(p.RefreshMS) * time.Millisecond
	if d < 10*time.Second && d%time.Second != 0 {
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	}
	return humanDuration(d)
}

func (h *Handler) render(w http.ResponseWriter, name, block string, status int, p *pageData) {
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, block, p); err != nil {
		h.log.Error("agent page template failed", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail answers an error: a page, or a short fragment for the live refresh.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, a *access, status int, msg string) {
	p := h.page(r, a, http.StatusText(status))
	p.Error = msg
	heading := map[int]string{
		http.StatusUnauthorized: "Please log in",
		http.StatusForbidden:    "Not allowed",
		http.StatusNotFound:     "Not found",
		http.StatusConflict:     "Nothing changed",
	}[status]
	if heading == "" {
		heading = "Something went wrong"
	}
	p.ErrorPage = &errorData{Heading: heading, Status: status}
	if isPart(r) {
		p.Title = heading
		h.render(w, "error", "part", status, p)
		return
	}
	h.render(w, "error", "layout", status, p)
}

// ---- login ----

func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg, next string) {
	p := h.page(r, nil, "Log in")
	p.Error = msg
	p.Login = &loginData{Next: localPath(next, "/agent/")}
	h.render(w, "login", "layout", status, p)
}

// loginPage shows the login form, or logs in with a signed link (k): an
// unscoped link sets the session cookie and redirects to next; a link for
// one conversation opens that conversation.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"), "/agent/")
	if k := r.URL.Query().Get(linkParam); k != "" {
		c, err := h.sign.verify(k, kindLink, h.now())
		if err != nil {
			h.log.Warn("login link refused", "remote", r.RemoteAddr)
			h.fail(w, r, nil, http.StatusForbidden, linkInvalid(err))
			return
		}
		if c.Conv != "" {
			q := url.Values{linkParam: {k}}
			http.Redirect(w, r, "/agent/conversations/"+url.PathEscape(c.Conv)+"?"+q.Encode(), http.StatusSeeOther)
			return
		}
		exp := h.now().Add(h.opts.SessionTTL)
		if le := time.Unix(c.Exp, 0); le.Before(exp) {
			exp = le
		}
		h.setSession(w, r, exp)
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if a, err := h.authenticate(r); err == nil && a.Via == "cookie" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	h.renderLogin(w, r, http.StatusOK, "", next)
}

// login checks the secret (401 when wrong) and sets the session cookie.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if err := h.cop.Check(r); err != nil {
		h.fail(w, r, nil, http.StatusForbidden, "This request came from another site and was refused.")
		return
	}
	next := localPath(r.PostFormValue("next"), "/agent/")
	addr, now := clientAddr(r), h.now()
	if d := h.logins.wait(addr, now); d > 0 {
		h.log.Warn("agent pages login refused: too many wrong secrets from this address", "remote", addr, "retry_in", d.Round(time.Second).String())
		w.Header().Set("Retry-After", strconv.Itoa(int(d.Seconds()+0.999)))
		h.renderLogin(w, r, http.StatusTooManyRequests, "Too many wrong secrets from your address. Wait a minute, then try again.", next)
		return
	}
	if !secretEqual(r.PostFormValue("secret"), h.opts.Secret) {
		h.logins.failed(addr, now)
		h.log.Warn("agent pages login failed", "remote", addr)
		h.renderLogin(w, r, http.StatusUnauthorized, "Wrong secret. Ask your administrator for the agent pages secret.", next)
		return
	}
	h.setSession(w, r, h.now().Add(h.opts.SessionTTL))
	h.log.Info("agent pages login", "remote", r.RemoteAddr)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, _ *access) {
	h.clearSession(w, r)
	http.Redirect(w, r, "/agent/login", http.StatusSeeOther)
}

// ---- overview ----

type overviewData struct {
	Rows    []row
	Summary string
	Err     string
	// NoListing is set when the helpdesk cannot list chats: the page says how to open one.
	NoListing bool
}

type row struct {
	ID, Visitor, Email, Department string
	StateKey, StateText            string
	BotAnswers                     int
	LastWho, LastText              string
	Waiting                        string
	ViewURL                        string
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request, a *access) {
	if a.Conv != "" {
		h.fail(w, r, a, http.StatusForbidden, "This link is for one conversation only.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	p := h.page(r, a, "Bot chats")
	ov := &overviewData{}
	p.Overview = ov
	status := http.StatusOK
	convs, err := h.opts.Directory.Conversations(ctx)
	switch {
	case errors.Is(err, handover.ErrNoListing):
		ov.NoListing = true
	case err != nil:
		h.log.Warn("overview: helpdesk read failed", "err", err)
		ov.Err = "The helpdesk did not answer; this page tries again by itself."
		status = http.StatusBadGateway
	}
	names := h.departmentNames(ctx)
	now := h.now()
	counts := map[handover.State]int{}
	for _, c := range convs {
		counts[c.State]++
		who, text := lastMessage(c, h.opts.BotName)
		ov.Rows = append(ov.Rows, row{
			ID: c.ID, Visitor: visitorName(c), Email: c.Visitor.Email, Department: department(c, names),
			StateKey: string(c.State), StateText: stateText(c), BotAnswers: c.BotAnswers,
			LastWho: who, LastText: clip(text, 120), Waiting: waited(c, now),
			ViewURL: p.Link("/agent/conversations/" + url.PathEscape(c.ID)),
		})
	}
	ov.Summary = summary(len(convs), counts)
	if ov.NoListing {
		ov.Summary = "This helpdesk cannot list chats."
	}
	if isPart(r) {
		h.render(w, "overview", "rows", status, p)
		return
	}
	h.render(w, "overview", "layout", status, p)
}

// namesTTL is how long department names are reused: teams are renamed rarely, and the pages
// refresh every few seconds.
const namesTTL = 5 * time.Minute

// departmentNames returns the helpdesk's department names, read at most once per namesTTL (a
// failed read is retried at the next refresh and the last names are kept meanwhile).
func (h *Handler) departmentNames(ctx context.Context) map[string]string {
	n, ok := h.opts.Directory.(DepartmentNamer)
	if !ok {
		return nil
	}
	h.namesMu.Lock()
	defer h.namesMu.Unlock()
	if h.names != nil && h.now().Sub(h.namesAt) < namesTTL {
		return h.names
	}
	names, err := n.DepartmentNames(ctx)
	if err != nil {
		h.log.Warn("department names unavailable", "err", err)
		return h.names
	}
	h.names, h.namesAt = names, h.now()
	return names
}

func summary(total int, counts map[handover.State]int) string {
	if total == 0 {
		return "No chats right now."
	}
	parts := []string{}
	for _, s := range []struct {
		st        handover.State
		one, more string
	}{
		{handover.StateBot, "with the bot", "with the bot"},
		{handover.StateQueued, "waiting for a human", "waiting for a human"},
		{handover.StateAgent, "with an agent", "with agents"},
		{handover.StateOffline, "offline message", "offline messages"},
	} {
		switch n := counts[s.st]; {
		case n == 1:
			parts = append(parts, "1 "+s.one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, s.more))
		}
	}
	noun := "chats"
	if total == 1 {
		noun = "chat"
	}
	return fmt.Sprintf("%d %s: %s.", total, noun, strings.Join(parts, ", "))
}

// ---- one conversation ----

type convData struct {
	ID, Visitor, Email, Department string
	StateKey, StateText, StateNote string
	BotAnswers                     int
	Waiting                        string
	Messages                       []msgView
	Joinable                       bool
	JoinLabel                      string
	JoinURL                        string
	LiveURL                        string
	Agents                         []agentOption
	AgentsErr                      string
}

type msgView struct {
	ID, Kind, Who, Text string
	Note                bool
	AtISO, AtText       string
	Buttons             []buttonView
	Extra               string
}

type buttonView struct {
	Title  string
	Chosen bool
}

type agentOption struct {
	ID, Label string
	Selected  bool
}

func (h *Handler) view(w http.ResponseWriter, r *http.Request, a *access) {
	id := r.PathValue("id")
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	conv, err := h.opts.Loader.Load(ctx, id)
	if err != nil {
		h.loadFailed(w, r, a, id, err)
		return
	}
	p := h.conversationPage(ctx, r, a, conv, !isPart(r))
	switch r.URL.Query().Get("joined") {
	case "1":
		if conv.State == handover.StateAgent {
			p.Notice = fmt.Sprintf("Done: %s is assigned, the visitor was told who joined, and the bot is silent in this chat. Reply from the helpdesk.", agentOr(conv.AgentName))
		}
	case "pending":
		p.Notice = "You are assigned. The visitor will be told in a moment that you joined; the bot is already silent."
	}
	if isPart(r) {
		h.render(w, "conversation", "live", http.StatusOK, p)
		return
	}
	h.render(w, "conversation", "layout", http.StatusOK, p)
}

func (h *Handler) loadFailed(w http.ResponseWriter, r *http.Request, a *access, id string, err error) {
	if errors.Is(err, handover.ErrNotFound) {
		h.fail(w, r, a, http.StatusNotFound, fmt.Sprintf("The helpdesk has no conversation %q.", id))
		return
	}
	h.log.Warn("conversation read failed", "conversation", id, "err", err)
	h.fail(w, r, a, http.StatusBadGateway, "The helpdesk did not answer. Try again in a moment.")
}

// conversationPage builds the transcript page; withAgents also reads the
// agents for the join form.
func (h *Handler) conversationPage(ctx context.Context, r *http.Request, a *access, conv *handover.Conversation, withAgents bool) *pageData {
	p := h.page(r, a, "Chat with "+visitorName(conv))
	p.Current = conv.ID
	names := h.departmentNames(ctx)
	cd := &convData{
		ID: conv.ID, Visitor: visitorName(conv), Email: conv.Visitor.Email, Department: department(conv, names),
		StateKey: string(conv.State), StateText: stateText(conv), StateNote: stateNote(conv), BotAnswers: conv.BotAnswers,
		Waiting:  waited(conv, h.now()),
		Joinable: conv.State == handover.StateBot || conv.State == handover.StateQueued,
		JoinURL:  p.Link("/agent/conversations/" + url.PathEscape(conv.ID) + "/join"),
		LiveURL:  p.Link("/agent/conversations/"+url.PathEscape(conv.ID), "part", "live"),
	}
	cd.JoinLabel = "Stop chatbot and join"
	if conv.State == handover.StateQueued {
		cd.JoinLabel = "Join this chat"
	}
	cd.Messages = transcript(conv, h.opts.BotName)
	if withAgents && cd.Joinable {
		agents, err := h.opts.Directory.Agents(ctx)
		if err != nil {
			h.log.Warn("agents unavailable", "err", err)
			cd.AgentsErr = "The helpdesk's agents could not be read; reload the page to try again."
		}
		want := r.URL.Query().Get("agent")
		if r.Method == http.MethodPost {
			want = r.PostFormValue("agent")
		}
		for _, ag := range agents {
			label := ag.Name + " (offline)"
			if ag.Available {
				label = ag.Name + " (online)"
			}
			cd.Agents = append(cd.Agents, agentOption{ID: ag.ID, Label: label, Selected: ag.ID == want})
		}
	}
	p.Conv = cd
	return p
}

// join is "Stop chatbot and join": assign the chosen agent in the helpdesk,
// run the engine's takeover turn (the visitor is told, the bot silenced),
// wait until the announcement is in the helpdesk, and show the chat. A chat
// already with an agent, an offline message or a closed chat answers 409 and
// changes nothing.
func (h *Handler) join(w http.ResponseWriter, r *http.Request, a *access) {
	id := r.PathValue("id")
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second+h.opts.JoinWait)
	defer cancel()
	conv, err := h.opts.Loader.Load(ctx, id)
	if err != nil {
		h.loadFailed(w, r, a, id, err)
		return
	}
	agentID := strings.TrimSpace(r.PostFormValue("agent"))
	agents, aerr := h.opts.Directory.Agents(ctx)
	var chosen *handover.Agent
	for i := range agents {
		if agents[i].ID == agentID && agentID != "" {
			chosen = &agents[i]
		}
	}
	if conflict := joinConflict(conv, chosen); conflict != "" {
		h.conflict(ctx, w, r, a, conv, conflict)
		return
	}
	if aerr != nil {
		h.log.Warn("join: agents unavailable", "conversation", id, "err", aerr)
		h.fail(w, r, a, http.StatusBadGateway, "The helpdesk's agents could not be read. Nothing changed; try again.")
		return
	}
	if chosen == nil {
		p := h.conversationPage(ctx, r, a, conv, true)
		p.Error = "Choose who joins the chat. Nothing changed."
		h.render(w, "conversation", "layout", http.StatusUnprocessableEntity, p)
		return
	}
	if err := h.opts.Directory.AssignAgent(ctx, conv, chosen.ID); err != nil {
		h.log.Warn("join: assignment failed", "conversation", id, "agent", chosen.ID, "err", err)
		h.fail(w, r, a, http.StatusBadGateway, "The helpdesk did not assign the chat. Try again in a moment.")
		return
	}
	h.log.Info("agent took over a bot chat", "conversation", id, "agent", chosen.ID)
	if err := h.opts.Takeover(context.WithoutCancel(ctx), id); err != nil {
		h.log.Warn("join: takeover turn not started", "conversation", id, "err", err)
	}
	joined := "pending"
	deadline := time.Now().Add(h.opts.JoinWait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		c, err := h.opts.Loader.Load(ctx, id)
		if err == nil && c.State == handover.StateAgent && c.JoinAnnounced {
			if c.AgentName != "" && chosen.Name != "" && c.AgentName != chosen.Name {
				h.conflict(ctx, w, r, a, c, fmt.Sprintf("%s joined this chat first. You were not announced.", c.AgentName))
				return
			}
			joined = "1"
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(150 * time.Millisecond):
		}
	}
	p := h.page(r, a, "")
	http.Redirect(w, r, p.Link("/agent/conversations/"+url.PathEscape(id), "joined", joined, "agent", chosen.ID), http.StatusSeeOther)
}

// joinConflict says why a chat cannot be joined, or "".
func joinConflict(conv *handover.Conversation, chosen *handover.Agent) string {
	switch conv.State {
	case handover.StateBot, handover.StateQueued:
		return ""
	case handover.StateAgent:
		name := strings.TrimSpace(conv.AgentName)
		if chosen != nil && name != "" && name == chosen.Name {
			return fmt.Sprintf("You (%s) already joined this chat. Nothing changed.", name)
		}
		return fmt.Sprintf("%s already joined this chat. Nothing changed.", agentOr(name))
	case handover.StateOffline:
		return "This chat became an offline message: answer it by email from the helpdesk. Nothing changed."
	default:
		return "This chat is no longer with the bot (closed, snoozed or moved). Nothing changed."
	}
}

func (h *Handler) conflict(ctx context.Context, w http.ResponseWriter, r *http.Request, a *access, conv *handover.Conversation, msg string) {
	p := h.conversationPage(ctx, r, a, conv, true)
	p.Error = msg
	h.render(w, "conversation", "layout", http.StatusConflict, p)
}

// ---- embedding ----

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,100}$`)

// embedChatwoot is the Chatwoot dashboard app: a page that asks Chatwoot
// for the app context (conversation, contact, currentAgent) and opens that
// conversation.
func (h *Handler) embedChatwoot(w http.ResponseWriter, r *http.Request, a *access) {
	p := h.page(r, a, "Bot chat")
	p.Embed = "chatwoot"
	h.render(w, "embed", "layout", http.StatusOK, p)
}

// embedLink opens the conversation named by the query parameter param (the
// LiveAgent custom button's ticket, another helpdesk's link), with the agent
// preselected when the helpdesk gives one.
func (h *Handler) embedLink(param string) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, a *access) {
		q := r.URL.Query()
		id := strings.TrimSpace(q.Get(param))
		p := h.page(r, a, "")
		if id == "" || strings.ContainsAny(id, "{}$") {
			if !p.Overviewable() {
				h.fail(w, r, a, http.StatusBadRequest, "The link names no conversation.")
				return
			}
			http.Redirect(w, r, p.Link("/agent/"), http.StatusSeeOther)
			return
		}
		if !idPattern.MatchString(id) || !a.allows(id) {
			h.fail(w, r, a, http.StatusBadRequest, "The link names no valid conversation.")
			return
		}
		agent := q.Get("agent")
		if strings.ContainsAny(agent, "{}$") {
			agent = ""
		}
		http.Redirect(w, r, p.Link("/agent/conversations/"+url.PathEscape(id), "agent", agent), http.StatusSeeOther)
	}
}

// ---- install ----

type installData struct {
	TTL          string
	TTLs         []ttlOption
	Expires      string
	Chatwoot     string
	LiveAgent    string
	Generic      string
	FrameAllowed string
}

type ttlOption struct {
	Value, Label string
	Selected     bool
}

var ttls = []struct {
	value, label string
	d            time.Duration
}{
	{"1d", "1 day", 24 * time.Hour},
	{"30d", "30 days", 30 * 24 * time.Hour},
	{"90d", "90 days", 90 * 24 * time.Hour},
	{"365d", "1 year", 365 * 24 * time.Hour},
}

// install shows the signed links to put into a helpdesk. Only a login with
// the secret may make links.
func (h *Handler) install(w http.ResponseWriter, r *http.Request, a *access) {
	if a.Via != "cookie" {
		h.fail(w, r, a, http.StatusForbidden, "A signed link cannot make other links. Log in with the secret.")
		return
	}
	want := r.URL.Query().Get("ttl")
	d, chosen := 90*24*time.Hour, "90d"
	for _, t := range ttls {
		if t.value == want {
			d, chosen = t.d, t.value
		}
	}
	tok := h.SignLink(d, "")
	base := h.opts.PublicURL
	if base == "" {
		scheme := "http"
		if h.secure(r) {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	k := url.QueryEscape(tok)
	in := &installData{
		TTL:       chosen,
		Expires:   h.now().Add(d).UTC().Format("2006-01-02 15:04 MST"),
		Chatwoot:  base + "/agent/embed/chatwoot?k=" + k,
		LiveAgent: base + "/agent/embed/liveagent?k=" + k + "&ticket={$conversation_id}",
		Generic:   base + "/agent/embed?k=" + k + "&conversation=CONVERSATION_ID&agent=AGENT_ID",
	}
	in.FrameAllowed = strings.Join(h.opts.FrameAncestors, ", ")
	for _, t := range ttls {
		in.TTLs = append(in.TTLs, ttlOption{Value: t.value, Label: t.label, Selected: t.value == chosen})
	}
	p := h.page(r, a, "Install")
	p.Install = in
	h.render(w, "install", "layout", http.StatusOK, p)
}

// ---- view helpers ----

func visitorName(c *handover.Conversation) string {
	if n := strings.TrimSpace(c.Visitor.Name); n != "" {
		return n
	}
	if e := strings.TrimSpace(c.Visitor.Email); e != "" {
		return e
	}
	return "Visitor #" + c.ID
}

func department(c *handover.Conversation, names map[string]string) string {
	if n := names[c.Department]; n != "" {
		return n
	}
	if c.Department == "" {
		return "—"
	}
	return "#" + c.Department
}

func agentOr(name string) string {
	if strings.TrimSpace(name) == "" {
		return "An agent"
	}
	return name
}

func stateText(c *handover.Conversation) string {
	switch c.State {
	case handover.StateBot:
		return "Bot"
	case handover.StateQueued:
		return "Waiting for a human"
	case handover.StateAgent:
		if n := strings.TrimSpace(c.AgentName); n != "" {
			return "With " + n
		}
		return "With an agent"
	case handover.StateOffline:
		return "Offline message"
	default:
		return "Not with the bot"
	}
}

func stateNote(c *handover.Conversation) string {
	switch c.State {
	case handover.StateBot:
		return "The bot answers this visitor. Stop it and join below, or just watch."
	case handover.StateQueued:
		return "The bot handed this chat over; the visitor waits for an agent."
	case handover.StateAgent:
		if c.JoinAnnounced {
			return agentOr(c.AgentName) + " joined this chat. The bot is silent here for good."
		}
		return agentOr(c.AgentName) + " took this chat; the visitor is being told. The bot is silent."
	case handover.StateOffline:
		return "The visitor left an offline message; the bot is silent. Answer by email from the helpdesk."
	default:
		return "This chat is not with the bot (closed, snoozed or moved)."
	}
}

// lastMessage is the last public message: who wrote it and its text.
func lastMessage(c *handover.Conversation, botName string) (string, string) {
	pub := c.Public()
	if len(pub) == 0 {
		return "", ""
	}
	m := pub[len(pub)-1]
	return author(m, botName), m.Text
}

func author(m handover.Message, botName string) string {
	switch m.Role {
	case handover.RoleVisitor:
		return "Visitor"
	case handover.RoleBot:
		if a := strings.TrimSpace(m.Author); a != "" {
			return a
		}
		return botName
	case handover.RoleAgent:
		return agentOr(m.Author)
	default:
		return "System"
	}
}

// waitingSince is since when the visitor waits: for the bot, since the
// oldest unanswered visitor message; in the human queue, since the bot's
// handover notice (what the bot said in the queue since, "keep waiting" or the
// offline offer, does not restart it), else its latest message. Zero when
// nobody owes the visitor an answer.
func waitingSince(c *handover.Conversation) time.Time {
	switch c.State {
	case handover.StateBot:
		if p := c.PendingVisitorMessages(); len(p) > 0 {
			return p[0].CreatedAt
		}
	case handover.StateQueued:
		if at := handover.HandedOverAt(c); !at.IsZero() {
			return at
		}
		pub := c.Public()
		for i := len(pub) - 1; i >= 0; i-- {
			switch pub[i].Role {
			case handover.RoleBot:
				return pub[i].CreatedAt
			case handover.RoleAgent:
				return time.Time{}
			}
		}
	}
	return time.Time{}
}

func waited(c *handover.Conversation, now time.Time) string {
	since := waitingSince(c)
	if since.IsZero() {
		return ""
	}
	d := now.Sub(since)
	if d < 0 {
		d = 0
	}
	return humanDuration(d)
}

// humanDuration renders a duration for people: "12 s", "4 min", "1 h 05 min", "3 d".
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + " s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %02d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	default:
		return strconv.Itoa(int(d/(24*time.Hour))) + " d"
	}
}

// transcript is the chat as the visitor sees it, plus the bot's private notes.
func transcript(c *handover.Conversation, botName string) []msgView {
	var out []msgView
	for i, m := range c.Messages {
		if m.Role == handover.RoleSystem || (m.Private && m.Role != handover.RoleBot) {
			continue
		}
		v := msgView{ID: m.ID, Kind: string(m.Role), Who: author(m, botName), Text: strings.TrimSpace(m.Text), Note: m.Private}
		if v.ID == "" {
			v.ID = "i" + strconv.Itoa(i)
		}
		if m.Private {
			v.Kind = "note"
		}
		if m.Role == handover.RoleVisitor {
			v.Who = visitorName(c)
		}
		if !m.CreatedAt.IsZero() {
			v.AtISO = m.CreatedAt.UTC().Format(time.RFC3339)
			v.AtText = m.CreatedAt.UTC().Format("15:04")
		}
		for _, b := range m.Buttons {
			v.Buttons = append(v.Buttons, buttonView{Title: b.Title, Chosen: m.Choice != "" && (m.Choice == b.Value || m.Choice == b.Title)})
		}
		switch {
		case m.Prompt == handover.PromptEmail && m.SubmittedEmail != "":
			v.Extra = "The visitor gave the email address " + m.SubmittedEmail + "."
		case m.Prompt == handover.PromptEmail:
			v.Extra = "Asks the visitor for an email address."
		}
		out = append(out, v)
	}
	return out
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
