package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/handover-dev/handover/config"
)

// Every registered helpdesk appears in the usage: the sandbox's choices and its own commands.
func TestUsageListsRegisteredHelpdesks(t *testing.T) {
	u := usage()
	for _, d := range config.Helpdesks() {
		if d.Sandbox != nil && !strings.Contains(u, d.Name) {
			t.Errorf("usage misses the sandbox of %s:\n%s", d.Name, u)
		}
		for _, c := range d.Commands {
			if !strings.Contains(u, "handover "+d.Name+" "+c.Name) {
				t.Errorf("usage misses %s %s:\n%s", d.Name, c.Name, u)
			}
		}
	}
}

// Every simulated helpdesk builds its world and an adapter from the settings that reach it,
// and those settings pass the adapter's own validation.
func TestSandboxWorldOfEveryHelpdesk(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, d := range config.Helpdesks().Simulated() {
		t.Run(d.Name, func(t *testing.T) {
			cfg := config.Config{Helpdesk: d.Name, BotName: "AI assistant"}
			hd, handler, cleanup, err := sandboxWorld(d, "http://127.0.0.1:1", cfg, log, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cleanup()
			if hd.Name() != d.Name || handler == nil {
				t.Fatalf("adapter %q, handler %v", hd.Name(), handler)
			}
		})
	}
}

// A helpdesk's own commands run through "handover <helpdesk> <command>"; a wrong one is a usage
// error.
func TestHelpdeskCommands(t *testing.T) {
	for _, d := range config.Helpdesks() {
		for _, c := range d.Commands {
			var out, errb bytes.Buffer
			if code := run(context.Background(), []string{d.Name, c.Name}, &out, &errb); code != 0 || out.Len() == 0 {
				t.Errorf("%s %s: exit %d, stderr %s", d.Name, c.Name, code, errb.String())
			}
			if code := run(context.Background(), []string{d.Name, "nope"}, &out, &errb); code != 2 {
				t.Errorf("%s nope: exit %d", d.Name, code)
			}
		}
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"nosuchthing"}, &out, &errb); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}
