package bot

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Check sends one tiny completion and says which setting to look at when it fails.
func TestCheck(t *testing.T) {
	var status int
	var body string
	var got map[string]any
	var header http.Header
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &got)
		header, path = r.Header.Clone(), r.URL.Path
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	ctx := context.Background()

	if err := Check(ctx, Config{Provider: ProviderOffline}); err != nil {
		t.Fatalf("offline: %v", err)
	}

	openai := Config{Provider: ProviderOpenAI, BaseURL: srv.URL + "/v1/", APIKey: "sk-secret-key", Model: "m1"}
	status, body = 200, `{"choices":[]}`
	if err := Check(ctx, openai); err != nil {
		t.Fatal(err)
	}
	if path != "/v1/chat/completions" || got["model"] != "m1" || got["max_completion_tokens"] != float64(1) || header.Get("Authorization") != "Bearer sk-secret-key" {
		t.Fatalf("request: %s %v %v", path, got, header)
	}

	anthropic := Config{Provider: ProviderAnthropic, BaseURL: srv.URL + "/v1", APIKey: "ak-secret-key"}
	if err := Check(ctx, anthropic); err != nil {
		t.Fatal(err)
	}
	if path != "/v1/messages" || got["model"] != DefaultAnthropicModel || got["max_tokens"] != float64(1) || header.Get("X-Api-Key") != "ak-secret-key" {
		t.Fatalf("request: %s %v %v", path, got, header)
	}

	for _, c := range []struct {
		cfg          Config
		status       int
		body         string
		setting      Setting
		wantNoErr    bool
		wantInDetail string
	}{
		{openai, 401, `{"error":{"message":"Incorrect API key provided: sk-secret-key","code":"invalid_api_key"}}`, SettingAPIKey, false, "[redacted]"},
		{openai, 404, `{"error":{"message":"The model m1 does not exist","code":"model_not_found"}}`, SettingModel, false, "m1"},
		{openai, 404, `{"error":"model 'm1' not found"}`, SettingModel, false, "not found"},
		{openai, 404, `404 page not found`, SettingBaseURL, false, ""},
		{openai, 429, `{"error":{"message":"You exceeded your current quota","code":"insufficient_quota"}}`, SettingAccount, false, "quota"},
		{openai, 429, `{"error":{"message":"Rate limit reached"}}`, "", true, ""},
		{openai, 400, `{"error":{"message":"Unsupported parameter"}}`, "", true, ""},
		{openai, 200, `<html></html>`, SettingBaseURL, false, "not JSON"},
		{openai, 503, `{"error":{"message":"overloaded"}}`, SettingBaseURL, false, "overloaded"},
		{anthropic, 401, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`, SettingAPIKey, false, "invalid x-api-key"},
		{anthropic, 404, `{"type":"error","error":{"type":"not_found_error","message":"model: claude-nope"}}`, SettingModel, false, "claude-nope"},
	} {
		status, body = c.status, c.body
		err := Check(ctx, c.cfg)
		if c.wantNoErr {
			if err != nil {
				t.Errorf("%d %s: %v", c.status, c.body, err)
			}
			continue
		}
		var ce *CheckError
		if !errors.As(err, &ce) || ce.Setting != c.setting || ce.Status != c.status || !strings.Contains(ce.Detail, c.wantInDetail) {
			t.Errorf("%d %s: %#v", c.status, c.body, err)
			continue
		}
		if strings.Contains(err.Error(), "secret-key") || !strings.Contains(err.Error(), " at "+srv.URL+"/v1/") {
			t.Errorf("%d: %v", c.status, err)
		}
	}

	srv.Close()
	err := Check(ctx, openai)
	var ce *CheckError
	if !errors.As(err, &ce) || ce.Setting != SettingBaseURL || ce.Problem != "connection refused" {
		t.Fatalf("closed: %v", err)
	}
}
