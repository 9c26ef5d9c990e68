package bot

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
)

// RetrievalCase is one question of a retrieval evaluation set and the
// section (heading path, e.g. "Shipping / Delivery times") a person would
// answer it from.
type RetrievalCase struct {
	Lang, Want, Question string
}

// ReadRetrievalCorpus reads an evaluation set: one case a line,
// language<TAB>section<TAB>question; blank lines and lines starting with #
// are skipped (bot/testdata/retrieval_eval.tsv).
func ReadRetrievalCorpus(r io.Reader) ([]RetrievalCase, error) {
	var out []RetrievalCase
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || strings.TrimSpace(f[0]) == "" || strings.TrimSpace(f[1]) == "" || strings.TrimSpace(f[2]) == "" {
			return nil, fmt.Errorf("line %d: want language<TAB>section<TAB>question", n)
		}
		out = append(out, RetrievalCase{Lang: strings.TrimSpace(f[0]), Want: strings.TrimSpace(f[1]), Question: strings.TrimSpace(f[2])})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read retrieval corpus: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read retrieval corpus: no case")
	}
	return out, nil
}

// Retrieval modes of a RetrievalReport.
const (
	ModeLexical    = "lexical"
	ModeEmbeddings = "embeddings"
	ModeHybrid     = "hybrid"
)

// RetrievalReport is the recall@K of each retrieval mode, per language and
// overall: the share of questions whose expected section is among the K
// passages retrieved.
type RetrievalReport struct {
	// K is the cut-off: recall@K.
	K int
	// Modes are the modes evaluated: lexical, and with embeddings also
	// embeddings (vector ranking alone) and hybrid (fused).
	Modes []string
	// Langs are the languages of the set, in first-seen order.
	Langs []string
	// Cases counts the questions of each language.
	Cases map[string]int
	// Found counts, per mode then language, the questions whose section was
	// among the K retrieved.
	Found map[string]map[string]int
	// Misses are, per mode, the questions missed and what came first.
	Misses map[string][]string
}

// Recall returns recall@K of mode in lang ("" for all languages).
func (r RetrievalReport) Recall(mode, lang string) float64 {
	found, n := 0, 0
	for _, l := range r.Langs {
		if lang == "" || l == lang {
			found += r.Found[mode][l]
			n += r.Cases[l]
		}
	}
	return ratio(found, n)
}

// EvaluateRetrieval retrieves the top k passages of each case's question in
// every mode k supports and counts those that hold the expected section. A
// case whose section k does not have, or a question that cannot be embedded,
// is an error: the report would not say what it seems to.
func EvaluateRetrieval(ctx context.Context, kb *Knowledge, cases []RetrievalCase, k int) (RetrievalReport, error) {
	if kb.Len() == 0 {
		return RetrievalReport{}, fmt.Errorf("evaluate retrieval: empty knowledge base")
	}
	if k <= 0 {
		k = 3
	}
	titles := map[string]bool{}
	for _, p := range kb.passages {
		titles[p.Title] = true
	}
	r := RetrievalReport{K: k, Modes: []string{ModeLexical}, Cases: map[string]int{},
		Found: map[string]map[string]int{}, Misses: map[string][]string{}}
	if kb.Embedded() {
		r.Modes = append(r.Modes, ModeEmbeddings, ModeHybrid)
	}
	for _, m := range r.Modes {
		r.Found[m] = map[string]int{}
	}
	for _, c := range cases {
		if !titles[c.Want] {
			return RetrievalReport{}, fmt.Errorf("evaluate retrieval: %q: the knowledge base has no section %q", c.Question, c.Want)
		}
		if r.Cases[c.Lang] == 0 {
			r.Langs = append(r.Langs, c.Lang)
		}
		r.Cases[c.Lang]++
		q := analyze(c.Question)
		ranked := map[string][]hit{ModeLexical: kb.searchTokens(c.Question, q, k)}
		if kb.Embedded() {
			qv, err := kb.emb.embedQuery(ctx, c.Question)
			if err != nil {
				return RetrievalReport{}, fmt.Errorf("evaluate retrieval: %w", err)
			}
			lexical := kb.searchTokens(c.Question, q, rrfCandidates)
			vector := kb.vectorSearch(qv, rrfCandidates)
			ranked[ModeEmbeddings] = vector[:min(k, len(vector))]
			ranked[ModeHybrid] = fuse(k, lexical, vector)
		}
		for _, m := range r.Modes {
			hits := ranked[m]
			if slices.ContainsFunc(hits, func(h hit) bool { return kb.passages[h.i].Title == c.Want }) {
				r.Found[m][c.Lang]++
				continue
			}
			first := "(nothing)"
			if len(hits) > 0 {
				first = kb.passages[hits[0].i].Title
			}
			r.Misses[m] = append(r.Misses[m], fmt.Sprintf("[%s] %s → %s, want %s", c.Lang, c.Question, first, c.Want))
		}
	}
	return r, nil
}

// Write prints the report as a table (recall@K per language and mode, then
// all languages) and, when verbose, the questions each mode missed.
func (r RetrievalReport) Write(w io.Writer, verbose bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "recall@%d\n%6s %5s", r.K, "lang", "n")
	for _, m := range r.Modes {
		fmt.Fprintf(&b, " %11s", m)
	}
	b.WriteString("\n")
	row := func(name, lang string, n int) {
		fmt.Fprintf(&b, "%6s %5d", name, n)
		for _, m := range r.Modes {
			fmt.Fprintf(&b, " %10.1f%%", 100*r.Recall(m, lang))
		}
		b.WriteString("\n")
	}
	total := 0
	for _, l := range r.Langs {
		row(l, l, r.Cases[l])
		total += r.Cases[l]
	}
	row("all", "", total)
	fmt.Fprintf(&b, "languages: %d, questions: %d\n", len(r.Langs), total)
	if verbose {
		for _, m := range r.Modes {
			for _, miss := range r.Misses[m] {
				fmt.Fprintf(&b, "%s miss: %s\n", m, miss)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
