package handover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
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
	// MaxConcurrent caps how many turns run at once across conversations;
	// 0 means no fixed cap. A turn in flight is a goroutine waiting on I/O:
	// what really limits throughput is the LLM provider (see LLMLimiter) and
	// the helpdesk's rate budget, so the default is no fixed cap.
	MaxConcurrent int
	// Slots, when set, is a cap that moves (the LLM limiter's current
	// limit): it applies with MaxConcurrent, the lower of the two winning.
	// Conversations past the cap wait in a queue as plain data, without a
	// goroutine, so ten thousand of them cost little memory.
	Slots func() int
	// MaxActive bounds the conversations with work queued or running
	// (default 10000); past it Submit answers ErrBusy.
	MaxActive int
	// MaxQueued bounds the events waiting across all lanes.
	MaxQueued int
	// Admit, when set, is asked before a conversation with no work in
	// flight gets a new turn (agent activity aside), with how many
	// conversations already wait for a slot; an error refuses the event
	// (ErrBusy), so the helpdesk retries it later rather than it waiting
	// past its time.
	Admit func(waiting int) error
	// Changes, when set, shares "an event arrived for this conversation"
	// between replicas (Redis), so a turn on one replica sees an event
	// accepted by another (see Changed).
	Changes ChangeLog
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

// ChangeLog counts the events accepted for each conversation, across
// replicas.
type ChangeLog interface {
	// Touch records that an event for the conversation was accepted.
	Touch(ctx context.Context, conversationID string) error
	// Version returns how many events were recorded for the conversation.
	Version(ctx context.Context, conversationID string) (int64, error)
}

