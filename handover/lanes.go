package handover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ErrBusy is returned by Lanes.Submit when the bound on queued work is reached.
var ErrBusy = errors.New("too much work in flight")

// ErrClosed is returned by Lanes.Submit after shutdown began.
var ErrClosed = errors.New("shutting down")

// Runner runs one event; Engine.Handle fits.
type Runner func(ctx context.Context, ev Event) (string, error)

// LaneOptions bound the lanes.
type LaneOptions struct {
	// MaxConcurrent is how many turns run at once across conversations.
	MaxConcurrent int
	// MaxQueued bounds the events waiting across all lanes.
	MaxQueued int
	// Retries is how often a failed turn is retried (with backoff) before it
	// is left to the reconciler.
	Retries int
	// RetryBase is the first backoff; it doubles per retry.
	RetryBase time.Duration
	// Locker, when set, serialises a conversation's turns across replicas
	// (Redis). Without it lanes serialise within this process only.
	Locker Locker
	Logger *slog.Logger
}

// Locker is a lock shared by replicas.
type Locker interface {
	// Lock blocks until the conversation's lock is held or ctx ends, and
	// returns the function that releases it.
	Lock(ctx context.Context, conversationID string) (unlock func(), err error)
}

// Lanes serialise work per conversation: one turn at a time in a
// conversation, many conversations in parallel, bounded. Events that pile up
// in a lane while a turn runs are coalesced: the next turn re-reads the
// conversation anyway, so one turn answers them all.
type Lanes struct {
	run  Runner
	opts LaneOptions
	sem  chan struct{}
	log  *slog.Logger

	mu     sync.Mutex
	lanes  map[string]*lane
	queued int
	closed bool
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

type lane struct {
	events []Event
}

// NewLanes returns lanes that run events with run.
func NewLanes(run Runner, o LaneOptions) *Lanes {
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 32
	}
	if o.MaxQueued <= 0 {
		o.MaxQueued = 10000
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 500 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Lanes{run: run, opts: o, sem: make(chan struct{}, o.MaxConcurrent), log: o.Logger,
		lanes: map[string]*lane{}, ctx: ctx, cancel: cancel}
}

// Submit queues an event in its conversation's lane and returns at once.
func (l *Lanes) Submit(ev Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	ln, running := l.lanes[ev.ConversationID]
	if running {
		if merge(ln.events, ev) {
			return nil
		}
		if l.queued >= l.opts.MaxQueued {
			return ErrBusy
		}
		ln.events = append(ln.events, ev)
		l.queued++
		return nil
	}
	if l.queued >= l.opts.MaxQueued {
		return ErrBusy
	}
	ln = &lane{events: []Event{ev}}
	l.lanes[ev.ConversationID] = ln
	l.queued++
	l.wg.Add(1)
	go l.drain(ev.ConversationID, ln)
	return nil
}

// merge folds ev into the events already queued in its lane and reports
// whether it did. Every turn re-reads the conversation, so one queued
// re-check covers any other; a click is kept unless the same click is queued;
// and a webhook event takes the place of a queued reconcile event, which
// would wait out its grace period.
func merge(queued []Event, ev Event) bool {
	for i, q := range queued {
		switch {
		case ev.Kind == EventChoice:
			if q.Kind == EventChoice && q.MessageID == ev.MessageID && q.Choice == ev.Choice && q.Email == ev.Email {
				return true
			}
		case q.Kind == EventChoice:
		case q.Kind == EventReconcile && ev.Kind != EventReconcile:
			queued[i] = ev
			return true
		default:
			return true
		}
	}
	return false
}

func (l *Lanes) drain(id string, ln *lane) {
	defer l.wg.Done()
	for {
		// Wait for a slot first: until then the event stays queued, so
		// events arriving meanwhile coalesce into it.
		select {
		case l.sem <- struct{}{}:
		case <-l.ctx.Done():
			l.dropRest(id, ln)
			return
		}
		l.mu.Lock()
		if len(ln.events) == 0 {
			delete(l.lanes, id)
			l.mu.Unlock()
			<-l.sem
			return
		}
		ev := ln.events[0]
		ln.events = ln.events[1:]
		l.queued--
		l.mu.Unlock()

		l.runWithRetry(ev)
		<-l.sem
	}
}

func (l *Lanes) dropRest(id string, ln *lane) {
	l.mu.Lock()
	l.queued -= len(ln.events)
	ln.events = nil
	delete(l.lanes, id)
	l.mu.Unlock()
}

func (l *Lanes) runWithRetry(ev Event) {
	wait := l.opts.RetryBase
	for attempt := 0; ; attempt++ {
		outcome, err := l.runLocked(ev)
		if err == nil {
			l.log.Debug("turn done", "conversation", ev.ConversationID, "kind", ev.Kind, "outcome", outcome)
			return
		}
		if errors.Is(err, ErrPermanent) || attempt >= l.opts.Retries || l.ctx.Err() != nil {
			l.log.Error("turn failed; left for the reconciler", "conversation", ev.ConversationID,
				"kind", ev.Kind, "attempts", attempt+1, "err", err)
			return
		}
		l.log.Warn("turn failed; retrying", "conversation", ev.ConversationID, "attempt", attempt+1, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-l.ctx.Done():
			t.Stop()
			return
		}
		wait *= 2
	}
}

func (l *Lanes) runLocked(ev Event) (string, error) {
	if l.opts.Locker == nil {
		return l.run(l.ctx, ev)
	}
	unlock, err := l.opts.Locker.Lock(l.ctx, ev.ConversationID)
	if err != nil {
		return "", fmt.Errorf("lock conversation %s: %w", ev.ConversationID, err)
	}
	defer unlock()
	return l.run(l.ctx, ev)
}

// Queued returns the number of events waiting (not running).
func (l *Lanes) Queued() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.queued
}

// Active returns the number of conversations with work queued or running.
func (l *Lanes) Active() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lanes)
}

// Shutdown stops intake and waits for the lanes to drain. When ctx ends
// first, running turns are cancelled and what is left is the reconciler's.
func (l *Lanes) Shutdown(ctx context.Context) error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
		l.cancel()
		return nil
	case <-ctx.Done():
		l.cancel()
		<-done
		return fmt.Errorf("lanes drained only partly: %w", ctx.Err())
	}
}
