package chatwoot

// The simulated Chatwoot of the sandbox, the benchmark and the conformance kit
// (helpdesk.World), on the Chatwoot dialect of adapters/sim. What a visitor
// and an agent do goes through the simulator's widget and agent calls, so it
// fires the agent-bot webhooks Chatwoot would (docs/helpdesks/chatwoot.md §2).

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/simkit"
	sim "github.com/handover-dev/handover/adapters/sim/chatwoot"
	"github.com/handover-dev/handover/handover"
)

// world is the simulated Chatwoot: inbox "Website" with the agent bot connected, team Support
// (Alice online, Bob offline) as its human queue (HANDOVER_CHATWOOT_TEAMS maps the inbox to it).
type world struct {
	s        *sim.Server
	demo     sim.Demo
	settings *Settings
}

var _ helpdesk.World = (*world)(nil)

// newWorld builds the simulated Chatwoot and the adapter settings that reach it. Chatwoot
// redelivers a failed agent-bot webhook 3 s later (docs/helpdesks/chatwoot.md §2.4);
// o.RetryWait, when set, replaces that wait.
func newWorld(o helpdesk.SandboxOptions) (helpdesk.World, error) {
	bot, user, secret := simkit.Token(), simkit.Token(), simkit.Token()
	opts := sim.Options{AccountID: 1, BotName: o.BotName, BotToken: bot, UserToken: user, WebhookSecret: secret,
		RetryWait: 3 * time.Second, Logger: simkit.Logger(o.Logger)}
	if o.RetryWait > 0 {
		opts.RetryWait = o.RetryWait
	}
	if o.Benchmark {
		opts.KeepPendingOnBotFailure = true
	}
	w := &world{s: sim.New(opts)}
	w.demo = w.s.SeedDemo()
	w.settings = &Settings{URL: o.SimURL, AccountID: 1, BotToken: helpdesk.Secret(bot), UserToken: helpdesk.Secret(user),
		WebhookSecret: helpdesk.Secret(secret), Teams: helpdesk.IDMap{w.demo.InboxID: w.demo.TeamID}}
	return w, nil
}

// Handler serves the simulator: the Chatwoot API, the widget API and the sandbox page.
func (w *world) Handler() http.Handler { return w.s.Handler() }

// Settings are the HANDOVER_CHATWOOT_* settings that point the adapter at the simulator.
func (w *world) Settings() helpdesk.Settings { return w.settings }

// Connect sets the agent bot's outgoing_url to base+"/webhooks/chatwoot".
func (w *world) Connect(base string) { w.s.SetWebhookURL(base + "/webhooks/" + Name) }

// Calls is the simulator's log of API calls.
func (w *world) Calls() []helpdesk.Call { return simkit.Calls(w.s.Calls()) }

// ResetCalls empties the simulator's log of API calls.
func (w *world) ResetCalls() { w.s.ResetCalls() }

// WaitIdle waits until no webhook delivery (or redelivery) is in flight.
func (w *world) WaitIdle(ctx context.Context) error { return w.s.WaitIdle(ctx) }

// Close stops the simulator's deliveries.
func (w *world) Close() { w.s.Close() }

// Send writes a visitor message through the web widget of inbox "Website" (into the visitor's
// latest conversation there, or a new one, pending because the inbox has the bot) and returns
// the conversation's display id.
func (w *world) Send(ctx context.Context, visitor, text string) (string, error) {
	id, _, err := w.s.VisitorSend(ctx, w.demo.InboxID, visitor, text)
	return strconv.Itoa(id), err
}

// Transcript returns the conversation's messages in creation order, with their roles as State
// gives them (Role and At only).
func (w *world) Transcript(conv string) []helpdesk.Entry {
	id, _ := strconv.Atoi(conv)
	v, _ := w.s.Conversation(id)
	out := make([]helpdesk.Entry, 0, len(v.Messages))
	for _, m := range v.Messages {
		out = append(out, helpdesk.Entry{Role: roleOf(m), At: m.CreatedAt})
	}
	return helpdesk.SortEntries(out)
}

