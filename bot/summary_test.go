package bot

import (
	"strings"
	"testing"

	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/llmtest"
)

// prompted is a bot message carrying a prompt of the engine.
func prompted(text string, p handover.Prompt, buttons ...handover.Button) handover.Message {
	m := bot(text)
	m.Prompt, m.Buttons = p, buttons
	return m
}

// handoverChat is the chat of the issue: a question the bot cannot answer,
// the human button, no agent, the offline message and the email address,
// with what chats without buttons add (the button's title typed back, the
// sentence saying what to type).
func handoverChat() *handover.Conversation {
	en, _ := handover.LanguageByCode("en")
	tx := handover.DefaultTexts()
	return conversation(
		visitor("hi"),
		bot("Hello! Acme bot here. How can I help you?"),
		visitor("Can I rent a kayak for the weekend?"),
		prompted("I'm sorry, I don't know the answer to that. "+offlineLanguage("en").humanHint(false), handover.PromptHuman,
			handover.Button{Title: tx.HumanButton, Value: handover.ChoiceRequestHuman}),
		visitor(tx.HumanButton),
		bot(tx.NoAgent+"\n\n"+en.Instruction(handover.PromptOffline)), // a chat without buttons, read back without its prompt
		visitor("yes"),
		prompted(tx.AskEmail, handover.PromptEmail),
		visitor("my email is jane@example.com"),
	)
}

func TestSummaryMessagesLeaveOutTheHandover(t *testing.T) {
	t.Parallel()
	got := transcriptLines(summaryMessages(nonEmpty(handoverChat().Public())))
	want := "Bot: Hello! Acme bot here. How can I help you?\n" +
		"Visitor: Can I rent a kayak for the weekend?\n" +
		"Bot: I'm sorry, I don't know the answer to that.\n"
	if got != want {
		t.Errorf("transcript:\n%s\nwant:\n%s", got, want)
	}

	keep := []string{"They are worn.", "No, the zipper is broken", "Ok but when will it arrive?", "Please send it to jane@example.com, my tent arrived with a torn floor and a missing pole"}
	drop := []string{"ok", "Thanks!", "yes please", "Agent", "Mitarbeiter", "message", "Nachricht", "Chat mit einem Mitarbeiter anfordern",
		"continue_bot", "👍", "jane@example.com", "it is jane@example.com thanks", "Danke, tschüss", "да", "Weiter mit dem Bot"}
	var msgs []handover.Message
	for _, s := range append(keep, drop...) {
		msgs = append(msgs, visitor(s))
	}
	var kept []string
	for _, m := range summaryMessages(msgs) {
		kept = append(kept, m.Text)
	}
	if strings.Join(kept, "|") != strings.Join(keep, "|") {
		t.Errorf("kept %q, want %q", kept, keep)
	}

	// Any language's notices and prompts, and a prompt's typed sentence.
	var bots []handover.Message
	for _, l := range handover.Languages() {
		tx := l.Texts
		bots = append(bots, bot(tx.Connecting), bot(tx.Apology+" "+tx.Connecting), bot(tx.NoAgent+"\n\n"+l.Instruction(handover.PromptOffline)),
			bot(tx.Continue), prompted(tx.AskEmail, handover.PromptEmail), bot(l.Instruction(handover.PromptEmail)))
	}
	answer := bot("Standard shipping takes 3 to 5 business days.\n\n" + handover.Languages()[1].Instruction(handover.PromptHuman))
	if got := summaryMessages(append(bots, answer)); len(got) != 1 || got[0].Text != "Standard shipping takes 3 to 5 business days." {
		t.Errorf("bot messages kept: %+v", got)
	}
}

