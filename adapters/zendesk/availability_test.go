package zendesk

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

// A fake Support API after the Agent Availability API docs
// (https://developer.zendesk.com/api-reference/agent-availability/agent-availability-api/agent_availabilities/):
// group_ids is returned "if known".
func availabilityServer(t *testing.T, availabilities string, groupUsers string, calls *atomic.Int32) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/agent_availabilities", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Query().Get("filter[channel_status]") != "messaging:online" {
			t.Errorf("filter: %q", r.URL.RawQuery)
		}
		if u, p, _ := r.BasicAuth(); u != "admin@example.com/token" || p != "api-token-value" {
			t.Errorf("auth %q", u)
		}
		_, _ = w.Write([]byte(availabilities))
	})
	mux.HandleFunc("GET /api/v2/groups/{id}/users", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = w.Write([]byte(groupUsers))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestAvailable(t *testing.T) {
	const withGroups = `{"data":[{"type":"agent_availabilities","id":"agent_availabilities|7","attributes":{"agent_id":7,"group_ids":[11],"version":1}}],"meta":{"has_more":false}}`
	const noGroups = `{"data":[{"type":"agent_availabilities","id":"agent_availabilities|7","attributes":{"agent_id":7,"version":1}}],"meta":{"has_more":false}}`
	const members = `{"users":[{"id":7,"name":"Alice","role":"agent","active":true}],"next_page":null}`
	const others = `{"users":[{"id":8,"name":"Bob","role":"agent","active":true}],"next_page":null}`
	cases := []struct {
		name, avail, users, group string
		want                      bool
	}{
		{"any agent, no group set", withGroups, members, "", true},
		{"agent in the group", withGroups, members, "11", true},
		{"agent in another group", withGroups, members, "12", false},
		{"groups unknown, member of the group", noGroups, members, "11", true},
		{"groups unknown, not a member", noGroups, others, "11", false},
		{"nobody online", `{"data":[],"meta":{"has_more":false}}`, members, "11", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := availabilityServer(t, tc.avail, tc.users, &calls)
			a := testAdapter(t, func(c *Config) { c.BaseURL, c.GroupID = srv.URL, tc.group })
			got, err := a.Available(context.Background(), &handover.Conversation{ID: "c1"})
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	// Outside the opening hours nobody is asked.
	var calls atomic.Int32
	srv := availabilityServer(t, withGroups, members, &calls)
	hours, _ := ParseHours("Mon-Fri 09:00-17:00", "UTC")
	a := testAdapter(t, func(c *Config) {
		c.BaseURL, c.Hours = srv.URL, hours
		c.Now = func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) } // a Sunday
	})
	if got, err := a.Available(context.Background(), &handover.Conversation{ID: "c1"}); got || err != nil || calls.Load() != 0 {
		t.Fatalf("closed: %v %v, %d calls", got, err, calls.Load())
	}
}
