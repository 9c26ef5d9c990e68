package zendesk

// HTTP routes of the simulated Zendesk: the Sunshine Conversations v2 API under /sc (Basic auth
// with an API key: key id and secret; errors {"errors":[{"code","title"}]}; JSON bodies capped at
// 100 kB) and the Support API under /api/v2 (Basic auth
// "<email>/token:<api token>"; errors {"error", "description"}).

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/adapters/sim/simnet"
)

// zdMaxJSON is Sunshine's request body limit (100 kB).
const zdMaxJSON = 100 * 1000

// zdMaxMetadata is the size limit of a metadata object (4 KB).
const zdMaxMetadata = 4096

// zdMaxText is the longest text message (textMessage.yaml: maxLength 4096).
const zdMaxText = 4096

// zdPageSize is the fixed page size of List Messages.
const zdPageSize = 100

type zdHandler func(w http.ResponseWriter, r *http.Request, body []byte)

func (z *Server) routes() http.Handler {
	mux := http.NewServeMux()
	app := "/sc/v2/apps/{app}"
	sc := func(pattern string, h zdHandler) { mux.Handle(pattern, z.sunshine(h)) }
	sc("GET "+app+"/conversations/{conv}", z.scGetConversation)
	sc("PATCH "+app+"/conversations/{conv}", z.scUpdateConversation)
	sc("GET "+app+"/conversations/{conv}/messages", z.scListMessages)
	sc("POST "+app+"/conversations/{conv}/messages", z.scPostMessage)
	sc("POST "+app+"/conversations/{conv}/activity", z.scPostActivity)
	sc("POST "+app+"/conversations/{conv}/passControl", z.scPassControl)
	sc("POST "+app+"/conversations/{conv}/offerControl", z.scOfferControl)
	sc("POST "+app+"/conversations/{conv}/acceptControl", z.scAcceptControl)
	sc("POST "+app+"/conversations/{conv}/releaseControl", z.scReleaseControl)
	sc("GET "+app+"/users/{user}", z.scGetUser)
	sc("GET "+app+"/integrations/{integration}/webhooks", z.scListWebhooksInstalled)
	sc("GET "+app+"/conversations", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		// List Conversations needs filter[userId] or filter[userExternalId]
		// (ConversationListFilter): there is no way to list every conversation.
		if r.URL.Query().Get("filter[userId]") == "" && r.URL.Query().Get("filter[userExternalId]") == "" {
			zdError(w, http.StatusBadRequest, "bad_request", "filter[userId] or filter[userExternalId] is required")
			return
		}
		z.scListConversations(w, r)
	})
	mux.Handle("/sc/", z.sunshine(func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		zdError(w, http.StatusNotFound, "not_found", "Resource not found")
	}))
	sp := func(pattern string, h zdHandler) { mux.Handle(pattern, z.support(h)) }
	sp("POST /api/v2/tickets", z.spCreateTicket)
	sp("POST /api/v2/tickets.json", z.spCreateTicket)
	sp("GET /api/v2/agent_availabilities", z.spAgentAvailabilities)
	sp("GET /api/v2/users", z.spListUsers)
	sp("GET /api/v2/users/{id}", z.spShowUser)
	sp("GET /api/v2/groups/{id}/users", z.spGroupUsers)
	sp("GET /api/v2/help_center/locales", z.hcLocales)
	sp("GET /api/v2/help_center/articles", z.hcArticles)
	sp("GET /api/v2/help_center/{locale}/articles", z.hcArticles)
	z.hc.Route(mux)
	z.installRoutes(app, sc, sp)
	mux.Handle("/api/", z.support(func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		sim.WriteJSON(w, http.StatusNotFound, map[string]any{"error": "InvalidEndpoint", "description": "Not found"})
	}))
	z.uiRoutes(mux)
	mux.Handle("/", http.NotFoundHandler())
	return mux
}

func zdError(w http.ResponseWriter, status int, code, title string) {
	sim.WriteJSON(w, status, map[string]any{"errors": []any{map[string]any{"code": code, "title": title}}})
}

// basicAuth returns the decoded user and password of a Basic Authorization header.
func basicAuth(r *http.Request) (string, string, bool) {
	h := r.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(h, "Basic ")
	if !ok {
		return "", "", false
	}
	dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(raw))
	if err != nil {
		return "", "", false
	}
	u, p, ok := strings.Cut(string(dec), ":")
	return u, p, ok
}

