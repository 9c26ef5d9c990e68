package zendesk

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

var _ helpdesk.Checker = (*Adapter)(nil)

// checkConversation is a well-formed id no conversation has.
const checkConversation = "000000000000000000000000"

// Check asks Sunshine Conversations for a conversation that cannot exist (GET
// /sc/v2/apps/{app}/conversations/000000000000000000000000: 404 conversation_not_found proves the URL,
// the key and the app id), then the Support API for one admin (GET /api/v2/users?role=admin:
// the email and API token). One attempt each, no retries.
func (a *Adapter) Check(ctx context.Context) error {
	urlVar := "HANDOVER_ZENDESK_URL"
	if a.cfg.Subdomain != "" && a.cfg.BaseURL == "https://"+a.cfg.Subdomain+".zendesk.com" {
		urlVar = "HANDOVER_ZENDESK_SUBDOMAIN"
	}
	sunshine := http.Header{"User-Agent": {"handover-zendesk"}, "Authorization": {basic(a.cfg.KeyID, a.cfg.KeySecret)}}
	err := helpdesk.CheckGET(ctx, helpdesk.Probe{
		Client: a.http.HTTPClient,
		URL:    a.cfg.BaseURL + "/sc/v2/apps/" + url.PathEscape(a.cfg.AppID) + "/conversations/" + checkConversation,
		Header: sunshine, URLVar: urlVar, Credentials: "HANDOVER_ZENDESK_KEY_ID and HANDOVER_ZENDESK_KEY_SECRET",
		Redact: a.redact.Redact,
		Judge: func(status int, body []byte) (bool, string, string) {
			code := sunshineCode(body)
			switch {
			case status >= 200 && status <= 299 && helpdesk.LooksLikeJSON(body):
				return true, "", ""
			case status == http.StatusNotFound && code == "conversation_not_found":
				return true, "", ""
			case status == http.StatusForbidden:
				return false, "check HANDOVER_ZENDESK_APP_ID, and that the key HANDOVER_ZENDESK_KEY_ID belongs to that app", ""
			case status == http.StatusNotFound && code == "app_not_found":
				return false, "check HANDOVER_ZENDESK_APP_ID", ""
			}
			return false, "", ""
		},
	})
	if err != nil {
		return err
	}
	support := http.Header{"User-Agent": {"handover-zendesk"}, "Authorization": {basic(a.cfg.Email+"/token", a.cfg.APIToken)}}
	return helpdesk.CheckGET(ctx, helpdesk.Probe{
		Client: a.http.HTTPClient, URL: a.cfg.BaseURL + "/api/v2/users?role=admin&per_page=1",
		Header: support, URLVar: urlVar, Credentials: "HANDOVER_ZENDESK_EMAIL and HANDOVER_ZENDESK_API_TOKEN",
		Redact: a.redact.Redact,
	})
}

// basic is the Authorization value of HTTP Basic authentication.
func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// sunshineCode is the code of the first error of a Sunshine error body, or "".
func sunshineCode(body []byte) string {
	var v struct {
		Errors []struct {
			Code string `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &v) != nil || len(v.Errors) == 0 {
		return ""
	}
	return v.Errors[0].Code
}
