package loadtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/handover-dev/handover/internal/llmtest"
)

// Report is the benchmark of one helpdesk: the result of each target, in
// the order they ran, on the same arrival schedule.
type Report struct {
	Options Options
	// Results are the targets' results of the median round (see Rounds).
	Results []*Result
	// Rounds holds every round's results, in the order they ran.
	Rounds [][]*Result
}

// Result returns the result of target, or nil.
func (r *Report) Result(target string) *Result {
	for _, res := range r.Results {
		if res.Target == target {
			return res
		}
	}
	return nil
}

// answerText is the scripted LLM's answer to every turn: plain text, the
// length of a typical support answer.
const answerText = "Orders leave our warehouse within one business day. Standard shipping takes 3-5 business days " +
	"within the country and 7-10 days abroad; express delivery arrives the next business day when you order " +
	"before 2 pm. You will get a tracking link by email as soon as your parcel ships. Anything else I can help with?"

// Run benchmarks o.Helpdesk: each of o.Targets in turn, each with its own
// fresh sim, scripted LLM and child process, on the same schedule.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	sched := newSchedule(o)
	if len(sched.arrivals) == 0 {
		return nil, errors.New("the schedule is empty: raise -rate or -duration")
	}
	rep := &Report{Options: o}
	for round := range max(1, o.Rounds) {
		var results []*Result
		for _, t := range o.Targets {
			res, err := runTarget(ctx, o, t, sched)
			if err != nil {
				return rep, fmt.Errorf("%s %s (round %d): %w", o.Helpdesk, t, round+1, err)
			}
			results = append(results, res)
		}
		rep.Rounds = append(rep.Rounds, results)
	}
	rep.Results = rep.Rounds[rep.MedianRound()]
	return rep, nil
}

// Ratio is the service's value over the reference's in one round's
// results, by f; 0 when either is missing or the reference's is 0.
func Ratio(results []*Result, f func(*Result) float64) float64 {
	var svc, ref *Result
	for _, r := range results {
		switch r.Target {
		case TargetService:
			svc = r
		case TargetReference:
			ref = r
		}
	}
	if svc == nil || ref == nil || f(ref) == 0 {
		return 0
	}
	return f(svc) / f(ref)
}

// AckP99 is a Result's ack p99, for Ratio.
func AckP99(r *Result) float64 { return float64(r.Acks.P99) }

// MedianRound is the index of the round whose service/reference ack p99
// ratio is the median of the rounds' (the lower middle one of an even
// count); round 0 when a target is missing.
func (r *Report) MedianRound() int {
	idx := make([]int, len(r.Rounds))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(Ratio(r.Rounds[a], AckP99), Ratio(r.Rounds[b], AckP99))
	})
	if len(idx) == 0 {
		return 0
	}
	return idx[(len(idx)-1)/2]
}

// Worst returns, over every round, the most lost and the most doubled
// answers of the target.
func (r *Report) Worst(target string) (lost, doubled int) {
	for _, round := range r.Rounds {
		for _, res := range round {
			if res.Target == target {
				lost, doubled = max(lost, res.Lost), max(doubled, res.Doubled)
			}
		}
	}
	return lost, doubled
}