func zdEqual(a, b string) bool {
	return b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// apiCall wraps both APIs: body capture, faults (the 429 body is tooMany's, the 500 is
// Sunshine's), and the dialect's own call log, in which a faulted call has no token. auth returns
// the token kind and whether the request may go on (it writes the error itself).
func (z *Server) apiCall(limit int, auth func(w http.ResponseWriter, r *http.Request) (string, bool), h zdHandler, tooMany func(w http.ResponseWriter)) http.Handler {
	faults := simnet.Responses{TooMany: tooMany, ServerError: func(w http.ResponseWriter) {
		zdError(w, http.StatusInternalServerError, "internal_error", "Internal Server Error")
	}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := simnet.ReadBody(r, int64(limit)+1)
		call := simnet.NewCall(r, body)
		z.mw.Serve(w, r, &call, faults, func(sw http.ResponseWriter) {
			kind, ok := auth(sw, r)
			call.Token = kind
			if !ok {
				return
			}
			if len(body) > limit {
				zdError(sw, http.StatusRequestEntityTooLarge, "request_entity_too_large", fmt.Sprintf("Request body exceeds %d bytes", limit))
				return
			}
			if len(bytes.TrimSpace(body)) > 0 && !json.Valid(body) {
				zdError(sw, http.StatusBadRequest, "bad_request", "Invalid JSON body")
				return
			}
			h(sw, r, body)
		})
	})
}

// sunshine wraps a Sunshine route: Basic auth with the API key, then the app id of the path.
func (z *Server) sunshine(h zdHandler) http.Handler {
	auth := func(w http.ResponseWriter, r *http.Request) (string, bool) {
		u, p, ok := basicAuth(r)
		switch {
		case !ok:
			zdError(w, http.StatusUnauthorized, "unauthorized", "Authorization Required")
			return "", false
		case !zdEqual(u, z.o.KeyID) || !zdEqual(p, z.o.KeySecret):
			zdError(w, http.StatusUnauthorized, "unauthorized", "Invalid credentials")
			return "invalid", false
		}
		if app := r.PathValue("app"); app != "" && app != z.o.AppID {
			zdError(w, http.StatusForbidden, "forbidden", "The key cannot access this app")
			return "key", false
		}
		return "key", true
	}
	return z.apiCall(zdMaxJSON, auth, h, func(w http.ResponseWriter) {
		zdError(w, http.StatusTooManyRequests, "too_many_requests", "Rate limit exceeded")
	})
}

// support wraps a Support API route: Basic "<email>/token:<api token>".
func (z *Server) support(h zdHandler) http.Handler {
	auth := func(w http.ResponseWriter, r *http.Request) (string, bool) {
		u, p, ok := basicAuth(r)
		email, isToken := strings.CutSuffix(u, "/token")
		switch {
		case !ok:
			sim.WriteJSON(w, http.StatusUnauthorized, map[string]any{"error": "Couldn't authenticate you"})
			return "", false
		case !isToken || !zdEqual(email, z.o.SupportEmail) || !zdEqual(p, z.o.SupportToken):
			sim.WriteJSON(w, http.StatusUnauthorized, map[string]any{"error": "Couldn't authenticate you"})
			return "invalid", false
		}
		return "support", true
	}
	return z.apiCall(1<<20, auth, h, func(w http.ResponseWriter) {
		sim.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"error": "APIRateLimitExceeded", "description": "Number of allowed API requests per minute exceeded"})
	})
}

func decodeObject(body []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	out, _ := sim.NormalizeNumbers(v).(map[string]any)
	return out, nil
}

// checkMetadata validates a metadata object: flat (strings, numbers, booleans) and at most 4 KB.
func checkMetadata(v any) (map[string]any, string) {
	if v == nil {
		return nil, ""
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, "metadata must be an object"
	}
	for k, e := range m {
		switch e.(type) {
		case string, int64, float64, bool:
		default:
			return nil, fmt.Sprintf("metadata.%s must be a string, number or boolean (metadata is flat)", k)
		}
	}
	if b, _ := json.Marshal(m); len(b) > zdMaxMetadata {
		return nil, fmt.Sprintf("metadata is %d bytes; the limit is 4KB", len(b))
	}
	return m, ""
}

// ---- Sunshine: conversations ----

// GET /v2/apps/{appId}/conversations/{conversationId} → {conversation} (conversation.yaml).
func (z *Server) scGetConversation(w http.ResponseWriter, r *http.Request, _ []byte) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	c, zc, err := z.conv(r.PathValue("conv"))
	if err != nil {
		zdError(w, http.StatusNotFound, "conversation_not_found", "Conversation not found")
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"conversation": z.conversationFull(c, zc)})
}

