package handover

import (
	"strings"
	"testing"
)

func TestOfflineNote(t *testing.T) {
	conv := &Conversation{Visitor: Visitor{Email: "contact@example.com"},
		Messages: []Message{{Role: RoleVisitor, Text: "my tent leaks"}, {Role: RoleBot, Text: "sorry", Private: true}}}
	got := OfflineNote("Offline message.", conv, Handoff{Reason: ReasonButton, Summary: "Leaking tent."}, "Filed as ticket: 42", "")
	for _, want := range []string{"Offline message.\n", "Reply to: contact@example.com\n", "Filed as ticket: 42\n", "Summary:\nLeaking tent.", "Transcript:\nVisitor: my tent leaks"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "sorry") {
		t.Error("a private note reached the transcript")
	}
	got = OfflineNote("h", &Conversation{}, Handoff{Email: "jane@example.com", Transcript: "Visitor: hi"})
	if !strings.Contains(got, "Reply to: jane@example.com") || !strings.Contains(got, "Transcript:\nVisitor: hi") {
		t.Errorf("submitted email and given transcript win:\n%s", got)
	}
	if got := OfflineNote("h", &Conversation{}, Handoff{}); !strings.Contains(got, "Reply to: (none given)") {
		t.Errorf("no email:\n%s", got)
	}
}

func TestHandoverNote(t *testing.T) {
	got := HandoverNote("Handed over.", Handoff{Reason: ReasonBotError, Summary: "Order 123."})
	if got != "Handed over.\nReason: The bot could not answer (LLM error or timeout).\n\nSummary:\nOrder 123.\n" {
		t.Fatalf("%q", got)
	}
}
