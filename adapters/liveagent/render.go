package liveagent

import (
	"html"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/handover-dev/handover/handover"
)

// LiveAgent's chat has no bot buttons reachable through the API, so a
// prompt's buttons become one sentence telling the visitor what to type,
// in the visitor's language. Load recognises that sentence in the bot's
// last message and gives the engine the buttons back, with every
// language's keyword as a title, so typing the keyword is a click.

// The keywords and sentences are handover's language table (handover.Language): the one
// Libredesk uses too, and whose human keywords bot.IsHumanRequest takes alone as a request
// for a person.

// promptOf infers the prompt of outgoing buttons from their values.
func promptOf(out handover.Outgoing) handover.Prompt {
	if out.Prompt != handover.PromptNone {
		return out.Prompt
	}
	for _, b := range out.Buttons {
		switch b.Value {
		case handover.ChoiceRequestHuman:
			return handover.PromptHuman
		case handover.ChoiceOffline, handover.ChoiceContinue:
			return handover.PromptOffline
		}
	}
	return handover.PromptNone
}

// render is the text of an outgoing bot message: the text, and for a
// prompt the sentence in the visitor's language that says what to type
// (the keyword of each button, or the email address). Buttons with unknown
// values are listed by title.
func render(out handover.Outgoing, l handover.Language) string {
	text := strings.TrimSpace(out.Text)
	p := promptOf(out)
	if len(out.Buttons) == 0 && p != handover.PromptEmail {
		return text
	}
	line := l.Instruction(p)
	if line == "" {
		titles := make([]string, 0, len(out.Buttons))
		for _, b := range out.Buttons {
			titles = append(titles, `"`+b.Title+`"`)
		}
		line = "Type one of: " + strings.Join(titles, ", ") + "."
	}
	if text == "" {
		return line
	}
	return text + "\n\n" + line
}

// recognised is what Load reads back from a bot message's text.
type recognised struct {
	body    string // the text without the typed-choice sentence
	prompt  handover.Prompt
	buttons []handover.Button
}

// recognise finds the typed-choice sentence (in any language) at the end
// of a bot message and rebuilds the prompt's buttons: every language's
// keyword and the engine's button title, each with the button's value.
func recognise(text string, texts handover.Texts) recognised {
	norm := normalize(text)
	for _, p := range []handover.Prompt{handover.PromptHuman, handover.PromptOffline, handover.PromptEmail} {
		for _, line := range instructionLines()[p] {
			if line == "" || !strings.HasSuffix(norm, line) {
				continue
			}
			r := recognised{body: strings.TrimSpace(strings.TrimSuffix(norm, line)), prompt: p}
			r.buttons = buttonsFor(p, texts)
			return r
		}
	}
	r := recognised{body: norm}
	if norm != "" && norm == normalizeFixed(texts.AskEmail) {
		r.prompt = handover.PromptEmail
	}
	return r
}

// buttonsFor lists a prompt's buttons under every title a visitor may type: the engine's
// titles and every language's keyword (not the synonyms: LiveAgent's sentences name the
// keywords only).
func buttonsFor(p handover.Prompt, texts handover.Texts) []handover.Button {
	key := [4]string{string(p), texts.HumanButton, texts.OfflineButton, texts.ContinueButton}
	if v, ok := buttonLists.Load(key); ok {
		return slices.Clone(v.([]handover.Button))
	}
	out := listButtons(p, texts)
	buttonLists.Store(key, out)
	return slices.Clone(out)
}

// buttonLists caches buttonsFor by prompt and button titles (configuration: a few entries).
var buttonLists sync.Map

// listButtons builds buttonsFor's list.
func listButtons(p handover.Prompt, texts handover.Texts) []handover.Button {
	var out []handover.Button
	add := func(title, value string) {
		for _, b := range out {
			if strings.EqualFold(b.Title, title) && b.Value == value {
				return
			}
		}
		out = append(out, handover.Button{Title: title, Value: value})
	}
	switch p {
	case handover.PromptHuman:
		add(texts.HumanButton, handover.ChoiceRequestHuman)
		for _, l := range handover.Languages() {
			add(l.Keywords.Human, handover.ChoiceRequestHuman)
		}
	case handover.PromptOffline:
		add(texts.OfflineButton, handover.ChoiceOffline)
		add(texts.ContinueButton, handover.ChoiceContinue)
		for _, l := range handover.Languages() {
			add(l.Keywords.Offline, handover.ChoiceOffline)
			add(l.Keywords.Continue, handover.ChoiceContinue)
		}
	}
	return out
}

