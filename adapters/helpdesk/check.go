package helpdesk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/handover-dev/handover/internal/netdiag"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// What the adapters share to validate their settings and to check, at start, that the helpdesk
// is reachable and takes the credentials.

// BaseURLProblem checks the base URL of an HTTP API set in the variable name: "" when it is
// usable, else one line "<name>: <what is wrong and how to fix it>". An empty value is
// reported with unset ("set the Chatwoot base URL, e.g. https://app.chatwoot.com"), or
// accepted when unset is "" (an optional variable). Surrounding white space is ignored (the
// adapters trim it). A value holding credentials is never repeated.
func BaseURLProblem(name, value, unset string) string {
	v := strings.TrimSpace(value)
	if v == "" {
		if unset == "" {
			return ""
		}
		return name + ": " + unset
	}
	if p := urlProblem(v); p != "" {
		return name + ": " + p
	}
	return ""
}

// urlProblem says what is wrong with a trimmed, non-empty base URL, or "".
func urlProblem(v string) string {
	show := strconv.Quote(v)
	if strings.Contains(v, "@") {
		// user:password@host: never repeat it.
		return "must not contain credentials (user:password@); write the scheme, host and any path prefix alone"
	}
	if !strings.Contains(v, "://") {
		scheme := "https://"
		if host, _, _ := strings.Cut(v, "/"); isLocal(host) {
			scheme = "http://"
		}
		return fmt.Sprintf("%s lacks a scheme: use %s%s", show, scheme, v)
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return fmt.Sprintf("%s is not a URL such as https://host.example.com", show)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("%s: use http:// or https://, not %s://", show, u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Sprintf("%s has no host; write one such as https://host.example.com", show)
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(v, "?"):
		return fmt.Sprintf("%s must not contain a query or a fragment (?... #...); keep the scheme, host and any path prefix", show)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("%s: the port must be a number from 1 to 65535", show)
		}
	}
	return ""
}

// isLocal reports a host (with or without port) on this machine, which rarely speaks TLS.
func isLocal(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Checker is an optional capability of an Adapter, discovered by interface: Check makes one
// cheap authenticated request (or one per API and credential) and reports whether the
// helpdesk is reachable at the configured URL and takes the credentials. The service checks
// at start and, until it passes, again every so often; /readyz fails meanwhile. The error is a
// *CheckError where the adapter knows what to fix.
type Checker interface {
	Check(ctx context.Context) error
}

// CheckError is a failed check in one line: what went wrong, where, what the helpdesk said,
// and what to fix. Its text never holds a credential or a query string.
type CheckError struct {
	// Problem is "401 Unauthorized", "connection refused", "no answer within 10s"...
	Problem string
	// At is "GET /api/v1/accounts/1/agents" for an answer, or the URL (scheme, host, path)
	// when nothing answered.
	At string
	// Detail is the helpdesk's own message, if any (credentials redacted).
	Detail string
	// Fix says what to check, e.g. "check HANDOVER_CHATWOOT_USER_TOKEN".
	Fix string
	// Status is the HTTP status, 0 when nothing answered.
	Status int
	// Err is the transport error, if any.
	Err error
}

// Error implements error: "<problem> at <where> (<detail>): <fix>".
func (e *CheckError) Error() string { return netdiag.Sentence(e.Problem, e.At, e.Detail, e.Fix) }

// Unwrap returns the transport error.
func (e *CheckError) Unwrap() error { return e.Err }

// Probe is one GET of a check (CheckGET).
type Probe struct {
	// Client sends the request once (no retries): the adapter's *http.Client, so the request
	// is observed and counted like the others. Nil means a client with a 10 s timeout.
	Client *http.Client
	// URL is the absolute URL. Its query may hold a key: it is never printed.
	URL    string
	Header http.Header
	// URLVar names the variable(s) of the base URL, for when nothing answers or the path is
	// unknown, e.g. "HANDOVER_CHATWOOT_URL".
	URLVar string
	// Credentials names the variable(s) of the credentials the request carries, for 401 and
	// 403, e.g. "HANDOVER_CHATWOOT_USER_TOKEN".
	Credentials string
	// Judge, optional, decides about an answer: ok when it proves the URL and the
	// credentials; otherwise fix, if not "", replaces the usual advice and detail, if not "",
	// the message read from the body. Nil accepts a 2xx JSON answer.
	Judge func(status int, body []byte) (ok bool, fix, detail string)
	// Redact removes credentials from the helpdesk's message; nil keeps it.
	Redact func(string) string
}

// maxCheckBody bounds how much of an answer a check reads.
const maxCheckBody = 64 << 10

// CheckGET sends the probe once and returns nil when the answer proves the URL and the
// credentials, else a *CheckError. A 429 counts as reachable: the credentials are then
// exercised by the traffic, whose retries honour the limit.
func CheckGET(ctx context.Context, p Probe) error {
	u, err := url.Parse(p.URL)
	if err != nil {
		return &CheckError{Problem: "not a URL", Fix: "check " + p.URLVar, Err: err}
	}
	shown := PlainURL(u)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		return &CheckError{Problem: "not a URL", At: shown, Fix: "check " + p.URLVar, Err: err}
	}
	for k, vs := range p.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return &CheckError{Problem: DescribeNetError(ctx, err), At: shown, Fix: "check " + p.URLVar + " and that the helpdesk is reachable from here", Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxCheckBody))
	status := resp.StatusCode
	redact := p.Redact
	if redact == nil {
		redact = func(s string) string { return s }
	}
	detail, fix := "", ""
	ok := false
	if p.Judge != nil {
		ok, fix, detail = p.Judge(status, body)
	} else {
		ok = status >= 200 && status <= 299 && LooksLikeJSON(body)
		if status >= 200 && status <= 299 && !ok {
			fix = "check " + p.URLVar + ": it answers, but not with the helpdesk's API"
			detail = "not JSON"
		}
	}
	if ok || status == http.StatusTooManyRequests {
		return nil
	}
	if detail == "" {
		detail = ErrorMessage(body)
	}
	if fix == "" {
		fix = StatusFix(status, p.URLVar, p.Credentials)
	}
	problem := StatusText(status)
	if status >= 200 && status <= 299 { // an error inside a success, or not the API at all
		problem = "refused"
		if detail == "not JSON" {
			problem, detail = "answer is not JSON", ""
		}
	}
	return &CheckError{Problem: problem, At: http.MethodGet + " " + u.EscapedPath(), Detail: clip(redact(detail)), Fix: fix, Status: status}
}

