package intercom

import (
	"strings"
	"testing"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/helpdesktest"
)

func TestHelpCenterArticles(t *testing.T) {
	e := newEnv(t)
	old := helpCenterPageSize
	helpCenterPageSize = 10 // 28 articles: three pages
	t.Cleanup(func() { helpCenterPageSize = old })

	got, err := e.a.Articles(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	m := helpdesktest.ByTitleLocale(got)
	en, ok := m["Resetting your password|en"]
	if !ok {
		t.Fatalf("English article missing: %v", m)
	}
	if en.ID != "9001" || en.URL != "http://intercom.test/help/en/articles/9001-resetting-your-password" || en.Updated.IsZero() {
		t.Fatalf("en = %+v", en)
	}
	if want := "## Steps\n\n- Open Settings.\n- Click Reset password."; en.Body != want {
		t.Fatalf("en body = %q, want %q", en.Body, want)
	}
	de, ok := m["Passwort zurücksetzen|de"]
	if !ok || de.ID != "9001" || !strings.Contains(de.Body, "Einstellungen") || !strings.Contains(de.URL, "/help/de/") {
		t.Fatalf("de = %+v (ok %v)", de, ok)
	}
	if _, ok := m["Returns|en"]; !ok {
		t.Fatal("published English side of a half-translated article missing")
	}
	for _, a := range got {
		if strings.Contains(a.Title, "draft") || strings.Contains(a.Title, "Entwurf") {
			t.Fatalf("draft returned: %+v", a)
		}
		if strings.ContainsAny(a.Body, "<>") {
			t.Fatalf("HTML left in %q: %q", a.Title, a.Body)
		}
	}
	// 3 articles in English, 2 in German, 24 tips; pagination followed to the last page.
	if len(got) != 29 {
		t.Fatalf("got %d articles, want 29", len(got))
	}
	if _, ok := m["Tip 1|en"]; !ok {
		t.Fatal("the last page (oldest tip) was not read")
	}
	pages := 0
	for _, c := range e.s.Calls() {
		if c.Path == "/articles" {
			pages++
		}
	}
	if pages != 3 {
		t.Fatalf("%d page requests, want 3", pages)
	}
}

func TestHelpCenterErrors(t *testing.T) {
	e := newEnv(t)
	bad, err := New(Config{BaseURL: e.a.cfg.BaseURL, AccessToken: "wrong-token-123456", ClientSecret: testSecret,
		BotAdminID: e.demo.BotID, TeamID: e.demo.TeamID, Logger: e.a.cfg.Logger})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Articles(t.Context())
	helpdesktest.WantReadError(t, "wrong token", err, "intercom help center", "", "wrong-token-123456")
	e.s.SetFaults(helpdesk.Faults{Status500Rate: 1})
	_, err = e.a.Articles(t.Context())
	helpdesktest.WantReadError(t, "500", err, "intercom help center", "500", testToken)
}
