package liveagent

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
)

// Descriptor registers the LiveAgent adapter (adapters/all).
var Descriptor = helpdesk.Descriptor{
	Name:     Name,
	Settings: func() helpdesk.Settings { return &Settings{} },
	New:      newFromSettings,
	Sandbox:  newWorld,
	Install:  install,
	Commands: []helpdesk.Command{{
		Name:  "rules",
		Usage: "print the LiveAgent rules to create (uses HANDOVER_PUBLIC_URL)",
		// The rules with the secret as a placeholder, plus the optional agent-panel button;
		// HANDOVER_LIVEAGENT_BOT_AGENT_ID, if set, fills in the bot.
		Run: func(w io.Writer, publicURL string, s helpdesk.Settings) error {
			return WriteRules(w, publicURL, s.(*Settings).BotAgentID)
		},
	}},
	// The rules fire "message added" for every message, the bot's own included, and "chat
	// started" besides for a chat's first message (Rules).
	Reference: helpdesk.ReferenceTraits{
		SelfEcho: true,
		Repeat: func(body []byte) bool {
			var b struct {
				Event string `json:"event"`
			}
			return json.Unmarshal(body, &b) == nil && b.Event == EventChatStarted
		},
	},
	LoadNote: budgetNote,
	// A full overview costs up to 22 requests a refresh (docs/helpdesks/liveagent.md §4): every
	// 30 s that is 44 a minute of the key's 180, leaving the rest to the bot.
	MinAgentUIRefresh: 30 * time.Second,
}

// budgetNote relates the calls per turn to LiveAgent's documented budget of 180 requests a
// minute per API key (v3 and v1 keys count separately).
func budgetNote(perTurn map[string]float64) string {
	var v3, v1 float64
	for endpoint, n := range perTurn {
		if strings.Contains(endpoint, " /api/v3/") {
			v3 += n
		} else {
			v1 += n
		}
	}
	worst := max(v3, v1)
	if worst == 0 {
		return ""
	}
	return fmt.Sprintf("LiveAgent budget: %.2f v3 + %.2f v1 requests per turn; at 180 requests a minute per key, at most %.0f plain turns a minute",
		v3, v1, 180/worst)
}
