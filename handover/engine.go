package handover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// Options configure an Engine.
type Options struct {
	Helpdesk Helpdesk
	Bot      Bot
	// Detect is the deterministic human-request detector (safety net next to
	// the LLM's tool). Nil disables it.
	Detect func(text string) bool
	// RequiredAnswers is how many answers the bot gives before its replies
	// carry the "Request chat with human agent" button.
	RequiredAnswers int
	// HumanRequestInChat lets visitors ask for a human in free text.
	HumanRequestInChat bool
	// OfferOnRepeat offers a person at once, whatever the answer count, when the visitor
	// asks again what they asked before (Repeats).
	OfferOnRepeat bool
	// OfferOnUnknown offers a person at once, whatever the answer count, when the bot
	// could not answer: an answer marked Answer.Unknown (nothing in the knowledge; reason
	// ReasonNoAnswer), or a second answer in a row that says it does not know
	// (Answer.Unknown or SaysUnknown; reason ReasonBotUnknown).
	OfferOnUnknown bool
	// OfferOnFrustration offers a person at once when the visitor shows frustration or
	// anger (IsFrustrated).
	OfferOnFrustration bool
	// LLMTimeout bounds one bot answer; past it the fail-safe hands over.
	LLMTimeout time.Duration
	// TypingIndicator shows the helpdesk's typing indicator (Typer, where
	// the helpdesk has one) while the LLM writes an answer: one more call
	// per answer.
	TypingIndicator bool
	// Limiter governs LLM concurrency (adaptive); nil runs every call at once.
	Limiter *LLMLimiter
	// PostSettle is how long a turn whose answer could not be posted waits
	// before it is retried (and re-reads): at least the helpdesk client's
	// request timeout, so a slow create has finished. Default 10s.
	PostSettle time.Duration
	// HumanWaitTimeout, when positive, offers the offline message to a visitor nobody took
	// within it after a handover (helpdesks with WaitWatcher); the visitor may also keep
	// waiting.
	HumanWaitTimeout time.Duration
	// NoteLanguage is the code of the language of the agent's note labels (one of
	// Languages); "" or an unknown code is English.
	NoteLanguage string
	// Texts overrides the built-in notices (in every language); when left
	// zero, the notices follow the visitor's language.
	Texts    Texts
	Logger   *slog.Logger
	Observer Observer
}

// Engine runs one turn of a conversation: it reads the conversation from the
// helpdesk, decides, and acts through the helpdesk. It keeps no state between
// turns, so any replica can run any turn.
type Engine struct {
	hd       Helpdesk
	bot      Bot
	detect   func(string) bool
	opts     Options
	texts    Texts
	localize bool
	log      *slog.Logger
	obs      Observer
	titles   map[string]bool // the configured texts' button titles, lower-cased (isButtonTitle)
}

