package conformance

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/handover"
	"github.com/handover-dev/handover/internal/llmtest"
	"github.com/handover-dev/handover/internal/testenv"
	"github.com/handover-dev/handover/replicas"
)

// FaultRun is one fault scenario: how deliveries, the helpdesk, the LLM and the service
// misbehave while visitors chat.
type FaultRun struct {
	Name        string
	Convs, Msgs int
	// Copies is the number of deliveries per webhook (nil: 1); Shuffle makes the extra ones
	// arrive late, in random order.
	Copies  func(r *rand.Rand) int
	Shuffle bool
	// Replicas share the helpdesk: with Redis they share locks and de-duplication, without it
	// Sticky routes a conversation's deliveries to one replica, as a load balancer would.
	Replicas int
	Redis    bool
	Sticky   bool
	// Helpdesk makes the helpdesk's API fail while visitors chat.
	Helpdesk helpdesk.Faults
	// LLM makes the model fail, hang or call a tool with broken arguments, by message.
	LLM bool
	// Kill runs the service as a process and SIGKILLs it at random moments (every 0.3-0.9 s).
	Kill     bool
	LLMDelay time.Duration
}

// FaultRuns is the fault suite at scale s (s multiplies the conversations).
func FaultRuns(s int) []FaultRun {
	one := func(*rand.Rand) int { return 1 }
	dup := func(r *rand.Rand) int { return 1 + r.Intn(5) }
	return []FaultRun{
		{Name: "repeated 1-5x and shuffled", Convs: 8 * s, Msgs: 4, Copies: dup, Shuffle: true, Replicas: 1},
		{Name: "helpdesk 429/500/slow/dropped", Convs: 8 * s, Msgs: 4, Copies: one, Replicas: 1,
			Helpdesk: helpdesk.Faults{Status429Rate: 0.05, RetryAfter: time.Second, Status500Rate: 0.05, DropRate: 0.03, Delay: 2 * time.Millisecond}},
		{Name: "LLM failing, hanging, broken tool calls", Convs: 10 * s, Msgs: 4, Copies: one, Replicas: 1, LLM: true},
		{Name: "two replicas, no Redis (sticky)", Convs: 8 * s, Msgs: 4, Copies: dup, Shuffle: true, Replicas: 2, Sticky: true},
		{Name: "two replicas with Redis", Convs: 8 * s, Msgs: 4, Copies: dup, Shuffle: true, Replicas: 2, Redis: true},
		{Name: "SIGKILL mid-turn", Convs: 10 * s, Msgs: 6, Copies: one, Kill: true, LLMDelay: 150 * time.Millisecond},
		// With Redis a helpdesk that cannot be listed (Zendesk) answers its webhooks at once and
		// keeps them in the journal until their turns are done: a kill must lose nothing there.
		{Name: "SIGKILL mid-turn with Redis", Convs: 5 * s, Msgs: 6, Copies: one, Kill: true, Redis: true, LLMDelay: 150 * time.Millisecond},
	}
}

// Counts are what a fault run reports.
type Counts struct {
	Sent, ExpectedReplies, Replies, Lost, Doubled int
	HandoversExpected, HandoversDone              int
	Kills, HelpdeskFaults                         int
}

// OK reports whether nothing was lost or doubled and every expected handover happened.
func (c Counts) OK() bool {
	return c.Lost == 0 && c.Doubled == 0 && c.HandoversDone == c.HandoversExpected && c.Replies == c.ExpectedReplies
}

func (c Counts) String() string {
	s := fmt.Sprintf("visitor messages %d, replies expected %d, posted %d, lost %d, doubled %d, handovers expected %d, done %d",
		c.Sent, c.ExpectedReplies, c.Replies, c.Lost, c.Doubled, c.HandoversExpected, c.HandoversDone)
	if c.Kills > 0 {
		s += fmt.Sprintf(", kills %d", c.Kills)
	}
	if c.HelpdeskFaults > 0 {
		s += fmt.Sprintf(", helpdesk faults injected %d", c.HelpdeskFaults)
	}
	return s
}

// faultMarker decides, from the visitor's text, what the scripted LLM does.
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

// faultLLM answers "Answer to <text>", fails on [fail], hangs past the timeout on [hang] and
// calls the human tool with broken arguments on [badtool].
func faultLLM(delay time.Duration) *llmtest.Server {
	llm := llmtest.New()
	llm.SetDefault(func(req llmtest.Request) llmtest.Reply {
		last, lastRole := lastUser(req), ""
		for _, m := range req.Messages {
			lastRole = m.Role
		}
		if isSummaryRequest(req) {
			return llmtest.Reply{Text: "Visitor asked questions; see transcript."}
		}
		switch {
		case strings.Contains(last, "[fail]"):
			return llmtest.Reply{Status: http.StatusInternalServerError}
		case strings.Contains(last, "[hang]"):
			return llmtest.Reply{Text: "too late", Delay: 3 * time.Second}
		case strings.Contains(last, "[badtool]") && lastRole != "tool":
			return llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "bad", Name: "request_human_agent", Arguments: `{"reason": "unterminated`}}}
		}
		return llmtest.Reply{Text: "Answer to " + last, Delay: delay}
	})
	return llm
}

