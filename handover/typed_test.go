package handover

import (
	"context"
	"strings"
	"testing"
)

// Natural answers to each prompt, in every language of the table; the near-misses are
// questions for the bot.
func TestTypedChoice(t *testing.T) {
	const h, o, c = ChoiceRequestHuman, ChoiceOffline, ChoiceContinue
	type row struct {
		text  string
		human string // answer to the human offer
		off   string // to the offline offer
		email string // to the email question
	}
	rows := map[string][]row{
		"en": {
			{"yes", h, o, ""}, {"Yes please!", h, o, ""}, {"sure", h, o, ""}, {"yeah, thanks", h, o, ""},
			{"ok", "", o, ""}, {"OK thanks", "", o, ""}, {"okay", "", o, ""},
			{"no", c, c, c}, {"No thanks.", c, c, c}, {"no thank you", c, c, c}, {"nope", c, c, c},
			{"keep chatting", c, c, c}, {"stay with the bot", c, c, c}, {"cancel", c, c, c},
			{"Continue with the bot", c, c, c}, {"Stop chatbot and leave offline message", "", o, ""},
			{"Request chat with human agent", h, "", ""}, {"agent", h, "", ""}, {"human", h, "", ""},
			{"leave a message", "", o, ""}, {"message", "", o, ""},
			// near-misses
			{"no, I meant the blue one, is it in stock?", "", "", ""},
			{"no I meant it", "", "", ""},
			{"is it ok to return shoes after 30 days", "", "", ""},
			{"yes but how much is shipping", "", "", ""},
			{"thanks", "", "", ""},
			{"yes no", "", "", ""},
			{"", "", "", ""},
		},
		"de": {
			{"ja", h, o, ""}, {"Ja bitte", h, o, ""}, {"gerne", h, o, ""}, {"klar", h, o, ""},
			{"ok", "", o, ""}, {"in Ordnung", "", o, ""},
			{"nein", c, c, c}, {"Nein danke", c, c, c}, {"nee", c, c, c}, {"weiter", c, c, c}, {"abbrechen", c, c, c},
			{"Mitarbeiter", h, "", ""}, {"Nachricht", "", o, ""}, {"Weiter mit dem Bot", c, c, c},
			{"nein, ich meine das blaue, ist es vorrätig?", "", "", ""},
		},
		"fr": {
			{"oui", h, o, ""}, {"oui merci", h, o, ""}, {"bien sûr", h, o, ""}, {"d’accord", "", o, ""},
			{"non", c, c, c}, {"non merci", c, c, c}, {"annuler", c, c, c}, {"conseiller", h, "", ""},
			{"non, je voulais dire le bleu", "", "", ""},
		},
		"es": {
			{"sí", h, o, ""}, {"si por favor", h, o, ""}, {"claro", h, o, ""}, {"vale", "", o, ""},
			{"no", c, c, c}, {"no gracias", c, c, c}, {"seguir con el bot", c, c, c}, {"agente", h, "", ""},
			{"no, me refería al azul, ¿hay stock?", "", "", ""},
		},
		"it": {
			{"sì", h, o, ""}, {"si grazie", h, o, ""}, {"certo", h, o, ""}, {"va bene", "", o, ""},
			{"no", c, c, c}, {"no grazie", c, c, c}, {"operatore", h, "", ""},
		},
		"pt": {
			{"sim", h, o, ""}, {"sim, por favor", h, o, ""}, {"claro", h, o, ""},
			{"não", c, c, c}, {"nao obrigado", c, c, c}, {"atendente", h, "", ""},
		},
		"nl": {
			{"ja", h, o, ""}, {"ja graag", h, o, ""}, {"oké", "", o, ""},
			{"nee", c, c, c}, {"nee dank je", c, c, c}, {"medewerker", h, "", ""},
		},
		"pl": {
			{"tak", h, o, ""}, {"tak, proszę", h, o, ""}, {"jasne", h, o, ""},
			{"nie", c, c, c}, {"nie, dziękuję", c, c, c}, {"konsultant", h, "", ""},
		},
		"cs": {
			{"ano", h, o, ""}, {"ano prosím", h, o, ""}, {"ne", c, c, c}, {"ne děkuji", c, c, c}, {"operátor", h, "", ""},
		},
		"sk": {
			{"áno", h, o, ""}, {"áno, prosím", h, o, ""}, {"nie", c, c, c}, {"nie, ďakujem", c, c, c}, {"operátor", h, "", ""},
		},
		"ru": {
			{"да", h, o, ""}, {"Да, пожалуйста", h, o, ""}, {"конечно", h, o, ""}, {"хорошо", "", o, ""},
			{"нет", c, c, c}, {"нет, спасибо", c, c, c}, {"оператор", h, "", ""},
			{"нет, я имел в виду синий, он есть?", "", "", ""},
		},
	}
	for _, l := range Languages() {
		if len(rows[l.Code]) == 0 {
			t.Errorf("%s: no rows", l.Code)
		}
	}
	for code, rs := range rows {
		for _, r := range rs {
			for _, tc := range []struct {
				p    Prompt
				want string
			}{{PromptHuman, r.human}, {PromptOffline, r.off}, {PromptEmail, r.email}} {
				if got := TypedChoice(tc.p, r.text, false); got != tc.want {
					t.Errorf("%s %q to the %s prompt: %q, want %q", code, r.text, tc.p, got, tc.want)
				}
			}
		}
	}
	// A yes or no to an answer that asked the visitor something answers that question; the
	// offer's own words still take the offer.
	for _, tc := range []struct{ text, want string }{{"yes", ""}, {"no", ""}, {"agent", h}, {"keep chatting", c}} {
		if got := TypedChoice(PromptHuman, tc.text, true); got != tc.want {
			t.Errorf("%q after a question: %q, want %q", tc.text, got, tc.want)
		}
	}
	if TypedChoice(PromptNone, "yes", false) != "" {
		t.Error("a yes to no prompt")
	}
}