// State returns the conversation as Chatwoot holds it:
//
//   - Entries: every message, activity lines included (Chatwoot lists them all,
//     docs/helpdesks/chatwoot.md §3), with the roles of roleOf. Text is the content. Offers are
//     the choice values among a bot input_select's item values, in the items' order (the widget
//     shows them as buttons); the adapter sends every choice as such buttons (Post), never as
//     words to type. AsksEmail
//     marks the bot's input_email, the widget's email form.
//   - WithHuman: the bot has let go as the adapter hands over (HandToHuman, MarkAgentJoined,
//     AssignAgent) or a person took the chat: a human assignee (a team with auto-assignment
//     assigns an online member as soon as it is set, §6); a human agent's public reply; the
//     adapter's handover_state "agent_joined" or "agent_assigned"; or the conversation no longer
//     pending (toggle_status open, Conversation#bot_handoff!) with a team set or with the bot's
//     handover note as its newest note (an inbox queue has no team).
//   - Offline: filed as the adapter files an offline message (LeaveOffline): the label
//     offline-message, or the bot's offline note as its newest note (Chatwoot drops a label the
//     account lacks, §6), or an older release's handover_state "offline".
//   - Email: the contact's email (the widget's email form sets it).
//
// An unknown conversation gives the zero State.
func (w *world) State(conv string) helpdesk.State {
	id, err := strconv.Atoi(conv)
	if err != nil {
		return helpdesk.State{}
	}
	v, ok := w.s.Conversation(id)
	if !ok {
		return helpdesk.State{}
	}
	st := helpdesk.State{Entries: make([]helpdesk.Entry, 0, len(v.Messages)), Email: v.ContactEmail}
	humanWrote := false
	for _, m := range v.Messages {
		e := helpdesk.Entry{Role: roleOf(m), At: m.CreatedAt, Text: m.Content}
		if e.Role == helpdesk.RoleBot {
			switch m.ContentType {
			case contentInputSelect:
				e.Offers = offers(m)
			case contentInputEmail:
				e.AsksEmail = true
			}
		}
		humanWrote = humanWrote || e.Role == helpdesk.RoleAgent
		st.Entries = append(st.Entries, e)
	}
	helpdesk.SortEntries(st.Entries)
	note := newestBotNote(v)
	attr, _ := v.CustomAttributes[AttrState].(string)
	st.Offline = slices.Contains(v.Labels, LabelOffline) || note == headingOffline || attr == stateOffline
	st.WithHuman = v.AssigneeID != 0 || humanWrote || attr == stateAgentJoined || attr == stateAgentAssigned ||
		(v.Status != statusPending && (v.TeamID != 0 || note == headingHandover))
	return st
}

// roleOf is who wrote m, as the adapter reads Chatwoot's messages (toMessage): a private note is
// RoleNote whoever wrote it; an incoming message the visitor's; an outgoing one the bot's when
// its sender is the agent bot, a person's when a user (or an external echo, a reply sent from
// the channel's own app), else Chatwoot's (automation rules, campaigns); activity and template
// messages are Chatwoot's.
func roleOf(m sim.MessageView) helpdesk.Role {
	switch {
	case m.Private:
		return helpdesk.RoleNote
	case m.Type == string(msgIncoming):
		return helpdesk.RoleVisitor
	case m.Type != string(msgOutgoing):
		return helpdesk.RoleOther
	case m.SenderType == senderAgentBot || m.SenderType == senderCaptain:
		return helpdesk.RoleBot
	case m.SenderType == senderUser || m.ContentAttributes["external_echo"] == true:
		return helpdesk.RoleAgent
	}
	return helpdesk.RoleOther
}

