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
