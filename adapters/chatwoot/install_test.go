package chatwoot

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/adapters/internal/helpdesktest"
	sim "github.com/handover-dev/handover/adapters/sim/chatwoot"
)

// installSim serves a simulated Chatwoot over real HTTP.
func installSim(t *testing.T, opts sim.Options) (*sim.Server, string) {
	t.Helper()
	if opts.UserToken == "" {
		opts.UserToken = "user-token"
	}
	opts.RetryWait = 10 * time.Millisecond
	s := sim.New(opts)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		s.Close()
		srv.Close()
	})
	return s, srv.URL
}

// runInstall runs Install with the settings and the variables env (Lookup), as "handover
// install" would, and returns the installation.
func runInstall(t *testing.T, s *Settings, publicURL string, env map[string]string, dry bool, args ...string) (*helpdesk.Installation, error) {
	t.Helper()
	in := helpdesktest.NewInstallation(publicURL, env, dry, args...)
	in.AgentPagesLink = func(path string) string {
		in.Secret("HANDOVER_AGENT_UI_SECRET")
		return publicURL + path + "?k=signed-link-token"
	}
	err := Install(t.Context(), s, in)
	return in, err
}

// settingsFrom reads the settings from the variables, as config.Load would.
func settingsFrom(t *testing.T, env map[string]string) *Settings {
	t.Helper()
	s := &Settings{URL: env["HANDOVER_CHATWOOT_URL"], UserToken: helpdesk.Secret(env["HANDOVER_CHATWOOT_USER_TOKEN"]),
		BotToken: helpdesk.Secret(env["HANDOVER_CHATWOOT_BOT_TOKEN"]), WebhookSecret: helpdesk.Secret(env["HANDOVER_CHATWOOT_WEBHOOK_SECRET"])}
	if env["HANDOVER_CHATWOOT_ACCOUNT_ID"] == "1" {
		s.AccountID = 1
	}
	return s
}

// apiGet reads path with token.
func apiGet(t *testing.T, base, token, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
	req.Header.Set("api_access_token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestInstallCreatesEverythingThenChangesNothing(t *testing.T) {
	s, url := installSim(t, sim.Options{BotName: "Someone else's bot", BotToken: "other-bot", WebhookSecret: "other-secret"})
	inbox := s.AddInbox("Website", false)
	const public = "https://handover.example.com"
	env := map[string]string{"HANDOVER_CHATWOOT_URL": url, "HANDOVER_CHATWOOT_ACCOUNT_ID": "1", "HANDOVER_CHATWOOT_USER_TOKEN": "user-token"}

	in, err := runInstall(t, settingsFrom(t, env), public, env, false, "-inbox", "1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]helpdesk.StepState{
		`agent bot "handover"`: helpdesk.StepCreated, "inbox 1": helpdesk.StepCreated,
		"label offline-message": helpdesk.StepCreated, `dashboard app "handover"`: helpdesk.StepCreated,
	}
	if !helpdesktest.StatesAre(in, want) {
		t.Fatalf("first run: steps %v, want %v", in.Steps, want)
	}
	tok, secret := in.Env["HANDOVER_CHATWOOT_BOT_TOKEN"], in.Env["HANDOVER_CHATWOOT_WEBHOOK_SECRET"]
	if tok == "" || tok == "other-bot" || secret == "" || secret == "other-secret" {
		t.Fatalf("bot token %q, secret %q: want the new bot's", tok, secret)
	}
	for _, n := range []string{"HANDOVER_CHATWOOT_BOT_TOKEN", "HANDOVER_CHATWOOT_WEBHOOK_SECRET", "HANDOVER_CHATWOOT_USER_TOKEN", "HANDOVER_AGENT_UI_SECRET"} {
		if !in.Secrets[n] {
			t.Errorf("%s is not recorded as a secret", n)
		}
	}
	if in.Env["HANDOVER_CHATWOOT_URL"] != url || in.Env["HANDOVER_CHATWOOT_ACCOUNT_ID"] != "1" {
		t.Errorf("env %v", in.Env)
	}
	// The new bot sends to handover, and its token is a bot token Chatwoot accepts.
	_, body := apiGet(t, url, "user-token", "/api/v1/accounts/1/agent_bots")
	var bots []agentBot
	if err := json.Unmarshal(body, &bots); err != nil || len(bots) != 2 {
		t.Fatalf("agent bots %s (%v)", body, err)
	}
	if bots[1].OutgoingURL != public+"/webhooks/chatwoot" || bots[1].token() != tok || bots[1].Secret == nil || *bots[1].Secret != secret {
		t.Fatalf("created bot %+v", bots[1])
	}
	if st, b := apiGet(t, url, tok, "/api/v1/accounts/1/conversations/999"); st != http.StatusNotFound {
		t.Fatalf("the bot token: %d %s, want 404 (authenticated, no such conversation)", st, b)
	}
	if st, _ := apiGet(t, url, tok, "/api/v1/accounts/1/inboxes/"+strconv.Itoa(inbox)+"/agent_bot"); st != http.StatusUnauthorized {
		t.Fatalf("a bot token may not read inboxes: %d", st)
	}

	// Second run with what the first wrote: only "already", no write.
	maps.Copy(env, in.Env)
	s.ResetCalls()
	in2, err := runInstall(t, settingsFrom(t, env), public, env, false, "-inbox", "1")
	if err != nil {
		t.Fatal(err)
	}
	helpdesktest.RerunChangedNothing(t, in2, env, s.Calls())
}

func TestInstallDryRunWritesNothing(t *testing.T) {
	s, url := installSim(t, sim.Options{BotToken: "b"})
	s.AddInbox("Website", false)
	env := map[string]string{"HANDOVER_CHATWOOT_URL": url, "HANDOVER_CHATWOOT_ACCOUNT_ID": "1", "HANDOVER_CHATWOOT_USER_TOKEN": "user-token"}
	in, err := runInstall(t, settingsFrom(t, env), "https://h.example.com", env, true, "-inbox=1")
	if err != nil {
		t.Fatal(err)
	}
	if w := helpdesktest.Writes(s.Calls()); len(w) > 0 {
		t.Fatalf("dry run wrote: %v", w)
	}
	would := 0
	for _, st := range in.Steps {
		if st.State == helpdesk.StepWould {
			would++
		}
		if strings.Contains(st.Detail, "signed-link-token") || strings.Contains(st.Detail, "user-token") {
			t.Errorf("a secret in %q", st.Detail)
		}
	}
	if would != 4 {
		t.Errorf("%d writes reported, want 4 (bot, inbox, label, app): %v", would, in.Steps)
	}
}

func TestInstallReusesTheBotByNameAndItsSecretSignsWebhooks(t *testing.T) {
	var mu sync.Mutex
	var verified []error
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		verified = append(verified, Verify(hookSecret(), r.Header, b, time.Now()))
		mu.Unlock()
	}))
	defer hooks.Close()
	s, url := installSim(t, sim.Options{BotName: BotName, BotToken: "the-bot", WebhookSecret: "the-secret"})
	inbox := s.AddInbox("Website", true)
	env := map[string]string{"HANDOVER_CHATWOOT_URL": url, "HANDOVER_CHATWOOT_ACCOUNT_ID": "1", "HANDOVER_CHATWOOT_USER_TOKEN": "user-token"}
	st := settingsFrom(t, env)
	st.Teams = helpdesk.IDMap{inbox: 7} // the default inboxes
	in, err := runInstall(t, st, hooks.URL, env, false)
	if err != nil {
		t.Fatal(err)
	}
	got := helpdesktest.States(in)
	if got[`agent bot "`+BotName+`"`] != helpdesk.StepUpdated || got["inbox 1"] != helpdesk.StepAlready {
		t.Fatalf("steps %v", in.Steps)
	}
	if in.Env["HANDOVER_CHATWOOT_BOT_TOKEN"] != "the-bot" || in.Env["HANDOVER_CHATWOOT_WEBHOOK_SECRET"] != "the-secret" {
		t.Fatalf("env %v", in.Env)
	}
	secretMu.Lock()
	secretValue = in.Env["HANDOVER_CHATWOOT_WEBHOOK_SECRET"]
	secretMu.Unlock()
	if _, _, err := s.VisitorSend(t.Context(), inbox, "v1", "hello"); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(verified) == 0 {
		t.Fatal("no webhook reached the installed outgoing_url")
	}
	for _, err := range verified {
		if err != nil {
			t.Errorf("webhook signed with another secret: %v", err)
		}
	}
}

