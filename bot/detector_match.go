package bot

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// class is what a lexicon entry says about the words it matches; an entry found in
// several lists has several classes.
type class uint16

const (
	clsPerson  class = 1 << iota // a person to talk to: "human", "agent", "Mitarbeiter", "人工"
	clsSomeone                   // "someone", "jemand": a person only beside a verb of talking
	clsTalk                      // talking or being put through: "talk to", "connect me", "转"
	clsWant                      // a wish or a demand: "I want", "I need", "give me", "お願い"
	clsNeg                       // a negation of the wish: "don't", "no need", "nicht", "不要"
	clsBlock                     // a question about people or a report: "how many", "are you a", "said"
	clsNot                       // not what it seems: "agent account", "admin role", "talk about"
	clsFiller                    // may stand beside a person alone: "please", "real", "now"
	clsBot                       // the bot: "bot", "robot", "机器人" ("not a bot" is no negation)
	clsPost                      // with clsNeg: the negation may follow the verb (verb-final languages)
	clsReport                    // with clsBlock: a report, which blocks the next clause too ("X said, ...")
	clsFree                      // with clsWant: the wish may follow the person ("живой человек нужен")
	clsMust                      // an obligation ("tengo que", "devo"): with clsFor, a question of procedure
	clsFor                       // a purpose ("para cancelar", "per annullare")
)

// pattern is one normalised lexicon entry.
type pattern struct {
	cls    class
	n      int32 // length in bytes, boundary spaces included
	lead   bool  // starts with a word boundary (a space)
	trail  bool  // ends with a word boundary
	spaces int32 // spaces inside the entry, boundaries excluded
}

// automaton is an Aho-Corasick automaton over the bytes of normalised text: one pass
// finds every lexicon entry of every language.
type automaton struct {
	root     [256]int32 // the root's transitions; 0 is the root itself
	edgeOff  []int32    // node s has edges edgeOff[s]:edgeOff[s+1]
	edgeByte []byte     // sorted within a node
	edgeTo   []int32
	fail     []int32
	term     []int32 // the pattern that ends at the node, or -1
	dict     []int32 // the nearest node along the fail links where a pattern ends, or -1
	pats     []pattern
}

// newAutomaton builds the automaton of the patterns keyed by their normalised text.
func newAutomaton(keys []string, pats []pattern) *automaton {
	type node struct {
		next map[byte]int32
		term int32
	}
	nodes := []node{{next: map[byte]int32{}, term: -1}}
	for id, k := range keys {
		s := int32(0)
		for i := 0; i < len(k); i++ {
			t, ok := nodes[s].next[k[i]]
			if !ok {
				t = int32(len(nodes))
				nodes = append(nodes, node{next: map[byte]int32{}, term: -1})
				nodes[s].next[k[i]] = t
			}
			s = t
		}
		nodes[s].term = int32(id)
	}
	a := &automaton{pats: pats}
	n := len(nodes)
	a.edgeOff = make([]int32, n+1)
	a.fail = make([]int32, n)
	a.term = make([]int32, n)
	a.dict = make([]int32, n)
	for s := range nodes {
		a.edgeOff[s] = int32(len(a.edgeByte))
		bs := make([]int, 0, len(nodes[s].next))
		for b := range nodes[s].next {
			bs = append(bs, int(b))
		}
		sort.Ints(bs)
		for _, b := range bs {
			a.edgeByte = append(a.edgeByte, byte(b))
			a.edgeTo = append(a.edgeTo, nodes[s].next[byte(b)])
		}
		a.term[s] = nodes[s].term
	}
	a.edgeOff[n] = int32(len(a.edgeByte))
	for b, t := range nodes[0].next {
		a.root[b] = t
	}
	// Breadth first: fail links and dictionary links.
	queue := make([]int32, 0, n)
	for _, t := range a.root {
		if t != 0 {
			queue = append(queue, t)
			a.fail[t] = 0
			a.dict[t] = -1
		}
	}
	a.dict[0] = -1
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for e := a.edgeOff[s]; e < a.edgeOff[s+1]; e++ {
			b, t := a.edgeByte[e], a.edgeTo[e]
			f := a.fail[s]
			for {
				if g := a.child(f, b); g >= 0 {
					a.fail[t] = g
					break
				}
				if f == 0 {
					a.fail[t] = 0
					break
				}
				f = a.fail[f]
			}
			if a.term[a.fail[t]] >= 0 {
				a.dict[t] = a.fail[t]
			} else {
				a.dict[t] = a.dict[a.fail[t]]
			}
			queue = append(queue, t)
		}
	}
	return a
}

