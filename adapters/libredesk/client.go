package libredesk

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
)

// APIError is a non-2xx answer of the Libredesk API, or a 2xx whose envelope says
// "status":"error" (InBody) (apiclient.APIError). Message and ErrorType are the envelope's
// "message" and "error_type"; its text never contains a key or secret. Errors for 400, 401,
// 403, 404, 409 and 422 match handover.ErrPermanent with errors.Is: retrying will not fix them.
type APIError = apiclient.APIError

// apiError is the APIError of a Libredesk answer.
func apiError(method, path string, resp *http.Response, message, errorType string) *APIError {
	e := apiclient.NewAPIError("libredesk api", method, path, resp)
	e.Message, e.ErrorType = message, errorType
	e.Permanent = apiclient.PermanentStatus(e.Status, http.StatusBadRequest, http.StatusConflict)
	return e
}

// requestKind says how a request may be retried (see apiclient.Kind).
type requestKind = apiclient.Kind

const (
	// idempotentRequest: GETs and PUTs/POSTs that set state (assignee, team, status, the whole
	// tag list): repeating them is harmless.
	idempotentRequest = apiclient.Idempotent
	// createRequest: POST messages (and tags). Libredesk has no idempotency key, so it is
	// repeated only when the server surely did not create anything.
	createRequest = apiclient.Create
)

// newHTTPClient builds the adapter's single retrying client: apiclient's retry policy (429s
// included) and capped backoff, logging through slog with every value redacted.
func newHTTPClient(cfg Config, r apiclient.Redactor, logger *slog.Logger) *retryablehttp.Client {
	return apiclient.NewClient(apiclient.Options{
		Timeout:      cfg.HTTPTimeout,
		RetryMax:     cfg.RetryMax,
		RetryWaitMax: cfg.RetryWaitMax,
		Observe:      cfg.Observe,
		PerMinute:    cfg.RequestsPerMinute,
		Logger:       apiclient.Logger{Log: logger, Redactor: r, Prefix: "libredesk http: ", StringerDurations: true},
	})
}

// envelope is fastglue's response envelope.
type envelope struct {
	Status    flexString      `json:"status"`
	Message   flexString      `json:"message"`
	ErrorType flexString      `json:"error_type"`
	Data      json.RawMessage `json:"data"`
}

// call performs one API call: method and path below the base URL, JSON in (nil for none) and
// the envelope's data decoded into out (nil to discard). Authentication is
// "Authorization: token <api_key>:<api_secret>" (cmd/middlewares.go authenticateUser;
// fastglue ParseAuthHeader with AuthToken).
func (a *Adapter) call(ctx context.Context, kind requestKind, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("libredesk api: %s %s: encode request: %w", method, path, err)
		}
	}
	req, err := apiclient.NewRequest(ctx, kind, method, a.cfg.BaseURL+path, body, "application/json", "handover-libredesk")
	if err != nil {
		return fmt.Errorf("libredesk api: %s %s: %s", method, path, a.redact.Redact(err.Error()))
	}
	req.Header.Set("Authorization", "token "+a.cfg.APIKey+":"+a.cfg.APISecret)

	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("libredesk api: %s %s: %w", method, path, a.redact.TransportError(err, false))
	}
	defer apiclient.Drain(resp.Body)
	if !apiclient.Success(resp.StatusCode) {
		b := apiclient.ReadErrorBody(resp, 0)
		var env envelope
		if json.Unmarshal(b, &env) == nil && (env.Message != "" || env.ErrorType != "") {
			return apiError(method, path, resp, a.redact.Redact(string(env.Message)), string(env.ErrorType))
		}
		return apiError(method, path, resp, a.redact.Excerpt(b), "")
	}
	b, err := apiclient.ReadBody(resp.Body)
	if err != nil {
		return fmt.Errorf("libredesk api: %s %s: read response: %w", method, path, a.redact.TransportError(err, false))
	}
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("libredesk api: %s %s: decode response envelope: %w", method, path, err)
	}
	if string(env.Status) == "error" {
		e := apiError(method, path, resp, a.redact.Redact(string(env.Message)), string(env.ErrorType))
		e.InBody = true
		return e
	}
	if out == nil || apiclient.IsEmpty(env.Data) {
		return nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("libredesk api: %s %s: decode response data: %w", method, path, err)
	}
	return nil
}
