package handover

import (
	"container/list"
	"sync"
	"time"
)

// Deduper remembers keys for a while so repeated deliveries run once.
type Deduper interface {
	// FirstSeen records key and reports whether it was new.
	FirstSeen(key string) bool
	// Forget drops key, so a delivery that could not be queued is accepted
	// when the helpdesk retries it.
	Forget(key string)
}

// BatchDeduper is a Deduper that records several keys at once: one round trip
// where the keys are shared over a network (Redis).
type BatchDeduper interface {
	Deduper
	// FirstSeenAll records keys and reports, for each, whether it was new.
	FirstSeenAll(keys []string) []bool
}

// FirstSeenAll records keys with d and reports, for each, whether it was new:
// at once when d is a BatchDeduper, else key by key.
func FirstSeenAll(d Deduper, keys []string) []bool {
	if len(keys) == 0 {
		return nil
	}
	if b, ok := d.(BatchDeduper); ok {
		return b.FirstSeenAll(keys)
	}
	out := make([]bool, len(keys))
	for i, k := range keys {
		out[i] = d.FirstSeen(k)
	}
	return out
}

// MemoryDeduper is a bounded, expiring in-process Deduper. It is an
// optimisation only: correctness never depends on it, since each turn
// re-reads the conversation before acting.
type MemoryDeduper struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	order *list.List
	items map[string]*list.Element
	now   func() time.Time
}

type dedupeEntry struct {
	key string
	at  time.Time
}

// NewMemoryDeduper keeps up to max keys for ttl.
func NewMemoryDeduper(max int, ttl time.Duration) *MemoryDeduper {
	if max <= 0 {
		max = 100000
	}
	return &MemoryDeduper{ttl: ttl, max: max, order: list.New(), items: map[string]*list.Element{}, now: time.Now}
}

// FirstSeen implements Deduper.
func (d *MemoryDeduper) FirstSeen(key string) bool {
	if key == "" {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	for e := d.order.Front(); e != nil; e = d.order.Front() {
		en := e.Value.(dedupeEntry)
		if now.Sub(en.at) < d.ttl && d.order.Len() <= d.max {
			break
		}
		d.order.Remove(e)
		delete(d.items, en.key)
	}
	if _, ok := d.items[key]; ok {
		return false
	}
	d.items[key] = d.order.PushBack(dedupeEntry{key: key, at: now})
	return true
}

// Forget implements Deduper.
func (d *MemoryDeduper) Forget(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.items[key]; ok {
		d.order.Remove(e)
		delete(d.items, key)
	}
}
