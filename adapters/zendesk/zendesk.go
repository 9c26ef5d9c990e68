// Package zendesk is the handover adapter for Zendesk messaging: handover is a Sunshine
// Conversations switchboard integration (a custom integration with a webhook) that answers while
// it has control of a conversation and hands it to Agent Workspace (zd:agentWorkspace); when
// nobody is available, the offline message becomes a Support ticket.
//
// Inbound, it verifies the webhook's X-API-Key and translates Sunshine Conversations events into
// core events (Authenticate, Parse). Outbound, it implements handover.Helpdesk on the Sunshine
// Conversations API (<base>/sc/v2, https://developer.zendesk.com/api-reference/conversations/)
// and the Support API (<base>/api/v2) with one retrying HTTP client.
//
// It keeps no state: everything is read back from Zendesk on every turn. Who owns a conversation
// is the switchboard's activeSwitchboardIntegration (which every webhook carries: LoadEvent uses
// it in place of a conversation read); what the bot said, how often it answered, which prompt it
// showed and whether it announced an agent are in the metadata of its own messages
// (handover_kind, handover_prompt, handover_ref, handover_agent), read from the newest page of
// messages only, so a turn costs the same whatever the conversation's length. Sources: the
// Sunshine Conversations API spec (github.com/zendesk/sunshine-conversations-api-spec) and the
// developer.zendesk.com pages linked on each method.
package zendesk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/handover"
)

// Name is the adapter's name, as in HANDOVER_HELPDESK and /webhooks/zendesk.
const Name = "zendesk"

// Metadata keys on handover's own messages: the adapter's only "memory", stored in Sunshine.
const (
	// metaKind marks a message as handover's: "answer" (counts towards the required answers),
	// "notice", or "joined" (the announcement of an agent's takeover).
	metaKind = "handover_kind"
	// metaPrompt is the prompt the message carries: "human", "offline" or "email".
	metaPrompt = "handover_prompt"
	// metaRef is the message's handover id, also in its buttons' metadata, so a postback (which
	// names no message) finds its prompt.
	metaRef = "handover_ref"
	// metaAgent is the agent a "joined" notice announced.
	metaAgent = "handover_agent"
)

// Values of metaKind.
const (
	kindAnswer = "answer"
	kindNotice = "notice"
	kindJoined = "joined"
)

// tagOffline is the Support tag of the tickets LeaveOffline files (with "handover").
const tagOffline = "handover_offline"

// sourceAgentWorkspace is source.type of a message an agent sent from Agent Workspace.
const sourceAgentWorkspace = "zd:agentWorkspace"

// Limits from the Sunshine Conversations spec (textMessage.yaml, metadata.yaml) and message actions.
const (
	maxText        = 4096 // textMessage.yaml: text maxLength
	maxMetadata    = 4096 // metadata: flat, at most 4 KB
	maxButtonTitle = 20   // quick reply text is truncated above 20 characters on Messenger
)

// buttonTitle returns the title a button carries: the engine's when it fits in 20 characters
// (maxButtonTitle: Messenger cuts quick replies above 20), else the short title for its value
// in the visitor's language (handover.Language.Short, the language guessed as the engine
// does), else the engine's clipped.
func buttonTitle(conv *handover.Conversation, b handover.Button, value string) string {
	title := strings.TrimSpace(b.Title)
	if title != "" && utf8.RuneCountInString(title) <= maxButtonTitle {
		return title
	}
	if t := handover.VisitorLanguage(conv).Short.Of(value); t != "" {
		return t
	}
	if t := english.Short.Of(value); t != "" && title == "" {
		return t
	}
	return clipRunes(title, maxButtonTitle)
}

// english is the language table's English.
var english, _ = handover.LanguageByCode("en")

// Adapter implements handover.Helpdesk for one Zendesk account and Sunshine Conversations app,
// and the inbound webhook side (Authenticate, Parse) for its custom integration.
type Adapter struct {
	cfg    Config
	http   *retryablehttp.Client
	log    *slog.Logger
	redact apiclient.Redactor
}

var _ handover.Helpdesk = (*Adapter)(nil)

