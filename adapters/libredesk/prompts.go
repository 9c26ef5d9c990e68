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

// language is one visitor language: the words that mark it and the texts the bot adds.
type language struct {
	code       string
	humanWord  string // what to type to reach a person
	humanLine  string // %q-free instruction containing humanWord
	yes, no    string
	offerLine  string // instruction containing yes and no
	extraYes   []string
	extraNo    []string
	extraHuman []string
}

// languages are the languages of the human-request detector (bot.IsHumanRequest). The words
// to type are ones the detector also knows on their own ("human", "Mensch", "оператор"...), so
// they hand over even when the visitor types them unprompted.
var languages = []language{
	{code: "en", humanWord: "human", humanLine: `If you would like to talk to a person, just type "human".`,
		yes: "yes", no: "no", offerLine: `Type "yes" to leave a message for our team, or "no" to keep chatting with me.`,
		extraYes: []string{"y", "yes please", "ok", "okay", "sure"}, extraNo: []string{"n", "no thanks"}},
	{code: "de", humanWord: "Mensch", humanLine: "Wenn Sie mit einem Menschen sprechen möchten, schreiben Sie einfach „Mensch“.",
		yes: "ja", no: "nein", offerLine: "Schreiben Sie „ja“, um unserem Team eine Nachricht zu hinterlassen, oder „nein“, um weiter mit mir zu schreiben.",
		extraHuman: []string{"mitarbeiter"}, extraYes: []string{"ja bitte", "gerne"}, extraNo: []string{"nein danke"}},
	{code: "fr", humanWord: "humain", humanLine: "Si vous souhaitez parler à une personne, écrivez simplement « humain ».",
		yes: "oui", no: "non", offerLine: "Écrivez « oui » pour laisser un message à notre équipe, ou « non » pour continuer avec moi.",
		extraHuman: []string{"conseiller"}, extraNo: []string{"non merci"}},
	{code: "es", humanWord: "agente", humanLine: "Si quiere hablar con una persona, escriba simplemente «agente».",
		yes: "sí", no: "no", offerLine: "Escriba «sí» para dejar un mensaje a nuestro equipo, o «no» para seguir conversando conmigo.",
		extraHuman: []string{"asesor", "operador"}, extraYes: []string{"si"}, extraNo: []string{"no gracias"}},
	{code: "it", humanWord: "operatore", humanLine: "Se desidera parlare con una persona, scriva semplicemente «operatore».",
		yes: "sì", no: "no", offerLine: "Scriva «sì» per lasciare un messaggio al nostro team, oppure «no» per continuare a scrivere con me.",
		extraYes: []string{"si"}, extraNo: []string{"no grazie"}},
	{code: "pt", humanWord: "atendente", humanLine: "Se quiser falar com uma pessoa, escreva simplesmente «atendente».",
		yes: "sim", no: "não", offerLine: "Escreva «sim» para deixar uma mensagem à nossa equipa, ou «não» para continuar a conversar comigo.",
		extraHuman: []string{"operador"}, extraNo: []string{"nao"}},
	{code: "nl", humanWord: "medewerker", humanLine: "Wilt u met een persoon praten? Typ dan gewoon \"medewerker\".",
		yes: "ja", no: "nee", offerLine: "Typ \"ja\" om een bericht voor ons team achter te laten, of \"nee\" om met mij verder te chatten.",
		extraNo: []string{"nee dank je"}},
	{code: "pl", humanWord: "konsultant", humanLine: "Jeśli chcesz porozmawiać z człowiekiem, napisz po prostu „konsultant”.",
		yes: "tak", no: "nie", offerLine: "Napisz „tak”, aby zostawić wiadomość naszemu zespołowi, lub „nie”, aby dalej rozmawiać ze mną.",
		extraHuman: []string{"operator"}},
	{code: "cs", humanWord: "operátor", humanLine: "Pokud chcete mluvit s člověkem, napište jednoduše „operátor“.",
		yes: "ano", no: "ne", offerLine: "Napište „ano“, pokud chcete zanechat zprávu našemu týmu, nebo „ne“, pokud chcete pokračovat v chatu se mnou.",
		extraHuman: []string{"operator"}},
	{code: "sk", humanWord: "operátor", humanLine: "Ak chcete hovoriť s človekom, napíšte jednoducho „operátor“.",
		yes: "áno", no: "nie", offerLine: "Napíšte „áno“, ak chcete nechať správu nášmu tímu, alebo „nie“, ak chcete pokračovať v chate so mnou.",
		extraHuman: []string{"operator"}, extraYes: []string{"ano"}},
	{code: "ru", humanWord: "оператор", humanLine: "Если вы хотите поговорить с человеком, просто напишите «оператор».",
		yes: "да", no: "нет", offerLine: "Напишите «да», чтобы оставить сообщение нашей команде, или «нет», чтобы продолжить общение со мной."},
}

