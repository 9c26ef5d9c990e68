package bot

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Knowledge is a small knowledge base the bot answers from: Markdown and
// text files split into passages, with a lexical (BM25) index. It is
// immutable once built and safe for concurrent use. A nil *Knowledge is an
// empty knowledge base.
type Knowledge struct {
	passages []Passage
	postings map[string][]posting // index term → the passages that hold it
	norms    []float64            // BM25 length normalisation of each passage
	topics   []string             // document titles, in load order
	// vectors are the passages' embeddings (unit length), by passage index,
	// and emb embeds the questions; both nil without an embedding model.
	vectors [][]float32
	emb     *Embeddings
}

// Passage is one retrievable piece of the knowledge base.
type Passage struct {
	// Source is the file the passage comes from, relative to the knowledge directory.
	Source string
	// Title is the passage's heading path, e.g. "Shipping / Delivery times".
	Title string
	// Text is the passage's text (Markdown as written).
	Text string
	// URL is the public address of the passage's document (a help-center
	// article), "" when it has none.
	URL string
	// Lang is the language of the passage's document as its source names
	// it ("en", "pt-br"), "" when unknown.
	Lang string
	// Score is the retrieval score of a search result (higher is better).
	Score float64
}

// Limits of the knowledge loader.
const (
	maxKnowledgeFileSize = 4 << 20 // bytes per file
	maxPassageChars      = 1200
)

// LoadKnowledge reads every .md, .markdown and .txt file under dir
// (recursively, skipping hidden files and directories) and splits it into
// passages: Markdown by headings, then paragraphs; text files by paragraphs.
// It fails with a clear error when dir cannot be read, holds no such file,
// or a file is too large or not UTF-8 text.
func LoadKnowledge(dir string) (*Knowledge, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("bot: knowledge directory %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("bot: knowledge directory %s: not a directory", dir)
	}
	return loadKnowledgeFS(os.DirFS(dir), ".", dir)
}

// loadKnowledgeFS loads the knowledge files under root of fsys; name is used
// in error messages.
func loadKnowledgeFS(fsys fs.FS, root, name string) (*Knowledge, error) {
	docs, found, err := readKnowledgeFS(fsys, root, name)
	if err != nil {
		return nil, err
	}
	if found == 0 {
		return nil, fmt.Errorf("bot: knowledge directory %s: no .md or .txt files found", name)
	}
	k := buildKnowledge(splitDocuments(docs))
	if len(k.passages) == 0 {
		return nil, fmt.Errorf("bot: knowledge directory %s: the %d file(s) found contain no text", name, found)
	}
	return k, nil
}

// readKnowledgeFS reads the knowledge files under root of fsys as
// documents, and how many it found; name is used in error messages. Any
// file that cannot be read fails the whole read.
func readKnowledgeFS(fsys fs.FS, root, name string) ([]Document, int, error) {
	var docs []Document
	var problems []error
	found := 0
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", p, err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		base := d.Name()
		if p != root && strings.HasPrefix(base, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isKnowledgeFile(base) {
			return nil
		}
		found++
		doc, err := readDocument(fsys, p, root)
		if err != nil {
			problems = append(problems, err)
			return nil
		}
		docs = append(docs, doc)
		return nil
	})
	if err != nil {
		problems = append(problems, err)
	}
	if len(problems) > 0 {
		return nil, found, fmt.Errorf("bot: knowledge directory %s: %w", name, errors.Join(problems...))
	}
	return docs, found, nil
}

func isKnowledgeFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown", ".txt":
		return true
	}
	return false
}

// document is one knowledge file split into passages, before indexing.
type document struct {
	title    string
	passages []Passage
}

// readDocument reads one knowledge file as a Document without a title (its
// headings, or its file name, title it).
func readDocument(fsys fs.FS, p, root string) (Document, error) {
	info, err := fs.Stat(fsys, p)
	if err != nil {
		return Document{}, fmt.Errorf("%s: %w", p, err)
	}
	if info.Size() > maxKnowledgeFileSize {
		return Document{}, fmt.Errorf("%s: %d bytes is larger than the %d bytes a knowledge file may have", p, info.Size(), maxKnowledgeFileSize)
	}
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return Document{}, fmt.Errorf("%s: %w", p, err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // BOM
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return Document{}, fmt.Errorf("%s: not UTF-8 text", p)
	}
	src := p
	if root != "." {
		src = strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
	}
	return Document{Source: src, Text: string(data)}, nil
}

