package libredesk

// Golden payloads (testdata/): message_created_incoming.json is the delivery observed from a
// running Libredesk v2.7.0 (the first delivery of a chat); the others follow the
// shapes in abhinavxd/libredesk: cmodels.Message and cmodels.Conversation
// (internal/conversation/models/models.go) and the TriggerEvent maps in
// internal/conversation/conversation.go ({conversation_uuid, assigned_to, actor_id,
// conversation}, {conversation_uuid, actor_id, conversation}, {conversation_uuid,
// previous_status, new_status, snooze_until, actor_id, conversation}, {conversation_uuid,
// previous_tags, new_tags, actor_id, conversation}), wrapped by marshalDeliveryPayload
// (internal/webhook/webhook.go). The bot agent is user 7, Alice is user 3.

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

const (
	testSecret = "webhook-secret-Zq81"
	testBot    = 7
	testConv   = "b6979838-c8ca-4270-8eb1-5cb5ecd335df"
)

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func signed(secret string, body []byte) http.Header {
	h := http.Header{}
	h.Set(HeaderSignature, Sign(secret, body))
	return h
}

func TestVerify(t *testing.T) {
	t.Parallel()
	body := golden(t, "message_created_incoming.json")
	good := signed(testSecret, body)
	set := func(v string) http.Header { h := http.Header{}; h.Set(HeaderSignature, v); return h }
	for _, tc := range []struct {
		name   string
		secret string
		h      http.Header
		body   []byte
		want   error
	}{
		{"good", testSecret, good, body, nil},
		{"body changed", testSecret, good, append([]byte(" "), body...), ErrBadSignature},
		{"other secret", "another-secret", good, body, ErrBadSignature},
		{"no prefix", testSecret, set(strings.TrimPrefix(good.Get(HeaderSignature), "sha256=")), body, ErrBadSignature},
		{"sha1 prefix", testSecret, set("sha1=" + strings.TrimPrefix(good.Get(HeaderSignature), "sha256=")), body, ErrBadSignature},
		{"bad hex", testSecret, set("sha256=zz"), body, ErrBadSignature},
		{"truncated", testSecret, set(good.Get(HeaderSignature)[:20]), body, ErrBadSignature},
		{"missing", testSecret, http.Header{}, body, ErrMissingSignature},
		{"empty secret, signed with empty key", "", signed("", body), body, ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.h, tc.body)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), tc.secret) && tc.secret != "" {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestCheckTimestamp(t *testing.T) {
	t.Parallel()
	body := golden(t, "message_created_incoming.json") // "timestamp":"2026-11-25T19:16:26Z"
	sent := time.Date(2026, 11, 25, 19, 16, 26, 0, time.UTC)
	for _, tc := range []struct {
		name string
		body []byte
		now  time.Time
		tol  time.Duration
		want error
	}{
		{"fresh", body, sent.Add(3 * time.Second), 15 * time.Minute, nil},
		{"14m late", body, sent.Add(14 * time.Minute), 15 * time.Minute, nil},
		{"replayed an hour later", body, sent.Add(time.Hour), 15 * time.Minute, ErrStaleTimestamp},
		{"from the future", body, sent.Add(-20 * time.Minute), 15 * time.Minute, ErrStaleTimestamp},
		{"check disabled", body, sent.Add(24 * time.Hour), -1, nil},
		{"no timestamp", []byte(`{"event":"message.created","payload":{}}`), sent, 15 * time.Minute, nil},
		{"unreadable timestamp", []byte(`{"timestamp":"yesterday"}`), sent, 15 * time.Minute, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckTimestamp(tc.body, tc.now, tc.tol); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("CheckTimestamp = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	a := testAdapter(t, "http://libredesk.invalid")
	body := golden(t, "message_created_incoming.json")
	sent := time.Date(2026, 11, 25, 19, 16, 30, 0, time.UTC)
	if err := a.Authenticate(signed(testSecret, body), "", body, sent); err != nil {
		t.Fatalf("good delivery: %v", err)
	}
	if err := a.Authenticate(signed("wrong", body), "", body, sent); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("bad signature: %v", err)
	}
	if err := a.Authenticate(http.Header{}, testSecret, body, sent); !errors.Is(err, ErrMissingSignature) {
		t.Fatalf("a secret in the URL is no signature: %v", err)
	}
	if err := a.Authenticate(signed(testSecret, body), "", body, sent.Add(2*time.Hour)); !errors.Is(err, ErrStaleTimestamp) {
		t.Fatalf("replay: %v", err)
	}
	if a.DeliveryID(signed(testSecret, body)) != "" {
		t.Fatal("Libredesk has no delivery id")
	}
}

func TestParseGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file string
		want []handover.Event
	}{
		{"message_created_incoming.json", []handover.Event{{Kind: handover.EventVisitorMessage, ConversationID: testConv,
			MessageID: "03b0a786-b2a2-456d-bc8f-32a836491c12", DedupKey: "message.created:03b0a786-b2a2-456d-bc8f-32a836491c12"}}},
		{"message_created_agent_reply.json", []handover.Event{{Kind: handover.EventAgentActivity, ConversationID: testConv,
			MessageID: "5d1c2f0e-8f5b-4d53-9a47-0c2e6b6f1a90", AgentName: "Alice Martin", DedupKey: "message.created:5d1c2f0e-8f5b-4d53-9a47-0c2e6b6f1a90"}}},
		{"message_created_bot_reply.json", nil},    // the bot's own reply
		{"message_created_private_note.json", nil}, // a note, even a human's
		{"message_created_activity.json", nil},
		{"message_updated.json", nil}, // the bot's reply marked sent
		{"conversation_created.json", []handover.Event{{Kind: handover.EventChanged, ConversationID: testConv, DedupKey: "conversation.created", Recheck: true}}},
		{"conversation_assigned_agent.json", []handover.Event{{Kind: handover.EventAgentActivity, ConversationID: testConv,
			AgentName: "An agent", DedupKey: "conversation.assigned:3"}}},
		{"conversation_assigned_bot.json", nil},    // the bot claiming the chat
		{"conversation_assigned_by_bot.json", nil}, // the bot handing it to an agent
		{"conversation_unassigned.json", nil},
		{"conversation_status_changed.json", nil},
		{"conversation_tags_changed.json", nil},
		{"webhook_test.json", nil},
		{"unknown_event.json", nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := Parse(golden(t, tc.file), testBot)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			// The hint: the message's uuid, or the conversation the payload carried.
			for i := range got {
				h, ok := got[i].Hint.(*hint)
				switch {
				case !ok:
					t.Fatalf("no hint: %+v", got[i])
				case got[i].MessageID != "" && (h.message != got[i].MessageID || h.conv != nil):
					t.Fatalf("message hint %+v", h)
				case got[i].MessageID == "" && (h.conv == nil || string(h.conv.UUID) != testConv || int(h.conv.InboxID) <= 0):
					t.Fatalf("conversation hint %+v", h)
				}
				got[i].Hint = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

// TestParseSevenEvents checks that the golden files cover the seven events the webhook must
// subscribe to.
func TestParseSevenEvents(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		b := golden(t, e.Name())
		for _, ev := range Events {
			if strings.Contains(string(b), `"event":"`+ev+`"`) || strings.Contains(string(b), `"event": "`+ev+`"`) {
				covered[ev] = true
			}
		}
	}
	for _, ev := range Events {
		if !covered[ev] {
			t.Errorf("no golden payload for %s", ev)
		}
	}
	if len(Events) != 7 {
		t.Fatalf("%d events", len(Events))
	}
}

func TestParseBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty", "", "empty body"},
		{"not json", "{nope", "invalid JSON"},
		{"array", `[1,2]`, "cannot use"},
		{"payload not an object", `{"event":"message.created","payload":"x"}`, "payload must be an object"},
		{"payload missing", `{"event":"message.created"}`, "payload must be an object"},
		{"no conversation", `{"event":"message.created","payload":{"uuid":"m1","type":"incoming"}}`, "conversation_uuid"},
		{"no message uuid", `{"event":"message.created","payload":{"conversation_uuid":"c1","type":"incoming"}}`, "payload.uuid"},
		{"assigned without conversation", `{"event":"conversation.assigned","payload":{"assigned_to":3}}`, "conversation_uuid"},
		{"created without uuid", `{"event":"conversation.created","payload":{"id":2}}`, "payload.uuid"},
		{"wrong type", `{"event":"message.created","payload":{"conversation_uuid":"c","uuid":"m","author":[1]}}`, "cannot use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.body), testBot)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse(%s) = %v, want an error about %q", tc.body, err, tc.want)
			}
		})
	}
	// Numbers as strings and null fields are read leniently.
	evs, err := Parse([]byte(`{"event":"conversation.assigned","payload":{"conversation_uuid":"c1","assigned_to":"3","actor_id":null}}`), testBot)
	if err != nil || len(evs) != 1 || evs[0].Kind != handover.EventAgentActivity {
		t.Fatalf("lenient: %v %v", evs, err)
	}
}

