// Package agentui serves handover's agent pages under /agent/: the bot-chats
// overview, the live transcript of one chat, and "Stop chatbot and join".
//
// The pages are plain server-rendered HTML (html/template, embedded assets
// and a little JavaScript for the live refresh and the Chatwoot dashboard-app
// handshake). They keep no state: every page is read from the helpdesk
// (handover.Directory and Load) on every request, and access is a signed
// cookie or a signed link that every replica can check with the shared
// secret. Nothing under /agent/ but the login form and the static assets is
// served without a valid session or link.
package agentui

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/handover-dev/handover/handover"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Loader reads one conversation fresh from the helpdesk (handover.Helpdesk
// satisfies it).
type Loader interface {
	Load(ctx context.Context, conversationID string) (*handover.Conversation, error)
}

// DepartmentNamer is implemented by directories that can name the
// Department ids of their conversations (teams, inboxes). Optional: without
// it the pages show the ids.
type DepartmentNamer interface {
	DepartmentNames(ctx context.Context) (map[string]string, error)
}

// MinSecretLength is the shortest secret New accepts.
const MinSecretLength = 16

// Options configure the agent pages.
type Options struct {
	// Directory lists conversations and agents and assigns a conversation
	// (required).
	Directory handover.Directory
	// Loader reads one conversation for the transcript (required).
	Loader Loader
	// Takeover runs the engine's agent-activity turn for a conversation the
	// agent was just assigned to, so the visitor is told who joined and the
	// bot is silenced (required). It may only queue the turn: the join page
	// waits, reading the helpdesk, until the announcement is there.
	Takeover func(ctx context.Context, conversationID string) error
	// Secret is HANDOVER_AGENT_UI_SECRET (required, at least
	// MinSecretLength characters). It is the login password and the key
	// that signs sessions, links and CSRF values.
	Secret string
	// BotName names the bot's messages that carry no author.
	BotName string
	// PublicURL is the base URL agents reach handover at; it makes the
	// install links absolute and is trusted as an origin for form posts.
	PublicURL string
	// FrameAncestors are the origins allowed to embed the pages in an iframe
	// (a helpdesk's dashboard), besides handover itself. The Chatwoot
	// embed page also accepts postMessage context only from them.
	FrameAncestors []string
	// SessionTTL is how long a login lasts (default 12h).
	SessionTTL time.Duration
	// Refresh is how often the pages refresh themselves (default 5s).
	Refresh time.Duration
	// JoinWait is how long "Stop chatbot and join" waits for the visitor's
	// announcement before answering (default 8s).
	JoinWait time.Duration
	// Logger receives the pages' logs (never a secret, token or link).
	Logger *slog.Logger
	// Now is the clock (tests).
	Now func() time.Time
}

// Handler serves the agent pages. Mount it at /agent/ (Register does it on
// echo); it is an http.Handler.
type Handler struct {
	opts     Options
	sign     signer
	log      *slog.Logger
	mux      *http.ServeMux
	pages    map[string]*template.Template
	static   fs.FS
	assetV   string
	csp      string
	ancestor map[string]bool
	cop      *http.CrossOriginProtection

	logins *loginThrottle // failed logins per client address

	namesMu sync.Mutex
	names   map[string]string // department names, read at namesAt
	namesAt time.Time
}

// New checks o and builds the pages.
func New(o Options) (*Handler, error) {
	var errs []error
	if o.Directory == nil {
		errs = append(errs, errors.New("agentui: a Directory is required"))
	}
	if o.Loader == nil {
		errs = append(errs, errors.New("agentui: a Loader is required"))
	}
	if o.Takeover == nil {
		errs = append(errs, errors.New("agentui: a Takeover function is required"))
	}
	if len(o.Secret) < MinSecretLength {
		errs = append(errs, fmt.Errorf("agentui: the secret must have at least %d characters", MinSecretLength))
	}
	h := &Handler{ancestor: map[string]bool{}, cop: http.NewCrossOriginProtection(), logins: newLoginThrottle()}
	o.PublicURL = strings.TrimRight(strings.TrimSpace(o.PublicURL), "/")
	if o.PublicURL != "" {
		if err := h.cop.AddTrustedOrigin(origin(o.PublicURL)); err != nil {
			errs = append(errs, fmt.Errorf("agentui: public URL: %w", err))
		}
	}
	var anc []string
	for _, a := range o.FrameAncestors {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		oa := origin(a)
		if oa == "" {
			errs = append(errs, fmt.Errorf("agentui: frame ancestor %q is not an http(s) origin", a))
			continue
		}
		if !h.ancestor[oa] {
			h.ancestor[oa] = true
			anc = append(anc, oa)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.Refresh <= 0 {
		o.Refresh = 5 * time.Second
	}
	if o.JoinWait <= 0 {
		o.JoinWait = 8 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if strings.TrimSpace(o.BotName) == "" {
		o.BotName = "AI assistant"
	}
	h.opts, h.sign, h.log = o, newSigner(o.Secret), o.Logger
	h.opts.FrameAncestors = anc
	h.csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"form-action 'self'; base-uri 'none'; frame-ancestors " + strings.Join(append([]string{"'self'"}, anc...), " ")
	if err := h.parseTemplates(); err != nil {
		return nil, err
	}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	h.static = static
	h.assetV = assetVersion()
	h.routes()
	return h, nil
}

// origin returns scheme://host[:port] of an http(s) URL, or "".
func origin(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func (h *Handler) now() time.Time { return h.opts.Now() }

func (h *Handler) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /agent/{$}", h.authed(h.overview))
	m.HandleFunc("GET /agent/login", h.loginPage)
	m.HandleFunc("POST /agent/login", h.login)
	m.HandleFunc("POST /agent/logout", h.authed(h.logout))
	m.HandleFunc("GET /agent/conversations/{id}", h.authed(h.view))
	m.HandleFunc("POST /agent/conversations/{id}/join", h.authed(h.join))
	m.HandleFunc("GET /agent/embed/chatwoot", h.authed(h.embedChatwoot))
	m.HandleFunc("GET /agent/embed/liveagent", h.authed(h.embedLink("ticket")))
	m.HandleFunc("GET /agent/embed", h.authed(h.embedLink("conversation")))
	m.HandleFunc("GET /agent/install", h.authed(h.install))
	m.Handle("GET /agent/static/", http.StripPrefix("/agent/static/", http.HandlerFunc(h.serveStatic)))
	m.HandleFunc("/agent", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/agent/", http.StatusMovedPermanently)
	})
	m.HandleFunc("/agent/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, nil, http.StatusNotFound, "There is no such page.")
	})
	h.mux = m
}

// ServeHTTP implements http.Handler: security headers, then the routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, "/agent/static/") {
		hd.Set("Cache-Control", "no-store")
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	}
	h.mux.ServeHTTP(w, r)
}

