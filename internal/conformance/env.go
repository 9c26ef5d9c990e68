// Package conformance is the kit every helpdesk adapter passes: one table of scenarios
// (Scenarios) and one fault suite (Faults), each run over real HTTP between the adapter's
// simulated helpdesk (its Descriptor.Sandbox world), the service and an OpenAI-compatible
// scripted LLM. A helpdesk joins the kit by registering a Descriptor with a Sandbox: the kit
// speaks to it only through helpdesk.World, in words that fit every helpdesk.
package conformance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/app"
	"github.com/handover-dev/handover/internal/llmtest"
	"github.com/handover-dev/handover/replicas"
)

// Tests' short waits: a simulator redelivers after retryWait, an adapter retries a failed call
// within retryWaitMax, a failed turn is retried after laneRetry.
const (
	retryWait    = 20 * time.Millisecond
	retryWaitMax = 50 * time.Millisecond
	laneRetry    = 20 * time.Millisecond
	postSettle   = 200 * time.Millisecond
	waitTimeout  = 15 * time.Second
)

// BaseConfig is the service configuration every kit run starts from: the helpdesk name, the
// scripted LLM through langchaingo's openai provider, the human button after 3 answers.
func BaseConfig(name, llmURL string) config.Config {
	return config.Config{
		Helpdesk: name, RequiredAnswers: 3, HumanRequestInChat: true, BotName: "AI assistant",
		LLMProvider: "openai", LLMBaseURL: llmURL, LLMAPIKey: "test-key", LLMModel: "test-model",
		LLMTimeout: 2 * time.Second, LogLevel: "error", MaxQueuedEvents: 10000,
		ShutdownGrace: 5 * time.Second,
	}
}

// newWorld builds the descriptor's simulated helpdesk, served over HTTP. The helpdesk
// redelivers a failed webhook after redeliver (0: as the world's own default).
func newWorld(t testing.TB, d helpdesk.Descriptor, redeliver time.Duration) helpdesk.World {
	t.Helper()
	if d.Sandbox == nil {
		t.Fatalf("%s registers no simulated helpdesk (Descriptor.Sandbox): the kit cannot run it", d.Name)
	}
	var h http.Handler = http.NotFoundHandler()
	var mu sync.RWMutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.RLock()
		hh := h
		mu.RUnlock()
		hh.ServeHTTP(w, r)
	}))
	world, err := d.Sandbox(helpdesk.SandboxOptions{SimURL: srv.URL, BotName: "AI assistant", Benchmark: true, RetryWait: redeliver})
	if err != nil {
		srv.Close()
		t.Fatalf("%s sandbox: %v", d.Name, err)
	}
	mu.Lock()
	h = world.Handler()
	mu.Unlock()
	t.Cleanup(func() {
		world.Close()
		srv.CloseClientConnections()
		srv.Close()
	})
	return world
}

// newAdapter builds the descriptor's adapter against the world.
func newAdapter(t testing.TB, d helpdesk.Descriptor, w helpdesk.World) helpdesk.Adapter {
	t.Helper()
	hd, err := d.New(w.Settings(), helpdesk.Deps{Logger: slog.New(slog.DiscardHandler), BotName: "AI assistant", RetryWaitMax: retryWaitMax})
	if err != nil {
		t.Fatalf("%s adapter: %v", d.Name, err)
	}
	return hd
}

// newApp starts one service instance for the adapter.
func newApp(t testing.TB, cfg config.Config, hd helpdesk.Adapter, rds *replicas.Redis) *app.App {
	t.Helper()
	a, err := app.New(cfg, hd, app.Options{LaneRetryBase: laneRetry, PostSettle: postSettle, Redis: rds})
	if err != nil {
		t.Fatalf("service: %v", err)
	}
	a.StartBackground()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Shutdown(ctx)
	})
	return a
}

// Delivery is one webhook request the helpdesk sent, as the relay received it.
type Delivery struct {
	Path   string
	Header http.Header
	Body   []byte
}

