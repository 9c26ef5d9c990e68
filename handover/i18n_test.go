package handover

import (
	"context"
	"strings"
	"testing"
)

func TestGuessLanguage(t *testing.T) {
	for text, want := range map[string]string{
		"How long does the shipping to Canada take?":        "en",
		"Wie lange dauert der Versand nach Österreich?":     "de",
		"Bonjour, je voudrais savoir où est ma commande":    "fr",
		"Hola, ¿cuándo llega mi pedido?":                    "es",
		"Ciao, vorrei sapere quando arriva il mio ordine":   "it",
		"Olá, quero saber quando chega a minha encomenda":   "pt",
		"Hallo, ik wil graag weten waar mijn bestelling is": "nl",
		"Dzień dobry, kiedy dotrze moje zamówienie?":        "pl",
		"Dobrý den, kdy dorazí moje objednávka? Děkuji":     "cs",
		"Dobrý deň, kedy príde moja objednávka? Ďakujem":    "sk",
		"Здравствуйте, когда придёт мой заказ?":             "ru",
		"ok": "en",
	} {
		if got := GuessLanguage(text); got != want {
			t.Errorf("%q: got %s, want %s", text, got, want)
		}
	}
}

func TestNoticesFollowTheVisitorsLanguage(t *testing.T) {
	hd := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}, available: true}
	hd.visitor("Hallo, ich möchte bitte mit einem Menschen sprechen, human please")
	e := newTestEngine(t, hd, &scriptBot{}, 3)
	if out, err := e.Handle(context.Background(), Event{Kind: EventVisitorMessage, ConversationID: "c1"}); err != nil || out != OutcomeHandover {
		t.Fatalf("%q %v", out, err)
	}
	if got := hd.last().Text; !strings.Contains(got, "Mitarbeiter") {
		t.Fatalf("notice not in German: %q", got)
	}
}

// The one language table is complete: every language has its notices, hints, short titles
// of at most 20 characters, keywords and the typed sentences holding them, and no word
// answers two choices in one language.
func TestLanguageTable(t *testing.T) {
	ls := Languages()
	if len(ls) != 11 || ls[0].Code != "en" || ls[0].Texts != DefaultTexts() {
		t.Fatalf("table: %d languages, first %q", len(ls), ls[0].Code)
	}
	for _, l := range ls {
		if got, _ := LanguageByCode(l.Code); got.Code != l.Code {
			t.Errorf("%s: LanguageByCode", l.Code)
		}
		if l.Texts.withDefaults() != l.Texts || len(l.Hints) == 0 {
			t.Errorf("%s: incomplete notices or hints", l.Code)
		}
		seen := map[string]string{}
		for _, v := range []string{ChoiceRequestHuman, ChoiceOffline, ChoiceContinue} {
			if n := len([]rune(l.Short.Of(v))); n == 0 || n > 20 {
				t.Errorf("%s %s: short title %q", l.Code, v, l.Short.Of(v))
			}
			ws := l.Words(v)
			if len(ws) == 0 || ws[0] != l.Keywords.Of(v) || ws[0] == "" {
				t.Errorf("%s %s: words %q", l.Code, v, ws)
			}
			for _, w := range ws {
				if prev, ok := seen[strings.ToLower(w)]; ok && prev != v {
					t.Errorf("%s: %q answers %s and %s", l.Code, w, prev, v)
				}
				seen[strings.ToLower(w)] = v
			}
		}
		if h := l.Instruction(PromptHuman); !strings.Contains(h, `"`+l.Keywords.Human+`"`) {
			t.Errorf("%s: human sentence %q", l.Code, h)
		}
		if o := l.Instruction(PromptOffline); !strings.Contains(o, `"`+l.Keywords.Offline+`"`) || !strings.Contains(o, `"`+l.Keywords.Continue+`"`) {
			t.Errorf("%s: offline sentence %q", l.Code, o)
		}
		if l.Instruction(PromptEmail) == "" || l.Instruction(PromptNone) != "" {
			t.Errorf("%s: email / none sentence", l.Code)
		}
	}
	if l, ok := LanguageByCode("xx"); ok || l.Code != "en" {
		t.Error("unknown code")
	}
	de := &Conversation{Messages: []Message{{Role: RoleVisitor, Text: "Wie lange dauert der Versand?"}, {Role: RoleVisitor, Private: true, Text: "the the the the"}}}
	if got := VisitorLanguage(de).Code; got != "de" {
		t.Errorf("VisitorLanguage = %s", got)
	}
	if got := VisitorLanguage(nil).Code; got != "en" {
		t.Errorf("VisitorLanguage(nil) = %s", got)
	}
}
