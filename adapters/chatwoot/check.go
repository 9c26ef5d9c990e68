package chatwoot

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

var _ helpdesk.Checker = (*Adapter)(nil)

// Check reads the account's agents with the administrator's token (GET
// /api/v1/accounts/{id}/agents: URL, account and user token), then asks for a conversation that
// cannot exist with the bot's token (GET .../conversations/0): 404 proves the bot token, which
// no list accepts. One attempt each, no retries.
func (a *Adapter) Check(ctx context.Context) error {
	base := fmt.Sprintf("%s/api/v1/accounts/%d", a.cfg.BaseURL, a.cfg.AccountID)
	probe := func(path string, token, tokenVar string, judge func(int, []byte) (bool, string, string)) error {
		return helpdesk.CheckGET(ctx, helpdesk.Probe{
			Client: a.http.HTTPClient, URL: base + path,
			Header: http.Header{"api_access_token": {token}, "User-Agent": {"handover-chatwoot"}},
			URLVar: "HANDOVER_CHATWOOT_URL", Credentials: tokenVar, Judge: judge, Redact: a.redact.Redact,
		})
	}
	// Chatwoot answers 401 both for a wrong token and for an account the token cannot access.
	accountOr := func(tokenVar string) func(int, []byte) (bool, string, string) {
		return func(status int, body []byte) (bool, string, string) {
			if status >= 200 && status <= 299 {
				if helpdesk.LooksLikeJSON(body) {
					return true, "", ""
				}
				return false, "check HANDOVER_CHATWOOT_URL: it answers, but not with Chatwoot's API", "not JSON"
			}
			msg := helpdesk.ErrorMessage(body)
			if status == http.StatusUnauthorized && strings.Contains(strings.ToLower(msg), "account") {
				return false, "check HANDOVER_CHATWOOT_ACCOUNT_ID (the number in /app/accounts/<id>/) and that " + tokenVar + " belongs to it", msg
			}
			return false, "", msg
		}
	}
	if err := probe("/agents", a.cfg.UserToken, "HANDOVER_CHATWOOT_USER_TOKEN", accountOr("HANDOVER_CHATWOOT_USER_TOKEN")); err != nil {
		return err
	}
	botJudge := accountOr("HANDOVER_CHATWOOT_BOT_TOKEN")
	return probe("/conversations/0", a.cfg.BotToken, "HANDOVER_CHATWOOT_BOT_TOKEN", func(status int, body []byte) (bool, string, string) {
		if status == http.StatusNotFound && helpdesk.LooksLikeJSON(body) {
			return true, "", "" // the token passed; the conversation does not exist
		}
		return botJudge(status, body)
	})
}