// titleFromFileName turns "order-tracking.md" into "Order tracking".
func titleFromFileName(name string) string {
	name = strings.TrimSuffix(name, path.Ext(name))
	name = strings.Join(strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == ' ' }), " ")
	if name == "" {
		return "Untitled"
	}
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[n:]
}

var headingRE = regexp.MustCompile(`^(#{1,6})[ \t]+(.*?)[ \t#]*$`)

// splitMarkdown splits a Markdown file into passages at its headings; each
// passage is titled with its heading path.
func splitMarkdown(src, fallback, text string) document {
	return splitMarkdownUnder(src, fallback, "", text)
}

// splitMarkdownUnder is splitMarkdown with every heading path under prefix
// (a document's own title), when not empty.
func splitMarkdownUnder(src, fallback, prefix, text string) document {
	lines := strings.Split(text, "\n")
	// YAML front matter.
	if len(lines) > 0 && strings.TrimSpace(lines[0]) == "---" {
		for i := 1; i < len(lines); i++ {
			if t := strings.TrimSpace(lines[i]); t == "---" || t == "..." {
				lines = lines[i+1:]
				break
			}
		}
	}
	doc := document{title: ""}
	var heads []string // heading text by level-1
	var body []string
	inFence := false
	flush := func() {
		title := joinHeadings(heads)
		if prefix != "" {
			title = joinHeadings(append([]string{prefix}, heads...))
		}
		if title == "" {
			title = fallback
		}
		doc.passages = append(doc.passages, chunk(src, title, strings.Join(body, "\n"))...)
		body = body[:0]
	}
	for _, line := range lines {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			inFence = !inFence
		}
		if m := headingRE.FindStringSubmatch(line); m != nil && !inFence {
			flush()
			level := len(m[1])
			for len(heads) < level {
				heads = append(heads, "")
			}
			heads = heads[:level]
			heads[level-1] = cleanInline(m[2])
			if doc.title == "" && heads[level-1] != "" {
				doc.title = heads[level-1]
			}
			continue
		}
		body = append(body, line)
	}
	flush()
	if doc.title == "" {
		doc.title = fallback
	}
	return doc
}

func joinHeadings(heads []string) string {
	var parts []string
	for _, h := range heads {
		// A heading that repeats the one above it (an article's body that
		// starts with its title) adds nothing.
		if h != "" && (len(parts) == 0 || parts[len(parts)-1] != h) {
			parts = append(parts, h)
		}
	}
	return strings.Join(parts, " / ")
}

// splitText splits a plain text file into passages by paragraphs.
func splitText(src, title, text string) document {
	return document{title: title, passages: chunk(src, title, text)}
}

// chunk groups the paragraphs of text into passages of at most about
// maxPassageChars characters.
func chunk(src, title, text string) []Passage {
	var out []Passage
	var cur []string
	size := 0
	emit := func() {
		if len(cur) > 0 {
			out = append(out, Passage{Source: src, Title: title, Text: strings.Join(cur, "\n\n")})
		}
		cur, size = nil, 0
	}
	for _, para := range paragraphs(text) {
		for _, piece := range splitLong(para, maxPassageChars) {
			if size > 0 && size+len(piece) > maxPassageChars {
				emit()
			}
			cur = append(cur, piece)
			size += len(piece) + 2
		}
	}
	emit()
	return out
}

// paragraphs splits text at blank lines, trimming each paragraph.
func paragraphs(text string) []string {
	var out []string
	var cur []string
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				out = append(out, strings.TrimSpace(strings.Join(cur, "\n")))
				cur = nil
			}
			continue
		}
		cur = append(cur, strings.TrimRight(line, " \t"))
	}
	if len(cur) > 0 {
		out = append(out, strings.TrimSpace(strings.Join(cur, "\n")))
	}
	return out
}

// splitLong cuts a paragraph longer than max at sentence ends (or spaces).
func splitLong(p string, limit int) []string {
	var out []string
	for len(p) > limit {
		cut := -1
		for i := limit; i > limit/2; i-- {
			sentenceEnd := strings.IndexByte(".!?", p[i-1]) >= 0 && p[i] == ' '
			if sentenceEnd || p[i] == '\n' {
				cut = i
				break
			}
		}
		if cut < 0 {
			cut = strings.LastIndexByte(p[:limit], ' ')
		}
		if cut <= 0 {
			cut = limit
			for cut < len(p) && !utf8.RuneStart(p[cut]) {
				cut++
			}
		}
		out = append(out, strings.TrimSpace(p[:cut]))
		p = strings.TrimSpace(p[cut:])
	}
	if p != "" {
		out = append(out, p)
	}
	return out
}

