package simnet

import (
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Call is one entry of an API call log.
type Call struct {
	Method string
	Path   string // URL path without the query
	Query  string // raw query, if any (a dialect may redact it)
	Token  string // the dialect's name for the credential presented ("bot", "key", "invalid"…); "" for none
	Status int    // 0 when the connection was dropped by a fault
	Body   string // request body (a dialect may redact it)
	// Version is the API version the request named, for vendors that have one in a header
	// (Intercom-Version); "" otherwise.
	Version string
}

// NewCall returns the log entry of r: its method, path, raw query and body.
func NewCall(r *http.Request, body []byte) Call {
	return Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body)}
}

// ReadBody reads and closes the request body, keeping at most limit bytes.
func ReadBody(r *http.Request, limit int64) []byte {
	body, _ := io.ReadAll(io.LimitReader(r.Body, limit))
	_ = r.Body.Close()
	return body
}

// Responses writes a dialect's answers to the injected API faults.
type Responses struct {
	// TooMany writes the 429 (the dialect's rate limiter's answer). The middleware has already
	// set Retry-After when the Faults name one.
	TooMany func(w http.ResponseWriter)
	// ServerError writes the 500.
	ServerError func(w http.ResponseWriter)
}

// Middleware is a fault-injecting, call-logging HTTP middleware for one simulated API: it logs
// every request it serves with the status answered, and applies the Injector's faults (delay,
// dropped connection, 429 with Retry-After, 500) before the dialect's handler runs. A dialect
// with two APIs may give each its own Middleware (its own call log) on one Injector.
type Middleware struct {
	in *Injector

	mu    sync.Mutex
	calls []Call
}

// NewMiddleware returns a Middleware with an empty call log, drawing faults from in.
func NewMiddleware(in *Injector) *Middleware { return &Middleware{in: in} }

// Calls returns a copy of the call log.
func (m *Middleware) Calls() []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.calls)
}

// ResetCalls empties the call log.
func (m *Middleware) ResetCalls() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = nil
}

// Serve serves one request: it draws the faults and waits the Delay (a request cancelled
// meanwhile is logged with status 0), then drops the connection, answers 429 or 500 with resp,
// or calls next. call is appended to the log when Serve returns, with the status answered; next
// may still change it (a Token known only after authentication). Dialects build call before
// Serve (NewCall, ReadBody) so that a faulted request is logged with its token and redactions.
func (m *Middleware) Serve(w http.ResponseWriter, r *http.Request, call *Call, resp Responses, next func(w http.ResponseWriter)) {
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		call.Status = sw.status
		m.mu.Lock()
		m.calls = append(m.calls, *call)
		m.mu.Unlock()
	}()
	d := m.in.drawAPI()
	if d.f.Delay > 0 {
		select {
		case <-time.After(d.f.Delay):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case d.drop:
		dropConnection(w)
		return
	case d.tooMany:
		if d.f.RetryAfter > 0 {
			sw.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.f.RetryAfter.Seconds()))))
		}
		resp.TooMany(sw)
		return
	case d.fail:
		resp.ServerError(sw)
		return
	}
	next(sw)
}

// statusWriter records the status code for the call log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Not hijackable (HTTP/2): abort the response, which net/http turns into a reset stream.
	panic(http.ErrAbortHandler)
}
