package intercom

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover-dev/handover/handover"
)

const (
	testBot   = "991267715"
	testAlice = "991267716"
)

func fixture(t *testing.T, name string, repl ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.NewReplacer(repl...).Replace(string(b)))
}

func TestAuthenticate(t *testing.T) {
	body := fixture(t, "user_created.json")
	good := http.Header{}
	good.Set(HeaderSignature, Sign("s3cret", body))
	// A known HMAC-SHA1 test vector (key "key", the quick brown fox), hex, prefixed "sha1=" as
	// X-Hub-Signature carries it.
	if got := Sign("key", []byte("The quick brown fox jumps over the lazy dog")); got != "sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9" {
		t.Fatalf("Sign = %s", got)
	}
	if err := Authenticate("s3cret", good, body); err != nil {
		t.Fatalf("valid signature refused: %v", err)
	}
	upper := http.Header{}
	upper.Set(HeaderSignature, strings.ToUpper(Sign("s3cret", body)))
	if err := Authenticate("s3cret", upper, body); err != nil {
		t.Fatalf("upper-case hex refused: %v", err)
	}
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-3] = ' '
	forged := http.Header{}
	forged.Set(HeaderSignature, Sign("other", body))
	for name, tc := range map[string]struct {
		secret string
		h      http.Header
		body   []byte
		want   error
	}{
		"missing":     {"s3cret", http.Header{}, body, ErrMissingSignature},
		"forged":      {"s3cret", forged, body, ErrBadSignature},
		"tampered":    {"s3cret", good, tampered, ErrBadSignature},
		"no secret":   {"", good, body, ErrBadSignature},
		"bare hex":    {"s3cret", http.Header{HeaderSignature: {strings.TrimPrefix(Sign("s3cret", body), "sha1=")}}, body, ErrBadSignature},
		"sha256 name": {"s3cret", http.Header{HeaderSignature: {"sha256=" + strings.TrimPrefix(Sign("s3cret", body), "sha1=")}}, body, ErrBadSignature},
	} {
		if err := Authenticate(tc.secret, tc.h, tc.body); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", name, err, tc.want)
		}
	}
}

func parseOne(t *testing.T, body []byte) []handover.Event {
	t.Helper()
	evs, err := Parse(testBot, body)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return evs
}

