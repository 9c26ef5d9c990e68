package bot

import (
	"regexp"
	"strings"

	"github.com/handover-dev/handover/handover"
)

// IsHumanRequest reports whether text is the visitor asking to talk to a
// human (an agent, an operator, a real person). It is a deterministic safety
// net next to the model's request_human_agent tool, so a weak model never
// traps a visitor. It knows phrases in English, German, French, Spanish,
// Italian, Portuguese, Dutch, Polish, Czech, Slovak and Russian, ignores case
// and diacritics, and does not fire on questions about agents ("are your
// agents available on weekends?", "is this a human?") or on negated requests
// ("I don't want to talk to a person").
func IsHumanRequest(text string) bool {
	ws := words(text)
	if len(ws) == 0 {
		return false
	}
	s := strings.Join(ws, " ")
	if humanOnlyRE.MatchString(s) {
		return true
	}
	for _, re := range humanRequestREs {
		for _, loc := range re.FindAllStringIndex(s, -1) {
			start := loc[0]
			if start > 0 {
				start++ // the match begins with the space before its first word
			}
			if !negated(ws, strings.Count(s[:start], " ")) {
				return true
			}
		}
	}
	return false
}

// negated reports whether one of the three words before word index i negates
// what follows ("don't want to talk to...", "ich will nicht mit...").
func negated(ws []string, i int) bool {
	// A match starts after a space; i counts the words before it.
	for j := max(0, i-3); j < i; j++ {
		if !negations[ws[j]] {
			continue
		}
		// "don't", "didn't": the apostrophe split the word; "can't" is no negation of the wish.
		if ws[j] == "t" && (j == 0 || !tNegations[ws[j-1]]) {
			continue
		}
		// Russian politeness: "не могли бы вы соединить меня с оператором".
		if ws[j] == "не" && j+1 < len(ws) && (ws[j+1] == "могли" || ws[j+1] == "можете" || ws[j+1] == "могла" || ws[j+1] == "мог") {
			continue
		}
		return true
	}
	return false
}

var tNegations = map[string]bool{"don": true, "doesn": true, "didn": true, "won": true, "wouldn": true}

var negations = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`not dont t never no nothing
		nicht nie kein keinen keine niemals
		ne pas jamais
		nunca nao
		non mai
		niet geen nooit
		nigdy
		nechci nechcem nechceme nechcu nikdy
		не нет никогда`) {
		m[fold(w)] = true
	}
	return m
}()

// Pattern building blocks. Text is folded and reduced to words separated by
// single spaces before matching, so patterns use plain spaces and folded
// spellings.
// An underscore joins the words of a multi-word alternative ("de_verdade").
func alt(ws string) string {
	return "(?:" + strings.ReplaceAll(strings.Join(strings.Fields(ws), "|"), "_", " ") + ")"
}

// opt makes a space-terminated optional group of alternatives.
func opt(ws string) string { return "(?:" + alt(ws) + " )?" }

// upTo allows up to n arbitrary words.
func upTo(n int) string { return "(?:[^ ]+ ){0," + string(rune('0'+n)) + "}" }

// bounded anchors a pattern at word boundaries (spaces or the ends).
func bounded(p string) *regexp.Regexp {
	return regexp.MustCompile("(?:^| )" + fold(p) + "(?: |$)")
}

