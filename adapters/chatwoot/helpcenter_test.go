package chatwoot

import (
	"strings"
	"testing"

	"github.com/handover-dev/handover/adapters/internal/helpdesktest"
	"github.com/handover-dev/handover/adapters/sim"
)

func TestHelpCenterArticles(t *testing.T) {
	e := newContractEnv(t, false)
	got, err := e.a.Articles(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	m := helpdesktest.ByTitleLocale(got)
	for _, a := range got {
		if strings.Contains(a.Title, "draft") || a.Title == "Agent handbook" {
			t.Fatalf("draft returned: %+v", a)
		}
		if strings.ContainsAny(a.Body, "<>") || a.Body == "" {
			t.Fatalf("body of %q: %q", a.Title, a.Body)
		}
	}
	en, ok := m["Resetting your password|en"]
	if !ok {
		t.Fatalf("English article missing: %v", m)
	}
	if !strings.HasPrefix(en.Body, "## Steps\n\n1. Open **Settings**.") || en.ID == "" || en.Updated.IsZero() {
		t.Fatalf("en = %+v", en)
	}
	if !strings.HasPrefix(en.URL, e.a.cfg.BaseURL+"/hc/acme-help/articles/") || !strings.HasSuffix(en.URL, "-resetting-your-password") {
		t.Fatalf("en URL = %q", en.URL)
	}
	de, ok := m["Passwort zurücksetzen|de"]
	if !ok || !strings.Contains(de.Body, "Einstellungen") || de.ID == en.ID {
		t.Fatalf("de = %+v (ok %v)", de, ok)
	}
	// 2+2 articles in two languages and 24 tips: two pages of 25.
	if len(got) != 28 {
		t.Fatalf("got %d articles, want 28", len(got))
	}
	if _, ok := m["Tip 1|en"]; !ok {
		t.Fatal("the second page was not read")
	}
	var pages []string
	for _, c := range e.sim.Calls() {
		if strings.HasSuffix(c.Path, "/portals/acme-help/articles") {
			pages = append(pages, c.Query)
			if !strings.Contains(c.Query, "status=published") || c.Token != "user" {
				t.Fatalf("article call %+v", c)
			}
		}
	}
	if len(pages) != 3 { // pages 1 and 2, then the empty page 3
		t.Fatalf("article pages requested: %v", pages)
	}
}

func TestHelpCenterErrors(t *testing.T) {
	e := newContractEnv(t, false)
	cfg := e.a.cfg
	cfg.UserToken = "wrong-user-token-77"
	bad, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Articles(t.Context())
	helpdesktest.WantReadError(t, "wrong token", err, "chatwoot help center", "401", "wrong-user-token-77")
	e.sim.SetFaults(sim.Faults{Status500Rate: 1})
	_, err = e.a.Articles(t.Context())
	helpdesktest.WantReadError(t, "500", err, "chatwoot help center", "500", simUser)
}
