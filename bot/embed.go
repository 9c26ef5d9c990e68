package bot

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tmc/langchaingo/embeddings"
	"github.com/tmc/langchaingo/llms/openai"
)

// Defaults of EmbeddingsConfig.
const (
	// DefaultEmbeddingBatch is how many passages one embeddings request carries.
	DefaultEmbeddingBatch = 64
	// DefaultEmbeddingConcurrency is how many embeddings requests run at once.
	DefaultEmbeddingConcurrency = 4
)

// Hybrid retrieval: each ranking (lexical, vector) contributes its best
// rrfCandidates passages, fused by reciprocal rank (1/(rrfK+rank)).
const (
	rrfK          = 60
	rrfCandidates = 20
)

// EmbeddingsConfig configures Embeddings.
type EmbeddingsConfig struct {
	// BaseURL is the OpenAI-compatible base URL including /v1 (the LLM's);
	// empty means OpenAI's.
	BaseURL string
	// APIKey is the provider's key; servers without auth get a dummy token.
	APIKey string
	// Model is the embedding model, e.g. "text-embedding-3-small"; required.
	Model string
	// HTTPClient makes the requests; nil means langchaingo's default (no
	// timeout: bound calls with the context).
	HTTPClient *http.Client
	// BatchSize is how many texts one request carries (DefaultEmbeddingBatch).
	BatchSize int
	// Concurrency bounds the requests running at once when a knowledge base
	// is embedded (DefaultEmbeddingConcurrency).
	Concurrency int
	// Logger receives a warning when question embeddings start failing and
	// a note when they work again; nil discards them.
	Logger *slog.Logger
	// OnQueryFailure, when set, is called for every question that could
	// not be embedded (the turn then retrieves lexically): a metric.
	OnQueryFailure func()
}

// Embeddings embeds passages and questions with an embedding model served at
// an OpenAI-compatible /v1/embeddings endpoint (langchaingo's embeddings
// package over its openai client). It remembers the vectors of the passages
// it embedded last, so a reload embeds only what changed. It is safe for
// concurrent use.
type Embeddings struct {
	emb     embeddings.Embedder
	model   string
	batch   int
	conc    int
	log     *slog.Logger
	onFail  func()
	failing atomic.Bool

	mu    sync.Mutex
	cache map[[32]byte][]float32 // passage text hash → unit vector
}

// NewEmbeddings returns the embedder of cfg. It makes no request.
func NewEmbeddings(cfg EmbeddingsConfig) (*Embeddings, error) {
	model := strings.TrimSpace(cfg.Model)
	if model == "" {
		return nil, errors.New("bot: embeddings: no model")
	}
	base := strings.TrimSpace(cfg.BaseURL)
	if base == "" {
		base = defaultOpenAIBaseURL
	}
	token := cfg.APIKey
	if token == "" {
		token = dummyToken
	}
	llm, err := openai.New(
		openai.WithToken(token),
		openai.WithBaseURL(base),
		openai.WithEmbeddingModel(model),
		openai.WithOrganization(""),
		openai.WithAPIType(openai.APITypeOpenAI),
		openai.WithHTTPClient(httpClient(cfg.HTTPClient)),
	)
	if err != nil {
		return nil, fmt.Errorf("bot: embeddings: %w", redact(err, cfg.APIKey))
	}
	batch := cmp.Or(max(cfg.BatchSize, 0), DefaultEmbeddingBatch)
	emb, err := embeddings.NewEmbedder(llm, embeddings.WithBatchSize(batch), embeddings.WithStripNewLines(false))
	if err != nil {
		return nil, fmt.Errorf("bot: embeddings: %w", err)
	}
	return newEmbeddings(emb, model, cfg), nil
}

// newEmbeddings wraps an embeddings.Embedder.
func newEmbeddings(emb embeddings.Embedder, model string, cfg EmbeddingsConfig) *Embeddings {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Embeddings{
		emb: emb, model: model, log: log, onFail: cfg.OnQueryFailure,
		batch: cmp.Or(max(cfg.BatchSize, 0), DefaultEmbeddingBatch),
		conc:  cmp.Or(max(cfg.Concurrency, 0), DefaultEmbeddingConcurrency),
		cache: map[[32]byte][]float32{},
	}
}

// Model returns the embedding model's name.
func (e *Embeddings) Model() string { return e.model }

// passageText is what is embedded of a passage: its heading path and text.
func passageText(p Passage) string { return p.Title + "\n\n" + p.Text }

// Embed returns k with every passage embedded, so that its searches are
// hybrid (lexical and vector ranks fused); k itself is unchanged. Passages
// embedded by an earlier call are not sent again. Requests carry up to
// BatchSize passages, Concurrency at a time; the first failure cancels the
// others and is returned (k then stays lexical), and the batches that were
// embedded are kept for the next call.
func (k *Knowledge) Embed(ctx context.Context, e *Embeddings) (*Knowledge, error) {
	if k == nil || e == nil {
		return k, nil
	}
	keys := make([][32]byte, len(k.passages))
	vecs := make([][]float32, len(k.passages))
	var todo []int
	e.mu.Lock()
	for i, p := range k.passages {
		keys[i] = sha256.Sum256([]byte(passageText(p)))
		if v, ok := e.cache[keys[i]]; ok {
			vecs[i] = v
		} else {
			todo = append(todo, i)
		}
	}
	e.mu.Unlock()
	if len(todo) > 0 {
		texts := make([]string, len(todo))
		for j, i := range todo {
			texts[j] = passageText(k.passages[i])
		}
		got, err := e.embedAll(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("bot: embed %d passages with %s: %w", len(texts), e.model, err)
		}
		for j, i := range todo {
			vecs[i] = got[j]
		}
	}
	dim := len(vecs[0])
	for i, v := range vecs {
		if len(v) != dim || dim == 0 {
			return nil, fmt.Errorf("bot: embed passages with %s: passage %d has %d dimensions, passage 0 has %d", e.model, i, len(v), dim)
		}
	}
	// The cache keeps the passages of the current knowledge only.
	cache := make(map[[32]byte][]float32, len(vecs))
	for i, v := range vecs {
		cache[keys[i]] = v
	}
	e.mu.Lock()
	e.cache = cache
	e.mu.Unlock()
	out := *k
	out.vectors = vecs
	out.emb = e
	return &out, nil
}

