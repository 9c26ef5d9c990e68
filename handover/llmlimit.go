package handover

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// OverloadError is a Bot error that says the LLM provider is overloaded or
// rate-limits us (HTTP 429 or 503): the call may succeed later. The limiter
// shrinks its concurrency and waits RetryAfter before the next call.
type OverloadError struct {
	// RetryAfter is the provider's Retry-After, or 0 when it gave none.
	RetryAfter time.Duration
	Err        error
}

func (e *OverloadError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("llm overloaded (retry after %s): %v", e.RetryAfter, e.Err)
	}
	return fmt.Sprintf("llm overloaded: %v", e.Err)
}

func (e *OverloadError) Unwrap() error { return e.Err }

// ErrLLMSaturated is returned when a turn waited for an LLM slot longer than
// its budget.
var ErrLLMSaturated = errors.New("no llm capacity within the turn's time")

// LLMLimiter governs how many LLM calls run at once. The limit adapts
// (additive increase, multiplicative decrease, as TCP does): every call that
// ends well raises it by 1/limit up to Max; an overload answer (429, 503) or
// a timeout cuts it by a third, at most once per Backoff window, and pauses
// new calls for the provider's Retry-After. Waiting calls are served in
// arrival order. A turn in flight is a goroutine waiting on I/O, so the
// limit is the provider's capacity, not ours.
type LLMLimiter struct {
	max, min int
	backoff  time.Duration
	maxPause time.Duration
	maxWait  time.Duration
	now      func() time.Time

	mu          sync.Mutex
	limit       float64
	inflight    int
	waiters     []chan struct{}
	pausedUntil time.Time
	lastCut     time.Time
	timer       *time.Timer
	// latency is a moving average of successful calls' durations (0 until
	// the first).
	latency time.Duration
}

// LLMLimiterOptions configure an LLMLimiter.
type LLMLimiterOptions struct {
	// Max is the ceiling and the starting limit (default 1000).
	Max int
	// Min is the floor the limit never drops below (default 4).
	Min int
	// Backoff is the shortest time between two cuts (default 1s), so one
	// burst of failures counts once.
	Backoff time.Duration
	// MaxPause caps a provider's Retry-After (default 30s).
	MaxPause time.Duration
	// MaxWait is how long new work may expect to wait for a slot before
	// Saturated says no (default 10s), estimated from the calls waiting,
	// the limit and the recent call latency.
	MaxWait time.Duration
	// Now is the clock (tests).
	Now func() time.Time
}

// NewLLMLimiter returns a limiter that starts at o.Max.
func NewLLMLimiter(o LLMLimiterOptions) *LLMLimiter {
	if o.Max <= 0 {
		o.Max = 1000
	}
	if o.Min <= 0 {
		o.Min = 4
	}
	if o.Min > o.Max {
		o.Min = o.Max
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.MaxPause <= 0 {
		o.MaxPause = 30 * time.Second
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &LLMLimiter{max: o.Max, min: o.Min, backoff: o.Backoff, maxPause: o.MaxPause, maxWait: o.MaxWait, now: o.Now, limit: float64(o.Max)}
}

// Limit returns the current concurrency limit.
func (l *LLMLimiter) Limit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int(l.limit)
}

// InFlight returns the calls running now.
func (l *LLMLimiter) InFlight() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inflight
}

// Waiting returns the calls waiting for a slot.
func (l *LLMLimiter) Waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.waiters)
}

// WouldWaitTooLong reports whether new work would wait longer for a slot
// than MaxWait: the calls waiting here plus queued waiting elsewhere
// (conversations that lanes hold until a slot is free), served limit at a
// time, each taking the recent average latency (before any call has ended:
// a whole round waiting). Admission refuses new conversations then, and the
// helpdesk retries.
func (l *LLMLimiter) WouldWaitTooLong(queued int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	rounds := 1.0
	if l.latency > 0 {
		rounds = max(1, float64(l.maxWait)/float64(l.latency))
	}
	return float64(len(l.waiters)+queued) >= l.limit*rounds
}

type permitKey struct{}

// Hold waits up to wait for a slot and returns ctx marked as holding it, and
// the function that gives it back. LLM calls made through Do with that
// context use the held slot instead of waiting again. A turn holds its slot
// from before it reads the helpdesk, so the turns waiting for one hold
// nothing but their event: ten thousand of them cost little memory, while
// at most Limit conversations are loaded and talking to the provider.
func (l *LLMLimiter) Hold(ctx context.Context, wait time.Duration) (context.Context, func(), error) {
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := l.acquire(wctx); err != nil {
		return ctx, nil, err
	}
	var once sync.Once
	release := func() { once.Do(l.release) }
	return context.WithValue(ctx, permitKey{}, true), release, nil
}

