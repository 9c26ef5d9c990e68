package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/llmtest"
)

const doctorPublicURL = "https://handover.example.com"

// doctorWorld starts the descriptor's simulated helpdesk over real HTTP, its webhooks registered
// at doctorPublicURL.
func doctorWorld(t *testing.T, d helpdesk.Descriptor) helpdesk.World {
	t.Helper()
	var mu sync.RWMutex
	var h http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.RLock()
		hh := h
		mu.RUnlock()
		hh.ServeHTTP(w, r)
	}))
	world, err := d.Sandbox(helpdesk.SandboxOptions{SimURL: srv.URL, BotName: "AI assistant", Benchmark: true})
	if err != nil {
		srv.Close()
		t.Fatalf("%s sandbox: %v", d.Name, err)
	}
	mu.Lock()
	h = world.Handler()
	mu.Unlock()
	world.Connect(doctorPublicURL)
	t.Cleanup(func() {
		world.Close()
		srv.CloseClientConnections()
		srv.Close()
	})
	return world
}

// settingsEnv sets the environment variables of settings (a pointer to an envconfig struct).
func settingsEnv(t *testing.T, settings any) map[string]string {
	t.Helper()
	env := map[string]string{}
	v := reflect.ValueOf(settings).Elem()
	for i := 0; i < v.NumField(); i++ {
		name := v.Type().Field(i).Tag.Get("envconfig")
		if name == "" {
			continue
		}
		f := v.Field(i)
		var s string
		switch f.Kind() {
		case reflect.String:
			s = f.String()
		case reflect.Int, reflect.Int64:
			if f.Type() == reflect.TypeOf(time.Duration(0)) {
				s = time.Duration(f.Int()).String()
			} else {
				s = strconv.FormatInt(f.Int(), 10)
			}
		case reflect.Bool:
			s = strconv.FormatBool(f.Bool())
		case reflect.Map:
			var parts []string
			for _, k := range f.MapKeys() {
				parts = append(parts, fmt.Sprintf("%d:%d", k.Int(), f.MapIndex(k).Int()))
			}
			sort.Strings(parts)
			s = strings.Join(parts, ",")
		default:
			t.Fatalf("%s: cannot write a %s", name, f.Kind())
		}
		env[name] = s
	}
	return env
}

// doctorSetup sets the environment of a good configuration of helpdesk d against its simulator
// and a scripted LLM that calls the tool it is offered.
func doctorSetup(t *testing.T, d helpdesk.Descriptor) (helpdesk.World, *llmtest.Server, map[string]string) {
	world := doctorWorld(t, d)
	llm := llmtest.New()
	t.Cleanup(llm.Close)
	llm.SetDefault(func(req llmtest.Request) llmtest.Reply {
		if len(req.Tools) > 0 {
			return llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "call_1", Name: req.Tools[0], Arguments: "{}"}}}
		}
		return llmtest.Reply{Text: "OK"}
	})
	env := settingsEnv(t, world.Settings())
	for k, v := range map[string]string{
		"HANDOVER_HELPDESK": d.Name, "HANDOVER_PUBLIC_URL": doctorPublicURL,
		"HANDOVER_LLM_PROVIDER": "openai", "HANDOVER_LLM_BASE_URL": llm.URL(), "HANDOVER_LLM_API_KEY": "test-key",
		"HANDOVER_LLM_MODEL": "test-model", "HANDOVER_LLM_TIMEOUT": "5s",
	} {
		env[k] = v
	}
	return world, llm, env
}

func runDoctor(t *testing.T, env map[string]string) (string, int) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"doctor"}, &out, &errb)
	return out.String() + errb.String(), code
}

func wantLine(t *testing.T, out, label, check, text string) {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, label+" ") && strings.Contains(l, check) && strings.Contains(l, text) {
			return
		}
	}
	t.Errorf("no %s line for %q with %q in:\n%s", label, check, text, out)
}