// Lanes serialise work per conversation: one turn at a time in a
// conversation, many conversations in parallel, bounded. Events that pile up
// in a lane while a turn runs are coalesced: the next turn re-reads the
// conversation anyway, so one turn answers them all.
type Lanes struct {
	run  Runner
	opts LaneOptions
	log  *slog.Logger

	mu      sync.Mutex
	lanes   map[string]*lane
	queued  int
	running int      // lanes with a goroutine (running a turn)
	ready   []string // lanes waiting for a slot, oldest first
	closed  bool
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

type lane struct {
	events []Event
	// seq counts the events accepted for this conversation (reconcile
	// events aside): a turn compares it with its value at the start to know
	// whether anything happened while it ran.
	seq uint64
	// started counts the turns started in this lane (a turn's retries are
	// one); waiters are SubmitWait calls waiting for a turn to finish.
	started uint64
	waiters []waiter
}

// waiter is one SubmitWait: it is released when a turn numbered need or
// later finishes, since that turn started after its event was accepted and
// every turn reads the conversation afresh.
type waiter struct {
	need uint64
	done chan error
}

// NewLanes returns lanes that run events with run.
func NewLanes(run Runner, o LaneOptions) *Lanes {
	if o.MaxActive <= 0 {
		o.MaxActive = 10000
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
	return &Lanes{run: run, opts: o, log: o.Logger,
		lanes: map[string]*lane{}, ctx: ctx, cancel: cancel}
}

// Submit queues an event in its conversation's lane and returns at once.
func (l *Lanes) Submit(ev Event) error {
	_, err := l.submit(ev, false)
	return err
}

// SubmitWait queues an event like Submit, then waits until a turn that
// started after the event was accepted has finished: nil when it did its
// work, its error when it failed for good, ErrClosed at shutdown, or ctx's
// error. A helpdesk that cannot be listed (so no reconciler finds a message
// whose turn was lost with the process) acknowledges its webhook only then,
// and redelivers what the process took down with it.
func (l *Lanes) SubmitWait(ctx context.Context, ev Event) error {
	done, err := l.submit(ev, true)
	if err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *Lanes) submit(ev Event, wait bool) (<-chan error, error) {
	if l.opts.Changes != nil && counts(ev) {
		ctx, cancel := context.WithTimeout(l.ctx, 2*time.Second)
		if err := l.opts.Changes.Touch(ctx, ev.ConversationID); err != nil {
			// A replica's turn may then miss this event and post without a
			// re-read; the event's own turn still runs and answers.
			l.log.Warn("could not share the event with other replicas", "conversation", ev.ConversationID, "err", err)
		}
		cancel()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	ln, running := l.lanes[ev.ConversationID]
	if running {
		if counts(ev) {
			ln.seq++
		}
		if !merge(ln.events, ev) {
			if l.queued >= l.opts.MaxQueued {
				return nil, ErrBusy
			}
			ln.events = append(ln.events, ev)
			l.queued++
		}
		return ln.wait(wait), nil
	}
	if l.queued >= l.opts.MaxQueued || len(l.lanes) >= l.opts.MaxActive {
		return nil, ErrBusy
	}
	// An agent's takeover needs no LLM and silences the bot: never refused.
	if l.opts.Admit != nil && ev.Kind != EventAgentActivity {
		if err := l.opts.Admit(len(l.ready)); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBusy, err)
		}
	}
	ln = &lane{events: []Event{ev}}
	if counts(ev) {
		ln.seq++
	}
	l.lanes[ev.ConversationID] = ln
	l.queued++
	l.wg.Add(1)
	l.ready = append(l.ready, ev.ConversationID)
	done := ln.wait(wait)
	l.spawnReady()
	return done, nil
}

// wait registers a waiter for the next turn to start, if asked; l.mu is held.
func (ln *lane) wait(wait bool) <-chan error {
	if !wait {
		return nil
	}
	w := waiter{need: ln.started, done: make(chan error, 1)}
	ln.waiters = append(ln.waiters, w)
	return w.done
}

// release tells the waiters a turn numbered up to turn covers how it ended;
// l.mu is held.
func (ln *lane) release(turn uint64, err error) {
	kept := ln.waiters[:0]
	for _, w := range ln.waiters {
		if w.need <= turn {
			w.done <- err
			continue
		}
		kept = append(kept, w)
	}
	ln.waiters = kept
}

// releaseAll ends every wait: the lane is gone; l.mu is held.
func (ln *lane) releaseAll(err error) {
	ln.release(math.MaxUint64, err)
}

// spawnReady starts lanes waiting for a slot, oldest first, while the cap
// allows; l.mu is held.
func (l *Lanes) spawnReady() {
	for len(l.ready) > 0 && l.running < l.slots() && l.ctx.Err() == nil {
		id := l.ready[0]
		l.ready = l.ready[1:]
		l.running++
		go l.drain(id, l.lanes[id])
	}
}

// counts reports whether ev tells of a change in its conversation, which a
// running turn must see (Changed): reconcile events and re-checks do not.
func counts(ev Event) bool { return ev.Kind != EventReconcile && !ev.Recheck }

// slots is the current cap on running lanes; l.mu is held.
func (l *Lanes) slots() int {
	n := math.MaxInt
	if l.opts.MaxConcurrent > 0 {
		n = l.opts.MaxConcurrent
	}
	if l.opts.Slots != nil {
		n = min(n, max(1, l.opts.Slots()))
	}
	return n
}

// merge folds ev into the events already queued in its lane and reports
// whether it did. Every turn re-reads the conversation, so one queued
// re-check covers any other; a click is kept unless the same click is queued;
// and a webhook event takes the place of a queued reconcile event, which
// would wait out its grace period. A folded event loses its Hint: two
// webhooks' views of the conversation may disagree, so the turn reads it.
func merge(queued []Event, ev Event) bool {
	for i, q := range queued {
		switch {
		case ev.Kind == EventChoice:
			if q.Kind == EventChoice && q.MessageID == ev.MessageID && q.Choice == ev.Choice && q.Email == ev.Email {
				queued[i].Hint = nil
				return true
			}
		case q.Kind == EventChoice:
		case q.Kind == EventReconcile && ev.Kind != EventReconcile:
			queued[i] = ev
			return true
		default:
			if ev.Kind != EventReconcile {
				queued[i].Hint = nil
			}
			return true
		}
	}
	return false
}

// drain runs a lane's events one turn at a time until it is empty, then
// takes the oldest lane waiting for a slot, if the cap allows, so a freed
// slot goes on working without a new goroutine.
func (l *Lanes) drain(id string, ln *lane) {
	for {
		l.mu.Lock()
		if l.ctx.Err() != nil || len(ln.events) == 0 {
			l.queued -= len(ln.events)
			ln.events = nil
			ln.releaseAll(l.closedErr())
			delete(l.lanes, id)
			l.wg.Done()
			if l.ctx.Err() == nil && len(l.ready) > 0 && l.running <= l.slots() {
				id = l.ready[0]
				l.ready = l.ready[1:]
				ln = l.lanes[id]
				l.mu.Unlock()
				continue
			}
			l.running--
			if l.ctx.Err() != nil {
				l.dropReady()
			} else {
				l.spawnReady() // the cap may have grown meanwhile
			}
			l.mu.Unlock()
			return
		}
		ev := ln.events[0]
		ln.events = ln.events[1:]
		l.queued--
		turn := ln.started
		ln.started++
		l.mu.Unlock()

		err := l.runWithRetry(ev, ln)
		l.mu.Lock()
		ln.release(turn, err)
		l.mu.Unlock()
	}
}

// closedErr is what a waiter of a lane that ends is told: nil, or ErrClosed
// when shutdown cut the lane short; l.mu is held.
func (l *Lanes) closedErr() error {
	if l.ctx.Err() != nil {
		return ErrClosed
	}
	return nil
}

// dropReady forgets the lanes waiting for a slot (shutdown ran out of
// time: the reconciler answers them later); l.mu is held.
func (l *Lanes) dropReady() {
	for _, id := range l.ready {
		if ln := l.lanes[id]; ln != nil {
			ln.releaseAll(ErrClosed)
			l.queued -= len(ln.events)
			delete(l.lanes, id)
		}
		l.wg.Done()
	}
	l.ready = nil
}

// runWithRetry runs the event, retrying a failed turn; it returns nil when
// a run succeeded, else the last error.
func (l *Lanes) runWithRetry(ev Event, ln *lane) error {
	wait := l.opts.RetryBase
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			ev.Hint = nil // a retry reads the conversation afresh
		}
		outcome, err := l.runLocked(ev, ln)
		if err == nil {
			l.log.Debug("turn done", "conversation", ev.ConversationID, "kind", ev.Kind, "outcome", outcome)
			return nil
		}
		if errors.Is(err, ErrPermanent) || attempt >= l.opts.Retries || l.ctx.Err() != nil {
			l.log.Error("turn failed; left for the reconciler or the helpdesk's redelivery", "conversation", ev.ConversationID,
				"kind", ev.Kind, "attempts", attempt+1, "err", err)
			return err
		}
		l.log.Warn("turn failed; retrying", "conversation", ev.ConversationID, "attempt", attempt+1, "err", err)
		pause := wait
		if rl := (*RetryLater)(nil); errors.As(err, &rl) && rl.After > pause {
			pause = rl.After
		}
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-l.ctx.Done():
			t.Stop()
			return ErrClosed
		}
		wait *= 2
	}
}

