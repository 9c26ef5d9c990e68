package chatwoot

// Contract test: the adapter against the simulated Chatwoot (adapters/sim),
// an independent reading of Chatwoot's API, over real HTTP, including the
// webhooks the simulator really sends.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sim "github.com/handover-dev/handover/adapters/sim/chatwoot"
	"github.com/handover-dev/handover/handover"
)

// hook is one webhook delivery as the simulator sent it.
type hook struct {
	Path   string
	Header http.Header
	Body   []byte
}

// hookRecorder stands in for handover's webhook endpoint.
type hookRecorder struct {
	mu    sync.Mutex
	hooks []hook
}

func (rec *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.hooks = append(rec.hooks, hook{Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	rec.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (rec *hookRecorder) all() []hook {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]hook(nil), rec.hooks...)
}

// events verifies and parses every delivery so far and returns the events
// for conversation convID.
func (rec *hookRecorder) events(t *testing.T, a *Adapter, convID int) []handover.Event {
	t.Helper()
	var out []handover.Event
	for _, h := range rec.all() {
		if err := a.Authenticate(h.Header, pathSecretOf(h.Path), h.Body, time.Now()); err != nil {
			t.Fatalf("delivery %s does not authenticate: %v", h.Header.Get(HeaderDelivery), err)
		}
		evs, err := a.Parse(h.Body)
		if err != nil {
			t.Fatalf("Parse(%s): %v", h.Body, err)
		}
		for _, ev := range evs {
			if ev.ConversationID == strconv.Itoa(convID) {
				out = append(out, ev)
			}
		}
	}
	return out
}

func pathSecretOf(p string) string {
	rest, ok := strings.CutPrefix(p, "/webhooks/chatwoot/")
	if !ok {
		return ""
	}
	return rest
}

func findEvent(evs []handover.Event, kind handover.EventKind, pred func(handover.Event) bool) (handover.Event, bool) {
	for _, ev := range evs {
		if ev.Kind == kind && (pred == nil || pred(ev)) {
			return ev, true
		}
	}
	return handover.Event{}, false
}

type contractEnv struct {
	sim  *sim.Server
	demo sim.Demo
	rec  *hookRecorder
	a    *Adapter
}

const (
	simAccount = 3
	simBot     = "sim-bot-token-7Hk2"
	simUser    = "sim-user-token-Qp90"
	simSecret  = "sim-webhook-secret-Lm33"
)

func newContractEnv(t *testing.T, unsigned bool) *contractEnv {
	t.Helper()
	s := sim.New(sim.Options{
		AccountID: simAccount, BotToken: simBot, UserToken: simUser, WebhookSecret: simSecret,
		Unsigned: unsigned, RetryWait: 10 * time.Millisecond,
	})
	api := httptest.NewServer(s.Handler())
	rec := &hookRecorder{}
	hooks := httptest.NewServer(rec)
	t.Cleanup(func() {
		s.Close()
		api.Close()
		hooks.Close()
	})
	s.SetWebhookURL(hooks.URL + "/webhooks/chatwoot/" + simSecret)
	demo := s.SeedDemo()
	a, err := New(Config{
		BaseURL: api.URL, AccountID: simAccount, BotToken: simBot, UserToken: simUser, WebhookSecret: simSecret,
		Teams: map[int]int{demo.InboxID: demo.TeamID}, RetryWaitMax: 50 * time.Millisecond, HTTPTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &contractEnv{sim: s, demo: demo, rec: rec, a: a}
}

func (e *contractEnv) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := e.sim.WaitIdle(ctx); err != nil {
		t.Fatalf("sim.WaitIdle: %v", err)
	}
}

func (e *contractEnv) view(t *testing.T, convID int) sim.ConversationView {
	t.Helper()
	v, ok := e.sim.Conversation(convID)
	if !ok {
		t.Fatalf("sim has no conversation %d", convID)
	}
	return v
}

func (e *contractEnv) load(t *testing.T, convID int) *handover.Conversation {
	t.Helper()
	conv, err := e.a.Load(t.Context(), strconv.Itoa(convID))
	if err != nil {
		t.Fatalf("Load(%d): %v", convID, err)
	}
	return conv
}

func lastView(t *testing.T, v sim.ConversationView) sim.MessageView {
	t.Helper()
	if len(v.Messages) == 0 {
		t.Fatal("no messages")
	}
	return v.Messages[len(v.Messages)-1]
}

// TestContractHandover walks one conversation through the bot, the human
// button, a handover to the team, an agent's reply and the join notice.
func TestContractHandover(t *testing.T) {
	t.Parallel()
	e := newContractEnv(t, false)
	ctx := t.Context()

	convID, msgID, err := e.sim.VisitorSend(ctx, e.demo.InboxID, "quiet-sun-42", "Hi, where is my order?")
	if err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	ev, ok := findEvent(e.rec.events(t, e.a, convID), handover.EventVisitorMessage, nil)
	if !ok || ev.MessageID != strconv.Itoa(msgID) || ev.DedupKey != "message_created:"+strconv.Itoa(msgID) {
		t.Fatalf("visitor message event = %+v (found %v)", ev, ok)
	}
	conv := e.load(t, convID)
	if conv.State != handover.StateBot || conv.BotAnswers != 0 || conv.Department != "team:"+strconv.Itoa(e.demo.TeamID) {
		t.Fatalf("new conversation: state %s answers %d department %s", conv.State, conv.BotAnswers, conv.Department)
	}
	if conv.Visitor.Name != "quiet-sun-42" || len(conv.PendingVisitorMessages()) != 1 {
		t.Fatalf("visitor %+v, pending %+v", conv.Visitor, conv.PendingVisitorMessages())
	}

	// A bot answer: posted as the agent bot and counted.
	if err := e.a.Post(ctx, conv, handover.Outgoing{Text: "It ships tomorrow.", Answer: true}); err != nil {
		t.Fatal(err)
	}
	v := e.view(t, convID)
	if m := lastView(t, v); m.Type != "outgoing" || m.SenderType != "agent_bot" || m.Private || m.Content != "It ships tomorrow." {
		t.Fatalf("answer in the sim: %+v", m)
	}
	if len(v.CustomAttributes) != 0 {
		t.Fatalf("an answer wrote custom attributes: %v", v.CustomAttributes)
	}
	if conv = e.load(t, convID); conv.BotAnswers != 1 {
		t.Fatalf("answers after one answer = %d", conv.BotAnswers)
	}

	// A notice does not count.
	if err := e.a.Post(ctx, conv, handover.Outgoing{Text: handover.DefaultTexts().Continue}); err != nil {
		t.Fatal(err)
	}
	// An answer with the human button: an input_select in the sim, a
	// PromptHuman on Load, and an answer.
	buttons := []handover.Button{{Title: "Request chat with human agent", Value: handover.ChoiceRequestHuman}}
	if err := e.a.Post(ctx, conv, handover.Outgoing{Text: "It left the warehouse.", Prompt: handover.PromptHuman, Buttons: buttons, Answer: true}); err != nil {
		t.Fatal(err)
	}
	v = e.view(t, convID)
	btn := lastView(t, v)
	if btn.ContentType != "input_select" {
		t.Fatalf("buttons posted as %q", btn.ContentType)
	}
	items, _ := json.Marshal(btn.ContentAttributes["items"])
	if string(items) != `[{"title":"Request chat with human agent","value":"handover_request"}]` {
		t.Fatalf("items = %s", items)
	}
	conv = e.load(t, convID)
	if i := conv.LastBotMessage(); i < 0 || conv.Messages[i].Prompt != handover.PromptHuman || conv.BotAnswers != 2 {
		t.Fatalf("after buttons: last bot message %d, answers %d", i, conv.BotAnswers)
	}

	// The click comes back as message_updated on the bot's message.
	if err := e.sim.VisitorClick(ctx, convID, btn.ID, handover.ChoiceRequestHuman); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	ev, ok = findEvent(e.rec.events(t, e.a, convID), handover.EventChoice, nil)
	if !ok || ev.MessageID != strconv.Itoa(btn.ID) || ev.Choice != handover.ChoiceRequestHuman || ev.DedupKey != "click:"+strconv.Itoa(btn.ID) {
		t.Fatalf("click event = %+v (found %v)", ev, ok)
	}
	conv = e.load(t, convID)
	if m, _ := conv.Message(strconv.Itoa(btn.ID)); m.Choice != handover.ChoiceRequestHuman {
		t.Fatalf("Load does not show the click: %+v", m)
	}

	// The bot's own messages reach the webhook and are ignored.
	for _, ev := range e.rec.events(t, e.a, convID) {
		if ev.Kind == handover.EventAgentActivity {
			t.Fatalf("the bot's own message became %+v", ev)
		}
	}

	// Availability follows the team's members.
	e.sim.SetAvailability(e.demo.AliceID, "offline")
	e.sim.SetAvailability(e.demo.BobID, "busy")
	if got, err := e.a.Available(ctx, conv); err != nil || got {
		t.Fatalf("Available with nobody online = %v, %v", got, err)
	}
	e.sim.SetAvailability(e.demo.AliceID, "online")
	if got, err := e.a.Available(ctx, conv); err != nil || !got {
		t.Fatalf("Available with Alice online = %v, %v", got, err)
	}

	// Hand over: note, team, open through the bot's handoff.
	e.sim.ResetCalls()
	h := handover.Handoff{Reason: handover.ReasonButton, Summary: "Asks where order A-17 is."}
	if err := e.a.HandToHuman(ctx, conv, h); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	v = e.view(t, convID)
	if v.Status != "open" || v.TeamID != e.demo.TeamID || v.BotHandoffs != 1 {
		t.Fatalf("after HandToHuman: status %s team %d handoffs %d", v.Status, v.TeamID, v.BotHandoffs)
	}
	var note *sim.MessageView
	for i := range v.Messages {
		if v.Messages[i].Private && v.Messages[i].SenderType == "agent_bot" {
			note = &v.Messages[i]
		}
	}
	if note == nil || !strings.Contains(note.Content, handover.ReasonButton.Describe()) || !strings.Contains(note.Content, "order A-17") {
		t.Fatalf("handover note = %+v", note)
	}
	for _, c := range e.sim.Calls() {
		if strings.HasSuffix(c.Path, "/toggle_status") && c.Token != "bot" {
			t.Fatalf("toggle_status with the %s token", c.Token)
		}
		if strings.HasSuffix(c.Path, "/custom_attributes") || strings.HasSuffix(c.Path, "/messages") && c.Method == http.MethodPost {
			if c.Token != "bot" {
				t.Fatalf("%s %s with the %s token", c.Method, c.Path, c.Token)
			}
		}
	}
	if len(v.CustomAttributes) != 0 || !strings.HasPrefix(note.Content, headingHandover) {
		t.Fatalf("after handover: custom attributes %v, note %q", v.CustomAttributes, note.Content)
	}
	if conv = e.load(t, convID); conv.State != handover.StateQueued {
		t.Fatalf("after HandToHuman Load state = %s (assignee %d)", conv.State, v.AssigneeID)
	}
	// Chatwoot's auto-assignment may give the conversation to Alice on open
	// (a conversation_updated event): she has not joined until she writes.
	if v.AssigneeID != 0 && conv.State != handover.StateQueued {
		t.Fatalf("auto-assigned conversation is %s, want queued", conv.State)
	}

	// The agent answers: an agent-activity event, and Load sees the agent.
	if _, err := e.sim.AgentReply(ctx, convID, e.demo.AliceID, "Hi, Alice here.", false); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	if ev, ok = findEvent(e.rec.events(t, e.a, convID), handover.EventAgentActivity, func(ev handover.Event) bool {
		return strings.HasPrefix(ev.DedupKey, "message_created:")
	}); !ok || ev.AgentName != "Alice" {
		t.Fatalf("agent reply event = %+v (found %v)", ev, ok)
	}
	conv = e.load(t, convID)
	if conv.State != handover.StateAgent || conv.JoinAnnounced || conv.AgentName != "Alice" {
		t.Fatalf("after the agent's reply: %s %v %q", conv.State, conv.JoinAnnounced, conv.AgentName)
	}
	if err := e.a.MarkAgentJoined(ctx, conv, "Alice"); err != nil {
		t.Fatal(err)
	}
	conv = e.load(t, convID)
	if conv.State != handover.StateAgent || !conv.JoinAnnounced || conv.AgentName != "Alice" {
		t.Fatalf("after MarkAgentJoined: %s %v %q", conv.State, conv.JoinAnnounced, conv.AgentName)
	}
	if v = e.view(t, convID); v.CustomAttributes[AttrState] != "agent_joined" || v.CustomAttributes[AttrAgent] != "Alice" {
		t.Fatalf("custom attributes after the takeover: %v", v.CustomAttributes)
	}
}

// TestContractOffline: nobody available, the visitor leaves an email, the
// conversation becomes an offline message.
func TestContractOffline(t *testing.T) {
	t.Parallel()
	e := newContractEnv(t, false)
	ctx := t.Context()
	e.sim.SetAvailability(e.demo.AliceID, "offline")
	convID, _, err := e.sim.VisitorSend(ctx, e.demo.InboxID, "calm-river-7", "I need help with an invoice")
	if err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	conv := e.load(t, convID)
	if got, err := e.a.Available(ctx, conv); err != nil || got {
		t.Fatalf("Available = %v, %v; want false", got, err)
	}
	if err := e.a.Post(ctx, conv, handover.Outgoing{Text: "Your email?", Prompt: handover.PromptEmail}); err != nil {
		t.Fatal(err)
	}
	ask := lastView(t, e.view(t, convID))
	if ask.ContentType != "input_email" {
		t.Fatalf("email prompt posted as %q", ask.ContentType)
	}
	if err := e.sim.VisitorSubmitEmail(ctx, convID, ask.ID, "calm@example.com"); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	ev, ok := findEvent(e.rec.events(t, e.a, convID), handover.EventChoice, nil)
	if !ok || ev.Email != "calm@example.com" || ev.MessageID != strconv.Itoa(ask.ID) {
		t.Fatalf("email event = %+v (found %v)", ev, ok)
	}
	conv = e.load(t, convID)
	if m, _ := conv.Message(strconv.Itoa(ask.ID)); m.Prompt != handover.PromptEmail || m.SubmittedEmail != "calm@example.com" {
		t.Fatalf("Load does not show the email: %+v", m)
	}

	h := handover.Handoff{Reason: handover.ReasonRequest, Summary: "Invoice question.", Email: "calm@example.com", Transcript: conv.Transcript()}
	if err := e.a.LeaveOffline(ctx, conv, h); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	v := e.view(t, convID)
	if v.Status != "open" || v.AssigneeID != 0 || len(v.CustomAttributes) != 0 {
		t.Fatalf("after LeaveOffline: status %s assignee %d attrs %v", v.Status, v.AssigneeID, v.CustomAttributes)
	}
	hasLabel := false
	for _, l := range v.Labels {
		hasLabel = hasLabel || l == LabelOffline
	}
	if !hasLabel {
		t.Fatalf("labels = %q", v.Labels)
	}
	var note sim.MessageView
	for _, m := range v.Messages {
		if m.Private && m.SenderType == "agent_bot" {
			note = m
		}
	}
	if !note.Private || !strings.Contains(note.Content, "calm@example.com") || !strings.Contains(note.Content, "I need help with an invoice") {
		t.Fatalf("offline note = %+v", note)
	}
	if conv = e.load(t, convID); conv.State != handover.StateOffline {
		t.Fatalf("Load state = %s, want offline", conv.State)
	}
}

// TestContractTakeover: an agent steps into a pending bot conversation.
func TestContractTakeover(t *testing.T) {
	t.Parallel()
	e := newContractEnv(t, false)
	ctx := t.Context()
	convID, _, err := e.sim.VisitorSend(ctx, e.demo.InboxID, "bright-leaf-3", "hello")
	if err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	if conv := e.load(t, convID); conv.State != handover.StateBot {
		t.Fatalf("state %s", conv.State)
	}
	// A private note by an agent does not take the conversation.
	if _, err := e.sim.AgentReply(ctx, convID, e.demo.BobID, "watching this one", true); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	if conv := e.load(t, convID); conv.State != handover.StateBot {
		t.Fatalf("after a private note: state %s", conv.State)
	}
	if _, ok := findEvent(e.rec.events(t, e.a, convID), handover.EventAgentActivity, nil); ok {
		t.Fatal("a private note became agent activity")
	}
	// Assigning a human does.
	if err := e.sim.AgentAssign(ctx, convID, e.demo.BobID); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	ev, ok := findEvent(e.rec.events(t, e.a, convID), handover.EventAgentActivity, nil)
	if !ok || ev.AgentName != "Bob" || !strings.HasSuffix(ev.DedupKey, ":assignee:"+strconv.Itoa(e.demo.BobID)) {
		t.Fatalf("assignment event = %+v (found %v)", ev, ok)
	}
	conv := e.load(t, convID)
	if conv.State != handover.StateAgent || conv.AgentName != "Bob" || conv.JoinAnnounced {
		t.Fatalf("after assignment: %s %q %v", conv.State, conv.AgentName, conv.JoinAnnounced)
	}
	// A visitor message to a conversation a human holds yields no bot event.
	if _, _, err := e.sim.VisitorSend(ctx, e.demo.InboxID, "bright-leaf-3", "still there?"); err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	n := 0
	for _, ev := range e.rec.events(t, e.a, convID) {
		if ev.Kind == handover.EventVisitorMessage {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d visitor-message events, want 1 (the second came while a human held it)", n)
	}
	if err := e.a.MarkAgentJoined(ctx, conv, "Bob"); err != nil {
		t.Fatal(err)
	}
	v := e.view(t, convID)
	if v.Status != "open" || v.BotHandoffs != 1 {
		t.Fatalf("MarkAgentJoined on pending: status %s handoffs %d", v.Status, v.BotHandoffs)
	}
	if conv = e.load(t, convID); conv.State != handover.StateAgent || !conv.JoinAnnounced {
		t.Fatalf("after MarkAgentJoined: %+v", conv)
	}
}

// TestContractUnsigned: Chatwoot <= 4.12 signs nothing; the secret in the
// webhook URL authenticates, and nothing else does.
func TestContractUnsigned(t *testing.T) {
	t.Parallel()
	e := newContractEnv(t, true)
	convID, _, err := e.sim.VisitorSend(t.Context(), e.demo.InboxID, "old-version", "hi")
	if err != nil {
		t.Fatal(err)
	}
	e.idle(t)
	if _, ok := findEvent(e.rec.events(t, e.a, convID), handover.EventVisitorMessage, nil); !ok {
		t.Fatal("no visitor event from an unsigned delivery")
	}
	for _, h := range e.rec.all() {
		if h.Header.Get(HeaderSignature) != "" {
			t.Fatal("unsigned sim sent a signature")
		}
		if err := e.a.Authenticate(h.Header, "wrong", h.Body, time.Now()); err == nil {
			t.Fatal("a wrong path secret authenticated")
		}
	}
}

func TestContractNotFound(t *testing.T) {
	t.Parallel()
	e := newContractEnv(t, false)
	if _, err := e.a.Load(t.Context(), "9999"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("Load(9999) = %v", err)
	} else if !errorsIsNotFound(err) {
		t.Fatalf("Load(9999) does not wrap ErrNotFound: %v", err)
	}
}

// anyText renders a decoded JSON scalar as text.
func anyText(v any) string {
	var s flexString
	b, _ := json.Marshal(v)
	_ = s.UnmarshalJSON(b)
	return string(s)
}

func errorsIsNotFound(err error) bool { return errors.Is(err, handover.ErrNotFound) }
