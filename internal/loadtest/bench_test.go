package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/handover-dev/handover/handover"
)

// BenchmarkLoad measures every helpdesk adapter's Load of a bot
// conversation, the read at the start of every turn (its requests over
// loopback HTTP, the JSON decoding, the snapshot's building), for a
// conversation of 20 and of 1,000 messages (visitor and bot alternating,
// ending with the visitor). The simulator's answers to reads are recorded
// once and replayed, so the time and allocations are the adapter's and
// HTTP's, not the simulator's; calls/op is the requests one Load makes. A
// Load here has no webhook hint, so it reads what a retried turn reads:
// the turns the webhooks start read less (docs/performance.md).
func BenchmarkLoad(b *testing.B) {
	for _, name := range Helpdesks {
		for _, n := range []int{20, 1000} {
			b.Run(fmt.Sprintf("%s/messages=%d", name, n), func(b *testing.B) {
				rp := &replay{cache: map[string]*httptest.ResponseRecorder{}}
				srv := httptest.NewServer(rp)
				b.Cleanup(srv.Close)
				w, err := newWorld(name, srv.URL)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(w.close)
				rp.h = w.handler()
				ctx := context.Background()
				conv := ""
				for k := range n / 2 {
					if conv, err = w.send(ctx, "bench-visitor", questions[k%len(questions)]); err != nil {
						b.Fatal(err)
					}
					if k < n/2-1 { // the newest message is the visitor's question
						if err := w.seedAnswer(ctx, conv, answerText); err != nil {
							b.Fatal(err)
						}
					}
				}
				hd := w.(*simWorld).hd
				rp.record.Store(true)
				rp.reset()
				b.ReportAllocs()
				loads := 0
				for b.Loop() {
					c, err := hd.Load(ctx, conv)
					if err != nil || len(c.Messages) == 0 || c.Messages[len(c.Messages)-1].Role != handover.RoleVisitor {
						b.Fatalf("load: %v (%+v)", err, c)
					}
					loads++
				}
				b.ReportMetric(float64(rp.n())/float64(loads), "calls/op")
			})
		}
	}
}

// replay serves GET answers from a cache filled on first use once record
// is set (a Load reads only), everything else from the simulator, and
// counts the requests it serves from then on.
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
	if !rp.record.Load() {
		rp.h.ServeHTTP(w, r)
		return
	}
	rp.mu.Lock()
	rp.count++
	rp.mu.Unlock()
	if r.Method != http.MethodGet {
		rp.h.ServeHTTP(w, r)
		return
	}
	key := r.URL.RequestURI() + "\x00" + r.Header.Get("Authorization") + "\x00" + r.Header.Get("api_access_token") + "\x00" + r.Header.Get("apikey")
	rp.mu.Lock()
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
