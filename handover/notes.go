package handover

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxNote bounds the agent's note, in characters: well below the smallest limit of the
// helpdesks (Zendesk clips a message's text at 4,096; Libredesk cuts notes at 50,000,
// Chatwoot at 100,000). The summary is cut first, with an ellipsis.
const MaxNote = 2000

// MaxOfflineNote bounds the offline note: its sections as MaxNote, then as much of the
// transcript (its most recent part) as fits, still below Zendesk's 4,096.
const MaxOfflineNote = 4000

// maxField bounds one contact field (a name the visitor typed may be anything).
const maxField = 200

// HandoverNote renders the private note agents get when a conversation is handed to them:
// the adapter's heading line, then one short section each, in this order: Reason, Visitor
// wants (the summary), What the bot tried, Contact data given, Language, Mood. The labels
// are in h.NoteLanguage; the whole note is at most MaxNote characters.
func HandoverNote(heading string, h Handoff) string {
	return sections(heading, h, nil)
}

// OfflineNote renders the note of an offline message: the sections of HandoverNote, the
// "Reply to: " line (the submitted email, else the contact's; helpdesks read that line, so
// it stays in English), any extra lines the helpdesk adds, and the transcript, in at most
// MaxOfflineNote characters.
func OfflineNote(heading string, conv *Conversation, h Handoff, extra ...string) string {
	if conv == nil {
		conv = &Conversation{}
	}
	if h.Visitor == (Visitor{}) {
		h.Visitor = conv.Visitor
	}
	if h.Language == "" {
		h.Language = visitorLanguageCode(conv)
	}
	email := strings.TrimSpace(h.Email)
	if email == "" {
		email = strings.TrimSpace(h.Visitor.Email)
	}
	if email == "" {
		email = "(none given)"
	}
	tail := []string{"Reply to: " + oneLine(email, maxField)}
	for _, line := range extra {
		if line != "" {
			tail = append(tail, line)
		}
	}
	note := sections(heading, h, tail)
	t := strings.TrimSpace(h.Transcript)
	if t == "" {
		t = strings.TrimSpace(conv.Transcript())
	}
	if t == "" {
		return note
	}
	head := "\n" + noteLabels(h.NoteLanguage).Transcript + ":\n"
	room := MaxOfflineNote - utf8.RuneCountInString(note) - utf8.RuneCountInString(head) - 1
	if room < 40 {
		return note
	}
	return note + head + clipStart(t, room) + "\n"
}

// noteLabels returns the labels of the note language, English for "" or an unknown code.
func noteLabels(code string) NoteLabels {
	l, _ := LanguageByCode(code)
	return l.Note
}

// sections renders the heading, the six sections and the tail lines, in at most MaxNote
// characters: the summary is cut to what the rest leaves.
func sections(heading string, h Handoff, tail []string) string {
	lb := noteLabels(h.NoteLanguage)
	var tried strings.Builder
	fmt.Fprintf(&tried, lb.Answers, max(h.Answers, 0))
	if h.SaidUnknown || h.Reason == ReasonBotUnknown || h.Reason == ReasonNoAnswer {
		tried.WriteString("; " + lb.Unknown)
	}
	var contact []string
	for _, f := range []string{h.Visitor.Name, h.Email, h.Visitor.Email} {
		if f = oneLine(f, maxField); f != "" && !containsFold(contact, f) {
			contact = append(contact, f)
		}
	}
	if len(contact) == 0 {
		contact = []string{lb.None}
	}
	mood := lb.Neutral
	if h.Frustrated || h.Reason == ReasonFrustration {
		mood = lb.Frustrated
	}
	before := []string{oneLine(heading, maxField)}
	if m := strings.TrimSpace(h.Message); m != "" {
		label := lb.Message
		if label == "" {
			label = "Message"
		}
		before = append(before, label+": "+oneLine(m, MaxNote/2))
	}
	before = append(before, lb.Reason+": "+h.Reason.Describe())
	after := []string{lb.Tried + ": " + tried.String(), lb.Contact + ": " + strings.Join(contact, ", ")}
	if l, ok := LanguageByCode(h.Language); ok {
		after = append(after, lb.Language+": "+l.Name+" ("+l.Code+")")
	}
	after = append(after, lb.Mood+": "+mood)
	after = append(after, tail...)
	rest := strings.Join(before, "\n") + "\n" + lb.Wants + ": " + "\n" + strings.Join(after, "\n") + "\n"
	summary := strings.TrimSpace(h.Summary)
	// The bot's summaries open with their own "Visitor wants:" line: the note's label stands for it.
	for _, label := range []string{lb.Wants + ":", "Visitor wants:"} {
		if len(summary) >= len(label) && strings.EqualFold(summary[:len(label)], label) {
			summary = strings.TrimSpace(summary[len(label):])
			break
		}
	}
	if summary == "" {
		summary = "-"
	}
	summary = clipEnd(summary, MaxNote-utf8.RuneCountInString(rest))
	note := strings.Join(before, "\n") + "\n" + lb.Wants + ": " + summary + "\n" + strings.Join(after, "\n") + "\n"
	if utf8.RuneCountInString(note) > MaxNote { // long extra lines: cut the end
		note = clipEnd(note, MaxNote-1) + "\n"
	}
	return note
}

// oneLine returns s trimmed, its line breaks made spaces, at most n characters.
func oneLine(s string, n int) string {
	return clipEnd(strings.Join(strings.Fields(s), " "), n)
}

// containsFold reports whether list holds s, ignoring case.
func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// clipEnd shortens s to at most n characters, ending with "…" when cut.
func clipEnd(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return ""
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:n-1]), func(r rune) bool { return r == ' ' || r == '\n' }) + "…"
}

// clipStart shortens s to at most n characters, keeping its end after "…" when cut.
func clipStart(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return ""
	}
	r := []rune(s)
	return "…" + string(r[len(r)-(n-1):])
}