// Fault runs one fault scenario against the helpdesk and returns its counts; the caller
// decides (Counts.OK) and reports.
func Fault(t *testing.T, d helpdesk.Descriptor, fr FaultRun, seed int64) Counts {
	t.Helper()
	llm := faultLLM(fr.LLMDelay)
	defer llm.Close()
	// A killed process misses every redelivery that comes 20 ms apart: redeliveries a
	// second apart (doubling, where the helpdesk backs off) reach a live one, and visitors wait
	// longer for their answer.
	redeliver, patience := retryWait, 20*time.Second
	if fr.Kill {
		redeliver, patience = time.Second, 45*time.Second
	}
	world := newWorld(t, d, redeliver)

	cfg := BaseConfig(d.Name, llm.URL())
	cfg.LLMTimeout = 400 * time.Millisecond
	// The grace exceeds the longest turn plus a helpdesk's 1 s timestamp granularity.
	cfg.ReconcileInterval, cfg.ReconcileGrace = 250*time.Millisecond, 3*time.Second

	var targets []http.Handler
	var kill *killer
	if fr.Kill {
		redisURL := ""
		if fr.Redis {
			redisURL = testenv.RedisURL(t)
		}
		kill = startKiller(t, d, world, llm.URL(), redisURL)
		defer kill.stop()
		targets = []http.Handler{kill}
	} else {
		// Replicas share one Redis key prefix, as a deployment would.
		prefix := fmt.Sprintf("conformance:%s:%d:%d:", d.Name, seed, time.Now().UnixNano())
		for i := 0; i < max(1, fr.Replicas); i++ {
			var rds *replicas.Redis
			if fr.Redis {
				r, err := replicas.Open(context.Background(), testenv.RedisURL(t), replicas.Options{Prefix: prefix})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { r.Close() })
				rds = r
			}
			targets = append(targets, newApp(t, cfg, newAdapter(t, d, world), rds).Server)
		}
	}
	rl := newRelay(t, seed, targets...)
	rl.copies = fr.Copies
	if fr.Shuffle {
		rl.jitter = 40 * time.Millisecond
	}
	if fr.Sticky {
		parser := newAdapter(t, d, world)
		rl.route = func(dv Delivery, n int) int {
			evs, _ := parser.Parse(dv.Body)
			if len(evs) == 0 {
				return 0
			}
			h := fnv.New32a()
			h.Write([]byte(evs[0].ConversationID))
			return int(h.Sum32() % uint32(n))
		}
	}
	world.Connect(rl.URL())
	world.SetFaults(fr.Helpdesk)

	// The visitors: each sends its messages one after another, waiting for an answer (or a
	// handover) like a person would.
	var c Counts
	var mu sync.Mutex
	var wg sync.WaitGroup
	convs := make([]string, fr.Convs)
	// A conversation is to be handed over once one of its messages made the LLM fail or hang,
	// however many marked messages its visitor sent (one may write again while the bot's
	// handover is under way): counted per conversation, not per message.
	expectHandover := make([]bool, fr.Convs)
	for i := 0; i < fr.Convs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			visitor := fmt.Sprintf("visitor-%d", i)
			for j := 0; j < fr.Msgs; j++ {
				marker := faultMarker(i, j, fr.LLM)
				text := fmt.Sprintf("question %d of visitor %d%s", j, i, marker)
				conv, err := sendRetrying(world, visitor, text)
				if err != nil {
					t.Errorf("%s: visitor send: %v", d.Name, err)
					return
				}
				convs[i] = conv
				mu.Lock()
				c.Sent++
				if strings.Contains(marker, "fail") || strings.Contains(marker, "hang") {
					expectHandover[i] = true
				}
				mu.Unlock()
				if s := waitAnswered(world, conv, text, patience); s.WithHuman {
					return // handed over: the visitor now waits for an agent
				}
			}
		}()
	}
	wg.Wait()
	for _, e := range expectHandover {
		if e {
			c.HandoversExpected++
		}
	}
	world.SetFaults(helpdesk.Faults{})
	for !rl.idle() {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(600 * time.Millisecond) // let late duplicates and the reconciler act
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	_ = world.WaitIdle(ctx)
	cancel()
	if kill != nil {
		c.Kills = kill.count()
	}
	for _, call := range world.Calls() {
		if call.Status == http.StatusTooManyRequests || call.Status == http.StatusInternalServerError || call.Status == 0 {
			c.HelpdeskFaults++
		}
	}
	for _, conv := range convs {
		if conv == "" {
			continue
		}
		s := world.State(conv)
		before := c.Doubled + c.Lost
		tally(&c, s)
		if c.Doubled+c.Lost != before {
			t.Logf("%s conversation %s:\n%s", d.Name, conv, Dump(s))
		}
	}
	return c
}

