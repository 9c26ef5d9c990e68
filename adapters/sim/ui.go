package sim

import (
	"embed"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"slices"
	"strings"
)

//go:embed ui/index.html
var uiFS embed.FS

// uiRoutes registers the sandbox page at "/" and its JSON endpoints under /sim/. They drive the
// same model as the tests (VisitorSend, AgentReply, …) and are not part of Chatwoot's API: they
// are not faulted and not logged as calls.
func (s *Server) uiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", uiPage("Chatwoot", ""))
	mux.HandleFunc("GET /sim/state", s.uiState)
	mux.HandleFunc("POST /sim/visitor/new", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"contact": s.NewVisitorName()})
	})
	mux.HandleFunc("POST /sim/visitor/send", uiAction(func(r *http.Request, in uiInput) (any, error) {
		conv, msg, err := s.VisitorSend(r.Context(), in.InboxID, in.Contact, in.Text)
		return map[string]any{"conversation_id": conv, "message_id": msg}, err
	}))
	mux.HandleFunc("POST /sim/visitor/click", uiAction(func(r *http.Request, in uiInput) (any, error) {
		return nil, s.VisitorClick(r.Context(), in.ConversationID, in.MessageID, in.Value)
	}))
	mux.HandleFunc("POST /sim/visitor/email", uiAction(func(r *http.Request, in uiInput) (any, error) {
		return nil, s.VisitorSubmitEmail(r.Context(), in.ConversationID, in.MessageID, in.Email)
	}))
	mux.HandleFunc("POST /sim/agent/reply", uiAction(func(r *http.Request, in uiInput) (any, error) {
		id, err := s.AgentReply(r.Context(), in.ConversationID, in.AgentID, in.Text, in.Private)
		return map[string]any{"message_id": id}, err
	}))
	mux.HandleFunc("POST /sim/agent/assign", uiAction(func(r *http.Request, in uiInput) (any, error) {
		return nil, s.AgentAssign(r.Context(), in.ConversationID, in.AgentID)
	}))
	mux.HandleFunc("POST /sim/agent/status", uiAction(func(r *http.Request, in uiInput) (any, error) {
		return nil, s.AgentSetStatus(r.Context(), in.ConversationID, in.AgentID, in.Status)
	}))
	mux.HandleFunc("POST /sim/agent/availability", uiAction(func(_ *http.Request, in uiInput) (any, error) {
		switch in.Availability {
		case "online", "busy", "offline":
		default:
			return nil, errors.New("availability must be online, busy or offline")
		}
		s.SetAvailability(in.AgentID, in.Availability)
		return nil, nil
	}))
}

// uiPage serves the sandbox page (ui/index.html) naming the simulated helpdesk in its title and
// heading; note, when set, follows the name (what differs from Chatwoot's widget).
func uiPage(helpdesk, note string) http.HandlerFunc {
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

// uiInput is the JSON body of every /sim/ action.
type uiInput struct {
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

func uiAction(fn func(*http.Request, uiInput) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in uiInput
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err == nil && len(body) > 0 {
			err = json.Unmarshal(body, &in)
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid JSON body")
			return
		}
		out, err := fn(r, in)
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		if out == nil {
			out = map[string]any{"ok": true}
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) uiState(w http.ResponseWriter, _ *http.Request) {
	convs := s.Conversations()
	s.Mu.Lock()
	inboxes := []any{}
	for _, id := range s.InboxIDs {
		in := s.Inboxes[id]
		inboxes = append(inboxes, map[string]any{"id": in.ID, "name": in.Name, "with_bot": in.WithBot, "members": slices.Clone(in.Members)})
	}
	agents := []any{}
	for _, id := range s.UserIDs {
		u := s.Users[id]
		agents = append(agents, map[string]any{"id": u.ID, "name": u.Name, "email": u.Email, "role": u.Role, "availability": u.Availability})
	}
	teams := []any{}
	for _, id := range s.TeamIDs {
		tm := s.Teams[id]
		teams = append(teams, map[string]any{"id": tm.ID, "name": tm.Name, "members": slices.Clone(tm.Members)})
	}
	state := map[string]any{
		"account":       map[string]any{"id": s.opts.AccountID, "name": s.opts.AccountName},
		"bot":           map[string]any{"id": s.bot.id, "name": s.bot.name},
		"webhook_set":   s.webhookURL != "",
		"inboxes":       inboxes,
		"agents":        agents,
		"teams":         teams,
		"conversations": convs,
	}
	s.Mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, state)
}
