package sim

// The help center: Chatwoot's portals and articles, and the seed the Chatwoot and Zendesk
// dialects share (zendesk_helpcenter.go). The seed is fixed: a few articles in English and
// German, a draft (and, for Zendesk, an article restricted to agents), and enough short tips
// that every listing spans more than one page.
//
// Chatwoot sources (chatwoot/chatwoot): config/routes.rb (resources :portals do resources
// :articles), app/controllers/api/v1/accounts/portals_controller.rb#index,
// articles_controller.rb#index (list_params: locale, query, page, category_slug, status,
// author_id; Article.search, Kaminari pages of 25), the jbuilder views of portals and articles.

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// hcSeed is one translation of one seeded article.
type hcSeed struct {
	article    int    // the article's number; its translations share it
	locale     string // "en" or "de"
	title      string
	markdown   string // Chatwoot's content
	html       string // Zendesk's body
	draft      bool
	restricted bool // Zendesk: visible to agents only (user_segment_id); Chatwoot leaves it out
	updated    time.Time
}

// hcTips is the number of short English tips seeded after the hand-written articles.
const hcTips = 24

// helpCenterSeed returns the seeded articles, translations next to each other.
func helpCenterSeed() []hcSeed {
	day := func(d int) time.Time { return time.Date(2026, time.January, d, 9, 30, 0, 0, time.UTC) }
	out := []hcSeed{
		{article: 1, locale: "en", title: "Resetting your password",
			markdown: "## Steps\n\n1. Open **Settings**.\n2. Click *Reset password* and follow the e-mail.",
			html:     "<h2>Steps</h2><ol><li>Open <strong>Settings</strong>.</li><li>Click <em>Reset password</em> and follow the e-mail.</li></ol>",
			updated:  day(2)},
		{article: 1, locale: "de", title: "Passwort zurücksetzen",
			markdown: "## Schritte\n\n1. Öffnen Sie **Einstellungen**.\n2. Klicken Sie auf *Passwort zurücksetzen*.",
			html:     "<h2>Schritte</h2><ol><li>Öffnen Sie <strong>Einstellungen</strong>.</li><li>Klicken Sie auf <em>Passwort zurücksetzen</em>.</li></ol>",
			updated:  day(3)},
		{article: 2, locale: "en", title: "Shipping times",
			markdown: "Orders ship within **2 business days**. Express delivery takes one day.",
			html:     "<p>Orders ship within <b>2 business days</b>.</p><p>Express delivery takes one&nbsp;day.</p>",
			updated:  day(4)},
		{article: 2, locale: "de", title: "Lieferzeiten",
			markdown: "Bestellungen werden innerhalb von **2 Werktagen** versandt.",
			html:     "<p>Bestellungen werden innerhalb von <b>2 Werktagen</b> versandt.</p>",
			updated:  day(5)},
		{article: 3, locale: "en", title: "Upcoming pricing (draft)", draft: true,
			markdown: "Prices change next quarter.", html: "<p>Prices change next quarter.</p>", updated: day(6)},
		{article: 4, locale: "en", title: "Agent handbook", restricted: true,
			markdown: "Internal escalation steps.", html: "<p>Internal escalation steps.</p>", updated: day(7)},
	}
	for i := 1; i <= hcTips; i++ {
		out = append(out, hcSeed{article: 4 + i, locale: "en", title: fmt.Sprintf("Tip %d", i),
			markdown: fmt.Sprintf("Tip number %d: keep your app up to date.", i),
			html:     fmt.Sprintf("<p>Tip number %d: keep your app <i>up to date</i>.</p>", i),
			updated:  day(8).Add(time.Duration(i) * time.Hour)})
	}
	return out
}

// hcSlug is a title's slug, like Article#ensure_article_slug ("#{Time.now.to_i}-#{parameterize}").
func hcSlug(s hcSeed) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s.title) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strconv.FormatInt(s.updated.Unix(), 10) + "-" + strings.Trim(b.String(), "-")
}

const (
	cwPortalSlug      = "acme-help"
	cwArticlesPerPage = 25 // Kaminari's default page size, which Article.search uses
)

// cwArticleSeeds are the articles Chatwoot holds (the seed with what was published since):
// every translation is an article with an id of its own (the first translation is the root,
// the others associated with it).
func (s *Server) cwArticleSeeds() []hcSeed {
	var out []hcSeed
	for _, a := range s.helpCenter() {
		if !a.restricted {
			out = append(out, a)
		}
	}
	return out
}

