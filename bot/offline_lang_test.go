package bot

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tmc/langchaingo/llms"

	"github.com/handover-dev/handover/handover"
)

func TestOfflineTextsCoverEveryLanguage(t *testing.T) {
	t.Parallel()
	verbs := func(s string) int { return strings.Count(s, "%s") }
	for _, l := range handover.Languages() {
		tx, ok := offlineLanguages[l.Code]
		if !ok {
			t.Errorf("%s: no offline texts", l.Code)
			continue
		}
		for name, c := range map[string]struct {
			text  string
			verbs int
		}{
			"Greeting": {tx.Greeting, 1}, "Topics": {tx.Topics, 1}, "HintTool": {tx.HintTool, 1},
			"HintButton": {tx.HintButton, 1}, "DontKnow": {tx.DontKnow, 0}, "CantTransfer": {tx.CantTransfer, 1},
			"About": {tx.About, 2}, "Untranslated": {tx.Untranslated, 2},
		} {
			if strings.TrimSpace(c.text) == "" || verbs(c.text) != c.verbs || strings.Count(c.text, "%") != c.verbs {
				t.Errorf("%s %s = %q: want %d %%s and no other verb", l.Code, name, c.text, c.verbs)
			}
		}
		if tx.And == "" {
			t.Errorf("%s: no And", l.Code)
		}
		// The hint tells the visitor to type the core's keyword: it must hand over.
		if !IsHumanRequest(l.Keywords.Human) {
			t.Errorf("%s: the keyword %q the hint suggests is no human request", l.Code, l.Keywords.Human)
		}
		// The core reads the offline model's "I don't know" as one
		// (handover.SaysUnknown: two in a row offer a person), and nothing
		// else it says.
		if !handover.SaysUnknown(tx.DontKnow) {
			t.Errorf("%s: the core does not read %q as not knowing", l.Code, tx.DontKnow)
		}
		ol := offlineLanguage(l.Code)
		for _, s := range []string{fmt.Sprintf(tx.Greeting, "Acme bot"), fmt.Sprintf(tx.Topics, "Shipping"), ol.humanHint(true), ol.humanHint(false),
			fmt.Sprintf(tx.CantTransfer, l.Texts.HumanButton), fmt.Sprintf(tx.About, "Shipping", "We ship."), fmt.Sprintf(tx.Untranslated, "Shipping", "We ship.")} {
			if handover.SaysUnknown(s) {
				t.Errorf("%s: the core reads %q as not knowing", l.Code, s)
			}
		}
		// The offline model's sentences are not the engine's notices.
		for _, s := range []string{tx.DontKnow, offlineLanguage(l.Code).humanHint(true), offlineLanguage(l.Code).humanHint(false)} {
			if handover.IsNotice(s) {
				t.Errorf("%s: %q reads as an engine notice", l.Code, s)
			}
		}
	}
	if len(offlineLanguages) != len(handover.Languages()) {
		t.Errorf("offline texts for %d languages, the core has %d", len(offlineLanguages), len(handover.Languages()))
	}
}

// offTopic is, for each language of the core, a question the sample
// knowledge base cannot answer and a greeting; the core must recognise the
// language of both.
var offTopic = map[string][2]string{
	"en": {"What is the capital of France? I would like to know it.", "Hello!"},
	"de": {"Was ist die Hauptstadt von Frankreich? Das möchte ich bitte wissen.", "Hallo, guten Tag!"},
	"fr": {"Quelle est la capitale de la France ? Je voudrais le savoir.", "Bonjour !"},
	"es": {"¿Cuál es la capital de Francia? Quiero saberlo, por favor.", "¡Hola, buenos días!"},
	"it": {"Qual è la capitale della Francia? Vorrei saperlo, grazie.", "Ciao, buongiorno!"},
	"pt": {"Qual é a capital da França? Eu quero saber, obrigado.", "Olá, bom dia!"},
	"nl": {"Wat is de hoofdstad van Frankrijk? Ik wil het graag weten.", "Goedemorgen, bedankt!"},
	"pl": {"Jaka jest stolica Francji? Chcę to wiedzieć, proszę.", "Dzień dobry!"},
	"cs": {"Jaké je hlavní město Francie? Chci to vědět, prosím.", "Dobrý den!"},
	"sk": {"Aké je hlavné mesto Francúzska? Chcem to vedieť, prosím.", "Ahoj, ďakujem!"},
	"ru": {"Какая столица Франции? Я хочу это знать, пожалуйста.", "Здравствуйте!"},
}

