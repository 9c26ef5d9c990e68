package liveagent

// The sandbox page for the LiveAgent dialect: the same page as Chatwoot's (ui/index.html),
// with its /sim/ actions mapped to LiveAgent's visitor and agent sides. Conversations carry
// LiveAgent's ticket ids (so the page's links to handover's agent pages are right), status,
// tags and department; agents keep the core's integer ids.

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/handover-dev/handover/adapters/sim"
)

var laStatusNames = map[string]string{"I": "init", "N": "new", "T": "chatting", "P": "calling", "R": "resolved",
	"X": "deleted", "B": "spam", "A": "answered", "C": "open", "W": "postponed", "L": "closed"}

func (la *Server) uiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", sim.UIPage("LiveAgent", "chats without bot buttons: type the word the bot suggests"))
	mux.HandleFunc("GET /sim/state", la.uiState)
	mux.HandleFunc("POST /sim/visitor/new", func(w http.ResponseWriter, _ *http.Request) {
		sim.WriteJSON(w, http.StatusOK, map[string]any{"contact": la.NewVisitorName()})
	})
	mux.HandleFunc("POST /sim/visitor/send", laUIAction(func(r *http.Request, in laUIInput) (any, error) {
		id, msg, err := la.VisitorSend(r.Context(), "", in.Contact, in.Text)
		return map[string]any{"ticket_id": id, "message_id": msg}, err
	}))
	noButtons := laUIAction(func(*http.Request, laUIInput) (any, error) {
		return nil, errors.New("LiveAgent chats have no bot buttons: type the word the bot suggests")
	})
	mux.HandleFunc("POST /sim/visitor/click", noButtons)
	mux.HandleFunc("POST /sim/visitor/email", noButtons)
	mux.HandleFunc("POST /sim/agent/reply", laUIAction(func(r *http.Request, in laUIInput) (any, error) {
		id, err := la.AgentReply(r.Context(), string(in.ConversationID), laAgentID(in.AgentID), in.Text, in.Private)
		return map[string]any{"message_id": id}, err
	}))
	mux.HandleFunc("POST /sim/agent/assign", laUIAction(func(r *http.Request, in laUIInput) (any, error) {
		return nil, la.AgentTake(r.Context(), string(in.ConversationID), laAgentID(in.AgentID))
	}))
	mux.HandleFunc("POST /sim/agent/status", laUIAction(func(r *http.Request, in laUIInput) (any, error) {
		st := map[string]string{"open": "C", "resolved": "R", "pending": "N", "snoozed": "W"}[in.Status]
		if st == "" {
			return nil, errors.New("status must be open or resolved")
		}
		return nil, la.AgentSetStatus(r.Context(), string(in.ConversationID), st)
	}))
	mux.HandleFunc("POST /sim/agent/availability", laUIAction(func(_ *http.Request, in laUIInput) (any, error) {
		switch in.Availability {
		case "online", "busy", "offline":
		default:
			return nil, errors.New("availability must be online, busy or offline")
		}
		la.SetAvailability(laAgentID(in.AgentID), in.Availability)
		return nil, nil
	}))
}