func (z *Server) conversationFull(c *sim.Conversation, zc *zdConv) map[string]any {
	out := z.conversationTruncated(zc)
	out["isDefault"] = true
	out["displayName"] = nil
	out["description"] = nil
	out["iconUrl"] = nil
	md := zc.metadata
	if md == nil {
		md = map[string]any{}
	}
	out["metadata"] = deepCopyMap(md)
	out["businessLastRead"] = nil
	out["lastUpdatedAt"] = sim.TimeMillis(c.LastActivityAt)
	out["createdAt"] = sim.TimeMillis(zc.createdAt)
	return out
}

// GET /v2/apps/{appId}/conversations?filter[userId]=… → {conversations, meta, links}.
func (z *Server) scListConversations(w http.ResponseWriter, r *http.Request) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	q := r.URL.Query()
	var ctID int
	if uid := q.Get("filter[userId]"); uid != "" {
		ctID = z.userBySun[uid]
	} else if ext := q.Get("filter[userExternalId]"); ext != "" {
		if id, ok := z.s.ContactByKey[ext]; ok {
			ctID = id
		}
	}
	list := []any{}
	for _, id := range z.s.ConvIDs {
		if zc, ok := z.convs[id]; ok && z.s.Convs[id].ContactID == ctID && ctID != 0 {
			list = append(list, z.conversationFull(z.s.Convs[id], zc))
		}
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"conversations": list, "meta": map[string]any{"hasMore": false}, "links": map[string]any{}})
}

// PATCH /v2/apps/{appId}/conversations/{conversationId} {displayName, description, iconUrl,
// metadata}: metadata replaces the conversation's metadata.
func (z *Server) scUpdateConversation(w http.ResponseWriter, r *http.Request, body []byte) {
	in, err := decodeObject(body)
	if err != nil {
		zdError(w, http.StatusBadRequest, "bad_request", "Invalid JSON body")
		return
	}
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	c, zc, err := z.conv(r.PathValue("conv"))
	if err != nil {
		zdError(w, http.StatusNotFound, "conversation_not_found", "Conversation not found")
		return
	}
	if v, ok := in["metadata"]; ok {
		md, problem := checkMetadata(v)
		if problem != "" {
			zdError(w, http.StatusBadRequest, "bad_request", problem)
			return
		}
		zc.metadata = md
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"conversation": z.conversationFull(c, zc)})
}

// GET /v2/apps/{appId}/users/{userIdOrExternalId} → {user} (user.yaml).
func (z *Server) scGetUser(w http.ResponseWriter, r *http.Request, _ []byte) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	id := r.PathValue("user")
	ctID, ok := z.userBySun[id]
	if !ok {
		ctID, ok = z.s.ContactByKey[id]
	}
	if !ok || z.users[ctID] == nil {
		zdError(w, http.StatusNotFound, "user_not_found", "User not found")
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"user": z.userJSON(z.s.Contacts[ctID])})
}

// ---- Sunshine: messages ----

// GET /v2/apps/{appId}/conversations/{conversationId}/messages: cursor pagination backwards, the
// most recent page by default, 100 messages a page, each page in ascending order;
// page[before]=<message id> gives the page before that message, page[after] the one after.
// Response {messages, meta:{hasMore, beforeCursor, afterCursor}, links:{prev, next}}.
func (z *Server) scListMessages(w http.ResponseWriter, r *http.Request, _ []byte) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	c, _, err := z.conv(r.PathValue("conv"))
	if err != nil {
		zdError(w, http.StatusNotFound, "conversation_not_found", "Conversation not found")
		return
	}
	var all []*sim.Message
	for _, m := range c.Msgs {
		if z.msgs[m.ID] != nil {
			all = append(all, m)
		}
	}
	index := func(sunID string) int {
		for i, m := range all {
			if z.msgs[m.ID].sunID == sunID {
				return i
			}
		}
		return -1
	}
	q := r.URL.Query()
	lo, hi := max(0, len(all)-zdPageSize), len(all)
	hasMore := lo > 0
	if b := q.Get("page[before]"); b != "" {
		i := index(b)
		if i < 0 {
			zdError(w, http.StatusBadRequest, "bad_request", "Invalid page[before] cursor")
			return
		}
		lo, hi = max(0, i-zdPageSize), i
		hasMore = lo > 0
	} else if a := q.Get("page[after]"); a != "" {
		i := index(a)
		if i < 0 {
			zdError(w, http.StatusBadRequest, "bad_request", "Invalid page[after] cursor")
			return
		}
		lo, hi = i+1, min(len(all), i+1+zdPageSize)
		hasMore = hi < len(all)
	}
	page := []any{}
	for _, m := range all[lo:hi] {
		page = append(page, z.messageJSON(m, z.msgs[m.ID]))
	}
	meta := map[string]any{"hasMore": hasMore}
	links := map[string]any{}
	base := "/sc/v2/apps/" + z.o.AppID + "/conversations/" + r.PathValue("conv") + "/messages"
	if lo > 0 && hi > lo {
		cur := z.msgs[all[lo].ID].sunID
		meta["beforeCursor"] = cur
		links["prev"] = base + "?page%5Bbefore%5D=" + cur
	}
	if hi < len(all) && hi > lo {
		cur := z.msgs[all[hi-1].ID].sunID
		meta["afterCursor"] = cur
		links["next"] = base + "?page%5Bafter%5D=" + cur
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"messages": page, "meta": meta, "links": links})
}

