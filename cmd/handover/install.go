package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/agentui"
	"github.com/handover-dev/handover/config"
)

func installUsage() string {
	var b strings.Builder
	fmt.Fprintf(&b, `Usage: handover install [-dry-run] [-env-file FILE] <%s> [helpdesk flags]

Registers handover in the helpdesk through its API: what the helpdesk allows of the bot, the
webhook with its events and secret, the label or tag, the dashboard app. It reads what exists
first: a second run changes nothing and says "already". What the API cannot do is printed as
"manual" with the steps to take by hand. It ends by writing the variables "handover serve"
needs into the environment file (mode 0600; other lines in it are kept), which it also reads
first: run it again with the same file to finish or check an install.

It needs HANDOVER_PUBLIC_URL (where the helpdesk reaches handover) and the helpdesk's URL and
administrator credentials (see "handover config"), from the environment or the file.

  -dry-run        read only: print each write it would make, write no file
  -env-file FILE  the environment file to read and write (default handover.env)
`, strings.Join(installable().Names(), "|"))
	b.WriteString("\n\"handover install <helpdesk> -h\" lists the helpdesk's own flags.\n")
	return b.String()
}

// installable lists the helpdesks with an installer.
func installable() helpdesk.Registry {
	var out helpdesk.Registry
	for _, d := range config.Helpdesks() {
		if d.Install != nil {
			out = append(out, d)
		}
	}
	return out
}

// installTimeout bounds a whole install.
const installTimeout = 5 * time.Minute

func install(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (len(args) == 1 && helpRequested(args)) {
		fmt.Fprint(stdout, installUsage())
		if len(args) == 0 {
			return errors.New("install: name the helpdesk")
		}
		return nil
	}
	dryRun, envFile, rest, err := installFlags(args)
	if err != nil {
		return fmt.Errorf("install: %w\n\n%s", err, installUsage())
	}
	if len(rest) == 0 {
		return fmt.Errorf("install: name the helpdesk\n\n%s", installUsage())
	}
	d, ok := installable().Lookup(rest[0])
	if !ok {
		return fmt.Errorf("install: %q is not a helpdesk handover can install into (%s)", rest[0], installable().Choice())
	}
	return installInto(ctx, d, rest[1:], dryRun, envFile, stdout, stderr)
}

// installInto runs d's installer with its own arguments args and writes the environment file.
func installInto(ctx context.Context, d helpdesk.Descriptor, args []string, dryRun bool, envFile string, stdout, stderr io.Writer) error {
	fileVars, err := readEnvFile(envFile)
	if err != nil {
		return err
	}
	// The file's values stand in for unset variables: the environment wins.
	for k, v := range fileVars {
		if _, set := os.LookupEnv(k); !set {
			if err := os.Setenv(k, v); err != nil {
				return fmt.Errorf("install: %s: %w", k, err)
			}
		}
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	publicURL := strings.TrimRight(strings.TrimSpace(cfg.PublicURL), "/")
	if publicURL == "" {
		return errors.New("install: HANDOVER_PUBLIC_URL is not set: set it to the URL the helpdesk reaches handover at, e.g. HANDOVER_PUBLIC_URL=https://handover.example.com")
	}
	if p := helpdesk.BaseURLProblem("HANDOVER_PUBLIC_URL", publicURL, ""); p != "" {
		return errors.New("install: " + p)
	}

	in := &helpdesk.Installation{
		PublicURL: publicURL, DryRun: dryRun, Args: args, Output: stderr,
		Lookup: os.Getenv,
		OnStep: func(s helpdesk.Step) {
			line := fmt.Sprintf("%-8s %s", s.State, s.What)
			if s.Detail != "" {
				line += ": " + s.Detail
			}
			fmt.Fprintln(stdout, line)
		},
	}
	in.SetEnv("HANDOVER_HELPDESK", d.Name, false)
	in.SetEnv("HANDOVER_PUBLIC_URL", publicURL, false)
	in.AgentPagesLink = func(path string) string {
		secret := in.Secret("HANDOVER_AGENT_UI_SECRET")
		return publicURL + path + "?k=" + url.QueryEscape(agentui.SignedLink(secret, 365*24*time.Hour, ""))
	}
	ctx, cancel := context.WithTimeout(ctx, installTimeout)
	defer cancel()
	if err := d.Install(ctx, cfg.Adapters[d.Name], in); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		// What was created so far may hang on a secret generated in this run (a signed link,
		// a webhook's secret): keep the secrets (only them: a failed try must not repoint a
		// working file at another helpdesk), so that the next run finds and reuses them.
		if !in.DryRun && len(in.Secrets) > 0 {
			keep := &helpdesk.Installation{}
			for name := range in.Secrets {
				keep.SetEnv(name, in.Env[name], true)
			}
			if werr := writeInstallEnv(envFile, fileVars, keep, stdout); werr != nil {
				return errors.Join(fmt.Errorf("install %s: %w", d.Name, err), werr)
			}
		}
		return fmt.Errorf("install %s: %w", d.Name, err)
	}
	return writeInstallEnv(envFile, fileVars, in, stdout)
}

