package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/intercom"
	"github.com/handover-dev/handover/adapters/libredesk"
	"github.com/handover-dev/handover/adapters/liveagent"
	"github.com/handover-dev/handover/adapters/zendesk"
	"github.com/handover-dev/handover/handover"
)

// The webhook ack of the other helpdesks, like BenchmarkChatwootWebhookAck:
// body read, verification, parsing and queueing of a visitor message, up to
// the 200. Their events are de-duplicated by ids in the body (no delivery
// header), so a fixed body would take the duplicate shortcut from the second
// iteration on: these benchmarks use a de-duplicator that never remembers
// (the MemoryDeduper's cost is in the Chatwoot benchmark).

type neverSeen struct{}

func (neverSeen) FirstSeen(string) bool { return true }
func (neverSeen) Forget(string)         {}

// countQueue counts queued events, so a benchmark fails when a body is
// ignored instead of acknowledged as a turn.
type countQueue struct{ n int }

func (q *countQueue) Submit(handover.Event) error { q.n++; return nil }

// benchAck posts body to path on a server for in, with header, b.N times.
func benchAck(b *testing.B, in Inbound, now time.Time, path string, body []byte, header http.Header) {
	q := &countQueue{}
	s := New(Options{Inbound: []Inbound{in}, Queue: q, Dedupe: neverSeen{}, Now: func() time.Time { return now }})
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		for k, v := range header {
			req.Header[k] = v
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
	if q.n == 0 {
		b.Fatal("no event was queued")
	}
}

func readGolden(b *testing.B, path string) []byte {
	body, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func BenchmarkLibredeskWebhookAck(b *testing.B) {
	body := readGolden(b, "../adapters/libredesk/testdata/message_created_incoming.json")
	const secret = "bench-secret"
	a, err := libredesk.New(libredesk.Config{BaseURL: "http://127.0.0.1:1", APIKey: "k", APISecret: "s", BotAgentID: 3,
		WebhookSecret: secret, InboxIDs: []int{1}})
	if err != nil {
		b.Fatal(err)
	}
	sent, _ := time.Parse(time.RFC3339, "2026-11-25T19:16:26Z") // the body's signed timestamp
	h := http.Header{}
	h.Set(libredesk.HeaderSignature, libredesk.Sign(secret, body))
	h.Set("Content-Type", "application/json")
	benchAck(b, a, sent, "/webhooks/libredesk", body, h)
}

func BenchmarkLiveAgentWebhookAck(b *testing.B) {
	body := readGolden(b, "../adapters/liveagent/testdata/message_added.json")
	const secret = "bench-secret"
	a, err := liveagent.New(liveagent.Config{BaseURL: "http://127.0.0.1:1", APIKey: "k", APIV1Key: "k1", BotAgentID: "bot",
		WebhookSecret: secret})
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	benchAck(b, a, time.Now(), "/webhooks/liveagent/"+secret, body, h)
}

func BenchmarkZendeskWebhookAck(b *testing.B) {
	body := readGolden(b, "../adapters/zendesk/testdata/user_message.json")
	const secret = "bench-secret"
	a, err := zendesk.New(zendesk.Config{BaseURL: "http://127.0.0.1:1", AppID: "5698edbf2a43bd081be982f1", KeyID: "app_k",
		KeySecret: "s", IntegrationID: "6a0a0a0a0a0a0a0a0a0a0a0a", WebhookSecret: secret, Email: "admin@example.com", APIToken: "t"})
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{}
	h.Set(zendesk.HeaderAPIKey, secret)
	h.Set("Content-Type", "application/json")
	benchAck(b, a, time.Now(), "/webhooks/zendesk", body, h)
}

func BenchmarkIntercomWebhookAck(b *testing.B) {
	body := readGolden(b, "../adapters/intercom/testdata/user_created.json")
	const secret = "bench-secret"
	a, err := intercom.New(intercom.Config{BaseURL: "http://127.0.0.1:1", AccessToken: "t", ClientSecret: secret,
		BotAdminID: "991267715", TeamID: "5017691"})
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{}
	h.Set(intercom.HeaderSignature, intercom.Sign(secret, body))
	h.Set("Content-Type", "application/json")
	benchAck(b, a, time.Now(), "/webhooks/intercom", body, h)
}