func (l *Lanes) runLocked(ev Event, ln *lane) (string, error) {
	if l.opts.Locker == nil {
		return l.run(l.startTurn(l.ctx, ev.ConversationID, ln), ev)
	}
	unlock, err := l.opts.Locker.Lock(l.ctx, ev.ConversationID)
	if err != nil {
		return "", fmt.Errorf("lock conversation %s: %w", ev.ConversationID, err)
	}
	defer unlock()
	return l.run(l.startTurn(l.ctx, ev.ConversationID, ln), ev)
}

// startTurn notes where the conversation's event counters stand as a turn
// starts (before it reads the helpdesk), for Changed.
func (l *Lanes) startTurn(ctx context.Context, id string, ln *lane) context.Context {
	p := &turnProbe{lanes: l, id: id, ln: ln}
	l.mu.Lock()
	p.seq = ln.seq
	l.mu.Unlock()
	if l.opts.Changes != nil {
		vctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		v, err := l.opts.Changes.Version(vctx, id)
		cancel()
		if err != nil {
			p.remoteUnknown = true
		}
		p.remote = v
	}
	return context.WithValue(ctx, turnProbeKey{}, p)
}

type turnProbeKey struct{}

// turnProbe answers Changed for one turn.
type turnProbe struct {
	lanes         *Lanes
	id            string
	ln            *lane
	seq           uint64
	remote        int64
	remoteUnknown bool
}

// Changed reports whether an event for the turn's conversation was
// accepted since the turn started (by this process, or by another replica
// when lanes share a ChangeLog). The engine re-reads the conversation
// before posting only then: an agent who joined or a visitor who wrote
// while the LLM thought always sends a webhook. Outside a lane's turn (or
// when the shared log cannot be read) it answers true, so callers re-read.
func Changed(ctx context.Context) bool {
	p, ok := ctx.Value(turnProbeKey{}).(*turnProbe)
	if !ok {
		return true
	}
	p.lanes.mu.Lock()
	local := p.ln.seq != p.seq
	p.lanes.mu.Unlock()
	if local {
		return true
	}
	if p.lanes.opts.Changes == nil {
		return false
	}
	if p.remoteUnknown {
		return true
	}
	vctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	v, err := p.lanes.opts.Changes.Version(vctx, p.id)
	return err != nil || v != p.remote
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
		l.mu.Lock()
		if l.running == 0 {
			l.dropReady()
		}
		l.mu.Unlock()
		<-done
		return fmt.Errorf("lanes drained only partly: %w", ctx.Err())
	}
}