// offers are the choices of an input_select's items, in the order the widget shows them.
func offers(m sim.MessageView) []string {
	var out []string
	for _, it := range selectItems(m) {
		if c := itemChoice(it); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// selectItems are the content_attributes.items of an input_select.
func selectItems(m sim.MessageView) []map[string]any {
	raw, _ := m.ContentAttributes["items"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, x := range raw {
		if it, ok := x.(map[string]any); ok {
			out = append(out, it)
		}
	}
	return out
}

// itemChoice is the choice an input_select item stands for: its value, which Post sets to the
// Button's Value (ChoiceRequestHuman, ChoiceOffline, ChoiceContinue) and which a click submits
// (submitted_values, what Parse reads as the choice); "" for any other value.
func itemChoice(it map[string]any) string {
	if v, _ := it["value"].(string); slices.Contains(choices, v) {
		return v
	}
	return ""
}

// choices are the choice values a bot message may offer.
var choices = []string{handover.ChoiceRequestHuman, handover.ChoiceOffline, handover.ChoiceContinue}

// newestBotNote is the heading of the bot's newest handover or offline note (as noteKind reads
// them), or "".
func newestBotNote(v sim.ConversationView) string {
	for i := len(v.Messages) - 1; i >= 0; i-- {
		m := v.Messages[i]
		if !m.Private || m.SenderType != senderAgentBot {
			continue
		}
		t := strings.TrimSpace(m.Content)
		for _, h := range []string{headingHandover, headingOffline} {
			if strings.HasPrefix(t, h) {
				return h
			}
		}
	}
	return ""
}

// lastBotMessage is the conversation's newest public message of the bot.
func lastBotMessage(v sim.ConversationView) (sim.MessageView, bool) {
	for i := len(v.Messages) - 1; i >= 0; i-- {
		if m := v.Messages[i]; roleOf(m) == helpdesk.RoleBot {
			return m, true
		}
	}
	return sim.MessageView{}, false
}

// conversation reads the conversation with display id conv.
func (w *world) conversation(conv string) (sim.ConversationView, error) {
	id, err := strconv.Atoi(conv)
	if err != nil {
		return sim.ConversationView{}, fmt.Errorf("chatwoot world: conversation %q: not a display id", conv)
	}
	v, ok := w.s.Conversation(id)
	if !ok {
		return sim.ConversationView{}, fmt.Errorf("chatwoot world: conversation %s: %w", conv, sim.ErrNotFound)
	}
	return v, nil
}

// Choose clicks, in the web widget, the button of the bot's newest message whose item stands
// for choice: the widget updates that input_select's submitted_values and Chatwoot fires
// message_updated, no visitor message (Api::V1::Widget::MessagesController#update,
// docs/helpdesks/chatwoot.md §2.1). It fails when that message offers no such button, or when
// it was answered already (the widget then shows the answer, not the buttons).
func (w *world) Choose(ctx context.Context, conv, choice string) error {
	v, err := w.conversation(conv)
	if err != nil {
		return err
	}
	m, ok := lastBotMessage(v)
	if !ok {
		return fmt.Errorf("chatwoot world: conversation %s: the bot has written nothing to choose from", conv)
	}
	if m.ContentType != contentInputSelect {
		return fmt.Errorf("chatwoot world: conversation %s: the bot's latest message %d has no buttons", conv, m.ID)
	}
	if _, done := m.ContentAttributes["submitted_values"]; done {
		return fmt.Errorf("chatwoot world: conversation %s: the buttons of message %d were answered already", conv, m.ID)
	}
	for _, it := range selectItems(m) {
		if itemChoice(it) == choice {
			return w.s.VisitorClick(ctx, v.ID, m.ID, fmt.Sprint(it["value"]))
		}
	}
	return fmt.Errorf("chatwoot world: conversation %s: the bot's latest message %d offers no %q", conv, m.ID, choice)
}

// GiveEmail submits the widget's email form when the bot's newest message is an input_email not
// answered yet: Chatwoot stores submitted_email on it and the contact's email, and fires
// message_updated. Otherwise the visitor types the address as a message, as on a channel
// without the form.
func (w *world) GiveEmail(ctx context.Context, conv, email string) error {
	v, err := w.conversation(conv)
	if err != nil {
		return err
	}
	if m, ok := lastBotMessage(v); ok && m.ContentType == contentInputEmail {
		if _, done := m.ContentAttributes["submitted_email"]; !done {
			return w.s.VisitorSubmitEmail(ctx, v.ID, m.ID, email)
		}
	}
	// The widget writes into the contact's latest conversation of the inbox; the contact's key
	// in the simulator is its name.
	id, _, err := w.s.VisitorSend(ctx, v.InboxID, v.ContactName, email)
	if err != nil {
		return err
	}
	if id != v.ID {
		return fmt.Errorf("chatwoot world: conversation %s is not the visitor's latest (%d)", conv, id)
	}
	return nil
}

// SetAgentsAvailable sets the availability of every member of team Support (Alice and Bob, also
// the inbox's members) to "online", or to "offline": only "online" counts for the adapter's
// Available and for Chatwoot's auto-assignment (docs/helpdesks/chatwoot.md §6). The agent bot
// has no availability.
func (w *world) SetAgentsAvailable(on bool) {
	status := "offline"
	if on {
		status = "online"
	}
	for _, id := range []int{w.demo.AliceID, w.demo.BobID} {
		w.s.SetAvailability(id, status)
	}
}

// AgentReply posts a public reply from Alice, the first agent of team Support, as from the
// dashboard: an outgoing message by a user, which fires message_created (and leaves the status
// as it is: a human reply does not open a pending conversation, docs/helpdesks/chatwoot.md §6).
func (w *world) AgentReply(ctx context.Context, conv, text string) error {
	v, err := w.conversation(conv)
	if err != nil {
		return err
	}
	_, err = w.s.AgentReply(ctx, v.ID, w.demo.AliceID, text, false)
	return err
}

// SetFaults makes the simulator's API misbehave: 429s (Rack::Attack's "Retry later", with
// Retry-After when set), 500s, dropped connections and a delay on every request. Webhook
// deliveries are left alone.
func (w *world) SetFaults(f helpdesk.Faults) {
	w.s.SetFaults(sim.Faults{Status429Rate: f.Status429Rate, RetryAfter: f.RetryAfter, Status500Rate: f.Status500Rate,
		DropRate: f.DropRate, Delay: f.Delay})
}
