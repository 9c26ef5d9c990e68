package handover

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Overloads cut the limit by a third once per window; successes grow it
// back towards the ceiling.
func TestLLMLimiterAdapts(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	l := NewLLMLimiter(LLMLimiterOptions{Max: 90, Min: 4, Backoff: time.Second, Now: clk.now})
	overload := func(context.Context) error { return &OverloadError{Err: errors.New("429")} }
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_ = l.Do(ctx, overload)
	if got := l.Limit(); got != 60 {
		t.Fatalf("after one overload: %d, want 60", got)
	}
	_ = l.Do(ctx, overload) // same window: no second cut
	if got := l.Limit(); got != 60 {
		t.Fatalf("second overload in the window: %d, want 60", got)
	}
	clk.add(2 * time.Second)
	_ = l.Do(ctx, overload)
	if got := l.Limit(); got != 40 {
		t.Fatalf("overload in the next window: %d, want 40", got)
	}
	for i := 0; i < 400; i++ {
		if err := l.Do(context.Background(), func(context.Context) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.Limit(); got <= 40 || got > 90 {
		t.Fatalf("after successes: %d, want above 40 and at most 90", got)
	}
	for i := 0; i < 20; i++ {
		clk.add(2 * time.Second)
		_ = l.Do(ctx, overload)
	}
	if got := l.Limit(); got != 4 {
		t.Fatalf("floor: %d, want 4", got)
	}
}

// No more calls run at once than the limit; the rest wait in order, and
// Saturated says so once a whole round waits.
func TestLLMLimiterBoundsConcurrency(t *testing.T) {
	l := NewLLMLimiter(LLMLimiterOptions{Max: 2, Min: 1})
	release := make(chan struct{})
	var mu sync.Mutex
	running, peak := 0, 0
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = l.Do(context.Background(), func(context.Context) error {
				mu.Lock()
				running++
				peak = max(peak, running)
				mu.Unlock()
				<-release
				mu.Lock()
				running--
				mu.Unlock()
				return nil
			})
		}()
	}
	waitFor(t, "four waiters", func() bool { return l.Waiting() == 4 && l.InFlight() == 2 })
	if !l.WouldWaitTooLong(0) {
		t.Fatal("four waiting for two slots is saturated")
	}
	close(release)
	wg.Wait()
	if peak != 2 {
		t.Fatalf("peak concurrency %d, want 2", peak)
	}
}

// A caller whose deadline passes while it waits gets ErrLLMSaturated and
// leaves the queue.
func TestLLMLimiterWaitEndsWithTheTurn(t *testing.T) {
	l := NewLLMLimiter(LLMLimiterOptions{Max: 1, Min: 1})
	release := make(chan struct{})
	go func() { _ = l.Do(context.Background(), func(context.Context) error { <-release; return nil }) }()
	waitFor(t, "the first call", func() bool { return l.InFlight() == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Do(ctx, func(context.Context) error { return nil }) }()
	waitFor(t, "a waiter", func() bool { return l.Waiting() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, ErrLLMSaturated) {
		t.Fatalf("got %v, want ErrLLMSaturated", err)
	}
	if l.Waiting() != 0 {
		t.Fatal("the cancelled waiter stayed queued")
	}
	close(release)
}

// An overload with Retry-After pauses new calls, and the call is retried
// after the pause while the turn's deadline allows.
func TestLLMLimiterHonoursRetryAfter(t *testing.T) {
	l := NewLLMLimiter(LLMLimiterOptions{Max: 10})
	calls := 0
	start := time.Now()
	err := l.Do(context.Background(), func(context.Context) error {
		calls++
		if calls == 1 {
			return &OverloadError{RetryAfter: 30 * time.Millisecond, Err: errors.New("429")}
		}
		return nil
	})
	if err != nil || calls != 2 {
		t.Fatalf("err %v after %d calls, want success on the second", err, calls)
	}
	if waited := time.Since(start); waited < 30*time.Millisecond {
		t.Fatalf("retried after %s, before the provider's Retry-After", waited)
	}
}

// A turn that holds a slot makes its LLM calls in it: a second call in the
// same turn does not wait behind other turns, and the slot is the turn's
// until it is released.
func TestLLMLimiterHeldSlot(t *testing.T) {
	l := NewLLMLimiter(LLMLimiterOptions{Max: 1, Min: 1})
	ctx, release, err := l.Hold(context.Background(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.InFlight(); got != 1 {
		t.Fatalf("in flight %d, want 1", got)
	}
	for i := 0; i < 2; i++ {
		if err := l.Do(ctx, func(context.Context) error { return nil }); err != nil {
			t.Fatalf("call %d in the held slot: %v", i, err)
		}
	}
	if _, _, err := l.Hold(context.Background(), 20*time.Millisecond); !errors.Is(err, ErrLLMSaturated) {
		t.Fatalf("second holder got %v, want ErrLLMSaturated", err)
	}
	release()
	release() // twice is harmless
	if got := l.InFlight(); got != 0 {
		t.Fatalf("in flight after release %d, want 0", got)
	}
}

// Saturation is judged by time: with calls taking 1s and up to 3s of
// waiting allowed, three rounds of the limit may wait.
func TestLLMLimiterSaturationByExpectedWait(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	l := NewLLMLimiter(LLMLimiterOptions{Max: 2, Min: 1, MaxWait: 3 * time.Second, Now: clk.now})
	if err := l.Do(context.Background(), func(context.Context) error { clk.add(time.Second); return nil }); err != nil {
		t.Fatal(err)
	}
	hold := make(chan struct{})
	var wg sync.WaitGroup
	start := func(n int) {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = l.Do(context.Background(), func(context.Context) error { <-hold; return nil })
			}()
		}
	}
	start(2 + 5)
	waitFor(t, "five waiters", func() bool { return l.Waiting() == 5 })
	if l.WouldWaitTooLong(0) {
		t.Fatal("5 waiting for 2 slots of 1s is 2.5s: not saturated with 3s allowed")
	}
	start(1)
	waitFor(t, "six waiters", func() bool { return l.Waiting() == 6 })
	if !l.WouldWaitTooLong(0) {
		t.Fatal("6 waiting for 2 slots of 1s is 3s: saturated")
	}
	close(hold)
	wg.Wait()
}
