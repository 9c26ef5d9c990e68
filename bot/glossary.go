package bot

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// The glossary lets a question in one language find a passage written in
// another without an LLM. It maps the words of customer-service and
// online-shop topics (shipping, delivery, returns, refunds, payment,
// invoices, orders, tracking, parcels, opening hours, days of the week,
// warranty, repairs, discounts...) in the ten languages besides English that
// the core speaks (handover.Languages) to English stems. The index adds those
// stems next to the word itself, in passages and in questions alike: "Wie
// lange dauert der Versand?" meets "Shipping / Delivery times", and an
// English question meets a German knowledge base. It is a general
// vocabulary of the domain, not of one knowledge base: words of a shop's own
// products ("tent", "Zelt") are not in it and still only match when spelled
// alike (product names, brands, places written the same way in both
// languages).
//
// Each line is "English words = lang: words | lang: words ...". A word
// ending in "*" is a stem that also matches with up to three more letters
// (endings: "versand*" matches "versandes", "bestell*" "bestellt"), five
// for a stem of seven letters or more; other words match exactly. Stems have at least four letters. Words are folded
// (lowercase, no diacritics) before use, so they are written as spelled.
// A word that is also an English word of another meaning must not be a key:
// English passages go through the glossary too (TestGlossaryLeavesEnglishAlone).
const glossarySource = `
ship = de: versand* versende* versendet verschick* | fr: livraison* expédier expédiez expédié* envoi* envoyer envoyez envoyé* | es: envío* enviar envían enviado* | it: spedizion* spedire spedite spedito spedisce spediscono | pt: envio* enviar enviam enviado* | nl: verzend* verzonden verstuur* | pl: wysyłk* wysyła* wysłać | cs: doprav* odeslán* odešle* | sk: doprav* odoslan* | ru: отправк* отправля*
deliver = de: liefer* geliefert zustell* | fr: livraison* livrer livrez livré* livrent | es: entreg* | it: consegn* | pt: entreg* | nl: levering* leveren levert geleverd bezorg* | pl: dostaw* dostarcz* | cs: doruč* dodán* dodac* dodav* | sk: doruč* dodan* dodac* | ru: доставк* доставл* достав*
cost price = de: kost* preis* gebühr* | fr: coût* coûte* prix tarif* frais | es: coste* costo* cuesta* cuestan precio* tarifa* | it: costo costa costi costano prezz* tariff* | pt: custo custa custam custos preço* tarifa* | nl: kost* prijs* tarief* | pl: koszt* cena ceny cenę cenie opłat* | cs: cena ceny cenu stojí poplat* | sk: cena ceny cenu stojí poplat* | ru: стоим* цена цены цену сколько
free = de: kostenlos* gratis umsonst | fr: gratuit* | es: gratis gratuit* | it: gratis gratuit* | pt: grátis gratuit* | nl: gratis kosteloos | pl: darmow* bezpłatn* | cs: zdarma | sk: zadarmo | ru: бесплатн*
time = de: zeit* dauer | fr: délai* temps durée* | es: plazo* tiempo* | it: tempi tempo durata | pt: prazo* tempo | nl: tijd* duur levertijd* | pl: czas* | cs: doba doby dobu | sk: doba doby | ru: срок* время
take = de: dauert dauern | fr: prend prendre prennent | es: tarda tardan tardar | it: impiega impiegano | pt: demora demoram leva levam | nl: duurt duren | pl: trwa trwają | cs: trvá trvají | sk: trvá trvajú | ru: занимает займет
international abroad = de: international* ausland* | fr: international* étranger* | es: internacional* extranjero* | it: internazional* estero estera esteri | pt: internacional* exterior estrangeiro* | nl: internationa* buitenland* | pl: zagranic* międzynarodow* | cs: zahranič* mezinárodn* | sk: zahranič* medzinárodn* | ru: международн* зарубеж* заграниц*
canada = de: kanada | fr: canada | es: canadá | it: canada | pt: canadá | nl: canada kanada | pl: kanad* | cs: kanad* | sk: kanad* | ru: канад*
europe european = de: europa europäisch* | fr: europe européen* | es: europa europeo* | it: europa europeo europea europei | pt: europa europeu* | nl: europa europees europese | pl: europ* | cs: evrop* | sk: európ* | ru: европ*
kingdom = de: großbritannien königreich* | fr: royaume* | es: reino | it: regno | pt: reino | nl: koninkrijk* | pl: brytani* królestw* | cs: británi* královstv* | sk: británi* kráľovstv* | ru: британ* великобритан*
return = de: rückgab* rücksend* zurückgeb* zurückgegeben zurückschick* zurücksend* retour* | fr: retour* retourner retournez retourné* renvoi* renvoyer | es: devoluci* devolver devuelv* | it: reso resi restitu* | pt: devoluç* devolver | nl: retour* terugsturen terugstur* terugzend* | pl: zwrot* zwróc* | cs: vrácen* vrátit vratk* | sk: vráten* vrátiť | ru: возврат* вернуть
refund = de: erstatt* rückerstatt* | fr: rembours* | es: reembols* | it: rimbors* | pt: reembols* | nl: terugbetal* | pl: zwrot* | cs: refundac* | sk: refundác* | ru: возврат* вернуть
exchange = de: umtausch* umtauschen tausch* | fr: échang* | es: cambi* | it: cambi* | pt: troca* trocar | nl: ruil* omruil* | pl: wymian* wymien* | cs: výměn* vyměn* | sk: výmen* vymen* | ru: обмен*
change = de: ändern änderung* geändert | fr: modifi* changer changez changement* | es: cambi* modific* | it: cambi* modific* | pt: alterar altera altero modific* | nl: wijzig* | pl: zmien* zmian* | cs: změn* | sk: zmen* | ru: измен* поменя*
cancel = de: stornier* storno* | fr: annul* | es: anular anulaci* | it: annull* | pt: anular | nl: annuleer* annuler* | pl: anul* | cs: zruš* storn* | sk: zruš* storn* | ru: отмен*
order = de: bestell* bestellung* auftrag* | fr: commande* commandé* | es: pedido* | it: ordine ordini ordinato ordinata | pt: encomend* pedido* | nl: bestel* bestelling* | pl: zamówien* zamówi* | cs: objednáv* objedn* | sk: objednáv* objedn* | ru: заказ*
track = de: verfolg* sendungsverfolgung* | fr: suivi* suivre | es: seguimiento* rastre* | it: traccia* tracciament* | pt: rastre* rastreio | nl: volgen volgcode* | pl: śledz* śledzeni* | cs: sledov* | sk: sledov* | ru: отслеж* отслед* трек*
parcel package = de: paket* sendung* | fr: colis | es: paquete* | it: pacco pacchi | pt: pacote* | nl: pakket* pakje* | pl: paczk* przesyłk* | cs: balík* zásilk* | sk: balík* zásielk* | ru: посылк*
missing lost = de: verloren* fehlt fehlend* vermisst | fr: perdu* manquant* | es: perdido* | it: perso persi smarrit* | pt: perdid* extraviad* | nl: kwijt verloren* | pl: zgubion* zagubion* | cs: ztracen* | sk: stratený stratená | ru: потерял* потерян*
arrive receive = de: angekommen ankomm* erhalt* bekomm* | fr: arriv* reçu reçue | es: lleg* recib* | it: arriv* ricev* | pt: cheg* receb* | nl: aangekomen ontvang* | pl: dotarł* otrzyma* | cs: dorazil* | sk: dorazil* | ru: пришл* получ*
late = de: verspät* später | fr: retard* | es: retras* | it: ritard* | pt: atras* | nl: vertraag* vertraging* | pl: opóźni* | cs: zpožd* | sk: oneskor* | ru: задерж* опозд*
item product = de: artikel* produkt* | fr: article* produit* | es: artículo* producto* | it: articol* prodott* | pt: artigo* produto* | nl: artikel* | pl: produkt* towar towaru towary towarów | cs: zboží produkt* | sk: tovar* produkt* | ru: товар*
label = de: etikett* | fr: étiquet* | es: etiquet* | it: etichett* | pt: etiquet* | nl: etiket* | pl: etykiet* | cs: štítek štítk* | sk: štítok | ru: этикетк* ярлык*
pay payment = de: zahlung* zahlen zahle zahlt bezahl* | fr: paiement* payer payez payé* | es: pago pagos pagar | it: pagament* pagare pagar* | pt: pagament* pagar | nl: betal* | pl: płatnoś* płacić zapłac* | cs: platb* zaplat* | sk: platb* zaplat* | ru: оплат* платеж*
card = de: karte* kreditkart* | fr: carte* | es: tarjeta* | it: carta carte | pt: cartão* | nl: kaart* creditcard* | pl: kart* | cs: kart* | sk: kart* | ru: карт*
cash = de: bargeld* nachnahme | fr: espèces liquide | es: efectivo | it: contant* | pt: dinheiro | nl: contant* | pl: gotówk* | cs: hotovost* dobírk* | sk: hotovosť dobierk* | ru: наличн*
invoice receipt = de: rechnung* beleg* quittung* | fr: facture* reçu | es: factura* recibo* | it: fattur* ricevut* | pt: fatura* recibo* | nl: factuur* facturen | pl: faktur* paragon* | cs: faktur* účtenk* | sk: faktúr* bloček | ru: счет счета чек чека квитанц*
tax duty = de: steuer* mehrwertsteuer* zoll* zölle | fr: taxe taxes douane* | es: impuesto* aduana* | it: tasse tassa dogan* | pt: imposto* alfândeg* | nl: belasting* douane* | pl: podat* cło cła vat | cs: daň daně clo cla | sk: daň dane clo cla | ru: налог* пошлин* тамож*
account = de: konto* kundenkonto* | fr: compte* | es: cuenta* | it: account | pt: conta contas | nl: account | pl: konto konta koncie | cs: účet účtu | sk: účet účtu | ru: аккаунт* кабинет*
address = de: adress* anschrift* | fr: adresse* | es: direcci* | it: indirizz* | pt: endereço* morada | nl: adres* | pl: adres* | cs: adres* | sk: adres* | ru: адрес*
store shop = de: geschäft* filiale* | fr: magasin* boutique* | es: tienda* | it: negozi* | pt: loja lojas | nl: winkel* | pl: sklep* | cs: obchod* prodejn* | sk: obchod* predajn* | ru: магазин*
open opening = de: geöffnet öffn* öffnung* öffnungszeit* | fr: ouvert* ouverture* | es: abierto* apertura* abren | it: aperto aperti apertura orari | pt: aberto* abertura* | nl: geopend openingstijd* openingsuren | pl: otwart* czynne czynny | cs: otevř* otevírací* | sk: otvor* otváracie | ru: открыт* работает
hour = de: uhr stunde* öffnungszeit* | fr: heure* horaire* | es: hora horas horario* | it: ora orari* | pt: hora horas horário* | nl: uur uren openingstijd* openingsuren | pl: godzin* | cs: hodin* | sk: hodin* | ru: час часа часов часы
day = de: tage tagen | fr: jour jours | es: día días | it: giorno giorni | pt: dia dias | nl: dag dagen | pl: dzień dni | cs: dny dní | sk: dni | ru: день дней дня дни
business = de: werktag* arbeitstag* | fr: ouvrable* ouvré* | es: laborable* hábil* | it: lavorativ* | pt: úteis | nl: werkdag* | pl: robocz* | cs: pracovní pracovních pracovním pracovního | sk: pracovný pracovné pracovných pracovnom | ru: рабоч*
monday = de: montag* | fr: lundi* | es: lunes | it: lunedì | pt: segunda | nl: maandag* | pl: poniedział* | cs: pondělí | sk: pondelok pondelka | ru: понедельник*
tuesday = de: dienstag* | fr: mardi* | es: martes | it: martedì | pt: terça | nl: dinsdag* | pl: wtorek wtorki | cs: úterý | sk: utorok utorka | ru: вторник*
wednesday = de: mittwoch* | fr: mercredi* | es: miércoles | it: mercoledì | pt: quarta | nl: woensdag* | pl: środa środy | cs: středa středy | sk: streda stredy | ru: среда среду
thursday = de: donnerstag* | fr: jeudi* | es: jueves | it: giovedì | pt: quinta | nl: donderdag* | pl: czwartek czwartki | cs: čtvrtek | sk: štvrtok | ru: четверг*
friday = de: freitag* | fr: vendredi* | es: viernes | it: venerdì | pt: sexta | nl: vrijdag* | pl: piątek piątki | cs: pátek | sk: piatok | ru: пятниц*
saturday = de: samstag* sonnabend* | fr: samedi* | es: sábado* | it: sabato sabati | pt: sábado* | nl: zaterdag* | pl: sobot* | cs: sobot* | sk: sobot* | ru: суббот*
sunday = de: sonntag* | fr: dimanche* | es: domingo* | it: domenica domeniche | pt: domingo* | nl: zondag* | pl: niedziel* | cs: neděl* | sk: nedeľ* | ru: воскресень*
weekend = de: wochenend* | fr: weekend | es: finde | it: weekend | pt: weekend | nl: weekend | pl: weekend* | cs: víkend* | sk: víkend* | ru: выходн*
holiday = de: feiertag* | fr: férié* | es: festivo* feriado* | it: festiv* | pt: feriado* | nl: feestdag* | pl: święt* | cs: svátk* svátek | sk: sviatk* sviatok | ru: праздник*
phone call = de: telefon* anruf* anrufen | fr: téléphon* appeler appelez | es: teléfono* llamar | it: telefon* chiamar* | pt: telefon* ligar | nl: telefoon* bellen | pl: telefon* zadzwoni* | cs: telefon* zavolat | sk: telefón* zavolať | ru: телефон* позвонить звонить
email = de: mail | fr: mail courriel* | es: correo* | it: mail | pt: mail | nl: mail | pl: mail* | cs: mail* | sk: mail* | ru: почт*
contact reach = de: kontakt* erreich* | fr: contacter contactez joindre | es: contactar contacto* | it: contatt* | pt: contato* contacto* contactar | nl: contact | pl: kontakt* | cs: kontakt* | sk: kontakt* | ru: связат* связь контакт*
customer service = de: kundenservice* kundendienst* kunde kunden | fr: client* | es: cliente* atención | it: client* assistenza | pt: cliente* atendimento | nl: klantenservice* klant* | pl: klient* obsług* | cs: zákazn* | sk: zákazn* | ru: клиент* поддержк*
warranty guarantee = de: garantie* gewährleistung* | fr: garantie* | es: garantía* | it: garanzi* | pt: garantia* | nl: garantie* | pl: gwaranc* | cs: záruk* záruč* | sk: záruk* záruč* | ru: гарант*
claim complaint = de: reklamation* reklamier* beschwerde* | fr: réclamation* plainte plaintes | es: reclamaci* reclamar queja* | it: reclam* | pt: reclamaç* reclamar | nl: klacht* reclamatie* | pl: reklamac* skarg* | cs: reklamac* stížnost* | sk: reklamáci* reklamova* sťažnos* | ru: претензи* жалоб*
repair = de: reparatur* repari* | fr: répar* | es: repar* | it: ripar* | pt: repar* consert* | nl: reparatie* repareer* repareren | pl: napraw* | cs: oprav* | sk: oprav* | ru: ремонт* почин*
replace replacement = de: ersatz* ersetz* | fr: remplac* | es: reemplaz* sustitu* | it: sostitu* | pt: substitu* | nl: vervang* | pl: zamien* | cs: náhrad* vyměn* | sk: náhrad* | ru: замен*
defect broken damage = de: defekt* kaputt* beschädig* schaden | fr: défaut* défectu* cassé* endommag* | es: defectuos* roto rota dañad* | it: difett* rotto rotta danneggi* | pt: defeit* quebrad* danific* | nl: defect defecte kapot* beschadig* | pl: uszkodz* zepsut* wada wady | cs: poškoz* rozbit* vada vady vadn* | sk: poškoden* rozbit* vada vady | ru: слома* поврежд* дефект* брак
photo = de: foto* bild bilder | fr: photo* | es: foto* | it: foto* | pt: foto* | nl: foto* | pl: zdjęci* | cs: fotk* fotograf* | sk: fotk* fotograf* | ru: фото*
size = de: größe* | fr: taille* | es: talla* tamaño* | it: taglia* | pt: tamanho* | nl: maat maten | pl: rozmiar* | cs: velikost* | sk: veľkosť* | ru: размер*
colour = de: farbe* | fr: couleur* | es: color colores | it: colore colori | pt: cor | nl: kleur* | pl: kolor* | cs: barv* | sk: farb* | ru: цвет*
park parking = de: park* parkplatz* parkhaus* | fr: garer garez stationn* parking | es: aparcar aparcami* estacionami* | it: parcheggi* | pt: estacionar estacionament* | nl: parkeer* parkeren | pl: parking* parkow* | cs: parkov* | sk: parkov* | ru: парков*
car = de: auto autos | fr: voiture* | es: coche* | it: macchina auto | pt: carro* | nl: auto autos | pl: samochod* | cs: auto autem | sk: auto autom | ru: машин* автомобил*
discount coupon = de: rabatt* gutschein* | fr: remise* réduction* promo | es: descuento* cupón* | it: sconto sconti coupon | pt: desconto* cupom | nl: korting* | pl: rabat* zniżk* kupon* | cs: slev* kupón* | sk: zľav* kupón* | ru: скидк* промокод* купон*
gift = de: geschenk* | fr: cadeau* | es: regalo* | it: regalo* | pt: presente | nl: cadeau* | pl: prezent* podarun* | cs: dárek dárku dárkov* | sk: darček* | ru: подар*
stock available = de: verfügbar* lieferbar* vorrätig* | fr: disponib* stock | es: disponib* | it: disponib* | pt: disponív* estoque | nl: beschikbaar* voorraad | pl: dostępn* | cs: dostupn* skladem | sk: dostupn* skladom | ru: налич*
`

