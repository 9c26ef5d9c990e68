package e2e

// The fault suite: the service must lose nothing and double nothing while
// deliveries repeat and reorder, the process is SIGKILLed mid-turn, the
// helpdesk answers 429/500/slowly/drops connections, the LLM fails, hangs
// or returns broken tool calls, and two replicas share one helpdesk.
// Each run prints its counts; docs/reliability.md keeps a full run.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/chatwoot"
	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/internal/app"
	"github.com/handover-dev/handover/internal/llmtest"
	"github.com/handover-dev/handover/internal/testenv"
	"github.com/handover-dev/handover/replicas"
)

var faultScale = flag.Int("fault.scale", 1, "multiply the fault suite's conversations (docs/reliability.md uses 5)")

// faultRun describes one fault scenario.
type faultRun struct {
	name        string
	convs, msgs int
	copies      func(r *rand.Rand) int // deliveries per webhook (1 = no duplicates)
	shuffle     bool                   // extra copies arrive late, in random order
	replicas    int
	redis       bool
	sticky      bool // route a conversation's deliveries to one replica
	simFaults   sim.Faults
	llmFaults   bool
	kill        bool // run handover as a process and SIGKILL it mid-turn
	llmDelay    time.Duration
}

// counts are what each run reports.
type counts struct {
	sent, expectedReplies, replies, lost, doubled int
	handoversExpected, handoversDone              int
	kills, helpdeskFaults                         int
}

func (c counts) String() string {
	return fmt.Sprintf("visitor messages %d, replies expected %d, posted %d, lost %d, doubled %d, handovers expected %d, done %d",
		c.sent, c.expectedReplies, c.replies, c.lost, c.doubled, c.handoversExpected, c.handoversDone)
}

// faultMarker decides, from the text, what the scripted LLM does.
func faultMarker(conv, msg int, on bool) string {
	if !on {
		return ""
	}
	switch {
	case (conv+3*msg)%9 == 4:
		return " [fail]"
	case (conv+5*msg)%13 == 6:
		return " [hang]"
	case (conv+msg)%5 == 1:
		return " [badtool]"
	}
	return ""
}

func faultLLM(delay time.Duration) *llmtest.Server {
	llm := llmtest.New()
	llm.SetDefault(func(req llmtest.Request) llmtest.Reply {
		var lastUser string
		lastRole := ""
		for _, m := range req.Messages {
			if m.Role == "user" {
				lastUser = m.Content
			}
			lastRole = m.Role
		}
		if strings.Contains(strings.ToLower(req.Messages[0].Content), "summar") {
			return llmtest.Reply{Text: "Visitor asked questions; see transcript."}
		}
		switch {
		case strings.Contains(lastUser, "[fail]"):
			return llmtest.Reply{Status: http.StatusInternalServerError}
		case strings.Contains(lastUser, "[hang]"):
			return llmtest.Reply{Text: "too late", Delay: 3 * time.Second}
		case strings.Contains(lastUser, "[badtool]") && lastRole != "tool":
			return llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "bad", Name: "request_human_agent", Arguments: `{"reason": "unterminated`}}}
		}
		return llmtest.Reply{Text: "Answer to " + lastUser, Delay: delay}
	})
	return llm
}

func TestFaultSuite(t *testing.T) {
	s := *faultScale
	dup := func(r *rand.Rand) int { return 1 + r.Intn(5) }
	runs := []faultRun{
		{name: "repeated 1-5x and shuffled", convs: 8 * s, msgs: 4, copies: dup, shuffle: true, replicas: 1},
		{name: "helpdesk 429/500/slow/dropped", convs: 8 * s, msgs: 4, copies: func(*rand.Rand) int { return 1 }, replicas: 1,
			simFaults: sim.Faults{Status429Rate: 0.05, RetryAfter: time.Second, Status500Rate: 0.05, DropRate: 0.03, Delay: 2 * time.Millisecond}},
		{name: "LLM failing, hanging, broken tool calls", convs: 10 * s, msgs: 4, copies: func(*rand.Rand) int { return 1 }, replicas: 1, llmFaults: true},
		{name: "two replicas, no Redis (sticky)", convs: 8 * s, msgs: 4, copies: dup, shuffle: true, replicas: 2, sticky: true},
		{name: "two replicas with Redis", convs: 8 * s, msgs: 4, copies: dup, shuffle: true, replicas: 2, redis: true},
		{name: "SIGKILL mid-turn", convs: 6 * s, msgs: 5, copies: func(*rand.Rand) int { return 1 }, kill: true, llmDelay: 120 * time.Millisecond},
	}
	for i, fr := range runs {
		t.Run(fr.name, func(t *testing.T) {
			c := runFault(t, fr, int64(i+1))
			line := "fault " + fmt.Sprintf("%-40s ", fr.name+":") + c.String()
			if fr.kill {
				line += fmt.Sprintf(", kills %d", c.kills)
			}
			if c.helpdeskFaults > 0 {
				line += fmt.Sprintf(", helpdesk faults injected %d", c.helpdeskFaults)
			}
			t.Log(line)
			reportFault(line)
			if c.lost != 0 || c.doubled != 0 || c.handoversDone != c.handoversExpected || c.replies != c.expectedReplies {
				t.Fatalf("%s", line)
			}
		})
	}
}

