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
	terms    []map[string]int // term frequencies of each passage
	lengths  []int
	df       map[string]int
	avgLen   float64
	topics   []string // document titles, in load order
}

// Passage is one retrievable piece of the knowledge base.
type Passage struct {
	// Source is the file the passage comes from, relative to the knowledge directory.
	Source string
	// Title is the passage's heading path, e.g. "Shipping / Delivery times".
	Title string
	// Text is the passage's text (Markdown as written).
	Text string
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
	var docs []document
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
		return nil, fmt.Errorf("bot: knowledge directory %s: %w", name, errors.Join(problems...))
	}
	if found == 0 {
		return nil, fmt.Errorf("bot: knowledge directory %s: no .md or .txt files found", name)
	}
	k := buildKnowledge(docs)
	if len(k.passages) == 0 {
		return nil, fmt.Errorf("bot: knowledge directory %s: the %d file(s) found contain no text", name, found)
	}
	return k, nil
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

func readDocument(fsys fs.FS, p, root string) (document, error) {
	info, err := fs.Stat(fsys, p)
	if err != nil {
		return document{}, fmt.Errorf("%s: %w", p, err)
	}
	if info.Size() > maxKnowledgeFileSize {
		return document{}, fmt.Errorf("%s: %d bytes is larger than the %d bytes a knowledge file may have", p, info.Size(), maxKnowledgeFileSize)
	}
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return document{}, fmt.Errorf("%s: %w", p, err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // BOM
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return document{}, fmt.Errorf("%s: not UTF-8 text", p)
	}
	src := p
	if root != "." {
		src = strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	fallback := titleFromFileName(path.Base(p))
	if ext := strings.ToLower(path.Ext(p)); ext == ".txt" {
		return splitText(src, fallback, text), nil
	}
	return splitMarkdown(src, fallback, text), nil
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
		if h != "" {
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

func buildKnowledge(docs []document) *Knowledge {
	k := &Knowledge{df: map[string]int{}}
	total := 0
	for _, d := range docs {
		if len(d.passages) > 0 {
			k.topics = append(k.topics, d.title)
		}
		for _, p := range d.passages {
			tf := map[string]int{}
			n := 0
			// The title counts twice: it names what the passage is about.
			for _, t := range append(append(terms(p.Title), terms(p.Title)...), terms(p.Text)...) {
				tf[t]++
				n++
			}
			for t := range tf {
				k.df[t]++
			}
			k.passages = append(k.passages, p)
			k.terms = append(k.terms, tf)
			k.lengths = append(k.lengths, n)
			total += n
		}
	}
	if len(k.passages) > 0 {
		k.avgLen = float64(total) / float64(len(k.passages))
	}
	return k
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

// Search returns up to n passages that best match query, best first, scored
// with BM25 over folded (lowercase, diacritics removed) words without
// stop words. Passages that share no word with the query are not returned.
func (k *Knowledge) Search(query string, n int) []Passage {
	if k == nil || n <= 0 || len(k.passages) == 0 {
		return nil
	}
	q := uniq(terms(query))
	if len(q) == 0 {
		return nil
	}
	N := float64(len(k.passages))
	type hit struct {
		i     int
		score float64
	}
	var hits []hit
	for i, tf := range k.terms {
		score := 0.0
		for _, t := range q {
			f := float64(tf[t])
			if f == 0 {
				continue
			}
			df := float64(k.df[t])
			idf := math.Log(1 + (N-df+0.5)/(df+0.5))
			norm := 1 - bm25B + bm25B*float64(k.lengths[i])/k.avgLen
			score += idf * f * (bm25K1 + 1) / (f + bm25K1*norm)
		}
		if score > 0 {
			hits = append(hits, hit{i, score})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return a.i - b.i
	})
	if len(hits) > n {
		hits = hits[:n]
	}
	out := make([]Passage, len(hits))
	for j, h := range hits {
		out[j] = k.passages[h.i]
		out[j].Score = h.score
	}
	return out
}

func uniq(ts []string) []string {
	seen := map[string]bool{}
	out := ts[:0:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// terms turns text into index terms: folded words without stop words and
// one-letter words, with a light plural fold for Latin-script words
// ("returns" → "return"). No stemming: it stays safe for every language.
func terms(text string) []string {
	ws := words(text)
	out := ws[:0]
	for _, w := range ws {
		if utf8.RuneCountInString(w) < 2 || stopWords[w] {
			continue
		}
		out = append(out, pluralFold(w))
	}
	return out
}

func pluralFold(w string) string {
	if len(w) >= 4 && w[len(w)-1] == 's' && w[len(w)-2] != 's' && isASCIILetters(w) {
		return w[:len(w)-1]
	}
	return w
}

func isASCIILetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// stopWords are frequent function words of the supported languages, folded.
var stopWords = func() map[string]bool {
	lists := []string{
		// en
		`a an the and or but if of to in on at by for from with about as into over after before than then so
		is are was were be been being am do does did doing have has had having will would shall should can could may might must
		i me my mine we us our you your yours he him his she her it its they them their this that these those there here
		what which who whom whose when where why how not no yes any some all each every more most other such only own same too very
		just also please pls hi hello hey thanks thank ok okay get got want need like know tell much many one lot`,
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
}()

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
