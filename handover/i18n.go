package handover

import (
	"strings"
	"unicode"
)

// The handover notices in the languages the human-request detector knows.
// The engine answers in the visitor's language, guessed from their messages.
var translations = map[string]Texts{
	"de": {
		HumanButton:     "Chat mit einem Mitarbeiter anfordern",
		OfflineButton:   "Chatbot beenden und Nachricht hinterlassen",
		ContinueButton:  "Weiter mit dem Bot",
		Connecting:      "Ich leite Sie an einen Mitarbeiter weiter. Bitte bleiben Sie im Chat: Gleich ist jemand für Sie da.",
		NoAgent:         "Gerade ist kein Mitarbeiter erreichbar. Sie können uns eine Nachricht hinterlassen, wir melden uns bei Ihnen, oder weiter mit mir schreiben.",
		AskEmail:        "Bitte geben Sie Ihre E-Mail-Adresse ein, damit wir Ihnen antworten können.",
		OfflineReceived: "Danke! Ihre Nachricht ist an unser Team weitergeleitet. Wir antworten an %s, sobald ein Mitarbeiter verfügbar ist.",
		Continue:        "Gerne, ich bin weiter für Sie da. Wobei kann ich helfen?",
		Apology:         "Entschuldigung, darauf kann ich gerade nicht antworten.",
		AgentJoined:     "%s ist dem Chat beigetreten.",
	},
	"fr": {
		HumanButton:     "Discuter avec un conseiller",
		OfflineButton:   "Arrêter le chatbot et laisser un message",
		ContinueButton:  "Continuer avec le bot",
		Connecting:      "Je vous mets en relation avec un conseiller. Restez dans ce chat : quelqu'un va vous répondre sous peu.",
		NoAgent:         "Aucun conseiller n'est disponible pour le moment. Vous pouvez laisser un message et nous vous répondrons, ou continuer avec moi.",
		AskEmail:        "Veuillez saisir votre adresse e-mail pour que nous puissions vous répondre.",
		OfflineReceived: "Merci ! Votre message a été transmis à notre équipe. Nous répondrons à %s dès qu'un conseiller sera disponible.",
		Continue:        "Bien sûr, je suis toujours là. Que puis-je faire pour vous ?",
		Apology:         "Désolé, je ne peux pas répondre pour le moment.",
		AgentJoined:     "%s a rejoint la conversation.",
	},
	"es": {
		HumanButton:     "Hablar con un agente",
		OfflineButton:   "Detener el chatbot y dejar un mensaje",
		ContinueButton:  "Seguir con el bot",
		Connecting:      "Le paso con un agente. Por favor, permanezca en este chat: alguien le atenderá en breve.",
		NoAgent:         "Ahora mismo no hay ningún agente disponible. Puede dejarnos un mensaje y le responderemos, o seguir hablando conmigo.",
		AskEmail:        "Por favor, escriba su dirección de correo electrónico para que podamos responderle.",
		OfflineReceived: "¡Gracias! Hemos pasado su mensaje a nuestro equipo. Responderemos a %s en cuanto haya un agente disponible.",
		Continue:        "Claro, sigo aquí. ¿En qué más puedo ayudarle?",
		Apology:         "Lo siento, ahora mismo no puedo responder a eso.",
		AgentJoined:     "%s se ha unido al chat.",
	},
	"it": {
		HumanButton:     "Chatta con un operatore",
		OfflineButton:   "Ferma il chatbot e lascia un messaggio",
		ContinueButton:  "Continua con il bot",
		Connecting:      "La metto in contatto con un operatore. Resti in questa chat: qualcuno la raggiungerà a breve.",
		NoAgent:         "Al momento nessun operatore è disponibile. Può lasciarci un messaggio e le risponderemo, oppure continuare con me.",
		AskEmail:        "Inserisca il suo indirizzo e-mail, così potremo risponderle.",
		OfflineReceived: "Grazie! Il suo messaggio è stato inoltrato al nostro team. Risponderemo a %s appena un operatore sarà disponibile.",
		Continue:        "Certo, sono ancora qui. Come posso aiutarla?",
		Apology:         "Mi dispiace, al momento non posso rispondere.",
		AgentJoined:     "%s si è unito alla chat.",
	},
	"pt": {
		HumanButton:     "Falar com um atendente",
		OfflineButton:   "Parar o chatbot e deixar uma mensagem",
		ContinueButton:  "Continuar com o bot",
		Connecting:      "Vou transferi-lo para um atendente. Fique neste chat: alguém vai atendê-lo em breve.",
		NoAgent:         "Nenhum atendente está disponível agora. Pode deixar uma mensagem e responderemos, ou continuar a falar comigo.",
		AskEmail:        "Por favor, indique o seu endereço de e-mail para que possamos responder.",
		OfflineReceived: "Obrigado! A sua mensagem foi enviada à nossa equipa. Responderemos para %s assim que um atendente estiver disponível.",
		Continue:        "Claro, continuo aqui. Em que mais posso ajudar?",
		Apology:         "Desculpe, não consigo responder a isso agora.",
		AgentJoined:     "%s entrou no chat.",
	},
	"nl": {
		HumanButton:     "Chat met een medewerker",
		OfflineButton:   "Chatbot stoppen en een bericht achterlaten",
		ContinueButton:  "Verder met de bot",
		Connecting:      "Ik verbind u door met een medewerker. Blijf in deze chat: er komt zo iemand bij u.",
		NoAgent:         "Er is op dit moment geen medewerker beschikbaar. U kunt een bericht achterlaten, dan nemen wij contact op, of verder chatten met mij.",
		AskEmail:        "Vul uw e-mailadres in, zodat we u kunnen antwoorden.",
		OfflineReceived: "Bedankt! Uw bericht is doorgestuurd naar ons team. We antwoorden naar %s zodra er een medewerker beschikbaar is.",
		Continue:        "Natuurlijk, ik ben er nog. Waarmee kan ik u helpen?",
		Apology:         "Sorry, daar kan ik nu geen antwoord op geven.",
		AgentJoined:     "%s neemt deel aan de chat.",
	},
	"pl": {
		HumanButton:     "Rozmowa z konsultantem",
		OfflineButton:   "Zakończ chatbota i zostaw wiadomość",
		ContinueButton:  "Kontynuuj z botem",
		Connecting:      "Przekazuję rozmowę do konsultanta. Proszę pozostać na czacie: ktoś wkrótce się odezwie.",
		NoAgent:         "Obecnie żaden konsultant nie jest dostępny. Możesz zostawić wiadomość, a odpowiemy, albo dalej rozmawiać ze mną.",
		AskEmail:        "Podaj proszę swój adres e-mail, abyśmy mogli odpowiedzieć.",
		OfflineReceived: "Dziękujemy! Twoja wiadomość trafiła do naszego zespołu. Odpowiemy na %s, gdy tylko konsultant będzie dostępny.",
		Continue:        "Oczywiście, nadal tu jestem. W czym jeszcze mogę pomóc?",
		Apology:         "Przepraszam, nie mogę teraz na to odpowiedzieć.",
		AgentJoined:     "%s dołączył(a) do czatu.",
	},
	"cs": {
		HumanButton:     "Chat s operátorem",
		OfflineButton:   "Ukončit chatbota a zanechat zprávu",
		ContinueButton:  "Pokračovat s botem",
		Connecting:      "Předávám vás operátorovi. Zůstaňte prosím v chatu: brzy se vám někdo ozve.",
		NoAgent:         "Momentálně není k dispozici žádný operátor. Můžete nám zanechat zprávu a ozveme se, nebo pokračovat se mnou.",
		AskEmail:        "Zadejte prosím svou e-mailovou adresu, abychom vám mohli odpovědět.",
		OfflineReceived: "Děkujeme! Vaše zpráva byla předána našemu týmu. Odpovíme na %s, jakmile bude operátor k dispozici.",
		Continue:        "Jistě, jsem tu dál. S čím vám mohu pomoci?",
		Apology:         "Omlouvám se, na to teď nedokážu odpovědět.",
		AgentJoined:     "%s se připojil(a) k chatu.",
	},
	"sk": {
		HumanButton:     "Chat s operátorom",
		OfflineButton:   "Ukončiť chatbota a nechať správu",
		ContinueButton:  "Pokračovať s botom",
		Connecting:      "Odovzdávam vás operátorovi. Zostaňte prosím v chate: čoskoro sa vám niekto ozve.",
		NoAgent:         "Momentálne nie je dostupný žiadny operátor. Môžete nám nechať správu a ozveme sa, alebo pokračovať so mnou.",
		AskEmail:        "Zadajte prosím svoju e-mailovú adresu, aby sme vám mohli odpovedať.",
		OfflineReceived: "Ďakujeme! Vaša správa bola odovzdaná nášmu tímu. Odpovieme na %s, hneď ako bude operátor dostupný.",
		Continue:        "Samozrejme, som tu ďalej. S čím vám môžem pomôcť?",
		Apology:         "Prepáčte, na to teraz neviem odpovedať.",
		AgentJoined:     "%s sa pripojil(a) k chatu.",
	},
	"ru": {
		HumanButton:     "Чат с оператором",
		OfflineButton:   "Остановить чат-бота и оставить сообщение",
		ContinueButton:  "Продолжить с ботом",
		Connecting:      "Передаю вас оператору. Пожалуйста, оставайтесь в чате: скоро вам ответят.",
		NoAgent:         "Сейчас нет свободных операторов. Вы можете оставить сообщение, и мы ответим, или продолжить со мной.",
		AskEmail:        "Пожалуйста, укажите ваш адрес электронной почты, чтобы мы могли ответить.",
		OfflineReceived: "Спасибо! Ваше сообщение передано нашей команде. Мы ответим на %s, как только оператор освободится.",
		Continue:        "Конечно, я здесь. Чем ещё могу помочь?",
		Apology:         "Извините, сейчас я не могу на это ответить.",
		AgentJoined:     "%s присоединился(-ась) к чату.",
	},
}

