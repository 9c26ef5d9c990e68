package zendesk

// The sandbox page (ui/index.html) speaking the Zendesk dialect. The page is the core's; these
// /sim/ endpoints translate its actions into Sunshine terms, and /sim/state shows the switchboard:
// "pending" while handover's integration has control (the page's bot queue), "open" while Agent
// Workspace has it, "resolved" when nobody has (after releaseControl). "Assign to me" is an
// agent taking the conversation over in Agent Workspace, "Open" is Agent Workspace taking
// control, "Resolve" is the agent passing control back to the bot.

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
)

func (z *Server) uiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", sim.UIPage("Zendesk", "Sunshine Conversations and Agent Workspace"))
	mux.HandleFunc("GET /sim/state", z.uiState)
	mux.HandleFunc("POST /sim/visitor/new", func(w http.ResponseWriter, _ *http.Request) {
		sim.WriteJSON(w, http.StatusOK, map[string]any{"contact": z.s.NewVisitorName()})
	})
	mux.HandleFunc("POST /sim/agent/availability", sim.UIAction(func(_ *http.Request, in sim.UIInput) (any, error) {
		switch in.Availability {
		case "online", "busy", "away", "offline":
		default:
			return nil, errors.New("availability must be online, away (busy) or offline")
		}
		z.SetAgentStatus(in.AgentID, in.Availability)
		return nil, nil
	}))
	mux.HandleFunc("POST /sim/visitor/send", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		conv, msg, err := z.VisitorSend(r.Context(), in.Contact, in.Text)
		return map[string]any{"conversation_id": conv, "message_id": msg}, err
	}))
	mux.HandleFunc("POST /sim/visitor/click", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		conv, msg, err := z.sunIDs(in.ConversationID, in.MessageID)
		if err != nil {
			return nil, err
		}
		return nil, z.VisitorClick(r.Context(), conv, msg, in.Value)
	}))
	mux.HandleFunc("POST /sim/visitor/email", sim.UIAction(func(*http.Request, sim.UIInput) (any, error) {
		return nil, errors.New("Sunshine has no email form here: type the address as a message")
	}))
	mux.HandleFunc("POST /sim/agent/reply", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		if in.Private {
			return nil, errors.New("internal notes are Support ticket comments in Zendesk; they are not part of the conversation")
		}
		conv, _, err := z.sunIDs(in.ConversationID, 0)
		if err != nil {
			return nil, err
		}
		id, err := z.AgentReply(r.Context(), conv, in.AgentID, in.Text)
		return map[string]any{"message_id": id}, err
	}))
	mux.HandleFunc("POST /sim/agent/assign", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		conv, _, err := z.sunIDs(in.ConversationID, 0)
		if err != nil {
			return nil, err
		}
		return nil, z.AgentTakeOver(r.Context(), conv, in.AgentID, nil)
	}))
	mux.HandleFunc("POST /sim/agent/status", sim.UIAction(func(r *http.Request, in sim.UIInput) (any, error) {
		conv, _, err := z.sunIDs(in.ConversationID, 0)
		if err != nil {
			return nil, err
		}
		switch in.Status {
		case "open":
			return nil, z.PassControl(r.Context(), conv, AgentWorkspaceType, nil)
		case "resolved":
			return nil, z.PassToBot(r.Context(), conv, map[string]any{"reason": "solved"})
		}
		return nil, fmt.Errorf("status %q: use open (Agent Workspace takes control) or resolved (back to the bot)", in.Status)
	}))
}

// sunIDs maps the page's core ids to Sunshine ids.
func (z *Server) sunIDs(convID, msgID int) (string, string, error) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	zc := z.convs[convID]
	if zc == nil {
		return "", "", fmt.Errorf("conversation %d: %w", convID, sim.ErrNotFound)
	}
	if msgID == 0 {
		return zc.sunID, "", nil
	}
	zm := z.msgs[msgID]
	if zm == nil {
		return "", "", fmt.Errorf("message %d: %w", msgID, sim.ErrNotFound)
	}
	return zc.sunID, zm.sunID, nil
}