// Weights of a passage's words in its index, by where they stand: the
// section heading names what the passage is about, the headings above it
// (the document's title) the wider topic, the text the details.
const (
	sectionWeight = 4.0
	parentWeight  = 1.0
	textWeight    = 1.0
)

// rawBonus is the weight of a question word met in a passage in exactly the
// form the visitor typed, on top of its stem: "shipping" prefers a passage
// saying "shipping" over one saying only "ships".
const rawBonus = 0.25

// rawPrefix marks the index terms of words as written (terms are stems).
const rawPrefix = "="

func buildKnowledge(docs []document) *Knowledge {
	k := &Knowledge{postings: map[string][]posting{}}
	var lengths []float64
	total := 0.0
	for _, d := range docs {
		if len(d.passages) > 0 {
			k.topics = append(k.topics, d.title)
		}
		for _, p := range d.passages {
			tf := map[string]float64{}
			n := 0.0
			add := func(text string, weight float64) {
				for _, tok := range analyze(text) {
					tf[tok.stem] += weight
					if tok.raw != tok.stem {
						tf[rawPrefix+tok.raw] += weight
					}
					for _, e := range tok.exp {
						tf[e] += weight
					}
					n++
				}
			}
			section, parents := p.Title, ""
			if i := strings.LastIndex(p.Title, " / "); i >= 0 {
				section, parents = p.Title[i+3:], p.Title[:i]
			}
			add(section, sectionWeight)
			add(parents, parentWeight)
			add(p.Text, textWeight)
			i := int32(len(k.passages))
			for t, f := range tf {
				k.postings[t] = append(k.postings[t], posting{i: i, tf: f})
			}
			k.passages = append(k.passages, p)
			lengths = append(lengths, n)
			total += n
		}
	}
	if len(k.passages) > 0 {
		avg := total / float64(len(k.passages))
		k.norms = make([]float64, len(lengths))
		for i, n := range lengths {
			k.norms[i] = bm25K1 * (1 - bm25B + bm25B*n/avg)
		}
	}
	return k
}

// posting is one passage's (weighted) frequency of an index term.
type posting struct {
	i  int32
	tf float64
}

// Len returns the number of passages.
func (k *Knowledge) Len() int {
	if k == nil {
		return 0
	}
	return len(k.passages)
}

// Topics returns the titles of the knowledge documents, in load order.
func (k *Knowledge) Topics() []string {
	if k == nil {
		return nil
	}
	return slices.Clone(k.topics)
}

// BM25 parameters.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// Search returns up to n passages that best match query, best first. Words
// are folded (lowercase, no diacritics), stop words dropped and the rest
// stemmed (stem); a word also counts in the form it was typed, and through
// the glossary in English (glossaryLookup), so a question finds a passage
// that says the same in other word forms or another language. Passages are
// scored with BM25, their headings weighing more than their text. Passages
// that share no word with the query are not returned.
func (k *Knowledge) Search(query string, n int) []Passage {
	hits := k.search(query, n)
	if len(hits) == 0 {
		return nil
	}
	out := make([]Passage, len(hits))
	for j, h := range hits {
		out[j] = k.passages[h.i]
		out[j].Score = h.score
	}
	return out
}

// hit is one scored passage of a search: its index, its score, and how many
// of the query's words it holds (in any of their forms) out of how many.
type hit struct {
	i              int
	score          float64
	covered, words int
}

func (k *Knowledge) search(query string, n int) []hit {
	if k == nil || n <= 0 || len(k.passages) == 0 {
		return nil
	}
	return k.searchTokens(query, analyze(query), n)
}

