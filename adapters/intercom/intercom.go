// Package intercom is the handover adapter for Intercom: the bot is a teammate (an admin) of
// the workspace that answers the Messenger conversations assigned to it, through an Intercom
// app's access token, and hands them to a team of human agents.
//
// Inbound, it verifies the webhook's X-Hub-Signature (HMAC-SHA1 of the raw body with the app's
// client secret) and translates Intercom's conversation topics into core events (Authenticate,
// Parse). Outbound, it implements handover.Helpdesk on the REST API, version 2.15 pinned with
// the Intercom-Version header (https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io),
// with one retrying HTTP client.
//
// It keeps no state: every turn reads the conversation (GET /conversations/{id}, which returns
// its 500 most recent parts) and derives everything from it (see Load). The bot speaks only in
// conversations it is involved in (assigned to it, by a workflow, a teammate or its own claim);
// who holds one is its assignment (the bot admin, the team, a human teammate) and its parts: a
// public reply of another teammate takes over for good, an answer of Fin silences the bot, a
// teammate routing the conversation elsewhere takes it from the bot, and the bot's own private
// notes mark a conversation filed as an offline message. How often the bot answered and which
// prompt it showed are read from its own parts: buttons are quick_reply parts whose option
// uuids name the choice (see choiceUUID). Every write that a crash could leave half done
// (handover, offline message, ticket) is found again in what Intercom holds, so a retried turn
// finishes it without repeating it. docs/helpdesks/intercom.md describes what the adapter
// relies on, with the vendor's pages.
package intercom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/adapters/internal/flexjson"
	"github.com/handover-dev/handover/handover"
)

// Name is the adapter's name, as in HANDOVER_HELPDESK and /webhooks/intercom.
const Name = "intercom"

// APIVersion is the Intercom-Version every request sends: without it the app's version in the
// Developer Hub decides, and quick replies on conversations need 2.14 or later.
const APIVersion = "2.15"

// Defaults applied by New to zero Config fields.
const (
	DefaultRetryMax     = 3
	DefaultRetryWaitMax = 10 * time.Second
	DefaultHTTPTimeout  = 10 * time.Second
	// DefaultWindow is how many of the newest messages a turn hands to the engine.
	DefaultWindow = 100
)

// maxParts is what GET /conversations/{id} returns at most: "If you have more than that we will
// return the 500 most recent conversation parts" (retrieveConversation).
const maxParts = 500

// Headings of the bot's private notes. The offline one is also how Load recognises a
// conversation filed as an offline message.
const (
	handoverHeading = "Handover from the chatbot: the visitor wants a human agent."
	offlineHeading  = "Offline message: no agent was available, the visitor left a message with the chatbot."
)

// Config configures the Intercom adapter. It maps the HANDOVER_INTERCOM_* variables.
type Config struct {
	// BaseURL is the API: https://api.intercom.io (default), api.eu or api.au.
	BaseURL string
	// AccessToken is the app's access token (Authorization: Bearer).
	AccessToken string
	// ClientSecret is the app's client secret: the key of the webhooks' X-Hub-Signature.
	ClientSecret string
	// BotAdminID is the bot teammate: the author of every reply, note and assignment.
	BotAdminID string
	// TeamID is the human team.
	TeamID string
	// TicketTypeID, when set, files each offline message also as a ticket of that type (a
	// Back-office or Tracker type: it is linked to the conversation).
	TicketTypeID string
	// ClaimUnassigned makes the bot assign itself the untouched, unassigned Messenger
	// conversations whose visitor writes (see LoadEvent).
	ClaimUnassigned bool
	// Window is how many of the newest messages a snapshot holds; 0 means DefaultWindow.
	Window int
	// RetryMax is how many times a failed request is retried. Zero means DefaultRetryMax; a
	// negative value disables retries.
	RetryMax int
	// RetryWaitMax caps the backoff between attempts. Zero means DefaultRetryWaitMax.
	RetryWaitMax time.Duration
	// HTTPTimeout bounds one attempt. Zero means DefaultHTTPTimeout.
	HTTPTimeout time.Duration
	// RequestsPerMinute, when positive, is a client-side budget of requests a minute.
	RequestsPerMinute int
	// Logger receives the adapter's logs; nil discards them. Secrets are never logged.
	Logger *slog.Logger
	// Observe, when set, is called after every HTTP attempt with the method and the status.
	Observe func(method string, status int)
}

