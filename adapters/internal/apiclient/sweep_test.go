package apiclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// A sweep over 7 pages, 2 newest and 2 older a pass: the older window moves on each pass and
// starts over after the last page; a listing that fits in the newest pages reads no more.
func TestSweepPages(t *testing.T) {
	total := 7
	var s Sweep
	s.Newest, s.Older = 2, 2
	pass := func() []int {
		var read []int
		err := s.Numbered(context.Background(), func(_ context.Context, page int) (bool, error) {
			read = append(read, page)
			return page < total, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return read
	}
	for i, want := range [][]int{{1, 2, 3, 4}, {1, 2, 5, 6}, {1, 2, 7}, {1, 2, 3, 4}} {
		if got := pass(); !slices.Equal(got, want) {
			t.Fatalf("pass %d read pages %v, want %v", i+1, got, want)
		}
	}
	total = 2
	if got := pass(); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("a short listing: read pages %v, want [1 2]", got)
	}
	total = 1
	if got := pass(); !slices.Equal(got, []int{1}) {
		t.Errorf("one page: read pages %v, want [1]", got)
	}
}

// A failed page ends the pass with its error and leaves the window where it was.
func TestSweepPagesError(t *testing.T) {
	s := Sweep{Newest: 1, Older: 1}
	boom := errors.New("boom")
	fail := 2
	read := func(_ context.Context, page int) (bool, error) {
		if page == fail {
			return false, boom
		}
		return true, nil
	}
	if err := s.Numbered(context.Background(), read); !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	fail = 0
	var pages []int
	_ = s.Numbered(context.Background(), func(ctx context.Context, page int) (bool, error) {
		pages = append(pages, page)
		return read(ctx, page)
	})
	if !slices.Equal(pages, []int{1, 2}) {
		t.Errorf("after a failure the pass read %v, want [1 2] (the window did not move)", pages)
	}
}

// cursorList is a listing of total pages whose cursors are "c<page>"; the cursors in expired
// are refused with errStale.
type cursorList struct {
	total   int
	expired map[string]bool
	read    []int
}

var errStale = errors.New("invalid starting_after")

func (l *cursorList) page(_ context.Context, cursor string) (string, error) {
	p := 1
	if cursor != "" {
		if l.expired[cursor] {
			return "", errStale
		}
		if _, err := fmt.Sscanf(cursor, "c%d", &p); err != nil {
			return "", err
		}
	}
	l.read = append(l.read, p)
	if p >= l.total {
		return "", nil
	}
	return fmt.Sprintf("c%d", p+1), nil
}

// Paged by cursors, the sweep reads the newest pages, then the window from where the last pass stopped,
// and starts over at the end; a saved cursor that expired restarts the window after the newest.
func TestSweepCursors(t *testing.T) {
	l := &cursorList{total: 7, expired: map[string]bool{}}
	s := &Sweep{Newest: 2, Older: 2}
	isStale := func(err error) bool { return errors.Is(err, errStale) }
	pass := func() []int {
		l.read = nil
		if err := s.Pages(context.Background(), l.page, isStale); err != nil {
			t.Fatal(err)
		}
		return l.read
	}
	for i, want := range [][]int{{1, 2, 3, 4}, {1, 2, 5, 6}, {1, 2, 7}, {1, 2, 3, 4}} {
		if got := pass(); !slices.Equal(got, want) {
			t.Fatalf("pass %d read pages %v, want %v", i+1, got, want)
		}
	}
	l.expired["c5"] = true // the saved place
	if got := pass(); !slices.Equal(got, []int{1, 2, 3, 4}) {
		t.Errorf("after the saved cursor expired, read %v, want [1 2 3 4]", got)
	}
	l.total = 1
	if got := pass(); !slices.Equal(got, []int{1}) {
		t.Errorf("one page: read %v, want [1]", got)
	}
	// Another error ends the pass with it.
	l.total, l.expired = 7, map[string]bool{"c2": true}
	if err := s.Pages(context.Background(), l.page, isStale); !errors.Is(err, errStale) {
		t.Errorf("a refused cursor among the newest pages: err %v, want it returned", err)
	}
}
