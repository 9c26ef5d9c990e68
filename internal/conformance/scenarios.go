package conformance

import (
	"math/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/llmtest"
)

// Scenario is one behaviour every helpdesk shows the same way.
type Scenario struct {
	Name string
	// Config adjusts the service's configuration (nil keeps BaseConfig).
	Config func(*config.Config)
	Run    func(e *Env)
}

// Table is the kit's scenarios, run for every helpdesk by Scenarios.
var Table = []Scenario{
	{Name: "answer", Run: answer},
	{Name: "button after N answers", Config: func(c *config.Config) { c.RequiredAnswers = 2 }, Run: buttonAfterN},
	{Name: "choice hands over to the online team", Config: func(c *config.Config) { c.RequiredAnswers = 1 }, Run: choiceHandsOver},
	{Name: "free-text request hands over", Run: freeTextRequest},
	{Name: "nobody available: offline message with email", Run: offlineMessage},
	{Name: "agent reply takes over for good", Run: takeover},
	{Name: "LLM failure hands over with an apology", Config: func(c *config.Config) { c.LLMTimeout = 300 * time.Millisecond }, Run: llmFailure},
	{Name: "repeated deliveries give one reply", Run: duplicates},
	{Name: "shuffled and repeated deliveries", Run: shuffled},
	{Name: "forged or missing authentication changes nothing", Run: forged},
	{Name: "typed yes takes the human offer", Config: offersEarly(1), Run: typedYesHuman},
	{Name: "typed answers to the offline offer, email in a sentence", Config: offersEarly(3), Run: typedOffline},
	{Name: "the email step stays open; the visitor's message tops the note", Config: offersEarly(3), Run: emailStepOpen},
	{Name: "nobody takes the chat in time: the offline message from the queue", Config: shortWait, Run: waitTimesOut},
	{Name: "the visitor calls off the wait", Run: cancelWait},
	{Name: "frustration offers a person", Config: offersEarly(3), Run: frustrationOffers},
	{Name: "a repeated question offers a person", Config: offersEarly(3), Run: repeatOffers},
	{Name: "the bot does not know: a person at once", Config: withSampleKnowledge(offersEarly(3)), Run: noAnswerOffers},
	{Name: "help-center articles reach the bot", Config: withHelpCenter(0), Run: helpCenterArticles},
	{Name: "an article changed in the help center is picked up on refresh", Config: withHelpCenter(hcRefresh), Run: helpCenterRefresh},
}

// Scenarios runs the table for one helpdesk, each scenario in a world of its own.
func Scenarios(t *testing.T, d helpdesk.Descriptor) {
	for _, sc := range Table {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			sc.Run(newEnv(t, d, sc.Config))
		})
	}
}

func answer(e *Env) {
	conv := e.Send("v1", "How long does shipping take?")
	s := e.WaitFor(conv, "answered", BotCount(1))
	if got := LastBot(s); !strings.Contains(got.Text, "How long does shipping take?") {
		e.T.Fatalf("the answer is not the model's: %q\n%s", got.Text, Dump(s))
	}
	if s.WithHuman || s.Offline {
		e.T.Fatalf("a plain answer left the bot:\n%s", Dump(s))
	}
	// The bot's own message, echoed back by the helpdesk, starts no turn.
	e.Settle()
	if s := e.World.State(conv); len(Bot(s)) != 1 {
		e.T.Fatalf("bot messages %d, want 1:\n%s", len(Bot(s)), Dump(s))
	}
}

func buttonAfterN(e *Env) {
	conv := e.Send("v1", "How long does shipping take?")
	s := e.WaitFor(conv, "answered once", BotCount(1))
	if Offers(LastBot(s), handover.ChoiceRequestHuman) {
		e.T.Fatalf("the human choice came after 1 answer, want after 2:\n%s", Dump(s))
	}
	e.Settle()
	e.Send("v1", "And returns?")
	s = e.WaitFor(conv, "answered twice", BotCount(2))
	if !Offers(LastBot(s), handover.ChoiceRequestHuman) {
		e.T.Fatalf("no human choice after 2 answers:\n%s", Dump(s))
	}
	if !strings.Contains(LastBot(s).Text, "And returns?") {
		e.T.Fatalf("the second answer is not the model's:\n%s", Dump(s))
	}
}

