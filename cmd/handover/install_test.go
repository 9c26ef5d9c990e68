package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	simchatwoot "github.com/handover-dev/handover/adapters/sim/chatwoot"
	simlibredesk "github.com/handover-dev/handover/adapters/sim/libredesk"
)

// installCase is one helpdesk's "handover install" end to end: a simulated helpdesk over real
// HTTP and the environment file's first lines (its URL and administrator credentials).
type installCase struct {
	name string
	// start serves the simulator and returns the file's first variables and the helpdesk's
	// own arguments.
	start func(t *testing.T) (vars map[string]string, args []string)
	// wantVars are variables the first run must write.
	wantVars []string
}

var installCases = []installCase{
	{
		name: "chatwoot",
		start: func(t *testing.T) (map[string]string, []string) {
			s := simchatwoot.New(simchatwoot.Options{UserToken: "admin-token", BotToken: "sandbox-bot", WebhookSecret: "sandbox-secret", RetryWait: 10 * time.Millisecond})
			inbox := s.AddInbox("Website", false)
			srv := httptest.NewServer(s.Handler())
			t.Cleanup(func() { s.Close(); srv.Close() })
			return map[string]string{"HANDOVER_CHATWOOT_URL": srv.URL, "HANDOVER_CHATWOOT_ACCOUNT_ID": "1",
				"HANDOVER_CHATWOOT_USER_TOKEN": "admin-token"}, []string{"-inbox", strconv.Itoa(inbox)}
		},
		wantVars: []string{"HANDOVER_CHATWOOT_BOT_TOKEN", "HANDOVER_CHATWOOT_WEBHOOK_SECRET", "HANDOVER_AGENT_UI_SECRET", "HANDOVER_HELPDESK"},
	},
	{
		name: "libredesk",
		start: func(t *testing.T) (map[string]string, []string) {
			l := simlibredesk.New(simlibredesk.Options{})
			inbox := l.AddInbox("Website", "livechat")
			bot := l.AddAgent("AI", "assistant", "bot@example.com", "offline")
			key, secret := l.CreateAPIKey(bot)
			srv := httptest.NewServer(l.Handler())
			t.Cleanup(func() { l.Close(); srv.Close() })
			return map[string]string{"HANDOVER_LIBREDESK_URL": srv.URL, "HANDOVER_LIBREDESK_API_KEY": key,
				"HANDOVER_LIBREDESK_API_SECRET": secret}, []string{"-inbox", strconv.Itoa(inbox)}
		},
		wantVars: []string{"HANDOVER_LIBREDESK_WEBHOOK_SECRET", "HANDOVER_LIBREDESK_BOT_AGENT_ID", "HANDOVER_LIBREDESK_INBOX_IDS"},
	},
}

// isolateInstallEnv makes every HANDOVER_ variable unset for the test and restored after it:
// install copies the file's variables into the process environment.
func isolateInstallEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "HANDOVER_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
}

func TestInstallCommand(t *testing.T) {
	for _, tc := range installCases {
		t.Run(tc.name, func(t *testing.T) {
			isolateInstallEnv(t)
			vars, args := tc.start(t)
			file := filepath.Join(t.TempDir(), "handover.env")
			var b strings.Builder
			b.WriteString("# the operator's own lines\nHANDOVER_PUBLIC_URL=https://handover.example.com\n")
			for k, v := range vars {
				b.WriteString(k + "=" + v + "\n")
			}
			if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			// Every variable install sets is unset now and restored after the test.
			for _, n := range append(tc.wantVars, "HANDOVER_PUBLIC_URL", "HANDOVER_HELPDESK") {
				t.Setenv(n, "")
				os.Unsetenv(n)
			}
			for k := range vars {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			unsetAll := func() {
				for _, kv := range os.Environ() {
					if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "HANDOVER_") {
						os.Unsetenv(name)
					}
				}
			}
			runInstall := func(extra ...string) (string, string, int) {
				unsetAll() // a fresh process reads the file
				var out, errb bytes.Buffer
				code := run(t.Context(), append(append([]string{"install", "-env-file", file}, extra...), append([]string{tc.name}, args...)...), &out, &errb)
				return out.String(), errb.String(), code
			}

			// A dry run writes no file and shows no secret.
			before, _ := os.ReadFile(file)
			out, errOut, code := runInstall("-dry-run")
			if code != 0 {
				t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errOut)
			}
			if after, _ := os.ReadFile(file); !bytes.Equal(before, after) {
				t.Error("the dry run changed the file")
			}
			if !strings.Contains(out, "would ") {
				t.Errorf("dry run output:\n%s", out)
			}
			for k, v := range vars {
				if strings.Contains(k, "TOKEN") || strings.Contains(k, "SECRET") || strings.Contains(k, "KEY") {
					if strings.Contains(out, v) {
						t.Errorf("dry run prints %s", k)
					}
				}
			}

			out, errOut, code = runInstall()
			if code != 0 {
				t.Fatalf("first run: exit %d\n%s\n%s", code, out, errOut)
			}
			fi, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", fi.Mode().Perm())
			}
			first, _ := os.ReadFile(file)
			got, err := readEnvFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range tc.wantVars {
				if got[n] == "" {
					t.Errorf("%s not written:\n%s", n, first)
				}
			}
			if got["HANDOVER_HELPDESK"] != tc.name || !strings.Contains(string(first), "# the operator's own lines") {
				t.Errorf("file:\n%s", first)
			}
			if !strings.Contains(out, "created ") {
				t.Errorf("first run output:\n%s", out)
			}

			out, errOut, code = runInstall()
			if code != 0 {
				t.Fatalf("second run: exit %d\n%s\n%s", code, out, errOut)
			}
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if !strings.HasPrefix(line, "already ") {
					t.Errorf("second run: %q", line)
				}
			}
			if second, _ := os.ReadFile(file); !bytes.Equal(first, second) {
				t.Errorf("second run changed the file:\n%s\n---\n%s", first, second)
			}
		})
	}
}
