package bot

import (
	"errors"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/llmtest"
)

// A provider's 429 (and 503) reaches the engine as an OverloadError with
// the provider's Retry-After, so the LLM limiter backs off; other errors do
// not.
func TestOverloadCarriesRetryAfter(t *testing.T) {
	t.Parallel()
	srv, a := openaiAgent(t, Config{})
	srv.Enqueue(llmtest.Reply{Status: 429, Text: "Rate limit reached", RetryAfter: "7"})
	_, err := a.Answer(t.Context(), turn(true, visitor("hello?")))
	var ov *handover.OverloadError
	if !errors.As(err, &ov) {
		t.Fatalf("429 gave %v, want an OverloadError", err)
	}
	if ov.RetryAfter != 7*time.Second {
		t.Fatalf("Retry-After %s, want 7s", ov.RetryAfter)
	}

	srv.Enqueue(llmtest.Reply{Status: 503})
	if _, err := a.Summarize(t.Context(), conversation(visitor("hello?"))); !errors.As(err, &ov) {
		t.Fatalf("503 on a summary gave %v, want an OverloadError", err)
	}

	srv.Enqueue(llmtest.Reply{Status: 500, Text: "boom"})
	if _, err := a.Answer(t.Context(), turn(true, visitor("hello?"))); err == nil || errors.As(err, &ov) {
		t.Fatalf("500 gave %v, want a plain error", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Fri, 04 Dec 2026 12:00:10 GMT": 10 * time.Second,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}
