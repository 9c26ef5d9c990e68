package zendesk

import (
	"context"
	"fmt"
	"net/http"

	"github.com/handover-dev/handover/handover"
)

var _ handover.Typer = (*Adapter)(nil)

// activity is the body of Post Activity (activityPost in the Sunshine Conversations OpenAPI).
type activity struct {
	Author map[string]string `json:"author"`
	Type   string            `json:"type"` // typing:start, typing:stop (conversation:read unused)
}

// Typing turns the business's typing indicator on or off in the conversation (the engine
// calls it with HANDOVER_TYPING_INDICATOR): POST /sc/v2/apps/{app}/conversations/{id}/activity
// {author:{type:"business", displayName: the bot's name}, type:"typing:start"|"typing:stop"}
// with the integration key (Post Activity, SPEC; a user author may only send
// conversation:read). The business's next message ends it. Sunshine sends a
// conversation:typing webhook only to integrations subscribed to that trigger, which handover's
// is not (§0), and Parse ignores it anyway (§2), so the call starts no turn.
// API docs: https://developer.zendesk.com/api-reference/conversations/#tag/Activities
func (a *Adapter) Typing(ctx context.Context, conv *handover.Conversation, on bool) error {
	id := conv.ID
	if !validConversationID(id) {
		return fmt.Errorf("zendesk: typing in conversation %q: not a Sunshine id: %w", id, handover.ErrPermanent)
	}
	typ := "typing:stop"
	if on {
		typ = "typing:start"
	}
	body := activity{Author: map[string]string{"type": "business", "displayName": a.cfg.BotName}, Type: typ}
	err := a.call(ctx, request{api: sunshineAPI, kind: idempotentRequest, method: http.MethodPost, path: a.appPath("/conversations/%s/activity", id), in: body})
	if err != nil {
		return fmt.Errorf("zendesk: %s in conversation %s: %w", typ, id, err)
	}
	return nil
}
