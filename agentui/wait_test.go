package agentui

import (
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

// A queued visitor waits since the bot's handover notice: the offline offer or "keep waiting"
// the bot posted in the queue since does not restart the clock.
func TestQueuedWaitingSinceTheHandoverNotice(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	tx := handover.DefaultTexts()
	c := &handover.Conversation{State: handover.StateQueued, Messages: []handover.Message{
		{Role: handover.RoleVisitor, Text: "I want a person", CreatedAt: now.Add(-15 * time.Minute)},
		{Role: handover.RoleBot, Text: tx.Connecting, CreatedAt: now.Add(-14 * time.Minute)},
		{Role: handover.RoleBot, Text: tx.WaitTimeout, Prompt: handover.PromptOffline, CreatedAt: now.Add(-4 * time.Minute)},
		{Role: handover.RoleVisitor, Text: "no thanks", CreatedAt: now.Add(-3 * time.Minute)},
		{Role: handover.RoleBot, Text: tx.KeepWaiting, CreatedAt: now.Add(-3 * time.Minute)},
	}}
	if got := waitingSince(c); !got.Equal(now.Add(-14 * time.Minute)) {
		t.Fatalf("waiting since %v, want the handover notice's time", got)
	}
	if got := waited(c, now); got != humanDuration(14*time.Minute) {
		t.Fatalf("waited %q", got)
	}
	// Without the notice among the messages (it scrolled out), the bot's latest message.
	c.Messages = c.Messages[2:]
	if got := waitingSince(c); !got.Equal(now.Add(-3 * time.Minute)) {
		t.Fatalf("without the notice: %v", got)
	}
}