func (c Config) withDefaults() Config {
	apiclient.Defaults{RetryMax: DefaultRetryMax, RetryWaitMax: DefaultRetryWaitMax, HTTPTimeout: DefaultHTTPTimeout}.
		Apply(&c.BaseURL, &c.RetryMax, &c.RetryWaitMax, &c.HTTPTimeout, &c.Logger)
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultURL
	}
	return c
}

func (c Config) validate() error {
	s := Settings{URL: c.BaseURL, AccessToken: helpdesk.Secret(c.AccessToken), ClientSecret: helpdesk.Secret(c.ClientSecret),
		BotAdminID: c.BotAdminID, TeamID: c.TeamID, TicketTypeID: c.TicketTypeID, RequestsPerMinute: c.RequestsPerMinute}
	if p := s.Problems(); len(p) > 0 {
		return fmt.Errorf("intercom config: %s", strings.Join(p, "; "))
	}
	return nil
}

// Adapter implements handover.Helpdesk for one Intercom workspace, and the inbound webhook side
// (Authenticate, Parse) for its app.
type Adapter struct {
	cfg    Config
	http   *retryablehttp.Client
	log    *slog.Logger
	redact apiclient.Redactor
	// splitQuickReply: Intercom dropped the body of a quick_reply; see Post.
	splitQuickReply atomic.Bool
	// botList and waitList are how the reconciler's searches page (BotConversations,
	// QueuedConversations).
	botList, waitList *apiclient.Sweep
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
	r := apiclient.NewRedactor(cfg.AccessToken, cfg.ClientSecret)
	logger := cfg.Logger.With("adapter", Name)
	c := apiclient.NewClient(apiclient.Options{
		Timeout: cfg.HTTPTimeout, RetryMax: cfg.RetryMax, RetryWaitMax: cfg.RetryWaitMax,
		Observe: cfg.Observe, PerMinute: cfg.RequestsPerMinute, Backoff: backoff,
		Logger: apiclient.Logger{Log: logger, Redactor: r, Prefix: "intercom http: ", StringerDurations: true},
	})
	return &Adapter{cfg: cfg, http: c, log: logger, redact: r,
		botList:  &apiclient.Sweep{Newest: sweepPages, Older: sweepPages},
		waitList: &apiclient.Sweep{Newest: sweepPages, Older: sweepPages}}, nil
}

// Name returns "intercom".
func (a *Adapter) Name() string { return Name }

// backoff is apiclient.CappedBackoff, and on a 429 without Retry-After it waits until
// X-RateLimit-Reset (a UNIX time: Intercom documents that header, not Retry-After), capped.
// https://developers.intercom.com/docs/references/rest-api/errors/rate-limiting
func backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil && reset > 0 {
			return max(0, min(time.Until(time.Unix(reset, 0)), hi))
		}
	}
	return apiclient.CappedBackoff(lo, hi, attempt, resp)
}

// APIError is a failed Intercom call (apiclient.APIError). 400, 401, 403, 404, 409 and 422
// match handover.ErrPermanent.
type APIError = apiclient.APIError

