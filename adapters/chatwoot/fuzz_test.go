package chatwoot

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/testenv"
)

// FuzzParse: any body either parses into well-formed events or returns an
// error; it never panics, and every event names a conversation.
func FuzzParse(f *testing.F) {
	testenv.SeedFiles(f, "testdata/*.json")
	f.Add([]byte(`{"event":"message_created","conversation":{"id":"1e9"}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := Parse(body)
		if err != nil {
			if len(evs) != 0 {
				t.Fatalf("events with an error: %v", evs)
			}
			return
		}
		for _, ev := range evs {
			if ev.ConversationID == "" {
				t.Fatalf("event without conversation: %+v", ev)
			}
			switch ev.Kind {
			case handover.EventVisitorMessage, handover.EventChoice, handover.EventAgentActivity, handover.EventChanged:
			default:
				t.Fatalf("unexpected kind %q", ev.Kind)
			}
		}
	})
}

// FuzzVerify: only the exact signature over the exact body verifies.
func FuzzVerify(f *testing.F) {
	testenv.SeedFiles(f, "testdata/*.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		const secret = "fuzz-secret"
		now := time.Unix(1781949600, 0)
		ts := now.Unix()
		h := http.Header{}
		h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
		h.Set(HeaderSignature, Sign(secret, ts, body))
		if err := Verify(secret, h, body, now); err != nil {
			t.Fatalf("genuine signature rejected: %v", err)
		}
		if err := Verify("other-secret", h, body, now); err == nil {
			t.Fatal("wrong secret accepted")
		}
		tampered := append(append([]byte{}, body...), ' ')
		if err := Verify(secret, h, tampered, now); err == nil {
			t.Fatal("tampered body accepted")
		}
		if err := Verify(secret, h, body, now.Add(6*time.Minute)); err == nil {
			t.Fatal("stale timestamp accepted")
		}
	})
}
