// Package server is handover's HTTP front: webhooks from helpdesks, health,
// readiness and metrics, on echo.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/handover-dev/handover/handover"
)

// Inbound is one helpdesk's webhook side: verification and translation,
// pure functions of the request.
type Inbound interface {
	// Name is the path segment: /webhooks/<name>.
	Name() string
	// Authenticate verifies the request before its body is parsed.
	// pathSecret is the path segment after /webhooks/<name>/, if any.
	Authenticate(h http.Header, pathSecret string, body []byte, now time.Time) error
	// DeliveryID identifies a delivery across the helpdesk's retries ("" if none).
	DeliveryID(h http.Header) string
	// Parse turns the body into events; none for events we ignore.
	Parse(body []byte) ([]handover.Event, error)
}

// EchoFilter is implemented by an Inbound whose helpdesk calls the webhook back for the bot's
// own writes in a form Parse cannot tell from a visitor's message (LiveAgent's rules): Echo
// reports an event it expected as such an echo, and takes the expectation. The server
// acknowledges it without a turn.
type EchoFilter interface {
	Echo(ev handover.Event) bool
}

// Queue is where accepted events go (handover.Lanes).
type Queue interface {
	Submit(ev handover.Event) error
}

// WaitQueue is a Queue that can also wait for an event's turn (AckAfterTurn).
type WaitQueue interface {
	Queue
	// SubmitWait queues the event and waits until its turn is done.
	SubmitWait(ctx context.Context, ev handover.Event) error
}

// FuncQueue is a Queue that calls back once an event's turn is done (handover.Lanes), for the
// journal.
type FuncQueue interface {
	Queue
	SubmitFunc(ev handover.Event, done func(error)) error
}

// Options configure a Server.
type Options struct {
	Inbound []Inbound
	Queue   Queue
	// Dedupe marks deliveries and events as seen before the answer (default
	// in memory, this process's; a handover.BatchDeduper marks a webhook's
	// keys in one call). Each queued event carries its key (Event.SeenKey),
	// for lanes that share a Deduper between replicas to check as its turn
	// is about to run (handover.LaneOptions.Seen).
	Dedupe  handover.Deduper
	Metrics *Metrics
	Logger  *slog.Logger
	// MaxBody is the largest webhook body accepted (default 1 MiB).
	MaxBody int64
	// Ready reports whether the service can take work (readiness probe).
	Ready func(ctx context.Context) error
	// RetryAfter is what a busy answer asks the helpdesk to wait.
	RetryAfter time.Duration
	// AckAfterTurn, when set, holds each webhook's answer until the turns of its events are
	// done, for at most this long: for a helpdesk that cannot be listed, where no reconciler
	// would find a message whose turn died with the process, the helpdesk's redelivery is the
	// only second chance. A turn that failed or outlasted the bound answers 503 and the helpdesk
	// redelivers; deliveries are then not de-duplicated here (a redelivery must run again, and
	// the turn itself does nothing twice).
	AckAfterTurn time.Duration
	// Journal, with AckAfterTurn and a Queue that is a FuncQueue, lets such a helpdesk's webhook
	// be answered at once: it is journaled first (in Redis, shared by the replicas) and removed
	// when its turns are done; ReplayJournal replays what a dead process or a failed turn left
	// once AckAfterTurn has passed. Should the journal fail, the answer waits for the turn.
	Journal handover.Journal
	// BusyStatus is the status of a busy or draining answer: 429 (the default) or, for a
	// helpdesk that punishes a 429 (helpdesk.Descriptor.OverloadStatus), 503.
	BusyStatus int
	// NoEchoFilter turns off the Inbounds' EchoFilter: set when replicas share deliveries
	// (Redis), where an echo may reach another replica than the one that expects it, unless
	// the adapter keeps its expected echoes in Redis too (handover.EchoSharer).
	NoEchoFilter bool
	// Now is the clock for signature timestamps (tests).
	Now func() time.Time
}

// Server routes HTTP requests.
type Server struct {
	e        *echo.Echo
	opts     Options
	inbound  map[string]Inbound
	log      *slog.Logger
	draining chan struct{}
}

