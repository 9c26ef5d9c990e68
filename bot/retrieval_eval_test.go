package bot

import (
	"testing"
)

// Sections of the sample knowledge base, as Search titles them.
const (
	secDelivery      = "Shipping / Delivery times"
	secShipCosts     = "Shipping / Shipping costs"
	secInternational = "Shipping / International shipping"
	secReturnPolicy  = "Returns and refunds / Return policy"
	secHowToReturn   = "Returns and refunds / How to return an item"
	secRefunds       = "Returns and refunds / Refunds"
	secStoreHours    = "Opening hours and contact / Store opening hours"
	secServiceHours  = "Opening hours and contact / Customer service hours"
	secParking       = "Opening hours and contact / Parking"
	secPayMethods    = "Payment / Payment methods"
	secCharged       = "Payment / When you are charged"
	secInvoices      = "Payment / Invoices"
	secTracking      = "Order tracking / Tracking your order"
	secLate          = "Order tracking / Late or missing parcels"
	secChangeCancel  = "Order tracking / Changing or cancelling an order"
	secWarranty      = "Warranty / Warranty coverage"
	secClaim         = "Warranty / How to make a warranty claim"
)

// retrievalCase is a visitor question and the section a person would
// answer it from.
type retrievalCase struct{ q, want string }

// englishQuestions are plain questions a visitor asks, worded as people
// do rather than as the headings are (inflections, other word forms).
var englishQuestions = []retrievalCase{
	{"Do you ship internationally?", secInternational},
	{"Where can I park?", secParking},
	{"Is there parking at the store?", secParking},
	{"Can I park my car near the shop?", secParking},
	{"How long does delivery take?", secDelivery},
	{"How fast do you deliver?", secDelivery},
	{"How long does express shipping take?", secDelivery},
	{"How much is shipping?", secShipCosts},
	{"What does shipping cost for a small order?", secShipCosts},
	{"Do you deliver to Canada?", secInternational},
	{"How long does shipping to Canada take?", secInternational},
	{"Do I have to pay import duties?", secInternational},
	{"Can I return my boots?", secReturnPolicy},
	{"Can I return worn shoes?", secReturnPolicy},
	{"How do I return something I bought?", secHowToReturn},
	{"Who pays for return shipping?", secHowToReturn},
	{"Where do I drop off my returned parcel?", secHowToReturn},
	{"When will I get refunded?", secRefunds},
	{"Can I exchange it for another size?", secRefunds},
	{"What payment methods do you accept?", secPayMethods},
	{"Can I pay with Apple Pay?", secPayMethods},
	{"Do you accept cash on delivery?", secPayMethods},
	{"When is my card charged?", secCharged},
	{"Do you charge sales tax?", secCharged},
	{"Where can I find my invoice?", secInvoices},
	{"Can I download invoices?", secInvoices},
	{"How do I track my order?", secTracking},
	{"Where is my order?", secTracking},
	{"Where is my tracking number?", secTracking},
	{"My parcel is missing", secLate},
	{"The tracking says delivered but I never received it", secLate},
	{"Can I cancel my order?", secChangeCancel},
	{"How do I change the delivery address of my order?", secChangeCancel},
	{"What are your opening hours?", secStoreHours},
	{"Are you open on Sunday?", secStoreHours},
	{"Where is your store?", secStoreHours},
	{"When is customer service available?", secServiceHours},
	{"What is your phone number?", secServiceHours},
	{"Is my tent covered by the warranty?", secWarranty},
	{"Do you have a lifetime warranty?", secWarranty},
	{"My backpack zipper broke, what can I do?", secWarranty},
	{"How do I claim a repair under warranty?", secClaim},
	{"Do I pay shipping for a warranty repair?", secClaim},
}

// evalRetrieval returns the questions whose best passage is not the
// expected section.
func evalRetrieval(t *testing.T, k *Knowledge, cases []retrievalCase) (misses []string) {
	t.Helper()
	for _, c := range cases {
		hits := k.Search(c.q, 1)
		got := "(nothing)"
		if len(hits) > 0 {
			got = hits[0].Title
		}
		if got != c.want {
			misses = append(misses, c.q+" → "+got+", want "+c.want)
		}
	}
	return misses
}