// languageHints are frequent short words that tell the languages apart.
var languageHints = map[string][]string{
	"en": {"the", "is", "are", "you", "my", "i", "to", "and", "what", "how", "can", "do", "does", "with", "for", "hello", "hi", "please", "thanks", "want", "order"},
	"de": {"der", "die", "das", "ist", "ich", "und", "nicht", "mit", "wie", "ein", "eine", "bitte", "danke", "hallo", "meine", "mein", "können", "kann", "sie", "wann", "möchte"},
	"fr": {"le", "la", "les", "est", "je", "et", "vous", "pas", "avec", "une", "un", "bonjour", "merci", "mon", "ma", "comment", "pour", "quand", "peux", "voudrais"},
	"es": {"el", "la", "los", "es", "yo", "y", "usted", "no", "con", "una", "un", "hola", "gracias", "mi", "cómo", "para", "cuándo", "puedo", "quiero", "por", "qué"},
	"it": {"il", "lo", "la", "è", "io", "e", "non", "con", "una", "un", "ciao", "grazie", "mio", "mia", "come", "per", "quando", "posso", "vorrei", "che", "sono"},
	"pt": {"o", "a", "os", "é", "eu", "e", "você", "não", "com", "uma", "um", "olá", "obrigado", "obrigada", "meu", "minha", "como", "para", "quando", "posso", "quero"},
	"nl": {"de", "het", "een", "is", "ik", "en", "niet", "met", "hoe", "mijn", "hallo", "dank", "bedankt", "wanneer", "kan", "wil", "graag", "u", "jullie", "van"},
	"pl": {"jest", "nie", "i", "się", "jak", "mój", "moja", "dzień", "dobry", "dziękuję", "proszę", "kiedy", "mogę", "chcę", "czy", "co", "z", "na", "zamówienie"},
	"cs": {"je", "není", "a", "se", "jak", "můj", "moje", "dobrý", "den", "děkuji", "prosím", "kdy", "mohu", "chci", "co", "s", "na", "objednávka", "jsem"},
	"sk": {"je", "nie", "a", "sa", "ako", "môj", "moja", "dobrý", "deň", "ďakujem", "prosím", "kedy", "môžem", "chcem", "čo", "s", "na", "objednávka", "som"},
	"ru": {"и", "в", "не", "на", "я", "что", "как", "мой", "моя", "здравствуйте", "привет", "спасибо", "пожалуйста", "когда", "могу", "хочу", "с", "это", "заказ"},
}