func choiceHandsOver(e *Env) {
	conv := e.Send("v1", "Where is my parcel?")
	s := e.WaitFor(conv, "answered with the human choice", func(s helpdesk.State) bool {
		return Offers(LastBot(s), handover.ChoiceRequestHuman)
	})
	e.Settle()
	before := len(Bot(s))
	if err := e.World.Choose(e.ctx(), conv, handover.ChoiceRequestHuman); err != nil {
		e.T.Fatal(err)
	}
	s = e.WaitFor(conv, "handed over", func(s helpdesk.State) bool { return s.WithHuman && len(Bot(s)) > before })
	e.Settle()
	s = e.World.State(conv)
	notes := Of(s, helpdesk.RoleNote)
	if len(notes) == 0 {
		e.T.Fatalf("no note for the agent:\n%s", Dump(s))
	}
	if s.Offline {
		e.T.Fatalf("filed offline although an agent is available:\n%s", Dump(s))
	}
	// From now on the bot is silent.
	n := len(Bot(s))
	e.Send("v1", "Hello? Anyone?")
	e.Settle()
	if s := e.World.State(conv); len(Bot(s)) != n {
		e.T.Fatalf("the bot spoke after the handover:\n%s", Dump(s))
	}
}

func freeTextRequest(e *Env) {
	conv := e.Send("v1", "I want to talk to a human, please")
	s := e.WaitFor(conv, "handed over", func(s helpdesk.State) bool { return s.WithHuman })
	e.Settle()
	s = e.World.State(conv)
	for _, b := range Bot(s) {
		if strings.HasPrefix(b.Text, "Answer to") {
			e.T.Fatalf("the bot answered instead of handing over:\n%s", Dump(s))
		}
	}
	if len(Bot(s)) == 0 || len(Of(s, helpdesk.RoleNote)) == 0 {
		e.T.Fatalf("the visitor or the agent was not told:\n%s", Dump(s))
	}

	// A question about agents is a question, not a request.
	conv2 := e.Send("v2", "Are your agents available on weekends?")
	s = e.WaitFor(conv2, "answered", BotCount(1))
	if s.WithHuman || !strings.Contains(LastBot(s).Text, "weekends") {
		e.T.Fatalf("a question about agents was handed over:\n%s", Dump(s))
	}
}

func offlineMessage(e *Env) {
	e.World.SetAgentsAvailable(false)
	conv := e.Send("v1", "Can I talk to a person?")
	s := e.WaitFor(conv, "offered an offline message", func(s helpdesk.State) bool {
		return Offers(LastBot(s), handover.ChoiceOffline)
	})
	if s.WithHuman || s.Offline {
		e.T.Fatalf("left the bot before the visitor chose:\n%s", Dump(s))
	}
	e.Settle()
	const email = "jane@example.com"
	s = takeOfflineMessage(e, conv, email)
	if !strings.EqualFold(s.Email, email) {
		e.T.Fatalf("the helpdesk holds email %q, want %q:\n%s", s.Email, email, Dump(s))
	}
	if !strings.Contains(LastBot(s).Text, email) {
		e.T.Fatalf("the visitor is not told how they hear back:\n%s", Dump(s))
	}
	found := false
	for _, n := range Of(s, helpdesk.RoleNote) {
		found = found || strings.Contains(n.Text, email)
	}
	if !found {
		e.T.Fatalf("no note with the email for the team:\n%s", Dump(s))
	}
}