var (
	secretMu    sync.Mutex
	secretValue string
)

func hookSecret() string {
	secretMu.Lock()
	defer secretMu.Unlock()
	return secretValue
}

func TestInstallUnsignedChatwootPutsTheSecretInTheURL(t *testing.T) {
	_, url := installSim(t, sim.Options{BotToken: "b", Unsigned: true})
	env := map[string]string{"HANDOVER_CHATWOOT_URL": url, "HANDOVER_CHATWOOT_ACCOUNT_ID": "1", "HANDOVER_CHATWOOT_USER_TOKEN": "user-token"}
	in, err := runInstall(t, settingsFrom(t, env), "https://h.example.com", env, false)
	if err != nil {
		t.Fatal(err)
	}
	secret := in.Env["HANDOVER_CHATWOOT_WEBHOOK_SECRET"]
	_, body := apiGet(t, url, "user-token", "/api/v1/accounts/1/agent_bots")
	var bots []agentBot
	_ = json.Unmarshal(body, &bots)
	if secret == "" || len(bots) != 2 || bots[1].OutgoingURL != "https://h.example.com/webhooks/chatwoot/"+secret {
		t.Fatalf("secret %q, bots %s", secret, body)
	}
	if helpdesktest.States(in)["inboxes"] != helpdesk.StepManual {
		t.Errorf("no inbox named: want a manual step, got %v", in.Steps)
	}
	maps.Copy(env, in.Env)
	in2, err := runInstall(t, settingsFrom(t, env), "https://h.example.com", env, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := helpdesktest.States(in2)[`agent bot "handover"`]; got != helpdesk.StepAlready || in2.Env["HANDOVER_CHATWOOT_WEBHOOK_SECRET"] != secret {
		t.Fatalf("second run: %v", in2.Steps)
	}
}

func TestInstallNamesTheMissingVariable(t *testing.T) {
	_, url := installSim(t, sim.Options{})
	for _, tc := range []struct {
		s    Settings
		want string
	}{
		{Settings{URL: url, AccountID: 1}, "HANDOVER_CHATWOOT_USER_TOKEN"},
		{Settings{URL: url, UserToken: "user-token"}, "HANDOVER_CHATWOOT_ACCOUNT_ID"},
		{Settings{AccountID: 1, UserToken: "user-token"}, "HANDOVER_CHATWOOT_URL"},
		{Settings{URL: url, AccountID: 1, UserToken: "wrong"}, "HANDOVER_CHATWOOT_USER_TOKEN"},
	} {
		_, err := runInstall(t, &tc.s, "https://h.example.com", nil, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one naming %s", tc.s, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "wrong") {
			t.Errorf("the token in the error: %v", err)
		}
	}
}