// POST /v2/apps/{appId}/conversations/{conversationId}/messages {author, content, metadata}
// (messagePost.yaml) → 201 {messages:[message]}. Only text content is simulated; actions are
// reply, postback and link. A conversation at MessageCap messages answers 423 Locked.
func (z *Server) scPostMessage(w http.ResponseWriter, r *http.Request, body []byte) {
	in, err := decodeObject(body)
	if err != nil {
		zdError(w, http.StatusBadRequest, "bad_request", "Invalid JSON body")
		return
	}
	author, _ := in["author"].(map[string]any)
	content, _ := in["content"].(map[string]any)
	if author == nil || content == nil {
		zdError(w, http.StatusBadRequest, "bad_request", "author and content are required")
		return
	}
	atype, _ := author["type"].(string)
	if atype != "business" && atype != "user" {
		zdError(w, http.StatusBadRequest, "bad_request", "author.type must be business or user")
		return
	}
	if ctype, _ := content["type"].(string); ctype != "text" {
		zdError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("content.type %q is not simulated; use text", ctype))
		return
	}
	text, _ := content["text"].(string)
	var actions []map[string]any
	if raw, ok := content["actions"]; ok {
		list, ok := raw.([]any)
		if !ok {
			zdError(w, http.StatusBadRequest, "bad_request", "content.actions must be an array")
			return
		}
		for i, a := range list {
			am, _ := a.(map[string]any)
			problem := zdCheckAction(am)
			if problem != "" {
				zdError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("content.actions[%d]: %s", i, problem))
				return
			}
			actions = append(actions, am)
		}
	}
	if strings.TrimSpace(text) == "" && len(actions) == 0 {
		zdError(w, http.StatusBadRequest, "bad_request", "content.text is required unless actions are provided")
		return
	}
	if len([]rune(text)) > zdMaxText {
		zdError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("content.text exceeds %d characters", zdMaxText))
		return
	}
	md, problem := checkMetadata(in["metadata"])
	if problem != "" {
		zdError(w, http.StatusBadRequest, "bad_request", problem)
		return
	}
	t := z.lock()
	var evs []zdEvent
	defer func() { z.dispatchLocked(evs); t.unlock() }()
	c, _, err := z.conv(r.PathValue("conv"))
	if err != nil {
		zdError(w, http.StatusNotFound, "conversation_not_found", "Conversation not found")
		return
	}
	n := 0
	for _, m := range c.Msgs {
		if z.msgs[m.ID] != nil {
			n++
		}
	}
	if n >= z.o.MessageCap {
		zdError(w, http.StatusLocked, "locked", fmt.Sprintf("Conversation has reached the limit of %d messages", z.o.MessageCap))
		return
	}
	zm := &zdMsg{authorType: atype, sourceType: "api:conversations", actions: actions, metadata: md}
	zm.displayName, _ = author["displayName"].(string)
	cm := &sim.Message{Type: "outgoing", SenderKind: "agent_bot", Content: text, HasContent: true, ContentType: "text"}
	if atype == "user" {
		uid, _ := author["userId"].(string)
		ctID, ok := z.userBySun[uid]
		if !ok || ctID != c.ContactID {
			zdError(w, http.StatusBadRequest, "bad_request", "author.userId must be the conversation's user")
			return
		}
		zm.userID = uid
		cm = &sim.Message{Type: "incoming", SenderKind: "contact", SenderID: ctID, Content: text, HasContent: true, ContentType: "text"}
	}
	m, zm := z.addMessage(t, c, cm, zm)
	evs = append(evs, z.messageEvent(c, m, zm))
	sim.WriteJSON(w, http.StatusCreated, map[string]any{"messages": []any{z.messageJSON(m, zm)}})
}

