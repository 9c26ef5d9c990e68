package liveagent

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/handover-dev/handover/handover"
)

// Webhook verification errors. The HTTP server answers them with 401.
var (
	// ErrMissingSecret: the delivery's URL has no secret segment.
	ErrMissingSecret = errors.New("liveagent webhook: missing secret in the URL (/webhooks/liveagent/<secret>)")
	// ErrBadSecret: the secret in the URL does not match, or none is configured.
	ErrBadSecret = errors.New("liveagent webhook: wrong secret in the URL")
)

// authenticate checks the secret LiveAgent's rule puts in the webhook URL:
// LiveAgent's "HTTP request" action signs nothing (docs/helpdesks/liveagent.md
// §2.1), so the last path segment is the credential, compared in constant
// time.
func authenticate(secret, pathSecret string) error {
	if secret == "" {
		return fmt.Errorf("%w: no webhook secret configured", ErrBadSecret)
	}
	if pathSecret == "" {
		return ErrMissingSecret
	}
	if !secretEqual(pathSecret, secret) {
		return ErrBadSecret
	}
	return nil
}

// secretEqual compares two secrets in constant time, lengths included.
func secretEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// Rule event names: the "event" value of the rule bodies handover ships
// (see Rules). They name the LiveAgent rule trigger that sent the request.
const (
	EventChatStarted       = "chat_started"
	EventMessageAdded      = "message_added"
	EventTicketTransferred = "ticket_transferred"
	EventStatusChanged     = "ticket_status_changed"
)

// Body keys Parse reads. Only ids and LiveAgent's own letters are taken from
// a rule body: the message itself is always read back from the API, so a
// body that LiveAgent filled with unescaped text never puts wrong words in
// front of the LLM.
var (
	idKeys   = []string{"ticket_id", "conversation_id", "ticketid", "conversationid"}
	codeKeys = []string{"ticket_code", "conversation_code", "code"}
)

// Hint keys: what the rule body says about the ticket when the rule fired
// (see ruleBody). Parse turns them into a ruleHint.
const (
	hintStatus     = "status"
	hintDepartment = "department_id"
	hintAgent      = "agent_id"
	hintEmail      = "visitor_email"
)

// ruleHint is the ticket as the rule body described it (handover.Event.Hint):
// the fields of GET /api/v3/tickets/{id} that decide who holds the chat, so
// LoadEvent can skip that read and only read the messages. It is set only
// from a body that is valid JSON with no key given twice, whose id is a
// ticket id (not a code), whose status is a Ticket.status letter and whose
// department is an id.
type ruleHint struct {
	TicketID, Code string
	Status         string
	DepartmentID   string
	// AgentID is the assigned agent; empty when the variable came back
	// literal or empty, which LiveAgent does both for "no agent" and for a
	// variable it does not know (AgentUnset tells them apart only once the
	// adapter has seen the variable replaced, see LoadEvent).
	AgentID    string
	AgentUnset bool
	// Email is the contact's address when it looks like one, else "".
	Email string
}

// placeholderRE finds a literal, unreplaced LiveAgent variable.
var placeholderRE = regexp.MustCompile(`\{\$[A-Za-z0-9_]*\}`)