func TestRetrievalEnglishQuestions(t *testing.T) {
	t.Parallel()
	misses := evalRetrieval(t, SampleKnowledge(), englishQuestions)
	t.Logf("English retrieval: %d/%d questions find the expected section", len(englishQuestions)-len(misses), len(englishQuestions))
	for _, m := range misses {
		t.Errorf("miss: %s", m)
	}
}

// foreignQuestions are questions in the other languages of the core, asked
// of the English sample knowledge base: the glossary (glossary.go) lets
// the words of the domain meet.
var foreignQuestions = []retrievalCase{
	// German
	{"Wie lange dauert die Lieferung?", secDelivery},
	{"Was kostet der Versand?", secShipCosts},
	{"Wie hoch sind die Versandkosten?", secShipCosts},
	{"Liefern Sie auch nach Kanada?", secInternational},
	{"Wie lange dauert der Versand nach Kanada?", secInternational},
	{"Versenden Sie ins Ausland?", secInternational},
	{"Wie funktioniert die Rücksendung?", secHowToReturn},
	{"Wann bekomme ich meine Rückerstattung?", secRefunds},
	{"Kann ich mit PayPal bezahlen?", secPayMethods},
	{"Wo finde ich meine Rechnung?", secInvoices},
	{"Wie kann ich meine Bestellung verfolgen?", secTracking},
	{"Mein Paket ist nicht angekommen", secLate},
	{"Kann ich meine Bestellung stornieren?", secChangeCancel},
	{"Wo ist meine Bestellung?", secTracking},
	{"Wie sind Ihre Öffnungszeiten?", secStoreHours},
	{"Haben Sie am Sonntag geöffnet?", secStoreHours},
	{"Wo kann ich parken?", secParking},
	{"Wie erreiche ich den Kundenservice?", secServiceHours},
	{"Gibt es eine Garantie?", secWarranty},
	{"Mein Reißverschluss ist kaputt, wie reklamiere ich das über die Garantie?", secClaim},
	{"Ist mein Rucksack von der Garantie abgedeckt?", secWarranty},
	// French
	{"Livrez-vous au Canada ?", secInternational},
	{"Combien coûtent les frais de livraison ?", secShipCosts},
	{"Quels sont les délais de livraison ?", secDelivery},
	{"Comment retourner un article ?", secHowToReturn},
	{"Quand serai-je remboursé ?", secRefunds},
	{"Puis-je payer avec PayPal ?", secPayMethods},
	{"Où trouver ma facture ?", secInvoices},
	{"Comment suivre ma commande ?", secTracking},
	{"Mon colis n'est pas arrivé", secLate},
	{"Puis-je annuler ma commande ?", secChangeCancel},
	{"Quels sont vos horaires d'ouverture ?", secStoreHours},
	{"Êtes-vous ouverts le dimanche ?", secStoreHours},
	{"Où puis-je me garer ?", secParking},
	{"Ma tente est-elle sous garantie ?", secWarranty},
	// Others, a few each
	{"¿Cuánto cuesta el envío?", secShipCosts},
	{"¿Puedo devolver un artículo?", secHowToReturn},
	{"Quanto costa la spedizione?", secShipCosts},
	{"Come posso tracciare il mio ordine?", secTracking},
	{"Quanto tempo demora a entrega?", secDelivery},
	{"Hoe lang duurt de levering?", secDelivery},
	{"Kan ik mijn bestelling annuleren?", secChangeCancel},
	{"Ile kosztuje wysyłka?", secShipCosts},
	{"Kdy máte otevřeno v sobotu?", secStoreHours},
	{"Kde je moja faktúra?", secInvoices},
	{"Сколько стоит доставка в Канаду?", secInternational},
	{"Как отследить заказ?", secTracking},
	{"Где мой заказ?", secTracking},
}

func TestRetrievalOtherLanguages(t *testing.T) {
	t.Parallel()
	misses := evalRetrieval(t, SampleKnowledge(), foreignQuestions)
	t.Logf("retrieval in other languages: %d/%d questions find the expected section", len(foreignQuestions)-len(misses), len(foreignQuestions))
	for _, m := range misses {
		t.Errorf("miss: %s", m)
	}
}

