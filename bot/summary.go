package bot

import (
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/handover-dev/handover/handover"
)

// The summary for the agent who takes a chat over describes what the
// visitor asked, not how the chat reached the agent. summaryMessages drops
// the handover steps from the messages a summary is written from (for the
// LLM's transcript and the offline summarizer alike): the engine's notices
// and prompts (handover.IsNotice, the offline and email prompts, the
// sentences telling a visitor what to type), what the visitor typed or
// clicked to choose (button titles, keywords, a plain "yes"), the email
// address they gave for the offline message, and short replies ("ok",
// "thanks"). The offline model's hints ("a human agent can help...") are
// taken off the bot's answers.

// noQuestionLine stands for a transcript left empty by summaryMessages.
const noQuestionLine = "(The visitor asked no question: the chat holds only the steps of the handover.)"

// summaryMessages returns the messages a summary describes, their text
// trimmed of the handover's sentences.
func summaryMessages(msgs []handover.Message) []handover.Message {
	out := make([]handover.Message, 0, len(msgs))
	afterEmailPrompt := false
	for _, m := range msgs {
		switch m.Role {
		case handover.RoleVisitor:
			prompted := afterEmailPrompt
			afterEmailPrompt = false
			if isChoiceWords(m.Text) || isShortReply(m.Text) || isEmailReply(m.Text, prompted) {
				continue
			}
		case handover.RoleBot:
			afterEmailPrompt = m.Prompt == handover.PromptEmail
			if m.Prompt == handover.PromptEmail || m.Prompt == handover.PromptOffline {
				continue
			}
			text := stripHandoverLines(m.Text)
			if text == "" || handover.IsNotice(text) {
				continue
			}
			m.Text = text
		default:
			afterEmailPrompt = false
		}
		out = append(out, m)
	}
	return out
}

// stripHandoverLines takes off a bot message the sentences that are not its
// answer: what to type for a prompt (added by chats without buttons) and
// the offline model's offer of a person, in any language.
func stripHandoverLines(text string) string {
	t := strings.TrimSpace(text)
	for changed := true; changed && t != ""; {
		changed = false
		for _, s := range handoverLines() {
			if s != "" && strings.HasSuffix(t, s) {
				t = strings.TrimSpace(strings.TrimSuffix(t, s))
				changed = true
			}
		}
	}
	return t
}

// handoverLines are the sentences stripHandoverLines removes.
var handoverLines = sync.OnceValue(func() []string {
	var out []string
	for _, l := range handover.Languages() {
		for _, p := range []handover.Prompt{handover.PromptHuman, handover.PromptOffline, handover.PromptEmail} {
			if s := l.Instruction(p); s != "" {
				out = append(out, s)
			}
		}
	}
	return append(out, offlineHints()...)
})

// choiceWords are, folded and trimmed, the texts that make a choice: every
// language's button titles (long and short), keywords and synonyms, and
// the choice values some channels send back as text.
var choiceWords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	add := func(s string) {
		if k := choiceKey(s); k != "" {
			m[k] = true
		}
	}
	for _, v := range []string{handover.ChoiceRequestHuman, handover.ChoiceOffline, handover.ChoiceContinue} {
		add(v)
	}
	for _, l := range handover.Languages() {
		for _, s := range []string{l.Texts.HumanButton, l.Texts.OfflineButton, l.Texts.ContinueButton,
			l.Short.Human, l.Short.Offline, l.Short.Continue} {
			add(s)
		}
		for _, v := range []string{handover.ChoiceRequestHuman, handover.ChoiceOffline, handover.ChoiceContinue} {
			for _, w := range l.Words(v) {
				add(w)
			}
		}
	}
	add(handover.DefaultTexts().HumanButton)
	return m
})

// choiceKey folds s and keeps its words, so "Agent!" and " agent" match.
func choiceKey(s string) string {
	return strings.Join(strings.FieldsFunc(fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	}), " ")
}

// isChoiceWords reports whether text is only a choice: a button title, a
// keyword or a synonym, or a typed answer the core reads as a choice on
// one of its prompts (handover.TypedChoice: "yes please", "nein danke").
func isChoiceWords(text string) bool {
	if choiceWords()[choiceKey(text)] {
		return true
	}
	for _, p := range []handover.Prompt{handover.PromptHuman, handover.PromptOffline, handover.PromptEmail} {
		if handover.TypedChoice(p, text, false) != "" {
			return true
		}
	}
	return false
}