// Parse translates one rule "HTTP request" body into core events. It is
// pure: no I/O, no clock. LiveAgent has no payload schema: the body is what
// the administrator typed, with {$variable} placeholders replaced without
// JSON escaping, and left literal when LiveAgent has no value
// (docs/helpdesks/liveagent.md §2.1). So Parse is defensive:
//
//   - it accepts a JSON object, a JSON object broken by unescaped quotes or
//     control characters in some value (the ids are still read from it),
//     or a form-encoded body;
//   - it reads only "event", the ticket id ("ticket_id",
//     "conversation_id", ... or, failing those, "ticket_code") and the
//     ticket's state ("status", "department_id", "agent_id",
//     "visitor_email"; see ruleHint): ids and letters, never text; every
//     other field is ignored;
//   - a key given twice with different values is refused (a value that
//     smuggled in `","ticket_id":"…`);
//   - an id that is a literal placeholder ("{$conversation_id}"), empty or
//     not id-shaped is an error that says so (the server answers 400).
//
// Events: chat_started and message_added → EventVisitorMessage (the engine
// reads the history and answers only a pending visitor message; an agent's
// message there is a takeover); ticket_transferred → EventAgentActivity;
// ticket_status_changed or no "event" field → EventChanged. Any other event
// name yields no event and no error (200, ignored). When the body is clean
// JSON and carries the ticket's state, the event's Hint is a *ruleHint.
func Parse(body []byte) ([]handover.Event, error) {
	fields, clean, err := bodyFields(body)
	if err != nil {
		return nil, err
	}
	event := strings.ToLower(strings.TrimSpace(first(fields["event"])))
	if placeholderRE.MatchString(event) {
		event = ""
	}
	var kind handover.EventKind
	switch event {
	case EventChatStarted, EventMessageAdded:
		kind = handover.EventVisitorMessage
	case EventTicketTransferred:
		kind = handover.EventAgentActivity
	case EventStatusChanged, "":
		kind = handover.EventChanged
	default:
		return nil, nil
	}
	id, err := ticketRef(fields)
	if err != nil {
		return nil, err
	}
	// "chat started" fires beside "message added" for a chat's first
	// message: a re-check, which must not make the turn answering that
	// message read the ticket again.
	ev := handover.Event{Kind: kind, ConversationID: id, Recheck: event == EventChatStarted}
	if clean {
		if h := hintOf(fields, id); h != nil {
			ev.Hint = h
		}
	}
	return []handover.Event{ev}, nil
}

// hintOf reads the ticket's state from a clean body's fields, or returns
// nil when any of it is missing or not what LiveAgent puts there.
func hintOf(fields map[string][]string, id string) *ruleHint {
	for _, vals := range fields {
		if len(vals) != 1 {
			return nil // a key given twice: some value smuggled one in
		}
	}
	val := func(k string) (string, bool) {
		vals, ok := fields[k]
		if !ok {
			return "", false
		}
		return strings.TrimSpace(vals[0]), true
	}
	tid, ok := "", false
	for _, k := range idKeys {
		if tid, ok = val(k); ok {
			break
		}
	}
	if !ok || tid != id {
		return nil // the code identified the ticket: LoadEvent needs the id
	}
	status, ok1 := val(hintStatus)
	dept, ok2 := val(hintDepartment)
	agentID, ok3 := val(hintAgent)
	if !ok1 || !ok2 || !ok3 || !hintStatuses[status] || !ValidID(dept) {
		return nil
	}
	h := &ruleHint{TicketID: id, Status: status, DepartmentID: dept}
	switch {
	case agentID == "" || placeholderRE.MatchString(agentID):
		h.AgentUnset = true
	case ValidID(agentID):
		h.AgentID = agentID
	default:
		return nil
	}
	for _, k := range codeKeys {
		if c, ok := val(k); ok && ValidID(c) {
			h.Code = c
			break
		}
	}
	if e, ok := val(hintEmail); ok && emailRE.MatchString(e) && len(e) <= 254 {
		h.Email = e
	}
	return h
}

// hintStatuses are the Ticket.status letters (QualityUnit/LiveAgent-api-python
// docs/Ticket.md).
var hintStatuses = map[string]bool{
	statusInit: true, statusNew: true, statusChatting: true, statusCalling: true, statusResolved: true,
	statusDeleted: true, statusSpam: true, statusAnswered: true, statusOpen: true, statusPostponed: true,
	statusClosed: true,
}

// emailRE is a plain address: no spaces, quotes, brackets or separators, so
// nothing but an address reaches a conversation from a rule body.
var emailRE = regexp.MustCompile(`^[A-Za-z0-9.!#$%&*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$`)

