package loadtest

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
)

// counters are the live numbers of a run, for the progress bar.
type counters struct {
	sent, acked, answered atomic.Int64
}

// progress draws a one-line bar on w (a terminal) every 200 ms until stop:
// elapsed time of the arrival window, then of the drain, and messages sent,
// webhooks acknowledged and answers posted.
type progress struct {
	w      io.Writer
	label  string
	total  int
	window time.Duration
	c      *counters
	start  time.Time
	stopc  chan struct{}
	done   chan struct{}
}

func startProgress(w io.Writer, label string, total int, window time.Duration, c *counters) *progress {
	p := &progress{w: w, label: label, total: total, window: window, c: c, start: time.Now(),
		stopc: make(chan struct{}), done: make(chan struct{})}
	if w == nil {
		close(p.done)
		return p
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stopc:
				p.draw(true)
				return
			case <-t.C:
				p.draw(false)
			}
		}
	}()
	return p
}

func (p *progress) draw(final bool) {
	const width = 24
	el := time.Since(p.start)
	frac := min(1, float64(el)/float64(p.window))
	n := int(frac * width)
	phase := "sending"
	if el >= p.window {
		phase = "draining"
	}
	if final {
		phase = "done"
	}
	line := fmt.Sprintf("\r%-20s [%s%s] %5.1fs %-8s sent %d/%d  acked %d  answered %d",
		p.label, strings.Repeat("#", n), strings.Repeat(".", width-n), el.Seconds(), phase,
		p.c.sent.Load(), p.total, p.c.acked.Load(), p.c.answered.Load())
	line += "\x1b[K" // clear the rest of a longer previous line
	if final {
		line += "\n"
	}
	_, _ = io.WriteString(p.w, line)
}

// stop draws the last state and ends the line.
func (p *progress) stop() {
	if p.w != nil {
		close(p.stopc)
	}
	<-p.done
}
