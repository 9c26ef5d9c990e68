package zendesk

// Sunshine Conversations webhooks of the simulated Zendesk: the v2 payload
// {app, webhook, events:[{id, type, createdAt, payload}]} (components/schemas/webhooks/
// webhookEvent.yaml and the event schemas beside it), the X-API-Key header carrying the
// webhook's secret, and Sunshine's delivery policy: a 20 s timeout, up to 5
// attempts with exponential backoff (15 minutes in all), no retry after 400, 401, 403, 404 or
// 406 (the spec's webhook documentation). The sim sends one event per payload; Sunshine may batch several, which
// the adapter's parser handles (tested with golden payloads).

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/adapters/sim/simnet"
)

// zdMaxAttempts is Sunshine's number of delivery attempts.
const zdMaxAttempts = 5

// zdEvent is one webhook event, serialised when it happened.
type zdEvent struct {
	typ  string
	id   string
	body []byte
}

// sbiJSON is switchboardIntegrationWebhook.yaml.
func (z *Server) sbiJSON(id string) map[string]any {
	x := z.sbi(id)
	if x == nil {
		return nil
	}
	out := map[string]any{"id": x.id, "name": x.name, "integrationType": x.integrationType}
	if x.integrationType == "custom" || x.integrationID != "" {
		out["integrationId"] = x.integrationID
	}
	return out
}

// conversationTruncated is conversationTruncated.yaml: activeSwitchboardIntegration and
// pendingSwitchboardIntegration are omitted when there is none.
func (z *Server) conversationTruncated(zc *zdConv) map[string]any {
	out := map[string]any{"id": zc.sunID, "type": "personal"}
	if a := z.sbiJSON(zc.active); a != nil {
		out["activeSwitchboardIntegration"] = a
	}
	if p := z.sbiJSON(zc.pending); p != nil {
		out["pendingSwitchboardIntegration"] = p
	}
	return out
}

// messageJSON is message.yaml (API and webhook shape).
func (z *Server) messageJSON(m *sim.Message, zm *zdMsg) map[string]any {
	author := map[string]any{"type": zm.authorType}
	if zm.displayName != "" {
		author["displayName"] = zm.displayName
	}
	if zm.authorType == "user" {
		author["userId"] = zm.userID
	}
	content := map[string]any{"type": "text", "text": m.Content}
	if zm.payload != "" {
		content["payload"] = zm.payload
	}
	if len(zm.actions) > 0 {
		acts := make([]any, 0, len(zm.actions))
		for _, a := range zm.actions {
			acts = append(acts, deepCopyMap(a))
		}
		content["actions"] = acts
	}
	source := map[string]any{"type": zm.sourceType}
	if zm.authorType == "user" {
		// integrationId is set for user messages only (source.yaml).
		source["integrationId"] = "web-" + z.o.AppID[:8]
	}
	out := map[string]any{"id": zm.sunID, "received": sim.TimeMillis(m.CreatedAt), "author": author, "content": content, "source": source}
	if zm.metadata != nil {
		out["metadata"] = deepCopyMap(zm.metadata)
	}
	return out
}

func (z *Server) userJSON(ct *sim.Contact) map[string]any {
	zu := z.userFor(ct)
	profile := map[string]any{"givenName": ct.Name, "locale": "en-US"}
	if ct.Email != "" {
		profile["email"] = ct.Email
	}
	return map[string]any{"id": zu.sunID, "externalId": zu.externalID, "signedUpAt": sim.TimeMillis(ct.CreatedAt), "profile": profile,
		"metadata": map[string]any{}, "identities": []any{}}
}

// receivesStandby reports whether handover's integration gets conversation events for zc: while it
// is active, or always with deliverStandbyEvents.
func (z *Server) receivesStandby(zc *zdConv) bool {
	bot := z.botSBI()
	return zc.active == bot.id || bot.deliverStandby
}

// event builds one webhook event; it returns the zero event when handover's integration does not
// receive it.
func (z *Server) event(typ string, payload map[string]any) zdEvent {
	id := z.newID()
	body, err := json.Marshal(map[string]any{
		"app":     map[string]any{"id": z.o.AppID},
		"webhook": map[string]any{"id": "wh" + z.o.IntegrationID[2:], "version": "v2"},
		"events":  []any{map[string]any{"id": id, "type": typ, "createdAt": sim.TimeMillis(time.Now()), "payload": payload}},
	})
	if err != nil {
		z.log.Error("marshal webhook", "type", typ, "err", err)
		return zdEvent{}
	}
	return zdEvent{typ: typ, id: id, body: body}
}

