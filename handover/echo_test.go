package handover

import (
	"context"
	"testing"
	"time"
)

// The in-process ledger: oldest first, once each; a forgotten expectation is gone; an expired
// one is counted at the next take, also when it was dropped to make room for another
// conversation; past its bound a new conversation's expectation is not recorded.
func TestMemoryEchoLedger(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1000, 0)
	m := NewMemoryEchoLedger(2)
	m.now = func() time.Time { return now }
	take := func(id string) (bool, int) {
		t.Helper()
		ok, n, err := m.TakeEcho(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return ok, n
	}
	m.ExpectEcho(ctx, "a", time.Second)
	forget, _ := m.ExpectEcho(ctx, "a", time.Second)
	forget()
	if ok, n := take("a"); !ok || n != 0 {
		t.Fatalf("first take %v %d", ok, n)
	}
	if ok, _ := take("a"); ok {
		t.Fatal("a forgotten or taken expectation was taken")
	}
	m.ExpectEcho(ctx, "a", time.Second)
	m.ExpectEcho(ctx, "b", time.Second)
	if _, err := m.ExpectEcho(ctx, "c", time.Second); err != nil {
		t.Fatal(err)
	}
	if ok, _ := take("c"); ok {
		t.Fatal("recorded past the bound")
	}
	now = now.Add(2 * time.Second)      // a and b expire
	m.ExpectEcho(ctx, "c", time.Second) // the sweep makes room
	if ok, n := take("c"); !ok || n != 2 {
		t.Fatalf("take after the sweep: %v, %d expired, want true and 2", ok, n)
	}
	m.ExpectEcho(ctx, "d", time.Second)
	now = now.Add(2 * time.Second)
	if ok, n := take("d"); ok || n != 1 {
		t.Fatalf("an expired expectation: %v, %d expired", ok, n)
	}
}
