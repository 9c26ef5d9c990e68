package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover-dev/handover/internal/llmtest"
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

func TestEvalRetrievalCommand(t *testing.T) {
	set := filepath.Join("..", "..", "bot", "testdata", "retrieval_eval.tsv")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"eval", "-retrieval", set}, &out, &errb); code != 0 {
		t.Fatalf("eval -retrieval exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "lexical") || strings.Contains(out.String(), "hybrid") || !strings.Contains(out.String(), "\n   all ") {
		t.Errorf("lexical-only output:\n%s", out.String())
	}

	srv := llmtest.NewEmbeddings()
	t.Cleanup(srv.Close)
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"eval", "-retrieval", "-v", "-embeddings-url", srv.URL(), "-embedding-model", "scripted", set}, &out, &errb); code != 0 {
		t.Fatalf("eval -retrieval with embeddings exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"recall@3", "lexical", "embeddings", "hybrid", "\n    ru ", "languages: 11"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if len(srv.Requests()) == 0 {
		t.Error("the embeddings server was not asked")
	}

	// The model is down: an error, not a report that looks lexical.
	srv.SetStatus(500)
	for _, args := range [][]string{
		{"eval", "-retrieval", "-embeddings-url", srv.URL(), "-embedding-model", "scripted", set},
		{"eval", "-retrieval", "-embedding-model", "scripted", set},
		{"eval", "-retrieval", "-knowledge", filepath.Join(t.TempDir(), "missing"), set},
		{"eval", "-embedding-model", "scripted", set},
	} {
		out.Reset()
		errb.Reset()
		if code := run(context.Background(), args, &out, &errb); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
}