// StatusText is "401 Unauthorized".
func StatusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return strconv.Itoa(status) + " " + t
	}
	return "HTTP " + strconv.Itoa(status)
}

// StatusFix is the usual advice for a failed answer: the credentials for 401 and 403, the URL
// otherwise.
func StatusFix(status int, urlVar, credentials string) string {
	switch {
	case status == http.StatusUnauthorized:
		return "check " + credentials
	case status == http.StatusForbidden:
		return "check " + credentials + " and the permissions of its user or role"
	case status >= 500:
		return "the helpdesk failed; check that it runs at " + urlVar
	case status >= 300 && status < 400:
		return "check " + urlVar + ": it redirects elsewhere (http:// instead of https://, or a wrong path?)"
	}
	return "check " + urlVar
}

// PlainURL is u without credentials, query or fragment: what a check may print.
func PlainURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment, c.ForceQuery = nil, "", "", false
	return c.String()
}

// LooksLikeJSON reports a body that starts like a JSON object or array.
func LooksLikeJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// ErrorMessage reads a helpdesk's error message from a JSON body, in the usual shapes:
// {"message"}, {"error": "..." | {"message"}}, {"errors": ["..." | {"message"|"title"}]},
// {"description"}; "" when there is none.
func ErrorMessage(body []byte) string {
	var v map[string]any
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	text := func(x any) string {
		switch t := x.(type) {
		case string:
			return t
		case map[string]any:
			for _, k := range []string{"message", "title", "detail", "description", "errormessage"} {
				if s, ok := t[k].(string); ok && s != "" {
					return s
				}
			}
		}
		return ""
	}
	for _, k := range []string{"message", "error", "errors", "description", "response"} {
		switch x := v[k].(type) {
		case []any:
			if len(x) > 0 {
				if s := text(x[0]); s != "" {
					return s
				}
			}
		default:
			if s := text(x); s != "" {
				return s
			}
		}
	}
	return ""
}

// clip keeps a message to one short line.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// DescribeNetError says in a few words why a request got no answer: "connection refused",
// "no such host example.invalid", "no answer within 10s", "TLS certificate not trusted"...
// The text never holds the URL.
func DescribeNetError(ctx context.Context, err error) string { return netdiag.Describe(ctx, err) }
