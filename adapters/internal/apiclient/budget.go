package apiclient

import (
	"fmt"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// Budget is a client-side request budget: at most PerMinute requests a
// minute to one helpdesk, in bursts of up to a tenth of that. Every attempt
// (retries included) waits for it, within its request's context, so a turn
// whose deadline cannot be met fails fast instead of overrunning the
// helpdesk's rate limit.
func Budget(perMinute int) *rate.Limiter {
	if perMinute <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Every(time.Minute/time.Duration(perMinute)), max(1, perMinute/10))
}

// budgetTransport waits for the budget before every attempt.
type budgetTransport struct {
	next http.RoundTripper
	lim  *rate.Limiter
}

func (t budgetTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.lim.Wait(r.Context()); err != nil {
		return nil, fmt.Errorf("helpdesk request budget (%.0f a minute): %w", float64(t.lim.Limit())*60, err)
	}
	return t.next.RoundTrip(r)
}