// GuessLanguage returns the most likely language code (en, de, fr, es, it,
// pt, nl, pl, cs, sk, ru) of the texts, or "en" when nothing stands out.
func GuessLanguage(texts ...string) string {
	score := map[string]int{}
	for _, t := range texts {
		words := strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return !unicode.IsLetter(r) })
		for _, w := range words {
			for lang, hints := range languageHints {
				for _, h := range hints {
					if w == h {
						score[lang]++
					}
				}
			}
			// Letters only one or two of the languages use.
			for _, r := range w {
				switch {
				case strings.ContainsRune("äöüß", r):
					score["de"] += 2
				case strings.ContainsRune("ñ¿¡", r):
					score["es"] += 2
				case strings.ContainsRune("ãõ", r):
					score["pt"] += 2
				case strings.ContainsRune("ąęłńśźż", r):
					score["pl"] += 2
				case strings.ContainsRune("ěřůň", r):
					score["cs"] += 2
				case strings.ContainsRune("ľĺŕô", r):
					score["sk"] += 2
				case r >= 'а' && r <= 'я' || r == 'ё':
					score["ru"]++
				}
			}
		}
	}
	best, bestScore := "en", 0
	for _, lang := range []string{"en", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "sk", "ru"} {
		if score[lang] > bestScore {
			best, bestScore = lang, score[lang]
		}
	}
	return best
}

// textsFor returns the notices in the language of the visitor's messages.
func (e *Engine) textsFor(conv *Conversation) Texts {
	if !e.localize {
		return e.texts
	}
	var visitor []string
	for _, m := range conv.Messages {
		if m.Role == RoleVisitor && !m.Private {
			visitor = append(visitor, m.Text)
		}
	}
	if t, ok := translations[GuessLanguage(visitor...)]; ok {
		return t.withDefaults()
	}
	return e.texts
}
