package bot

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/handover-dev/handover/internal/llmtest"
)

// embeddedSample returns the sample knowledge embedded by a scripted
// embeddings server over HTTP.
func embeddedSample(t *testing.T, srv *llmtest.EmbeddingsServer, cfg EmbeddingsConfig) (*Knowledge, *Embeddings) {
	t.Helper()
	cfg.BaseURL, cfg.Model = srv.URL(), "scripted-embed"
	e, err := NewEmbeddings(cfg)
	if err != nil {
		t.Fatal(err)
	}
	k, err := SampleKnowledge().Embed(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	return k, e
}

func readEvalSet(t *testing.T) []RetrievalCase {
	t.Helper()
	f, err := os.Open("testdata/retrieval_eval.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := ReadRetrievalCorpus(f)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestRetrievalEvalSet reports recall@3 of the three modes on the
// evaluation set (docs/knowledge.md quotes it) with the scripted server,
// which is no model: the figures say the plumbing works, not how a real
// embedding model does.
func TestRetrievalEvalSet(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewEmbeddings()
	t.Cleanup(srv.Close)
	k, _ := embeddedSample(t, srv, EmbeddingsConfig{})
	cases := readEvalSet(t)
	r, err := EvaluateRetrieval(context.Background(), k, cases, 3)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.Write(&b, true); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", b.String())
	if len(r.Langs) < 10 {
		t.Errorf("the set has %d languages, want at least 10", len(r.Langs))
	}
}

func TestRetrievalEvalSetHybridNotWorse(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewEmbeddings()
	t.Cleanup(srv.Close)
	k, _ := embeddedSample(t, srv, EmbeddingsConfig{})
	r, err := EvaluateRetrieval(context.Background(), k, readEvalSet(t), 3)
	if err != nil {
		t.Fatal(err)
	}
	if lex, hyb := r.Recall(ModeLexical, ""), r.Recall(ModeHybrid, ""); hyb < lex {
		t.Errorf("hybrid recall@3 %.3f is below lexical %.3f", hyb, lex)
	}
	// Without embeddings only the lexical mode is reported, with the same figure.
	lexOnly, err := EvaluateRetrieval(context.Background(), SampleKnowledge(), readEvalSet(t), 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lexOnly.Modes, []string{ModeLexical}) || lexOnly.Recall(ModeLexical, "") != r.Recall(ModeLexical, "") {
		t.Errorf("lexical-only report: modes %v, recall %.3f (embedded: %.3f)", lexOnly.Modes, lexOnly.Recall(ModeLexical, ""), r.Recall(ModeLexical, ""))
	}
}

func TestEvaluateRetrievalRejectsUnknownSection(t *testing.T) {
	t.Parallel()
	_, err := EvaluateRetrieval(context.Background(), SampleKnowledge(), []RetrievalCase{{Lang: "en", Want: "Shipping / Teleportation", Question: "Can you beam it?"}}, 3)
	if err == nil || !strings.Contains(err.Error(), "Teleportation") {
		t.Errorf("err = %v", err)
	}
	for _, bad := range []string{"", "en\tonly two\n", "en\t\tq\n"} {
		if _, err := ReadRetrievalCorpus(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// manyDocs returns n documents of one distinct passage each.
func manyDocs(n int) []Document {
	var docs []Document
	for i := range n {
		docs = append(docs, Document{Title: fmt.Sprintf("Topic %d", i), Text: fmt.Sprintf("Passage number %d about item %d.", i, i), Source: fmt.Sprintf("doc-%d", i)})
	}
	return docs
}

func TestEmbedBatchesWithBoundedConcurrency(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewEmbeddings()
	t.Cleanup(srv.Close)
	e, err := NewEmbeddings(EmbeddingsConfig{BaseURL: srv.URL(), Model: "m1", APIKey: "sk-embed", BatchSize: 4, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	k, err := BuildKnowledge(manyDocs(30))
	if err != nil {
		t.Fatal(err)
	}
	srv.Hold()
	done := make(chan error, 1)
	var embedded *Knowledge
	go func() {
		var err error
		embedded, err = k.Embed(t.Context(), e)
		done <- err
	}()
	// Two requests wait at the server; no third is sent while they do.
	for srv.InFlight() < 2 {
		runtime.Gosched()
	}
	srv.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := srv.MaxInFlight(); got > 2 {
		t.Errorf("%d requests at once, want at most 2", got)
	}
	reqs := srv.Requests()
	if len(reqs) != 8 { // ceil(30/4)
		t.Errorf("%d requests, want 8", len(reqs))
	}
	sent := 0
	for _, r := range reqs {
		if len(r.Input) > 4 || r.Model != "m1" || r.Header.Get("Authorization") != "Bearer sk-embed" {
			t.Errorf("request: %d inputs, model %q, auth %q", len(r.Input), r.Model, r.Header.Get("Authorization"))
		}
		sent += len(r.Input)
	}
	if sent != 30 || !embedded.Embedded() || k.Embedded() {
		t.Errorf("sent %d texts; embedded %v, original embedded %v", sent, embedded.Embedded(), k.Embedded())
	}
	// The vectors are those of the passages, in order.
	for i, p := range embedded.passages {
		want := llmtest.Embed(passageText(p))
		if embedded.vectors[i][0] != unitVector(want)[0] || len(embedded.vectors[i]) != len(want) {
			t.Fatalf("passage %d: vector is not its own", i)
		}
	}

	// A rebuild embeds only the passages that changed.
	docs := manyDocs(30)
	docs[7].Text = "Something new entirely."
	k2, err := BuildKnowledge(docs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k2.Embed(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	reqs = srv.Requests()[8:]
	if len(reqs) != 1 || len(reqs[0].Input) != 1 || !strings.Contains(reqs[0].Input[0], "Something new") {
		t.Errorf("rebuild sent %+v, want the changed passage only", reqs)
	}
}

func TestEmbedFailureReturnsError(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewEmbeddings()
	t.Cleanup(srv.Close)
	srv.SetStatus(http.StatusInternalServerError)
	e, err := NewEmbeddings(EmbeddingsConfig{BaseURL: srv.URL(), Model: "m1", BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	k, err := SampleKnowledge().Embed(t.Context(), e)
	if err == nil || k != nil || !strings.Contains(err.Error(), "m1") {
		t.Errorf("Embed = %v, %v; want an error naming the model", k, err)
	}
	if _, err := NewEmbeddings(EmbeddingsConfig{BaseURL: srv.URL()}); err == nil {
		t.Error("no model: no error")
	}
}

// A provider that fails halfway keeps what it embedded: the next call sends only the passages
// still missing.
func TestEmbedKeepsTheBatchesDoneBeforeAFailure(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewEmbeddings()
	t.Cleanup(srv.Close)
	e, err := NewEmbeddings(EmbeddingsConfig{BaseURL: srv.URL(), Model: "m1", BatchSize: 2, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	kb := SampleKnowledge()
	srv.FailAfter(2, http.StatusServiceUnavailable)
	if _, err := kb.Embed(t.Context(), e); err == nil {
		t.Fatal("the failure was not returned")
	}
	sent := 0
	for _, r := range srv.Requests() {
		sent += len(r.Input)
	}
	srv.FailAfter(-1, 0)
	before := len(srv.Requests())
	if _, err := kb.Embed(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	again := 0
	for _, r := range srv.Requests()[before:] {
		again += len(r.Input)
	}
	if again != kb.Len()-4 {
		t.Fatalf("the second call sent %d passages, want the %d not embedded before (%d sent the first time)", again, kb.Len()-4, sent)
	}
}

// A German question the lexical index cannot match finds its English
// section through the embeddings; when question embeddings fail, search is
// lexical, counted each time and logged once.
func TestHybridSearchAndFallback(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewEmbeddings()
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	var failures atomic.Int32
	k, _ := embeddedSample(t, srv, EmbeddingsConfig{
		Logger:         slog.New(slog.NewTextHandler(&logs, nil)),
		OnQueryFailure: func() { failures.Add(1) },
	})
	const q = "Wo finde ich die Sendungsnummer?"
	if hits := SampleKnowledge().Search(q, 3); len(hits) > 0 && hits[0].Title == secTracking {
		t.Fatalf("the lexical index finds %q: pick another question", q)
	}
	hits := k.SearchContext(t.Context(), q, 3)
	if len(hits) == 0 || hits[0].Title != secTracking {
		t.Errorf("hybrid: %+v, want %s first", hits, secTracking)
	}

	srv.SetStatus(http.StatusServiceUnavailable)
	lexical := k.Search("How much is shipping?", maxKnowledgePassages)
	for range 2 {
		got := k.SearchContext(t.Context(), "How much is shipping?", maxKnowledgePassages)
		if !slices.EqualFunc(got, lexical, func(a, b Passage) bool { return a.Title == b.Title && a.Score == b.Score }) {
			t.Errorf("fallback = %+v, want the lexical %+v", got, lexical)
		}
	}
	if failures.Load() != 2 || strings.Count(logs.String(), "question embeddings fail") != 1 {
		t.Errorf("failures %d, log:\n%s", failures.Load(), logs.String())
	}
	srv.SetStatus(0)
	if hits := k.SearchContext(t.Context(), q, 3); len(hits) == 0 || hits[0].Title != secTracking {
		t.Errorf("after recovery: %+v", hits)
	}
	if !strings.Contains(logs.String(), "work again") {
		t.Errorf("no recovery log:\n%s", logs.String())
	}
}

// The model sees the passage's URL and is told to link it; a turn after
// KnowledgeBase.Store reads the new knowledge.
func TestAnswerSeesSourceLinkAndReloadedKnowledge(t *testing.T) {
	t.Parallel()
	k1, err := BuildKnowledge([]Document{{Title: "Gift wrapping", Text: "We gift wrap any order for $3.", URL: "https://help.example.com/articles/42", Lang: "en", Source: "help-center/42/en"}})
	if err != nil {
		t.Fatal(err)
	}
	kb := NewKnowledgeBase(k1)
	srv, a := openaiAgent(t, Config{KnowledgeBase: kb})
	if _, err := a.Answer(t.Context(), turn(true, visitor("Do you offer gift wrapping?"))); err != nil {
		t.Fatal(err)
	}
	sys := onlyRequest(t, srv).Messages[0].Content
	for _, want := range []string{"Gift wrapping", "Source: https://help.example.com/articles/42", `has a "Source:" link`} {
		if !strings.Contains(sys, want) {
			t.Errorf("system message lacks %q:\n%s", want, sys)
		}
	}
	k2, err := BuildKnowledge([]Document{{Title: "Gift wrapping", Text: "Gift wrapping is no longer offered."}})
	if err != nil {
		t.Fatal(err)
	}
	kb.Store(k2)
	if _, err := a.Answer(t.Context(), turn(true, visitor("Do you offer gift wrapping?"))); err != nil {
		t.Fatal(err)
	}
	sys = srv.Requests()[1].Messages[0].Content
	if !strings.Contains(sys, "no longer offered") || strings.Contains(sys, "Source: https") {
		t.Errorf("after Store, system message:\n%s", sys)
	}
}

func TestBuildKnowledgeFromDocuments(t *testing.T) {
	t.Parallel()
	k, err := BuildKnowledge([]Document{
		{Title: "Returns", Text: "# Returns\n\nIntro.\n\n## Labels\n\nPrint the label.", URL: "https://h.example/1", Lang: "en", Source: "help-center/1/en"},
		{Text: "# Hours\n\nOpen daily.", Source: "hours.md"},
		{Text: "Plain text.\n\n# not a heading", Source: "notes.txt"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, p := range k.passages {
		titles = append(titles, p.Title+"|"+p.URL+"|"+p.Lang)
	}
	want := []string{"Returns|https://h.example/1|en", "Returns / Labels|https://h.example/1|en", "Hours||", "Notes||"}
	if !slices.Equal(titles, want) {
		t.Errorf("passages %q, want %q", titles, want)
	}
	if got := k.Topics(); !slices.Equal(got, []string{"Returns", "Hours", "Notes"}) {
		t.Errorf("topics %q", got)
	}
	if _, err := BuildKnowledge([]Document{{Title: "Empty", Text: "  "}}); err == nil {
		t.Error("no text: no error")
	}
	if _, err := ReadKnowledgeDir(t.TempDir()); err == nil {
		t.Error("empty directory: no error")
	}
	docs, err := ReadKnowledgeDir("sample")
	if err != nil || len(docs) != 6 {
		t.Fatalf("ReadKnowledgeDir(sample) = %d docs, %v", len(docs), err)
	}
	fromDocs, err := BuildKnowledge(docs)
	if err != nil || fromDocs.Len() != SampleKnowledge().Len() {
		t.Errorf("sample from documents: %d passages (%v), want %d", fromDocs.Len(), err, SampleKnowledge().Len())
	}
}