// TestOfflineSpeaksTheVisitorsLanguage: every line the offline model writes
// for a visitor follows the language the core speaks to them (its notices
// and buttons), in each of the core's languages: "I don't know" with the
// offer of a person, and the greeting.
func TestOfflineSpeaksTheVisitorsLanguage(t *testing.T) {
	t.Parallel()
	a := offlineAgent(t)
	for _, l := range handover.Languages() {
		qs, ok := offTopic[l.Code]
		if !ok {
			t.Errorf("%s: no test question", l.Code)
			continue
		}
		tx := offlineLanguages[l.Code]
		for _, q := range qs {
			conv := conversation(visitor(q))
			if got := handover.VisitorLanguage(conv).Code; got != l.Code {
				t.Fatalf("the core reads %q as %s, want %s: fix the test question", q, got, l.Code)
			}
		}
		for _, allow := range []bool{true, false} {
			got, err := a.Answer(t.Context(), handover.Turn{Conversation: conversation(visitor(qs[0])), AllowHumanRequest: allow})
			if err != nil {
				t.Fatal(err)
			}
			offer := l.Texts.HumanButton // the button the core shows under the answer
			if allow {
				offer = l.Keywords.Human // the word the core takes for a person
			}
			if !strings.HasPrefix(got.Text, tx.DontKnow) || !strings.Contains(got.Text, offer) {
				t.Errorf("%s (allow %v): answer %q, want %q and %q", l.Code, allow, got.Text, tx.DontKnow, offer)
			}
			if l.Code != "en" && strings.Contains(got.Text, "sorry") {
				t.Errorf("%s: English in %q", l.Code, got.Text)
			}
		}
		got, err := a.Answer(t.Context(), handover.Turn{Conversation: conversation(visitor(qs[1])), AllowHumanRequest: true})
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.SplitN(tx.Greeting, "%s", 2)[0]; !strings.HasPrefix(got.Text, want) || !strings.Contains(got.Text, "Acme bot") {
			t.Errorf("%s: greeting %q, want it to start with %q", l.Code, got.Text, want)
		}
		// A request for a person the bot may not hand over itself points
		// to the button by its title in the visitor's language.
		if l.Code == "de" || l.Code == "fr" {
			req := map[string]string{"de": "Ich möchte bitte mit einem Menschen sprechen", "fr": "Je voudrais parler à un humain, s'il vous plaît"}[l.Code]
			got, err := a.Answer(t.Context(), handover.Turn{Conversation: conversation(visitor(req))})
			if err != nil {
				t.Fatal(err)
			}
			if got.HumanRequested || !strings.Contains(got.Text, l.Texts.HumanButton) || strings.Contains(got.Text, "can't") {
				t.Errorf("%s: answer to %q = %+v", l.Code, req, got)
			}
		}
	}
}

