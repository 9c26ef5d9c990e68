package handover

import (
	"slices"
	"strings"
	"unicode"
)

// Language is everything handover says and reads in one visitor language: the words that
// tell the language apart, the engine's notices, and what a visitor types to make a choice
// in a chat without buttons (Libredesk, LiveAgent). The core, the adapters and the bot's
// human-request detector all read this one table (Languages).
type Language struct {
	// Code is the ISO 639-1 code: en, de, fr, es, it, pt, nl, pl, cs, sk, ru.
	Code string
	// Name is the language's own name ("Deutsch"), for the agent's note.
	Name string
	// Note are the labels of the agent's note (HandoverNote, OfflineNote) when the admin
	// sets this language (HANDOVER_NOTE_LANGUAGE).
	Note NoteLabels
	// Hints are frequent short words that tell the languages apart (GuessLanguage).
	Hints []string
	// Texts are the notices and button titles (English: DefaultTexts).
	Texts Texts
	// Short are the button titles in at most 20 characters, for channels that cut longer
	// ones (Messenger cuts quick replies above 20).
	Short Choices
	// Keywords are the words a visitor types to make a choice in a chat without buttons.
	// The human keyword is one bot.IsHumanRequest also takes alone as a request for a
	// person, so it hands over even when typed unprompted.
	Keywords Choices
	// Synonyms are further words accepted for each choice (a plain yes or no to the offline
	// offer, the other names of a person).
	Synonyms Synonyms
	// Typed are the sentences that tell the visitor what to type.
	Typed Typed
	// Replies are the natural short answers to an offer or question of the bot (see
	// TypedChoice): a yes takes the offer, a no keeps chatting with the bot.
	Replies Replies
	// Frustrated are the words and phrases of a visitor fed up with the bot ("this is
	// useless", "stupid bot", swearing): the bot then offers a person at once.
	Frustrated []string
	// Unknown are the phrases of a bot answer that says it does not know ("I don't know"):
	// two such answers in a row offer a person at once.
	Unknown []string
	// CancelWait are the phrases of a visitor who no longer wants the person they are waiting
	// for ("never mind, the bot is fine"): the bot takes the chat back where the helpdesk
	// allows it (HandBacker). Only explicit ones: "no problem"/"doesn't matter" words ("pas
	// grave", "nevadí", "no importa") also answer "please wait", and a bare "cancel" is what a
	// visitor waiting to cancel an order types.
	CancelWait []string
}

// NoteLabels are the words of the agent's note in one language: the section labels and the
// few values the core writes itself. The summary and the reason stay as written.
type NoteLabels struct {
	Reason, Wants, Tried, Contact, Language, Mood, Transcript string
	// Answers is what the bot tried: the number of answers it gave (%d).
	Answers string
	// Unknown follows Answers when an answer said the bot did not know.
	Unknown string
	// None stands for no contact data.
	None string
	// Neutral and Frustrated are the moods.
	Neutral, Frustrated string
	// Message labels what the visitor wants the team to know, atop an offline note.
	Message string
}

// Replies are the short answers a visitor types to a yes/no offer. Matching is on whole short
// messages only (TypedChoice), never on words inside a longer one.
type Replies struct {
	// Yes takes the offer: a person on the human offer, the offline message on the offline
	// offer.
	Yes []string
	// Okay is an acknowledging yes ("ok"): it takes the offline offer, an explicit question,
	// but not the human offer that rides along with every answer, where it mostly means
	// "understood".
	Okay []string
	// No declines: keep chatting with the bot, or cancel the email step.
	No []string
	// Polite are the words a short answer may carry besides its yes or no ("please",
	// "thanks"): "no thanks", "ja bitte".
	Polite []string
}

// Choices holds one string for each choice a visitor makes.
type Choices struct {
	Human    string // ChoiceRequestHuman: talk to a person
	Offline  string // ChoiceOffline: leave an offline message
	Continue string // ChoiceContinue: keep chatting with the bot
}

// Of returns the string of a choice value (ChoiceRequestHuman, ChoiceOffline,
// ChoiceContinue), "" for another value.
func (c Choices) Of(value string) string {
	switch value {
	case ChoiceRequestHuman:
		return c.Human
	case ChoiceOffline:
		return c.Offline
	case ChoiceContinue:
		return c.Continue
	}
	return ""
}

// Synonyms holds the further words accepted for each choice.
type Synonyms struct {
	Human, Offline, Continue []string
}

// Typed are the sentences a chat without buttons shows under a prompt. {human}, {offline}
// and {continue} stand for the keywords.
type Typed struct {
	Human   string // under PromptHuman: type {human} to talk to a person
	Offline string // under PromptOffline: type {offline} to leave a message or {continue}
	Email   string // under PromptEmail, for a chat without an email form
}

