package helpdesk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Doctor is an optional capability of an Adapter, discovered by interface: Diagnose checks what
// "handover doctor" can check of the helpdesk's setup beyond the credentials (Checker), with
// the helpdesk's API: permissions, the webhook registered at publicURL (HANDOVER_PUBLIC_URL,
// may be empty), the configured inboxes and teams, the clock. One Finding per check; read-only
// requests, no retries.
type Doctor interface {
	Diagnose(ctx context.Context, publicURL string) []Finding
}

// Finding is one line of "handover doctor".
type Finding struct {
	// Check names what was checked: "webhook", "team 3", "clock"...
	Check string
	// OK is set when all is well; Problem then may say what was seen ("registered at ...").
	OK bool
	// Warn marks a problem that does not stop the service but weakens it (a clock a bit
	// off, a model that calls no tools). It still fails doctor.
	Warn bool
	// Manual marks a check the helpdesk's API cannot make: Fix says where to look by hand.
	// It does not fail doctor.
	Manual bool
	// Problem says what is wrong (or, with OK, what was found).
	Problem string
	// Fix says what to do.
	Fix string
}

// Ok is a passed check; note, optional, says what was seen.
func Ok(check, note string) Finding { return Finding{Check: check, OK: true, Problem: note} }

// Bad is a failed check.
func Bad(check, problem, fix string) Finding {
	return Finding{Check: check, Problem: problem, Fix: fix}
}

// Unchecked is a check the helpdesk's API cannot make: it says where to look by hand.
func Unchecked(check, why, fix string) Finding {
	return Finding{Check: check, Manual: true, Problem: why, Fix: fix}
}

// Answer is one answer of DoctorGET.
type Answer struct {
	Status int
	Body   []byte
	// Date is the answer's Date header (zero when absent or unreadable).
	Date time.Time
	// At is "GET /path" for messages.
	At string
}

// OK reports a 2xx answer.
func (a Answer) OK() bool { return a.Status >= 200 && a.Status <= 299 }

// Failure describes a failed answer in one line: "403 Forbidden at GET /path (message)".
func (a Answer) Failure(redact func(string) string) string {
	s := StatusText(a.Status) + " at " + a.At
	if m := ErrorMessage(a.Body); m != "" {
		if redact != nil {
			m = redact(m)
		}
		s += " (" + clip(m) + ")"
	}
	return s
}

// DoctorGET sends one GET (no retries) and reads the answer: InstallCall without a body.
func DoctorGET(ctx context.Context, client *http.Client, rawURL string, header http.Header) (Answer, error) {
	return InstallCall(ctx, client, http.MethodGet, rawURL, header, nil)
}

// MaxClockSkew is how far the helpdesk's clock may be from ours before doctor warns.
const MaxClockSkew = 60 * time.Second

// ClockFinding compares the helpdesk's Date header (date, zero when it sent none) with the local
// clock at now, for a helpdesk whose webhooks carry a timestamp that Authenticate checks within
// tolerance.
func ClockFinding(date, now time.Time, tolerance time.Duration) Finding {
	if date.IsZero() {
		return Unchecked("clock", "the helpdesk sent no Date header to compare clocks with",
			"make sure this machine's clock is synchronised (NTP)")
	}
	skew := now.Sub(date).Round(time.Second)
	abs := skew
	if abs < 0 {
		abs = -abs
	}
	// The Date header has a resolution of one second: allow it.
	if abs <= MaxClockSkew+time.Second {
		return Ok("clock", fmt.Sprintf("within %s of the helpdesk's", (abs+time.Second).String()))
	}
	f := Finding{Check: "clock", Warn: abs < tolerance,
		Problem: fmt.Sprintf("this machine's clock is %s off the helpdesk's (Date header)", abs),
		Fix:     fmt.Sprintf("synchronise the clocks (NTP): signed webhooks older or newer than %s are refused", tolerance)}
	return f
}

// WebhookURL is the URL a helpdesk's webhooks must reach: publicURL + "/webhooks/<name>".
func WebhookURL(publicURL, name string) string {
	return strings.TrimRight(strings.TrimSpace(publicURL), "/") + "/webhooks/" + name
}

// SameWebhook reports a registered URL that reaches want (a trailing slash and the case of
// the scheme and host aside); a path secret after want ("/webhooks/x/<secret>") counts when
// allowSecret.
func SameWebhook(got, want string, allowSecret bool) bool {
	norm := func(s string) string {
		s = strings.TrimRight(strings.TrimSpace(s), "/")
		if u, err := url.Parse(s); err == nil {
			u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
			return u.String()
		}
		return s
	}
	g, w := norm(got), norm(want)
	if g == w {
		return true
	}
	if allowSecret && strings.HasPrefix(g, w+"/") && !strings.Contains(g[len(w)+1:], "/") {
		return true
	}
	return false
}

// NoPublicURL is the finding of a webhook check without HANDOVER_PUBLIC_URL.
func NoPublicURL() Finding {
	return Bad("webhook", "HANDOVER_PUBLIC_URL is not set: the registered webhook cannot be compared",
		"set HANDOVER_PUBLIC_URL to the URL the helpdesk reaches handover at, e.g. https://handover.example.com")
}
