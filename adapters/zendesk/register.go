package zendesk

import (
	"fmt"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// Descriptor registers the Zendesk adapter (adapters/all).
var Descriptor = helpdesk.Descriptor{
	Name:     Name,
	Settings: func() helpdesk.Settings { return &Settings{} },
	New: func(s helpdesk.Settings, d helpdesk.Deps) (helpdesk.Adapter, error) {
		cfg, err := s.(*Settings).config(d)
		if err != nil {
			return nil, fmt.Errorf("HANDOVER_ZENDESK_HOURS: %w", err)
		}
		return New(cfg)
	},
	Sandbox: newWorld,
	Install: install,
}