func takeover(e *Env) {
	conv := e.Send("v1", "Hi, a question about my order")
	e.WaitFor(conv, "answered", BotCount(1))
	e.Settle()
	if err := e.World.AgentReply(e.ctx(), conv, "Hi, I'm from the team, let me check."); err != nil {
		e.T.Fatal(err)
	}
	e.Settle()
	n := len(Bot(e.World.State(conv)))
	e.Send("v1", "Thanks, still there?")
	e.Settle()
	s := e.World.State(conv)
	if len(Bot(s)) != n {
		e.T.Fatalf("the bot spoke after an agent took over:\n%s", Dump(s))
	}
	for _, b := range Bot(s) {
		if strings.Contains(b.Text, "still there") {
			e.T.Fatalf("the bot answered after the takeover:\n%s", Dump(s))
		}
	}
}

func llmFailure(e *Env) {
	e.LLM.SetDefault(func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Status: http.StatusInternalServerError} })
	conv := e.Send("v1", "Where is my order 123?")
	s := e.WaitFor(conv, "handed over by the fail-safe", func(s helpdesk.State) bool { return s.WithHuman && len(Bot(s)) > 0 })
	e.Settle()
	s = e.World.State(conv)
	if bs := Bot(s); len(bs) != 1 || !strings.HasPrefix(bs[0].Text, "Sorry") {
		e.T.Fatalf("want one apology to the visitor:\n%s", Dump(s))
	}
	if ns := Of(s, helpdesk.RoleNote); len(ns) == 0 || !strings.Contains(strings.Join(texts(ns), "\n"), "could not answer") {
		e.T.Fatalf("the agent's note does not say the bot could not answer:\n%s", Dump(s))
	}
}

func duplicates(e *Env) {
	e.relay.mu.Lock()
	e.relay.copies = func(*rand.Rand) int { return 3 }
	e.relay.mu.Unlock()
	conv := ""
	for i, q := range []string{"What are your opening hours?", "Do you ship abroad?", "How do I return an item?"} {
		conv = e.Send("v1", q)
		e.WaitFor(conv, "answered", BotCount(i+1))
		e.Settle()
	}
	// Every recorded delivery again, once more.
	for _, d := range e.relay.deliveries() {
		e.App.Server.ServeHTTP(httptest.NewRecorder(), d.request())
	}
	e.Settle()
	assertOnePerQuestion(e, conv, 3)
}

func shuffled(e *Env) {
	e.relay.mu.Lock()
	e.relay.copies = func(r *rand.Rand) int { return 1 + r.Intn(3) }
	e.relay.jitter = 40 * time.Millisecond
	e.relay.mu.Unlock()
	conv := ""
	for i, q := range []string{"What are your opening hours?", "Do you ship abroad?", "How do I return an item?"} {
		conv = e.Send("v1", q)
		e.WaitFor(conv, "answered", BotCount(i+1))
	}
	e.Settle()
	assertOnePerQuestion(e, conv, 3)
}

// assertOnePerQuestion checks that each of the n questions has exactly one answer.
func assertOnePerQuestion(e *Env, conv string, n int) {
	e.T.Helper()
	s := e.World.State(conv)
	bs := Bot(s)
	if len(bs) != n {
		e.T.Fatalf("bot messages %d, want %d:\n%s", len(bs), n, Dump(s))
	}
	seen := map[string]bool{}
	for _, b := range bs {
		if seen[b.Text] {
			e.T.Fatalf("an answer doubled:\n%s", Dump(s))
		}
		seen[b.Text] = true
	}
}