// call performs one API call: path below the base URL, in encoded as JSON, out decoded.
func (a *Adapter) call(ctx context.Context, kind apiclient.Kind, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("intercom api: %s %s: encode request: %w", method, path, err)
		}
	}
	req, err := apiclient.NewRequest(ctx, kind, method, a.cfg.BaseURL+path, body, "application/json", "handover-intercom")
	if err != nil {
		return fmt.Errorf("intercom api: %s %s: %s", method, path, a.redact.Redact(err.Error()))
	}
	req.Header.Set("Authorization", "Bearer "+a.cfg.AccessToken)
	req.Header.Set("Intercom-Version", APIVersion)
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("intercom api: %s %s: %w", method, path, a.redact.TransportError(err, false))
	}
	defer apiclient.Drain(resp.Body)
	if !apiclient.Success(resp.StatusCode) {
		return a.apiError(method, path, resp)
	}
	if out == nil {
		return nil
	}
	if rerr, derr := apiclient.DecodeSuccess(resp.Body, out); rerr != nil {
		return fmt.Errorf("intercom api: %s %s: read response: %w", method, path, a.redact.TransportError(rerr, false))
	} else if derr != nil {
		return fmt.Errorf("intercom api: %s %s: decode response: %w", method, path, derr)
	}
	return nil
}

// apiError reads Intercom's error body ({"type":"error.list","errors":[{"code","message"}]})
// into an APIError: its codes as ErrorType, its messages as Message.
func (a *Adapter) apiError(method, path string, resp *http.Response) *APIError {
	e := apiclient.NewAPIError("intercom api", method, path, resp)
	e.Permanent = apiclient.PermanentStatus(e.Status, http.StatusBadRequest, http.StatusConflict)
	raw := apiclient.ReadErrorBody(resp, 0)
	var el errorList
	if json.Unmarshal(raw, &el) == nil && el.Type == "error.list" && len(el.Errors) > 0 {
		var codes, msgs []string
		for _, x := range el.Errors {
			codes = append(codes, x.Code)
			if x.Message != nil {
				msgs = append(msgs, *x.Message)
			}
		}
		e.ErrorType = strings.Join(codes, ",")
		e.Message = a.redact.Excerpt([]byte(strings.Join(msgs, "; ")))
		return e
	}
	e.Message = a.redact.Excerpt(raw)
	return e
}

// validID accepts an Intercom conversation, admin or team id: digits only (they go into paths).
func validID(id string) bool { return digitsRe.MatchString(id) }

// reply posts a part through POST /conversations/{id}/reply (admin_reply_conversation_request):
// a comment, a note or a quick_reply authored by the bot admin, and returns the conversation
// Intercom answers with (its newest part is the one created; nil if the answer is not one). It
// creates a part, so it is repeated only when Intercom surely did not act.
// https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io/conversations/replyconversation
func (a *Adapter) reply(ctx context.Context, convID string, body map[string]any) (*conversation, error) {
	body["type"] = "admin"
	body["admin_id"] = a.cfg.BotAdminID
	var raw json.RawMessage
	if err := a.call(ctx, apiclient.Create, http.MethodPost, "/conversations/"+convID+"/reply", body, &raw); err != nil {
		return nil, err
	}
	// The part exists: an answer we cannot read is no failure.
	var out conversation
	if len(raw) == 0 || json.Unmarshal(raw, &out) != nil || (out.Type != "conversation" && out.ID == "") {
		return nil, nil
	}
	return &out, nil
}

// assign posts an assignment part (POST /conversations/{id}/parts, assign_conversation_request)
// performed by the bot admin: kind "team" or "admin", assignee "0" for nobody. Assigning is
// idempotent in effect, so it may be repeated.
// https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io/conversations/manageconversation
func (a *Adapter) assign(ctx context.Context, convID, kind, assignee string) error {
	_, err := a.assignRead(ctx, convID, kind, assignee, "")
	return err
}

