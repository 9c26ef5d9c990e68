package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// Values written to the environment file read back the same, quotes included; a line break
// is refused; other lines of the file are kept; a second write with nothing new says so.
func TestInstallEnvFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "handover.env")
	if err := os.WriteFile(path, []byte("# mine\nOTHER=keep me\nHANDOVER_A=old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := &helpdesk.Installation{}
	values := map[string]string{
		"HANDOVER_A":      "plain",
		"HANDOVER_QUOTED": "it's a 'value' with $dollar and spaces",
		"HANDOVER_URL":    "https://x.example/path?a=1&b=2",
	}
	for k, v := range values {
		in.SetEnv(k, v, k == "HANDOVER_QUOTED")
	}
	before, err := readEnvFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := writeInstallEnv(path, before, in, &out); err != nil {
		t.Fatal(err)
	}
	got, err := readEnvFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range values {
		if got[k] != v {
			t.Errorf("%s read back %q, want %q", k, got[k], v)
		}
	}
	if got["OTHER"] != "keep me" {
		t.Errorf("another line was lost: %v", got)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), "# mine\n") || strings.Count(string(b), "HANDOVER_A=") != 1 {
		t.Errorf("file:\n%s", b)
	}
	out.Reset()
	if err := writeInstallEnv(path, got, in, &out); err != nil || !strings.HasPrefix(out.String(), "already") {
		t.Fatalf("second write: %v %q", err, out.String())
	}
	in.SetEnv("HANDOVER_BAD", "two\nlines", false)
	if err := writeInstallEnv(path, got, in, &out); err == nil || !strings.Contains(err.Error(), "HANDOVER_BAD") {
		t.Fatalf("a line break was written: %v", err)
	}
}

// An install that fails halfway still writes the secrets it generated: what it created may
// hang on them (a signed link, a webhook's secret), and the next run must reuse them.
func TestInstallFailureKeepsGeneratedSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "handover.env")
	t.Setenv("HANDOVER_PUBLIC_URL", "https://handover.example.com")
	var made string
	d := helpdesk.Descriptor{Name: "chatwoot", Settings: func() helpdesk.Settings { return nil },
		Install: func(_ context.Context, _ helpdesk.Settings, in *helpdesk.Installation) error {
			made = in.Secret("HANDOVER_X_WEBHOOK_SECRET")
			in.Created("webhook", "with its secret")
			return errors.New("the label could not be created")
		}}
	var out bytes.Buffer
	err := installInto(context.Background(), d, nil, false, path, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "the label could not be created") {
		t.Fatalf("the failure was not reported: %v", err)
	}
	got, rerr := readEnvFile(path)
	if rerr != nil || got["HANDOVER_X_WEBHOOK_SECRET"] != made || made == "" {
		t.Fatalf("the generated secret was not kept: %v %v", got, rerr)
	}
	if _, ok := got["HANDOVER_HELPDESK"]; ok {
		t.Fatalf("a failed install repointed the file: %v", got)
	}
	// A dry run that fails writes nothing.
	dry := filepath.Join(t.TempDir(), "dry.env")
	if err := installInto(context.Background(), d, nil, true, dry, &out, &out); err == nil {
		t.Fatal("no error")
	}
	if _, err := os.Stat(dry); !os.IsNotExist(err) {
		t.Fatalf("a dry run wrote %s", dry)
	}
}

// Any value without a line break reads back from the environment file exactly as written.
func FuzzEnvValueRoundTrip(f *testing.F) {
	for _, v := range []string{"", "plain", "it's", "'quoted'", `"double"`, " spaced ", "a=b", "#hash", `back\slash`, "'\\''"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.ContainsAny(v, "\r\n") {
			return // refused by writeInstallEnv (TestInstallEnvFileRoundTrip)
		}
		name, got, ok := envLine("HANDOVER_X=" + quoteEnv(v))
		if !ok || name != "HANDOVER_X" || got != v {
			t.Fatalf("%q wrote %q, read back %q (name %q, ok %v)", v, quoteEnv(v), got, name, ok)
		}
	})
}
