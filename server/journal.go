package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/handover-dev/handover/handover"
)

// journalGiveUp is how long a journaled webhook is replayed before it is dropped with an error:
// about as long as a helpdesk keeps redelivering a webhook it could not deliver.
const journalGiveUp = time.Hour

// journalBatch is how many due entries one pass of ReplayJournal takes.
const journalBatch = 100

func (s *Server) journaling() bool {
	_, ok := s.opts.Queue.(FuncQueue)
	return s.opts.Journal != nil && ok
}

// acceptJournaled journals the webhook, queues its events and answers at once; the entry is
// removed when their turns are done. The journal is written before anything is marked as seen
// (the delivery, its events): a process that dies in between leaves an entry to replay, never
// a delivery that its redelivery would take for a duplicate. Should the journal fail, the
// answer waits for the turns (submitAndWait) as it would without one.
func (s *Server) acceptJournaled(c echo.Context, name string, body []byte, events []handover.Event, deliveryKey string,
	waitQ WaitQueue, count func(string), log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	id, err := s.opts.Journal.Add(ctx, name, body, s.opts.Now().Add(s.opts.AckAfterTurn))
	cancel()
	if err != nil {
		log.Warn("journal unavailable: the webhook's answer waits for its turn", "err", err)
		return s.submitAndWait(c, waitQ, events, count, log)
	}
	repeat, fresh := s.markSeen(name, deliveryKey, events)
	if repeat {
		s.journalDone(id, log)
		count("duplicate")
		return c.JSON(http.StatusOK, map[string]any{"status": "duplicate"})
	}
	accepted, err := s.submitJournaled(id, events, fresh, log)
	if err != nil && accepted == 0 {
		// Nothing was queued: forget the entry and let the helpdesk redeliver.
		s.journalDone(id, log)
		if deliveryKey != "" {
			s.opts.Dedupe.Forget(deliveryKey)
		}
		count("busy")
		log.Warn("webhook not queued", "err", err)
		c.Response().Header().Set("Retry-After", seconds(s.opts.RetryAfter))
		return c.JSON(s.opts.BusyStatus, problem{"busy: " + err.Error()})
	}
	// Some events queued and some refused: the entry is not removed, so the journal replays
	// the webhook once due (the queued events' turns do nothing twice).
	if accepted == 0 {
		count("duplicate")
		return c.JSON(http.StatusOK, map[string]any{"status": "duplicate"})
	}
	count("accepted")
	return c.JSON(http.StatusOK, map[string]any{"status": "accepted", "events": accepted})
}

// submitJournaled queues the events of journal entry id and removes the entry once all their
// turns are done; a refused event or a failed turn leaves it to be replayed. fresh, when not
// nil, says which events were not seen before (the others are skipped); a replay passes nil:
// the entry is there because its turn did not finish.
func (s *Server) submitJournaled(id string, events []handover.Event, fresh []bool, log *slog.Logger) (int, error) {
	q := s.opts.Queue.(FuncQueue)
	w := &journalWait{s: s, id: id, log: log, pending: 1}
	accepted := 0
	var refused error
	for i, ev := range events {
		if fresh != nil && !fresh[i] {
			continue
		}
		w.add()
		if err := q.SubmitFunc(ev, w.done); err != nil {
			if ev.SeenKey != "" { // a replay's events have none
				s.opts.Dedupe.Forget(ev.SeenKey)
			}
			w.done(err)
			refused = err
			break
		}
		accepted++
	}
	w.done(nil)
	return accepted, refused
}

// journalWait counts the turns a journal entry waits for.
type journalWait struct {
	s       *Server
	id      string
	log     *slog.Logger
	mu      sync.Mutex
	pending int
	failed  bool
}

func (w *journalWait) add() {
	w.mu.Lock()
	w.pending++
	w.mu.Unlock()
}

func (w *journalWait) done(err error) {
	w.mu.Lock()
	if err != nil {
		w.failed = true
	}
	w.pending--
	last, failed := w.pending == 0, w.failed
	w.mu.Unlock()
	if last && !failed {
		w.s.journalDone(w.id, w.log)
	}
}

func (s *Server) journalDone(id string, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.opts.Journal.Done(ctx, id); err != nil {
		// The entry is replayed when due; its turn does nothing twice.
		log.Warn("could not remove a journaled webhook", "err", err)
	}
}

// ReplayJournal replays, at once and then every interval until ctx ends, the journaled webhooks
// that are due: a process died before their turns were done, or a turn failed. A replay is
// parsed and queued like the webhook itself; its entry is made due again in case the replay
// dies too. Entries older than an hour are dropped with an error.
func (s *Server) ReplayJournal(ctx context.Context, interval time.Duration) {
	if !s.journaling() {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		// A pass at once: a process that restarts after a crash replays what is due first.
		if !s.isDraining() {
			s.replayDue(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// replayDue claims and replays one batch of due entries.
func (s *Server) replayDue(ctx context.Context) {
	now := s.opts.Now()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	entries, err := s.opts.Journal.Claim(cctx, now, now.Add(s.opts.AckAfterTurn), journalBatch)
	cancel()
	if err != nil {
		s.log.Warn("journal: could not claim due webhooks", "err", err)
		return
	}
	for _, e := range entries {
		log := s.log.With("helpdesk", e.Helpdesk, "journal_entry", e.ID, "replays", e.Replays)
		in, ok := s.inbound[e.Helpdesk]
		if !ok {
			// Another deployment shares this Redis prefix: leave it to the replicas that serve it.
			log.Warn("journal: a due webhook of a helpdesk not served here")
			continue
		}
		count := func(outcome string) { s.opts.Metrics.Webhook(e.Helpdesk, outcome) }
		if now.Sub(e.Since) > journalGiveUp {
			count("replay_dropped")
			log.Error("journal: dropping a webhook whose turn never finished", "acknowledged", e.Since)
			s.journalDone(e.ID, log)
			continue
		}
		events, err := in.Parse(e.Body)
		if err != nil || len(events) == 0 {
			log.Error("journal: a journaled webhook no longer parses; dropped", "err", err)
			s.journalDone(e.ID, log)
			continue
		}
		if _, err := s.submitJournaled(e.ID, events, nil, log); err != nil {
			if errors.Is(err, handover.ErrClosed) {
				return
			}
			log.Warn("journal: replay not queued; tried again when due", "err", err)
			continue
		}
		count("replayed")
		log.Info("journal: replaying a webhook whose turn did not finish")
	}
}
