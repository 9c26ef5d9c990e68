package handover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
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
	// Seen, when set, is the Deduper the replicas share (Redis): an event
	// with a SeenKey is marked there as its turn is about to run, and runs
	// no turn when another replica marked it first (a helpdesk's repeat of
	// a delivery that reached another replica). Marking it here rather than
	// before the webhook's answer keeps the answer free of the round trip.
	Seen   Deduper
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
	// Version returns a count of the events recorded for the conversation
	// that moves whenever another replica records one. It may leave out
	// this replica's own Touches: the lanes know their own events (and
	// which of them a turn read), so counting them would only make turns
	// re-read for events they already saw.
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
	events []entry
	// arrived counts the events accepted for this conversation; every
	// event gets the next number (see arrival).
	arrived uint64
	// news are the events accepted since the running turn started that
	// tell of a change (reconcile events and re-checks aside): Changed
	// looks at them. turn is the running turn's probe, if any.
	news []arrival
	turn *turnProbe
	// started counts the turns started in this lane (a turn's retries are
	// one); waiters are SubmitWait calls waiting for a turn to finish.
	started uint64
	waiters []waiter
}

// entry is one queued event and the events folded into it (see merge).
type entry struct {
	ev Event
	// parts are the events the entry stands for, itself first; nil once
	// more than maxParts were folded into it (it is then never dropped as
	// covered).
	parts []arrival
}

// maxParts bounds what an entry remembers of the events folded into it.
const maxParts = 16

// arrival is what a lane keeps of an accepted event to tell whether a
// turn's read covers it (turnProbe.covers).
type arrival struct {
	n       uint64 // the lane's count of accepted events when it came: 0, 1, 2...
	kind    EventKind
	message string
	recheck bool
	hint    any
	seenKey string // Event.SeenKey
}

// waiter is one SubmitWait: it is released when a turn numbered need or
// later finishes, since that turn started after its event was accepted and
// every turn reads the conversation afresh.
type waiter struct {
	need uint64
	done chan error  // SubmitWait's
	fn   func(error) // SubmitFunc's, called on a goroutine of its own
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
	_, err := l.submit(ev, false, nil)
	return err
}

// SubmitFunc queues an event like Submit and calls done, on a goroutine of
// its own, once a turn that started after the event was accepted has
// finished: with nil when it did its work, its error when it failed for
// good, ErrClosed at shutdown. Unlike SubmitWait it holds no goroutine while
// the event waits. done is not called when SubmitFunc returns an error.
func (l *Lanes) SubmitFunc(ev Event, done func(error)) error {
	_, err := l.submit(ev, false, done)
	return err
}

