package bot

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// specialFolds maps letters that Unicode decomposition does not reduce to a
// base letter plus marks.
var specialFolds = map[rune]string{
	'ß': "ss", 'ł': "l", 'đ': "d", 'ø': "o", 'æ': "ae", 'œ': "oe", 'þ': "th", 'ı': "i",
	'’': "'", '‘': "'", 'ʼ': "'",
}

// fold lowercases s and removes diacritics ("Mitarbeiterin Süß" → "mitarbeiterin suss",
// "operátorom" → "operatorom", "ещё" → "еще"). Everything that
// is not a letter is kept as is, so fold is safe on regular expression source.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if f, ok := specialFolds[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// words folds s and splits it into words of letters and digits; everything
// else separates words.
func words(s string) []string {
	return strings.FieldsFunc(fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// estimateTokens estimates the tokens of s at about four characters a token,
// without a tokenizer (tiktoken may fetch files from the network).
func estimateTokens(s string) int {
	n := 0
	for range s {
		n++
	}
	return (n + 3) / 4
}

var (
	mdLinkRE     = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	mdEmphasisRE = regexp.MustCompile("(\\*\\*|__|\\*|`)")
	mdListRE     = regexp.MustCompile(`^\s*(?:[-*+]|\d+[.)])\s+`)
	mdQuoteRE    = regexp.MustCompile(`^\s*>\s?`)
	spacesRE     = regexp.MustCompile(`[ \t]+`)
)

// cleanInline removes inline Markdown: links keep their text, emphasis and
// code marks go.
func cleanInline(s string) string {
	s = mdLinkRE.ReplaceAllString(s, "$1")
	s = mdEmphasisRE.ReplaceAllString(s, "")
	return strings.TrimSpace(spacesRE.ReplaceAllString(s, " "))
}

// plainText turns a Markdown passage into plain sentences: list items and
// lines become sentences, tables and fences lose their marks.
func plainText(md string) string {
	var parts []string
	for _, line := range strings.Split(md, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") || strings.Trim(t, "|-: ") == "" {
			continue
		}
		t = mdQuoteRE.ReplaceAllString(t, "")
		t = mdListRE.ReplaceAllString(t, "")
		t = strings.Trim(strings.ReplaceAll(t, "|", " "), " ")
		t = cleanInline(t)
		if t == "" {
			continue
		}
		if last := t[len(t)-1]; last != '.' && last != '!' && last != '?' && last != ':' {
			t += "."
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}

// firstSentences returns up to n sentences of text, cut at about limit characters.
func firstSentences(text string, n, limit int) string {
	var b strings.Builder
	count := 0
	start := 0
	for i := 0; i < len(text) && count < n; i++ {
		c := text[i]
		if (c == '.' || c == '!' || c == '?') && (i+1 == len(text) || text[i+1] == ' ') {
			s := strings.TrimSpace(text[start : i+1])
			if b.Len() > 0 && b.Len()+1+len(s) > limit {
				break
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s)
			count++
			start = i + 1
		}
	}
	if b.Len() == 0 {
		s := strings.TrimSpace(text)
		if len(s) > limit {
			cut := strings.LastIndexByte(s[:limit], ' ')
			if cut <= 0 {
				cut = limit
				for cut < len(s) && !utf8.RuneStart(s[cut]) {
					cut++
				}
			}
			s = strings.TrimSpace(s[:cut]) + "…"
		}
		return s
	}
	return b.String()
}
