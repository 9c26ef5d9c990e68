package libredesk

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/helpdesktest"
	sim "github.com/handover-dev/handover/adapters/sim/libredesk"
)

// installDesk is a simulated Libredesk over real HTTP with one live-chat inbox and a bot agent
// with a key pair, and no webhook or tag yet.
type installDesk struct {
	l           *sim.Server
	url         string
	inbox, bot  int
	key, secret string
}

func newInstallDesk(t *testing.T) *installDesk {
	t.Helper()
	l := sim.New(sim.Options{})
	srv := httptest.NewServer(l.Handler())
	t.Cleanup(func() {
		l.Close()
		srv.Close()
	})
	d := &installDesk{l: l, url: srv.URL, inbox: l.AddInbox("Website", "livechat")}
	d.bot = l.AddAgent("AI", "assistant", "bot@example.com", "offline")
	d.key, d.secret = l.CreateAPIKey(d.bot)
	return d
}

func (d *installDesk) env() map[string]string {
	return map[string]string{"HANDOVER_LIBREDESK_URL": d.url, "HANDOVER_LIBREDESK_API_KEY": d.key, "HANDOVER_LIBREDESK_API_SECRET": d.secret}
}

func installSettings(env map[string]string) *Settings {
	id, _ := strconv.Atoi(env["HANDOVER_LIBREDESK_BOT_AGENT_ID"])
	return &Settings{URL: env["HANDOVER_LIBREDESK_URL"], APIKey: helpdesk.Secret(env["HANDOVER_LIBREDESK_API_KEY"]),
		APISecret: helpdesk.Secret(env["HANDOVER_LIBREDESK_API_SECRET"]), BotAgentID: id,
		WebhookSecret: helpdesk.Secret(env["HANDOVER_LIBREDESK_WEBHOOK_SECRET"]), InboxIDs: env["HANDOVER_LIBREDESK_INBOX_IDS"]}
}

func runLDInstall(t *testing.T, publicURL string, env map[string]string, dry bool, args ...string) (*helpdesk.Installation, error) {
	t.Helper()
	in := helpdesktest.NewInstallation(publicURL, env, dry, args...)
	return in, Install(t.Context(), installSettings(env), in)
}

// signedHooks records whether each delivery verifies with the secret secret() returns.
type signedHooks struct {
	mu     sync.Mutex
	secret string
	errs   []error
}

func (h *signedHooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errs = append(h.errs, Verify(h.secret, r.Header, b))
}

func TestInstallCreatesWebhookAndTagThenChangesNothing(t *testing.T) {
	d := newInstallDesk(t)
	hooks := &signedHooks{}
	hsrv := httptest.NewServer(hooks)
	defer hsrv.Close()
	env := d.env()
	in, err := runLDInstall(t, hsrv.URL, env, false, "-inbox", strconv.Itoa(d.inbox))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]helpdesk.StepState{"bot agent role": helpdesk.StepAlready, "webhook": helpdesk.StepCreated, "tag offline-message": helpdesk.StepCreated}
	if !helpdesktest.StatesAre(in, want) {
		t.Errorf("steps %v, want %v", in.Steps, want)
	}
	secret := in.Env["HANDOVER_LIBREDESK_WEBHOOK_SECRET"]
	if secret == "" || !in.Secrets["HANDOVER_LIBREDESK_WEBHOOK_SECRET"] || !in.Secrets["HANDOVER_LIBREDESK_API_SECRET"] {
		t.Fatalf("secrets: %v", in.Secrets)
	}
	if in.Env["HANDOVER_LIBREDESK_BOT_AGENT_ID"] != strconv.Itoa(d.bot) || in.Env["HANDOVER_LIBREDESK_INBOX_IDS"] != strconv.Itoa(d.inbox) {
		t.Errorf("env %v", in.Env)
	}
	// The webhook reaches handover with the seven events, signed with the secret written.
	hooks.mu.Lock()
	hooks.secret = secret
	hooks.mu.Unlock()
	if _, _, err := d.l.VisitorSend(t.Context(), d.inbox, "ann", "hello"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := contextTimeout(t)
	defer cancel()
	if err := d.l.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	hooks.mu.Lock()
	if len(hooks.errs) == 0 {
		t.Error("no delivery reached the webhook")
	}
	for _, err := range hooks.errs {
		if err != nil {
			t.Errorf("delivery: %v", err)
		}
	}
	hooks.mu.Unlock()

	for k, v := range in.Env {
		env[k] = v
	}
	d.l.ResetCalls()
	in2, err := runLDInstall(t, hsrv.URL, env, false)
	if err != nil {
		t.Fatal(err)
	}
	helpdesktest.RerunChangedNothing(t, in2, env, d.l.Calls())
}

