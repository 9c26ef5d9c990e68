package helpdesk_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/handover-dev/handover/adapters/all"
	"github.com/handover-dev/handover/adapters/helpdesk"
)

func TestBaseURLProblem(t *testing.T) {
	for value, want := range map[string]string{
		"https://desk.example.com":        "",
		" http://127.0.0.1:8080/prefix ":  "",
		"desk.example.com":                `X_URL: "desk.example.com" lacks a scheme: use https://desk.example.com`,
		"localhost:3000":                  `X_URL: "localhost:3000" lacks a scheme: use http://localhost:3000`,
		"ftp://desk.example.com":          "use http:// or https://, not ftp://",
		"https://":                        "has no host",
		"https://desk.example.com?a=b":    "must not contain a query",
		"https://desk.example.com:99999":  "the port must be a number from 1 to 65535",
		"https://u:p4ss@desk.example.com": "must not contain credentials",
		"u:p4ss@desk.example.com":         "must not contain credentials",
		"":                                "X_URL: set it",
	} {
		got := helpdesk.BaseURLProblem("X_URL", value, "set it")
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%q: got %q, want %q", value, got, want)
		}
		if strings.Contains(got, "p4ss") {
			t.Errorf("%q: credentials repeated: %q", value, got)
		}
	}
	if p := helpdesk.BaseURLProblem("X_URL", "", ""); p != "" {
		t.Errorf("an optional empty URL is a problem: %q", p)
	}
}

// Every registered helpdesk says that a URL without a scheme lacks one, instead of calling it
// unset.
func TestEveryHelpdeskURLLacksScheme(t *testing.T) {
	for _, d := range all.Helpdesks {
		s := d.Settings()
		rv := reflect.ValueOf(s).Elem()
		name := ""
		for i := 0; i < rv.NumField(); i++ {
			tag := rv.Type().Field(i).Tag.Get("envconfig")
			if strings.HasSuffix(tag, "_URL") && rv.Field(i).Kind() == reflect.String {
				rv.Field(i).SetString("helpdesk.example.com")
				name = tag
			}
		}
		if name == "" {
			t.Errorf("%s: no *_URL variable", d.Name)
			continue
		}
		want := name + `: "helpdesk.example.com" lacks a scheme: use https://helpdesk.example.com`
		if got := strings.Join(s.Problems(), "\n"); !strings.Contains(got, want) {
			t.Errorf("%s: want %q in:\n%s", d.Name, want, got)
		}
	}
}

func TestCheckGET(t *testing.T) {
	var status int
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Token") != "good" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errors":[{"message":"Invalid token tok-123"}]}`))
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	probe := func(token string) error {
		return helpdesk.CheckGET(context.Background(), helpdesk.Probe{
			URL: srv.URL + "/api/me?key=sekrit", Header: http.Header{"Token": {token}},
			URLVar: "X_URL", Credentials: "X_TOKEN", Redact: func(s string) string { return strings.ReplaceAll(s, "tok-123", "[REDACTED]") },
		})
	}
	status, body = 200, `{"id":1}`
	if err := probe("good"); err != nil {
		t.Fatal(err)
	}
	err := probe("bad")
	var ce *helpdesk.CheckError
	if !errors.As(err, &ce) || ce.Status != 401 ||
		err.Error() != "401 Unauthorized at GET /api/me (Invalid token [REDACTED]): check X_TOKEN" {
		t.Fatalf("got %v", err)
	}
	status, body = 429, ``
	if err := probe("good"); err != nil {
		t.Fatalf("a rate limit is no configuration problem: %v", err)
	}
	status, body = 200, `<html>login</html>`
	if err := probe("good"); err == nil || !strings.Contains(err.Error(), "not with the helpdesk's API") {
		t.Fatalf("an HTML page passed: %v", err)
	}
	status, body = 404, `{"message":"no route"}`
	if err := probe("good"); err == nil || !strings.HasSuffix(err.Error(), "(no route): check X_URL") {
		t.Fatalf("404: %v", err)
	}
	srv.Close()
	err = probe("good")
	if err == nil || !strings.HasPrefix(err.Error(), "connection refused at "+srv.URL+"/api/me: check X_URL") || strings.Contains(err.Error(), "sekrit") {
		t.Fatalf("closed server: %v", err)
	}
}