// NewEngine returns an engine; Helpdesk and Bot are required.
func NewEngine(o Options) (*Engine, error) {
	if o.Helpdesk == nil || o.Bot == nil {
		return nil, errors.New("handover: engine needs a helpdesk and a bot")
	}
	if o.LLMTimeout <= 0 {
		o.LLMTimeout = 20 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.RequiredAnswers < 0 {
		o.RequiredAnswers = 0
	}
	if o.PostSettle <= 0 {
		o.PostSettle = 10 * time.Second
	}
	e := &Engine{hd: o.Helpdesk, bot: o.Bot, detect: o.Detect, opts: o, texts: o.Texts.withDefaults(), localize: o.Texts == (Texts{}), log: o.Logger, obs: o.Observer,
		titles: map[string]bool{}}
	addTitles(e.titles, e.texts.HumanButton, e.texts.OfflineButton, e.texts.ContinueButton, e.texts.WaitButton)
	return e, nil
}

// Turn outcomes, reported to the Observer and returned by Handle.
const (
	OutcomeIgnored    = "ignored"      // not the bot's conversation
	OutcomeNothing    = "nothing"      // nothing pending (already answered)
	OutcomeAnswered   = "answered"     // the bot answered
	OutcomeHandover   = "handover"     // handed to a human queue
	OutcomeNoAgent    = "no_agent"     // offered the offline message
	OutcomeAskEmail   = "ask_email"    // asked for an email address
	OutcomeOffline    = "offline"      // filed an offline message
	OutcomeContinue   = "continue"     // visitor chose to continue with the bot
	OutcomeJoined     = "agent_joined" // announced an agent's takeover
	OutcomeWaitOffer  = "wait_offer"   // nobody took the chat in time: offered the offline message
	OutcomeKeepWait   = "keep_waiting" // the visitor chose to keep waiting for a person
	OutcomeBackToBot  = "back_to_bot"  // the visitor called off the wait: the bot has the chat again
	OutcomeSuperseded = "superseded"   // the conversation moved on while the bot was thinking
	OutcomeFailed     = "failed"       // an error; the lane retries
)

// Handle runs the turn an event calls for and returns its outcome.
func (e *Engine) Handle(ctx context.Context, ev Event) (string, error) {
	outcome, err := e.handle(ctx, ev)
	if err != nil {
		outcome = OutcomeFailed
	}
	e.obs.TurnDone(outcome)
	return outcome, err
}

// load reads the conversation for ev: through the adapter's EventLoader
// when it has one (it may use what the webhook carried), else Load. The
// turn's lane learns what it read (cover).
func (e *Engine) load(ctx context.Context, ev Event) (*Conversation, error) {
	mark := readMark(ctx)
	var conv *Conversation
	var err error
	if el, ok := e.hd.(EventLoader); ok {
		conv, err = el.LoadEvent(ctx, ev)
	} else {
		conv, err = e.hd.Load(ctx, ev.ConversationID)
	}
	if err == nil {
		cover(ctx, conv, mark)
	}
	return conv, err
}

// llm runs one LLM call under the limiter, if any.
func (e *Engine) llm(ctx context.Context, call func(context.Context) error) error {
	if e.opts.Limiter == nil {
		return call(ctx)
	}
	return e.opts.Limiter.Do(ctx, call)
}

func (e *Engine) handle(ctx context.Context, ev Event) (string, error) {
	// A turn that may talk to the LLM takes its slot before it reads the
	// helpdesk: turns waiting for the LLM then hold only their event, and no
	// more conversations are loaded at once than the LLM can serve. An
	// agent's activity never needs the LLM. When no slot comes within the
	// LLM timeout the turn goes on; its LLM call waits again and, failing,
	// the fail-safe hands over.
	if e.opts.Limiter != nil && ev.Kind != EventAgentActivity {
		held, release, err := e.opts.Limiter.Hold(ctx, e.opts.LLMTimeout)
		if err == nil {
			defer release()
			ctx = held
		} else if ctx.Err() != nil {
			return "", fmt.Errorf("wait for the llm: %w", err)
		}
	}
	conv, err := e.load(ctx, ev)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return OutcomeIgnored, nil
		}
		return "", fmt.Errorf("load conversation %s: %w", ev.ConversationID, err)
	}
	log := e.log.With("conversation", conv.ID)
	switch conv.State {
	case StateAgent:
		if conv.JoinAnnounced {
			return OutcomeIgnored, nil
		}
		return e.announceJoin(ctx, conv)
	case StateQueued:
		return e.waiting(ctx, conv, ev)
	case StateBot:
	default:
		return OutcomeIgnored, nil
	}

	// An explicit click or email submission on one of our prompts.
	if ev.Kind == EventChoice {
		if outcome, ok, err := e.explicitChoice(ctx, conv, ev); ok {
			return outcome, err
		}
	}

	pending := conv.PendingVisitorMessages()
	if len(pending) == 0 {
		// A click nobody answered yet (lost webhook, crash): the clicked
		// prompt is still the conversation's last public message.
		if m, ok := lastPublic(conv); ok && m.Role == RoleBot && (m.Choice != "" || m.SubmittedEmail != "") {
			if ev.Kind == EventReconcile && !m.CreatedAt.IsZero() && time.Since(m.CreatedAt) < ev.MinAge {
				return OutcomeNothing, nil
			}
			if outcome, ok, err := e.explicitChoice(ctx, conv, Event{Kind: EventChoice, MessageID: m.ID}); ok {
				return outcome, err
			}
		}
		return OutcomeNothing, nil
	}
	if ev.Kind == EventReconcile {
		newest := pending[len(pending)-1].CreatedAt
		if !newest.IsZero() && time.Since(newest) < ev.MinAge {
			return OutcomeNothing, nil
		}
		log.Info("reconciling an unanswered conversation", "waiting", time.Since(newest).Round(time.Second).String())
	}
	// A typed answer to the bot's latest prompt: a channel without widget
	// buttons (WhatsApp, Telegram, text-only helpdesks) sends the button's
	// title or value back as text, and on any helpdesk a visitor may type
	// instead of clicking: the buttons' words, a plain yes or no in any
	// language of the table (TypedChoice), an email address in a sentence.
	emailStep := false
	if last := conv.LastBotMessage(); last >= 0 {
		lb := conv.Messages[last]
		if lb.Prompt == PromptEmail {
			emailStep = true
			for _, p := range pending {
				if addr := findEmail(p.Text); addr != "" {
					return e.leaveOffline(ctx, conv, addr)
				}
			}
		}
		for _, p := range pending {
			if v := typedChoice(lb, p.Text); v != "" {
				return e.choose(ctx, conv, v, last, !e.isButtonTitle(p.Text))
			}
		}
	}
	if e.opts.HumanRequestInChat && e.detect != nil {
		for _, p := range pending {
			if e.detect(p.Text) {
				return e.requestHuman(ctx, conv, ReasonRequest, "")
			}
		}
	}
	if emailStep {
		return e.emailAgain(ctx, conv)
	}
	return e.answer(ctx, conv, pending)
}

