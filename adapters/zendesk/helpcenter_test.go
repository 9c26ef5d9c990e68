package zendesk

import (
	"strings"
	"testing"

	"github.com/handover-dev/handover/adapters/internal/helpdesktest"
	sim "github.com/handover-dev/handover/adapters/sim/zendesk"
)

func TestHelpCenterArticles(t *testing.T) {
	c := newContract(t, sim.Options{})
	old := helpCenterPageSize
	helpCenterPageSize = 10 // 27 English articles: three pages
	t.Cleanup(func() { helpCenterPageSize = old })

	got, err := c.a.Articles(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	m := helpdesktest.ByTitleLocale(got)
	en, ok := m["Resetting your password|en-us"]
	if !ok {
		t.Fatalf("English article missing: %v", m)
	}
	if want := "## Steps\n\n- Open Settings.\n- Click Reset password and follow the e-mail."; en.Body != want {
		t.Fatalf("en body = %q, want %q", en.Body, want)
	}
	if en.ID != "360000000001" || !strings.HasSuffix(en.URL, "/hc/en-us/articles/360000000001-resetting-your-password") || en.Updated.IsZero() {
		t.Fatalf("en = %+v", en)
	}
	de, ok := m["Passwort zurücksetzen|de"]
	if !ok || de.ID != en.ID || !strings.Contains(de.Body, "Einstellungen") || !strings.Contains(de.URL, "/hc/de/") {
		t.Fatalf("de = %+v (ok %v)", de, ok)
	}
	if s := m["Shipping times|en-us"].Body; s != "Orders ship within 2 business days.\n\nExpress delivery takes one day." {
		t.Fatalf("shipping body = %q", s)
	}
	for _, a := range got {
		if strings.Contains(a.Title, "draft") || a.Title == "Agent handbook" {
			t.Fatalf("draft or restricted article returned: %+v", a)
		}
		if strings.ContainsAny(a.Body, "<>") {
			t.Fatalf("HTML left in %q: %q", a.Title, a.Body)
		}
	}
	// English: 2 articles + 24 tips; German: 2.
	if len(got) != 28 {
		t.Fatalf("got %d articles, want 28", len(got))
	}
	if _, ok := m["Tip 24|en-us"]; !ok {
		t.Fatal("the last page was not read")
	}
	pages := 0
	for _, call := range c.sim.Calls() {
		if call.Path == "/api/v2/help_center/en-us/articles" {
			pages++
		}
	}
	if pages != 3 {
		t.Fatalf("%d English page requests, want 3", pages)
	}
}

func TestHelpCenterErrors(t *testing.T) {
	c := newContract(t, sim.Options{})
	cfg := c.a.cfg
	cfg.APIToken = "wrong-api-token-42"
	bad, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Articles(t.Context())
	helpdesktest.WantReadError(t, "wrong token", err, "zendesk help center", "401", "wrong-api-token-42")
	c.sim.SetFaults(sim.Faults{Status500Rate: 1})
	_, err = c.a.Articles(t.Context())
	helpdesktest.WantReadError(t, "500", err, "zendesk help center", "500", "contract-api-token")
}
