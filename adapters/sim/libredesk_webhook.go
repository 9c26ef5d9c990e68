package sim

// Libredesk's webhooks (internal/webhook/webhook.go, v2.7.0): an in-memory queue drained by
// workers, one POST per event and webhook, no retries, no delivery log, no ordering guarantee.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// ldEvent is one webhook body, serialised when the event happened (TriggerEvent enqueues the
// payload; marshalDeliveryPayload wraps it).
type ldEvent struct {
	name string
	body []byte
}

// event queues a webhook if the webhook subscribes to name. The body is
// {"event", "payload", "timestamp"}: a Go map, so the keys come out sorted, as Libredesk's
// json.Marshal(map[string]any{...}) does; timestamp is RFC 3339 in whole seconds.
func (t *ldTx) event(name string, payload any) {
	l := t.l
	if !l.st.events[name] {
		return
	}
	body, err := json.Marshal(map[string]any{
		"event":     name,
		"timestamp": time.Now().UTC().Format(time.RFC3339),
		"payload":   payload,
	})
	if err != nil {
		l.s.log.Error("marshal libredesk webhook", "event", name, "err", err)
		return
	}
	t.events = append(t.events, ldEvent{name: name, body: body})
}

// dispatchLocked starts one delivery goroutine per event (Libredesk's worker pool: events are
// taken from the queue by several workers, so they arrive in no guaranteed order; the
// WebhookJitter fault makes that visible). Callers hold s.mu.
func (l *Libredesk) dispatchLocked(evs []ldEvent) {
	s := l.s
	target, secret := l.st.webhookURL, l.st.secret
	if s.closed || target == "" {
		return
	}
	for _, ev := range evs {
		copies := 1
		if s.roll(s.faults.DuplicateWebhookRate) {
			copies = 2
		}
		for i := range copies {
			var jitter time.Duration
			if s.faults.WebhookJitter > 0 {
				jitter = time.Duration(s.rng.Int64N(int64(s.faults.WebhookJitter)))
			}
			if s.inflight == 0 {
				s.idle = make(chan struct{})
			}
			s.inflight++
			s.wg.Add(1)
			go l.deliver(ev, target, secret, jitter, i > 0)
		}
	}
}

// deliver makes the one attempt Libredesk makes: a failure is logged and dropped.
func (l *Libredesk) deliver(ev ldEvent, target, secret string, jitter time.Duration, dup bool) {
	s := l.s
	defer s.wg.Done()
	defer s.deliveryDone()
	ctx := s.baseCtx
	if jitter > 0 && !sleepCtx(ctx, jitter) {
		return
	}
	status, err := l.post(ctx, target, secret, ev.body)
	d := LibredeskDelivery{Event: ev.name, Status: status, Signed: secret != "", Duplicate: dup}
	if err != nil {
		d.Err = err.Error()
	}
	s.mu.Lock()
	l.st.deliveries = append(l.st.deliveries, d)
	s.mu.Unlock()
	if err != nil || status < 200 || status > 299 {
		s.log.Warn("libredesk webhook delivery failed (not retried)", "event", ev.name, "status", status, "err", err)
	}
}

// post is deliverSingleWebhook: Content-Type, User-Agent Libredesk-Webhook/<version> and, with
// a secret, X-Libredesk-Signature: sha256=<hex HMAC-SHA256(secret, body)>. No timestamp header.
func (l *Libredesk) post(ctx context.Context, target, secret string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Libredesk-Webhook/"+l.opts.Version)
	if secret != "" {
		req.Header.Set("X-Libredesk-Signature", LibredeskSignature(secret, body))
	}
	resp, err := l.s.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL may carry a secret
		}
		return 0, fmt.Errorf("post webhook: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// LibredeskSignature returns the X-Libredesk-Signature value for body: "sha256=" and the hex
// HMAC-SHA256 of the raw body with secret (Manager.generateSignature).
func LibredeskSignature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
