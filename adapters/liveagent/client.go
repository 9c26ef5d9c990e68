package liveagent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
)

// rateLimitAttempts bounds how often one request is sent again after 429s.
const rateLimitAttempts = 20

// API selects LiveAgent's REST API version of a call.
type API int

// The two APIs the adapter uses.
const (
	// V3 is /api/v3: JSON bodies, the apikey header.
	V3 API = iota
	// V1 is /api: form-encoded bodies, the apikey parameter, responses
	// wrapped in {"response": ...} and errors possibly with HTTP 200.
	V1
)

func (a API) String() string {
	if a == V1 {
		return "v1"
	}
	return "v3"
}

// APIError is a failed LiveAgent API call (apiclient.APIError): a non-2xx status, or an API
// v1 {"response":{"status":"ERROR","errormessage":...}} body (often with HTTP 200; InBody
// set). API is "v1" or "v3"; Message is the error text LiveAgent returned (v3 "message", v1
// "errormessage") or an excerpt of the body, keys redacted. Errors for 400, 401, 403, 404,
// 422 and every v1 ERROR body match handover.ErrPermanent with errors.Is.
type APIError = apiclient.APIError

// apiError is the APIError of a LiveAgent answer.
func apiError(api API, method, path string, resp *http.Response, message string) *APIError {
	e := apiclient.NewAPIError("liveagent api "+api.String(), method, path, resp)
	e.API, e.Message = api.String(), message
	e.Permanent = apiclient.PermanentStatus(e.Status, http.StatusBadRequest)
	return e
}

// v1Error is the APIError of an API v1 status ERROR body.
func v1Error(method, path string, resp *http.Response, message string) *APIError {
	e := apiError(V1, method, path, resp, message)
	e.InBody, e.Detail, e.Permanent = true, "with status ERROR", true
	return e
}

// notFound reports a 404, or a v1 error that names something not found.
func notFound(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	return e.Status == http.StatusNotFound || (e.InBody && strings.Contains(strings.ToLower(e.Message), "not found"))
}

// requestKind says how a request may be retried (see apiclient.Kind).
type requestKind = apiclient.Kind

const (
	// idempotentRequest: GETs and updates that set state (transfer, ticket
	// update): repeating them is harmless.
	idempotentRequest = apiclient.Idempotent
	// createRequest: a POST that creates a message, a note, a tag or a
	// ticket. LiveAgent has no idempotency key, so it is repeated only when
	// LiveAgent surely did not act: a 429, a 503 or a refused connection,
	// never after a timeout, a reset or a 500.
	createRequest = apiclient.Create
)

// limiterKey carries a request's *Limiter in its context, for PrepareRetry.
type limiterKey struct{}

// Limiter keeps one API key under its per-minute budget (apiclient.Limiter:
// no 60-second window ever holds more requests than LiveAgent allows).
type Limiter = apiclient.Limiter

// NewLimiter returns a limiter for perMinute requests a minute
// (DefaultRateLimit when perMinute is not positive).
func NewLimiter(perMinute int, clock Clock) *Limiter {
	if perMinute <= 0 {
		perMinute = DefaultRateLimit
	}
	return apiclient.NewLimiter(perMinute, clock)
}

// client is the adapter's HTTP side: one retrying client, one limiter per key.
type client struct {
	cfg    Config
	http   *retryablehttp.Client
	v3, v1 *Limiter
	redact apiclient.Redactor
	log    *slog.Logger
}

func newClient(cfg Config, r apiclient.Redactor, logger *slog.Logger) *client {
	c := &client{cfg: cfg, redact: r, log: logger,
		v3: NewLimiter(cfg.RateLimit, cfg.Clock), v1: NewLimiter(cfg.RateLimit, cfg.Clock)}
	h := apiclient.NewClient(apiclient.Options{
		Timeout:      cfg.HTTPTimeout,
		RetryMax:     cfg.RetryMax,
		RetryWaitMax: cfg.RetryWaitMax,
		Observe:      cfg.Observe,
		// 429s are not retried by the client: do waits for them itself, on
		// the limiter's clock.
		CheckRetry: apiclient.NewCheckRetry(false),
		// Failed attempts are warnings, Info lines debug (the adapter
		// reports outcomes).
		Logger: apiclient.Logger{Log: logger, Redactor: r, Prefix: "liveagent http: ", InfoLevel: slog.LevelDebug},
	})
	// Every retry is a request LiveAgent counts: it waits for the limiter too.
	h.PrepareRetry = func(req *http.Request) error {
		if l, ok := req.Context().Value(limiterKey{}).(*Limiter); ok {
			return l.Wait(req.Context())
		}
		return nil
	}
	c.http = h
	return c
}

// call is one API request.
type call struct {
	api    API
	kind   requestKind
	method string
	// path is below /api/v3 (V3) or /api (V1), e.g. "/tickets/abc".
	path  string
	query url.Values
	// form is a V1 body (form-encoded); json is a V3 body.
	form url.Values
	json any
}