// reportFault appends a line to $HANDOVER_FAULT_REPORT (scripts/test.sh prints it).
func reportFault(line string) {
	p := os.Getenv("HANDOVER_FAULT_REPORT")
	if p == "" {
		return
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}

// target is one running handover: in-process or a child process.
type target interface {
	serve(w http.ResponseWriter, r *http.Request)
}

type inProcess struct{ a *app.App }

func (p inProcess) serve(w http.ResponseWriter, r *http.Request) { p.a.Server.ServeHTTP(w, r) }

func runFault(t *testing.T, fr faultRun, seed int64) counts {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	var rngMu sync.Mutex
	roll := func(f func(r *rand.Rand) int) int { rngMu.Lock(); defer rngMu.Unlock(); return f(rng) }

	llm := faultLLM(fr.llmDelay)
	defer llm.Close()
	world := sim.New(sim.Options{AccountID: 1, BotToken: botToken, UserToken: userToken, WebhookSecret: secret,
		RetryWait: 20 * time.Millisecond, Seed: seed, KeepPendingOnBotFailure: true})
	simSrv := httptest.NewServer(world.Handler())
	defer simSrv.Close()
	defer world.Close()
	demo := world.SeedDemo()

	cfg := baseConfig("chatwoot", llm.URL())
	cfg.LLMTimeout, cfg.LogLevel, cfg.MaxConcurrentTurns, cfg.MaxQueuedEvents = 400*time.Millisecond, "error", 16, 10000
	// The grace exceeds the longest turn plus Chatwoot's 1 s timestamp granularity.
	cfg.ReconcileInterval, cfg.ReconcileGrace = 250*time.Millisecond, 3*time.Second

	var targets []target
	var kill *killer
	if fr.kill {
		kill = startKiller(t, simSrv.URL, llm.URL(), demo)
		defer kill.stop()
		targets = []target{kill}
	} else {
		// Replicas share one Redis key prefix, as a deployment would.
		prefix := fmt.Sprintf("fault:%d:%d:", seed, time.Now().UnixNano())
		for i := 0; i < max(1, fr.replicas); i++ {
			opts := app.Options{LaneRetryBase: 20 * time.Millisecond, PostSettle: 200 * time.Millisecond}
			if fr.redis {
				r, err := replicas.Open(context.Background(), testenv.RedisURL(t), replicas.Options{Prefix: prefix})
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				opts.Redis = r
			}
			hd, err := chatwoot.New(chatwoot.Config{BaseURL: simSrv.URL, AccountID: 1, BotToken: botToken, UserToken: userToken,
				WebhookSecret: secret, Teams: map[int]int{demo.InboxID: demo.TeamID}, RetryWaitMax: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			a, err := app.New(cfg, hd, opts)
			if err != nil {
				t.Fatal(err)
			}
			a.StartBackground()
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = a.Shutdown(ctx)
			}()
			targets = append(targets, inProcess{a})
		}
	}

	// The relay stands for the load balancer: duplicates, reorders and routes.
	var late sync.WaitGroup
	sticky, copies, shuffle := fr.sticky, fr.copies, fr.shuffle // the handler shares nothing else with this run
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		conv := convOf(body)
		pick := func() target {
			if sticky || len(targets) == 1 {
				return targets[conv%len(targets)]
			}
			return targets[roll(func(r *rand.Rand) int { return r.Intn(len(targets)) })]
		}
		n := roll(copies)
		for i := 1; i < n; i++ {
			delay := time.Duration(0)
			if shuffle {
				delay = time.Duration(roll(func(r *rand.Rand) int { return r.Intn(40) })) * time.Millisecond
			}
			tg, hdr := pick(), r.Header.Clone()
			late.Add(1)
			go func() {
				defer late.Done()
				time.Sleep(delay)
				req := httptest.NewRequest(http.MethodPost, r.URL.Path, bytes.NewReader(body))
				req.Header = hdr
				tg.serve(httptest.NewRecorder(), req)
			}()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		pick().serve(w, r)
	}))
	defer func() {
		// Stop the helpdesk's deliveries before the relay goes away, so no
		// delivery is in flight on a closing server.
		world.Close()
		late.Wait()
		relay.CloseClientConnections()
		relay.Close()
	}()
	world.SetWebhookURL(relay.URL + "/webhooks/chatwoot")
	world.SetFaults(fr.simFaults)

	// The visitors: each conversation sends its messages one after another,
	// waiting for an answer (or a handover) like a person would.
	var c counts
	var mu sync.Mutex
	var wg sync.WaitGroup
	convIDs := make([]int, fr.convs)
	for i := 0; i < fr.convs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			contact := fmt.Sprintf("visitor-%d", i)
			for j := 0; j < fr.msgs; j++ {
				marker := faultMarker(i, j, fr.llmFaults)
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				id, msgID, err := sendRetrying(ctx, world, demo.InboxID, contact, fmt.Sprintf("question %d of visitor %d%s", j, i, marker))
				cancel()
				if err != nil {
					t.Errorf("visitor send: %v", err)
					return
				}
				convIDs[i] = id
				mu.Lock()
				c.sent++
				if strings.Contains(marker, "fail") || strings.Contains(marker, "hang") {
					c.handoversExpected++
				}
				mu.Unlock()
				v := waitAnswered(world, id, msgID, 20*time.Second)
				if v.Status != "pending" {
					return // handed over: the visitor now waits for an agent
				}
			}
		}()
	}
	wg.Wait()
	world.SetFaults(sim.Faults{})
	late.Wait()
	time.Sleep(600 * time.Millisecond) // let late duplicates and the reconciler act
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	_ = world.WaitIdle(ctx)
	cancel()
	if kill != nil {
		c.kills = kill.count()
	}
	for _, call := range world.Calls() {
		if call.Status == http.StatusTooManyRequests || call.Status == http.StatusInternalServerError || call.Status == 0 {
			c.helpdeskFaults++
		}
	}

	for _, id := range convIDs {
		if id == 0 {
			continue
		}
		v, _ := world.Conversation(id)
		before := c.doubled + c.lost
		tally(&c, v)
		if c.doubled+c.lost != before {
			t.Logf("conversation %d:\n%s", id, dump(v))
		}
	}
	return c
}