// messageEvent is conversation:message, sent for every message whatever its author (the
// integration's own messages included).
func (z *Server) messageEvent(c *sim.Conversation, m *sim.Message, zm *zdMsg) zdEvent {
	zc := z.convs[c.ID]
	if !z.receivesStandby(zc) {
		return zdEvent{}
	}
	msg := z.messageJSON(m, zm)
	if zm.authorType == "user" && !z.o.NoFullUser {
		author := msg["author"].(map[string]any)
		author["user"] = z.userJSON(z.s.Contacts[c.ContactID])
	}
	return z.event("conversation:message", map[string]any{"conversation": z.conversationTruncated(zc), "message": msg})
}

// postbackEvent is conversation:postback (conversationPostbackEvent.yaml).
func (z *Server) postbackEvent(c *sim.Conversation, zc *zdConv, payload string, metadata map[string]any) zdEvent {
	if !z.receivesStandby(zc) {
		return zdEvent{}
	}
	pb := map[string]any{"payload": payload}
	if metadata != nil {
		pb["metadata"] = deepCopyMap(metadata)
	}
	u := z.userJSON(z.s.Contacts[c.ContactID])
	if z.o.NoFullUser {
		u = map[string]any{"id": u["id"]}
	}
	return z.event("conversation:postback", map[string]any{
		"conversation": z.conversationTruncated(zc), "postback": pb,
		"user": u, "source": map[string]any{"type": "web"},
	})
}

// switchboardEvent is switchboard:passControl, :offerControl, :acceptControl or :releaseControl
// (switchboardPassControl.yaml and siblings): the conversation after the action, and the
// action's metadata.
func (z *Server) switchboardEvent(typ string, c *sim.Conversation, zc *zdConv, metadata map[string]any) zdEvent {
	p := map[string]any{"conversation": z.conversationTruncated(zc)}
	if metadata != nil {
		p["metadata"] = deepCopyMap(metadata)
	}
	return z.event(typ, p)
}

// zdMeta marks the Zendesk dialect's entries in the delivery log.
type zdMeta struct{}

// dispatchLocked sends each event with Sunshine's policy: zdMaxAttempts attempts, RetryWait then
// doubling, no retry after zdRetryable says no. Callers hold s.mu.
func (z *Server) dispatchLocked(evs []zdEvent) {
	if z.webhookURL == "" {
		return
	}
	for _, ev := range evs {
		if ev.typ == "" {
			continue
		}
		z.s.Hooks.Send(simnet.Webhook{
			URL: z.webhookURL, Body: ev.body, Header: z.webhookHeader,
			Policy: simnet.Policy{Attempts: zdMaxAttempts, Wait: z.o.RetryWait, Growth: 2, Retry: zdRetryable},
			Event:  ev.typ, ID: ev.id, Meta: zdMeta{},
			Done: func(r simnet.Result) {
				switch {
				case r.Canceled || r.OK:
				case r.Exhausted:
					z.log.Warn("webhook delivery failed", "type", ev.typ, "event", ev.id, "attempts", r.Attempts, "status", r.Status, "err", r.Err)
				default:
					z.log.Warn("webhook rejected; not retried", "type", ev.typ, "event", ev.id, "status", r.Status)
				}
			},
		})
	}
}

// zdRetryable reports whether Sunshine tries a delivery again after this answer: not after a 2xx,
// nor after 400, 401, 403, 404 or 406.
func zdRetryable(status int, err error) bool {
	if err != nil {
		return true
	}
	if status >= 200 && status < 300 {
		return false
	}
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusNotAcceptable:
		return false
	}
	return true
}

// webhookHeader is the headers of one attempt: JSON, and X-API-Key with the webhook secret.
func (z *Server) webhookHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Zendesk-Sunshine-Conversations-Webhooks (sim)")
	if z.o.WebhookSecret != "" {
		h.Set("X-API-Key", z.o.WebhookSecret)
	}
	return h
}
