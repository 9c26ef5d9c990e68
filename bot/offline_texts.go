package bot

import (
	"fmt"
	"strings"
	"sync"

	"github.com/handover-dev/handover/handover"
)

// offlineTexts are the offline model's own sentences in one visitor
// language. The model picks them by the core's language of the visitor
// (handover.VisitorLanguage), the one the engine's notices and buttons
// follow, so an answer and the button under it speak the same language.
// The button title and the typed keyword they name come from the core's
// table (handover.Language), never from here.
type offlineTexts struct {
	// Greeting answers a greeting; %s is the bot's name.
	Greeting string
	// Topics lists the knowledge base's topics; %s is the list.
	Topics string
	// And joins the last two topics.
	And string
	// HintTool offers a person when the visitor may ask for one in the
	// chat; %s is the core's human keyword (handover.Language.Keywords).
	HintTool string
	// HintButton offers a person through the button; %s is its title.
	HintButton string
	// DontKnow says plainly that the bot does not know.
	DontKnow string
	// CantTransfer answers a request for a person the bot may not hand
	// over itself; %s is the button's title.
	CantTransfer string
	// About quotes a passage in the visitor's language: %[1]s is its
	// section, %[2]s its first sentences.
	About string
	// Untranslated quotes a passage in another language than the
	// visitor's, saying so.
	Untranslated string
}

