package libredesk

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/handover-dev/handover/handover"
)

// Libredesk's widget shows plain messages: no buttons. A bot message that carries a prompt is
// rendered as text saying what to type, in the visitor's language, and is marked in
// meta.echo_id (the one field of meta an API client may set: handleSendMessage keeps echo_id)
// so Load can give it back its prompt and the words that answer it as Buttons: the engine
// matches a visitor's text against them (title or value, case-insensitive).

// echo_id kinds: "handover:<kind>:<nonce>", with the turn's facts after another colon (see
// markerEchoID).
const (
	echoPrefix      = "handover:"
	kindAnswer      = "answer"       // a bot answer (counts towards the required answers)
	kindAnswerHuman = "answer-human" // an answer that says how to reach a person
	kindNotice      = "notice"       // a notice: handing over, continue, offline received
	kindOffline     = "offline"      // nobody available: leave a message? yes / no
	kindEmail       = "email"        // asks for an email address
	kindJoined      = "joined"       // "<agent> joined the chat": the bot is silent for good
)

// newEchoID returns a unique echo_id for a bot message of kind.
func newEchoID(kind string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return echoPrefix + kind + ":" + hex.EncodeToString(b)
}

// facts are what a turn knew of its conversation (see source.facts).
type facts struct{ inbox, team, assignee, seen int }

// markerEchoID returns a new echo_id for a bot message of kind that also records f:
// "handover:<kind>:<nonce>:<inbox>.<team>.<assignee>.<seen>" (just the kind and nonce without
// f). echoKind reads the kind of either.
func markerEchoID(kind string, f *facts) string {
	id := newEchoID(kind)
	if f == nil {
		return id
	}
	return fmt.Sprintf("%s:%d.%d.%d.%d", id, f.inbox, f.team, f.assignee, f.seen)
}

// echoFacts reads the facts a handover echo_id records.
func echoFacts(echoID string) (facts, bool) {
	rest, ok := strings.CutPrefix(echoID, echoPrefix)
	if !ok {
		return facts{}, false
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 {
		return facts{}, false
	}
	fields := strings.Split(parts[2], ".")
	if len(fields) != 4 {
		return facts{}, false
	}
	var n [4]int
	for i, f := range fields {
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return facts{}, false
		}
		n[i] = v
	}
	if n[0] == 0 {
		return facts{}, false
	}
	return facts{inbox: n[0], team: n[1], assignee: n[2], seen: n[3]}, true
}

// echoKind returns the kind of a handover echo_id, or "".
func echoKind(echoID string) string {
	rest, ok := strings.CutPrefix(echoID, echoPrefix)
	if !ok {
		return ""
	}
	kind, _, _ := strings.Cut(rest, ":")
	return kind
}

// The sentences and the words that answer them are handover's language table
// (handover.Language), the one LiveAgent uses too. The human keywords are words the detector
// (bot.IsHumanRequest) also knows on their own ("agent", "Mitarbeiter", "оператор"...), so they
// hand over even when the visitor types them unprompted.

// languageOf returns the visitor's language, guessed from their messages as the engine guesses
// it for its notices (handover.VisitorLanguage), so the line the adapter adds matches them.
func languageOf(conv *handover.Conversation) handover.Language {
	return handover.VisitorLanguage(conv)
}

// choiceButtons are the answers to a prompt: the engine's own titles, then every language's
// words (keyword and synonyms) for each of the values, first title wins.
func choiceButtons(values ...string) []handover.Button {
	var out []handover.Button
	add := func(title, value string) {
		for _, b := range out {
			if strings.EqualFold(b.Title, title) {
				return
			}
		}
		out = append(out, handover.Button{Title: title, Value: value})
	}
	d := handover.DefaultTexts()
	for _, v := range values {
		switch v {
		case handover.ChoiceRequestHuman:
			add(d.HumanButton, v)
		case handover.ChoiceOffline:
			add(d.OfflineButton, v)
		case handover.ChoiceContinue:
			add(d.ContinueButton, v)
		}
	}
	for _, v := range values {
		for _, l := range handover.Languages() {
			for _, w := range l.Words(v) {
				add(w, v)
			}
		}
	}
	return out
}

// humanButtons are the answers to an "answer-human" message: every language's words for a
// person and the engine's own button title.
func humanButtons() []handover.Button { return choiceButtons(handover.ChoiceRequestHuman) }

// offlineButtons are the answers to an "offline" message: every language's words for leaving
// a message (a plain yes too) and for chatting on (a plain no), and the engine's own titles.
func offlineButtons() []handover.Button {
	return choiceButtons(handover.ChoiceOffline, handover.ChoiceContinue)
}

// promptOf gives a bot message back its prompt and the answers it accepts, from its echo kind.
func promptOf(kind string) (handover.Prompt, []handover.Button) {
	switch kind {
	case kindAnswerHuman:
		return handover.PromptHuman, humanButtons()
	case kindOffline:
		return handover.PromptOffline, offlineButtons()
	case kindEmail:
		return handover.PromptEmail, nil
	}
	return handover.PromptNone, nil
}

// render turns an Outgoing into the text Libredesk shows and the echo kind that marks it.
// isJoin marks the engine's "<agent> joined the chat" notice.
func render(conv *handover.Conversation, out handover.Outgoing, isJoin bool) (string, string) {
	text := strings.TrimSpace(out.Text)
	lang := languageOf(conv)
	switch {
	case isJoin:
		return text, kindJoined
	case out.Prompt == handover.PromptEmail:
		return text, kindEmail
	case out.Prompt == handover.PromptOffline || hasChoice(out.Buttons, handover.ChoiceOffline):
		return joinText(text, lang.Instruction(handover.PromptOffline)), kindOffline
	case out.Prompt == handover.PromptHuman || hasChoice(out.Buttons, handover.ChoiceRequestHuman):
		// The engine offers the human prompt on answers only, so it always counts as one.
		return joinText(text, lang.Instruction(handover.PromptHuman)), kindAnswerHuman
	case out.Answer:
		return text, kindAnswer
	}
	return text, kindNotice
}

func hasChoice(bs []handover.Button, value string) bool {
	for _, b := range bs {
		if b.Value == value {
			return true
		}
	}
	return false
}

func joinText(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n\n" + b
}

// toHTML turns plain text into the HTML body Libredesk's reply endpoint takes ("message" is
// HTML): escaped, paragraphs on blank lines, <br> on single newlines.
func toHTML(text string) string {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace(text)
	esc = strings.ReplaceAll(esc, "\r\n", "\n")
	var b strings.Builder
	for _, para := range strings.Split(esc, "\n\n") {
		para = strings.Trim(para, "\n")
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(para, "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}