// glossaryEntry is what one glossary word stands for: English stems.
type glossaryEntry = []string

// glossaryTables returns the exact and the stem tables, built on first use
// (a service without knowledge never pays for them).
var glossaryTables = sync.OnceValues(func() (exact, prefix map[string]glossaryEntry) {
	return parseGlossary(glossarySource)
})

// parseGlossary builds the exact and the stem (prefix) tables. It panics on
// a malformed line: the source is a constant, and a test loads it.
func parseGlossary(src string) (exact, prefix map[string]glossaryEntry) {
	exact, prefix = map[string]glossaryEntry{}, map[string]glossaryEntry{}
	add := func(m map[string]glossaryEntry, key string, targets []string) {
		for _, t := range targets {
			if !slices.Contains(m[key], t) {
				m[key] = append(m[key], t)
			}
		}
	}
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		left, right, ok := strings.Cut(line, "=")
		if !ok {
			panic("bot: glossary line without '=': " + line)
		}
		var targets []string
		for _, t := range strings.Fields(left) {
			targets = append(targets, stem(fold(t)))
		}
		for _, part := range strings.Split(right, "|") {
			_, ws, ok := strings.Cut(part, ":")
			if !ok {
				panic("bot: glossary part without a language: " + part)
			}
			for _, w := range strings.Fields(ws) {
				isStem := strings.HasSuffix(w, "*")
				w = fold(strings.TrimSuffix(w, "*"))
				if isStem && utf8.RuneCountInString(w) < 4 {
					panic("bot: glossary stem shorter than four letters: " + w)
				}
				if ws := words(w); len(ws) != 1 || ws[0] != w {
					panic("bot: glossary word is not one word: " + w)
				}
				add(exact, w, targets)
				if isStem {
					add(prefix, w, targets)
				}
			}
		}
	}
	return exact, prefix
}

