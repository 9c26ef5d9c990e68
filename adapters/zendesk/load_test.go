package zendesk

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/handover-dev/handover/handover"
)

func testAdapter(t *testing.T, mod ...func(*Config)) *Adapter {
	t.Helper()
	cfg := Config{BaseURL: "http://127.0.0.1:1", AppID: "app1", KeyID: "key", KeySecret: "key-secret-value",
		IntegrationID: testIntegration, WebhookSecret: "webhook-secret-value", Email: "admin@example.com", APIToken: "api-token-value"}
	for _, m := range mod {
		m(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var (
	sbBot = &switchboardIntegration{ID: "sb1", Name: "handover-bot", IntegrationID: testIntegration, IntegrationType: "custom"}
	sbAW  = &switchboardIntegration{ID: "sb2", Name: "zd-agentWorkspace", IntegrationID: "aw", IntegrationType: "zd:agentWorkspace"}
	sbAI  = &switchboardIntegration{ID: "sb3", Name: "ai-agent", IntegrationType: "zd:answerBot"}
)

// msgs builds Sunshine messages from a compact script: "u:text" user, "b:kind:text" handover's
// own message of that kind, "a:Name:text" an Agent Workspace agent, "s:text" another business
// message.
func msgs(script ...string) []message {
	var out []message
	for i, line := range script {
		parts := strings.SplitN(line, ":", 3)
		m := message{ID: "m" + string(rune('a'+i)), Received: "2026-01-01T10:00:00.000Z"}
		switch parts[0] {
		case "u":
			m.Author = author{Type: "user", UserID: "user1", DisplayName: "Steve"}
			m.Content = content{Type: "text", Text: parts[1]}
			m.Source = source{Type: "web"}
		case "b":
			m.Author = author{Type: "business", DisplayName: "AI assistant"}
			m.Content = content{Type: "text", Text: parts[2]}
			m.Source = source{Type: "api:conversations"}
			m.Metadata = metadata{metaKind: parts[1], metaRef: "ref" + m.ID}
		case "a":
			m.Author = author{Type: "business", DisplayName: parts[1]}
			m.Content = content{Type: "text", Text: parts[2]}
			m.Source = source{Type: sourceAgentWorkspace}
		case "s":
			m.Author = author{Type: "business", DisplayName: "Zendesk"}
			m.Content = content{Type: "text", Text: parts[1]}
			m.Source = source{Type: "zd:surveys"}
		}
		out = append(out, m)
	}
	return out
}

func TestDeriveState(t *testing.T) {
	cases := []struct {
		name      string
		active    *switchboardIntegration
		script    []string
		state     handover.State
		agent     string
		announced bool
	}{
		{"bot active", sbBot, []string{"u:hi"}, handover.StateBot, "", false},
		{"bot active after an agent (a return)", sbBot, []string{"u:hi", "b:answer:hello", "a:Alice:hi", "b:joined:Alice joined", "u:more?"}, handover.StateBot, "", false},
		{"nobody (released)", nil, []string{"u:hi"}, handover.StateOther, "", false},
		{"another bot", sbAI, []string{"u:hi"}, handover.StateOther, "", false},
		{"handed over, waiting", sbAW, []string{"u:hi", "b:notice:connecting"}, handover.StateQueued, "", false},
		{"agent wrote", sbAW, []string{"u:hi", "b:notice:connecting", "a:Alice:hi there"}, handover.StateAgent, "Alice", false},
		{"agent announced", sbAW, []string{"u:hi", "b:notice:connecting", "a:Alice:hi there", "b:joined:Alice joined", "a:Alice:more"}, handover.StateAgent, "Alice", true},
		{"takeover announced before the agent wrote", sbAW, []string{"u:hi", "b:answer:hello", "b:joined:Bob joined"}, handover.StateAgent, "Bob", true},
		{"second takeover after a return", sbAW, []string{"u:hi", "b:answer:a", "a:Alice:x", "b:joined:Alice joined", "u:q", "b:answer:b", "a:Bob:y"}, handover.StateAgent, "Bob", false},
		{"surveys are not agents", sbAW, []string{"u:hi", "b:notice:connecting", "s:rate us"}, handover.StateQueued, "", false},
	}
	a := testAdapter(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := msgs(tc.script...)
			if tc.name == "agent announced" || tc.name == "takeover announced before the agent wrote" {
				for i := range raw {
					if raw[i].Metadata.str(metaKind) == kindJoined {
						raw[i].Metadata[metaAgent] = strings.Fields(raw[i].Content.Text)[0]
					}
				}
			}
			conv := a.build(&conversation{ID: "c1", Active: tc.active}, raw)
			if conv.State != tc.state || conv.AgentName != tc.agent || conv.JoinAnnounced != tc.announced {
				t.Fatalf("got %s %q %v, want %s %q %v", conv.State, conv.AgentName, conv.JoinAnnounced, tc.state, tc.agent, tc.announced)
			}
		})
	}
}

func TestBuildMessages(t *testing.T) {
	a := testAdapter(t)
	raw := msgs("u:Where is my parcel?", "b:answer:It ships today.", "b:notice:No agent.", "u:Talk to a human", "b:answer:Sure.")
	raw[2].Metadata[metaPrompt] = "offline"
	raw[2].Content.Actions = []action{{Type: "reply", Text: "Leave a message", Payload: handover.ChoiceOffline}, {Type: "link", Text: "Docs", URI: "https://x"}}
	raw[3].Content.Payload = handover.ChoiceRequestHuman
	raw = append(raw, message{ID: "mz", Deleted: true, Author: author{Type: "user"}})
	conv := a.build(&conversation{ID: "c1", Active: sbBot}, raw)
	if conv.BotAnswers != 2 {
		t.Fatalf("bot answers %d, want 2 (notices do not count)", conv.BotAnswers)
	}
	if len(conv.Messages) != 5 {
		t.Fatalf("deleted messages must be dropped: %d", len(conv.Messages))
	}
	offer := conv.Messages[2]
	if offer.Role != handover.RoleBot || offer.ID != "ref"+raw[2].ID || offer.Prompt != handover.PromptOffline ||
		len(offer.Buttons) != 1 || offer.Buttons[0] != (handover.Button{Title: "Leave a message", Value: handover.ChoiceOffline}) {
		t.Fatalf("offer: %+v", offer)
	}
	if v := conv.Messages[0]; v.Role != handover.RoleVisitor || v.ID != raw[0].ID || v.CreatedAt.IsZero() || conv.Visitor.ID != "user1" || conv.Channel != "web" {
		t.Fatalf("visitor message: %+v, visitor %+v, channel %q", v, conv.Visitor, conv.Channel)
	}
	if got := conv.PendingVisitorMessages(); len(got) != 0 {
		t.Fatalf("pending: %+v", got)
	}
}

func TestMessageText(t *testing.T) {
	for _, tc := range []struct {
		c    content
		want string
	}{
		{content{Type: "text", Text: " hi "}, "hi"},
		{content{Type: "image", MediaURL: "https://x/y.png"}, "[image]"},
		{content{Type: "file", AltText: "invoice.pdf"}, "[file: invoice.pdf]"},
		{content{Type: "location"}, "[location]"},
		{content{Type: "text"}, ""},
	} {
		if got := messageText(&tc.c); got != tc.want {
			t.Fatalf("%+v: %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestButtonTitlesFitTwentyCharacters(t *testing.T) {
	for _, l := range handover.Languages() {
		for _, v := range []string{handover.ChoiceRequestHuman, handover.ChoiceOffline, handover.ChoiceContinue} {
			if n := utf8.RuneCountInString(l.Short.Of(v)); n > maxButtonTitle || n == 0 {
				t.Errorf("%s %s: %q has %d characters", l.Code, v, l.Short.Of(v), n)
			}
		}
	}
	de := &handover.Conversation{Messages: []handover.Message{{Role: handover.RoleVisitor, Text: "Ich möchte bitte wissen, wann meine Bestellung kommt"}}}
	if got := buttonTitle(de, handover.Button{Title: "Chat mit einem Mitarbeiter anfordern"}, handover.ChoiceRequestHuman); got != "Mitarbeiter anfragen" {
		t.Fatalf("German: %q", got)
	}
	if got := buttonTitle(de, handover.Button{Title: "Short one"}, "x"); got != "Short one" {
		t.Fatalf("a title that fits is kept: %q", got)
	}
	if got := buttonTitle(de, handover.Button{Title: "An unknown button with a long title"}, "x"); utf8.RuneCountInString(got) != maxButtonTitle {
		t.Fatalf("unknown long title must be clipped to 20: %q", got)
	}
}

func TestHandoverMetadataFitsFourKB(t *testing.T) {
	h := handover.Handoff{Reason: handover.ReasonButton, Summary: strings.Repeat("ü long summary ", 2000)}
	md := handoverMetadata(h, "603012d7e0a3f9000c879b67")
	b, _ := json.Marshal(md)
	if len(b) > maxMetadata {
		t.Fatalf("metadata is %d bytes", len(b))
	}
	if md["first_message_id"] != "603012d7e0a3f9000c879b67" || md["handover_reason"] != "visitor_button" || md.str("handover_summary") == "" {
		t.Fatalf("metadata: %v", md)
	}
	for k, v := range md {
		switch v.(type) {
		case string, bool, float64, int:
		default:
			t.Fatalf("%s is not flat: %T", k, v)
		}
	}
	short := handoverMetadata(handover.Handoff{Reason: handover.ReasonRequest, Summary: "Wants a refund."}, "")
	if short.str("handover_summary") != "Wants a refund." || short["first_message_id"] != nil {
		t.Fatalf("short: %v", short)
	}
}
