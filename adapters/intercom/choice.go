package intercom

import (
	"crypto/sha1"
	"encoding/hex"
	"html"
	"regexp"
	"strings"

	"github.com/handover-dev/handover/handover"
)

// Quick replies: a bot message with buttons is a quick_reply part whose reply_options each carry
// a uuid (https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io/conversations/replyconversation,
// quick_reply_option). The uuid names the choice: a name-based (version 5 layout) uuid of
// "handover:<choice value>", the same in every conversation, so a click, which comes back as the
// visitor's comment part whose metadata holds the uuid, says what it means without any stored
// state.

// choiceValues are the choices handover offers.
var choiceValues = []string{handover.ChoiceRequestHuman, handover.ChoiceOffline, handover.ChoiceContinue}

// choiceUUID returns the uuid of a choice value's option.
func choiceUUID(value string) string {
	sum := sha1.Sum([]byte("handover:" + value))
	b := sum[:16]
	b[6] = (b[6] & 0x0f) | 0x50 // version 5
	b[8] = (b[8] & 0x3f) | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

var uuidToChoice = func() map[string]string {
	m := make(map[string]string, len(choiceValues))
	for _, v := range choiceValues {
		m[choiceUUID(v)] = v
	}
	return m
}()

// choiceOf returns the choice value an option uuid names, or "".
func choiceOf(uuid string) string { return uuidToChoice[strings.ToLower(strings.TrimSpace(uuid))] }

// promptOf returns the prompt a set of buttons makes: the human button, or the offline offer.
func promptOf(bs []handover.Button) handover.Prompt {
	for _, b := range bs {
		switch b.Value {
		case handover.ChoiceOffline, handover.ChoiceContinue:
			return handover.PromptOffline
		}
	}
	for _, b := range bs {
		if b.Value == handover.ChoiceRequestHuman {
			return handover.PromptHuman
		}
	}
	return handover.PromptNone
}

// toHTML renders plain text as the paragraphs Intercom shows: a blank line starts a paragraph,
// a single line break is a <br>.
func toHTML(text string) string {
	text = strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n")
	var b strings.Builder
	for _, p := range paraSplitRe.Split(text, -1) {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(p), "\n", "<br>") + "</p>")
	}
	return b.String()
}

var (
	paraSplitRe = regexp.MustCompile(`\n\s*\n`)
	htmlStartRe = regexp.MustCompile(`(?i)^<(p|div|html|body|br|h[1-6]|ul|ol)[\s/>]`)
	breakRe     = regexp.MustCompile(`(?i)<br\s*/?>`)
	paraRe      = regexp.MustCompile(`(?i)</p>\s*<p[^>]*>`)
	tagRe       = regexp.MustCompile(`<[^>]*>`)
)

// plainText returns a body as text. Bodies are plain text where handover asks for it
// (display_as=plaintext, webhooks of 2.15+), which is kept as it is ("<b>" may be what the
// visitor typed); a body that is still HTML (it starts with a paragraph or a block) has its
// tags dropped.
func plainText(s string) string {
	t := strings.TrimSpace(s)
	if !htmlStartRe.MatchString(t) {
		return t
	}
	s = t
	s = breakRe.ReplaceAllString(s, "\n")
	s = paraRe.ReplaceAllString(s, "\n\n")
	s = tagRe.ReplaceAllString(s, "")
	return strings.TrimSpace(html.UnescapeString(s))
}
