// Package app wires the core, a helpdesk adapter, the bot and the HTTP
// server into one running service. cmd/handover and the end-to-end tests
// both use it, so the tests exercise the wiring that ships.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/agentui"
	"github.com/handover-dev/handover/bot"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/schedload"
	"github.com/handover-dev/handover/replicas"
	"github.com/handover-dev/handover/server"
)

// Helpdesk is what an adapter provides: the core's port and the webhook side.
type Helpdesk = helpdesk.Adapter

// Options are the parts the caller may supply.
type Options struct {
	// Knowledge overrides HANDOVER_KNOWLEDGE_DIR (the sandbox's sample).
	Knowledge *bot.Knowledge
	// HTTPClient is used for LLM calls (tests).
	HTTPClient *http.Client
	Logger     *slog.Logger
	Metrics    *server.Metrics
	// LaneRetryBase is the first backoff of a failed turn (default 500ms).
	LaneRetryBase time.Duration
	// PostSettle is how long a turn whose answer could not be posted waits
	// before its retry (default 10s, the adapters' request timeout).
	PostSettle time.Duration
	// Redis, when set, is used instead of opening HANDOVER_REDIS_URL.
	Redis *replicas.Redis
	// CheckInterval, when positive, makes StartBackground check the helpdesk (when its adapter
	// is a helpdesk.Checker) and the LLM (bot.Check; not the offline bot) at once, log one line
	// for each that fails, and check those again every CheckInterval until they pass: /readyz
	// answers 503 with the reasons until then. Zero checks nothing (tests, the sandbox); serve
	// uses DefaultCheckInterval.
	CheckInterval time.Duration
}

// ackAfterTurn bounds how long a webhook's answer waits for its turn where the helpdesk cannot
// be listed: below the 20 s a helpdesk such as Sunshine Conversations waits for an answer.
const ackAfterTurn = 15 * time.Second

// journalReplayInterval is how often each replica looks for journaled webhooks that are due.
const journalReplayInterval = time.Second

// App is one running handover service.
type App struct {
	Server  *server.Server
	Engine  *handover.Engine
	Lanes   *handover.Lanes
	Metrics *server.Metrics
	// AgentUI serves the agent pages under /agent/; nil when
	// HANDOVER_AGENT_UI_SECRET is empty or the helpdesk lists no
	// conversations (handover.Directory).
	AgentUI *agentui.Handler
	// Reconciler is nil when the helpdesk cannot list conversations or
	// HANDOVER_RECONCILE_INTERVAL is 0.
	Reconciler *handover.Reconciler
	redis      *replicas.Redis
	ownRedis   bool
	stopBg     context.CancelFunc
	stopSched  context.CancelFunc
	bgDone     sync.WaitGroup
	checks     *checks // nil without start-up checks
	knowledge  *knowledge
	journaled  bool // the server journals webhooks in Redis: StartBackground replays them
	cfg        config.Config
	log        *slog.Logger
}

