package chatwoot

import (
	"errors"
	"net/http"
	"slices"

	"github.com/handover-dev/handover/adapters/sim"
)

// uiRoutes registers the sandbox page at "/" and its JSON endpoints under /sim/. They drive the
// same model as the tests (VisitorSend, AgentReply, …) and are not part of Chatwoot's API: they
// are not faulted and not logged as calls.
func (s *Server) uiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", sim.UIPage("Chatwoot", ""))
	mux.HandleFunc("GET /sim/state", s.uiState)
	mux.HandleFunc("POST /sim/visitor/new", func(w http.ResponseWriter, _ *http.Request) {
		sim.WriteJSON(w, http.StatusOK, map[string]any{"contact": s.NewVisitorName()})
	})
	mux.HandleFunc("POST /sim/visitor/send", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		conv, msg, err := s.VisitorSend(r.Context(), in.InboxID, in.Contact, in.Text)
		return map[string]any{"conversation_id": conv, "message_id": msg}, err
	}))
	mux.HandleFunc("POST /sim/visitor/click", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		return nil, s.VisitorClick(r.Context(), in.ConversationID, in.MessageID, in.Value)
	}))
	mux.HandleFunc("POST /sim/visitor/email", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		return nil, s.VisitorSubmitEmail(r.Context(), in.ConversationID, in.MessageID, in.Email)
	}))
	mux.HandleFunc("POST /sim/agent/reply", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		id, err := s.AgentReply(r.Context(), in.ConversationID, in.AgentID, in.Text, in.Private)
		return map[string]any{"message_id": id}, err
	}))
	mux.HandleFunc("POST /sim/agent/assign", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		return nil, s.AgentAssign(r.Context(), in.ConversationID, in.AgentID)
	}))
	mux.HandleFunc("POST /sim/agent/status", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		return nil, s.AgentSetStatus(r.Context(), in.ConversationID, in.AgentID, in.Status)
	}))
	mux.HandleFunc("POST /sim/agent/availability", sim.UIAction(func(_ *http.Request, in sim.UIInput) (any, error) {
		switch in.Availability {
		case "online", "busy", "offline":
		default:
			return nil, errors.New("availability must be online, busy or offline")
		}
		s.SetAvailability(in.AgentID, in.Availability)
		return nil, nil
	}))
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
	sim.WriteJSON(w, http.StatusOK, state)
}
