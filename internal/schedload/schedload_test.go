package schedload

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	buckets := []float64{0, 0.001, 0.01, 0.1, 1}
	counts := []uint64{90, 5, 4, 1}
	if got := quantile(counts, buckets, 100, 0.5); got != 0 {
		t.Errorf("p50 %s, want 0", got)
	}
	if got := quantile(counts, buckets, 100, 0.96); got != 10*time.Millisecond {
		t.Errorf("p96 %s, want 10ms", got)
	}
	if got := quantile(counts, buckets, 100, 0.995); got != 100*time.Millisecond {
		t.Errorf("p99.5 %s, want 100ms", got)
	}
}

// Far more busy goroutines than CPUs make goroutines wait to run: the
// monitor reports overload; once they stop, it clears.
func TestMonitorSeesCPUSaturation(t *testing.T) {
	saturate(t, nil, true)
}

// When this process hardly uses its CPUs, goroutines waiting to run are
// another process's doing: refusing our work would relieve nothing.
func TestMonitorIgnoresOtherProcessesLoad(t *testing.T) {
	idle := func() (time.Duration, bool) { return time.Second, true } // no CPU used between samples
	saturate(t, idle, false)
}

func saturate(t *testing.T, cpu func() (time.Duration, bool), want bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := Start(ctx, Options{Threshold: time.Millisecond, Interval: time.Hour, CPUTime: cpu})
	if m.Overloaded() {
		t.Fatal("overloaded at rest")
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 50*runtime.GOMAXPROCS(0); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := 0
			for {
				select {
				case <-stop:
					return
				default:
				}
				for j := 0; j < 100000; j++ {
					x += j
				}
				runtime.Gosched()
			}
		}()
	}
	saw, slowWindows := false, 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !saw && (want || slowWindows < 5); {
		time.Sleep(50 * time.Millisecond)
		m.Sample()
		saw = m.Overloaded()
		if m.Latency() > time.Millisecond {
			slowWindows++
		}
	}
	close(stop)
	wg.Wait()
	if !want {
		if slowWindows == 0 {
			t.Fatal("goroutines never waited long: the test saturated nothing")
		}
		if saw {
			t.Fatalf("overload reported while the process used %.2f of its CPUs", m.Busy())
		}
		return
	}
	if !saw {
		t.Fatalf("no overload seen; last latency %s", m.Latency())
	}
	// Quiet windows: a few wake-ups only, below MinSamples, or short waits.
	cleared := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !cleared; {
		time.Sleep(50 * time.Millisecond)
		m.Sample()
		cleared = !m.Overloaded()
	}
	if !cleared {
		t.Fatalf("overload never cleared; last latency %s", m.Latency())
	}
}

func TestNilMonitor(t *testing.T) {
	var m *Monitor
	if m.Overloaded() || m.Latency() != 0 {
		t.Fatal("a nil monitor must never report overload")
	}
}
