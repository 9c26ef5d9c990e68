package agentui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Access to the agent pages is stateless, so that every replica behind a
// load balancer accepts what any other issued:
//
//   - a session cookie, set by the login form (the shared secret) or by an
//     unscoped signed link, holding a signed token with an expiry;
//   - a signed link: the same kind of token in the query parameter k, for
//     embedding in a helpdesk, where third-party cookies are not sent.
//
// A token is base64url(JSON claims) "." base64url(HMAC-SHA256). The MAC key
// and the CSRF key are derived from the secret, so rotating
// HANDOVER_AGENT_UI_SECRET revokes every session and link at once.

// Token kinds.
const (
	kindSession = "s" // a login session (cookie)
	kindLink    = "l" // a signed link (query parameter k)
)

// cookieName is the session cookie.
const cookieName = "handover_agent"

// linkParam is the query parameter carrying a signed link token.
const linkParam = "k"

// claims is what a token says.
type claims struct {
	Kind string `json:"t"`
	// Exp is the expiry, unix seconds.
	Exp int64 `json:"e"`
	// Conv limits a link to one conversation ("" = every page).
	Conv string `json:"c,omitempty"`
	// Nonce makes every token unique.
	Nonce string `json:"n"`
}

// Token verification errors.
var (
	errMalformed = errors.New("not a handover agent-page token")
	errForged    = errors.New("the signature does not match (forged, or signed with another secret)")
	errExpired   = errors.New("expired")
	errWrongKind = errors.New("not valid here")
)

// signer signs and verifies tokens and CSRF values.
type signer struct {
	tokenKey []byte
	csrfKey  []byte
}

func newSigner(secret string) signer {
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte("handover agent pages v1: " + purpose))
		return m.Sum(nil)
	}
	return signer{tokenKey: derive("token"), csrfKey: derive("csrf")}
}

var b64 = base64.RawURLEncoding

func (s signer) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.tokenKey)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// sign returns a token for c.
func (s signer) sign(c claims) string {
	if c.Nonce == "" {
		n := make([]byte, 9)
		_, _ = rand.Read(n)
		c.Nonce = b64.EncodeToString(n)
	}
	raw, _ := json.Marshal(c)
	payload := b64.EncodeToString(raw)
	return payload + "." + b64.EncodeToString(s.mac(payload))
}

// verify checks a token's signature, kind and expiry.
func (s signer) verify(token, kind string, now time.Time) (claims, error) {
	var c claims
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || payload == "" || sig == "" || len(token) > 2048 {
		return c, errMalformed
	}
	got, err := b64.DecodeString(sig)
	if err != nil {
		return c, errMalformed
	}
	if !hmac.Equal(got, s.mac(payload)) {
		return c, errForged
	}
	raw, err := b64.DecodeString(payload)
	if err != nil || json.Unmarshal(raw, &c) != nil {
		return c, errMalformed
	}
	if c.Kind != kind {
		return c, errWrongKind
	}
	if now.Unix() >= c.Exp {
		return c, fmt.Errorf("%w on %s", errExpired, time.Unix(c.Exp, 0).UTC().Format("2006-01-02 15:04 MST"))
	}
	return c, nil
}

// csrf is the CSRF value for a session or link token: an HMAC of it, so any
// replica can check it without storing anything.
func (s signer) csrf(token string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(token))
	return b64.EncodeToString(m.Sum(nil))
}

// checkCSRF compares a submitted CSRF value in constant time.
func (s signer) checkCSRF(token, submitted string) bool {
	want := s.csrf(token)
	return submitted != "" && subtle.ConstantTimeCompare([]byte(want), []byte(submitted)) == 1
}

// secretEqual compares the login form's secret in constant time (lengths
// are hashed away first).
func secretEqual(given, secret string) bool {
	a := sha256.Sum256([]byte(given))
	b := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1 && given != ""
}

// access is how a request is authenticated.
type access struct {
	// Via is "cookie" or "link".
	Via string
	// Token is the session or link token (the CSRF value derives from it).
	Token string
	// Conv limits a link to one conversation ("" = any).
	Conv string
	// Exp is when the token expires.
	Exp time.Time
}

// allows reports whether a may see conversation id ("" = the overview and
// other pages not about one conversation).
func (a *access) allows(id string) bool {
	return a.Conv == "" || a.Conv == id
}

// authError is why a request is refused: 401 when no credential was given
// (or the session cookie is no longer valid), 403 when a signed link is
// invalid or does not cover the page.
type authError struct {
	Status int
	Msg    string
}

func (e *authError) Error() string { return e.Msg }

// authenticate reads a signed link (query parameter k, which wins) or the
// session cookie.
func (h *Handler) authenticate(r *http.Request) (*access, *authError) {
	now := h.now()
	if k := r.URL.Query().Get(linkParam); k != "" {
		c, err := h.sign.verify(k, kindLink, now)
		if err != nil {
			return nil, &authError{http.StatusForbidden, linkInvalid(err)}
		}
		return &access{Via: "link", Token: k, Conv: c.Conv, Exp: time.Unix(c.Exp, 0)}, nil
	}
	ck, err := r.Cookie(cookieName)
	if err != nil || ck.Value == "" {
		return nil, &authError{http.StatusUnauthorized, ""}
	}
	c, verr := h.sign.verify(ck.Value, kindSession, now)
	if verr != nil {
		return nil, &authError{http.StatusUnauthorized, sessionInvalid(verr)}
	}
	return &access{Via: "cookie", Token: ck.Value, Exp: time.Unix(c.Exp, 0)}, nil
}

// secretChanged says in plain words what a token signed with another secret means and how to get
// back in. "handover sandbox" keeps its secret across restarts, unless its cache file is gone or
// HANDOVER_AGENT_UI_SECRET changed.
const secretChanged = "The agent pages secret (HANDOVER_AGENT_UI_SECRET) has changed since this was issued: handover was restarted with a new secret. " +
	"Log in again with the current secret, or open a new login link. Running handover sandbox? Its restart printed a new link in the terminal: use it."

// sessionInvalid is the login page's message for a session cookie that no longer verifies.
func sessionInvalid(err error) string {
	if errors.Is(err, errForged) {
		return "Your session is no longer valid. " + secretChanged
	}
	return "Your session is no longer valid (" + err.Error() + "). Please log in again."
}

// linkInvalid is the message for a signed link that does not verify.
func linkInvalid(err error) string {
	if errors.Is(err, errForged) {
		return "This link is not valid any more. " + secretChanged
	}
	return "This link is not valid: " + err.Error() + ". Ask your administrator for a new one."
}

// setSession sets the session cookie: HttpOnly, SameSite=Lax (a link from
// the helpdesk to the pages keeps the session; a cross-site POST does not
// carry it), Secure when the pages are served over HTTPS, path /agent/.
func (h *Handler) setSession(w http.ResponseWriter, r *http.Request, exp time.Time) {
	tok := h.sign.sign(claims{Kind: kindSession, Exp: exp.Unix()})
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: tok, Path: "/agent/", Expires: exp, MaxAge: int(time.Until(exp).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r),
	})
}

func (h *Handler) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/agent/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r)})
}

// secure reports whether the pages are reached over HTTPS (directly, behind
// a TLS-terminating proxy, or by the configured public URL).
func (h *Handler) secure(r *http.Request) bool {
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		return true
	}
	return strings.HasPrefix(h.opts.PublicURL, "https://")
}

// localPath accepts a redirect target only when it is a path on this site.
func localPath(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	return u.String()
}
