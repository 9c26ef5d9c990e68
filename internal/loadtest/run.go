package loadtest

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
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

// Result returns the result of target in the median round, or nil.
func (r *Report) Result(target string) *Result { return Find(r.Results, target) }

// Find returns the result of target among results (one round's), or nil.
func Find(results []*Result, target string) *Result {
	for _, res := range results {
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

// Run benchmarks o.Helpdesk: each of o.Targets with its own fresh sim,
// scripted LLM and child process, on the same schedule, side by side or
// one after the other (o.SideBySide), o.Rounds times.
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
		var err error
		if o.SideBySide && len(o.Targets) > 1 {
			results, err = runSideBySide(ctx, o, sched)
		} else {
			for _, t := range o.Targets {
				var res *Result
				if res, err = runTarget(ctx, o, t, sched); err != nil {
					err = fmt.Errorf("%s: %w", t, err)
					break
				}
				results = append(results, res)
			}
		}
		if err != nil {
			return rep, fmt.Errorf("%s (round %d): %w", o.Helpdesk, round+1, err)
		}
		rep.Rounds = append(rep.Rounds, results)
	}
	rep.Results = rep.Rounds[rep.MedianRound()]
	return rep, nil
}

// Ratio is the service's value over the reference's in one round's
// results, by f; 0 when either is missing or the reference's is 0.
func Ratio(results []*Result, f func(*Result) float64) float64 {
	svc, ref := Find(results, TargetService), Find(results, TargetReference)
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
		if res := Find(round, target); res != nil {
			lost, doubled = max(lost, res.Lost), max(doubled, res.Doubled)
		}
	}
	return lost, doubled
}

// runTarget runs one target: sim and LLM up, history seeded, child
// started, arrivals sent on schedule, answers drained, then measured.
func runTarget(ctx context.Context, o Options, target string, sched schedule) (*Result, error) {
	tr, err := prepareTarget(ctx, o, target, sched)
	if tr != nil {
		defer tr.close()
	}
	if err != nil {
		return nil, err
	}
	return tr.measure(ctx, time.Now(), o.Progress, fmt.Sprintf("%s %s", o.Helpdesk, target))
}

// runSideBySide runs every target at once, each with its own sim, LLM and
// child, their arrivals starting at the same instant: whatever else the
// machine does then hits the service and its yardstick alike.
func runSideBySide(ctx context.Context, o Options, sched schedule) ([]*Result, error) {
	runs := make([]*targetRun, len(o.Targets))
	defer func() {
		for _, tr := range runs {
			if tr != nil {
				tr.close()
			}
		}
	}()
	for i, t := range o.Targets {
		tr, err := prepareTarget(ctx, o, t, sched)
		runs[i] = tr
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
	}
	results := make([]*Result, len(runs))
	errs := make([]error, len(runs))
	label := fmt.Sprintf("%s %s", o.Helpdesk, strings.Join(o.Targets, "+"))
	start := time.Now()
	var wg sync.WaitGroup
	for i, tr := range runs {
		// One progress bar: the last target's (the service in the default order).
		var prog io.Writer
		if i == len(runs)-1 {
			prog = o.Progress
		}
		wg.Go(func() {
			results[i], errs[i] = tr.measure(ctx, start, prog, label)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("%s: %w", tr.target, errs[i])
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return results, nil
}

// targetRun is one target made ready to measure: its sim serving, its
// history seeded, its child started and idle.
type targetRun struct {
	o      Options
	target string
	sched  schedule
	c      *counters
	llm    *llmtest.Server
	w      world
	rl     *relay
	ch     *child
	convs  []string // visitor → conversation, once it exists
	closes []func()
}

// close stops what prepareTarget started, the last started first.
func (tr *targetRun) close() {
	for i := len(tr.closes) - 1; i >= 0; i-- {
		tr.closes[i]()
	}
}

// prepareTarget brings up target's sim, LLM and child and waits until they
// are idle. On error the returned run, if any, still needs closing.
func prepareTarget(ctx context.Context, o Options, target string, sched schedule) (*targetRun, error) {
	tr := &targetRun{o: o, target: target, sched: sched, c: &counters{}, convs: make([]string, len(sched.visitors))}
	tr.llm = llmtest.New()
	tr.closes = append(tr.closes, tr.llm.Close)
	tr.llm.SetDefault(func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Text: answerText, Delay: o.LLMLatency} })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return tr, err
	}
	w, err := newWorld(o.Helpdesk, "http://"+ln.Addr().String())
	if err != nil {
		ln.Close()
		return tr, err
	}
	tr.w = w
	tr.closes = append(tr.closes, w.close)
	simSrv := &http.Server{Handler: countAnswers(w.handler(), tr.c), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = simSrv.Serve(ln) }()
	tr.closes = append(tr.closes, func() { _ = simSrv.Close() })

	if err := seed(ctx, w, sched, o.History, tr.convs); err != nil {
		return tr, fmt.Errorf("seed history: %w", err)
	}

	if tr.rl, err = newRelay(tr.c); err != nil {
		return tr, err
	}
	tr.closes = append(tr.closes, tr.rl.close)
	sub := "serve"
	if target == TargetReference {
		sub = "load-reference"
	}
	env := append(w.env(), childEnv(o, tr.llm.URL())...)
	if sub == "serve" {
		env = append(env, o.ServiceEnv...)
		if p, ok := redisPrefix(o.ServiceEnv); ok {
			env = append(env, "HANDOVER_REDIS_PREFIX="+p)
		}
	}
	if tr.ch, err = startChild(ctx, o.Executable, sub, env, o.ChildLog); err != nil {
		return tr, err
	}
	tr.closes = append(tr.closes, tr.ch.stop)
	tr.rl.forwardTo(tr.ch.base)
	w.connect(tr.rl.base)
	if err := w.waitIdle(ctx); err != nil {
		return tr, err
	}
	return tr, nil
}

// measure sends the schedule from start on, drains the answers and
// measures; progress, if set, gets a bar labelled label.
func (tr *targetRun) measure(ctx context.Context, start time.Time, progress io.Writer, label string) (*Result, error) {
	o, w, c, ch, rl, convs := tr.o, tr.w, tr.c, tr.ch, tr.rl, tr.convs
	res := &Result{Target: tr.target, Helpdesk: o.Helpdesk, Visitors: len(tr.sched.visitors)}
	w.resetCalls()
	c.answered.Store(0)
	llmBefore := len(tr.llm.Requests())
	u0 := ch.usage()
	a0, aok0 := ch.allocated()

	prog := startProgress(progress, label, len(tr.sched.arrivals), o.Duration, c)
	var mu sync.Mutex
	sendErrs := arrive(ctx, w, tr.sched, start, convs, &mu, c)
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
	res.LLMCalls = len(tr.llm.Requests()) - llmBefore
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

// redisPrefix is, when env gives the service a Redis, a key prefix of its
// own for one target's run: the sim of every run numbers its conversations
// and messages from 1 again, so a later round sharing the keys of an
// earlier one would find its events marked as taken by another replica.
// It extends env's HANDOVER_REDIS_PREFIX (the default "handover:").
func redisPrefix(env []string) (string, bool) {
	prefix, redis := "handover:", false
	for _, kv := range env {
		name, v, _ := strings.Cut(kv, "=")
		switch name {
		case "HANDOVER_REDIS_URL":
			redis = v != ""
		case "HANDOVER_REDIS_PREFIX":
			prefix = v
		}
	}
	return prefix + "load:" + rand.Text()[:12] + ":", redis
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
