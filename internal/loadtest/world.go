package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/all"
	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/handover"
)

// world is one simulated helpdesk of a run, in one sim dialect, and what the
// benchmark needs of it. Visitor messages go through the sim's own visitor
// path; the seeded history's bot answers through the helpdesk's adapter
// (its Post), so they look exactly like the service's answers.
type world interface {
	// handler serves the sim's API.
	handler() http.Handler
	// env is the HANDOVER_* configuration of a child that reaches the sim.
	env() []string
	// connect starts webhook deliveries to base (the relay). Before it, the
	// sim sends none: seeding raises no turn.
	connect(base string)
	// send writes a visitor message and returns the conversation's key.
	send(ctx context.Context, visitor, text string) (conv string, err error)
	// seedAnswer posts a bot answer in the conversation, as the bot would.
	seedAnswer(ctx context.Context, conv, text string) error
	// transcript returns the conversation's public messages in order.
	transcript(conv string) []entry
	calls() []sim.Call
	resetCalls()
	waitIdle(ctx context.Context) error
	close()
}

// role says who wrote an entry of a transcript.
type role int

const (
	roleOther   role = iota // notes, activity, system lines: ignored
	roleVisitor             // the visitor
	roleBot                 // the bot (the run has no human agents)
)

// entry is one message of a transcript: who wrote it and when the sim
// created it.
type entry struct {
	role role
	at   time.Time
}

// newWorld builds the sim of helpdesk (its Descriptor.Sandbox), whose API is
// served at simURL, and the in-process adapter that seeds bot answers.
func newWorld(name, simURL string) (world, error) {
	d, ok := all.Helpdesks.Simulated().Lookup(name)
	if !ok {
		return nil, fmt.Errorf("no simulated %q", name)
	}
	w, err := d.Sandbox(helpdesk.SandboxOptions{SimURL: simURL, Benchmark: true})
	if err != nil {
		return nil, err
	}
	hd, err := d.New(w.Settings(), helpdesk.Deps{})
	if err != nil {
		w.Close()
		return nil, err
	}
	return &simWorld{w: w, name: d.Name, hd: hd}, nil
}

// simWorld is a helpdesk's simulated world as the benchmark drives it.
type simWorld struct {
	w    helpdesk.World
	name string
	hd   handover.Helpdesk
}

func (s *simWorld) handler() http.Handler { return s.w.Handler() }
func (s *simWorld) env() []string         { return helpdesk.Env(s.name, s.w.Settings()) }
func (s *simWorld) connect(base string)   { s.w.Connect(base) }
func (s *simWorld) send(ctx context.Context, visitor, text string) (string, error) {
	return s.w.Send(ctx, visitor, text)
}
func (s *simWorld) seedAnswer(ctx context.Context, conv, text string) error {
	return postAnswer(ctx, s.hd, conv, text)
}
func (s *simWorld) resetCalls()                        { s.w.ResetCalls() }
func (s *simWorld) waitIdle(ctx context.Context) error { return s.w.WaitIdle(ctx) }
func (s *simWorld) close()                             { s.w.Close() }

func (s *simWorld) transcript(conv string) []entry {
	es := s.w.Transcript(conv)
	out := make([]entry, len(es))
	for i, e := range es {
		r := roleOther
		switch e.Role {
		case helpdesk.RoleVisitor:
			r = roleVisitor
		case helpdesk.RoleBot:
			r = roleBot
		}
		out[i] = entry{r, e.At}
	}
	return out
}

func (s *simWorld) calls() []sim.Call {
	cs := s.w.Calls()
	out := make([]sim.Call, len(cs))
	for i, c := range cs {
		out[i] = sim.Call{Method: c.Method, Path: c.Path, Status: c.Status}
	}
	return out
}

// postAnswer posts a seeded bot answer through an adapter, on the minimal
// conversation a bot turn would have.
func postAnswer(ctx context.Context, hd handover.Helpdesk, conv, text string) error {
	return hd.Post(ctx, &handover.Conversation{ID: conv, State: handover.StateBot}, handover.Outgoing{Text: text, Answer: true})
}

// isReplyPath reports whether a request to the sim posts a conversation
// message: POST .../conversations/{id}/messages, or /reply on Intercom. The
// progress bar counts these as answers; the report counts bot messages in
// the transcripts.
func isReplyPath(method, path string) bool {
	return method == http.MethodPost && strings.Contains(path, "/conversations/") &&
		(strings.HasSuffix(path, "/messages") || strings.HasSuffix(path, "/reply"))
}
