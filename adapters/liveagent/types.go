package liveagent

import (
	"github.com/handover-dev/handover/adapters/internal/flexjson"
	"strings"
	"time"
)

// flexString is the lenient string shared by the adapters (adapters/internal/flexjson).
type flexString = flexjson.String

// ticket is the v3 Ticket model (GET /tickets/{id}; QualityUnit/LiveAgent-api-python models/ticket.py).
type ticket struct {
	ID             flexString   `json:"id"`
	OwnerContactID flexString   `json:"owner_contactid"`
	OwnerEmail     flexString   `json:"owner_email"`
	OwnerName      flexString   `json:"owner_name"`
	DepartmentID   flexString   `json:"departmentid"`
	AgentID        flexString   `json:"agentid"`
	Status         flexString   `json:"status"`
	Tags           []flexString `json:"tags"`
	Code           flexString   `json:"code"`
	ChannelType    flexString   `json:"channel_type"`
	DateCreated    flexString   `json:"date_created"`
	DateChanged    flexString   `json:"date_changed"`
	Subject        flexString   `json:"subject"`
}

// messageGroup is the v3 MessageGroup model (GET /tickets/{id}/messages).
type messageGroup struct {
	ID           flexString `json:"id"`
	UserID       flexString `json:"userid"`
	UserFullName flexString `json:"user_full_name"`
	Type         flexString `json:"type"`
	Status       flexString `json:"status"`
	DateCreated  flexString `json:"datecreated"`
	DateFinished flexString `json:"datefinished"`
	Messages     []message  `json:"messages"`
}

// message is the v3 Message model.
type message struct {
	ID          flexString `json:"id"`
	UserID      flexString `json:"userid"`
	Type        flexString `json:"type"`
	DateCreated flexString `json:"datecreated"`
	Format      flexString `json:"format"`
	Message     flexString `json:"message"`
	Visibility  flexString `json:"visibility"`
}

// agent is the v3 Agent model (GET /agents).
type agent struct {
	ID           flexString `json:"id"`
	Name         flexString `json:"name"`
	Email        flexString `json:"email"`
	Role         flexString `json:"role"`
	OnlineStatus flexString `json:"online_status"` // F offline, N online, P paused, C mobile
	Status       flexString `json:"status"`        // A active, X deleted
}

// department is the v3 Department model (GET /departments/{id}).
type department struct {
	ID           flexString   `json:"department_id"`
	Name         flexString   `json:"name"`
	OnlineStatus flexString   `json:"online_status"`
	AgentIDs     []flexString `json:"agent_ids"`
}

// tag is the v3 Tag model (GET/POST /tags).
type tag struct {
	ID   flexString `json:"id"`
	Name flexString `json:"name"`
}

// Ticket statuses (Ticket.status, QualityUnit/LiveAgent-api-python docs/Ticket.md).
const (
	statusInit      = "I"
	statusNew       = "N"
	statusChatting  = "T"
	statusCalling   = "P"
	statusResolved  = "R"
	statusDeleted   = "X"
	statusSpam      = "B"
	statusAnswered  = "A"
	statusOpen      = "C"
	statusPostponed = "W"
	statusClosed    = "L"
)

// parseTime reads LiveAgent's date formats ("2006-01-02 15:04:05" in the
// account's time zone, or RFC 3339). Unknown formats are the zero time.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if len(s) > 10 && s[10] == ' ' { // LiveAgent's own "2006-01-02 15:04:05": no failed attempts first
		if t, err := time.Parse(time.DateTime, s); err == nil {
			return t
		}
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, time.DateTime, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