// New builds the server and its routes.
func New(o Options) *Server {
	if o.MaxBody <= 0 {
		o.MaxBody = 1 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics()
	}
	if o.Dedupe == nil {
		o.Dedupe = handover.NewMemoryDeduper(100000, 24*time.Hour)
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.BusyStatus == 0 {
		o.BusyStatus = http.StatusTooManyRequests
	}
	s := &Server{e: echo.New(), opts: o, inbound: map[string]Inbound{}, log: o.Logger, draining: make(chan struct{})}
	for _, in := range o.Inbound {
		s.inbound[in.Name()] = in
	}
	e := s.e
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.POST("/webhooks/:helpdesk", s.webhook)
	e.POST("/webhooks/:helpdesk/:secret", s.webhook)
	// Some helpdesks check a webhook URL with HEAD before they save it (Intercom).
	e.HEAD("/webhooks/:helpdesk", s.webhookHead)
	e.HEAD("/webhooks/:helpdesk/:secret", s.webhookHead)
	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", s.ready)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(o.Metrics.Registry, promhttp.HandlerOpts{})))
	return s
}

// submitAndWait queues the events and answers once their turns are done (AckAfterTurn): 200,
// or 503 with Retry-After so the helpdesk redelivers what is not done.
func (s *Server) submitAndWait(c echo.Context, q WaitQueue, events []handover.Event, count func(string), log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.opts.AckAfterTurn)
	defer cancel()
	for _, ev := range events {
		err := q.SubmitWait(ctx, ev)
		if err == nil {
			continue
		}
		status, outcome := http.StatusServiceUnavailable, "not_done"
		if errors.Is(err, handover.ErrBusy) || errors.Is(err, handover.ErrClosed) {
			status, outcome = s.opts.BusyStatus, "busy"
		}
		count(outcome)
		log.Warn("webhook answered before its turn was done; the helpdesk redelivers", "err", err, "conversation", ev.ConversationID)
		c.Response().Header().Set("Retry-After", seconds(s.opts.RetryAfter))
		return c.JSON(status, problem{"not done: " + err.Error()})
	}
	count("accepted")
	return c.JSON(http.StatusOK, map[string]any{"status": "done", "events": len(events)})
}

// webhookHead answers a helpdesk's check of the webhook URL: 200 for a helpdesk this service
// serves, 404 otherwise. It reads no body and changes nothing.
func (s *Server) webhookHead(c echo.Context) error {
	if _, ok := s.inbound[c.Param("helpdesk")]; !ok {
		return c.NoContent(http.StatusNotFound)
	}
	return c.NoContent(http.StatusOK)
}

// Echo exposes the router so other packages (agent pages) can add routes.
func (s *Server) Echo() *echo.Echo { return s.e }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// Drain makes readiness fail and webhooks answer 503, for a graceful stop.
func (s *Server) Drain() {
	select {
	case <-s.draining:
	default:
		close(s.draining)
	}
}

func (s *Server) isDraining() bool {
	select {
	case <-s.draining:
		return true
	default:
		return false
	}
}

func (s *Server) ready(c echo.Context) error {
	if s.isDraining() {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "draining"})
	}
	if s.opts.Ready != nil {
		if err := s.opts.Ready(c.Request().Context()); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "not ready", "error": err.Error()})
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

type problem struct {
	Error string `json:"error"`
}

