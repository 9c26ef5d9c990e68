package liveagent

import (
	"fmt"
	"io"
	"strings"
)

// Rule is one LiveAgent rule (Configuration > Automation > Rules) an
// administrator creates for handover. Triggers and actions are named as in
// LiveAgent's UI (https://support.liveagent.com/038465-Rules---Predefined-actions).
type Rule struct {
	Name string
	// Trigger is the rule's "Apply when".
	Trigger string
	// Conditions are optional narrowing conditions, in words.
	Conditions []string
	// Action is "HTTP request" or "Transfer".
	Action string
	// Method and Body describe an HTTP request action; its URL is
	// WebhookURL. Body is typed as is: {$...} are LiveAgent variables.
	Method string
	Body   string
	// Note explains the rule.
	Note string
}

// ruleBody is a rule body: the event name, the ticket's id and code, and
// what decides who holds the chat (status letter, department and agent ids)
// plus the contact's email, so a turn reads only the messages (LoadEvent);
// nothing the visitor typed (the message is read from the API). A body
// without the state fields still works: the turn then reads the ticket too.
func ruleBody(event string) string {
	return `{"event":"` + event + `","ticket_id":"{$conversation_id}","ticket_code":"{$conversation_code}",` +
		`"` + hintStatus + `":"{$conversation_status}","` + hintDepartment + `":"{$conversation_department_id}",` +
		`"` + hintAgent + `":"{$conversation_agent_id}","` + hintEmail + `":"{$user_email}"}`
}

// Rules returns the rule set handover needs, in the order to create them.
// The first (routing new chats to the bot) is only needed when the chat
// button's department does not already route chats to the bot agent.
func Rules(botAgentID string) []Rule {
	if botAgentID == "" {
		botAgentID = "<HANDOVER_LIVEAGENT_BOT_AGENT_ID>"
	}
	return []Rule{
		{
			Name:       "handover: route new chats to the bot",
			Trigger:    "chat started",
			Conditions: []string{"Department is <the bot's department> (or the chat button that should start with the bot)"},
			Action:     "Transfer",
			Note:       "transfer to agent " + botAgentID + "; skip this rule if the department already routes its chats to the bot agent",
		},
		{
			Name:    "handover: chat started",
			Trigger: "chat started",
			Action:  "HTTP request",
			Method:  "POST",
			Body:    ruleBody(EventChatStarted),
			Note:    "the visitor's first message",
		},
		{
			Name:    "handover: message added",
			Trigger: "message added",
			Action:  "HTTP request",
			Method:  "POST",
			Body:    ruleBody(EventMessageAdded),
			Note:    "every later message; an agent's message in a bot chat is a takeover",
		},
		{
			Name:    "handover: ticket transferred",
			Trigger: "ticket transferred",
			Action:  "HTTP request",
			Method:  "POST",
			Body:    ruleBody(EventTicketTransferred),
			Note:    "an agent who takes the chat over from the bot silences it",
		},
	}
}

// WebhookURL is the URL of the rules' HTTP request action:
// <publicURL>/webhooks/liveagent/<secret>.
func WebhookURL(publicURL, secret string) string {
	return strings.TrimRight(publicURL, "/") + "/webhooks/" + Name + "/" + secret
}

// TakeoverButton is the agent-panel custom button (/api/v3/custom_buttons,
// type E: opens the URL in a new tab) that opens handover's takeover page
// for the ticket in front of the agent.
type TakeoverButton struct {
	Name, URL, Method, Type string
}

// Button returns the custom button for a handover served at publicURL.
// The ticket id reaches the page through the {$conversation_id} variable
// in the URL.
func Button(publicURL string) TakeoverButton {
	return TakeoverButton{Name: "Stop chatbot and join", Method: "GET", Type: "E",
		URL: strings.TrimRight(publicURL, "/") + "/agent/conversations/{$conversation_id}"}
}

// WriteRules prints the rule set for an administrator: what `handover
// liveagent rules` shows. The secret is printed as a placeholder, never its
// value.
func WriteRules(w io.Writer, publicURL, botAgentID string) error {
	if strings.TrimSpace(publicURL) == "" {
		publicURL = "https://handover.example.com"
	}
	hook := WebhookURL(publicURL, "<HANDOVER_LIVEAGENT_WEBHOOK_SECRET>")
	var b strings.Builder
	b.WriteString("LiveAgent rules for handover (Configuration > Automation > Rules > Create)\n")
	b.WriteString("Create one rule per block. LiveAgent signs nothing: the secret is the last segment of the URL.\n")
	b.WriteString("Only ids, status letters and the contact's email travel in the body; handover reads every message from the API.\n")
	b.WriteString("The status, department and agent let a turn skip reading the ticket (180 requests a minute per key).\n")
	b.WriteString("Check the variable names in the rule editor: one LiveAgent does not know stays literal, and handover then reads the ticket.\n\n")
	for i, r := range Rules(botAgentID) {
		fmt.Fprintf(&b, "%d. %s\n", i+1, r.Name)
		fmt.Fprintf(&b, "   Apply when:  %s\n", r.Trigger)
		for _, c := range r.Conditions {
			fmt.Fprintf(&b, "   Condition:   %s\n", c)
		}
		fmt.Fprintf(&b, "   Action:      %s\n", r.Action)
		if r.Action == "HTTP request" {
			fmt.Fprintf(&b, "   Method:      %s\n", r.Method)
			fmt.Fprintf(&b, "   URL:         %s\n", hook)
			fmt.Fprintf(&b, "   Body:        %s\n", r.Body)
		}
		if r.Note != "" {
			fmt.Fprintf(&b, "   Note:        %s\n", r.Note)
		}
		b.WriteString("\n")
	}
	btn := Button(publicURL)
	b.WriteString("Optional agent-panel button (Configuration > Custom buttons, or POST /api/v3/custom_buttons):\n")
	fmt.Fprintf(&b, "   name %q, type %s (external: opens a new tab), method %s\n   url  %s\n", btn.Name, btn.Type, btn.Method, btn.URL)
	b.WriteString("   (this URL asks the agent to log in to the agent pages; \"handover install liveagent\" creates the button\n" +
		"   with a signed link instead, valid a year, that needs no login)\n")
	_, err := io.WriteString(w, b.String())
	return err
}
