package handover

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOfflineNote(t *testing.T) {
	conv := &Conversation{Visitor: Visitor{Email: "contact@example.com"},
		Messages: []Message{{Role: RoleVisitor, Text: "my tent leaks"}, {Role: RoleBot, Text: "sorry", Private: true}}}
	got := OfflineNote("Offline message.", conv, Handoff{Reason: ReasonButton, Summary: "Leaking tent."}, "Filed as ticket: 42", "")
	for _, want := range []string{"Offline message.\n", "Reply to: contact@example.com\n", "Filed as ticket: 42\n", "Visitor wants: Leaking tent.\n", "Transcript:\nVisitor: my tent leaks"} {
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
	want := "Handed over.\nReason: The bot could not answer (LLM error or timeout).\nVisitor wants: Order 123.\n" +
		"What the bot tried: answers given: 0\nContact data given: none\nMood: neutral\n"
	if got != want {
		t.Fatalf("%q", got)
	}
}

// TestNoteSections: every section, in order, one line each, from what the engine knows.
func TestNoteSections(t *testing.T) {
	got := HandoverNote("Handed over.", Handoff{Reason: ReasonBotUnknown, Summary: "Wants a kite.", Answers: 3,
		Visitor: Visitor{Name: "Jane Doe", Email: "jane@example.com"}, Language: "fr"})
	want := []string{
		"Handed over.",
		"Reason: The bot could not answer twice in a row; it offered a person and the visitor took it.",
		"Visitor wants: Wants a kite.",
		"What the bot tried: answers given: 3; it said it did not know",
		"Contact data given: Jane Doe, jane@example.com",
		"Language: Français (fr)",
		"Mood: neutral",
	}
	if got != strings.Join(want, "\n")+"\n" {
		t.Fatalf("got:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	// The offline note keeps the sections, then the reply-to line helpdesks read.
	off := OfflineNote("Offline.", &Conversation{}, Handoff{Reason: ReasonButton, Summary: "s", Email: "Jane@Example.com",
		Visitor: Visitor{Email: "jane@example.com"}})
	if !strings.Contains(off, "Contact data given: Jane@Example.com\nMood: neutral\nReply to: Jane@Example.com\n") {
		t.Errorf("offline:\n%s", off)
	}
}

// TestNoteBound: a long summary is cut with an ellipsis so the note stays within MaxNote;
// the offline transcript keeps its end within MaxOfflineNote.
func TestNoteBound(t *testing.T) {
	long := strings.Repeat("word ", 2000)
	got := HandoverNote("Handed over.", Handoff{Reason: ReasonRequest, Summary: long, Visitor: Visitor{Email: "jane@example.com", Name: strings.Repeat("N", 5000)}})
	if n := utf8.RuneCountInString(got); n > MaxNote {
		t.Fatalf("note of %d characters", n)
	}
	for _, want := range []string{"Reason: The visitor asked", "…\nWhat the bot tried:", "jane@example.com", "Mood: neutral\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	off := OfflineNote("Offline.", &Conversation{}, Handoff{Summary: long, Transcript: long + "Visitor: the end"}, strings.Repeat("x", 3000))
	if n := utf8.RuneCountInString(off); n > MaxOfflineNote {
		t.Fatalf("offline note of %d characters", n)
	}
	if !strings.Contains(off, "Reason: ") {
		t.Errorf("offline note lost its head:\n%.300s", off)
	}
	off = OfflineNote("Offline.", &Conversation{}, Handoff{Summary: long, Transcript: long + "Visitor: the end"})
	if n := utf8.RuneCountInString(off); n > MaxOfflineNote || !strings.Contains(off, "Reply to: (none given)") || !strings.HasSuffix(off, "Visitor: the end\n") {
		t.Errorf("offline note of %d characters:\n%s", n, off)
	}
}

// TestNoteGerman: HANDOVER_NOTE_LANGUAGE=de writes the labels in German; the summary and
// the machine-read reply-to line stay as they are.
func TestNoteGerman(t *testing.T) {
	h := Handoff{Reason: ReasonButton, Summary: "Wants a refund.", Answers: 2, Language: "en", NoteLanguage: "de", Frustrated: true, Email: "jane@example.com"}
	got := HandoverNote("Übergeben.", h)
	for _, want := range []string{"Grund: ", "Anliegen: Wants a refund.\n", "Was der Bot versucht hat: gegebene Antworten: 2\n",
		"Angegebene Kontaktdaten: jane@example.com\n", "Sprache: English (en)\n", "Stimmung: frustriert\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	off := OfflineNote("Offline.", &Conversation{}, Handoff{NoteLanguage: "de", Transcript: "Visitor: hallo"})
	if !strings.Contains(off, "Reply to: (none given)") || !strings.Contains(off, "Verlauf:\nVisitor: hallo") || !strings.Contains(off, "Angegebene Kontaktdaten: keine") {
		t.Errorf("offline:\n%s", off)
	}
	for _, l := range Languages() {
		n := l.Note
		if l.Name == "" || n.Reason == "" || n.Wants == "" || n.Tried == "" || n.Contact == "" || n.Language == "" || n.Mood == "" ||
			n.Transcript == "" || !strings.Contains(n.Answers, "%d") || n.Unknown == "" || n.None == "" || n.Neutral == "" || n.Frustrated == "" {
			t.Errorf("%s: note labels incomplete: %+v", l.Code, n)
		}
	}
}

// TestNoteMoodAfterFrustratedMessage: the engine fills the note's facts from the
// conversation; a visitor message the frustration detector reads as frustrated makes the
// mood "frustrated" whatever the reason, and the labels follow Options.NoteLanguage.
func TestNoteMoodAfterFrustratedMessage(t *testing.T) {
	for _, tc := range []struct {
		text, lang, mood string
	}{
		{"where is my parcel", "", "Mood: neutral\n"},
		{"this is useless, where is my parcel", "", "Mood: frustrated\n"},
		{"this is useless, where is my parcel", "de", "Stimmung: frustriert\n"},
	} {
		hd := &memHelpdesk{conv: Conversation{ID: "c1", State: StateBot, BotAnswers: 1, Visitor: Visitor{Name: "Jane", Email: "jane@example.com"}}, available: true}
		hd.visitor(tc.text)
		hd.add(Message{Role: RoleBot, Text: "I don't know, sorry."})
		hd.visitor("human please")
		e := newTestEngine(t, hd, &scriptBot{}, 0)
		e.opts.NoteLanguage = tc.lang
		if out, err := e.Handle(context.Background(), Event{Kind: EventVisitorMessage, ConversationID: "c1"}); err != nil || out != OutcomeHandover {
			t.Fatalf("%q %v", out, err)
		}
		if len(hd.handoffs) != 1 {
			t.Fatalf("%d handoffs", len(hd.handoffs))
		}
		h := hd.handoffs[0]
		if h.Reason != ReasonRequest || h.NoteLanguage != tc.lang || h.Answers != 1 || !h.SaidUnknown || h.Language != "en" {
			t.Fatalf("handoff %+v", h)
		}
		note := HandoverNote("Handed over.", h)
		if !strings.Contains(note, tc.mood) || !strings.Contains(note, "Jane, jane@example.com") || !strings.Contains(note, "(en)\n") {
			t.Errorf("%q: want %q in:\n%s", tc.text, tc.mood, note)
		}
	}
}

// TestNoteDoesNotRepeatTheSummarysLabel: the bot's summary opens with "Visitor wants:", which
// the note's own label already says.
func TestNoteDoesNotRepeatTheSummarysLabel(t *testing.T) {
	n := HandoverNote("Handed over.", Handoff{Reason: ReasonRequest, Summary: "Visitor wants: a refund\nBot answered: the policy"})
	if strings.Contains(n, "Visitor wants: Visitor wants") || !strings.Contains(n, "Visitor wants: a refund") {
		t.Fatalf("note:\n%s", n)
	}
}
