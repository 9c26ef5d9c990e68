package bot

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tmc/langchaingo/llms"

	"github.com/handover-dev/handover/handover"
)

// benchAnswerModel answers at once and checks that it got a prompt: the
// benchmark measures what the bot does around the model call.
type benchAnswerModel struct{}

func (benchAnswerModel) GenerateContent(_ context.Context, msgs []llms.MessageContent, _ ...llms.CallOption) (*llms.ContentResponse, error) {
	if len(msgs) < 2 {
		return nil, fmt.Errorf("prompt of %d messages", len(msgs))
	}
	return textResponse("Standard shipping takes 3-5 business days."), nil
}

func (m benchAnswerModel) Call(ctx context.Context, prompt string, opts ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, opts...)
}

// benchConversation is a bot conversation of n public messages (visitor and
// bot alternating, each of a realistic length) ending with a visitor question.
func benchConversation(n int) *handover.Conversation {
	c := &handover.Conversation{ID: "1", State: handover.StateBot, Visitor: handover.Visitor{Name: "Jane"}}
	t0 := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	for i := range n {
		m := handover.Message{ID: fmt.Sprint(i + 1), Role: handover.RoleVisitor, CreatedAt: t0.Add(time.Duration(i) * time.Minute),
			Text: "How long does shipping to Canada take, and what does express delivery cost?"}
		if (n-1-i)%2 == 1 {
			m.Role, m.Author = handover.RoleBot, "AI assistant"
			m.Text = "Orders leave our warehouse within one business day. Standard shipping takes 3-5 business days " +
				"within the country and 7-10 days abroad; express delivery arrives the next business day."
		}
		c.Messages = append(c.Messages, m)
	}
	return c
}

// BenchmarkAnswerPromptAssembly: one bot turn without the model's latency:
// the human-request detector, knowledge retrieval, the system prompt
// template, the history windowed to the token budget, and reading the
// answer. It runs on every plain turn; a 1,000-message conversation should
// cost about what a 20-message one does (the window is the same).
func BenchmarkAnswerPromptAssembly(b *testing.B) {
	for _, n := range []int{20, 1000} {
		b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
			a := NewWithModel(benchAnswerModel{}, Config{Provider: ProviderOpenAI, Knowledge: SampleKnowledge()})
			turn := handover.Turn{Conversation: benchConversation(n), AllowHumanRequest: true}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				ans, err := a.Answer(ctx, turn)
				if err != nil || ans.Text == "" {
					b.Fatalf("answer %+v, %v", ans, err)
				}
			}
		})
	}
}
