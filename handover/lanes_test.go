package handover

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSubmitWaitEndsWithATurnThatStartedAfter: a waiter is released by a turn that began
// after its event was accepted (every turn reads the conversation afresh), told how it ended.
func TestSubmitWaitEndsWithATurnThatStartedAfter(t *testing.T) {
	gate := make(chan error)
	var turns atomic.Int32
	l := NewLanes(func(ctx context.Context, ev Event) (string, error) {
		turns.Add(1)
		return "", <-gate
	}, LaneOptions{RetryBase: time.Millisecond})
	defer l.Shutdown(context.Background())
	ctx := context.Background()

	first := make(chan error, 1)
	go func() {
		first <- l.SubmitWait(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c", MessageID: "1"})
	}()
	for turns.Load() < 1 {
		time.Sleep(time.Millisecond)
	}
	// A second message arrives while the first turn runs: that turn does not cover it.
	second := make(chan error, 1)
	go func() {
		second <- l.SubmitWait(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c", MessageID: "2"})
	}()
	for l.Queued() < 1 {
		time.Sleep(time.Millisecond)
	}
	gate <- nil
	if err := <-first; err != nil {
		t.Fatalf("first: %v", err)
	}
	select {
	case err := <-second:
		t.Fatalf("second released by a turn that started before it: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	// The next turn fails for good (no retries configured): the waiter hears it.
	boom := ErrPermanent
	gate <- boom
	if err := <-second; !errors.Is(err, boom) {
		t.Fatalf("second: %v, want the turn's error", err)
	}
}

// TestSubmitFuncCallsBackWhenTheTurnEnds: SubmitFunc's callback follows the same rule as
// SubmitWait (a turn that started after the event), with the turn's outcome, and ErrClosed at
// shutdown.
func TestSubmitFuncCallsBackWhenTheTurnEnds(t *testing.T) {
	gate := make(chan error)
	var turns atomic.Int32
	l := NewLanes(func(ctx context.Context, ev Event) (string, error) {
		turns.Add(1)
		select {
		case err := <-gate:
			return "", err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}, LaneOptions{RetryBase: time.Millisecond})
	first, second := make(chan error, 1), make(chan error, 1)
	if err := l.SubmitFunc(Event{Kind: EventVisitorMessage, ConversationID: "c", MessageID: "1"}, func(err error) { first <- err }); err != nil {
		t.Fatal(err)
	}
	for turns.Load() < 1 {
		time.Sleep(time.Millisecond)
	}
	if err := l.SubmitFunc(Event{Kind: EventVisitorMessage, ConversationID: "c", MessageID: "2"}, func(err error) { second <- err }); err != nil {
		t.Fatal(err)
	}
	gate <- nil
	if err := <-first; err != nil {
		t.Fatalf("first: %v", err)
	}
	select {
	case err := <-second:
		t.Fatalf("second called back by a turn that started before it: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	gate <- ErrPermanent
	if err := <-second; !errors.Is(err, ErrPermanent) {
		t.Fatalf("second: %v, want the turn's error", err)
	}

	third := make(chan error, 1)
	if err := l.SubmitFunc(Event{Kind: EventVisitorMessage, ConversationID: "d", MessageID: "3"}, func(err error) { third <- err }); err != nil {
		t.Fatal(err)
	}
	for turns.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_ = l.Shutdown(sctx)
	if err := <-third; err == nil {
		t.Fatal("a turn cut short by shutdown was called back as done")
	}
}

func TestSubmitWaitGivesUpWithItsContextAndAtShutdown(t *testing.T) {
	release := make(chan struct{})
	l := NewLanes(func(ctx context.Context, ev Event) (string, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return "", ctx.Err()
	}, LaneOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := l.SubmitWait(ctx, Event{Kind: EventVisitorMessage, ConversationID: "c"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's deadline", err)
	}
	done := make(chan error, 1)
	go func() {
		done <- l.SubmitWait(context.Background(), Event{Kind: EventVisitorMessage, ConversationID: "c", MessageID: "2"})
	}()
	time.Sleep(10 * time.Millisecond)
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer scancel()
	_ = l.Shutdown(sctx)
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("at shutdown: %v, want ErrClosed", err)
	}
	close(release)
}

// Replicas sharing a Deduper (LaneOptions.Seen): a delivery repeated to the other replica runs
// one turn between them, marked as its turn is about to run; an event without a key (a replay,
// a reconcile) runs wherever it is submitted; a SubmitFunc waiter of a skipped event is told
// nil.
func TestSharedSeenRunsAKeyedEventOnce(t *testing.T) {
	shared := NewMemoryDeduper(100, time.Hour)
	var mu sync.Mutex
	turns := map[string]int{}
	run := func(_ context.Context, ev Event) (string, error) {
		mu.Lock()
		turns[ev.ConversationID]++
		mu.Unlock()
		return OutcomeAnswered, nil
	}
	a := NewLanes(run, LaneOptions{Seen: shared})
	b := NewLanes(run, LaneOptions{Seen: shared})
	submit(t, a, Event{Kind: EventVisitorMessage, ConversationID: "c1", SeenKey: "h:c1:m1"})
	shutdown(t, a)
	done := make(chan error, 1)
	if err := b.SubmitFunc(Event{Kind: EventVisitorMessage, ConversationID: "c1", SeenKey: "h:c1:m1"}, func(err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the skipped event's waiter: %v", err)
	}
	submit(t, b, Event{Kind: EventVisitorMessage, ConversationID: "c2", SeenKey: "h:c2:m1"})
	submit(t, b, Event{Kind: EventReconcile, ConversationID: "c3"})
	shutdown(t, b)
	c := NewLanes(run, LaneOptions{Seen: shared})
	submit(t, c, Event{Kind: EventReconcile, ConversationID: "c3"})
	shutdown(t, c)
	mu.Lock()
	defer mu.Unlock()
	if turns["c1"] != 1 || turns["c2"] != 1 || turns["c3"] != 2 {
		t.Fatalf("turns %v; want c1 once (repeated to the other replica), c2 once, c3 on both", turns)
	}
	if shared.FirstSeen("h:c2:m1") {
		t.Fatal("the key of an event that ran was not marked")
	}
}