// New validates cfg, applies defaults and builds the adapter's one retrying HTTP client.
func New(cfg Config) (*Adapter, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := apiclient.NewRedactor(cfg.KeySecret, cfg.APIToken, cfg.WebhookSecret)
	logger := cfg.Logger.With("adapter", Name)
	return &Adapter{cfg: cfg, http: newHTTPClient(cfg, r, logger), log: logger, redact: r}, nil
}

// Name returns "zendesk".
func (a *Adapter) Name() string { return Name }

// Authenticate verifies a webhook delivery before it is parsed: its X-API-Key must equal the
// configured webhook secret (constant-time). Sunshine signs nothing else, and the webhook URL
// carries no secret.
func (a *Adapter) Authenticate(h http.Header, _ string, _ []byte, _ time.Time) error {
	return Authenticate(a.cfg.WebhookSecret, h)
}

// DeliveryID returns "": Sunshine sends no delivery header. Retries repeat the event and message
// ids, which Parse puts in each event's DedupKey.
func (a *Adapter) DeliveryID(http.Header) string { return "" }

// Parse translates a verified webhook body into events; see the package function Parse.
func (a *Adapter) Parse(body []byte) ([]handover.Event, error) {
	return Parse(a.cfg.IntegrationID, body)
}

func (a *Adapter) appPath(format string, args ...any) string {
	return "/v2/apps/" + url.PathEscape(a.cfg.AppID) + fmt.Sprintf(format, args...)
}

// validConversationID accepts a Sunshine id: it goes into URL paths.
func validConversationID(id string) bool { return sunIDRe.MatchString(id) }

// Load reads a conversation and derives its state, with these calls:
//
//   - GET /sc/v2/apps/{app}/conversations/{id}: activeSwitchboardIntegration and metadata;
//   - GET …/conversations/{id}/messages: the newest page only (List Messages pages backwards
//     from the most recent page, 100 messages a page), so a long conversation costs what a
//     short one does; Window reports that older messages exist;
//   - GET /sc/v2/apps/{app}/users/{userId} for the visitor's name and email.
//
// State: handover's integration active → StateBot. Nobody active (after releaseControl) →
// StateOther: the next user message goes to the switchboard's default integration, and its
// webhook shows who has it then. Agent Workspace active → StateAgent once an agent wrote from
// Agent Workspace, handover announced an agent, or an agent took it from the agent pages
// (AssignAgent), since handover last spoke as the bot (so a return to the bot and a later
// takeover are announced again); else StateQueued (handed over, waiting for an agent). Another
// integration active → StateOther. BotAnswers counts handover's answers (handover_kind
// "answer") in the page read; once the required answers were reached every answer carries the
// human button, which the engine also reads from the page.
//
// An unknown conversation returns an error wrapping handover.ErrNotFound.
// API docs: https://developer.zendesk.com/api-reference/conversations/#tag/Conversations
func (a *Adapter) Load(ctx context.Context, id string) (*handover.Conversation, error) {
	c, err := a.fetch(ctx, id)
	if err != nil {
		return nil, err
	}
	raw, complete, err := a.newestPage(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("zendesk: load conversation %s: %w", id, err)
	}
	conv := a.snapshot(c, true, raw, complete)
	if err := a.readVisitor(ctx, conv, raw); err != nil {
		return nil, err
	}
	return conv, nil
}

// hintMaxAge is how old a webhook event may be for LoadEvent to trust the switchboard state it
// carries. A first delivery arrives within seconds; older ones are Sunshine's retries (5
// attempts over 15 minutes) or events that waited behind a turn, and the state may have moved
// since.
const hintMaxAge = 10 * time.Second

