// Package simnet is the network side the simulated helpdesks share (adapters/sim and its
// dialects, adapters/sim/intercom): a fault-injecting, call-logging HTTP middleware for their
// APIs, and a webhook deliverer that sends their notifications with each vendor's retry policy.
//
// A dialect keeps what is its own: routes, credentials, response bodies (including the bodies of
// injected faults), webhook payloads, headers and signatures, and the vendor's retry policy,
// written as a Policy. simnet moves the bytes, misbehaves on request and keeps the logs.
//
// One simulated helpdesk has one Rand (seeded, so a run can be repeated), one Injector holding its
// Faults, and the Middleware and Deliverer built on them; SetFaults on the Injector changes the API
// and the webhooks at once.
package simnet

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Faults makes API requests and webhook deliveries misbehave. Rates are probabilities in 0..1,
// drawn from the Injector's Rand.
type Faults struct {
	Status429Rate        float64
	RetryAfter           time.Duration // Retry-After header of the 429s, rounded up to whole seconds; 0 = no header
	Status500Rate        float64
	DropRate             float64       // hijack and close the connection without answering
	Delay                time.Duration // added latency per API request
	DuplicateWebhookRate float64       // deliver a webhook twice (same body and id)
	WebhookJitter        time.Duration // random wait in [0, WebhookJitter) before each delivery: reorders events
}

// Rand is a seeded pseudo-random generator (PCG) safe for concurrent use. A simulated helpdesk
// may draw its own randomness (tokens, ids, event order) from the Rand its faults are drawn from,
// so that one seed fixes both.
type Rand struct {
	mu sync.Mutex
	r  *rand.Rand
}

// NewRand returns a generator seeded with PCG(seed, stream).
func NewRand(seed, stream uint64) *Rand {
	return &Rand{r: rand.New(rand.NewPCG(seed, stream))}
}

// Chance reports true with probability p; it draws nothing when p <= 0.
func (r *Rand) Chance(p float64) bool {
	if p <= 0 {
		return false
	}
	return r.Float64() < p
}

// Float64 returns a number in [0, 1).
func (r *Rand) Float64() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Float64()
}

// IntN returns a number in [0, n); n must be positive.
func (r *Rand) IntN(n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.IntN(n)
}

// Int64N returns a number in [0, n); n must be positive.
func (r *Rand) Int64N(n int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Int64N(n)
}

// Shuffle shuffles n elements with swap, which must not use r.
func (r *Rand) Shuffle(n int, swap func(i, j int)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.r.Shuffle(n, swap)
}

// Injector holds a simulated helpdesk's current Faults and draws them from its Rand. The
// helpdesk's Middlewares and its Deliverer share one Injector.
type Injector struct {
	rand *Rand

	mu     sync.Mutex
	faults Faults
}

// NewInjector returns an Injector drawing from r, with no faults.
func NewInjector(r *Rand) *Injector { return &Injector{rand: r} }

// SetFaults replaces the fault settings.
func (in *Injector) SetFaults(f Faults) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.faults = f
}

// Faults returns the current fault settings.
func (in *Injector) Faults() Faults {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.faults
}

// apiDraw is what happens to one API request: at most one of drop, tooMany and fail.
type apiDraw struct {
	f                   Faults
	drop, tooMany, fail bool
}

// drawAPI draws the faults of one API request: a drop, else a 429, else a 500.
func (in *Injector) drawAPI() apiDraw {
	in.mu.Lock()
	defer in.mu.Unlock()
	d := apiDraw{f: in.faults}
	d.drop = in.rand.Chance(d.f.DropRate)
	d.tooMany = !d.drop && in.rand.Chance(d.f.Status429Rate)
	d.fail = !d.drop && !d.tooMany && in.rand.Chance(d.f.Status500Rate)
	return d
}

// drawWebhook draws the faults of one webhook: one or two copies (DuplicateWebhookRate), each
// with its jitter.
func (in *Injector) drawWebhook() []time.Duration {
	in.mu.Lock()
	defer in.mu.Unlock()
	copies := 1
	if in.rand.Chance(in.faults.DuplicateWebhookRate) {
		copies = 2
	}
	jitters := make([]time.Duration, copies)
	for i := range jitters {
		if in.faults.WebhookJitter > 0 {
			jitters[i] = time.Duration(in.rand.Int64N(int64(in.faults.WebhookJitter)))
		}
	}
	return jitters
}
