// Package libredesk is the handover adapter for Libredesk (github.com/abhinavxd/libredesk), an
// open-source helpdesk with live chat, teams, agent API keys and signed webhooks.
//
// The bot is an ordinary Libredesk agent with an API key. A live chat in one of the bot's inboxes
// that no one else holds is the bot's: the adapter assigns it to the bot agent when it first
// answers, so agents see whose it is. Inbound, it verifies and translates the webhooks into core
// events (Verify, Parse); outbound, it implements handover.Helpdesk (and handover.EventLoader,
// handover.Lister and handover.Directory) on Libredesk's REST API with one retrying HTTP client.
//
// Everything it knows about a conversation is read back from Libredesk: status, inbox,
// assignee, team, tags and the newest page of messages. The bot's own messages carry their
// kind in meta.echo_id ("handover:answer:…", "handover:offline:…", "handover:joined:…"), which
// counts the bot's answers and restores the text prompts, and what the bot knew of the
// conversation, which spares the next turn a read of the conversation (see LoadEvent); its
// private notes mark a handover or an offline message. A turn in a conversation the bot
// already answers costs two calls: one page of messages and the reply; a chat's first turn
// three, the claim added (the conversation.created webhook's object stands for the
// conversation's read).
package libredesk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/handover"
)

// Name is the adapter's name, as in HANDOVER_HELPDESK and /webhooks/libredesk.
const Name = "libredesk"

// TagOffline marks a conversation turned into an offline message. Libredesk drops tag names
// that do not exist (add-conversation-tags in internal/conversation/queries.sql inserts only
// known tags): the adapter creates it when its key may (tags:manage), and Load does not depend
// on it (the bot's offline note says the same).
const TagOffline = "offline-message"

// The first lines of the bot's private notes; Load reads them back as the handover markers.
const (
	noteHandover = "Handed over to a human agent by the bot."
	noteOffline  = "Offline message: no agent was available, the visitor left a message."
	noteJoined   = "An agent took over: the bot stays silent in this conversation."
	noteAssigned = "An agent was assigned from handover's agent pages."
	// noteHandedBack undoes the handover note before it (HandBack).
	noteHandedBack = "Given back to the bot: the visitor no longer waits for an agent."

	joinedNoteTold = "The visitor was told that "
	joinedNoteEnd  = " joined the chat."
)

const (
	// pageSize is the page_size of every list call (every Libredesk version accepts 100).
	pageSize = 100
	// newestListPages and olderListPages bound the reconciler's listing of each list (the
	// bot's chats, the unassigned ones): the newest pages every pass and a window of older
	// ones that moves on each pass (apiclient.Sweep).
	newestListPages = 10
	olderListPages  = 10
	// maxNote caps the length of a private note.
	maxNote = 50_000
	// directoryTTL is how long a team membership found in GET /api/v1/agents/{id}, and the
	// offline tag found on a conversation, are taken as known. Availability itself is read on
	// every check.
	directoryTTL = 5 * time.Minute
)

// Adapter implements handover.Helpdesk, handover.EventLoader, handover.Lister and
// handover.Directory for one Libredesk installation, and the inbound webhook side
// (Authenticate, Parse).
type Adapter struct {
	cfg     Config
	http    *retryablehttp.Client
	log     *slog.Logger
	redact  apiclient.Redactor
	inboxes map[int]bool
	ttl     time.Duration // directoryTTL

	// Caches of facts that are not a conversation's state (guarded by mu): conversations of
	// other inboxes (an inbox never changes), team memberships, the offline tag's existence.
	mu      sync.Mutex
	foreign map[string]bool
	members map[[2]int]time.Time // {agent, team} → when the membership was read
	tagSeen time.Time            // when TagOffline was last seen to stick (addTag)
	// created keeps, for a short while, what the conversation.created webhooks said (see
	// creation), for the first turn of a chat whose first message's webhook came first;
	// awaited are the turns waiting for one.
	created map[string]createdConv
	awaited map[string]chan struct{}
	// botLists page the reconciler's listings, "assigned" and "unassigned" (BotConversations);
	// waitList its listing of the chats waiting for a person (QueuedConversations).
	botLists map[string]*apiclient.Sweep
	waitList *apiclient.Sweep
}

