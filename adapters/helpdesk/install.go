package helpdesk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// InstallFunc registers handover in the helpdesk (Descriptor.Install, "handover install
// <helpdesk>"): everything the helpdesk's API allows (the bot, the webhook with its events and
// secret, labels or tags, a dashboard app), idempotently: it reads what exists first and
// reports "already set" for what is right, so a second run changes nothing. What the API
// cannot do is reported as a Manual step with instructions. The variables serve needs are
// handed to in.SetEnv; "handover install" writes them to the environment file.
//
// s holds the adapter's settings read from the environment and the environment file (not
// validated: the function says what it is missing, naming the variable). With in.DryRun it
// sends reads only and reports each write it would make with in.Would.
type InstallFunc func(ctx context.Context, s Settings, in *Installation) error

// StepState is the outcome of one install step.
type StepState string

// The states of a step, as "handover install" prints them.
const (
	StepAlready StepState = "already" // found as it should be: nothing changed
	StepCreated StepState = "created" // created now
	StepUpdated StepState = "updated" // changed now to what it should be
	StepWould   StepState = "would"   // dry run: the write that would be made
	StepManual  StepState = "manual"  // the API cannot do it: what to do by hand
)

// Step is one line of "handover install".
type Step struct {
	State StepState
	// What names the thing: `agent bot "handover"`, `label offline-message`, `webhook`.
	What string
	// Detail says more: an id, the call a dry run would make, the instructions of a manual
	// step.
	Detail string
}

// Installation is one run of "handover install": its inputs, and the steps and variables the
// adapter's InstallFunc reports.
type Installation struct {
	// PublicURL is HANDOVER_PUBLIC_URL without a trailing slash (never empty): webhooks go to
	// PublicURL + "/webhooks/<name>".
	PublicURL string
	// DryRun: send reads only; report writes with Would.
	DryRun bool
	// Args are the command line's arguments after the helpdesk's name, for the adapter's own
	// flags (Chatwoot's -inbox 1,2). Parse them with a flag.FlagSet whose output is Output.
	Args []string
	// Output receives the adapter's flag usage and errors.
	Output io.Writer
	// HTTPClient sends the requests (nil: a client with a 20 s timeout).
	HTTPClient *http.Client
	// AgentPagesLink, when set, returns a signed link to the agent pages at path (such as
	// "/agent/embed/chatwoot"), valid for a year, for a dashboard app; it already carries
	// "?k=<token>", so add other parameters with "&".
	AgentPagesLink func(path string) string
	// Lookup returns a variable's value from the environment or the environment file, ""
	// when unset.
	Lookup func(name string) string

	// Steps are the steps reported so far, in order.
	Steps []Step
	// Env are the variables to write, by name.
	Env map[string]string
	// Secrets names the variables of Env that are secrets (masked when printed).
	Secrets map[string]bool
	// OnStep, when set, is called with each step as it is reported (the command prints it).
	OnStep func(Step)
}

func (in *Installation) add(st Step) {
	in.Steps = append(in.Steps, st)
	if in.OnStep != nil {
		in.OnStep(st)
	}
}

// Already reports something found as it should be.
func (in *Installation) Already(what, detail string) {
	in.add(Step{State: StepAlready, What: what, Detail: detail})
}

// Created reports something created now.
func (in *Installation) Created(what, detail string) {
	in.add(Step{State: StepCreated, What: what, Detail: detail})
}

// Updated reports something changed now.
func (in *Installation) Updated(what, detail string) {
	in.add(Step{State: StepUpdated, What: what, Detail: detail})
}

// Manual reports what the API cannot do: how to do it by hand.
func (in *Installation) Manual(what, how string) {
	in.add(Step{State: StepManual, What: what, Detail: how})
}

// Would reports, in a dry run, the write that would be made: "POST /path {json body}". A
// secret in body must be replaced by the caller ("<secret>") before.
func (in *Installation) Would(what, method, path string, body any) {
	d := method + " " + path
	if body != nil {
		if b, err := json.Marshal(body); err == nil {
			d += " " + string(b)
		}
	}
	in.add(Step{State: StepWould, What: what, Detail: d})
}

// SetEnv records a variable for the environment file; secret masks it when printed.
func (in *Installation) SetEnv(name, value string, secret bool) {
	if in.Env == nil {
		in.Env = map[string]string{}
		in.Secrets = map[string]bool{}
	}
	in.Env[name] = value
	if secret {
		in.Secrets[name] = true
	}
}

// Secret returns the secret variable name's value from the environment or the environment
// file, or a new random one (32 hex bytes) when it is unset, and records it with SetEnv: a
// second run reuses the first run's secret.
func (in *Installation) Secret(name string) string {
	v := ""
	if in.Lookup != nil {
		v = strings.TrimSpace(in.Lookup(name))
	}
	if v == "" {
		v = RandomSecret()
	}
	in.SetEnv(name, v, true)
	return v
}

// FlagSet returns an empty flag set for the adapter's own flags of "handover install name",
// writing its usage and errors to Output; define the flags, then ParseFlags.
func (in *Installation) FlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("handover install "+name, flag.ContinueOnError)
	if in.Output != nil {
		fs.SetOutput(in.Output)
	}
	return fs
}

// ParseFlags parses Args with fs (from FlagSet) and refuses arguments that are not flags
// (flag.ErrHelp for -h).
func (in *Installation) ParseFlags(fs *flag.FlagSet) error {
	if err := fs.Parse(in.Args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return nil
}

// NoFlags parses Args for an install without flags of its own: -h prints that, and any
// argument is refused (flag.ErrHelp for -h).
func (in *Installation) NoFlags(name string) error {
	fs := in.FlagSet(name)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), "handover install %s takes no flags of its own.\n", name) }
	if err := fs.Parse(in.Args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: handover install %s takes no flags of its own", fs.Args(), name)
	}
	return nil
}

// WebhookURL is the URL the helpdesk's webhooks must reach.
func (in *Installation) WebhookURL(name string) string { return WebhookURL(in.PublicURL, name) }

// Client returns the HTTP client to use.
func (in *Installation) Client() *http.Client {
	if in.HTTPClient != nil {
		return in.HTTPClient
	}
	return &http.Client{Timeout: doctorClientTimeout}
}

// EnvNames returns Env's names, sorted.
func (in *Installation) EnvNames() []string {
	out := make([]string, 0, len(in.Env))
	for k := range in.Env {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// RandomSecret returns 32 random bytes in hex.
func RandomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails since Go 1.24: it crashes rather than return guessable bytes
	return hex.EncodeToString(b)
}

// doctorClientTimeout bounds one install or doctor request.
const doctorClientTimeout = 20 * time.Second

// InstallCall sends one request of install or doctor (no retries: a person runs them, and runs
// them again) with a JSON body (nil: none) and reads the answer, its Date header included. The
// error, when nothing answered, never holds the URL's query.
func InstallCall(ctx context.Context, client *http.Client, method, rawURL string, header http.Header, body any) (Answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return Answer{}, fmt.Errorf("encode %s body: %w", method, err)
		}
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return Answer{}, fmt.Errorf("not a URL")
	}
	ans := Answer{At: method + " " + req.URL.EscapedPath()}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if client == nil {
		client = &http.Client{Timeout: doctorClientTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return ans, fmt.Errorf("%s at %s", DescribeNetError(ctx, err), PlainURL(req.URL))
	}
	defer resp.Body.Close()
	ans.Body, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	ans.Status = resp.StatusCode
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		ans.Date = d
	}
	return ans, nil
}