// isNotice reports whether a bot message body (typed-choice sentence
// removed) is one of the engine's fixed notices rather than an answer, so
// that only answers count towards the required answers.
func isNotice(body string, texts handover.Texts) bool {
	b := normalize(body)
	if b == "" {
		return true
	}
	apology := normalizeFixed(texts.Apology)
	if apology != "" && strings.HasPrefix(b, apology) {
		return true
	}
	for _, n := range []string{texts.Connecting, texts.NoAgent, texts.AskEmail, texts.Continue} {
		if b == normalizeFixed(n) {
			return true
		}
	}
	for _, f := range []string{texts.OfflineReceived, texts.AgentJoined} {
		if matchFormat(b, f) {
			return true
		}
	}
	return false
}

// matchFormat reports whether s is format f with its one %s filled in.
func matchFormat(s, f string) bool {
	pre, post, ok := strings.Cut(f, "%s")
	if !ok {
		return s == normalizeFixed(f)
	}
	pre, post = normalizeFixed(pre), normalizeFixed(post)
	return len(s) >= len(pre)+len(post) && strings.HasPrefix(s, pre) && strings.HasSuffix(s, post)
}

var (
	tagRE  = regexp.MustCompile(`(?is)<br\s*/?>|</p\s*>|</div\s*>`)
	anyTag = regexp.MustCompile(`(?s)<[^>]*>`)
)

// plainText turns an HTML message (format H, from the agent panel:
// "<p>Hi&nbsp;there</p>") into text with line breaks.
func plainText(s string) string {
	s = tagRE.ReplaceAllString(s, "\n")
	s = anyTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	s = strings.ReplaceAll(s, "\u00a0", " ")
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l != "" || (len(out) > 0 && out[len(out)-1] != "") {
			out = append(out, l)
		}
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// normalize is plainText with all whitespace collapsed and typographic
// quotes straightened, for comparisons that must survive LiveAgent
// re-rendering a message as HTML.
func normalize(s string) string {
	if strings.ContainsAny(s, "<&") {
		s = plainText(s) // whitespace and blank lines are collapsed below anyway
	}
	s = quoteReplacer.Replace(s)
	return collapseSpace(s)
}

// collapseSpace replaces every run of spaces, tabs, line breaks and no-break spaces with one
// space and trims both ends: strings.TrimSpace of what the regular expression
// [ \t\r\n\f\v\x{00a0}]+ replaced with a space, without its cost (a snapshot normalizes
// every bot message it reads). Other bytes, invalid UTF-8 included, are kept as they are.
func collapseSpace(s string) string {
	if spaced(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	gap := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case ' ', '\t', '\r', '\n', '\f', '\v', '\u00a0':
			gap = true
		default:
			if gap && b.Len() > 0 {
				b.WriteByte(' ')
			}
			gap = false
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return strings.TrimSpace(b.String())
}

// spaced reports whether s is already as collapseSpace leaves it, as most messages are: single
// spaces between words, no other blank, nothing to trim.
func spaced(s string) bool {
	if s == "" {
		return true
	}
	if strings.TrimSpace(s) != s {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v':
			return false
		case c == ' ' && s[i-1] == ' ': // i > 0: s does not start with a space
			return false
		case c == 0xc2 && i+1 < len(s) && s[i+1] == 0xa0: // U+00A0
			return false
		}
	}
	return true
}

// quoteReplacer straightens typographic quotes.
var quoteReplacer = strings.NewReplacer("“", `"`, "”", `"`, "„", `"`, "«", `"`, "»", `"`, "’", "'")

// fixedNorms caches normalize of the few fixed strings a snapshot compares
// every bot message with (Config.Texts and its parts): built once, not per
// message. Bounded: the texts are configuration.
var fixedNorms sync.Map

// normalizeFixed is normalize for a fixed string (a notice, not a message).
func normalizeFixed(s string) string {
	if v, ok := fixedNorms.Load(s); ok {
		return v.(string)
	}
	n := normalize(s)
	fixedNorms.Store(s, n)
	return n
}

// instructionLines are the typed-choice sentences of every prompt in every
// language, normalized once.
var instructionLines = sync.OnceValue(func() map[handover.Prompt][]string {
	out := map[handover.Prompt][]string{}
	for _, p := range []handover.Prompt{handover.PromptHuman, handover.PromptOffline, handover.PromptEmail} {
		for _, l := range handover.Languages() {
			out[p] = append(out[p], normalize(l.Instruction(p)))
		}
	}
	return out
})

// visitorLang is the language of the visitor's messages, guessed the way
// the engine guesses it for its notices (handover.VisitorLanguage), so the
// typed-choice sentence and the notice it ends are in one language.
func visitorLang(conv *handover.Conversation) handover.Language {
	return handover.VisitorLanguage(conv)
}