var (
	enPerson = alt(`human humans person people agent agents operator operators representative rep someone somebody
		staff employee advisor adviser consultant supporter`)
	enQual = opt(`real live actual human proper`)
	enDet  = opt(`a an the some your one_of_your`)
	// enAgent leaves out "someone": "I need someone to fix it" is no request for an agent.
	enAgent = alt(`human humans person agent agents operator operators representative rep employee advisor adviser consultant`)

	dePerson = alt(`mitarbeiter mitarbeiterin mitarbeitern menschen mensch person berater beraterin agenten agent operator
		kundenberater kundenberaterin kundendienst support ansprechpartner ansprechpartnerin jemandem jemand kollegen kollegin servicemitarbeiter`)
	deDet  = opt(`einem einer einen eine dem der den ihrem ihrer ihren ihre echten echter echtem richtigen richtigem menschlichen menschlichem`)
	deQual = opt(`echten echter echtem richtigen richtigem menschlichen menschlichem realen lebenden`)

	frPerson = alt(`conseiller conseillere conseillers agent agents operateur operatrice humain humains personne etre interlocuteur
		interlocutrice quelqu responsable technicien technicienne employe employee vendeur vendeuse service support`)
	frDet  = opt(`un une le la l des l_un_de_vos un_de_vos une_de_vos`)
	frQual = opt(`vrai vraie veritable reel reelle etre`)

	esPerson = alt(`agente agentes asesor asesora asesores operador operadora operadores humano humana persona personas
		representante alguien empleado empleada ejecutivo ejecutiva ser soporte`)
	esDet  = opt(`un una el la algun alguno alguna uno_de_sus alguno_de_sus`)
	esQual = opt(`real verdadero verdadera humano humana`)

	itPerson = alt(`operatore operatrice operatori persona persone umano umana essere agente agenti consulente addetto addetta
		assistente qualcuno responsabile impiegato impiegata`)
	itDet  = opt(`un una uno l il la lo qualche uno_dei_vostri`)
	itQual = opt(`vero vera reale umano umana`)

	ptPerson = alt(`atendente atendentes agente agentes humano humana pessoa pessoas operador operadora consultor consultora
		representante ser alguem funcionario funcionaria assistente`)
	ptDet  = opt(`um uma o a algum alguma um_dos_seus`)
	ptQual = opt(`real verdadeiro verdadeira humano humana`)

	nlPerson = alt(`medewerker medewerkster medewerkers mens persoon agent operator adviseur adviseuse klantenservice iemand
		servicemedewerker klantenservicemedewerker helpdesk`)
	nlDet  = opt(`een de uw jullie`)
	nlQual = opt(`echte echt levende menselijke`)

	plPerson = alt(`konsultantem konsultantka czlowiekiem osoba agentem operatorem pracownikiem doradca doradczynia kims
		obsluga supportem`)
	plQual = opt(`jakims jakas prawdziwym prawdziwa zywym zywa innym`)

	csskPerson = alt(`operatorem operatorkou clovekem osobou agentem pracovnikem pracovnici konzultantem poradcem nekym podporou
		operatorom clovekom agentom pracovnikom konzultantom poradcom niekym technikem technikom`)
	csskQual = opt(`nejakym nejakou zivym zivou skutecnym skutecnou opravdovym opravdovou skutocnym skutocnou realnym realnou`)

	ruPerson = alt(`оператором человеком менеджером консультантом специалистом сотрудником агентом представителем кем_то кем_нибудь
		поддержкои администратором`)
	ruQual = opt(`живым настоящим реальным`)
)

// humanOnlyRE matches a message that is nothing but a request word
// ("agent", "human please", "Mitarbeiter bitte", "оператор"): the words below and every
// language's human keyword and synonyms from handover's language table, the words the
// text-only helpdesks tell visitors to type.
var humanOnlyRE = regexp.MustCompile("^" + fold(
	opt(`please pls a an the un une einen eine bitte por_favor prosze prosim`)+
		opt(`real live human echten vrai`)+
		alt(`human agent operator representative person mensch mitarbeiter berater conseiller humain operateur agente asesor operador
			operatore atendente medewerker konsultant operátor оператор человек менеджер livechat `+typedHumanWords())+
		`(?: (?:please|pls|now|bitte|svp|por favor|per favore|por favor|alsjeblieft|prosze|prosim|пожалуйста|asap))*`) + "$")

// typedHumanWords are the human keywords and synonyms of every language of handover's table,
// for alt: regexp-quoted, the words of a multi-word one joined by underscores.
func typedHumanWords() string {
	var ws []string
	for _, l := range handover.Languages() {
		for _, w := range l.Words(handover.ChoiceRequestHuman) {
			ws = append(ws, strings.Join(strings.Fields(regexp.QuoteMeta(w)), "_"))
		}
	}
	return strings.Join(ws, " ")
}

