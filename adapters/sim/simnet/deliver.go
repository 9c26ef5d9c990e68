package simnet

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Policy is a vendor's webhook retry policy. An attempt succeeds when it is answered with a 2xx;
// a failed attempt (a transport error or another status) is tried again while Retry says so and
// attempts remain.
type Policy struct {
	// Attempts is the most attempts one delivery makes; 0 or 1 means a single attempt.
	Attempts int
	// Wait is the wait before the second attempt.
	Wait time.Duration
	// Growth multiplies the wait after each retry (2 doubles it); 0 or 1 keeps it constant.
	Growth int
	// Retry reports whether a failed attempt is tried again (err is an *AttemptError when no
	// answer came, status 0 then). nil never retries.
	Retry func(status int, err error) bool
}

// Webhook is one notification to deliver.
type Webhook struct {
	Method string // default POST
	URL    string
	Body   []byte // sent as is on every attempt; nil sends none
	// Header returns the headers of one attempt; it is called for each attempt, so a signature
	// may carry a fresh timestamp. nil sends no header of the dialect's.
	Header func() http.Header
	// Client makes the requests (its Timeout bounds one attempt); nil uses the Deliverer's.
	Client *http.Client
	Policy Policy
	// Event and ID name the delivery in the log: the event's name, and the id the vendor gives
	// the delivery or event (a duplicate copy has the same).
	Event, ID string
	// Meta is the dialect's own data about the delivery, kept in every log entry.
	Meta any
	// Attempted, if set, is called after each attempt with its log entry.
	Attempted func(Delivery)
	// Done, if set, is called once the delivery is over, unless Close stopped it before its
	// first attempt. The delivery still counts as in flight while Done runs, so WaitIdle waits
	// for what Done does (events it raises, say).
	Done func(Result)
}

// Delivery is one attempt in the delivery log.
type Delivery struct {
	Event, ID string
	Attempt   int   // 1 for the first attempt
	Duplicate bool  // the second copy sent by the DuplicateWebhookRate fault
	Status    int   // 0 on a transport error
	Err       error // an *AttemptError when the attempt got no answer
	Meta      any   // Webhook.Meta
}

// AttemptError is why an attempt got no answer: its request could not be built (a malformed URL,
// say), or the transport failed.
type AttemptError struct {
	Build bool // the request could not be built (no request was sent)
	// Err is the cause: http.NewRequest's error, or the transport's with its *url.Error
	// unwrapped (the URL may carry a secret).
	Err error
}

// Error is "build webhook request: <cause>" or "post webhook: <cause>".
func (e *AttemptError) Error() string {
	if e.Build {
		return "build webhook request: " + e.Err.Error()
	}
	return "post webhook: " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *AttemptError) Unwrap() error { return e.Err }

// Result is how a delivery ended.
type Result struct {
	Attempts  int   // attempts made
	Status    int   // the last attempt's status; 0 on a transport error
	Err       error // the last attempt's transport error, as in Delivery.Err
	OK        bool  // the last attempt was answered with a 2xx
	Exhausted bool  // the last attempt failed, the policy would retry it, but no attempt was left
	Canceled  bool  // Close interrupted the delivery (during an attempt or a retry wait)
}

// Deliverer sends webhooks asynchronously: one goroutine per copy, the Injector's duplicate and
// jitter faults, the Webhook's retry policy, a delivery log, in-flight counting for WaitIdle,
// and Close.
type Deliverer struct {
	in     *Injector
	client *http.Client
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	inflight int
	idle     chan struct{}
	log      []Delivery
}

// NewDeliverer returns a Deliverer drawing webhook faults from in and sending with client when a
// Webhook names none.
func NewDeliverer(in *Injector, client *http.Client) *Deliverer {
	ctx, cancel := context.WithCancel(context.Background())
	idle := make(chan struct{})
	close(idle)
	return &Deliverer{in: in, client: client, ctx: ctx, cancel: cancel, idle: idle}
}

// Send starts delivering w (twice with the DuplicateWebhookRate fault, each copy after its
// WebhookJitter) and returns at once. After Close it does nothing. It never calls back into
// the caller, who may hold its own locks.
func (d *Deliverer) Send(w Webhook) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	for i, jitter := range d.in.drawWebhook() {
		if d.inflight == 0 {
			d.idle = make(chan struct{})
		}
		d.inflight++
		d.wg.Add(1)
		go d.deliver(w, i > 0, jitter)
	}
}

// Log returns a copy of the delivery log.
func (d *Deliverer) Log() []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.log)
}

// InFlight returns the number of deliveries in flight.
func (d *Deliverer) InFlight() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.inflight
}

// WaitIdle waits until no delivery is in flight (including retry waits and what Done does). It
// returns ctx.Err() if ctx ends first.
func (d *Deliverer) WaitIdle(ctx context.Context) error {
	for {
		d.mu.Lock()
		if d.inflight == 0 {
			d.mu.Unlock()
			return nil
		}
		ch := d.idle
		d.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close stops the deliveries (cancelling attempts in flight and retry waits) and waits for them.
// Webhooks sent after Close are dropped.
func (d *Deliverer) Close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
}

func (d *Deliverer) deliver(w Webhook, dup bool, jitter time.Duration) {
	defer d.wg.Done()
	defer d.done()
	ctx := d.ctx
	if jitter > 0 && !sleepCtx(ctx, jitter) {
		return
	}
	p := w.Policy
	wait := p.Wait
	var res Result
	for attempt := 1; ; attempt++ {
		status, err := d.attempt(ctx, w)
		a := Delivery{Event: w.Event, ID: w.ID, Attempt: attempt, Duplicate: dup, Status: status, Err: err, Meta: w.Meta}
		d.mu.Lock()
		d.log = append(d.log, a)
		d.mu.Unlock()
		if w.Attempted != nil {
			w.Attempted(a)
		}
		res = Result{Attempts: attempt, Status: status, Err: err, OK: err == nil && status >= 200 && status < 300}
		if ctx.Err() != nil {
			res.Canceled = true
			break
		}
		if res.OK || p.Retry == nil || !p.Retry(status, err) {
			break
		}
		if attempt >= p.Attempts {
			res.Exhausted = true
			break
		}
		if !sleepCtx(ctx, wait) {
			res.Canceled = true
			break
		}
		if p.Growth > 1 {
			wait *= time.Duration(p.Growth)
		}
	}
	if w.Done != nil {
		w.Done(res)
	}
}

// attempt makes one request and returns its status.
func (d *Deliverer) attempt(ctx context.Context, w Webhook) (int, error) {
	method := w.Method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if w.Body != nil {
		body = bytes.NewReader(w.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, w.URL, body)
	if err != nil {
		return 0, &AttemptError{Build: true, Err: err}
	}
	if w.Header != nil {
		for k, vs := range w.Header() {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
	}
	client := w.Client
	if client == nil {
		client = d.client
	}
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL may carry a secret
		}
		return 0, &AttemptError{Err: err}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

func (d *Deliverer) done() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.inflight--
	if d.inflight == 0 {
		close(d.idle)
	}
}

// sleepCtx waits for d; it reports false if ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}