// emailAgain keeps the email step open when the visitor wrote without an address: what they
// wrote is the offline message (offlineMessage reads it back), filed at once to the contact's
// address when the helpdesk knows one, else the question is asked again, saying what it needs.
// Only an address, or "continue with the bot" (a typed no), ends the step.
func (e *Engine) emailAgain(ctx context.Context, conv *Conversation) (string, error) {
	if addr := strings.TrimSpace(conv.Visitor.Email); addr != "" {
		return e.leaveOffline(ctx, conv, addr)
	}
	tx := e.textsFor(conv)
	if err := e.hd.Post(ctx, conv, Outgoing{Text: join(tx.EmailAgain, tx.AskEmail), Prompt: PromptEmail}); err != nil {
		return "", fmt.Errorf("ask email again: %w", err)
	}
	return OutcomeAskEmail, nil
}

// explicitChoice acts on a click or email submission on one of our prompts.
// A click is acted on when its prompt is still unanswered (the last public
// message), or when it requests a human and no offline offer followed it: so
// a replayed click never doubles a reply, while a visitor may still press an
// older "Request chat with human agent" button.
func (e *Engine) explicitChoice(ctx context.Context, conv *Conversation, ev Event) (string, bool, error) {
	idx := -1
	for i, m := range conv.Messages {
		if m.ID == ev.MessageID {
			idx = i
		}
	}
	if idx < 0 {
		return "", false, nil
	}
	m := conv.Messages[idx]
	if m.Role != RoleBot || m.Prompt == PromptNone {
		return "", false, nil
	}
	choice, email := m.Choice, m.SubmittedEmail
	if choice == "" {
		choice = ev.Choice
	}
	if email == "" {
		email = ev.Email
	}
	last, _ := lastPublic(conv)
	unanswered := last.ID == m.ID
	if !unanswered {
		later := false
		for _, n := range conv.Messages[idx+1:] {
			if n.Role == RoleBot && n.Prompt == PromptOffline {
				later = true
			}
		}
		if choice != ChoiceRequestHuman || later {
			return OutcomeNothing, true, nil
		}
	}
	if m.Prompt == PromptEmail && email != "" {
		out, err := e.leaveOffline(ctx, conv, email)
		return out, true, err
	}
	if choice != "" {
		out, err := e.choose(ctx, conv, choice, idx, false)
		return out, true, err
	}
	return "", false, nil
}

// lastPublic returns the conversation's last public message.
func lastPublic(conv *Conversation) (Message, bool) {
	for i := len(conv.Messages) - 1; i >= 0; i-- {
		m := conv.Messages[i]
		if !m.Private && m.Role != RoleSystem {
			return m, true
		}
	}
	return Message{}, false
}

// answer runs the LLM and posts its reply, unless the conversation moved
// on, with the helpdesk's typing indicator on while the LLM writes when
// the option asks for it.
func (e *Engine) answer(ctx context.Context, conv *Conversation, pending []Message) (string, error) {
	typing := e.startTyping(ctx, conv)
	outcome, err := e.answerTyping(ctx, conv, pending, typing)
	typing.end(ctx, outcome, err)
	return outcome, err
}

