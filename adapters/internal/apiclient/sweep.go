package apiclient

import (
	"context"
	"sync/atomic"
)

// Sweep is how a reconciler's listing pages through a helpdesk's conversations, newest
// activity first, within a bound: every pass reads the Newest pages (a message that just lost
// its webhook is there) and a window of Older pages further back, which moves on by Older each
// pass and starts over once it reaches the end. A backlog deeper than one pass, such as a burst
// of conversations refused while the service was over capacity, is so swept in turn, instead
// of never being reached behind the newest ones. The window's place is this process's own: a
// hint that costs nothing when lost with a restart.
type Sweep struct {
	Newest, Older int
	from          atomic.Int64 // the first older page the next pass reads; 0: Newest+1
}

// Pages calls read for the pages of one pass, numbered from 1, until read reports that the
// page was the last (more false) or fails; it returns read's error.
func (s *Sweep) Pages(ctx context.Context, read func(ctx context.Context, page int) (more bool, err error)) error {
	more, err := s.run(ctx, 1, s.Newest, read)
	if err != nil || !more || s.Older <= 0 {
		return err
	}
	from := max(int(s.from.Load()), s.Newest+1)
	more, err = s.run(ctx, from, s.Older, read)
	if err != nil {
		return err
	}
	next := from + s.Older
	if !more {
		next = s.Newest + 1 // the end: start over at the first older page
	}
	s.from.Store(int64(next))
	return nil
}

// run reads n pages from page from on and reports whether the last one said more follow.
func (s *Sweep) run(ctx context.Context, from, n int, read func(context.Context, int) (bool, error)) (bool, error) {
	for page := from; page < from+n; page++ {
		more, err := read(ctx, page)
		if err != nil || !more {
			return false, err
		}
	}
	return true, nil
}
