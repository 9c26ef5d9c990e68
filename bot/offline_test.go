package bot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tmc/langchaingo/llms"
)

func offlineAgent(t *testing.T) *Assistant {
	t.Helper()
	a, err := New(Config{Knowledge: SampleKnowledge(), BotName: "Acme bot"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func TestOfflineAnswersFromKnowledge(t *testing.T) {
	t.Parallel()
	a := offlineAgent(t)
	got, err := a.Answer(t.Context(), turn(true, visitor("How long does shipping take?")))
	if err != nil {
		t.Fatalf("Answer: %v", err)
	}
	if got.HumanRequested || !strings.Contains(got.Text, "Delivery times") || !strings.Contains(got.Text, "3 to 5 business days") {
		t.Errorf("answer = %+v", got)
	}
	// Short and cleaned: a few sentences, no Markdown.
	if len(got.Text) > 500 || strings.Contains(got.Text, "#") {
		t.Errorf("answer is not short and clean: %q", got.Text)
	}
}

func TestOfflineDoesNotKnow(t *testing.T) {
	t.Parallel()
	a := offlineAgent(t)
	for _, q := range []string{"What is the capital of France?", "Do you sell bikes?"} {
		got, err := a.Answer(t.Context(), turn(true, visitor(q)))
		if err != nil {
			t.Fatalf("Answer: %v", err)
		}
		if got.HumanRequested || !strings.Contains(got.Text, "don't know") || !strings.Contains(got.Text, "human agent") {
			t.Errorf("answer to %q = %+v", q, got)
		}
	}
	got, err := a.Answer(t.Context(), turn(false, visitor("What is the capital of France?")))
	if err != nil {
		t.Fatalf("Answer: %v", err)
	}
	if !strings.Contains(got.Text, "button") {
		t.Errorf("without human requests the answer should point to the button: %q", got.Text)
	}
}

func TestOfflineGreeting(t *testing.T) {
	t.Parallel()
	a := offlineAgent(t)
	got, err := a.Answer(t.Context(), turn(true, visitor("Hi!")))
	if err != nil {
		t.Fatalf("Answer: %v", err)
	}
	if !strings.Contains(got.Text, "Acme bot") || !strings.Contains(got.Text, "How can I help") || !strings.Contains(got.Text, "shipping") {
		t.Errorf("greeting = %q", got.Text)
	}
}

func TestOfflineHumanRequest(t *testing.T) {
	t.Parallel()
	// Through the agent.
	a := offlineAgent(t)
	got, err := a.Answer(t.Context(), turn(true, visitor("I want to talk to a human")))
	if err != nil {
		t.Fatalf("Answer: %v", err)
	}
	if !got.HumanRequested || got.Reason == "" {
		t.Errorf("answer = %+v, want a human request", got)
	}
	// Not allowed: no handover, an answer instead.
	got, err = a.Answer(t.Context(), turn(false, visitor("I want to talk to a human")))
	if err != nil {
		t.Fatalf("Answer: %v", err)
	}
	if got.HumanRequested || !strings.Contains(got.Text, "button") {
		t.Errorf("answer = %+v, want a pointer to the button", got)
	}

	// The model itself returns a tool call when the tool is offered.
	m := NewOfflineModel(SampleKnowledge(), "")
	msgs := []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeSystem, "system"),
		llms.TextParts(llms.ChatMessageTypeHuman, "I want to talk to a human"),
	}
	resp, err := m.GenerateContent(t.Context(), msgs, llms.WithTools([]llms.Tool{humanRequestTool}))
	if err != nil {
		t.Fatalf("GenerateContent: %v", err)
	}
	calls := resp.Choices[0].ToolCalls
	if len(calls) != 1 || calls[0].FunctionCall.Name != humanRequestToolName {
		t.Fatalf("choice = %+v", resp.Choices[0])
	}
	var args struct{ Reason string }
	if err := json.Unmarshal([]byte(calls[0].FunctionCall.Arguments), &args); err != nil || args.Reason == "" {
		t.Errorf("arguments %q: %v", calls[0].FunctionCall.Arguments, err)
	}
	// Without the tool: text.
	resp, err = m.GenerateContent(t.Context(), msgs)
	if err != nil {
		t.Fatalf("GenerateContent: %v", err)
	}
	if len(resp.Choices[0].ToolCalls) != 0 || resp.Choices[0].Content == "" {
		t.Errorf("choice = %+v", resp.Choices[0])
	}
}

func TestOfflineDeterministic(t *testing.T) {
	t.Parallel()
	a := offlineAgent(t)
	first, err := a.Answer(t.Context(), turn(true, visitor("Can I return my boots?")))
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := a.Answer(t.Context(), turn(true, visitor("Can I return my boots?")))
		if err != nil || again != first {
			t.Fatalf("answers differ: %+v vs %+v (%v)", again, first, err)
		}
	}
}

func TestOfflineSummarize(t *testing.T) {
	t.Parallel()
	a := offlineAgent(t)
	conv := conversation(
		visitor("My tent zipper broke after two months. What can I do?"),
		bot("About \"Warranty coverage\": Every product sold by Acme Outdoor has a 2-year warranty."),
		visitor("I want to talk to a human"),
	)
	got, err := a.Summarize(t.Context(), conv)
	if err != nil {
		t.Fatalf("Summarize: %v", err)
	}
	lines := strings.Split(got, "\n")
	if len(lines) != 3 {
		t.Fatalf("summary has %d lines: %q", len(lines), got)
	}
	if !strings.Contains(lines[0], "tent zipper broke") {
		t.Errorf("wants line = %q", lines[0])
	}
	if !strings.Contains(lines[1], "2-year warranty") {
		t.Errorf("answered line = %q", lines[1])
	}
	if !strings.Contains(lines[2], "human agent") {
		t.Errorf("open line = %q", lines[2])
	}
}

func TestOfflineNoKnowledge(t *testing.T) {
	t.Parallel()
	a, err := New(Config{Provider: "offline"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Answer(t.Context(), turn(true, visitor("How long does shipping take?")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Text, "don't know") {
		t.Errorf("answer = %q", got.Text)
	}
}

func TestOfflineHonoursCancel(t *testing.T) {
	t.Parallel()
	m := NewOfflineModel(nil, "")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := m.GenerateContent(ctx, []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "hi")}); err == nil {
		t.Error("want an error for a cancelled context")
	}
}
