package chatwoot

import (
	"github.com/handover-dev/handover/adapters/helpdesk"
)

// Descriptor registers the Chatwoot adapter (adapters/all).
var Descriptor = helpdesk.Descriptor{
	Name:     Name,
	Settings: func() helpdesk.Settings { return &Settings{} },
	New: func(s helpdesk.Settings, d helpdesk.Deps) (helpdesk.Adapter, error) {
		return New(s.(*Settings).config(d))
	},
	// The agent pages run inside Chatwoot as a dashboard app.
	FrameAncestors: func(s helpdesk.Settings) []string {
		if u := s.(*Settings).URL; u != "" {
			return []string{u}
		}
		return nil
	},
	Sandbox: newWorld,
	Install: Install, // install.go
}