func forged(e *Env) {
	conv := e.Send("v1", "What are your opening hours?")
	e.WaitFor(conv, "answered", BotCount(1))
	e.Settle()
	ds := e.relay.deliveries()
	if len(ds) == 0 {
		e.T.Fatal("no delivery recorded")
	}
	real := ds[0]
	before := e.World.State(conv)
	e.World.ResetCalls()
	// Without what authenticates it: no header but the content type, no path secret.
	req := httptest.NewRequest(http.MethodPost, "/webhooks/"+e.D.Name, strings.NewReader(string(real.Body)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.App.Server.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		e.T.Fatalf("unauthenticated delivery: status %d, want 401: %s", rec.Code, rec.Body)
	}
	// With its credentials but another body (a signature over other bytes), for helpdesks
	// whose authentication covers the body; the path-secret helpdesks accept it as theirs, so
	// only the status is not checked for them, the outcome is.
	tampered := real
	tampered.Body = []byte(strings.Replace(string(real.Body), "opening hours", "opening hourz", 1))
	rec = httptest.NewRecorder()
	e.App.Server.ServeHTTP(rec, tampered.request())
	if rec.Code >= 500 {
		e.T.Fatalf("tampered delivery: status %d: %s", rec.Code, rec.Body)
	}
	e.Settle()
	after := e.World.State(conv)
	if len(after.Entries) != len(before.Entries) {
		e.T.Fatalf("a rejected delivery changed the conversation:\nbefore\n%s\nafter\n%s", Dump(before), Dump(after))
	}
	for _, c := range e.World.Calls() {
		if c.Method != http.MethodGet {
			e.T.Fatalf("a rejected delivery wrote to the helpdesk: %s %s", c.Method, c.Path)
		}
	}
}

func texts(es []helpdesk.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Text
	}
	return out
}

// offersEarly is the production default of the early offers (frustration, repeats, the bot
// not knowing), with the human choice after n answers.
func offersEarly(n int) func(*config.Config) {
	return func(c *config.Config) {
		c.RequiredAnswers = n
		c.OfferOnRepeat, c.OfferOnUnknown, c.OfferOnFrustration = true, true, true
	}
}

// waitOffer waits for the bot's latest message to offer choice.
func waitOffer(e *Env, conv, choice string) helpdesk.State {
	e.T.Helper()
	return e.WaitFor(conv, "offered "+choice, func(s helpdesk.State) bool { return Offers(LastBot(s), choice) })
}

// offeredOffline makes nobody available, has visitor v1 ask for a person and returns the
// conversation once the offline message is offered and the service settled.
func offeredOffline(e *Env) string {
	e.T.Helper()
	e.World.SetAgentsAvailable(false)
	conv := e.Send("v1", "Can I talk to a person?")
	waitOffer(e, conv, handover.ChoiceOffline)
	e.Settle()
	return conv
}

// takeOfflineMessage chooses the offline message offered in conv and gives email when asked for
// it; it returns the chat's state once filed (waitFiled).
func takeOfflineMessage(e *Env, conv, email string) helpdesk.State {
	e.T.Helper()
	if err := e.World.Choose(e.ctx(), conv, handover.ChoiceOffline); err != nil {
		e.T.Fatal(err)
	}
	e.WaitFor(conv, "asked for an email address", func(s helpdesk.State) bool { return LastBot(s).AsksEmail })
	e.Settle()
	if err := e.World.GiveEmail(e.ctx(), conv, email); err != nil {
		e.T.Fatal(err)
	}
	return waitFiled(e, conv)
}

// waitFiled waits until conv is filed offline and returns its state once the service settled.
func waitFiled(e *Env, conv string) helpdesk.State {
	e.T.Helper()
	e.WaitFor(conv, "filed offline", func(s helpdesk.State) bool { return s.Offline })
	e.Settle()
	return e.World.State(conv)
}

// confirmedWithNote fails unless the bot's last message confirms the offline message with email
// and the team's note says note.
func confirmedWithNote(e *Env, s helpdesk.State, email, note string) {
	e.T.Helper()
	if !strings.Contains(LastBot(s).Text, email) {
		e.T.Fatalf("want the confirmation with %s:\n%s", email, Dump(s))
	}
	noteSays(e, s, note)
}

// noteSays checks that an agent's note holds what.
func noteSays(e *Env, s helpdesk.State, what string) {
	e.T.Helper()
	if ns := Of(s, helpdesk.RoleNote); !strings.Contains(strings.ToLower(strings.Join(texts(ns), "\n")), what) {
		e.T.Fatalf("the agent's note does not say %q:\n%s", what, Dump(s))
	}
}

