package libredesk

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/internal/helptext"
	"github.com/handover-dev/handover/handover"
)

const alice = 3

type convOpt func(*conversation)

func inbox(id int) convOpt          { return func(c *conversation) { c.InboxID = flexInt(id) } }
func status(s string) convOpt       { return func(c *conversation) { c.Status = flexString(s) } }
func channel(s string) convOpt      { return func(c *conversation) { c.InboxChannel = flexString(s) } }
func assigned(id int) convOpt       { return func(c *conversation) { c.AssignedUserID = flexInt(id) } }
func tagged(tags ...string) convOpt { return func(c *conversation) { c.Tags = tags } }

func testConversation(opts ...convOpt) *conversation {
	c := &conversation{UUID: testUUID, InboxID: 1, InboxChannel: "livechat", Status: "Open",
		Contact: person{ID: 5, FirstName: "Jane", LastName: "Doe", Email: "jane@example.com"}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// tick orders the messages raw builds (tests run in parallel).
var tick atomic.Int64

// raw builds a message; kinds: in (visitor), bot:<echo kind>, botnote, agent, agentnote, activity.
func raw(kind, text string) message {
	at := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(tick.Add(1)) * time.Second)
	m := message{UUID: flexString("m-" + text), TextContent: flexString(text), CreatedAt: flexTime{Time: at}, SenderType: "agent"}
	switch {
	case kind == "in":
		m.Type, m.SenderType, m.SenderID = "incoming", "contact", 5
		m.Author = person{FirstName: "Jane"}
	case strings.HasPrefix(kind, "bot:"):
		m.Type, m.SenderID = "outgoing", testBot
		m.Meta.EchoID = newEchoID(strings.TrimPrefix(kind, "bot:"))
		m.Author = person{FirstName: "AI", LastName: "assistant"}
	case kind == "bot":
		m.Type, m.SenderID = "outgoing", testBot
	case kind == "botnote":
		m.Type, m.SenderID, m.Private = "outgoing", testBot, true
	case kind == "agent":
		m.Type, m.SenderID = "outgoing", alice
		m.Author = person{FirstName: "Alice", LastName: "Martin"}
	case kind == "agentnote":
		m.Type, m.SenderID, m.Private = "outgoing", alice, true
		m.Author = person{FirstName: "Alice", LastName: "Martin"}
	case kind == "activity":
		m.Type, m.SenderID, m.Private = "activity", alice, true
	}
	return m
}

func TestDeriveState(t *testing.T) {
	t.Parallel()
	a := testAdapter(t, "http://libredesk.invalid")
	handoverNoteText := noteHandover + " Reason: x" // html2text may join the lines
	offlineNoteText := noteOffline + "\nReply to: a@b.c"
	for _, tc := range []struct {
		name         string
		conv         *conversation
		msgs         []message
		state        handover.State
		agent        string
		announced    bool
		assignee     int
		answers      int
		lastBotPromp handover.Prompt
	}{
		{"fresh chat", testConversation(), []message{raw("in", "hi")}, handover.StateBot, "", false, 0, 0, ""},
		{"not a bot inbox", testConversation(inbox(9)), []message{raw("in", "hi")}, handover.StateOther, "", false, 0, 0, ""},
		{"email inbox", testConversation(channel("email")), []message{raw("in", "hi")}, handover.StateOther, "", false, 0, 0, ""},
		{"resolved", testConversation(status("Resolved")), []message{raw("in", "hi")}, handover.StateOther, "", false, 0, 0, ""},
		{"snoozed", testConversation(status("Snoozed")), nil, handover.StateOther, "", false, 0, 0, ""},
		{"custom open status", testConversation(status("Waiting on customer"), assigned(testBot)), nil, handover.StateBot, "", false, 0, 0, ""},
		{"answers counted from echo ids", testConversation(assigned(testBot)), []message{
			raw("in", "a"), raw("bot:answer", "1"), raw("in", "b"), raw("bot:answer-human", "2"),
			raw("bot:notice", "n"), raw("bot", "no echo_id: counted as an answer"), raw("activity", "Assigned to AI assistant"),
		}, handover.StateBot, "", false, 0, 3, handover.PromptNone},
		{"no echo_id: the prompt line restores the prompt", testConversation(assigned(testBot)), []message{raw("in", "a"),
			raw("bot", "Sure.\n\nWenn Sie mit einem Menschen sprechen möchten, schreiben Sie einfach \"Mitarbeiter\".")},
			handover.StateBot, "", false, 0, 1, handover.PromptHuman},
		{"no echo_id: the joined note is the record", testConversation(assigned(alice)), []message{raw("in", "a"),
			raw("bot", "Alice joined the chat."), raw("botnote", noteJoined+" The visitor was told that Alice joined the chat.")},
			handover.StateAgent, "Alice", true, 0, 1, ""},
		{"human prompt restored", testConversation(assigned(testBot)), []message{raw("in", "a"), raw("bot:answer-human", "2")},
			handover.StateBot, "", false, 0, 1, handover.PromptHuman},
		{"offline prompt restored", testConversation(assigned(testBot)), []message{raw("in", "a"), raw("bot:offline", "nobody")},
			handover.StateBot, "", false, 0, 0, handover.PromptOffline},
		{"email prompt restored", testConversation(assigned(testBot)), []message{raw("in", "yes"), raw("bot:email", "email?")},
			handover.StateBot, "", false, 0, 0, handover.PromptEmail},
		{"takeover by assignment", testConversation(assigned(alice)), []message{raw("in", "a")}, handover.StateAgent, "", false, alice, 0, ""},
		{"takeover by reply", testConversation(assigned(testBot)), []message{raw("in", "a"), raw("bot:answer", "1"), raw("agent", "Alice here")},
			handover.StateAgent, "Alice Martin", false, 0, 1, ""},
		{"a human's note is no takeover", testConversation(assigned(testBot)), []message{raw("in", "a"), raw("agentnote", "fyi"), raw("activity", "x")},
			handover.StateBot, "", false, 0, 0, ""},
		{"queued", testConversation(), []message{raw("in", "human"), raw("botnote", handoverNoteText), raw("bot:notice", "connecting")},
			handover.StateQueued, "", false, 0, 0, ""},
		{"queued and assigned by Libredesk: still queued", testConversation(assigned(alice)), []message{raw("in", "human"), raw("botnote", handoverNoteText)},
			handover.StateQueued, "", false, 0, 0, ""},
		{"queued, then the agent writes", testConversation(assigned(alice)), []message{raw("in", "human"), raw("botnote", handoverNoteText), raw("agent", "hi")},
			handover.StateAgent, "Alice Martin", false, 0, 0, ""},
		{"offline note", testConversation(), []message{raw("in", "x@y.z"), raw("botnote", offlineNoteText)}, handover.StateOffline, "", false, 0, 0, ""},
		{"offline tag", testConversation(tagged("vip", TagOffline)), []message{raw("in", "x")}, handover.StateOffline, "", false, 0, 0, ""},
		{"join announced", testConversation(assigned(alice)), []message{raw("in", "a"), raw("agent", "hi"), raw("bot:joined", "Alice joined")},
			handover.StateAgent, "", true, alice, 0, ""},
		{"join announced, the bot still assigned", testConversation(assigned(testBot)), []message{raw("in", "a"), raw("agent", "hi"), raw("bot:joined", "Alice joined")},
			handover.StateAgent, "Alice Martin", true, 0, 0, ""},
		{"join announced after an assignment", testConversation(assigned(alice)), []message{raw("in", "a"), raw("bot:joined", "Alice joined")},
			handover.StateAgent, "", true, alice, 0, ""},
		{"joined note names the agent", testConversation(assigned(alice)), []message{raw("in", "a"), raw("agent", "earlier agent"),
			raw("bot:joined", "x"), raw("botnote", noteJoined+"\n"+joinedNoteTold+"Alice Martin"+joinedNoteEnd)},
			handover.StateAgent, "Alice Martin", true, 0, 0, ""},
		{"assigned from the agent pages after a handover", testConversation(assigned(alice)), []message{raw("in", "human"),
			raw("botnote", handoverNoteText), raw("botnote", noteAssigned+" Agent id 3.")},
			handover.StateAgent, "", false, alice, 0, ""},
		{"an agent-pages note before the handover does not count", testConversation(assigned(alice)), []message{raw("in", "human"),
			raw("botnote", noteAssigned+" Agent id 3."), raw("botnote", handoverNoteText)},
			handover.StateQueued, "", false, 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conv, assignee := a.build(tc.conv, tc.msgs, false)
			if conv.State != tc.state || conv.AgentName != tc.agent || conv.JoinAnnounced != tc.announced || assignee != tc.assignee || conv.BotAnswers != tc.answers {
				t.Fatalf("got state=%s agent=%q announced=%v assignee=%d answers=%d", conv.State, conv.AgentName, conv.JoinAnnounced, assignee, conv.BotAnswers)
			}
			if tc.lastBotPromp != "" || tc.state == handover.StateBot {
				if i := conv.LastBotMessage(); i >= 0 && conv.Messages[i].Prompt != tc.lastBotPromp {
					t.Fatalf("last bot prompt %q, want %q", conv.Messages[i].Prompt, tc.lastBotPromp)
				}
			}
		})
	}
}

