package intercom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/apiclient"
	"github.com/handover-dev/handover/adapters/internal/flexjson"
	"github.com/handover-dev/handover/adapters/internal/helptext"
)

// The Help Center's articles (descriptions/2.15/api.intercom.io.yaml of intercom/Intercom-OpenAPI,
// https://developers.intercom.com/docs/references/2.15/rest-api/api.intercom.io/articles/listarticles):
//
//	GET /articles?page=N&per_page=M → {type: "list", pages: {page, per_page, total_pages},
//	  total_count, data: [article]}
//
// An article carries its default language's content at the top level (title, body, state,
// url, updated_at, default_locale) and, in a multilingual help center, every language's content
// in translated_content ({"type": "article_translated_content", "fr": {title, body, state,
// url, …}, …}). Each published language becomes one Article; drafts are left out.

var _ helpdesk.HelpCenter = (*Adapter)(nil)

// helpCenterPageSize is per_page; tests lower it.
var helpCenterPageSize = 50

type articleContent struct {
	Title     string        `json:"title"`
	Body      string        `json:"body"`
	State     string        `json:"state"`
	URL       string        `json:"url"`
	UpdatedAt flexjson.Time `json:"updated_at"`
}

type articleItem struct {
	ID flexjson.String `json:"id"`
	articleContent
	DefaultLocale     string                     `json:"default_locale"`
	TranslatedContent map[string]json.RawMessage `json:"translated_content"`
}

// Articles returns every published article in every language it is published in. It
// implements helpdesk.HelpCenter.
func (a *Adapter) Articles(ctx context.Context) ([]helpdesk.Article, error) {
	out := []helpdesk.Article{}
	seen := map[string]bool{}
	maxPages := helptext.MaxArticles/max(helpCenterPageSize, 1) + 1
	for page := 1; page <= maxPages; page++ {
		var list struct {
			Pages struct {
				Page       flexjson.Int `json:"page"`
				TotalPages flexjson.Int `json:"total_pages"`
			} `json:"pages"`
			Data []articleItem `json:"data"`
		}
		path := fmt.Sprintf("/articles?page=%d&per_page=%d", page, helpCenterPageSize)
		if err := a.call(ctx, apiclient.Idempotent, http.MethodGet, path, nil, &list); err != nil {
			return nil, fmt.Errorf("intercom help center: list articles: %w", err)
		}
		for _, it := range list.Data {
			for _, ar := range published(it) {
				if seen[ar.ID+"/"+ar.Locale] {
					continue
				}
				seen[ar.ID+"/"+ar.Locale] = true
				out = append(out, ar)
				if len(out) >= helptext.MaxArticles {
					a.log.WarnContext(ctx, "intercom help center: article limit reached; the rest is left out", "limit", helptext.MaxArticles)
					return out, nil
				}
			}
		}
		if len(list.Data) == 0 || page >= int(list.Pages.TotalPages) {
			break
		}
	}
	return out, nil
}

// published returns the published languages of one article: translated_content's, else (a
// single-language help center, or a default language missing there) the top-level content.
func published(it articleItem) []helpdesk.Article {
	id := it.ID.String()
	if id == "" {
		return nil
	}
	var out []helpdesk.Article
	add := func(locale string, c articleContent) {
		if c.State != "published" {
			return
		}
		out = append(out, helpdesk.Article{ID: id, Title: helptext.Title(c.Title), Body: helptext.FromHTML(c.Body),
			URL: c.URL, Locale: locale, Updated: c.UpdatedAt.Time})
	}
	locales := make([]string, 0, len(it.TranslatedContent))
	for loc := range it.TranslatedContent {
		if loc != "type" {
			locales = append(locales, loc)
		}
	}
	sort.Strings(locales)
	haveDefault := false
	for _, loc := range locales {
		var c articleContent
		raw := it.TranslatedContent[loc]
		if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &c) != nil {
			continue // null: no content in that language
		}
		haveDefault = haveDefault || loc == it.DefaultLocale
		add(loc, c)
	}
	if !haveDefault {
		add(it.DefaultLocale, it.articleContent)
	}
	return out
}
