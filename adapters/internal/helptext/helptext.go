// Package helptext turns HTML into plain text: help-center article bodies into the text (with
// Markdown headings and list markers) the bot reads, within the bounds every adapter's
// HelpCenter keeps to so that a huge help center cannot exhaust memory; and a chat message's
// HTML into its lines (Lines).
package helptext

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

const (
	// MaxArticles is the most articles (translations counted one by one) an adapter returns.
	MaxArticles = 2000
	// MaxBody is the longest article body kept, in bytes; a longer one is cut at a rune boundary.
	MaxBody = 64 << 10
	// maxInput is the longest HTML parsed: bodies far beyond MaxBody are cut before parsing.
	maxInput = 8 * MaxBody
)

// FromHTML returns the readable text of an HTML fragment: headings become Markdown headings
// ("## Title"), list items "- item", paragraphs and line breaks new lines; scripts, styles and
// other non-text elements are dropped and entities decoded. The result is at most MaxBody bytes.
func FromHTML(s string) string {
	if len(s) > maxInput {
		s = Clip(s, maxInput)
	}
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		// ParseFragment fails only on reader errors; a strings.Reader has none.
		return Clip(strings.TrimSpace(s), MaxBody)
	}
	w := &writer{}
	for _, n := range nodes {
		w.node(n)
	}
	return Clip(tidy(w.b.String()), MaxBody)
}

// Lines returns the text of a chat message's HTML without parsing it: tags are dropped, <br> and
// the ends of paragraphs, divs and list items become line breaks, and the common entities are
// decoded. It is what Libredesk's html2text makes of a message (its text_content), and the
// adapter's fallback when a message lacks one.
func Lines(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '<' {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		tag := strings.ToLower(strings.Trim(s[i+1:i+end], "/ "))
		if f := strings.Fields(tag); len(f) > 0 {
			tag = f[0]
		}
		switch tag {
		case "br", "p", "div", "li":
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
				b.WriteByte('\n')
			}
		}
		i += end + 1
	}
	out := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&nbsp;", " ", "&amp;", "&").Replace(b.String())
	return strings.TrimSpace(out)
}

// Clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Title returns a title as one trimmed line (entities are not decoded: titles are JSON text).
func Title(s string) string {
	return Clip(strings.Join(strings.Fields(s), " "), 1024)
}

type writer struct {
	b   strings.Builder
	pre int // depth inside <pre>
}

// skipped are elements whose content is not article text.
var skipped = map[atom.Atom]bool{atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Svg: true, atom.Math: true, atom.Object: true, atom.Head: true, atom.Title: true,
	atom.Button: true, atom.Select: true, atom.Textarea: true}

// blocks are elements that start and end on their own line(s).
var blocks = map[atom.Atom]bool{atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true,
	atom.Blockquote: true, atom.Table: true, atom.Tr: true, atom.Ul: true, atom.Ol: true, atom.Dl: true,
	atom.Dt: true, atom.Dd: true, atom.Figure: true, atom.Figcaption: true, atom.Header: true,
	atom.Footer: true, atom.Aside: true, atom.Main: true, atom.Nav: true, atom.Details: true,
	atom.Summary: true, atom.Hr: true, atom.Address: true}

var headings = map[atom.Atom]int{atom.H1: 1, atom.H2: 2, atom.H3: 3, atom.H4: 4, atom.H5: 5, atom.H6: 6}

func (w *writer) node(n *html.Node) {
	if w.b.Len() > maxInput {
		return
	}
	switch n.Type {
	case html.TextNode:
		if w.pre > 0 {
			w.b.WriteString(n.Data)
		} else {
			w.b.WriteString(collapse(n.Data))
		}
		return
	case html.ElementNode:
	case html.DocumentNode:
		w.children(n)
		return
	default:
		return
	}
	if skipped[n.DataAtom] {
		return
	}
	switch {
	case headings[n.DataAtom] > 0:
		w.b.WriteString("\n\n" + strings.Repeat("#", headings[n.DataAtom]) + " ")
		w.children(n)
		w.b.WriteString("\n\n")
	case n.DataAtom == atom.Br:
		w.b.WriteString("\n")
	case n.DataAtom == atom.Li:
		w.b.WriteString("\n- ")
		w.children(n)
	case n.DataAtom == atom.Pre:
		w.b.WriteString("\n\n")
		w.pre++
		w.children(n)
		w.pre--
		w.b.WriteString("\n\n")
	case n.DataAtom == atom.Td || n.DataAtom == atom.Th:
		w.children(n)
		w.b.WriteString(" | ")
	case n.DataAtom == atom.Img:
		if alt := attr(n, "alt"); strings.TrimSpace(alt) != "" {
			w.b.WriteString(" " + strings.Join(strings.Fields(alt), " ") + " ")
		}
	case blocks[n.DataAtom]:
		w.b.WriteString("\n\n")
		w.children(n)
		w.b.WriteString("\n\n")
	default:
		w.children(n)
	}
}

func (w *writer) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// collapse replaces every run of white space with one space (kept at either end: it separates
// the text from its inline neighbours).
func collapse(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\u00a0' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// tidy trims every line, drops trailing " |" of table rows, and keeps at most one blank line
// between paragraphs.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := true
	for _, l := range lines {
		l = strings.TrimSpace(l)
		l = strings.TrimSpace(strings.TrimSuffix(l, "|"))
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, l)
		blank = false
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
