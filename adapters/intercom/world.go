package intercom

// The simulated Intercom of the sandbox, the benchmark and the conformance kit (helpdesk.World),
// on the dialect of adapters/sim/intercom. What the workspace holds is read back with the
// adapter's own reading of a conversation (build), so the world recognises exactly what the
// adapter writes: see docs/helpdesks/intercom.md.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/simkit"
	sim "github.com/handover-dev/handover/adapters/sim/intercom"
	"github.com/handover-dev/handover/handover"
)

// worldRetryWait is the simulator's wait before it redelivers a failed notification.
const worldRetryWait = 3 * time.Second

// world is the simulated Intercom workspace: the bot teammate, to whom a workflow assigns new
// Messenger conversations, and team Support with Alice (available) and Bob (away) as the human
// queue.
type world struct {
	s        *sim.Server
	demo     sim.Demo
	settings *Settings
	reader   *Adapter // reads conversations as the adapter does; makes no calls
	bench    bool     // the benchmark's and the kit's world: no sandbox page
}

func newWorld(o helpdesk.SandboxOptions) (helpdesk.World, error) {
	token, secret := simkit.Token(), simkit.Token()
	wait := worldRetryWait
	if o.RetryWait > 0 {
		wait = o.RetryWait
	}
	s := sim.New(sim.Options{Token: token, ClientSecret: secret, RetryWait: wait, Logger: simkit.Logger(o.Logger)})
	w := &world{s: s, demo: s.SeedDemo(), bench: o.Benchmark}
	w.settings = &Settings{URL: o.SimURL, AccessToken: helpdesk.Secret(token), ClientSecret: helpdesk.Secret(secret),
		BotAdminID: w.demo.BotID, TeamID: w.demo.TeamID}
	if st, ok := o.Settings.(*Settings); ok && st != nil && st.TicketTypeID != "" {
		w.settings.TicketTypeID = w.demo.TicketTypeID // offline tickets, against the simulator's ticket type
	}
	w.reader = &Adapter{cfg: Config{BotAdminID: w.demo.BotID, TeamID: w.demo.TeamID, Window: 1 << 30}}
	return w, nil
}

// Handler serves the simulated REST API and, outside the benchmark, the sandbox page.
func (w *world) Handler() http.Handler {
	if w.bench {
		return w.s.Handler()
	}
	return w.pageHandler(w.s.Handler())
}

// Settings are the HANDOVER_INTERCOM_* settings pointing at the simulator.
func (w *world) Settings() helpdesk.Settings { return w.settings }

// Connect points the app's webhook at base+"/webhooks/intercom".
func (w *world) Connect(base string) { w.s.SetWebhookURL(base + "/webhooks/" + Name) }

// Calls is the log of the API calls the simulator answered.
func (w *world) Calls() []helpdesk.Call {
	cs := w.s.Calls()
	out := make([]helpdesk.Call, len(cs))
	for i, c := range cs {
		out[i] = helpdesk.Call{Method: c.Method, Path: c.Path, Status: c.Status}
	}
	return out
}

// ResetCalls empties the call log.
func (w *world) ResetCalls() { w.s.ResetCalls() }

// WaitIdle waits until no notification is in flight.
func (w *world) WaitIdle(ctx context.Context) error { return w.s.WaitIdle(ctx) }

// Close stops the deliveries and waits for them.
func (w *world) Close() { w.s.Close() }

// SetFaults makes the simulated API misbehave.
func (w *world) SetFaults(f helpdesk.Faults) { w.s.SetFaults(f) }

// Send writes a Messenger message of visitor (a lead, created on first use): a reply in their
// open conversation, or a new conversation, which the workflow assigns to the bot.
func (w *world) Send(ctx context.Context, visitor, text string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	contact := w.s.Contact(visitor)
	if id := w.s.OpenConversation(contact); id != "" {
		_, err := w.s.VisitorReply(id, text, "")
		return id, err
	}
	return w.s.VisitorStart(contact, text)
}

