package intercom

// The Help Center's articles: GET /articles (descriptions/2.15/api.intercom.io.yaml of
// intercom/Intercom-OpenAPI: listArticles → article_list {type: "list", pages, total_count,
// data: [article_list_item]}). The workspace's help center is multilingual (English, the
// default, and German): every article carries translated_content with one article_content per
// language (null where it has none). The seed is fixed: two articles in both languages, one
// whose German translation is still a draft, one draft article, and enough short tips to span
// pages.

import (
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/sim"
)

const (
	hcDefaultPerPage = 50
	hcMaxPerPage     = 150
	hcTips           = 24
)

type hcContent struct {
	title, body string
	draft       bool
}

type hcArticle struct {
	id      int
	en, de  *hcContent
	updated time.Time
}

func helpCenterSeed() []hcArticle {
	day := func(d int) time.Time { return time.Date(2026, time.January, d, 9, 30, 0, 0, time.UTC) }
	out := []hcArticle{
		{id: 9001, updated: day(2),
			en: &hcContent{title: "Resetting your password", body: "<h2>Steps</h2><ol><li>Open <strong>Settings</strong>.</li><li>Click <em>Reset password</em>.</li></ol>"},
			de: &hcContent{title: "Passwort zurücksetzen", body: "<h2>Schritte</h2><ol><li>Öffnen Sie <strong>Einstellungen</strong>.</li><li>Klicken Sie auf <em>Passwort zurücksetzen</em>.</li></ol>"}},
		{id: 9002, updated: day(4),
			en: &hcContent{title: "Shipping times", body: "<p>Orders ship within <b>2 business days</b>.</p>"},
			de: &hcContent{title: "Lieferzeiten", body: "<p>Bestellungen werden innerhalb von <b>2 Werktagen</b> versandt.</p>"}},
		{id: 9003, updated: day(5),
			en: &hcContent{title: "Returns", body: "<p>Return any item within 30&nbsp;days.</p>"},
			de: &hcContent{title: "Rücksendungen (Entwurf)", body: "<p>Entwurf.</p>", draft: true}},
		{id: 9004, updated: day(6),
			en: &hcContent{title: "Upcoming pricing (draft)", body: "<p>Prices change next quarter.</p>", draft: true}},
	}
	for i := 1; i <= hcTips; i++ {
		out = append(out, hcArticle{id: 9100 + i, updated: day(8).Add(time.Duration(i) * time.Hour),
			en: &hcContent{title: fmt.Sprintf("Tip %d", i), body: fmt.Sprintf("<p>Tip number %d: keep your app <i>up to date</i>.</p>", i)}})
	}
	return out
}

func hcSlug(title string) string {
	var b strings.Builder
	for _, f := range strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		if b.Len() > 0 {
			b.WriteByte('-')
		}
		b.WriteString(f)
	}
	return b.String()
}

// hcContentJSON is an article_content; nil when the article has no content in that language.
func (s *Server) hcContentJSON(a hcArticle, locale string, c *hcContent) any {
	if c == nil {
		return nil
	}
	state, url := "published", any(fmt.Sprintf("http://intercom.test/help/%s/articles/%d-%s", locale, a.id, hcSlug(c.title)))
	if c.draft {
		state, url = "draft", nil
	}
	return map[string]any{"type": "article_content", "title": c.title, "description": "", "body": c.body,
		"author_id": 991267001, "state": state, "created_at": a.updated.Add(-time.Hour).Unix(),
		"updated_at": a.updated.Unix(), "url": url}
}

// GET /articles?page=&per_page= → article_list, newest first (the spec: "sorted by updated_at
// descending").
func (s *Server) listArticles(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, per := 1, hcDefaultPerPage
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			invalid(w, "page must be a positive integer")
			return
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			invalid(w, "per_page must be a positive integer")
			return
		}
		per = min(n, hcMaxPerPage)
	}
	seed := s.helpCenter()
	data := make([]any, 0, len(seed))
	for i := len(seed) - 1; i >= 0; i-- {
		a := seed[i]
		top := s.hcContentJSON(a, "en", a.en).(map[string]any)
		data = append(data, map[string]any{"type": "article", "id": strconv.Itoa(a.id), "workspace_id": s.o.AppID,
			"title": top["title"], "description": "", "body": top["body"], "author_id": top["author_id"],
			"state": top["state"], "created_at": top["created_at"], "updated_at": top["updated_at"], "url": top["url"],
			"parent_id": nil, "parent_ids": []any{}, "parent_type": nil, "default_locale": "en",
			"translated_content": map[string]any{"type": "article_translated_content",
				"en": top, "de": s.hcContentJSON(a, "de", a.de)}})
	}
	total := (len(data) + per - 1) / per
	from := min((page-1)*per, len(data))
	to := min(from+per, len(data))
	pages := map[string]any{"type": "pages", "page": page, "per_page": per, "total_pages": total}
	if page < total {
		pages["next"] = fmt.Sprintf("https://api.intercom.io/articles?page=%d&per_page=%d", page+1, per)
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "list", "pages": pages, "total_count": len(data), "data": data[from:to]})
}

// PublishArticle publishes text (plain text, one paragraph) as the article titled title in
// locale ("en" or "de"), as a teammate does in the Help Center's editor: the translation of that
// title and language gets the new text and is published (a draft too), or a new article is
// added (with the same text in the default language when locale is "de": every article has
// one). The next listing shows it. The sandbox and the tests change the help center through it.
func (s *Server) PublishArticle(locale, title, text string) error {
	if err := sim.CheckHelpCenterArticle(locale, title); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &hcContent{title: title, body: "<p>" + html.EscapeString(text) + "</p>"}
	now := time.Now().UTC().Truncate(time.Second)
	arts := s.hcArticles()
	for i := range arts {
		a := &arts[i]
		if locale == "en" && a.en != nil && a.en.title == title {
			a.en, a.updated = c, now
			s.hcPublished = arts
			return nil
		}
		if locale == "de" && a.de != nil && a.de.title == title {
			a.de, a.updated = c, now
			s.hcPublished = arts
			return nil
		}
	}
	a := hcArticle{id: arts[len(arts)-1].id + 1, en: c, updated: now}
	if locale == "de" {
		a.de = c
	}
	s.hcPublished = append(arts, a)
	return nil
}

// hcArticles is the help center now: the seed until something is published (s.mu held).
func (s *Server) hcArticles() []hcArticle {
	if s.hcPublished == nil {
		return helpCenterSeed()
	}
	return append([]hcArticle(nil), s.hcPublished...)
}

// helpCenter returns the articles as the help center holds them now.
func (s *Server) helpCenter() []hcArticle {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hcArticles()
}

// PublishPath is the simulator's own endpoint (Intercom has no such route) through which the
// conformance kit publishes an article, like the other simulated help centers
// (sim.HelpCenterPublishPath): PUT {"locale", "title", "text"} → 204, without the bearer token.
const PublishPath = sim.HelpCenterPublishPath

// servePublish serves PublishPath.
func (s *Server) servePublish(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", http.MethodPut)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	sim.ServeHelpCenterPublish(w, r, s.PublishArticle)
}