// Instruction returns the sentence that says what to type for prompt p, the keywords filled
// in, or "" for a prompt without one.
func (l Language) Instruction(p Prompt) string {
	r := strings.NewReplacer("{human}", l.Keywords.Human, "{offline}", l.Keywords.Offline, "{continue}", l.Keywords.Continue)
	switch p {
	case PromptHuman:
		return r.Replace(l.Typed.Human)
	case PromptOffline:
		return r.Replace(l.Typed.Offline)
	case PromptEmail:
		return r.Replace(l.Typed.Email)
	}
	return ""
}

// Words returns what a visitor may type for the choice value: the keyword, then its
// synonyms.
func (l Language) Words(value string) []string {
	var syn []string
	switch value {
	case ChoiceRequestHuman:
		syn = l.Synonyms.Human
	case ChoiceOffline:
		syn = l.Synonyms.Offline
	case ChoiceContinue:
		syn = l.Synonyms.Continue
	}
	out := make([]string, 0, 1+len(syn))
	if k := l.Keywords.Of(value); k != "" {
		out = append(out, k)
	}
	return append(out, syn...)
}

// Languages returns the built-in languages, English first. The caller must not modify the
// Languages' slices.
func Languages() []Language { return slices.Clone(languages) }

// LanguageByCode returns the language with the code, or English and false.
func LanguageByCode(code string) (Language, bool) {
	for _, l := range languages {
		if l.Code == code {
			return l, true
		}
	}
	return languages[0], false
}