// assignRead is assign, returning the top-level fields of the conversation Intercom answers
// with. A note, when not empty, is the assignment's body: Intercom shows it to teammates as a
// note on the assignment, not to the contact (the v1.0 reference's example of an assignment
// with a body: "appears as note", developers.intercom.com/docs/references/1.0/rest-api/
// conversations/assigning-a-conversation-to-unassigned; docs/helpdesks/intercom.md §4), so a
// handover's note costs no call of its own.
func (a *Adapter) assignRead(ctx context.Context, convID, kind, assignee, note string) (map[string]json.RawMessage, error) {
	body := map[string]any{"message_type": "assignment", "type": kind, "admin_id": a.cfg.BotAdminID, "assignee_id": assignee}
	kindOf := apiclient.Idempotent
	if note != "" {
		// With a body it creates a note: repeated only when Intercom surely did not act (a
		// retried turn re-reads and finds the note).
		body["body"] = note
		kindOf = apiclient.Create
	}
	var out map[string]json.RawMessage
	if err := a.call(ctx, kindOf, http.MethodPost, "/conversations/"+convID+"/parts", body, &out); err != nil {
		return nil, fmt.Errorf("assign to %s %s: %w", kind, assignee, err)
	}
	return out, nil
}

// toTeam moves a conversation from the bot to the team: it assigns the team, then unassigns the
// bot admin (a conversation holds an admin and a team assignee at once: assigning the team
// alone would leave it with the bot). When Intercom answers the team assignment with another
// teammate as admin assignee (the team's assignment method picked one), that teammate is kept.
// note, when not empty, is the team assignment's body (see assignRead).
func (a *Adapter) toTeam(ctx context.Context, convID, note string) error {
	after, err := a.assignRead(ctx, convID, "team", a.cfg.TeamID, note)
	if err != nil {
		return err
	}
	if raw, ok := after["admin_assignee_id"]; ok {
		var now flexjson.String
		if json.Unmarshal(raw, &now) == nil {
			if id := assignee(now.String()); id != "" && id != a.cfg.BotAdminID {
				a.log.InfoContext(ctx, "the team's assignment gave the conversation to a teammate; the bot leaves it to them", "conversation", convID, "admin", id)
				return nil
			}
		}
	}
	return a.assign(ctx, convID, "admin", "0")
}

// Post sends a bot message as the bot admin, in paragraphs. Without buttons it is a comment;
// with buttons it is one quick_reply part carrying the text as its body and one reply option
// per button, whose uuid names the choice (choiceUUID): one call either way.
//
// The spec requires a body only for comments and notes, and its quick_reply examples carry
// none. Should Intercom answer the quick_reply with an empty body (it dropped the text), Post
// sends the text as a comment right away and, from then on, posts a message with buttons as a
// comment followed by a quick_reply without body (two calls); Load reads the pair as one
// message. The answer is never lost to the visitor.
func (a *Adapter) Post(ctx context.Context, conv *handover.Conversation, out handover.Outgoing) error {
	if !validID(conv.ID) {
		return fmt.Errorf("intercom: post to conversation %q: not an Intercom id: %w", conv.ID, handover.ErrPermanent)
	}
	text := toHTML(out.Text)
	var opts []quickReplyOption
	for _, b := range out.Buttons {
		v := b.Value
		if v == "" {
			continue
		}
		opts = append(opts, quickReplyOption{Text: strings.TrimSpace(b.Title), UUID: choiceUUID(v)})
	}
	comment := func() error {
		if _, err := a.reply(ctx, conv.ID, map[string]any{"message_type": "comment", "body": text}); err != nil {
			return fmt.Errorf("intercom: post to conversation %s: %w", conv.ID, err)
		}
		return nil
	}
	if len(opts) == 0 {
		return comment()
	}
	if text != "" && a.splitQuickReply.Load() {
		if err := comment(); err != nil {
			return err
		}
		if _, err := a.reply(ctx, conv.ID, map[string]any{"message_type": "quick_reply", "reply_options": opts}); err != nil {
			return fmt.Errorf("intercom: post to conversation %s: buttons: %w", conv.ID, err)
		}
		return nil
	}
	body := map[string]any{"message_type": "quick_reply", "reply_options": opts}
	if text != "" {
		body["body"] = text
	}
	after, err := a.reply(ctx, conv.ID, body)
	if err != nil {
		return fmt.Errorf("intercom: post to conversation %s: %w", conv.ID, err)
	}
	if text != "" && a.droppedBody(after) {
		a.splitQuickReply.Store(true)
		a.log.WarnContext(ctx, "Intercom kept no text on a quick reply: the text follows as a comment, and messages with buttons are sent as two parts from now on", "conversation", conv.ID)
		return comment()
	}
	return nil
}