// New builds the service for cfg and hd.
func New(cfg config.Config, hd Helpdesk, o Options) (*App, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	metrics := o.Metrics
	if metrics == nil {
		metrics = server.NewMetrics()
	}
	kn, err := newKnowledge(cfg, hd, o, metrics, log)
	if err != nil {
		return nil, err
	}
	prompt := ""
	if cfg.SystemPromptFile != "" {
		b, err := os.ReadFile(cfg.SystemPromptFile)
		if err != nil {
			return nil, fmt.Errorf("system prompt: %w", err)
		}
		prompt = string(b)
	}
	botCfg := bot.Config{
		Provider: cfg.LLMProvider, Model: cfg.LLMModel, BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey.Value(),
		SystemPrompt: prompt, KnowledgeBase: kn.base, BotName: cfg.BotName, HTTPClient: o.HTTPClient,
		Logger: log.With("component", "bot"),
	}
	agent, err := bot.New(botCfg)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	// New work may expect to wait for the LLM up to half the LLM timeout;
	// beyond that admission answers 429 and the helpdesk retries later.
	limiter := handover.NewLLMLimiter(handover.LLMLimiterOptions{Max: cfg.LLMMaxConcurrency, MaxWait: cfg.LLMTimeout / 2})
	metrics.WatchLLMLimiter(limiter)
	engine, err := handover.NewEngine(handover.Options{
		Helpdesk: hd, Bot: agent, Detect: bot.IsHumanRequest,
		RequiredAnswers: cfg.RequiredAnswers, HumanRequestInChat: cfg.HumanRequestInChat,
		OfferOnRepeat: cfg.OfferOnRepeat, OfferOnUnknown: cfg.OfferOnUnknown, OfferOnFrustration: cfg.OfferOnFrustration,
		LLMTimeout: cfg.LLMTimeout, Limiter: limiter, PostSettle: o.PostSettle, Logger: log.With("component", "engine"), Observer: metrics,
		TypingIndicator: cfg.TypingIndicator, NoteLanguage: cfg.NoteLanguage, HumanWaitTimeout: cfg.HumanWaitTimeout,
	})
	if err != nil {
		return nil, err
	}
	rds, ownRedis := o.Redis, false
	if rds == nil && cfg.RedisURL != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		rds, err = replicas.Open(ctx, cfg.RedisURL.Value(), replicas.Options{
			Prefix: cfg.RedisPrefix, LockTTL: cfg.RedisLockLease, Logger: log.With("component", "redis"),
		})
		cancel()
		if err != nil {
			return nil, err
		}
		ownRedis = true
	}
	// The scheduler monitor runs until Shutdown (or until New fails).
	schedCtx, stopSched := context.WithCancel(context.Background())
	var sched *schedload.Monitor
	if cfg.AdmissionLatency > 0 {
		sched = schedload.Start(schedCtx, schedload.Options{Threshold: cfg.AdmissionLatency})
	}
	laneOpts := handover.LaneOptions{
		MaxConcurrent: cfg.MaxConcurrentTurns, MaxActive: cfg.MaxActive, MaxQueued: cfg.MaxQueuedEvents, Retries: 3,
		RetryBase: o.LaneRetryBase, Logger: log.With("component", "lanes"),
		// Never accept work that cannot be done in time: once a whole round
		// of LLM calls waits for a slot, new conversations get 429 and the
		// helpdesk retries them.
		// Conversations past the LLM's current limit wait in the lanes as
		// data (no goroutine, nothing loaded).
		Slots: limiter.Limit,
		Admit: func(waiting int) error {
			if limiter.WouldWaitTooLong(waiting) {
				return handover.ErrLLMSaturated
			}
			if sched.Overloaded() {
				return fmt.Errorf("cpu saturated: goroutines wait %s to run", sched.Latency())
			}
			return nil
		},
	}
	srvOpts := server.Options{Inbound: []server.Inbound{hd}, Metrics: metrics, Logger: log.With("component", "http")}
	if d, ok := cfg.Descriptor(); ok {
		srvOpts.BusyStatus = d.OverloadStatus
	}
	journaled := false
	if _, ok := hd.(handover.Lister); !ok {
		// No reconciler can find what a crash lost: the webhook's answer waits for the turn, so
		// the helpdesk redelivers what died with the process; with Redis, a journal there keeps
		// the webhook until its turn is done and the answer goes at once.
		srvOpts.AckAfterTurn = ackAfterTurn
		if rds != nil {
			srvOpts.Journal, journaled = rds.Journal(), true
		}
	}
	var chk *checks
	if o.CheckInterval > 0 {
		if deps := dependencies(hd.Name(), hd, botCfg, cfg.LLMTimeout); len(deps) > 0 {
			chk = newChecks(deps, o.CheckInterval, log.With("component", "check"))
		}
	}
	if rds != nil {
		laneOpts.Locker = rds
		laneOpts.Changes = rds
		laneOpts.Seen = rds
		// Replicas behind Redis share deliveries: an echo of one replica's write may reach
		// another. An adapter that keeps its expected echoes in Redis stays sound; for any other,
		// no replica may take a delivery for its own echo.
		if es, ok := hd.(handover.EchoSharer); ok {
			es.ShareEchoes(rds)
		} else {
			srvOpts.NoEchoFilter = true
		}
	}
	srvOpts.Ready = readiness(chk, rds)
	lanes := handover.NewLanes(engine.Handle, laneOpts)
	srvOpts.Queue = lanes
	srv := server.New(srvOpts)
	a := &App{Server: srv, Engine: engine, Lanes: lanes, Metrics: metrics, redis: rds, ownRedis: ownRedis, cfg: cfg, log: log, stopSched: stopSched, checks: chk, knowledge: kn, journaled: journaled}
	if lister, ok := hd.(handover.Lister); ok && cfg.ReconcileInterval > 0 {
		a.Reconciler = &handover.Reconciler{List: lister, Queue: lanes, Interval: cfg.ReconcileInterval,
			Grace: cfg.ReconcileGrace, Logger: log.With("component", "reconciler")}
		if ww, ok := hd.(handover.WaitWatcher); ok && cfg.HumanWaitTimeout > 0 {
			// Waiting chats are looked at a few times per timeout, not on every pass.
			a.Reconciler.Waiting, a.Reconciler.WaitInterval = ww, max(cfg.ReconcileInterval, cfg.HumanWaitTimeout/5)
		}
	}
	if err := a.mountAgentUI(hd); err != nil {
		stopSched()
		if ownRedis {
			_ = rds.Close()
		}
		return nil, err
	}
	return a, nil
}

