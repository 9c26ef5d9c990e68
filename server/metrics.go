package server

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/handover-dev/handover/handover"
)

// Metrics holds handover's Prometheus collectors in their own registry. It
// implements handover.Observer.
type Metrics struct {
	Registry     *prometheus.Registry
	webhooks     *prometheus.CounterVec
	turns        *prometheus.CounterVec
	handovers    *prometheus.CounterVec
	llm          *prometheus.HistogramVec
	helpdeskReqs *prometheus.CounterVec
	kbFailures   *prometheus.CounterVec
	kbPassages   *prometheus.GaugeVec   // no labels
	kbEmbedFails *prometheus.CounterVec // no labels
	limiter      atomic.Pointer[handover.LLMLimiter]
	limiterOnce  sync.Once
}

// NewMetrics registers the collectors (and the Go and process collectors).
func NewMetrics() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "handover_webhooks_total", Help: "Webhook deliveries by helpdesk and outcome.",
		}, []string{"helpdesk", "outcome"}),
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "handover_turns_total", Help: "Conversation turns by outcome.",
		}, []string{"outcome"}),
		handovers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "handover_handovers_total", Help: "Handovers by reason and result (queued, no_agent, offline, joined, error).",
		}, []string{"reason", "result"}),
		llm: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "handover_llm_seconds", Help: "Latency of one bot answer (LLM calls and tool loop).",
			Buckets: []float64{.05, .1, .25, .5, 1, 2, 4, 8, 15, 30},
		}, []string{"result"}),
		helpdeskReqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "handover_helpdesk_requests_total", Help: "Calls to the helpdesk API by helpdesk, method and status (0 = no response).",
		}, []string{"helpdesk", "method", "status"}),
		kbFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "handover_knowledge_reload_failures_total", Help: "Knowledge reloads that failed by source (files, help_center, embeddings); the last good knowledge is kept.",
		}, []string{"source"}),
		kbPassages: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "handover_knowledge_passages", Help: "Passages in the knowledge the bot answers from now.",
		}, []string{}),
		kbEmbedFails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "handover_knowledge_embedding_failures_total", Help: "Questions that could not be embedded: their turn retrieved lexically.",
		}, []string{}),
	}
	m.kbPassages.WithLabelValues().Set(0)
	m.kbEmbedFails.WithLabelValues()
	r.MustRegister(m.webhooks, m.turns, m.handovers, m.llm, m.helpdeskReqs, m.kbFailures, m.kbPassages, m.kbEmbedFails,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// WatchLLMLimiter exports the LLM limiter's current limit, calls in flight
// and calls waiting as gauges (handover_llm_limit, handover_llm_in_flight,
// handover_llm_waiting).
func (m *Metrics) WatchLLMLimiter(l *handover.LLMLimiter) {
	m.limiter.Store(l)
	m.limiterOnce.Do(func() {
		gauge := func(name, help string, f func(*handover.LLMLimiter) int) prometheus.Collector {
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
				if l := m.limiter.Load(); l != nil {
					return float64(f(l))
				}
				return 0
			})
		}
		m.Registry.MustRegister(
			gauge("handover_llm_limit", "Current adaptive limit of LLM calls at once.", (*handover.LLMLimiter).Limit),
			gauge("handover_llm_in_flight", "LLM calls running now.", (*handover.LLMLimiter).InFlight),
			gauge("handover_llm_waiting", "Turns waiting for an LLM slot.", (*handover.LLMLimiter).Waiting),
		)
	})
}

// Webhook counts one delivery.
func (m *Metrics) Webhook(helpdesk, outcome string) {
	m.webhooks.WithLabelValues(helpdesk, outcome).Inc()
}

// HelpdeskRequest counts one call to a helpdesk API.
func (m *Metrics) HelpdeskRequest(helpdesk, method string, status int) {
	m.helpdeskReqs.WithLabelValues(helpdesk, method, strconv.Itoa(status)).Inc()
}

// TurnDone implements handover.Observer.
func (m *Metrics) TurnDone(outcome string) { m.turns.WithLabelValues(outcome).Inc() }

// HandoverDone implements handover.Observer.
func (m *Metrics) HandoverDone(reason handover.Reason, result string) {
	m.handovers.WithLabelValues(string(reason), result).Inc()
}

// LLMCall implements handover.Observer.
func (m *Metrics) LLMCall(d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.llm.WithLabelValues(result).Observe(d.Seconds())
}

// KnowledgeReloadFailed counts a knowledge reload that failed for source
// (files, help_center, embeddings).
func (m *Metrics) KnowledgeReloadFailed(source string) { m.kbFailures.WithLabelValues(source).Inc() }

// KnowledgePassages sets the number of passages the bot answers from.
func (m *Metrics) KnowledgePassages(n int) { m.kbPassages.WithLabelValues().Set(float64(n)) }

// KnowledgeEmbeddingFailed counts a question that could not be embedded.
func (m *Metrics) KnowledgeEmbeddingFailed() { m.kbEmbedFails.WithLabelValues().Inc() }
