package apiclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// With a budget of 60 requests a minute (a burst of 6), the first six
// requests go out at once and the seventh, which would have to wait a
// second, is refused within a 100 ms deadline without reaching the server.
func TestBudgetHoldsRequestsBack(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := NewClient(Options{Timeout: 5 * time.Second, RetryWaitMax: 10 * time.Millisecond, PerMinute: 60})
	get := func(ctx context.Context) error {
		req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		if err != nil {
			return err
		}
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	for i := 0; i < 6; i++ {
		if err := get(context.Background()); err != nil {
			t.Fatalf("request %d within the burst: %v", i+1, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := get(ctx); err == nil {
		t.Fatal("the seventh request went out at once, past the budget")
	}
	if n := hits.Load(); n != 6 {
		t.Fatalf("server saw %d requests, want 6", n)
	}
}

// Without a budget the client sends at once, however many.
func TestNoBudgetByDefault(t *testing.T) {
	c := NewClient(Options{Timeout: 5 * time.Second})
	if _, ok := c.HTTPClient.Transport.(budgetTransport); ok {
		t.Fatal("a client without PerMinute waits for a budget")
	}
}
