package helpdesktest

import (
	"strings"
	"testing"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// ByTitleLocale indexes articles by "title|locale".
func ByTitleLocale(as []helpdesk.Article) map[string]helpdesk.Article {
	m := map[string]helpdesk.Article{}
	for _, a := range as {
		m[a.Title+"|"+a.Locale] = a
	}
	return m
}

// WantReadError fails t (naming the case) unless err, from HelpCenter.Articles, says what
// failed (prefix, such as "chatwoot help center") and, when status is set, the HTTP status,
// and never holds secret.
func WantReadError(t testing.TB, name string, err error, prefix, status, secret string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), prefix) || !strings.Contains(err.Error(), status) ||
		secret != "" && strings.Contains(err.Error(), secret) {
		t.Fatalf("%s: %v", name, err)
	}
}
