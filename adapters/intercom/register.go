package intercom

import (
	"net/http"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// Descriptor registers the Intercom adapter (adapters/all).
var Descriptor = helpdesk.Descriptor{
	Name:     Name,
	Settings: func() helpdesk.Settings { return &Settings{} },
	New: func(s helpdesk.Settings, d helpdesk.Deps) (helpdesk.Adapter, error) {
		return New(s.(*Settings).config(d))
	},
	Sandbox: newWorld,
	Install: install,
	// Intercom throttles an endpoint that answers 429 for one minute up to two hours and may
	// drop the throttled notifications (https://developers.intercom.com/docs/webhooks/webhook-notifications):
	// a busy service answers 503 instead.
	OverloadStatus: http.StatusServiceUnavailable,
}
