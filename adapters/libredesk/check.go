package libredesk

import (
	"context"
	"net/http"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

var _ helpdesk.Checker = (*Adapter)(nil)

// Check lists the agents (GET /api/v1/agents/compact: the URL and the bot agent's API key and
// secret, which every role may use), once, without retries.
func (a *Adapter) Check(ctx context.Context) error {
	return helpdesk.CheckGET(ctx, helpdesk.Probe{
		Client: a.http.HTTPClient, URL: a.cfg.BaseURL + "/api/v1/agents/compact",
		Header: http.Header{"Authorization": {"token " + a.cfg.APIKey + ":" + a.cfg.APISecret}, "User-Agent": {"handover-libredesk"}},
		URLVar: "HANDOVER_LIBREDESK_URL", Credentials: "HANDOVER_LIBREDESK_API_KEY and HANDOVER_LIBREDESK_API_SECRET",
		Redact: a.redact.Redact,
	})
}
