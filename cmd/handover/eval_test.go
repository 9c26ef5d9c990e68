package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEvalCommand(t *testing.T) {
	var out, errb bytes.Buffer
	corpus := filepath.Join("..", "..", "bot", "testdata", "human_requests_heldout.tsv")
	if code := run(context.Background(), []string{"eval", "-v", corpus}, &out, &errb); code != 0 {
		t.Fatalf("eval exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"lang", "precision", "recall", "false handovers", "\n    ja ", "\n   all ", "languages: recall"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("eval output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(usage(), "handover eval") {
		t.Error("usage lacks the eval command")
	}

	bad := filepath.Join(t.TempDir(), "bad.tsv")
	if err := os.WriteFile(bad, []byte("maybe\ten\thello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"eval"}, {"eval", bad}, {"eval", filepath.Join(t.TempDir(), "missing.tsv")}} {
		out.Reset()
		errb.Reset()
		if code := run(context.Background(), args, &out, &errb); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
}
