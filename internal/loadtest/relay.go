package loadtest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// relay stands between the sim's webhook deliveries and the child: it
// forwards each delivery unchanged (path, headers, body) and times the
// child's answer, so acknowledgements are measured from outside both the
// sim and the child, the same way for every helpdesk and target.
type relay struct {
	srv    *http.Server
	base   string // where the sim delivers: http://127.0.0.1:port
	client *http.Client
	target atomic.Pointer[string] // the child's base URL; nil answers 503

	inflight atomic.Int64
	c        *counters // acked: 2xx answers

	mu   sync.Mutex
	acks []ack
}

// ack is one forwarded delivery: how long the child took to answer, and
// its status (0 when the child could not be reached).
type ack struct {
	d      time.Duration
	status int
}

// maxWebhookBody bounds a forwarded body (the service accepts 1 MiB).
const maxWebhookBody = 4 << 20

func newRelay(c *counters) (*relay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &relay{c: c, base: "http://" + ln.Addr().String(), client: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute},
	}}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// ServeHTTP forwards one delivery.
func (r *relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.inflight.Add(1)
	defer r.inflight.Add(-1)
	target := r.target.Load()
	if target == nil {
		http.Error(w, "no target yet", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxWebhookBody))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	out, err := http.NewRequestWithContext(req.Context(), req.Method, *target+req.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out.Header = req.Header.Clone()
	t0 := time.Now()
	resp, err := r.client.Do(out)
	var respBody []byte
	if err == nil {
		respBody, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	a := ack{d: time.Since(t0)}
	if err == nil {
		a.status = resp.StatusCode
	}
	r.mu.Lock()
	r.acks = append(r.acks, a)
	r.mu.Unlock()
	if err != nil {
		http.Error(w, "child unreachable", http.StatusBadGateway)
		return
	}
	if a.status/100 == 2 {
		r.c.acked.Add(1)
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}

// forwardTo starts forwarding to the child at base.
func (r *relay) forwardTo(base string) { r.target.Store(&base) }

// takeAcks returns the acknowledgements recorded so far.
func (r *relay) takeAcks() []ack {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ack(nil), r.acks...)
}

func (r *relay) close() { _ = r.srv.Close() }
