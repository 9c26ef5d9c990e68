package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/app"
)

// baseConfig is the configuration every end-to-end world starts from: the
// given helpdesk and the scripted LLM server through langchaingo's openai
// provider.
func baseConfig(helpdesk, llmURL string) config.Config {
	return config.Config{
		Helpdesk: helpdesk, RequiredAnswers: 3, HumanRequestInChat: true, BotName: "AI assistant",
		LLMProvider: "openai", LLMBaseURL: llmURL, LLMAPIKey: "test-key", LLMModel: "test-model",
		LLMTimeout: 2 * time.Second, LogLevel: "debug", MaxConcurrentTurns: 8, MaxQueuedEvents: 1000,
		ShutdownGrace: 5 * time.Second,
	}
}

// host runs one handover instance behind a relay that stands for the
// network: it records every delivery (to replay it), forwards it to
// whichever instance is running (503 while none is), and can hold the answer
// back (a slow network). Each helpdesk's world embeds a host.
type host struct {
	t   *testing.T
	cfg config.Config
	// newHelpdesk builds the adapter of a fresh instance.
	newHelpdesk func() (app.Helpdesk, error)
	// simIdle waits until the simulated helpdesk has no delivery in flight.
	simIdle func(context.Context) error

	mu         sync.Mutex
	app        *app.App
	deliveries []delivery
	delay      time.Duration // held after the instance answered each delivery
	relay      *httptest.Server
}

// newHost starts the relay; the world sets newHelpdesk and simIdle, points
// its simulator at h.relay.URL, then calls h.run.
func newHost(t *testing.T, cfg config.Config) *host {
	t.Helper()
	h := &host{t: t, cfg: cfg}
	h.relay = httptest.NewServer(http.HandlerFunc(h.forward))
	t.Cleanup(h.relay.Close)
	return h
}

func (h *host) forward(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.deliveries = append(h.deliveries, delivery{header: r.Header.Clone(), body: body})
	a, delay := h.app, h.delay
	h.mu.Unlock()
	if a == nil {
		http.Error(rw, "down", http.StatusServiceUnavailable)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if delay <= 0 {
		a.Server.ServeHTTP(rw, r)
		return
	}
	rec := httptest.NewRecorder()
	a.Server.ServeHTTP(rec, r)
	time.Sleep(delay)
	for k, v := range rec.Header() {
		rw.Header()[k] = v
	}
	rw.WriteHeader(rec.Code)
	_, _ = rw.Write(rec.Body.Bytes())
}

// run starts the first instance and stops the running one at cleanup.
func (h *host) run() {
	h.t.Helper()
	h.start()
	h.t.Cleanup(h.stop)
}

// start runs a fresh handover instance (a restart keeps nothing but config).
func (h *host) start() {
	h.t.Helper()
	hd, err := h.newHelpdesk()
	if err != nil {
		h.t.Fatal(err)
	}
	a, err := app.New(h.cfg, hd, app.Options{LaneRetryBase: 20 * time.Millisecond, PostSettle: 200 * time.Millisecond})
	if err != nil {
		h.t.Fatal(err)
	}
	h.mu.Lock()
	h.app = a
	h.mu.Unlock()
}

// stop shuts the running instance down (drained).
func (h *host) stop() {
	h.mu.Lock()
	a := h.app
	h.app = nil
	h.mu.Unlock()
	if a == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = a.Shutdown(ctx)
}

func (h *host) restart() {
	h.settle()
	h.stop()
	h.start()
}

// settle waits until deliveries are done and lanes are empty; a turn may
// post and so fire new deliveries, hence the second look.
func (h *host) settle() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		if err := h.simIdle(ctx); err != nil {
			h.t.Fatalf("sim never idle: %v", err)
		}
		h.mu.Lock()
		a := h.app
		h.mu.Unlock()
		if a == nil || a.Lanes.Active() == 0 {
			if err := h.simIdle(ctx); err == nil && (a == nil || a.Lanes.Active() == 0) {
				return
			}
		}
		select {
		case <-ctx.Done():
			h.t.Fatal("lanes never settled")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// ctx is a context for one simulator call.
func (h *host) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// recorded returns the deliveries so far.
func (h *host) recorded() []delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivery(nil), h.deliveries...)
}