// droppedBody reports a reply answer whose newest part, the bot's quick_reply, has no body.
func (a *Adapter) droppedBody(c *conversation) bool {
	if c == nil {
		return false
	}
	ps := c.Parts.Parts
	for i := len(ps) - 1; i >= 0; i-- {
		if p := &ps[i]; a.isBot(p.Author) && p.PartType == "quick_reply" {
			return strings.TrimSpace(plainText(p.body())) == ""
		}
	}
	return false
}

// admins reads every teammate: GET /admins.
// https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io/admins/listadmins
func (a *Adapter) admins(ctx context.Context) ([]admin, error) {
	var resp struct {
		Admins []admin `json:"admins"`
	}
	if err := a.call(ctx, apiclient.Idempotent, http.MethodGet, "/admins", nil, &resp); err != nil {
		return nil, fmt.Errorf("list admins: %w", err)
	}
	return resp.Admins, nil
}

// Available reports whether a human of the team can take the conversation: Intercom has no
// presence, so a teammate is available when the admin model (GET /admins, one call) puts them
// in the team (team_ids), with an inbox seat (has_inbox_seat) and not away
// (away_mode_enabled false). The bot admin never counts.
func (a *Adapter) Available(ctx context.Context, conv *handover.Conversation) (bool, error) {
	as, err := a.admins(ctx)
	if err != nil {
		return false, fmt.Errorf("intercom: availability for conversation %s: %w", conv.ID, err)
	}
	for i := range as {
		if a.availableAgent(&as[i]) {
			return true, nil
		}
	}
	return false, nil
}

func (a *Adapter) availableAgent(ad *admin) bool {
	return ad.ID.String() != a.cfg.BotAdminID && ad.inTeam(a.cfg.TeamID) && ad.HasInboxSeat && !ad.AwayModeEnabled
}

// HandToHuman assigns the conversation to the team with a note for it (reason and summary) as
// the assignment's body, then unassigns the bot admin (toTeam): two calls, so a handover (read,
// availability, these, the visitor's notice) is five. Every write is the bot admin's. A retried
// handover (a crash, an error half-way) finds its note already after the visitor's last
// message and does not write it again; the assignments are idempotent, and the bot stays the
// admin assignee until the last one, so the reconciler still sees an unfinished handover.
func (a *Adapter) HandToHuman(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	if !validID(conv.ID) {
		return fmt.Errorf("intercom: hand over %q: not an Intercom id: %w", conv.ID, handover.ErrPermanent)
	}
	c, err := a.current(ctx, conv)
	if err != nil {
		return fmt.Errorf("intercom: hand over conversation %s: %w", conv.ID, err)
	}
	note := ""
	if a.noteSinceVisitor(c, handoverHeading) == nil {
		note = toHTML(handover.HandoverNote(handoverHeading, h))
	}
	if err := a.toTeam(ctx, conv.ID, note); err != nil {
		return fmt.Errorf("intercom: hand over conversation %s: %w", conv.ID, err)
	}
	return nil
}

// noteSinceVisitor returns the bot's newest note starting with heading written after the
// visitor's last message, or nil: the note of an earlier attempt of the same turn.
func (a *Adapter) noteSinceVisitor(c *conversation, heading string) *part {
	ps := c.Parts.Parts
	for i := len(ps) - 1; i >= 0; i-- {
		p := &ps[i]
		switch {
		case p.Author.contact():
			return nil
		case a.isBot(p.Author) && p.isNote() && strings.HasPrefix(plainText(p.body()), heading):
			return p
		}
	}
	return nil
}

