package bot

import (
	"strings"
	"testing"

	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/llmtest"
)

// The knowledge rule of the default prompt, as the model reads it.
var knowledgeRules = []string{
	"Answer only from the knowledge passages below",
	"If the passages do not contain the answer, do not guess: say plainly that you don't know, and offer a human agent",
	"Never state a price, date, deadline, fee or policy that is not in the passages",
}

const nothingMatches = "(nothing in the knowledge base matches the visitor's latest messages)"

// The system message the scripted LLM receives holds the rule and the
// passages retrieved for the question, and only those; when nothing
// matches, it says so.
func TestSystemMessageHoldsTheRuleAndOnlyTheRetrievedPassages(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		question    string
		allow       bool
		want, avoid []string
	}{
		{"How long does shipping take?", true,
			[]string{"Delivery times", "International shipping", "3 to 5 business days", "call cannot_answer"},
			[]string{nothingMatches, "Payment methods", "Warranty coverage", "Store opening hours"}},
		{"Do you sell kites?", true,
			[]string{nothingMatches, "call cannot_answer"},
			[]string{"[1]", "Delivery times", "Payment methods", "Warranty coverage"}},
		// Without human requests in the chat no tool is offered: the rule
		// asks for the plain words.
		{"Do you sell kites?", false,
			[]string{nothingMatches},
			[]string{"[1]", "cannot_answer"}},
	} {
		srv, a := openaiAgent(t, Config{Knowledge: SampleKnowledge()})
		srv.Enqueue(llmtest.Reply{Text: "Some answer."})
		if _, err := a.Answer(t.Context(), turn(c.allow, visitor(c.question))); err != nil {
			t.Fatalf("%q: %v", c.question, err)
		}
		req := onlyRequest(t, srv)
		sys := req.Messages[0].Content
		if req.Messages[0].Role != "system" {
			t.Fatalf("first message %+v", req.Messages[0])
		}
		for _, w := range append(append([]string{}, knowledgeRules...), c.want...) {
			if !strings.Contains(sys, w) {
				t.Errorf("%q (allow %v): the system message lacks %q:\n%s", c.question, c.allow, w, sys)
			}
		}
		for _, w := range c.avoid {
			if strings.Contains(sys, w) {
				t.Errorf("%q (allow %v): the system message holds %q:\n%s", c.question, c.allow, w, sys)
			}
		}
		// Visitor text stays out of the system message.
		if strings.Contains(sys, c.question) {
			t.Errorf("%q: the question is in the system message", c.question)
		}
	}
}

// The model's "I don't know", by the cannot_answer tool or in words, marks
// the answer Unknown when nothing relevant was retrieved, and only then.
func TestUnknownWhenNothingRelevantAndTheModelDoesNotKnow(t *testing.T) {
	t.Parallel()
	en := offlineLanguage("en")
	dontKnowTool := en.tx.DontKnow + " " + en.humanHint(true)
	cannot := llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "call_c", Name: cannotAnswerToolName, Arguments: "{}"}}}
	for _, c := range []struct {
		name     string
		kb       *Knowledge
		question string
		reply    llmtest.Reply
		want     handover.Answer
	}{
		{"tool, nothing matches", SampleKnowledge(), "Do you sell kites?", cannot,
			handover.Answer{Text: dontKnowTool, Unknown: true}},
		{"tool, weak passages only", SampleKnowledge(), "Do you sell tents for kids in red colour?", cannot,
			handover.Answer{Text: dontKnowTool, Unknown: true}},
		{"tool, no knowledge base", nil, "Do you sell kites?", cannot,
			handover.Answer{Text: dontKnowTool, Unknown: true}},
		// A relevant passage: the model's judgement alone offers no person
		// at once (the two-in-a-row rule still reads the text).
		{"tool, a relevant passage", SampleKnowledge(), "How long does shipping to Mars take?", cannot,
			handover.Answer{Text: dontKnowTool}},
		{"words, nothing matches", SampleKnowledge(), "Do you sell kites?", llmtest.Reply{Text: "I'm sorry, I don't know whether we sell kites."},
			handover.Answer{Text: "I'm sorry, I don't know whether we sell kites.", Unknown: true}},
		{"words, a relevant passage", SampleKnowledge(), "How long does shipping take?", llmtest.Reply{Text: "I'm not sure, but usually 3 to 5 business days."},
			handover.Answer{Text: "I'm not sure, but usually 3 to 5 business days."}},
		{"an answer, nothing matches", SampleKnowledge(), "Do you sell kites?", llmtest.Reply{Text: "Kites are not in our range."},
			handover.Answer{Text: "Kites are not in our range."}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv, a := openaiAgent(t, Config{Knowledge: c.kb})
			srv.Enqueue(c.reply)
			got, err := a.Answer(t.Context(), turn(true, visitor(c.question)))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("answer %+v, want %+v", got, c.want)
			}
			onlyRequest(t, srv) // cannot_answer costs no second call
		})
	}
}