// How many letters a glossary stem may be followed by: three ("versand*"
// matches "versandes"), five for a stem of seven letters or more, whose
// words derive further ("rembours*" matches "remboursement").
const (
	maxGlossaryEnding     = 3
	maxLongGlossaryEnding = 5
	longGlossaryStem      = 7
)

// glossaryLookup returns the English stems a folded word stands for, or
// nil: the word itself, then the word without up to three final letters
// (a stem with an ending), then, for long words, the two parts of a
// compound ("versandkosten" → ship, cost; "lieferzeit" → deliver, time).
func glossaryLookup(w string) []string {
	if t := glossaryDirect(w); t != nil {
		return t
	}
	if len(w) < 8 || !isASCIILetters(w) {
		return nil
	}
	// Compounds of two known parts of four letters or more. A single known
	// part is not enough: English words hide too many foreign stems
	// ("customers" starts with Portuguese "custo", cost).
	for i := len(w) - 4; i >= 4; i-- {
		lt := glossaryDirect(w[:i])
		if lt == nil {
			continue
		}
		rt := glossaryDirect(w[i:])
		if rt == nil {
			continue
		}
		out := append([]string(nil), lt...)
		for _, t := range rt {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
		return out
	}
	return nil
}

// glossaryDirect looks w up as a word, then as a stem with an ending.
func glossaryDirect(w string) []string {
	glossaryExact, glossaryPrefix := glossaryTables()
	if t, ok := glossaryExact[w]; ok {
		return t
	}
	n := utf8.RuneCountInString(w)
	cut := len(w)
	for extra := 1; extra <= maxLongGlossaryEnding; extra++ {
		_, size := utf8.DecodeLastRuneInString(w[:cut])
		cut -= size
		stemLen := n - extra
		if stemLen < 4 {
			return nil
		}
		if extra > maxGlossaryEnding && stemLen < longGlossaryStem {
			return nil
		}
		if t, ok := glossaryPrefix[w[:cut]]; ok {
			return t
		}
	}
	return nil
}