// No word of the table answers two ways: a yes is nowhere a no, a choice word is one choice
// in every language.
func TestAnswerWordsAreUnambiguous(t *testing.T) {
	seen := map[string]string{}
	add := func(code, w, class string) {
		k := normWords(w)
		if prev, ok := seen[k]; ok && prev != class && !(prev == classYes && class == classOkay || prev == classOkay && class == classYes) {
			t.Errorf("%s: %q is %s and %s", code, w, prev, class)
		}
		if _, ok := seen[k]; !ok {
			seen[k] = class
		}
	}
	for _, l := range Languages() {
		if len(l.Replies.Yes) == 0 || len(l.Replies.No) == 0 || len(l.Replies.Polite) == 0 || len(l.Frustrated) == 0 || len(l.Unknown) == 0 {
			t.Errorf("%s: replies, frustration or unknown phrases missing", l.Code)
		}
		for _, w := range l.Replies.Yes {
			add(l.Code, w, classYes)
		}
		for _, w := range l.Replies.Okay {
			add(l.Code, w, classOkay)
		}
		for _, w := range l.Replies.No {
			add(l.Code, w, classNo)
		}
	}
	for k, c := range answerWords {
		if c == ChoiceOffline && seen[k] == classNo || c == ChoiceContinue && (seen[k] == classYes || seen[k] == classOkay) {
			t.Errorf("%q answers %s but is a %s", k, c, seen[k])
		}
	}
	// Every language's own words answer as their choice.
	for _, l := range Languages() {
		for _, v := range []string{ChoiceRequestHuman, ChoiceOffline, ChoiceContinue} {
			p := PromptOffline
			if v == ChoiceRequestHuman {
				p = PromptHuman
			}
			for _, w := range append([]string{l.Texts.buttonTitle(v), l.Short.Of(v)}, l.Words(v)...) {
				if got := TypedChoice(p, w, false); got != v {
					t.Errorf("%s: %q to the %s prompt is %q, want %s", l.Code, w, p, got, v)
				}
			}
		}
	}
}

