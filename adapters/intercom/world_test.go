package intercom

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// The sandbox's world serves its page beside the API; the benchmark's serves the API only.
func TestSandboxPage(t *testing.T) {
	w, err := Descriptor.Sandbox(helpdesk.SandboxOptions{SimURL: "http://sim.invalid"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	srv := httptest.NewServer(w.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Messenger") {
		t.Fatalf("page: %d", resp.StatusCode)
	}
	resp, err = http.PostForm(srv.URL+"/sandbox/send", url.Values{"text": {"hello"}})
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("send: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.Get(srv.URL + "/sandbox/state")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Conversation string
		Entries      []struct{ Role, Text string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.Conversation == "" || len(st.Entries) != 1 || st.Entries[0].Role != "visitor" || st.Entries[0].Text != "hello" {
		t.Fatalf("state %+v", st)
	}
	// The API still needs its token.
	if resp, err := http.Get(srv.URL + "/admins"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API without token: %v %v", resp, err)
	}
	s := w.Settings().(*Settings)
	if s.Problems() != nil || s.URL != "http://sim.invalid" {
		t.Fatalf("settings %+v: %v", s, s.Problems())
	}

	bench, err := Descriptor.Sandbox(helpdesk.SandboxOptions{SimURL: "http://sim.invalid", Benchmark: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bench.Close()
	rec := httptest.NewRecorder()
	bench.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code == http.StatusOK {
		t.Fatal("the benchmark's world serves the page")
	}
}
