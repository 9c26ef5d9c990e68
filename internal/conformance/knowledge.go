package conformance

// The help center as knowledge (docs/knowledge.md): with HANDOVER_KNOWLEDGE_HELP_CENTER on, a
// helpdesk whose adapter reads its help center (helpdesk.HelpCenter) gives the bot its published
// articles, with their public address, and a change in the help center reaches the bot at the
// next refresh. A helpdesk whose adapter cannot read one answers from the files only.
//
// Every simulated help center is seeded alike (adapters/sim: chatwoot_helpcenter.go,
// intercom/helpcenter.go): a published English article "Shipping times" ("Orders ship within 2
// business days") and a draft "Upcoming pricing (draft)" ("Prices change next quarter."). It
// publishes an article through the simulator's own PUT /sim/help-center/articles
// (sim.HelpCenterPublishPath), reached in process through World.Handler.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/config"
)

// What the seeded help centers hold, and what the refresh scenario publishes.
const (
	hcArticleTitle = "Shipping times"
	hcArticleText  = "Orders ship within"
	hcDraftText    = "Prices change next quarter"
	hcPublishPath  = "/sim/help-center/articles"
	hcNewText      = "Orders now leave our new Leipzig warehouse within 24 hours."
	hcRefresh      = 100 * time.Millisecond
)

// withHelpCenter turns the help center on (no knowledge directory); the kit builds the
// configuration directly, so a refresh below HANDOVER_KNOWLEDGE_REFRESH's 10 s minimum is
// allowed here.
func withHelpCenter(refresh time.Duration) func(*config.Config) {
	return func(c *config.Config) {
		c.KnowledgeHelpCenter = true
		c.KnowledgeRefresh = refresh
	}
}

// helpCenter is the service's help center, nil when its adapter cannot read one.
func (e *Env) helpCenter() helpdesk.HelpCenter {
	hc, _ := e.Adapter.(helpdesk.HelpCenter)
	return hc
}

// ask sends a question from a new visitor, waits for the bot's answer (the model's) and returns
// the system message of the latest model request for that question.
func (e *Env) ask(visitor, question string) string {
	e.T.Helper()
	conv := e.Send(visitor, question)
	s := e.WaitFor(conv, "answered", BotCount(1))
	if got := LastBot(s); !strings.Contains(got.Text, "Answer to "+question) || s.WithHuman {
		e.T.Fatalf("%s: want the model's answer to %q:\n%s", e.D.Name, question, Dump(s))
	}
	reqs := e.LLM.Requests()
	for i := len(reqs) - 1; i >= 0; i-- { // the latest: questions repeat
		if r := reqs[i]; len(r.Messages) > 1 && r.Messages[0].Role == "system" && lastUser(r) == question {
			return r.Messages[0].Content
		}
	}
	e.T.Fatalf("%s: no model request for %q", e.D.Name, question)
	return ""
}

// hcArticleURL is the public address the adapter reads for the seeded English "Shipping times".
func (e *Env) hcArticleURL(hc helpdesk.HelpCenter) string {
	e.T.Helper()
	arts, err := hc.Articles(e.ctx())
	if err != nil {
		e.T.Fatalf("%s: the help center cannot be read: %v", e.D.Name, err)
	}
	for _, a := range arts {
		if a.Title == hcArticleTitle && strings.HasPrefix(a.Locale, "en") {
			if !strings.HasPrefix(a.URL, "http://") && !strings.HasPrefix(a.URL, "https://") {
				e.T.Fatalf("%s: %q has no public address: %q", e.D.Name, a.Title, a.URL)
			}
			return a.URL
		}
	}
	e.T.Fatalf("%s: the help center holds no English %q: %+v", e.D.Name, hcArticleTitle, arts)
	return ""
}

// publish changes an article in the simulated help center.
func (e *Env) publish(locale, title, text string) {
	e.T.Helper()
	body, _ := json.Marshal(map[string]string{"locale": locale, "title": title, "text": text})
	req := httptest.NewRequestWithContext(e.ctx(), http.MethodPut, hcPublishPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.World.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		e.T.Fatalf("%s: the simulated help center cannot publish an article (PUT %s): %d %s",
			e.D.Name, hcPublishPath, rec.Code, rec.Body)
	}
}

// Published articles reach the model with their public address; a draft never does. Without a
// help center the bot still answers, from nothing (no knowledge directory) and with no source.
func helpCenterArticles(e *Env) {
	shipping := "How long does shipping take? Shipping times"
	pricing := "Will prices change next quarter? Upcoming pricing"
	hc := e.helpCenter()
	sys := e.ask("v1", shipping)
	draft := e.ask("v2", pricing)
	if hc == nil {
		for _, s := range []string{sys, draft} {
			if !strings.Contains(s, "(nothing in the knowledge base matches") || strings.Contains(s, "\nSource: ") {
				e.T.Fatalf("%s reads no help center, yet the model got knowledge:\n%s", e.D.Name, s)
			}
		}
		return
	}
	url := e.hcArticleURL(hc)
	if !strings.Contains(sys, hcArticleText) || !strings.Contains(sys, "business days") || !strings.Contains(sys, "Source: "+url) {
		e.T.Fatalf("%s: the model did not get the article %q with \"Source: %s\":\n%s", e.D.Name, hcArticleTitle, url, sys)
	}
	for _, r := range e.LLM.Requests() {
		for _, m := range r.Messages {
			if strings.Contains(m.Content, hcDraftText) {
				e.T.Fatalf("%s: a draft article reached the model:\n%s", e.D.Name, m.Content)
			}
		}
	}
}

// An article published in the help center reaches the model once the knowledge is refreshed
// (every hcRefresh); until then, and for a helpdesk without a help center, nothing changes.
func helpCenterRefresh(e *Env) {
	question := "How long does shipping take? Shipping times"
	hc := e.helpCenter()
	before := e.ask("v1", question)
	if hc == nil {
		time.Sleep(3 * hcRefresh)
		if after := e.ask("v2", question); after != before {
			e.T.Fatalf("%s reads no help center, yet the model's knowledge changed:\nbefore:\n%s\nafter:\n%s", e.D.Name, before, after)
		}
		return
	}
	if !strings.Contains(before, hcArticleText) || strings.Contains(before, hcNewText) {
		e.T.Fatalf("%s: before the change the model should see the seeded article:\n%s", e.D.Name, before)
	}
	e.publish("en", hcArticleTitle, hcNewText)
	// The adapter reads the change at once (the refresh will read the same)…
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if arts, err := hc.Articles(ctx); err != nil || !hasText(arts, hcNewText) {
		e.T.Fatalf("%s: the published change is not in the help center (%v): %+v", e.D.Name, err, arts)
	}
	// …and the next turns see it once a refresh ran: a turn each refresh, for a bounded time.
	deadline := time.Now().Add(3 * time.Second)
	for i := 2; ; i++ {
		time.Sleep(hcRefresh)
		sys := e.ask(fmt.Sprintf("v%d", i), question)
		if strings.Contains(sys, hcNewText) {
			if strings.Contains(sys, "business days") {
				e.T.Fatalf("%s: the old text of %q is still in the prompt next to the new:\n%s", e.D.Name, hcArticleTitle, sys)
			}
			return
		}
		if time.Now().After(deadline) {
			e.T.Fatalf("%s: the changed article never reached the model (refresh every %s):\n%s", e.D.Name, hcRefresh, sys)
		}
	}
}

// hasText reports whether an article's body holds text.
func hasText(arts []helpdesk.Article, text string) bool {
	for _, a := range arts {
		if strings.Contains(a.Body, text) {
			return true
		}
	}
	return false
}
