package liveagent

import (
	"strings"
	"testing"

	"github.com/handover-dev/handover/handover"
)

func TestVisitorLangFollowsTheEngine(t *testing.T) {
	conv := &handover.Conversation{Messages: []handover.Message{
		{Role: handover.RoleVisitor, Text: "Wie lange dauert der Versand? Ich möchte es wissen"},
		{Role: handover.RoleBot, Text: "The parcel ships in three days."},
	}}
	if got := visitorLang(conv); got.Code != "de" {
		t.Fatalf("visitorLang = %s, want de", got.Code)
	}
	if got := visitorLang(&handover.Conversation{}); got.Code != "en" {
		t.Fatalf("no visitor text: %s", got.Code)
	}
}

// Every language's typed-choice sentence survives the round trip through LiveAgent, also when
// LiveAgent hands the message back as HTML, and typing its keyword matches a button.
func TestRenderRecogniseRoundTrip(t *testing.T) {
	texts := withDefaultTexts(handover.Texts{})
	human := handover.Outgoing{Text: "Three days.", Answer: true, Prompt: handover.PromptHuman,
		Buttons: []handover.Button{{Title: texts.HumanButton, Value: handover.ChoiceRequestHuman}}}
	offline := handover.Outgoing{Text: texts.NoAgent, Prompt: handover.PromptOffline,
		Buttons: []handover.Button{{Title: texts.OfflineButton, Value: handover.ChoiceOffline}, {Title: texts.ContinueButton, Value: handover.ChoiceContinue}}}
	email := handover.Outgoing{Text: texts.AskEmail, Prompt: handover.PromptEmail}
	for _, l := range handover.Languages() {
		k := l.Keywords
		for _, tc := range []struct {
			out      handover.Outgoing
			prompt   handover.Prompt
			keywords map[string]string
		}{
			{human, handover.PromptHuman, map[string]string{k.Human: handover.ChoiceRequestHuman}},
			{offline, handover.PromptOffline, map[string]string{k.Offline: handover.ChoiceOffline, k.Continue: handover.ChoiceContinue}},
			{email, handover.PromptEmail, nil},
		} {
			text := render(tc.out, l)
			if !strings.HasPrefix(text, tc.out.Text) {
				t.Fatalf("%s: the answer is lost: %q", l.Code, text)
			}
			asHTML := "<p>" + strings.ReplaceAll(strings.ReplaceAll(text, `"`, "&quot;"), "\n", "<br>") + "</p>"
			for _, got := range []string{text, asHTML} {
				r := recognise(got, texts)
				if r.prompt != tc.prompt {
					t.Fatalf("%s: recognise(%q).prompt = %q, want %q", l.Code, got, r.prompt, tc.prompt)
				}
				if r.body != normalize(tc.out.Text) {
					t.Fatalf("%s: body %q", l.Code, r.body)
				}
				for kw, value := range tc.keywords {
					if !hasButton(r.buttons, strings.ToUpper(kw), value) {
						t.Fatalf("%s: typing %q does not match %s in %+v", l.Code, kw, value, r.buttons)
					}
				}
			}
		}
	}
}

// hasButton is the engine's rule (handover.matchButton): title or value, case-insensitive.
func hasButton(bs []handover.Button, typed, value string) bool {
	for _, b := range bs {
		if b.Value == value && (strings.EqualFold(strings.TrimSpace(b.Title), typed) || strings.EqualFold(b.Value, typed)) {
			return true
		}
	}
	return false
}

func TestNoticesAreNotAnswers(t *testing.T) {
	texts := withDefaultTexts(handover.Texts{})
	notices := []string{
		texts.Connecting, texts.NoAgent, texts.AskEmail, texts.Continue,
		texts.Apology + " " + texts.Connecting,
		strings.Replace(texts.OfflineReceived, "%s", "jane@example.com", 1),
		strings.Replace(texts.AgentJoined, "%s", "Alice", 1),
		"<p>" + texts.Continue + "</p>",
	}
	for _, n := range notices {
		if !isNotice(recognise(n, texts).body, texts) {
			t.Errorf("%q counted as an answer", n)
		}
	}
	for _, a := range []string{"Shipping takes three days.", "Alice joined us in 2019 as head of support. " + "She is great."} {
		if isNotice(a, texts) {
			t.Errorf("answer %q taken for a notice", a)
		}
	}
	if r := recognise(texts.AskEmail, texts); r.prompt != handover.PromptEmail {
		t.Fatalf("email prompt not recognised: %+v", r)
	}
}

func TestRenderUnknownButtonsAndPlainText(t *testing.T) {
	got := render(handover.Outgoing{Text: "Pick one.", Buttons: []handover.Button{{Title: "Red", Value: "red"}}}, english)
	if !strings.Contains(got, `"Red"`) {
		t.Fatalf("unknown buttons not listed: %q", got)
	}
	if got := plainText("<p>Hi&nbsp;there &amp; welcome</p><p>Line&#39;2</p>"); got != "Hi there & welcome\nLine'2" {
		t.Fatalf("plainText = %q", got)
	}
}

// english is the table's English.
var english, _ = handover.LanguageByCode("en")
