package app_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/config"
)

// TestAgentPagesRefreshWithinTheHelpdeskBudget: a helpdesk whose API budget cannot bear a
// refresh of the agent pages every 5 s (LiveAgent: 180 requests a minute per key) gets its
// pages refreshed no faster than its descriptor allows; the others keep the configured pace.
func TestAgentPagesRefreshWithinTheHelpdeskBudget(t *testing.T) {
	for name, want := range map[string]string{"liveagent": "Refreshes every 30 s", "chatwoot": "Refreshes every 5 s"} {
		t.Run(name, func(t *testing.T) {
			d, ok := config.Helpdesks().Lookup(name)
			if !ok {
				t.Fatalf("%s is not registered", name)
			}
			w := newWorld(t, d, true)
			hd, err := d.New(w.Settings(), helpdesk.Deps{})
			if err != nil {
				t.Fatal(err)
			}
			cfg := baseConfig(name)
			cfg.AgentUISecret = config.Secret("refresh-test-secret-0123456789")
			cfg.AgentUIRefresh = 5 * time.Second
			base := service(t, cfg, hd, 0, io.Discard)
			jar := &cookieJar{}
			c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			req, _ := http.NewRequest(http.MethodPost, base+"/agent/login", strings.NewReader(url.Values{"secret": {cfg.AgentUISecret.Value()}, "next": {"/agent/"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", base)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			resp, err = c.Get(base + "/agent/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), want) {
				t.Fatalf("%s: want %q on the overview, got %d:\n%s", name, want, resp.StatusCode, body)
			}
		})
	}
}

// cookieJar keeps the session cookie of one test.
type cookieJar struct{ cookies []*http.Cookie }

func (j *cookieJar) SetCookies(_ *url.URL, cs []*http.Cookie) { j.cookies = append(j.cookies, cs...) }
func (j *cookieJar) Cookies(*url.URL) []*http.Cookie          { return j.cookies }
