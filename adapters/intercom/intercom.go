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
// its 500 most recent parts) and derives everything from it. Who holds the conversation is its
// assignment (the bot admin, the team, a human teammate) and its parts: a public reply of
// another teammate takes over for good, a reply of Fin or a workflow bot silences the bot, and
// the bot's own private notes mark a conversation filed as an offline message. How often the
// bot answered and which prompt it showed are read from its own parts: buttons are quick_reply
// parts whose option uuids name the choice (see choiceUUID). docs/helpdesks/intercom.md
// describes what the adapter relies on, with the vendor's pages.
package intercom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/apiclient"
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

// maxResponseBody bounds a success body we decode.
const maxResponseBody = 16 << 20

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
	// TicketTypeID, when set, makes offline messages tickets of that type.
	TicketTypeID string
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
	switch {
	case c.RetryMax == 0:
		c.RetryMax = DefaultRetryMax
	case c.RetryMax < 0:
		c.RetryMax = 0
	}
	if c.RetryWaitMax <= 0 {
		c.RetryWaitMax = DefaultRetryWaitMax
	}
	if c.HTTPTimeout <= 0 {
		c.HTTPTimeout = DefaultHTTPTimeout
	}
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.BaseURL = strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
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
	return &Adapter{cfg: cfg, http: c, log: logger, redact: r}, nil
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
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return fmt.Errorf("intercom api: %s %s: read response: %w", method, path, a.redact.TransportError(err, false))
	}
	if apiclient.IsEmpty(b) {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("intercom api: %s %s: decode response: %w", method, path, err)
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
// a comment, a note or a quick_reply authored by the bot admin. It creates a part, so it is
// repeated only when Intercom surely did not act.
// https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io/conversations/replyconversation
func (a *Adapter) reply(ctx context.Context, convID string, body map[string]any) error {
	body["type"] = "admin"
	body["admin_id"] = a.cfg.BotAdminID
	return a.call(ctx, apiclient.Create, http.MethodPost, "/conversations/"+convID+"/reply", body, nil)
}

// assign posts an assignment part (POST /conversations/{id}/parts, assign_conversation_request)
// performed by the bot admin: kind "team" or "admin", assignee "0" for nobody. Assigning is
// idempotent in effect, so it may be repeated.
// https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io/conversations/manageconversation
func (a *Adapter) assign(ctx context.Context, convID, kind, assignee string) error {
	body := map[string]any{"message_type": "assignment", "type": kind, "admin_id": a.cfg.BotAdminID, "assignee_id": assignee}
	if err := a.call(ctx, apiclient.Idempotent, http.MethodPost, "/conversations/"+convID+"/parts", body, nil); err != nil {
		return fmt.Errorf("assign to %s %s: %w", kind, assignee, err)
	}
	return nil
}

// Post sends a bot message as the bot admin, in paragraphs. Without buttons it is a comment;
// with buttons it is one quick_reply part carrying the text as its body and one reply option
// per button, whose uuid names the choice (choiceUUID): one call either way.
func (a *Adapter) Post(ctx context.Context, conv *handover.Conversation, out handover.Outgoing) error {
	if !validID(conv.ID) {
		return fmt.Errorf("intercom: post to conversation %q: not an Intercom id: %w", conv.ID, handover.ErrPermanent)
	}
	body := map[string]any{"message_type": "comment", "body": toHTML(out.Text)}
	var opts []quickReplyOption
	for _, b := range out.Buttons {
		v := b.Value
		if v == "" {
			continue
		}
		opts = append(opts, quickReplyOption{Text: strings.TrimSpace(b.Title), UUID: choiceUUID(v)})
	}
	if len(opts) > 0 {
		body["message_type"] = "quick_reply"
		body["reply_options"] = opts
	}
	if err := a.reply(ctx, conv.ID, body); err != nil {
		return fmt.Errorf("intercom: post to conversation %s: %w", conv.ID, err)
	}
	return nil
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

// HandToHuman leaves the team a private note (reason and summary), assigns the conversation to
// the team and unassigns the bot admin (a conversation holds an admin and a team assignee at
// once: assigning the team alone would leave it with the bot). Every write is the bot admin's.
// A repeated handover after a crash may repeat the note; the assignments are idempotent.
func (a *Adapter) HandToHuman(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	if !validID(conv.ID) {
		return fmt.Errorf("intercom: hand over %q: not an Intercom id: %w", conv.ID, handover.ErrPermanent)
	}
	note := handover.HandoverNote(handoverHeading, h)
	if err := a.reply(ctx, conv.ID, map[string]any{"message_type": "note", "body": toHTML(note)}); err != nil {
		return fmt.Errorf("intercom: hand over conversation %s: note: %w", conv.ID, err)
	}
	if err := a.assign(ctx, conv.ID, "team", a.cfg.TeamID); err != nil {
		return fmt.Errorf("intercom: hand over conversation %s: %w", conv.ID, err)
	}
	if err := a.assign(ctx, conv.ID, "admin", "0"); err != nil {
		return fmt.Errorf("intercom: hand over conversation %s: %w", conv.ID, err)
	}
	return nil
}

// LeaveOffline files the offline message:
//
//  1. the address is written to the contact (PUT /contacts/{id} {email}), so a teammate's reply
//     reaches the visitor by email; when Intercom refuses it (another contact has the address)
//     the address stays in the note;
//  2. with HANDOVER_INTERCOM_TICKET_TYPE_ID, a ticket of that type (POST /tickets) for the
//     contact, assigned to the team, its description the note below;
//  3. a private note in the conversation with the heading, the address, the summary and the
//     transcript (and the ticket's id): the note is how Load knows the conversation is filed;
//  4. without a ticket type the conversation itself is the offline message: it is assigned to
//     the team; either way the bot admin is unassigned.
func (a *Adapter) LeaveOffline(ctx context.Context, conv *handover.Conversation, h handover.Handoff) error {
	if !validID(conv.ID) {
		return fmt.Errorf("intercom: offline message %q: not an Intercom id: %w", conv.ID, handover.ErrPermanent)
	}
	email := strings.TrimSpace(h.Email)
	if email == "" {
		email = strings.TrimSpace(conv.Visitor.Email)
	}
	h.Email = email
	contactID := conv.Visitor.ID
	if email != "" && contactID != "" && !strings.EqualFold(email, conv.Visitor.Email) {
		err := a.call(ctx, apiclient.Idempotent, http.MethodPut, "/contacts/"+url.PathEscape(contactID), map[string]any{"email": email}, nil)
		switch {
		case err == nil:
		case errors.Is(err, handover.ErrPermanent):
			a.log.WarnContext(ctx, "the visitor's email was not written to the contact; it is in the note", "conversation", conv.ID, "err", err)
		default:
			return fmt.Errorf("intercom: offline message for conversation %s: update contact: %w", conv.ID, err)
		}
	}
	var extra []string
	if a.cfg.TicketTypeID != "" {
		id, err := a.ticket(ctx, conv, h, contactID)
		if err != nil {
			return fmt.Errorf("intercom: offline message for conversation %s: %w", conv.ID, err)
		}
		extra = append(extra, "Ticket: "+id)
	}
	note := handover.OfflineNote(offlineHeading, conv, h, extra...)
	if err := a.reply(ctx, conv.ID, map[string]any{"message_type": "note", "body": toHTML(note)}); err != nil {
		return fmt.Errorf("intercom: offline message for conversation %s: note: %w", conv.ID, err)
	}
	if a.cfg.TicketTypeID == "" {
		if err := a.assign(ctx, conv.ID, "team", a.cfg.TeamID); err != nil {
			return fmt.Errorf("intercom: offline message for conversation %s: %w", conv.ID, err)
		}
	}
	if err := a.assign(ctx, conv.ID, "admin", "0"); err != nil {
		return fmt.Errorf("intercom: offline message for conversation %s: %w", conv.ID, err)
	}
	return nil
}

// ticket creates the offline ticket: POST /tickets {ticket_type_id, contacts:[{id}|{email}],
// ticket_attributes:{_default_title_, _default_description_}, assignment:{team_assignee_id}}.
// https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io/tickets/createticket
func (a *Adapter) ticket(ctx context.Context, conv *handover.Conversation, h handover.Handoff, contactID string) (string, error) {
	who := map[string]string{"email": h.Email}
	if contactID != "" {
		who = map[string]string{"id": contactID}
	}
	body := map[string]any{
		"ticket_type_id": a.cfg.TicketTypeID,
		"contacts":       []map[string]string{who},
		"ticket_attributes": map[string]string{
			"_default_title_":       clip("Offline message: "+firstVisitorText(conv), 150),
			"_default_description_": handover.OfflineNote(offlineHeading, conv, h, "Conversation: "+conv.ID),
		},
		"assignment": map[string]string{"team_assignee_id": a.cfg.TeamID},
	}
	var resp struct {
		ID       json.Number `json:"id"`
		TicketID json.Number `json:"ticket_id"`
	}
	if err := a.call(ctx, apiclient.Create, http.MethodPost, "/tickets", body, &resp); err != nil {
		return "", fmt.Errorf("create ticket: %w", err)
	}
	id := resp.TicketID.String()
	if id == "" {
		id = resp.ID.String()
	}
	a.log.InfoContext(ctx, "offline message filed as a ticket", "conversation", conv.ID, "ticket", id)
	return id, nil
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