func (la *Server) uiState(w http.ResponseWriter, _ *http.Request) {
	tickets := la.Tickets()
	la.s.Mu.Lock()
	agents := []any{}
	for _, id := range la.s.UserIDs {
		if id == la.botUser {
			continue
		}
		u := la.s.Users[id]
		agents = append(agents, map[string]any{"id": u.ID, "name": u.Name, "email": u.Email, "role": u.Role, "availability": u.Availability})
	}
	teams := []any{}
	for _, id := range la.s.TeamIDs {
		if tm := la.s.Teams[id]; la.depts[id] {
			teams = append(teams, map[string]any{"id": tm.ID, "name": tm.Name, "members": slices.Clone(tm.Members)})
		}
	}
	hooks := len(la.rules) > 0
	la.s.Mu.Unlock()
	convs := make([]laUIConv, 0, len(tickets))
	for _, t := range tickets {
		v := laUIConv{ID: t.ID, InboxID: la.inboxID, Status: laStatusNames[t.Status],
			AssigneeName: t.AgentName, AssigneeBot: t.AgentID == la.BotAgentID(), Labels: t.Tags,
			CustomAttributes: map[string]any{"code": t.Code}, ContactName: t.OwnerName, ContactEmail: t.OwnerEmail,
			Messages: []sim.MessageView{}}
		if !v.AssigneeBot {
			v.AssigneeID = t.AgentUser
		} else {
			v.AssigneeName = ""
		}
		if d, ok := laParse("dp", t.DepartmentID); ok {
			v.TeamID = d
		}
		if v.Labels == nil {
			v.Labels = []string{}
		}
		for _, m := range t.Messages {
			mv := sim.MessageView{Content: m.Text, ContentType: "text", ContentAttributes: map[string]any{}, Private: m.Note,
				SenderName: m.UserName, CreatedAt: m.CreatedAt}
			if n, ok := laParse("ms", m.ID); ok {
				mv.ID = n
			}
			if m.Format == "H" {
				mv.Content = uiPlain(m.Text)
			}
			switch m.Role {
			case "visitor":
				mv.Type, mv.SenderType = "incoming", "contact"
			case "bot":
				mv.Type, mv.SenderType = "outgoing", "agent_bot"
			case "agent":
				mv.Type, mv.SenderType = "outgoing", "user"
			default:
				mv.Type = "activity"
			}
			if m.Note {
				mv.Type = "outgoing"
			}
			v.Messages = append(v.Messages, mv)
		}
		convs = append(convs, v)
	}
	state := map[string]any{
		"account":       map[string]any{"id": 1, "name": "LiveAgent (simulated)"},
		"bot":           map[string]any{"id": la.botUser, "name": la.opts.BotName},
		"webhook_set":   hooks,
		"inboxes":       []any{map[string]any{"id": la.inboxID, "name": "Chat button", "with_bot": true, "members": []int{}}},
		"agents":        agents,
		"teams":         teams,
		"conversations": convs,
	}
	w.Header().Set("Cache-Control", "no-store")
	sim.WriteJSON(w, http.StatusOK, state)
}

// uiPlain shows an agent-panel HTML message as text.
func uiPlain(s string) string {
	r := strings.NewReplacer("<p>", "", "</p>", "\n", "<br>", "\n", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`)
	return strings.TrimSpace(r.Replace(s))
}

// laUIConv is a ticket as the sandbox page reads a conversation (ConversationView's JSON
// names), with LiveAgent's string ticket id.
type laUIConv struct {
	ID               string            `json:"id"`
	InboxID          int               `json:"inbox_id"`
	Status           string            `json:"status"`
	AssigneeID       int               `json:"assignee_id"`
	AssigneeName     string            `json:"assignee_name"`
	AssigneeBot      bool              `json:"assignee_bot"`
	TeamID           int               `json:"team_id"`
	Labels           []string          `json:"labels"`
	CustomAttributes map[string]any    `json:"custom_attributes"`
	ContactName      string            `json:"contact_name"`
	ContactEmail     string            `json:"contact_email"`
	Typing           string            `json:"typing"`
	Messages         []sim.MessageView `json:"messages"`
}

// laUIID is a ticket id the page sends as a string (or, from an older page, a core number).
type laUIID string

// UnmarshalJSON implements json.Unmarshaler.
func (id *laUIID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*id = laUIID(s)
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("conversation_id must be a ticket id")
	}
	*id = laUIID(laTicketID(n))
	return nil
}

// laUIInput is the JSON body of the LiveAgent page's /sim/ actions.
type laUIInput struct {
	Contact        string `json:"contact"`
	Text           string `json:"text"`
	ConversationID laUIID `json:"conversation_id"`
	AgentID        int    `json:"agent_id"`
	Private        bool   `json:"private"`
	Status         string `json:"status"`
	Availability   string `json:"availability"`
}

func laUIAction(fn func(*http.Request, laUIInput) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in laUIInput
		body, err := io.ReadAll(io.LimitReader(r.Body, sim.MaxBody))
		if err == nil && len(body) > 0 {
			err = json.Unmarshal(body, &in)
		}
		if err != nil {
			sim.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid JSON body: " + strconv.Quote(err.Error())})
			return
		}
		out, err := fn(r, in)
		if err != nil {
			sim.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": err.Error()})
			return
		}
		if out == nil {
			out = map[string]any{"ok": true}
		}
		sim.WriteJSON(w, http.StatusOK, out)
	}
}
