package chatwoot

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

// maxListPages bounds one listing (25 conversations a page).
const maxListPages = 40

// BotConversations lists the pending conversations (the ones a webhook bot
// owns) with the user token, for the reconciler. It implements
// handover.Lister. A conversation whose newest message (the listing's
// last_non_activity_message) is the bot's own, with nothing submitted on
// it, waits for nobody: it is left out, so the reconciler costs no read for
// the many idle conversations the bot already answered.
//
// API: GET /api/v1/accounts/{a}/conversations?status=pending&page=N
// (ConversationFinder, app/finders/conversation_finder.rb: 25 a page;
// response app/views/api/v1/accounts/conversations/index.json.jbuilder,
// {data:{meta, payload:[...]}}).
func (a *Adapter) BotConversations(ctx context.Context) ([]string, error) {
	var ids []string
	for page := 1; page <= maxListPages; page++ {
		var resp struct {
			Data struct {
				Payload []listedConversation `json:"payload"`
			} `json:"data"`
		}
		path := "/conversations?status=pending&assignee_type=all&page=" + strconv.Itoa(page)
		if err := a.call(ctx, idempotentRequest, userToken, http.MethodGet, path, nil, &resp); err != nil {
			return ids, fmt.Errorf("chatwoot: list pending conversations: %w", err)
		}
		for _, c := range resp.Data.Payload {
			if c.humanAssignee() == nil && !c.answered() {
				ids = append(ids, string(c.ID))
			}
		}
		if len(resp.Data.Payload) < 25 {
			break
		}
	}
	return ids, nil
}

// answered reports whether the newest message is the bot's, public, with no
// click or email submitted on it.
func (c *listedConversation) answered() bool {
	m := c.LastNonActivity
	if m == nil || m.Sender == nil || m.MessageType != msgOutgoing || bool(m.Private) {
		return false
	}
	if t := string(m.Sender.Type); t != senderAgentBot && t != senderCaptain {
		return false
	}
	return len(m.ContentAttributes.SubmittedValues) == 0 && string(m.ContentAttributes.SubmittedEmail) == ""
}
