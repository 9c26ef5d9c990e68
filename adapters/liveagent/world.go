package liveagent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/simkit"
	sim "github.com/handover-dev/handover/adapters/sim/liveagent"
	"github.com/handover-dev/handover/handover"
)

const (
	// sandboxRateLimit: one person clicking in a sandbox should not wait for LiveAgent's 180
	// requests a minute (real accounts keep it: HANDOVER_LIVEAGENT_RATE_LIMIT); the sim and the
	// adapter agree on a roomier budget.
	sandboxRateLimit = 1200
	// benchmarkRateLimit is the adapter's budget in a load run: far above LiveAgent's 180, so the
	// run measures the service, not the budget (the report shows what a turn costs against
	// 180). The simulator enforces none.
	benchmarkRateLimit = 1_000_000
)

// world is the simulated LiveAgent account: department Chatbot with the bot agent, where the
// chat button starts chats; department Support (Alice online, Bob offline) as the human queue;
// the rules of "handover liveagent rules" once connected.
//
// LiveAgent's chat has no bot buttons reachable through the API (docs/helpdesks/liveagent.md
// §3): the adapter ends a prompt with a sentence that says what to type, so the world reads
// offers from that sentence and a visitor chooses by typing the word.
type world struct {
	la       *sim.Server
	demo     sim.Demo
	settings *Settings
}

// newWorld builds the world (Descriptor.Sandbox). With o.Benchmark neither the simulator nor
// the adapter limits the rate (LiveAgent's 180 requests a minute would measure the budget, not
// the service) and rules get the simulator's default timeout. o.RetryWait plays no part:
// LiveAgent's rules deliver once and never redeliver (docs/helpdesks/liveagent.md §2.1), and
// the simulator does the same.
func newWorld(o helpdesk.SandboxOptions) (helpdesk.World, error) {
	key, v1Key, secret := simkit.Token(), simkit.Token(), simkit.Token()
	simLimit, limit := sandboxRateLimit, sandboxRateLimit
	opts := sim.Options{APIKey: key, APIV1Key: v1Key, BotName: o.BotName, RuleTimeout: 10 * time.Second, Logger: simkit.Logger(o.Logger)}
	if o.Benchmark {
		simLimit, limit, opts.RuleTimeout = -1, benchmarkRateLimit, 0
	}
	opts.RateLimit = simLimit
	w := &world{la: sim.New(opts)}
	w.demo = w.la.SeedDemo()
	w.settings = &Settings{URL: o.SimURL, APIKey: helpdesk.Secret(key), APIV1Key: helpdesk.Secret(v1Key),
		BotAgentID: w.la.BotAgentID(), WebhookSecret: helpdesk.Secret(secret),
		Departments: w.demo.BotDepartment + ":" + w.demo.SupportDepartment, RateLimit: limit}
	return w, nil
}

// Handler serves the simulated account: API v3, API v1 and the sandbox page.
func (w *world) Handler() http.Handler { return w.la.Handler() }

// Settings are the HANDOVER_LIVEAGENT_* settings that reach the simulated account.
func (w *world) Settings() helpdesk.Settings { return w.settings }

// Calls is the simulator's log of API calls (v3 and v1).
func (w *world) Calls() []helpdesk.Call { return simkit.Calls(w.la.Calls()) }

// ResetCalls empties the simulator's call log.
func (w *world) ResetCalls() { w.la.ResetCalls() }

// WaitIdle waits until no rule delivery is in flight.
func (w *world) WaitIdle(ctx context.Context) error { return w.la.WaitIdle(ctx) }

// Close stops the simulator and its rule deliveries.
func (w *world) Close() { w.la.Close() }

// Connect creates the rules' HTTP request actions, as an administrator would from "handover
// liveagent rules".
func (w *world) Connect(base string) {
	for _, r := range Rules(w.la.BotAgentID()) {
		if r.Action != "HTTP request" {
			continue // routing to the bot: the sim's Chatbot department does it
		}
		w.la.AddRule(sim.Rule{Name: r.Name, Trigger: r.Trigger, Method: r.Method,
			URL: WebhookURL(base, w.settings.WebhookSecret.Value()), Body: r.Body})
	}
}

// Send writes a visitor message through the chat button: the visitor's running chat, or a
// new chat in the Chatbot department, which the bot agent gets. The id is the ticket id.
func (w *world) Send(ctx context.Context, visitor, text string) (string, error) {
	id, _, err := w.la.VisitorSend(ctx, "", visitor, text)
	return id, err
}