// relay stands for the network and the load balancer between the helpdesk and the service:
// it records every delivery, forwards it to one of the targets, and can send extra copies,
// late and in random order.
type relay struct {
	srv     *httptest.Server
	mu      sync.Mutex
	rng     *rand.Rand
	targets []http.Handler
	route   func(d Delivery, n int) int // target index; nil picks at random
	copies  func(r *rand.Rand) int      // deliveries per webhook (nil: 1)
	jitter  time.Duration               // extra copies wait in [0, jitter)
	log     []Delivery
	late    atomic.Int64 // extra copies not yet delivered
}

func newRelay(t testing.TB, seed int64, targets ...http.Handler) *relay {
	r := &relay{rng: rand.New(rand.NewSource(seed)), targets: targets}
	r.srv = httptest.NewServer(http.HandlerFunc(r.forward))
	t.Cleanup(r.close)
	return r
}

// URL is where the helpdesk sends its webhooks.
func (r *relay) URL() string { return r.srv.URL }

// idle reports whether no extra copy waits to be delivered.
func (r *relay) idle() bool { return r.late.Load() == 0 }

func (r *relay) close() {
	for !r.idle() {
		time.Sleep(5 * time.Millisecond)
	}
	r.srv.CloseClientConnections()
	r.srv.Close()
}

func (r *relay) intn(n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rng.Intn(n)
}

func (r *relay) pick(d Delivery) http.Handler {
	r.mu.Lock()
	route, targets := r.route, r.targets
	r.mu.Unlock()
	if len(targets) == 1 {
		return targets[0]
	}
	if route != nil {
		return targets[route(d, len(targets))]
	}
	return targets[r.intn(len(targets))]
}

func (r *relay) forward(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	d := Delivery{Path: req.URL.Path, Header: req.Header.Clone(), Body: body}
	r.mu.Lock()
	r.log = append(r.log, d)
	n := 1
	if r.copies != nil {
		n = r.copies(r.rng)
	}
	jitter := r.jitter
	r.mu.Unlock()
	for i := 1; i < n; i++ {
		delay := time.Duration(0)
		if jitter > 0 {
			delay = time.Duration(r.intn(int(jitter)))
		}
		target := r.pick(d)
		r.late.Add(1)
		go func() {
			defer r.late.Add(-1)
			time.Sleep(delay)
			target.ServeHTTP(httptest.NewRecorder(), d.request())
		}()
	}
	r.pick(d).ServeHTTP(w, d.request())
}

func (d Delivery) request() *http.Request {
	req := httptest.NewRequest(http.MethodPost, d.Path, bytes.NewReader(d.Body))
	req.Header = d.Header.Clone()
	return req
}

// deliveries returns what the relay received so far.
func (r *relay) deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.log...)
}

// Env is one kit run: a simulated helpdesk, the scripted LLM, a relay and one service.
type Env struct {
	T     *testing.T
	D     helpdesk.Descriptor
	World helpdesk.World
	LLM   *llmtest.Server
	App   *app.App
	// Adapter is the service's adapter (its optional capabilities decide what some
	// scenarios expect).
	Adapter helpdesk.Adapter
	relay   *relay
}

// newEnv starts a world, the LLM (answering "Answer to <the visitor's last words>"), one
// service configured by cfg and the relay, and connects the world to the relay.
func newEnv(t *testing.T, d helpdesk.Descriptor, cfg func(*config.Config)) *Env {
	t.Helper()
	llm := llmtest.New()
	t.Cleanup(llm.Close)
	echoLLM(llm, 0)
	w := newWorld(t, d, retryWait)
	c := BaseConfig(d.Name, llm.URL())
	if cfg != nil {
		cfg(&c)
	}
	hd := newAdapter(t, d, w)
	a := newApp(t, c, hd, nil)
	e := &Env{T: t, D: d, World: w, LLM: llm, App: a, Adapter: hd}
	e.relay = newRelay(t, 1, a.Server)
	w.Connect(e.relay.URL())
	return e
}

// echoLLM answers every turn "Answer to <the last user message>" after delay, and a
// summary request with a fixed summary.
func echoLLM(llm *llmtest.Server, delay time.Duration) {
	llm.SetDefault(func(req llmtest.Request) llmtest.Reply {
		if isSummaryRequest(req) {
			return llmtest.Reply{Text: "The visitor asked about their order."}
		}
		return llmtest.Reply{Text: "Answer to " + lastUser(req), Delay: delay}
	})
}