// LoadEvent is Load for a webhook event (handover.EventLoader). The event's hint (see Parse)
// carries the switchboard state of the moment and, with includeFullUser, the visitor's profile,
// so a visitor message costs one call: the newest page of messages (GET
// …/conversations/{id}/messages), which decides everything else (who wrote since the bot,
// what is pending, the answers counted). The conversation itself is read (as Load does) when the
// event has no hint (lanes drop it when they fold events), is older than hintMaxAge (a retry
// or a late delivery: the state may have moved), names no active integration (after
// releaseControl the next user message goes to the default integration, which only a read
// shows), or is the agent pages' takeover (its state is in the conversation's metadata).
// While another integration than handover's or Agent Workspace has control the bot stays
// silent whatever the messages say, so nothing is read. The visitor's profile is read (GET
// …/users/{id}) only when the webhook did not include it and the turn may need the address:
// the bot's last message offers the offline message or asks for an email.
func (a *Adapter) LoadEvent(ctx context.Context, ev handover.Event) (*handover.Conversation, error) {
	h, _ := ev.Hint.(*hint)
	if h == nil || h.conv.ID != ev.ConversationID || !validConversationID(ev.ConversationID) || h.conv.Active == nil ||
		h.at.IsZero() || time.Since(h.at) > hintMaxAge {
		return a.Load(ctx, ev.ConversationID)
	}
	c := h.conv
	if !a.ours(c.Active) && !a.agentWorkspace(c.Active) {
		return a.snapshot(&c, false, nil, false), nil
	}
	raw, complete, err := a.newestPage(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("zendesk: load conversation %s: %w", c.ID, err)
	}
	conv := a.snapshot(&c, false, raw, complete)
	if conv.State == handover.StateQueued && h.takeover {
		fresh, err := a.fetch(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		conv = a.snapshot(fresh, true, raw, complete)
	}
	switch {
	case h.user != nil && (conv.Visitor.ID == "" || conv.Visitor.ID == h.user.ID):
		conv.Visitor.ID, conv.Visitor.Name, conv.Visitor.Email = h.user.ID, h.user.name(), h.user.email()
		if conv.Visitor.Name == "" {
			conv.Visitor.Name = visitorName(raw)
		}
	case needsProfile(conv):
		if err := a.readVisitor(ctx, conv, raw); err != nil {
			return nil, err
		}
	default:
		conv.Visitor.Name = visitorName(raw)
	}
	return conv, nil
}

// needsProfile reports whether a turn may need the visitor's email address: the bot's last
// message offers the offline message or asks for the address.
func needsProfile(conv *handover.Conversation) bool {
	i := conv.LastBotMessage()
	return i >= 0 && (conv.Messages[i].Prompt == handover.PromptOffline || conv.Messages[i].Prompt == handover.PromptEmail)
}

// readVisitor reads the visitor's Sunshine user (GET /sc/v2/apps/{app}/users/{userId}) for the
// name and email. A permanent failure is logged and leaves the name from the messages.
func (a *Adapter) readVisitor(ctx context.Context, conv *handover.Conversation, raw []message) error {
	conv.Visitor.Name = visitorName(raw)
	uid := visitorUserID(raw)
	if uid == "" {
		return nil
	}
	u, err := a.user(ctx, uid)
	switch {
	case err == nil:
		if n := u.name(); n != "" {
			conv.Visitor.Name = n
		}
		conv.Visitor.Email = u.email()
	case errors.Is(err, handover.ErrPermanent):
		a.log.WarnContext(ctx, "visitor profile unreadable", "conversation", conv.ID, "error", err)
	default:
		return fmt.Errorf("zendesk: load conversation %s: %w", conv.ID, err)
	}
	return nil
}

// loaded is the adapter's record of what a load read (handover.Conversation.Source), so that
// HandToHuman and AssignAgent act on it without reading again.
type loaded struct {
	conv conversation
	// full: conv is Get Conversation's answer (metadata included), not a webhook's view.
	full     bool
	raw      []message // the newest page of messages, oldest first
	complete bool      // raw starts at the conversation's first message
}

// loadedOf returns what the load of conv read, or nil.
func loadedOf(conv *handover.Conversation) *loaded {
	if l, ok := conv.Source.(*loaded); ok && l != nil && l.conv.ID == conv.ID {
		return l
	}
	return nil
}

// snapshot builds the core snapshot of what was read.
func (a *Adapter) snapshot(c *conversation, full bool, raw []message, complete bool) *handover.Conversation {
	conv := a.build(c, raw)
	conv.Window = !complete && len(raw) > 0
	conv.Source = &loaded{conv: *c, full: full, raw: raw, complete: complete}
	return conv
}

// fetch reads one conversation.
func (a *Adapter) fetch(ctx context.Context, id string) (*conversation, error) {
	if !validConversationID(id) {
		return nil, fmt.Errorf("zendesk: conversation id %q is not a Sunshine id: %w", id, handover.ErrNotFound)
	}
	var resp struct {
		Conversation conversation `json:"conversation"`
	}
	err := a.call(ctx, request{api: sunshineAPI, method: http.MethodGet, path: a.appPath("/conversations/%s", id), out: &resp})
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
			return nil, fmt.Errorf("zendesk: conversation %s: %w: %w", id, handover.ErrNotFound, err)
		}
		return nil, fmt.Errorf("zendesk: read conversation %s: %w", id, err)
	}
	if resp.Conversation.ID == "" {
		resp.Conversation.ID = id
	}
	return &resp.Conversation, nil
}

