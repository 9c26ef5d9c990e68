package liveagent

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSampleChatsReachesEveryChat: with more running bot chats than one reconcile pass
// re-checks, half the pass is the most recently changed chats and half a draw of the others,
// so a chat whose message was lost is re-checked within a few passes however many busier
// chats there are; with few chats, every one is listed.
func TestSampleChatsReachesEveryChat(t *testing.T) {
	var ts []ticket
	for i := 0; i < 200; i++ {
		ts = append(ts, ticket{ID: flexString(fmt.Sprintf("c%d", i))})
	}
	reverse := func(n int, swap func(i, j int)) { // a deterministic "shuffle": the oldest first
		for i := 0; i < n/2; i++ {
			swap(i, n-1-i)
		}
	}
	got := sampleChats(ts, 50, reverse)
	if len(got) != 50 || got[0] != "c0" || got[24] != "c24" || !slices.Contains(got, "c199") || slices.Contains(got, "c30") {
		t.Fatalf("got %v: want c0..c24 and 25 drawn from the rest (here the oldest)", got)
	}
	if few := sampleChats(ts[:10], 50, reverse); len(few) != 10 {
		t.Fatalf("few chats: got %v, want all 10", few)
	}
	// With a real shuffle every chat is drawn within a few passes.
	seen := map[string]bool{}
	for pass := 0; pass < 150; pass++ {
		for _, id := range sampleChats(ts, 50, rand.Shuffle) {
			seen[id] = true
		}
	}
	if len(seen) != len(ts) {
		t.Fatalf("after 150 passes %d of %d chats were re-checked", len(seen), len(ts))
	}
}