// The bot's own "I don't know" is in the visitor's language, points to the
// button when the chat takes no requests, and is what the core reads back
// as not knowing.
func TestCannotAnswerSpeaksTheVisitorsLanguage(t *testing.T) {
	t.Parallel()
	srv, a := openaiAgent(t, Config{Knowledge: SampleKnowledge()})
	srv.Enqueue(llmtest.Reply{ToolCalls: []llmtest.ToolCall{{Name: cannotAnswerToolName}}})
	got, err := a.Answer(t.Context(), turn(false, visitor("Verkaufen Sie auch Drachen für Kinder?")))
	if err != nil {
		t.Fatal(err)
	}
	de := offlineLanguage("de")
	if want := de.tx.DontKnow + " " + de.humanHint(false); got.Text != want || !got.Unknown {
		t.Errorf("answer %+v, want %q, unknown", got, want)
	}
	if !handover.SaysUnknown(got.Text) {
		t.Errorf("the core does not read %q as not knowing", got.Text)
	}
}

// The offline bot is Unknown exactly when it has no section to quote.
func TestOfflineUnknownWhenNoSection(t *testing.T) {
	t.Parallel()
	a := offlineAgent(t)
	for q, want := range map[string]bool{
		"Do you sell kites?":                  true,
		"What is the capital of France?":      true,
		"How long does shipping take?":        false,
		"Hello!":                              false,
		"Kann ich ein Kajak mieten?":          true,
		"Wie lange dauert der Versand?":       false,
		"Do you sell tents for kids in red?":  true,
		"What payment methods do you accept?": false,
		"Can I return an item after 20 days?": false,
		"Do you sell bikes?":                  true,
	} {
		got, err := a.Answer(t.Context(), turn(true, visitor(q)))
		if err != nil {
			t.Fatal(err)
		}
		if got.Unknown != want || got.Unknown != isDontKnow(got.Text) {
			t.Errorf("%q: answer %+v, want unknown %v", q, got, want)
		}
	}
}

