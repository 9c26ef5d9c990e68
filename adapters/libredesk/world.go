package libredesk

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/helptext"
	"github.com/handover-dev/handover/adapters/internal/simkit"
	sim "github.com/handover-dev/handover/adapters/sim/libredesk"
	"github.com/handover-dev/handover/handover"
)

// world is the simulated Libredesk (Descriptor.Sandbox, the load benchmark and the
// conformance kit): live-chat inbox Website, team Support (Alice online, Bob offline) as its
// human queue, the bot agent with an API key, the tag offline-message. Conversations are keyed
// by uuid, as the adapter names them.
//
// Libredesk's widget has no buttons and no email form (docs/helpdesks/libredesk.md §6): a
// visitor answers the bot's prompts by typing, so the world reads the offers from the line the
// adapter appended (render) and answers them with the word that line asks for.
type world struct {
	l        *sim.Server
	demo     sim.Demo
	secret   string
	settings *Settings

	mu    sync.Mutex
	uuids map[int]string // conversation id → uuid, learnt on a visitor's first message
}

var _ helpdesk.World = (*world)(nil)

// newWorld builds the world from the sim's demo. SandboxOptions.RetryWait has nothing to set:
// Libredesk never redelivers a webhook (one attempt, no delivery log: docs/helpdesks/libredesk.md
// §2).
func newWorld(o helpdesk.SandboxOptions) (helpdesk.World, error) {
	w := &world{secret: simkit.Token(), uuids: map[int]string{}}
	w.l = sim.New(sim.Options{WebhookSecret: w.secret, BotName: o.BotName, Logger: simkit.Logger(o.Logger)})
	w.demo = w.l.SeedDemo()
	w.settings = &Settings{URL: o.SimURL, APIKey: helpdesk.Secret(w.demo.APIKey), APISecret: helpdesk.Secret(w.demo.APISecret),
		BotAgentID: w.demo.BotID, WebhookSecret: helpdesk.Secret(w.secret), InboxIDs: strconv.Itoa(w.demo.InboxID),
		Teams: helpdesk.IDMap{w.demo.InboxID: w.demo.TeamID}}
	return w, nil
}

// Handler serves the simulated Libredesk: its agent and widget APIs and the sandbox page.
func (w *world) Handler() http.Handler { return w.l.Handler() }

// Settings are the adapter's settings pointing at the simulator, with the demo inbox mapped to
// team Support.
func (w *world) Settings() helpdesk.Settings { return w.settings }

// Connect points Libredesk's webhook (Admin → Webhooks, signed with the webhook's secret) at
// base+"/webhooks/libredesk".
func (w *world) Connect(base string) { w.l.SetWebhook(base+"/webhooks/"+Name, w.secret) }

// Calls is the simulator's log of API calls.
func (w *world) Calls() []helpdesk.Call { return simkit.Calls(w.l.Calls()) }

// ResetCalls empties the simulator's log of API calls.
func (w *world) ResetCalls() { w.l.ResetCalls() }

// WaitIdle waits until no webhook delivery is in flight.
func (w *world) WaitIdle(ctx context.Context) error { return w.l.WaitIdle(ctx) }

// Close stops the webhook deliveries in flight and waits for them.
func (w *world) Close() { w.l.Close() }