// languages is the table: one entry per language the human-request detector knows, English
// first.
var languages = []Language{
	{
		Code: "en",
		Name: "English",
		Note: NoteLabels{
			Reason: "Reason", Wants: "Visitor wants", Tried: "What the bot tried", Contact: "Contact data given",
			Language: "Language", Mood: "Mood", Transcript: "Transcript",
			Answers: "answers given: %d", Unknown: "it said it did not know", None: "none", Neutral: "neutral", Frustrated: "frustrated", Message: "Message",
		},
		Hints:    []string{"the", "is", "are", "you", "my", "i", "to", "and", "what", "how", "can", "do", "does", "with", "for", "hello", "hi", "please", "thanks", "want", "order"},
		Texts:    DefaultTexts(),
		Short:    Choices{Human: "Talk to a human", Offline: "Leave a message", Continue: "Keep chatting"},
		Keywords: Choices{Human: "agent", Offline: "message", Continue: "bot"},
		Synonyms: Synonyms{Human: []string{"human"}, Offline: []string{"yes", "y", "yes please", "ok", "okay", "sure"}, Continue: []string{"no", "n", "no thanks", "keep chatting", "stay with the bot", "continue", "continue chatting", "cancel"}},
		Typed: Typed{
			Human:   `If you'd like to chat with a person, just type "{human}".`,
			Offline: `Type "{offline}" to leave an offline message, or "{continue}" to keep chatting with me.`,
			Email:   `Just type your email address here in the chat, or "{continue}" to keep chatting with me.`,
		},
		Replies: Replies{
			Yes:    []string{"yes", "y", "yeah", "yep", "yup", "sure", "of course", "please do", "go ahead", "absolutely", "definitely"},
			Okay:   []string{"ok", "okay", "alright", "all right", "fine"},
			No:     []string{"no", "n", "nope", "nah", "not now", "not really", "no need"},
			Polite: []string{"please", "thanks", "thank you", "thx", "ty"},
		},
		Frustrated: []string{"useless", "you are useless", "you're not helping", "you are not helping", "this isn't helping", "not helpful", "stupid bot", "dumb bot", "waste of time", "ridiculous", "wtf", "fuck", "fucking", "shit", "damn it"},
		Unknown:    []string{"i don't know", "i do not know", "i'm not sure", "i couldn't find", "i could not find", "i don't have information", "i have no information"},
		CancelWait: []string{"never mind", "nevermind", "forget it", "the bot is fine", "bot is fine", "i'll stay with the bot", "stay with the bot", "back to the bot", "cancel the request", "no longer needed", "not needed anymore", "i don't need an agent anymore", "i don't need a human anymore", "i solved it", "i found it", "all sorted"},
	},
	{
		Code: "de",
		Name: "Deutsch",
		Note: NoteLabels{
			Reason: "Grund", Wants: "Anliegen", Tried: "Was der Bot versucht hat", Contact: "Angegebene Kontaktdaten",
			Language: "Sprache", Mood: "Stimmung", Transcript: "Verlauf",
			Answers: "gegebene Antworten: %d", Unknown: "er hat gesagt, dass er es nicht weiß", None: "keine", Neutral: "neutral", Frustrated: "frustriert", Message: "Nachricht",
		},
		Hints: []string{"der", "die", "das", "ist", "ich", "und", "nicht", "mit", "wie", "ein", "eine", "bitte", "danke", "hallo", "meine", "mein", "können", "kann", "sie", "wann", "möchte"},
		Texts: Texts{
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
			AskMessage:      "Was möchten Sie unserem Team mitteilen?",
			EmailAgain:      "Ich habe Ihre Nachricht notiert, brauche aber eine E-Mail-Adresse, um sie weiterzugeben.",
			WaitTimeout:     "Bisher konnte noch kein Mitarbeiter Ihren Chat übernehmen. Sie können uns eine Nachricht hinterlassen, wir antworten per E-Mail, oder weiter warten.",
			WaitButton:      "Weiter warten",
			KeepWaiting:     "In Ordnung, Sie bleiben in der Warteschlange: Ein Mitarbeiter meldet sich, sobald jemand frei ist.",
		},
		Replies: Replies{
			Yes:    []string{"ja", "jawohl", "gerne", "gern", "klar", "natürlich", "sicher", "auf jeden fall"},
			Okay:   []string{"ok", "okay", "in ordnung", "gut", "passt"},
			No:     []string{"nein", "nee", "nö", "jetzt nicht", "lieber nicht", "nicht nötig"},
			Polite: []string{"bitte", "danke", "danke schön", "vielen dank"},
		},
		Frustrated: []string{"nutzlos", "sinnlos", "bringt nichts", "hilfst mir nicht", "hilft mir nicht", "dummer bot", "blöder bot", "scheiße", "scheisse", "verdammt", "zeitverschwendung"},
		Unknown:    []string{"weiß ich leider nicht", "weiß ich nicht", "ich weiß nicht", "ich weiß es nicht"},
		CancelWait: []string{"vergessen sie es", "vergiss es", "der bot reicht", "bot reicht", "zurück zum bot", "nicht mehr nötig", "hat sich erledigt", "doch nicht"},
		Short:      Choices{Human: "Mitarbeiter anfragen", Offline: "Nachricht schreiben", Continue: "Weiter mit dem Bot"},
		Keywords:   Choices{Human: "Mitarbeiter", Offline: "Nachricht", Continue: "Bot"},
		Synonyms:   Synonyms{Human: []string{"Mensch"}, Offline: []string{"ja", "ja bitte", "gerne"}, Continue: []string{"nein", "nein danke", "weiter", "weiter chatten", "beim bot bleiben", "abbrechen"}},
		Typed: Typed{
			Human:   `Wenn Sie mit einem Menschen sprechen möchten, schreiben Sie einfach "{human}".`,
			Offline: `Schreiben Sie "{offline}", um eine Offline-Nachricht zu hinterlassen, oder "{continue}", um mit mir weiterzuschreiben.`,
			Email:   `Schreiben Sie Ihre E-Mail-Adresse einfach hier in den Chat, oder "{continue}", um mit mir weiterzuschreiben.`,
		},
	},
	{
		Code: "fr",
		Name: "Français",
		Note: NoteLabels{
			Reason: "Motif", Wants: "Demande du visiteur", Tried: "Ce que le bot a tenté", Contact: "Coordonnées fournies",
			Language: "Langue", Mood: "Humeur", Transcript: "Transcription",
			Answers: "réponses données : %d", Unknown: "il a dit ne pas savoir", None: "aucune", Neutral: "neutre", Frustrated: "frustré", Message: "Message",
		},
		Hints: []string{"le", "la", "les", "est", "je", "et", "vous", "pas", "avec", "une", "un", "bonjour", "merci", "mon", "ma", "comment", "pour", "quand", "peux", "voudrais"},
		Texts: Texts{
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
			AskMessage:      "Que souhaitez-vous transmettre à notre équipe ?",
			EmailAgain:      "J'ai bien noté votre message, mais il me faut une adresse e-mail pour le transmettre.",
			WaitTimeout:     "Aucun conseiller n'a encore pu prendre votre conversation. Vous pouvez laisser un message, nous vous répondrons par e-mail, ou continuer à patienter.",
			WaitButton:      "Continuer à patienter",
			KeepWaiting:     "D'accord, vous restez dans la file d'attente : un conseiller vous rejoindra dès qu'il sera disponible.",
		},
		Replies: Replies{
			Yes:    []string{"oui", "ouais", "bien sûr", "volontiers", "avec plaisir"},
			Okay:   []string{"d'accord", "ok", "okay", "ça marche"},
			No:     []string{"non", "pas maintenant", "pas besoin"},
			Polite: []string{"s'il vous plaît", "s'il vous plait", "svp", "merci", "merci beaucoup"},
		},
		Frustrated: []string{"inutile", "ça ne m'aide pas", "vous ne m'aidez pas", "tu ne m'aides pas", "ne sert à rien", "sers à rien", "bot stupide", "bot débile", "merde", "putain", "n'importe quoi"},
		Unknown:    []string{"je ne sais pas", "je ne connais pas"},
		CancelWait: []string{"laissez tomber", "laisse tomber", "le bot suffit", "plus besoin", "retour au bot", "finalement non"},
		Short:      Choices{Human: "Parler à quelqu'un", Offline: "Laisser un message", Continue: "Continuer le chat"},
		Keywords:   Choices{Human: "conseiller", Offline: "message", Continue: "bot"},
		Synonyms:   Synonyms{Human: []string{"humain"}, Offline: []string{"oui"}, Continue: []string{"non", "non merci", "continuer", "rester avec le bot", "annuler"}},
		Typed: Typed{
			Human:   `Pour parler à une personne, écrivez simplement "{human}".`,
			Offline: `Écrivez "{offline}" pour laisser un message hors ligne, ou "{continue}" pour continuer avec moi.`,
			Email:   `Écrivez simplement votre adresse e-mail ici, dans le chat, ou "{continue}" pour continuer avec moi.`,
		},
	},
	{
		Code: "es",
		Name: "Español",
		Note: NoteLabels{
			Reason: "Motivo", Wants: "El visitante quiere", Tried: "Lo que intentó el bot", Contact: "Datos de contacto",
			Language: "Idioma", Mood: "Estado de ánimo", Transcript: "Transcripción",
			Answers: "respuestas dadas: %d", Unknown: "dijo que no lo sabía", None: "ninguno", Neutral: "neutral", Frustrated: "frustrado", Message: "Mensaje",
		},
		Hints: []string{"el", "la", "los", "es", "yo", "y", "usted", "no", "con", "una", "un", "hola", "gracias", "mi", "cómo", "para", "cuándo", "puedo", "quiero", "por", "qué"},
		Texts: Texts{
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
			AskMessage:      "¿Qué le gustaría comunicar a nuestro equipo?",
			EmailAgain:      "He anotado su mensaje, pero necesito una dirección de correo electrónico para enviarlo.",
			WaitTimeout:     "Todavía ningún agente ha podido atender su chat. Puede dejar un mensaje y le responderemos por correo electrónico, o seguir esperando.",
			WaitButton:      "Seguir esperando",
			KeepWaiting:     "De acuerdo, sigue en la cola: un agente se unirá en cuanto quede uno libre.",
		},
		Replies: Replies{
			Yes:    []string{"sí", "si", "claro", "por supuesto", "dale"},
			Okay:   []string{"vale", "de acuerdo", "ok", "okay"},
			No:     []string{"no", "ahora no", "no hace falta"},
			Polite: []string{"por favor", "gracias", "muchas gracias"},
		},
		Frustrated: []string{"inútil", "no me ayudas", "no me estás ayudando", "no sirves para nada", "bot estúpido", "bot tonto", "mierda", "joder", "pérdida de tiempo"},
		Unknown:    []string{"no sé", "no lo sé"},
		CancelWait: []string{"olvídalo", "olvidalo", "el bot está bien", "ya no hace falta", "volver al bot", "déjalo"},
		Short:      Choices{Human: "Hablar con un agente", Offline: "Dejar un mensaje", Continue: "Seguir con el bot"},
		Keywords:   Choices{Human: "agente", Offline: "mensaje", Continue: "bot"},
		Synonyms:   Synonyms{Human: []string{"asesor", "operador"}, Offline: []string{"sí", "si"}, Continue: []string{"no", "no gracias", "seguir", "continuar", "seguir con el bot", "cancelar"}},
		Typed: Typed{
			Human:   `Si quiere hablar con una persona, escriba "{human}".`,
			Offline: `Escriba "{offline}" para dejar un mensaje, o "{continue}" para seguir hablando conmigo.`,
			Email:   `Escriba su dirección de correo electrónico aquí, en el chat, o "{continue}" para seguir hablando conmigo.`,
		},
	},
	{
		Code: "it",
		Name: "Italiano",
		Note: NoteLabels{
			Reason: "Motivo", Wants: "Il visitatore chiede", Tried: "Cosa ha provato il bot", Contact: "Dati di contatto",
			Language: "Lingua", Mood: "Umore", Transcript: "Trascrizione",
			Answers: "risposte date: %d", Unknown: "ha detto di non sapere", None: "nessuno", Neutral: "neutrale", Frustrated: "frustrato", Message: "Messaggio",
		},
		Hints: []string{"il", "lo", "la", "è", "io", "e", "non", "con", "una", "un", "ciao", "grazie", "mio", "mia", "come", "per", "quando", "posso", "vorrei", "che", "sono"},
		Texts: Texts{
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
			AskMessage:      "Cosa desidera comunicare al nostro team?",
			EmailAgain:      "Ho preso nota del suo messaggio, ma mi serve un indirizzo e-mail per inoltrarlo.",
			WaitTimeout:     "Nessun operatore ha ancora potuto prendere la sua chat. Può lasciare un messaggio e le risponderemo via e-mail, oppure continuare ad attendere.",
			WaitButton:      "Continuare ad attendere",
			KeepWaiting:     "Va bene, resta in coda: un operatore si unirà appena ce ne sarà uno libero.",
		},
		Replies: Replies{
			Yes:    []string{"sì", "si", "certo", "certamente", "volentieri"},
			Okay:   []string{"va bene", "d'accordo", "ok", "okay"},
			No:     []string{"no", "non ora", "adesso no", "non serve"},
			Polite: []string{"per favore", "grazie", "grazie mille"},
		},
		Frustrated: []string{"inutile", "non mi aiuti", "non mi stai aiutando", "non servi a niente", "bot stupido", "merda", "cazzo", "perdita di tempo"},
		Unknown:    []string{"non lo so", "non so", "non conosco"},
		CancelWait: []string{"lascia perdere", "lasci perdere", "va bene il bot", "non serve più", "torna al bot"},
		Short:      Choices{Human: "Parla con operatore", Offline: "Lascia un messaggio", Continue: "Continua con il bot"},
		Keywords:   Choices{Human: "operatore", Offline: "messaggio", Continue: "bot"},
		Synonyms:   Synonyms{Human: nil, Offline: []string{"sì", "si"}, Continue: []string{"no", "no grazie", "continua", "continuare", "annulla"}},
		Typed: Typed{
			Human:   `Se desidera parlare con una persona, scriva "{human}".`,
			Offline: `Scriva "{offline}" per lasciare un messaggio offline, oppure "{continue}" per continuare con me.`,
			Email:   `Scriva il suo indirizzo e-mail qui nella chat, oppure "{continue}" per continuare con me.`,
		},
	},
	{
		Code: "pt",
		Name: "Português",
		Note: NoteLabels{
			Reason: "Motivo", Wants: "O visitante quer", Tried: "O que o bot tentou", Contact: "Dados de contacto",
			Language: "Idioma", Mood: "Humor", Transcript: "Transcrição",
			Answers: "respostas dadas: %d", Unknown: "disse que não sabia", None: "nenhum", Neutral: "neutro", Frustrated: "frustrado", Message: "Mensagem",
		},
		Hints: []string{"o", "a", "os", "é", "eu", "e", "você", "não", "com", "uma", "um", "olá", "obrigado", "obrigada", "meu", "minha", "como", "para", "quando", "posso", "quero"},
		Texts: Texts{
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
			AskMessage:      "O que gostaria de transmitir à nossa equipa?",
			EmailAgain:      "Registei a sua mensagem, mas preciso de um endereço de e-mail para a encaminhar.",
			WaitTimeout:     "Ainda nenhum agente pôde atender o seu chat. Pode deixar uma mensagem e responderemos por e-mail, ou continuar a aguardar.",
			WaitButton:      "Continuar a aguardar",
			KeepWaiting:     "Muito bem, continua na fila: um agente juntar-se-á assim que houver um livre.",
		},
		Replies: Replies{
			Yes:    []string{"sim", "claro", "com certeza", "pode ser"},
			Okay:   []string{"ok", "okay", "tá bem", "está bem", "beleza"},
			No:     []string{"não", "nao", "agora não", "não precisa"},
			Polite: []string{"por favor", "obrigado", "obrigada"},
		},
		Frustrated: []string{"inútil", "não me ajuda", "não me ajudas", "não serves para nada", "bot burro", "bot estúpido", "merda", "porra", "perda de tempo"},
		Unknown:    []string{"não sei"},
		CancelWait: []string{"esquece", "deixa para lá", "deixa pra lá", "o bot serve", "já não é preciso", "voltar ao bot"},
		Short:      Choices{Human: "Falar com atendente", Offline: "Deixar mensagem", Continue: "Continuar com o bot"},
		Keywords:   Choices{Human: "atendente", Offline: "mensagem", Continue: "bot"},
		Synonyms:   Synonyms{Human: []string{"operador"}, Offline: []string{"sim"}, Continue: []string{"não", "nao", "continuar", "continuar com o bot"}},
		Typed: Typed{
			Human:   `Se quiser falar com uma pessoa, escreva "{human}".`,
			Offline: `Escreva "{offline}" para deixar uma mensagem offline, ou "{continue}" para continuar a falar comigo.`,
			Email:   `Escreva o seu endereço de e-mail aqui no chat, ou "{continue}" para continuar a falar comigo.`,
		},
	},
	{
		Code: "nl",
		Name: "Nederlands",
		Note: NoteLabels{
			Reason: "Reden", Wants: "Bezoeker wil", Tried: "Wat de bot probeerde", Contact: "Opgegeven contactgegevens",
			Language: "Taal", Mood: "Stemming", Transcript: "Transcript",
			Answers: "gegeven antwoorden: %d", Unknown: "hij zei het niet te weten", None: "geen", Neutral: "neutraal", Frustrated: "gefrustreerd", Message: "Bericht",
		},
		Hints: []string{"de", "het", "een", "is", "ik", "en", "niet", "met", "hoe", "mijn", "hallo", "dank", "bedankt", "wanneer", "kan", "wil", "graag", "u", "jullie", "van"},
		Texts: Texts{
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
			AskMessage:      "Wat wilt u ons team laten weten?",
			EmailAgain:      "Ik heb uw bericht genoteerd, maar ik heb een e-mailadres nodig om het door te geven.",
			WaitTimeout:     "Er kon nog geen medewerker uw chat aannemen. U kunt een bericht achterlaten, dan antwoorden we per e-mail, of blijven wachten.",
			WaitButton:      "Blijven wachten",
			KeepWaiting:     "Prima, u blijft in de wachtrij: een medewerker sluit aan zodra er een vrij is.",
		},
		Replies: Replies{
			Yes:    []string{"ja", "jazeker", "graag", "zeker", "natuurlijk"},
			Okay:   []string{"oké", "ok", "okay", "prima", "goed"},
			No:     []string{"nee", "neen", "nu niet", "liever niet", "niet nodig"},
			Polite: []string{"alstublieft", "alsjeblieft", "dank je", "dank u", "bedankt"},
		},
		Frustrated: []string{"nutteloos", "je helpt me niet", "je helpt niet", "stomme bot", "domme bot", "waardeloos", "verdomme", "tijdverspilling"},
		Unknown:    []string{"weet ik niet", "ik weet het niet"},
		CancelWait: []string{"laat maar", "laat maar zitten", "de bot is prima", "niet meer nodig", "terug naar de bot", "hoeft niet meer"},
		Short:      Choices{Human: "Chat met medewerker", Offline: "Bericht achterlaten", Continue: "Verder met de bot"},
		Keywords:   Choices{Human: "medewerker", Offline: "bericht", Continue: "bot"},
		Synonyms:   Synonyms{Human: nil, Offline: []string{"ja"}, Continue: []string{"nee", "nee dank je", "verder", "doorgaan", "annuleren"}},
		Typed: Typed{
			Human:   `Wilt u met een mens chatten? Typ dan "{human}".`,
			Offline: `Typ "{offline}" om een offline bericht achter te laten, of "{continue}" om met mij verder te chatten.`,
			Email:   `Typ uw e-mailadres hier in de chat, of "{continue}" om met mij verder te chatten.`,
		},
	},
	{
		Code: "pl",
		Name: "Polski",
		Note: NoteLabels{
			Reason: "Powód", Wants: "Odwiedzający chce", Tried: "Co próbował bot", Contact: "Podane dane kontaktowe",
			Language: "Język", Mood: "Nastrój", Transcript: "Zapis rozmowy",
			Answers: "udzielone odpowiedzi: %d", Unknown: "powiedział, że nie wie", None: "brak", Neutral: "neutralny", Frustrated: "sfrustrowany", Message: "Wiadomość",
		},
		Hints: []string{"jest", "nie", "i", "się", "jak", "mój", "moja", "dzień", "dobry", "dziękuję", "proszę", "kiedy", "mogę", "chcę", "czy", "co", "z", "na", "zamówienie"},
		Texts: Texts{
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
			AskMessage:      "Co chcesz przekazać naszemu zespołowi?",
			EmailAgain:      "Zanotowałem Twoją wiadomość, ale potrzebuję adresu e-mail, aby ją przekazać.",
			WaitTimeout:     "Żaden konsultant nie mógł jeszcze przejąć Twojego czatu. Możesz zostawić wiadomość, a odpowiemy e-mailem, albo dalej czekać.",
			WaitButton:      "Czekam dalej",
			KeepWaiting:     "Dobrze, zostajesz w kolejce: konsultant dołączy, gdy tylko będzie wolny.",
		},
		Replies: Replies{
			Yes:    []string{"tak", "jasne", "oczywiście", "pewnie", "chętnie"},
			Okay:   []string{"ok", "okej", "dobrze", "dobra"},
			No:     []string{"nie", "nie teraz", "nie trzeba"},
			Polite: []string{"proszę", "dziękuję", "dzięki"},
		},
		Frustrated: []string{"bezużyteczny", "bez sensu", "nie pomagasz", "głupi bot", "kurwa", "cholera", "strata czasu"},
		Unknown:    []string{"nie wiem", "nie znam"},
		CancelWait: []string{"zapomnij", "bot wystarczy", "już nie trzeba", "wróć do bota"},
		Short:      Choices{Human: "Czat z konsultantem", Offline: "Zostaw wiadomość", Continue: "Kontynuuj z botem"},
		Keywords:   Choices{Human: "konsultant", Offline: "wiadomość", Continue: "bot"},
		Synonyms:   Synonyms{Human: []string{"operator"}, Offline: []string{"tak"}, Continue: []string{"nie", "kontynuuj", "dalej", "anuluj"}},
		Typed: Typed{
			Human:   `Jeśli chcesz porozmawiać z człowiekiem, napisz "{human}".`,
			Offline: `Napisz "{offline}", aby zostawić wiadomość offline, lub "{continue}", aby dalej rozmawiać ze mną.`,
			Email:   `Wpisz swój adres e-mail tutaj, w czacie, lub "{continue}", aby dalej rozmawiać ze mną.`,
		},
	},
	{
		Code: "cs",
		Name: "Čeština",
		Note: NoteLabels{
			Reason: "Důvod", Wants: "Návštěvník chce", Tried: "Co bot zkusil", Contact: "Zadané kontaktní údaje",
			Language: "Jazyk", Mood: "Nálada", Transcript: "Přepis",
			Answers: "dané odpovědi: %d", Unknown: "řekl, že neví", None: "žádné", Neutral: "neutrální", Frustrated: "frustrovaný", Message: "Zpráva",
		},
		Hints: []string{"je", "není", "a", "se", "jak", "můj", "moje", "dobrý", "den", "děkuji", "prosím", "kdy", "mohu", "chci", "co", "s", "na", "objednávka", "jsem"},
		Texts: Texts{
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
			AskMessage:      "Co byste chtěli vzkázat našemu týmu?",
			EmailAgain:      "Vaši zprávu jsem si poznamenal, ale k jejímu předání potřebuji e-mailovou adresu.",
			WaitTimeout:     "Zatím vás nemohl převzít žádný pracovník. Můžete nám zanechat zprávu a odpovíme e-mailem, nebo dál čekat.",
			WaitButton:      "Čekat dál",
			KeepWaiting:     "Dobře, zůstáváte ve frontě: pracovník se připojí, jakmile bude volný.",
		},
		Replies: Replies{
			Yes:    []string{"ano", "jo", "jasně", "určitě", "samozřejmě"},
			Okay:   []string{"ok", "dobře", "dobrá"},
			No:     []string{"ne", "teď ne", "nechci"},
			Polite: []string{"prosím", "děkuji", "díky"},
		},
		Frustrated: []string{"k ničemu", "nepomáháš", "hloupý bot", "blbý bot", "zbytečný", "kurva", "sakra", "ztráta času"},
		Unknown:    []string{"nevím", "neznám"},
		CancelWait: []string{"zapomeňte na to", "bot stačí", "už není potřeba", "zpět k botovi"},
		Short:      Choices{Human: "Chat s operátorem", Offline: "Zanechat zprávu", Continue: "Pokračovat s botem"},
		Keywords:   Choices{Human: "operátor", Offline: "zpráva", Continue: "bot"},
		Synonyms:   Synonyms{Human: []string{"operator"}, Offline: []string{"ano"}, Continue: []string{"ne", "pokračovat", "pokračuj", "zrušit"}},
		Typed: Typed{
			Human:   `Pokud chcete mluvit s člověkem, napište "{human}".`,
			Offline: `Napište "{offline}" pro zanechání offline zprávy, nebo "{continue}" pro pokračování se mnou.`,
			Email:   `Napište svou e-mailovou adresu sem do chatu, nebo "{continue}" pro pokračování se mnou.`,
		},
	},
	{
		Code: "sk",
		Name: "Slovenčina",
		Note: NoteLabels{
			Reason: "Dôvod", Wants: "Návštevník chce", Tried: "Čo bot skúsil", Contact: "Zadané kontaktné údaje",
			Language: "Jazyk", Mood: "Nálada", Transcript: "Prepis",
			Answers: "dané odpovede: %d", Unknown: "povedal, že nevie", None: "žiadne", Neutral: "neutrálna", Frustrated: "frustrovaný", Message: "Správa",
		},
		Hints: []string{"je", "nie", "a", "sa", "ako", "môj", "moja", "dobrý", "deň", "ďakujem", "prosím", "kedy", "môžem", "chcem", "čo", "s", "na", "objednávka", "som"},
		Texts: Texts{
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
			AskMessage:      "Čo by ste chceli odkázať nášmu tímu?",
			EmailAgain:      "Vašu správu som si poznačil, ale na jej odovzdanie potrebujem e-mailovú adresu.",
			WaitTimeout:     "Zatiaľ vás nemohol prevziať žiadny pracovník. Môžete nám nechať správu a odpovieme e-mailom, alebo ďalej čakať.",
			WaitButton:      "Čakať ďalej",
			KeepWaiting:     "Dobre, zostávate v poradí: pracovník sa pripojí, hneď ako bude voľný.",
		},
		Replies: Replies{
			Yes:    []string{"áno", "ano", "jasné", "určite", "samozrejme"},
			Okay:   []string{"ok", "dobre"},
			No:     []string{"nie", "teraz nie", "nechcem"},
			Polite: []string{"prosím", "ďakujem", "vďaka"},
		},
		Frustrated: []string{"nanič", "k ničomu", "nepomáhaš", "hlúpy bot", "zbytočný", "do riti", "strata času"},
		Unknown:    []string{"neviem", "nepoznám"},
		CancelWait: []string{"zabudnite na to", "bot stačí", "už netreba", "späť k botovi"},
		Short:      Choices{Human: "Chat s operátorom", Offline: "Nechať správu", Continue: "Pokračovať s botom"},
		Keywords:   Choices{Human: "operátor", Offline: "správa", Continue: "bot"},
		Synonyms:   Synonyms{Human: []string{"operator"}, Offline: []string{"áno", "ano"}, Continue: []string{"nie", "pokračovať", "pokračuj", "zrušiť"}},
		Typed: Typed{
			Human:   `Ak chcete hovoriť s človekom, napíšte "{human}".`,
			Offline: `Napíšte "{offline}" a zanecháte offline správu, alebo "{continue}" a budeme pokračovať.`,
			Email:   `Napíšte svoju e-mailovú adresu sem do chatu, alebo "{continue}" a budeme pokračovať.`,
		},
	},
	{
		Code: "ru",
		Name: "Русский",
		Note: NoteLabels{
			Reason: "Причина", Wants: "Посетитель хочет", Tried: "Что пробовал бот", Contact: "Указанные контакты",
			Language: "Язык", Mood: "Настроение", Transcript: "Переписка",
			Answers: "ответов дано: %d", Unknown: "он сказал, что не знает", None: "нет", Neutral: "нейтральное", Frustrated: "раздражён", Message: "Сообщение",
		},
		Hints: []string{"и", "в", "не", "на", "я", "что", "как", "мой", "моя", "здравствуйте", "привет", "спасибо", "пожалуйста", "когда", "могу", "хочу", "с", "это", "заказ"},
		Texts: Texts{
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
			AskMessage:      "Что вы хотите передать нашей команде?",
			EmailAgain:      "Я записал ваше сообщение, но чтобы передать его, мне нужен адрес электронной почты.",
			WaitTimeout:     "Пока ни один сотрудник не смог принять ваш чат. Вы можете оставить сообщение, и мы ответим по электронной почте, или подождать ещё.",
			WaitButton:      "Подождать ещё",
			KeepWaiting:     "Хорошо, вы остаётесь в очереди: сотрудник подключится, как только освободится.",
		},
		Replies: Replies{
			Yes:    []string{"да", "конечно", "ага", "давайте", "давай"},
			Okay:   []string{"ок", "хорошо", "ладно"},
			No:     []string{"нет", "не надо", "не сейчас", "нет спасибо"},
			Polite: []string{"пожалуйста", "спасибо"},
		},
		Frustrated: []string{"бесполезно", "бесполезный", "не помогаешь", "тупой бот", "глупый бот", "бред", "блин", "хрень"},
		Unknown:    []string{"не знаю"},
		CancelWait: []string{"забудьте", "бот подойдёт", "уже не нужно", "вернуться к боту"},
		Short:      Choices{Human: "Чат с оператором", Offline: "Оставить сообщение", Continue: "Продолжить с ботом"},
		Keywords:   Choices{Human: "оператор", Offline: "сообщение", Continue: "бот"},
		Synonyms:   Synonyms{Human: nil, Offline: []string{"да"}, Continue: []string{"нет", "продолжить", "продолжим", "отмена"}},
		Typed: Typed{
			Human:   `Если хотите поговорить с человеком, напишите "{human}".`,
			Offline: `Напишите "{offline}", чтобы оставить сообщение, или "{continue}", чтобы продолжить со мной.`,
			Email:   `Просто напишите свой адрес электронной почты здесь, в чате, или "{continue}", чтобы продолжить со мной.`,
		},
	},
}