// sendRetrying sends a visitor message, retrying while the sim injects faults
// into its own visitor API (the widget would retry too).
func sendRetrying(ctx context.Context, w *sim.Server, inbox int, contact, text string) (int, int, error) {
	for {
		id, msg, err := w.VisitorSend(ctx, inbox, contact, text)
		if err == nil || ctx.Err() != nil {
			return id, msg, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitAnswered waits until a public bot message follows msgID or the
// conversation leaves the bot.
func waitAnswered(w *sim.Server, id, msgID int, timeout time.Duration) sim.ConversationView {
	deadline := time.Now().Add(timeout)
	for {
		v, _ := w.Conversation(id)
		seen := false
		for _, m := range v.Messages {
			if m.ID == msgID {
				seen = true
			} else if seen && m.SenderType == "agent_bot" && !m.Private && m.Type == "outgoing" {
				return v
			}
		}
		if v.Status != "pending" || time.Now().After(deadline) {
			return v
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// tally counts replies per visitor message in one conversation.
func tally(c *counts, v sim.ConversationView) {
	replies := -1 // replies since the last visitor message; -1 before the first
	handedOver := false
	flush := func() {
		if replies < 0 || handedOver && replies == 0 {
			return
		}
		c.expectedReplies++
		switch {
		case replies == 0:
			c.lost++
		case replies > 1:
			c.doubled++
			c.replies += replies
			return
		}
		c.replies += replies
	}
	for _, m := range v.Messages {
		switch {
		case m.Type == "incoming":
			if handedOver {
				continue
			}
			flush()
			replies = 0
		case m.Type == "outgoing" && m.SenderType == "agent_bot" && !m.Private:
			if replies >= 0 && !handedOver {
				replies++
			}
			if strings.Contains(m.Content, "handing you over") || strings.Contains(m.Content, "No agent is available") {
				flush()
				handedOver = true
				replies = -1
			}
		}
	}
	if !handedOver {
		flush()
	}
	if v.Status == "open" && handedOverByBot(v) {
		c.handoversDone++
	}
}

// handedOverByBot reports whether the bot's handover note (the mark the
// Chatwoot adapter derives "queued" from) is in the conversation.
func handedOverByBot(v sim.ConversationView) bool {
	for _, m := range v.Messages {
		if m.Private && m.SenderType == "agent_bot" && strings.HasPrefix(m.Content, "Handed over to a human agent by the bot.") {
			return true
		}
	}
	return false
}

// convOf returns the conversation a Chatwoot delivery is about: message
// events carry it in "conversation", conversation events are the
// conversation itself (conversation.webhook_data).
func convOf(body []byte) int {
	var p struct {
		Event        string `json:"event"`
		ID           int    `json:"id"`
		Conversation struct {
			ID int `json:"id"`
		} `json:"conversation"`
	}
	_ = json.Unmarshal(body, &p)
	if strings.HasPrefix(p.Event, "conversation_") {
		return p.ID
	}
	return p.Conversation.ID
}

// killer runs `handover serve` as a child process and SIGKILLs it at random
// moments, restarting it each time.
type killer struct {
	t       *testing.T
	bin     string
	env     []string
	addr    string
	mu      sync.Mutex
	cmd     *exec.Cmd
	kills   atomic.Int32
	done    chan struct{}
	stopped chan struct{}
	client  *http.Client
}

var buildOnce sync.Once
var builtBin string
var buildErr error

func buildBinary(t *testing.T) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "handover-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "handover")
		out, err := exec.Command("go", "build", "-o", builtBin, "../cmd/handover").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startKiller(t *testing.T, simURL, llmURL string, demo sim.Demo) *killer {
	k := &killer{t: t, bin: buildBinary(t), addr: freeAddr(t), done: make(chan struct{}), stopped: make(chan struct{}),
		client: &http.Client{Timeout: 10 * time.Second}}
	k.env = append(os.Environ(),
		"HANDOVER_HELPDESK=chatwoot", "HANDOVER_LISTEN_ADDR="+k.addr,
		"HANDOVER_CHATWOOT_URL="+simURL, "HANDOVER_CHATWOOT_ACCOUNT_ID=1",
		"HANDOVER_CHATWOOT_BOT_TOKEN="+botToken, "HANDOVER_CHATWOOT_USER_TOKEN="+userToken,
		"HANDOVER_CHATWOOT_WEBHOOK_SECRET="+secret, fmt.Sprintf("HANDOVER_CHATWOOT_TEAMS=%d:%d", demo.InboxID, demo.TeamID),
		"HANDOVER_LLM_PROVIDER=openai", "HANDOVER_LLM_BASE_URL="+llmURL, "HANDOVER_LLM_API_KEY=k", "HANDOVER_LLM_MODEL=m",
		"HANDOVER_LLM_TIMEOUT=1s", "HANDOVER_RECONCILE_INTERVAL=250ms", "HANDOVER_RECONCILE_GRACE=1500ms",
		"HANDOVER_LOG_LEVEL=error", "HANDOVER_SHUTDOWN_GRACE=1s")
	k.start()
	go k.loop()
	return k
}

func (k *killer) start() {
	cmd := exec.Command(k.bin, "serve")
	cmd.Env = k.env
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		k.t.Errorf("start handover: %v", err)
		return
	}
	k.mu.Lock()
	k.cmd = cmd
	k.mu.Unlock()
	for i := 0; i < 200; i++ {
		if resp, err := k.client.Get("http://" + k.addr + "/healthz"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (k *killer) loop() {
	defer close(k.stopped)
	r := rand.New(rand.NewSource(7))
	for {
		select {
		case <-k.done:
			return
		case <-time.After(time.Duration(150+r.Intn(300)) * time.Millisecond):
		}
		k.mu.Lock()
		cmd := k.cmd
		k.mu.Unlock()
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		k.kills.Add(1)
		time.Sleep(50 * time.Millisecond)
		k.start()
	}
}

func (k *killer) count() int { return int(k.kills.Load()) }

func (k *killer) stop() {
	close(k.done)
	<-k.stopped
	k.mu.Lock()
	cmd := k.cmd
	k.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
}

// serve forwards a delivery to the child process; while it is down the
// helpdesk sees a failed delivery (Chatwoot does not retry connection errors).
func (k *killer) serve(w http.ResponseWriter, r *http.Request) {
	req, _ := http.NewRequest(r.Method, "http://"+k.addr+r.URL.Path, r.Body)
	req.Header = r.Header.Clone()
	resp, err := k.client.Do(req)
	if err != nil {
		http.Error(w, "upstream down", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