// LeaveOffline files the offline message:
//
//  1. the address is written to the contact (PUT /contacts/{id} {email}) when the contact has
//     none, so a teammate's reply reaches the visitor by email; a contact's own address is never
//     overwritten, and when Intercom refuses the update (another contact has the address) the
//     address stays in the note;
//  2. with HANDOVER_INTERCOM_TICKET_TYPE_ID, a ticket of that type (POST /tickets) for the
//     contact, linked to the conversation and assigned to the team, its description the note
//     below (offlineTicket); when Intercom refuses the ticket for good (a Customer type, which
//     cannot be linked; a wrong id; a missing scope) the message is still filed as in 3 and 4
//     and the error logged;
//  3. the conversation is assigned to the team with a note (the heading, the address, the
//     summary and the transcript, and the ticket's number) as the assignment's body: the note
//     is how Load knows the conversation is filed, once the bot is no longer its assignee;
//  4. the bot admin is unassigned (toTeam does 3 and 4).
//
// Filing is idempotent from what Intercom holds: a retried turn (a crash, an error half-way)
// finds its note after the visitor's last message and only assigns again (3 without a body,
// then 4); before the note, it finds the ticket it created among the conversation's linked
// tickets and does not create another. Until 4 the bot is the assignee: the reconciler still sees the unfinished filing.
func (a *Adapter) LeaveOffline(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	if !validID(conv.ID) {
		return fmt.Errorf("intercom: offline message %q: not an Intercom id: %w", conv.ID, handover.ErrPermanent)
	}
	c, err := a.current(ctx, conv)
	if err != nil {
		return fmt.Errorf("intercom: offline message for conversation %s: %w", conv.ID, err)
	}
	email := strings.TrimSpace(h.Email)
	if email == "" {
		email = strings.TrimSpace(conv.Visitor.Email)
	}
	h.Email = email
	contactID := conv.Visitor.ID
	switch {
	case email == "" || contactID == "" || strings.EqualFold(email, conv.Visitor.Email):
	case conv.Visitor.Email != "":
		a.log.InfoContext(ctx, "the visitor gave another address than their contact's; it is in the note", "conversation", conv.ID)
	default:
		err := a.call(ctx, apiclient.Idempotent, http.MethodPut, "/contacts/"+url.PathEscape(contactID), map[string]any{"email": email}, nil)
		switch {
		case err == nil:
		case errors.Is(err, handover.ErrPermanent):
			a.log.WarnContext(ctx, "the visitor's email was not written to the contact; it is in the note", "conversation", conv.ID, "err", err)
		default:
			return fmt.Errorf("intercom: offline message for conversation %s: update contact: %w", conv.ID, err)
		}
	}
	note := ""
	if a.noteSinceVisitor(c, offlineHeading) == nil {
		var extra []string
		if a.cfg.TicketTypeID != "" {
			id, err := a.offlineTicket(ctx, conv, c, h, contactID)
			switch {
			case err == nil:
				extra = append(extra, "Ticket: #"+id)
			case errors.Is(err, handover.ErrPermanent):
				a.log.ErrorContext(ctx, "no ticket filed for the offline message (HANDOVER_INTERCOM_TICKET_TYPE_ID must name a Back-office ticket type, and the app needs the tickets scopes); the conversation is the offline message",
					"conversation", conv.ID, "err", err)
				extra = append(extra, "Ticket: none (Intercom refused it; see the service log)")
			default:
				return fmt.Errorf("intercom: offline message for conversation %s: %w", conv.ID, err)
			}
		}
		note = toHTML(handover.OfflineNote(offlineHeading, conv, h, extra...))
	}
	if err := a.toTeam(ctx, conv.ID, note); err != nil {
		return fmt.Errorf("intercom: offline message for conversation %s: %w", conv.ID, err)
	}
	return nil
}

