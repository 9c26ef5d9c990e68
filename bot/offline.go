package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tmc/langchaingo/llms"

	"github.com/handover-dev/handover/handover"
)

// Thresholds of the offline model: it quotes the best passage when its
// score is high enough for the share of the question's words the passage
// holds (in any of their forms: stem, glossary); otherwise it says it does
// not know. Calibrated on the question tables of retrieval_eval_test.go.
const (
	minScoreAny   = 4.0 // a strong match, whatever else the question says
	minScoreThird = 2.5 // a third of the question's words or more
	minScoreHalf  = 1.0 // half of the question's words or more
)

// confident reports whether h answers its query well enough to be quoted.
func confident(h hit) bool {
	switch {
	case h.score >= minScoreAny:
		return true
	case 3*h.covered >= h.words && h.score >= minScoreThird:
		return true
	case 2*h.covered >= h.words && h.score >= minScoreHalf:
		return true
	}
	return false
}

// offlineModel is the "offline" provider: an llms.Model without network that
// answers from the knowledge base. It is deterministic and safe for
// concurrent use.
type offlineModel struct {
	kb      *KnowledgeBase // read once per answer: a reload may replace it
	botName string
}

// NewOfflineModel returns the "offline" provider: an llms.Model that needs
// no network. It answers the latest visitor messages with the best matching
// knowledge passage (its first sentences, naming the topic), calls
// request_human_agent when that tool is offered and the visitor asks for a
// person (IsHumanRequest), says plainly that it does not know (and that a
// human agent can help) when nothing matches, and writes an extractive
// summary for Agent.Summarize. Its own sentences are in the visitor's
// language as the core reads it (handover.GuessLanguage over the visitor's
// messages, as handover.VisitorLanguage does for the engine's notices and
// buttons); it quotes passages as written, saying so when they are in
// another language.
func NewOfflineModel(k *Knowledge, botName string) llms.Model {
	if strings.TrimSpace(botName) == "" {
		botName = DefaultBotName
	}
	return &offlineModel{kb: NewKnowledgeBase(k), botName: botName}
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
	var human []string
	for _, mc := range messages {
		switch mc.Role {
		case llms.ChatMessageTypeSystem:
			system += partsText(mc.Parts)
		case llms.ChatMessageTypeHuman, llms.ChatMessageTypeGeneric:
			human = append(human, partsText(mc.Parts))
		}
	}
	latest := trailingHuman(messages)
	if strings.HasPrefix(system, summaryInstruction) {
		return textResponse(offlineSummary(strings.Join(latest, "\n"))), nil
	}
	// The visitor's language as the core reads it (handover.VisitorLanguage:
	// GuessLanguage over the visitor's messages), here over those of the
	// history the model is given: all of them unless the chat outgrew the
	// history's token budget, so a long chat costs what a short one does.
	lang := offlineLanguage(handover.GuessLanguage(human...))
	if len(messages) > 0 && messages[len(messages)-1].Role == llms.ChatMessageTypeTool {
		// A tool result came back: there is nothing better to say.
		return textResponse(m.dontKnow(lang, toolOffered)), nil
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
	return textResponse(m.answer(strings.Join(latest, "\n"), lang, toolOffered)), nil
}

func (m *offlineModel) answer(query string, lang offlineLang, toolOffered bool) string {
	if isGreeting(query) {
		return m.greeting(lang, toolOffered)
	}
	if !toolOffered && IsHumanRequest(query) {
		return fmt.Sprintf(lang.tx.CantTransfer, lang.core.Texts.HumanButton)
	}
	k := m.kb.Load()
	hits := k.search(query, 1)
	if len(hits) == 0 || !confident(hits[0]) {
		return m.dontKnow(lang, toolOffered)
	}
	p := k.passages[hits[0].i]
	topic := p.Title
	if i := strings.LastIndex(topic, " / "); i >= 0 {
		topic = topic[i+3:]
	}
	text := firstSentences(plainText(p.Text), 3, 420)
	if handover.GuessLanguage(topic+"\n"+text) == lang.core.Code {
		return fmt.Sprintf(lang.tx.About, topic, text)
	}
	// The passage is in another language than the visitor's: say so, and
	// offer a person, who can answer in the visitor's language.
	return fmt.Sprintf(lang.tx.Untranslated, topic, text) + " " + lang.humanHint(toolOffered)
}

func (m *offlineModel) dontKnow(lang offlineLang, toolOffered bool) string {
	return lang.tx.DontKnow + " " + lang.humanHint(toolOffered)
}

func (m *offlineModel) greeting(lang offlineLang, toolOffered bool) string {
	s := fmt.Sprintf(lang.tx.Greeting, m.botName)
	if topics := m.kb.Load().Topics(); len(topics) > 0 {
		if lang.core.Code == "en" {
			for i, t := range topics {
				topics[i] = strings.ToLower(t)
			}
		}
		list := topics[0]
		if len(topics) > 1 {
			list = strings.Join(topics[:len(topics)-1], ", ") + lang.tx.And + topics[len(topics)-1]
		}
		s += " " + fmt.Sprintf(lang.tx.Topics, list)
	}
	return s + " " + lang.humanHint(toolOffered)
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