// child returns the node reached from s by b, -1 if none (0 from the root: the root loops).
func (a *automaton) child(s int32, b byte) int32 {
	if s == 0 {
		return a.root[b]
	}
	lo, hi := a.edgeOff[s], a.edgeOff[s+1]
	for lo < hi {
		m := int32(uint32(lo+hi) >> 1)
		switch c := a.edgeByte[m]; {
		case c == b:
			return a.edgeTo[m]
		case c < b:
			lo = m + 1
		default:
			hi = m
		}
	}
	return -1
}

// match is one lexicon entry found in the text.
type match struct {
	cls        class
	start, end int32 // bytes of the entry's words in the text, boundaries excluded
	w0, w1     int32 // index of the entry's first and last word
	clause     int32
	open       bool // a prefix entry: its word may go on
	dead       bool // inside a clsNot entry
}

// scan appends the matches of every pattern in text (normalised, framed by spaces).
func (a *automaton) scan(text []byte, ms []match) []match {
	s := int32(0)
	var spaces, clauses int32
	for i := 0; i < len(text); i++ {
		b := text[i]
		switch b {
		case ' ':
			spaces++
		case '|':
			clauses++
		}
		for {
			if t := a.child(s, b); t >= 0 {
				s = t
				break
			}
			s = a.fail[s]
		}
		o := s
		if a.term[o] < 0 {
			o = a.dict[o]
		}
		for ; o >= 0; o = a.dict[o] {
			p := &a.pats[a.term[o]]
			m := match{cls: p.cls, clause: clauses, open: p.lead && !p.trail}
			m.start = int32(i) + 1 - p.n
			m.end = int32(i) + 1
			w1 := spaces
			if p.lead {
				m.start++
			}
			if p.trail {
				m.end--
				w1--
			}
			m.w1 = w1
			m.w0 = w1 - p.spaces
			ms = append(ms, m)
		}
	}
	return ms
}

// entryKey turns a lexicon entry into the text the automaton looks for:
//
//	"talk to"   the words " talk to " (whole words)
//	"mitarbeit*" a word that starts so: " mitarbeit"
//	"*موظف*"    anywhere, inside words too: for clitics (Arabic, Hebrew) and compounds
//
// Entries in scripts written without spaces (Chinese, Japanese, Thai) match anywhere.
func entryKey(e string) (string, bool) {
	e = strings.TrimSpace(e)
	lead, trail := true, true
	if strings.HasPrefix(e, "*") {
		lead = false
		e = e[1:]
	}
	if strings.HasSuffix(e, "*") {
		trail = false
		e = e[:len(e)-1]
	}
	core := strings.TrimSpace(string(normalize(nil, e, false)))
	if core == "" {
		return "", false
	}
	for _, r := range core {
		if unspaced(r) {
			lead, trail = false, false
			break
		}
	}
	if lead {
		core = " " + core
	}
	if trail {
		core += " "
	}
	return core, true
}

// unspaced reports a rune of a script written without spaces between words.
func unspaced(r rune) bool {
	return isThai(r) || unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || r == 'ー'
}

// fuzzyIndex finds words one typo away from a lexicon word ("humna", "agnet",
// "persn", "representitive"): symmetric deletion, for words of at least five letters in
// alphabetic scripts.
type fuzzyIndex struct {
	exact map[string]class // the lexicon words
	del   map[string]class // the lexicon words less one letter
}

const fuzzyMin = 5

func (f *fuzzyIndex) add(word string, c class) {
	if utf8.RuneCountInString(word) < fuzzyMin || !fuzzyScript(word) {
		return
	}
	f.exact[word] |= c
	for i, r := range word {
		f.del[word[:i]+word[i+utf8.RuneLen(r):]] |= c
	}
}

// fuzzyScript reports a word in Latin, Greek or Cyrillic letters.
func fuzzyScript(w string) bool {
	for _, r := range w {
		if r >= 0x0530 || !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// lookup returns the classes of the lexicon words one edit away from w.
func (f *fuzzyIndex) lookup(w []byte) class {
	n := utf8.RuneCount(w)
	if n < fuzzyMin-1 || n > 24 {
		return 0
	}
	c := f.del[string(w)] // w lacks a letter
	var buf [96]byte
	for i := 0; i < len(w); {
		_, size := utf8.DecodeRune(w[i:])
		if len(w)-size > len(buf) {
			return c
		}
		d := append(append(buf[:0], w[:i]...), w[i+size:]...)
		c |= f.exact[string(d)] // w has a letter too many
		c |= f.del[string(d)]   // a letter replaced, or two swapped
		i += size
	}
	return c
}