// newestPage reads the most recent page of a conversation's messages (List Messages without a
// cursor: at most 100, ascending), deleted ones and repeats dropped. complete reports that no
// older message exists (meta.hasMore false). A 404 wraps handover.ErrNotFound.
// API docs: https://developer.zendesk.com/api-reference/conversations/#tag/Messages/operation/ListMessages
func (a *Adapter) newestPage(ctx context.Context, id string) (msgs []message, complete bool, err error) {
	var page struct {
		Messages []message `json:"messages"`
		Meta     struct {
			HasMore bool `json:"hasMore"`
		} `json:"meta"`
	}
	if err := a.call(ctx, request{api: sunshineAPI, method: http.MethodGet, path: a.appPath("/conversations/%s/messages", id), out: &page}); err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
			return nil, false, fmt.Errorf("list messages: %w: %w", handover.ErrNotFound, err)
		}
		return nil, false, fmt.Errorf("list messages: %w", err)
	}
	out := make([]message, 0, len(page.Messages))
	seen := make(map[string]bool, len(page.Messages))
	for _, m := range page.Messages {
		if m.ID == "" || seen[m.ID] {
			continue
		}
		seen[m.ID] = true
		out = append(out, m)
	}
	return out, !page.Meta.HasMore, nil
}

// user reads a Sunshine user.
func (a *Adapter) user(ctx context.Context, userID string) (*user, error) {
	var resp struct {
		User user `json:"user"`
	}
	if err := a.call(ctx, request{api: sunshineAPI, method: http.MethodGet, path: a.appPath("/users/%s", url.PathEscape(userID)), out: &resp}); err != nil {
		return nil, fmt.Errorf("read user: %w", err)
	}
	return &resp.User, nil
}

func visitorUserID(raw []message) string {
	for i := len(raw) - 1; i >= 0; i-- {
		if raw[i].Author.Type == "user" && raw[i].Author.UserID != "" {
			return raw[i].Author.UserID
		}
	}
	return ""
}

func visitorName(raw []message) string {
	for _, m := range raw {
		if m.Author.Type == "user" && strings.TrimSpace(m.Author.DisplayName) != "" {
			return strings.TrimSpace(m.Author.DisplayName)
		}
	}
	return ""
}

// build maps Sunshine's conversation and messages onto the core snapshot.
func (a *Adapter) build(c *conversation, raw []message) *handover.Conversation {
	conv := &handover.Conversation{ID: c.ID, Department: a.cfg.GroupID}
	conv.Messages = make([]handover.Message, 0, len(raw))
	epochIdx, epochRef := epochOf(raw)
	joined, agent, joinedAgent := -1, -1, ""
	for i := range raw {
		m := &raw[i]
		if m.Deleted {
			continue
		}
		if m.Author.Type == "user" {
			if conv.Visitor.ID == "" {
				conv.Visitor.ID = m.Author.UserID
			}
			if conv.Channel == "" {
				conv.Channel = m.Source.Type
			}
		}
		hm := toMessage(m)
		kind := m.Metadata.str(metaKind)
		if hm.Role == handover.RoleBot && kind == kindAnswer {
			conv.BotAnswers++
		}
		if i > epochIdx {
			switch {
			case hm.Role == handover.RoleBot && kind == kindJoined:
				joined, joinedAgent = len(conv.Messages), m.Metadata.str(metaAgent)
			case hm.Role == handover.RoleAgent:
				agent = len(conv.Messages)
			}
		}
		conv.Messages = append(conv.Messages, hm)
	}
	conv.State, conv.AgentName, conv.JoinAnnounced = a.deriveState(c, conv.Messages, takeover{
		joined: joined, joinedAgent: joinedAgent, agent: agent, epoch: epochRef,
	})
	return conv
}

