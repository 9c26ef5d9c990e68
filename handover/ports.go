package handover

import (
	"context"
	"errors"
	"time"
)

// EventKind classifies what a webhook told us.
type EventKind string

// Event kinds. Every event only names a conversation (and, for a click, what
// was clicked): the engine re-reads the conversation from the helpdesk, so a
// repeated, late or reordered event cannot make it act twice.
const (
	// EventVisitorMessage: the visitor wrote something.
	EventVisitorMessage EventKind = "visitor_message"
	// EventChoice: the visitor clicked a button or submitted an email on a bot prompt.
	EventChoice EventKind = "choice"
	// EventAgentActivity: a human agent wrote publicly or was assigned; the
	// conversation may have been taken over.
	EventAgentActivity EventKind = "agent_activity"
	// EventChanged: the conversation changed in another way worth a re-check.
	EventChanged EventKind = "changed"
	// EventReconcile: the reconciler found the conversation unanswered; the
	// turn runs only if the newest visitor input is older than MinAge (else a
	// webhook is probably on its way and will run it).
	EventReconcile EventKind = "reconcile"
)

// Event is one thing that happened in a helpdesk conversation, translated
// from a vendor webhook by an adapter.
type Event struct {
	Kind           EventKind
	ConversationID string
	// MessageID is the helpdesk message the event is about, if any.
	MessageID string
	// Choice is the submitted button value, for EventChoice.
	Choice string
	// Email is the submitted email address, for EventChoice on an email prompt.
	Email string
	// AgentName is the agent's display name, for EventAgentActivity.
	AgentName string
	// DedupKey identifies this delivery's content (e.g. "message_created:1001");
	// events with the same key are processed once.
	DedupKey string
	// SeenKey, set by the server, is the key the event was de-duplicated
	// under (its DedupKey, or its delivery's, with the helpdesk's name):
	// lanes whose replicas share a Deduper (LaneOptions.Seen) mark it there
	// as the event's turn is about to run, and run none for an event another
	// replica marked first. Empty: the event always runs (a replay).
	SeenKey string
	// MinAge is the grace period of an EventReconcile.
	MinAge time.Duration
	// Recheck marks an event that only asks for a look (a backup trigger,
	// such as the webhook of a conversation's creation that a helpdesk sends
	// beside its first message's): it says nothing changed, so it runs a
	// turn but does not make a turn already running re-read before posting.
	Recheck bool
	// Hint is what the webhook itself said about the conversation (for
	// Chatwoot: its status, assignee, team and attributes at the time of
	// the event), opaque to the core. The engine hands it back to an
	// EventLoader, which may use it in place of a read. It may be stale: a
	// loader must still read what can only be known fresh (the messages).
	// Lanes drop it when they fold events together.
	Hint any
}

// Outgoing is a message the bot posts to the visitor.
type Outgoing struct {
	Text    string
	Prompt  Prompt
	Buttons []Button
	// Answer marks a bot answer (as opposed to a notice): it counts towards
	// the required answers before the human button is offered.
	Answer bool
}

// Reason says why a conversation leaves the bot.
type Reason string

// Handover reasons, used in agent notes and metrics.
const (
	ReasonButton   Reason = "visitor_button"  // the visitor pressed "Request chat with human agent"
	ReasonRequest  Reason = "visitor_request" // the visitor asked in free text
	ReasonBotError Reason = "bot_error"       // the bot failed or timed out
	// ReasonAccepted: the bot offered a person and the visitor said yes in the chat (typed,
	// not clicked: "yes", the keyword, the button's words).
	ReasonAccepted Reason = "visitor_accepted"
	// ReasonOffline: nobody was available and the visitor left an offline message.
	ReasonOffline Reason = "offline_message"
	// ReasonWaitTimeout: nobody took the chat within HANDOVER_HUMAN_WAIT_TIMEOUT and the
	// visitor left an offline message.
	ReasonWaitTimeout Reason = "wait_timeout"
	// The visitor took a person the bot offered early, whatever the answer
	// count, because:
	ReasonRepeated    Reason = "repeated_question" // they asked the same thing again
	ReasonFrustration Reason = "frustration"       // they were frustrated or angry
	ReasonBotUnknown  Reason = "bot_unknown"       // the bot could not answer twice in a row
	ReasonNoAnswer    Reason = "no_answer"         // the bot had nothing in its knowledge to answer with (Answer.Unknown)
)

