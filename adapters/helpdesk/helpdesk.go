// Package helpdesk holds what every helpdesk adapter package declares about itself, its
// Descriptor: its name, its own HANDOVER_<VENDOR>_* settings (an envconfig struct that validates
// itself), its constructor, and its optional parts (embedding the agent pages, the simulated
// helpdesk of the sandbox and the benchmark, extra commands). The list of registered helpdesks
// lives in adapters/all; configuration, the binary and the wiring work from it and name no
// helpdesk themselves.
package helpdesk

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/handover"
)

// Adapter is what an adapter provides: the core's port and the webhook side. Optional
// capabilities are discovered by interface: handover.Lister (the reconciler),
// handover.Directory (the agent pages) and Checker (serve's start-up check and readiness).
type Adapter interface {
	handover.Helpdesk
	// The webhook side, server.Inbound (spelt out: the server's tests use the adapters).

	// Name is the path segment: /webhooks/<name>.
	Name() string
	// Authenticate verifies the request before its body is parsed; pathSecret is the path
	// segment after /webhooks/<name>/, if any.
	Authenticate(h http.Header, pathSecret string, body []byte, now time.Time) error
	// DeliveryID identifies a delivery across the helpdesk's retries ("" if none).
	DeliveryID(h http.Header) string
	// Parse turns the body into events; none for events we ignore.
	Parse(body []byte) ([]handover.Event, error)
}

// Settings is an adapter's own configuration: a pointer to a struct whose fields carry
// `envconfig:"HANDOVER_<VENDOR>_..."` names (full names: no prefix is added), `default` and
// `desc` tags ("handover config" prints them). Secrets are Secret fields; inboxID:teamID lists
// are IDMap fields.
type Settings interface {
	// Problems lists what is wrong for serve, each naming the variable and saying how to fix
	// it; a secret value never appears. Nil when all is well.
	Problems() []string
}

// Deps are what the service shares with the adapter it builds.
type Deps struct {
	// Logger receives the adapter's logs (never nil from the service; nil discards). The
	// service passes its logger as is: each adapter adds its own "adapter" attribute.
	Logger *slog.Logger
	// Observe, when set, is called after every HTTP attempt with the method and the status (0
	// when there was no response): the helpdesk-calls metric.
	Observe func(method string, status int)
	// BotName is HANDOVER_BOT_NAME, for adapters that name the bot's messages themselves.
	BotName string
	// RetryWaitMax, when set, caps the wait between retries of a helpdesk call (the tests'
	// short waits); 0 keeps the adapter's default.
	RetryWaitMax time.Duration
}

// Descriptor is what one adapter package registers (adapters/all).
type Descriptor struct {
	// Name is HANDOVER_HELPDESK's value and the webhook path segment /webhooks/<Name>.
	Name string
	// Settings returns a new zero settings struct (a pointer): envconfig fills it from the
	// environment, "handover config" lists its variables.
	Settings func() Settings
	// New builds the adapter from settings of the type Settings returns.
	New func(s Settings, d Deps) (Adapter, error)

	// FrameAncestors, optional, are the helpdesk's origins that may embed the agent pages
	// without being listed in HANDOVER_AGENT_UI_FRAME_ANCESTORS (a dashboard app).
	FrameAncestors func(s Settings) []string
	// Sandbox, optional, builds the simulated helpdesk of "handover sandbox -helpdesk <Name>"
	// and of "handover load" with the settings that reach it.
	Sandbox func(o SandboxOptions) (World, error)
	// Install, optional, is "handover install <Name>": it registers handover in the helpdesk
	// through its API.
	Install InstallFunc
	// Commands, optional, are "handover <Name> <command>" subcommands.
	Commands []Command
	// Reference, optional, tells the benchmark's bare reference handler what it must know of
	// the helpdesk's webhooks to answer every visitor message once.
	Reference ReferenceTraits
	// MinAgentUIRefresh, optional, is the shortest refresh of the agent pages this helpdesk's
	// API budget allows; a shorter HANDOVER_AGENT_UI_REFRESH is raised to it.
	MinAgentUIRefresh time.Duration
	// OverloadStatus, optional, is the status the webhook answers when the service refuses new
	// work (default 429 with Retry-After): 503 for a helpdesk that punishes a 429.
	OverloadStatus int
	// LoadNote, optional, adds a line to the benchmark report from the service's helpdesk
	// calls per turn by endpoint ("METHOD /path"); "" adds nothing.
	LoadNote func(perTurn map[string]float64) string
}

// Command is one "handover <helpdesk> <Name>" subcommand.
type Command struct {
	Name string
	// Usage is the line "handover" prints for it.
	Usage string
	// Run writes the command's output; publicURL is HANDOVER_PUBLIC_URL and s the adapter's
	// settings read from the environment (not validated).
	Run func(w io.Writer, publicURL string, s Settings) error
}

// ReferenceTraits are what the benchmark's reference handler needs to know of a helpdesk's
// webhooks.
type ReferenceTraits struct {
	// SelfEcho is set when the webhooks do not say who wrote: each Post comes back as one
	// visitor-message event, which the reference skips.
	SelfEcho bool
	// Repeat, if set, reports a delivery that repeats another one (dropped).
	Repeat func(body []byte) bool
}

// Registry is the list of registered helpdesks.
type Registry []Descriptor

// Lookup returns the helpdesk named name.
func (r Registry) Lookup(name string) (Descriptor, bool) {
	for _, d := range r {
		if d.Name == name {
			return d, true
		}
	}
	return Descriptor{}, false
}

// Names lists the registered names in order.
func (r Registry) Names() []string {
	out := make([]string, len(r))
	for i, d := range r {
		out[i] = d.Name
	}
	return out
}

// Choice says the names for people: "a, b, c or d".
func (r Registry) Choice() string { return OrList(r.Names()) }

// Simulated lists the helpdesks with a Sandbox.
func (r Registry) Simulated() Registry {
	var out Registry
	for _, d := range r {
		if d.Sandbox != nil {
			out = append(out, d)
		}
	}
	return out
}

// OrList joins names as "a, b or c".
func OrList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Secret is a string that never prints its value.
type Secret string

// String implements fmt.Stringer without revealing the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString keeps %#v from revealing the value.
func (s Secret) GoString() string { return s.String() }

// Value returns the secret itself, for the code that needs it.
func (s Secret) Value() string { return string(s) }

// IDMap is an `a:b,c:d` list of integer pairs (inbox id to team id).
type IDMap map[int]int

// Decode implements envconfig.Decoder.
func (m *IDMap) Decode(v string) error {
	out := IDMap{}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, ":")
		ki, err1 := strconv.Atoi(strings.TrimSpace(k))
		vi, err2 := strconv.Atoi(strings.TrimSpace(val))
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("%q is not inboxID:teamID", part)
		}
		out[ki] = vi
	}
	*m = out
	return nil
}
