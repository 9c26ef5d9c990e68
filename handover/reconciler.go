package handover

import (
	"context"
	"errors"
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

// Once runs one pass and returns how many conversations it submitted.
func (r *Reconciler) Once(ctx context.Context) (int, error) {
	ids, err := r.List.BotConversations(ctx)
	if err != nil {
		return 0, err
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
	return n, nil
}
