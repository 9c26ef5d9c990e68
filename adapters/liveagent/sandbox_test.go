package liveagent_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/liveagent"
	"github.com/handover-dev/handover/handover"
)

func TestLiveAgentRulesPrintout(t *testing.T) {
	t.Setenv("HANDOVER_LIVEAGENT_WEBHOOK_SECRET", "never-printed-secret")
	t.Setenv("HANDOVER_LIVEAGENT_BOT_AGENT_ID", "bot12345")
	var b bytes.Buffer
	s := liveagent.Descriptor.Settings()
	if err := envconfig.Process("", s); err != nil {
		t.Fatal(err)
	}
	if err := liveagent.Descriptor.Commands[0].Run(&b, "https://handover.example.org/", s); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Apply when:  chat started", "Apply when:  message added", "Apply when:  ticket transferred",
		"https://handover.example.org/webhooks/liveagent/<HANDOVER_LIVEAGENT_WEBHOOK_SECRET>",
		`"ticket_id":"{$conversation_id}"`, "transfer to agent bot12345", "Stop chatbot and join",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("printout misses %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "never-printed-secret") {
		t.Fatal("the secret was printed")
	}
}

func TestLiveAgentSandboxAnswersThroughRules(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	world, err := liveagent.Descriptor.Sandbox(helpdesk.SandboxOptions{SimURL: srv.URL, BotName: "AI assistant", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer world.Close()
	world.Connect(srv.URL)
	hd, err := liveagent.Descriptor.New(world.Settings(), helpdesk.Deps{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	handler := world.Handler()
	got := make(chan handover.Event, 8)
	mux.HandleFunc("POST /webhooks/liveagent/{secret}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := hd.Authenticate(r.Header, r.PathValue("secret"), body, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		evs, err := hd.Parse(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, ev := range evs {
			got <- ev
		}
	})
	mux.Handle("/", handler)
	resp, err := http.Post(srv.URL+"/sim/visitor/send", "application/json", strings.NewReader(`{"contact":"eve","text":"hello"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case ev := <-got:
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := hd.Load(ctx, ev.ConversationID)
		if err != nil || c.State != handover.StateBot || len(c.PendingVisitorMessages()) != 1 {
			t.Fatalf("Load = %+v, %v", c, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no rule delivery reached the webhook")
	}
}

func TestNewLiveAgentNeedsTheSection(t *testing.T) {
	if _, err := liveagent.Descriptor.New(&liveagent.Settings{}, helpdesk.Deps{Logger: slog.New(slog.DiscardHandler)}); err == nil {
		t.Fatal("an empty LiveAgent configuration must not build an adapter")
	}
}