// ours reports whether the switchboard integration is handover's custom integration.
func (a *Adapter) ours(si *switchboardIntegration) bool {
	return si != nil && si.IntegrationID != "" && si.IntegrationID == a.cfg.IntegrationID
}

// agentWorkspace reports whether the switchboard integration is Agent Workspace.
func (a *Adapter) agentWorkspace(si *switchboardIntegration) bool {
	if si == nil {
		return false
	}
	aw := a.cfg.AgentWorkspace
	return si.IntegrationType == sourceAgentWorkspace || si.IntegrationType == aw || si.Name == aw || si.ID == aw
}

// takeover is what the history says about the current takeover epoch: the messages after
// handover's last message as the bot.
type takeover struct {
	joined      int    // index in the snapshot of handover's announcement, or -1
	joinedAgent string // the agent it announced
	agent       int    // index of the last Agent Workspace message, or -1
	epoch       string // id of the bot message the epoch follows ("start" if none)
}

// deriveState implements the state rules documented on Load.
func (a *Adapter) deriveState(c *conversation, msgs []handover.Message, tk takeover) (handover.State, string, bool) {
	switch {
	case a.ours(c.Active):
		return handover.StateBot, "", false
	case !a.agentWorkspace(c.Active):
		return handover.StateOther, "", false
	}
	switch {
	case tk.joined >= 0:
		name := tk.joinedAgent
		if tk.agent >= 0 && name == "" {
			name = msgs[tk.agent].Author
		}
		return handover.StateAgent, name, true
	case tk.agent >= 0:
		return handover.StateAgent, msgs[tk.agent].Author, false
	case c.Metadata.str(metaTakeoverEpoch) == tk.epoch && c.Metadata.str(metaTakeoverAgent) != "":
		// "Stop chatbot and join" from the agent pages, not announced yet.
		return handover.StateAgent, c.Metadata.str(metaTakeoverAgent), false
	}
	return handover.StateQueued, "", false
}

// toMessage maps one Sunshine message.
func toMessage(m *message) handover.Message {
	out := handover.Message{ID: m.ID, Text: messageText(&m.Content), CreatedAt: m.receivedAt(), Author: strings.TrimSpace(m.Author.DisplayName)}
	switch {
	case m.Author.Type == "user":
		out.Role = handover.RoleVisitor
	case m.Metadata.str(metaKind) != "":
		out.Role = handover.RoleBot
		if ref := m.Metadata.str(metaRef); ref != "" {
			out.ID = ref
		}
		switch p := handover.Prompt(m.Metadata.str(metaPrompt)); p {
		case handover.PromptHuman, handover.PromptOffline, handover.PromptEmail:
			out.Prompt = p
		}
		for _, act := range m.Content.Actions {
			if act.Type == ButtonsReply || act.Type == ButtonsPostback {
				out.Buttons = append(out.Buttons, handover.Button{Title: act.Text, Value: act.Payload})
			}
		}
	case m.Source.Type == sourceAgentWorkspace:
		out.Role = handover.RoleAgent
		if out.Author == "" {
			out.Author = "An agent"
		}
	default:
		// Other business messages: another integration, an automation, a survey.
		out.Role = handover.RoleSystem
	}
	return out
}

// messageText renders a message's content as text.
func messageText(c *content) string {
	if t := strings.TrimSpace(c.Text); t != "" {
		return t
	}
	switch c.Type {
	case "image", "file":
		if c.AltText != "" {
			return "[" + c.Type + ": " + c.AltText + "]"
		}
		return "[" + c.Type + "]"
	case "", "text":
		return ""
	}
	return "[" + c.Type + "]"
}

// newRef returns a random id for metaRef.
func newRef() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// clipRunes shortens s to at most n runes, ending with "…" when cut.
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// outgoingMessage is the body of Post Message (messagePost.yaml).
type outgoingMessage struct {
	Author   map[string]string `json:"author"`
	Content  outgoingContent   `json:"content"`
	Metadata metadata          `json:"metadata"`
}

type outgoingContent struct {
	Type    string   `json:"type"`
	Text    string   `json:"text"`
	Actions []action `json:"actions,omitempty"`
}