// POST /v2/apps/{appId}/conversations/{conversationId}/activity {author, type} (Post Activity,
// activityPost) → 200 {}. type is conversation:read, typing:start or typing:stop; a user author
// may only send conversation:read. A business typing:start shows the typing indicator (the
// core's typing flag, "agent_bot", which the business's next message clears), typing:stop hides
// it; conversation:read changes nothing here. Business activity sends no webhook
// (conversation:typing is about the user typing).
func (z *Server) scPostActivity(w http.ResponseWriter, r *http.Request, body []byte) {
	in, err := decodeObject(body)
	if err != nil {
		zdError(w, http.StatusBadRequest, "bad_request", "Invalid JSON body")
		return
	}
	author, _ := in["author"].(map[string]any)
	typ, _ := in["type"].(string)
	if author == nil || typ == "" {
		zdError(w, http.StatusBadRequest, "bad_request", "author and type are required")
		return
	}
	atype, _ := author["type"].(string)
	switch {
	case atype != "business" && atype != "user":
		zdError(w, http.StatusBadRequest, "bad_request", "author.type must be business or user")
		return
	case typ != "conversation:read" && typ != "typing:start" && typ != "typing:stop":
		zdError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("type %q is not one of conversation:read, typing:start, typing:stop", typ))
		return
	case atype == "user" && typ != "conversation:read":
		zdError(w, http.StatusBadRequest, "bad_request", "If the author type is user, only conversation:read is supported")
		return
	}
	t := z.lock()
	defer t.unlock()
	c, _, err := z.conv(r.PathValue("conv"))
	if err != nil {
		zdError(w, http.StatusNotFound, "conversation_not_found", "Conversation not found")
		return
	}
	if atype == "user" {
		if uid, _ := author["userId"].(string); uid == "" || z.userBySun[uid] != c.ContactID {
			zdError(w, http.StatusBadRequest, "bad_request", "author.userId must be the conversation's user")
			return
		}
	}
	switch {
	case atype == "business" && typ == "typing:start":
		c.Typing = "agent_bot"
	case atype == "business" && typ == "typing:stop" && c.Typing == "agent_bot":
		c.Typing = ""
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{})
}

// zdCheckAction validates one message action (messages/actions/*.yaml).
func zdCheckAction(a map[string]any) string {
	if a == nil {
		return "must be an object"
	}
	typ, _ := a["type"].(string)
	text, _ := a["text"].(string)
	switch typ {
	case "reply", "postback":
		if strings.TrimSpace(text) == "" {
			return "text is required"
		}
		if p, _ := a["payload"].(string); p == "" {
			return "payload is required"
		}
	case "link", "webview":
		if strings.TrimSpace(text) == "" {
			return "text is required"
		}
		if u, _ := a["uri"].(string); u == "" {
			return "uri is required"
		}
	default:
		return fmt.Sprintf("type %q is not simulated (reply, postback, link, webview)", typ)
	}
	if v, ok := a["metadata"]; ok {
		if _, problem := checkMetadata(v); problem != "" {
			return problem
		}
	}
	return ""
}

// ---- Sunshine: switchboard actions ----

// callerSBI is the switchboard integration the API key acts as: handover's for an integration
// key, nil (anyone) for an app key.
func (z *Server) callerSBI() *zdSBI {
	if z.o.KeyScope == ScopeIntegration {
		return z.botSBI()
	}
	return nil
}

// POST …/passControl {switchboardIntegration, metadata}: the target (id, name, integrationType
// or "next") becomes active, every other on standby. Idempotent by id or name: passing to the
// integration already active changes nothing and sends no webhook.
func (z *Server) scPassControl(w http.ResponseWriter, r *http.Request, body []byte) {
	z.switchboardAction(w, r, body, func(c *sim.Conversation, zc *zdConv, in map[string]any, md map[string]any) ([]zdEvent, int, string) {
		target, _ := in["switchboardIntegration"].(string)
		if target == "" {
			return nil, http.StatusBadRequest, "switchboardIntegration is required"
		}
		to := z.resolveSBI(zc, target)
		if to == nil {
			return nil, http.StatusBadRequest, fmt.Sprintf("Switchboard integration %q not found", target)
		}
		return z.pass(c, zc, to, md), http.StatusOK, ""
	})
}

