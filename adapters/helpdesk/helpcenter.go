package helpdesk

import (
	"context"
	"time"
)

// HelpCenter is an optional capability of an Adapter, discovered by interface: the articles
// the helpdesk publishes in its help center (knowledge base), which the bot answers from next
// to or instead of HANDOVER_KNOWLEDGE_DIR.
type HelpCenter interface {
	// Articles returns every published article, in every language it exists in (a draft,
	// archived or internal-only article is left out). It pages through the API as far as
	// needed; an error means the help center could not be read (the caller keeps its last
	// good copy).
	Articles(ctx context.Context) ([]Article, error)
}

// Article is one help-center article.
type Article struct {
	// ID is the helpdesk's id of the article (unique with Locale).
	ID string
	// Title is the article's title.
	Title string
	// Body is the article's text: Markdown or plain text (HTML already turned into text).
	Body string
	// URL is the article's public address, "" when it has none.
	URL string
	// Locale is the article's language as the helpdesk names it ("en", "de", "pt-br"), "" if
	// unknown.
	Locale string
	// Updated is when the article last changed (zero if unknown).
	Updated time.Time
}
