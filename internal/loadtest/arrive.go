package loadtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// seed writes history messages into every visitor's conversation before
// the run, as question/answer pairs: the visitor's message through the
// sim's visitor path, the bot's answer through the adapter. No webhook is
// connected yet, so no turn runs. Visitors are seeded in parallel.
func seed(ctx context.Context, w world, sched schedule, history int, convs []string) error {
	pairs := history / 2
	if pairs == 0 {
		return nil
	}
	jobs := make(chan int)
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range jobs {
				for k := range pairs {
					conv, err := w.send(ctx, sched.visitors[v], questions[k%len(questions)])
					if err == nil {
						convs[v] = conv
						err = w.seedAnswer(ctx, conv, answerText)
					}
					if err != nil {
						select {
						case errc <- fmt.Errorf("visitor %s: %w", sched.visitors[v], err):
						default:
						}
						return
					}
				}
			}
		}()
	}
	for v := range sched.visitors {
		select {
		case jobs <- v:
		case err := <-errc:
			close(jobs)
			wg.Wait()
			return err
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return ctx.Err()
	}
}

// arrive sends the schedule's messages open loop: each at its time from
// start, in its own goroutine, whether or not earlier ones were answered.
// It returns how many sends the sim refused.
func arrive(ctx context.Context, w world, sched schedule, start time.Time, convs []string, mu *sync.Mutex, c *counters) int {
	var wg sync.WaitGroup
	failed := 0
	t := time.NewTimer(0)
	defer t.Stop()
	<-t.C
	for _, a := range sched.arrivals {
		if d := time.Until(start.Add(a.at)); d > 0 {
			t.Reset(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				wg.Wait()
				return failed
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			conv, err := w.send(ctx, sched.visitors[a.visitor], a.text)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				return
			}
			c.sent.Add(1)
			convs[a.visitor] = conv
		}()
	}
	wg.Wait()
	return failed
}

// drain waits until every conversation's last visitor message has a bot
// answer after it and no delivery is in flight, then 500 ms more to catch a
// late second answer; or until the deadline. It polls only the conversations
// still waiting.
func drain(ctx context.Context, w world, rl *relay, ch *child, convs []string, deadline time.Time) error {
	waiting := map[string]bool{}
	for _, c := range convs {
		if c != "" {
			waiting[c] = true
		}
	}
	for {
		for c := range waiting {
			if answered(w.transcript(c)) {
				delete(waiting, c)
			}
		}
		if len(waiting) == 0 && rl.inflight.Load() == 0 {
			break
		}
		if ch.exited() {
			return errChildDied
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("drain: %d conversations still waiting for an answer at the deadline", len(waiting))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(500 * time.Millisecond):
	}
	if err := w.waitIdle(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
