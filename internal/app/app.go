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
	"time"

	"github.com/handover-dev/handover/bot"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/server"
)

// Helpdesk is what an adapter provides: the core's port and the webhook side.
type Helpdesk interface {
	handover.Helpdesk
	server.Inbound
}

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
}

// App is one running handover service.
type App struct {
	Server  *server.Server
	Engine  *handover.Engine
	Lanes   *handover.Lanes
	Metrics *server.Metrics
	cfg     config.Config
	log     *slog.Logger
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
	kb := o.Knowledge
	if kb == nil && cfg.KnowledgeDir != "" {
		var err error
		if kb, err = bot.LoadKnowledge(cfg.KnowledgeDir); err != nil {
			return nil, fmt.Errorf("knowledge: %w", err)
		}
	}
	prompt := ""
	if cfg.SystemPromptFile != "" {
		b, err := os.ReadFile(cfg.SystemPromptFile)
		if err != nil {
			return nil, fmt.Errorf("system prompt: %w", err)
		}
		prompt = string(b)
	}
	agent, err := bot.New(bot.Config{
		Provider: cfg.LLMProvider, Model: cfg.LLMModel, BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey.Value(),
		SystemPrompt: prompt, Knowledge: kb, BotName: cfg.BotName, HTTPClient: o.HTTPClient,
		Logger: log.With("component", "bot"),
	})
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	engine, err := handover.NewEngine(handover.Options{
		Helpdesk: hd, Bot: agent, Detect: bot.IsHumanRequest,
		RequiredAnswers: cfg.RequiredAnswers, HumanRequestInChat: cfg.HumanRequestInChat,
		LLMTimeout: cfg.LLMTimeout, Logger: log.With("component", "engine"), Observer: metrics,
	})
	if err != nil {
		return nil, err
	}
	lanes := handover.NewLanes(engine.Handle, handover.LaneOptions{
		MaxConcurrent: cfg.MaxConcurrentTurns, MaxQueued: cfg.MaxQueuedEvents, Retries: 3,
		RetryBase: o.LaneRetryBase, Logger: log.With("component", "lanes"),
	})
	srv := server.New(server.Options{
		Inbound: []server.Inbound{hd}, Queue: lanes, Metrics: metrics, Logger: log.With("component", "http"),
	})
	return &App{Server: srv, Engine: engine, Lanes: lanes, Metrics: metrics, cfg: cfg, log: log}, nil
}

// Shutdown stops intake, then drains the lanes within the grace period.
func (a *App) Shutdown(ctx context.Context) error {
	a.Server.Drain()
	var errs []error
	if err := a.Lanes.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := a.Server.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
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