// humanRequestREs match a request for a person; each needs a request verb
// in the infinitive or imperative, so questions about agents do not match.
var humanRequestREs = []*regexp.Regexp{
	// en: "talk to a human", "speak with an agent", "chat with a real person".
	bounded(alt(`talk speak chat`) + ` ` + alt(`to with`) + ` ` + enDet + enQual + enPerson),
	// en: "connect me to an agent", "transfer me to a human", "put me through to someone".
	bounded(alt(`connect transfer put pass forward escalate switch hand`) + ` me ` + opt(`over through`) + alt(`to with`) + ` ` + enDet + enQual + enPerson),
	// en: "I want a real person", "I need a human agent", "I'd like an operator".
	bounded(alt(`i we`) + ` ` + opt(`d would really`) + alt(`want need like prefer demand request`) + ` ` + enDet + enQual + enAgent),
	// en: "get me a human", "give me a real person".
	bounded(alt(`get give find`) + ` me ` + enDet + enQual + enAgent),
	// en: "human agent please", "live agent", "request a human".
	bounded(`request ` + enDet + enQual + enAgent),
	bounded(alt(`live real human`) + ` ` + alt(`agent operator person representative`) + ` ` + alt(`please pls now asap`)),

	// de: "mit einem Mitarbeiter sprechen", "mit einem echten Menschen reden".
	bounded(`mit ` + deDet + deQual + dePerson + ` ` + upTo(2) + alt(`sprechen reden chatten schreiben telefonieren verbinden verbunden_werden`)),
	// de: "verbinden Sie mich mit einem Berater", "bitte verbinde mich mit".
	bounded(alt(`verbinden verbinde verbindet weiterleiten leiten`) + ` ` + opt(`sie`) + `mich ` + opt(`bitte`) + opt(`mit an zu`) + deDet + deQual + dePerson),
	// de: "ich möchte einen Mitarbeiter", "ich brauche einen echten Menschen".
	bounded(`ich ` + alt(`mochte will brauche hatte wurde`) + ` ` + opt(`gerne gern bitte jetzt`) + opt(`gerne gern`) + alt(`einen eine`) + ` ` + deQual + dePerson),

	// fr: "parler à un conseiller", "discuter avec une vraie personne", "parler à quelqu'un".
	bounded(alt(`parler discuter echanger`) + ` ` + alt(`a avec`) + ` ` + frDet + frQual + frPerson),
	// fr: "mettez-moi en relation avec un conseiller", "passez-moi un agent", "transférez-moi".
	bounded(alt(`mettez mettre mets passez passer passe transferez transferer transfere redirigez`) + ` moi ` + opt(`en_relation en_contact`) + opt(`avec a`) + frDet + frQual + frPerson),
	// fr: "je veux un conseiller", "je voudrais un humain".
	bounded(alt(`je j`) + ` ` + alt(`veux voudrais aimerais souhaite souhaiterais prefere`) + ` ` + alt(`un une`) + ` ` + frQual + frPerson),

	// es: "hablar con un agente", "hablar con una persona real".
	bounded(alt(`hablar conversar chatear comunicarme comunicarse contactar`) + ` ` + alt(`con a`) + ` ` + esDet + esQual + esPerson),
	// es: "pásame con un asesor", "comuníqueme con un humano".
	bounded(alt(`pasame paseme comunicame comuniqueme transfiereme transfierame conectame conecteme ponme pongame`) + ` ` + opt(`con a`) + esDet + esQual + esPerson),
	// es: "quiero un agente", "necesito una persona real".
	bounded(alt(`quiero necesito prefiero`) + ` ` + alt(`un una`) + ` ` + esQual + esPerson),

	// it: "parlare con un operatore", "parlare con una persona vera".
	bounded(alt(`parlare chattare discutere conversare`) + ` ` + alt(`con a`) + ` ` + itDet + itQual + itPerson),
	// it: "passami un operatore", "mettimi in contatto con un operatore".
	bounded(alt(`passami mi_passi mettimi mi_metta mi_mette collegami`) + ` ` + opt(`in_contatto`) + opt(`con`) + itDet + itQual + itPerson),
	// it: "voglio un operatore".
	bounded(alt(`voglio vorrei`) + ` ` + alt(`un una uno`) + ` ` + itQual + itPerson),

	// pt: "falar com um atendente", "conversar com uma pessoa real".
	bounded(alt(`falar conversar`) + ` ` + alt(`com`) + ` ` + ptDet + ptQual + ptPerson),
	// pt: "me transfira para um atendente", "me passe para um humano".
	bounded(`me ` + alt(`transfira transfere passe passa coloque coloca encaminhe encaminha conecte conecta`) + ` ` + opt(`em_contato`) + opt(`para com`) + ptDet + ptQual + ptPerson),
	// pt: "quero um atendente", "preciso de uma pessoa".
	bounded(alt(`quero preciso gostaria`) + ` ` + opt(`de`) + alt(`um uma`) + ` ` + ptQual + ptPerson),

	// nl: "met een medewerker spreken", "kan ik met een mens praten".
	bounded(`met ` + nlDet + nlQual + nlPerson + ` ` + upTo(2) + alt(`spreken praten chatten bellen`)),
	// nl: "spreken met een medewerker", "contact met een medewerker".
	bounded(alt(`spreken praten chatten contact verbinding gesprek doorverbinden verbinden`) + ` met ` + nlDet + nlQual + nlPerson),
	// nl: "verbind me door met een medewerker".
	bounded(alt(`verbind verbindt`) + ` ` + alt(`me mij`) + ` ` + opt(`door`) + `met ` + nlDet + nlQual + nlPerson),
	// nl: "ik wil een medewerker".
	bounded(`ik ` + alt(`wil wens`) + ` ` + opt(`graag`) + `een ` + nlQual + nlPerson),
	bounded(alt(`wil wens`) + ` ` + opt(`graag`) + `met ` + nlDet + nlQual + nlPerson),

	// pl: "rozmawiać z konsultantem", "porozmawiać z prawdziwą osobą".
	bounded(alt(`rozmawiac porozmawiac pogadac mowic pisac`) + ` ` + alt(`z ze`) + ` ` + plQual + plPerson),
	// pl: "połącz mnie z konsultantem", "przełącz mnie do konsultanta".
	bounded(alt(`polacz polaczcie polaczyc przelacz przelaczcie przelaczyc przekieruj przekierowac`) + ` mnie ` + opt(`prosze`) + alt(`z ze`) + ` ` + plQual + plPerson),
	bounded(alt(`polacz polaczcie polaczyc przelacz przelaczcie przelaczyc przekieruj przekierowac`) + ` mnie ` + opt(`prosze`) + `do ` + alt(`konsultanta czlowieka operatora pracownika doradcy`)),

	// cs, sk: "mluvit s operátorem", "hovoriť s operátorom", "porozprávať sa s človekom".
	bounded(alt(`mluvit promluvit hovorit porozpravat rozpravat psat pisat chatovat komunikovat`) + ` ` + opt(`si sa`) + alt(`s se so`) + ` ` + csskQual + csskPerson),
	// cs, sk: "rád bych si promluvil s konzultantem", "rád by som sa porozprával s človekom".
	bounded(alt(`bych by_som bysme`) + ` ` + opt(`si sa`) + alt(`promluvil promluvila mluvil mluvila hovoril hovorila porozpraval porozpravala`) + ` ` + opt(`si sa`) + alt(`s se so`) + ` ` + csskQual + csskPerson),
	// cs, sk: "spojte mě s operátorem", "prepojte ma s operátorom".
	bounded(alt(`spojte spoj prepojte prepoj propojte propoj presmerujte`) + ` ` + alt(`me mne ma mna`) + ` ` + opt(`prosim`) + alt(`s se so`) + ` ` + csskQual + csskPerson),

	// ru: "поговорить с оператором", "соедините меня с живым человеком".
	bounded(alt(`поговорить говорить общаться пообщаться связаться переговорить побеседовать соединить соедините свяжите переключите
		переключить переведите`) + ` ` + opt(`меня`) + opt(`пожалуиста`) + `с ` + ruQual + ruPerson),
	// ru: "позовите оператора", "нужен живой человек".
	bounded(alt(`позовите позови пригласите дайте`) + ` ` + opt(`живого настоящего`) + alt(`оператора человека менеджера консультанта специалиста сотрудника`)),
	bounded(alt(`нужен хочу`) + ` ` + alt(`живои настоящии реальныи`) + ` ` + alt(`человек оператор`)),
}
