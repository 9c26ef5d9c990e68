package replicas

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/internal/testenv"
)

func open(t *testing.T) *Redis {
	t.Helper()
	prefix := fmt.Sprintf("test:%s:%d:", t.Name(), time.Now().UnixNano())
	r, err := Open(context.Background(), testenv.RedisURL(t), Options{Prefix: prefix, LockTTL: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// concurrently runs f n times at once, on replicas a and b in turn, and waits for them all.
func concurrently(n int, a, b *Redis, f func(r *Redis)) {
	var wg sync.WaitGroup
	for i := range n {
		r := a
		if i%2 == 1 {
			r = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(r)
		}()
	}
	wg.Wait()
}

func TestDedupeSharedBetweenReplicas(t *testing.T) {
	a := open(t)
	b := &Redis{c: a.c, prefix: a.prefix, lockTTL: a.lockTTL, dedupTT: time.Minute, log: a.log}
	if !a.FirstSeen("d1") {
		t.Fatal("first sight must be new")
	}
	if b.FirstSeen("d1") {
		t.Fatal("the other replica must see it as a repeat")
	}
	b.Forget("d1")
	if !a.FirstSeen("d1") {
		t.Fatal("forgotten key must be new again")
	}
}

func TestLockSerialisesAcrossClients(t *testing.T) {
	a := open(t)
	b, err := Open(context.Background(), testenv.RedisURL(t), Options{Prefix: a.prefix, LockTTL: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var mu sync.Mutex
	inside, maxInside := 0, 0
	concurrently(8, a, b, func(r *Redis) {
		unlock, err := r.Lock(context.Background(), "conv-1")
		if err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		inside++
		maxInside = max(maxInside, inside)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		inside--
		mu.Unlock()
		unlock()
	})
	if maxInside != 1 {
		t.Fatalf("%d holders at once", maxInside)
	}
}

func TestLockRespectsContextAndExpiry(t *testing.T) {
	r := open(t)
	r.lockTTL = 300 * time.Millisecond
	// A replica that dies holding the lock: its client is gone, so nothing renews it.
	crashed, err := Open(context.Background(), testenv.RedisURL(t), Options{Prefix: r.prefix, LockTTL: r.lockTTL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crashed.Lock(context.Background(), "c"); err != nil {
		t.Fatal(err)
	}
	_ = crashed.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := r.Lock(ctx, "c"); err == nil {
		t.Fatal("lock held by another must block until ctx ends")
	}
	// After the TTL the lock is free again.
	unlock2, err := r.Lock(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	// A live holder keeps its lock past the TTL: it is renewed.
	time.Sleep(3 * r.lockTTL)
	ctx3, cancel3 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel3()
	if _, err := r.Lock(ctx3, "c"); err == nil {
		t.Fatal("a held lock expired while its holder was alive")
	}
	// The lock expires under its holder (Redis unreachable for a while), another replica takes
	// it: the first holder's late unlock must not free the other's lock.
	if err := r.c.Del(context.Background(), r.prefix+"lock:c").Err(); err != nil {
		t.Fatal(err)
	}
	unlock3, _ := r.Lock(context.Background(), "c")
	unlock2()
	unlock2() // releasing twice is harmless
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := r.Lock(ctx2, "c"); err == nil {
		t.Fatal("stale unlock released another holder's lock")
	}
	unlock3()
}

func TestOpenRejectsBadURLWithoutEcho(t *testing.T) {
	_, err := Open(context.Background(), "http://user:hunter2@example", Options{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err %v", err)
	}
}

// An event counted by one replica changes the version another replica sees.
func TestChangeLogSharedBetweenReplicas(t *testing.T) {
	a := open(t)
	b := &Redis{c: a.c, prefix: a.prefix, lockTTL: a.lockTTL, dedupTT: time.Minute, log: a.log, replica: "b"}
	ctx := context.Background()
	v0, err := a.Version(ctx, "c1")
	if err != nil || v0 != 0 {
		t.Fatalf("fresh version %d, %v", v0, err)
	}
	if err := b.Touch(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	v1, err := a.Version(ctx, "c1")
	if err != nil || v1 != 1 {
		t.Fatalf("after a touch on the other replica: %d, %v", v1, err)
	}
	if v, _ := a.Version(ctx, "c2"); v != 0 {
		t.Fatalf("another conversation moved: %d", v)
	}
	// A replica's own events are its lanes' to know: they do not move its version, and move
	// the other's.
	if err := a.Touch(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if v, _ := a.Version(ctx, "c1"); v != 1 {
		t.Fatalf("own event moved the version: %d", v)
	}
	if v, _ := b.Version(ctx, "c1"); v != 1 {
		t.Fatalf("the other replica's view: %d, want 1", v)
	}
}

// TestJournalClaimsDueEntriesOnce: an entry is claimed only once due, by one replica at a time,
// comes back when its replay is not marked done, and is gone once done.
func TestJournalClaimsDueEntriesOnce(t *testing.T) {
	a := open(t).Journal()
	b := a.r.Journal()
	ctx := context.Background()
	now := time.Now()
	id, err := a.Add(ctx, "zendesk", []byte(`{"events":[1]}`), now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Claim(ctx, now, now.Add(time.Minute), 10); err != nil || len(got) != 0 {
		t.Fatalf("claimed before due: %v %v", got, err)
	}
	later := now.Add(2 * time.Minute)
	got, err := b.Claim(ctx, later, later.Add(time.Minute), 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("due entry: %v %v", got, err)
	}
	e := got[0]
	if e.ID != id || e.Helpdesk != "zendesk" || string(e.Body) != `{"events":[1]}` || e.Replays != 1 || now.Sub(e.Since).Abs() > time.Second {
		t.Fatalf("entry %+v", e)
	}
	if again, _ := a.Claim(ctx, later, later.Add(time.Minute), 10); len(again) != 0 {
		t.Fatal("a claimed entry was claimed again before its new due time")
	}
	evenLater := later.Add(2 * time.Minute)
	if again, _ := a.Claim(ctx, evenLater, evenLater.Add(time.Minute), 10); len(again) != 1 || again[0].Replays != 2 {
		t.Fatalf("a replay not marked done must come back, counted: %+v", again)
	}
	if err := a.Done(ctx, id); err != nil {
		t.Fatal(err)
	}
	if again, _ := a.Claim(ctx, evenLater.Add(time.Hour), evenLater.Add(2*time.Hour), 10); len(again) != 0 {
		t.Fatalf("a done entry came back: %+v", again)
	}
}

// A webhook's keys are marked in one round trip, and read the same as key by key.
func TestFirstSeenAllInOneRoundTrip(t *testing.T) {
	a := open(t)
	if !a.FirstSeen("k2") {
		t.Fatal("k2 first sight")
	}
	if got := fmt.Sprint(a.FirstSeenAll([]string{"k1", "k2", "k3"})); got != "[true false true]" {
		t.Fatalf("first batch %s", got)
	}
	if got := fmt.Sprint(a.FirstSeenAll([]string{"k1", "k4"})); got != "[false true]" {
		t.Fatalf("second batch %s", got)
	}
	// Redis gone: every key counts as new (a lost de-duplication costs a read, never an answer).
	down := &Redis{c: a.c, prefix: a.prefix, dedupTT: time.Minute, log: a.log}
	_ = a.Close()
	if got := fmt.Sprint(down.FirstSeenAll([]string{"k1", "k5"})); got != "[true true]" {
		t.Fatalf("without Redis %s", got)
	}
}

// Expected echoes are taken once each, by whichever replica, oldest first; a forgotten one is
// gone, and one that expired is counted, not taken.
func TestEchoLedgerSharedBetweenReplicas(t *testing.T) {
	a := open(t)
	b := &Redis{c: a.c, prefix: a.prefix, dedupTT: time.Minute, log: a.log, replica: "b"}
	ctx := context.Background()
	if _, err := a.ExpectEcho(ctx, "t1", time.Minute); err != nil {
		t.Fatal(err)
	}
	forget, err := a.ExpectEcho(ctx, "t1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	forget()
	if taken, expired, err := b.TakeEcho(ctx, "t1"); err != nil || !taken || expired != 0 {
		t.Fatalf("the other replica's take: %v %d %v", taken, expired, err)
	}
	if taken, _, _ := a.TakeEcho(ctx, "t1"); taken {
		t.Fatal("a forgotten expectation, or one already taken, was taken")
	}
	if _, err := a.ExpectEcho(ctx, "t2", 30*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	// The set outlives the expectation, so the next take, however late, counts it.
	if ttl := a.c.PTTL(ctx, a.echoKey("t2")).Val(); ttl < echoKeep-time.Minute {
		t.Fatalf("the set of expected echoes lives %s past its deadline, want about %s", ttl, echoKeep)
	}
	if taken, expired, err := b.TakeEcho(ctx, "t2"); err != nil || taken || expired != 1 {
		t.Fatalf("an expired expectation: taken %v, expired %d, %v", taken, expired, err)
	}
	// Concurrent takes of three expectations by two replicas: three taken in all.
	for range 3 {
		if _, err := a.ExpectEcho(ctx, "t3", time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	taken := 0
	concurrently(8, a, b, func(r *Redis) {
		if ok, _, err := r.TakeEcho(ctx, "t3"); err == nil && ok {
			mu.Lock()
			taken++
			mu.Unlock()
		}
	})
	if taken != 3 {
		t.Fatalf("%d taken, want 3", taken)
	}
}
