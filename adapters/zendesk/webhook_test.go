package zendesk

// The golden payloads in testdata follow the Sunshine Conversations v2 webhook shape: the
// example of "Receiving messages"
// (https://developer.zendesk.com/documentation/conversations/messaging-platform/programmable-conversations/receiving-messages/)
// and components/schemas/webhooks/*.yaml of zendesk/sunshine-conversations-api-spec.

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

const testIntegration = "6a0a0a0a0a0a0a0a0a0a0a0a"

func TestAuthenticate(t *testing.T) {
	h := func(key string) http.Header {
		hd := http.Header{}
		if key != "" {
			hd.Set(HeaderAPIKey, key)
		}
		return hd
	}
	cases := []struct {
		name, secret, key string
		want              error
	}{
		{"match", "s3cret-value", "s3cret-value", nil},
		{"wrong", "s3cret-value", "s3cret-valuX", ErrBadKey},
		{"prefix", "s3cret-value", "s3cret", ErrBadKey},
		{"longer", "s3cret-value", "s3cret-value-and-more", ErrBadKey},
		{"missing", "s3cret-value", "", ErrMissingKey},
		{"no secret configured", "", "anything", ErrBadKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Authenticate(tc.secret, h(tc.key))
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}

func golden(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseGolden(t *testing.T) {
	const conv = "13f32c6cf7d0d38e6e0eba93"
	cases := []struct {
		file string
		want []handover.Event
	}{
		{"user_message.json", []handover.Event{{Kind: handover.EventVisitorMessage, ConversationID: conv, MessageID: "5e55622dac66fb73a3c01877", DedupKey: "message:5e55622dac66fb73a3c01877"}}},
		// Nobody has control after releaseControl: the message is handed to the default
		// integration; Load decides.
		{"user_message_released.json", []handover.Event{{Kind: handover.EventVisitorMessage, ConversationID: conv, MessageID: "5e55622dac66fb73a3c01877", DedupKey: "message:5e55622dac66fb73a3c01877"}}},
		// Standby: read, never answered.
		{"user_message_standby.json", nil},
		{"reply_click.json", []handover.Event{{Kind: handover.EventVisitorMessage, ConversationID: conv, MessageID: "5e55622dac66fb73a3c01878", DedupKey: "message:5e55622dac66fb73a3c01878"}}},
		// Our own message, echoed back: no turn.
		{"own_message.json", nil},
		{"agent_message.json", []handover.Event{{Kind: handover.EventAgentActivity, ConversationID: conv, MessageID: "5e55622dac66fb73a3c01881", AgentName: "Alice", DedupKey: "message:5e55622dac66fb73a3c01881"}}},
		{"postback.json", []handover.Event{{Kind: handover.EventChoice, ConversationID: conv, MessageID: "aaaabbbbccccddddeeeeffff", Choice: "handover_request", DedupKey: "conversation:postback:0ca7d56ba7b2e081e479fe9f"}}},
		{"postback_standby.json", nil},
		{"pass_control_away.json", []handover.Event{{Kind: handover.EventAgentActivity, ConversationID: conv, AgentName: "Alice", DedupKey: "switchboard:passControl:0ca7d56ba7b2e081e479fe9f"}}},
		{"pass_control_to_bot.json", []handover.Event{{Kind: handover.EventChanged, ConversationID: conv, DedupKey: "switchboard:passControl:0ca7d56ba7b2e081e479fe9f"}}},
		{"accept_control.json", []handover.Event{{Kind: handover.EventChanged, ConversationID: conv, DedupKey: "switchboard:acceptControl:0ca7d56ba7b2e081e479fe9f"}}},
		{"offer_control.json", []handover.Event{{Kind: handover.EventChanged, ConversationID: conv, DedupKey: "switchboard:offerControl:0ca7d56ba7b2e081e479fe9f"}}},
		{"release_control.json", []handover.Event{{Kind: handover.EventChanged, ConversationID: conv, DedupKey: "switchboard:releaseControl:0ca7d56ba7b2e081e479fe9f"}}},
		{"pass_control_failure.json", nil},
		{"typing.json", nil},
		{"batch.json", []handover.Event{
			{Kind: handover.EventVisitorMessage, ConversationID: conv, MessageID: "5e55622dac66fb73a3c01877", DedupKey: "message:5e55622dac66fb73a3c01877"},
			{Kind: handover.EventVisitorMessage, ConversationID: "13f32c6cf7d0d38e6e0eba94", MessageID: "5e55622dac66fb73a3c01899", DedupKey: "message:5e55622dac66fb73a3c01899"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			got, err := Parse(testIntegration, golden(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if h, ok := got[i].Hint.(*hint); !ok || h.conv.ID != got[i].ConversationID {
					t.Fatalf("event %d: hint %#v does not name its conversation", i, got[i].Hint)
				}
				got[i].Hint = nil // TestParseHints
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
	// Another integration id: the same message is someone else's (standby).
	if got, err := Parse("someone-else", golden(t, "user_message.json")); err != nil || len(got) != 0 {
		t.Fatalf("another integration's conversation: %+v, %v", got, err)
	}
}

// TestParseHints: what each event says about its conversation, for LoadEvent.
func TestParseHints(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		file     string
		active   string // name of the active switchboard integration, "" for none
		email    string // the visitor's email from the full user, "" when it has none
		at       time.Time
		takeover bool
	}{
		{"user_message.json", "handover-bot", "steve@example.com", at("2020-02-25T18:06:37.547Z"), false},
		{"user_message_released.json", "", "steve@example.com", at("2020-02-25T18:06:37.547Z"), false},
		{"reply_click.json", "handover-bot", "steve@example.com", at("2020-02-25T18:06:37.547Z"), false},
		// The postback's user has only its id here: no profile to trust.
		{"postback.json", "handover-bot", "", at("2020-02-25T18:07:00Z"), false},
		{"agent_message.json", "zd-agentWorkspace", "", at("2020-02-25T18:07:00Z"), false},
		{"pass_control_away.json", "zd-agentWorkspace", "", at("2020-02-25T18:07:00Z"), false},
		{"release_control.json", "", "", at("2020-02-25T18:07:00Z"), false},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			evs, err := Parse(testIntegration, golden(t, tc.file))
			if err != nil || len(evs) != 1 {
				t.Fatalf("%+v %v", evs, err)
			}
			h := evs[0].Hint.(*hint)
			name := ""
			if h.conv.Active != nil {
				name = h.conv.Active.Name
			}
			if name != tc.active || h.user.email() != tc.email || !h.at.Equal(tc.at) || h.takeover != tc.takeover {
				t.Fatalf("hint: active %q, user %+v, at %v, takeover %v", name, h.user, h.at, h.takeover)
			}
		})
	}
	body := strings.Replace(string(golden(t, "pass_control_away.json")), `"handover_agent": "Alice"`, `"handover_agent": "Alice", "handover_reason": "agent_takeover"`, 1)
	evs, err := Parse(testIntegration, []byte(body))
	if err != nil || len(evs) != 1 || !evs[0].Hint.(*hint).takeover {
		t.Fatalf("the agent pages' takeover: %+v %v", evs, err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"empty", "  ", "empty body"},
		{"not JSON", "{", "invalid JSON"},
		{"wrong type", `{"events":{}}`, "field events"},
		{"no events", `{"app":{"id":"a"}}`, "missing field events"},
		{"no conversation", `{"events":[{"id":"e","type":"conversation:message","payload":{"message":{"id":"m","author":{"type":"user"}}}}]}`, "payload.conversation.id"},
		{"no message id", `{"events":[{"id":"e","type":"conversation:message","payload":{"conversation":{"id":"c"},"message":{"author":{"type":"user"}}}}]}`, "payload.message.id"},
		{"no switchboard conversation", `{"events":[{"id":"e","type":"switchboard:passControl","payload":{}}]}`, "payload.conversation.id"},
		{"metadata not flat object", `{"events":[{"id":"e","type":"conversation:message","payload":{"conversation":{"id":"c"},"message":{"id":"m","author":{"type":"business"},"metadata":[1]}}}]}`, "metadata"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(testIntegration, []byte(tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error about %q", err, tc.want)
			}
		})
	}
	// An empty events array and an unknown event are no events and no error.
	for _, body := range []string{`{"events":[]}`, `{"events":[{"type":"client:add","payload":{}}]}`} {
		if evs, err := Parse(testIntegration, []byte(body)); err != nil || len(evs) != 0 {
			t.Fatalf("%s: %+v, %v", body, evs, err)
		}
	}
}

// FuzzParse: no input makes Parse panic, and every event it returns names a conversation.
func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		f.Add(golden(f, e.Name()))
	}
	f.Add([]byte(`{"events":[null]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := Parse(testIntegration, body)
		if err != nil {
			return
		}
		for _, ev := range evs {
			if strings.TrimSpace(ev.ConversationID) == "" || ev.Kind == "" {
				t.Fatalf("event without conversation or kind: %+v", ev)
			}
		}
	})
}
