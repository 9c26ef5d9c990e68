package handover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Reconciler makes the helpdesk the queue: at start and every Interval it
// lists the conversations the bot may owe an answer and submits a reconcile
// event for each. The engine answers only what is still unanswered after the
// grace period, so a crash, a dropped webhook or a drained shutdown loses
// nothing, and a conversation already answered costs one read.
type Reconciler struct {
	List     Lister
	Queue    interface{ Submit(Event) error }
	Interval time.Duration
	Grace    time.Duration
	Logger   *slog.Logger
	// Waiting, when set (a helpdesk with WaitWatcher and Options.HumanWaitTimeout), also
	// lists the conversations waiting for a person, every WaitInterval (default Interval),
	// so that a visitor nobody took in time is offered the offline message.
	Waiting      WaitWatcher
	WaitInterval time.Duration

	lastWait time.Time
}

// Run reconciles until ctx ends.
func (r *Reconciler) Run(ctx context.Context) {
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	interval := r.Interval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	for {
		n, err := r.Once(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("reconcile pass failed", "err", err)
		} else if n > 0 {
			log.Debug("reconcile pass", "conversations", n)
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Once runs one pass and returns how many conversations it submitted. It is not safe to run
// from two goroutines at once.
func (r *Reconciler) Once(ctx context.Context) (int, error) {
	ids, listErr := r.List.BotConversations(ctx)
	if listErr != nil {
		listErr = fmt.Errorf("list bot conversations: %w", listErr)
	}
	n := 0
	for _, id := range ids {
		err := r.Queue.Submit(Event{Kind: EventReconcile, ConversationID: id, MinAge: r.Grace})
		if errors.Is(err, ErrClosed) {
			return n, err
		}
		if err == nil {
			n++
		}
	}
	if r.Waiting == nil || time.Since(r.lastWait) < r.WaitInterval {
		return n, listErr
	}
	r.lastWait = time.Now()
	waiting, err := r.Waiting.QueuedConversations(ctx)
	if err != nil {
		return n, errors.Join(listErr, fmt.Errorf("list conversations waiting for a person: %w", err))
	}
	for _, id := range waiting {
		err := r.Queue.Submit(Event{Kind: EventReconcile, ConversationID: id})
		if errors.Is(err, ErrClosed) {
			return n, err
		}
		if err == nil {
			n++
		}
	}
	return n, listErr
}
