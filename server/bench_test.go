package server

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/chatwoot"
	"github.com/handover-dev/handover/handover"
)

type discardQueue struct{}

func (discardQueue) Submit(handover.Event) error { return nil }

// BenchmarkChatwootWebhookAck measures what a Chatwoot delivery costs before
// it is acknowledged: body read, HMAC verification, parsing, de-duplication
// and queueing. Goal: well under a millisecond (helpdesks time out at 5 s).
func BenchmarkChatwootWebhookAck(b *testing.B) {
	body, err := os.ReadFile("../adapters/chatwoot/testdata/visitor_text.json")
	if err != nil {
		b.Fatal(err)
	}
	const secret = "bench-secret"
	a, err := chatwoot.New(chatwoot.Config{BaseURL: "http://127.0.0.1:1", AccountID: 1, BotToken: "b", UserToken: "u", WebhookSecret: secret})
	if err != nil {
		b.Fatal(err)
	}
	s := New(Options{Inbound: []Inbound{a}, Queue: discardQueue{}, Dedupe: handover.NewMemoryDeduper(1<<16, time.Minute)})
	ts := time.Now().Unix()
	sig := chatwoot.Sign(secret, ts, body)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/chatwoot", bytesReader(body))
		req.Header.Set(chatwoot.HeaderTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(chatwoot.HeaderSignature, sig)
		req.Header.Set("X-Chatwoot-Delivery", strconv.Itoa(i))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
}