// sendRetrying sends a visitor message, retrying while the simulator's own visitor API fails
// (the widget would retry too).
func sendRetrying(w helpdesk.World, visitor, text string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		conv, err := w.Send(ctx, visitor, text)
		if err == nil || ctx.Err() != nil {
			return conv, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitAnswered waits until a bot message follows the visitor's text or the conversation
// leaves the bot.
func waitAnswered(w helpdesk.World, conv, text string, timeout time.Duration) helpdesk.State {
	deadline := time.Now().Add(timeout)
	for {
		s := w.State(conv)
		seen := false
		for _, en := range s.Entries {
			if en.Role == helpdesk.RoleVisitor && strings.Contains(en.Text, text) {
				seen = true
			} else if seen && en.Role == helpdesk.RoleBot {
				return s
			}
		}
		if s.WithHuman || time.Now().After(deadline) {
			return s
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// tally counts the bot's replies per visitor message of one conversation, up to the handover.
func tally(c *Counts, s helpdesk.State) {
	replies := -1 // replies since the last visitor message; -1 before the first
	handedOver := false
	flush := func() {
		if replies < 0 || handedOver && replies == 0 {
			return
		}
		c.ExpectedReplies++
		c.Replies += replies
		switch {
		case replies == 0:
			c.Lost++
		case replies > 1:
			c.Doubled++
		}
	}
	for _, en := range s.Entries {
		switch en.Role {
		case helpdesk.RoleVisitor:
			if handedOver {
				continue
			}
			flush()
			replies = 0
		case helpdesk.RoleBot:
			if handedOver {
				continue
			}
			if replies >= 0 {
				replies++
			}
			// The handover's own line to the visitor ends what the bot answers.
			if handover.IsNotice(en.Text) {
				flush()
				handedOver = true
				replies = -1
			}
		}
	}
	if !handedOver {
		flush()
	}
	if s.WithHuman && len(Of(s, helpdesk.RoleNote)) > 0 {
		c.HandoversDone++
	}
}

// killer runs "handover serve" as a child process and SIGKILLs it at random moments,
// restarting it each time.
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

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// Binary builds the handover command once per test binary and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "handover-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "handover")
		out, err := exec.Command("go", "build", "-o", builtBin, "github.com/handover-dev/handover/cmd/handover").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// FreeAddr returns a loopback address nothing listens on.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startKiller starts the service; with redisURL, against Redis under a key prefix of its own.
func startKiller(t *testing.T, d helpdesk.Descriptor, w helpdesk.World, llmURL, redisURL string) *killer {
	k := &killer{t: t, bin: Binary(t), addr: FreeAddr(t), done: make(chan struct{}), stopped: make(chan struct{}),
		client: &http.Client{Timeout: 10 * time.Second}}
	k.env = append(os.Environ(), helpdesk.Env(d.Name, w.Settings())...)
	k.env = append(k.env, "HANDOVER_LISTEN_ADDR="+k.addr,
		"HANDOVER_LLM_PROVIDER=openai", "HANDOVER_LLM_BASE_URL="+llmURL, "HANDOVER_LLM_API_KEY=k", "HANDOVER_LLM_MODEL=m",
		"HANDOVER_LLM_TIMEOUT=1s", "HANDOVER_RECONCILE_INTERVAL=250ms", "HANDOVER_RECONCILE_GRACE=1500ms",
		"HANDOVER_LOG_LEVEL=error", "HANDOVER_SHUTDOWN_GRACE=1s")
	if redisURL != "" {
		k.env = append(k.env, "HANDOVER_REDIS_URL="+redisURL, "HANDOVER_REDIS_LOCK_LEASE=2s",
			fmt.Sprintf("HANDOVER_REDIS_PREFIX=conformance:kill:%s:%d:", d.Name, time.Now().UnixNano()))
	}
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
	for i := 0; i < 300; i++ {
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
		case <-time.After(time.Duration(300+r.Intn(600)) * time.Millisecond):
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

// ServeHTTP forwards a delivery to the child process; while it is down the helpdesk sees a
// failed delivery (502).
func (k *killer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