func (s *Server) cwPortalJSON() map[string]any {
	counts := map[string]int{}
	for _, a := range s.cwArticleSeeds() {
		counts[a.locale]++
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
	writeJSON(w, http.StatusOK, map[string]any{"payload": []any{s.cwPortalJSON()},
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
		if a.draft {
			st = "draft"
		}
		if (status != "" && status != st) || (locale != "" && locale != a.locale) {
			continue
		}
		id := 100 + i
		assoc := any(nil)
		if root, ok := ids[a.article]; ok {
			assoc = root
		}
		ids[a.article] = id
		list = append(list, map[string]any{
			"id": id, "slug": hcSlug(a), "title": a.title, "content": a.markdown, "description": "",
			"status": st, "position": a.article, "account_id": s.opts.AccountID, "locale": a.locale,
			"updated_at": a.updated.Unix(), "meta": map[string]any{}, "views": 0,
			"associated_article_id": assoc,
			"category":              map[string]any{"id": 1, "name": "General", "slug": "general", "locale": a.locale},
			"author":                map[string]any{"id": 1, "name": "Admin", "available_name": "Admin"},
			"portal":                map[string]any{"slug": cwPortalSlug},
		})
	}
	from := min((page-1)*cwArticlesPerPage, len(list))
	to := min(from+cwArticlesPerPage, len(list))
	writeJSON(w, http.StatusOK, map[string]any{"payload": list[from:to], "meta": map[string]any{
		"all_articles_count": len(seeds), "articles_count": len(list), "current_page": page,
	}})
}

// hcPublished is what was published in the help center since the seed, by PublishHelpCenterArticle
// (guarded by Server.mu); the Chatwoot and Zendesk dialects both read it.
type hcPublished struct{ articles []hcSeed }

// PublishHelpCenterArticle publishes text (plain text, one paragraph) as the help-center article
// titled title in locale ("en" or "de"), as an agent does in the helpdesk's editor: the article of
// that title and language gets the new text and is published (a draft too), or a new article is
// added. The next listing of the articles shows it. The sandbox and the tests change the help
// center through it.
func (s *Server) PublishHelpCenterArticle(locale, title, text string) error {
	if err := CheckHelpCenterArticle(locale, title); err != nil {
		return err
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if s.hc == nil {
		s.hc = &hcPublished{}
	}
	seed := helpCenterSeed()
	number := 0
	for _, a := range append(seed, s.hc.articles...) {
		if a.locale == locale && a.title == title {
			number = a.article
		}
	}
	if number == 0 {
		number = seed[len(seed)-1].article + 1 + len(s.hc.articles)
	}
	s.hc.articles = append(s.hc.articles, hcSeed{article: number, locale: locale, title: title, markdown: text,
		html: "<p>" + html.EscapeString(text) + "</p>", updated: time.Now().UTC().Truncate(time.Second)})
	return nil
}

// CheckHelpCenterArticle is what every simulated help center requires of an article it
// publishes: a locale it has ("en" or "de") and a title.
func CheckHelpCenterArticle(locale, title string) error {
	if locale != "en" && locale != "de" {
		return fmt.Errorf("help center: locale %q: the simulated help center has en and de", locale)
	}
	if strings.TrimSpace(title) == "" {
		return fmt.Errorf("help center: an article needs a title")
	}
	return nil
}

// helpCenter returns the seed with what was published since: a published article replaces the
// translation of the same article and locale, or comes after the seed.
func (s *Server) helpCenter() []hcSeed {
	out := helpCenterSeed()
	s.Mu.Lock()
	defer s.Mu.Unlock()
	if s.hc == nil {
		return out
	}
	for _, p := range s.hc.articles {
		replaced := false
		for i, a := range out {
			if a.article == p.article && a.locale == p.locale {
				out[i], replaced = p, true
			}
		}
		if !replaced {
			out = append(out, p)
		}
	}
	return out
}

// HelpCenterPublishPath is the simulator's own endpoint (no helpdesk has it) through which the
// sandbox and the conformance kit publish an article: PUT {"locale", "title", "text"} → 204.
// Every dialect with a help center serves it; the others answer 404 (or 405).
const HelpCenterPublishPath = "/sim/help-center/articles"

// HelpCenterPublish is the body of a PUT to HelpCenterPublishPath.
type HelpCenterPublish struct {
	Locale string `json:"locale"`
	Title  string `json:"title"`
	Text   string `json:"text"`
}

// ServeHelpCenterPublish decodes a HelpCenterPublish and hands it to publish: 204, or 400 with
// the reason.
func ServeHelpCenterPublish(w http.ResponseWriter, r *http.Request, publish func(locale, title, text string) error) {
	var in HelpCenterPublish
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	if err == nil {
		err = publish(in.Locale, in.Title, in.Text)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// hcPublishRoute serves HelpCenterPublishPath on mux for the Chatwoot and Zendesk dialects.
func (s *Server) hcPublishRoute(mux *http.ServeMux) {
	mux.HandleFunc("PUT "+HelpCenterPublishPath, func(w http.ResponseWriter, r *http.Request) {
		ServeHelpCenterPublish(w, r, s.PublishHelpCenterArticle)
	})
}
