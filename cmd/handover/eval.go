package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/handover-dev/handover/bot"
)

// evalTimeout bounds a retrieval evaluation: embedding the knowledge and every question.
const evalTimeout = 5 * time.Minute

// evalDetector prints the human-request detector's precision, recall and false-handover
// rate per language and overall on a labelled corpus (label<TAB>language<TAB>text, labels
// human or other; bot/testdata/human_requests*.tsv). With -retrieval it prints instead the
// knowledge retrieval's recall@3 per language for the lexical index and, given an embedding
// model, the embeddings alone and the hybrid of both (language<TAB>section<TAB>question;
// bot/testdata/retrieval_eval.tsv).
func evalDetector(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "list the missed requests and the false handovers (with -retrieval: the missed questions)")
	retrieval := fs.Bool("retrieval", false, "evaluate knowledge retrieval (recall@3) instead of the detector")
	knowledge := fs.String("knowledge", "", "with -retrieval: the knowledge directory (default: the built-in sample)")
	embURL := fs.String("embeddings-url", "", "with -retrieval: OpenAI-compatible base URL, including /v1, serving /embeddings")
	embModel := fs.String("embedding-model", "", "with -retrieval: the embedding model (evaluates embeddings and hybrid too)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: handover eval [-v] FILE.tsv ...")
		fmt.Fprintln(stderr, "       handover eval -retrieval [-v] [-knowledge DIR] [-embeddings-url URL -embedding-model M] FILE.tsv ...")
		fmt.Fprintln(stderr, "       (the embeddings key is read from HANDOVER_LLM_API_KEY)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("eval: no corpus file")
	}
	if *retrieval {
		ctx, cancel := context.WithTimeout(context.Background(), evalTimeout)
		defer cancel()
		return evalRetrieval(ctx, fs.Args(), *knowledge, *embURL, *embModel, *verbose, stdout)
	}
	if *knowledge != "" || *embURL != "" || *embModel != "" {
		return fmt.Errorf("eval: -knowledge, -embeddings-url and -embedding-model go with -retrieval")
	}
	var all []bot.DetectorExample
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		ex, err := bot.ReadDetectorCorpus(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("eval: %s: %w", name, err)
		}
		all = append(all, ex...)
	}
	return bot.EvaluateDetector(all).Write(stdout, *verbose)
}

// evalRetrieval prints recall@3 of the retrieval modes on the evaluation sets in files.
func evalRetrieval(ctx context.Context, files []string, dir, embURL, embModel string, verbose bool, stdout io.Writer) error {
	var cases []bot.RetrievalCase
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		c, err := bot.ReadRetrievalCorpus(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("eval: %s: %w", name, err)
		}
		cases = append(cases, c...)
	}
	kb := bot.SampleKnowledge()
	if dir != "" {
		var err error
		if kb, err = bot.LoadKnowledge(dir); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	}
	if (embURL == "") != (embModel == "") {
		return fmt.Errorf("eval: -embeddings-url and -embedding-model go together")
	}
	if embModel != "" {
		emb, err := bot.NewEmbeddings(bot.EmbeddingsConfig{BaseURL: embURL, Model: embModel,
			APIKey: os.Getenv("HANDOVER_LLM_API_KEY"), HTTPClient: &http.Client{Timeout: time.Minute}})
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		if kb, err = kb.Embed(ctx, emb); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	}
	r, err := bot.EvaluateRetrieval(ctx, kb, cases, 3)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	return r.Write(stdout, verbose)
}
