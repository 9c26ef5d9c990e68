package handover

import (
	"context"
	"slices"
	"sync"
	"time"
)

// EchoLedger keeps, where every replica sees them (Redis), the echoes a helpdesk is expected
// to send back of the bot's own writes: a helpdesk whose webhook cannot say who wrote a message
// (LiveAgent's "message added" rule) sends one for each message the bot adds, and each would
// otherwise cost a turn's read. One replica expects an echo before it writes; whichever replica
// the next webhook of that conversation reaches takes the expectation, atomically, so that each
// expectation is matched by exactly one delivery.
type EchoLedger interface {
	// ExpectEcho records one echo to come for the conversation within ttl and returns a
	// function that drops it again (the write failed).
	ExpectEcho(ctx context.Context, conversationID string, ttl time.Duration) (forget func(), err error)
	// TakeEcho takes the oldest live expectation of the conversation and reports whether there
	// was one, and how many expired untaken since the last take (echoes that did not come).
	TakeEcho(ctx context.Context, conversationID string) (taken bool, expired int, err error)
}

// EchoSharer is an adapter whose echo filter can keep its expectations in an EchoLedger, so that
// it stays on when replicas share deliveries.
type EchoSharer interface {
	// ShareEchoes makes the adapter keep its expected echoes in l from now on; it is called
	// before the adapter serves.
	ShareEchoes(l EchoLedger)
}

// MemoryEchoLedger is an EchoLedger kept in this process: sound when every delivery of a
// conversation reaches the process that wrote in it (one replica, or replicas routed by
// conversation). It holds expectations for at most max conversations; past that a new one is
// not recorded (its echo then costs a turn's read).
type MemoryEchoLedger struct {
	mu    sync.Mutex
	max   int
	seq   uint64
	due   map[string][]echoDue // conversation → expectations, oldest first
	swept int                  // expired expectations of other conversations, dropped to make room
	now   func() time.Time
}

type echoDue struct {
	id       uint64
	deadline time.Time
}

// NewMemoryEchoLedger returns an empty ledger for at most max conversations (default 10000).
func NewMemoryEchoLedger(max int) *MemoryEchoLedger {
	if max <= 0 {
		max = 10000
	}
	return &MemoryEchoLedger{max: max, due: map[string][]echoDue{}, now: time.Now}
}

// ExpectEcho implements EchoLedger.
func (m *MemoryEchoLedger) ExpectEcho(_ context.Context, conversationID string, ttl time.Duration) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if _, ok := m.due[conversationID]; !ok && len(m.due) >= m.max {
		m.sweep(now)
		if len(m.due) >= m.max {
			return func() {}, nil
		}
	}
	m.seq++
	id := m.seq
	m.due[conversationID] = append(m.due[conversationID], echoDue{id: id, deadline: now.Add(ttl)})
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.set(conversationID, slices.DeleteFunc(m.due[conversationID], func(d echoDue) bool { return d.id == id }))
	}, nil
}

// TakeEcho implements EchoLedger. The expired count includes those dropped from other
// conversations to make room since the last take.
func (m *MemoryEchoLedger) TakeEcho(_ context.Context, conversationID string) (bool, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ds, n := expire(m.due[conversationID], m.now())
	n += m.swept
	m.swept = 0
	if len(ds) == 0 {
		m.set(conversationID, nil)
		return false, n, nil
	}
	m.set(conversationID, ds[1:])
	return true, n, nil
}

// expire drops the expired expectations at the head of ds (deadlines grow with the writes) and
// returns what is left and how many went.
func expire(ds []echoDue, now time.Time) ([]echoDue, int) {
	n := 0
	for len(ds) > 0 && !ds[0].deadline.After(now) {
		ds, n = ds[1:], n+1
	}
	return ds, n
}

// sweep drops every expired expectation; m.mu is held.
func (m *MemoryEchoLedger) sweep(now time.Time) {
	for id, ds := range m.due {
		left, n := expire(ds, now)
		m.swept += n
		m.set(id, left)
	}
}

// set stores ds for id, dropping the entry when it is empty; m.mu is held.
func (m *MemoryEchoLedger) set(id string, ds []echoDue) {
	if len(ds) == 0 {
		delete(m.due, id)
		return
	}
	m.due[id] = ds
}
