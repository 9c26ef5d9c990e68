package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/config"
)

const serveUsage = `usage: handover serve

Runs the service against the helpdesk configured by HANDOVER_* variables ("handover config"
lists them). It reports every configuration problem at once and exits 1; once started, it
checks the helpdesk and the LLM, and /readyz answers 503 with the reason until both work.
`

const configUsage = `usage: handover config

Prints every HANDOVER_* variable with its type, default and meaning.
`

// helpRequested reports a -h, -help or --help among a command's arguments.
func helpRequested(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help", "help":
			return true
		}
	}
	return false
}

// helpdeskUsage lists a helpdesk's own commands.
func helpdeskUsage(d helpdesk.Descriptor) string {
	var b strings.Builder
	names := make([]string, len(d.Commands))
	for i, c := range d.Commands {
		names[i] = c.Name
	}
	fmt.Fprintf(&b, "usage: handover %s %s\n\n", d.Name, strings.Join(names, "|"))
	for _, c := range d.Commands {
		fmt.Fprintf(&b, "  %-28s %s\n", "handover "+d.Name+" "+c.Name, c.Usage)
	}
	return b.String()
}

// publicURLPlaceholder stands for HANDOVER_PUBLIC_URL in a command's output while it is not
// set: it cannot be mistaken for a real address, and reads like the secret's placeholder.
const publicURLPlaceholder = "<HANDOVER_PUBLIC_URL>"

// runHelpdeskCommand runs "handover <helpdesk> <command>" with the environment's settings. A
// HANDOVER_PUBLIC_URL that is set must be a usable URL. When it is not set, the command gets a
// placeholder instead and, if its output uses it, stderr says so: the output is still
// readable, and what to fill in is plain.
func runHelpdeskCommand(d helpdesk.Descriptor, cmd *helpdesk.Command, stdout, stderr io.Writer) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if p := helpdesk.BaseURLProblem("HANDOVER_PUBLIC_URL", cfg.PublicURL, ""); p != "" {
		return config.Problems{p}
	}
	publicURL := strings.TrimSpace(cfg.PublicURL)
	if publicURL != "" {
		return cmd.Run(stdout, publicURL, cfg.Adapters[d.Name])
	}
	var out bytes.Buffer
	if err := cmd.Run(&out, publicURLPlaceholder, cfg.Adapters[d.Name]); err != nil {
		return err
	}
	if bytes.Contains(out.Bytes(), []byte(publicURLPlaceholder)) {
		fmt.Fprintf(stderr, "handover: warning: HANDOVER_PUBLIC_URL is not set, so the URLs below start with %s: "+
			"set it to the address the helpdesk reaches handover at (e.g. HANDOVER_PUBLIC_URL=https://handover.example.com handover %s %s)\n",
			publicURLPlaceholder, d.Name, cmd.Name)
	}
	_, err = stdout.Write(out.Bytes())
	return err
}