// End to end on the engine with the scripted LLM: a question the knowledge
// does not cover, the model's "I don't know", the person offered on the
// first answer (of three required), and the note's reason when the visitor
// takes it. The two-in-a-row rule keeps its reason.
func TestEngineOffersAPersonWhenTheBotDoesNotKnow(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		reply llmtest.Reply
	}{
		{"tool", llmtest.Reply{ToolCalls: []llmtest.ToolCall{{Name: cannotAnswerToolName, Arguments: "{}"}}}},
		{"words", llmtest.Reply{Text: "I'm sorry, I don't know whether we rent kayaks. A human agent can help."}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv, a := openaiAgent(t, Config{Knowledge: SampleKnowledge()})
			srv.SetDefault(func(req llmtest.Request) llmtest.Reply {
				if strings.HasPrefix(req.Messages[0].Content, summaryInstruction) {
					return llmtest.Reply{Text: "Visitor wants: a kayak rental"}
				}
				return c.reply
			})
			d := &memDesk{conv: handover.Conversation{ID: "c1", State: handover.StateBot}, available: true}
			e, err := handover.NewEngine(handover.Options{Helpdesk: d, Bot: a, Detect: IsHumanRequest,
				RequiredAnswers: 3, HumanRequestInChat: true, OfferOnUnknown: true})
			if err != nil {
				t.Fatal(err)
			}
			s := &sandbox{t: t, desk: d, e: e}
			ans := s.say("Can I rent a kayak for the weekend?")
			if !handover.SaysUnknown(ans.Text) || ans.Prompt != handover.PromptHuman || len(ans.Buttons) != 1 {
				t.Fatalf("first answer %+v: want it to say it does not know, with the human button", ans)
			}
			if done := s.click(handover.ChoiceRequestHuman); done.Text != handover.DefaultTexts().Connecting {
				t.Fatalf("after the click: %+v", done)
			}
			if len(d.handoffs) != 1 || d.handoffs[0].Reason != handover.ReasonNoAnswer {
				t.Fatalf("handoffs %+v, want reason %s", d.handoffs, handover.ReasonNoAnswer)
			}
			note := handover.HandoverNote("Handed over by the bot", d.handoffs[0])
			if !strings.Contains(note, handover.ReasonNoAnswer.Describe()) {
				t.Errorf("note:\n%s", note)
			}

			// Off: the same answer waits for the required answers.
			srv2, a2 := openaiAgent(t, Config{Knowledge: SampleKnowledge()})
			srv2.SetDefault(func(llmtest.Request) llmtest.Reply { return c.reply })
			d2 := &memDesk{conv: handover.Conversation{ID: "c1", State: handover.StateBot}, available: true}
			e2, _ := handover.NewEngine(handover.Options{Helpdesk: d2, Bot: a2, RequiredAnswers: 3, HumanRequestInChat: true})
			s2 := &sandbox{t: t, desk: d2, e: e2}
			if ans := s2.say("Can I rent a kayak for the weekend?"); ans.Prompt == handover.PromptHuman {
				t.Fatalf("offered with OfferOnUnknown off: %+v", ans)
			}
		})
	}
}

// Twice in a row keeps its own reason; a plain answer after an unknown one
// offers nothing early.
func TestEngineTwoUnknownsKeepTheirReason(t *testing.T) {
	t.Parallel()
	srv, a := openaiAgent(t, Config{Knowledge: SampleKnowledge()})
	srv.SetDefault(func(req llmtest.Request) llmtest.Reply {
		if strings.HasPrefix(req.Messages[0].Content, summaryInstruction) {
			return llmtest.Reply{Text: "Visitor wants: kayaks"}
		}
		return llmtest.Reply{ToolCalls: []llmtest.ToolCall{{Name: cannotAnswerToolName, Arguments: "{}"}}}
	})
	d := &memDesk{conv: handover.Conversation{ID: "c1", State: handover.StateBot}, available: true}
	e, _ := handover.NewEngine(handover.Options{Helpdesk: d, Bot: a, Detect: IsHumanRequest,
		RequiredAnswers: 5, HumanRequestInChat: true, OfferOnUnknown: true})
	s := &sandbox{t: t, desk: d, e: e}
	for _, q := range []string{"Can I rent a kayak?", "Do you sell kites?"} {
		if ans := s.say(q); ans.Prompt != handover.PromptHuman {
			t.Fatalf("%q: no offer: %+v", q, ans)
		}
	}
	s.say("yes")
	if len(d.handoffs) != 1 || d.handoffs[0].Reason != handover.ReasonBotUnknown {
		t.Fatalf("handoffs %+v, want %s", d.handoffs, handover.ReasonBotUnknown)
	}
}
