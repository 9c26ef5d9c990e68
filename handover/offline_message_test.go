package handover

import (
	"context"
	"strings"
	"testing"
)

// The offline message asks what the visitor wants the team to know when they have not said it,
// keeps the email step open on a reply without an address (saying what it needs), and puts
// what they wrote atop the note.
func TestOfflineMessageAskedKeptAndFiled(t *testing.T) {
	ctx := context.Background()
	ev := Event{Kind: EventVisitorMessage, ConversationID: "c1"}
	tx := DefaultTexts()

	// Nothing said but "human please": the question asks for the message too.
	hd := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}}
	e := newTestEngine(t, hd, &scriptBot{answer: Answer{Text: "ok"}}, 3)
	hd.visitor("human please")
	if out, _ := e.Handle(ctx, ev); out != OutcomeNoAgent {
		t.Fatalf("%q", out)
	}
	hd.visitor("yes")
	if out, _ := e.Handle(ctx, ev); out != OutcomeAskEmail || hd.last().Prompt != PromptEmail ||
		!strings.HasPrefix(hd.last().Text, tx.AskMessage) || !strings.HasSuffix(hd.last().Text, tx.AskEmail) {
		t.Fatalf("ask: %q %+v", out, hd.last())
	}
	// A reply without an address is the message; the step stays open and says what it needs.
	hd.visitor("My tent arrived with a torn seam, I would like a replacement.")
	if out, _ := e.Handle(ctx, ev); out != OutcomeAskEmail || hd.last().Prompt != PromptEmail ||
		!strings.HasPrefix(hd.last().Text, tx.EmailAgain) || !strings.HasSuffix(hd.last().Text, tx.AskEmail) || len(hd.offline) != 0 {
		t.Fatalf("no address: %q %+v %d", out, hd.last(), len(hd.offline))
	}
	// The address, a message later: filed, the message atop the note.
	hd.visitor("jane@example.com")
	if out, _ := e.Handle(ctx, ev); out != OutcomeOffline || len(hd.offline) != 1 {
		t.Fatalf("address: %q %d", out, len(hd.offline))
	}
	h := hd.offline[0]
	if h.Email != "jane@example.com" || h.Message != "My tent arrived with a torn seam, I would like a replacement." || h.Reason != ReasonOffline {
		t.Fatalf("handoff %+v", h)
	}
	note := OfflineNote("Offline message.", &Conversation{}, h)
	lines := strings.Split(note, "\n")
	if len(lines) < 3 || lines[1] != "Message: My tent arrived with a torn seam, I would like a replacement." ||
		!strings.HasPrefix(lines[2], "Reason: No agent was available; the visitor left an offline message.") {
		t.Fatalf("note:\n%s", note)
	}

	// What the visitor said before the offer is the message: the question asks for the
	// address only, and an address inside a sentence is not part of the message.
	hd = &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}}
	e = newTestEngine(t, hd, &scriptBot{answer: Answer{Text: "I can't see your order."}}, 3)
	hd.visitor("Where is my order 1234? It is a week late.")
	_, _ = e.Handle(ctx, ev)
	hd.visitor("human please")
	_, _ = e.Handle(ctx, ev)
	hd.visitor("Stop chatbot and leave offline message")
	if out, _ := e.Handle(ctx, ev); out != OutcomeAskEmail || hd.last().Text != tx.AskEmail {
		t.Fatalf("ask: %q %+v", out, hd.last())
	}
	hd.visitor("sure, it's jane@example.com")
	if out, _ := e.Handle(ctx, ev); out != OutcomeOffline || len(hd.offline) != 1 || hd.offline[0].Message != "Where is my order 1234? It is a week late." {
		t.Fatalf("filed: %q %+v", out, hd.offline)
	}

	// A "no" ends the step; the contact's known address files what was written at once.
	hd = &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot}}
	e = newTestEngine(t, hd, &scriptBot{answer: Answer{Text: "ok"}}, 3)
	hd.visitor("human please")
	_, _ = e.Handle(ctx, ev)
	hd.visitor("yes")
	_, _ = e.Handle(ctx, ev)
	hd.visitor("no thanks")
	if out, _ := e.Handle(ctx, ev); out != OutcomeContinue || len(hd.offline) != 0 {
		t.Fatalf("no: %q", out)
	}
	hd.visitor("human please")
	_, _ = e.Handle(ctx, ev)
	hd.visitor("yes")
	_, _ = e.Handle(ctx, ev)
	hd.conv.Visitor.Email = "joe@example.com" // the widget's pre-chat form, meanwhile
	hd.visitor("Please call me back about my invoice.")
	if out, _ := e.Handle(ctx, ev); out != OutcomeOffline || hd.offline[0].Email != "joe@example.com" || hd.offline[0].Message != "Please call me back about my invoice." {
		t.Fatalf("known address: %q %+v", out, hd.offline)
	}
}