// Transcript returns the ticket's messages, notes and system lines in creation order, with
// the roles of State.
func (w *world) Transcript(conv string) []helpdesk.Entry {
	tk, _ := w.la.Ticket(conv)
	out := make([]helpdesk.Entry, 0, len(tk.Messages))
	for _, m := range tk.Messages {
		out = append(out, helpdesk.Entry{Role: entryRole(m), At: m.CreatedAt})
	}
	return helpdesk.SortEntries(out)
}

// entryRole reads who wrote a message of the ticket: a note (message type N, whoever wrote
// it) is RoleNote; a public message (type M) is the visitor's, the bot agent's or a human
// agent's; the user-agent line, transfers and status lines are RoleOther
// (docs/helpdesks/liveagent.md §1.5).
func entryRole(m sim.TicketMessage) helpdesk.Role {
	switch {
	case m.Note:
		return helpdesk.RoleNote
	case m.Role == "visitor":
		return helpdesk.RoleVisitor
	case m.Role == "bot":
		return helpdesk.RoleBot
	case m.Role == "agent":
		return helpdesk.RoleAgent
	}
	return helpdesk.RoleOther
}

// State returns the ticket as LiveAgent holds it:
//
//   - Entries: every message in creation order (roles as entryRole), Text as its reader sees
//     it (an agent-panel HTML message as text, as the adapter reads it). A bot message's Offers
//     come from the typed-choice sentence the adapter's Post ends a prompt with (LiveAgent's
//     chat has no bot buttons through the API): the choices it names, in the order it names
//     them, in whichever of handover's languages it is written; AsksEmail is set on the email
//     question (its typed sentence, or the engine's AskEmail notice);
//   - WithHuman: the bot agent no longer holds the ticket and a human agent does, or nobody
//     does and it waits in a human queue (a target department of HANDOVER_LIVEAGENT_DEPARTMENTS):
//     where the adapter's handover (v1 transfer to the department) puts it. The adapter's
//     offline message moves a running chat to the same queue, so it sets WithHuman too;
//   - Offline: the ticket carries the offline-message tag, which the adapter's LeaveOffline
//     adds (a chat that ended also gets a new ticket filed, with the same tag);
//   - Email: the ticket owner's email; else the "Reply to:" address of the bot's offline note,
//     where the adapter records the address the visitor typed (it does not change the contact).
func (w *world) State(conv string) helpdesk.State {
	tk, ok := w.la.Ticket(conv)
	if !ok {
		return helpdesk.State{}
	}
	st := helpdesk.State{Entries: make([]helpdesk.Entry, 0, len(tk.Messages))}
	bot := w.la.BotAgentID()
	for _, m := range tk.Messages {
		text := m.Text
		if m.Format == "H" {
			text = plainText(text)
		}
		e := helpdesk.Entry{Role: entryRole(m), At: m.CreatedAt, Text: strings.TrimSpace(text)}
		if e.Role == helpdesk.RoleBot {
			tc := typedChoices(e.Text)
			e.Offers, e.AsksEmail = tc.offers, tc.asksEmail
		}
		if e.Role == helpdesk.RoleNote && m.UserID == bot && st.Email == "" {
			st.Email = replyTo(e.Text)
		}
		st.Entries = append(st.Entries, e)
	}
	helpdesk.SortEntries(st.Entries)
	if e := strings.TrimSpace(tk.OwnerEmail); e != "" {
		st.Email = e
	}
	queues, _ := ParseDepartments(w.settings.Departments)
	switch {
	case tk.AgentID == bot:
	case tk.AgentID != "":
		st.WithHuman = true
	default:
		for _, to := range queues {
			st.WithHuman = st.WithHuman || to == tk.DepartmentID
		}
	}
	st.Offline = slices.Contains(tk.Tags, TagOffline)
	return st
}

// replyTo is the address of the "Reply to:" line of the bot's offline note
// (handover.OfflineNote), or "".
func replyTo(note string) string {
	if !strings.HasPrefix(firstLine(note), noteOffline) {
		return ""
	}
	for _, line := range strings.Split(note, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Reply to:"); ok {
			if v = strings.TrimSpace(v); strings.Contains(v, "@") {
				return v
			}
			return ""
		}
	}
	return ""
}

// typed is what a bot message's typed-choice sentence offers.
type typed struct {
	offers    []string          // choice values, in the order the sentence names them
	lang      handover.Language // the sentence's language
	asksEmail bool
}

