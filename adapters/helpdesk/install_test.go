package helpdesk

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestNoFlagsRefusesArguments(t *testing.T) {
	var out bytes.Buffer
	in := &Installation{Output: &out}
	if err := in.NoFlags("zendesk"); err != nil {
		t.Fatalf("no arguments: %v", err)
	}
	in.Args = []string{"-inbox", "1"}
	if err := in.NoFlags("zendesk"); err == nil {
		t.Fatal("a flag of another helpdesk was accepted")
	}
	in.Args = []string{"extra"}
	if err := in.NoFlags("zendesk"); err == nil || !strings.Contains(err.Error(), "takes no flags") {
		t.Fatalf("an argument: %v", err)
	}
	out.Reset()
	in.Args = []string{"-h"}
	if err := in.NoFlags("zendesk"); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "takes no flags") {
		t.Fatalf("-h: %v %q", err, out.String())
	}
}

func TestSecretReusedFromTheEnvironment(t *testing.T) {
	in := &Installation{Lookup: func(name string) string {
		if name == "HANDOVER_X_SECRET" {
			return " kept "
		}
		return ""
	}}
	if got := in.Secret("HANDOVER_X_SECRET"); got != "kept" || !in.Secrets["HANDOVER_X_SECRET"] {
		t.Fatalf("existing secret: %q", got)
	}
	fresh := in.Secret("HANDOVER_Y_SECRET")
	if len(fresh) != 64 || fresh == in.Secret("HANDOVER_Z_SECRET") {
		t.Fatalf("new secret %q", fresh)
	}
}
