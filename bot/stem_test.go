package bot

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestStem(t *testing.T) {
	t.Parallel()
	// Each group reduces to one stem.
	groups := [][]string{
		{"ship", "ships", "shipped", "shipping", "shipment", "shipments"},
		{"international", "internationally"},
		{"park", "parks", "parked", "parking"},
		{"deliver", "delivers", "delivered", "delivering", "delivery", "deliveries"},
		{"cancel", "cancels", "cancelled", "canceled", "cancelling", "cancellation"},
		{"pay", "pays", "payment", "payments"},
		{"return", "returns", "returned", "returning", "returnable"},
		{"refund", "refunds", "refunded", "refunding", "refundable"},
		{"charge", "charges", "charged", "charging"},
		{"track", "tracks", "tracked", "tracking"},
		{"store", "stores", "stored"},
		{"warranty", "warranties"},
		{"arrive", "arrives", "arrived", "arrival"},
		{"invoice", "invoices", "invoiced"},
		{"confirm", "confirmed", "confirmation"},
		{"replace", "replaced", "replacement"},
		{"call", "calls", "calling", "called"},
	}
	for _, g := range groups {
		want := stem(g[0])
		for _, w := range g[1:] {
			if got := stem(w); got != want {
				t.Errorf("stem(%q) = %q, want %q like stem(%q)", w, got, want, g[0])
			}
		}
	}
	// Words that must keep enough of themselves.
	for w, want := range map[string]string{
		"need": "need", "ring": "ring", "bring": "bring", "red": "red", "early": "early", "reply": "reply",
		"use": "use", "address": "address", "status": "status", "bus": "bus", "this": "this",
		"rucksendung": "rucksendung", "здравствуйте": "здравствуйте", "ab": "ab",
	} {
		if got := stem(w); got != want {
			t.Errorf("stem(%q) = %q, want %q", w, got, want)
		}
	}
}

func TestGlossaryLookup(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"versand":       {"ship"},
		"versandes":     {"ship"},
		"versandkosten": {"ship", "cost", "pric"}, // a compound
		"lieferzeiten":  {"deliver", "tim"},
		"rucksendung":   {"return"},
		"remboursement": {"refund"}, // a long ending on a long stem
		"livraison":     {"ship", "deliver"},
		"заказа":        {"order"},
		"colis":         {"parcel", "packag"},
		"samstags":      {"saturday"},
	}
	for w, want := range cases {
		got := glossaryLookup(fold(w))
		for _, t2 := range want {
			if !slices.Contains(got, stem(t2)) && !slices.Contains(got, t2) {
				t.Errorf("glossaryLookup(%q) = %q, want %q in it", w, got, t2)
			}
		}
	}
	for _, w := range []string{"zelt", "quantenphysik", "hauptstadt", "x", "ab", "versandhandelsunternehmen"} {
		if got := glossaryLookup(w); got != nil {
			t.Errorf("glossaryLookup(%q) = %q, want nothing", w, got)
		}
	}
}

// TestGlossaryLeavesEnglishAlone: English words go through the glossary too
// (it maps passages and questions alike), so no English word may read as
// a foreign word of another meaning. Words that are also glossary keys of
// the same meaning ("article", "parking") may add their English synonyms.
func TestGlossaryLeavesEnglishAlone(t *testing.T) {
	t.Parallel()
	// English words that hide a foreign key, or start like one.
	for _, w := range []string{"customers", "customer", "custom", "customs", "contained", "container", "towards", "persistence",
		"automatic", "automated", "temporary", "colorado", "plaintext", "expedition", "command", "ordinary",
		"lever", "cents", "tag", "tags", "den", "ore", "cores", "lager", "btw", "ware", "laden", "util", "fin", "end",
		"week", "taxi", "tassel", "finder", "contact", "post", "bar", "gift", "also", "art", "rat", "boot",
		"hut", "kind", "not", "war", "will", "see", "die", "the", "son", "sale", "chat", "pain", "four", "coin", "main",
		"mist", "fast", "brand", "gross", "list", "rock", "hell", "bad", "arm", "handy", "data", "tent", "tents",
		"backpack", "backpacks", "zipper", "footwear", "checkout", "warehouse", "canisters", "investigation"} {
		if got := glossaryLookup(w); got != nil && !slices.Equal(got, []string{stem("contact"), stem("reach")}) {
			t.Errorf("English %q reads as %q", w, got)
		}
	}
	// The words of the English sample knowledge and questions: only these
	// may add stems, all of them synonyms.
	allowed := map[string]bool{
		"international": true, "internationally": true, "arrive": true, "arrived": true, "arrives": true, "arrival": true,
		"contact": true, "canada": true, "european": true, "europe": true, "taxes": true, "defect": true, "parking": true,
		"park": true, "photo": true, "mail": true, "email": true, "weekend": true, "article": true, "articles": true,
	}
	var texts []string
	err := fs.WalkDir(sampleFS, "sample", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sampleFS, p)
		texts = append(texts, string(b))
		return err
	})
	if err != nil || len(texts) == 0 {
		t.Fatalf("reading the sample knowledge: %d files, %v", len(texts), err)
	}
	for _, c := range englishQuestions {
		texts = append(texts, c.q)
	}
	for _, tok := range analyze(strings.Join(texts, "\n")) {
		if len(tok.exp) > 0 && !allowed[tok.raw] {
			t.Errorf("English %q adds %q", tok.raw, tok.exp)
		}
	}
}

func TestGlossaryParses(t *testing.T) {
	t.Parallel()
	exact, prefix := parseGlossary(glossarySource)
	if len(exact) < 500 || len(prefix) < 250 {
		t.Errorf("glossary of %d words, %d stems: lines lost?", len(exact), len(prefix))
	}
	// Every line names all ten languages besides English.
	for _, line := range strings.Split(strings.TrimSpace(glossarySource), "\n") {
		_, right, _ := strings.Cut(line, "=")
		for _, code := range []string{"de", "fr", "es", "it", "pt", "nl", "pl", "cs", "sk", "ru"} {
			if !strings.Contains(right, " "+code+": ") {
				t.Errorf("line %q lacks %s", line, code)
			}
		}
	}
	for _, bad := range []string{"x = de: ab*", "x de: ab", "x = de ab", "x = de: e-mail"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("parseGlossary(%q) did not panic", bad)
				}
			}()
			parseGlossary(bad)
		}()
	}
}
