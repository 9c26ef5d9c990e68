package chatwoot

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
)

// maxListPages bounds one listing (25 conversations a page).
const maxListPages = 40

// The reconciler's listing reads at most newestListPages+olderListPages pages a pass (25
// conversations a page): the newest pages every time (Chatwoot sorts by last activity, newest
// first, so a message that just lost its webhook is there), and a window of older pages that
// moves on by olderListPages each pass and starts over once it reaches the end. A backlog
// deeper than one pass (a burst of thousands of conversations the service refused while over
// capacity) is so swept in turn instead of never being reached.
const (
	newestListPages = 20
	olderListPages  = 20
)

// listWindow is how many pages a reconciler's listing reads (see newestListPages), and the
// first older page its next pass reads: this process's own, a hint that costs nothing when
// lost.
type listWindow struct {
	newest, older int
	from          atomic.Int64
}

// BotConversations lists the pending conversations (the ones a webhook bot
// owns) with the user token, for the reconciler. It implements
// handover.Lister. A conversation whose newest message (the listing's
// last_non_activity_message) is the bot's own, with nothing submitted on
// it, waits for nobody: it is left out, so the reconciler costs no read for
// the many idle conversations the bot already answered. It reads the newest
// pages and the next window of older ones (see newestListPages).
//
// API: GET /api/v1/accounts/{a}/conversations?status=pending&page=N
// (ConversationFinder, app/finders/conversation_finder.rb: 25 a page;
// response app/views/api/v1/accounts/conversations/index.json.jbuilder,
// {data:{meta, payload:[...]}}).
func (a *Adapter) BotConversations(ctx context.Context) ([]string, error) {
	seen := map[string]bool{}
	var ids []string
	w := &a.botList
	more, err := a.listBotPages(ctx, 1, w.newest, seen, &ids)
	if err != nil || !more {
		return ids, err
	}
	from := max(int(w.from.Load()), w.newest+1)
	more, err = a.listBotPages(ctx, from, w.older, seen, &ids)
	if err != nil {
		return ids, err
	}
	next := from + w.older
	if !more {
		next = w.newest + 1 // the end: start over from the first older page
	}
	w.from.Store(int64(next))
	return ids, nil
}

// listBotPages reads n pages of pending conversations from page from on, adds the unanswered
// ones without a human assignee to ids (once each: a conversation can move between pages
// while they are read), and reports whether the last page read was full (more may follow).
func (a *Adapter) listBotPages(ctx context.Context, from, n int, seen map[string]bool, ids *[]string) (more bool, err error) {
	for page := from; page < from+n; page++ {
		var resp struct {
			Data struct {
				Payload []listedConversation `json:"payload"`
			} `json:"data"`
		}
		path := "/conversations?status=pending&assignee_type=all&page=" + strconv.Itoa(page)
		if err := a.call(ctx, idempotentRequest, userToken, http.MethodGet, path, nil, &resp); err != nil {
			return false, fmt.Errorf("chatwoot: list pending conversations: %w", err)
		}
		for _, c := range resp.Data.Payload {
			if id := string(c.ID); c.humanAssignee() == nil && !c.answered() && !seen[id] {
				seen[id] = true
				*ids = append(*ids, id)
			}
		}
		if len(resp.Data.Payload) < 25 {
			return false, nil
		}
	}
	return true, nil
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