// POST …/offerControl {switchboardIntegration, metadata}: the target becomes pending (it cannot
// be the active one); earlier offers are cancelled.
func (z *Server) scOfferControl(w http.ResponseWriter, r *http.Request, body []byte) {
	z.switchboardAction(w, r, body, func(c *sim.Conversation, zc *zdConv, in map[string]any, md map[string]any) ([]zdEvent, int, string) {
		target, _ := in["switchboardIntegration"].(string)
		to := z.resolveSBI(zc, target)
		if to == nil {
			return nil, http.StatusBadRequest, fmt.Sprintf("Switchboard integration %q not found", target)
		}
		ev, err := z.offer(c, zc, to, md)
		if err != nil {
			return nil, http.StatusBadRequest, err.Error()
		}
		return []zdEvent{ev}, http.StatusOK, ""
	})
}

// POST …/acceptControl {metadata}: the pending integration takes control; with an integration
// key, 403 unless the caller is the pending integration.
func (z *Server) scAcceptControl(w http.ResponseWriter, r *http.Request, body []byte) {
	z.switchboardAction(w, r, body, func(c *sim.Conversation, zc *zdConv, _ map[string]any, md map[string]any) ([]zdEvent, int, string) {
		if me := z.callerSBI(); me != nil && zc.pending != me.id {
			return nil, http.StatusForbidden, "The authenticated integration is not the pending switchboard integration"
		}
		ev, err := z.accept(c, zc, md)
		if err != nil {
			return nil, http.StatusBadRequest, err.Error()
		}
		return []zdEvent{ev}, http.StatusOK, ""
	})
}

// POST …/releaseControl {metadata}: the switchboard state becomes null; with an integration key,
// 403 unless the caller is the active integration.
func (z *Server) scReleaseControl(w http.ResponseWriter, r *http.Request, body []byte) {
	z.switchboardAction(w, r, body, func(c *sim.Conversation, zc *zdConv, _ map[string]any, md map[string]any) ([]zdEvent, int, string) {
		if me := z.callerSBI(); me != nil && zc.active != me.id {
			return nil, http.StatusForbidden, "The authenticated integration is not the active switchboard integration"
		}
		return []zdEvent{z.release(c, zc, md)}, http.StatusOK, ""
	})
}

type zdAction func(c *sim.Conversation, zc *zdConv, in, metadata map[string]any) ([]zdEvent, int, string)

func (z *Server) switchboardAction(w http.ResponseWriter, r *http.Request, body []byte, act zdAction) {
	in, err := decodeObject(body)
	if err != nil {
		zdError(w, http.StatusBadRequest, "bad_request", "Invalid JSON body")
		return
	}
	md, problem := checkMetadata(in["metadata"])
	if problem != "" {
		zdError(w, http.StatusBadRequest, "bad_request", problem)
		return
	}
	t := z.lock()
	var evs []zdEvent
	defer func() { z.dispatchLocked(evs); t.unlock() }()
	c, zc, err := z.conv(r.PathValue("conv"))
	if err != nil {
		zdError(w, http.StatusNotFound, "conversation_not_found", "Conversation not found")
		return
	}
	out, status, msg := act(c, zc, in, md)
	if status != http.StatusOK {
		code := "bad_request"
		if status == http.StatusForbidden {
			code = "forbidden"
		}
		zdError(w, status, code, msg)
		return
	}
	evs = out
	sim.WriteJSON(w, http.StatusOK, map[string]any{})
}

// ---- Support API ----