var (
	_ handover.Helpdesk    = (*Adapter)(nil)
	_ handover.EventLoader = (*Adapter)(nil)
	_ handover.Lister      = (*Adapter)(nil)
	_ handover.Directory   = (*Adapter)(nil)
)

// New validates cfg, applies defaults and builds the adapter's one retrying HTTP client.
func New(cfg Config) (*Adapter, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := apiclient.NewRedactor(cfg.APIKey, cfg.APISecret, cfg.WebhookSecret)
	logger := cfg.Logger.With("adapter", Name)
	inboxes := make(map[int]bool, len(cfg.InboxIDs))
	for _, id := range cfg.InboxIDs {
		inboxes[id] = true
	}
	return &Adapter{cfg: cfg, http: newHTTPClient(cfg, r, logger), log: logger, redact: r, inboxes: inboxes,
		ttl: directoryTTL, foreign: map[string]bool{}, members: map[[2]int]time.Time{},
		created: map[string]createdConv{}, awaited: map[string]chan struct{}{},
		botLists: map[string]*apiclient.Sweep{
			"assigned":   {Newest: newestListPages, Older: olderListPages},
			"unassigned": {Newest: newestListPages, Older: olderListPages},
		},
		waitList: &apiclient.Sweep{Newest: newestListPages, Older: olderListPages}}, nil
}

// Name returns "libredesk".
func (a *Adapter) Name() string { return Name }

// Authenticate verifies a webhook delivery before it is parsed: X-Libredesk-Signature over the
// raw body (see Verify), then the signed body's timestamp within Config.WebhookTolerance (see
// CheckTimestamp). pathSecret is not used: Libredesk signs its deliveries.
func (a *Adapter) Authenticate(h http.Header, _ string, body []byte, now time.Time) error {
	if err := Verify(a.cfg.WebhookSecret, h, body); err != nil {
		return err
	}
	return CheckTimestamp(body, now, a.cfg.WebhookTolerance)
}

// DeliveryID returns "": Libredesk sends no delivery id (and never retries). Events are
// de-duplicated by the message uuid in their DedupKey instead.
func (a *Adapter) DeliveryID(http.Header) string { return "" }

// Parse translates a verified webhook body into events; see the package function Parse. The
// conversation object of a conversation.created webhook is also kept a short while for the
// chat's first turn (see creation).
func (a *Adapter) Parse(body []byte) ([]handover.Event, error) {
	evs, err := Parse(body, a.cfg.BotAgentID)
	for _, ev := range evs {
		if h, ok := ev.Hint.(*hint); ok && ev.Recheck && h.conv != nil {
			a.rememberCreated(ev.ConversationID, h.conv)
		}
	}
	return evs, err
}

// agentName looks an agent's display name up in GET /api/v1/agents/compact; on failure it is
// "An agent".
func (a *Adapter) agentName(ctx context.Context, id int) string {
	agents, err := a.agents(ctx)
	if err != nil {
		a.log.WarnContext(ctx, "agent name lookup failed", "agent", id, "error", a.redact.Redact(err.Error()))
		return "An agent"
	}
	for _, ag := range agents {
		if int(ag.ID) == id {
			if n := ag.name(); n != "" {
				return n
			}
		}
	}
	return "An agent"
}

// agents lists the agents (GET /api/v1/agents/compact: id, names, email, enabled,
// availability_status).
func (a *Adapter) agents(ctx context.Context) ([]person, error) {
	var list []person
	if err := a.call(ctx, idempotentRequest, http.MethodGet, "/api/v1/agents/compact", nil, &list); err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	return list, nil
}

// outgoingMessage is the body of POST /api/v1/conversations/{uuid}/messages (messageReq in
// cmd/messages.go): message is HTML; sender_type must be "agent" or "contact"; echo_id is kept
// in meta.echo_id of a reply (not of a private note).
type outgoingMessage struct {
	Message    string `json:"message"`
	Private    bool   `json:"private"`
	SenderType string `json:"sender_type"`
	EchoID     string `json:"echo_id,omitempty"`
}