func TestBuildSnapshot(t *testing.T) {
	t.Parallel()
	a := testAdapter(t, "http://libredesk.invalid")
	html := raw("agent", "")
	html.TextContent, html.Content = "", "<p>Hello &amp; <b>welcome</b><br>line two</p>"
	conv, _ := a.build(testConversation(), []message{raw("in", "hi"), html}, false)
	if conv.ID != testUUID || conv.Department != "2" || conv.Visitor.Name != "Jane Doe" || conv.Visitor.Email != "jane@example.com" || conv.Channel != "livechat" {
		t.Fatalf("snapshot: %+v", conv)
	}
	if got := conv.Messages[1].Text; got != "Hello & welcome\nline two" {
		t.Fatalf("HTML fallback: %q", got)
	}
	c2 := testConversation(inbox(1))
	a2 := testAdapter(t, "http://libredesk.invalid", func(c *Config) { c.Teams = nil })
	if conv, _ := a2.build(c2, nil, false); conv.Department != "1" {
		t.Fatalf("department without a team: %q", conv.Department)
	}
}

func TestRenderPrompts(t *testing.T) {
	t.Parallel()
	conv := func(texts ...string) *handover.Conversation {
		c := &handover.Conversation{State: handover.StateBot}
		for _, t := range texts {
			c.Messages = append(c.Messages, handover.Message{Role: handover.RoleVisitor, Text: t})
		}
		return c
	}
	human := handover.Outgoing{Text: "Orders ship in 2 days.", Answer: true, Prompt: handover.PromptHuman,
		Buttons: []handover.Button{{Title: "Request chat with human agent", Value: handover.ChoiceRequestHuman}}}
	offer := handover.Outgoing{Text: "No agent is available.", Prompt: handover.PromptOffline,
		Buttons: []handover.Button{{Title: "x", Value: handover.ChoiceOffline}, {Title: "y", Value: handover.ChoiceContinue}}}
	for _, tc := range []struct {
		name     string
		conv     *handover.Conversation
		out      handover.Outgoing
		join     bool
		kind     string
		contains string
	}{
		{"plain answer", conv("how long does shipping take?"), handover.Outgoing{Text: "Two days.", Answer: true}, false, kindAnswer, "Two days."},
		{"english human line", conv("how long does shipping take?"), human, false, kindAnswerHuman, `type "agent"`},
		{"german human line", conv("Wie lange dauert der Versand?", "Und die Rücksendung, bitte?"), human, false, kindAnswerHuman, `"Mitarbeiter"`},
		{"russian human line", conv("Где мой заказ?"), human, false, kindAnswerHuman, `"оператор"`},
		{"english offer", conv("can I talk to a person?"), offer, false, kindOffline, `Type "message"`},
		{"french offer", conv("Je voudrais parler avec un conseiller, merci"), offer, false, kindOffline, `"message" pour laisser`},
		{"email prompt", conv("yes"), handover.Outgoing{Text: "Your email?", Prompt: handover.PromptEmail}, false, kindEmail, "Your email?"},
		{"notice", conv("yes"), handover.Outgoing{Text: "Connecting you."}, false, kindNotice, "Connecting you."},
		{"join", conv("hi"), handover.Outgoing{Text: "Alice joined the chat."}, true, kindJoined, "Alice joined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, kind := render(tc.conv, tc.out, tc.join)
			if kind != tc.kind || !strings.Contains(text, tc.contains) {
				t.Fatalf("render = %q, %q; want kind %q containing %q", text, kind, tc.kind, tc.contains)
			}
			if echoKind(newEchoID(kind)) != kind {
				t.Fatal("echo id round trip")
			}
		})
	}
	// Every language's words (keyword and synonyms) answer the human prompt and the offer,
	// a plain yes and no too.
	hb, ob := humanButtons(), offlineButtons()
	for _, l := range handover.Languages() {
		for _, w := range l.Words(handover.ChoiceRequestHuman) {
			if !hasTitle(hb, w, handover.ChoiceRequestHuman) {
				t.Errorf("%s: %q does not answer the human prompt", l.Code, w)
			}
		}
		for _, v := range []string{handover.ChoiceOffline, handover.ChoiceContinue} {
			for _, w := range l.Words(v) {
				if !hasTitle(ob, w, v) {
					t.Errorf("%s: %q does not answer the offer with %s", l.Code, w, v)
				}
			}
		}
	}
	for _, w := range []string{"human", "mensch", "humain"} {
		if !hasTitle(hb, w, handover.ChoiceRequestHuman) {
			t.Errorf("the former word %q no longer answers the human prompt", w)
		}
	}
	if !hasTitle(ob, "yes", handover.ChoiceOffline) || !hasTitle(ob, "nein", handover.ChoiceContinue) {
		t.Error("yes / no no longer answer the offer")
	}
	if echoKind("a91f0c") != "" || echoKind("") != "" {
		t.Fatal("a foreign echo_id has no kind")
	}
}

func hasTitle(bs []handover.Button, title, value string) bool {
	for _, b := range bs {
		if strings.EqualFold(b.Title, title) {
			return b.Value == value
		}
	}
	return false
}

func TestToHTML(t *testing.T) {
	t.Parallel()
	got := toHTML("a <b> & \"c\"\nline\n\nnext")
	want := "<p>a &lt;b&gt; &amp; &quot;c&quot;<br>line</p><p>next</p>"
	if got != want {
		t.Fatalf("toHTML = %q, want %q", got, want)
	}
	if back := helptext.Lines(got); back != "a <b> & \"c\"\nline\nnext" {
		t.Fatalf("round trip %q", back)
	}
}