// mountAgentUI serves the agent pages when HANDOVER_AGENT_UI_SECRET is set
// and the helpdesk implements handover.Directory. "Stop chatbot and join"
// queues the engine's agent-activity turn in the conversation's lane, so it
// never runs beside the turn of the assignment webhook: one announcement.
func (a *App) mountAgentUI(hd Helpdesk) error {
	secret := a.cfg.AgentUISecret.Value()
	if secret == "" {
		return nil
	}
	dir, ok := hd.(handover.Directory)
	if !ok {
		a.log.Warn("agent pages are off: this helpdesk adapter lists no conversations (handover.Directory)")
		return nil
	}
	refresh := a.cfg.AgentUIRefresh
	if d, ok := a.cfg.Descriptor(); ok && refresh < d.MinAgentUIRefresh {
		a.log.Info("agent pages refresh raised to what the helpdesk's API budget allows", "configured", refresh.String(), "refresh", d.MinAgentUIRefresh.String())
		refresh = d.MinAgentUIRefresh
	}
	ui, err := agentui.New(agentui.Options{
		Directory: dir, Loader: hd, Secret: secret, BotName: a.cfg.BotName, PublicURL: a.cfg.PublicURL,
		FrameAncestors: agentUIFrameAncestors(a.cfg), Refresh: refresh,
		Takeover: func(_ context.Context, id string) error {
			return a.Lanes.Submit(handover.Event{Kind: handover.EventAgentActivity, ConversationID: id})
		},
		Logger: a.log.With("component", "agentui"),
	})
	if err != nil {
		return fmt.Errorf("agent pages: %w", err)
	}
	ui.Register(a.Server.Echo())
	a.AgentUI = ui
	return nil
}

// agentUIFrameAncestors are the origins that may embed the agent pages:
// HANDOVER_AGENT_UI_FRAME_ANCESTORS plus the helpdesk's own origins where
// its adapter declares them (a dashboard app).
func agentUIFrameAncestors(cfg config.Config) []string {
	out := strings.FieldsFunc(cfg.AgentUIFrameAncestors, func(r rune) bool { return r == ',' || r == ' ' })
	if d, ok := cfg.Descriptor(); ok && d.FrameAncestors != nil {
		if s := cfg.Settings(); s != nil {
			out = append(out, d.FrameAncestors(s)...)
		}
	}
	return out
}

// StartBackground starts the reconciler (a pass at once, then every
// interval), the replay of the webhook journal (Redis, a helpdesk that
// cannot be listed), the knowledge reloads (every HANDOVER_KNOWLEDGE_REFRESH and on
// SIGHUP) and, with Options.CheckInterval, the start-up checks of the
// helpdesk and the LLM. Shutdown stops them.
func (a *App) StartBackground() {
	if a.stopBg != nil || (a.Reconciler == nil && a.checks == nil && !a.knowledge.reloads() && !a.journaled) {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.stopBg = cancel
	if a.Reconciler != nil {
		a.bgDone.Go(func() { a.Reconciler.Run(ctx) })
	}
	if a.checks != nil {
		a.bgDone.Go(func() { a.checks.run(ctx) })
	}
	if a.journaled {
		a.bgDone.Go(func() { a.Server.ReplayJournal(ctx, journalReplayInterval) })
	}
	if a.knowledge.reloads() {
		a.bgDone.Go(func() { a.knowledge.run(ctx) })
	}
}

// readiness is the server's readiness: the start-up checks (while one fails or has not run,
// its line) and Redis (a ping), each when there is one.
func readiness(chk *checks, rds *replicas.Redis) func(ctx context.Context) error {
	if chk == nil && rds == nil {
		return nil
	}
	return func(ctx context.Context) error {
		var reasons []string
		if chk != nil {
			if err := chk.ready(); err != nil {
				reasons = append(reasons, err.Error())
			}
		}
		if rds != nil {
			if err := rds.Ping(ctx); err != nil {
				reasons = append(reasons, err.Error())
			}
		}
		if len(reasons) == 0 {
			return nil
		}
		return errors.New(strings.Join(reasons, "; "))
	}
}

// Shutdown stops intake, then drains the lanes within the grace period.
func (a *App) Shutdown(ctx context.Context) error {
	a.Server.Drain()
	a.stopSched()
	if a.stopBg != nil {
		a.stopBg()
		a.bgDone.Wait()
	}
	var errs []error
	if err := a.Lanes.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := a.Server.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
	}
	if a.ownRedis {
		if err := a.redis.Close(); err != nil {
			errs = append(errs, fmt.Errorf("redis close: %w", err))
		}
	}
	return errors.Join(errs...)
}

// NewLogger returns the JSON slog logger for a level name.
func NewLogger(level string, w *os.File) *slog.Logger {
	var l slog.Level
	switch level {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