// Send writes a visitor message from the live-chat widget into the visitor's latest chat in the
// demo inbox (or a new one) and returns the conversation's uuid.
func (w *world) Send(ctx context.Context, visitor, text string) (string, error) {
	id, _, err := w.l.VisitorSend(ctx, w.demo.InboxID, visitor, text)
	if err != nil {
		return "", err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if u, ok := w.uuids[id]; ok {
		return u, nil
	}
	v, ok := w.l.Conversation(id)
	if !ok {
		return "", fmt.Errorf("libredesk: conversation %d vanished", id)
	}
	w.uuids[id] = v.UUID
	return v.UUID, nil
}

// Transcript returns the conversation's messages in creation order, with Role and At only (see
// State for the roles).
func (w *world) Transcript(conv string) []helpdesk.Entry {
	v, _ := w.l.ConversationByUUID(conv)
	out := make([]helpdesk.Entry, 0, len(v.Messages))
	for _, m := range v.Messages {
		out = append(out, helpdesk.Entry{Role: w.role(m), At: m.CreatedAt})
	}
	return helpdesk.SortEntries(out)
}

// role says who wrote a Libredesk message, as the adapter reads it (toMessage): an activity
// message (type "activity", which Libredesk stores private) is a system line whoever caused
// it; any other private message is a note; "incoming", or a message with sender_type
// "contact", is the visitor's; an outgoing message of the bot agent is the bot's; any other
// outgoing message is a human agent's.
func (w *world) role(m sim.MessageView) helpdesk.Role {
	switch {
	case m.Type == "activity":
		return helpdesk.RoleOther
	case m.Private:
		return helpdesk.RoleNote
	case m.Type == msgIncoming || m.SenderType == senderContact:
		return helpdesk.RoleVisitor
	case m.Type == msgOutgoing && m.SenderID == w.demo.BotID:
		return helpdesk.RoleBot
	case m.Type == msgOutgoing:
		return helpdesk.RoleAgent
	}
	return helpdesk.RoleOther
}

// viewText is a message as its reader sees it: text_content, else the HTML content with the
// tags stripped (as the adapter's messageText).
func viewText(m sim.MessageView) string {
	if t := strings.TrimSpace(m.Text); t != "" {
		return t
	}
	return helptext.Lines(m.Content)
}

// State returns the conversation as Libredesk holds it:
//   - Entries: every message, note and activity line in creation order (roles as in role), the
//     text as its reader sees it; a bot message's Offers are read from the line the adapter
//     appended (offersIn: Libredesk has no buttons), and AsksEmail marks the bot's question
//     for an email address (echo kind "email", else the engine's question in any language);
//   - WithHuman: a human agent (not the bot) is assigned, or the chat is in the human queue
//     (assigned to team Support, the inbox's mapped team, with the bot off it), or it carries
//     the bot's handover note with no hand-back note after it (HandBack), or a human agent has
//     replied publicly. The adapter's handover
//     is the team assignment and the note (HandToHuman); an offline message is filed in the
//     same queue (LeaveOffline), so it is WithHuman too;
//   - Offline: the tag offline-message, or the bot's offline note (the adapter's marker;
//     Load reads either, docs/helpdesks/libredesk.md §4);
//   - Email: the contact's email; Libredesk's widget has no email form and the adapter does
//     not write the contact, so for a visitor who typed an address it is the "Reply to:"
//     address of the bot's offline note, where agents find it.
//
// An unknown conversation is the zero State.
func (w *world) State(conv string) helpdesk.State {
	v, ok := w.l.ConversationByUUID(conv)
	if !ok {
		return helpdesk.State{}
	}
	var st helpdesk.State
	st.Entries = make([]helpdesk.Entry, 0, len(v.Messages))
	noteEmail, handedOver := "", false
	for _, m := range v.Messages {
		e := helpdesk.Entry{Role: w.role(m), At: m.CreatedAt, Text: viewText(m)}
		switch e.Role {
		case helpdesk.RoleBot:
			for _, o := range offersIn(e.Text) {
				e.Offers = append(e.Offers, o.value)
			}
			e.AsksEmail = asksEmail(m, e.Text)
		case helpdesk.RoleAgent:
			st.WithHuman = true // served by a person
		case helpdesk.RoleNote:
			if m.SenderID != w.demo.BotID {
				break
			}
			switch {
			case isNote(e.Text, noteHandover):
				handedOver = true
			case isNote(e.Text, noteHandedBack):
				handedOver = false // HandBack: the visitor called the wait off
			case isNote(e.Text, noteOffline):
				st.Offline = true
				if addr := replyTo(e.Text); addr != "" {
					noteEmail = addr
				}
			}
		}
		st.Entries = append(st.Entries, e)
	}
	helpdesk.SortEntries(st.Entries)
	human := v.AssigneeID > 0 && v.AssigneeID != w.demo.BotID
	queued := v.TeamID == w.demo.TeamID && v.AssigneeID != w.demo.BotID
	st.WithHuman = st.WithHuman || human || queued || handedOver
	st.Offline = st.Offline || slices.Contains(v.Tags, TagOffline)
	st.Email = strings.TrimSpace(v.ContactEmail)
	if st.Email == "" {
		st.Email = noteEmail
	}
	return st
}

// replyTo reads the address of the "Reply to: " line of an offline note (handover.OfflineNote),
// "" when none was given.
func replyTo(note string) string {
	for line := range strings.Lines(note) {
		if addr, ok := strings.CutPrefix(strings.TrimSpace(line), "Reply to: "); ok {
			if addr = strings.TrimSpace(addr); strings.Contains(addr, "@") {
				return addr
			}
			return ""
		}
	}
	return ""
}

// asksEmail reports whether a bot message is the question for an email address: its echo kind
// when it has one (the adapter marks it "email"), else the engine's question in any language.
func asksEmail(m sim.MessageView, text string) bool {
	id, _ := m.Meta["echo_id"].(string)
	if k := echoKind(id); k != "" {
		return k == kindEmail
	}
	for _, l := range handover.Languages() {
		if q := l.Texts.AskEmail; q != "" && strings.Contains(text, q) {
			return true
		}
	}
	return false
}

// offer is one choice a bot message offers and the word it tells the visitor to type for it.
type offer struct{ value, word string }

// typedLine is one sentence render appends under a prompt, in one language, and the choices it
// offers in the order their keywords appear in it.
type typedLine struct {
	line   string
	offers []offer
}

// typedOffers are every language's sentences for PromptHuman and PromptOffline
// (handover.Language.Instruction, the lines render appends), with the keywords they ask for.
var typedOffers = sync.OnceValue(func() []typedLine {
	var out []typedLine
	for _, l := range handover.Languages() {
		for _, p := range []struct {
			prompt   handover.Prompt
			template string
		}{{handover.PromptHuman, l.Typed.Human}, {handover.PromptOffline, l.Typed.Offline}} {
			line := l.Instruction(p.prompt)
			if line == "" {
				continue
			}
			type at struct {
				pos int
				o   offer
			}
			var found []at
			for _, v := range []string{handover.ChoiceRequestHuman, handover.ChoiceOffline, handover.ChoiceContinue} {
				word := l.Keywords.Of(v)
				pos := strings.Index(p.template, "{"+placeholder(v)+"}")
				if word != "" && pos >= 0 {
					found = append(found, at{pos, offer{v, word}})
				}
			}
			slices.SortFunc(found, func(a, b at) int { return a.pos - b.pos })
			tl := typedLine{line: line}
			for _, f := range found {
				tl.offers = append(tl.offers, f.o)
			}
			out = append(out, tl)
		}
	}
	return out
})

// placeholder is the name of a choice's keyword in handover.Typed's sentences.
func placeholder(value string) string {
	switch value {
	case handover.ChoiceRequestHuman:
		return "human"
	case handover.ChoiceOffline:
		return "offline"
	case handover.ChoiceContinue:
		return "continue"
	}
	return ""
}

// offersIn returns the choices a bot message's text offers, in the order shown: the keywords
// of every typed line in it (render appends one: "type "agent"…", "Type "message" … or
// "bot" …", in the visitor's language), first occurrence of a choice wins.
func offersIn(text string) []offer {
	type hit struct {
		pos    int
		offers []offer
	}
	var hits []hit
	for _, tl := range typedOffers() {
		if pos := strings.Index(text, tl.line); pos >= 0 {
			hits = append(hits, hit{pos, tl.offers})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return a.pos - b.pos })
	var out []offer
	for _, h := range hits {
		for _, o := range h.offers {
			if !slices.ContainsFunc(out, func(x offer) bool { return x.value == o.value }) {
				out = append(out, o)
			}
		}
	}
	return out
}

// view returns the conversation with that uuid.
func (w *world) view(conv string) (sim.ConversationView, error) {
	v, ok := w.l.ConversationByUUID(conv)
	if !ok {
		return v, fmt.Errorf("libredesk: conversation %s: %w", conv, sim.ErrNotFound)
	}
	return v, nil
}

// Choose answers the bot's latest public message as a Libredesk visitor does, the widget
// having no buttons: it types, from the widget into this conversation, the keyword the
// message's typed line asks for that choice (e.g. "agent", "message", "bot" in English). It
// fails when the latest bot message offers no such choice.
func (w *world) Choose(ctx context.Context, conv, choice string) error {
	v, err := w.view(conv)
	if err != nil {
		return err
	}
	last := -1
	for i, m := range v.Messages {
		if w.role(m) == helpdesk.RoleBot {
			last = i
		}
	}
	if last < 0 {
		return fmt.Errorf("libredesk: choose %q in %s: the bot has written nothing", choice, conv)
	}
	offers := offersIn(viewText(v.Messages[last]))
	for _, o := range offers {
		if o.value == choice {
			if _, err := w.l.VisitorReply(ctx, v.ID, o.word); err != nil {
				return fmt.Errorf("libredesk: choose %q in %s: %w", choice, conv, err)
			}
			return nil
		}
	}
	return fmt.Errorf("libredesk: choose %q in %s: the bot's latest message offers %v", choice, conv, offers)
}

// GiveEmail types the address into the chat: Libredesk's widget has no email form (its
// pre-chat form comes before the chat), and the adapter's email prompt asks for a typed
// address, which the engine finds in the visitor's message.
func (w *world) GiveEmail(ctx context.Context, conv, email string) error {
	v, err := w.view(conv)
	if err != nil {
		return err
	}
	if _, err := w.l.VisitorReply(ctx, v.ID, email); err != nil {
		return fmt.Errorf("libredesk: give email in %s: %w", conv, err)
	}
	return nil
}

// SetAgentsAvailable sets the availability_status of every agent of team Support, the human
// queue (Alice and Bob; the bot is no member), to "online" or "away"; the adapter's Available
// counts only "online" (docs/helpdesks/libredesk.md §6).
func (w *world) SetAgentsAvailable(on bool) {
	status := sim.Away
	if on {
		status = sim.Online
	}
	for _, id := range []int{w.demo.AliceID, w.demo.BobID} {
		w.l.SetAvailability(id, status)
	}
}

// AgentReply posts a public reply as Alice, the first agent of team Support, as the agent UI
// does (POST /api/v1/conversations/{uuid}/messages): Libredesk sends message.created, then
// message.updated when the reply is sent.
func (w *world) AgentReply(ctx context.Context, conv, text string) error {
	v, err := w.view(conv)
	if err != nil {
		return err
	}
	if _, err := w.l.AgentReply(ctx, v.ID, w.demo.AliceID, text, false); err != nil {
		return fmt.Errorf("libredesk: agent reply in %s: %w", conv, err)
	}
	return nil
}

// SetFaults makes the simulated API (agent and widget routes) misbehave: 429 with Retry-After
// (Libredesk's rate limiter), 500, dropped connections and delay. It replaces the sim's fault
// settings, webhook faults included (none here).
func (w *world) SetFaults(f helpdesk.Faults) {
	w.l.SetFaults(sim.Faults{Status429Rate: f.Status429Rate, RetryAfter: f.RetryAfter, Status500Rate: f.Status500Rate,
		DropRate: f.DropRate, Delay: f.Delay})
}
