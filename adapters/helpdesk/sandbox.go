package helpdesk

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SandboxOptions configure a simulated helpdesk (Descriptor.Sandbox).
type SandboxOptions struct {
	// SimURL is where the simulator's API will be served: the adapter's base URL.
	SimURL string
	// Settings are the adapter's settings read from the environment (may be nil): the sandbox
	// keeps the choices that make sense against a simulator (e.g. how buttons are sent).
	Settings Settings
	// BotName is HANDOVER_BOT_NAME.
	BotName string
	// Logger receives the simulator's logs; nil discards them.
	Logger *slog.Logger
	// Benchmark builds the world of "handover load" and of the conformance kit: no rate limits
	// or slow retries that would measure the simulator instead of the service, and no sandbox
	// page niceties.
	Benchmark bool
	// RetryWait, when set, is the simulator's wait before it redelivers a failed webhook (where
	// the helpdesk redelivers at all); 0 keeps the world's own.
	RetryWait time.Duration
}

// World is one simulated helpdesk in its sim dialect, and the adapter settings that reach it.
type World interface {
	// Handler serves the simulator (its API and, in the sandbox, its page).
	Handler() http.Handler
	// Settings are the adapter's settings pointing at the simulator.
	Settings() Settings
	// Connect starts webhook deliveries to the handover at base (deliveries go to
	// base+"/webhooks/<name>..."). Before it the simulator sends none.
	Connect(base string)
	// Send writes a visitor message and returns the conversation's id as the adapter names it.
	Send(ctx context.Context, visitor, text string) (conv string, err error)
	// Transcript returns the conversation's messages in creation order.
	Transcript(conv string) []Entry
	// Calls is the simulator's log of API calls; ResetCalls empties it.
	Calls() []Call
	ResetCalls()
	// WaitIdle waits until no delivery is in flight.
	WaitIdle(ctx context.Context) error
	Close()

	// What the conformance kit (internal/conformance) drives: what visitors and agents do and
	// what the helpdesk then holds, in words that fit every helpdesk.

	// Choose answers the bot's latest offer the way a visitor of this helpdesk does: a click
	// where the helpdesk shows buttons, else the word the bot asked for. choice is
	// handover.ChoiceRequestHuman, handover.ChoiceOffline or handover.ChoiceContinue.
	Choose(ctx context.Context, conv, choice string) error
	// GiveEmail answers the bot's question for an email address the way this helpdesk lets the
	// visitor: its form where it has one, else a message.
	GiveEmail(ctx context.Context, conv, email string) error
	// SetAgentsAvailable makes every agent of the human queue available (on) or away (off).
	SetAgentsAvailable(on bool)
	// AgentReply writes a public reply from a human agent of the human queue: an agent taking
	// over the bot's chat.
	AgentReply(ctx context.Context, conv, text string) error
	// State returns the conversation as the helpdesk holds it.
	State(conv string) State
	// SetFaults makes the simulator's API misbehave; the zero Faults stops it.
	SetFaults(f Faults)
}

// State is one conversation as the helpdesk holds it, in words that fit every helpdesk.
type State struct {
	// Entries are its messages and notes in creation order, with Text and Offers set.
	Entries []Entry
	// WithHuman is set once the bot has let go to the human queue: assigned to the queue (team,
	// group, department) or served by a person.
	WithHuman bool
	// Offline is set once the conversation is filed as an offline message.
	Offline bool
	// Email is the visitor's email address as the helpdesk knows it ("" when none).
	Email string
}

// Faults make a simulator's API misbehave. Rates are probabilities in 0..1.
type Faults struct {
	Status429Rate float64
	RetryAfter    time.Duration // the Retry-After of the 429s; 0 sends none
	Status500Rate float64
	DropRate      float64       // close the connection without an answer
	Delay         time.Duration // added to every API request
}

// Role says who wrote an Entry.
type Role int

const (
	RoleOther   Role = iota // activity and system lines
	RoleVisitor             // the visitor
	RoleBot                 // the bot's public messages
	RoleAgent               // a person's public messages
	RoleNote                // private notes, whoever wrote them
)

// Entry is one message of a transcript: who wrote it and when the simulator created it.
// Transcript sets only Role and At; State sets every field.
type Entry struct {
	Role Role
	At   time.Time
	// Text is the message as the visitor (or, for a note, the agent) reads it.
	Text string
	// Offers are the choices the message offers the visitor, as buttons or as words to type
	// (handover.ChoiceRequestHuman, ChoiceOffline, ChoiceContinue), in the order shown.
	Offers []string
	// AsksEmail is set on the bot's question for the visitor's email address.
	AsksEmail bool
}

// SortEntries sorts a transcript by creation time (stable: the simulator's order wins a tie).
func SortEntries(es []Entry) []Entry {
	slices.SortStableFunc(es, func(a, b Entry) int { return a.At.Compare(b.At) })
	return es
}

// Call is one API call the simulator answered.
type Call struct {
	Method string
	Path   string // without the query
	Status int    // 0 when the connection was dropped
}

// Env renders settings as the HANDOVER_* environment that reads them back (HANDOVER_HELPDESK
// first, then every field that is not zero), for a child process: secrets in clear.
func Env(name string, s Settings) []string {
	out := []string{"HANDOVER_HELPDESK=" + name}
	rv := reflect.ValueOf(s).Elem()
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		f, v := rt.Field(i), rv.Field(i)
		key := f.Tag.Get("envconfig")
		if key == "" || key == "-" || v.IsZero() {
			continue
		}
		var val string
		switch x := v.Interface().(type) {
		case Secret:
			val = x.Value()
		case IDMap:
			keys := make([]int, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			parts := make([]string, len(keys))
			for j, k := range keys {
				parts[j] = fmt.Sprintf("%d:%d", k, x[k])
			}
			val = strings.Join(parts, ",")
		case time.Duration:
			val = x.String()
		default:
			switch v.Kind() {
			case reflect.String:
				val = v.String()
			case reflect.Int, reflect.Int64, reflect.Int32:
				val = strconv.FormatInt(v.Int(), 10)
			case reflect.Bool:
				val = strconv.FormatBool(v.Bool())
			default:
				val = fmt.Sprint(v.Interface())
			}
		}
		out = append(out, key+"="+val)
	}
	return out
}