// offlineLanguages holds the offline model's sentences for each language of
// the core (handover.Languages); TestOfflineTextsCoverEveryLanguage checks
// that none is missing.
var offlineLanguages = map[string]offlineTexts{
	"en": {
		Greeting:     "Hello! %s here. How can I help you?",
		Topics:       "I can answer questions about %s.",
		And:          " and ",
		HintTool:     `A human agent from our team can help you: just type "%s".`,
		HintButton:   `A human agent from our team can help you: use the "%s" button when it appears.`,
		DontKnow:     "I'm sorry, I don't know the answer to that.",
		CantTransfer: `I can't transfer the chat myself. To talk to a human agent, use the "%s" button when it appears.`,
		About:        `About "%s": %s`,
		Untranslated: `From our help page "%s" (not translated): %s`,
	},
	"de": {
		Greeting:     "Hallo! Hier ist %s. Wie kann ich Ihnen helfen?",
		Topics:       "Ich beantworte Fragen zu diesen Themen: %s.",
		And:          " und ",
		HintTool:     "Ein Mitarbeiter unseres Teams kann Ihnen helfen: Schreiben Sie einfach „%s“.",
		HintButton:   "Ein Mitarbeiter unseres Teams kann Ihnen helfen: Nutzen Sie dafür die Schaltfläche „%s“, sobald sie erscheint.",
		DontKnow:     "Das weiß ich leider nicht.",
		CantTransfer: "Ich kann den Chat nicht selbst weiterleiten. Um mit einem Mitarbeiter zu sprechen, nutzen Sie die Schaltfläche „%s“, sobald sie erscheint.",
		About:        "Zu „%s“: %s",
		Untranslated: "Dazu steht auf unserer Hilfeseite „%s“ (nicht übersetzt): %s",
	},
	"fr": {
		Greeting:     "Bonjour ! Ici %s. Comment puis-je vous aider ?",
		Topics:       "Je peux répondre à vos questions sur ces sujets : %s.",
		And:          " et ",
		HintTool:     "Un conseiller de notre équipe peut vous aider : écrivez simplement « %s ».",
		HintButton:   "Un conseiller de notre équipe peut vous aider : utilisez le bouton « %s » dès qu'il apparaît.",
		DontKnow:     "Désolé, je ne connais pas la réponse à cette question.",
		CantTransfer: "Je ne peux pas transférer la conversation moi-même. Pour parler à un conseiller, utilisez le bouton « %s » dès qu'il apparaît.",
		About:        "À propos de « %s » : %s",
		Untranslated: "Voici ce que dit notre page d'aide « %s » (non traduite) : %s",
	},
	"es": {
		Greeting:     "¡Hola! Soy %s. ¿En qué puedo ayudarle?",
		Topics:       "Puedo responder preguntas sobre estos temas: %s.",
		And:          " y ",
		HintTool:     `Un agente de nuestro equipo puede ayudarle: escriba simplemente "%s".`,
		HintButton:   `Un agente de nuestro equipo puede ayudarle: use el botón "%s" cuando aparezca.`,
		DontKnow:     "Lo siento, no sé la respuesta a eso.",
		CantTransfer: `No puedo transferir el chat yo mismo. Para hablar con un agente, use el botón "%s" cuando aparezca.`,
		About:        `Sobre "%s": %s`,
		Untranslated: `Esto dice nuestra página de ayuda "%s" (sin traducir): %s`,
	},
	"it": {
		Greeting:     "Salve! Sono %s. Come posso aiutarla?",
		Topics:       "Posso rispondere a domande su questi argomenti: %s.",
		And:          " e ",
		HintTool:     `Un operatore del nostro team può aiutarla: scriva semplicemente "%s".`,
		HintButton:   `Un operatore del nostro team può aiutarla: usi il pulsante "%s" quando compare.`,
		DontKnow:     "Mi dispiace, non conosco la risposta.",
		CantTransfer: `Non posso trasferire la chat da solo. Per parlare con un operatore, usi il pulsante "%s" quando compare.`,
		About:        `Riguardo a "%s": %s`,
		Untranslated: `Ecco cosa dice la nostra pagina di aiuto "%s" (non tradotta): %s`,
	},
	"pt": {
		Greeting:     "Olá! Sou %s. Como posso ajudar?",
		Topics:       "Posso responder a perguntas sobre estes temas: %s.",
		And:          " e ",
		HintTool:     `Um atendente da nossa equipa pode ajudar: escreva simplesmente "%s".`,
		HintButton:   `Um atendente da nossa equipa pode ajudar: use o botão "%s" quando aparecer.`,
		DontKnow:     "Desculpe, não sei a resposta a isso.",
		CantTransfer: `Não consigo transferir o chat sozinho. Para falar com um atendente, use o botão "%s" quando aparecer.`,
		About:        `Sobre "%s": %s`,
		Untranslated: `Eis o que diz a nossa página de ajuda "%s" (sem tradução): %s`,
	},
	"nl": {
		Greeting:     "Hallo! U spreekt met %s. Waarmee kan ik u helpen?",
		Topics:       "Ik kan vragen beantwoorden over deze onderwerpen: %s.",
		And:          " en ",
		HintTool:     `Een medewerker van ons team kan u helpen: typ gewoon "%s".`,
		HintButton:   `Een medewerker van ons team kan u helpen: gebruik de knop "%s" zodra die verschijnt.`,
		DontKnow:     "Sorry, het antwoord daarop weet ik niet.",
		CantTransfer: `Ik kan de chat niet zelf doorverbinden. Gebruik de knop "%s" zodra die verschijnt om met een medewerker te praten.`,
		About:        `Over "%s": %s`,
		Untranslated: `Dit staat op onze hulppagina "%s" (niet vertaald): %s`,
	},
	"pl": {
		Greeting:     "Dzień dobry! Tu %s. W czym mogę pomóc?",
		Topics:       "Mogę odpowiedzieć na pytania na te tematy: %s.",
		And:          " i ",
		HintTool:     "Konsultant z naszego zespołu może Ci pomóc: po prostu napisz „%s”.",
		HintButton:   "Konsultant z naszego zespołu może Ci pomóc: użyj przycisku „%s”, gdy się pojawi.",
		DontKnow:     "Przepraszam, nie znam odpowiedzi na to pytanie.",
		CantTransfer: "Nie mogę sam przekazać rozmowy. Aby porozmawiać z konsultantem, użyj przycisku „%s”, gdy się pojawi.",
		About:        "Temat „%s”: %s",
		Untranslated: "Tak mówi nasza strona pomocy „%s” (bez tłumaczenia): %s",
	},
	"cs": {
		Greeting:     "Dobrý den! Tady %s. Jak vám mohu pomoci?",
		Topics:       "Mohu odpovědět na otázky k těmto tématům: %s.",
		And:          " a ",
		HintTool:     "Operátor z našeho týmu vám může pomoci: stačí napsat „%s“.",
		HintButton:   "Operátor z našeho týmu vám může pomoci: použijte tlačítko „%s“, jakmile se objeví.",
		DontKnow:     "Omlouvám se, odpověď na tuto otázku neznám.",
		CantTransfer: "Chat nemohu předat sám. Chcete-li mluvit s operátorem, použijte tlačítko „%s“, jakmile se objeví.",
		About:        "K tématu „%s“: %s",
		Untranslated: "Naše stránka nápovědy „%s“ (bez překladu) uvádí: %s",
	},
	"sk": {
		Greeting:     "Dobrý deň! Tu %s. Ako vám môžem pomôcť?",
		Topics:       "Môžem odpovedať na otázky k týmto témam: %s.",
		And:          " a ",
		HintTool:     "Operátor z nášho tímu vám môže pomôcť: stačí napísať „%s“.",
		HintButton:   "Operátor z nášho tímu vám môže pomôcť: použite tlačidlo „%s“, hneď ako sa zobrazí.",
		DontKnow:     "Prepáčte, odpoveď na túto otázku nepoznám.",
		CantTransfer: "Chat nemôžem odovzdať sám. Ak chcete hovoriť s operátorom, použite tlačidlo „%s“, hneď ako sa zobrazí.",
		About:        "K téme „%s“: %s",
		Untranslated: "Naša stránka pomoci „%s“ (bez prekladu) uvádza: %s",
	},
	"ru": {
		Greeting:     "Здравствуйте! Это %s. Чем могу помочь?",
		Topics:       "Я могу ответить на вопросы по этим темам: %s.",
		And:          " и ",
		HintTool:     "Вам может помочь оператор нашей команды: просто напишите «%s».",
		HintButton:   "Вам может помочь оператор нашей команды: нажмите кнопку «%s», когда она появится.",
		DontKnow:     "К сожалению, я не знаю ответа на этот вопрос.",
		CantTransfer: "Я не могу сам передать чат. Чтобы поговорить с оператором, нажмите кнопку «%s», когда она появится.",
		About:        "По теме «%s»: %s",
		Untranslated: "Вот что говорится на нашей странице помощи «%s» (без перевода): %s",
	},
}

