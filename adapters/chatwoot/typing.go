package chatwoot

import (
	"context"
	"fmt"
	"net/http"

	"github.com/handover-dev/handover/handover"
)

var _ handover.Typer = (*Adapter)(nil)

// typingStatus is the body of toggle_typing_status.
type typingStatus struct {
	TypingStatus string `json:"typing_status"` // "on" or "off"
}

// Typing turns the agent bot's typing indicator on or off in the conversation (the engine
// calls it with HANDOVER_TYPING_INDICATOR): POST /conversations/{id}/toggle_typing_status
// {typing_status: "on"|"off"} with the bot token, answered 200 with no body
// (ConversationsController#toggle_typing_status, Conversations::TypingStatusManager). Chatwoot
// broadcasts conversation.typing_on/off to the widget and the dashboard as the bot; it sends
// no webhook to bots, so the call starts no turn. The bot's next public message ends the
// indicator on the widget.
//
// A bot token may call it since chatwoot/chatwoot PR #13705 (merged 2026-03-05, added to
// BOT_ACCESSIBLE_ENDPOINTS); older releases answer 401 "Access to this endpoint is not
// authorized for bots". The administrator's token is not used instead: the indicator would
// then show that user typing. docs/helpdesks/chatwoot.md §3.
func (a *Adapter) Typing(ctx context.Context, conv *handover.Conversation, on bool) error {
	id := conv.ID
	if !validID(id) {
		return fmt.Errorf("chatwoot: typing in conversation %q: not a display id: %w", id, handover.ErrPermanent)
	}
	status := "off"
	if on {
		status = "on"
	}
	if err := a.call(ctx, idempotentRequest, botToken, http.MethodPost, "/conversations/"+id+"/toggle_typing_status", typingStatus{TypingStatus: status}, nil); err != nil {
		return fmt.Errorf("chatwoot: typing %s in conversation %s: %w", status, id, err)
	}
	return nil
}