// TestOfflineSummaryDescribesTheRequest: the agent's note of the issue read
// "Visitor wants: my email is ...", listed the email as unanswered and
// quoted the email prompt as the bot's answer.
func TestOfflineSummaryDescribesTheRequest(t *testing.T) {
	t.Parallel()
	a := offlineAgent(t)
	got, err := a.Summarize(t.Context(), handoverChat())
	if err != nil {
		t.Fatal(err)
	}
	want := "Visitor wants: Can I rent a kayak for the weekend?\n" +
		"Bot answered: it did not know the answer\n" +
		"Open: unanswered: Can I rent a kayak for the weekend?"
	if got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}

	// Several questions, one answered; a request for a person at the end.
	conv := conversation(
		visitor("How long does shipping take?"),
		bot(`About "Delivery times": Standard shipping takes 3 to 5 business days within the continental United States.`),
		visitor("ok thanks"),
		visitor("And can I rent a kayak?"),
		bot("I'm sorry, I don't know the answer to that. "+offlineLanguage("en").humanHint(true)),
		visitor("I want to talk to a person please"),
	)
	got, err = a.Summarize(t.Context(), conv)
	if err != nil {
		t.Fatal(err)
	}
	want = "Visitor wants: How long does shipping take? / And can I rent a kayak?\n" +
		`Bot answered: About "Delivery times": Standard shipping takes 3 to 5 business days within the continental United States.` + "\n" +
		"Open: unanswered: And can I rent a kayak?; the visitor asked to talk to a human agent"
	if got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}

	// Only the handover's steps: no question to describe.
	got, err = a.Summarize(t.Context(), conversation(visitor("agent"), bot(handover.DefaultTexts().NoAgent), visitor("message"),
		prompted(handover.DefaultTexts().AskEmail, handover.PromptEmail), visitor("jane@example.com")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "Visitor wants: unclear: no question asked\nBot answered: nothing yet\nOpen: nothing pending") {
		t.Errorf("summary = %q", got)
	}
}

// TestSummarizeTranscriptLeavesOutTheHandover: the LLM gets the same
// transcript, and a prompt that asks for the visitor's request, not the
// handover.
func TestSummarizeTranscriptLeavesOutTheHandover(t *testing.T) {
	t.Parallel()
	srv, a := openaiAgent(t, Config{})
	srv.Enqueue(llmtest.Reply{Text: "Visitor wants: to rent a kayak\nBot answered: it did not know\nOpen: the kayak rental"})
	if _, err := a.Summarize(t.Context(), handoverChat()); err != nil {
		t.Fatal(err)
	}
	req := onlyRequest(t, srv)
	system, user := req.Messages[0].Content, req.Messages[1].Content
	for _, want := range []string{summaryInstruction, "Visitor wants:", "not how the chat reached the agent", "email address", "not a question"} {
		if !strings.Contains(system, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, system)
		}
	}
	if !strings.Contains(user, "Visitor: Can I rent a kayak for the weekend?\nBot: I'm sorry, I don't know the answer to that.\n") {
		t.Errorf("transcript lacks the question and the answer:\n%s", user)
	}
	tx := handover.DefaultTexts()
	for _, leftOut := range []string{"jane@example.com", "Visitor: yes", "Visitor: hi", "Visitor: " + tx.HumanButton, tx.NoAgent, tx.AskEmail, "Type \"message\"", "A human agent from our team"} {
		if strings.Contains(user, leftOut) {
			t.Errorf("transcript carries %q:\n%s", leftOut, user)
		}
	}

	// Nothing but the handover: the model is told so rather than given an empty transcript.
	srv.Enqueue(llmtest.Reply{Text: "Visitor wants: unclear\nBot answered: nothing\nOpen: nothing pending"})
	if _, err := a.Summarize(t.Context(), conversation(visitor("agent"), prompted(tx.AskEmail, handover.PromptEmail), visitor("jane@example.com"))); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if user := reqs[len(reqs)-1].Messages[1].Content; !strings.Contains(user, noQuestionLine) || strings.Contains(user, "jane@") {
		t.Errorf("transcript = %q", user)
	}
}
