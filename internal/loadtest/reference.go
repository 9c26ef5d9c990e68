package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/handover-dev/handover/adapters/all"
	"github.com/handover-dev/handover/handover"
)

// Adapter is what the reference needs of a helpdesk adapter: its own
// webhook verification and parsing, and its Post.
type Adapter interface {
	Name() string
	Authenticate(h http.Header, pathSecret string, body []byte, now time.Time) error
	Parse(body []byte) ([]handover.Event, error)
	Post(ctx context.Context, conv *handover.Conversation, out handover.Outgoing) error
}

// ReferenceOptions configure the reference handler.
type ReferenceOptions struct {
	Adapter Adapter
	// LLMURL is the OpenAI-compatible base URL (with /v1), LLMKey its key
	// and LLMModel the model name.
	LLMURL, LLMKey, LLMModel string
	// SelfEcho is set for helpdesks whose webhooks do not say who wrote
	// (LiveAgent's "message added" fires for the bot's own messages too):
	// each Post is expected to come back as one visitor-message event,
	// which the reference skips instead of answering itself forever.
	SelfEcho bool
	// Skip, if set, drops deliveries that repeat another one (LiveAgent's
	// "chat started" comes with the "message added" of the same message).
	Skip   func(body []byte) bool
	Logger *slog.Logger
}

// ReferenceFor fills in what the reference must know of helpdesk's
// webhooks to answer each visitor message once without reading the
// conversation: the helpdesk's Descriptor.Reference (e.g. webhooks that
// fire for the bot's own messages too, or repeat a delivery).
func ReferenceFor(name string, o ReferenceOptions) ReferenceOptions {
	if d, ok := all.Helpdesks.Lookup(name); ok {
		o.SelfEcho = d.Reference.SelfEcho
		o.Skip = d.Reference.Repeat
	}
	return o
}

// Reference is the yardstick of the benchmark: the least a bot can do per
// visitor message with the same adapter. For each delivery it verifies and
// parses the webhook with the adapter's own Authenticate and Parse and
// answers 200; then, for every visitor-message event, a goroutine calls the
// LLM once over HTTP and posts its answer with the adapter's Post on a
// minimal conversation. No Load, no lanes, no engine, no de-duplication.
type Reference struct {
	o      ReferenceOptions
	client *http.Client
	log    *slog.Logger
	wg     sync.WaitGroup

	mu     sync.Mutex
	echoes map[string]int // conversation → own posts whose event is still to come
}

// NewReference returns the reference handler for o.
func NewReference(o ReferenceOptions) *Reference {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Reference{o: o, log: log, echoes: map[string]int{}, client: &http.Client{Timeout: 2 * MaxLatency,
		Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}}
}

// ServeHTTP serves POST /webhooks/<name>[/<secret>], GET /healthz and
// /readyz, and GET /metrics (go_memstats_alloc_bytes_total only).
func (rf *Reference) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && (r.URL.Path == "/healthz" || r.URL.Path == "/readyz"):
		_, _ = io.WriteString(w, "ok\n")
	case r.Method == http.MethodGet && r.URL.Path == "/metrics":
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "go_memstats_alloc_bytes_total %d\n", ms.TotalAlloc)
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/webhooks/"+rf.o.Adapter.Name()):
		rf.webhook(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (rf *Reference) webhook(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/webhooks/"+rf.o.Adapter.Name())
	if rest != "" && !strings.HasPrefix(rest, "/") {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := rf.o.Adapter.Authenticate(r.Header, strings.TrimPrefix(rest, "/"), body, time.Now()); err != nil {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	evs, err := rf.o.Adapter.Parse(body)
	if err != nil {
		http.Error(w, "bad webhook", http.StatusBadRequest)
		return
	}
	if rf.o.Skip != nil && rf.o.Skip(body) {
		evs = nil
	}
	for _, ev := range evs {
		if ev.Kind != handover.EventVisitorMessage || rf.isEcho(ev.ConversationID) {
			continue
		}
		rf.wg.Add(1)
		go rf.turn(ev.ConversationID)
	}
	w.WriteHeader(http.StatusOK)
}

// isEcho consumes one expected echo of an own post, for SelfEcho helpdesks.
func (rf *Reference) isEcho(conv string) bool {
	if !rf.o.SelfEcho {
		return false
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.echoes[conv] > 0 {
		rf.echoes[conv]--
		return true
	}
	return false
}

// expectEcho counts an own post whose event is to be skipped, for SelfEcho
// helpdesks.
func (rf *Reference) expectEcho(conv string, n int) {
	if !rf.o.SelfEcho {
		return
	}
	rf.mu.Lock()
	rf.echoes[conv] += n
	rf.mu.Unlock()
}

// turn is one bare bot turn: one LLM call, one Post.
func (rf *Reference) turn(conv string) {
	defer rf.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), 2*MaxLatency)
	defer cancel()
	text, err := rf.complete(ctx, conv)
	if err != nil {
		rf.log.Warn("reference: llm", "conversation", conv, "error", err)
		return
	}
	rf.expectEcho(conv, 1) // before Post: its echo may arrive before Post returns
	if err := rf.o.Adapter.Post(ctx, &handover.Conversation{ID: conv}, handover.Outgoing{Text: text, Answer: true}); err != nil {
		rf.expectEcho(conv, -1)
		rf.log.Warn("reference: post", "conversation", conv, "error", err)
	}
}

// complete makes one chat completion request and returns the answer text.
func (rf *Reference) complete(ctx context.Context, conv string) (string, error) {
	req := map[string]any{"model": rf.o.LLMModel, "messages": []map[string]string{
		{"role": "system", "content": "You are a helpful shop assistant."},
		{"role": "user", "content": "A visitor wrote in conversation " + conv + "."},
	}}
	b, _ := json.Marshal(req)
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(rf.o.LLMURL, "/")+"/chat/completions", bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+rf.o.LLMKey)
	resp, err := rf.client.Do(hr)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	var out struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", err
	}
	if len(out.Choices) == 0 || strings.TrimSpace(out.Choices[0].Message.Content) == "" {
		return "", errors.New("empty answer")
	}
	return out.Choices[0].Message.Content, nil
}

// ServeReference serves the reference on addr until ctx ends, then waits up
// to 10 s for running turns.
func ServeReference(ctx context.Context, addr string, o ReferenceOptions) error {
	rf := NewReference(o)
	srv := &http.Server{Addr: addr, Handler: rf, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	done := make(chan struct{})
	go func() { rf.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-sctx.Done():
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
