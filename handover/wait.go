package handover

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// waiting runs a turn of a conversation handed to a human queue that no agent has taken yet
// (StateQueued). The bot stays out of the way, but:
//   - a visitor who calls the wait off ("never mind, the bot is fine": IsCancelWait) gets the
//     bot back, where the helpdesk can undo the handover (HandBacker);
//   - with Options.HumanWaitTimeout, on a helpdesk where the bot may write in the queue
//     (WaitWatcher), a visitor nobody took within the timeout is offered the offline message
//     or to keep waiting; their answer (a click, a typed yes or no, the email step) is acted
//     on as in the bot's own chat, and "keep waiting" starts the timeout again.
//
// The wait starts at the bot's latest handover notice (Texts.Connecting) or "keep waiting"
// confirmation (Texts.KeepWaiting), read from the messages: nothing is stored.
func (e *Engine) waiting(ctx context.Context, conv *Conversation, ev Event) (string, error) {
	start := waitStart(conv, e.texts)
	if start < 0 {
		return OutcomeIgnored, nil
	}
	var pending []Message
	for _, m := range conv.PendingVisitorMessages() {
		if i := conv.index(m.ID); i > start {
			pending = append(pending, m)
		}
	}
	_, watch := e.hd.(WaitWatcher)
	watch = watch && e.opts.HumanWaitTimeout > 0
	offered := false
	for _, m := range conv.Messages[start+1:] {
		offered = offered || (m.Role == RoleBot && !m.Private && m.Prompt != PromptNone)
	}
	if watch && offered {
		// An answer to the offer made in the queue (or its email step) comes first: there,
		// "no" keeps waiting and an address files the message.
		if out, err := e.waitAnswer(ctx, conv, ev, pending); err != nil || out != OutcomeIgnored {
			return out, err
		}
	}
	// Only the visitor's latest word counts: "never mind", then "wait, I still need someone",
	// keeps the wait.
	if hb, ok := e.hd.(HandBacker); ok && len(pending) > 0 && IsCancelWait(pending[len(pending)-1].Text) {
		return e.backToBot(ctx, conv, hb)
	}
	if !watch || offered {
		return OutcomeIgnored, nil
	}
	notice := conv.Messages[start]
	if notice.CreatedAt.IsZero() || time.Since(notice.CreatedAt) < e.opts.HumanWaitTimeout {
		return OutcomeNothing, nil
	}
	tx := e.textsFor(conv)
	out := Outgoing{Text: tx.WaitTimeout, Prompt: PromptOffline, Buttons: []Button{
		{Title: tx.OfflineButton, Value: ChoiceOffline},
		{Title: tx.WaitButton, Value: ChoiceContinue},
	}}
	// The wait may have ended while the turn read: an agent who joined wins.
	fresh, still, err := e.refresh(ctx, conv)
	if err != nil {
		return "", err
	}
	if !still {
		return OutcomeSuperseded, nil
	}
	if err := e.hd.Post(ctx, fresh, out); err != nil {
		return "", fmt.Errorf("offer offline message after the wait: %w", err)
	}
	e.log.Info("nobody took the chat in time: offered the offline message", "conversation", conv.ID,
		"waited", time.Since(notice.CreatedAt).Round(time.Second).String())
	return OutcomeWaitOffer, nil
}

