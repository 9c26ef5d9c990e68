package zendesk

// The simulated Zendesk of the sandbox, the benchmark and the conformance kit
// (helpdesk.World), on the Sunshine Conversations dialect of adapters/sim. What the helpdesk
// holds is read back with the adapter's own reading of Sunshine messages (toMessage), so the
// world recognises exactly what the adapter writes: see docs/helpdesks/zendesk.md §3.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/simkit"
	sim "github.com/handover-dev/handover/adapters/sim/zendesk"
	"github.com/handover-dev/handover/handover"
)

const sandboxEmail = "admin@example.com"

// world is the simulated Zendesk: Sunshine Conversations with handover's switchboard
// integration in control of new conversations, Agent Workspace agents Alice (online) and Bob
// (offline) in group Support as the human queue, and the Support API.
type world struct {
	z        *sim.Server
	demo     sim.Demo
	settings *Settings
}

// worldRetryWait is the simulator's first wait before it redelivers a failed webhook (Sunshine:
// 5 attempts over 15 minutes, exponential; docs/helpdesks/zendesk.md §2.2), shortened for the
// sandbox.
const worldRetryWait = 3 * time.Second

func newWorld(o helpdesk.SandboxOptions) (helpdesk.World, error) {
	keyID, keySecret, hook, token := "app_"+simkit.Token()[:12], simkit.Token(), simkit.Token(), simkit.Token()
	wait := worldRetryWait
	if o.RetryWait > 0 {
		wait = o.RetryWait
	}
	w := &world{z: sim.New(sim.Options{KeyID: keyID, KeySecret: keySecret, WebhookSecret: hook,
		SupportEmail: sandboxEmail, SupportToken: token, RetryWait: wait, Logger: simkit.Logger(o.Logger)})}
	w.demo = w.z.SeedDemo()
	w.settings = &Settings{URL: o.SimURL, AppID: w.z.AppID(), KeyID: keyID, KeySecret: helpdesk.Secret(keySecret),
		IntegrationID: w.z.IntegrationID(), WebhookSecret: helpdesk.Secret(hook), Email: sandboxEmail,
		APIToken: helpdesk.Secret(token), GroupID: strconv.Itoa(w.demo.GroupID)}
	if s, ok := o.Settings.(*Settings); ok && s != nil {
		w.settings.Buttons = s.Buttons // try either style against the simulator
	}
	return w, nil
}

// Handler serves the simulator: the Sunshine API under /sc, the Support API under /api/v2 and
// the sandbox page.
func (w *world) Handler() http.Handler { return w.z.Handler() }

// Settings are the HANDOVER_ZENDESK_* settings pointing at the simulator.
func (w *world) Settings() helpdesk.Settings { return w.settings }

// Connect points the custom integration's webhook at base+"/webhooks/zendesk".
func (w *world) Connect(base string) { w.z.SetWebhookURL(base + "/webhooks/" + Name) }

// Calls is the log of the API calls the simulator answered.
func (w *world) Calls() []helpdesk.Call { return simkit.Calls(w.z.Calls()) }

// ResetCalls empties the call log.
func (w *world) ResetCalls() { w.z.ResetCalls() }

// WaitIdle waits until no webhook delivery (or redelivery) is in flight.
func (w *world) WaitIdle(ctx context.Context) error { return w.z.WaitIdle(ctx) }

// Close stops the deliveries and waits for them.
func (w *world) Close() { w.z.Close() }

// Send writes a user message from the Web Widget of visitor (their one personal conversation,
// created with handover's integration in control) and returns the Sunshine conversation id.
func (w *world) Send(ctx context.Context, visitor, text string) (string, error) {
	id, _, err := w.z.VisitorSend(ctx, visitor, text)
	return id, err
}

// Transcript returns the conversation's messages by author type only: the benchmark has no
// human agents, so every business message counts as the bot's (State tells them apart).
func (w *world) Transcript(conv string) []helpdesk.Entry {
	v, _ := w.z.Conversation(conv)
	out := make([]helpdesk.Entry, 0, len(v.Messages))
	for _, m := range v.Messages {
		r := helpdesk.RoleOther
		switch m.AuthorType {
		case "user":
			r = helpdesk.RoleVisitor
		case "business":
			r = helpdesk.RoleBot
		}
		out = append(out, helpdesk.Entry{Role: r, At: m.Received})
	}
	return helpdesk.SortEntries(out)
}

