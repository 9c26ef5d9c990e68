package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/app"
	"github.com/handover-dev/handover/internal/llmtest"
	"github.com/handover-dev/handover/internal/testenv"
)

const wrongCredential = "wrong-credential-value"

// world is a simulated helpdesk served over real HTTP at a fixed address, which the test can
// start late (a helpdesk that comes up after the service).
type world struct {
	helpdesk.World
	addr string
	srv  *http.Server
}

func newWorld(t *testing.T, d helpdesk.Descriptor, serve bool) *world {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	w, err := d.Sandbox(helpdesk.SandboxOptions{SimURL: "http://" + addr, BotName: "AI assistant", Benchmark: true})
	if err != nil {
		t.Fatal(err)
	}
	wd := &world{World: w, addr: addr, srv: &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 5 * time.Second}}
	t.Cleanup(func() {
		_ = wd.srv.Close()
		w.Close()
	})
	if serve {
		go func() { _ = wd.srv.Serve(ln) }()
	} else {
		_ = ln.Close() // connection refused until start
	}
	return wd
}

func (w *world) start(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", w.addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = w.srv.Serve(ln) }()
}

// settings returns the world's settings with the secret fields named in breaks (all of them
// for "*") set to a wrong value.
func settings(w helpdesk.World, breaks ...string) helpdesk.Settings {
	cp := reflect.New(reflect.ValueOf(w.Settings()).Elem().Type())
	cp.Elem().Set(reflect.ValueOf(w.Settings()).Elem()) // a copy: the world keeps its own
	s := cp.Interface().(helpdesk.Settings)
	rv := cp.Elem()
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Type().Field(i)
		if f.Type != reflect.TypeOf(helpdesk.Secret("")) || rv.Field(i).String() == "" {
			continue
		}
		for _, b := range breaks {
			if b == "*" || b == f.Name {
				rv.Field(i).SetString(wrongCredential)
			}
		}
	}
	return s
}

// service starts the service for the adapter with checks every interval, served over HTTP.
func service(t *testing.T, cfg config.Config, hd helpdesk.Adapter, interval time.Duration, logs io.Writer) string {
	t.Helper()
	a, err := app.New(cfg, hd, app.Options{CheckInterval: interval, Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	a.StartBackground()
	srv := httptest.NewServer(a.Server)
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Shutdown(ctx)
	})
	return srv.URL
}