// A visitor types instead of clicking, on every helpdesk: a plain "yes please" takes the human
// offer, a question that starts with "no" is a question.
func typedYesHuman(e *Env) {
	conv := e.Send("v1", "Tell me about shipping")
	waitOffer(e, conv, handover.ChoiceRequestHuman)
	e.Settle()
	e.Send("v1", "yes please")
	s := e.WaitFor(conv, "handed over", func(s helpdesk.State) bool { return s.WithHuman })
	e.Settle()
	s = e.World.State(conv)
	if s.Offline || len(Of(s, helpdesk.RoleNote)) == 0 {
		e.T.Fatalf("want a handover with a note:\n%s", Dump(s))
	}

	conv2 := e.Send("v2", "Tell me about shipping")
	s = waitOffer(e, conv2, handover.ChoiceRequestHuman)
	e.Settle()
	n := len(Bot(s))
	e.Send("v2", "no, I meant the blue one, is it in stock?")
	s = e.WaitFor(conv2, "answered", BotCount(n+1))
	e.Settle()
	s = e.World.State(conv2)
	if s.WithHuman || !strings.Contains(LastBot(s).Text, "blue one") {
		e.T.Fatalf("a question starting with no was taken as a choice:\n%s", Dump(s))
	}
}

// Nobody available: "no thanks" keeps chatting; "sure" takes the offline offer, and an
// address inside a sentence answers the email question.
func typedOffline(e *Env) {
	conv := offeredOffline(e)
	e.Send("v1", "No thanks.")
	s := e.WaitFor(conv, "chatting on", func(s helpdesk.State) bool {
		return strings.Contains(LastBot(s).Text, handover.DefaultTexts().Continue)
	})
	if s.WithHuman || s.Offline {
		e.T.Fatalf("no thanks left the bot:\n%s", Dump(s))
	}
	e.Settle()
	e.Send("v1", "I want to talk to a human, please")
	waitOffer(e, conv, handover.ChoiceOffline)
	e.Settle()
	e.Send("v1", "sure")
	e.WaitFor(conv, "asked for an email address", func(s helpdesk.State) bool { return LastBot(s).AsksEmail })
	e.Settle()
	const email = "jane@example.com"
	e.Send("v1", "my email is "+email+" thanks")
	s = waitFiled(e, conv)
	// A typed address reaches the team in the note and the visitor in the confirmation; the
	// helpdesks whose own form would have set the contact's email (Chatwoot) keep it there.
	if s.Email != "" && !strings.EqualFold(s.Email, email) || !strings.Contains(LastBot(s).Text, email) {
		e.T.Fatalf("want the offline message with %s:\n%s", email, Dump(s))
	}
	noteSays(e, s, email)
}

// Nobody available, nothing said yet but a request for a person: the email question also asks
// for the message; a reply without an address is that message and the question is asked again;
// the address, a message later, files it with the message in the team's note.
func emailStepOpen(e *Env) {
	conv := offeredOffline(e)
	e.Send("v1", "sure")
	s := e.WaitFor(conv, "asked for the message and an email address", func(s helpdesk.State) bool { return LastBot(s).AsksEmail })
	if !strings.Contains(LastBot(s).Text, handover.DefaultTexts().AskMessage) {
		e.T.Fatalf("the question does not ask what the message is:\n%s", Dump(s))
	}
	e.Settle()
	n := len(Bot(e.World.State(conv)))
	e.Send("v1", "My tent arrived with a torn seam, please send a new one.")
	s = e.WaitFor(conv, "asked for the address again", BotCount(n+1))
	e.Settle()
	s = e.World.State(conv)
	if s.Offline || s.WithHuman || !LastBot(s).AsksEmail || !strings.Contains(LastBot(s).Text, handover.DefaultTexts().EmailAgain) {
		e.T.Fatalf("a reply without an address must keep the email step open and say what it needs:\n%s", Dump(s))
	}
	const email = "jane@example.com"
	e.Send("v1", email)
	confirmedWithNote(e, waitFiled(e, conv), email, "torn seam")
}

