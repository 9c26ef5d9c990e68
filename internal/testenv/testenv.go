// Package testenv gives tests the external services the test command
// provides (scripts/test.sh starts them; in CI a missing service fails the
// test, elsewhere it skips loudly) and the scripted bot that adapter tests
// drive the real engine with.
package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover-dev/handover/handover"
)

// RedisURL returns the Redis server scripts/test.sh started.
func RedisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("HANDOVER_TEST_REDIS_URL")
	if u == "" {
		Missing(t, "Redis (HANDOVER_TEST_REDIS_URL); run ./scripts/test.sh, which starts redis-server")
	}
	return u
}

// Missing fails the test in CI and skips it elsewhere, saying what is missing.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("missing %s: CI must provide it", what)
	}
	t.Skipf("SKIPPED: missing %s", what)
}

// Bot is a scripted handover.Bot for adapter tests that run the real
// engine: it answers "Answer to N messages: <the visitor's last words>" (N
// is how many messages the turn's snapshot holds, so a test sees the
// window), and asks for a human when those words say "human" or "person".
type Bot struct{}

// Answer implements handover.Bot.
func (Bot) Answer(_ context.Context, t handover.Turn) (handover.Answer, error) {
	p := t.Conversation.PendingVisitorMessages()
	last := ""
	if len(p) > 0 {
		last = p[len(p)-1].Text
	}
	if l := strings.ToLower(last); strings.Contains(l, "human") || strings.Contains(l, "person") {
		return handover.Answer{HumanRequested: true, Reason: "asked for a person"}, nil
	}
	return handover.Answer{Text: fmt.Sprintf("Answer to %d messages: %s", len(t.Conversation.Messages), last)}, nil
}

// Summarize implements handover.Bot.
func (Bot) Summarize(context.Context, *handover.Conversation) (string, error) {
	return "The visitor wants help with an order.", nil
}

// SeedFiles adds every file matching pattern (e.g. "testdata/*.json", the golden webhook
// payloads) as a fuzz seed; none matching fails the fuzz test.
func SeedFiles(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files %s: %v", pattern, err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}
