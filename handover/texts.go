package handover

import "strings"

// Texts are the visitor-facing notices the engine posts. Bot answers come
// from the Bot; these are the fixed lines of the handover flow.
type Texts struct {
	HumanButton     string // "Request chat with human agent"
	OfflineButton   string // "Stop chatbot and leave offline message"
	ContinueButton  string // "Continue with the bot"
	Connecting      string // a human agent will join
	NoAgent         string // nobody available; offer the offline message
	AskEmail        string // ask for an email address
	OfflineReceived string // %s = email: the offline message is filed
	Continue        string // after "Continue with the bot"
	Apology         string // prefix when the bot failed
	AgentJoined     string // %s = agent name
	// AskMessage opens the email question when the visitor has not yet said what the
	// offline message is about.
	AskMessage string
	// EmailAgain opens the email question again when the visitor wrote without an address.
	EmailAgain string
	// WaitTimeout offers the offline message to a visitor nobody took within
	// HANDOVER_HUMAN_WAIT_TIMEOUT; WaitButton keeps waiting, KeepWaiting confirms it.
	WaitTimeout string
	WaitButton  string
	KeepWaiting string
}

// DefaultTexts returns the built-in English texts.
func DefaultTexts() Texts {
	return Texts{
		HumanButton:     "Request chat with human agent",
		OfflineButton:   "Stop chatbot and leave offline message",
		ContinueButton:  "Continue with the bot",
		Connecting:      "I'm handing you over to a human agent. Please stay in this chat: an agent will join you shortly.",
		NoAgent:         "No agent is available right now. You can leave an offline message and we will get back to you, or keep chatting with me.",
		AskEmail:        "Please enter your email address so that an agent can get back to you.",
		OfflineReceived: "Thank you! Your message has been passed on to our team. We will reply to %s as soon as an agent is available.",
		Continue:        "Sure, I'm still here. What else can I help you with?",
		Apology:         "Sorry, I can't answer that right now.",
		AgentJoined:     "%s joined the chat.",
		AskMessage:      "What would you like our team to know?",
		EmailAgain:      "I have noted your message, but I need an email address to pass it on.",
		WaitTimeout:     "No agent has been free to take your chat yet. You can leave a message and we will get back to you by email, or keep waiting.",
		WaitButton:      "Keep waiting",
		KeepWaiting:     "Alright, you stay in the queue: an agent will join as soon as one is free.",
	}
}

// withDefaults fills empty fields from DefaultTexts.
func (t Texts) withDefaults() Texts {
	d := DefaultTexts()
	fill := func(v *string, def string) {
		if strings.TrimSpace(*v) == "" {
			*v = def
		}
	}
	fill(&t.HumanButton, d.HumanButton)
	fill(&t.OfflineButton, d.OfflineButton)
	fill(&t.ContinueButton, d.ContinueButton)
	fill(&t.Connecting, d.Connecting)
	fill(&t.NoAgent, d.NoAgent)
	fill(&t.AskEmail, d.AskEmail)
	fill(&t.OfflineReceived, d.OfflineReceived)
	fill(&t.Continue, d.Continue)
	fill(&t.Apology, d.Apology)
	fill(&t.AgentJoined, d.AgentJoined)
	fill(&t.AskMessage, d.AskMessage)
	fill(&t.EmailAgain, d.EmailAgain)
	fill(&t.WaitTimeout, d.WaitTimeout)
	fill(&t.WaitButton, d.WaitButton)
	fill(&t.KeepWaiting, d.KeepWaiting)
	return t
}

// IsNotice reports whether text is one of the engine's own notices (in any
// of the built-in languages, or in extra, e.g. an adapter's configured
// texts) rather than a bot answer: the handover, offline, email, continue
// and agent-joined lines, with or without the apology before them. Adapters
// whose helpdesk cannot carry a marker on a message use it to count the
// bot's answers from the messages alone.
func IsNotice(text string, extra ...Texts) bool {
	t := strings.TrimSpace(text)
	if t == "" {
		return false
	}
	if endsWithNotice(t, func(tx Texts) []string {
		return []string{tx.Connecting, tx.NoAgent, tx.AskEmail, tx.Continue, tx.WaitTimeout, tx.KeepWaiting}
	}, extra...) {
		return true
	}
	return formattedNotice(t, func(tx Texts) []string { return []string{tx.OfflineReceived, tx.AgentJoined} }, extra...)
}

// IsJoinNotice reports the engine's "<agent> joined the chat." notice (Texts.AgentJoined) in a
// built-in language or in extra.
func IsJoinNotice(text string, extra ...Texts) bool {
	return formattedNotice(strings.TrimSpace(text), func(tx Texts) []string { return []string{tx.AgentJoined} }, extra...)
}

// AsksEmail reports the engine's question for an email address (Texts.AskEmail, whatever
// stands before it) in a built-in language or in extra.
func AsksEmail(text string, extra ...Texts) bool {
	return endsWithNotice(text, func(tx Texts) []string { return []string{tx.AskEmail} }, extra...)
}

// formattedNotice reports whether t is one of the notices pick returns, whose %s (if any)
// stands for a name or an address, in a built-in language or in extra.
func formattedNotice(t string, pick func(Texts) []string, extra ...Texts) bool {
	if t == "" {
		return false
	}
	check := func(tx Texts) bool {
		for _, f := range pick(tx) {
			before, after, ok := strings.Cut(f, "%s")
			if !ok {
				if f != "" && t == f {
					return true
				}
				continue
			}
			if (before != "" || after != "") && strings.HasPrefix(t, before) && strings.HasSuffix(t, after) && len(t) > len(before)+len(after) {
				return true
			}
		}
		return false
	}
	for _, tx := range builtinNotices {
		if check(tx) {
			return true
		}
	}
	for _, tx := range extra {
		if check(tx) {
			return true
		}
	}
	return false
}

// builtinNotices are every built-in language's texts, completed once: the
// adapters call IsNotice for each bot message of every turn.
var builtinNotices = func() []Texts {
	out := make([]Texts, 0, len(languages))
	for _, l := range languages {
		out = append(out, l.Texts.withDefaults())
	}
	return out
}()

// endsWithNotice reports whether text ends with one of the notices pick returns, in a built-in
// language or in extra (an apology, or nothing, may stand before it).
func endsWithNotice(text string, pick func(Texts) []string, extra ...Texts) bool {
	t := strings.TrimSpace(text)
	if t == "" {
		return false
	}
	for _, set := range [][]Texts{builtinNotices, extra} {
		for _, tx := range set {
			for _, n := range pick(tx) {
				if n != "" && strings.HasSuffix(t, n) {
					return true
				}
			}
		}
	}
	return false
}
