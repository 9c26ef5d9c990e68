package liveagent

// LiveAgent allows 180 API requests a minute per key (support.liveagent.com/217359). These
// tests run real bot turns (the core engine, a stub bot) through the adapter against the
// simulator, which enforces that limit, on a shared fake clock: a "minute" of throttling
// passes without waiting.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sim "github.com/handover-dev/handover/adapters/sim/liveagent"
	"github.com/handover-dev/handover/handover"
)

type stubBot struct{}

func (stubBot) Answer(_ context.Context, t handover.Turn) (handover.Answer, error) {
	p := t.Conversation.PendingVisitorMessages()
	return handover.Answer{Text: "About " + p[len(p)-1].Text + ": it ships in three days."}, nil
}

func (stubBot) Summarize(context.Context, *handover.Conversation) (string, error) {
	return "summary", nil
}

type rateEnv struct {
	la  *sim.Server
	srv *httptest.Server
	clk *fakeClock
	a   *Adapter
	eng *handover.Engine
}

func newRateEnv(t *testing.T) *rateEnv {
	t.Helper()
	r := &rateEnv{clk: newFakeClock()}
	r.la = sim.New(sim.Options{APIKey: testKey, APIV1Key: testV1Key, Now: r.clk.Now})
	r.srv = httptest.NewServer(r.la.Handler())
	t.Cleanup(func() { r.la.Close(); r.srv.Close() })
	r.la.SeedDemo()
	a, err := New(Config{BaseURL: r.srv.URL, APIKey: testKey, APIV1Key: testV1Key, BotAgentID: r.la.BotAgentID(),
		WebhookSecret: testHook, Clock: r.clk, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r.a = a
	r.eng, err = handover.NewEngine(handover.Options{Helpdesk: a, Bot: stubBot{}, RequiredAnswers: 1000, LLMTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// turns runs n visitor messages, each answered by one engine turn, and fails the test on any
// turn that does not end answered.
func (r *rateEnv) turns(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		id, _, err := r.la.VisitorSend(ctx, "", "visitor-"+string(rune('a'+i%26)), "question "+string(rune('A'+i%26)))
		if err != nil {
			t.Fatal(err)
		}
		out, err := r.eng.Handle(ctx, handover.Event{Kind: handover.EventVisitorMessage, ConversationID: id})
		if err != nil || out != handover.OutcomeAnswered {
			t.Fatalf("turn %d on %s: %s, %v", i, id, out, err)
		}
	}
}

func (r *rateEnv) count(status int) int {
	n := 0
	for _, c := range r.la.Calls() {
		if c.Status == status {
			n++
		}
	}
	return n
}

// More than 181 requests inside what would be one minute: the client-side limiter spreads
// them so LiveAgent never answers 429, and no turn is lost.
func TestTurnsBeyond181RequestsAMinuteNeverFail(t *testing.T) {
	r := newRateEnv(t)
	r.turns(t, 45)
	calls := r.la.Calls()
	if len(calls) < 181 {
		t.Fatalf("only %d requests; the test needs more than 180", len(calls))
	}
	if n := r.count(http.StatusTooManyRequests); n != 0 {
		t.Fatalf("LiveAgent answered 429 %d times: the limiter let too much through", n)
	}
	if r.clk.Slept() < 30*time.Second {
		t.Fatalf("the limiter waited only %s for %d requests", r.clk.Slept(), len(calls))
	}
	for _, c := range calls {
		if c.Token != "v3" && c.Token != "v1" {
			t.Fatalf("call with token %q: %+v", c.Token, c)
		}
	}
}

// Another integration on the same key spends the minute's budget: LiveAgent answers 429, the
// adapter waits as Retry-After says and tries again, and every turn still ends answered.
func TestTurnsSurviveABudgetSpentByAnotherClient(t *testing.T) {
	r := newRateEnv(t)
	other := &http.Client{}
	for {
		req, _ := http.NewRequest(http.MethodGet, r.srv.URL+"/api/v3/agents", nil)
		req.Header.Set("apikey", testKey)
		resp, err := other.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			break
		}
	}
	r.la.ResetCalls()
	r.turns(t, 5)
	if n := r.count(http.StatusTooManyRequests); n == 0 {
		t.Fatal("no 429: the budget was not spent")
	}
	last := r.la.Calls()[len(r.la.Calls())-1]
	if last.Status != http.StatusOK || !strings.HasSuffix(last.Path, "/messages") {
		t.Fatalf("last call %+v", last)
	}
}