// Describe returns a short human sentence for a reason.
func (r Reason) Describe() string {
	switch r {
	case ReasonButton:
		return "The visitor pressed \"Request chat with human agent\"."
	case ReasonRequest:
		return "The visitor asked to talk to a person."
	case ReasonAccepted:
		return "The bot offered a person and the visitor said yes in the chat."
	case ReasonOffline:
		return "No agent was available; the visitor left an offline message."
	case ReasonWaitTimeout:
		return "The visitor waited for an agent, nobody took the chat in time, and they left an offline message."
	case ReasonBotError:
		return "The bot could not answer (LLM error or timeout)."
	case ReasonRepeated:
		return "The visitor asked the same question again; the bot offered a person and they took it."
	case ReasonFrustration:
		return "The visitor seemed frustrated with the bot; the bot offered a person and they took it."
	case ReasonBotUnknown:
		return "The bot could not answer twice in a row; it offered a person and the visitor took it."
	case ReasonNoAnswer:
		return "The bot found nothing in its knowledge to answer with; it offered a person and the visitor took it."
	default:
		return string(r)
	}
}

// Handoff is what a helpdesk needs to hand a conversation to humans or to
// file it as an offline message.
type Handoff struct {
	Reason     Reason
	Summary    string
	Transcript string
	// Email is where the visitor wants the answer, for offline messages.
	Email string
	// Message is what the visitor wants the team to know, for offline messages: what they
	// wrote during the email step, else what they said before it (offlineMessage); "" when
	// they said nothing of substance.
	Message string
	// What the agent's note tells of the conversation (HandoverNote, OfflineNote), filled in
	// by the engine; zero values read as not known.
	// Answers is how many answers the bot gave; SaidUnknown that one of them said it did
	// not know (SaysUnknown).
	Answers     int
	SaidUnknown bool
	// Visitor is the contact the helpdesk holds (name, email).
	Visitor Visitor
	// Language is the code of the visitor's language (VisitorLanguage), "" when not known.
	Language string
	// Frustrated reports that a visitor message read as frustrated (IsFrustrated).
	Frustrated bool
	// NoteLanguage is the code of the note's labels (HANDOVER_NOTE_LANGUAGE); "" is English.
	NoteLanguage string
}

// Helpdesk is the port the engine drives. Adapters implement it for one
// vendor. Every method must be safe to call again after a crash: the helpdesk
// is the source of truth.
type Helpdesk interface {
	// Load reads the conversation and derives its State from the helpdesk.
	// It returns ErrNotFound for an unknown conversation.
	Load(ctx context.Context, conversationID string) (*Conversation, error)
	// Post sends a public bot message to the visitor.
	Post(ctx context.Context, conv *Conversation, out Outgoing) error
	// Available reports whether a human agent of the conversation's
	// department can take it now.
	Available(ctx context.Context, conv *Conversation) (bool, error)
	// HandToHuman moves the conversation to its human queue and leaves the
	// agents a private note with the reason and summary.
	HandToHuman(ctx context.Context, conv *Conversation, h Handoff) error
	// LeaveOffline turns the conversation into an offline message for the
	// department, with a note carrying the summary and the contact email.
	LeaveOffline(ctx context.Context, conv *Conversation, h Handoff) error
	// MarkAgentJoined records that the visitor was told an agent joined, and
	// moves a conversation still waiting for the bot to the humans.
	MarkAgentJoined(ctx context.Context, conv *Conversation, agentName string) error
}

// HintMerger may be implemented by an Event.Hint: when the lanes fold
// another event into its event, MergeHint returns what the turn may still
// trust of both hints (other may be nil or of another type), or nil. A hint
// without it survives a fold only when both events carry the same one.
type HintMerger interface {
	MergeHint(other any) any
}

// EventLoader is implemented by helpdesks whose webhooks carry part of the
// conversation (Event.Hint): LoadEvent reads only what the hint lacks, so a
// plain bot turn costs one read. Without a hint it must behave as Load.
type EventLoader interface {
	LoadEvent(ctx context.Context, ev Event) (*Conversation, error)
}

// Lister is implemented by helpdesks that can list the conversations the
// bot holds, for the reconciler.
type Lister interface {
	// BotConversations returns the ids of conversations that may be waiting
	// for the bot (for Chatwoot: pending conversations).
	BotConversations(ctx context.Context) ([]string, error)
}

// WaitWatcher is implemented by helpdesks where the bot may still write in a conversation
// handed to a human queue and can list those conversations: with Options.HumanWaitTimeout
// the reconciler lists them and the engine offers the offline message to a visitor nobody
// took in time (and files it from the queue: LeaveOffline must work on a queued
// conversation, and Load derive StateOffline after it).
type WaitWatcher interface {
	// QueuedConversations returns the ids of conversations handed to a human queue that no
	// agent has taken yet.
	QueuedConversations(ctx context.Context) ([]string, error)
}