func (e *Engine) answerTyping(ctx context.Context, conv *Conversation, pending []Message, typing *typingCall) (string, error) {
	tx := e.textsFor(conv)
	lctx, cancel := context.WithTimeoutCause(ctx, e.opts.LLMTimeout, fmt.Errorf("llm timeout after %s", e.opts.LLMTimeout))
	start := time.Now()
	var ans Answer
	err := e.llm(lctx, func(ctx context.Context) error {
		var err error
		ans, err = e.bot.Answer(ctx, Turn{Conversation: conv, AllowHumanRequest: e.opts.HumanRequestInChat})
		return err
	})
	cancel()
	e.obs.LLMCall(time.Since(start), err)
	// Nothing is posted before the indicator's call is done: a late "on"
	// would outlive the message that ends it.
	typing.wait()
	if err == nil && !ans.HumanRequested && strings.TrimSpace(ans.Text) == "" {
		err = errors.New("bot returned an empty answer")
	}
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("bot answer: %w", ctx.Err())
		}
		e.log.Warn("bot failed; fail-safe handover", "conversation", conv.ID, "err", err)
		return e.requestHuman(ctx, conv, ReasonBotError, tx.Apology)
	}
	if ans.HumanRequested && e.opts.HumanRequestInChat {
		return e.requestHuman(ctx, conv, ReasonRequest, "")
	}
	if strings.TrimSpace(ans.Text) == "" {
		return e.requestHuman(ctx, conv, ReasonBotError, tx.Apology)
	}
	// The LLM took time. If anything happened in the conversation meanwhile
	// (an agent joined, the visitor wrote again: each sends a webhook, which
	// the lanes saw), re-read and post only if our input is still the
	// unanswered tail of a conversation the bot still owns. When nothing
	// happened the check costs no helpdesk call.
	mark := readMark(ctx)
	fresh, still, err := e.refresh(ctx, conv)
	if err != nil {
		return "", err
	}
	if !still || !containsID(fresh.PendingVisitorMessages(), pending[len(pending)-1].ID) {
		return OutcomeSuperseded, nil
	}
	out := Outgoing{Text: strings.TrimSpace(ans.Text), Answer: true}
	early := e.offerReason(fresh, len(fresh.Messages), out.Text, ans.Unknown)
	if early != "" {
		e.log.Info("offering a person at once", "conversation", fresh.ID, "reason", string(early))
	}
	if fresh.BotAnswers+1 >= e.opts.RequiredAnswers || humanOffered(fresh) || early != "" {
		out.Prompt = PromptHuman
		out.Buttons = []Button{{Title: tx.HumanButton, Value: ChoiceRequestHuman}}
	}
	if err := e.hd.Post(ctx, fresh, out); err != nil {
		// The helpdesk may still be creating the message: the lane's retry
		// re-reads only once a request of ours would have timed out.
		return "", &RetryLater{After: e.opts.PostSettle, Err: fmt.Errorf("post answer: %w", err)}
	}
	if fresh != conv && samePending(fresh, pending) {
		// The re-read showed nothing to answer but what this answer
		// answers: it covers the events that made the turn re-read.
		cover(ctx, fresh, mark)
	}
	return OutcomeAnswered, nil
}

// typingTimeout bounds one call of the typing indicator, retries included:
// the indicator is worth less than the answer it could delay. A variable
// for tests.
var typingTimeout = 5 * time.Second

// typingCall is the typing indicator of one answer. Its "on" call runs
// beside the LLM call, so it adds no latency to the answer.
type typingCall struct {
	e    *Engine
	t    Typer
	conv *Conversation
	done chan struct{}
	on   bool // the indicator was turned on; read after done
}

// startTyping turns the helpdesk's typing indicator on for conv without
// waiting, when the option is on and the helpdesk has one (Typer); nil
// otherwise. A failure is logged at debug: the turn goes on.
func (e *Engine) startTyping(ctx context.Context, conv *Conversation) *typingCall {
	t, ok := e.hd.(Typer)
	if !e.opts.TypingIndicator || !ok {
		return nil
	}
	tc := &typingCall{e: e, t: t, conv: conv, done: make(chan struct{})}
	go func() {
		defer close(tc.done)
		tctx, cancel := context.WithTimeout(ctx, typingTimeout)
		defer cancel()
		if err := t.Typing(tctx, conv, true); err != nil {
			e.log.Debug("typing indicator failed", "conversation", conv.ID, "err", err)
			return
		}
		tc.on = true
	}()
	return tc
}