// ticketRef picks the ticket id (or, failing that, the ticket code) from
// the body's fields and says precisely what is wrong when there is none.
func ticketRef(fields map[string][]string) (string, error) {
	var problems []string
	for _, keys := range [][]string{idKeys, codeKeys} {
		for _, k := range keys {
			vals, ok := fields[k]
			if !ok {
				continue
			}
			if distinct(vals) > 1 {
				return "", fmt.Errorf("liveagent webhook: field %s is given %d times with different values; refusing an ambiguous body", k, len(vals))
			}
			v := strings.TrimSpace(vals[0])
			switch {
			case v == "":
				problems = append(problems, k+" is empty")
			case placeholderRE.MatchString(v):
				problems = append(problems, fmt.Sprintf("%s is the literal placeholder %q (LiveAgent left the variable unreplaced)", k, placeholderRE.FindString(v)))
			case !ValidID(v):
				problems = append(problems, fmt.Sprintf("%s %q is not a LiveAgent ticket id or code", k, clipValue(v)))
			default:
				return v, nil
			}
		}
	}
	if len(problems) == 0 {
		return "", fmt.Errorf("liveagent webhook: no ticket id: the body needs %q (or %q)", idKeys[0], codeKeys[0])
	}
	return "", fmt.Errorf("liveagent webhook: no usable ticket id: %s", strings.Join(problems, "; "))
}

func first(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return vals[0]
}

func distinct(vals []string) int {
	seen := map[string]bool{}
	for _, v := range vals {
		seen[strings.TrimSpace(v)] = true
	}
	return len(seen)
}

func clipValue(v string) string {
	if utf8.RuneCountInString(v) > 40 {
		return string([]rune(v)[:40]) + "…"
	}
	return v
}

// bodyFields reads the top-level scalar fields of a rule body, keeping
// every value of a repeated key; clean reports a valid JSON object (only
// such a body may carry a hint).
func bodyFields(body []byte) (fields map[string][]string, clean bool, err error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, false, errors.New("liveagent webhook: empty body (the rule's HTTP request needs the body from `handover liveagent rules`)")
	}
	if trimmed[0] == '{' {
		fields, err := jsonFields(trimmed)
		if err == nil {
			return fields, true, nil
		}
		// Broken JSON: unescaped quotes or control characters inside some
		// value. Recover the simple "key":"value" pairs; ids hold neither.
		if fields := scanFields(trimmed); len(fields) > 0 {
			return fields, false, nil
		}
		return nil, false, fmt.Errorf("liveagent webhook: body is not valid JSON (%v) and holds no readable \"key\":\"value\" pairs", err)
	}
	if bytes.ContainsRune(trimmed, '=') {
		q, err := url.ParseQuery(string(trimmed))
		if err != nil {
			return nil, false, fmt.Errorf("liveagent webhook: body is neither JSON nor a valid form: %v", err)
		}
		return q, false, nil
	}
	return nil, false, errors.New("liveagent webhook: body is neither a JSON object nor a form (key=value&...)")
}

// jsonFields decodes a JSON object's top-level scalar members token by
// token, so a repeated key is seen (encoding/json would keep the last).
func jsonFields(b []byte) (map[string][]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	out := map[string][]string{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case string:
			out[strings.ToLower(key)] = append(out[strings.ToLower(key)], x)
		case float64, bool:
			out[strings.ToLower(key)] = append(out[strings.ToLower(key)], strings.TrimSpace(string(raw)))
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON object")
	}
	return out, nil
}

// pairRE matches "key":"value" or "key":number where the value holds no
// quote or backslash: what a replaced id looks like.
var pairRE = regexp.MustCompile(`"([A-Za-z_][A-Za-z0-9_]*)"\s*:\s*(?:"([^"\\\x00-\x1f]*)"|(-?[0-9]+))`)

// scanFields recovers key/value pairs from a broken JSON body.
func scanFields(b []byte) map[string][]string {
	out := map[string][]string{}
	for _, m := range pairRE.FindAllSubmatch(b, -1) {
		key := strings.ToLower(string(m[1]))
		val := string(m[2])
		if len(m[3]) > 0 {
			val = string(m[3])
		}
		out[key] = append(out[key], val)
	}
	return out
}

// deliveryID: LiveAgent's HTTP request action sends no delivery id.
func deliveryID(http.Header) string { return "" }
