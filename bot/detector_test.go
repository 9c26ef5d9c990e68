package bot

import (
	"strings"
	"testing"

	"github.com/handover-dev/handover/handover"
)

func TestIsHumanRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lang string
		yes  []string
		no   []string
	}{
		{
			lang: "en",
			yes: []string{
				"I want to talk to a human",
				"Can I speak with an agent please?",
				"talk to a real person",
				"Please connect me to a live agent.",
				"I'd like a real person",
				"agent",
				"Human please!",
				"get me a human",
				"No, I'd rather talk to someone from your team",
			},
			no: []string{
				"are your agents available on weekends?",
				"how many operators do you have?",
				"is this a human?",
				"what does a support agent do?",
				"Am I talking to a human or a bot?",
				"I don't want to talk to a human, just tell me the shipping cost",
				"I need someone to fix my tent",
				"How long does shipping take?",
			},
		},
		{
			lang: "de",
			yes: []string{
				"Ich möchte mit einem Mitarbeiter sprechen",
				"Kann ich mit einem Menschen reden?",
				"Bitte verbinden Sie mich mit einem Berater",
				"Ich will mit einem echten Menschen chatten",
				"Ich brauche einen Mitarbeiter",
				"Mitarbeiter bitte",
			},
			no: []string{
				"Wann sind Ihre Mitarbeiter erreichbar?",
				"Wie viele Mitarbeiter haben Sie?",
				"Sprechen Ihre Mitarbeiter Englisch?",
				"Ich will nicht mit einem Mitarbeiter sprechen",
				"Bin ich mit einem Menschen verbunden?",
			},
		},
		{
			lang: "fr",
			yes: []string{
				"Je veux parler à un conseiller",
				"Puis-je discuter avec une vraie personne ?",
				"Mettez-moi en relation avec un conseiller",
				"Je voudrais parler à quelqu'un",
				"je voudrais un humain svp",
			},
			no: []string{
				"Vos conseillers sont-ils disponibles le week-end ?",
				"Combien d'opérateurs avez-vous ?",
				"Est-ce que je parle à un humain ?",
				"Je ne veux pas parler à un conseiller",
			},
		},
		{
			lang: "es",
			yes: []string{
				"Quiero hablar con un agente",
				"¿Puedo hablar con una persona real?",
				"Pásame con un asesor, por favor",
				"necesito hablar con un humano",
				"quiero un operador",
			},
			no: []string{
				"¿Sus agentes trabajan los fines de semana?",
				"¿Cuántos operadores tienen?",
				"¿Estoy hablando con un humano?",
				"No quiero hablar con un agente",
			},
		},
		{
			lang: "it",
			yes: []string{
				"Vorrei parlare con un operatore",
				"Posso parlare con una persona vera?",
				"Passami un operatore",
				"voglio parlare con un umano",
				"Mi metta in contatto con un consulente",
			},
			no: []string{
				"I vostri operatori lavorano nel weekend?",
				"Quanti operatori avete?",
				"Sto parlando con un umano?",
				"Non voglio parlare con un operatore",
			},
		},
		{
			lang: "pt",
			yes: []string{
				"Quero falar com um atendente",
				"Posso conversar com uma pessoa?",
				"Me transfira para um atendente humano",
				"preciso falar com um humano",
				"Gostaria de falar com um agente",
			},
			no: []string{
				"Os seus atendentes trabalham no fim de semana?",
				"Quantos atendentes vocês têm?",
				"Estou falando com um humano?",
				"Não quero falar com um atendente",
			},
		},
		{
			lang: "nl",
			yes: []string{
				"Ik wil met een medewerker spreken",
				"Kan ik met een mens praten?",
				"Ik wil graag met een medewerker",
				"Verbind me door met een medewerker",
				"Ik wil een echte persoon",
			},
			no: []string{
				"Wanneer zijn jullie medewerkers bereikbaar?",
				"Hoeveel medewerkers hebben jullie?",
				"Ik wil niet met een medewerker spreken",
				"Praat ik met een mens?",
			},
		},
		{
			lang: "pl",
			yes: []string{
				"Chcę rozmawiać z konsultantem",
				"Czy mogę porozmawiać z prawdziwą osobą?",
				"Połącz mnie z konsultantem",
				"Proszę połączyć mnie z konsultantem",
				"chciałbym porozmawiać z człowiekiem",
			},
			no: []string{
				"Czy wasi konsultanci pracują w weekendy?",
				"Ilu macie konsultantów?",
				"Czy rozmawiam z człowiekiem?",
				"Nie chcę rozmawiać z konsultantem",
			},
		},
		{
			lang: "cs",
			yes: []string{
				"Chci mluvit s operátorem",
				"Můžu hovořit s živým operátorem?",
				"Spojte mě s operátorem",
				"Potřebuji mluvit s člověkem",
				"Rád bych si promluvil s konzultantem",
			},
			no: []string{
				"Pracují vaši operátoři o víkendu?",
				"Kolik máte operátorů?",
				"Mluvím s člověkem?",
				"Nechci mluvit s operátorem",
			},
		},
		{
			lang: "sk",
			yes: []string{
				"Chcem hovoriť s operátorom",
				"Chcem sa porozprávať s človekom",
				"Prepojte ma s operátorom",
				"Môžem hovoriť so živým človekom?",
				"Potrebujem hovoriť s pracovníkom",
			},
			no: []string{
				"Pracujú vaši operátori cez víkend?",
				"Koľko máte operátorov?",
				"Hovorím s človekom?",
				"Nechcem hovoriť s operátorom",
			},
		},
		{
			lang: "ru",
			yes: []string{
				"Хочу поговорить с оператором",
				"Можно поговорить с живым человеком?",
				"Соедините меня с оператором",
				"Не могли бы вы соединить меня с оператором?",
				"Позовите оператора",
				"оператор",
			},
			no: []string{
				"Ваши операторы работают в выходные?",
				"Сколько у вас операторов?",
				"Я говорю с человеком?",
				"Не хочу говорить с оператором",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			if len(tt.yes) < 3 || len(tt.no) < 2 {
				t.Fatalf("table for %s is too small", tt.lang)
			}
			for _, s := range tt.yes {
				if !IsHumanRequest(s) {
					t.Errorf("IsHumanRequest(%q) = false, want true", s)
				}
			}
			for _, s := range tt.no {
				if IsHumanRequest(s) {
					t.Errorf("IsHumanRequest(%q) = true, want false", s)
				}
			}
		})
	}
}

func TestIsHumanRequestEdges(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "   ", "?!", "hi", "human resources department address?"} {
		if IsHumanRequest(s) {
			t.Errorf("IsHumanRequest(%q) = true", s)
		}
	}
	// Case and diacritics do not matter.
	for _, s := range []string{"TALK TO A HUMAN", "parler a un conseiller", "PARLER À UN CONSEILLER", "mluvit s operatorem"} {
		if !IsHumanRequest(s) {
			t.Errorf("IsHumanRequest(%q) = false", s)
		}
	}
}

// What the text-only helpdesks tell a visitor to type for a person (handover's language
// table) is a request for a person on its own, in every language.
func TestTypedHumanKeywordsAreRequests(t *testing.T) {
	for _, l := range handover.Languages() {
		for _, w := range l.Words(handover.ChoiceRequestHuman) {
			for _, s := range []string{w, strings.ToUpper(w), w + " please"} {
				if !IsHumanRequest(s) {
					t.Errorf("%s: %q is no human request", l.Code, s)
				}
			}
		}
	}
}
