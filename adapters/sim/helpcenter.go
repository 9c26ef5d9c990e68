package sim

// The help center every dialect with one shares: a fixed seed of a few articles in English and
// German, a draft, an article restricted to agents (Zendesk's user segments; Chatwoot leaves it
// out) and enough short tips that every listing spans more than one page, plus what was
// published since through the simulator's own endpoint. Each dialect renders it in its vendor's
// shapes (Chatwoot's portals, Zendesk's Help Center API).

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Article is one translation of one seeded article.
type Article struct {
	Number     int    // the article's number; its translations share it
	Locale     string // "en" or "de"
	Title      string
	Markdown   string // Chatwoot's content
	HTML       string // Zendesk's body
	Draft      bool
	Restricted bool // Zendesk: visible to agents only (user_segment_id); Chatwoot leaves it out
	Updated    time.Time
}

// hcTips is the number of short English tips seeded after the hand-written articles.
const hcTips = 24

// HelpCenterSeed returns the seeded articles, translations next to each other.
func HelpCenterSeed() []Article {
	day := func(d int) time.Time { return time.Date(2026, time.January, d, 9, 30, 0, 0, time.UTC) }
	out := []Article{
		{Number: 1, Locale: "en", Title: "Resetting your password",
			Markdown: "## Steps\n\n1. Open **Settings**.\n2. Click *Reset password* and follow the e-mail.",
			HTML:     "<h2>Steps</h2><ol><li>Open <strong>Settings</strong>.</li><li>Click <em>Reset password</em> and follow the e-mail.</li></ol>",
			Updated:  day(2)},
		{Number: 1, Locale: "de", Title: "Passwort zurücksetzen",
			Markdown: "## Schritte\n\n1. Öffnen Sie **Einstellungen**.\n2. Klicken Sie auf *Passwort zurücksetzen*.",
			HTML:     "<h2>Schritte</h2><ol><li>Öffnen Sie <strong>Einstellungen</strong>.</li><li>Klicken Sie auf <em>Passwort zurücksetzen</em>.</li></ol>",
			Updated:  day(3)},
		{Number: 2, Locale: "en", Title: "Shipping times",
			Markdown: "Orders ship within **2 business days**. Express delivery takes one day.",
			HTML:     "<p>Orders ship within <b>2 business days</b>.</p><p>Express delivery takes one&nbsp;day.</p>",
			Updated:  day(4)},
		{Number: 2, Locale: "de", Title: "Lieferzeiten",
			Markdown: "Bestellungen werden innerhalb von **2 Werktagen** versandt.",
			HTML:     "<p>Bestellungen werden innerhalb von <b>2 Werktagen</b> versandt.</p>",
			Updated:  day(5)},
		{Number: 3, Locale: "en", Title: "Upcoming pricing (draft)", Draft: true,
			Markdown: "Prices change next quarter.", HTML: "<p>Prices change next quarter.</p>", Updated: day(6)},
		{Number: 4, Locale: "en", Title: "Agent handbook", Restricted: true,
			Markdown: "Internal escalation steps.", HTML: "<p>Internal escalation steps.</p>", Updated: day(7)},
	}
	for i := 1; i <= hcTips; i++ {
		out = append(out, Article{Number: 4 + i, Locale: "en", Title: fmt.Sprintf("Tip %d", i),
			Markdown: fmt.Sprintf("Tip number %d: keep your app up to date.", i),
			HTML:     fmt.Sprintf("<p>Tip number %d: keep your app <i>up to date</i>.</p>", i),
			Updated:  day(8).Add(time.Duration(i) * time.Hour)})
	}
	return out
}

// HelpCenter is a simulated help center: the seed and what was published since. Its zero value
// is the seed alone. It is safe for concurrent use.
type HelpCenter struct {
	mu        sync.Mutex
	published []Article
}

// Publish publishes text (plain text, one paragraph) as the article titled title in locale ("en"
// or "de"), as an agent does in the helpdesk's editor: the article of that title and language
// gets the new text and is published (a draft too), or a new article is added. The next listing
// shows it.
func (h *HelpCenter) Publish(locale, title, text string) error {
	if err := CheckHelpCenterArticle(locale, title); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	seed := HelpCenterSeed()
	number := 0
	for _, a := range append(seed, h.published...) {
		if a.Locale == locale && a.Title == title {
			number = a.Number
		}
	}
	if number == 0 {
		number = seed[len(seed)-1].Number + 1 + len(h.published)
	}
	h.published = append(h.published, Article{Number: number, Locale: locale, Title: title, Markdown: text,
		HTML: "<p>" + html.EscapeString(text) + "</p>", Updated: time.Now().UTC().Truncate(time.Second)})
	return nil
}

// Articles returns the seed with what was published since: a published article replaces the
// translation of the same article and locale, or comes after the seed.
func (h *HelpCenter) Articles() []Article {
	out := HelpCenterSeed()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.published {
		replaced := false
		for i, a := range out {
			if a.Number == p.Number && a.Locale == p.Locale {
				out[i], replaced = p, true
			}
		}
		if !replaced {
			out = append(out, p)
		}
	}
	return out
}

// Route serves HelpCenterPublishPath on mux.
func (h *HelpCenter) Route(mux *http.ServeMux) {
	mux.HandleFunc("PUT "+HelpCenterPublishPath, func(w http.ResponseWriter, r *http.Request) {
		ServeHelpCenterPublish(w, r, h.Publish)
	})
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

// Slug is a title's slug, like Article#ensure_article_slug ("#{Time.now.to_i}-#{parameterize}").
func (s Article) Slug() string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s.Title) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strconv.FormatInt(s.Updated.Unix(), 10) + "-" + strings.Trim(b.String(), "-")
}