// asAdapterMessage is a simulator message as List Messages returns it (message.yaml), for the
// adapter's own reading (toMessage).
func asAdapterMessage(m sim.MessageView) message {
	out := message{
		ID:       m.ID,
		Author:   author{Type: m.AuthorType, DisplayName: m.DisplayName},
		Content:  content{Type: "text", Text: m.Text, Payload: m.Payload},
		Source:   source{Type: m.SourceType},
		Metadata: metadata(m.Metadata),
	}
	for _, a := range m.Actions {
		act := action{}
		act.Type, _ = a["type"].(string)
		act.Text, _ = a["text"].(string)
		act.Payload, _ = a["payload"].(string)
		if md, ok := a["metadata"].(map[string]any); ok {
			act.Metadata = metadata(md)
		}
		out.Content.Actions = append(out.Content.Actions, act)
	}
	return out
}

// choiceValues are the choices a visitor makes on the bot's prompts.
var choiceValues = []string{handover.ChoiceRequestHuman, handover.ChoiceOffline, handover.ChoiceContinue}

// State returns the conversation as Zendesk holds it. Entries are the Sunshine messages, read as
// the adapter reads them (docs/helpdesks/zendesk.md §3): author.type "user" is the visitor; a
// business message with handover_kind metadata is the bot, its Offers the choice values of its
// reply or postback actions' payloads in order and AsksEmail its handover_prompt "email"; a
// business message from source zd:agentWorkspace is an agent; any other business message
// (another integration, a survey) is RoleOther. Sunshine has no private notes: the internal
// comment (public:false) of each Support ticket whose external_id is the conversation, the
// offline message LeaveOffline files, is a RoleNote. WithHuman: Agent Workspace is the active
// switchboard integration (HandToHuman's passControl, or an agent's takeover). Offline: a ticket
// tagged handover_offline names the conversation as external_id. Email: the Sunshine user's
// profile email, else the requester email of the newest such ticket (the Support end user the
// ticket created).
func (w *world) State(conv string) helpdesk.State {
	v, ok := w.z.Conversation(conv)
	if !ok {
		return helpdesk.State{}
	}
	var st helpdesk.State
	for _, m := range v.Messages {
		raw := asAdapterMessage(m)
		hm := toMessage(&raw)
		e := helpdesk.Entry{At: m.Received, Text: hm.Text}
		switch hm.Role {
		case handover.RoleVisitor:
			e.Role = helpdesk.RoleVisitor
		case handover.RoleBot:
			e.Role = helpdesk.RoleBot
			for _, b := range hm.Buttons {
				if slices.Contains(choiceValues, b.Value) {
					e.Offers = append(e.Offers, b.Value)
				}
			}
			e.AsksEmail = hm.Prompt == handover.PromptEmail
		case handover.RoleAgent:
			e.Role = helpdesk.RoleAgent
		default:
			e.Role = helpdesk.RoleOther
		}
		st.Entries = append(st.Entries, e)
	}
	for _, tk := range v.Tickets {
		role := helpdesk.RoleNote
		if tk.Public {
			role = helpdesk.RoleOther // a public first comment: not a note, not a chat message
		}
		st.Entries = append(st.Entries, helpdesk.Entry{Role: role, At: tk.CreatedAt, Text: tk.Comment})
		if slices.Contains(tk.Tags, tagOffline) {
			st.Offline = true
		}
		if tk.RequesterEmail != "" {
			st.Email = tk.RequesterEmail
		}
	}
	// Sunshine has no private notes: what the agent gets with a handover is the passControl
	// metadata (reason and summary), shown in Agent Workspace with the messaging ticket.
	for _, ce := range v.Control {
		reason, _ := ce.Metadata["handover_reason_text"].(string)
		if ce.Action != "passControl" || ce.Target != sim.AgentWorkspaceName || reason == "" {
			continue
		}
		text := reason
		if sum, _ := ce.Metadata["handover_summary"].(string); sum != "" {
			text += "\n" + sum
		}
		st.Entries = append(st.Entries, helpdesk.Entry{Role: helpdesk.RoleNote, At: ce.At, Text: text})
	}
	if v.Email != "" {
		st.Email = v.Email
	}
	helpdesk.SortEntries(st.Entries)
	st.WithHuman = v.Active == sim.AgentWorkspaceName
	return st
}

