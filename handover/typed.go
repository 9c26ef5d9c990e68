package handover

import (
	"slices"
	"strings"
	"unicode"
)

// What a visitor types in answer to the bot's offers, read the same way on every helpdesk:
// the buttons' own words, the keywords and synonyms of the language table, and natural short
// answers (yes, no, "no thanks", "ja bitte", "keep chatting") in every language of the table.
// Only short answers count: the whole message is one of the words, or a message of at most
// maxAnswerWords words made only of them ("yes please"); a longer message, or one with any
// other word ("no, I meant the blue one"), is a question for the bot.

// maxAnswerWords is the longest message read as a composed answer ("no thank you very").
const maxAnswerWords = 4

// Classes of a typed word besides the choice values.
const (
	classYes    = "yes"
	classOkay   = "okay"
	classNo     = "no"
	classPolite = "polite"
)

// answerWords maps every normalised word or phrase of the language table to its class: a
// choice value (ChoiceRequestHuman, ChoiceOffline, ChoiceContinue) or a reply class. Reply
// words come first; a synonym made only of reply words ("yes please", "nein danke") is left
// to them, so it answers as its yes or no does.
var answerWords, answerMaxLen = func() (map[string]string, int) {
	m := map[string]string{}
	longest := 1
	put := func(s, class string) {
		k := normWords(s)
		if k == "" {
			return
		}
		if _, ok := m[k]; ok {
			return
		}
		m[k] = class
		longest = max(longest, len(strings.Fields(k)))
	}
	for _, l := range languages {
		for _, w := range l.Replies.Yes {
			put(w, classYes)
		}
		for _, w := range l.Replies.Okay {
			put(w, classOkay)
		}
		for _, w := range l.Replies.No {
			put(w, classNo)
		}
		for _, w := range l.Replies.Polite {
			put(w, classPolite)
		}
	}
	replies := func(s string) bool { _, ok := segment(m, longest, strings.Fields(normWords(s))); return ok }
	for _, l := range languages {
		for _, v := range []string{ChoiceRequestHuman, ChoiceOffline, ChoiceContinue} {
			for _, w := range append([]string{v, l.Texts.withDefaults().buttonTitle(v), l.Short.Of(v)}, l.Words(v)...) {
				if !replies(w) {
					put(w, v)
				}
			}
		}
	}
	return m, longest
}()

// buttonTitle returns the button title of a choice value.
func (t Texts) buttonTitle(value string) string {
	switch value {
	case ChoiceRequestHuman:
		return t.HumanButton
	case ChoiceOffline:
		return t.OfflineButton
	case ChoiceContinue:
		return t.ContinueButton
	}
	return ""
}