func TestInstallDryRunSendsReadsOnly(t *testing.T) {
	d := newInstallDesk(t)
	in, err := runLDInstall(t, "https://h.example.com", d.env(), true)
	if err != nil {
		t.Fatal(err)
	}
	if w := helpdesktest.Writes(d.l.Calls()); len(w) > 0 {
		t.Fatalf("dry run wrote %v", w)
	}
	got := helpdesktest.States(in)
	if got["webhook"] != helpdesk.StepWould || got["tag offline-message"] != helpdesk.StepWould || got["inboxes"] != helpdesk.StepManual {
		t.Errorf("steps %v", in.Steps)
	}
	secret := in.Env["HANDOVER_LIBREDESK_WEBHOOK_SECRET"]
	for _, st := range in.Steps {
		if strings.Contains(st.Detail, secret) || strings.Contains(st.Detail, d.secret) {
			t.Errorf("a secret in %q", st.Detail)
		}
	}
}

func TestInstallFixesAWebhookWithoutAKnownSecret(t *testing.T) {
	d := newInstallDesk(t)
	hooks := &signedHooks{}
	hsrv := httptest.NewServer(hooks)
	defer hsrv.Close()
	d.l.SetWebhook(hsrv.URL+"/webhooks/libredesk", "an-old-secret")
	d.l.AddTag(TagOffline)
	in, err := runLDInstall(t, hsrv.URL, d.env(), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := helpdesktest.States(in); got["webhook"] != helpdesk.StepUpdated || got["tag offline-message"] != helpdesk.StepAlready {
		t.Fatalf("steps %v", in.Steps)
	}
	hooks.mu.Lock()
	hooks.secret = in.Env["HANDOVER_LIBREDESK_WEBHOOK_SECRET"]
	hooks.mu.Unlock()
	if _, _, err := d.l.VisitorSend(t.Context(), d.inbox, "ann", "hello"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := contextTimeout(t)
	defer cancel()
	_ = d.l.WaitIdle(ctx)
	hooks.mu.Lock()
	defer hooks.mu.Unlock()
	if len(hooks.errs) == 0 || hooks.errs[0] != nil {
		t.Fatalf("deliveries after the new secret: %v", hooks.errs)
	}
}

func TestInstallReportsWhatTheRoleCannotDo(t *testing.T) {
	d := newInstallDesk(t)
	d.l.SetPermissions(d.bot, "conversations:read", "messages:read", "messages:write")
	d.l.ResetCalls()
	in, err := runLDInstall(t, "https://h.example.com", d.env(), false)
	if err != nil {
		t.Fatal(err)
	}
	got := helpdesktest.States(in)
	if got["bot agent role"] != helpdesk.StepManual || got["webhook"] != helpdesk.StepManual || got["tag offline-message"] != helpdesk.StepManual {
		t.Fatalf("steps %v", in.Steps)
	}
	for _, st := range in.Steps {
		if st.What == "bot agent role" && !strings.Contains(st.Detail, "users:manage") {
			t.Errorf("role step does not name users:manage: %s", st.Detail)
		}
	}
	if in.Env["HANDOVER_LIBREDESK_WEBHOOK_SECRET"] == "" {
		t.Error("no webhook secret to paste by hand")
	}
}

func TestInstallNamesTheMissingCredential(t *testing.T) {
	d := newInstallDesk(t)
	for _, tc := range []struct {
		drop, want string
	}{
		{"HANDOVER_LIBREDESK_API_KEY", "HANDOVER_LIBREDESK_API_KEY"},
		{"HANDOVER_LIBREDESK_API_SECRET", "HANDOVER_LIBREDESK_API_SECRET"},
		{"HANDOVER_LIBREDESK_URL", "HANDOVER_LIBREDESK_URL"},
	} {
		env := d.env()
		delete(env, tc.drop)
		if _, err := runLDInstall(t, "https://h.example.com", env, false); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("without %s: %v", tc.drop, err)
		}
	}
	env := d.env()
	env["HANDOVER_LIBREDESK_API_SECRET"] = "wrong"
	_, err := runLDInstall(t, "https://h.example.com", env, false)
	if err == nil || !strings.Contains(err.Error(), "HANDOVER_LIBREDESK_API_SECRET") || strings.Contains(err.Error(), d.key) {
		t.Errorf("a wrong secret: %v", err)
	}
}

func contextTimeout(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), 10*time.Second)
}
