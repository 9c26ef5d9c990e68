package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/handover-dev/handover/adapters/chatwoot"
	"github.com/handover-dev/handover/adapters/sim"
	"github.com/handover-dev/handover/bot"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/app"
)

// load drives the whole service on loopback: a simulated Chatwoot, handover
// and the offline bot, with many visitors writing at once. It reports
// throughput, reply latency (visitor message to bot reply, through webhook,
// helpdesk reads, bot turn and post) and memory. Bounded in count and time.
func load(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	convs := fs.Int("conversations", 200, "visitors writing at once")
	msgs := fs.Int("messages", 3, "messages per visitor, each sent after the previous answer")
	limit := fs.Duration("timeout", 2*time.Minute, "stop after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *convs <= 0 || *msgs <= 0 || *convs > 5000 || *msgs > 100 {
		return errors.New("load: -conversations must be 1..5000 and -messages 1..100")
	}
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	world := sim.New(sim.Options{AccountID: 1, BotToken: "load-bot", UserToken: "load-user", WebhookSecret: "load-secret", KeepPendingOnBotFailure: true})
	defer world.Close()
	demo := world.SeedDemo()
	world.SetWebhookURL(base + "/webhooks/chatwoot")
	cfg := config.Config{Helpdesk: "chatwoot", RequiredAnswers: 3, HumanRequestInChat: true, BotName: "AI assistant",
		LLMProvider: "offline", LLMTimeout: 20 * time.Second, MaxConcurrentTurns: 64, MaxQueuedEvents: 100000}
	hd, err := chatwoot.New(chatwoot.Config{BaseURL: base, AccountID: 1, BotToken: "load-bot", UserToken: "load-user",
		WebhookSecret: "load-secret", Teams: map[int]int{demo.InboxID: demo.TeamID}})
	if err != nil {
		return err
	}
	a, err := app.New(cfg, hd, app.Options{Knowledge: bot.SampleKnowledge()})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/webhooks/", a.Server)
	mux.Handle("/", world.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = a.Shutdown(sctx)
		_ = srv.Shutdown(sctx)
	}()

	questions := []string{"How long does shipping take?", "What payment methods do you accept?", "How do I return an item?",
		"When are you open?", "How can I track my order?", "What does the warranty cover?"}
	var mu sync.Mutex
	var lat []time.Duration
	lost := 0
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < *convs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			contact := fmt.Sprintf("load-%d", i)
			for j := 0; j < *msgs; j++ {
				t0 := time.Now()
				id, msgID, err := world.VisitorSend(ctx, demo.InboxID, contact, questions[(i+j)%len(questions)])
				if err != nil {
					return
				}
				if !waitReply(ctx, world, id, msgID) {
					mu.Lock()
					lost++
					mu.Unlock()
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	fmt.Fprintf(stdout, "conversations %d, messages %d, replies %d, unanswered %d, in %s\n", *convs, *convs**msgs, len(lat), lost, elapsed.Round(time.Millisecond))
	fmt.Fprintf(stdout, "throughput %.0f replies/s\n", float64(len(lat))/elapsed.Seconds())
	fmt.Fprintf(stdout, "reply latency p50 %s, p95 %s, p99 %s, max %s\n", pct(.5).Round(time.Microsecond), pct(.95).Round(time.Microsecond), pct(.99).Round(time.Microsecond), pct(1).Round(time.Microsecond))
	fmt.Fprintf(stdout, "allocated %.1f MiB in total, heap in use %.1f MiB, goroutines %d\n",
		float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), float64(after.HeapInuse)/(1<<20), runtime.NumGoroutine())
	if lost > 0 {
		return fmt.Errorf("load: %d conversations went unanswered", lost)
	}
	return nil
}

func waitReply(ctx context.Context, w *sim.Server, id, msgID int) bool {
	for {
		v, _ := w.Conversation(id)
		seen := false
		for _, m := range v.Messages {
			if m.ID == msgID {
				seen = true
			} else if seen && m.SenderType == "agent_bot" && !m.Private && m.Type == "outgoing" {
				return true
			}
		}
		if v.Status != "pending" {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(2 * time.Millisecond):
		}
	}
}
