package chatwoot

// The help center as Chatwoot shows it: portals and articles over the shared seed (package
// sim's HelpCenter).
//
// Chatwoot sources (chatwoot/chatwoot): config/routes.rb (resources :portals do resources
// :articles), app/controllers/api/v1/accounts/portals_controller.rb#index,
// articles_controller.rb#index (list_params: locale, query, page, category_slug, status,
// author_id; Article.search, Kaminari pages of 25), the jbuilder views of portals and articles.

import (
	"net/http"

	"github.com/handover-dev/handover/adapters/sim"
)

const (
	cwPortalSlug      = "acme-help"
	cwArticlesPerPage = 25 // Kaminari's default page size, which Article.search uses
)

// cwArticleSeeds are the articles Chatwoot holds (the seed with what was published since):
// every translation is an article with an id of its own (the first translation is the root,
// the others associated with it).
func (s *Server) cwArticleSeeds() []sim.Article {
	var out []sim.Article
	for _, a := range s.hc.Articles() {
		if !a.Restricted {
			out = append(out, a)
		}
	}
	return out
}

func (s *Server) cwPortalJSON() map[string]any {
	counts := map[string]int{}
	for _, a := range s.cwArticleSeeds() {
		counts[a.Locale]++
	}
	return map[string]any{
		"id": 1, "archived": false, "color": "#1f93ff", "custom_domain": nil, "header_text": "Acme help",
		"homepage_link": "https://acme.example", "name": "Acme Help", "page_title": "Acme Help",
		"slug": cwPortalSlug, "account_id": s.opts.AccountID, "inbox": nil, "logo": nil,
		"config": map[string]any{"default_locale": "en", "allowed_locales": []any{
			map[string]any{"code": "en", "articles_count": counts["en"], "categories_count": 1},
			map[string]any{"code": "de", "articles_count": counts["de"], "categories_count": 1},
		}},
		"meta": map[string]any{"all_articles_count": len(s.cwArticleSeeds()), "categories_count": 2, "default_locale": "en"},
	}
}

// GET /api/v1/accounts/{id}/portals → {payload: [portal], meta: {current_page, portals_count}}.
func (s *Server) cwPortals(w http.ResponseWriter, _ *http.Request, _ *reqCtx) {
	sim.WriteJSON(w, http.StatusOK, map[string]any{"payload": []any{s.cwPortalJSON()},
		"meta": map[string]any{"current_page": 1, "portals_count": 1}})
}

// GET /api/v1/accounts/{id}/portals/{portal_slug}/articles?status=&locale=&page= →
// {payload: [article], meta}, newest first, 25 a page.
func (s *Server) cwPortalArticles(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	if r.PathValue("portal") != cwPortalSlug {
		// find_by(slug:) is nil; the article lookups then raise RecordNotFound.
		writeError(w, http.StatusNotFound, errNotFound)
		return
	}
	status, _ := rc.params.str("status")
	locale, _ := rc.params.str("locale")
	page, ok := rc.params.intv("page")
	if !ok || page < 1 {
		page = 1
	}
	seeds := s.cwArticleSeeds()
	ids := map[int]int{} // article number → id of its root translation
	var list []map[string]any
	for i := len(seeds) - 1; i >= 0; i-- { // order_by_updated_at: newest first
		a := seeds[i]
		st := "published"
		if a.Draft {
			st = "draft"
		}
		if (status != "" && status != st) || (locale != "" && locale != a.Locale) {
			continue
		}
		id := 100 + i
		assoc := any(nil)
		if root, ok := ids[a.Number]; ok {
			assoc = root
		}
		ids[a.Number] = id
		list = append(list, map[string]any{
			"id": id, "slug": a.Slug(), "title": a.Title, "content": a.Markdown, "description": "",
			"status": st, "position": a.Number, "account_id": s.opts.AccountID, "locale": a.Locale,
			"updated_at": a.Updated.Unix(), "meta": map[string]any{}, "views": 0,
			"associated_article_id": assoc,
			"category":              map[string]any{"id": 1, "name": "General", "slug": "general", "locale": a.Locale},
			"author":                map[string]any{"id": 1, "name": "Admin", "available_name": "Admin"},
			"portal":                map[string]any{"slug": cwPortalSlug},
		})
	}
	from := min((page-1)*cwArticlesPerPage, len(list))
	to := min(from+cwArticlesPerPage, len(list))
	sim.WriteJSON(w, http.StatusOK, map[string]any{"payload": list[from:to], "meta": map[string]any{
		"all_articles_count": len(seeds), "articles_count": len(list), "current_page": page,
	}})
}

// PublishHelpCenterArticle publishes an article in the help center (see sim.HelpCenter.Publish);
// the sandbox and the tests change the help center through it.
func (s *Server) PublishHelpCenterArticle(locale, title, text string) error {
	return s.hc.Publish(locale, title, text)
}