// shortWait makes the wait for a person short and the reconciler quick.
func shortWait(c *config.Config) {
	c.HumanWaitTimeout = time.Second
	c.ReconcileInterval, c.ReconcileGrace = 200*time.Millisecond, 3*time.Second
}

// A visitor handed over and taken by nobody within HANDOVER_HUMAN_WAIT_TIMEOUT is offered the
// offline message where the bot may write in the queue (handover.WaitWatcher), and files it
// from the queue; elsewhere the bot never writes in the queue.
func waitTimesOut(e *Env) {
	conv := e.Send("v1", "Can I talk to a person?")
	e.WaitFor(conv, "handed over", func(s helpdesk.State) bool { return s.WithHuman })
	e.Settle()
	if _, ok := e.Adapter.(handover.WaitWatcher); !ok {
		time.Sleep(2 * time.Second) // two timeouts and ten reconciler passes
		e.Settle()
		if s := e.World.State(conv); !s.WithHuman || s.Offline || LastBot(s).Offers != nil {
			e.T.Fatalf("the bot wrote in the queue of a helpdesk that does not let it:\n%s", Dump(s))
		}
		return
	}
	s := waitOffer(e, conv, handover.ChoiceOffline)
	if !strings.Contains(LastBot(s).Text, handover.DefaultTexts().WaitTimeout) {
		e.T.Fatalf("the offer does not say nobody was free:\n%s", Dump(s))
	}
	e.Settle()
	const email = "jane@example.com"
	confirmedWithNote(e, takeOfflineMessage(e, conv, email), email, "nobody took the chat in time")
}

// A visitor waiting for a person who writes "never mind, the bot is fine" gets the bot back
// where the helpdesk can undo the handover (handover.HandBacker); elsewhere the message is
// left to the agents.
func cancelWait(e *Env) {
	conv := e.Send("v1", "Can I talk to a person?")
	s := e.WaitFor(conv, "handed over", func(s helpdesk.State) bool { return s.WithHuman })
	e.Settle()
	n := len(Bot(e.World.State(conv)))
	e.Send("v1", "never mind, the bot is fine")
	if _, ok := e.Adapter.(handover.HandBacker); !ok {
		e.Settle()
		if s = e.World.State(conv); !s.WithHuman || len(Bot(s)) != n {
			e.T.Fatalf("the bot took back a chat the helpdesk cannot give back:\n%s", Dump(s))
		}
		return
	}
	s = e.WaitFor(conv, "back with the bot", func(s helpdesk.State) bool { return !s.WithHuman && len(Bot(s)) > n })
	if !strings.Contains(LastBot(s).Text, handover.DefaultTexts().Continue) {
		e.T.Fatalf("the visitor is not told the bot is back:\n%s", Dump(s))
	}
	e.Settle()
	e.Send("v1", "How long does shipping take?")
	s = e.WaitFor(conv, "answered", BotCount(n+2))
	if !strings.Contains(LastBot(s).Text, "How long does shipping take?") || s.WithHuman {
		e.T.Fatalf("the bot does not answer after the wait was called off:\n%s", Dump(s))
	}
}

// Frustration offers a person on the first answer; the note says why when the visitor takes it.
func frustrationOffers(e *Env) {
	conv := e.Send("v1", "This is useless, where is my parcel")
	s := e.WaitFor(conv, "answered", BotCount(1))
	if !Offers(LastBot(s), handover.ChoiceRequestHuman) || s.WithHuman {
		e.T.Fatalf("no early human offer:\n%s", Dump(s))
	}
	e.Settle()
	if err := e.World.Choose(e.ctx(), conv, handover.ChoiceRequestHuman); err != nil {
		e.T.Fatal(err)
	}
	e.WaitFor(conv, "handed over", func(s helpdesk.State) bool { return s.WithHuman })
	e.Settle()
	noteSays(e, e.World.State(conv), "frustrated")
}

