package llmtest

import (
	"encoding/json"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// EmbeddingDims is the length of the scripted embeddings server's vectors.
const EmbeddingDims = 1024

// EmbeddingsServer is a scripted OpenAI-compatible embeddings server for
// tests: it answers POST /v1/embeddings over real HTTP (httptest) with
// deterministic vectors (Embed) and records every request. It is not a
// model: its vectors are a hashed bag of words in which the words of a small
// cross-language table of shop topics (SynonymConcept) count as the same
// word, so a German question about "Versand" lands near an English passage
// about "shipping", and nothing the table does not list is understood. It is
// safe for concurrent use.
type EmbeddingsServer struct {
	srv *httptest.Server

	mu          sync.Mutex
	requests    []EmbeddingsRequest
	status      int
	inFlight    int
	maxInFlight int
	gate        chan struct{}
	// okLeft, when not negative, is how many more requests get vectors before every
	// request gets failStatus (FailAfter).
	okLeft     int
	failStatus int
}

// EmbeddingsRequest is one embeddings request the server received.
type EmbeddingsRequest struct {
	Model string
	Input []string
	// Header is a copy of the request's HTTP header.
	Header http.Header
}

// NewEmbeddings starts an embeddings server. Close it when done.
func NewEmbeddings() *EmbeddingsServer {
	s := &EmbeddingsServer{okLeft: -1}
	s.srv = serve("POST /v1/embeddings", s.embeddings)
	return s
}

// URL returns the base URL clients use, including "/v1".
func (s *EmbeddingsServer) URL() string { return s.srv.URL + "/v1" }

// Close shuts the server down.
func (s *EmbeddingsServer) Close() { s.srv.Close() }

// SetStatus makes the server answer every request with this HTTP status and
// an OpenAI-style error (0, the default: answer with vectors).
func (s *EmbeddingsServer) SetStatus(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

// FailAfter lets the next n requests get vectors and answers every later one with status
// and an OpenAI-style error (a provider that fails halfway through a large job).
func (s *EmbeddingsServer) FailAfter(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.okLeft, s.failStatus = n, status
}

// Hold makes requests wait until Release (to observe how many a client runs
// at once); requests that arrive while held wait too.
func (s *EmbeddingsServer) Hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate == nil {
		s.gate = make(chan struct{})
	}
}

// Release lets held requests through.
func (s *EmbeddingsServer) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
}

// InFlight returns how many requests are being answered (or held) now.
func (s *EmbeddingsServer) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// MaxInFlight returns the most requests the server has answered at once.
func (s *EmbeddingsServer) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// Requests returns a copy of every request received so far, in order.
func (s *EmbeddingsServer) Requests() []EmbeddingsRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]EmbeddingsRequest(nil), s.requests...)
}