// normWords lowercases s and keeps its words (letters, digits, inner apostrophes) separated
// by single spaces: "No, thanks!" is "no thanks", "D’accord" is "d'accord".
func normWords(s string) string {
	s = apostrophes.Replace(strings.ToLower(s))
	fs := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '_' })
	out := fs[:0]
	for _, f := range fs {
		if f = strings.Trim(f, "'"); f != "" {
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}

// apostrophes makes every apostrophe of a typed word the plain one.
var apostrophes = strings.NewReplacer("’", "'", "‘", "'", "`", "'")

// segment covers the words with known phrases, longest first, and returns their classes; false
// when a word is not part of any.
func segment(dict map[string]string, longest int, words []string) ([]string, bool) {
	var classes []string
	for i := 0; i < len(words); {
		found := false
		for j := min(len(words), i+longest); j > i; j-- {
			if c, ok := dict[strings.Join(words[i:j], " ")]; ok {
				classes = append(classes, c)
				i, found = j, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return classes, true
}

// TypedChoice reads a typed answer to a bot message carrying prompt p and returns the choice
// value it makes (ChoiceRequestHuman, ChoiceOffline or ChoiceContinue), or "" when the text
// is not an answer to the prompt. asked marks a human offer riding on an answer that itself
// asked the visitor something: a plain yes or no then answers the bot's question, not the
// offer (the offer's own words still take it).
//
// On the human offer, a yes asks for a person and a no keeps chatting; on the offline offer,
// a yes (an "ok" too) leaves a message and a no keeps chatting; on the email question, a no
// or "cancel" keeps chatting (the address itself is read by the engine).
func TypedChoice(p Prompt, text string, asked bool) string {
	words := strings.Fields(normWords(text))
	if len(words) == 0 {
		return ""
	}
	var classes []string
	if c, ok := answerWords[strings.Join(words, " ")]; ok {
		classes = []string{c}
	} else if len(words) <= maxAnswerWords {
		classes, _ = segment(answerWords, answerMaxLen, words)
	}
	choice := ""
	for _, c := range classes {
		v := replyValue(p, c, asked)
		switch {
		case c == classPolite:
			continue
		case v == "" || choice != "" && v != choice:
			return ""
		}
		choice = v
	}
	return choice
}

// replyValue is what a word of class c answers to prompt p, "" when nothing.
func replyValue(p Prompt, c string, asked bool) string {
	switch p {
	case PromptHuman:
		switch c {
		case classYes:
			if !asked {
				return ChoiceRequestHuman
			}
		case classNo:
			if !asked {
				return ChoiceContinue
			}
		case ChoiceRequestHuman, ChoiceContinue:
			return c
		}
	case PromptOffline:
		switch c {
		case classYes, classOkay:
			return ChoiceOffline
		case classNo:
			return ChoiceContinue
		case ChoiceOffline, ChoiceContinue:
			return c
		}
	case PromptEmail:
		if c == classNo || c == ChoiceContinue {
			return ChoiceContinue
		}
	}
	return ""
}

// phraseIn reports whether the words of one of the phrases (normalised: normPhrases) occur
// in text, whole words in order ("stupid bot" in "what a stupid bot!", not "useless" in
// "uselessly").
func phraseIn(text string, phrases []string) bool {
	return normPhraseIn(normWords(text), phrases)
}

// normPhraseIn is phraseIn over a text already normalised (normWords).
func normPhraseIn(norm string, phrases []string) bool {
	if norm == "" {
		return false
	}
	t := " " + norm + " "
	for _, k := range phrases {
		if strings.Contains(t, k) {
			return true
		}
	}
	return false
}

// normPhrases returns every language's phrases normalised once, each between spaces, for
// phraseIn.
func normPhrases(of func(Language) []string) []string {
	var out []string
	for _, l := range languages {
		for _, p := range of(l) {
			if k := normWords(p); k != "" {
				out = append(out, " "+k+" ")
			}
		}
	}
	return out
}

// The table's frustration and "I don't know" phrases, normalised at start-up: the engine
// reads every message of a turn with them.
var (
	frustratedPhrases = normPhrases(func(l Language) []string { return l.Frustrated })
	unknownPhrases    = normPhrases(func(l Language) []string { return l.Unknown })
)

// isButtonTitle reports a visitor message that is exactly the title of one of the engine's
// buttons (in any language of the table, long or short, or the configured texts): what a
// quick-reply click sends on a channel that returns the title as text (Sunshine
// Conversations, WhatsApp). A keyword or a yes typed in answer is not one.
func (e *Engine) isButtonTitle(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	return t != "" && (buttonTitles[t] || e.titles[t])
}

// buttonTitles are the built-in languages' button titles, long and short, lower-cased.
var buttonTitles = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range languages {
		addTitles(m, l.Texts.HumanButton, l.Texts.OfflineButton, l.Texts.ContinueButton, l.Texts.WaitButton,
			l.Short.Human, l.Short.Offline, l.Short.Continue)
	}
	return m
}()

// addTitles adds the non-empty titles to m, lower-cased.
func addTitles(m map[string]bool, titles ...string) {
	for _, t := range titles {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			m[t] = true
		}
	}
}

// classCancel is the class of a phrase that calls off the wait for a person.
const classCancel = "cancel"

// cancelWords maps the normalised phrases of Language.CancelWait to classCancel, and the
// polite words and short fillers a visitor may add ("ok", "thanks", "sorry") to classPolite.
var cancelWords, cancelMaxLen = func() (map[string]string, int) {
	m, longest := map[string]string{}, 1
	add := func(p, class string) {
		if k := normWords(p); k != "" {
			if _, ok := m[k]; !ok {
				m[k] = class
			}
			longest = max(longest, len(strings.Fields(k)))
		}
	}
	for _, l := range languages {
		for _, p := range l.CancelWait {
			add(p, classCancel)
		}
		// "no, never mind": a no around a cancel phrase is a filler too (alone it is no cancel).
		for _, p := range slices.Concat(l.Replies.Polite, l.Replies.Okay, l.Replies.No) {
			add(p, classPolite)
		}
	}
	for _, p := range []string{"oh", "ah", "well", "actually", "sorry", "anyway", "then", "so"} {
		add(p, classPolite)
	}
	return m, longest
}()

// IsCancelWait reports whether a visitor waiting for a person calls the wait off ("never mind,
// the bot is fine"), in any language of the table (CancelWait): the whole message must be
// such phrases, with polite words and fillers around them at most. "I want to cancel my
// order" is a request for the agent, not a cancel.
func IsCancelWait(text string) bool {
	words := strings.Fields(normWords(text))
	if len(words) == 0 {
		return false
	}
	classes, ok := segment(cancelWords, cancelMaxLen, words)
	return ok && slices.Contains(classes, classCancel)
}

// IsFrustrated reports whether a visitor's message shows frustration or anger with the bot, in
// any language of the table (Language.Frustrated).
func IsFrustrated(text string) bool {
	return phraseIn(text, frustratedPhrases)
}

// SaysUnknown reports whether a bot answer says the bot does not know (Language.Unknown).
func SaysUnknown(text string) bool {
	return phraseIn(text, unknownPhrases)
}

// Repeats reports whether text is a near-duplicate of one of the earlier visitor messages:
// the same words once normalised, or (for messages of at least 3 words) at least 80% of their
// distinct words in common. Short messages ("ok", "hello") never count.
func Repeats(text string, earlier []string) bool {
	return repeatsWords(strings.Fields(normWords(text)), wordsOf(earlier))
}

// wordsOf returns the normalised words of each text, for repeatsWords.
func wordsOf(texts []string) [][]string {
	out := make([][]string, len(texts))
	for i, t := range texts {
		out[i] = strings.Fields(normWords(t))
	}
	return out
}

// repeatsWords is Repeats over words already normalised (wordsOf).
func repeatsWords(a []string, earlier [][]string) bool {
	if len(a) < 3 {
		return false
	}
	for _, b := range earlier {
		if len(b) < 3 {
			continue
		}
		if slices.Equal(a, b) || jaccard(a, b) >= 0.8 {
			return true
		}
	}
	return false
}

func jaccard(a, b []string) float64 {
	sa, sb := map[string]bool{}, map[string]bool{}
	for _, w := range a {
		sa[w] = true
	}
	for _, w := range b {
		sb[w] = true
	}
	inter := 0
	for w := range sa {
		if sb[w] {
			inter++
		}
	}
	union := len(sa) + len(sb) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

// askedQuestion reports whether a bot answer ends with a question to the visitor, once the
// typed-choice sentences a chat without buttons adds are taken off.
func askedQuestion(text string) bool {
	t := strings.TrimSpace(text)
	for changed := true; changed && t != ""; {
		changed = false
		for _, s := range instructionLines {
			if strings.HasSuffix(t, s) {
				t = strings.TrimSpace(strings.TrimSuffix(t, s))
				changed = true
			}
		}
	}
	t = strings.TrimRight(t, " \"'»”)*_")
	return strings.HasSuffix(t, "?") || strings.HasSuffix(t, "？")
}

// instructionLines are every language's typed-choice sentences.
var instructionLines = func() []string {
	var out []string
	for _, l := range languages {
		for _, p := range []Prompt{PromptHuman, PromptOffline, PromptEmail} {
			if s := l.Instruction(p); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}()
