package bot

import (
	"maps"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The detector matches its lexicon against a normalised copy of the message:
//
//   - lower case, diacritics removed ("Mitarbeiterin Süß" → "mitarbeiterin sus",
//     "nhân viên" → "nhan vien"), a few letters spelt out (ß, ł, đ, ø, æ, ...), Arabic and
//     Persian letter variants unified, Hangul syllables and kana kept whole;
//   - a letter repeated is kept once ("humaaan" → "human", "connect" → "conect": the lexicon
//     is normalised the same way, so both sides agree);
//   - words separated by one space, the text framed by spaces (" talk to a human ");
//   - clause punctuation (. , ! ? ; : and their CJK, Arabic and Devanagari forms) becomes a
//     clause break " | " that no lexicon entry crosses; in Thai, which writes words
//     without spaces, a space is a clause break too.

// foldTable maps a rune below foldTableSize to its folded form; "" keeps the rune as it
// is, dropRune removes it.
const (
	foldTableSize = 0x3000
	dropRune      = "\x00"
)

// foldTable is built on first use (a service that never runs the detector never pays for
// it): fold's special letters (specialFolds) and a few more.
var foldTable = sync.OnceValue(func() *[foldTableSize]string {
	t := new([foldTableSize]string)
	special := maps.Clone(specialFolds)
	maps.Copy(special, map[rune]string{
		'ð': "d", 'ħ': "h", 'ŀ': "l", 'ς': "σ", '´': "'", '`': "'",
		// Arabic and Persian: one letter for the variants of yeh, kaf and heh; alef maksura
		// as yeh; teh marbuta as heh; the tatweel (a stretching stroke) goes.
		'ی': "ي", 'ى': "ي", 'ک': "ك", 'ە': "ه", 'ة': "ه", 'ـ': dropRune,
		// Zero-width joiners: Persian writes "می‌خواهم" with or without one.
		'\u200c': dropRune, '\u200d': dropRune, '\u200b': dropRune, '\u00ad': dropRune,
	})
	for r := rune(0x80); r < foldTableSize; r++ {
		if f, ok := special[r]; ok {
			t[r] = f
			continue
		}
		if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) {
			t[r] = dropRune
			continue
		}
		lower := unicode.ToLower(r)
		var out []rune
		for _, c := range norm.NFD.String(string(lower)) {
			if unicode.Is(unicode.Mn, c) {
				continue
			}
			if f, ok := special[c]; ok {
				out = append(out, []rune(f)...)
				continue
			}
			out = append(out, c)
		}
		switch {
		case len(out) == 0:
			t[r] = dropRune
		case len(out) == 1 && out[0] == r:
			// identity
		default:
			t[r] = string(out)
		}
	}
	return t
})

// runeKind classifies a folded rune for the normaliser.
type runeKind uint8

const (
	kindSpace  runeKind = iota // separates words
	kindWord                   // part of a word
	kindBreak                  // ends a clause
	kindDigitW                 // a digit: part of a word, never squeezed
)

var asciiKind = func() (k [128]runeKind) {
	for c := 0; c < 128; c++ {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			k[c] = kindWord
		case c >= '0' && c <= '9':
			k[c] = kindDigitW
		case c == '.' || c == ',' || c == '!' || c == '?' || c == ';' || c == ':' || c == '\n' || c == '|':
			k[c] = kindBreak
		}
	}
	return k
}()

func kindOf(r rune) runeKind {
	if r < 128 {
		return asciiKind[r]
	}
	switch r {
	case '¿', '¡', '…', '。', '，', '、', '！', '？', '；', '：', '،', '؛', '؟', '۔', '।', '॥', '\u037e', '\u2028', '\u2029', '｡', '､':
		return kindBreak
	}
	if unicode.IsLetter(r) || unicode.Is(unicode.Mc, r) {
		return kindWord
	}
	if unicode.IsDigit(r) {
		return kindDigitW
	}
	return kindSpace
}

// isThai reports a Thai letter: Thai separates phrases, not words, by spaces.
func isThai(r rune) bool { return r >= 0x0e00 && r <= 0x0e7f }

// normalizer appends the normalised form of text to a buffer.
type normalizer struct {
	dst          []byte
	last         rune // the last rune written to a word, -1 after a separator
	lastThai     bool
	pendingSpace bool
	pendingBreak bool
	clauses      bool // write clause breaks; lexicon entries are normalised without
	start        int  // where the text starts in dst, after the leading space
}

// normalize appends the framed, normalised form of s to dst: " w1 w2 | w3 ".
func normalize(dst []byte, s string, clauses bool) []byte {
	n := normalizer{dst: append(dst, ' '), last: -1, clauses: clauses}
	n.start = len(n.dst)
	start := n.start
	folds := foldTable()
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		switch {
		case r < 128:
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			k := asciiKind[r]
			if k == kindWord && !n.pendingSpace && !n.pendingBreak && len(n.dst) > n.start {
				// The common case: a letter inside a word.
				if r != n.last {
					n.dst = append(n.dst, byte(r))
					n.last, n.lastThai = r, false
				}
				continue
			}
			n = n.put(r, k)
		case r < foldTableSize:
			f := folds[r]
			switch f {
			case "":
				n = n.put(r, kindOf(r))
			case dropRune:
			default:
				for _, c := range f {
					n = n.put(c, kindOf(c))
				}
			}
		case r >= 0xff01 && r <= 0xff5e: // fullwidth ASCII
			c := r - 0xfee0
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			n = n.put(c, asciiKind[c])
		case unicode.Is(unicode.Mn, r):
		default:
			n = n.put(r, kindOf(r))
		}
	}
	if len(n.dst) == start { // nothing but separators
		return n.dst
	}
	return append(n.dst, ' ')
}

// put writes one rune; a value receiver keeps the buffer on the caller's stack.
func (n normalizer) put(r rune, k runeKind) normalizer {
	switch k {
	case kindSpace:
		n.pendingSpace = true
		n.last = -1
		return n
	case kindBreak:
		if n.clauses {
			n.pendingBreak = true
		} else {
			n.pendingSpace = true
		}
		n.last = -1
		return n
	}
	thai := isThai(r)
	if n.pendingBreak || n.pendingSpace {
		if len(n.dst) > n.start { // not at the start
			if n.pendingBreak || (n.clauses && thai && n.lastThai) {
				n.dst = append(n.dst, ' ', '|', ' ')
			} else {
				n.dst = append(n.dst, ' ')
			}
		}
		n.pendingBreak, n.pendingSpace = false, false
	} else if k == kindWord && r == n.last {
		return n // a repeated letter
	}
	n.lastThai = thai
	if k == kindWord {
		n.last = r
	} else {
		n.last = -1
	}
	n.dst = utf8.AppendRune(n.dst, r)
	return n
}