func TestParseTopics(t *testing.T) {
	human := choiceUUID(handover.ChoiceRequestHuman)
	tests := []struct {
		name string
		body []byte
		want *handover.Event // nil: no event
	}{
		{"ping", fixture(t, "ping.json"), nil},
		{"user created", fixture(t, "user_created.json"), &handover.Event{Kind: handover.EventVisitorMessage,
			MessageID: "source-403918349", DedupKey: "part:source-403918349"}},
		{"click, changelog key", fixture(t, "user_replied_click.json", "CLICK_UUID", human), &handover.Event{Kind: handover.EventChoice,
			Choice: handover.ChoiceRequestHuman, MessageID: "45763812777", DedupKey: "part:45763812777"}},
		{"click, spec key", fixture(t, "user_replied_click.json", "CLICK_UUID", choiceUUID(handover.ChoiceOffline), "quick_reply_option_uuid", "quick_reply_uuid"),
			&handover.Event{Kind: handover.EventChoice, Choice: handover.ChoiceOffline, MessageID: "45763812777", DedupKey: "part:45763812777"}},
		{"reply with a foreign uuid", fixture(t, "user_replied_click.json", "CLICK_UUID", "a5e1c524-5ddd-4c3e-9328-6bca5d6e3edb"),
			&handover.Event{Kind: handover.EventVisitorMessage, MessageID: "45763812777", DedupKey: "part:45763812777"}},
		{"bot's own reply", fixture(t, "admin_replied.json", "AUTHOR_ID", testBot, "AUTHOR_NAME", "AI assistant"), nil},
		{"teammate's reply", fixture(t, "admin_replied.json", "AUTHOR_ID", testAlice, "AUTHOR_NAME", "Alice"), &handover.Event{
			Kind: handover.EventAgentActivity, AgentName: "Alice", MessageID: "45763812800", DedupKey: "part:45763812800"}},
		{"bot's own team assignment", fixture(t, "admin_assigned.json", "ADMIN_ASSIGNEE", "null", "ASSIGNED_TO", `{"type":"team","id":"5017691"}`,
			"AUTHOR_ID", testBot, "AUTHOR_NAME", "AI assistant"), nil},
		{"bot's own unassignment", fixture(t, "admin_assigned.json", "ADMIN_ASSIGNEE", "null", "ASSIGNED_TO", "null",
			"AUTHOR_ID", testBot, "AUTHOR_NAME", "AI assistant"), nil},
		{"teammate assigns themself", fixture(t, "admin_assigned.json", "ADMIN_ASSIGNEE", testAlice, "ASSIGNED_TO", `{"type":"admin","id":"`+testAlice+`"}`,
			"AUTHOR_ID", testAlice, "AUTHOR_NAME", "Alice"), &handover.Event{Kind: handover.EventAgentActivity, AgentName: "Alice",
			MessageID: "45763812900", DedupKey: "part:45763812900"}},
		{"agent pages assign a teammate", fixture(t, "admin_assigned.json", "ADMIN_ASSIGNEE", testAlice, "ASSIGNED_TO", `{"type":"admin","id":"`+testAlice+`"}`,
			"AUTHOR_ID", testBot, "AUTHOR_NAME", "AI assistant"), &handover.Event{Kind: handover.EventAgentActivity,
			MessageID: "45763812900", DedupKey: "part:45763812900"}},
		{"bot claims the conversation", fixture(t, "admin_assigned.json", "ADMIN_ASSIGNEE", testBot, "ASSIGNED_TO", `{"type":"admin","id":"`+testBot+`"}`,
			"AUTHOR_ID", testBot, "AUTHOR_NAME", "AI assistant"), nil},
		{"teammate assigns the bot", fixture(t, "admin_assigned.json", "ADMIN_ASSIGNEE", testBot, "ASSIGNED_TO", `{"type":"admin","id":"`+testBot+`"}`,
			"AUTHOR_ID", testAlice, "AUTHOR_NAME", "Alice"), &handover.Event{Kind: handover.EventChanged, Recheck: true,
			MessageID: "45763812900", DedupKey: "part:45763812900"}},
		{"teammate routes the bot's conversation to a team", fixture(t, "admin_assigned.json", "ADMIN_ASSIGNEE", testBot, "ASSIGNED_TO", `{"type":"team","id":"5017691"}`,
			"AUTHOR_ID", testAlice, "AUTHOR_NAME", "Alice"), &handover.Event{Kind: handover.EventAgentActivity,
			MessageID: "45763812900", DedupKey: "part:45763812900"}},
		{"workflow assigns the bot", fixture(t, "admin_assigned.json", "ADMIN_ASSIGNEE", testBot, "ASSIGNED_TO", `{"type":"admin","id":"`+testBot+`"}`,
			"AUTHOR_ID", "991267001", "AUTHOR_NAME", "Operator", `"type": "admin", "name"`, `"type": "bot", "name"`),
			&handover.Event{Kind: handover.EventChanged, Recheck: true, MessageID: "45763812900", DedupKey: "part:45763812900"}},
		{"Fin replies", fixture(t, "operator_replied.json"), &handover.Event{Kind: handover.EventAgentActivity,
			MessageID: "45763813000", DedupKey: "part:45763813000"}},
		{"user created, with the workflow's part", fixture(t, "user_created.json", `"conversation_parts": [], "total_count": 0`,
			`"conversation_parts": [{"type": "conversation_part", "id": "45763812001", "part_type": "assignment", "body": null, "assigned_to": {"type": "admin", "id": "`+testBot+`"}, "author": {"type": "bot", "id": "1", "name": "Operator"}}], "total_count": 1`),
			&handover.Event{Kind: handover.EventVisitorMessage, MessageID: "source-403918349", DedupKey: "part:source-403918349"}},
		{"user replied, with a later part", fixture(t, "user_replied_click.json", "CLICK_UUID", human, `"app_package_code": null
          }`, `"app_package_code": null
          }, {"type": "conversation_part", "id": "45763812778", "part_type": "assignment", "body": null, "author": {"type": "bot", "id": "1", "name": "Operator"}, "assigned_to": {"type": "admin", "id": "`+testBot+`"}}`),
			&handover.Event{Kind: handover.EventChoice, Choice: handover.ChoiceRequestHuman, MessageID: "45763812777", DedupKey: "part:45763812777"}},
		{"closed", fixture(t, "admin_closed.json"), &handover.Event{Kind: handover.EventChanged, MessageID: "45763813100", DedupKey: "part:45763813100"}},
		{"note", []byte(`{"type":"notification_event","id":"notif_1","topic":"conversation.admin.noted","data":{"item":{"id":"1"}}}`), nil},
		{"contact topic", []byte(`{"type":"notification_event","id":"notif_2","topic":"contact.user.created","data":{"item":{"type":"contact","id":"x"}}}`), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := parseOne(t, tt.body)
			if tt.want == nil {
				if len(evs) != 0 {
					t.Fatalf("events %+v, want none", evs)
				}
				return
			}
			if len(evs) != 1 {
				t.Fatalf("events %+v, want one", evs)
			}
			got := evs[0]
			if got.ConversationID != "215474343849634" || got.Kind != tt.want.Kind || got.Choice != tt.want.Choice ||
				got.MessageID != tt.want.MessageID || got.DedupKey != tt.want.DedupKey || got.AgentName != tt.want.AgentName ||
				got.Recheck != tt.want.Recheck {
				t.Errorf("event %+v\nwant  %+v", got, *tt.want)
			}
			if h, ok := got.Hint.(*hint); !ok || h.conv.ID.String() != "215474343849634" || h.at.Unix() == 0 {
				t.Errorf("hint %+v", got.Hint)
			}
		})
	}
}