// The same question twice offers a person on the second answer; a typed "yes" takes it.
func repeatOffers(e *Env) {
	conv := e.Send("v1", "How long does shipping to Canada take?")
	s := e.WaitFor(conv, "answered", BotCount(1))
	if Offers(LastBot(s), handover.ChoiceRequestHuman) {
		e.T.Fatalf("a person offered on the first answer:\n%s", Dump(s))
	}
	e.Settle()
	e.Send("v1", "how long does shipping to Canada take")
	s = e.WaitFor(conv, "answered twice", BotCount(2))
	if !Offers(LastBot(s), handover.ChoiceRequestHuman) {
		e.T.Fatalf("no human offer after the repeated question:\n%s", Dump(s))
	}
	e.Settle()
	e.Send("v1", "yes")
	e.WaitFor(conv, "handed over", func(s helpdesk.State) bool { return s.WithHuman })
	e.Settle()
	noteSays(e, e.World.State(conv), "same question again")
}

// withSampleKnowledge adds the bot's sample knowledge base (a fictional outdoor shop: shipping,
// returns, hours, payment, warranty, tracking) to cfg.
func withSampleKnowledge(cfg func(*config.Config)) func(*config.Config) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "bot", "sample")
	return func(c *config.Config) {
		cfg(c)
		c.KnowledgeDir = dir
	}
}

// A question the knowledge does not cover: the model says it does not know (by the
// cannot_answer tool, or in words), the bot says so plainly and offers a person on its first
// answer of three required; the agent's note says why when the visitor takes it, by click or
// typed. The model saw the rule and that nothing in the knowledge matched.
func noAnswerOffers(e *Env) {
	e.LLM.SetDefault(func(req llmtest.Request) llmtest.Reply {
		if len(req.Messages) > 0 && strings.Contains(strings.ToLower(req.Messages[0].Content), "summar") {
			return llmtest.Reply{Text: "The visitor asked about renting a kayak."}
		}
		switch q := lastUser(req); {
		case strings.Contains(q, "kayak"):
			return llmtest.Reply{ToolCalls: []llmtest.ToolCall{{Name: "cannot_answer", Arguments: "{}"}}}
		case strings.Contains(q, "kites"):
			return llmtest.Reply{Text: "I'm sorry, I don't know whether we sell kites."}
		}
		return llmtest.Reply{Text: "Answer to " + lastUser(req)}
	})
	for _, c := range []struct{ visitor, question, says string }{
		{"v1", "Can I rent a kayak for the weekend?", "I don't know"},
		{"v2", "Do you sell kites?", "I don't know whether we sell kites"},
	} {
		conv := e.Send(c.visitor, c.question)
		s := e.WaitFor(conv, "answered", BotCount(1))
		if got := LastBot(s); !strings.Contains(got.Text, c.says) || !Offers(got, handover.ChoiceRequestHuman) || s.WithHuman {
			e.T.Fatalf("want an answer saying %q with a person offered at once:\n%s", c.says, Dump(s))
		}
		e.Settle()
		if c.visitor == "v1" {
			if err := e.World.Choose(e.ctx(), conv, handover.ChoiceRequestHuman); err != nil {
				e.T.Fatal(err)
			}
		} else {
			e.Send(c.visitor, "yes please")
		}
		e.WaitFor(conv, "handed over", func(s helpdesk.State) bool { return s.WithHuman })
		e.Settle()
		noteSays(e, e.World.State(conv), "nothing in its knowledge")
	}
	for _, r := range e.LLM.Requests() {
		if len(r.Messages) < 2 || r.Messages[0].Role != "system" || !strings.Contains(lastUser(r), "kayak") {
			continue
		}
		sys := r.Messages[0].Content
		if !strings.Contains(sys, "If the passages do not contain the answer") ||
			!strings.Contains(sys, "(nothing in the knowledge base matches") || !slices.Contains(r.Tools, "cannot_answer") {
			e.T.Fatalf("the model was not told the rule, that nothing matches, or given cannot_answer: tools %v\n%s", r.Tools, sys)
		}
		return
	}
	e.T.Fatalf("no model request for the question")
}