// offlineTicket returns the number of the offline message's ticket: the one an earlier attempt
// of this filing created, else a new one. POST /tickets {ticket_type_id, contacts:[{id}|{email}],
// conversation_to_link_id, ticket_attributes:{_default_title_, _default_description_},
// assignment:{team_assignee_id}} (create_ticket_request): the link ("conversation | back-office
// ticket", "conversation | tracker ticket") is what makes the ticket findable again, among the
// conversation's linked_objects. A linked ticket is this filing's when GET /tickets/{id} shows
// it of the configured type, naming the conversation in its description, and created since the
// visitor's last message; an earlier filing's ticket predates that message.
// https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io/tickets/createticket
func (a *Adapter) offlineTicket(ctx context.Context, conv *handover.Conversation, c *conversation, h handover.Handoff, contactID string) (string, error) {
	marker := "Conversation: " + conv.ID + "\n"
	since := lastVisitorAt(c)
	for _, lo := range c.LinkedObjects.Data {
		id := lo.ID.String()
		if lo.Type != "ticket" || !validID(id) {
			continue
		}
		var t ticket
		err := a.call(ctx, apiclient.Idempotent, http.MethodGet, "/tickets/"+id, nil, &t)
		switch {
		case err == nil:
		case errors.Is(err, handover.ErrPermanent):
			continue
		default:
			return "", fmt.Errorf("read linked ticket %s: %w", id, err)
		}
		desc, _ := t.Attributes["_default_description_"].(string)
		if t.TicketType != nil && t.TicketType.ID.String() == a.cfg.TicketTypeID && strings.Contains(desc, marker) && !t.CreatedAt.Before(since) {
			a.log.InfoContext(ctx, "offline ticket already filed by an earlier attempt", "conversation", conv.ID, "ticket", t.number())
			return t.number(), nil
		}
	}
	who := map[string]string{"email": h.Email}
	if contactID != "" {
		who = map[string]string{"id": contactID}
	}
	body := map[string]any{
		"ticket_type_id":          a.cfg.TicketTypeID,
		"contacts":                []map[string]string{who},
		"conversation_to_link_id": conv.ID,
		"ticket_attributes": map[string]string{
			"_default_title_":       clip("Offline message: "+firstVisitorText(conv), 150),
			"_default_description_": handover.OfflineNote(offlineHeading, conv, h, "Conversation: "+conv.ID),
		},
		"assignment": map[string]string{"team_assignee_id": a.cfg.TeamID},
	}
	var t ticket
	if err := a.call(ctx, apiclient.Create, http.MethodPost, "/tickets", body, &t); err != nil {
		return "", fmt.Errorf("create ticket: %w", err)
	}
	a.log.InfoContext(ctx, "offline message filed as a ticket", "conversation", conv.ID, "ticket", t.number())
	return t.number(), nil
}

// lastVisitorAt is when the visitor's newest part was written (the zero time if none).
func lastVisitorAt(c *conversation) time.Time {
	ps := c.Parts.Parts
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i].Author.contact() {
			return ps[i].CreatedAt.Time
		}
	}
	if c.Source != nil && c.Source.Author.contact() {
		if !c.Source.CreatedAt.IsZero() {
			return c.Source.CreatedAt.Time
		}
		return c.CreatedAt.Time
	}
	return time.Time{}
}

// MarkAgentJoined records nothing: the announcement Post just sent is the bot's part after the
// takeover, which Load reads as the join announced.
func (a *Adapter) MarkAgentJoined(context.Context, *handover.Conversation, string) error { return nil }

func firstVisitorText(conv *handover.Conversation) string {
	for _, m := range conv.Messages {
		if m.Role == handover.RoleVisitor && strings.TrimSpace(m.Text) != "" {
			return clip(strings.Join(strings.Fields(m.Text), " "), 80)
		}
	}
	return "(no text)"
}

// clip shortens s to at most n runes, ending with "…" when cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
