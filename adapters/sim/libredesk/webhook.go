package libredesk

// Libredesk's webhooks (internal/webhook/webhook.go, v2.7.0): an in-memory queue drained by
// workers, one POST per event and webhook, no retries, no delivery log, no ordering guarantee.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/handover-dev/handover/adapters/sim/simnet"
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
		l.log.Error("marshal libredesk webhook", "event", name, "err", err)
		return
	}
	t.events = append(t.events, ldEvent{name: name, body: body})
}

// ldMeta marks the Libredesk dialect's entries in the delivery log.
type ldMeta struct{ signed bool }

// dispatchLocked sends each event once, with no retry (Libredesk's worker pool: events are taken
// from the queue by several workers, so they arrive in no guaranteed order; the WebhookJitter
// fault makes that visible). Callers hold s.mu.
func (l *Server) dispatchLocked(evs []ldEvent) {
	s := l.s
	target, secret := l.st.webhookURL, l.st.secret
	if target == "" {
		return
	}
	for _, ev := range evs {
		s.Hooks.Send(simnet.Webhook{
			URL: target, Body: ev.body, Header: l.webhookHeader(secret, ev.body),
			Event: ev.name, Meta: ldMeta{signed: secret != ""},
			Done: func(r simnet.Result) {
				// Libredesk makes one attempt: a failure is logged and dropped.
				if !r.OK {
					l.log.Warn("libredesk webhook delivery failed (not retried)", "event", ev.name, "status", r.Status, "err", r.Err)
				}
			},
		})
	}
}

// webhookHeader is deliverSingleWebhook's: Content-Type, User-Agent Libredesk-Webhook/<version>
// and, with a secret, X-Libredesk-Signature: sha256=<hex HMAC-SHA256(secret, body)>. No
// timestamp header.
func (l *Server) webhookHeader(secret string, body []byte) func() http.Header {
	return func() http.Header {
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("User-Agent", "Libredesk-Webhook/"+l.opts.Version)
		if secret != "" {
			h.Set("X-Libredesk-Signature", Signature(secret, body))
		}
		return h
	}
}

// Signature returns the X-Libredesk-Signature value for body: "sha256=" and the hex
// HMAC-SHA256 of the raw body with secret (Manager.generateSignature).
func Signature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
