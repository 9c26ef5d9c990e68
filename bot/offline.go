package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tmc/langchaingo/llms"
)

// Thresholds of the offline model: it answers with a passage that scores at
// least minOfflineScore, or that holds at least half of the question's words
// with a score of at least minCoveredScore; otherwise it says it does not know.
const (
	minOfflineScore = 2.0
	minCoveredScore = 0.5
)

// confident reports whether p answers query well enough to be quoted.
func confident(query string, p Passage) bool {
	if p.Score >= minOfflineScore {
		return true
	}
	if p.Score < minCoveredScore {
		return false
	}
	q := uniq(terms(query))
	have := map[string]bool{}
	for _, t := range terms(p.Title + "\n" + p.Text) {
		have[t] = true
	}
	n := 0
	for _, t := range q {
		if have[t] {
			n++
		}
	}
	return len(q) > 0 && 2*n >= len(q)
}

// offlineModel is the "offline" provider: an llms.Model without network that
// answers from the knowledge base. It is deterministic and safe for
// concurrent use.
type offlineModel struct {
	k       *Knowledge
	botName string
}

// NewOfflineModel returns the "offline" provider: an llms.Model that needs
// no network. It answers the latest visitor messages with the best matching
// knowledge passage (its first sentences, naming the topic), calls
// request_human_agent when that tool is offered and the visitor asks for a
// person (IsHumanRequest), says politely that it does not know (and that a
// human agent can help) when nothing matches, and writes an extractive
// summary for Agent.Summarize. It answers in English.
func NewOfflineModel(k *Knowledge, botName string) llms.Model {
	if strings.TrimSpace(botName) == "" {
		botName = DefaultBotName
	}
	return &offlineModel{k: k, botName: botName}
}

// Call implements the legacy single-prompt method of llms.Model.
func (m *offlineModel) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, options...)
}

// GenerateContent implements llms.Model.
func (m *offlineModel) GenerateContent(ctx context.Context, messages []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("offline model: %w", err)
	}
	var opts llms.CallOptions
	for _, o := range options {
		o(&opts)
	}
	toolOffered := false
	for _, t := range opts.Tools {
		if t.Function != nil && t.Function.Name == humanRequestToolName {
			toolOffered = true
		}
	}

	var system string
	for _, mc := range messages {
		if mc.Role == llms.ChatMessageTypeSystem {
			system += partsText(mc.Parts)
		}
	}
	latest := trailingHuman(messages)
	if strings.HasPrefix(system, summaryInstruction) {
		return textResponse(offlineSummary(strings.Join(latest, "\n"))), nil
	}
	if len(messages) > 0 && messages[len(messages)-1].Role == llms.ChatMessageTypeTool {
		// A tool result came back: there is nothing better to say.
		return textResponse(m.dontKnow(toolOffered)), nil
	}
	if toolOffered {
		for _, text := range latest {
			if IsHumanRequest(text) {
				args, _ := json.Marshal(map[string]string{"reason": detectorReason})
				return &llms.ContentResponse{Choices: []*llms.ContentChoice{{
					StopReason: "tool_calls",
					ToolCalls: []llms.ToolCall{{
						ID:           "offline_call_1",
						Type:         "function",
						FunctionCall: &llms.FunctionCall{Name: humanRequestToolName, Arguments: string(args)},
					}},
				}}}, nil
			}
		}
	}
	return textResponse(m.answer(strings.Join(latest, "\n"), toolOffered)), nil
}

func (m *offlineModel) answer(query string, toolOffered bool) string {
	if isGreeting(query) {
		return m.greeting(toolOffered)
	}
	if !toolOffered && IsHumanRequest(query) {
		return "I can't transfer the chat myself. To talk to a human agent, use the \"Request chat with human agent\" button when it appears."
	}
	hits := m.k.Search(query, 1)
	if len(hits) == 0 || !confident(query, hits[0]) {
		return m.dontKnow(toolOffered)
	}
	p := hits[0]
	topic := p.Title
	if i := strings.LastIndex(topic, " / "); i >= 0 {
		topic = topic[i+3:]
	}
	return fmt.Sprintf("About %q: %s", topic, firstSentences(plainText(p.Text), 3, 420))
}

func (m *offlineModel) humanHint(toolOffered bool) string {
	if toolOffered {
		return "A human agent from our team can help you: just ask me to talk to a person."
	}
	return "A human agent from our team can help you: use the \"Request chat with human agent\" button when it appears."
}