// POST /api/v2/tickets {ticket:{subject, comment:{body, public}, requester:{name, email},
// group_id, tags, external_id}} → 201 {ticket}. With an Idempotency-Key header, a repeat with
// the same key and body answers the stored response (x-idempotency-lookup: hit); the same key
// with another body answers 400 IdempotentRequestError.
func (z *Server) spCreateTicket(w http.ResponseWriter, r *http.Request, body []byte) {
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	if key != "" {
		if prev, ok := z.idem[key]; ok {
			if prev.fingerprint != string(body) {
				sim.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "IdempotentRequestError", "description": "Idempotency key was used with a different request"})
				return
			}
			w.Header().Set("x-idempotency-lookup", "hit")
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(prev.status)
			_, _ = w.Write(prev.body)
			return
		}
	}
	status, out := z.createTicket(body)
	b, _ := json.Marshal(out)
	if key != "" && status < 500 {
		z.idem[key] = zdIdem{fingerprint: string(body), status: status, body: b}
		w.Header().Set("x-idempotency-lookup", "miss")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (z *Server) createTicket(body []byte) (int, map[string]any) {
	invalid := func(field, msg string) (int, map[string]any) {
		return http.StatusUnprocessableEntity, map[string]any{"error": "RecordInvalid", "description": "Record validation errors",
			"details": map[string]any{field: []any{map[string]any{"description": msg}}}}
	}
	in, err := decodeObject(body)
	if err != nil {
		return http.StatusBadRequest, map[string]any{"error": "Unprocessable Entity", "description": "Invalid JSON"}
	}
	tk, _ := in["ticket"].(map[string]any)
	if tk == nil {
		return http.StatusBadRequest, map[string]any{"error": "InvalidParameter", "description": "ticket is required"}
	}
	comment, _ := tk["comment"].(map[string]any)
	text, _ := comment["body"].(string)
	if strings.TrimSpace(text) == "" {
		return invalid("description", "Description: cannot be blank")
	}
	t := &Ticket{Comment: text, Public: true, CreatedAt: time.Now()}
	if p, ok := comment["public"].(bool); ok {
		t.Public = p
	}
	t.Subject, _ = tk["subject"].(string)
	if req, ok := tk["requester"].(map[string]any); ok {
		t.RequesterName, _ = req["name"].(string)
		t.RequesterEmail, _ = req["email"].(string)
		if !strings.Contains(t.RequesterEmail, "@") {
			return invalid("requester", "Requester: Email is not properly formatted")
		}
	}
	if g, ok := tk["group_id"]; ok && g != nil {
		id, ok := g.(int64)
		if !ok || z.s.Teams[int(id)] == nil {
			return invalid("group", "Group: is invalid")
		}
		t.GroupID = int(id)
	}
	if tags, ok := tk["tags"].([]any); ok {
		for _, x := range tags {
			if s, ok := x.(string); ok && s != "" && !slices.Contains(t.Tags, s) {
				t.Tags = append(t.Tags, s)
			}
		}
	}
	t.ExternalID, _ = tk["external_id"].(string)
	z.ticketSeq++
	t.ID = z.ticketSeq
	z.tickets = append(z.tickets, t)
	out := map[string]any{"id": t.ID, "subject": t.Subject, "description": t.Comment, "status": "new", "tags": slices.Clone(t.Tags),
		"external_id": sim.NullStr(t.ExternalID), "group_id": sim.NullInt(t.GroupID), "created_at": t.CreatedAt.UTC().Format(time.RFC3339),
		"url": fmt.Sprintf("/api/v2/tickets/%d.json", t.ID)}
	return http.StatusCreated, map[string]any{"ticket": out}
}

// GET /api/v2/agent_availabilities (JSON:API, cursor pagination): filter[channel_status]=
// <channel>:<status> keeps agents with that status on that channel; page[size] (at most 100)
// and page[after]. Each agent_availabilities resource has attributes {agent_id, group_ids,
// version} and relationships.channels; the channels are in included. Admins only (the Support
// API token must be an admin's).
func (z *Server) spAgentAvailabilities(w http.ResponseWriter, r *http.Request, _ []byte) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	q := r.URL.Query()
	wantChannel, wantStatus := "", ""
	if f := q.Get("filter[channel_status]"); f != "" {
		var ok bool
		wantChannel, wantStatus, ok = strings.Cut(f, ":")
		if !ok {
			sim.WriteJSON(w, http.StatusBadRequest, map[string]any{"errors": []any{map[string]any{"code": "InvalidParameter", "title": "filter[channel_status] must be <channel>:<status>"}}})
			return
		}
	}
	size := 100
	if v := q.Get("page[size]"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			sim.WriteJSON(w, http.StatusBadRequest, map[string]any{"errors": []any{map[string]any{"code": "InvalidParameter", "title": "page[size] must be 1..100"}}})
			return
		}
		size = n
	}
	after, _ := strconv.Atoi(q.Get("page[after]"))
	var agents []*sim.User
	for _, id := range z.s.UserIDs {
		u := z.s.Users[id]
		if u.Role != "agent" || u.ID <= after {
			continue
		}
		status := zdFromCore(u.Availability)
		if wantChannel != "" && (wantChannel != "messaging" || status != wantStatus) {
			continue
		}
		agents = append(agents, u)
	}
	sort.Slice(agents, func(i, j int) bool { return agents[i].ID < agents[j].ID })
	more := len(agents) > size
	if more {
		agents = agents[:size]
	}
	data, included := []any{}, []any{}
	for _, u := range agents {
		groups := []any{}
		for _, tid := range z.s.TeamIDs {
			if slices.Contains(z.s.Teams[tid].Members, u.ID) {
				groups = append(groups, tid)
			}
		}
		chID := fmt.Sprintf("agent_availabilities|%d|channels|messaging", u.ID)
		data = append(data, map[string]any{
			"type": "agent_availabilities", "id": fmt.Sprintf("agent_availabilities|%d", u.ID),
			"attributes": map[string]any{"agent_id": u.ID, "group_ids": groups, "version": 1},
			"links":      map[string]any{"self": fmt.Sprintf("/api/v2/agent_availabilities/%d", u.ID)},
			"relationships": map[string]any{"channels": map[string]any{"data": []any{
				map[string]any{"id": chID, "type": "channels"}}}},
		})
		included = append(included, map[string]any{"type": "channels", "id": chID,
			"attributes": map[string]any{"name": "messaging", "status": zdFromCore(u.Availability), "work_item_count": 0}})
	}
	meta := map[string]any{"has_more": more}
	links := map[string]any{}
	if more {
		last := agents[len(agents)-1].ID
		meta["after_cursor"] = strconv.Itoa(last)
		links["next"] = fmt.Sprintf("/api/v2/agent_availabilities?page%%5Bafter%%5D=%d&page%%5Bsize%%5D=%d", last, size)
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": data, "included": included, "meta": meta, "links": links})
}