func TestDoctor(t *testing.T) {
	wrongToken := map[string]string{
		"chatwoot": "HANDOVER_CHATWOOT_USER_TOKEN", "intercom": "HANDOVER_INTERCOM_ACCESS_TOKEN",
		"libredesk": "HANDOVER_LIBREDESK_API_SECRET", "liveagent": "HANDOVER_LIVEAGENT_API_KEY",
		"zendesk": "HANDOVER_ZENDESK_KEY_SECRET",
	}
	listsWebhooks := map[string]bool{"chatwoot": true, "libredesk": true, "zendesk": true}
	for _, d := range config.Helpdesks().Simulated() {
		t.Run(d.Name, func(t *testing.T) {
			t.Run("good", func(t *testing.T) {
				_, _, env := doctorSetup(t, d)
				out, code := runDoctor(t, env)
				if code != 0 || strings.Contains(out, "PROBLEM") || strings.Contains(out, "WARN") {
					t.Fatalf("a good configuration: exit %d\n%s", code, out)
				}
				wantLine(t, out, "ok", "configuration", "")
				wantLine(t, out, "ok", "credentials", "")
				wantLine(t, out, "ok", "LLM", "calls tools")
				if listsWebhooks[d.Name] {
					wantLine(t, out, "ok", "webhook", doctorPublicURL+"/webhooks/"+d.Name)
				} else {
					wantLine(t, out, "MANUAL", "webhook", "cannot be checked by API")
				}
			})
			t.Run("wrong token", func(t *testing.T) {
				_, _, env := doctorSetup(t, d)
				env[wrongToken[d.Name]] = "wrong-" + env[wrongToken[d.Name]]
				out, code := runDoctor(t, env)
				if code != 1 {
					t.Errorf("exit %d, want 1", code)
				}
				wantLine(t, out, "PROBLEM", "credentials", wrongToken[d.Name])
			})
			if listsWebhooks[d.Name] {
				t.Run("webhook elsewhere", func(t *testing.T) {
					world, _, env := doctorSetup(t, d)
					world.Connect("https://elsewhere.example.com")
					out, code := runDoctor(t, env)
					if code != 1 {
						t.Errorf("exit %d, want 1", code)
					}
					wantLine(t, out, "PROBLEM", "webhook", "https://elsewhere.example.com/webhooks/"+d.Name)
				})
			}
			t.Run("missing team", func(t *testing.T) {
				_, _, env := doctorSetup(t, d)
				switch d.Name {
				case "chatwoot", "libredesk":
					v := "HANDOVER_" + strings.ToUpper(d.Name) + "_TEAMS"
					inbox, _, _ := strings.Cut(env[v], ":")
					env[v] = inbox + ":999"
				case "liveagent":
					from, _, _ := strings.Cut(env["HANDOVER_LIVEAGENT_DEPARTMENTS"], ":")
					env["HANDOVER_LIVEAGENT_DEPARTMENTS"] = from + ":nosuchdept"
				case "intercom":
					env["HANDOVER_INTERCOM_TEAM_ID"] = "999999"
				case "zendesk":
					env["HANDOVER_ZENDESK_GROUP_ID"] = "999999"
				}
				out, code := runDoctor(t, env)
				if code != 1 {
					t.Errorf("exit %d, want 1", code)
				}
				wantLine(t, out, "PROBLEM", "", "does not exist")
			})
			t.Run("help center", func(t *testing.T) {
				_, _, env := doctorSetup(t, d)
				env["HANDOVER_KNOWLEDGE_HELP_CENTER"] = "true"
				out, code := runDoctor(t, env)
				if _, reads := newAdapterOf(t, d, env).(helpdesk.HelpCenter); reads {
					if code != 0 {
						t.Errorf("exit %d, want 0", code)
					}
					wantLine(t, out, "ok", "help center", "published articles")
				} else {
					if code != 1 {
						t.Errorf("exit %d, want 1", code)
					}
					wantLine(t, out, "PROBLEM", "help center", "reads no help center")
				}
			})
			t.Run("LLM calls no tool", func(t *testing.T) {
				_, llm, env := doctorSetup(t, d)
				llm.SetDefault(func(llmtest.Request) llmtest.Reply { return llmtest.Reply{Text: "pong"} })
				out, code := runDoctor(t, env)
				if code != 1 {
					t.Errorf("exit %d, want 1", code)
				}
				wantLine(t, out, "WARN", "LLM", "did not call the tool")
				if reqs := llm.Requests(); len(reqs) == 0 || len(reqs[0].Tools) != 1 {
					t.Errorf("the LLM was not offered one tool: %+v", reqs)
				}
			})
		})
	}
}

