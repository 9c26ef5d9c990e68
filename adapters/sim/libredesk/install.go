package libredesk

// Libredesk's webhook writes (cmd/webhooks.go handleCreateWebhook, handleUpdateWebhook;
// internal/webhook/webhook.go Create, Update; v2.7.0), used by "handover install libredesk".
// Both need webhooks:manage (cmd/handlers.go), validate name, url and events as non-empty
// (validateWebhook: 400 InputException) and answer the webhook with its secret masked as ten
// "•" (stringutil.PasswordDummy). An update whose secret contains "•" keeps the stored one.
//
// Simplification: the simulator holds at most one webhook (id 1, the one deliveries go to): a
// second create is answered 409 ConflictException.

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// ldPasswordDummy is stringutil.PasswordDummy; answers carry it ten times for a set secret.
const ldPasswordDummy = "•"

type ldWebhookReq struct {
	Name     string   `json:"name"`
	URL      string   `json:"url"`
	Events   []string `json:"events"`
	Secret   string   `json:"secret"`
	IsActive bool     `json:"is_active"`
}

// installRoutes registers the webhook writes; api is routes' helper.
func (l *Server) installRoutes(api func(pattern, perm string, h ldHandler)) {
	api("POST /api/v1/webhooks", "webhooks:manage", l.createWebhook)
	api("PUT /api/v1/webhooks/{id}", "webhooks:manage", l.updateWebhook)
}

// decodeWebhook reads and validates a webhook body (validateWebhook); ok is false when an
// error was written.
func decodeWebhook(w http.ResponseWriter, body []byte) (ldWebhookReq, bool) {
	var req ldWebhookReq
	if !decodeLD(w, body, &req) {
		return req, false
	}
	for _, f := range []struct{ name, v string }{{"name", req.Name}, {"url", req.URL}} {
		if strings.TrimSpace(f.v) == "" {
			ldError(w, http.StatusBadRequest, "`"+f.name+"` is empty", ldInputError)
			return req, false
		}
	}
	if len(req.Events) == 0 {
		ldError(w, http.StatusBadRequest, "`events` is empty", ldInputError)
		return req, false
	}
	return req, true
}

// setWebhookLocked stores req as the webhook; keepSecret keeps the stored secret. Callers
// hold s.mu.
func (l *Server) setWebhookLocked(req ldWebhookReq, keepSecret bool) map[string]any {
	l.st.webhookURL = req.URL
	if !keepSecret {
		l.st.secret = req.Secret
	}
	l.st.events = map[string]bool{}
	for _, e := range req.Events {
		if slices.Contains(Events, e) {
			l.st.events[e] = true
		}
	}
	secret := ""
	if l.st.secret != "" {
		secret = strings.Repeat(ldPasswordDummy, 10)
	}
	return map[string]any{"id": 1, "created_at": time.Now(), "updated_at": time.Now(), "name": req.Name,
		"url": req.URL, "events": req.Events, "secret": secret, "is_active": req.IsActive}
}

// POST /api/v1/webhooks {name, url, events, secret, is_active}.
func (l *Server) createWebhook(w http.ResponseWriter, _ *http.Request, _ int, body []byte) {
	req, ok := decodeWebhook(w, body)
	if !ok {
		return
	}
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	if l.st.webhookURL != "" {
		ldError(w, http.StatusConflict, "Already exists", ldConflictError)
		return
	}
	ldOK(w, l.setWebhookLocked(req, false))
}

// PUT /api/v1/webhooks/{id} {name, url, events, secret, is_active}.
func (l *Server) updateWebhook(w http.ResponseWriter, r *http.Request, _ int, body []byte) {
	if r.PathValue("id") != "1" {
		// UpdateWebhook.Get finds no row: a database error, logged and answered as a general one.
		ldError(w, http.StatusInternalServerError, "Something went wrong", ldGeneralError)
		return
	}
	req, ok := decodeWebhook(w, body)
	if !ok {
		return
	}
	l.s.Mu.Lock()
	defer l.s.Mu.Unlock()
	if l.st.webhookURL == "" {
		// UpdateWebhook.Get finds no row: a database error, logged and answered as a general one.
		ldError(w, http.StatusInternalServerError, "Something went wrong", ldGeneralError)
		return
	}
	ldOK(w, l.setWebhookLocked(req, strings.Contains(req.Secret, ldPasswordDummy)))
}
