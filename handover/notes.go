package handover

import "strings"

// HandoverNote renders the private note agents get when a conversation is
// handed to them: the adapter's heading line, the reason and the summary.
func HandoverNote(heading string, h Handoff) string {
	var b strings.Builder
	b.WriteString(heading + "\n")
	b.WriteString("Reason: " + h.Reason.Describe() + "\n")
	if s := strings.TrimSpace(h.Summary); s != "" {
		b.WriteString("\nSummary:\n" + s + "\n")
	}
	return b.String()
}

// OfflineNote renders the note of an offline message: the adapter's heading,
// the reason, where to reply (the submitted email, else the contact's), any
// extra lines the helpdesk adds, the summary and the transcript.
func OfflineNote(heading string, conv *Conversation, h Handoff, extra ...string) string {
	var b strings.Builder
	b.WriteString(heading + "\n")
	b.WriteString("Reason: " + h.Reason.Describe() + "\n")
	email := strings.TrimSpace(h.Email)
	if email == "" {
		email = strings.TrimSpace(conv.Visitor.Email)
	}
	if email == "" {
		email = "(none given)"
	}
	b.WriteString("Reply to: " + email + "\n")
	for _, line := range extra {
		if line != "" {
			b.WriteString(line + "\n")
		}
	}
	if s := strings.TrimSpace(h.Summary); s != "" {
		b.WriteString("\nSummary:\n" + s + "\n")
	}
	t := strings.TrimSpace(h.Transcript)
	if t == "" {
		t = strings.TrimSpace(conv.Transcript())
	}
	if t != "" {
		b.WriteString("\nTranscript:\n" + t + "\n")
	}
	return b.String()
}
