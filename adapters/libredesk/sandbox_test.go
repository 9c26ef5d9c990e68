package libredesk_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/libredesk"
	"github.com/handover-dev/handover/bot"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/app"
)

// The Libredesk sandbox (Descriptor.Sandbox) end to end: the simulated Libredesk's page endpoints, its signed
// webhooks to handover, the offline bot, and the answer back in the chat.
func TestLibredeskSandboxAnswers(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := config.Config{Helpdesk: "libredesk", BotName: "AI assistant", RequiredAnswers: 3, HumanRequestInChat: true,
		LLMProvider: "offline", LLMTimeout: 5 * time.Second, MaxConcurrentTurns: 4, MaxQueuedEvents: 100, LogLevel: "info"}
	world, err := libredesk.Descriptor.Sandbox(helpdesk.SandboxOptions{SimURL: srv.URL, BotName: cfg.BotName, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer world.Close()
	world.Connect(srv.URL)
	hd, err := libredesk.Descriptor.New(world.Settings(), helpdesk.Deps{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	handler := world.Handler()
	a, err := app.New(cfg, hd, app.Options{Knowledge: bot.SampleKnowledge(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Shutdown(ctx)
	}()
	mux.Handle("/webhooks/", a.Server)
	mux.Handle("/", handler)

	type state struct {
		Inboxes []struct {
			ID      int  `json:"id"`
			WithBot bool `json:"with_bot"`
		} `json:"inboxes"`
		Conversations []struct {
			AssigneeBot bool `json:"assignee_bot"`
			Messages    []struct {
				SenderType string `json:"sender_type"`
				Content    string `json:"content"`
			} `json:"messages"`
		} `json:"conversations"`
	}
	get := func() state {
		t.Helper()
		resp, err := http.Get(srv.URL + "/sim/state")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s state
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := get()
	if len(s.Inboxes) != 1 || !s.Inboxes[0].WithBot {
		t.Fatalf("inboxes: %+v", s.Inboxes)
	}
	body, _ := json.Marshal(map[string]any{"inbox_id": s.Inboxes[0].ID, "contact": "eve", "text": "How long does shipping take?"})
	resp, err := http.Post(srv.URL+"/sim/visitor/send", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("visitor send: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s = get()
		if len(s.Conversations) == 1 {
			for _, m := range s.Conversations[0].Messages {
				if m.SenderType == "agent_bot" && m.Content != "" {
					if !s.Conversations[0].AssigneeBot {
						t.Fatal("the bot answered but does not hold the chat")
					}
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no bot answer in the sandbox: %+v", s.Conversations)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNewLibredeskReportsMissingSettings(t *testing.T) {
	if _, err := libredesk.Descriptor.New(&libredesk.Settings{}, helpdesk.Deps{Logger: slog.New(slog.DiscardHandler)}); err == nil || !strings.Contains(err.Error(), "HANDOVER_LIBREDESK_URL") {
		t.Fatalf("empty settings: %v", err)
	}
}