func (z *Server) uiState(w http.ResponseWriter, _ *http.Request) {
	s := z.s
	s.Mu.Lock()
	convs := []zdUIConv{}
	for _, id := range s.ConvIDs {
		zc := z.convs[id]
		if zc == nil {
			continue
		}
		v := s.View(s.Convs[id], z.o.BotName)
		v.AssigneeBot = zc.active == z.botSBI().id
		v.AssigneeName, v.AssigneeID = "", 0
		switch {
		case v.AssigneeBot:
			v.Status = "pending"
		case zc.active == z.awSBI().id:
			v.Status = "open"
			if u := s.Users[zc.agentID]; u != nil {
				v.AssigneeName, v.AssigneeID = u.Name, u.ID
			}
		default:
			v.Status = "resolved"
		}
		attrs := map[string]any{"sunshine_id": zc.sunID}
		if x := z.sbi(zc.active); x != nil {
			attrs["switchboard"] = x.name
		}
		for _, tk := range z.tickets {
			if tk.ExternalID == zc.sunID {
				attrs["ticket"] = fmt.Sprintf("#%d %s", tk.ID, tk.RequesterEmail)
				if !slices.Contains(v.Labels, "offline-message") {
					v.Labels = append(v.Labels, "offline-message")
				}
			}
		}
		v.CustomAttributes = attrs
		for i := range v.Messages {
			if zm := z.msgs[v.Messages[i].ID]; zm != nil && zm.displayName != "" {
				v.Messages[i].SenderName = zm.displayName
			}
		}
		v.Messages = z.uiHandoverNotes(id, v.Messages)
		v.Messages = z.uiOfflineTickets(zc.sunID, v.Messages)
		convs = append(convs, zdUIConv{ConversationView: v, HandoverID: zc.sunID})
	}
	agents := []any{}
	for _, id := range s.UserIDs {
		u := s.Users[id]
		if u.Role != "agent" {
			continue
		}
		agents = append(agents, map[string]any{"id": u.ID, "name": u.Name, "email": u.Email, "role": u.Role, "availability": u.Availability})
	}
	teams := []any{}
	for _, id := range s.TeamIDs {
		tm := s.Teams[id]
		teams = append(teams, map[string]any{"id": tm.ID, "name": tm.Name, "members": slices.Clone(tm.Members)})
	}
	state := map[string]any{
		"account":       map[string]any{"id": 1, "name": "Zendesk (simulated)"},
		"bot":           map[string]any{"id": 1, "name": z.o.BotName},
		"webhook_set":   z.webhookURL != "",
		"inboxes":       []any{map[string]any{"id": z.inboxID, "name": "Web Widget", "with_bot": true, "members": []int{}}},
		"agents":        agents,
		"teams":         teams,
		"conversations": convs,
	}
	s.Mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	sim.WriteJSON(w, http.StatusOK, state)
}

// zdUIConv is a conversation as the sandbox page reads it, with the Sunshine id handover knows
// it by (the page links to handover's agent pages with it).
type zdUIConv struct {
	sim.ConversationView
	HandoverID string `json:"handover_id"`
}

// uiOfflineTickets shows, among the messages, the Support tickets filed as offline messages for
// the conversation (external_id): their first comment is what the agent reads in Zendesk.
func (z *Server) uiOfflineTickets(sunID string, msgs []sim.MessageView) []sim.MessageView {
	for _, tk := range z.tickets {
		if tk.ExternalID != sunID || tk.Comment == "" {
			continue
		}
		text := fmt.Sprintf("Support ticket #%d (requester %s), shown to the agent in Zendesk:\n%s", tk.ID, tk.RequesterEmail, tk.Comment)
		msgs = insertNote(msgs, text, tk.CreatedAt)
	}
	return msgs
}

// uiHandoverNotes shows, among the messages, what Agent Workspace shows the agent of a handover:
// the metadata of each passControl (handover_reason_text, handover_summary). Zendesk has no
// private notes in a conversation; these are the agent's context, never the visitor's.
func (z *Server) uiHandoverNotes(convID int, msgs []sim.MessageView) []sim.MessageView {
	for _, ev := range z.control[convID] {
		if ev.Action != "passControl" || ev.Target == z.o.BotName {
			continue
		}
		reason, _ := ev.Metadata["handover_reason_text"].(string)
		summary, _ := ev.Metadata["handover_summary"].(string)
		if reason == "" && summary == "" {
			continue
		}
		text := "Handover from the bot (passControl metadata, shown to the agent in Agent Workspace)"
		if reason != "" {
			text += "\nReason: " + reason
		}
		if summary != "" {
			text += "\n\nSummary:\n" + summary
		}
		msgs = insertNote(msgs, text, ev.At)
	}
	return msgs
}

// insertNote puts a private note by "Zendesk" with text among msgs at its time at: what the
// agent sees in Zendesk beside the conversation, shown on the sandbox page.
func insertNote(msgs []sim.MessageView, text string, at time.Time) []sim.MessageView {
	note := sim.MessageView{Type: "outgoing", SenderName: "Zendesk", Content: text, ContentType: "text",
		ContentAttributes: map[string]any{}, Private: true, CreatedAt: at}
	i := len(msgs)
	for i > 0 && msgs[i-1].CreatedAt.After(at) {
		i--
	}
	return slices.Insert(msgs, i, note)
}
