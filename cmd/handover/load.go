package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/app"
	"github.com/handover-dev/handover/internal/loadtest"
)

// load is the benchmark of issue #10: the service (`handover serve`, a child
// process) against a simulated helpdesk and a scripted LLM of set latency,
// open-loop arrivals at a set rate, and in the same run a bare reference
// handler as the yardstick. It prints, per helpdesk, calls per turn per
// endpoint, CPU and allocation per turn, RSS, ack and end-to-end latency
// percentiles, lost and doubled answers, and the ratios to the reference.
// Everything runs on loopback, bounded in count and time.
func load(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	def := loadtest.Defaults()
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	helpdesk := fs.String("helpdesk", def.Helpdesk, strings.Join(loadtest.Helpdesks, ", ")+" or all")
	only := fs.String("only", "", "run only the service or only the reference (default: both)")
	fs.BoolVar(&def.SideBySide, "side-by-side", def.SideBySide, "run the reference and the service at the same time, so the machine's noise hits both alike; false runs one after the other (for rates the machine cannot serve twice, such as 2000)")
	fs.Float64Var(&def.Rate, "rate", def.Rate, "visitor messages a second, over all visitors (open loop)")
	fs.DurationVar(&def.Duration, "duration", def.Duration, "arrival window")
	fs.IntVar(&def.Messages, "messages", def.Messages, "messages per visitor")
	fs.DurationVar(&def.Gap, "gap", def.Gap, "time between one visitor's messages (±25% jitter)")
	fs.IntVar(&def.History, "history", def.History, "messages in every conversation before the run (0..1000, question/answer pairs)")
	fs.DurationVar(&def.LLMLatency, "llm-latency", def.LLMLatency, "how long the scripted LLM takes to answer")
	fs.DurationVar(&def.Drain, "drain", 0, "how long to wait for answers after the last arrival (default 3 LLM latencies + 5s)")
	fs.StringVar(&def.KnowledgeDir, "knowledge", "", "HANDOVER_KNOWLEDGE_DIR of the service (default none)")
	fs.Func("set", "a HANDOVER_NAME=value setting of the service (not the reference); repeatable", func(v string) error {
		name, _, ok := strings.Cut(v, "=")
		if !ok || !strings.HasPrefix(name, "HANDOVER_") {
			return fmt.Errorf("%q is not HANDOVER_NAME=value", v)
		}
		def.ServiceEnv = append(def.ServiceEnv, v)
		return nil
	})
	fs.Uint64Var(&def.Seed, "seed", def.Seed, "seed of the arrival schedule")
	fs.IntVar(&def.Rounds, "rounds", def.Rounds, "run the targets this many times and print the median round's table and every round's ratios (a shared machine's noise)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the load generator (sims, relay, scripted LLM) to this file")
	verbose := fs.Bool("v", false, "copy the child processes' logs to stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // the flags were printed
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("load: unexpected argument %q", fs.Arg(0))
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("load: cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("load: cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	switch *only {
	case "":
	case loadtest.TargetService, loadtest.TargetReference:
		def.Targets = []string{*only}
	default:
		return fmt.Errorf("load: -only %q: use service or reference", *only)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("load: find the handover binary: %w", err)
	}
	def.Executable = exe
	if f, ok := stderr.(*os.File); ok && isTerminal(f) {
		def.Progress = stderr
	}
	if *verbose {
		def.ChildLog = stderr
	}
	helpdesks := []string{*helpdesk}
	if *helpdesk == "all" {
		helpdesks = loadtest.Helpdesks
	}
	var failed []string
	for i, h := range helpdesks {
		o := def
		o.Helpdesk = h
		if err := o.Validate(); err != nil {
			return fmt.Errorf("load: %w", err)
		}
		if def.Progress == nil {
			fmt.Fprintf(stderr, "handover load: running %s...\n", h)
		}
		rep, err := loadtest.Run(ctx, o)
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		printReport(stdout, rep)
		if lost, doubled := rep.Worst(loadtest.TargetService); lost > 0 || doubled > 0 {
			failed = append(failed, fmt.Sprintf("%s: %d lost, %d doubled", h, lost, doubled))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("load: the service lost or doubled answers (%s)", strings.Join(failed, "; "))
	}
	return nil
}

// loadReference serves the bare reference handler of `handover load` with
// the helpdesk adapter and LLM of HANDOVER_* (load starts it as a child).
func loadReference(ctx context.Context, stderr io.Writer) error {
	cfg, err := config.LoadForServe()
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg.LogLevel, os.Stderr)
	hd, err := newHelpdesk(cfg, log, nil)
	if err != nil {
		return err
	}
	return loadtest.ServeReference(ctx, cfg.ListenAddr, loadtest.ReferenceFor(cfg.Helpdesk, loadtest.ReferenceOptions{
		Adapter: hd, LLMURL: cfg.LLMBaseURL, LLMKey: cfg.LLMAPIKey.Value(), LLMModel: cfg.LLMModel,
		Logger: log.With("component", "reference"),
	}))
}

// printReport writes one helpdesk's results as plain aligned text: the
// service beside the reference and their ratio, then the helpdesk calls
// per turn by endpoint.
func printReport(w io.Writer, rep *loadtest.Report) {
	o := rep.Options
	fmt.Fprintf(w, "handover load: %s; %g messages/s for %s, %d a visitor %s apart (±25%%), LLM %s, history %d messages\n",
		o.Helpdesk, o.Rate, o.Duration, o.Messages, o.Gap, o.LLMLatency, o.History)
	svc, ref := rep.Result(loadtest.TargetService), rep.Result(loadtest.TargetReference)
	var cols []*loadtest.Result
	var names []string
	for _, r := range []*loadtest.Result{svc, ref} {
		if r != nil {
			cols, names = append(cols, r), append(names, r.Target)
		}
	}
	if len(cols) == 0 {
		return
	}
	fmt.Fprintf(w, "arrivals: %d visitors, %d messages sent (open loop, the same schedule for every target)\n\n", cols[0].Visitors, cols[0].Sent)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := fmt.Sprintf("%-30s\t", "") + strings.Join(names, "\t") + "\t"
	if svc != nil && ref != nil {
		header += "service/reference\t"
	}
	fmt.Fprintln(tw, header)
	// row prints one measure; ratio adds service/reference when both ran.
	row := func(label string, ratio bool, val func(*loadtest.Result) (float64, string)) {
		line := fmt.Sprintf("%-30s\t", label) // left-aligned: the numbers are right-aligned
		for _, r := range cols {
			_, s := val(r)
			line += s + "\t"
		}
		if svc != nil && ref != nil {
			a, _ := val(svc)
			b, _ := val(ref)
			if ratio && b > 0 {
				line += fmt.Sprintf("%.2fx", a/b)
			}
			line += "\t"
		}
		fmt.Fprintln(tw, line)
	}
	count := func(f func(*loadtest.Result) int) func(*loadtest.Result) (float64, string) {
		return func(r *loadtest.Result) (float64, string) { n := f(r); return float64(n), fmt.Sprint(n) }
	}
	perTurn := func(f func(*loadtest.Result) float64) func(*loadtest.Result) (float64, string) {
		return func(r *loadtest.Result) (float64, string) {
			v := r.PerTurn(f(r))
			return v, fmt.Sprintf("%.2f", v)
		}
	}
	dur := func(f func(*loadtest.Result) time.Duration) func(*loadtest.Result) (float64, string) {
		return func(r *loadtest.Result) (float64, string) { d := f(r); return float64(d), fmtDur(d) }
	}
	row("bot answers", false, count(func(r *loadtest.Result) int { return r.Answers }))
	row("lost", false, count(func(r *loadtest.Result) int { return r.Lost }))
	row("doubled", false, count(func(r *loadtest.Result) int { return r.Doubled }))
	row("answered together (coalesced)", false, count(func(r *loadtest.Result) int { return r.Coalesced }))
	row("helpdesk calls per turn", true, perTurn(func(r *loadtest.Result) float64 { return float64(r.TotalCalls()) }))
	row("LLM calls per turn", true, perTurn(func(r *loadtest.Result) float64 { return float64(r.LLMCalls) }))
	row("CPU per turn", true, func(r *loadtest.Result) (float64, string) {
		if !r.CPUMeasured || r.Answers == 0 {
			return 0, "n/a"
		}
		d := r.CPU / time.Duration(r.Answers)
		return float64(d), fmtDur(d)
	})
	row("allocated per turn", true, func(r *loadtest.Result) (float64, string) {
		if !r.AllocMeasured || r.Answers == 0 {
			return 0, "n/a"
		}
		b := float64(r.Allocated) / float64(r.Answers)
		return b, fmtBytes(b)
	})
	row("RSS peak", true, func(r *loadtest.Result) (float64, string) {
		return float64(r.RSSPeak), fmtBytes(float64(r.RSSPeak))
	})
	row("RSS at the end", true, func(r *loadtest.Result) (float64, string) {
		return float64(r.RSS), fmtBytes(float64(r.RSS))
	})
	row("webhook acks", false, count(func(r *loadtest.Result) int { return r.Acks.N }))
	row("ack failures (not 2xx)", false, count(func(r *loadtest.Result) int { return r.AckFailures }))
	row("ack p50", true, dur(func(r *loadtest.Result) time.Duration { return r.Acks.P50 }))
	row("ack p90", true, dur(func(r *loadtest.Result) time.Duration { return r.Acks.P90 }))
	row("ack p99", true, dur(func(r *loadtest.Result) time.Duration { return r.Acks.P99 }))
	row("ack max", true, dur(func(r *loadtest.Result) time.Duration { return r.Acks.Max }))
	row("end-to-end p50", true, dur(func(r *loadtest.Result) time.Duration { return r.EndToEnd.P50 }))
	row("end-to-end p90", true, dur(func(r *loadtest.Result) time.Duration { return r.EndToEnd.P90 }))
	row("end-to-end p99", true, dur(func(r *loadtest.Result) time.Duration { return r.EndToEnd.P99 }))
	row("end-to-end max", true, dur(func(r *loadtest.Result) time.Duration { return r.EndToEnd.Max }))
	row("wall time (window + drain)", false, dur(func(r *loadtest.Result) time.Duration { return r.Elapsed }))
	_ = tw.Flush()

	fmt.Fprintf(w, "\nhelpdesk calls per turn by endpoint (the sim's call log / bot answers; failed calls in brackets)\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "endpoint\t"+strings.Join(names, "\t"))
	var endpoints []string
	seen := map[string]bool{}
	for _, r := range cols {
		for _, e := range r.Calls {
			if !seen[e.Endpoint] {
				seen[e.Endpoint] = true
				endpoints = append(endpoints, e.Endpoint)
			}
		}
	}
	for _, ep := range endpoints {
		line := ep
		for _, r := range cols {
			cell := "-"
			for _, e := range r.Calls {
				if e.Endpoint == ep {
					cell = fmt.Sprintf("%.2f", r.PerTurn(float64(e.Calls)))
					if e.Failed > 0 {
						cell += fmt.Sprintf(" [%d]", e.Failed)
					}
				}
			}
			line += "\t" + cell
		}
		fmt.Fprintln(tw, line)
	}
	_ = tw.Flush()
	if d, ok := config.Helpdesks().Lookup(o.Helpdesk); ok && d.LoadNote != nil && svc != nil {
		perTurn := map[string]float64{}
		for _, e := range svc.Calls {
			perTurn[e.Endpoint] += svc.PerTurn(float64(e.Calls))
		}
		if note := d.LoadNote(perTurn); note != "" {
			fmt.Fprintln(w, note)
		}
	}
	for _, r := range cols {
		for _, e := range r.Errors {
			fmt.Fprintf(w, "note (%s): %s\n", r.Target, e)
		}
	}
	printRounds(w, rep)
}

// printRounds writes, when more than one round ran with both targets, each
// round's service/reference ratios, lost and doubled, and their medians.
func printRounds(w io.Writer, rep *loadtest.Report) {
	if len(rep.Rounds) < 2 || loadtest.Ratio(rep.Rounds[0], loadtest.AckP99) == 0 {
		return
	}
	type measure struct {
		name string
		f    func(*loadtest.Result) float64
	}
	measures := []measure{
		{"ack p50", func(r *loadtest.Result) float64 { return float64(r.Acks.P50) }},
		{"ack p99", loadtest.AckP99},
		{"e2e p99", func(r *loadtest.Result) float64 { return float64(r.EndToEnd.P99) }},
		{"CPU/turn", func(r *loadtest.Result) float64 { return r.PerTurn(float64(r.CPU)) }},
		{"calls/turn", func(r *loadtest.Result) float64 { return r.PerTurn(float64(r.TotalCalls())) }},
	}
	fmt.Fprintf(w, "\nrounds (service/reference in each; the table above is the median round by ack p99, marked *)\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "round\t"
	for _, m := range measures {
		header += m.name + "\t"
	}
	fmt.Fprintln(tw, header+"lost\tdoubled\t")
	ratios := make([][]float64, len(measures))
	median := rep.MedianRound()
	for i, round := range rep.Rounds {
		label := strconv.Itoa(i + 1)
		if i == median {
			label += "*"
		}
		line := label + "\t"
		for j, m := range measures {
			v := loadtest.Ratio(round, m.f)
			ratios[j] = append(ratios[j], v)
			line += fmt.Sprintf("%.2fx\t", v)
		}
		lost, doubled := 0, 0
		if svc := loadtest.Find(round, loadtest.TargetService); svc != nil {
			lost, doubled = svc.Lost, svc.Doubled
		}
		fmt.Fprintln(tw, line+fmt.Sprintf("%d\t%d\t", lost, doubled))
	}
	line := "median\t"
	for _, vs := range ratios {
		slices.Sort(vs)
		m := vs[len(vs)/2]
		if len(vs)%2 == 0 {
			m = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
		}
		line += fmt.Sprintf("%.2fx\t", m)
	}
	fmt.Fprintln(tw, line+"\t\t")
	_ = tw.Flush()
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.3fs", d.Seconds())
	}
}

func fmtBytes(b float64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	default:
		return fmt.Sprintf("%.0f B", b)
	}
}

// isTerminal reports whether f is a character device (a terminal), where
// a carriage-return progress bar makes sense.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
