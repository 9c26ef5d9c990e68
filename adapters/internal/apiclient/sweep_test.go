package apiclient

import (
	"context"
	"errors"
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
		err := s.Pages(context.Background(), func(_ context.Context, page int) (bool, error) {
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
	if err := s.Pages(context.Background(), read); !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	fail = 0
	var pages []int
	_ = s.Pages(context.Background(), func(ctx context.Context, page int) (bool, error) {
		pages = append(pages, page)
		return read(ctx, page)
	})
	if !slices.Equal(pages, []int{1, 2}) {
		t.Errorf("after a failure the pass read %v, want [1 2] (the window did not move)", pages)
	}
}
