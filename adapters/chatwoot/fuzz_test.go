package chatwoot

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

// seedGolden adds every golden payload in testdata as a fuzz seed.
func seedGolden(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden payloads: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParse: any body either parses into well-formed events or returns an
// error; it never panics, and every event names a conversation.
func FuzzParse(f *testing.F) {
	seedGolden(f)
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
	seedGolden(f)
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