// do performs c, waiting for the key's limiter before every attempt and
// for 429s (Retry-After, capped) as often as rateLimitAttempts allows; out
// (if not nil) receives the JSON body, for V1 the value inside "response".
func (c *client) do(ctx context.Context, rq call, out any) error {
	lim, prefix := c.v3, "/api/v3"
	if rq.api == V1 {
		lim, prefix = c.v1, "/api"
	}
	fullPath := prefix + rq.path
	var body []byte
	contentType := ""
	switch {
	case rq.api == V3 && rq.json != nil:
		b, err := json.Marshal(rq.json)
		if err != nil {
			return fmt.Errorf("liveagent api %s: %s %s: encode request: %w", rq.api, rq.method, fullPath, err)
		}
		body, contentType = b, "application/json"
	case rq.api == V1 && (rq.method == http.MethodPost || rq.method == http.MethodPut):
		form := url.Values{}
		for k, v := range rq.form {
			form[k] = v
		}
		form.Set("apikey", c.cfg.APIV1Key)
		body, contentType = []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	q := url.Values{}
	for k, v := range rq.query {
		q[k] = v
	}
	if rq.api == V1 {
		// The v1 key travels as a parameter; some v1 handlers (the
		// attendants PUT) read it from the query string only.
		q.Set("apikey", c.cfg.APIV1Key)
	}
	target := c.cfg.BaseURL + fullPath
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	ctx = context.WithValue(ctx, limiterKey{}, lim)
	for attempt := 1; ; attempt++ {
		if err := lim.Wait(ctx); err != nil {
			return fmt.Errorf("liveagent api %s: %s %s: %w", rq.api, rq.method, fullPath, err)
		}
		req, err := apiclient.NewRequest(ctx, rq.kind, rq.method, target, body, contentType, "handover-liveagent")
		if err != nil {
			return fmt.Errorf("liveagent api %s: %s %s: %s", rq.api, rq.method, fullPath, c.redact.Redact(err.Error()))
		}
		if rq.api == V3 {
			req.Header.Set("apikey", c.cfg.APIKey)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return fmt.Errorf("liveagent api %s: %s %s: %w", rq.api, rq.method, fullPath, c.redact.TransportError(err, true))
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			wait := c.retryAfter(resp, attempt)
			apiclient.Drain(resp.Body)
			if attempt >= rateLimitAttempts {
				return apiError(rq.api, rq.method, fullPath, resp, "still rate limited after "+strconv.Itoa(attempt)+" attempts")
			}
			c.log.WarnContext(ctx, "rate limited by LiveAgent; waiting", "api", rq.api.String(), "path", fullPath, "wait", wait.String(), "attempt", attempt)
			if err := c.cfg.Clock.Sleep(ctx, wait); err != nil {
				return fmt.Errorf("liveagent api %s: %s %s: waiting after 429: %w", rq.api, rq.method, fullPath, err)
			}
			continue
		}
		return c.finish(rq, fullPath, resp, out)
	}
}

// retryAfter is the 429's Retry-After (seconds or an HTTP date), capped at
// RateLimitWaitMax; without one, 1s, 2s, 4s... up to the cap.
func (c *client) retryAfter(resp *http.Response, attempt int) time.Duration {
	limit := c.cfg.RateLimitWaitMax
	if d, ok := apiclient.ParseRetryAfter(resp.Header.Get("Retry-After"), c.cfg.Clock.Now()); ok {
		return max(0, min(d, limit))
	}
	d := time.Second << min(attempt-1, 10)
	return min(d, limit)
}

// finish reads a response: errors become APIError, v1 bodies are unwrapped
// and checked for status ERROR.
func (c *client) finish(rq call, fullPath string, resp *http.Response, out any) error {
	defer apiclient.Drain(resp.Body)
	if !apiclient.Success(resp.StatusCode) {
		return apiError(rq.api, rq.method, fullPath, resp, c.redact.Excerpt(errorText(apiclient.ReadErrorBody(resp, 0))))
	}
	b, err := apiclient.ReadBody(resp.Body)
	if err != nil {
		return fmt.Errorf("liveagent api %s: %s %s: read response: %w", rq.api, rq.method, fullPath, c.redact.TransportError(err, true))
	}
	if rq.api == V1 {
		var env struct {
			Response json.RawMessage `json:"response"`
		}
		if !apiclient.IsEmpty(b) {
			if err := json.Unmarshal(b, &env); err != nil {
				return fmt.Errorf("liveagent api v1: %s %s: decode response: %w", rq.method, fullPath, err)
			}
		}
		var st struct {
			Status       string `json:"status"`
			ErrorMessage string `json:"errormessage"`
		}
		_ = json.Unmarshal(env.Response, &st)
		if strings.EqualFold(st.Status, "ERROR") {
			return v1Error(rq.method, fullPath, resp, c.redact.Redact(st.ErrorMessage))
		}
		b = env.Response
	}
	if out == nil || apiclient.IsEmpty(b) {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("liveagent api %s: %s %s: decode response: %w", rq.api, rq.method, fullPath, err)
	}
	return nil
}

// errorText extracts LiveAgent's error message from an error body: v3
// ErrorResponse {"message"}, v1 {"response":{"errormessage"}}, else the raw
// (bounded) body.
func errorText(b []byte) []byte {
	var v3 struct {
		Message string `json:"message"`
	}
	var v1 struct {
		Response struct {
			ErrorMessage string `json:"errormessage"`
		} `json:"response"`
	}
	if json.Unmarshal(b, &v3) == nil && v3.Message != "" {
		return []byte(v3.Message)
	}
	if json.Unmarshal(b, &v1) == nil && v1.Response.ErrorMessage != "" {
		return []byte(v1.Response.ErrorMessage)
	}
	return b
}
