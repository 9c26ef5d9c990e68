package chatwoot

import (
	"context"
	"fmt"
	"net/http"

	"github.com/handover-dev/handover/handover"
)

var (
	_ handover.WaitWatcher = (*Adapter)(nil)
	_ handover.HandBacker  = (*Adapter)(nil)
)

// QueuedConversations lists, with the user token, the open conversations that may be waiting
// for a person since the bot handed them over (an agent auto-assignment chose may not have
// written yet), for the reconciler's wait check (HANDOVER_HUMAN_WAIT_TIMEOUT). It implements
// handover.WaitWatcher.
//
// API: GET /api/v1/accounts/{a}/conversations?status=open&assignee_type=all&page=N
// (ConversationFinder, app/finders/conversation_finder.rb: 25 a page), the newest pages and a
// moving window of older ones as for BotConversations (a chat waiting longest sinks furthest
// behind the conversations agents work in). The listing's
// last_non_activity_message keeps the reads down: a conversation is kept when its newest
// message is the bot's public notice without buttons (the handover notice or "keep waiting":
// the visitor has not written since), or a visitor's message in a conversation that carries
// handover's mark or sits in the team its inbox maps to (Config.Teams) or in an inbox where
// the bot left such a notice. One an agent took over (handover's agent_joined mark), or whose
// newest message is an agent's, a note or a bot prompt (the offer is made: the answer comes
// by webhook), is left out.
func (a *Adapter) QueuedConversations(ctx context.Context) ([]string, error) {
	var listed []listedConversation
	err := a.waitList.Numbered(ctx, func(ctx context.Context, page int) (bool, error) {
		cs, more, err := a.listPage(ctx, statusOpen, page)
		listed = append(listed, cs...)
		return more, err
	})
	if err != nil {
		return nil, err
	}
	botInboxes := map[string]bool{}
	for i := range listed {
		if waitNotice(listed[i].LastNonActivity) {
			botInboxes[string(listed[i].InboxID)] = true
		}
	}
	var ids []string
	for i := range listed {
		c := &listed[i]
		if c.attr(AttrState) == stateAgentJoined {
			continue // an agent took it over
		}
		m := c.LastNonActivity
		switch {
		case waitNotice(m):
			ids = append(ids, string(c.ID))
		case m != nil && m.MessageType == msgIncoming && a.maybeHandedOver(&c.conversation, botInboxes):
			ids = append(ids, string(c.ID))
		}
	}
	return ids, nil
}

// waitNotice reports a public text message of the bot's without buttons or a form: what the
// bot posts when it hands over or when the visitor chose to keep waiting.
func waitNotice(m *message) bool {
	if m == nil || m.Sender == nil || m.MessageType != msgOutgoing || bool(m.Private) {
		return false
	}
	if t := string(m.Sender.Type); t != senderAgentBot && t != senderCaptain {
		return false
	}
	ct := string(m.ContentType)
	return ct == "" || ct == "text"
}

// handBackNote is the private note an assigned agent gets when the visitor calls the wait off.
const handBackNote = "Given back to the bot: the visitor no longer waits for an agent."

// HandBack gives a conversation waiting for a person back to the bot: an agent that
// auto-assignment gave it to (who has not written: the conversation is still queued) gets a
// note saying why and is unassigned first, then toggle_status "pending" with the bot token, the status Chatwoot
// keeps for a bot's conversations (Load then derives StateBot: no agent assigned and none
// wrote). The team stays; the handover note stays for the agents' record, and the bot's next
// public message ends it, so a later handover writes a new one. It implements
// handover.HandBacker: one call, three with an assignee; repeating it is harmless, and a crash
// in between leaves the chat queued, where the retried turn does it again.
//
// API: POST /api/v1/accounts/{a}/conversations/{id}/assignments {"assignee_id":null}
// (AssignmentsController#create: an unknown or null id unassigns) and .../toggle_status
// {"status":"pending"} (Conversations::ToggleStatus).
func (a *Adapter) HandBack(ctx context.Context, conv *handover.Conversation) error {
	s, err := a.source(ctx, conv)
	if err != nil {
		return fmt.Errorf("chatwoot: hand conversation %s back to the bot: %w", conv.ID, err)
	}
	if as := s.conv.humanAssignee(); as != nil {
		// The agent it was given to has not written (else it would not be waiting): they are
		// told why it leaves their list.
		if err := a.note(ctx, conv.ID, handBackNote); err != nil {
			return fmt.Errorf("chatwoot: hand conversation %s back to the bot: %w", conv.ID, err)
		}
		if err := a.call(ctx, idempotentRequest, botToken, http.MethodPost, "/conversations/"+conv.ID+"/assignments", map[string]any{"assignee_id": nil}, nil); err != nil {
			return fmt.Errorf("chatwoot: hand conversation %s back to the bot: unassign: %w", conv.ID, err)
		}
	}
	body := map[string]string{"status": statusPending}
	if err := a.call(ctx, idempotentRequest, botToken, http.MethodPost, "/conversations/"+conv.ID+"/toggle_status", body, nil); err != nil {
		return fmt.Errorf("chatwoot: hand conversation %s back to the bot: %w", conv.ID, err)
	}
	return nil
}