// waitAnswer acts on the visitor's answer to the offline offer made in the queue, and on the
// email step that follows it: the same choices as in the bot's own chat, minus the bot's
// answers (anything else the visitor writes is for the agent who will join).
func (e *Engine) waitAnswer(ctx context.Context, conv *Conversation, ev Event, pending []Message) (string, error) {
	if ev.Kind == EventChoice {
		if outcome, ok, err := e.explicitChoice(ctx, conv, ev); ok {
			return outcome, err
		}
	}
	last := conv.LastBotMessage()
	if last < 0 {
		return OutcomeNothing, nil
	}
	lb := conv.Messages[last]
	if len(pending) == 0 {
		// A click nobody answered yet (lost webhook, crash).
		if m, ok := lastPublic(conv); ok && m.ID == lb.ID && (m.Choice != "" || m.SubmittedEmail != "") {
			if outcome, ok, err := e.explicitChoice(ctx, conv, Event{Kind: EventChoice, MessageID: m.ID}); ok {
				return outcome, err
			}
		}
		return OutcomeNothing, nil
	}
	if lb.Prompt == PromptEmail {
		for _, p := range pending {
			if addr := findEmail(p.Text); addr != "" {
				return e.leaveOffline(ctx, conv, addr)
			}
		}
	}
	for _, p := range pending {
		if v := typedChoice(lb, p.Text); v != "" {
			// A chat without buttons told the visitor to type the continue keyword ("bot") "to
			// keep chatting with me": that is back to the bot, where the helpdesk allows it.
			if hb, ok := e.hd.(HandBacker); ok && v == ChoiceContinue && isContinueKeyword(p.Text) {
				return e.backToBot(ctx, conv, hb)
			}
			return e.choose(ctx, conv, v, last, !e.isButtonTitle(p.Text))
		}
	}
	if lb.Prompt == PromptEmail {
		return e.emailAgain(ctx, conv)
	}
	return OutcomeIgnored, nil
}

// isContinueKeyword reports a message that is exactly a language's continue keyword
// (Keywords.Continue: what a chat without buttons says to type to keep chatting with the bot).
func isContinueKeyword(text string) bool {
	t := strings.Trim(strings.TrimSpace(text), ".!\"'")
	for _, l := range languages {
		if k := l.Keywords.Continue; k != "" && strings.EqualFold(t, k) {
			return true
		}
	}
	return false
}

// backToBot gives the chat back to the bot and tells the visitor the bot is there.
func (e *Engine) backToBot(ctx context.Context, conv *Conversation, hb HandBacker) (string, error) {
	fresh, still, err := e.refresh(ctx, conv)
	if err != nil {
		return "", err
	}
	if !still {
		return OutcomeSuperseded, nil
	}
	if err := hb.HandBack(ctx, fresh); err != nil {
		return "", fmt.Errorf("hand back to the bot: %w", err)
	}
	if err := e.hd.Post(ctx, fresh, Outgoing{Text: e.textsFor(fresh).Continue}); err != nil {
		return "", fmt.Errorf("tell visitor the bot is back: %w", err)
	}
	e.obs.HandoverDone("wait_cancelled", "bot")
	return OutcomeBackToBot, nil
}

// waitStart returns the index of the message the visitor's wait for a person started at:
// the bot's latest handover notice or "keep waiting" confirmation, in any language of the
// table or in tx; -1 when there is none among the messages.
func waitStart(conv *Conversation, tx Texts) int {
	for i := len(conv.Messages) - 1; i >= 0; i-- {
		m := conv.Messages[i]
		if m.Role != RoleBot || m.Private {
			continue
		}
		if isWaitNotice(m.Text, tx) {
			return i
		}
	}
	return -1
}

// isWaitNotice reports the engine's handover notice or keep-waiting confirmation, with or
// without the apology before it.
func isWaitNotice(text string, tx Texts) bool {
	return endsWithNotice(text, func(t Texts) []string { return []string{t.Connecting, t.KeepWaiting} }, tx)
}

// index returns the position of the message id in Messages, -1 when absent.
func (c *Conversation) index(id string) int {
	for i, m := range c.Messages {
		if m.ID == id {
			return i
		}
	}
	return -1
}

// HandedOverAt returns when the bot's latest handover notice (Texts.Connecting, in any language
// of the table) was posted: since when a queued visitor waits for a person, whatever the bot
// said in the queue since ("keep waiting", the offline offer). Zero when no such notice is among
// the messages (or it carries no time).
func HandedOverAt(conv *Conversation) time.Time {
	for i := len(conv.Messages) - 1; i >= 0; i-- {
		m := conv.Messages[i]
		if m.Role == RoleBot && !m.Private && endsWithNotice(m.Text, func(t Texts) []string { return []string{t.Connecting} }) {
			return m.CreatedAt
		}
	}
	return time.Time{}
}
