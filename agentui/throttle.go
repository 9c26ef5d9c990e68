package agentui

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Failed logins are limited per client address: a burst of loginBurst wrong secrets, then one
// more every loginEvery. A right secret is never refused while the address has tokens left, and
// an address that stops failing gets its tokens back over time.
const (
	loginBurst   = 5
	loginEvery   = time.Minute
	maxAddresses = 10000 // addresses remembered; past it the oldest are forgotten
)

// loginThrottle holds one token bucket of failed logins per client address.
type loginThrottle struct {
	mu    sync.Mutex
	addrs map[string]*addrLimit
}

type addrLimit struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLoginThrottle() *loginThrottle { return &loginThrottle{addrs: map[string]*addrLimit{}} }

// clientAddr is the request's client address without the port (the proxy's, behind one: the
// login is then limited for everyone behind it, which errs on the safe side).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// wait reports how long addr must wait before it may try again (0: it may now).
func (t *loginThrottle) wait(addr string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.addrs[addr]
	if a == nil {
		return 0
	}
	if a.lim.TokensAt(now) >= 1 {
		return 0
	}
	r := a.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return d
}

// failed spends one of addr's tokens.
func (t *loginThrottle) failed(addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.addrs[addr]
	if a == nil {
		if len(t.addrs) >= maxAddresses {
			t.forgetOldest()
		}
		a = &addrLimit{lim: rate.NewLimiter(rate.Every(loginEvery), loginBurst)}
		t.addrs[addr] = a
	}
	a.seen = now
	a.lim.AllowN(now, 1)
}

// forgetOldest drops the address seen longest ago; t.mu is held.
func (t *loginThrottle) forgetOldest() {
	var oldest string
	var at time.Time
	for k, a := range t.addrs {
		if oldest == "" || a.seen.Before(at) {
			oldest, at = k, a.seen
		}
	}
	delete(t.addrs, oldest)
}
