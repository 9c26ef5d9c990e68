package chatwoot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/flexjson"
	"github.com/handover-dev/handover/adapters/internal/helptext"
)

// The help center (Chatwoot's "portals"), read with the administrator's token (portals and
// articles are not among the agent bot's endpoints):
//
//	GET /api/v1/accounts/{account}/portals → {payload: [portal], meta}
//	  (app/controllers/api/v1/accounts/portals_controller.rb#index)
//	GET /api/v1/accounts/{account}/portals/{portal_slug}/articles?status=published&page=N
//	  → {payload: [article], meta} (articles_controller.rb#index, Article.search; Kaminari pages
//	  of 25, an empty payload past the last page)
//
// Article content is Markdown (the editor stores Markdown). The public address is the one the
// dashboard builds (app/javascript/dashboard/helper/portalHelper.js, buildPortalArticleURL):
// {custom domain or the installation}/hc/{portal_slug}/articles/{article_slug}.

var _ helpdesk.HelpCenter = (*Adapter)(nil)

// maxArticlePages bounds the pages read per portal (with 25 a page, well past MaxArticles).
const maxArticlePages = helptext.MaxArticles/25 + 1

type hcPortal struct {
	Slug         string        `json:"slug"`
	CustomDomain string        `json:"custom_domain"`
	Archived     flexjson.Bool `json:"archived"`
	Config       struct {
		DefaultLocale string `json:"default_locale"`
	} `json:"config"`
}

type hcArticle struct {
	ID        flexjson.String `json:"id"`
	Slug      string          `json:"slug"`
	Title     string          `json:"title"`
	Content   string          `json:"content"`
	Status    flexjson.String `json:"status"`
	Locale    string          `json:"locale"`
	UpdatedAt flexjson.Time   `json:"updated_at"`
	Category  *struct {
		Locale string `json:"locale"`
	} `json:"category"`
}

// Articles returns the published articles of every portal that is not archived, in every
// locale (a Chatwoot translation is an article of its own). It implements helpdesk.HelpCenter.
func (a *Adapter) Articles(ctx context.Context) ([]helpdesk.Article, error) {
	var portals struct {
		Payload []hcPortal `json:"payload"`
	}
	if err := a.call(ctx, idempotentRequest, userToken, http.MethodGet, "/portals", nil, &portals); err != nil {
		return nil, fmt.Errorf("chatwoot help center: list portals: %w", err)
	}
	out := []helpdesk.Article{}
	seen := map[string]bool{}
	for _, p := range portals.Payload {
		if bool(p.Archived) || p.Slug == "" {
			continue
		}
		for page := 1; page <= maxArticlePages; page++ {
			var list struct {
				Payload []hcArticle `json:"payload"`
			}
			path := fmt.Sprintf("/portals/%s/articles?status=published&page=%d", url.PathEscape(p.Slug), page)
			if err := a.call(ctx, idempotentRequest, userToken, http.MethodGet, path, nil, &list); err != nil {
				return nil, fmt.Errorf("chatwoot help center: portal %q: %w", p.Slug, err)
			}
			fresh := 0
			for _, ar := range list.Payload {
				id := ar.ID.String()
				if id == "" || seen[p.Slug+"/"+id] {
					continue
				}
				seen[p.Slug+"/"+id] = true
				fresh++
				// status=published filters on the server; an older Chatwoot ignores the filter.
				if ar.Status.String() != "published" {
					continue
				}
				out = append(out, a.hcArticle(p, ar))
				if len(out) >= helptext.MaxArticles {
					a.log.WarnContext(ctx, "chatwoot help center: article limit reached; the rest is left out", "limit", helptext.MaxArticles)
					return out, nil
				}
			}
			// An empty page is past the last one; a page of nothing new means the server
			// ignored page= (it would repeat itself forever).
			if fresh == 0 {
				break
			}
		}
	}
	return out, nil
}

func (a *Adapter) hcArticle(p hcPortal, ar hcArticle) helpdesk.Article {
	locale := ar.Locale
	if locale == "" && ar.Category != nil {
		locale = ar.Category.Locale
	}
	if locale == "" {
		locale = p.Config.DefaultLocale
	}
	return helpdesk.Article{
		ID:      ar.ID.String(),
		Title:   helptext.Title(ar.Title),
		Body:    helptext.Clip(strings.TrimSpace(ar.Content), helptext.MaxBody),
		URL:     a.articleURL(p, ar.Slug),
		Locale:  locale,
		Updated: ar.UpdatedAt.Time,
	}
}

// articleURL is buildPortalArticleURL: the portal's custom domain (with or without a scheme)
// over https, else the installation's address.
func (a *Adapter) articleURL(p hcPortal, slug string) string {
	if slug == "" {
		return ""
	}
	base := strings.TrimRight(a.cfg.BaseURL, "/")
	if d := strings.TrimSpace(p.CustomDomain); d != "" {
		d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
		base = "https://" + strings.TrimRight(d, "/")
	}
	return base + "/hc/" + url.PathEscape(p.Slug) + "/articles/" + url.PathEscape(slug)
}
