package chatwoot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/handover"
)

// maxErrorBody is how much of an error response APIError keeps.
const maxErrorBody = 512

// maxResponseBody bounds a success body we decode.
const maxResponseBody = 16 << 20

// APIError is a non-2xx answer of the Chatwoot API. Its message never
// contains a token. Errors for 401, 403, 404 and 422 match
// handover.ErrPermanent with errors.Is: retrying will not fix them.
type APIError struct {
	Method string
	Path   string // the request path (and query), never the host or a token
	Status int
	Body   string // the first 512 bytes of the response body, tokens redacted
}

// Error implements error.
func (e *APIError) Error() string {
	body := strings.TrimSpace(e.Body)
	if body == "" {
		return fmt.Sprintf("chatwoot api: %s %s: HTTP %d", e.Method, e.Path, e.Status)
	}
	return fmt.Sprintf("chatwoot api: %s %s: HTTP %d: %s", e.Method, e.Path, e.Status, body)
}

// Permanent reports whether retrying the request cannot succeed.
func (e *APIError) Permanent() bool {
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// Is makes errors.Is(err, handover.ErrPermanent) true for permanent statuses.
func (e *APIError) Is(target error) bool {
	return target == handover.ErrPermanent && e.Permanent()
}

// Unwrap returns handover.ErrPermanent for permanent statuses, else nil.
func (e *APIError) Unwrap() error {
	if e.Permanent() {
		return handover.ErrPermanent
	}
	return nil
}

// requestKind says how a request may be retried (see apiclient.Kind).
type requestKind = apiclient.Kind

const (
	// idempotentRequest: GETs and POSTs that set state (custom_attributes,
	// labels, toggle_status, assignments): repeating them is harmless.
	idempotentRequest = apiclient.Idempotent
	// createRequest: POST messages. Chatwoot has no idempotency key, so it
	// is repeated only when the server surely did not create the message.
	createRequest = apiclient.Create
)

// newHTTPClient builds the adapter's single retrying client: apiclient's
// retry policy (429s included) and capped backoff, logging through slog with
// every value redacted, so neither a token nor the webhook secret reaches a
// log line.
func newHTTPClient(cfg Config, r apiclient.Redactor, logger *slog.Logger) *retryablehttp.Client {
	return apiclient.NewClient(apiclient.Options{
		Timeout:      cfg.HTTPTimeout,
		RetryMax:     cfg.RetryMax,
		RetryWaitMax: cfg.RetryWaitMax,
		Observe:      cfg.Observe,
		Logger:       apiclient.Logger{Log: logger, Redactor: r, Prefix: "chatwoot http: ", StringerDurations: true},
	})
}

// token selects which credential a call uses.
type token int

const (
	botToken  token = iota // the agent bot's access_token
	userToken              // the administrator's token
)

// call performs one API call: method and path below
// /api/v1/accounts/{account}, JSON in (nil for none) and out (nil to
// discard). Authentication is the api_access_token header
// (app/controllers/concerns/access_token_auth_helper.rb).
func (a *Adapter) call(ctx context.Context, kind requestKind, tok token, method, path string, in, out any) error {
	fullPath := fmt.Sprintf("/api/v1/accounts/%d%s", a.cfg.AccountID, path)
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("chatwoot api: %s %s: encode request: %w", method, fullPath, err)
		}
	}
	req, err := apiclient.NewRequest(ctx, kind, method, a.cfg.BaseURL+fullPath, body, "application/json", "handover-chatwoot")
	if err != nil {
		return fmt.Errorf("chatwoot api: %s %s: %s", method, fullPath, a.redact.Redact(err.Error()))
	}
	if tok == userToken {
		req.Header.Set("api_access_token", a.cfg.UserToken)
	} else {
		req.Header.Set("api_access_token", a.cfg.BotToken)
	}

	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("chatwoot api: %s %s: %w", method, fullPath, a.redact.TransportError(err, false))
	}
	defer apiclient.Drain(resp.Body)
	if !apiclient.Success(resp.StatusCode) {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return &APIError{Method: method, Path: fullPath, Status: resp.StatusCode, Body: a.redact.Redact(string(b))}
	}
	if out == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return fmt.Errorf("chatwoot api: %s %s: read response: %w", method, fullPath, a.redact.TransportError(err, false))
	}
	if apiclient.IsEmpty(b) {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("chatwoot api: %s %s: decode response: %w", method, fullPath, err)
	}
	return nil
}