func TestParseDedupWithoutPart(t *testing.T) {
	body := []byte(`{"type":"notification_event","id":"notif_abc","topic":"conversation.admin.opened","created_at":1,"data":{"item":{"id":"77","state":"open"}}}`)
	evs := parseOne(t, body)
	if len(evs) != 1 || evs[0].DedupKey != "notif:notif_abc" || evs[0].Kind != handover.EventChanged {
		t.Fatalf("events %+v", evs)
	}
	// The same part on two topics (a bot reply on operator.replied and admin.replied) dedupes.
	a := parseOne(t, fixture(t, "operator_replied.json"))
	b := parseOne(t, fixture(t, "operator_replied.json", "conversation.operator.replied", "conversation.admin.replied", "notif_7f1a2b3c-0000-4000-8000-000000000004", "notif_other"))
	if len(a) != 1 || len(b) != 1 || a[0].DedupKey != b[0].DedupKey {
		t.Fatalf("keys %+v / %+v", a, b)
	}
}

func TestParseErrors(t *testing.T) {
	for name, body := range map[string]string{
		"empty":       "",
		"not json":    "topic=ping",
		"no topic":    `{"type":"notification_event","data":{}}`,
		"no item id":  `{"type":"notification_event","topic":"conversation.user.replied","data":{"item":{"type":"conversation"}}}`,
		"no data":     `{"type":"notification_event","topic":"conversation.user.created"}`,
		"wrong types": `{"type":"notification_event","topic":["x"]}`,
	} {
		if _, err := Parse(testBot, []byte(body)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestChoiceUUIDs(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range choiceValues {
		u := choiceUUID(v)
		if len(u) != 36 || u[14] != '5' || seen[u] {
			t.Errorf("uuid %q of %s", u, v)
		}
		seen[u] = true
		if choiceOf(strings.ToUpper(u)) != v {
			t.Errorf("choiceOf(%s) != %s", u, v)
		}
	}
	if choiceOf("a5e1c524-5ddd-4c3e-9328-6bca5d6e3edb") != "" {
		t.Error("a foreign uuid named a choice")
	}
}
