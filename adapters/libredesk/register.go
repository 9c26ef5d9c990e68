package libredesk

import "github.com/handover-dev/handover/adapters/helpdesk"

// Descriptor registers the Libredesk adapter (adapters/all).
var Descriptor = helpdesk.Descriptor{
	Name:     Name,
	Settings: func() helpdesk.Settings { return &Settings{} },
	New:      newFromSettings,
	Sandbox:  newWorld, // world.go
	Install:  Install,  // install.go
}
