package bot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadKnowledge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"shipping.md":      "---\nauthor: x\n---\n# Shipping\n\nIntro to **shipping**.\n\n## Costs\n\nShipping costs $5. See [the table](https://example.com).\n\n## Times\n\nDelivery takes 3 days.\n\n```\n# not a heading\n```\n",
		"faq/rückgabe.txt": "Rückgabe innerhalb von 30 Tagen.\n\nDie Erstattung erfolgt per Überweisung.\n",
		"notes.MD":         "No heading here, just text about gift cards.",
		".hidden.md":       "# Secret\n\nhidden passage",
		".git/config.md":   "# Git\n\ngit passage",
		"image.png":        "\x89PNG",
		"empty.md":         "",
	})
	k, err := LoadKnowledge(dir)
	if err != nil {
		t.Fatalf("LoadKnowledge: %v", err)
	}
	byTitle := map[string]Passage{}
	for _, p := range k.passages {
		byTitle[p.Title] = p
	}
	want := map[string]string{ // title -> source
		"Shipping":         "shipping.md",
		"Shipping / Costs": "shipping.md",
		"Shipping / Times": "shipping.md",
		"Rückgabe":         "faq/rückgabe.txt",
		"Notes":            "notes.MD",
	}
	for title, src := range want {
		p, ok := byTitle[title]
		if !ok {
			t.Errorf("no passage titled %q; have %v", title, keys(byTitle))
			continue
		}
		if p.Source != src {
			t.Errorf("passage %q: source %q, want %q", title, p.Source, src)
		}
	}
	if len(byTitle) != len(want) {
		t.Errorf("titles = %v, want %d of them", keys(byTitle), len(want))
	}
	if p := byTitle["Shipping / Times"]; !strings.Contains(p.Text, "# not a heading") {
		t.Errorf("a heading inside a code fence split the section: %q", p.Text)
	}
	if p := byTitle["Rückgabe"]; !strings.Contains(p.Text, "30 Tagen") || !strings.Contains(p.Text, "Überweisung") {
		t.Errorf("text file passage = %q", p.Text)
	}

	hits := k.Search("how much does shipping cost?", 2)
	if len(hits) == 0 || hits[0].Title != "Shipping / Costs" {
		t.Errorf("search shipping cost = %+v", hits)
	}
	// Diacritics and case do not matter.
	for _, q := range []string{"RUCKGABE", "rückgabe", "erstattung"} {
		hits := k.Search(q, 1)
		if len(hits) != 1 || hits[0].Title != "Rückgabe" {
			t.Errorf("search %q = %+v", q, hits)
		}
	}
	if hits := k.Search("quantum chromodynamics", 3); len(hits) != 0 {
		t.Errorf("unrelated search returned %+v", hits)
	}
	if hits := k.Search("the of and", 3); len(hits) != 0 {
		t.Errorf("stop-word search returned %+v", hits)
	}
}

func keys(m map[string]Passage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestLoadKnowledgeErrors(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	file := filepath.Join(base, "file.md")
	writeFiles(t, base, map[string]string{"file.md": "# x"})

	empty := filepath.Join(base, "empty")
	os.Mkdir(empty, 0o755)

	noText := filepath.Join(base, "notext")
	writeFiles(t, noText, map[string]string{"a.md": "\n\n", "b.txt": ""})

	binary := filepath.Join(base, "binary")
	writeFiles(t, binary, map[string]string{"ok.md": "fine", "bad.txt": "\xff\xfe\x00b\x00a\x00d"})

	tests := []struct {
		name, dir, want string
	}{
		{"missing", filepath.Join(base, "nope"), "no such file"},
		{"not a directory", file, "not a directory"},
		{"no files", empty, "no .md or .txt files"},
		{"no text", noText, "contain no text"},
		{"not utf-8", binary, "bad.txt: not UTF-8 text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadKnowledge(tt.dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), tt.dir) {
				t.Errorf("err = %v, want it to name the directory", err)
			}
		})
	}
}

func TestChunkLongSection(t *testing.T) {
	t.Parallel()
	para := strings.Repeat("This sentence is about tents and poles. ", 25) // ~1000 chars
	text := "# Tents\n\n" + para + "\n\n" + para + "\n\n" + strings.Repeat("word ", 600)
	doc := splitMarkdown("tents.md", "Tents", text)
	if len(doc.passages) < 3 {
		t.Fatalf("got %d passages, want the long section split", len(doc.passages))
	}
	for _, p := range doc.passages {
		if len(p.Text) > maxPassageChars+10 {
			t.Errorf("passage of %d chars", len(p.Text))
		}
		if p.Title != "Tents" {
			t.Errorf("title %q", p.Title)
		}
	}
}

func TestSampleKnowledge(t *testing.T) {
	t.Parallel()
	k := SampleKnowledge()
	if k.Len() < 6 {
		t.Fatalf("sample has %d passages", k.Len())
	}
	topics := strings.Join(k.Topics(), ", ")
	for _, want := range []string{"Shipping", "Returns", "Opening hours", "Payment", "Warranty", "Order tracking"} {
		if !strings.Contains(topics, want) {
			t.Errorf("topics %q lack %q", topics, want)
		}
	}
	cases := map[string]string{
		"How long does shipping take?":    "Shipping / Delivery times",
		"Do you accept PayPal?":           "Payment / Payment methods",
		"Is my tent covered by warranty?": "Warranty / Warranty coverage",
		"When are you open on Saturday?":  "Opening hours and contact / Store opening hours",
		"How do I get a refund?":          "Returns and refunds / Refunds",
	}
	for q, want := range cases {
		hits := k.Search(q, 3)
		if len(hits) == 0 || hits[0].Title != want {
			t.Errorf("Search(%q) best = %+v, want %q", q, hits, want)
			continue
		}
		for i := 1; i < len(hits); i++ {
			if hits[i].Score > hits[i-1].Score {
				t.Errorf("Search(%q) not sorted by score", q)
			}
		}
	}
	var nilKB *Knowledge
	if nilKB.Search("shipping", 3) != nil || nilKB.Len() != 0 || nilKB.Topics() != nil {
		t.Error("a nil knowledge base is not empty")
	}
}

// TestSearchTopN: the n best of a search are the first n of all its hits.
func TestSearchTopN(t *testing.T) {
	t.Parallel()
	k := SampleKnowledge()
	for _, q := range []string{"order", "shipping", "How long does shipping to Canada take and what does it cost?", "Wo ist meine Bestellung?"} {
		all := k.Search(q, 1000)
		for n := 1; n <= 4; n++ {
			got := k.Search(q, n)
			if len(all) < n || len(got) != n {
				t.Fatalf("Search(%q, %d) = %d hits of %d", q, n, len(got), len(all))
			}
			for i := range got {
				if got[i] != all[i] {
					t.Errorf("Search(%q, %d)[%d] = %q, want %q", q, n, i, got[i].Title, all[i].Title)
				}
			}
		}
		for i := 1; i < len(all); i++ {
			if all[i].Score > all[i-1].Score {
				t.Errorf("Search(%q) not sorted", q)
			}
		}
	}
}