// wait returns once the "on" call is done.
func (tc *typingCall) wait() {
	if tc != nil {
		<-tc.done
	}
}

// end turns the indicator off when the turn posted nothing, which would
// have ended it: the conversation moved on while the LLM wrote, or the
// turn failed.
func (tc *typingCall) end(ctx context.Context, outcome string, err error) {
	if tc == nil {
		return
	}
	tc.wait()
	if !tc.on || (err == nil && (outcome == OutcomeAnswered || outcome == OutcomeHandover || outcome == OutcomeNoAgent)) {
		return
	}
	octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), typingTimeout)
	defer cancel()
	if err := tc.t.Typing(octx, tc.conv, false); err != nil {
		tc.e.log.Debug("typing indicator failed", "conversation", tc.conv.ID, "err", err)
	}
}

// choose acts on a button value chosen on the bot message at index at of
// conv.Messages; typed reports a choice typed in the chat rather than clicked.
func (e *Engine) choose(ctx context.Context, conv *Conversation, choice string, at int, typed bool) (string, error) {
	switch choice {
	case ChoiceRequestHuman:
		reason := ReasonButton
		if typed {
			reason = ReasonAccepted
		}
		if at >= 0 && at < len(conv.Messages) {
			// Why the offer was made, if it came early: the agent's note says so.
			// An answer that says it does not know is read back as one the
			// bot could not give (Answer.Unknown): nothing else recorded it.
			text := conv.Messages[at].Text
			if r := e.offerReason(conv, at, text, SaysUnknown(text)); r != "" {
				reason = r
			}
		}
		return e.requestHuman(ctx, conv, reason, "")
	case ChoiceOffline:
		if addr := strings.TrimSpace(conv.Visitor.Email); addr != "" {
			return e.leaveOffline(ctx, conv, addr)
		}
		// The question for the address also asks what the message is, unless the visitor
		// already said what they came for.
		tx := e.textsFor(conv)
		ask := tx.AskEmail
		if e.offlineMessage(conv) == "" {
			ask = join(tx.AskMessage, ask)
		}
		if err := e.hd.Post(ctx, conv, Outgoing{Text: ask, Prompt: PromptEmail}); err != nil {
			return "", fmt.Errorf("ask email: %w", err)
		}
		return OutcomeAskEmail, nil
	case ChoiceContinue:
		if conv.State == StateQueued {
			if err := e.hd.Post(ctx, conv, Outgoing{Text: e.textsFor(conv).KeepWaiting}); err != nil {
				return "", fmt.Errorf("post keep waiting: %w", err)
			}
			return OutcomeKeepWait, nil
		}
		if err := e.hd.Post(ctx, conv, Outgoing{Text: e.textsFor(conv).Continue}); err != nil {
			return "", fmt.Errorf("post continue: %w", err)
		}
		return OutcomeContinue, nil
	default:
		return OutcomeIgnored, nil
	}
}