// Post sends a bot message: POST /sc/v2/apps/{app}/conversations/{id}/messages with author
// {type:"business", displayName: the bot's name} and text content (at most 4096 characters).
// Buttons become reply actions (or postback, per Config.Buttons) with titles of at most 20
// characters in the visitor's language (see buttonTitle) and the choice as payload. Its metadata records what it is: handover_kind
// ("answer", "notice", or "joined" when the conversation is with an agent: the takeover
// announcement, the one message handover writes while on standby), handover_prompt and
// handover_ref. The create is never retried once it may have reached Sunshine; 423 Locked (the
// conversation's 30,000-message limit) is a permanent error matching ErrLocked.
// API docs: https://developer.zendesk.com/api-reference/conversations/#tag/Messages
func (a *Adapter) Post(ctx context.Context, conv *handover.Conversation, out handover.Outgoing) error {
	id := conv.ID
	if !validConversationID(id) {
		return fmt.Errorf("zendesk: post to conversation %q: not a Sunshine id: %w", id, handover.ErrPermanent)
	}
	ref := newRef()
	md := metadata{metaKind: kindNotice, metaRef: ref}
	switch {
	case conv.State == handover.StateAgent:
		md[metaKind] = kindJoined
		name := strings.TrimSpace(conv.AgentName)
		if name == "" {
			name = "An agent"
		}
		md[metaAgent] = clipRunes(name, 200)
	case out.Answer:
		md[metaKind] = kindAnswer
	}
	if out.Prompt != handover.PromptNone {
		md[metaPrompt] = string(out.Prompt)
	}
	msg := outgoingMessage{
		Author:   map[string]string{"type": "business", "displayName": a.cfg.BotName},
		Content:  outgoingContent{Type: "text", Text: clipRunes(strings.TrimSpace(out.Text), maxText)},
		Metadata: md,
	}
	for _, b := range out.Buttons {
		v := b.Value
		if v == "" {
			v = b.Title
		}
		msg.Content.Actions = append(msg.Content.Actions, action{Type: a.cfg.Buttons, Text: buttonTitle(conv, b, v), Payload: v, Metadata: metadata{metaRef: ref}})
	}
	err := a.call(ctx, request{api: sunshineAPI, kind: createRequest, method: http.MethodPost, path: a.appPath("/conversations/%s/messages", id), in: msg})
	if err != nil {
		return fmt.Errorf("zendesk: post to conversation %s: %w", id, err)
	}
	return nil
}

// Available reports whether a human can take the conversation now:
//
//  1. outside Config.Hours (HANDOVER_ZENDESK_HOURS) nobody is;
//  2. else an agent is available when the Agent Availability API lists them with messaging
//     status "online" (GET /api/v2/agent_availabilities?filter[channel_status]=messaging:online,
//     cursor-paged) and, with Config.GroupID, the group is among their group_ids (which the API
//     gives "if known"; when it is missing, the group's members are read instead).
//
// The messaging status is what omnichannel routing uses to offer a messaging ticket to an agent,
// so it is the closest public signal to "someone will pick this up". The API is for admins: the
// Support API user must be one. An error (for instance an account without omnichannel routing)
// is returned; the engine then hands over to the queue anyway.
// API docs: https://developer.zendesk.com/api-reference/agent-availability/agent-availability-api/agent_availabilities/
func (a *Adapter) Available(ctx context.Context, conv *handover.Conversation) (bool, error) {
	if !a.cfg.Hours.Open(a.cfg.Now()) {
		return false, nil
	}
	cursor := ""
	var unknown []string // online agents whose groups the API did not report
	for range 20 {
		path := "/api/v2/agent_availabilities?filter%5Bchannel_status%5D=messaging%3Aonline&page%5Bsize%5D=100"
		if cursor != "" {
			path += "&page%5Bafter%5D=" + url.QueryEscape(cursor)
		}
		var resp struct {
			Data []struct {
				Attributes struct {
					AgentID  json.Number   `json:"agent_id"`
					GroupIDs []json.Number `json:"group_ids"`
				} `json:"attributes"`
			} `json:"data"`
			Meta struct {
				HasMore     bool   `json:"has_more"`
				AfterCursor string `json:"after_cursor"`
			} `json:"meta"`
		}
		if err := a.call(ctx, request{api: supportAPI, method: http.MethodGet, path: path, out: &resp}); err != nil {
			return false, fmt.Errorf("zendesk: availability for conversation %s: %w", conv.ID, err)
		}
		for _, d := range resp.Data {
			if a.cfg.GroupID == "" {
				return true, nil
			}
			if d.Attributes.GroupIDs == nil {
				unknown = append(unknown, d.Attributes.AgentID.String())
			}
			for _, g := range d.Attributes.GroupIDs {
				if g.String() == a.cfg.GroupID {
					return true, nil
				}
			}
		}
		if !resp.Meta.HasMore || resp.Meta.AfterCursor == "" || resp.Meta.AfterCursor == cursor {
			break
		}
		cursor = resp.Meta.AfterCursor
	}
	if len(unknown) > 0 {
		// group_ids is given "if known": ask the group for its members.
		members, err := a.Agents(ctx)
		if err != nil {
			return false, fmt.Errorf("zendesk: availability for conversation %s: %w", conv.ID, err)
		}
		for _, m := range members {
			if m.Available && slices.Contains(unknown, m.ID) {
				return true, nil
			}
		}
	}
	return false, nil
}

