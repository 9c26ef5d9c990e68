package liveagent

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

var _ helpdesk.Checker = (*Adapter)(nil)

// Check pings API v3 with its key (GET /api/v3/ping), then reads the agents' online states
// with the API v1 key (GET /api/onlinestatus/agents, which answers a wrong key with status
// ERROR inside a 200). One attempt each, no retries; both wait for their key's budget.
func (a *Adapter) Check(ctx context.Context) error {
	if err := a.c.v3.Wait(ctx); err != nil {
		return err
	}
	err := helpdesk.CheckGET(ctx, helpdesk.Probe{
		Client: a.c.http.HTTPClient, URL: a.cfg.BaseURL + "/api/v3/ping",
		Header: http.Header{"apikey": {a.cfg.APIKey}, "User-Agent": {"handover-liveagent"}},
		URLVar: "HANDOVER_LIVEAGENT_URL", Credentials: "HANDOVER_LIVEAGENT_API_KEY",
		Redact: a.redact.Redact,
	})
	if err != nil {
		return err
	}
	if err := a.c.v1.Wait(ctx); err != nil {
		return err
	}
	return helpdesk.CheckGET(ctx, helpdesk.Probe{
		Client: a.c.http.HTTPClient, URL: a.cfg.BaseURL + "/api/onlinestatus/agents?" + url.Values{"apikey": {a.cfg.APIV1Key}}.Encode(),
		Header: http.Header{"User-Agent": {"handover-liveagent"}},
		URLVar: "HANDOVER_LIVEAGENT_URL", Credentials: "HANDOVER_LIVEAGENT_API_V1_KEY",
		Redact: a.redact.Redact,
		Judge: func(status int, body []byte) (bool, string, string) {
			msg := helpdesk.ErrorMessage(body)
			switch {
			case status == http.StatusForbidden:
				return false, "check HANDOVER_LIVEAGENT_API_V1_KEY: it must be the API v1 key, not a v3 key", msg
			case status < 200 || status > 299:
				return false, "", msg
			case !helpdesk.LooksLikeJSON(body):
				return false, "check HANDOVER_LIVEAGENT_URL: it answers, but not with LiveAgent's API", "not JSON"
			case v1Failed(body):
				return false, "check HANDOVER_LIVEAGENT_API_V1_KEY", msg
			}
			return true, "", ""
		},
	})
}

// v1Failed reports an API v1 body {"response":{"status":"ERROR",...}}.
func v1Failed(body []byte) bool {
	s := strings.ToUpper(string(body))
	return strings.Contains(s, `"STATUS":"ERROR"`) || strings.Contains(s, `"STATUS": "ERROR"`)
}
