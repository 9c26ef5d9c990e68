package liveagent

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

func readBody(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseRuleBodies covers what LiveAgent's rules engine really sends (docs/helpdesks/liveagent.md §2.1):
// variables left literal, values inserted without JSON escaping (quotes, control characters),
// empty bodies. Each body is either refused with a reason (the server answers 400) or read for
// its ids only.
func TestParseRuleBodies(t *testing.T) {
	tests := []struct {
		file    string
		kind    handover.EventKind // "" = no event
		id      string
		errPart string // non-empty: Parse must fail with this in the message
	}{
		{file: "message_added.json", kind: handover.EventVisitorMessage, id: "tk00002a"},
		{file: "chat_started.json", kind: handover.EventVisitorMessage, id: "tk00002a"},
		{file: "ticket_transferred.json", kind: handover.EventAgentActivity, id: "tk00002a"},
		{file: "no_event.json", kind: handover.EventChanged, id: "tk00002a"},
		{file: "form.txt", kind: handover.EventVisitorMessage, id: "tk00002a"},
		{file: "unknown_event.json"},
		// Literal placeholders: refused, naming the placeholder.
		{file: "literal_placeholders.json", errPart: `literal placeholder "{$conversation_id}"`},
		// The id is literal but the code was replaced: the code will do.
		{file: "literal_id_code_ok.json", kind: handover.EventVisitorMessage, id: "QBX-042-1042"},
		// Unescaped quotes or control characters in another field: the ids are still read.
		{file: "unescaped_quotes.json", kind: handover.EventVisitorMessage, id: "tk00002a"},
		{file: "control_chars.json", kind: handover.EventVisitorMessage, id: "tk00002a"},
		{file: "truncated.json", kind: handover.EventVisitorMessage, id: "tk00002a"},
		// Properly escaped text that looks like a field stays text.
		{file: "smuggled_escaped.json", kind: handover.EventVisitorMessage, id: "tk00002a"},
		// A second ticket_id (a value that smuggled one in): refused.
		{file: "smuggled_id.json", errPart: "ambiguous"},
		{file: "smuggled_broken.json", errPart: "ambiguous"},
		{file: "empty.txt", errPart: "empty body"},
		{file: "blank.txt", errPart: "empty body"},
		{file: "empty_id.json", errPart: "ticket_id is empty"},
		{file: "bad_id.json", errPart: "not a LiveAgent ticket id"},
		{file: "no_id.json", errPart: "no ticket id"},
		{file: "not_json.txt", errPart: "neither"},
		{file: "array.json", errPart: "neither"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			evs, err := Parse(readBody(t, tc.file))
			if tc.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("Parse = %v, %v; want an error containing %q", evs, err, tc.errPart)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tc.kind == "" {
				if len(evs) != 0 {
					t.Fatalf("want no event, got %+v", evs)
				}
				return
			}
			if len(evs) != 1 || evs[0].Kind != tc.kind || evs[0].ConversationID != tc.id {
				t.Fatalf("Parse = %+v; want one %s for %s", evs, tc.kind, tc.id)
			}
			// Nothing but ids leaves a rule body.
			if evs[0].Choice != "" || evs[0].Email != "" || evs[0].AgentName != "" || evs[0].MessageID != "" {
				t.Fatalf("event carries body text: %+v", evs[0])
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"message_added.json", "unescaped_quotes.json", "control_chars.json", "literal_placeholders.json", "form.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := Parse(body)
		if err != nil {
			return
		}
		for _, ev := range evs {
			if !ValidID(ev.ConversationID) {
				t.Fatalf("Parse(%q) yielded an invalid id %q", body, ev.ConversationID)
			}
		}
	})
}

func TestAuthenticate(t *testing.T) {
	a, err := New(Config{BaseURL: "https://acme.ladesk.com", APIKey: "k3k3k3", APIV1Key: "k1k1k1", BotAgentID: "bot00001", WebhookSecret: "s3cr3t-path"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := a.Authenticate(http.Header{}, "s3cr3t-path", nil, now); err != nil {
		t.Fatalf("right secret: %v", err)
	}
	if err := a.Authenticate(http.Header{}, "s3cr3t-patH", nil, now); !errors.Is(err, ErrBadSecret) {
		t.Fatalf("wrong secret: %v", err)
	}
	if err := a.Authenticate(http.Header{}, "", nil, now); !errors.Is(err, ErrMissingSecret) {
		t.Fatalf("no secret: %v", err)
	}
	if err := authenticate("", "anything"); !errors.Is(err, ErrBadSecret) {
		t.Fatalf("unconfigured secret authenticated: %v", err)
	}
	if a.DeliveryID(http.Header{"X-Anything": {"1"}}) != "" {
		t.Fatal("LiveAgent sends no delivery id")
	}
	if strings.Contains(ErrBadSecret.Error(), "s3cr3t") {
		t.Fatal("secret in error")
	}
}

// The README ships the exact rule set `handover liveagent rules` prints.
func TestReadmeShowsTheRules(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	readme := string(b)
	for _, r := range Rules("") {
		for _, want := range []string{r.Name, "Apply when:  " + r.Trigger, r.Body} {
			if !strings.Contains(readme, want) {
				t.Errorf("README misses %q of rule %q", want, r.Name)
			}
		}
	}
}