// latestBot returns the newest message the adapter wrote as the bot, with the adapter's reading
// of it.
func (w *world) latestBot(conv string) (sim.MessageView, handover.Message, error) {
	v, ok := w.z.Conversation(conv)
	if !ok {
		return sim.MessageView{}, handover.Message{}, fmt.Errorf("zendesk world: conversation %s: %w", conv, sim.ErrNotFound)
	}
	for i := len(v.Messages) - 1; i >= 0; i-- {
		raw := asAdapterMessage(v.Messages[i])
		if hm := toMessage(&raw); hm.Role == handover.RoleBot {
			return v.Messages[i], hm, nil
		}
	}
	return sim.MessageView{}, handover.Message{}, fmt.Errorf("zendesk world: conversation %s has no bot message", conv)
}

// Choose clicks the action whose payload is choice on the bot's latest message, as a visitor of
// the Web Widget does: the adapter always sends the choices as message actions (Config.Buttons),
// so a reply action sends a user message with the button's text and payload
// (conversation:message, matched by the engine on the button's title) and a postback action
// fires conversation:postback with the payload and the action's handover_ref metadata (the
// adapter's EventChoice). It fails when that message offers no such choice.
// Docs: https://developer.zendesk.com/api-reference/conversations/#tag/Messages (action types).
func (w *world) Choose(ctx context.Context, conv, choice string) error {
	m, hm, err := w.latestBot(conv)
	if err != nil {
		return fmt.Errorf("choose %s: %w", choice, err)
	}
	if !slices.ContainsFunc(hm.Buttons, func(b handover.Button) bool { return b.Value == choice }) {
		return fmt.Errorf("zendesk world: choose %s: the bot's latest message in %s does not offer it", choice, conv)
	}
	return w.z.VisitorClick(ctx, conv, m.ID, choice)
}

// GiveEmail types the address as a user message: Sunshine's Web Widget shows no email form for
// the adapter's text messages (the adapter sends no form content), so the visitor answers the
// email prompt in the chat, where the engine finds the address.
func (w *world) GiveEmail(ctx context.Context, conv, email string) error {
	_, err := w.z.VisitorReply(ctx, conv, email)
	return err
}

// SetAgentsAvailable sets the messaging status of every agent of group Support (Alice and Bob) to
// online (on) or away (off): the status the Agent Availability API reports and the adapter's
// Available reads (filter[channel_status]=messaging:online; docs/helpdesks/zendesk.md §1.5).
func (w *world) SetAgentsAvailable(on bool) {
	status := "away"
	if on {
		status = "online"
	}
	for _, id := range []int{w.demo.AliceID, w.demo.BobID} {
		w.z.SetAgentStatus(id, status)
	}
}

// AgentReply is an agent of group Support taking the chat in Agent Workspace (Agent Workspace
// gets control unless it has it: switchboard:passControl) and writing a public reply (author
// business, source zd:agentWorkspace: conversation:message). The agent already working the
// conversation replies when it is Bob; otherwise Alice does.
func (w *world) AgentReply(ctx context.Context, conv, text string) error {
	v, ok := w.z.Conversation(conv)
	if !ok {
		return fmt.Errorf("zendesk world: agent reply: conversation %s: %w", conv, sim.ErrNotFound)
	}
	agent := w.demo.AliceID
	if v.Agent == "Bob" { // SeedDemo's names
		agent = w.demo.BobID
	}
	if err := w.z.AgentTakeOver(ctx, conv, agent, nil); err != nil {
		return err
	}
	_, err := w.z.AgentReply(ctx, conv, agent, text)
	return err
}

// SetFaults makes both simulated APIs (Sunshine under /sc, Support under /api/v2) misbehave:
// 429 (with Retry-After when set), 500, dropped connections and added delay. Webhook deliveries
// are left alone.
func (w *world) SetFaults(f helpdesk.Faults) {
	w.z.SetFaults(sim.Faults{Status429Rate: f.Status429Rate, RetryAfter: f.RetryAfter, Status500Rate: f.Status500Rate,
		DropRate: f.DropRate, Delay: f.Delay})
}

var _ helpdesk.World = (*world)(nil)