// Do runs call once a slot is free (or in the slot ctx holds, see Hold),
// reports its outcome to the limit, and on an overload retries after the
// provider's Retry-After while ctx allows.
func (l *LLMLimiter) Do(ctx context.Context, call func(context.Context) error) error {
	held, _ := ctx.Value(permitKey{}).(bool)
	for {
		if held {
			if err := l.waitPause(ctx); err != nil {
				return err
			}
		} else if err := l.acquire(ctx); err != nil {
			return err
		}
		start := l.now()
		err := call(ctx)
		l.mu.Lock()
		if !held {
			l.inflight--
		}
		l.adjust(ctx, err, l.now().Sub(start))
		l.schedule()
		l.mu.Unlock()
		var ov *OverloadError
		if err == nil || !errors.As(err, &ov) || ctx.Err() != nil {
			return err
		}
		// Wait out the pause and try again while the turn's deadline allows
		// one more call.
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < l.pauseLeft()+100*time.Millisecond {
			return err
		}
	}
}

// waitPause blocks while the provider asked us to pause.
func (l *LLMLimiter) waitPause(ctx context.Context) error {
	left := l.pauseLeft()
	if left <= 0 {
		return nil
	}
	t := time.NewTimer(left)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrLLMSaturated, context.Cause(ctx))
	}
}

func (l *LLMLimiter) pauseLeft() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pausedUntil.Sub(l.now())
}

// acquire blocks until a slot is free (and no pause is on) or ctx ends.
func (l *LLMLimiter) acquire(ctx context.Context) error {
	l.mu.Lock()
	if len(l.waiters) == 0 && l.free() {
		l.inflight++
		l.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	l.waiters = append(l.waiters, ch)
	l.schedule()
	l.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		for i, w := range l.waiters {
			if w == ch {
				l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
				l.mu.Unlock()
				return fmt.Errorf("%w: %w", ErrLLMSaturated, context.Cause(ctx))
			}
		}
		l.mu.Unlock()
		// Woken at the same time as cancelled: the slot is ours; give it back.
		<-ch
		l.release()
		return fmt.Errorf("%w: %w", ErrLLMSaturated, context.Cause(ctx))
	}
}

// free reports whether a call may start now; l.mu is held.
func (l *LLMLimiter) free() bool {
	return l.inflight < int(l.limit) && !l.now().Before(l.pausedUntil)
}

// release gives a slot back without a call's outcome.
func (l *LLMLimiter) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight--
	l.schedule()
}

// adjust moves the limit by a call's outcome; l.mu is held.
func (l *LLMLimiter) adjust(ctx context.Context, err error, took time.Duration) {
	now := l.now()
	var ov *OverloadError
	switch {
	case err == nil:
		if l.latency == 0 {
			l.latency = took
		} else {
			l.latency += (took - l.latency) / 10
		}
		if l.limit < float64(l.max) {
			l.limit += 1 / l.limit
			if l.limit > float64(l.max) {
				l.limit = float64(l.max)
			}
		}
	case errors.As(err, &ov):
		l.cut(now)
		if ov.RetryAfter > 0 {
			p := min(ov.RetryAfter, l.maxPause)
			if until := now.Add(p); until.After(l.pausedUntil) {
				l.pausedUntil = until
			}
		}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(context.Cause(ctx), context.DeadlineExceeded):
		l.cut(now)
	}
}

// cut lowers the limit by a third, once per backoff window; l.mu is held.
func (l *LLMLimiter) cut(now time.Time) {
	if !l.lastCut.IsZero() && now.Sub(l.lastCut) < l.backoff {
		return
	}
	l.lastCut = now
	l.limit = max(float64(l.min), l.limit*2/3)
}

// schedule wakes waiters while slots are free, or sets a timer for the end
// of a pause; l.mu is held.
func (l *LLMLimiter) schedule() {
	for len(l.waiters) > 0 && l.free() {
		ch := l.waiters[0]
		l.waiters = l.waiters[1:]
		l.inflight++
		close(ch)
	}
	if len(l.waiters) > 0 && l.now().Before(l.pausedUntil) && l.timer == nil {
		l.timer = time.AfterFunc(l.pausedUntil.Sub(l.now()), func() {
			l.mu.Lock()
			l.timer = nil
			l.schedule()
			l.mu.Unlock()
		})
	}
}