// shortReplyWords are the words of replies that ask nothing: yes, no, ok,
// thanks, greetings, in the core's languages (folded).
var shortReplyWords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for w := range greetingWords {
		m[w] = true
	}
	for _, w := range strings.Fields(`yes yeah yep yup no nope nah ok okay k kk sure fine great good perfect cool alright right
		please pls thx ty np welcome awesome nice excellent wonderful got it done understood
		ja jawohl nein gut super prima alles klar okay bitte genau
		oui non bien parfait daccord accord entendu
		si sí no vale claro perfecto bueno
		si no va bene certo perfetto ok
		sim nao não certo perfeito
		ja nee goed prima oke
		tak nie dobrze jasne super ok okej
		ano ne dobre dobře jasne jasně
		áno nie dobre jasné
		да нет хорошо ок ладно понятно отлично
		tschuss wiedersehen auf revoir au adios hasta luego arrivederci tchau adeus doei tot ziens do widzenia pa
		shledanou na nashledanou dovidenia пока до свидания`) {
		m[fold(w)] = true
	}
	return m
})

// isShortReply reports whether text asks nothing: no letter or digit, or
// a few words of assent, refusal, thanks or greeting ("ok thanks!", "yes").
func isShortReply(text string) bool {
	ws := words(text)
	if len(ws) == 0 {
		return true
	}
	if len(ws) > 4 {
		return false
	}
	known := shortReplyWords()
	for _, w := range ws {
		if !known[w] {
			return false
		}
	}
	return true
}

var summaryEmailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

// maxEmailReplyWords is how many words besides an email address a message
// may have to be only the address given for the offline message ("my email
// is jane@example.com, thanks").
const maxEmailReplyWords = 6

// isEmailReply reports whether text is the visitor giving an email address:
// a message with an address and only a few words besides, or any message
// with an address right after the email prompt.
func isEmailReply(text string, prompted bool) bool {
	if !summaryEmailRE.MatchString(text) {
		return false
	}
	if prompted {
		return true
	}
	return len(words(summaryEmailRE.ReplaceAllString(text, " "))) <= maxEmailReplyWords
}

// maxSummaryQuestions is how many of the visitor's questions the offline
// summary quotes (the latest ones).
const maxSummaryQuestions = 3

// offlineSummary writes an extractive three-line summary from a transcript
// made by transcriptLines of summaryMessages: what the visitor asked (their
// questions, not requests for a person), what the bot answered them, and
// what is open (questions without an answer, or that the bot did not know;
// a request for a person after the last answer).
func offlineSummary(transcript string) string {
	type question struct {
		text    string
		answer  string
		unknown bool // the bot said it does not know
	}
	var qs []question
	askedHuman := false
	current := -1 // the question the bot's next line answers
	for _, line := range strings.Split(transcript, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, visitorPrefix):
			text := strings.TrimPrefix(line, visitorPrefix)
			if IsHumanRequest(text) {
				askedHuman = true
				current = -1
				continue
			}
			qs = append(qs, question{text: text})
			current = len(qs) - 1
		case strings.HasPrefix(line, botPrefix):
			text := strings.TrimPrefix(line, botPrefix)
			if current < 0 || qs[current].answer != "" {
				continue
			}
			qs[current].answer = text
			qs[current].unknown = isDontKnow(text) || handover.SaysUnknown(text)
			if !qs[current].unknown {
				askedHuman = false // asked before an answer
			}
		case strings.Contains(line, " (human agent): "):
			current = -1
		}
	}
	clip := func(s string) string { return firstSentences(s, 2, 160) }

	wants := "unclear: no question asked"
	if askedHuman {
		wants = "to talk to a human agent (no question asked)"
	}
	if len(qs) > 0 {
		shown := qs
		if len(shown) > maxSummaryQuestions {
			shown = shown[len(shown)-maxSummaryQuestions:]
		}
		parts := make([]string, len(shown))
		for i, q := range shown {
			parts[i] = clip(q.text)
		}
		wants = strings.Join(parts, " / ")
		if n := len(qs) - len(shown); n > 0 {
			wants = "(and earlier questions) " + wants
		}
	}

	answered := "nothing yet"
	var open []string
	for _, q := range qs {
		switch {
		case q.answer == "" || q.unknown:
			open = append(open, "unanswered: "+clip(q.text))
		default:
			answered = firstSentences(q.answer, 1, 160)
		}
	}
	if answered == "nothing yet" {
		for _, q := range qs {
			if q.unknown {
				answered = "it did not know the answer"
			}
		}
	}
	if askedHuman && len(qs) > 0 {
		open = append(open, "the visitor asked to talk to a human agent")
	}
	openLine := "nothing pending"
	if len(open) > 0 {
		openLine = strings.Join(open, "; ")
	}
	return "Visitor wants: " + wants + "\nBot answered: " + answered + "\nOpen: " + openLine
}
