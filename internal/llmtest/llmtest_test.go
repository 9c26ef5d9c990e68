package llmtest_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/openai"

	"github.com/handover-dev/handover/internal/llmtest"
)

func newClient(t *testing.T, srv *llmtest.Server, token string) *openai.LLM {
	t.Helper()
	llm, err := openai.New(
		openai.WithToken(token),
		openai.WithModel("test-model"),
		openai.WithBaseURL(srv.URL()),
		openai.WithOrganization(""),
		openai.WithHTTPClient(&http.Client{Timeout: 10 * time.Second}),
	)
	if err != nil {
		t.Fatalf("openai.New: %v", err)
	}
	return llm
}

func setup(t *testing.T) (*llmtest.Server, *openai.LLM) {
	t.Helper()
	srv := llmtest.New()
	t.Cleanup(srv.Close)
	return srv, newClient(t, srv, "sk-test")
}

func human(text string) []llms.MessageContent {
	return []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeSystem, "be brief"),
		llms.TextParts(llms.ChatMessageTypeHuman, text),
	}
}

func TestDefaultReplyAndRecordedRequest(t *testing.T) {
	t.Parallel()
	srv, llm := setup(t)
	resp, err := llm.GenerateContent(t.Context(), human("hello"))
	if err != nil {
		t.Fatalf("GenerateContent: %v", err)
	}
	if got := resp.Choices[0].Content; got != "OK" {
		t.Errorf("content = %q, want OK", got)
	}
	if got := resp.Choices[0].StopReason; got != "stop" {
		t.Errorf("stop reason = %q, want stop", got)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Model != "test-model" {
		t.Errorf("model = %q", r.Model)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer sk-test" {
		t.Errorf("authorization = %q", got)
	}
	if len(r.Messages) != 2 || r.Messages[0].Role != "system" || r.Messages[0].Content != "be brief" ||
		r.Messages[1].Role != "user" || r.Messages[1].Content != "hello" {
		t.Errorf("messages = %+v", r.Messages)
	}
}

func TestQueueThenDefault(t *testing.T) {
	t.Parallel()
	srv, llm := setup(t)
	srv.Enqueue(llmtest.Reply{Text: "first"}, llmtest.Reply{Text: "second"})
	srv.SetDefault(func(req llmtest.Request) llmtest.Reply {
		return llmtest.Reply{Text: "echo: " + req.Messages[len(req.Messages)-1].Content}
	})
	for _, want := range []string{"first", "second", "echo: third"} {
		resp, err := llm.GenerateContent(t.Context(), human("third"))
		if err != nil {
			t.Fatalf("GenerateContent: %v", err)
		}
		if got := resp.Choices[0].Content; got != want {
			t.Errorf("content = %q, want %q", got, want)
		}
	}
}

func TestToolCallsRoundTrip(t *testing.T) {
	t.Parallel()
	srv, llm := setup(t)
	srv.Enqueue(
		llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "call_1", Name: "lookup", Arguments: `{"q":"x"}`}}},
		llmtest.Reply{Text: "done"},
	)
	tools := []llms.Tool{{Type: "function", Function: &llms.FunctionDefinition{
		Name: "lookup", Description: "look up", Parameters: map[string]any{"type": "object"},
	}}}
	msgs := human("find x")
	resp, err := llm.GenerateContent(t.Context(), msgs, llms.WithTools(tools))
	if err != nil {
		t.Fatalf("GenerateContent: %v", err)
	}
	c := resp.Choices[0]
	if c.StopReason != "tool_calls" || len(c.ToolCalls) != 1 {
		t.Fatalf("choice = %+v", c)
	}
	tc := c.ToolCalls[0]
	if tc.ID != "call_1" || tc.FunctionCall.Name != "lookup" || tc.FunctionCall.Arguments != `{"q":"x"}` {
		t.Errorf("tool call = %+v %+v", tc, tc.FunctionCall)
	}
	msgs = append(msgs,
		llms.MessageContent{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{tc}},
		llms.MessageContent{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{
			llms.ToolCallResponse{ToolCallID: tc.ID, Name: "lookup", Content: "result"},
		}},
	)
	resp, err = llm.GenerateContent(t.Context(), msgs, llms.WithTools(tools))
	if err != nil {
		t.Fatalf("GenerateContent: %v", err)
	}
	if resp.Choices[0].Content != "done" {
		t.Errorf("content = %q", resp.Choices[0].Content)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests", len(reqs))
	}
	if len(reqs[0].Tools) != 1 || reqs[0].Tools[0] != "lookup" {
		t.Errorf("tools = %v", reqs[0].Tools)
	}
	m := reqs[1].Messages
	if len(m) != 4 {
		t.Fatalf("messages = %+v", m)
	}
	if m[2].Role != "assistant" || len(m[2].ToolCalls) != 1 || m[2].ToolCalls[0].ID != "call_1" ||
		m[2].ToolCalls[0].Name != "lookup" {
		t.Errorf("assistant message = %+v", m[2])
	}
	if m[3].Role != "tool" || m[3].ToolCallID != "call_1" || m[3].Content != "result" {
		t.Errorf("tool message = %+v", m[3])
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply llmtest.Reply
		want  string
	}{
		{"server error", llmtest.Reply{Status: 500, Text: "boom"}, "500: boom"},
		{"rate limit", llmtest.Reply{Status: 429}, "429"},
		{"broken json", llmtest.Reply{RawBody: `{"choices": [`}, "unexpected EOF"},
		{"no choices", llmtest.Reply{RawBody: `{"choices": []}`}, "empty response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, llm := setup(t)
			srv.Enqueue(tt.reply)
			_, err := llm.GenerateContent(t.Context(), human("hi"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestMissingAuthorization(t *testing.T) {
	t.Parallel()
	srv := llmtest.New()
	t.Cleanup(srv.Close)
	resp, err := http.Post(srv.URL()+"/chat/completions", "application/json",
		strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", resp.StatusCode)
	}
	if len(srv.Requests()) != 1 {
		t.Errorf("the unauthorised request was not recorded")
	}
}

func TestStreamingRejected(t *testing.T) {
	t.Parallel()
	_, llm := setup(t)
	_, err := llm.GenerateContent(t.Context(), human("hi"),
		llms.WithStreamingFunc(func(context.Context, []byte) error { return nil }))
	if err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("err = %v, want a 400", err)
	}
}

func TestDelayHonoursContext(t *testing.T) {
	t.Parallel()
	srv, llm := setup(t)
	srv.Enqueue(llmtest.Reply{Text: "late", Delay: 5 * time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := llm.GenerateContent(ctx, human("hi"))
	if err == nil {
		t.Fatal("want a timeout error")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v; the delay did not end with the request", d)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv, llm := setup(t)
	const n = 20
	for range n / 2 {
		srv.Enqueue(llmtest.Reply{Text: "queued"})
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := llm.GenerateContent(t.Context(), human("hi"))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := len(srv.Requests()); got != n {
		t.Errorf("recorded %d requests, want %d", got, n)
	}
}

func TestUnknownPath(t *testing.T) {
	t.Parallel()
	srv := llmtest.New()
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL() + "/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status = %d, want 404", resp.StatusCode)
	}
}