// requestHuman hands over when an agent is available, else offers the
// offline message. prefix is prepended to the visitor notice.
func (e *Engine) requestHuman(ctx context.Context, conv *Conversation, reason Reason, prefix string) (string, error) {
	lang := visitorLanguageCode(conv)
	tx := e.textsIn(lang)
	available, err := e.hd.Available(ctx, conv)
	if err != nil {
		// We cannot tell: the queue is the safe place, an agent sees it there.
		e.log.Warn("availability check failed; handing to the queue", "conversation", conv.ID, "err", err)
		available = true
	}
	if !available {
		out := Outgoing{
			Text:   join(prefix, tx.NoAgent),
			Prompt: PromptOffline,
			Buttons: []Button{
				{Title: tx.OfflineButton, Value: ChoiceOffline},
				{Title: tx.ContinueButton, Value: ChoiceContinue},
			},
		}
		if err := e.hd.Post(ctx, conv, out); err != nil {
			e.obs.HandoverDone(reason, "error")
			return "", fmt.Errorf("offer offline message: %w", err)
		}
		e.obs.HandoverDone(reason, "no_agent")
		return OutcomeNoAgent, nil
	}
	// Hand over first, then tell the visitor: a crash in between leaves the
	// conversation with the humans (who see the note) rather than with a
	// visitor told to wait for an agent who never gets the chat.
	h := e.handoff(conv, lang, Handoff{Reason: reason, Summary: e.summary(ctx, conv, reason), Transcript: conv.Transcript()})
	// The summary took an LLM call: if anything happened meanwhile, act on
	// a fresh read (an agent may have taken the chat).
	conv, still, err := e.refresh(ctx, conv)
	if err != nil {
		e.obs.HandoverDone(reason, "error")
		return "", err
	}
	if !still {
		return OutcomeSuperseded, nil
	}
	if err := e.hd.HandToHuman(ctx, conv, h); err != nil {
		e.obs.HandoverDone(reason, "error")
		return "", fmt.Errorf("hand to human: %w", err)
	}
	if err := e.hd.Post(ctx, conv, Outgoing{Text: join(prefix, tx.Connecting)}); err != nil {
		e.obs.HandoverDone(reason, "error")
		return "", fmt.Errorf("tell visitor about handover: %w", err)
	}
	e.obs.HandoverDone(reason, "queued")
	return OutcomeHandover, nil
}

// leaveOffline files the offline message and tells the visitor.
func (e *Engine) leaveOffline(ctx context.Context, conv *Conversation, email string) (string, error) {
	lang := visitorLanguageCode(conv)
	tx := e.textsIn(lang)
	reason := ReasonOffline
	if conv.State == StateQueued {
		reason = ReasonWaitTimeout
	}
	h := e.handoff(conv, lang, Handoff{Reason: reason, Summary: e.summary(ctx, conv, reason), Transcript: conv.Transcript(), Email: email, Message: e.offlineMessage(conv)})
	conv, still, err := e.refresh(ctx, conv)
	if err != nil {
		e.obs.HandoverDone(reason, "error")
		return "", err
	}
	if !still {
		return OutcomeSuperseded, nil
	}
	if err := e.hd.LeaveOffline(ctx, conv, h); err != nil {
		e.obs.HandoverDone(reason, "error")
		return "", fmt.Errorf("leave offline message: %w", err)
	}
	if err := e.hd.Post(ctx, conv, Outgoing{Text: fmt.Sprintf(tx.OfflineReceived, email)}); err != nil {
		return "", fmt.Errorf("confirm offline message: %w", err)
	}
	e.obs.HandoverDone(reason, "offline")
	return OutcomeOffline, nil
}

// announceJoin tells the visitor an agent joined and silences the bot.
func (e *Engine) announceJoin(ctx context.Context, conv *Conversation) (string, error) {
	tx := e.textsFor(conv)
	name := strings.TrimSpace(conv.AgentName)
	if name == "" {
		name = "An agent"
	}
	if err := e.hd.Post(ctx, conv, Outgoing{Text: fmt.Sprintf(tx.AgentJoined, name)}); err != nil {
		return "", fmt.Errorf("announce agent: %w", err)
	}
	if err := e.hd.MarkAgentJoined(ctx, conv, name); err != nil {
		return "", fmt.Errorf("mark agent joined: %w", err)
	}
	e.obs.HandoverDone("agent_takeover", "joined")
	return OutcomeJoined, nil
}

// refresh re-reads the conversation when an event for it arrived since the
// turn began, and reports whether it is still in the state the turn read (the
// bot's, or waiting in the queue). When one event
// did, the re-read is what that event's own turn would read (its hint may
// stand for part of it: see EventLoader).
func (e *Engine) refresh(ctx context.Context, conv *Conversation) (*Conversation, bool, error) {
	if !Changed(ctx) {
		return conv, true, nil
	}
	var fresh *Conversation
	var err error
	el, ok := e.hd.(EventLoader)
	if ev, one := newsEvent(ctx); ok && one {
		fresh, err = el.LoadEvent(ctx, ev)
	} else {
		fresh, err = e.hd.Load(ctx, conv.ID)
	}
	if err != nil {
		return nil, false, fmt.Errorf("re-read conversation %s: %w", conv.ID, err)
	}
	return fresh, fresh.State == conv.State, nil
}

