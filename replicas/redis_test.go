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
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		r := a
		if i%2 == 1 {
			r = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
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
		}()
	}
	wg.Wait()
	if maxInside != 1 {
		t.Fatalf("%d holders at once", maxInside)
	}
}

func TestLockRespectsContextAndExpiry(t *testing.T) {
	r := open(t)
	r.lockTTL = 300 * time.Millisecond
	unlock, err := r.Lock(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	_ = unlock // a crashed holder never unlocks
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
	unlock2()
	// A stale unlock from the first holder must not free someone else's lock.
	unlock3, _ := r.Lock(context.Background(), "c")
	unlock()
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
	b := &Redis{c: a.c, prefix: a.prefix, lockTTL: a.lockTTL, dedupTT: time.Minute, log: a.log}
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
}
