package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/config"
)

// sandboxRun is one in-process `handover sandbox`.
type sandboxRun struct {
	base, link string
	stop       func()
}

// startSandboxCmd runs the sandbox of helpdesk on a free port with the user's cache dir at cache.
func startSandboxCmd(t *testing.T, helpdesk, cache string) *sandboxRun {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	t.Setenv("HANDOVER_AGENT_UI_SECRET", "")
	t.Setenv("HANDOVER_LOG_LEVEL", "error")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- sandbox(ctx, []string{"-helpdesk", helpdesk, "-addr", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if link, ok := strings.CutPrefix(sc.Text(), "handover sandbox: open "); ok {
			go func() { _, _ = io.Copy(io.Discard, pr) }()
			u, err := url.Parse(link)
			if err != nil {
				t.Fatal(err)
			}
			r := &sandboxRun{base: u.Scheme + "://" + u.Host, link: link, stop: stop}
			t.Cleanup(func() { r.stop() })
			return r
		}
	}
	cancel()
	t.Fatalf("sandbox %s printed no link: %v", helpdesk, <-done)
	return nil
}

func browserClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func getBody(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var sandboxNames = map[string]string{"chatwoot": "Chatwoot", "libredesk": "Libredesk", "liveagent": "LiveAgent", "zendesk": "Zendesk", "intercom": "Intercom"}

// Every sandbox page names its own helpdesk, and its "Watch in the agent pages" link (the
// conversation's handover id) opens a working agent page for the visitor's conversation.
func TestSandboxPageNamesItsHelpdeskAndLinksAgentPages(t *testing.T) {
	for _, d := range config.Helpdesks().Simulated() {
		t.Run(d.Name, func(t *testing.T) {
			name := sandboxNames[d.Name]
			if name == "" {
				t.Fatalf("add %s to sandboxNames: every simulated helpdesk must name itself on its page", d.Name)
			}
			sb := startSandboxCmd(t, d.Name, t.TempDir())
			c := browserClient(t)
			st, page := getBody(t, c, sb.link) // logs in, then the sandbox page
			if st != http.StatusOK || !strings.Contains(page, "A simulated "+name) {
				t.Fatalf("%d: the page does not say \"A simulated %s\":\n%.600s", st, name, page)
			}
			for other, n := range sandboxNames {
				if other != d.Name && strings.Contains(page, "simulated "+n) {
					t.Fatalf("the %s page calls itself a simulated %s", name, n)
				}
			}
			if d.Name == "intercom" {
				return // its own page; its link is /agent/
			}
			var inboxes struct {
				Inboxes []struct {
					ID      int  `json:"id"`
					WithBot bool `json:"with_bot"`
				} `json:"inboxes"`
			}
			_, body := getBody(t, c, sb.base+"/sim/state")
			if err := json.Unmarshal([]byte(body), &inboxes); err != nil {
				t.Fatal(err)
			}
			inbox := 0
			for _, in := range inboxes.Inboxes {
				if in.WithBot && inbox == 0 {
					inbox = in.ID
				}
			}
			resp, err := c.Post(sb.base+"/sim/visitor/send", "application/json",
				strings.NewReader(fmt.Sprintf(`{"inbox_id":%d,"contact":"Newcomer","text":"How long does shipping take?"}`, inbox)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("visitor send: %d", resp.StatusCode)
			}
			var id string
			deadline := time.Now().Add(10 * time.Second)
			for id == "" && time.Now().Before(deadline) {
				_, body := getBody(t, c, sb.base+"/sim/state")
				var state struct {
					Conversations []struct {
						ID         any    `json:"id"`
						HandoverID string `json:"handover_id"`
						Messages   []any  `json:"messages"`
					} `json:"conversations"`
				}
				if err := json.Unmarshal([]byte(body), &state); err != nil {
					t.Fatal(err)
				}
				if n := len(state.Conversations); n > 0 && len(state.Conversations[n-1].Messages) > 1 {
					cv := state.Conversations[n-1]
					id = cv.HandoverID
					if id == "" {
						id = fmt.Sprint(cv.ID)
					}
				}
				time.Sleep(100 * time.Millisecond)
			}
			if id == "" {
				t.Fatal("the bot never answered")
			}
			st, body = getBody(t, c, sb.base+"/agent/conversations/"+url.PathEscape(id)+"?embed=1")
			if st != http.StatusOK || !strings.Contains(body, "How long does shipping take?") {
				t.Fatalf("agent page of %s: %d\n%.800s", id, st, body)
			}
		})
	}
}

// A login survives a restart of the sandbox (and a switch of -helpdesk): the secret is kept in the
// user's cache dir, 0600. A session signed with another secret gets a login page that says what
// happened and how to get back in.
func TestSandboxLoginSurvivesRestart(t *testing.T) {
	cache := t.TempDir()
	c := browserClient(t)
	sb := startSandboxCmd(t, "chatwoot", cache)
	if st, _ := getBody(t, c, sb.link); st != http.StatusOK {
		t.Fatalf("login link: %d", st)
	}
	if st, _ := getBody(t, c, sb.base+"/agent/"); st != http.StatusOK {
		t.Fatalf("agent pages after login: %d", st)
	}
	sb.stop()
	fi, err := os.Stat(filepath.Join(cache, "handover", "sandbox-secret"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("sandbox-secret mode %v, want 0600", fi.Mode().Perm())
	}

	sb2 := startSandboxCmd(t, "libredesk", cache)
	// The cookie jar keys cookies by host, not port: the old session goes to the new sandbox.
	if st, body := getBody(t, c, sb2.base+"/agent/"); st != http.StatusOK {
		t.Fatalf("after a restart the session is refused: %d\n%.600s", st, body)
	}
	sb2.stop()

	// Another secret (the cache file gone): the login page says what happened.
	sb3 := startSandboxCmd(t, "chatwoot", t.TempDir())
	st, body := getBody(t, c, sb3.base+"/agent/")
	if st != http.StatusUnauthorized || !strings.Contains(body, "printed a new link") || !strings.Contains(body, "use it") {
		t.Fatalf("stale session: %d\n%s", st, body)
	}
	if strings.Contains(body, "forged") {
		t.Fatalf("the login page calls a restart's session forged:\n%s", body)
	}
	// The old printed link says the same.
	old := strings.Replace(sb.link, sb.base, sb3.base, 1)
	st, body = getBody(t, browserClient(t), old)
	if st != http.StatusForbidden || !strings.Contains(body, "printed a new link") {
		t.Fatalf("old link: %d\n%s", st, body)
	}
}