// FuzzParse: Parse never panics and either errors or returns events naming a conversation.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"message_created_incoming.json", "conversation_assigned_agent.json", "conversation_created.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"event":"message.created","payload":{"conversation_uuid":"c","uuid":"m","type":"incoming","meta":"{\"echo_id\":1}"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := Parse(body, testBot)
		if err != nil {
			return
		}
		for _, ev := range evs {
			if ev.ConversationID == "" || ev.DedupKey == "" {
				t.Fatalf("event without conversation or key: %+v", ev)
			}
		}
	})
}

// FuzzVerify: verification never panics, accepts exactly the right signature, and the
// timestamp check never panics on any verified body.
func FuzzVerify(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "message_created_incoming.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b, Sign(testSecret, b))
	f.Add([]byte(`{"timestamp":"2026-01-01T00:00:00Z"}`), "sha256=00")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		h := http.Header{}
		h.Set(HeaderSignature, sig)
		err := Verify(testSecret, h, body)
		if (err == nil) != (strings.TrimSpace(sig) != "" && hmacEqualHex(sig, Sign(testSecret, body))) {
			t.Fatalf("Verify(%q) = %v", sig, err)
		}
		if Verify(testSecret, signed(testSecret, body), body) != nil {
			t.Fatal("the right signature does not verify")
		}
		_ = CheckTimestamp(body, time.Now(), time.Minute)
	})
}

// hmacEqualHex compares a header value with the expected one like Verify does: hex is
// case-insensitive.
func hmacEqualHex(got, want string) bool {
	g, ok := strings.CutPrefix(strings.TrimSpace(got), "sha256=")
	return ok && strings.EqualFold(g, strings.TrimPrefix(want, "sha256="))
}