// Transcript returns the conversation's messages: the contact's, and the bot teammate's public
// ones; everything else is RoleOther.
func (w *world) Transcript(conv string) []helpdesk.Entry {
	v, ok := w.s.Conversation(conv)
	if !ok {
		return nil
	}
	out := []helpdesk.Entry{{Role: helpdesk.RoleVisitor, At: v.Source.CreatedAt}}
	for _, p := range v.Parts {
		r := helpdesk.RoleOther
		switch {
		case p.AuthorType == "user" || p.AuthorType == "lead":
			r = helpdesk.RoleVisitor
		case p.AuthorType == "admin" && p.AuthorID == w.demo.BotID && (p.PartType == "comment" || p.PartType == "quick_reply"):
			r = helpdesk.RoleBot
		}
		out = append(out, helpdesk.Entry{Role: r, At: p.CreatedAt})
	}
	return helpdesk.SortEntries(out)
}

// Choose clicks the option of the bot's newest quick reply that names choice; without one it
// types the choice's value, which the engine also accepts.
func (w *world) Choose(ctx context.Context, conv, choice string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	want := choiceUUID(choice)
	for _, o := range w.s.LastOptions(conv) {
		if o.UUID == want {
			_, err := w.s.VisitorReply(conv, o.Text, o.UUID)
			return err
		}
	}
	_, err := w.s.VisitorReply(conv, choice, "")
	return err
}

// GiveEmail answers the bot's question with a message holding the address.
func (w *world) GiveEmail(ctx context.Context, conv, email string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := w.s.VisitorReply(conv, email, "")
	return err
}

// SetAgentsAvailable turns the away mode of every teammate of team Support off (on) or on.
func (w *world) SetAgentsAvailable(on bool) {
	for _, id := range w.s.TeamMembers(w.demo.TeamID) {
		w.s.SetAway(id, !on)
	}
}

// AgentReply is Alice's public reply from the Inbox.
func (w *world) AgentReply(ctx context.Context, conv, text string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return w.s.AdminReply(conv, w.demo.AliceID, text)
}

// State returns the conversation as the workspace holds it, read as the adapter reads it
// (build): the contact's parts are the visitor, the bot teammate's public parts the bot (its
// Offers the choices its quick-reply options name, AsksEmail its question for the address),
// another teammate's public parts an agent, every note a RoleNote, Fin's and the workflow's
// parts RoleOther. WithHuman: the bot teammate is no longer the assignee and a team or a person
// is, or a teammate replied. Offline: the bot's offline note is in the conversation, or a ticket
// names it. Email: the contact's.
func (w *world) State(conv string) helpdesk.State {
	v, ok := w.s.Conversation(conv)
	if !ok {
		return helpdesk.State{}
	}
	raw, _ := w.s.ConversationJSON(conv, true)
	var c conversation
	if err := json.Unmarshal(raw, &c); err != nil {
		return helpdesk.State{}
	}
	at := map[string]time.Time{"source-" + v.Source.ID: v.Source.CreatedAt}
	for _, p := range v.Parts {
		at[p.ID] = p.CreatedAt
	}
	snap, _ := w.reader.build(&c)
	var st helpdesk.State
	for _, m := range snap.Messages {
		e := helpdesk.Entry{At: at[m.ID], Text: m.Text}
		switch {
		case m.Private:
			e.Role = helpdesk.RoleNote
			if m.Role == handover.RoleBot && strings.HasPrefix(m.Text, offlineHeading) {
				st.Offline = true
			}
		case m.Role == handover.RoleVisitor:
			e.Role = helpdesk.RoleVisitor
		case m.Role == handover.RoleBot:
			e.Role = helpdesk.RoleBot
			for _, b := range m.Buttons {
				e.Offers = append(e.Offers, b.Value)
			}
			e.AsksEmail = m.Prompt == handover.PromptEmail
		case m.Role == handover.RoleAgent:
			e.Role = helpdesk.RoleAgent
			st.WithHuman = true
		default:
			e.Role = helpdesk.RoleOther
		}
		st.Entries = append(st.Entries, e)
	}
	if v.AdminAssigneeID != w.demo.BotID && (v.AdminAssigneeID != "" || v.TeamAssigneeID != "") {
		st.WithHuman = true
	}
	for _, t := range w.s.Tickets() {
		if d, _ := t.Attributes["_default_description_"].(string); strings.Contains(d, fmt.Sprintf("Conversation: %s\n", conv)) {
			st.Offline = true
		}
	}
	if ct, ok := w.s.ContactView(v.ContactID); ok {
		st.Email = ct.Email
	}
	return st
}
