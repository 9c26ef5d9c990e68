package chatwoot

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

// listPageSize is ConversationFinder's page; maxListPages bounds the agent pages' listing.
const (
	listPageSize = 25
	maxListPages = 40
)

// The reconciler's listing reads at most newestListPages+olderListPages pages a pass (25
// conversations a page, newest activity first) as an apiclient.Sweep: the newest pages every
// time and a moving window of older ones.
const (
	newestListPages = 20
	olderListPages  = 20
)

// BotConversations lists the pending conversations (the ones a webhook bot
// owns) with the user token, for the reconciler. It implements
// handover.Lister. A conversation whose newest message (the listing's
// last_non_activity_message) is the bot's own, with nothing submitted on
// it, waits for nobody: it is left out, so the reconciler costs no read for
// the many idle conversations the bot already answered. It reads the newest
// pages and the next window of older ones (see newestListPages).
//
// API: GET /api/v1/accounts/{a}/conversations?status=pending&page=N
// (ConversationFinder, app/finders/conversation_finder.rb: 25 a page,
// last_activity_at desc; response
// app/views/api/v1/accounts/conversations/index.json.jbuilder,
// {data:{meta, payload:[...]}}).
func (a *Adapter) BotConversations(ctx context.Context) ([]string, error) {
	seen := map[string]bool{}
	var ids []string
	err := a.botList.Numbered(ctx, func(ctx context.Context, page int) (bool, error) {
		cs, more, err := a.listPage(ctx, statusPending, page)
		for _, c := range cs {
			// Once each: a conversation can move between pages while they are read.
			if id := string(c.ID); c.humanAssignee() == nil && !c.answered() && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		return more, err
	})
	return ids, err
}

// listPage reads one page of the conversations in status (all assignees) with the user token
// and reports whether more may follow (the page was full).
func (a *Adapter) listPage(ctx context.Context, status string, page int) (cs []listedConversation, more bool, err error) {
	var resp struct {
		Data struct {
			Payload []listedConversation `json:"payload"`
		} `json:"data"`
	}
	path := "/conversations?status=" + status + "&assignee_type=all&page=" + strconv.Itoa(page)
	if err := a.call(ctx, idempotentRequest, userToken, http.MethodGet, path, nil, &resp); err != nil {
		return nil, false, fmt.Errorf("chatwoot: list %s conversations: %w", status, err)
	}
	return resp.Data.Payload, len(resp.Data.Payload) == listPageSize, nil
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
