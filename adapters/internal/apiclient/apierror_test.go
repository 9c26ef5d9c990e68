package apiclient

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/handover"
)

func TestAPIError(t *testing.T) {
	locked := errors.New("locked")
	resp := &http.Response{StatusCode: 423, Header: http.Header{"Retry-After": {"7"}}}
	e := NewAPIError("zendesk sunshine api", "POST", "/v2/x", resp)
	e.Message, e.Permanent, e.Sentinel = "  too many  ", true, locked
	err := fmt.Errorf("wrapped: %w", e)
	if got, want := e.Error(), "zendesk sunshine api: POST /v2/x: HTTP 423: locked: too many"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	if !errors.Is(err, handover.ErrPermanent) || !errors.Is(err, locked) || e.Temporary() || e.RetryAfter != 7*time.Second {
		t.Errorf("permanent/sentinel/retry-after wrong: %+v", e)
	}
	var as *APIError
	if !errors.As(err, &as) || as != e || !HasStatus(err, 423) || IsNotFound(err) {
		t.Error("errors.As / HasStatus")
	}

	e = NewAPIError("libredesk api", "GET", "/x", &http.Response{StatusCode: 200})
	e.ErrorType, e.Detail = "PermissionException", "with status ERROR"
	if got, want := e.Error(), "libredesk api: GET /x: HTTP 200 with status ERROR: (PermissionException)"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	if errors.Is(e, handover.ErrPermanent) || !e.Temporary() {
		t.Error("a temporary error matched ErrPermanent")
	}
	if !IsNotFound(fmt.Errorf("x: %w", &APIError{Status: 404})) {
		t.Error("IsNotFound")
	}
}

func TestPermanentStatus(t *testing.T) {
	for _, tc := range []struct {
		status int
		extra  []int
		want   bool
	}{{401, nil, true}, {403, nil, true}, {404, nil, true}, {422, nil, true}, {400, nil, false}, {400, []int{400}, true},
		{409, []int{400, 409}, true}, {429, []int{400}, false}, {500, nil, false}, {503, nil, false}} {
		if got := PermanentStatus(tc.status, tc.extra...); got != tc.want {
			t.Errorf("PermanentStatus(%d, %v) = %v", tc.status, tc.extra, got)
		}
	}
}

func TestExcerpt(t *testing.T) {
	secret := "sk-" + strings.Repeat("s", 40)
	body := strings.Repeat("é", 250) + secret + strings.Repeat("x", 5000)
	got := NewRedactor(secret).Excerpt([]byte(body))
	if len(got) > MaxErrorBody || strings.Contains(got, "sss") || !strings.Contains(got, "[REDACTED]") || !strings.HasPrefix(got, "é") {
		t.Errorf("excerpt %q", got)
	}
	for _, r := range got {
		if r == '\uFFFD' {
			t.Fatal("cut inside a rune")
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	var v struct {
		ID int `json:"id"`
	}
	for _, tc := range []struct{ body, want string }{
		{"", "hook: empty body"},
		{"  \n", "hook: empty body"},
		{`{"id": 1,,}`, "hook: invalid JSON at offset 10: "},
		{`{"id": 1`, "hook: invalid JSON at offset 8: unexpected end of JSON input"},
		{`{"id": "x"}`, "hook: field id: cannot use JSON string at offset 10 as int"},
		{`[1]`, "hook: field (top level): cannot use JSON array"},
	} {
		err := DecodeJSON("hook", []byte(tc.body), &v)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q...", tc.body, err, tc.want)
		}
	}
	if err := DecodeJSON("hook", []byte(`{"id": 3}`), &v); err != nil || v.ID != 3 {
		t.Errorf("%v %d", err, v.ID)
	}
}