// TestOfflineAnswersOtherLanguagesFromEnglishKnowledge: a German or French
// question that shares words with the English knowledge through the
// glossary gets the passage, said to be untranslated, in a sentence of the
// visitor's language, with the offer of a person.
func TestOfflineAnswersOtherLanguagesFromEnglishKnowledge(t *testing.T) {
	t.Parallel()
	a := offlineAgent(t)
	cases := []struct {
		code, q, section, fact string
	}{
		{"de", "Wie lange dauert der Versand nach Kanada?", "International shipping", "7 to 14 business days"},
		{"de", "Kann ich meine Bestellung stornieren?", "Changing or cancelling an order", "cancel an order until it ships"},
		{"de", "Wo ist meine Bestellung?", "Tracking your order", "tracking number"},
		{"fr", "Combien coûtent les frais de livraison ?", "Shipping costs", "$6.95"},
		{"fr", "Mon colis n'est pas arrivé, que faire ?", "Late or missing parcels", "investigation"},
	}
	for _, c := range cases {
		got, err := a.Answer(t.Context(), turn(true, visitor(c.q)))
		if err != nil {
			t.Fatal(err)
		}
		l, _ := handover.LanguageByCode(c.code)
		tx := offlineLanguages[c.code]
		intro := strings.SplitN(tx.Untranslated, "%s", 2)[0]
		if !strings.HasPrefix(got.Text, intro) || !strings.Contains(got.Text, c.section) || !strings.Contains(got.Text, c.fact) ||
			!strings.Contains(got.Text, l.Keywords.Human) {
			t.Errorf("%q → %q, want %q, the section %q with %q, and the offer of a person", c.q, got.Text, intro, c.section, c.fact)
		}
	}
	// An English question gets the plain English form.
	got, err := a.Answer(t.Context(), turn(true, visitor("Do you ship internationally?")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Text, `About "International shipping": We deliver to Canada`) {
		t.Errorf("English answer = %q", got.Text)
	}
}

// TestOfflineLanguageIsTheCores: the language is the visitor's, as the core
// reads it from all their messages (not the latest alone, which may say
// too little), and a model called without the Assistant guesses it the
// same way from the human messages.
func TestOfflineLanguageIsTheCores(t *testing.T) {
	t.Parallel()
	a := offlineAgent(t)
	conv := conversation(
		visitor("Hallo, ich habe eine Frage zu meiner Bestellung."),
		bot("Hallo! Hier ist Acme bot. Wie kann ich Ihnen helfen?"),
		visitor("Quantenphysik?"),
	)
	if handover.VisitorLanguage(conv).Code != "de" || handover.GuessLanguage("Quantenphysik?") != "en" {
		t.Fatal("the test conversation no longer shows the point")
	}
	got, err := a.Answer(t.Context(), handover.Turn{Conversation: conv, AllowHumanRequest: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Text, offlineLanguages["de"].DontKnow) {
		t.Errorf("answer = %q, want German", got.Text)
	}

	m := NewOfflineModel(SampleKnowledge(), "")
	resp, err := m.GenerateContent(t.Context(), []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeSystem, "system"),
		llms.TextParts(llms.ChatMessageTypeHuman, "Bonjour, j'ai une question sur ma commande."),
		llms.TextParts(llms.ChatMessageTypeAI, "Bonjour !"),
		llms.TextParts(llms.ChatMessageTypeHuman, "Physique quantique ?"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(resp.Choices[0].Content, offlineLanguages["fr"].DontKnow) {
		t.Errorf("model answer = %q, want French", resp.Choices[0].Content)
	}
}

// TestOfflineKnowledgeInTheVisitorsLanguage: a passage in the visitor's
// language is quoted without the "not translated" note.
func TestOfflineKnowledgeInTheVisitorsLanguage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"versand.md": "# Versand\n\n## Lieferzeiten\n\nWir versenden jede Bestellung innerhalb von zwei Werktagen. Die Lieferung dauert drei bis fünf Tage.\n\n" +
			"## Versandkosten\n\nAb 50 Euro Bestellwert ist der Versand kostenlos, sonst kostet er 4,90 Euro.\n",
		"rueckgabe.md": "# Rückgabe\n\n## Rücksendung\n\nSie können jeden Artikel innerhalb von 30 Tagen zurückschicken.\n\n" +
			"## Erstattung\n\nDen Kaufpreis erstatten wir innerhalb von fünf Werktagen nach Eingang der Ware.\n",
		"zahlung.md": "# Zahlung\n\nWir akzeptieren Kreditkarte, PayPal und Rechnung.\n",
	})
	k, err := LoadKnowledge(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Knowledge: k})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Answer(t.Context(), turn(true, visitor("Wie lange dauert die Lieferung?")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Text, "Zu „Lieferzeiten“: Wir versenden") {
		t.Errorf("answer = %q", got.Text)
	}
	// And an English question finds the German passage through the glossary.
	if hits := k.Search("How long does delivery take?", 1); len(hits) != 1 || hits[0].Title != "Versand / Lieferzeiten" {
		t.Errorf("English search of German knowledge = %+v", hits)
	}
}
