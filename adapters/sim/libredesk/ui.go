package libredesk

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/handover-dev/handover/adapters/sim"
)

// uiRoutes serves the sandbox page (the same page as the Chatwoot sandbox) on the Libredesk
// model: the /sim/ JSON endpoints translate its shapes. Libredesk's widget has no buttons, so
// clicks and email forms are refused: the visitor types.
func (l *Server) uiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", sim.UIPage("Libredesk", "live chat without buttons: type your answer"))
	mux.HandleFunc("GET /sim/state", l.uiState)
	mux.HandleFunc("POST /sim/visitor/new", func(w http.ResponseWriter, _ *http.Request) {
		sim.WriteJSON(w, http.StatusOK, map[string]any{"contact": l.NewVisitorName()})
	})
	mux.HandleFunc("POST /sim/visitor/send", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		conv, msg, err := l.VisitorSend(r.Context(), in.InboxID, in.Contact, in.Text)
		return map[string]any{"conversation_id": conv, "message_id": msg}, err
	}))
	noButtons := sim.UIAction(func(*http.Request, sim.UIInput) (any, error) {
		return nil, errors.New("Libredesk's widget has no buttons: type your answer")
	})
	mux.HandleFunc("POST /sim/visitor/click", noButtons)
	mux.HandleFunc("POST /sim/visitor/email", noButtons)
	mux.HandleFunc("POST /sim/agent/reply", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		id, err := l.AgentReply(r.Context(), in.ConversationID, in.AgentID, in.Text, in.Private)
		return map[string]any{"message_id": id}, err
	}))
	mux.HandleFunc("POST /sim/agent/assign", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		return nil, l.AgentAssign(r.Context(), in.ConversationID, in.AgentID)
	}))
	mux.HandleFunc("POST /sim/agent/status", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		st := in.Status
		if st != "" {
			st = strings.ToUpper(st[:1]) + strings.ToLower(st[1:])
		}
		return nil, l.AgentSetStatus(r.Context(), in.ConversationID, in.AgentID, st)
	}))
	mux.HandleFunc("POST /sim/agent/availability", sim.UIAction(func(_ *http.Request, in sim.UIInput) (any, error) {
		switch in.Availability {
		case Online, Away, AwayManual, Offline, AwayAndReassigning:
		default:
			return nil, errors.New("availability must be online, away, away_manual, offline or away_and_reassigning")
		}
		l.SetAvailability(in.AgentID, in.Availability)
		return nil, nil
	}))
}

// uiState renders the model in the shape the sandbox page reads (see ui/index.html).
func (l *Server) uiState(w http.ResponseWriter, _ *http.Request) {
	convs := l.Conversations()
	l.s.Mu.Lock()
	s := l.s
	botID := l.st.botID
	botName := l.opts.BotName
	inboxes := []any{}
	first := true
	for _, id := range s.InboxIDs {
		in, ok := l.st.inboxes[id]
		if !ok {
			continue
		}
		withBot := first && in.channel == "livechat"
		if withBot {
			first = false
		}
		inboxes = append(inboxes, map[string]any{"id": id, "name": s.Inboxes[id].Name, "with_bot": withBot, "members": []int{}})
	}
	agents := []any{}
	for _, id := range s.UserIDs {
		u := s.Users[id]
		if u.Role == "system" || id == botID {
			continue
		}
		role := "agent"
		if u.Role == "administrator" {
			role = "administrator"
		}
		agents = append(agents, map[string]any{"id": u.ID, "name": u.Name, "email": u.Email, "role": role, "availability": l.st.avail[u.ID]})
	}
	teams := []any{}
	for _, id := range s.TeamIDs {
		tm := s.Teams[id]
		teams = append(teams, map[string]any{"id": tm.ID, "name": tm.Name, "members": slices.Clone(tm.Members)})
	}
	hooked := l.st.webhookURL != ""
	l.s.Mu.Unlock()

	cs := make([]any, 0, len(convs))
	for _, c := range convs {
		msgs := make([]any, 0, len(c.Messages))
		lastPublicIncoming := false
		for _, m := range c.Messages {
			senderType := "user"
			switch {
			case m.SenderType == "contact":
				senderType = "contact"
			case m.SenderID == botID:
				senderType = "agent_bot"
			}
			msgs = append(msgs, map[string]any{
				"id": m.ID, "type": m.Type, "sender_type": senderType, "sender_id": m.SenderID, "sender_name": m.SenderName,
				"content": m.Text, "content_type": "text", "content_attributes": map[string]any{}, "private": m.Private,
				"created_at": m.CreatedAt,
			})
			if !m.Private && m.Type != "activity" {
				lastPublicIncoming = m.Type == "incoming"
			}
		}
		typing := ""
		// The bot is expected to answer only while it holds the chat: assigned to it, or to
		// nobody and no team (handover hands over to a team; an offline message is tagged).
		botHolds := c.AssigneeID == botID || (c.AssigneeID == 0 && c.TeamID == 0)
		if lastPublicIncoming && botHolds && !slices.Contains(c.Tags, "offline-message") && c.Status == Open && hooked {
			typing = "agent_bot"
		}
		cs = append(cs, map[string]any{
			// handover_id is the id handover knows the chat by (its agent pages link to it).
			"id": c.ID, "handover_id": c.UUID, "inbox_id": c.InboxID, "status": strings.ToLower(c.Status), "assignee_id": c.AssigneeID,
			"assignee_name": c.AssigneeName, "assignee_bot": botID != 0 && c.AssigneeID == botID, "team_id": c.TeamID,
			"labels": c.Tags, "custom_attributes": map[string]any{}, "contact_name": c.ContactName,
			"contact_email": c.ContactEmail, "typing": typing, "messages": msgs,
		})
	}
	state := map[string]any{
		"account":       map[string]any{"id": 1, "name": "Libredesk"},
		"bot":           map[string]any{"id": botID, "name": botName},
		"webhook_set":   hooked,
		"inboxes":       inboxes,
		"agents":        agents,
		"teams":         teams,
		"conversations": cs,
	}
	w.Header().Set("Cache-Control", "no-store")
	b, err := json.Marshal(state)
	if err != nil {
		http.Error(w, "state", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}
