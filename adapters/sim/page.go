package sim

// The sandbox page every dialect serves at "/": one HTML page (ui/index.html) that reads the
// dialect's /sim/state and posts the visitor's and agents' actions to its /sim/ endpoints.

import (
	"embed"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"strings"
)

// MaxBody bounds the request bodies the simulators read.
const MaxBody = 1 << 20

//go:embed ui/index.html
var uiFS embed.FS

// UIPage serves the sandbox page (ui/index.html) naming the simulated helpdesk in its title and
// heading; note, when set, follows the name (what differs from Chatwoot's widget).
func UIPage(helpdesk, note string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		b, err := uiFS.ReadFile("ui/index.html")
		if err != nil {
			http.Error(w, "sandbox page missing", http.StatusInternalServerError)
			return
		}
		name := html.EscapeString(helpdesk)
		if note != "" {
			name += " (" + html.EscapeString(note) + ")"
		}
		page := strings.NewReplacer("{{HELPDESK}}", html.EscapeString(helpdesk), "{{HELPDESK_NOTE}}", name).Replace(string(b))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, page)
	}
}

// UIInput is the JSON body of every /sim/ action.
type UIInput struct {
	InboxID        int    `json:"inbox_id"`
	Contact        string `json:"contact"`
	Text           string `json:"text"`
	ConversationID int    `json:"conversation_id"`
	MessageID      int    `json:"message_id"`
	Value          string `json:"value"`
	Email          string `json:"email"`
	AgentID        int    `json:"agent_id"`
	Private        bool   `json:"private"`
	Status         string `json:"status"`
	Availability   string `json:"availability"`
}

// UIAction decodes a UIInput and answers fn's result as JSON: 400 for a body that is not JSON,
// 422 with fn's error, {"ok": true} when fn returns nothing.
func UIAction(fn func(*http.Request, UIInput) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in UIInput
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody))
		if err == nil && len(body) > 0 {
			err = json.Unmarshal(body, &in)
		}
		if err != nil {
			WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid JSON body"})
			return
		}
		out, err := fn(r, in)
		if err != nil {
			WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": err.Error()})
			return
		}
		if out == nil {
			out = map[string]any{"ok": true}
		}
		WriteJSON(w, http.StatusOK, out)
	}
}

// WriteJSON answers v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"status":500,"error":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