// offlineLang is one visitor language as the offline model speaks it: the
// core's language and the model's sentences.
type offlineLang struct {
	core handover.Language
	tx   offlineTexts
}

// offlineLanguage returns the offline model's language for a code of the
// core; English for an unknown code.
func offlineLanguage(code string) offlineLang {
	l, _ := handover.LanguageByCode(code)
	tx, ok := offlineLanguages[l.Code]
	if !ok {
		l, _ = handover.LanguageByCode("en")
		tx = offlineLanguages["en"]
	}
	return offlineLang{core: l, tx: tx}
}

// humanHint offers a person: by the keyword when the visitor may ask in the
// chat, else by the button.
func (l offlineLang) humanHint(toolOffered bool) string {
	if toolOffered {
		return fmt.Sprintf(l.tx.HintTool, l.core.Keywords.Human)
	}
	return fmt.Sprintf(l.tx.HintButton, l.core.Texts.HumanButton)
}

// offlineHints returns every language's hints as the offline model writes
// them, so a summary can take them off the bot's answers.
var offlineHints = sync.OnceValue(func() []string {
	var out []string
	for _, l := range handover.Languages() {
		ol := offlineLanguage(l.Code)
		out = append(out, ol.humanHint(true), ol.humanHint(false))
	}
	return out
})

// isDontKnow reports whether a bot answer is the offline model saying it
// does not know, in any language.
func isDontKnow(text string) bool {
	t := strings.TrimSpace(text)
	for _, tx := range offlineLanguages {
		if strings.HasPrefix(t, tx.DontKnow) {
			return true
		}
	}
	return false
}
