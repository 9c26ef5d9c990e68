package chatwoot_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/handover-dev/handover/adapters/chatwoot"
	sim "github.com/handover-dev/handover/adapters/sim/chatwoot"
	"github.com/handover-dev/handover/handover"
)

// BenchmarkLoad measures the adapter's Load of a bot conversation (the read
// at the start of every turn: requests, JSON decoding, building the
// snapshot) for a conversation of one message page (20) and of 1,000
// messages. The simulated Chatwoot's answers are recorded once and replayed,
// so the time and allocations are the adapter's and the loopback HTTP's, not
// the simulator's; the calls per Load are reported as calls/op.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{20, 1000} {
		b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
			hd, id, calls := loadBenchWorld(b, n)
			ctx := context.Background()
			calls.reset()
			b.ReportAllocs()
			loads := 0
			for b.Loop() {
				c, err := hd.Load(ctx, id)
				if err != nil || c.State != handover.StateBot || len(c.Messages) == 0 {
					b.Fatalf("load: %v (%+v)", err, c)
				}
				loads++
			}
			b.ReportMetric(float64(calls.n())/float64(loads), "calls/op")
		})
	}
}

// loadBenchWorld is a simulated Chatwoot holding one pending bot conversation
// of n messages (visitor and bot alternating, ending with a visitor
// question), served through a replaying cache, and the adapter pointed at it.
func loadBenchWorld(b *testing.B, n int) (handover.Helpdesk, string, *replay) {
	b.Helper()
	const bot, user, secret = "bench-bot", "bench-user", "bench-secret"
	s := sim.New(sim.Options{AccountID: 1, BotToken: bot, UserToken: user, WebhookSecret: secret})
	b.Cleanup(s.Close)
	demo := s.SeedDemo()
	rp := &replay{h: s.Handler(), cache: map[string]*httptest.ResponseRecorder{}}
	srv := httptest.NewServer(rp)
	b.Cleanup(srv.Close)
	hd, err := chatwoot.New(chatwoot.Config{BaseURL: srv.URL, AccountID: 1, BotToken: bot, UserToken: user,
		WebhookSecret: secret, Teams: map[int]int{demo.InboxID: demo.TeamID}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	id := ""
	for i := 0; i < n; i++ {
		if (n-1-i)%2 == 0 {
			conv, _, err := s.VisitorSend(ctx, demo.InboxID, "bench-visitor", "How long does shipping to Canada take?")
			if err != nil {
				b.Fatal(err)
			}
			id = strconv.Itoa(conv)
			continue
		}
		if id == "" { // a conversation starts with the visitor
			continue
		}
		out := handover.Outgoing{Text: "Standard shipping takes 3-5 business days within the country.", Answer: true}
		if err := hd.Post(ctx, &handover.Conversation{ID: id, State: handover.StateBot}, out); err != nil {
			b.Fatal(err)
		}
	}
	rp.record.Store(true)
	return hd, id, rp
}

// replay serves GET answers from a cache filled on first use (a Load reads
// only), everything else from the simulator; it counts the requests it
// serves once record is set.
type replay struct {
	h      http.Handler
	record atomic.Bool
	mu     sync.Mutex
	cache  map[string]*httptest.ResponseRecorder
	count  int
}

func (rp *replay) reset() { rp.mu.Lock(); rp.count = 0; rp.mu.Unlock() }
func (rp *replay) n() int { rp.mu.Lock(); defer rp.mu.Unlock(); return rp.count }

func (rp *replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !rp.record.Load() || r.Method != http.MethodGet {
		rp.h.ServeHTTP(w, r)
		return
	}
	key := r.URL.RequestURI() + "\x00" + r.Header.Get("api_access_token")
	rp.mu.Lock()
	rp.count++
	rec, ok := rp.cache[key]
	rp.mu.Unlock()
	if !ok {
		rec = httptest.NewRecorder()
		rp.h.ServeHTTP(rec, r)
		rp.mu.Lock()
		rp.cache[key] = rec
		rp.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
