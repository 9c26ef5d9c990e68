package chatwoot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
)

// APIError is a failed Chatwoot API call (apiclient.APIError). Its text never contains a
// token. Errors for 401, 403, 404 and 422 match handover.ErrPermanent with errors.Is:
// retrying will not fix them.
type APIError = apiclient.APIError

// apiError is the APIError of a non-2xx answer with the (redacted) body excerpt.
func apiError(method, path string, resp *http.Response, excerpt string) *APIError {
	e := apiclient.NewAPIError("chatwoot api", method, path, resp)
	e.Message = excerpt
	e.Permanent = apiclient.PermanentStatus(e.Status)
	return e
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
		PerMinute:    cfg.RequestsPerMinute,
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
		return apiError(method, fullPath, resp, a.redact.Excerpt(apiclient.ReadErrorBody(resp, 0)))
	}
	if out == nil {
		return nil
	}
	if rerr, derr := apiclient.DecodeSuccess(resp.Body, out); rerr != nil {
		return fmt.Errorf("chatwoot api: %s %s: read response: %w", method, fullPath, a.redact.TransportError(rerr, false))
	} else if derr != nil {
		return fmt.Errorf("chatwoot api: %s %s: decode response: %w", method, fullPath, derr)
	}
	return nil
}
