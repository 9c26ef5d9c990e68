package loadtest

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
)

// Result is what one target did in one run.
type Result struct {
	Target   string // TargetService or TargetReference
	Helpdesk string
	// Visitors is how many visitors wrote; Sent how many messages they sent
	// (SendErrors failed in the sim).
	Visitors, Sent, SendErrors int
	// Answers counts the bot's answers created during the run; LLMCalls
	// the chat completions the child asked for.
	Answers, LLMCalls int
	// Lost counts visitor messages no bot answer followed by the end of the
	// drain; Doubled bot answers that followed another bot answer with no
	// visitor message between; Coalesced visitor messages answered together
	// with the next one (a second message before the answer to the first).
	Lost, Doubled, Coalesced int
	// Acks are the child's acknowledgements of webhook deliveries, as timed
	// by the relay; AckFailures were not 2xx.
	Acks        Latencies
	AckFailures int
	// EndToEnd runs from a visitor message created in the sim to the bot
	// answer after it created in the sim.
	EndToEnd Latencies
	// Calls are the helpdesk API calls the sim logged during the run, by
	// endpoint, most frequent first.
	Calls []Endpoint
	// CPU is the child's user+system time during the run and the drain;
	// Allocated the bytes it allocated on the Go heap meanwhile. CPUMeasured
	// and AllocMeasured say whether they could be read.
	CPU                        time.Duration
	Allocated                  uint64
	CPUMeasured, AllocMeasured bool
	// RSS is the child's resident set at the end, RSSPeak its peak (VmHWM).
	RSS, RSSPeak uint64
	// Elapsed is the arrival window plus the drain actually waited.
	Elapsed time.Duration
	// Errors lists what went wrong without stopping the run.
	Errors []string
}

// Endpoint is the API calls to one endpoint: method and path with ids
// replaced by {id}.
type Endpoint struct {
	Endpoint string
	Calls    int
	Failed   int // answered with a status outside 2xx, or dropped
}

// PerTurn divides a count by the bot answers of the run (0 without any).
func (r *Result) PerTurn(n float64) float64 {
	if r.Answers == 0 {
		return 0
	}
	return n / float64(r.Answers)
}

// TotalCalls is the number of API calls of the run.
func (r *Result) TotalCalls() int {
	n := 0
	for _, e := range r.Calls {
		n += e.Calls
	}
	return n
}

// Latencies summarises durations.
type Latencies struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

// summarize returns the nearest-rank percentiles of ds.
func summarize(ds []time.Duration) Latencies {
	if len(ds) == 0 {
		return Latencies{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	p := func(q float64) time.Duration {
		i := int(q*float64(len(s))+0.999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return Latencies{N: len(s), P50: p(.50), P90: p(.90), P99: p(.99), Max: s[len(s)-1]}
}

// idSegment matches a path segment that is an id: it holds a digit and is
// not an API version (v1, v3).
var (
	digit   = regexp.MustCompile(`[0-9]`)
	version = regexp.MustCompile(`^v[0-9]+(\.[0-9]+)?$`)
)

// endpointOf is "METHOD /path" with every id segment replaced by {id}.
func endpointOf(method, path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if digit.MatchString(s) && !version.MatchString(s) {
			segs[i] = "{id}"
		}
	}
	return method + " " + strings.Join(segs, "/")
}

// byEndpoint groups the sim's call log.
func byEndpoint(calls []sim.Call) []Endpoint {
	idx := map[string]int{}
	var out []Endpoint
	for _, c := range calls {
		k := endpointOf(c.Method, c.Path)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Endpoint{Endpoint: k})
		}
		out[i].Calls++
		if c.Status < 200 || c.Status > 299 {
			out[i].Failed++
		}
	}
	slices.SortStableFunc(out, func(a, b Endpoint) int {
		return cmp.Or(cmp.Compare(b.Calls, a.Calls), cmp.Compare(a.Endpoint, b.Endpoint))
	})
	return out
}

// tally is what the transcripts say about the run's messages.
type tally struct {
	answers, lost, doubled, coalesced, visitor int
	e2e                                        []time.Duration
}

// score walks one conversation's transcript. Messages created before start
// are the seeded history: they only set the state the run begins in.
func (t *tally) score(es []entry, start time.Time) {
	botLast := false        // the latest public message was a bot answer
	var waiting []time.Time // run visitor messages not answered yet
	for _, e := range es {
		run := !e.at.Before(start)
		switch e.role {
		case roleVisitor:
			botLast = false
			if run {
				t.visitor++
				if len(waiting) > 0 {
					t.coalesced++
				}
				waiting = append(waiting, e.at)
			}
		case roleBot:
			if run {
				t.answers++
				if botLast {
					t.doubled++
				}
				for _, w := range waiting {
					t.e2e = append(t.e2e, e.at.Sub(w))
				}
				waiting = waiting[:0]
			}
			botLast = true
		}
	}
	t.lost += len(waiting)
}

// answered reports whether the transcript's last visitor message has a bot
// answer after it (the drain waits for every conversation to be answered).
func answered(es []entry) bool {
	for i := len(es) - 1; i >= 0; i-- {
		switch es[i].role {
		case roleBot:
			return true
		case roleVisitor:
			return false
		}
	}
	return true
}