// Post sends a public bot message: POST /api/v1/conversations/{uuid}/messages
// {message, private:false, sender_type:"agent", echo_id}. Libredesk's widget has no buttons, so
// a prompt becomes a line saying what to type, in the visitor's language (see render), and
// echo_id records the message's kind and what the turn knew of the conversation, for the next
// Load. The create is never retried once it may have reached Libredesk.
//
// Before an answer or a prompt in a conversation the bot owns, it claims the conversation: if
// no user is assigned (as Load found it), it assigns the bot agent (PUT .../assignee/user), so
// agents see whose chat it is. A failed claim is logged; the visitor still gets the answer.
func (a *Adapter) Post(ctx context.Context, conv *handover.Conversation, out handover.Outgoing) error {
	id := conv.ID
	if !uuidRE.MatchString(id) {
		return fmt.Errorf("libredesk: post to conversation %q: not a uuid: %w", id, handover.ErrPermanent)
	}
	src := sourceOf(conv)
	text, kind := render(conv, out, conv.State == handover.StateAgent)
	if conv.State == handover.StateBot && kind != kindNotice && kind != kindJoined {
		if err := a.claim(ctx, conv); err != nil {
			a.log.WarnContext(ctx, "could not assign the conversation to the bot", "conversation", id, "error", a.redact.Redact(err.Error()))
		}
	}
	msg := outgoingMessage{Message: toHTML(text), SenderType: senderAgent, EchoID: markerEchoID(kind, src.facts())}
	if err := a.createMessage(ctx, id, msg); err != nil {
		return fmt.Errorf("libredesk: post to conversation %s: %w", id, err)
	}
	return nil
}

func (a *Adapter) createMessage(ctx context.Context, id string, msg outgoingMessage) error {
	return a.call(ctx, createRequest, http.MethodPost, "/api/v1/conversations/"+id+"/messages", msg, nil)
}

// claim assigns the bot agent to a conversation no user holds.
func (a *Adapter) claim(ctx context.Context, conv *handover.Conversation) error {
	c, _, err := a.conversationOf(ctx, conv)
	if err != nil {
		return err
	}
	if c.AssignedUserID != 0 {
		return nil
	}
	if err := a.assignUser(ctx, conv.ID, a.cfg.BotAgentID); err != nil {
		return err
	}
	c.AssignedUserID = flexInt(a.cfg.BotAgentID)
	return nil
}

// assignUser is PUT /api/v1/conversations/{uuid}/assignee/user {assignee_id}.
func (a *Adapter) assignUser(ctx context.Context, id string, userID int) error {
	body := map[string]int{"assignee_id": userID}
	if err := a.call(ctx, idempotentRequest, http.MethodPut, "/api/v1/conversations/"+id+"/assignee/user", body, nil); err != nil {
		return fmt.Errorf("assign agent %d: %w", userID, err)
	}
	return nil
}

// unassignUser is PUT /api/v1/conversations/{uuid}/assignee/user/remove.
func (a *Adapter) unassignUser(ctx context.Context, id string) error {
	if err := a.call(ctx, idempotentRequest, http.MethodPut, "/api/v1/conversations/"+id+"/assignee/user/remove", nil, nil); err != nil {
		return fmt.Errorf("unassign the bot: %w", err)
	}
	return nil
}

// assignTeam is PUT /api/v1/conversations/{uuid}/assignee/team {assignee_id}. When the team
// changes, Libredesk clears the user assignee (UpdateConversationTeamAssignee).
func (a *Adapter) assignTeam(ctx context.Context, id string, teamID int) error {
	body := map[string]int{"assignee_id": teamID}
	if err := a.call(ctx, idempotentRequest, http.MethodPut, "/api/v1/conversations/"+id+"/assignee/team", body, nil); err != nil {
		return fmt.Errorf("assign team %d: %w", teamID, err)
	}
	return nil
}

// note posts a private note as the bot: {private:true}. Notes reach the webhook too, and Parse
// ignores them.
func (a *Adapter) note(ctx context.Context, id, text string) error {
	if utf8.RuneCountInString(text) > maxNote {
		text = string([]rune(text)[:maxNote]) + "\n… (truncated)"
	}
	if err := a.createMessage(ctx, id, outgoingMessage{Message: toHTML(text), Private: true, SenderType: senderAgent}); err != nil {
		return fmt.Errorf("private note: %w", err)
	}
	return nil
}