func TestFrustrationRepeatUnknown(t *testing.T) {
	for _, s := range []string{
		"This is useless", "you're not helping!", "stupid bot", "what the fuck", "wtf",
		"Das ist nutzlos", "dummer Bot", "c'est inutile", "bot stupide", "eres inútil", "no me ayudas",
		"sei inutile", "bot stupido", "isso é inútil", "bot burro", "dit is nutteloos", "stomme bot",
		"to bez sensu", "głupi bot", "je to k ničemu", "hloupý bot", "je to nanič", "hlúpy bot",
		"это бесполезно", "тупой бот",
	} {
		if !IsFrustrated(s) {
			t.Errorf("%q: not frustrated", s)
		}
	}
	for _, s := range []string{
		"How long does shipping take?", "Is this charger useful for my phone?", "no, I meant the blue one",
		"my fuckingham order", "Wie lange dauert der Versand?", "Is the shipping OK?",
	} {
		if IsFrustrated(s) {
			t.Errorf("%q: frustrated", s)
		}
	}
	earlier := []string{"How long does shipping to Canada take?", "ok"}
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"How long does shipping to Canada take?", true},
		{"how long does shipping to canada take", true},
		{"How long does the shipping to Canada take?", true},
		{"How long does shipping to France take?", false},
		{"ok", false},
		{"What are your opening hours?", false},
	} {
		if got := Repeats(tc.text, earlier); got != tc.want {
			t.Errorf("Repeats(%q) = %v", tc.text, got)
		}
	}
	for _, s := range []string{"I'm sorry, I don't know the answer to that.", "Das weiß ich leider nicht.", "К сожалению, я не знаю ответа на этот вопрос.", "Przepraszam, nie znam odpowiedzi na to pytanie."} {
		if !SaysUnknown(s) {
			t.Errorf("%q: not unknown", s)
		}
	}
	if SaysUnknown("If you don't know your size, see our size guide.") {
		t.Error("a tip about sizes says unknown")
	}
	if !askedQuestion("Shall I explain returns?") || askedQuestion("Returns take 30 days.") ||
		!askedQuestion("Shall I explain returns?\n\n"+Languages()[1].Instruction(PromptHuman)) {
		t.Error("askedQuestion")
	}
}

