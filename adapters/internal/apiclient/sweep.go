package apiclient

import (
	"context"
	"sync"
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

// CursorSweep is Sweep for a listing paged by cursors, where each page names the next: every
// pass reads the Newest pages from the start, then Older pages on from the cursor where the
// last pass's window stopped, and starts over at the end. A saved cursor the helpdesk no longer
// accepts (stale) starts the window over right after the newest pages. Like Sweep's, the
// window's place is this process's own.
type CursorSweep struct {
	Newest, Older int
	mu            sync.Mutex
	next          string // the cursor the next pass's older window starts from; "": after the newest
}

// Pages calls read for the pages of one pass: with "" for the first page, then with the cursor
// read returned for the page before; read returns "" after the last page. stale reports whether
// read's error says a cursor is no longer valid. It returns read's error.
func (s *CursorSweep) Pages(ctx context.Context, read func(ctx context.Context, cursor string) (next string, err error), stale func(error) bool) error {
	cursor := ""
	for range max(1, s.Newest) {
		next, err := read(ctx, cursor)
		if err != nil {
			return err
		}
		if next == "" {
			s.save("")
			return nil
		}
		cursor = next
	}
	if s.Older <= 0 {
		return nil
	}
	s.mu.Lock()
	start := s.next
	s.mu.Unlock()
	if start == "" {
		start = cursor
	}
	c := start
	for i := 0; i < s.Older; i++ {
		next, err := read(ctx, c)
		if err != nil && i == 0 && c != cursor && stale != nil && stale(err) {
			c, i = cursor, -1 // the saved place expired: the window starts over after the newest
			continue
		}
		if err != nil {
			return err
		}
		if next == "" {
			s.save("") // the end: start over
			return nil
		}
		c = next
	}
	s.save(c)
	return nil
}

func (s *CursorSweep) save(cursor string) {
	s.mu.Lock()
	s.next = cursor
	s.mu.Unlock()
}
