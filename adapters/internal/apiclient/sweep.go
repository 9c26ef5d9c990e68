package apiclient

import (
	"context"
	"strconv"
	"sync"
)

// Sweep is how a reconciler's listing pages through a helpdesk's conversations within a bound:
// every pass reads the Newest pages from the start (a message that just lost its webhook is
// there, the listings being newest activity first), then Older pages on from where the last
// pass's window stopped, and starts over once the window reaches the end. A backlog deeper than
// one pass, such as a burst of conversations refused while the service was over capacity, is so
// swept in turn instead of never being reached behind the newest ones. Pages pages by cursors,
// Numbered by page numbers. The window's place is this process's own: a hint that costs nothing
// when lost with a restart.
type Sweep struct {
	Newest, Older int
	mu            sync.Mutex
	next          string // the cursor the next pass's older window starts from; "": after the newest
}

// Pages calls read for the pages of one pass: with "" for the first page, then with the cursor
// read returned for the page before; read returns "" after the last page. A saved cursor the
// helpdesk no longer accepts (stale reports so of read's error; nil: none is) starts the window
// over right after the newest pages. It returns read's error.
func (s *Sweep) Pages(ctx context.Context, read func(ctx context.Context, cursor string) (next string, err error), stale func(error) bool) error {
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

// Numbered is Pages for a listing paged by number from 1: read reports whether more pages
// follow the one it read.
func (s *Sweep) Numbered(ctx context.Context, read func(ctx context.Context, page int) (more bool, err error)) error {
	return s.Pages(ctx, func(ctx context.Context, cursor string) (string, error) {
		page := 1
		if cursor != "" {
			page, _ = strconv.Atoi(cursor) // always one of ours
		}
		more, err := read(ctx, page)
		if err != nil || !more {
			return "", err
		}
		return strconv.Itoa(page + 1), nil
	}, nil)
}

func (s *Sweep) save(cursor string) {
	s.mu.Lock()
	s.next = cursor
	s.mu.Unlock()
}