// HandToHuman passes control to Agent Workspace: POST
// /sc/v2/apps/{app}/conversations/{id}/passControl {switchboardIntegration: "zd:agentWorkspace",
// metadata}. The metadata is flat and under 4 KB: first_message_id (the oldest message of the
// page the turn read, so the agent's ticket shows the conversation from there, not only the
// last 10 messages; Zendesk article 4419179022874), handover_reason, handover_reason_text and
// handover_summary (clipped to fit).
//
// It acts on what the turn's load read (conv.Source): the switchboard state and the messages.
// A conversation with another integration is left alone. Repeating it is safe: passControl to a
// named integration is idempotent (Sunshine changes nothing when the target already has
// control), and a retried turn loads afresh, so it finds Agent Workspace in control and the
// engine does not hand over again. Without a record of the load (a caller that built conv
// itself) it reads the conversation and its newest page first.
// API docs: https://developer.zendesk.com/api-reference/conversations/#tag/Switchboard-Actions
func (a *Adapter) HandToHuman(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	l, err := a.loadedFor(ctx, conv, false)
	if err != nil {
		return fmt.Errorf("zendesk: hand over: %w", err)
	}
	if l.conv.Active != nil && !a.ours(l.conv.Active) {
		return nil
	}
	md := handoverMetadata(h, a.firstMessageID(ctx, l))
	body := map[string]any{"switchboardIntegration": a.cfg.AgentWorkspace, "metadata": md}
	if err := a.call(ctx, request{api: sunshineAPI, method: http.MethodPost, path: a.appPath("/conversations/%s/passControl", l.conv.ID), in: body}); err != nil {
		return fmt.Errorf("zendesk: hand over conversation %s: pass control: %w", l.conv.ID, err)
	}
	return nil
}

// loadedFor returns what the load of conv read, or reads it (the conversation and the newest
// page of messages) when conv carries no record, or (full) when the record lacks the
// conversation's metadata.
func (a *Adapter) loadedFor(ctx context.Context, conv *handover.Conversation, full bool) (*loaded, error) {
	if l := loadedOf(conv); l != nil && (l.full || !full) {
		return l, nil
	}
	c, err := a.fetch(ctx, conv.ID)
	if err != nil {
		return nil, err
	}
	raw, complete, err := a.newestPage(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("zendesk: read conversation %s: %w", c.ID, err)
	}
	return &loaded{conv: *c, full: true, raw: raw, complete: complete}, nil
}

// firstMessageID is the oldest message of the page read: the conversation's first when it
// holds 100 messages or fewer. Older ones are not read (a turn costs the same whatever the
// conversation's length); the summary in the metadata covers them.
func (a *Adapter) firstMessageID(ctx context.Context, l *loaded) string {
	if len(l.raw) == 0 {
		return ""
	}
	if !l.complete {
		a.log.DebugContext(ctx, "the ticket starts at the oldest message of the newest page", "conversation", l.conv.ID, "messages", len(l.raw))
	}
	return l.raw[0].ID
}