// installFlags takes -dry-run and -env-file from anywhere in args (before or after the
// helpdesk's name) and returns the other arguments in order.
func installFlags(args []string) (dryRun bool, envFile string, rest []string, err error) {
	envFile = "handover.env"
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			continue
		}
		switch name {
		case "dry-run":
			dryRun = true
			if hasValue {
				dryRun = value == "true" || value == "1"
			}
		case "env-file":
			if !hasValue {
				if i+1 >= len(args) {
					return false, "", nil, errors.New("-env-file needs a file name")
				}
				i++
				value = args[i]
			}
			if strings.TrimSpace(value) == "" {
				return false, "", nil, errors.New("-env-file needs a file name")
			}
			envFile = value
		default:
			rest = append(rest, a)
		}
	}
	return dryRun, envFile, rest, nil
}

// readEnvFile reads NAME=VALUE lines (blank lines, # comments and an "export " prefix
// allowed; a value may be quoted). A missing file is empty.
func readEnvFile(path string) (map[string]string, error) {
	out := map[string]string{}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("install: read %s: %w", path, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		name, value, ok := envLine(sc.Text())
		if !ok {
			continue
		}
		if name == "" {
			return nil, fmt.Errorf("install: %s line %d: not NAME=VALUE", path, n)
		}
		out[name] = value
	}
	return out, sc.Err()
}

// envLine parses one line of an environment file: ok is false for a blank line or a comment;
// name is "" for a line that is not NAME=VALUE.
func envLine(line string) (name, value string, ok bool) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return "", "", false
	}
	line = strings.TrimPrefix(line, "export ")
	name, value, found := strings.Cut(line, "=")
	name = strings.TrimSpace(name)
	if !found || name == "" || strings.ContainsAny(name, " \t\"'") {
		return "", "", true
	}
	value = strings.TrimSpace(value)
	switch {
	case len(value) >= 2 && value[0] == '\'' && value[len(value)-1] == '\'':
		// quoteEnv's single quotes: a quote inside is written '\''.
		value = strings.ReplaceAll(value[1:len(value)-1], `'\''`, "'")
	case len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"':
		value = value[1 : len(value)-1]
	}
	return name, value, true
}

// writeInstallEnv writes in.Env into the environment file: lines of the same name are replaced
// in place, new names appended, other lines kept. A dry run prints the variables (secrets
// masked) instead.
func writeInstallEnv(path string, before map[string]string, in *helpdesk.Installation, stdout io.Writer) error {
	names := in.EnvNames()
	for _, n := range names {
		if strings.ContainsAny(in.Env[n], "\r\n") {
			return fmt.Errorf("install: %s holds a line break, which an environment file cannot: set it by hand", n)
		}
	}
	if in.DryRun {
		fmt.Fprintf(stdout, "would write %s:\n", path)
		for _, n := range names {
			v := in.Env[n]
			if in.Secrets[n] {
				v = "<secret>"
			}
			fmt.Fprintf(stdout, "  %s=%s\n", n, v)
		}
		return nil
	}
	changed := false
	for _, n := range names {
		if old, ok := before[n]; !ok || old != in.Env[n] {
			changed = true
		}
	}
	if !changed {
		fmt.Fprintf(stdout, "already  %s: every variable serve needs is set\n", path)
		return nil
	}
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("install: read %s: %w", path, err)
	}
	var b strings.Builder
	done := map[string]bool{}
	if len(old) > 0 {
		sc := bufio.NewScanner(bytes.NewReader(old))
		for sc.Scan() {
			line := sc.Text()
			if name, _, ok := envLine(line); ok && name != "" {
				if v, set := in.Env[name]; set {
					if !done[name] {
						b.WriteString(name + "=" + quoteEnv(v) + "\n")
					}
					done[name] = true
					continue
				}
			}
			b.WriteString(line + "\n")
		}
	} else {
		b.WriteString("# Written by \"handover install\"; read by \"handover serve\" (e.g. with: set -a; . ./" + filepath.Base(path) + "; set +a).\n")
	}
	for _, n := range names {
		if !done[n] {
			b.WriteString(n + "=" + quoteEnv(in.Env[n]) + "\n")
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("install: write %s: %w", tmp, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fmt.Errorf("install: %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("install: write %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "wrote    %s (mode 0600): %s\n", path, strings.Join(names, ", "))
	return nil
}

// quoteEnv quotes a value that a shell would split or that reading back would trim: spaces
// or control characters anywhere, shell characters.
func quoteEnv(v string) string {
	plain := v != "" && !strings.ContainsAny(v, " \t#$\"'`\\;&|<>(){}*?") &&
		!strings.ContainsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
	if plain {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