func (s *EmbeddingsServer) embeddings(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model string          `json:"model"`
		Input json.RawMessage `json:"input"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	var input []string
	if err == nil {
		// "input" is a string or an array of strings.
		if e := json.Unmarshal(req.Input, &input); e != nil {
			var one string
			if err = json.Unmarshal(req.Input, &one); err == nil {
				input = []string{one}
			}
		}
	}
	if err != nil || len(input) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_input", "input must be a string or a non-empty array of strings")
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, EmbeddingsRequest{Model: req.Model, Input: input, Header: r.Header.Clone()})
	status, gate := s.status, s.gate
	switch {
	case s.okLeft > 0:
		s.okLeft--
	case s.okLeft == 0 && status == 0:
		status = s.failStatus
	}
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 {
		writeError(w, status, "server_error", "scripted", "scripted embeddings failure")
		return
	}
	type datum struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	out := struct {
		Object string  `json:"object"`
		Model  string  `json:"model"`
		Data   []datum `json:"data"`
	}{Object: "list", Model: req.Model}
	for i, text := range input {
		out.Data = append(out.Data, datum{Object: "embedding", Index: i, Embedding: Embed(text)})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// Embed returns the scripted vector of text (unit length, EmbeddingDims
// long): each word that is not a stop word counts once (sublinearly when
// repeated) at a hashed position, as its SynonymConcept when it has one
// (weighing double), else as its first six letters.
func Embed(text string) []float32 {
	counts := map[string]float64{}
	for _, w := range embedWords(text) {
		if embedStop[w] || utf8.RuneCountInString(w) < 3 {
			continue
		}
		if c := SynonymConcept(w); c != "" {
			counts["#"+c] += 2
			continue
		}
		counts[prefix(w, 6)]++
	}
	v := make([]float32, EmbeddingDims)
	for k, n := range counts {
		h := fnv.New32a()
		h.Write([]byte(k))
		v[h.Sum32()%EmbeddingDims] += float32(1 + math.Log(n))
	}
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s > 0 {
		for i := range v {
			v[i] = float32(float64(v[i]) / math.Sqrt(s))
		}
	}
	return v
}

// SynonymConcept returns the topic a folded word stands for in the scripted
// server's cross-language table ("versand" → "ship"), "" when the table does
// not list it: the longest table entry that begins the word (an entry
// written "=word" matches that word only).
func SynonymConcept(w string) string {
	if c, ok := synonymTable()["="+w]; ok {
		return c
	}
	rs := []rune(w)
	for n := len(rs); n >= 3; n-- {
		if c, ok := synonymTable()[string(rs[:n])]; ok {
			return c
		}
	}
	return ""
}

func prefix(w string, n int) string {
	rs := []rune(w)
	return string(rs[:min(n, len(rs))])
}

// embedWords returns text's words, lower case and without diacritics.
func embedWords(text string) []string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, strings.ToLower(text))
	if err != nil {
		folded = strings.ToLower(text)
	}
	folded = strings.NewReplacer("ß", "ss", "ł", "l", "ø", "o").Replace(folded)
	return strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// synonyms are the scripted server's topics and the words (folded word
// beginnings) that stand for them in English, German, French, Spanish,
// Italian, Portuguese, Dutch, Polish, Czech, Slovak and Russian.
var synonyms = map[string]string{
	"ship":     "ship shipp deliver versand versend verschick liefer livr expedi envio envia enviar sped entreg frete verzend lever bezorg dostaw doruc doprav достав отправ",
	"cost":     "cost price kost cout frais cuest =costa custa stoi kosztu стоит стоимост цена",
	"free":     "free kostenlos gratu gratis zdarma darmo бесплат",
	"abroad":   "international abroad ausland etranger extranjer estero exterior buitenland zagranic zahranic за границ britain britan grossbritannien kingdom",
	"canada":   "canad kanad канад",
	"return":   "return zuruck rucksend retour devol =reso =resi restitu zwrot zwroc vratit vrati vrat вернут возврат",
	"refund":   "refund erstatt rembours reembols rimbors terugbet money geld argent dinero dinheiro soldi penize peniaze pieniadz деньги денег",
	"exchange": "exchange umtausch echang cambi troca ruil wymian vymen обмен",
	"pay":      "pay paie pago pagar pagam pagare zahl bezahl betal plati platb platn placi oplat плат оплат",
	"card":     "card karte carte tarjet carta cartao kaart kart карт",
	"charge":   "charg belast debit cobr addebit afgeschr obciaz strhn списыв",
	"invoice":  "invoice rechnung factur fattur fatur faktur счет",
	"track":    "track verfolg sendungsnummer suivi suivr rastre segui traccia volg sledz sled отслед",
	"order":    "order bestell command pedido ordine encomend zamowien objedn заказ",
	"parcel":   "parcel package paket colis paquet pacco pacote pakket paczk balik posylk посыл",
	"missing":  "missing lost never arriv receiv angekommen verlor perdu perdi cheg aangekom doszl dotarl doraz пришл потерял",
	"cancel":   "cancel storn annul anula anuluj zrusit zrus отмен",
	"change":   "change address adress direcc indirizz endereco adres wijzig andern modif zmien zmen измен",
	"hours":    "hour open offnung geoffnet horair ouvert ouvr horari abre abren abierto apert aberto openingstijd otevr otvor otwar godzin часы откры",
	"sunday":   "sunday sonntag dimanch doming domenic nedel niedziel воскрес",
	"saturday": "saturday samstag samedi sabado sabato sobot суббот",
	"store":    "store shop laden geschaft magasin boutique negozio loja winkel sklep obchod prodejn predajn магазин",
	"parking":  "park parcheg estacion garage garer zapark парков",
	"service":  "service contact kontakt kundendienst kundenservice atendiment klantenserv zakaznick obslug servis",
	"customer": "customer kunde client klant klient zakaznik покупат",
	"phone":    "phone telefon telephon =call anruf appel llamar chiamar ligar bellen zadzwon zavolat телефон позвон",
	"warranty": "warrant garanti gwaranc zaruk гарант",
	"claim":    "claim reklam melde reclam segnal",
	"repair":   "repair reparat repar ripar napraw oprav ремонт",
	"defect":   "defect broken kaputt casse rotto quebr kapot zepsut rozbit =vada =vadu =wada дефект слома",
	"time":     "long time days dauer lange temps jours delai tiempo dias tempo giorni duur dagen dlugo trwa =dni сколько дней долго",
	"used":     "unused used worn getragen porte usado usato gebruikt uzyw pouzit nepouzit noszon использ",
	"backpack": "backpack rucksack zaino mochila rugzak plecak batoh ruksak рюкзак",
	"tent":     "tent zelt tente tenda namiot =stan палатк",
	"zipper":   "zipper =zip reissversch fermeture cremallera cerniera ritssluit zamek ziper молни",
	"life":     "lifetime life lebenslang =vie =vida =vita leven zycie zivot пожизн",
}

var synonymTable = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for concept, ws := range synonyms {
		for _, w := range strings.Fields(ws) {
			m[w] = concept
		}
	}
	return m
})

// embedStop are frequent function words of the eleven languages, folded.
var embedStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`the and for you your our are can does how what when where which who with will have has not any from that this its
		der die das und ich sie ist wie was wann wer mit ein eine einen mein meine meinen ihr ihre den dem des auf fur
		les des une est que qui quoi quand comment mon mes vous votre vos pour avec dans pas puis
		los las una que como cuando donde por para con mis del
		che come dove quando per con una mio mia della
		uma que como quando onde por para com meu minha
		het een wat wanneer hoe waar ik mijn jullie van voor met
		jak gdzie kiedy czy moje moja mam nie jest
		jak kde kdy muj moje mam neni jsou mohu
		ako kde kedy moj moja mam som mozem
		как где когда мой моя мне это что есть ли`) {
		m[w] = true
	}
	return m
}()