// The engine: typed answers on a helpdesk with buttons, and the early offers with their
// reasons in the agent's note.
func TestEngineTypedAnswersAndEarlyOffers(t *testing.T) {
	ctx := context.Background()
	ev := Event{Kind: EventVisitorMessage, ConversationID: "c1"}
	newConv := func(available bool) *memHelpdesk {
		return &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: available}
	}
	answers := func() *scriptBot { return &scriptBot{answer: Answer{Text: "Here is what I know."}} }
	lastHandoff := func(hd *memHelpdesk) Handoff {
		if len(hd.handoffs) == 0 {
			return Handoff{}
		}
		return hd.handoffs[len(hd.handoffs)-1]
	}
	offers := func(m Message, v string) bool {
		for _, b := range m.Buttons {
			if b.Value == v {
				return true
			}
		}
		return false
	}

	// yes to the human offer hands over; a question that starts with "no" is answered.
	hd := newConv(true)
	e := newTestEngine(t, hd, answers(), 1)
	hd.visitor("Tell me about shipping")
	if out, err := e.Handle(ctx, ev); err != nil || out != OutcomeAnswered || !offers(hd.last(), ChoiceRequestHuman) {
		t.Fatalf("%q %v %+v", out, err, hd.last())
	}
	hd.visitor("no, I meant the blue one, is it in stock?")
	if out, err := e.Handle(ctx, ev); err != nil || out != OutcomeAnswered {
		t.Fatalf("a question was taken as a choice: %q %v", out, err)
	}
	hd.visitor("Ja, bitte")
	if out, err := e.Handle(ctx, ev); err != nil || out != OutcomeHandover || lastHandoff(hd).Reason != ReasonAccepted {
		t.Fatalf("typed yes: %q %v %+v", out, err, lastHandoff(hd))
	}

	// Nobody available: "sure" takes the offline offer, an email in a sentence files it.
	hd = newConv(false)
	e = newTestEngine(t, hd, answers(), 3)
	hd.visitor("human please")
	if out, _ := e.Handle(ctx, ev); out != OutcomeNoAgent {
		t.Fatalf("%q", out)
	}
	hd.visitor("sure")
	if out, _ := e.Handle(ctx, ev); out != OutcomeAskEmail {
		t.Fatalf("sure: %q", out)
	}
	hd.visitor("my email is jane@example.com thanks")
	if out, _ := e.Handle(ctx, ev); out != OutcomeOffline || len(hd.offline) != 1 || hd.offline[0].Email != "jane@example.com" {
		t.Fatalf("email in a sentence: %q %+v", out, hd.offline)
	}

	// "no thanks" to the offline offer and "cancel" to the email question keep chatting.
	hd = newConv(false)
	e = newTestEngine(t, hd, answers(), 3)
	hd.visitor("human please")
	_, _ = e.Handle(ctx, ev)
	hd.visitor("no thanks")
	if out, _ := e.Handle(ctx, ev); out != OutcomeContinue {
		t.Fatalf("no thanks: %q", out)
	}
	hd.visitor("human please")
	_, _ = e.Handle(ctx, ev)
	hd.visitor("oui")
	_, _ = e.Handle(ctx, ev)
	hd.visitor("annuler")
	if out, _ := e.Handle(ctx, ev); out != OutcomeContinue {
		t.Fatalf("cancel the email step: %q", out)
	}

	// Frustration offers a person on the first answer; taking it says why.
	for _, tc := range []struct {
		name   string
		opts   func(*Engine)
		texts  []string
		bot    string
		reason Reason
	}{
		{"frustration", func(e *Engine) { e.opts.OfferOnFrustration = true }, []string{"this is useless, where is my parcel"}, "", ReasonFrustration},
		{"repeat", func(e *Engine) { e.opts.OfferOnRepeat = true }, []string{"How long does shipping to Canada take?", "how long does shipping to Canada take"}, "", ReasonRepeated},
		{"unknown", func(e *Engine) { e.opts.OfferOnUnknown = true }, []string{"Do you sell kites?", "Do you sell surfboards?"}, "I'm sorry, I don't know the answer to that.", ReasonBotUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hd := newConv(true)
			sb := answers()
			if tc.bot != "" {
				sb.answer.Text = tc.bot
			}
			e := newTestEngine(t, hd, sb, 5)
			tc.opts(e)
			for i, text := range tc.texts {
				hd.visitor(text)
				if out, err := e.Handle(ctx, ev); err != nil || out != OutcomeAnswered {
					t.Fatalf("%q %v", out, err)
				}
				if got := offers(hd.last(), ChoiceRequestHuman); got != (i == len(tc.texts)-1) {
					t.Fatalf("after %q the human offer is %v", text, got)
				}
			}
			// Off, the same conversation gets no early offer.
			off := newTestEngine(t, &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}}, sb, 5)
			if r := off.offerReason(&hd.conv, len(hd.conv.Messages)-1, hd.last().Text, false); r != "" {
				t.Fatalf("off: %s", r)
			}
			hd.visitor("yes")
			if out, err := e.Handle(ctx, ev); err != nil || out != OutcomeHandover || lastHandoff(hd).Reason != tc.reason {
				t.Fatalf("%q %v %+v", out, err, lastHandoff(hd))
			}
			if !strings.Contains(tc.reason.Describe(), "offered a person") {
				t.Fatal(tc.reason.Describe())
			}
		})
	}
}