// runTarget runs one target: sim and LLM up, history seeded, child
// started, arrivals sent on schedule, answers drained, then measured.
func runTarget(ctx context.Context, o Options, target string, sched schedule) (*Result, error) {
	res := &Result{Target: target, Helpdesk: o.Helpdesk, Visitors: len(sched.visitors)}
	c := &counters{}

	llm := llmtest.New()
	defer llm.Close()
	llm.SetDefault(func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Text: answerText, Delay: o.LLMLatency} })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w, err := newWorld(o.Helpdesk, "http://"+ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, err
	}
	defer w.close()
	simSrv := &http.Server{Handler: countAnswers(w.handler(), c), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = simSrv.Serve(ln) }()
	defer simSrv.Close()

	convs := make([]string, len(sched.visitors)) // visitor → conversation, once it exists
	if err := seed(ctx, w, sched, o.History, convs); err != nil {
		return nil, fmt.Errorf("seed history: %w", err)
	}

	rl, err := newRelay(c)
	if err != nil {
		return nil, err
	}
	defer rl.close()
	sub := "serve"
	if target == TargetReference {
		sub = "load-reference"
	}
	env := append(w.env(), childEnv(o, llm.URL())...)
	if sub == "serve" {
		env = append(env, o.ServiceEnv...)
	}
	ch, err := startChild(ctx, o.Executable, sub, env, o.ChildLog)
	if err != nil {
		return nil, err
	}
	defer ch.stop()
	rl.forwardTo(ch.base)
	w.connect(rl.base)
	if err := w.waitIdle(ctx); err != nil {
		return nil, err
	}
	w.resetCalls()
	c.answered.Store(0)
	llmBefore := len(llm.Requests())
	u0 := ch.usage()
	a0, aok0 := ch.allocated()

	start := time.Now()
	label := fmt.Sprintf("%s %s", o.Helpdesk, target)
	prog := startProgress(o.Progress, label, len(sched.arrivals), o.Duration, c)
	var mu sync.Mutex
	sendErrs := arrive(ctx, w, sched, start, convs, &mu, c)
	res.Sent, res.SendErrors = int(c.sent.Load()), sendErrs
	if err := drain(ctx, w, rl, ch, convs, start.Add(o.Duration+o.drain())); err != nil {
		res.Errors = append(res.Errors, err.Error())
	}
	res.Elapsed = time.Since(start)
	u1 := ch.usage()
	a1, aok1 := ch.allocated()
	prog.stop()
	if ch.exited() {
		return nil, fmt.Errorf("%w:\n%s", errChildDied, ch.logs.String())
	}

	res.CPUMeasured = u0.ok && u1.ok
	res.CPU = u1.cpu - u0.cpu
	res.RSS, res.RSSPeak = u1.rss, u1.hwm
	res.AllocMeasured = aok0 && aok1
	res.Allocated = a1 - a0
	res.LLMCalls = len(llm.Requests()) - llmBefore
	res.Calls = byEndpoint(w.calls())
	var acks []time.Duration
	for _, a := range rl.takeAcks() {
		acks = append(acks, a.d)
		if a.status/100 != 2 {
			res.AckFailures++
		}
	}
	res.Acks = summarize(acks)
	var t tally
	for _, conv := range convs {
		if conv != "" {
			t.score(w.transcript(conv), start)
		}
	}
	res.Answers, res.Lost, res.Doubled, res.Coalesced = t.answers, t.lost, t.doubled, t.coalesced
	res.EndToEnd = summarize(t.e2e)
	if t.visitor != res.Sent {
		res.Errors = append(res.Errors, fmt.Sprintf("sent %d visitor messages but the transcripts hold %d", res.Sent, t.visitor))
	}
	return res, nil
}

// childEnv is the configuration every child gets besides the helpdesk's:
// the scripted LLM through the openai provider, the human button out of
// reach, no reconciler (the run measures the webhook path; a reconciler
// pass would add its list calls to the turns), quiet logs.
func childEnv(o Options, llmURL string) []string {
	timeout := max(20*time.Second, 2*o.LLMLatency+5*time.Second)
	env := []string{
		"HANDOVER_LLM_PROVIDER=openai", "HANDOVER_LLM_BASE_URL=" + llmURL, "HANDOVER_LLM_API_KEY=loadtest",
		"HANDOVER_LLM_MODEL=loadtest", "HANDOVER_LLM_TIMEOUT=" + timeout.String(),
		"HANDOVER_REQUIRED_ANSWERS=" + strconv.Itoa(o.requiredAnswers()),
		"HANDOVER_RECONCILE_INTERVAL=0", "HANDOVER_LOG_LEVEL=warn", "HANDOVER_SHUTDOWN_GRACE=5s",
	}
	if o.KnowledgeDir != "" {
		env = append(env, "HANDOVER_KNOWLEDGE_DIR="+o.KnowledgeDir)
	}
	return env
}

// countAnswers counts the sim's accepted message posts for the progress bar.
func countAnswers(h http.Handler, c *counters) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isReplyPath(r.Method, r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if sw.status/100 == 2 {
			c.answered.Add(1)
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