// SubmitWait queues an event like Submit, then waits until a turn that
// started after the event was accepted has finished: nil when it did its
// work, its error when it failed for good, ErrClosed at shutdown, or ctx's
// error. A helpdesk that cannot be listed (so no reconciler finds a message
// whose turn was lost with the process) acknowledges its webhook only then,
// and redelivers what the process took down with it.
func (l *Lanes) SubmitWait(ctx context.Context, ev Event) error {
	done, err := l.submit(ev, true, nil)
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

func (l *Lanes) submit(ev Event, wait bool, fn func(error)) (<-chan error, error) {
	if l.opts.Changes != nil && counts(ev) && !l.seenByRunningTurn(ev) {
		touch := func() {
			ctx, cancel := context.WithTimeout(l.ctx, 2*time.Second)
			defer cancel()
			if err := l.opts.Changes.Touch(ctx, ev.ConversationID); err != nil {
				// A replica's turn may then miss this event and post without a
				// re-read; the event's own turn still runs and answers.
				l.log.Warn("could not share the event with other replicas", "conversation", ev.ConversationID, "err", err)
			}
		}
		if ev.Kind == EventAgentActivity {
			// A person joined: counted before the webhook is answered, so no
			// replica's turn that checks after that posts for the bot.
			touch()
		} else {
			// A visitor's message: counted in the background, so the answer
			// does not wait for the round trip. A turn that checks in between
			// answers without it, and the message's own turn (after it, by the
			// conversation's lock) answers it.
			go touch()
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	ln, running := l.lanes[ev.ConversationID]
	if running {
		a := ln.accept(ev)
		if !merge(ln.events, ev, a) {
			if l.queued >= l.opts.MaxQueued {
				return nil, ErrBusy
			}
			ln.events = append(ln.events, entry{ev: ev, parts: []arrival{a}})
			l.queued++
		}
		return ln.wait(wait, fn), nil
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
	ln = &lane{}
	ln.events = []entry{{ev: ev, parts: []arrival{ln.accept(ev)}}}
	l.lanes[ev.ConversationID] = ln
	l.queued++
	l.wg.Add(1)
	l.ready = append(l.ready, ev.ConversationID)
	done := ln.wait(wait, fn)
	l.spawnReady()
	return done, nil
}

// accept numbers an event the lane takes in and, when it tells of a
// change, records it for the running turn's Changed; l.mu is held.
func (ln *lane) accept(ev Event) arrival {
	a := arrival{n: ln.arrived, kind: ev.Kind, message: ev.MessageID, recheck: ev.Recheck, seenKey: ev.SeenKey}
	ln.arrived++
	if counts(ev) && ln.turn != nil {
		n := a
		n.hint = ev.Hint
		if len(ln.news) >= maxParts {
			// Too many to keep: one that nothing covers stands for the rest.
			n = arrival{n: a.n}
			ln.news = ln.news[:maxParts-1]
		}
		ln.news = append(ln.news, n)
	}
	return a
}

// seenByRunningTurn reports whether ev is about a message that the turn
// running in its lane has read: then no turn elsewhere needs to hear of
// it. The lock serialises the conversation's turns across replicas, so no
// other replica's turn is running, and any later turn reads the message.
func (l *Lanes) seenByRunningTurn(ev Event) bool {
	if l.opts.Locker == nil || ev.Kind != EventVisitorMessage || ev.MessageID == "" {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ln := l.lanes[ev.ConversationID]
	return ln != nil && ln.turn != nil && ln.turn.readDone && ln.turn.read[ev.MessageID]
}

// wait registers a waiter for the next turn to start, if asked (wait, or a
// function to call); l.mu is held.
func (ln *lane) wait(wait bool, fn func(error)) <-chan error {
	if !wait && fn == nil {
		return nil
	}
	w := waiter{need: ln.started, fn: fn}
	if wait {
		w.done = make(chan error, 1)
	}
	ln.waiters = append(ln.waiters, w)
	return w.done
}

// release tells the waiters a turn numbered up to turn covers how it ended;
// l.mu is held.
func (ln *lane) release(turn uint64, err error) {
	kept := ln.waiters[:0]
	for _, w := range ln.waiters {
		if w.need <= turn {
			if w.done != nil {
				w.done <- err
			}
			if w.fn != nil {
				go w.fn(err)
			}
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

// merge folds ev (accepted as a) into the events already queued in its
// lane and reports whether it did. Every turn re-reads the conversation, so
// one queued re-check covers any other; a click is kept unless the same
// click is queued; and a webhook event takes the place of a queued
// reconcile event, which would wait out its grace period. A folded event
// loses its Hint unless both events carry the same one, or the hint says
// what remains (HintMerger): two webhooks' views of the conversation may
// disagree, so the turn reads it.
func merge(queued []entry, ev Event, a arrival) bool {
	for i := range queued {
		q := &queued[i]
		switch {
		case ev.Kind == EventChoice:
			if q.ev.Kind == EventChoice && q.ev.MessageID == ev.MessageID && q.ev.Choice == ev.Choice && q.ev.Email == ev.Email {
				q.ev.Hint = nil
				q.fold(a)
				return true
			}
		case q.ev.Kind == EventChoice:
		case q.ev.Kind == EventReconcile && ev.Kind != EventReconcile:
			q.ev = ev
			q.fold(a)
			return true
		default:
			if ev.Kind != EventReconcile {
				q.ev.Hint = mergeHints(q.ev.Hint, ev.Hint)
			}
			q.fold(a)
			return true
		}
	}
	return false
}

// mergeHints is what remains of the hint of a queued event when an event
// with hint b is folded into it (see HintMerger).
func mergeHints(a, b any) any {
	if m, ok := a.(HintMerger); ok {
		return m.MergeHint(b)
	}
	if reflect.DeepEqual(a, b) {
		return a
	}
	return nil
}

// fold records that the entry now also stands for the event accepted as a.
func (e *entry) fold(a arrival) {
	if e.parts == nil {
		return
	}
	if len(e.parts) >= maxParts {
		e.parts = nil
		return
	}
	e.parts = append(e.parts, a)
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
		e := ln.events[0]
		ln.events = ln.events[1:]
		l.queued--
		turn := ln.started
		ln.started++
		l.mu.Unlock()

		var err error
		if l.seenElsewhere(e) {
			l.log.Debug("event already taken by another replica; no turn", "conversation", e.ev.ConversationID, "kind", e.ev.Kind)
		} else {
			err = l.runWithRetry(e.ev, ln)
		}
		l.mu.Lock()
		ln.release(turn, err)
		l.mu.Unlock()
	}
}

// seenElsewhere marks the keys of the events entry e stands for in the
// shared Deduper (LaneOptions.Seen) and reports whether every one of them
// was marked before: another replica took them all, and e needs no turn.
// An event without a key, or an entry that forgot what it stands for,
// always runs.
func (l *Lanes) seenElsewhere(e entry) bool {
	if l.opts.Seen == nil || e.parts == nil {
		return false
	}
	keys := make([]string, 0, len(e.parts))
	for _, a := range e.parts {
		if a.seenKey != "" {
			keys = append(keys, a.seenKey)
		}
	}
	if len(keys) == 0 {
		return false
	}
	taken := len(keys) == len(e.parts)
	for _, fresh := range FirstSeenAll(l.opts.Seen, keys) {
		if fresh {
			taken = false
		}
	}
	return taken
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
		return l.runTurn(ev, ln)
	}
	unlock, err := l.opts.Locker.Lock(l.ctx, ev.ConversationID)
	if err != nil {
		return "", fmt.Errorf("lock conversation %s: %w", ev.ConversationID, err)
	}
	defer unlock()
	return l.runTurn(ev, ln)
}

// runTurn runs one attempt of a turn. When it answered, the events queued
// meanwhile that its read covers are dropped (see turnProbe.covers): their
// turns would read the same and find nothing to do.
func (l *Lanes) runTurn(ev Event, ln *lane) (string, error) {
	ctx, p := l.startTurn(l.ctx, ev.ConversationID, ln)
	outcome, err := l.run(ctx, ev)
	l.mu.Lock()
	defer l.mu.Unlock()
	ln.turn, ln.news = nil, nil
	if err == nil && outcome == OutcomeAnswered {
		kept := ln.events[:0]
		for _, e := range ln.events {
			if p.coversEntry(e) {
				l.queued--
				continue
			}
			kept = append(kept, e)
		}
		clear(ln.events[len(kept):])
		ln.events = kept
	}
	return outcome, err
}

// startTurn notes where the conversation's events stand as a turn starts
// (before it reads the helpdesk), for Changed.
func (l *Lanes) startTurn(ctx context.Context, id string, ln *lane) (context.Context, *turnProbe) {
	p := &turnProbe{lanes: l, id: id, ln: ln}
	l.mu.Lock()
	ln.turn, ln.news = p, nil
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
	return context.WithValue(ctx, turnProbeKey{}, p), p
}

type turnProbeKey struct{}

// turnProbe answers Changed for one turn, and knows what the turn read.
type turnProbe struct {
	lanes         *Lanes
	id            string
	ln            *lane
	remote        int64
	remoteUnknown bool
	// What the turn read (see cover), guarded by lanes.mu: the messages,
	// and how many events the lane had accepted when that read began.
	readDone bool
	read     map[string]bool
	mark     uint64
}

// covers reports whether what the turn read covers the event accepted as
// a: a visitor message accepted before the read began, or one the read
// holds, is in it. Only a visitor message: an agent's assignment may show
// in the helpdesk after its webhook, so it always counts. l.mu is held.
func (p *turnProbe) covers(a arrival) bool {
	return p.readDone && a.kind == EventVisitorMessage && (a.n < p.mark || (a.message != "" && p.read[a.message]))
}

// coversEntry reports whether an answered turn makes the queued entry e
// pointless: every event it stands for is a visitor message the turn read
// (and so answered) or a re-check (which says nothing changed); a click
// is always kept. l.mu is held.
func (p *turnProbe) coversEntry(e entry) bool {
	if e.ev.Kind == EventChoice || e.parts == nil {
		return false
	}
	for _, a := range e.parts {
		if !a.recheck && !p.covers(a) {
			return false
		}
	}
	return true
}

// readMark returns how many events the turn's lane has accepted, for a
// read that begins now (see cover); 0 outside a lane.
func readMark(ctx context.Context) uint64 {
	p, ok := ctx.Value(turnProbeKey{}).(*turnProbe)
	if !ok {
		return 0
	}
	p.lanes.mu.Lock()
	defer p.lanes.mu.Unlock()
	return p.ln.arrived
}

// cover tells the turn's lane what the turn read: conv, read after the
// lane had accepted mark events (readMark). A visitor message event about
// a message conv holds, or accepted before the read, then does not count
// for Changed, and once the turn has answered, the events it covers that
// are still queued are dropped. The engine calls it for the turn's read,
// and for a re-read whose pending messages are those it answers.
func cover(ctx context.Context, conv *Conversation, mark uint64) {
	p, ok := ctx.Value(turnProbeKey{}).(*turnProbe)
	if !ok || conv == nil {
		return
	}
	p.lanes.mu.Lock()
	defer p.lanes.mu.Unlock()
	if p.read == nil {
		p.read = make(map[string]bool, len(conv.Messages))
	}
	for _, m := range conv.Messages {
		if m.ID != "" {
			p.read[m.ID] = true
		}
	}
	p.readDone, p.mark = true, max(p.mark, mark)
}

// Changed reports whether an event for the turn's conversation was
// accepted since the turn started (by this process, or by another replica
// when lanes share a ChangeLog), other than one about a visitor message
// the turn read (see cover). The engine re-reads the conversation before
// posting only then: an agent who joined or a visitor who wrote while the
// LLM thought always sends a webhook. Outside a lane's turn (or when the
// shared log cannot be read) it answers true, so callers re-read.
func Changed(ctx context.Context) bool {
	p, ok := ctx.Value(turnProbeKey{}).(*turnProbe)
	if !ok {
		return true
	}
	p.lanes.mu.Lock()
	local := false
	for _, a := range p.ln.news {
		if !p.covers(a) {
			local = true
			break
		}
	}
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

// newsEvent returns the event that makes Changed true when it is the only
// one (every other accepted since the turn started is covered) and no
// other replica shares the lane's events: a re-read may then load the
// conversation as that event's own turn would, with its hint.
func newsEvent(ctx context.Context) (Event, bool) {
	p, ok := ctx.Value(turnProbeKey{}).(*turnProbe)
	if !ok || p.lanes.opts.Changes != nil {
		return Event{}, false
	}
	p.lanes.mu.Lock()
	defer p.lanes.mu.Unlock()
	var one *arrival
	for i := range p.ln.news {
		if a := &p.ln.news[i]; !p.covers(*a) {
			if one != nil {
				return Event{}, false
			}
			one = a
		}
	}
	if one == nil {
		return Event{}, false
	}
	return Event{Kind: one.kind, ConversationID: p.id, MessageID: one.message, Hint: one.hint}, true
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
