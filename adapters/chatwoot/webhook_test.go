package chatwoot

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

const testSecret = "bot-secret-8Yf2"

func signedHeader(secret string, ts int64, body []byte) http.Header {
	h := http.Header{}
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, Sign(secret, ts, body))
	h.Set(HeaderDelivery, "5b0f4c8e-1c1d-4a57-9a55-3a5b7d1f0e42")
	return h
}

func TestVerify(t *testing.T) {
	t.Parallel()
	body := []byte(`{"event":"message_created","id":1}`)
	now := time.Unix(1781949600, 0)
	ts := now.Unix()
	tamper := func(h http.Header, k, v string) http.Header { h = h.Clone(); h.Set(k, v); return h }
	drop := func(h http.Header, k string) http.Header { h = h.Clone(); h.Del(k); return h }
	good := signedHeader(testSecret, ts, body)

	for _, tc := range []struct {
		name   string
		secret string
		h      http.Header
		body   []byte
		now    time.Time
		want   error
	}{
		{"good", testSecret, good, body, now, nil},
		{"good 4m59s later", testSecret, good, body, now.Add(4*time.Minute + 59*time.Second), nil},
		{"good 4m59s early clock", testSecret, good, body, now.Add(-4*time.Minute - 59*time.Second), nil},
		{"stale +6m", testSecret, good, body, now.Add(6 * time.Minute), ErrStaleTimestamp},
		{"stale -6m (future timestamp)", testSecret, good, body, now.Add(-6 * time.Minute), ErrStaleTimestamp},
		{"body changed", testSecret, good, []byte(`{"event":"message_created","id":2}`), now, ErrBadSignature},
		{"other secret", "another-secret", good, body, now, ErrBadSignature},
		{"timestamp changed", testSecret, tamper(good, HeaderTimestamp, strconv.FormatInt(ts+1, 10)), body, now, ErrBadSignature},
		{"bad hex", testSecret, tamper(good, HeaderSignature, "sha256=zz"), body, now, ErrBadSignature},
		{"no prefix", testSecret, tamper(good, HeaderSignature, strings.TrimPrefix(good.Get(HeaderSignature), "sha256=")), body, now, ErrBadSignature},
		{"sha1 prefix", testSecret, tamper(good, HeaderSignature, "sha1="+strings.TrimPrefix(good.Get(HeaderSignature), "sha256=")), body, now, ErrBadSignature},
		{"timestamp not a number", testSecret, tamper(good, HeaderTimestamp, "yesterday"), body, now, ErrBadSignature},
		{"missing timestamp", testSecret, drop(good, HeaderTimestamp), body, now, ErrBadSignature},
		{"missing signature", testSecret, drop(good, HeaderSignature), body, now, ErrMissingSignature},
		{"no headers", testSecret, http.Header{}, body, now, ErrMissingSignature},
		{"empty secret, signed with empty key", "", signedHeader("", ts, body), body, now, ErrBadSignature},
		{"empty secret, no headers", "", http.Header{}, body, now, ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.h, tc.body, tc.now)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	a := newTestAdapter(t, "http://chatwoot.invalid", nil)
	body := []byte(`{"event":"message_created"}`)
	now := time.Unix(1781949600, 0)
	for _, tc := range []struct {
		name       string
		h          http.Header
		pathSecret string
		want       error
	}{
		{"signed (>= 4.13)", signedHeader(testSecret, now.Unix(), body), "", nil},
		{"signed, path secret also right", signedHeader(testSecret, now.Unix(), body), testSecret, nil},
		{"bad signature is not rescued by the path secret", signedHeader("wrong", now.Unix(), body), testSecret, ErrBadSignature},
		{"stale signature is not rescued by the path secret", signedHeader(testSecret, now.Add(-time.Hour).Unix(), body), testSecret, ErrStaleTimestamp},
		{"unsigned (<= 4.12) with path secret", http.Header{}, testSecret, nil},
		{"unsigned with wrong path secret", http.Header{}, "bot-secret-8Yf3", ErrMissingSignature},
		{"unsigned with path secret prefix", http.Header{}, "bot-secret", ErrMissingSignature},
		{"unsigned, no path secret", http.Header{}, "", ErrMissingSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := a.Authenticate(tc.h, tc.pathSecret, body, now)
			if tc.want == nil && err != nil {
				t.Fatalf("Authenticate: %v, want nil", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Authenticate: %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("empty configured secret authenticates nothing", func(t *testing.T) {
		for _, ps := range []string{"", " "} {
			if err := authenticate("", http.Header{}, ps, body, now); err == nil {
				t.Fatalf("authenticate with empty secret and path %q: nil error", ps)
			}
		}
		if err := authenticate("", signedHeader("", now.Unix(), body), "", body, now); err == nil {
			t.Fatal("authenticate with empty secret and an empty-key signature: nil error")
		}
	})
	if got := a.DeliveryID(signedHeader(testSecret, now.Unix(), body)); got != "5b0f4c8e-1c1d-4a57-9a55-3a5b7d1f0e42" {
		t.Errorf("DeliveryID = %q", got)
	}
	if a.Name() != "chatwoot" {
		t.Errorf("Name = %q", a.Name())
	}
}

func TestParseGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file string
		want []handover.Event
	}{
		{"visitor_text.json", []handover.Event{{Kind: handover.EventVisitorMessage, ConversationID: "42", MessageID: "1001", DedupKey: "message_created:1001"}}},
		// Open: maybe waiting for a person (the wait timeout, calling the wait off).
		{"visitor_text_open.json", []handover.Event{{Kind: handover.EventVisitorMessage, ConversationID: "42", MessageID: "1003", DedupKey: "message_created:1003"}}},
		// Taken over by an agent for good: nothing for the bot, not even a read.
		{"visitor_text_joined.json", nil},
		{"visitor_text_assigned.json", nil},
		{"click.json", []handover.Event{{Kind: handover.EventChoice, ConversationID: "42", MessageID: "1002", Choice: "handover_request", DedupKey: "click:1002"}}},
		{"click_title_only.json", []handover.Event{{Kind: handover.EventChoice, ConversationID: "42", MessageID: "1005", Choice: "Yes", DedupKey: "click:1005"}}},
		{"click_no_submission.json", nil},
		{"email_submit.json", []handover.Event{{Kind: handover.EventChoice, ConversationID: "42", MessageID: "1010", Email: "visitor@example.com", DedupKey: "click:1010"}}},
		{"agent_reply.json", []handover.Event{{Kind: handover.EventAgentActivity, ConversationID: "42", MessageID: "1020", AgentName: "Alice Agent", DedupKey: "message_created:1020"}}},
		{"external_echo.json", []handover.Event{{Kind: handover.EventAgentActivity, ConversationID: "42", MessageID: "1021", AgentName: "An agent", DedupKey: "message_created:1021"}}},
		{"bot_own_message.json", nil},
		{"captain_reply.json", nil},
		{"private_note.json", nil},
		{"bot_private_note.json", nil},
		{"template.json", nil},
		{"assignment_update.json", []handover.Event{{Kind: handover.EventAgentActivity, ConversationID: "42", AgentName: "Alice Agent", DedupKey: "conversation_updated:42:assignee:11"}}},
		{"team_update.json", nil},
		{"status_changed.json", nil},
		{"conversation_opened.json", nil},
		{"webwidget_triggered.json", nil},
		{"unknown_event.json", nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			for i := range got {
				h, ok := got[i].Hint.(*hint)
				if !ok || string(h.conv.ID) != got[i].ConversationID {
					t.Fatalf("event %d carries hint %#v", i, got[i].Hint)
				}
				got[i].Hint = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty", ``, "empty body"},
		{"not JSON", `{"event": "message_created", "id": 12,,}`, "invalid JSON at offset"},
		{"truncated", `{"event": "message_created", "id": 12, "conversation": {"id": 4`, "invalid JSON"},
		{"no message id", `{"event":"message_created","message_type":"incoming","conversation":{"id":4,"status":"pending"}}`, "missing field id"},
		{"no conversation", `{"event":"message_created","id":7,"message_type":"incoming"}`, "missing field conversation.id"},
		{"no conversation id", `{"event":"message_updated","id":7,"conversation":{"status":"pending"}}`, "missing field conversation.id"},
		{"conversation not an object", `{"event":"message_created","id":7,"conversation":"42"}`, "field conversation"},
		{"conversation_updated without id", `{"event":"conversation_updated","changed_attributes":[]}`, "missing field id"},
		{"changed_attributes wrong shape", `{"event":"conversation_updated","id":4,"changed_attributes":{"assignee_id":1}}`, "field changed_attributes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.body))
			if err == nil {
				t.Fatalf("Parse = %+v, nil error; want an error containing %q", got, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error %q does not contain %q", err, tc.want)
			}
		})
	}
	// An unknown event is not an error, even with odd fields.
	if ev, err := Parse([]byte(`{"event":"conversation_typing_on","conversation":"x"}`)); err != nil || ev != nil {
		t.Fatalf("unknown event: %v, %v", ev, err)
	}
}

// The push-format message_type (an integer) is read like the webhook string.
func TestParseIntegerMessageType(t *testing.T) {
	t.Parallel()
	body := `{"event":"message_created","id":9,"message_type":0,"private":false,"content":"hi",
		"conversation":{"id":"42","status":"pending","meta":{"assignee":null,"assignee_type":null}}}`
	got, err := Parse([]byte(body))
	if err != nil || len(got) != 1 || got[0].Kind != handover.EventVisitorMessage || got[0].ConversationID != "42" {
		t.Fatalf("Parse = %+v, %v", got, err)
	}
}

// Every event carries the webhook's conversation, for LoadEvent.
func TestParseHint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file     string
		status   string
		seen     int64
		assigned bool
	}{
		{"visitor_text.json", "pending", 1001, false},
		{"click.json", "pending", 0, false}, // its conversation lists no message
		{"agent_reply.json", "pending", 1020, false},
		{"assignment_update.json", "pending", 0, true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			evs, err := Parse(body)
			if err != nil || len(evs) != 1 {
				t.Fatalf("Parse = %+v, %v", evs, err)
			}
			h := evs[0].Hint.(*hint)
			if string(h.conv.Status) != tc.status || string(h.conv.InboxID) != "2" || h.seen != tc.seen || (h.conv.humanAssignee() != nil) != tc.assigned {
				t.Fatalf("hint: status %q inbox %q seen %d assignee %+v", h.conv.Status, h.conv.InboxID, h.seen, h.conv.Meta.Assignee)
			}
			if channelName(string(h.conv.Channel)) != "web" {
				t.Fatalf("channel %q", h.conv.Channel)
			}
		})
	}
	// A messages list that is not a list of objects does not make the
	// payload unreadable.
	evs, err := Parse([]byte(`{"event":"message_created","id":9,"message_type":"incoming","conversation":{"id":4,"status":"pending","messages":"x"}}`))
	if err != nil || len(evs) != 1 || evs[0].Hint.(*hint).seen != 9 {
		t.Fatalf("Parse = %+v, %v", evs, err)
	}
}
