package zendesk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
)

// ErrLocked is matched (errors.Is) by the error of a message post that Sunshine refused with
// 423 Locked: the conversation holds 30,000 messages, its limit, and takes no more. It is
// permanent: nothing is retried.
var ErrLocked = errors.New("conversation is locked: it reached Sunshine Conversations' 30,000-message limit")

// APIError is a non-2xx answer of the Sunshine Conversations or Support API
// (apiclient.APIError; API is "sunshine" or "support"). Its text never contains a key or
// token. 400, 401, 403, 404, 413, 422 and 423 match handover.ErrPermanent with errors.Is:
// retrying does not fix them; 423 also matches ErrLocked.
type APIError = apiclient.APIError

// apiError is the APIError of a Zendesk answer with the (redacted) body excerpt.
func apiError(api api, method, path string, resp *http.Response, excerpt string) *APIError {
	e := apiclient.NewAPIError("zendesk "+api.String()+" api", method, path, resp)
	e.API, e.Message = api.String(), excerpt
	e.Permanent = apiclient.PermanentStatus(e.Status, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusLocked)
	if e.Status == http.StatusLocked {
		e.Sentinel = ErrLocked
	}
	return e
}

// requestKind says how a request may be retried (see apiclient.Kind).
type requestKind = apiclient.Kind

const (
	// idempotentRequest: reads, switchboard actions (passControl to a named integration is
	// idempotent), and ticket creation with an Idempotency-Key.
	idempotentRequest = apiclient.Idempotent
	// createRequest: POST messages. Sunshine has no idempotency key for messages, so it is
	// repeated only when the server surely did not create the message.
	createRequest = apiclient.Create
)

// jitterBackoff waits as the server asks with Retry-After (on 429 and 503, seconds or an HTTP
// date), capped at hi: go-retryablehttp does not cap it (issue #247). Otherwise it waits
// lo·2^attempt with "equal jitter" (a random point in the upper half), capped at hi, so
// replicas that failed together do not retry together.
func jitterBackoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := apiclient.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return max(0, min(d, hi))
		}
	}
	d := lo << min(attempt, 30)
	if d <= 0 || d > hi {
		d = hi
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// newHTTPClient builds the adapter's single retrying client: apiclient's retry policy (429s
// included; 423 Locked and other 4xx are never retried) with jitterBackoff, logging through
// slog with every value redacted.
func newHTTPClient(cfg Config, r apiclient.Redactor, logger *slog.Logger) *retryablehttp.Client {
	return apiclient.NewClient(apiclient.Options{
		Timeout:      cfg.HTTPTimeout,
		RetryMax:     cfg.RetryMax,
		RetryWaitMax: cfg.RetryWaitMax,
		Observe:      cfg.Observe,
		PerMinute:    cfg.RequestsPerMinute,
		Backoff:      jitterBackoff,
		Logger:       apiclient.Logger{Log: logger, Redactor: r, Prefix: "zendesk http: ", StringerDurations: true},
	})
}

// api selects which API and credentials a call uses.
type api int

const (
	sunshineAPI api = iota // <base>/sc, Basic key id : key secret
	supportAPI             // <base>/api/v2, Basic <email>/token : api token
)

func (a api) String() string {
	if a == supportAPI {
		return "support"
	}
	return "sunshine"
}

// request is one API call.
type request struct {
	api    api
	kind   requestKind
	method string
	path   string // below /sc or below the base URL for Support ("/api/v2/…")
	in     any    // JSON body, or nil
	out    any    // decoded success body, or nil to discard
	// idempotencyKey is sent as Idempotency-Key (Support API ticket creation).
	idempotencyKey string
}

// call performs one API call.
func (a *Adapter) call(ctx context.Context, rq request) error {
	fullPath := rq.path
	if rq.api == sunshineAPI {
		fullPath = "/sc" + rq.path
	}
	var body []byte
	if rq.in != nil {
		var err error
		if body, err = json.Marshal(rq.in); err != nil {
			return fmt.Errorf("zendesk %s api: %s %s: encode request: %w", rq.api, rq.method, fullPath, err)
		}
	}
	req, err := apiclient.NewRequest(ctx, rq.kind, rq.method, a.cfg.BaseURL+fullPath, body, "application/json", "handover-zendesk")
	if err != nil {
		return fmt.Errorf("zendesk %s api: %s %s: %s", rq.api, rq.method, fullPath, a.redact.Redact(err.Error()))
	}
	if rq.api == supportAPI {
		req.SetBasicAuth(a.cfg.Email+"/token", a.cfg.APIToken)
	} else {
		req.SetBasicAuth(a.cfg.KeyID, a.cfg.KeySecret)
	}
	if rq.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", rq.idempotencyKey)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("zendesk %s api: %s %s: %w", rq.api, rq.method, fullPath, a.redact.TransportError(err, false))
	}
	defer apiclient.Drain(resp.Body)
	if !apiclient.Success(resp.StatusCode) {
		return apiError(rq.api, rq.method, fullPath, resp, a.redact.Excerpt(apiclient.ReadErrorBody(resp, 0)))
	}
	if rq.out == nil {
		return nil
	}
	if rerr, derr := apiclient.DecodeSuccess(resp.Body, rq.out); rerr != nil {
		return fmt.Errorf("zendesk %s api: %s %s: read response: %w", rq.api, rq.method, fullPath, a.redact.TransportError(rerr, false))
	} else if derr != nil {
		return fmt.Errorf("zendesk %s api: %s %s: decode response: %w", rq.api, rq.method, fullPath, derr)
	}
	return nil
}
