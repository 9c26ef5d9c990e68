// Package schedload tells when this process has more runnable work than
// CPU: it samples the Go scheduler's latency histogram (how long goroutines
// waited to run, runtime/metrics "/sched/latencies:seconds") and reports
// overload while the recent high percentile exceeds a threshold. Admission
// control uses it so that bot turns never starve the webhook acks: while
// the CPU is saturated, new conversations get 429 and the helpdesk retries.
package schedload

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

const sample = "/sched/latencies:seconds"

// Options configure a Monitor.
type Options struct {
	// Threshold is the scheduling latency (at Quantile) above which the
	// process counts as overloaded (default 5ms).
	Threshold time.Duration
	// Quantile of the recent latencies compared with Threshold (default 0.99).
	Quantile float64
	// Interval between samples (default 100ms).
	Interval time.Duration
	// MinSamples is how many scheduling events a window needs before it
	// counts (default 100): an idle process is never overloaded.
	MinSamples uint64
	// MinBusy is the share of its CPUs (GOMAXPROCS) this process must have
	// used in the window for a high latency to count (default 0.6): when
	// other processes take the CPU, refusing our own work relieves nothing.
	MinBusy float64
	// CPUTime reads the process's CPU time so far (default: getrusage
	// where the system has it; without it the latency alone decides).
	CPUTime func() (time.Duration, bool)
}

// Monitor samples the scheduler in the background.
type Monitor struct {
	o          Options
	overloaded atomic.Bool
	latency    atomic.Int64 // the last window's quantile, nanoseconds
	busy       atomic.Int64 // the last window's CPU share, in thousandths
	prev       []uint64
	prevCPU    time.Duration
	prevAt     time.Time
}

// Start samples until ctx ends.
func Start(ctx context.Context, o Options) *Monitor {
	if o.Threshold <= 0 {
		o.Threshold = 5 * time.Millisecond
	}
	if o.Quantile <= 0 || o.Quantile >= 1 {
		o.Quantile = 0.99
	}
	if o.Interval <= 0 {
		o.Interval = 100 * time.Millisecond
	}
	if o.MinSamples == 0 {
		o.MinSamples = 100
	}
	if o.MinBusy <= 0 {
		o.MinBusy = 0.6
	}
	if o.CPUTime == nil {
		o.CPUTime = processCPU
	}
	m := &Monitor{o: o}
	m.Sample()
	go func() {
		t := time.NewTicker(o.Interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				m.Sample()
			}
		}
	}()
	return m
}

// Overloaded reports whether the last window's scheduling latency exceeded
// the threshold. A nil Monitor is never overloaded.
func (m *Monitor) Overloaded() bool {
	return m != nil && m.overloaded.Load()
}

// Latency returns the last window's scheduling latency at the quantile.
func (m *Monitor) Latency() time.Duration {
	if m == nil {
		return 0
	}
	return time.Duration(m.latency.Load())
}

// Sample reads the histogram once and updates the verdict from what
// happened since the previous sample. Start calls it on a ticker.
func (m *Monitor) Sample() {
	s := []metrics.Sample{{Name: sample}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return
	}
	busy := m.busyShare()
	h := s[0].Value.Float64Histogram()
	counts := h.Counts
	if m.prev == nil || len(m.prev) != len(counts) {
		m.prev = append([]uint64(nil), counts...)
		return
	}
	var total uint64
	diff := make([]uint64, len(counts))
	for i, c := range counts {
		diff[i] = c - m.prev[i]
		total += diff[i]
	}
	copy(m.prev, counts)
	if total < m.o.MinSamples {
		m.latency.Store(0)
		m.overloaded.Store(false)
		return
	}
	q := quantile(diff, h.Buckets, total, m.o.Quantile)
	m.latency.Store(int64(q))
	m.overloaded.Store(q > m.o.Threshold && busy >= m.o.MinBusy)
}

// busyShare is the share of GOMAXPROCS CPUs the process used since the
// previous call (1 when it cannot tell).
func (m *Monitor) busyShare() float64 {
	cpu, ok := m.o.CPUTime()
	now := time.Now()
	defer func() { m.prevCPU, m.prevAt = cpu, now }()
	if !ok || m.prevAt.IsZero() {
		m.busy.Store(1000)
		return 1
	}
	wall := now.Sub(m.prevAt)
	if wall <= 0 {
		return float64(m.busy.Load()) / 1000
	}
	share := float64(cpu-m.prevCPU) / float64(wall) / float64(runtime.GOMAXPROCS(0))
	m.busy.Store(int64(share * 1000))
	return share
}

// Busy returns the share of its CPUs the process used in the last window.
func (m *Monitor) Busy() float64 {
	if m == nil {
		return 0
	}
	return float64(m.busy.Load()) / 1000
}

// quantile returns the lower bound of the bucket holding the q-th event.
func quantile(counts []uint64, buckets []float64, total uint64, q float64) time.Duration {
	want := uint64(float64(total) * q)
	var seen uint64
	for i, c := range counts {
		seen += c
		if seen > want {
			lo := buckets[i]
			if lo < 0 {
				lo = 0
			}
			return time.Duration(lo * float64(time.Second))
		}
	}
	return 0
}
