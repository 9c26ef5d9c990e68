package helptext

import (
	"strings"
	"testing"
)

func TestFromHTML(t *testing.T) {
	in := `<h2>Reset&nbsp;your password</h2><p>Open <b>Settings</b> &amp; click
	<a href="/x">Reset</a>.</p><script>alert(1)</script><ul><li>One</li><li>Two</li></ul><p>Line<br>break</p><pre>a  b
c</pre>`
	got := FromHTML(in)
	want := "## Reset your password\n\nOpen Settings & click Reset.\n\n- One\n- Two\n\nLine\nbreak\n\na b\nc"
	if got != want {
		t.Fatalf("FromHTML:\n%q\nwant\n%q", got, want)
	}
	if strings.Contains(FromHTML("<style>p{}</style><p>x</p>"), "{") {
		t.Fatal("style content kept")
	}
}

func TestClip(t *testing.T) {
	if got := Clip("héllo", 2); got != "h" {
		t.Fatalf("Clip = %q", got)
	}
	long := strings.Repeat("<p>abcdefgh</p>", MaxBody)
	if n := len(FromHTML(long)); n > MaxBody {
		t.Fatalf("FromHTML kept %d bytes", n)
	}
}

func TestLines(t *testing.T) {
	for in, want := range map[string]string{
		"<p>Hi&nbsp;there</p><p>Line<br>two &amp; more</p>": "Hi there\nLine\ntwo & more",
		"plain <b>bold</b> text":                            "plain bold text",
		"<div>a</div><ul><li>x</li><li>y</li></ul>":         "a\nx\ny",
		"broken <tag": "broken <tag",
	} {
		if got := Lines(in); got != want {
			t.Errorf("Lines(%q) = %q, want %q", in, got, want)
		}
	}
}