// readyz returns the readiness status and body.
func readyz(t *testing.T, base string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitReady waits until /readyz answers status with a body containing want, every check done.
func waitReady(t *testing.T, base string, status int, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, body := readyz(t, base)
		if got == status && strings.Contains(body, want) && !strings.Contains(body, "not checked yet") {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz: %d %s; want %d with %q", got, body, status, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func baseConfig(name string) config.Config {
	return config.Config{Helpdesk: name, RequiredAnswers: 3, HumanRequestInChat: true, BotName: "AI assistant",
		LLMProvider: "offline", LLMTimeout: 2 * time.Second, LogLevel: "debug", MaxQueuedEvents: 100, MaxActive: 100,
		LLMMaxConcurrency: 10, ShutdownGrace: 5 * time.Second}
}

// unescape returns the reason of a /readyz body.
func unescape(body string) string {
	var v map[string]string
	if json.Unmarshal([]byte(body), &v) == nil {
		return v["error"]
	}
	return body
}

// part returns the reason of a /readyz body that starts with prefix.
func part(body, prefix string) string {
	for _, p := range strings.Split(unescape(body), "; ") {
		if strings.HasPrefix(p, prefix) {
			return p
		}
	}
	return ""
}

// With a wrong credential the service starts, logs one line saying what is wrong and what to
// fix, and is not ready (503 with that line); with the right ones it is ready. Over real HTTP
// against every simulated helpdesk.
func TestHelpdeskCheckEveryHelpdesk(t *testing.T) {
	// The second credential of helpdesks with two, which only a second request checks.
	second := map[string]struct{ field, fix, at string }{
		"chatwoot":  {"BotToken", "check HANDOVER_CHATWOOT_BOT_TOKEN", "/conversations/0"},
		"zendesk":   {"APIToken", "check HANDOVER_ZENDESK_EMAIL and HANDOVER_ZENDESK_API_TOKEN", "GET /api/v2/users"},
		"liveagent": {"APIV1Key", "check HANDOVER_LIVEAGENT_API_V1_KEY", "GET /api/onlinestatus/agents"},
	}
	for _, d := range config.Helpdesks().Simulated() {
		t.Run(d.Name, func(t *testing.T) {
			w := newWorld(t, d, true)
			hd, err := d.New(settings(w, "*"), helpdesk.Deps{})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := hd.(helpdesk.Checker); !ok {
				t.Fatalf("%s: the adapter cannot check itself (helpdesk.Checker)", d.Name)
			}
			var logs testenv.LogBuffer
			base := service(t, baseConfig(d.Name), hd, time.Hour, &logs)
			prefix := "helpdesk " + d.Name + ": 401 Unauthorized at GET /"
			line := unescape(waitReady(t, base, http.StatusServiceUnavailable, prefix))
			if !strings.Contains(line, ": check HANDOVER_"+strings.ToUpper(d.Name)+"_") || strings.Contains(line, wrongCredential) {
				t.Errorf("readiness: %s", line)
			}
			if errs := logs.Messages("ERROR"); len(errs) != 1 || errs[0] != line {
				t.Errorf("logged %q, want the one line %q", errs, line)
			}
			if strings.Contains(logs.String(), wrongCredential) {
				t.Errorf("a credential in the logs:\n%s", logs.String())
			}

			if sc, ok := second[d.Name]; ok {
				hd, err := d.New(settings(w, sc.field), helpdesk.Deps{})
				if err != nil {
					t.Fatal(err)
				}
				base := service(t, baseConfig(d.Name), hd, time.Hour, io.Discard)
				line := unescape(waitReady(t, base, http.StatusServiceUnavailable, "helpdesk "+d.Name+": "))
				if !strings.Contains(line, sc.at) || !strings.HasSuffix(line, sc.fix) {
					t.Errorf("wrong %s: %s", sc.field, line)
				}
			}

			hd, err = d.New(settings(w), helpdesk.Deps{})
			if err != nil {
				t.Fatal(err)
			}
			logs = testenv.LogBuffer{}
			base = service(t, baseConfig(d.Name), hd, time.Hour, &logs)
			waitReady(t, base, http.StatusOK, "ready")
			if infos := strings.Join(logs.Messages("INFO"), "\n"); !strings.Contains(infos, "helpdesk "+d.Name+": reachable, credentials accepted") {
				t.Errorf("no line for the passed check:\n%s", logs.String())
			}
		})
	}
}

// A helpdesk that is down at start makes the service not ready with "connection refused"; once
// it comes up, a later check makes the service ready.
func TestHelpdeskComesUpLater(t *testing.T) {
	d, _ := config.Helpdesks().Lookup("chatwoot")
	w := newWorld(t, d, false)
	hd, err := d.New(settings(w), helpdesk.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	var logs testenv.LogBuffer
	base := service(t, baseConfig(d.Name), hd, 50*time.Millisecond, &logs)
	line := unescape(waitReady(t, base, http.StatusServiceUnavailable, "helpdesk chatwoot: connection refused at http://"+w.addr+"/api/v1/accounts/"))
	if !strings.HasSuffix(line, ": check HANDOVER_CHATWOOT_URL and that the helpdesk is reachable from here") {
		t.Errorf("line: %s", line)
	}
	time.Sleep(150 * time.Millisecond) // a few failed re-checks: logged once
	w.start(t)
	waitReady(t, base, http.StatusOK, "ready")
	if errs := logs.Messages("ERROR"); len(errs) != 1 {
		t.Errorf("the same failure logged %d times: %q", len(errs), errs)
	}
	if infos := strings.Join(logs.Messages("INFO"), "\n"); !strings.Contains(infos, "helpdesk chatwoot: reachable now") {
		t.Errorf("no recovery line:\n%s", logs.String())
	}
}

// The LLM is checked with one tiny request through the scripted OpenAI-compatible server: its
// problems name the variable to fix, a later success makes the service ready, and the offline
// bot needs no check.
func TestLLMCheck(t *testing.T) {
	d, _ := config.Helpdesks().Lookup("chatwoot")
	w := newWorld(t, d, true)
	llmCfg := func(url string) config.Config {
		c := baseConfig("chatwoot")
		c.LLMProvider, c.LLMBaseURL, c.LLMAPIKey, c.LLMModel = "openai", url, "sk-test-key-123", "test-model"
		return c
	}
	start := func(cfg config.Config, interval time.Duration, logs io.Writer) string {
		hd, err := d.New(settings(w), helpdesk.Deps{})
		if err != nil {
			t.Fatal(err)
		}
		return service(t, cfg, hd, interval, logs)
	}

	// Nothing listens: connection refused at the URL, check HANDOVER_LLM_BASE_URL.
	down := llmtest.New()
	downURL := down.URL()
	down.Close()
	line := part(waitReady(t, start(llmCfg(downURL), time.Hour, io.Discard), http.StatusServiceUnavailable, "LLM openai: "), "LLM openai: ")
	if want := "LLM openai: connection refused at " + downURL + "/chat/completions: check HANDOVER_LLM_BASE_URL"; line != want {
		t.Errorf("got  %s\nwant %s", line, want)
	}

	for _, c := range []struct {
		reply llmtest.Reply
		want  string
	}{
		{llmtest.Reply{Status: 401, Text: "Incorrect API key provided: sk-test-key-123."}, "401 Unauthorized at %s/chat/completions (Incorrect API key provided: [redacted].): check HANDOVER_LLM_API_KEY"},
		{llmtest.Reply{Status: 404, Text: "The model `test-model` does not exist or you do not have access to it."}, "404 Not Found at %s/chat/completions (The model `test-model` does not exist or you do not have access to it.): check HANDOVER_LLM_MODEL"},
		{llmtest.Reply{Status: 429, Text: "You exceeded your current quota, please check your plan and billing details."}, "429 Too Many Requests at %s/chat/completions (You exceeded your current quota, please check your plan and billing details.): check the provider account's quota and billing"},
	} {
		llm := llmtest.New()
		llm.Enqueue(c.reply)
		var logs testenv.LogBuffer
		base := start(llmCfg(llm.URL()), 50*time.Millisecond, &logs)
		line := part(waitReady(t, base, http.StatusServiceUnavailable, "LLM openai: "), "LLM openai: ")
		want := "LLM openai: " + strings.ReplaceAll(c.want, "%s", llm.URL())
		if line != want {
			t.Errorf("got  %s\nwant %s", line, want)
		}
		// The scripted failure was one reply: the next check passes and the service gets ready.
		waitReady(t, base, http.StatusOK, "ready")
		reqs := llm.Requests()
		if len(reqs) < 2 || reqs[0].Model != "test-model" || len(reqs[0].Messages) != 1 {
			t.Errorf("check requests: %+v", reqs)
		}
		if strings.Contains(logs.String(), "sk-test-key-123") {
			t.Errorf("the API key in the logs:\n%s", logs.String())
		}
		llm.Close()
	}

	// A plain rate limit is no configuration problem: the key was taken.
	llm := llmtest.New()
	defer llm.Close()
	llm.Enqueue(llmtest.Reply{Status: 429, RetryAfter: "1"})
	waitReady(t, start(llmCfg(llm.URL()), time.Hour, io.Discard), http.StatusOK, "ready")

	// A provider that takes the request but answers late (a model still loading) is no
	// configuration problem: ready, with a warning.
	slowLLM := llmtest.New()
	defer slowLLM.Close()
	slowLLM.Enqueue(llmtest.Reply{Text: "pong", Delay: 2 * time.Second})
	slowCfg := llmCfg(slowLLM.URL())
	slowCfg.LLMTimeout = 100 * time.Millisecond
	var slowLogs testenv.LogBuffer
	waitReady(t, start(slowCfg, time.Hour, &slowLogs), http.StatusOK, "ready")
	if warns := strings.Join(slowLogs.Messages("WARN"), "\n"); !strings.Contains(warns, "LLM openai: no answer in time at "+slowLLM.URL()+"/chat/completions; it is reachable") {
		t.Errorf("no warning for the slow LLM:\n%s", slowLogs.String())
	}

	// The offline bot needs no check: no LLM line.
	var logs testenv.LogBuffer
	waitReady(t, start(baseConfig("chatwoot"), time.Hour, &logs), http.StatusOK, "ready")
	if strings.Contains(logs.String(), "LLM ") {
		t.Errorf("the offline bot was checked:\n%s", logs.String())
	}
}

// Without CheckInterval (tests, the sandbox) nothing is checked and the service is ready at
// once.
func TestNoChecksWithoutInterval(t *testing.T) {
	d, _ := config.Helpdesks().Lookup("chatwoot")
	w := newWorld(t, d, true)
	hd, err := d.New(settings(w, "*"), helpdesk.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	base := service(t, baseConfig("chatwoot"), hd, 0, io.Discard)
	if status, body := readyz(t, base); status != http.StatusOK {
		t.Fatalf("/readyz %d %s", status, body)
	}
	w.ResetCalls()
	time.Sleep(50 * time.Millisecond)
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("helpdesk calls without checks: %+v", calls)
	}
}