// Register mounts the pages on an echo router at /agent and /agent/*.
func (h *Handler) Register(e *echo.Echo) {
	wrapped := echo.WrapHandler(h)
	e.Any("/agent", wrapped)
	e.Any("/agent/*", wrapped)
}

// LoginLink returns a path that logs the visitor in (a signed link valid for
// ttl) and then opens next (a local path, default /agent/). The sandbox
// prints it.
func (h *Handler) LoginLink(next string, ttl time.Duration) string {
	q := url.Values{linkParam: {h.SignLink(ttl, "")}, "next": {localPath(next, "/agent/")}}
	return "/agent/login?" + q.Encode()
}

// SignLink returns a signed link token valid for ttl, for the query
// parameter k of any agent page (embedding). conversation limits it to one
// conversation; "" allows every page but the install page.
func (h *Handler) SignLink(ttl time.Duration, conversation string) string {
	return h.sign.sign(claims{Kind: kindLink, Exp: h.now().Add(ttl).Unix(), Conv: conversation})
}

// authedHandler is a page that needs access.
type authedHandler func(w http.ResponseWriter, r *http.Request, a *access)

// authed refuses a request without a valid session or link (401 with the
// login form, or 403 for a bad link), and a state-changing request from
// another origin or without the CSRF value (403). A refused request changes
// nothing.
func (h *Handler) authed(next authedHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, aerr := h.authenticate(r)
		if aerr != nil {
			h.log.Warn("agent page refused", "path", r.URL.Path, "status", aerr.Status, "remote", r.RemoteAddr)
			if aerr.Status == http.StatusUnauthorized && r.Method == http.MethodGet && !isPart(r) {
				h.renderLogin(w, r, aerr.Status, aerr.Msg, r.URL.RequestURI())
				return
			}
			msg := aerr.Msg
			if msg == "" {
				msg = "Please log in to the agent pages first."
			}
			h.fail(w, r, nil, aerr.Status, msg)
			return
		}
		if id := r.PathValue("id"); !a.allows(id) {
			h.fail(w, r, a, http.StatusForbidden, "This link is for one conversation only.")
			return
		}
		if r.Method == http.MethodPost {
			if err := h.cop.Check(r); err != nil {
				h.log.Warn("cross-origin post refused", "path", r.URL.Path, "remote", r.RemoteAddr)
				h.fail(w, r, a, http.StatusForbidden, "This request came from another site and was refused.")
				return
			}
			if !h.sign.checkCSRF(a.Token, r.PostFormValue("csrf")) {
				h.log.Warn("post without a valid CSRF value refused", "path", r.URL.Path, "remote", r.RemoteAddr)
				h.fail(w, r, a, http.StatusForbidden, "The form was missing its security token or has expired. Reload the page and try again.")
				return
			}
		}
		next(w, r, a)
	}
}

// isPart reports a request for a live fragment (the pages' refresh).
func isPart(r *http.Request) bool { return r.URL.Query().Get("part") != "" }

// SignedLink returns a link token for the agent pages protected by secret
// (HANDOVER_AGENT_UI_SECRET), valid for ttl from now, for every conversation when
// conversation is "": what the install page hands out, for "handover install".
func SignedLink(secret string, ttl time.Duration, conversation string) string {
	return newSigner(secret).sign(claims{Kind: kindLink, Exp: time.Now().Add(ttl).Unix(), Conv: conversation})
}
