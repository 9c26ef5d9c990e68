package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

// memJournal is an in-memory handover.Journal.
type memJournal struct {
	mu      sync.Mutex
	seq     int
	entries map[string]*handover.JournalEntry
	due     map[string]time.Time
	down    bool
}

func newMemJournal() *memJournal {
	return &memJournal{entries: map[string]*handover.JournalEntry{}, due: map[string]time.Time{}}
}

func (j *memJournal) Add(_ context.Context, helpdesk string, body []byte, replayAt time.Time) (string, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.down {
		return "", errors.New("journal down")
	}
	j.seq++
	id := string(rune('a' + j.seq))
	j.entries[id] = &handover.JournalEntry{ID: id, Helpdesk: helpdesk, Body: body, Since: time.Now()}
	j.due[id] = replayAt
	return id, nil
}

func (j *memJournal) Done(_ context.Context, id string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.entries, id)
	delete(j.due, id)
	return nil
}

func (j *memJournal) Claim(_ context.Context, now, replayAt time.Time, max int) ([]handover.JournalEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []handover.JournalEntry
	for id, e := range j.entries {
		if len(out) < max && !j.due[id].After(now) {
			e.Replays++
			j.due[id] = replayAt
			out = append(out, *e)
		}
	}
	return out, nil
}

func (j *memJournal) len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.entries)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestJournaledWebhookAnsweredAtOnce: with a journal, a webhook of a helpdesk that cannot be
// listed is answered before its turn ends; the entry goes when the turn is done, stays when it
// fails, and the replay of a due entry runs the turn again.
func TestJournaledWebhookAnsweredAtOnce(t *testing.T) {
	results := make(chan error)
	var turns atomic.Int32
	lanes := handover.NewLanes(func(ctx context.Context, ev handover.Event) (string, error) {
		turns.Add(1)
		select {
		case err := <-results:
			return "", err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}, handover.LaneOptions{})
	defer lanes.Shutdown(context.Background())
	j := newMemJournal()
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	s := New(Options{Inbound: []Inbound{fakeInbound{}}, Queue: lanes, Journal: j, AckAfterTurn: 15 * time.Second,
		Now: func() time.Time { return time.Unix(0, now.Load()) }})
	hdr := map[string]string{"X-Sig": "ok", "X-Delivery": "d1"}

	rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, hdr)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "accepted") {
		t.Fatalf("journaled webhook: %d %s, want 200 at once", rec.Code, rec.Body.String())
	}
	if j.len() != 1 {
		t.Fatalf("%d journal entries while the turn runs, want 1", j.len())
	}
	// A redelivery of the same delivery is a duplicate: the first copy's entry covers it.
	if rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, hdr); !strings.Contains(rec.Body.String(), "duplicate") || j.len() != 1 {
		t.Fatalf("redelivery: %d %s, %d entries", rec.Code, rec.Body.String(), j.len())
	}
	results <- nil
	waitFor(t, "the entry of a done turn to go", func() bool { return j.len() == 0 })

	// A failed turn leaves its entry; nothing is replayed before it is due.
	if rec := post(t, s, "/webhooks/fake", `{"conv":"2","id":"b"}`, nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("unsigned: %d", rec.Code)
	}
	post(t, s, "/webhooks/fake", `{"conv":"2","id":"b"}`, map[string]string{"X-Sig": "ok"})
	results <- handover.ErrPermanent
	waitFor(t, "the failed turn", func() bool { return turns.Load() == 2 })
	time.Sleep(20 * time.Millisecond)
	if j.len() != 1 {
		t.Fatalf("%d entries after a failed turn, want 1 kept for replay", j.len())
	}
	s.replayDue(context.Background())
	if turns.Load() != 2 {
		t.Fatal("replayed before the entry was due")
	}
	now.Add(int64(16 * time.Second))
	s.replayDue(context.Background())
	waitFor(t, "the replay's turn", func() bool { return turns.Load() == 3 })
	results <- nil
	waitFor(t, "the replayed entry to go", func() bool { return j.len() == 0 })
}

// TestJournalDownOrBusy: without a working journal the answer waits for the turn; a refused
// webhook leaves no entry behind and answers busy.
func TestJournalDownOrBusy(t *testing.T) {
	results := make(chan error, 1)
	lanes := handover.NewLanes(func(ctx context.Context, ev handover.Event) (string, error) {
		return "", <-results
	}, handover.LaneOptions{MaxActive: 1})
	defer func() {
		close(results)
		_ = lanes.Shutdown(context.Background())
	}()
	j := newMemJournal()
	j.down = true
	s := New(Options{Inbound: []Inbound{fakeInbound{}}, Queue: lanes, Journal: j, AckAfterTurn: time.Second, RetryAfter: 2 * time.Second})
	results <- nil
	if rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, map[string]string{"X-Sig": "ok"}); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "done") {
		t.Fatalf("journal down: %d %s, want the answer after the turn", rec.Code, rec.Body.String())
	}

	j.mu.Lock()
	j.down = false
	j.mu.Unlock()
	block := make(chan struct{})
	busyLanes := handover.NewLanes(func(ctx context.Context, ev handover.Event) (string, error) {
		<-block
		return "", nil
	}, handover.LaneOptions{MaxActive: 1})
	defer func() {
		close(block)
		_ = busyLanes.Shutdown(context.Background())
	}()
	s = New(Options{Inbound: []Inbound{fakeInbound{}}, Queue: busyLanes, Journal: j, AckAfterTurn: time.Second, RetryAfter: 2 * time.Second})
	if rec := post(t, s, "/webhooks/fake", `{"conv":"1","id":"a"}`, map[string]string{"X-Sig": "ok"}); rec.Code != http.StatusOK {
		t.Fatalf("first conversation: %d", rec.Code)
	}
	rec := post(t, s, "/webhooks/fake", `{"conv":"2","id":"b"}`, map[string]string{"X-Sig": "ok"})
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "2" {
		t.Fatalf("busy: %d %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if j.len() != 1 {
		t.Fatalf("%d entries, want only the accepted webhook's", j.len())
	}
}
