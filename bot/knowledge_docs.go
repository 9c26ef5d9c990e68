package bot

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"sync/atomic"
)

// Document is one text the knowledge base is built from: a knowledge file,
// or an article of the helpdesk's help center. BuildKnowledge splits it into
// passages at its Markdown headings, then paragraphs.
type Document struct {
	// Title names the document. Its passages are titled "Title / heading".
	// Empty: the text's first heading titles the document and its headings
	// alone title the passages; without a heading, the file name of Source.
	Title string
	// Text is the document's text: Markdown, or plain text when Source ends
	// in ".txt" and Title is empty (split by paragraphs only).
	Text string
	// URL is the document's public address, "" if none. The model is shown
	// it with each passage, to link.
	URL string
	// Lang is the document's language as its source names it, "" if unknown.
	Lang string
	// Source names where the document comes from: a file's path relative to
	// the knowledge directory, or e.g. "help-center/123/en".
	Source string
}

// ReadKnowledgeDir reads every .md, .markdown and .txt file under dir
// (recursively, skipping hidden files and directories) as Documents without
// a title, in path order. It fails when dir cannot be read, holds no such
// file, or a file is too large or not UTF-8 text.
func ReadKnowledgeDir(dir string) ([]Document, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("bot: knowledge directory %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("bot: knowledge directory %s: not a directory", dir)
	}
	docs, found, err := readKnowledgeFS(os.DirFS(dir), ".", dir)
	if err != nil {
		return nil, err
	}
	if found == 0 {
		return nil, fmt.Errorf("bot: knowledge directory %s: no .md or .txt files found", dir)
	}
	return docs, nil
}

// BuildKnowledge splits docs into passages and indexes them. It fails when
// the documents hold no text at all.
func BuildKnowledge(docs []Document) (*Knowledge, error) {
	k := buildKnowledge(splitDocuments(docs))
	if len(k.passages) == 0 {
		return nil, errors.New("bot: knowledge: the documents contain no text")
	}
	return k, nil
}

// splitDocuments splits each document into passages.
func splitDocuments(docs []Document) []document {
	out := make([]document, 0, len(docs))
	for _, d := range docs {
		text := strings.ReplaceAll(d.Text, "\r\n", "\n")
		title := strings.TrimSpace(d.Title)
		var doc document
		switch {
		case title != "":
			doc = splitMarkdownUnder(d.Source, title, title, text)
			doc.title = title
		case strings.ToLower(path.Ext(d.Source)) == ".txt":
			doc = splitText(d.Source, titleFromFileName(path.Base(d.Source)), text)
		default:
			doc = splitMarkdown(d.Source, titleFromFileName(path.Base(d.Source)), text)
		}
		for i := range doc.passages {
			doc.passages[i].URL = strings.TrimSpace(d.URL)
			doc.passages[i].Lang = d.Lang
		}
		out = append(out, doc)
	}
	return out
}

// KnowledgeBase holds the current Knowledge and lets it be replaced while
// the bot answers (a reload): every turn reads the Knowledge it holds at
// that moment, whole. It is safe for concurrent use; a nil *KnowledgeBase
// holds nothing.
type KnowledgeBase struct {
	p atomic.Pointer[Knowledge]
}

// NewKnowledgeBase returns a KnowledgeBase holding k (which may be nil).
func NewKnowledgeBase(k *Knowledge) *KnowledgeBase {
	b := &KnowledgeBase{}
	b.p.Store(k)
	return b
}

// Load returns the current Knowledge (nil when there is none).
func (b *KnowledgeBase) Load() *Knowledge {
	if b == nil {
		return nil
	}
	return b.p.Load()
}

// Store makes k the current Knowledge.
func (b *KnowledgeBase) Store(k *Knowledge) { b.p.Store(k) }