// searchTokens is search with the query already analysed (q is analyze(query)).
func (k *Knowledge) searchTokens(query string, q []token, n int) []hit {
	if k == nil || n <= 0 || len(k.passages) == 0 || len(q) == 0 {
		return nil
	}
	if whereIsMy(query, q) {
		q = append(q, token{raw: trackStem, stem: trackStem})
	}
	N := float64(len(k.passages))
	idf := func(df int) float64 { return math.Log(1 + (N-float64(df)+0.5)/(float64(df)+0.5)) }
	bm25 := func(p posting) float64 { return p.tf * (bm25K1 + 1) / (p.tf + k.norms[p.i]) }

	// One scratch array: per passage, its score, the current word's best
	// term and how many words it holds.
	type acc struct {
		score, best float64
		covered     int32
	}
	accs := make([]acc, len(k.passages))
	var touched []int32
	words := 0
	for j, tok := range q {
		if slices.ContainsFunc(q[:j], func(o token) bool { return o.stem == tok.stem }) {
			continue
		}
		words++
		if len(tok.exp) == 0 {
			if ps := k.postings[tok.stem]; len(ps) > 0 {
				w := idf(len(ps))
				for _, p := range ps {
					a := &accs[p.i]
					a.score += w * bm25(p)
					a.covered++
				}
			}
		} else {
			// A word scores once per passage: by the best of its stem and
			// its glossary stems.
			touched = touched[:0]
			for e := -1; e < len(tok.exp); e++ {
				t := tok.stem
				if e >= 0 {
					t = tok.exp[e]
				}
				ps := k.postings[t]
				if len(ps) == 0 {
					continue
				}
				w := idf(len(ps))
				for _, p := range ps {
					a := &accs[p.i]
					s := w * bm25(p)
					if a.best == 0 {
						touched = append(touched, p.i)
					}
					a.best = max(a.best, s)
				}
			}
			for _, i := range touched {
				a := &accs[i]
				a.score += a.best
				a.covered++
				a.best = 0
			}
		}
		if tok.raw != tok.stem {
			if ps := k.postings[rawPrefix+tok.raw]; len(ps) > 0 {
				w := rawBonus * idf(len(ps))
				for _, p := range ps {
					accs[p.i].score += w * bm25(p)
				}
			}
		}
	}
	// The n best, best first; of equal scores, the earlier passage.
	hits := make([]hit, 0, min(n, len(accs)))
	for i, a := range accs {
		if a.score <= 0 || a.covered == 0 || (len(hits) == n && a.score <= hits[n-1].score) {
			continue
		}
		h := hit{i: i, score: a.score, covered: int(a.covered), words: words}
		j := len(hits)
		if j < n {
			hits = append(hits, h)
		} else {
			j = n - 1
		}
		for ; j > 0 && hits[j-1].score < h.score; j-- {
			hits[j] = hits[j-1]
		}
		hits[j] = h
	}
	return hits
}

// whereWords are "where" in the core's languages, folded.
var whereWords = map[string]bool{"where": true, "wo": true, "ou": true, "donde": true, "dove": true, "onde": true,
	"waar": true, "gdzie": true, "kde": true, "где": true}

// Stems of the "where is my order" question.
const trackStem = "track"

var shipmentStems = map[string]bool{stem("order"): true, stem("parcel"): true, stem("package"): true}

// whereIsMy reports whether the query is the commonest question of online
// shops, "where is my order?" (or parcel, in any of the core's languages):
// "where" and nothing but an order or a parcel. It asks for the order's
// tracking, which its words alone do not say: "order" is everywhere in a
// shop's knowledge, and "where" is a stop word.
func whereIsMy(query string, q []token) bool {
	if len(q) > 2 {
		return false
	}
	for _, t := range q {
		ok := shipmentStems[t.stem]
		for _, e := range t.exp {
			ok = ok || shipmentStems[e]
		}
		if !ok {
			return false
		}
	}
	for _, w := range words(query) {
		if whereWords[w] {
			return true
		}
	}
	return false
}

// token is one word of a text as the index sees it.
type token struct {
	raw  string   // folded, as written
	stem string   // stem(raw)
	exp  []string // English stems of the word by the glossary, without stem; read only
}

// analyze turns text into index tokens: folded words without stop words
// and one-letter words, stemmed, with their glossary stems.
func analyze(text string) []token {
	ws := words(text)
	out := make([]token, 0, len(ws))
	stop := stopWords()
	for _, w := range ws {
		if len(w) < 2 || utf8.RuneCountInString(w) < 2 || stop[w] {
			continue
		}
		tok := token{raw: w, stem: stem(w)}
		if exp := glossaryLookup(w); len(exp) > 0 {
			if !slices.Contains(exp, tok.stem) {
				tok.exp = exp // shared with the glossary: read only
			} else {
				for _, e := range exp {
					if e != tok.stem {
						tok.exp = append(tok.exp, e)
					}
				}
			}
		}
		out = append(out, tok)
	}
	return out
}

func isASCIILetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// stopWords are frequent function words of the supported languages, folded;
// built on first use (a service without knowledge never pays for them).
var stopWords = sync.OnceValue(func() map[string]bool {
	lists := []string{
		// en
		`a an the and or but if of to in on at by for from with about as into over after before than then so
		is are was were be been being am do does did doing have has had having will would shall should can could may might must
		i me my mine we us our you your yours he him his she her it its they them their this that these those there here
		what which who whom whose when where why how not no yes any some all each every more most other such only own same too very
		just also please pls hi hello hey thanks thank ok okay get got want need like know tell much many one lot
		until till while since during because without within between through upon onto off out up down again once both either`,
		// de
		`der die das den dem des ein eine einen einem einer eines und oder aber wenn als wie wo was wer wann warum ist sind war waren
		bin bist sein hat haben hatte kann konnen konnte muss mussen soll sollen will wollen mochte mochten wird werden wurde
		ich du er sie es wir ihr mich mir dich dir uns euch ihnen ihre ihren ihrem mein meine meinen meinem dein deine unser unsere
		nicht kein keine auch noch schon nur sehr mit von zu zum zur im in an am auf aus bei fur uber unter nach vor bitte danke hallo gibt`,
		// fr
		`le la les un une des du de et ou mais si que qui quoi quand comment pourquoi ou est sont etait etre avoir ai as avez ont
		je tu il elle nous vous ils elles me te se mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs ce cette ces
		ne pas plus dans sur avec pour par en au aux il y a peut puis pouvez svp merci bonjour salut`,
		// es
		`el la los las un una unos unas y o pero si que quien cual cuando como donde por para con sin en de del al es son era ser
		estar esta estan tengo tiene tienen hay puedo puede pueden yo tu usted ustedes nosotros mi mis su sus nuestro lo le les se me te
		no mas muy gracias hola favor`,
		// it
		`il lo la i gli le un uno una e o ma se che chi come dove quando perche di da in con su per tra fra del della dei delle al alla
		e sono era essere ho hai ha abbiamo avete hanno posso puo potete io tu lui lei noi voi loro mio mia miei mie suo sua vostro vostra
		non piu molto grazie ciao`,
		// pt
		`o a os as um uma uns umas e ou mas se que quem qual quando como onde por para com sem em de do da dos das no na nos nas ao
		e sao era ser estar esta estao tenho tem temos posso pode podem eu tu voce voces nos meu minha seu sua nosso nossa
		nao mais muito obrigado obrigada ola`,
		// nl
		`de het een en of maar als dan dat die wie wat wanneer hoe waar waarom is zijn was waren ben bent heb heeft hebben kan kunnen
		wil willen moet moeten zal zullen ik jij je u hij zij ze wij we mij me mijn jouw uw ons onze hun niet geen ook nog al wel
		met van voor op aan in uit bij naar om over te er dank bedankt hallo graag`,
		// pl
		`i w we z ze na do od dla o u po za przez pod nad przy a ale lub czy to ten ta te jest sa byl byla byc mam ma macie maja moge
		moze mozna ja ty on ona my wy oni mnie mi moj moja moje wasz wasza nasz nasza jak gdzie kiedy dlaczego co kto nie tak
		sie bardzo dziekuje dzien dobry prosze`,
		// cs, sk
		`a i v ve z ze na do od pro o u po za pres pod nad pri ale nebo jestli je jsou byl byla byt mam ma mate maji muzu muze muzete
		ja ty on ona my vy oni me mi muj moje vas nas jak kde kdy proc co kto kdo ne ano se si velmi dekuji dobry den prosim
		som sme ste su mame mozem moze mozete moj moja vase nase preco dakujem dobry prosim`,
		// ru
		`и в во на с со к ко по за из от до для о об у при под над а но или ли если что кто как где когда почему это этот эта эти
		есть был была быть я ты он она мы вы они меня мне мой моя мои ваш ваша ваши наш наша не да нет же бы очень пожалуиста спасибо
		здравствуите привет можно могу хочу`,
	}
	m := map[string]bool{}
	for _, l := range lists {
		for _, w := range strings.Fields(l) {
			m[fold(w)] = true
		}
	}
	return m
})

//go:embed sample/*.md
var sampleFS embed.FS

var (
	sampleOnce sync.Once
	sampleKB   *Knowledge
)

// SampleKnowledge returns a small built-in knowledge base for a fictional
// shop, "Acme Outdoor" (shipping, returns, opening hours, payment, warranty,
// order tracking), for the sandbox, demos and tests.
func SampleKnowledge() *Knowledge {
	sampleOnce.Do(func() {
		k, err := loadKnowledgeFS(sampleFS, "sample", "sample")
		if err != nil {
			panic("bot: the embedded sample knowledge is broken: " + err.Error())
		}
		sampleKB = k
	})
	return sampleKB
}
