package loadtest

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/handover-dev/handover/adapters/all"
)

// Helpdesks are the helpdesks the benchmark can drive: every dialect of the sim.
var Helpdesks = all.Helpdesks.Simulated().Names()

// Targets of a run.
const (
	TargetService   = "service"   // `handover serve`
	TargetReference = "reference" // `handover load-reference`
)

// Options configure one benchmark of one helpdesk.
type Options struct {
	// Helpdesk is one of Helpdesks.
	Helpdesk string
	// Executable is the handover binary started as the child process: it must
	// understand `serve` and `load-reference` (os.Executable() in the command).
	Executable string
	// Targets are what runs, in order: TargetReference and/or TargetService.
	Targets []string
	// Rate is visitor messages a second, over all visitors.
	Rate float64
	// Duration is the arrival window: messages are sent in [0, Duration).
	Duration time.Duration
	// Messages is how many messages one visitor writes.
	Messages int
	// Gap is the mean time between one visitor's messages (±25% jitter).
	Gap time.Duration
	// History is how many messages every conversation holds before the run
	// (question/answer pairs; an odd count is rounded down).
	History int
	// LLMLatency is how long the scripted LLM takes to answer.
	LLMLatency time.Duration
	// Drain is how long to wait after the last arrival for answers.
	Drain time.Duration
	// KnowledgeDir, if set, is the service's HANDOVER_KNOWLEDGE_DIR.
	KnowledgeDir string
	// ServiceEnv are extra HANDOVER_*=value settings of the service (not
	// the reference), e.g. HANDOVER_LLM_MAX_CONCURRENCY=10000.
	ServiceEnv []string
	// Seed makes the arrival schedule and the jitter reproducible.
	Seed uint64
	// Rounds is how many times the targets run, round after round, on the
	// same schedule (default 1). On a shared machine the latency
	// percentiles of one run move with whatever else runs; the median of
	// several rounds' service/reference ratios is the figure to read.
	Rounds int
	// SideBySide runs the targets at the same time, each with its own sim,
	// LLM and child, their arrivals starting together, instead of one after
	// the other: a stall of the shared machine then hits the service and its
	// yardstick alike, so their latency ratio holds still. The two together
	// need twice the CPU; at rates the machine cannot serve twice, run them
	// apart.
	SideBySide bool
	// Progress, if set, receives a progress bar (carriage returns; a terminal).
	Progress io.Writer
	// ChildLog, if set, receives the children's stderr (their JSON logs).
	ChildLog io.Writer
}

// Defaults returns the options of the default run (issue #10): 10 messages
// a second for 20 s, three messages a visitor 4 s apart, a 2 s LLM, no
// history, both targets side by side.
func Defaults() Options {
	return Options{
		Helpdesk: Helpdesks[0], Targets: []string{TargetReference, TargetService},
		Rate: 10, Duration: 20 * time.Second, Messages: 3, Gap: 4 * time.Second,
		LLMLatency: 2 * time.Second, Seed: 1, Rounds: 1, SideBySide: true,
	}
}

// Limits keep a run bounded in count and time.
const (
	MaxRate     = 2000
	MaxDuration = 10 * time.Minute
	MaxMessages = 100
	MaxHistory  = 1000
	MaxLatency  = time.Minute
	MaxRounds   = 20
)

// Validate reports every problem of o at once.
func (o Options) Validate() error {
	var errs []error
	if !slices.Contains(Helpdesks, o.Helpdesk) {
		errs = append(errs, fmt.Errorf("helpdesk %q: use one of %v", o.Helpdesk, Helpdesks))
	}
	if o.Executable == "" {
		errs = append(errs, errors.New("no executable to start the service from"))
	}
	if len(o.Targets) == 0 {
		errs = append(errs, errors.New("nothing to run: no target"))
	}
	for _, t := range o.Targets {
		if t != TargetService && t != TargetReference {
			errs = append(errs, fmt.Errorf("target %q: use %s or %s", t, TargetService, TargetReference))
		}
	}
	if o.Rounds < 0 || o.Rounds > MaxRounds {
		errs = append(errs, fmt.Errorf("rounds must be at most %d (0 runs one round)", MaxRounds))
	}
	if !(o.Rate > 0 && o.Rate <= MaxRate) {
		errs = append(errs, fmt.Errorf("rate must be in (0, %d] messages a second", MaxRate))
	}
	if o.Duration <= 0 || o.Duration > MaxDuration {
		errs = append(errs, fmt.Errorf("duration must be in (0, %s]", MaxDuration))
	}
	if o.Messages < 1 || o.Messages > MaxMessages {
		errs = append(errs, fmt.Errorf("messages must be 1..%d", MaxMessages))
	}
	if o.Gap <= 0 && o.Messages > 1 {
		errs = append(errs, errors.New("gap must be positive"))
	}
	if o.History < 0 || o.History > MaxHistory {
		errs = append(errs, fmt.Errorf("history must be 0..%d", MaxHistory))
	}
	if o.LLMLatency < 0 || o.LLMLatency > MaxLatency {
		errs = append(errs, fmt.Errorf("llm latency must be in [0, %s]", MaxLatency))
	}
	if o.Drain < 0 || o.Drain > 10*time.Minute {
		errs = append(errs, errors.New("drain must be in [0, 10m]"))
	}
	return errors.Join(errs...)
}

// drain is the wait for answers after the last arrival: Drain, or by default
// three LLM latencies plus 5 s.
func (o Options) drain() time.Duration {
	if o.Drain > 0 {
		return o.Drain
	}
	return 3*o.LLMLatency + 5*time.Second
}

// requiredAnswers keeps the "Request chat with human agent" button out of
// reach, so the run measures plain turns: more than the seeded history and
// the run can ever count.
func (o Options) requiredAnswers() int { return 100 + o.History + o.Messages }