// typedChoices reads the sentence render (Post) ends a prompt with, as recognise does: the
// text ends with a language's instruction line for the human, offline or email prompt. The
// offers are the choices whose keywords the line names ({human}, {offline}, {continue} in
// the language's Typed sentence), in that order. A message that is exactly a language's
// AskEmail notice asks for the email too.
func typedChoices(text string) typed {
	norm := normalize(text)
	lines := instructionLines()
	langs := handover.Languages()
	for _, p := range []handover.Prompt{handover.PromptHuman, handover.PromptOffline, handover.PromptEmail} {
		for i, line := range lines[p] {
			if line == "" || i >= len(langs) || !strings.HasSuffix(norm, line) {
				continue
			}
			return typed{offers: offersOf(langs[i], p), lang: langs[i], asksEmail: p == handover.PromptEmail}
		}
	}
	if norm != "" {
		for _, l := range langs {
			if norm == normalizeFixed(l.Texts.AskEmail) {
				return typed{lang: l, asksEmail: true}
			}
		}
	}
	return typed{}
}

// offersOf lists the choices language l's sentence for prompt p names, in the order named.
func offersOf(l handover.Language, p handover.Prompt) []string {
	var tmpl string
	switch p {
	case handover.PromptHuman:
		tmpl = l.Typed.Human
	case handover.PromptOffline:
		tmpl = l.Typed.Offline
	default:
		return nil
	}
	type at struct {
		i     int
		value string
	}
	var found []at
	for _, c := range []struct{ ph, value string }{
		{"{human}", handover.ChoiceRequestHuman}, {"{offline}", handover.ChoiceOffline}, {"{continue}", handover.ChoiceContinue},
	} {
		if i := strings.Index(tmpl, c.ph); i >= 0 {
			found = append(found, at{i, c.value})
		}
	}
	slices.SortFunc(found, func(a, b at) int { return a.i - b.i })
	out := make([]string, 0, len(found))
	for _, f := range found {
		out = append(out, f.value)
	}
	return out
}

// Choose answers the bot's latest public message as a LiveAgent visitor does: there are no
// bot buttons, so the visitor types the keyword the message's sentence names for choice, in
// the sentence's language (the word the adapter's Load reads back as that button). It is an
// error when that message offers no such choice.
func (w *world) Choose(ctx context.Context, conv, choice string) error {
	st := w.State(conv)
	for i := len(st.Entries) - 1; i >= 0; i-- {
		e := st.Entries[i]
		if e.Role != helpdesk.RoleBot {
			continue
		}
		tc := typedChoices(e.Text)
		if !slices.Contains(tc.offers, choice) {
			return fmt.Errorf("liveagent world: the bot's latest message in ticket %s offers %v, not %q", conv, tc.offers, choice)
		}
		word := tc.lang.Keywords.Of(choice)
		if word == "" {
			return fmt.Errorf("liveagent world: no keyword for %q in language %s", choice, tc.lang.Code)
		}
		_, err := w.la.VisitorReply(ctx, conv, word)
		return err
	}
	return fmt.Errorf("liveagent world: the bot has not written in ticket %s", conv)
}

// GiveEmail types the address into the chat: LiveAgent's chat has no email form the bot can
// show, so the adapter's email question asks the visitor to type it (Typed.Email).
func (w *world) GiveEmail(ctx context.Context, conv, email string) error {
	if strings.TrimSpace(email) == "" {
		return errors.New("liveagent world: empty email address")
	}
	_, err := w.la.VisitorReply(ctx, conv, email)
	return err
}

// SetAgentsAvailable sets every agent of the human queue (department Support: Alice and Bob)
// online for chat or offline; the bot agent keeps its presence.
func (w *world) SetAgentsAvailable(on bool) {
	presence := "offline"
	if on {
		presence = "online"
	}
	for _, id := range []string{w.demo.Alice, w.demo.Bob} {
		w.la.SetAvailability(id, presence)
	}
}

// AgentReply writes a public chat message as Alice, the first agent of the human queue, as
// the agent panel does (HTML), without taking the chat first: LiveAgent fires "message added"
// and the adapter reads the agent's message as a takeover.
func (w *world) AgentReply(ctx context.Context, conv, text string) error {
	_, err := w.la.AgentReply(ctx, conv, w.demo.Alice, text, false)
	return err
}

// SetFaults makes the simulated API (v3 and v1) answer 429 (with Retry-After when set), 500,
// drop connections or answer late; the zero Faults stops it. Rule deliveries are untouched.
func (w *world) SetFaults(f helpdesk.Faults) {
	w.la.SetFaults(sim.Faults{Status429Rate: f.Status429Rate, RetryAfter: f.RetryAfter,
		Status500Rate: f.Status500Rate, DropRate: f.DropRate, Delay: f.Delay})
}
