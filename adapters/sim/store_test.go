package sim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestStoreConversationsAndMessages(t *testing.T) {
	s := NewStore(1, time.Second)
	s.Mu.Lock()
	defer s.Mu.Unlock()
	in := s.NewInbox("Web")
	alice := s.NewUser("Alice", "alice@example.com", "agent", "online")
	tm := s.NewTeam("Support", alice.ID, alice.ID, 999)
	if len(tm.Members) != 1 || tm.Members[0] != alice.ID {
		t.Fatalf("team members %v: want only Alice, once", tm.Members)
	}
	ct := s.ContactFor("steve")
	if again := s.ContactFor("steve"); again != ct {
		t.Fatal("ContactFor made a second contact for the same key")
	}
	c := s.NewConversation(in.ID, ct, "open")
	if c.UUID == "" || c.Status != "open" || s.Convs[c.ID] != c || s.ConvIDs[len(s.ConvIDs)-1] != c.ID {
		t.Fatalf("conversation not stored as created: %+v", c)
	}
	var prev *Message
	for i := range 50 {
		m := &Message{Type: "incoming", SenderKind: "contact", SenderID: ct.ID, Content: "hi", HasContent: true}
		s.Append(c, m)
		if m.ContentAttrs == nil || m.ConvID != c.ID {
			t.Fatalf("message %d: %+v", i, m)
		}
		if prev != nil && (m.ID <= prev.ID || !m.CreatedAt.After(prev.CreatedAt)) {
			t.Fatalf("message %d: id %d at %v after id %d at %v: ids and times must increase", i, m.ID, m.CreatedAt, prev.ID, prev.CreatedAt)
		}
		prev = m
	}
	if !c.LastActivityAt.Equal(prev.CreatedAt) {
		t.Fatalf("last activity %v, want the last message's %v", c.LastActivityAt, prev.CreatedAt)
	}
	v := s.View(c, "Bot")
	v.Messages[0].Content = "changed"
	v.Labels = append(v.Labels, "x")
	if c.Msgs[0].Content != "hi" || len(c.Labels) != 0 {
		t.Fatal("View shares memory with the store")
	}
	if v.Messages[0].SenderName != "steve" {
		t.Fatalf("sender name %q, want the contact's", v.Messages[0].SenderName)
	}
}

func TestHelpCenterPublish(t *testing.T) {
	var a, b HelpCenter
	seed := len(HelpCenterSeed())
	if err := a.Publish("en", "Shipping times", "Orders ship the same day."); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish("de", "Neu", "Ein neuer Artikel."); err != nil {
		t.Fatal(err)
	}
	got := a.Articles()
	if len(got) != seed+1 {
		t.Fatalf("%d articles, want the seed (%d) with one replaced and one added", len(got), seed)
	}
	replaced := false
	for _, x := range got {
		if x.Title == "Shipping times" && x.Locale == "en" {
			replaced = x.Markdown == "Orders ship the same day."
		}
	}
	if !replaced || got[len(got)-1].Title != "Neu" {
		t.Fatalf("published articles not listed: %+v", got[len(got)-1])
	}
	if len(b.Articles()) != seed {
		t.Fatal("one help center's articles leaked into another")
	}
	if err := a.Publish("fr", "Bonjour", "x"); err == nil {
		t.Fatal("a locale the help center lacks was accepted")
	}

	mux := http.NewServeMux()
	a.Route(mux)
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"locale":"en","title":"Returns","text":"Within 30 days."}`, http.StatusNoContent},
		{`{"locale":"en","title":" "}`, http.StatusBadRequest},
		{`not json`, http.StatusBadRequest},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, HelpCenterPublishPath, strings.NewReader(tc.body)))
		if rec.Code != tc.want {
			t.Errorf("PUT %s: %d, want %d", tc.body, rec.Code, tc.want)
		}
	}
}

func TestUIAction(t *testing.T) {
	h := UIAction(func(_ *http.Request, in UIInput) (any, error) {
		switch in.Text {
		case "fail":
			return nil, ErrNotFound
		case "none":
			return nil, nil
		}
		return map[string]any{"echo": in.Text}, nil
	})
	for _, tc := range []struct {
		body string
		want int
		key  string
	}{
		{`{"text":"hi"}`, http.StatusOK, "echo"},
		{`{"text":"none"}`, http.StatusOK, "ok"},
		{`{"text":"fail"}`, http.StatusUnprocessableEntity, "error"},
		{`{`, http.StatusBadRequest, "error"},
	} {
		rec := httptest.NewRecorder()
		h(rec, httptest.NewRequest(http.MethodPost, "/sim/x", strings.NewReader(tc.body)))
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: body %q: %v", tc.body, rec.Body, err)
		}
		if rec.Code != tc.want || out[tc.key] == nil {
			t.Errorf("%s: %d %v, want %d with %q", tc.body, rec.Code, out, tc.want, tc.key)
		}
	}
}
