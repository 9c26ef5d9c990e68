package intercom

import (
	"context"
	"net/http"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

var _ helpdesk.Checker = (*Adapter)(nil)

// Check reads the token's own admin (GET /me: the URL, the region and the access token), once,
// without retries.
func (a *Adapter) Check(ctx context.Context) error {
	return helpdesk.CheckGET(ctx, helpdesk.Probe{
		Client: a.http.HTTPClient, URL: a.cfg.BaseURL + "/me",
		Header: http.Header{"Authorization": {"Bearer " + a.cfg.AccessToken}, "Intercom-Version": {APIVersion},
			"User-Agent": {"handover-intercom"}},
		URLVar: "HANDOVER_INTERCOM_URL", Credentials: "HANDOVER_INTERCOM_ACCESS_TOKEN (and that HANDOVER_INTERCOM_URL is the workspace's region)",
		Redact: a.redact.Redact,
	})
}
