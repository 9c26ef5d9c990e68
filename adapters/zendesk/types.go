package zendesk

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// The JSON shapes below follow the Sunshine Conversations API spec
// (github.com/zendesk/sunshine-conversations-api-spec, components/schemas/) and are read
// leniently: unknown fields are ignored and metadata values may be strings, numbers or booleans.

// switchboardIntegration is switchboardIntegrationWebhook.yaml: the integration in control (or
// offered control) of a conversation.
type switchboardIntegration struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	IntegrationID   string `json:"integrationId"`
	IntegrationType string `json:"integrationType"`
}

// conversation is conversation.yaml (conversationTruncated.yaml in webhooks).
// activeSwitchboardIntegration is omitted when no integration has control.
type conversation struct {
	ID       string                  `json:"id"`
	Type     string                  `json:"type"`
	Active   *switchboardIntegration `json:"activeSwitchboardIntegration"`
	Pending  *switchboardIntegration `json:"pendingSwitchboardIntegration"`
	Metadata metadata                `json:"metadata"`
}

// author is author.yaml / authorWebhook.yaml. User is only in webhook payloads, and only when
// the webhook has includeFullUser (webhooks/authorWebhook.yaml).
type author struct {
	Type        string `json:"type"` // user|business
	UserID      string `json:"userId"`
	DisplayName string `json:"displayName"`
	User        *user  `json:"user,omitempty"`
}

// action is messages/action.yaml: reply, postback, link, webview…
type action struct {
	Type     string   `json:"type"`
	Text     string   `json:"text"`
	Payload  string   `json:"payload,omitempty"`
	URI      string   `json:"uri,omitempty"`
	Metadata metadata `json:"metadata,omitempty"`
}

// content is content.yaml: text, image, file, form, formResponse, carousel, list, location…
type content struct {
	Type     string   `json:"type"`
	Text     string   `json:"text"`
	Payload  string   `json:"payload"`
	Actions  []action `json:"actions"`
	MediaURL string   `json:"mediaUrl"`
	AltText  string   `json:"altText"`
}

// source is source.yaml.
type source struct {
	Type          string `json:"type"`
	IntegrationID string `json:"integrationId"`
}

// message is message.yaml.
type message struct {
	ID       string   `json:"id"`
	Received string   `json:"received"`
	Author   author   `json:"author"`
	Content  content  `json:"content"`
	Source   source   `json:"source"`
	Metadata metadata `json:"metadata"`
	Deleted  bool     `json:"deleted"`
}

func (m *message) receivedAt() time.Time {
	t, err := time.Parse(time.RFC3339Nano, m.Received)
	if err != nil {
		return time.Time{}
	}
	return t
}

// user is user.yaml (the parts we read). Profile is nil when the object has none: a webhook's
// user without includeFullUser may carry only its id.
type user struct {
	ID         string   `json:"id"`
	ExternalID string   `json:"externalId"`
	Profile    *profile `json:"profile"`
}

// profile is user.yaml's profile.
type profile struct {
	GivenName string `json:"givenName"`
	Surname   string `json:"surname"`
	Email     string `json:"email"`
}

func (u *user) name() string {
	if u == nil || u.Profile == nil {
		return ""
	}
	return strings.TrimSpace(u.Profile.GivenName + " " + u.Profile.Surname)
}

func (u *user) email() string {
	if u == nil || u.Profile == nil {
		return ""
	}
	return strings.TrimSpace(u.Profile.Email)
}

// metadata is a flat object of strings, numbers and booleans (metadata.yaml).
type metadata map[string]any

// str returns a metadata value as text ("" if absent).
func (m metadata) str(key string) string {
	switch v := m[key].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case json.Number:
		return v.String()
	}
	return ""
}
