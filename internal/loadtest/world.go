package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

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

// newWorld builds the sim of helpdesk, whose API is served at simURL.
func newWorld(helpdesk, simURL string) (world, error) {
	switch helpdesk {
	case "chatwoot":
		return newChatwootWorld(simURL)
	case "libredesk":
		return newLibredeskWorld(simURL)
	case "liveagent":
		return newLiveAgentWorld(simURL)
	case "zendesk":
		return newZendeskWorld(simURL)
	}
	return nil, fmt.Errorf("no simulated %q", helpdesk)
}

// postAnswer posts a seeded bot answer through an adapter, on the minimal
// conversation a bot turn would have.
func postAnswer(ctx context.Context, hd handover.Helpdesk, conv, text string) error {
	return hd.Post(ctx, &handover.Conversation{ID: conv, State: handover.StateBot}, handover.Outgoing{Text: text, Answer: true})
}

// byTime sorts a transcript by creation time (stable: the sim's order wins
// on a tie).
func byTime(es []entry) []entry {
	slices.SortStableFunc(es, func(a, b entry) int { return a.at.Compare(b.at) })
	return es
}

// isReplyPath reports whether a request to the sim posts a conversation
// message (every dialect: POST .../conversations/{id}/messages). The
// progress bar counts these as answers; the report counts bot messages in
// the transcripts.
func isReplyPath(method, path string) bool {
	return method == http.MethodPost && strings.HasSuffix(path, "/messages") && strings.Contains(path, "/conversations/")
}

// token returns a random credential for a world.
func token() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
