// Package sim is the neutral conversation store the simulated helpdesks are built on, one
// sub-package per dialect: chatwoot, libredesk, liveagent, zendesk (and intercom, which keeps a
// model of its own). The store holds data, not rules: people, inboxes, teams, contacts,
// conversations and messages, the sandbox page every dialect serves, the help-center seed, and
// the network kit of package simnet (fault injection, the API call log, webhook delivery),
// written once for all dialects. What a status means, who is assigned when and which webhook a
// change raises is each dialect's, in its own package, from its vendor's documents and source.
//
// The simulators exist for the contract and conformance tests, the end-to-end and fault tests,
// the load benchmark and `handover sandbox`. They import no adapter.
package sim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/handover-dev/handover/adapters/sim/simnet"
)

// Store is the neutral conversation store every dialect builds on: people (users), inboxes,
// teams, contacts, conversations and their messages, plus the network kit (package simnet) that
// injects faults into API calls, logs them and delivers webhooks. It holds data, not rules: what
// a status means, who is assigned when, which event a change raises is each dialect's.
//
// Every field is guarded by mu; a dialect holds it for the whole of one API call or action.
type Store struct {
	Mu sync.Mutex

	// Rng draws the faults and the model's randomness (tokens, ids, event order): one seed fixes
	// both.
	Rng    *simnet.Rand
	Faults *simnet.Injector
	MW     *simnet.Middleware
	Hooks  *simnet.Deliverer

	Users        map[int]*User
	UserIDs      []int
	Inboxes      map[int]*Inbox
	InboxIDs     []int
	Teams        map[int]*Team
	TeamIDs      []int
	Contacts     map[int]*Contact
	ContactByKey map[string]int
	Convs        map[int]*Conversation
	ConvIDs      []int
	Seq          struct{ User, Inbox, Team, Contact, ContactInbox, Conv, Msg int }
}

// NewStore returns an empty store whose randomness is drawn from seed and whose webhook
// attempts are bounded by webhookTimeout.
func NewStore(seed int64, webhookTimeout time.Duration) *Store {
	rng := simnet.NewRand(uint64(seed), 0x5eed)
	faults := simnet.NewInjector(rng)
	return &Store{
		Rng: rng, Faults: faults,
		MW:           simnet.NewMiddleware(faults),
		Hooks:        simnet.NewDeliverer(faults, &http.Client{Timeout: webhookTimeout}),
		Users:        map[int]*User{},
		Inboxes:      map[int]*Inbox{},
		Teams:        map[int]*Team{},
		Contacts:     map[int]*Contact{},
		ContactByKey: map[string]int{},
		Convs:        map[int]*Conversation{},
	}
}

// Calls returns a copy of the API call log.
func (s *Store) Calls() []Call { return s.MW.Calls() }

// ResetCalls empties the API call log.
func (s *Store) ResetCalls() { s.MW.ResetCalls() }

// SetFaults replaces the fault settings (API calls and webhook deliveries).
func (s *Store) SetFaults(f Faults) { s.Faults.SetFaults(f) }

// WaitIdle waits until no webhook delivery is in flight (including retries).
func (s *Store) WaitIdle(ctx context.Context) error {
	if err := s.Hooks.WaitIdle(ctx); err != nil {
		return fmt.Errorf("wait idle: %w", err)
	}
	return nil
}

// Close stops delivery goroutines (cancelling in-flight attempts and retry waits) and waits for
// them. Webhooks sent after Close are dropped.
func (s *Store) Close() { s.Hooks.Close() }

// User is a person who works in the helpdesk: an agent, an administrator, a bot account.
type User struct {
	ID           int
	Name, Email  string
	Role         string // administrator|agent
	Availability string // online|busy|offline
	CreatedAt    time.Time
}

// Inbox is a channel conversations arrive through. WithBot, AutoAssign, WebsiteToken and RRQueue
// are Chatwoot's; the other dialects leave them zero.
type Inbox struct {
	ID           int
	Name         string
	WithBot      bool
	AutoAssign   bool // enable_auto_assignment (Chatwoot's default: true)
	WebsiteToken string
	Members      []int
	RRQueue      []int // round-robin queue (AutoAssignment::InboxRoundRobinService)
	CreatedAt    time.Time
}

// Team is a group of users: a Chatwoot team, a Libredesk team, a LiveAgent department, a Zendesk
// group. AllowAutoAssign is Chatwoot's.
type Team struct {
	ID              int
	Name            string
	AllowAutoAssign bool // Chatwoot's default: true
	Members         []int
	CreatedAt       time.Time
}

// Contact is a visitor (a customer); Key is how the sandbox and the tests name it.
type Contact struct {
	ID        int
	Key, Name string
	Email     string
	CreatedAt time.Time
}

// Conversation is one conversation (a chat, a ticket) and its messages. Status holds the
// dialect's own status names. ContactInboxID, SourceID, PubsubToken, AssigneeBot,
// AdditionalAttrs, Priority and BotHandoffs are Chatwoot's; the other dialects leave them zero.
type Conversation struct {
	ID, InboxID, ContactID, ContactInboxID int
	UUID, SourceID, PubsubToken            string
	Status                                 string
	AssigneeID                             int
	AssigneeBot                            bool
	TeamID                                 int
	Labels                                 []string
	CustomAttrs                            map[string]any
	AdditionalAttrs                        map[string]any
	Priority                               string
	SnoozedUntil                           time.Time
	WaitingSince                           time.Time
	FirstReplyAt                           time.Time
	CreatedAt, UpdatedAt, LastActivityAt   time.Time
	Msgs                                   []*Message
	BotHandoffs                            int
	Typing                                 string
}

