package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/bot"
	"github.com/handover-dev/handover/internal/netdiag"
)

// DefaultCheckInterval is how often serve checks again a helpdesk or an LLM that failed its
// start-up check.
const DefaultCheckInterval = 30 * time.Second

// helpdeskCheckTimeout bounds one helpdesk check (one or two requests).
const helpdeskCheckTimeout = 20 * time.Second

// llmCheckTimeout bounds the LLM check (or HANDOVER_LLM_TIMEOUT when shorter). A provider that
// took the request but has not answered by then (a local model still loading) passes, with a
// warning: it is reachable, and its speed is no configuration problem.
const llmCheckTimeout = 10 * time.Second

// errSlow marks a check that passed without an answer in time; its text is the warning.
type errSlow struct{ msg string }

func (e errSlow) Error() string { return e.msg }

// dependency is one thing the service needs and checks at start: the helpdesk or the LLM.
type dependency struct {
	name    string // "helpdesk chatwoot", "LLM openai"
	check   func(ctx context.Context) error
	timeout time.Duration
}

// checks holds the outcome of the start-up checks: readiness fails until each dependency has
// passed once.
type checks struct {
	deps     []dependency
	interval time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	failing map[string]string // dependency name → its line
	passed  map[string]bool
}

func newChecks(deps []dependency, interval time.Duration, log *slog.Logger) *checks {
	return &checks{deps: deps, interval: interval, log: log, failing: map[string]string{}, passed: map[string]bool{}}
}

// ready is the readiness of the dependencies: nil once every one passed its check.
func (c *checks) ready() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var lines []string
	for _, d := range c.deps {
		if c.passed[d.name] {
			continue
		}
		if l := c.failing[d.name]; l != "" {
			lines = append(lines, l)
		} else {
			lines = append(lines, d.name+": not checked yet")
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return errors.New(strings.Join(lines, "; "))
}

// run checks every dependency at once, then the failing ones every interval until all passed
// or ctx ends.
func (c *checks) run(ctx context.Context) {
	for {
		c.round(ctx)
		c.mu.Lock()
		done := len(c.passed) == len(c.deps)
		c.mu.Unlock()
		if done || ctx.Err() != nil {
			return
		}
		t := time.NewTimer(c.interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// round checks, side by side, the dependencies that have not passed yet, and logs one line for
// each that fails (again only when its line changed) and one when it recovers.
func (c *checks) round(ctx context.Context) {
	var wg sync.WaitGroup
	for _, d := range c.deps {
		c.mu.Lock()
		passed := c.passed[d.name]
		c.mu.Unlock()
		if passed {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, d.timeout)
			err := d.check(cctx)
			cancel()
			if ctx.Err() != nil {
				return // shutting down: no verdict
			}
			var slow errSlow
			if errors.As(err, &slow) {
				c.log.Warn(d.name+": "+slow.msg, "check", d.name)
				err = nil
			}
			c.mu.Lock()
			before, wasFailing := c.failing[d.name]
			if err == nil {
				c.passed[d.name] = true
				delete(c.failing, d.name)
			} else {
				c.failing[d.name] = d.name + ": " + err.Error()
			}
			line := c.failing[d.name]
			c.mu.Unlock()
			switch {
			case err == nil && wasFailing:
				c.log.Info(d.name+": reachable now; it was: "+strings.TrimPrefix(before, d.name+": "), "check", d.name)
			case err == nil && slow.msg == "":
				c.log.Info(d.name+": reachable, credentials accepted", "check", d.name)
			case line != before:
				c.log.Error(line, "check", d.name, "next_check", c.interval.String())
			default:
				c.log.Debug(line, "check", d.name, "next_check", c.interval.String())
			}
		}()
	}
	wg.Wait()
}

// llmVariables maps what an LLM check points at to the variable to fix.
var llmVariables = map[bot.Setting]string{
	bot.SettingBaseURL: "HANDOVER_LLM_BASE_URL",
	bot.SettingAPIKey:  "HANDOVER_LLM_API_KEY",
	bot.SettingModel:   "HANDOVER_LLM_MODEL",
}

// llmError words an LLM check error for people: the variable to fix instead of the setting.
func llmError(err error, baseURLSet bool) error {
	var ce *bot.CheckError
	if !errors.As(err, &ce) {
		return err
	}
	if ce.Slow {
		return errSlow{msg: "no answer in time at " + ce.URL + "; it is reachable: the first bot turn will tell whether HANDOVER_LLM_API_KEY and HANDOVER_LLM_MODEL work"}
	}
	fix := ""
	switch {
	case ce.Setting == bot.SettingAccount:
		fix = "check the provider account's quota and billing"
	case ce.Setting == bot.SettingBaseURL && !baseURLSet:
		fix = "check the network path to the provider, or set HANDOVER_LLM_BASE_URL"
	case llmVariables[ce.Setting] != "":
		fix = "check " + llmVariables[ce.Setting]
	}
	return errors.New(netdiag.Sentence(ce.Problem, ce.URL, ce.Detail, fix))
}

// dependencies lists what serve checks: the helpdesk when its adapter can check itself
// (helpdesk.Checker), and the LLM unless the bot is offline.
func dependencies(name string, hd Helpdesk, llm bot.Config, llmTimeout time.Duration) []dependency {
	var out []dependency
	if c, ok := hd.(helpdesk.Checker); ok {
		out = append(out, dependency{name: "helpdesk " + name, timeout: helpdeskCheckTimeout,
			check: c.Check})
	}
	provider := strings.ToLower(strings.TrimSpace(llm.Provider))
	if provider != "" && provider != bot.ProviderOffline {
		if llmTimeout <= 0 || llmTimeout > llmCheckTimeout {
			llmTimeout = llmCheckTimeout
		}
		out = append(out, dependency{name: fmt.Sprintf("LLM %s", provider), timeout: llmTimeout,
			check: func(ctx context.Context) error {
				return llmError(bot.Check(ctx, llm), strings.TrimSpace(llm.BaseURL) != "")
			}})
	}
	return out
}
