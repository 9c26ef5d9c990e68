package liveagent

import (
	"regexp"
	"strings"
	"testing"
)

// collapseSpace does what the regular expression it replaced did, on any input.
func FuzzCollapseSpace(f *testing.F) {
	re := regexp.MustCompile(`[ \t\r\n\f\v\x{00a0}]+`)
	for _, s := range []string{"", " ", "a", "  a  b  ", "a\u00a0\u00a0b", "\tline\r\n\vnext\f", "é  ü\u2003x", "\xff  \xfe", "a \u00a0 ", "\u2003 x \u2003", " \xc2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.TrimSpace(re.ReplaceAllString(s, " "))
		if got := collapseSpace(s); got != want {
			t.Errorf("collapseSpace(%q) = %q, want %q", s, got, want)
		}
	})
}