// handoverMetadata builds the passControl metadata, the summary clipped so that the whole object
// stays under Sunshine's 4 KB.
func handoverMetadata(h handover.Handoff, firstMessageID string) metadata {
	md := metadata{"handover_reason": string(h.Reason), "handover_reason_text": h.Reason.Describe()}
	if firstMessageID != "" {
		md["first_message_id"] = firstMessageID
	}
	summary := strings.TrimSpace(h.Summary)
	for n := utf8.RuneCountInString(summary); n > 0; n = n * 3 / 4 {
		md["handover_summary"] = clipRunes(summary, n)
		if b, err := json.Marshal(md); err == nil && len(b) <= maxMetadata-96 {
			return md
		}
	}
	delete(md, "handover_summary")
	return md
}

// LeaveOffline files the offline message as a Support ticket: POST /api/v2/tickets
// {ticket:{subject, comment:{body, public:false}, requester:{name, email}, group_id, tags,
// external_id}}. The comment (an internal note, so the visitor is not mailed the bot's
// transcript) holds the reason, the address to reply to, the summary and the transcript; the
// tags are handover and handover_offline; external_id is the Sunshine conversation id. The
// request carries an Idempotency-Key made of the conversation and its last visitor message, so a
// retry (by the client or a repeated turn) never files a second ticket. The agent's public reply
// reaches the visitor by email. The conversation stays with the bot: Sunshine conversations are
// long-lived, and the visitor may keep chatting.
// API docs: https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#create-ticket
func (a *Adapter) LeaveOffline(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	email := strings.TrimSpace(h.Email)
	if email == "" {
		email = strings.TrimSpace(conv.Visitor.Email)
	}
	if email == "" {
		return fmt.Errorf("zendesk: offline message for conversation %s: no email address: %w", conv.ID, handover.ErrPermanent)
	}
	name := strings.TrimSpace(conv.Visitor.Name)
	if name == "" {
		name = email
	}
	h.Email = email
	note := clipRunes(handover.OfflineNote("Offline message: no agent was available, the visitor left a message with the chatbot.",
		conv, h, "Messaging conversation: "+conv.ID), 60000)
	tk := map[string]any{
		"subject":     clipRunes("Offline message from "+name+": "+firstVisitorText(conv), 150),
		"comment":     map[string]any{"body": note, "public": false},
		"requester":   map[string]any{"name": name, "email": email},
		"tags":        []string{"handover", tagOffline},
		"external_id": conv.ID,
	}
	if a.cfg.GroupID != "" {
		if g, err := strconv.ParseInt(a.cfg.GroupID, 10, 64); err == nil {
			tk["group_id"] = g
		}
	}
	var resp struct {
		Ticket struct {
			ID json.Number `json:"id"`
		} `json:"ticket"`
	}
	key := "handover-offline-" + conv.ID + "-" + lastVisitorID(conv)
	if err := a.call(ctx, request{api: supportAPI, method: http.MethodPost, path: "/api/v2/tickets", in: map[string]any{"ticket": tk}, out: &resp, idempotencyKey: key}); err != nil {
		return fmt.Errorf("zendesk: offline message for conversation %s: create ticket: %w", conv.ID, err)
	}
	a.log.InfoContext(ctx, "offline message filed", "conversation", conv.ID, "ticket", resp.Ticket.ID.String())
	return nil
}

func lastVisitorID(conv *handover.Conversation) string {
	for i := len(conv.Messages) - 1; i >= 0; i-- {
		if conv.Messages[i].Role == handover.RoleVisitor {
			return conv.Messages[i].ID
		}
	}
	return "none"
}

func firstVisitorText(conv *handover.Conversation) string {
	for _, m := range conv.Messages {
		if m.Role == handover.RoleVisitor && strings.TrimSpace(m.Text) != "" {
			return clipRunes(strings.Join(strings.Fields(m.Text), " "), 80)
		}
	}
	return "(no text)"
}

// MarkAgentJoined records nothing more: the announcement Post just sent carries
// handover_kind "joined" and handover_agent, which Load reads; Agent Workspace already has
// control.
func (a *Adapter) MarkAgentJoined(context.Context, *handover.Conversation, string) error {
	return nil
}