// isSummaryRequest reports a request for the agent's summary: its system message asks to
// summarise.
func isSummaryRequest(req llmtest.Request) bool {
	return len(req.Messages) > 0 && strings.Contains(strings.ToLower(req.Messages[0].Content), "summar")
}

// lastUser is the last user message of a request, without surrounding space.
func lastUser(req llmtest.Request) string {
	var s string
	for _, m := range req.Messages {
		if m.Role == "user" {
			s = m.Content
		}
	}
	return strings.TrimSpace(s)
}

// ctx is a context for one call to the world.
func (e *Env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	e.T.Cleanup(cancel)
	return ctx
}

// Send writes a visitor message and returns the conversation.
func (e *Env) Send(visitor, text string) string {
	e.T.Helper()
	conv, err := e.World.Send(e.ctx(), visitor, text)
	if err != nil {
		e.T.Fatalf("visitor %s sends %q: %v", visitor, text, err)
	}
	return conv
}

// WaitFor polls the conversation until cond holds.
func (e *Env) WaitFor(conv, what string, cond func(helpdesk.State) bool) helpdesk.State {
	e.T.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		s := e.World.State(conv)
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			e.T.Fatalf("%s: conversation %s never %s:\n%s", e.D.Name, conv, what, Dump(s))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Settle waits until the helpdesk has no delivery in flight and the service no turn; a turn
// may post and so fire new deliveries, hence the second look.
func (e *Env) Settle() {
	e.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for {
		if err := e.World.WaitIdle(ctx); err != nil {
			e.T.Fatalf("%s: helpdesk never idle: %v", e.D.Name, err)
		}
		if e.relay.idle() && e.App.Lanes.Active() == 0 {
			if err := e.World.WaitIdle(ctx); err == nil && e.relay.idle() && e.App.Lanes.Active() == 0 {
				return
			}
		}
		select {
		case <-ctx.Done():
			e.T.Fatalf("%s: turns never settled", e.D.Name)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Of returns the entries of a role.
func Of(s helpdesk.State, r helpdesk.Role) []helpdesk.Entry {
	var out []helpdesk.Entry
	for _, en := range s.Entries {
		if en.Role == r {
			out = append(out, en)
		}
	}
	return out
}

// Bot returns the bot's public messages.
func Bot(s helpdesk.State) []helpdesk.Entry { return Of(s, helpdesk.RoleBot) }

// LastBot returns the bot's latest public message (zero if none).
func LastBot(s helpdesk.State) helpdesk.Entry {
	b := Bot(s)
	if len(b) == 0 {
		return helpdesk.Entry{}
	}
	return b[len(b)-1]
}

// Offers reports whether the entry offers the choice.
func Offers(en helpdesk.Entry, choice string) bool {
	for _, o := range en.Offers {
		if o == choice {
			return true
		}
	}
	return false
}

// BotCount holds once the bot wrote n public messages.
func BotCount(n int) func(helpdesk.State) bool {
	return func(s helpdesk.State) bool { return len(Bot(s)) >= n }
}

// Dump renders a conversation for a failure message.
func Dump(s helpdesk.State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  with human %v, offline %v, email %q\n", s.WithHuman, s.Offline, s.Email)
	names := map[helpdesk.Role]string{helpdesk.RoleOther: "other", helpdesk.RoleVisitor: "visitor",
		helpdesk.RoleBot: "bot", helpdesk.RoleAgent: "agent", helpdesk.RoleNote: "note"}
	for _, en := range s.Entries {
		text := en.Text
		if len(text) > 160 {
			text = text[:160] + "…"
		}
		fmt.Fprintf(&b, "  %-7s %q", names[en.Role], text)
		if len(en.Offers) > 0 {
			fmt.Fprintf(&b, " offers %v", en.Offers)
		}
		if en.AsksEmail {
			b.WriteString(" asks email")
		}
		b.WriteString("\n")
	}
	return b.String()
}
