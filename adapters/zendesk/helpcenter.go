package zendesk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/flexjson"
	"github.com/handover-dev/handover/adapters/internal/helptext"
)

// The Help Center (Zendesk Guide), read with the Support API credentials
// (https://developer.zendesk.com/api-reference/help_center/help-center-api/articles/):
//
//	GET /api/v2/help_center/locales → {locales: ["en-us", "de", …], default_locale}
//	GET /api/v2/help_center/{locale}/articles?page[size]=100[&page[after]=cursor]
//	  → {articles: [article], meta: {has_more, after_cursor}, links} (cursor pagination)
//
// An agent's list includes drafts (draft: true) and articles restricted to a user segment
// (user_segment_id / user_segment_ids set): both are left out, the bot speaks to anonymous
// visitors. html_url is the public address.

var _ helpdesk.HelpCenter = (*Adapter)(nil)

// helpCenterPageSize is page[size] (Zendesk's maximum is 100); tests lower it.
var helpCenterPageSize = 100

type hcArticle struct {
	ID             flexjson.String   `json:"id"`
	Title          string            `json:"title"`
	Body           string            `json:"body"`
	HTMLURL        string            `json:"html_url"`
	Locale         string            `json:"locale"`
	Draft          flexjson.Bool     `json:"draft"`
	UserSegmentID  flexjson.String   `json:"user_segment_id"`
	UserSegmentIDs []flexjson.String `json:"user_segment_ids"`
	UpdatedAt      flexjson.Time     `json:"updated_at"`
}

// Articles returns the Help Center's published articles visible to everyone, in each of its
// locales. It implements helpdesk.HelpCenter.
func (a *Adapter) Articles(ctx context.Context) ([]helpdesk.Article, error) {
	var locales struct {
		Locales       []string `json:"locales"`
		DefaultLocale string   `json:"default_locale"`
	}
	if err := a.call(ctx, request{api: supportAPI, kind: idempotentRequest, method: http.MethodGet,
		path: "/api/v2/help_center/locales", out: &locales}); err != nil {
		return nil, fmt.Errorf("zendesk help center: list locales: %w", err)
	}
	if len(locales.Locales) == 0 && locales.DefaultLocale != "" {
		locales.Locales = []string{locales.DefaultLocale}
	}
	out := []helpdesk.Article{}
	seen := map[string]bool{}
	maxPages := helptext.MaxArticles/max(helpCenterPageSize, 1) + 1
	for _, loc := range locales.Locales {
		cursor := ""
		for page := 0; page < maxPages; page++ {
			q := url.Values{"page[size]": {strconv.Itoa(helpCenterPageSize)}}
			if cursor != "" {
				q.Set("page[after]", cursor)
			}
			var list struct {
				Articles []hcArticle `json:"articles"`
				Meta     struct {
					HasMore     bool   `json:"has_more"`
					AfterCursor string `json:"after_cursor"`
				} `json:"meta"`
			}
			path := "/api/v2/help_center/" + url.PathEscape(loc) + "/articles?" + q.Encode()
			if err := a.call(ctx, request{api: supportAPI, kind: idempotentRequest, method: http.MethodGet, path: path, out: &list}); err != nil {
				return nil, fmt.Errorf("zendesk help center: locale %q: %w", loc, err)
			}
			for _, ar := range list.Articles {
				id := ar.ID.String()
				l := ar.Locale
				if l == "" {
					l = loc
				}
				if id == "" || seen[id+"/"+l] || bool(ar.Draft) || restricted(ar) {
					continue
				}
				seen[id+"/"+l] = true
				out = append(out, helpdesk.Article{ID: id, Title: helptext.Title(ar.Title), Body: helptext.FromHTML(ar.Body),
					URL: ar.HTMLURL, Locale: l, Updated: ar.UpdatedAt.Time})
				if len(out) >= helptext.MaxArticles {
					a.log.WarnContext(ctx, "zendesk help center: article limit reached; the rest is left out", "limit", helptext.MaxArticles)
					return out, nil
				}
			}
			if !list.Meta.HasMore || list.Meta.AfterCursor == "" || list.Meta.AfterCursor == cursor {
				break
			}
			cursor = list.Meta.AfterCursor
		}
	}
	return out, nil
}

// restricted reports an article only signed-in users of a segment may see.
func restricted(ar hcArticle) bool {
	if ar.UserSegmentID.String() != "" {
		return true
	}
	for _, s := range ar.UserSegmentIDs {
		if s.String() != "" {
			return true
		}
	}
	return false
}
