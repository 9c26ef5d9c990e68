package zendesk

// The Zendesk Help Center API (Guide) over the Support API's credentials
// (https://developer.zendesk.com/api-reference/help_center/help-center-api/articles/, …/locales/):
// the help center's locales, and its articles per locale with cursor pagination
// (page[size] up to 100, page[after]; meta.has_more/after_cursor, links.next) or offset
// pagination (per_page up to 100, page; next_page). An agent's list holds drafts and
// segment-restricted articles too, flagged by draft and user_segment_id. The seed is
// helpCenterSeed (chatwoot_helpcenter.go), under the locales "en-us" and "de".

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"

	"github.com/handover-dev/handover/adapters/sim"
)

// zdLocale maps the seed's languages to the help center's locales.
var zdLocale = map[string]string{"en": "en-us", "de": "de"}

const zdHCMaxPage = 100

// GET /api/v2/help_center/locales → {locales, default_locale}.
func (z *Server) hcLocales(w http.ResponseWriter, _ *http.Request, _ []byte) {
	sim.WriteJSON(w, http.StatusOK, map[string]any{"locales": []string{"en-us", "de"}, "default_locale": "en-us"})
}

// GET /api/v2/help_center[/{locale}]/articles: the articles with a translation in the locale
// (the default locale without one).
func (z *Server) hcArticles(w http.ResponseWriter, r *http.Request, _ []byte) {
	loc := r.PathValue("locale")
	if loc == "" {
		loc = "en-us"
	}
	if loc != "en-us" && loc != "de" {
		sim.WriteJSON(w, http.StatusNotFound, map[string]any{"error": "RecordNotFound", "description": "Not found"})
		return
	}
	base := "http://" + r.Host
	var list []map[string]any
	for _, a := range z.hc.Articles() {
		if zdLocale[a.Locale] != loc {
			continue
		}
		id := 360000000000 + int64(a.Number)
		seg := any(nil)
		if a.Restricted {
			seg = 360000000777
		}
		list = append(list, map[string]any{
			"id": id, "url": base + "/api/v2/help_center/" + loc + "/articles/" + strconv.FormatInt(id, 10) + ".json",
			"html_url":  base + "/hc/" + loc + "/articles/" + strconv.FormatInt(id, 10) + "-" + a.Slug()[11:],
			"author_id": 1, "comments_disabled": false, "draft": a.Draft, "promoted": false, "position": 0,
			"vote_sum": 0, "vote_count": 0, "section_id": 360000000100, "created_at": sim.TimeMillis(a.Updated),
			"updated_at": sim.TimeMillis(a.Updated), "edited_at": sim.TimeMillis(a.Updated), "name": a.Title, "title": a.Title,
			"source_locale": "en-us", "locale": loc, "outdated": false, "outdated_locales": []string{},
			"user_segment_id": seg, "user_segment_ids": []any{}, "permission_group_id": 360000000200,
			"content_tag_ids": []string{}, "label_names": []string{}, "body": a.HTML,
		})
		if a.Restricted {
			list[len(list)-1]["user_segment_ids"] = []any{seg}
		}
	}
	q := r.URL.Query()
	self := base + r.URL.Path
	if size := q.Get("page[size]"); size != "" {
		n, err := strconv.Atoi(size)
		if err != nil || n < 1 || n > zdHCMaxPage {
			sim.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "InvalidPaginationParameter",
				"description": "page[size] must be a number between 1 and 100"})
			return
		}
		from := 0
		if after := q.Get("page[after]"); after != "" {
			b, err := base64.RawURLEncoding.DecodeString(after)
			i, err2 := strconv.Atoi(string(b))
			if err != nil || err2 != nil || i < 0 || i > len(list) {
				sim.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": "InvalidPaginationParameter", "description": "page[after] is invalid"})
				return
			}
			from = i
		}
		to := min(from+n, len(list))
		more := to < len(list)
		cursor := func(i int) string { return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(i))) }
		meta := map[string]any{"has_more": more, "after_cursor": nil, "before_cursor": nil}
		links := map[string]any{"first": self + "?page[size]=" + size, "last": nil, "next": nil, "prev": nil}
		if to > from {
			meta["after_cursor"], meta["before_cursor"] = cursor(to), cursor(from)
		}
		if more {
			links["next"] = self + "?" + url.Values{"page[size]": {size}, "page[after]": {cursor(to)}}.Encode()
		}
		sim.WriteJSON(w, http.StatusOK, map[string]any{"articles": list[from:to], "meta": meta, "links": links})
		return
	}
	per, page := 30, 1
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		per = min(v, zdHCMaxPage)
	}
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	from := min((page-1)*per, len(list))
	to := min(from+per, len(list))
	next := any(nil)
	if to < len(list) {
		next = self + "?" + url.Values{"per_page": {strconv.Itoa(per)}, "page": {strconv.Itoa(page + 1)}}.Encode()
	}
	sim.WriteJSON(w, http.StatusOK, map[string]any{"articles": list[from:to], "page": page, "per_page": per,
		"page_count": (len(list) + per - 1) / per, "count": len(list), "next_page": next, "previous_page": nil,
		"sort_by": "position", "sort_order": "asc"})
}