// Message is one message of a conversation. Type is incoming|outgoing|activity|template and
// SenderKind contact|user|agent_bot|"" in the dialect's terms.
type Message struct {
	ID           int
	ConvID       int
	Type         string // incoming|outgoing|activity|template
	SenderKind   string // contact|user|agent_bot|""
	SenderID     int
	Content      string
	HasContent   bool // content is not nil
	ContentType  string
	ContentAttrs map[string]any
	Private      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Call is one entry of the API call log. Token is the dialect's name for the credential:
// "bot"|"user"|"invalid"|"" in the Chatwoot dialect.
type Call = simnet.Call

// Faults makes API requests and webhook deliveries misbehave. Rates are probabilities in 0..1,
// drawn from a generator seeded with Options.Seed. A duplicated Chatwoot webhook keeps its
// X-Chatwoot-Delivery.
type Faults = simnet.Faults

// ErrNotFound is returned (wrapped) when a conversation, message, inbox or agent does not exist.
var ErrNotFound = errors.New("not found")

// RandToken returns a seeded alphanumeric token. Callers hold s.Mu.
func (s *Store) RandToken(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[s.Rng.IntN(len(alphabet))]
	}
	return string(b)
}

// NewUUID returns a random RFC 4122 version 4 UUID (like SecureRandom.uuid).
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

var (
	haikuAdjectives = []string{"quiet", "autumn", "bold", "cool", "dawn", "misty", "lively", "patient", "silent", "sunny", "wild", "young"}
	haikuNouns      = []string{"sun", "river", "field", "leaf", "meadow", "moon", "pine", "wave", "cloud", "brook", "stone", "breeze"}
)

// NewVisitorName returns a random visitor name like the widget's contacts ("quiet-sun-421").
func (s *Store) NewVisitorName() string {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return fmt.Sprintf("%s-%s-%d", haikuAdjectives[s.Rng.IntN(len(haikuAdjectives))], haikuNouns[s.Rng.IntN(len(haikuNouns))], 1+s.Rng.IntN(999))
}

// ContactFor returns the contact with the key, created (named after the key) if new. Callers
// hold s.Mu.
func (s *Store) ContactFor(key string) *Contact {
	if id, ok := s.ContactByKey[key]; ok {
		return s.Contacts[id]
	}
	s.Seq.Contact++
	ct := &Contact{ID: s.Seq.Contact, Key: key, Name: key, CreatedAt: time.Now()}
	s.Contacts[ct.ID] = ct
	s.ContactByKey[key] = ct.ID
	return ct
}

// DeepCopy copies JSON-like values (maps, slices, scalars).
func DeepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = DeepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = DeepCopy(e)
		}
		return out
	case []string:
		return slices.Clone(x)
	case nil:
		return nil
	}
	return v
}

// NewUser adds a person who works in the helpdesk (an agent, an administrator, a bot account)
// and returns it. Callers hold s.Mu.
func (s *Store) NewUser(name, email, role, availability string) *User {
	s.Seq.User++
	u := &User{ID: s.Seq.User, Name: name, Email: email, Role: role, Availability: availability, CreatedAt: time.Now()}
	s.Users[u.ID] = u
	s.UserIDs = append(s.UserIDs, u.ID)
	return u
}

// NewTeam adds a team of the given users (unknown ids and repeats are left out) and returns it.
// Callers hold s.Mu.
func (s *Store) NewTeam(name string, members ...int) *Team {
	s.Seq.Team++
	t := &Team{ID: s.Seq.Team, Name: name, CreatedAt: time.Now()}
	for _, id := range members {
		if s.Users[id] != nil && !slices.Contains(t.Members, id) {
			t.Members = append(t.Members, id)
		}
	}
	s.Teams[t.ID] = t
	s.TeamIDs = append(s.TeamIDs, t.ID)
	return t
}

// NewInbox adds an inbox (a channel conversations arrive through) and returns it. Callers hold
// s.Mu.
func (s *Store) NewInbox(name string) *Inbox {
	s.Seq.Inbox++
	in := &Inbox{ID: s.Seq.Inbox, Name: name, CreatedAt: time.Now()}
	s.Inboxes[in.ID] = in
	s.InboxIDs = append(s.InboxIDs, in.ID)
	return in
}

// NewConversation opens a conversation of the contact in the inbox with the given status and
// returns it. Callers hold s.Mu.
func (s *Store) NewConversation(inboxID int, ct *Contact, status string) *Conversation {
	now := time.Now()
	s.Seq.Conv++
	c := &Conversation{
		ID: s.Seq.Conv, InboxID: inboxID, ContactID: ct.ID, UUID: NewUUID(), Status: status,
		Labels: []string{}, CustomAttrs: map[string]any{}, CreatedAt: now, UpdatedAt: now, LastActivityAt: now,
	}
	s.Convs[c.ID] = c
	s.ConvIDs = append(s.ConvIDs, c.ID)
	return c
}

// Append numbers m, stamps it (created_at strictly after the conversation's last message) and
// appends it to c. Callers hold s.Mu.
func (s *Store) Append(c *Conversation, m *Message) {
	now := time.Now()
	if n := len(c.Msgs); n > 0 && !now.After(c.Msgs[n-1].CreatedAt) {
		now = c.Msgs[n-1].CreatedAt.Add(time.Microsecond)
	}
	s.Seq.Msg++
	m.ID, m.ConvID = s.Seq.Msg, c.ID
	m.CreatedAt, m.UpdatedAt = now, now
	if m.ContentAttrs == nil {
		m.ContentAttrs = map[string]any{}
	}
	c.Msgs = append(c.Msgs, m)
	c.UpdatedAt, c.LastActivityAt = now, now
}