// languageOf returns the visitor's language, guessed from their messages as the engine guesses
// it for its notices (handover.GuessLanguage), so the line the adapter adds matches them.
func languageOf(conv *handover.Conversation) language {
	code := handover.GuessLanguage(visitorTexts(conv)...)
	for _, l := range languages {
		if l.code == code {
			return l
		}
	}
	return languages[0]
}

// visitorTexts returns the visitor's public messages, oldest first.
func visitorTexts(conv *handover.Conversation) []string {
	var out []string
	if conv == nil {
		return out
	}
	for _, m := range conv.Messages {
		if m.Role == handover.RoleVisitor && !m.Private {
			out = append(out, m.Text)
		}
	}
	return out
}

// humanButtons are the answers to an "answer-human" message: the word of every language and
// the engine's own button title and value.
func humanButtons() []handover.Button {
	var out []handover.Button
	add := func(title string) {
		for _, b := range out {
			if strings.EqualFold(b.Title, title) {
				return
			}
		}
		out = append(out, handover.Button{Title: title, Value: handover.ChoiceRequestHuman})
	}
	add(handover.DefaultTexts().HumanButton)
	for _, l := range languages {
		add(l.humanWord)
		for _, w := range l.extraHuman {
			add(w)
		}
	}
	return out
}

// offlineButtons are the answers to an "offline" message: yes (leave a message) and no (keep
// chatting) in every language, and the engine's own titles.
func offlineButtons() []handover.Button {
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
	add(d.OfflineButton, handover.ChoiceOffline)
	add(d.ContinueButton, handover.ChoiceContinue)
	for _, l := range languages {
		add(l.yes, handover.ChoiceOffline)
		for _, w := range l.extraYes {
			add(w, handover.ChoiceOffline)
		}
	}
	for _, l := range languages {
		add(l.no, handover.ChoiceContinue)
		for _, w := range l.extraNo {
			add(w, handover.ChoiceContinue)
		}
	}
	return out
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
		return joinText(text, lang.offerLine), kindOffline
	case out.Prompt == handover.PromptHuman || hasChoice(out.Buttons, handover.ChoiceRequestHuman):
		// The engine offers the human prompt on answers only, so it always counts as one.
		return joinText(text, lang.humanLine), kindAnswerHuman
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

// htmlToText is the fallback when a message has no text_content: tags dropped, <br> and block
// ends as newlines, the common entities decoded.
func htmlToText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '<' {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		tag := strings.ToLower(strings.Trim(s[i+1:i+end], "/ "))
		if f := strings.Fields(tag); len(f) > 0 {
			tag = f[0]
		}
		switch tag {
		case "br", "p", "div", "li":
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
				b.WriteByte('\n')
			}
		}
		i += end + 1
	}
	out := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&nbsp;", " ", "&amp;", "&").Replace(b.String())
	return strings.TrimSpace(out)
}