// Available reports whether an agent of the conversation's human queue is online: an enabled
// agent other than the bot whose availability_status is "online" (GET /api/v1/agents/compact,
// read on every check) and, when Config.Teams maps the inbox to a team, who is a member of
// that team (GET /api/v1/agents/{id}: teams; needs users:manage; a membership found is known
// for a few minutes). "away", "away_manual", "away_and_reassigning" and "offline" do not
// count.
func (a *Adapter) Available(ctx context.Context, conv *handover.Conversation) (bool, error) {
	c, src, err := a.conversationOf(ctx, conv)
	if err != nil {
		return false, fmt.Errorf("libredesk: availability for conversation %s: %w", conv.ID, err)
	}
	id, err := a.onlineAgent(ctx, a.cfg.Teams[int(c.InboxID)])
	if err != nil {
		return false, fmt.Errorf("libredesk: availability for conversation %s: %w", conv.ID, err)
	}
	if src != nil {
		src.agent = id
	}
	return id > 0, nil
}

// onlineAgent returns an online agent (not the bot) of team, or of anyone when team is 0, in
// random order so that handovers spread; 0 when there is none. Agents known to be members are
// taken first; the others' teams are read until a member turns up.
func (a *Adapter) onlineAgent(ctx context.Context, team int) (int, error) {
	list, err := a.agents(ctx)
	if err != nil {
		return 0, err
	}
	var cands []int
	for _, ag := range list {
		id := int(ag.ID)
		if id <= 0 || id == a.cfg.BotAgentID || (ag.Enabled != nil && !bool(*ag.Enabled)) {
			continue
		}
		if t := string(ag.Type); t != "" && t != senderAgent {
			continue
		}
		if string(ag.AvailabilityStatus) == "online" {
			cands = append(cands, id)
		}
	}
	rand.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	if team == 0 {
		if len(cands) == 0 {
			return 0, nil
		}
		return cands[0], nil
	}
	for _, id := range cands {
		if a.knownMember(id, team) {
			return id, nil
		}
	}
	for _, id := range cands {
		var ag person
		if err := a.call(ctx, idempotentRequest, http.MethodGet, "/api/v1/agents/"+strconv.Itoa(id), nil, &ag); err != nil {
			return 0, fmt.Errorf("read agent %d's teams: %w", id, err)
		}
		for _, t := range ag.Teams {
			a.rememberMember(id, int(t.ID))
		}
		if a.knownMember(id, team) {
			return id, nil
		}
	}
	return 0, nil
}

// knownMember reports whether agent was found in team within the last Adapter.ttl. Only
// memberships are remembered: an agent added to a team counts at the next check.
func (a *Adapter) knownMember(agent, team int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	at, ok := a.members[[2]int{agent, team}]
	return ok && time.Since(at) < a.ttl
}

func (a *Adapter) rememberMember(agent, team int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.members) >= maxForeign {
		clear(a.members)
	}
	a.members[[2]int{agent, team}] = time.Now()
}