func TestDoctorReportsConfigurationAndLLMErrors(t *testing.T) {
	llm := llmtest.New()
	t.Cleanup(llm.Close)
	llm.SetDefault(func(llmtest.Request) llmtest.Reply {
		return llmtest.Reply{Status: http.StatusUnauthorized, Text: "Incorrect API key provided"}
	})
	out, code := runDoctor(t, map[string]string{
		"HANDOVER_HELPDESK": "chatwoot", "HANDOVER_CHATWOOT_URL": "", "HANDOVER_LLM_PROVIDER": "openai",
		"HANDOVER_LLM_BASE_URL": llm.URL(), "HANDOVER_LLM_API_KEY": "bad-key", "HANDOVER_LLM_MODEL": "m",
	})
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	wantLine(t, out, "PROBLEM", "configuration", "HANDOVER_CHATWOOT_URL")
	wantLine(t, out, "PROBLEM", "helpdesk", "not checked")
	wantLine(t, out, "PROBLEM", "LLM", "401")
}

func TestClockFinding(t *testing.T) {
	now := time.Now()
	if f := helpdesk.ClockFinding(now.Add(-10*time.Second), now, 5*time.Minute); !f.OK {
		t.Errorf("10 s: %+v", f)
	}
	if f := helpdesk.ClockFinding(now.Add(-2*time.Minute), now, 5*time.Minute); f.OK || !f.Warn {
		t.Errorf("2 min within a 5 min tolerance should warn: %+v", f)
	}
	if f := helpdesk.ClockFinding(now.Add(10*time.Minute), now, 5*time.Minute); f.OK || f.Warn || !strings.Contains(f.Problem, "10m0s") {
		t.Errorf("10 min beyond the tolerance should be a problem: %+v", f)
	}
}

// newAdapterOf builds helpdesk d's adapter from the environment env (to ask what it can do).
func newAdapterOf(t *testing.T, d helpdesk.Descriptor, env map[string]string) helpdesk.Adapter {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	hd, err := d.New(cfg.Settings(), helpdesk.Deps{BotName: "AI assistant"})
	if err != nil {
		t.Fatal(err)
	}
	return hd
}

// The files of HANDOVER_KNOWLEDGE_DIR load or say why not; the embedding model answers or says
// why not, without the key.
func TestDoctorKnowledgeChecks(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "faq.md"), []byte("# Shipping\n\nWe ship in two days.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	emb := llmtest.NewEmbeddings()
	t.Cleanup(emb.Close)
	cfg := config.Config{Helpdesk: "chatwoot", KnowledgeDir: dir, EmbeddingModel: "test-embed",
		LLMProvider: "openai", LLMBaseURL: emb.URL(), LLMAPIKey: "sk-secret-key"}
	fs := checkKnowledge(context.Background(), cfg, nil)
	if len(fs) != 2 || !fs[0].OK || !strings.Contains(fs[0].Problem, "1 passages") || !fs[1].OK {
		t.Fatalf("good: %+v", fs)
	}
	if reqs := emb.Requests(); len(reqs) != 1 || reqs[0].Model != "test-embed" {
		t.Fatalf("embedding requests %+v", reqs)
	}
	emb.SetStatus(http.StatusUnauthorized)
	cfg.KnowledgeDir = filepath.Join(dir, "missing")
	fs = checkKnowledge(context.Background(), cfg, nil)
	if len(fs) != 2 || fs[0].OK || fs[1].OK || !strings.Contains(fs[1].Fix, "HANDOVER_EMBEDDING_MODEL") {
		t.Fatalf("bad: %+v", fs)
	}
	for _, f := range fs {
		if strings.Contains(f.Problem, "sk-secret-key") {
			t.Fatalf("the key is in %+v", f)
		}
	}
	cfg.KnowledgeHelpCenter = true
	cfg.KnowledgeDir, cfg.EmbeddingModel = "", ""
	if fs := checkKnowledge(context.Background(), cfg, nil); len(fs) != 1 || fs[0].OK || !strings.Contains(fs[0].Problem, "not checked") {
		t.Fatalf("help center without a helpdesk: %+v", fs)
	}
}