func (z *Server) supportUser(u *sim.User) map[string]any {
	role := "agent"
	if u.Role == "administrator" {
		role = "admin"
	}
	return map[string]any{"id": u.ID, "name": u.Name, "email": u.Email, "role": role, "active": true}
}

// GET /api/v2/users/{id} → {user}.
func (z *Server) spShowUser(w http.ResponseWriter, r *http.Request, _ []byte) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	id, _ := strconv.Atoi(strings.TrimSuffix(r.PathValue("id"), ".json"))
	u := z.s.Users[id]
	if u == nil {
		sim.WriteJSON(w, http.StatusNotFound, map[string]any{"error": "RecordNotFound", "description": "Not found"})
		return
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"user": z.supportUser(u)})
}

// GET /api/v2/users?role[]=agent&role[]=admin → {users, next_page, previous_page, count}
// (offset pagination; the sim has one page).
func (z *Server) spListUsers(w http.ResponseWriter, r *http.Request, _ []byte) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	roles := r.URL.Query()["role[]"]
	if v := r.URL.Query().Get("role"); v != "" {
		roles = append(roles, v)
	}
	users := []any{}
	for _, id := range z.s.UserIDs {
		u := z.supportUser(z.s.Users[id])
		if len(roles) == 0 || slices.Contains(roles, u["role"].(string)) {
			users = append(users, u)
		}
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"users": users, "next_page": nil, "previous_page": nil, "count": len(users)})
}

// GET /api/v2/groups/{id}/users → {users, next_page, previous_page, count}.
func (z *Server) spGroupUsers(w http.ResponseWriter, r *http.Request, _ []byte) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	id, _ := strconv.Atoi(r.PathValue("id"))
	tm := z.s.Teams[id]
	if tm == nil {
		sim.WriteJSON(w, http.StatusNotFound, map[string]any{"error": "RecordNotFound", "description": "Not found"})
		return
	}
	users := []any{}
	for _, uid := range tm.Members {
		users = append(users, z.supportUser(z.s.Users[uid]))
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"users": users, "next_page": nil, "previous_page": nil, "count": len(users)})
}

// zdWebhookTriggers are the triggers of the simulated integration webhook: every event the
// simulator delivers.
var zdWebhookTriggers = []string{"conversation:message", "conversation:postback", "switchboard:passControl",
	"switchboard:acceptControl", "switchboard:offerControl", "switchboard:releaseControl"}

// GET /v2/apps/{app}/integrations/{integration}/webhooks (List Webhooks): {webhooks: [{id,
// version, target, triggers, includeFullUser, includeFullSource}]}; the secret is left out. The
// simulated custom integration has one webhook, the one deliveries go to (none when unset).
func (z *Server) scListWebhooks(w http.ResponseWriter, r *http.Request, _ []byte) {
	z.s.Mu.Lock()
	defer z.s.Mu.Unlock()
	if r.PathValue("integration") != z.o.IntegrationID {
		zdError(w, http.StatusNotFound, "integration_not_found", "Integration not found")
		return
	}
	hooks := []any{}
	if z.webhookURL != "" {
		hooks = append(hooks, map[string]any{"id": "6b0b0b0b0b0b0b0b0b0b0b0b", "version": "v2", "target": z.webhookURL,
			"triggers": zdWebhookTriggers, "includeFullUser": !z.o.NoFullUser, "includeFullSource": false})
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"webhooks": hooks})
}