// HandToHuman hands the conversation to its human queue, from what Load read (no second read),
// in this order:
//
//  1. PUT .../assignee/team when Config.Teams maps the inbox and the conversation is not in
//     that team: Libredesk then clears the user assignee (UpdateConversationTeamAssignee
//     calls RemoveConversationAssignee when the team changes), which takes the bot off;
//     otherwise, if the bot is the assignee, PUT .../assignee/user/remove. The chat waits in
//     the team's unassigned queue for Libredesk's own assignment;
//  2. a private note with the reason and the summary (skipped when the bot already left one
//     that no hand-back note follows, see HandBack):
//     the marker Load reads as StateQueued, written last so that a failure before it leaves a
//     conversation the next turn hands over again;
//  3. with Config.AssignAgent, PUT .../assignee/user for the online team agent Available found
//     (a failure is logged: the chat is in the queue already).
//
// A human already assigned is left alone unless the team changes. It is safe to call again: a
// retried turn reads the conversation afresh (the lanes drop the hint), and the note is
// written once.
func (a *Adapter) HandToHuman(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	c, src, err := a.conversationOf(ctx, conv)
	if err != nil {
		return fmt.Errorf("libredesk: hand over: %w", err)
	}
	id := conv.ID
	team := a.cfg.Teams[int(c.InboxID)]
	if err := a.toQueue(ctx, id, c, team); err != nil {
		return fmt.Errorf("libredesk: hand over conversation %s: %w", id, err)
	}
	if !hasBotNote(conv, noteHandover) || handedBack(conv) {
		// (A handover after a hand-back writes a new note: the old one is undone.)
		if err := a.note(ctx, id, handover.HandoverNote(noteHandover, h)); err != nil {
			return fmt.Errorf("libredesk: hand over conversation %s: %w", id, err)
		}
	}
	if a.cfg.AssignAgent && c.AssignedUserID == 0 {
		agent := 0
		if src != nil {
			agent = src.agent
		}
		if agent == 0 {
			agent, err = a.onlineAgent(ctx, team)
		}
		if err == nil && agent > 0 {
			if err = a.assignUser(ctx, id, agent); err == nil {
				c.AssignedUserID = flexInt(agent)
			}
		}
		if err != nil {
			a.log.WarnContext(ctx, "handed over to the queue; no agent assigned", "conversation", id, "error", a.redact.Redact(err.Error()))
		}
	}
	return nil
}

// toQueue moves the conversation c to team (0: none) and takes the bot off it, and records in
// c what it changed; a human assignee is left alone.
func (a *Adapter) toQueue(ctx context.Context, id string, c *conversation, team int) error {
	if team > 0 && int(c.AssignedTeamID) != team {
		if err := a.assignTeam(ctx, id, team); err != nil {
			return err
		}
		c.AssignedTeamID, c.AssignedUserID = flexInt(team), 0
		return nil
	}
	if int(c.AssignedUserID) == a.cfg.BotAgentID {
		if err := a.unassignUser(ctx, id); err != nil {
			return err
		}
		c.AssignedUserID = 0
	}
	return nil
}

// hasBotNote reports whether the bot already left a private note starting with first.
func hasBotNote(conv *handover.Conversation, first string) bool {
	for _, m := range conv.Messages {
		if m.Role == handover.RoleBot && m.Private && isNote(m.Text, first) {
			return true
		}
	}
	return false
}

// LeaveOffline files the conversation as an offline message for the humans, from what Load
// read:
//
//  1. the mapped team, and the bot taken off (as HandToHuman): the chat waits in the team's
//     unassigned queue;
//  2. a private note with the reason, the email to reply to, the summary and the transcript
//     (skipped when the bot already left one): the marker Load reads as StateOffline, written
//     after the move so that a failure before it leaves a conversation the next turn files
//     again;
//  3. the tag offline-message added (POST .../tags {"tags", "action":"add_tags"}; the
//     conversation's tags, when read, are sent along for a Libredesk that only sets). Libredesk
//     drops a tag name that does not exist without a word, so the result is checked with a
//     read of the conversation, unless the tag was seen to stick in the last few minutes; a
//     missing tag is created first when the key may. A tag that will not stick is logged, not
//     returned.
//
// Libredesk keeps the conversation Open; the visitor is told where the answer will go.
func (a *Adapter) LeaveOffline(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	c, src, err := a.conversationOf(ctx, conv)
	if err != nil {
		return fmt.Errorf("libredesk: leave offline message: %w", err)
	}
	id := conv.ID
	if err := a.toQueue(ctx, id, c, a.cfg.Teams[int(c.InboxID)]); err != nil {
		return fmt.Errorf("libredesk: offline message for conversation %s: %w", id, err)
	}
	if !hasBotNote(conv, noteOffline) {
		if err := a.note(ctx, id, handover.OfflineNote(noteOffline, conv, h)); err != nil {
			return fmt.Errorf("libredesk: offline message for conversation %s: %w", id, err)
		}
	}
	if err := a.addTag(ctx, id, c, src == nil || src.read, TagOffline); err != nil {
		a.log.WarnContext(ctx, "offline message filed without its tag", "conversation", id, "tag", TagOffline, "error", a.redact.Redact(err.Error()))
	}
	return nil
}