func (s *Server) webhook(c echo.Context) error {
	name := c.Param("helpdesk")
	in, ok := s.inbound[name]
	if !ok {
		return c.JSON(http.StatusNotFound, problem{fmt.Sprintf("no helpdesk %q is configured here", name)})
	}
	count := func(outcome string) { s.opts.Metrics.Webhook(name, outcome) }
	log := s.log.With("helpdesk", name, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))

	req := c.Request()
	if req.ContentLength > s.opts.MaxBody {
		count("too_large")
		return c.JSON(http.StatusRequestEntityTooLarge, problem{fmt.Sprintf("body over %d bytes", s.opts.MaxBody)})
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, s.opts.MaxBody+1))
	if err != nil {
		count("bad_request")
		return c.JSON(http.StatusBadRequest, problem{"could not read body"})
	}
	if int64(len(body)) > s.opts.MaxBody {
		count("too_large")
		return c.JSON(http.StatusRequestEntityTooLarge, problem{fmt.Sprintf("body over %d bytes", s.opts.MaxBody)})
	}
	if err := in.Authenticate(req.Header, c.Param("secret"), body, s.opts.Now()); err != nil {
		count("unauthorized")
		log.Warn("webhook rejected", "err", err, "remote", c.RealIP())
		return c.JSON(http.StatusUnauthorized, problem{err.Error()})
	}
	if s.isDraining() {
		// 429 by default, not 503: Chatwoot retries only 429 and 500 (docs/helpdesks/chatwoot.md
		// §2.4), and its retry reaches a ready replica through the load balancer.
		count("draining")
		c.Response().Header().Set("Retry-After", seconds(s.opts.RetryAfter))
		return c.JSON(s.opts.BusyStatus, problem{"shutting down; retry"})
	}
	delivery := in.DeliveryID(req.Header)
	waitQ, waits := s.opts.Queue.(WaitQueue)
	ackAfterTurn := waits && s.opts.AckAfterTurn > 0
	journaled := ackAfterTurn && s.journaling()
	events, err := in.Parse(body)
	if err != nil {
		count("bad_request")
		return c.JSON(http.StatusBadRequest, problem{err.Error()})
	}
	if len(events) == 0 {
		count("ignored")
		return c.JSON(http.StatusOK, map[string]any{"status": "ignored"})
	}
	deliveryKey := ""
	if delivery != "" {
		deliveryKey = name + ":delivery:" + delivery
	}
	if journaled {
		return s.acceptJournaled(c, name, body, events, deliveryKey, waitQ, count, log)
	}
	if ackAfterTurn {
		return s.submitAndWait(c, waitQ, events, count, log)
	}
	repeat, fresh := s.markSeen(name, deliveryKey, events)
	if repeat {
		count("duplicate")
		return c.JSON(http.StatusOK, map[string]any{"status": "duplicate"})
	}
	accepted, echoes := 0, 0
	ef, _ := in.(EchoFilter)
	if s.opts.NoEchoFilter {
		ef = nil
	}
	for i, ev := range events {
		if ef != nil && ef.Echo(ev) {
			echoes++
			continue
		}
		if !fresh[i] {
			continue
		}
		if err := s.opts.Queue.Submit(ev); err != nil {
			if ev.SeenKey != "" {
				s.opts.Dedupe.Forget(ev.SeenKey)
			}
			if deliveryKey != "" {
				s.opts.Dedupe.Forget(deliveryKey)
			}
			count("busy")
			log.Warn("webhook not queued", "err", err, "conversation", ev.ConversationID)
			// Chatwoot retries 429 and 500 only (docs/helpdesks/chatwoot.md §2.4): 429 with
			// Retry-After, unless the helpdesk asked for another status.
			c.Response().Header().Set("Retry-After", seconds(s.opts.RetryAfter))
			return c.JSON(s.opts.BusyStatus, problem{"busy: " + err.Error()})
		}
		accepted++
	}
	if accepted == 0 && echoes > 0 {
		count("echo")
		return c.JSON(http.StatusOK, map[string]any{"status": "echo"})
	}
	if accepted == 0 {
		count("duplicate")
		return c.JSON(http.StatusOK, map[string]any{"status": "duplicate"})
	}
	count("accepted")
	return c.JSON(http.StatusOK, map[string]any{"status": "accepted", "events": accepted})
}

// markSeen marks a webhook's delivery and events as seen in Dedupe, in one call, and gives each
// event its key (Event.SeenKey). It reports whether the delivery was seen before, and for each
// event whether it is new (one without a key always is). Dedupe is this process's (in memory):
// with replicas the lanes mark each event in Redis as its turn is about to run, so the answer
// waits for no round trip.
func (s *Server) markSeen(name, deliveryKey string, events []handover.Event) (repeat bool, fresh []bool) {
	keys, at := dedupeKeys(name, deliveryKey, events)
	seen := handover.FirstSeenAll(s.opts.Dedupe, keys)
	if deliveryKey != "" && !seen[0] {
		return true, nil
	}
	fresh = make([]bool, len(events))
	for i := range events {
		fresh[i] = at[i] < 0 || seen[at[i]]
		if at[i] >= 0 {
			events[i].SeenKey = keys[at[i]]
		}
	}
	return false, fresh
}

// dedupeKeys returns the de-duplication keys of a webhook, the delivery's first when there is
// one, and for each event the index of its key among them (-1: the event has none). An
// event's key is its DedupKey's, else its delivery's with its place in it.
func dedupeKeys(name, deliveryKey string, events []handover.Event) ([]string, []int) {
	keys := make([]string, 0, len(events)+1)
	if deliveryKey != "" {
		keys = append(keys, deliveryKey)
	}
	at := make([]int, len(events))
	for i, ev := range events {
		at[i] = -1
		switch {
		case ev.DedupKey != "":
			at[i] = len(keys)
			keys = append(keys, name+":"+ev.ConversationID+":"+ev.DedupKey)
		case deliveryKey != "":
			at[i] = len(keys)
			keys = append(keys, deliveryKey+":"+strconv.Itoa(i))
		}
	}
	return keys, at
}

func seconds(d time.Duration) string {
	n := int((d + time.Second - 1) / time.Second)
	if n < 1 {
		n = 1
	}
	return strconv.Itoa(n)
}

// errorHandler answers every error as {"error": "..."} and never leaks internals.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, msg := http.StatusInternalServerError, "internal error"
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
		msg = fmt.Sprint(he.Message)
	} else {
		s.log.Error("request failed", "path", c.Path(), "err", err)
	}
	_ = c.JSON(code, problem{msg})
}

// Start listens on addr until Shutdown.
func (s *Server) Start(addr string) error {
	srv := &http.Server{Addr: addr, Handler: s.e, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	if err := s.e.StartServer(srv); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections and waits for open requests.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.e.Shutdown(ctx)
}