// HandBacker is implemented by helpdesks that can give a queued conversation back to the
// bot: a visitor who no longer wants to wait ("never mind, the bot is fine") is answered by
// the bot again. HandBack undoes HandToHuman so that Load derives StateBot; it must be safe
// to repeat.
type HandBacker interface {
	HandBack(ctx context.Context, conv *Conversation) error
}

// Typer is implemented by helpdesks that can show the visitor a typing
// indicator from the bot. With Options.TypingIndicator the engine turns it
// on (on=true) while the LLM writes an answer; the bot's next message ends
// it, so it is turned off (on=false) only when the turn posts nothing. It
// costs a call: a failure is logged at debug and never fails the turn.
type Typer interface {
	Typing(ctx context.Context, conv *Conversation, on bool) error
}

// Agent is a human agent of the helpdesk.
type Agent struct {
	ID        string
	Name      string
	Available bool
}

// Directory is implemented by helpdesks that serve the agent pages: the
// bot-chats overview and "Stop chatbot and join".
type Directory interface {
	// Conversations returns the conversations the bot holds or recently
	// handed over (states bot, queued, agent, offline), most recent activity
	// first. Snapshots may be light: Messages may hold only the latest
	// public messages, but State, BotAnswers and Visitor must be right.
	Conversations(ctx context.Context) ([]*Conversation, error)
	// Agents lists the helpdesk's human agents.
	Agents(ctx context.Context) ([]Agent, error)
	// AssignAgent makes agentID the conversation's assignee in the helpdesk,
	// so that Load then derives StateAgent (a takeover).
	AssignAgent(ctx context.Context, conv *Conversation, agentID string) error
}

// Turn is the input of one bot answer.
type Turn struct {
	Conversation *Conversation
	// AllowHumanRequest lets the bot hand over when the visitor asks for a person.
	AllowHumanRequest bool
}

// Answer is the bot's output for one turn.
type Answer struct {
	Text string
	// HumanRequested is set when the bot decided the visitor wants a person.
	HumanRequested bool
	// Reason is the bot's short explanation of a human request.
	Reason string
	// Unknown is set when the bot could not answer (nothing relevant in its
	// knowledge, and the model said it does not know): with
	// Options.OfferOnUnknown the answer offers a person at once, whatever the
	// answer count, and a visitor who takes the offer reaches the agents with
	// reason ReasonNoAnswer. The core keeps no state: it reads that reason
	// back from the answer's text when the visitor takes the offer, so the
	// text of an Unknown answer must say that the bot does not know in words
	// SaysUnknown reads (else the note says ReasonButton). An answer whose
	// text says it does not know counts towards the two-in-a-row rule too
	// (ReasonBotUnknown).
	Unknown bool
}

// Bot is the LLM agent port.
type Bot interface {
	// Answer produces the bot's reply to the visitor's pending messages.
	Answer(ctx context.Context, t Turn) (Answer, error)
	// Summarize writes a short summary of the conversation for an agent.
	Summarize(ctx context.Context, conv *Conversation) (string, error)
}

// Observer receives the engine's measurements (metrics). All methods must be
// cheap and safe for concurrent use.
type Observer interface {
	TurnDone(outcome string)
	HandoverDone(reason Reason, result string)
	LLMCall(d time.Duration, err error)
}

// ErrNotFound is returned by Helpdesk.Load for an unknown conversation.
var ErrNotFound = errors.New("conversation not found")

// ErrNoListing is what Directory.Conversations returns when the helpdesk's
// API cannot list the conversations the bot holds (Sunshine Conversations
// lists only by user): the agent pages then say how to reach a chat instead.
var ErrNoListing = errors.New("the helpdesk cannot list conversations")

// ErrPermanent marks an error that retrying will not fix (bad credentials,
// a rejected request). Wrap it so lanes stop retrying.
var ErrPermanent = errors.New("permanent failure")

// RetryLater is a turn error that asks the lane to wait at least After
// before trying the turn again: a post that failed in a way that leaves
// unknown whether the helpdesk created the message (a timeout, a reset, a
// 500) must not be re-read before the helpdesk has finished, or the retry
// would answer twice.
type RetryLater struct {
	After time.Duration
	Err   error
}

func (e *RetryLater) Error() string { return e.Err.Error() }

func (e *RetryLater) Unwrap() error { return e.Err }
