package e2e

// `handover sandbox` as a newcomer meets it: the real binary, started for each simulated
// helpdesk, its printed login link opened in headless Chromium, a short chat (a question, then
// "a human please"). HANDOVER_SCREENSHOTS=dir keeps a PNG of every sandbox.

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var (
	sandboxBinOnce sync.Once
	sandboxBinPath string
	sandboxBinErr  error
)

// sandboxBinary builds cmd/handover once per test run.
func sandboxBinary(t *testing.T) string {
	t.Helper()
	sandboxBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "handover-sandbox-bin")
		if err != nil {
			sandboxBinErr = err
			return
		}
		sandboxBinPath = filepath.Join(dir, "handover")
		out, err := exec.Command("go", "build", "-o", sandboxBinPath, "../cmd/handover").CombinedOutput()
		if err != nil {
			sandboxBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if sandboxBinErr != nil {
		t.Fatal(sandboxBinErr)
	}
	return sandboxBinPath
}

// runningSandbox is one `handover sandbox` process.
type runningSandbox struct {
	Base string // http://127.0.0.1:port
	Link string // the printed login link
	stop func()
}

// startSandbox runs `handover sandbox -helpdesk name` on addr with a clean environment whose
// cache dir is cache, and returns once it printed its link.
func startSandbox(t *testing.T, name, addr, cache string, env ...string) *runningSandbox {
	t.Helper()
	bin := sandboxBinary(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "sandbox", "-helpdesk", name, "-addr", addr)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + cache, "XDG_CACHE_HOME=" + cache, "HANDOVER_LOG_LEVEL=warn"}, env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(stop)
	lines := make(chan string, 8)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				stop()
				t.Fatalf("sandbox %s exited without a link:\n%s", name, stderr.String())
			}
			if link, ok := strings.CutPrefix(l, "handover sandbox: open "); ok {
				go func() {
					for range lines {
					}
				}()
				i := strings.Index(link[len("http://"):], "/")
				return &runningSandbox{Base: link[:len("http://")+i], Link: link, stop: stop}
			}
		case <-timeout:
			stop()
			t.Fatalf("sandbox %s printed no link:\n%s", name, stderr.String())
		}
	}
}

// sandboxChat chats as the visitor on a sandbox page: ask, wait for a bot answer, ask for a
// human, wait for the handover to show.
func sandboxChat(t *testing.T, ctx context.Context, helpdesk string, texts ...string) {
	t.Helper()
	input, log := "#visitor-text", "#visitor-log"
	if helpdesk == "intercom" {
		input, log = "input[name=t]", "#visitor"
	}
	for _, text := range texts {
		before := bubbleCount(t, ctx, log)
		do(t, ctx, chromedp.WaitVisible(input), chromedp.SendKeys(input, text+"\n"))
		// the visitor's message and at least one answer
		waitFor(t, ctx, fmt.Sprintf(`document.querySelectorAll(%s).length >= %d`, js(log+" > div:not(.typing)"), before+2), "an answer to "+text)
		time.Sleep(500 * time.Millisecond)
	}
}

func bubbleCount(t *testing.T, ctx context.Context, log string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%s).length`, js(log+" > div:not(.typing)"))))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitFor polls a JavaScript condition for up to 10s.
func waitFor(t *testing.T, ctx context.Context, cond, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			t.Fatalf("never saw %s (%s): %v\npage:\n%s", what, cond, err, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSandboxPagesInBrowser opens every sandbox from its printed link, chats, and checks
// what a newcomer sees.
func TestSandboxPagesInBrowser(t *testing.T) {
	b := browser(t)
	for _, hd := range []string{"chatwoot", "libredesk", "liveagent", "zendesk", "intercom"} {
		t.Run(hd, func(t *testing.T) {
			sb := startSandbox(t, hd, "127.0.0.1:0", t.TempDir())
			ctx := tab(t, b, true)
			ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			do(t, ctx, chromedp.Navigate(sb.Link))
			sandboxChat(t, ctx, hd, "How long does shipping take?", "I want to talk to a human")
			time.Sleep(1500 * time.Millisecond)
			screenshot(t, ctx, "sandbox-"+hd+".png")
			if hd == "intercom" {
				return
			}
			// 1. the page names its helpdesk
			names := map[string]string{"chatwoot": "Chatwoot", "libredesk": "Libredesk", "liveagent": "LiveAgent", "zendesk": "Zendesk"}
			if h := pageText(t, ctx, "header"); !strings.Contains(h, "A simulated "+names[hd]) {
				t.Errorf("header %q does not name %s", h, names[hd])
			}
			// 5. the agent console shows what the agent receives of the handover
			waitText(t, ctx, "#agent-log", "Reason:")
			waitText(t, ctx, "#agent-log", "Visitor wants: How long does shipping take?")
			// 3. after the handover, a visitor's message gets no typing dots
			do(t, ctx, chromedp.SendKeys("#visitor-text", "Hello? Anyone there?\n"))
			waitText(t, ctx, "#visitor-log", "Anyone there?")
			time.Sleep(2500 * time.Millisecond)
			if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#visitor-log .typing").length`)); n != 0 {
				screenshot(t, ctx, "sandbox-"+hd+"-typing.png")
				t.Errorf("typing dots after the handover")
			}
			// 2. "Watch in the agent pages" opens the conversation's page in the frame
			do(t, ctx, chromedp.WaitVisible("#agent-view"), chromedp.Click("#agent-view"))
			waitFor(t, ctx, `(() => { try { const d = document.querySelector("#agent-pages iframe").contentDocument; return d.location.pathname.startsWith("/agent/conversations/") && d.body.innerText.includes("How long does shipping take?"); } catch (e) { return false; } })()`, "the conversation in the agent pages frame")
			// 4. a new visitor's conversation is the one the console shows
			do(t, ctx, chromedp.Click("#new-visitor"))
			time.Sleep(500 * time.Millisecond)
			visitor := pageText(t, ctx, "#visitor-name")
			do(t, ctx, chromedp.SendKeys("#visitor-text", "What are your opening hours?\n"))
			waitText(t, ctx, "#conv-list", visitor)
			waitText(t, ctx, "#agent-log", "What are your opening hours?")
			waitFor(t, ctx, fmt.Sprintf(`document.querySelector("#conv-list [aria-current=true]").innerText.includes(%s)`, js(visitor)), "the new conversation selected")
			screenshot(t, ctx, "sandbox-"+hd+"-after.png")
		})
	}
}
