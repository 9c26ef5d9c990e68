package apiclient

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/handover-dev/handover/handover"
)

// MaxErrorBody is how much of an error response body an APIError keeps.
const MaxErrorBody = 512

// APIError is a failed helpdesk API call: a non-2xx answer, or a 2xx whose body reports an
// error (LiveAgent API v1, Libredesk's envelope). Its text never holds a credential: Message
// is redacted by the adapter that builds it, and Path is never the host or a query with a
// key. errors.Is(err, handover.ErrPermanent) holds when Permanent is set, and errors.Is(err,
// Sentinel) when there is one.
type APIError struct {
	// Service names the API at the start of the text, e.g. "chatwoot api", "liveagent api v3",
	// "zendesk sunshine api".
	Service string
	// API tells a vendor's APIs apart where it has several ("v1", "v3", "sunshine",
	// "support"); "" otherwise.
	API    string
	Method string
	Path   string // the request path (and query), never the host or a credential
	Status int
	// Message is the error text the API returned, or an excerpt of the body (see Excerpt),
	// credentials redacted.
	Message string
	// ErrorType is the API's machine-readable error type when it gives one (Libredesk's
	// error_type).
	ErrorType string
	// Detail qualifies the status in the text, e.g. "with status ERROR".
	Detail string
	// InBody marks an error the API reported in a 2xx body.
	InBody bool
	// RetryAfter is the response's Retry-After (0 if none or invalid).
	RetryAfter time.Duration
	// Permanent is set when retrying cannot succeed (see PermanentStatus).
	Permanent bool
	// Sentinel, when set, is named in the text and matched by errors.Is, e.g. Zendesk's
	// ErrLocked for 423.
	Sentinel error
}

// NewAPIError returns the APIError of a response: its status and Retry-After. The caller
// fills in Message and Permanent.
func NewAPIError(service, method, path string, resp *http.Response) *APIError {
	e := &APIError{Service: service, Method: method, Path: path}
	if resp != nil {
		e.Status = resp.StatusCode
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && d > 0 {
			e.RetryAfter = d
		}
	}
	return e
}

// Error implements error: "<service>: <method> <path>: HTTP <status>[ <detail>][:
// <sentinel>][: <message>[ (<error type>)]]".
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s: HTTP %d", e.Service, e.Method, e.Path, e.Status)
	if e.Detail != "" {
		b.WriteString(" " + e.Detail)
	}
	if e.Sentinel != nil {
		b.WriteString(": " + e.Sentinel.Error())
	}
	msg := strings.TrimSpace(e.Message)
	if e.ErrorType != "" {
		msg = strings.TrimSpace(msg + " (" + e.ErrorType + ")")
	}
	if msg != "" {
		b.WriteString(": " + msg)
	}
	return b.String()
}

// Unwrap returns handover.ErrPermanent for a permanent error and the Sentinel, so errors.Is
// finds both.
func (e *APIError) Unwrap() []error {
	var out []error
	if e.Permanent {
		out = append(out, handover.ErrPermanent)
	}
	if e.Sentinel != nil {
		out = append(out, e.Sentinel)
	}
	return out
}

// Temporary reports whether retrying the call later may succeed.
func (e *APIError) Temporary() bool { return !e.Permanent }

// PermanentStatus reports a status that retrying never fixes: 401, 403, 404 and 422 for
// every helpdesk, and the vendor's own extra statuses (400, 409, 413, 423...).
func PermanentStatus(status int, extra ...int) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity:
		return true
	}
	for _, s := range extra {
		if s == status {
			return true
		}
	}
	return false
}

// IsNotFound reports whether err holds an APIError with status 404.
func IsNotFound(err error) bool {
	return HasStatus(err, http.StatusNotFound)
}

// HasStatus reports whether err holds an APIError with the status.
func HasStatus(err error, status int) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == status
}

// ReadErrorBody reads at most limit bytes of a failed response's body (4 KiB for limit <= 0:
// enough to parse an error envelope and to redact a secret that straddles MaxErrorBody).
func ReadErrorBody(resp *http.Response, limit int64) []byte {
	if limit <= 0 {
		limit = 4 << 10
	}
	if resp == nil || resp.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, limit))
	return b
}

// Excerpt is a bounded, redacted excerpt of an error body for APIError.Message: secrets
// removed first (so none is cut in half), then trimmed to at most MaxErrorBody bytes, cut at a
// rune boundary.
func (r Redactor) Excerpt(b []byte) string {
	s := strings.TrimSpace(r.Redact(string(b)))
	if len(s) > MaxErrorBody {
		cut := MaxErrorBody
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = strings.TrimSpace(s[:cut])
	}
	return s
}