// offTopicQuestions are questions the sample knowledge base has no answer
// to: the offline bot must say it does not know.
var offTopicQuestions = []string{
	"What is the capital of France?",
	"Do you sell bikes?",
	"Who won the game last night?",
	"I need help with my account password",
	"Do you have a discount code?",
	"Can I rent a kayak for the weekend?",
	"Wie wird das Wetter morgen?",
	"Verkaufen Sie Fahrräder?",
	"Quelle est la capitale de la France ?",
	"¿Alquilan bicicletas?",
}

// TestOfflineConfidence: the offline bot quotes the passage found for each
// question of the tables, and says it does not know for the others.
func TestOfflineConfidence(t *testing.T) {
	t.Parallel()
	k := SampleKnowledge()
	for _, c := range append(append([]retrievalCase(nil), englishQuestions...), foreignQuestions...) {
		if hits := k.search(c.q, 1); len(hits) == 0 || !confident(hits[0]) {
			t.Errorf("%q: not confident of %+v", c.q, hits)
		}
	}
	for _, q := range offTopicQuestions {
		if hits := k.search(q, 1); len(hits) > 0 && confident(hits[0]) {
			t.Errorf("%q: confident of %q (%+v)", q, k.passages[hits[0].i].Title, hits[0])
		}
	}
}

// heldOutQuestions were written after the stemmer, the glossary and the
// weights were settled on the tables above, and not tuned on: their hit
// rate says how retrieval does on questions it was not fitted to. Misses
// are logged, not failed, below a floor.
var heldOutQuestions = []retrievalCase{
	{"What does express delivery cost?", secShipCosts},
	{"Is standard shipping free?", secShipCosts},
	{"Do you ship to the UK?", secInternational},
	{"How many days until my package arrives?", secDelivery},
	{"What is your return window?", secReturnPolicy},
	{"Is return shipping free?", secHowToReturn},
	{"How long until I see my refund?", secRefunds},
	{"Do you take Mastercard?", secPayMethods},
	{"Are taxes included in the price?", secCharged},
	{"I need a copy of my invoice", secInvoices},
	{"I never got a tracking number", secTracking},
	{"My order says delivered but it is not here", secLate},
	{"Can I change my shipping address?", secChangeCancel},
	{"What time does the store close on Saturday?", secStoreHours},
	{"Can I call you?", secServiceHours},
	{"Is parking free?", secParking},
	{"What does the warranty cover?", secWarranty},
	{"My sleeping bag zipper is broken", secWarranty},
	{"How do I send a photo of the defect?", secClaim},
	{"Can I swap my jacket for a bigger size?", secRefunds},
	{"Nehmen Sie Kreditkarten?", secPayMethods},
	{"Ist der Versand kostenlos?", secShipCosts},
	{"Wann wird meine Karte belastet?", secCharged},
	{"Wie kann ich einen Artikel umtauschen?", secRefunds},
	{"Wie lange gilt die Garantie?", secWarranty},
	{"Haben Sie samstags geöffnet?", secStoreHours},
	{"Acceptez-vous les cartes Visa ?", secPayMethods},
	{"La livraison est-elle gratuite ?", secShipCosts},
	{"Comment obtenir un remboursement ?", secRefunds},
	{"Où est mon colis ?", secTracking},
	{"Comment contacter le service client ?", secServiceHours},
	{"Puis-je changer l'adresse de livraison ?", secChangeCancel},
	{"¿Hacen envíos a Canadá?", secInternational},
	{"¿Dónde está mi pedido?", secTracking},
	{"Posso pagare con PayPal?", secPayMethods},
	{"Quali sono gli orari del negozio?", secStoreHours},
	{"Wat kost verzending?", secShipCosts},
	{"Jak mogę zwrócić produkt?", secHowToReturn},
	{"Когда вы открыты?", secStoreHours},
}

func TestRetrievalHeldOut(t *testing.T) {
	t.Parallel()
	misses := evalRetrieval(t, SampleKnowledge(), heldOutQuestions)
	hits := len(heldOutQuestions) - len(misses)
	t.Logf("held-out retrieval: %d/%d questions find the expected section", hits, len(heldOutQuestions))
	for _, m := range misses {
		t.Logf("miss: %s", m)
	}
	if 4*hits < 3*len(heldOutQuestions) {
		t.Errorf("held-out hit rate %d/%d is below 75%%", hits, len(heldOutQuestions))
	}
}
