package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/testenv"
	"github.com/handover-dev/handover/server"
)

// clearEnv unsets every HANDOVER_* variable for the test.
func clearEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "HANDOVER_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
}

// -h prints the usage and exits 0, for every command.
func TestHelpExitsZero(t *testing.T) {
	clearEnv(t)
	cases := [][]string{{"-h"}, {"help"}, {"serve", "-h"}, {"sandbox", "-h"}, {"sandbox", "--help"}, {"config", "-h"}, {"load", "-h"}}
	for _, d := range config.Helpdesks() {
		if len(d.Commands) > 0 {
			cases = append(cases, []string{d.Name, "-h"}, []string{d.Name, d.Commands[0].Name, "-h"})
		}
	}
	for _, args := range cases {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, &out, &errb)
		if code != 0 {
			t.Errorf("%v: exit %d\n%s%s", args, code, out.String(), errb.String())
		}
		if !strings.Contains(strings.ToLower(out.String()+errb.String()), "usage") {
			t.Errorf("%v: no usage:\n%s%s", args, out.String(), errb.String())
		}
	}
}

// serve reports every configuration problem at once, one line per variable, and exits 1.
func TestServeReportsEveryProblem(t *testing.T) {
	clearEnv(t)
	t.Setenv("HANDOVER_HELPDESK", "chatwoot")
	t.Setenv("HANDOVER_LLM_TIMEOUT", "5")
	t.Setenv("HANDOVER_LISTEN_ADDR", "8080")
	t.Setenv("HANDOVER_CHATWOOT_URL", "chatwoot.example.com")
	t.Setenv("HANDOVER_CHATWOOT_USER_TOKEN", "user-secret-456")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"serve"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	msg := errb.String()
	for _, want := range []string{
		"handover: configuration has ", `HANDOVER_LLM_TIMEOUT: "5" is not a duration: add a unit`,
		`HANDOVER_LISTEN_ADDR: "8080" is a port alone; write ":8080"`,
		`HANDOVER_CHATWOOT_URL: "chatwoot.example.com" lacks a scheme: use https://chatwoot.example.com`,
		"HANDOVER_CHATWOOT_ACCOUNT_ID: set",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "user-secret-456") || strings.Count(msg, "HANDOVER_LLM_TIMEOUT") != 1 {
		t.Errorf("a secret, or a second line for one variable:\n%s", msg)
	}
}

// Without HANDOVER_PUBLIC_URL, a helpdesk command that prints URLs says so on stderr and
// prints an unmistakable placeholder; a public URL without a scheme is an error; a good one is
// used as is.
func TestHelpdeskCommandPublicURL(t *testing.T) {
	clearEnv(t)
	d, ok := config.Helpdesks().Lookup("liveagent")
	if !ok || len(d.Commands) == 0 {
		t.Fatal("liveagent is not registered with its rules command")
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"liveagent", "rules"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "warning: HANDOVER_PUBLIC_URL is not set") ||
		!strings.Contains(out.String(), "<HANDOVER_PUBLIC_URL>/webhooks/liveagent/") || strings.Contains(out.String(), "example.com") {
		t.Fatalf("stderr:\n%s\nstdout:\n%s", errb.String(), out.String())
	}

	t.Setenv("HANDOVER_PUBLIC_URL", "handover.example.com")
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"liveagent", "rules"}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), `HANDOVER_PUBLIC_URL: "handover.example.com" lacks a scheme: use https://handover.example.com`) {
		t.Fatalf("exit %d: %s", code, errb.String())
	}

	t.Setenv("HANDOVER_PUBLIC_URL", "https://handover.example.com")
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"liveagent", "rules"}, &out, &errb); code != 0 || errb.Len() != 0 ||
		!strings.Contains(out.String(), "https://handover.example.com/webhooks/liveagent/") || strings.Contains(out.String(), publicURLPlaceholder) {
		t.Fatalf("exit %d\nstderr:\n%s\nstdout:\n%s", code, errb.String(), out.String())
	}
}

// The adapters' log lines carry the "adapter" key once: the binary (serve's newHelpdesk, the
// sandbox's sandboxWorld) does not add it a second time.
func TestAdapterLogKeyOnce(t *testing.T) {
	for _, d := range config.Helpdesks().Simulated() {
		t.Run(d.Name, func(t *testing.T) {
			var logs testenv.LogBuffer
			log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			cfg := config.Config{Helpdesk: d.Name, BotName: "AI assistant"}
			var adapters []helpdesk.Adapter
			// The sandbox's adapter.
			srv := httptest.NewUnstartedServer(nil)
			base := "http://" + srv.Listener.Addr().String()
			hd, handler, cleanup, err := sandboxWorld(d, base, cfg, log, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cleanup()
			srv.Config.Handler = handler
			srv.Start()
			defer srv.Close()
			adapters = append(adapters, hd)
			// serve's adapter, from the world's settings.
			w, err := d.Sandbox(helpdesk.SandboxOptions{SimURL: base, BotName: "AI assistant", Benchmark: true})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			cfg.Adapters = map[string]helpdesk.Settings{d.Name: w.Settings()}
			hd, err = newHelpdesk(cfg, log, server.NewMetrics())
			if err != nil {
				t.Fatal(err)
			}
			adapters = append(adapters, hd)

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for _, hd := range adapters {
				_, _ = hd.Load(ctx, "12345") // a call through the adapter's client: it logs
			}
			for _, line := range strings.Split(logs.String(), "\n") {
				if !strings.Contains(line, `"adapter":`) {
					continue
				}
				if c := strings.Count(line, `"adapter":`); c != 1 {
					t.Errorf("%d adapter keys: %s", c, line)
				}
				var v map[string]any
				if json.Unmarshal([]byte(line), &v) != nil || v["adapter"] != d.Name {
					t.Errorf("line: %s", line)
				}
			}
		})
	}
}