// summary asks the bot for a summary, falling back to an extract.
func (e *Engine) summary(ctx context.Context, conv *Conversation, reason Reason) string {
	if reason != ReasonBotError {
		sctx, cancel := context.WithTimeout(ctx, e.opts.LLMTimeout)
		var s string
		err := e.llm(sctx, func(ctx context.Context) error {
			var err error
			s, err = e.bot.Summarize(ctx, conv)
			return err
		})
		cancel()
		if err == nil && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
		if err != nil {
			e.log.Warn("summary failed; using an extract", "conversation", conv.ID, "err", err)
		}
	}
	return FallbackSummary(conv)
}

// handoff adds to h what the agent's note tells of the conversation: the bot's answers and
// whether one said it did not know, the contact, the visitor's language (lang, from
// visitorLanguageCode) and mood, and the note's language.
func (e *Engine) handoff(conv *Conversation, lang string, h Handoff) Handoff {
	h.Answers = conv.BotAnswers
	h.Visitor = conv.Visitor
	h.Language = lang
	h.NoteLanguage = e.opts.NoteLanguage
	for _, m := range conv.Public() {
		switch m.Role {
		case RoleBot:
			h.SaidUnknown = h.SaidUnknown || SaysUnknown(m.Text)
		case RoleVisitor:
			h.Frustrated = h.Frustrated || IsFrustrated(m.Text)
		}
	}
	return h
}

// FallbackSummary is a deterministic summary: the visitor's first and last
// messages and the number of bot answers.
func FallbackSummary(conv *Conversation) string {
	var first, last string
	for _, m := range conv.Public() {
		if m.Role != RoleVisitor {
			continue
		}
		if first == "" {
			first = m.Text
		}
		last = m.Text
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Visitor asked: %s", clip(first, 200))
	if last != first {
		fmt.Fprintf(&b, "\nLast message: %s", clip(last, 200))
	}
	fmt.Fprintf(&b, "\nBot answers so far: %d", conv.BotAnswers)
	return b.String()
}

// typedChoice reads a visitor's text as an answer to the bot message lb: a
// button's title or value, else the words of the language table for its
// prompt (TypedChoice).
func typedChoice(lb Message, text string) string {
	if v := matchButton(lb.Buttons, text); v != "" {
		return v
	}
	return TypedChoice(lb.Prompt, text, lb.Prompt == PromptHuman && askedQuestion(lb.Text))
}

// offerReason says why the bot answer answer, posted (or to be posted) at
// index at of conv.Messages after the visitor messages just before it,
// offers a person at once: the visitor is frustrated, asks again what they
// asked before, or the bot could not answer (unknown marks the answer as one
// the bot could not give: Answer.Unknown, or read back from its text when
// the visitor takes the offer), twice in a row or once. "" when none holds
// or the trigger is off.
func (e *Engine) offerReason(conv *Conversation, at int, answer string, unknown bool) Reason {
	// The visitor's messages the answer answers, and everything before.
	start := at
	for i := at - 1; i >= 0; i-- {
		m := conv.Messages[i]
		if m.Private || m.Role == RoleSystem {
			continue
		}
		if m.Role != RoleVisitor {
			break
		}
		start = i
	}
	var run, earlier []string
	prevAnswer, prevFound := "", false
	for i := range conv.Messages[:at] {
		m := conv.Messages[i]
		if m.Private || m.Role == RoleSystem {
			continue
		}
		switch {
		case m.Role == RoleVisitor && i >= start:
			run = append(run, m.Text)
		case m.Role == RoleVisitor:
			earlier = append(earlier, m.Text)
		case m.Role == RoleBot && i < start && !IsNotice(m.Text, e.texts):
			prevAnswer, prevFound = m.Text, true
		}
	}
	// Each of the run's messages is normalised once, for both checks.
	var norm []string
	if e.opts.OfferOnFrustration || e.opts.OfferOnRepeat {
		for _, t := range run {
			norm = append(norm, normWords(t))
		}
	}
	if e.opts.OfferOnFrustration {
		for _, t := range norm {
			if normPhraseIn(t, frustratedPhrases) {
				return ReasonFrustration
			}
		}
	}
	if e.opts.OfferOnRepeat {
		before := wordsOf(earlier)
		for _, t := range norm {
			if repeatsWords(strings.Fields(t), before) {
				return ReasonRepeated
			}
		}
	}
	if e.opts.OfferOnUnknown && prevFound && SaysUnknown(prevAnswer) && (unknown || SaysUnknown(answer)) {
		return ReasonBotUnknown
	}
	if e.opts.OfferOnUnknown && unknown {
		return ReasonNoAnswer
	}
	return ""
}

func matchButton(buttons []Button, text string) string {
	// "Yes!", "human." and "  1 " match "yes", "human" and "1".
	t := strings.ToLower(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(text), ".!?¡¿,;:… \"'»«)")))
	if t == "" {
		return ""
	}
	for _, b := range buttons {
		if t == strings.ToLower(strings.TrimSpace(b.Title)) || t == strings.ToLower(b.Value) {
			return b.Value
		}
	}
	return ""
}

var emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

func findEmail(text string) string {
	m := emailRe.FindString(text)
	if m == "" {
		return ""
	}
	if _, err := mail.ParseAddress(m); err != nil {
		return ""
	}
	return m
}

// humanOffered reports whether a bot answer in the (possibly windowed)
// history already carried the "Request chat with human agent" button: then
// the required answers were reached, whatever the window counts.
func humanOffered(conv *Conversation) bool {
	for i := len(conv.Messages) - 1; i >= 0; i-- {
		if m := conv.Messages[i]; m.Role == RoleBot && !m.Private && m.Prompt == PromptHuman {
			return true
		}
	}
	return false
}

// samePending reports whether conv's pending visitor messages are exactly
// pending.
func samePending(conv *Conversation, pending []Message) bool {
	p := conv.PendingVisitorMessages()
	if len(p) != len(pending) {
		return false
	}
	for i := range p {
		if p[i].ID != pending[i].ID {
			return false
		}
	}
	return true
}

func containsID(ms []Message, id string) bool {
	for _, m := range ms {
		if m.ID == id {
			return true
		}
	}
	return false
}

func join(prefix, text string) string {
	if prefix == "" {
		return text
	}
	return prefix + " " + text
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

type nopObserver struct{}

func (nopObserver) TurnDone(string)              {}
func (nopObserver) HandoverDone(Reason, string)  {}
func (nopObserver) LLMCall(time.Duration, error) {}

// maxOfflineMessage bounds the visitor's message atop an offline note.
const maxOfflineMessage = 1000

// offlineMessage returns what the visitor wants the team to know: what they wrote after the
// bot offered the offline message (the email step), addresses taken out; else the last three
// things they said before it; "" when they said nothing of substance (substance).
func (e *Engine) offlineMessage(conv *Conversation) string {
	offer := -1
	titles := map[string]bool{}
	for i, m := range conv.Messages {
		if m.Role != RoleBot || m.Private {
			continue
		}
		if m.Prompt == PromptOffline {
			offer = i
		}
		for _, b := range m.Buttons {
			titles[strings.ToLower(strings.TrimSpace(b.Title))] = true
		}
	}
	var step, before []string
	for i, m := range conv.Messages {
		if m.Private || m.Role != RoleVisitor {
			continue
		}
		t := e.substance(m.Text, titles)
		switch {
		case t == "":
		case offer >= 0 && i > offer:
			step = append(step, t)
		default:
			before = append(before, t)
		}
	}
	pick := step
	if len(pick) == 0 {
		pick = before[max(0, len(before)-3):]
	}
	return clip(strings.Join(pick, " / "), maxOfflineMessage)
}

// substance returns a visitor message without the email addresses in it, or "" when what is
// left tells the team nothing: a typed answer to one of the bot's prompts (a button's title,
// yes or no, a keyword), a request for a person, fewer than six characters, or, around an
// address, the few words that hand it over ("sure, it's ...", "my email is ...").
func (e *Engine) substance(text string, titles map[string]bool) string {
	t := strings.Join(strings.Fields(emailRe.ReplaceAllString(text, "")), " ")
	t = strings.Trim(t, " ,;:-–—")
	withAddress := findEmail(text) != ""
	switch {
	case len([]rune(t)) < 6,
		withAddress && len(strings.Fields(t)) < 6 && len([]rune(t)) < 30,
		titles[strings.ToLower(strings.TrimRight(t, ".!?"))],
		TypedChoice(PromptOffline, t, false) != "",
		TypedChoice(PromptHuman, t, false) != "",
		e.detect != nil && e.detect(t):
		return ""
	}
	return t
}