// Embedded reports whether k's searches use embeddings.
func (k *Knowledge) Embedded() bool { return k != nil && k.emb != nil && len(k.vectors) > 0 }

// embedAll embeds texts in batches, a bounded number of requests at once,
// and returns their unit vectors in order.
func (e *Embeddings) embedAll(ctx context.Context, texts []string) ([][]float32, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	out := make([][]float32, len(texts))
	sem := make(chan struct{}, e.conc)
	var wg sync.WaitGroup
	for start := 0; start < len(texts); start += e.batch {
		end := min(start+e.batch, len(texts))
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			// A copy: langchaingo may rewrite the slice it is given.
			batch := slices.Clone(texts[start:end])
			vs, err := e.emb.EmbedDocuments(ctx, batch)
			if err == nil && len(vs) != len(batch) {
				err = fmt.Errorf("%d vectors for %d texts", len(vs), len(batch))
			}
			if err != nil {
				cancel(fmt.Errorf("passages %d-%d: %w", start+1, end, err))
				return
			}
			e.mu.Lock()
			for j, v := range vs {
				out[start+j] = unitVector(v)
				// Kept at once: when a later batch fails, the next reload sends only
				// what is still missing, so a large help center gets embedded in parts.
				e.cache[sha256.Sum256([]byte(texts[start+j]))] = out[start+j]
			}
			e.mu.Unlock()
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// embedQuery embeds a question. A failure is counted (OnQueryFailure) and
// logged once until embeddings work again.
func (e *Embeddings) embedQuery(ctx context.Context, q string) ([]float32, error) {
	v, err := e.emb.EmbedQuery(ctx, q)
	if err == nil && len(v) == 0 {
		err = errors.New("empty vector")
	}
	if err != nil {
		if e.onFail != nil {
			e.onFail()
		}
		if ctx.Err() == nil && e.failing.CompareAndSwap(false, true) {
			e.log.Warn("question embeddings fail: retrieving lexically until they work again", "model", e.model, "err", err)
		}
		return nil, fmt.Errorf("bot: embed question with %s: %w", e.model, err)
	}
	if e.failing.CompareAndSwap(true, false) {
		e.log.Info("question embeddings work again", "model", e.model)
	}
	return unitVector(v), nil
}

// unitVector returns v scaled to unit length (a zero vector as it is).
func unitVector(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if s == 0 {
		return out
	}
	n := 1 / math.Sqrt(s)
	for i, x := range v {
		out[i] = float32(float64(x) * n)
	}
	return out
}

// vectorSearch returns the n passages nearest to the unit vector qv by
// cosine similarity, best first (brute force: fine for thousands).
func (k *Knowledge) vectorSearch(qv []float32, n int) []hit {
	if !k.Embedded() || n <= 0 || len(qv) != len(k.vectors[0]) {
		return nil
	}
	hits := make([]hit, 0, len(k.vectors))
	for i, v := range k.vectors {
		var dot float32
		for j, x := range v {
			dot += x * qv[j]
		}
		hits = append(hits, hit{i: i, score: float64(dot)})
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(b.score, a.score) })
	return hits[:min(n, len(hits))]
}

// fuse merges rankings by reciprocal rank fusion and returns the n best,
// scored by their fused score; of equal scores, the earlier passage.
func fuse(n int, rankings ...[]hit) []hit {
	score := map[int]float64{}
	for _, r := range rankings {
		for rank, h := range r {
			score[h.i] += 1 / float64(rrfK+rank+1)
		}
	}
	out := make([]hit, 0, len(score))
	for i, s := range score {
		out = append(out, hit{i: i, score: s})
	}
	slices.SortFunc(out, func(a, b hit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	return out[:min(n, len(out))]
}

// retrieve returns the n passages for a question (q is analyze(query)) and
// the lexical ranking. With embeddings, the lexical and vector rankings are
// fused; when the question cannot be embedded, the lexical ranking alone
// (the failure is logged once and counted by Embeddings).
func (k *Knowledge) retrieve(ctx context.Context, query string, q []token, n int) (hits, lexical []hit) {
	lexical = k.searchTokens(query, q, max(n, rrfCandidates))
	if !k.Embedded() {
		return lexical[:min(n, len(lexical))], lexical
	}
	qv, err := k.emb.embedQuery(ctx, query)
	if err != nil {
		return lexical[:min(n, len(lexical))], lexical
	}
	return fuse(n, lexical, k.vectorSearch(qv, rrfCandidates)), lexical
}

// SearchContext is Search with embeddings when k has them (Embed): the
// lexical and vector rankings fused by reciprocal rank, Score being the
// fused score. Without embeddings, or when the question cannot be
// embedded, it is Search.
func (k *Knowledge) SearchContext(ctx context.Context, query string, n int) []Passage {
	if k == nil || n <= 0 || len(k.passages) == 0 {
		return nil
	}
	hits, _ := k.retrieve(ctx, query, analyze(query), n)
	out := make([]Passage, len(hits))
	for j, h := range hits {
		out[j] = k.passages[h.i]
		out[j].Score = h.score
	}
	return out
}
