package chatwoot

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Every attempt, retries included, reaches Config.Observe (the
// handover_helpdesk_requests_total metric).
func TestObserveCountsEveryAttempt(t *testing.T) {
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if n == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":7,"inbox_id":1,"status":"pending","meta":{},"custom_attributes":{}}`))
	}))
	defer srv.Close()
	var mu sync.Mutex
	var seen []int
	a, err := New(Config{BaseURL: srv.URL, AccountID: 1, BotToken: "b", UserToken: "u", WebhookSecret: "s", RetryWaitMax: 1,
		Observe: func(method string, status int) {
			mu.Lock()
			defer mu.Unlock()
			if method != http.MethodGet {
				t.Errorf("method %s", method)
			}
			seen = append(seen, status)
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.fetch(context.Background(), "7"); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0] != http.StatusBadGateway || seen[1] != http.StatusOK {
		t.Fatalf("observed %v, want [502 200]", seen)
	}
}
