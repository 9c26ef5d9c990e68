package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/handover-dev/handover/handover"
)

// TestSandboxOfflineMessageInBrowser: with every agent offline, a visitor who asks for a person
// is offered the offline message, says yes, writes without an address and is asked again what
// is needed, then gives it; the agent console shows the offline note with the visitor's
// message on top. On every sandbox that uses the shared page.
func TestSandboxOfflineMessageInBrowser(t *testing.T) {
	b := browser(t)
	tx := handover.DefaultTexts()
	for _, hd := range []string{"chatwoot", "libredesk", "liveagent", "zendesk"} {
		t.Run(hd, func(t *testing.T) {
			sb := startSandbox(t, hd, "127.0.0.1:0", t.TempDir())
			ctx := tab(t, b, true)
			ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			do(t, ctx, chromedp.Navigate(sb.Link))
			// Every agent offline, through the page's switches.
			waitFor(t, ctx, `document.querySelectorAll("#agents input[type=checkbox]").length > 0`, "the availability switches")
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("#agents input[type=checkbox]")].filter((c) => c.checked).map((c) => c.click()).length`)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, ctx, `[...document.querySelectorAll("#agents input[type=checkbox]")].every((c) => !c.checked)`, "every agent offline")
			sandboxChat(t, ctx, hd, "My tent arrived with a torn seam.", "I want to talk to a human")
			waitText(t, ctx, "#visitor-log", "No agent is available")
			sandboxChat(t, ctx, hd, "yes")
			waitText(t, ctx, "#visitor-log", tx.AskEmail)
			sandboxChat(t, ctx, hd, "Please send a replacement, it is for a trip next week.")
			waitText(t, ctx, "#visitor-log", tx.EmailAgain)
			before := bubbleCount(t, ctx, "#visitor-log")
			do(t, ctx, chromedp.SendKeys("#visitor-text", "jane@example.com\n"))
			waitFor(t, ctx, fmt.Sprintf(`document.querySelectorAll("#visitor-log > div:not(.typing)").length >= %d`, before+2), "the confirmation")
			waitText(t, ctx, "#visitor-log", "We will reply to jane@example.com")
			waitText(t, ctx, "#agent-log", "Message: Please send a replacement, it is for a trip next week.")
			log := pageText(t, ctx, "#agent-log")
			if i, j := strings.Index(log, "Message: Please send"), strings.Index(log, "Reason: No agent was available"); i < 0 || j < 0 || i > j {
				t.Errorf("the visitor's message is not on top of the offline note:\n%s", log)
			}
			screenshot(t, ctx, "sandbox-"+hd+"-offline.png")
		})
	}
}