func (m *offlineModel) dontKnow(toolOffered bool) string {
	return "I'm sorry, I don't know the answer to that. " + m.humanHint(toolOffered)
}

func (m *offlineModel) greeting(toolOffered bool) string {
	s := fmt.Sprintf("Hello! %s here. How can I help you?", m.botName)
	if topics := m.k.Topics(); len(topics) > 0 {
		for i, t := range topics {
			topics[i] = strings.ToLower(t)
		}
		if len(topics) > 1 {
			s += " I can answer questions about " + strings.Join(topics[:len(topics)-1], ", ") + " and " + topics[len(topics)-1] + "."
		} else {
			s += " I can answer questions about " + topics[0] + "."
		}
	}
	return s + " " + m.humanHint(toolOffered)
}

// greetingWords are words that make up greetings and small talk, folded.
var greetingWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`hi hello hey hiya yo good morning afternoon evening day there thanks thank you ok okay
		bye goodbye cheers
		hallo guten tag morgen abend servus moin danke
		bonjour bonsoir salut merci
		hola buenos buenas dias tardes noches gracias
		ciao buongiorno buonasera grazie salve
		ola bom dia boa tarde noite obrigado obrigada oi
		hoi goedemorgen goedemiddag goedenavond dag dank bedankt
		czesc dzien dobry witam dziekuje
		ahoj dobry den dekuji dakujem zdravim nazdar
		привет здравствуите добрыи день утро вечер спасибо`) {
		m[fold(w)] = true
	}
	return m
}()

// isGreeting reports whether text is only a greeting or thanks ("hi", "good morning!").
func isGreeting(text string) bool {
	ws := words(text)
	if len(ws) == 0 {
		return true
	}
	for _, w := range ws {
		if !greetingWords[w] {
			return false
		}
	}
	return true
}

// offlineSummary writes an extractive three-line summary from a transcript
// made by transcriptLines.
func offlineSummary(transcript string) string {
	var visitor, bot []string
	lastIsVisitor := false
	for _, line := range strings.Split(transcript, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, visitorPrefix):
			visitor = append(visitor, strings.TrimPrefix(line, visitorPrefix))
			lastIsVisitor = true
		case strings.HasPrefix(line, botPrefix):
			bot = append(bot, strings.TrimPrefix(line, botPrefix))
			lastIsVisitor = false
		case strings.Contains(line, " (human agent): "):
			lastIsVisitor = false
		}
	}
	wants := "unclear"
	for i := len(visitor) - 1; i >= 0; i-- {
		if !IsHumanRequest(visitor[i]) {
			wants = firstSentences(visitor[i], 1, 160)
			break
		}
	}
	if wants == "unclear" && len(visitor) > 0 {
		wants = firstSentences(visitor[0], 1, 160)
	}
	answered := "nothing yet"
	if len(bot) > 0 {
		answered = firstSentences(bot[len(bot)-1], 1, 160)
	}
	open := "nothing pending"
	if lastIsVisitor && len(visitor) > 0 {
		last := visitor[len(visitor)-1]
		if IsHumanRequest(last) {
			open = "the visitor asked to talk to a human agent"
		} else {
			open = "unanswered: " + firstSentences(last, 1, 160)
		}
	}
	return "Visitor wants: " + wants + "\nBot answered: " + answered + "\nOpen: " + open
}

// trailingHuman returns the texts of the human messages after the last
// non-human, non-system message.
func trailingHuman(messages []llms.MessageContent) []string {
	var out []string
	for i := len(messages) - 1; i >= 0; i-- {
		mc := messages[i]
		if mc.Role == llms.ChatMessageTypeSystem {
			continue
		}
		if mc.Role != llms.ChatMessageTypeHuman && mc.Role != llms.ChatMessageTypeGeneric {
			break
		}
		out = append([]string{partsText(mc.Parts)}, out...)
	}
	return out
}

func partsText(parts []llms.ContentPart) string {
	var texts []string
	for _, p := range parts {
		if t, ok := p.(llms.TextContent); ok {
			texts = append(texts, t.Text)
		}
	}
	return strings.Join(texts, "\n")
}

func textResponse(text string) *llms.ContentResponse {
	return &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: text, StopReason: "stop"}}}
}
