// Package all registers the helpdesk adapters: Helpdesks is the one list that names them.
// Configuration ("handover config", HANDOVER_HELPDESK), serve, the sandbox, the benchmark and
// the agent pages work from it. To add a helpdesk, write its package (with its Descriptor and
// its sim dialect in adapters/sim) and add one line here.
package all

import (
	"github.com/handover-dev/handover/adapters/chatwoot"
	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/intercom"
	"github.com/handover-dev/handover/adapters/libredesk"
	"github.com/handover-dev/handover/adapters/liveagent"
	"github.com/handover-dev/handover/adapters/zendesk"
)

// Helpdesks are the registered helpdesks, in the order people see them.
var Helpdesks = helpdesk.Registry{
	chatwoot.Descriptor,
	intercom.Descriptor,
	libredesk.Descriptor,
	liveagent.Descriptor,
	zendesk.Descriptor,
}
