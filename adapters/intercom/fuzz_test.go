package intercom

import (
	"net/http"
	"strings"
	"testing"

	"github.com/handover-dev/handover/internal/testenv"
)

// FuzzParse: no body, however broken, panics the parser or yields an event without a
// conversation or a kind; the golden payloads seed it.
func FuzzParse(f *testing.F) {
	testenv.SeedFiles(f, "testdata/*.json")
	f.Add([]byte(`{"topic":"conversation.user.replied","data":{"item":null}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := Parse(testBot, body)
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

// FuzzAuthenticate: only the body's own signature passes; nothing panics.
func FuzzAuthenticate(f *testing.F) {
	f.Add([]byte(`{"topic":"ping"}`), "sha1=00")
	f.Add([]byte{}, "")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		h := http.Header{}
		h.Set(HeaderSignature, sig)
		err := Authenticate(testSecret, h, body)
		if err == nil && !strings.EqualFold(strings.TrimSpace(sig), Sign(testSecret, body)) {
			t.Fatalf("signature %q accepted for a body it does not sign", sig)
		}
		h.Set(HeaderSignature, Sign(testSecret, body))
		if err := Authenticate(testSecret, h, body); err != nil {
			t.Fatalf("the body's own signature refused: %v", err)
		}
	})
}
