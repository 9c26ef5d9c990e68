package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// Clock is the time source of a Limiter (and of an adapter's 429 waits),
// so tests can pace them without waiting.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx ends.
	Sleep(ctx context.Context, d time.Duration) error
}

// WallClock is the real clock.
type WallClock struct{}

// Now implements Clock.
func (WallClock) Now() time.Time { return time.Now() }

// Sleep implements Clock.
func (WallClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Limiter keeps requests to a helpdesk under a per-minute budget: a token
// bucket whose burst plus a minute of refill equals the budget, so no
// 60-second window ever holds more requests than the budget allows.
type Limiter struct {
	lim       *rate.Limiter
	clock     Clock
	perMinute int
}

// NewLimiter returns a limiter for perMinute (> 0) requests a minute on
// clock (nil: the wall clock).
func NewLimiter(perMinute int, clock Clock) *Limiter {
	if clock == nil {
		clock = WallClock{}
	}
	perMinute = max(1, perMinute)
	burst := max(1, min(10, perMinute/10))
	refill := float64(perMinute-burst) / 60
	if refill <= 0 {
		refill = float64(perMinute) / 60
	}
	return &Limiter{lim: rate.NewLimiter(rate.Limit(refill), burst), clock: clock, perMinute: perMinute}
}

// Wait blocks until a request may be sent or ctx ends.
func (l *Limiter) Wait(ctx context.Context) error {
	now := l.clock.Now()
	r := l.lim.ReserveN(now, 1)
	if !r.OK() {
		return errors.New("rate limiter: request exceeds the burst")
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if err := l.clock.Sleep(ctx, d); err != nil {
		r.CancelAt(l.clock.Now())
		return fmt.Errorf("waiting for the rate limiter (%d requests a minute): %w", l.perMinute, err)
	}
	return nil
}

// budgetTransport waits for the limiter before every attempt (retries
// included), within the request's context: a turn whose deadline cannot be
// met fails fast instead of overrunning the helpdesk's rate limit.
type budgetTransport struct {
	next http.RoundTripper
	lim  *Limiter
}

func (t budgetTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.lim.Wait(r.Context()); err != nil {
		return nil, fmt.Errorf("helpdesk request budget: %w", err)
	}
	return t.next.RoundTrip(r)
}