// addTag adds tag to the conversation c (whose Tags are current when tagsRead) and checks
// the result: unknown tag names are dropped silently, so a missing tag is created (POST
// /api/v1/tags, tags:manage) and added again once.
func (a *Adapter) addTag(ctx context.Context, id string, c *conversation, tagsRead bool, tag string) error {
	var tags []string
	if tagsRead {
		if slices.Contains([]string(c.Tags), tag) {
			return nil
		}
		tags = slices.Clone([]string(c.Tags))
	}
	body := map[string]any{"tags": append(tags, tag), "action": "add_tags"}
	set := func(check bool) (bool, error) {
		if err := a.call(ctx, idempotentRequest, http.MethodPost, "/api/v1/conversations/"+id+"/tags", body, nil); err != nil {
			return false, fmt.Errorf("set tags: %w", err)
		}
		if !check {
			return true, nil
		}
		fresh, err := a.fetch(ctx, id)
		if err != nil {
			return false, err
		}
		ok := slices.Contains([]string(fresh.Tags), tag)
		if ok {
			a.mu.Lock()
			a.tagSeen = time.Now()
			a.mu.Unlock()
		}
		return ok, nil
	}
	a.mu.Lock()
	known := time.Since(a.tagSeen) < a.ttl
	a.mu.Unlock()
	ok, err := set(!known)
	if err != nil || ok {
		return err
	}
	if err := a.call(ctx, createRequest, http.MethodPost, "/api/v1/tags", map[string]string{"name": tag}, nil); err != nil {
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict {
			return fmt.Errorf("tag %q does not exist and could not be created: %w", tag, err)
		}
	}
	if ok, err = set(true); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("tag %q was dropped by Libredesk", tag)
	}
	return nil
}

// MarkAgentJoined completes a takeover after the visitor was told that agentName joined (Post
// marked that message "handover:joined"): a private note for the agents, which Load also reads
// as the record should a Libredesk keep no echo_id; then, if the bot is still the assignee (as
// Load found it), the conversation is assigned to the agent who replied last (found in the
// messages Load read), or unassigned when there is none.
func (a *Adapter) MarkAgentJoined(ctx context.Context, conv *handover.Conversation, agentName string) error {
	c, src, err := a.conversationOf(ctx, conv)
	if err != nil {
		return fmt.Errorf("libredesk: mark agent joined: %w", err)
	}
	id := conv.ID
	if !hasBotNote(conv, noteJoined) {
		if err := a.note(ctx, id, noteJoined+"\n"+joinedNoteTold+agentName+joinedNoteEnd); err != nil {
			return fmt.Errorf("libredesk: mark agent joined in conversation %s: %w", id, err)
		}
	}
	if int(c.AssignedUserID) != a.cfg.BotAgentID {
		return nil
	}
	var msgs []message
	if src != nil {
		msgs = src.raw
	} else {
		var pg page[message]
		path := fmt.Sprintf("/api/v1/conversations/%s/messages?page=1&page_size=%d", id, windowSize)
		if err := a.call(ctx, idempotentRequest, http.MethodGet, path, nil, &pg); err != nil {
			return fmt.Errorf("libredesk: mark agent joined in conversation %s: list messages: %w", id, err)
		}
		msgs = pg.Results
	}
	agent := 0
	var newest time.Time
	for _, m := range msgs {
		if string(m.Type) == msgOutgoing && !bool(m.Private) && string(m.SenderType) == senderAgent &&
			int(m.SenderID) != a.cfg.BotAgentID && int(m.SenderID) > 0 && !m.CreatedAt.Time.Before(newest) {
			agent, newest = int(m.SenderID), m.CreatedAt.Time
		}
	}
	if agent > 0 {
		err = a.assignUser(ctx, id, agent)
	} else {
		err = a.unassignUser(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("libredesk: mark agent joined in conversation %s: %w", id, err)
	}
	c.AssignedUserID = flexInt(agent)
	return nil
}