// GuessLanguage returns the most likely language code (en, de, fr, es, it,
// pt, nl, pl, cs, sk, ru) of the texts, or "en" when nothing stands out.
func GuessLanguage(texts ...string) string {
	score := map[string]int{}
	for _, t := range texts {
		words := strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return !unicode.IsLetter(r) })
		for _, w := range words {
			for _, code := range hintLanguages[w] {
				score[code]++
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
	for _, l := range languages {
		if score[l.Code] > bestScore {
			best, bestScore = l.Code, score[l.Code]
		}
	}
	return best
}

// hintLanguages maps each hint word to the codes of the languages that list it, once per
// listing (GuessLanguage).
var hintLanguages = func() map[string][]string {
	m := map[string][]string{}
	for _, l := range languages {
		for _, h := range l.Hints {
			m[h] = append(m[h], l.Code)
		}
	}
	return m
}()

// VisitorLanguage returns the language of the visitor's public messages (GuessLanguage),
// English when there are none or nothing stands out. Adapters that add their own lines use
// it, so those lines and the engine's notices are in one language.
func VisitorLanguage(conv *Conversation) Language {
	l, _ := LanguageByCode(GuessLanguage(visitorTexts(conv)...))
	return l
}

// visitorLanguageCode returns the code of the visitor's language (VisitorLanguage), "" when
// the visitor wrote nothing public.
func visitorLanguageCode(conv *Conversation) string {
	texts := visitorTexts(conv)
	if len(texts) == 0 {
		return ""
	}
	return GuessLanguage(texts...)
}

// visitorTexts returns the visitor's public messages, oldest first.
func visitorTexts(conv *Conversation) []string {
	if conv == nil {
		return nil
	}
	var out []string
	for _, m := range conv.Messages {
		if m.Role == RoleVisitor && !m.Private {
			out = append(out, m.Text)
		}
	}
	return out
}

// textsFor returns the notices in the language of the visitor's messages; in English, the
// engine's configured texts.
func (e *Engine) textsFor(conv *Conversation) Texts {
	if !e.localize {
		return e.texts
	}
	return e.textsIn(visitorLanguageCode(conv))
}

// textsIn returns the notices in the language of the code (visitorLanguageCode); for
// English, "" or when the engine's texts are configured, the engine's texts.
func (e *Engine) textsIn(code string) Texts {
	if !e.localize {
		return e.texts
	}
	if l, ok := LanguageByCode(code); ok && l.Code != "en" {
		return l.Texts.withDefaults()
	}
	return e.texts
}
