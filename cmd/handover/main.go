// Command handover runs the AI chatbot with human handover for helpdesks.
//
//	handover serve     run against a real helpdesk (configured by HANDOVER_* variables)
//	handover sandbox   run a simulated helpdesk, handover and the offline bot; open the printed URL
//	handover config    print every configuration variable
//	handover load      benchmark the service against a simulated helpdesk beside a bare reference handler
//	handover eval      score the human-request detector on a labelled corpus
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/handover-dev/handover/adapters/helpdesk"
	"github.com/handover-dev/handover/bot"
	"github.com/handover-dev/handover/config"
	"github.com/handover-dev/handover/internal/app"
	"github.com/handover-dev/handover/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// usage lists the commands; the helpdesks and their own commands come from the registry.
func usage() string {
	var b strings.Builder
	b.WriteString(`handover: an AI chatbot for your helpdesk with a seamless bot-to-human handover.

Usage:
  handover serve               run against the helpdesk configured by HANDOVER_* variables
`)
	fmt.Fprintf(&b, "  handover sandbox [-addr A] [-helpdesk %s]\n", strings.Join(config.Helpdesks().Simulated().Names(), "|"))
	b.WriteString("                               run a simulated helpdesk + handover + offline bot; open the printed URL\n")
	for _, d := range config.Helpdesks() {
		for _, c := range d.Commands {
			fmt.Fprintf(&b, "  %-28s %s\n", "handover "+d.Name+" "+c.Name, c.Usage)
		}
	}
	fmt.Fprintf(&b, "  handover install [-dry-run] [-env-file F] <%s>\n", strings.Join(installable().Names(), "|"))
	b.WriteString("                               register handover in the helpdesk through its API and write handover.env\n")
	b.WriteString(`  handover doctor              check the configuration against the live helpdesk and LLM, one line per check
  handover config              print every configuration variable with type, default and meaning
  handover load [-helpdesk H|all] [-rate R] [-duration D] [-llm-latency L] [-history N] ...
                               benchmark: the service against a simulated helpdesk and a scripted LLM on
                               loopback, beside a bare reference handler; "handover load -h" lists the flags
  handover eval [-v] FILE.tsv  score the human-request detector on a labelled corpus, per language
`)
	return b.String()
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		if helpRequested(args[1:]) {
			fmt.Fprint(stdout, serveUsage)
			return 0
		}
		tuneGC()
		err = serve(ctx, stderr)
	case "sandbox":
		err = sandbox(ctx, args[1:], stdout, stderr)
	case "config":
		if helpRequested(args[1:]) {
			fmt.Fprint(stdout, configUsage)
			return 0
		}
		err = config.PrintUsage(stdout)
	case "load":
		err = load(ctx, args[1:], stdout, stderr)
	case "eval":
		err = evalDetector(args[1:], stdout, stderr)
	case "doctor":
		err = doctor(ctx, args[1:], stdout)
	case "install":
		err = install(ctx, args[1:], stdout, stderr)
	case "load-reference": // started by `handover load`, not by people
		tuneGC() // the yardstick runs with the same runtime settings
		err = loadReference(ctx, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage())
	default:
		d, ok := config.Helpdesks().Lookup(args[0])
		if !ok || len(d.Commands) == 0 {
			fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage())
			return 2
		}
		var cmd *helpdesk.Command
		for i := range d.Commands {
			if len(args) == 2 && args[1] == d.Commands[i].Name {
				cmd = &d.Commands[i]
			}
		}
		if cmd == nil {
			if helpRequested(args[1:]) {
				fmt.Fprint(stdout, helpdeskUsage(d))
				return 0
			}
			fmt.Fprint(stderr, helpdeskUsage(d))
			return 2
		}
		err = runHelpdeskCommand(d, cmd, stdout, stderr)
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0 // -h: the flag set printed the usage
	}
	if err != nil {
		fmt.Fprintf(stderr, "handover: %v\n", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, stderr io.Writer) error {
	cfg, err := config.LoadForServe() // every problem at once, one line per variable
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg.LogLevel, os.Stderr)
	metrics := server.NewMetrics()
	hd, err := newHelpdesk(cfg, log, metrics)
	if err != nil {
		return err
	}
	a, err := app.New(cfg, hd, app.Options{Logger: log, Metrics: metrics, CheckInterval: app.DefaultCheckInterval})
	if err != nil {
		return err
	}
	if cfg.DebugAddr != "" {
		startDebug(cfg.DebugAddr, log)
	}
	log.Info("handover serving", "addr", cfg.ListenAddr, "helpdesk", cfg.Helpdesk, "llm", cfg.LLMProvider)
	a.StartBackground()
	return runUntilDone(ctx, log, cfg.ShutdownGrace, func() error { return a.Server.Start(cfg.ListenAddr) }, a.Shutdown)
}

// newHelpdesk builds the adapter of cfg.Helpdesk from HANDOVER_* (serve and
// load-reference); metrics, if not nil, counts its API calls.
func newHelpdesk(cfg config.Config, log *slog.Logger, metrics *server.Metrics) (app.Helpdesk, error) {
	d, ok := cfg.Descriptor()
	if !ok {
		return nil, fmt.Errorf("helpdesk %s: not supported", cfg.Helpdesk)
	}
	deps := helpdesk.Deps{Logger: log, BotName: cfg.BotName} // adapters add "adapter" themselves
	if metrics != nil {
		deps.Observe = observer(metrics, d.Name)
	}
	hd, err := d.New(cfg.Settings(), deps)
	if err != nil {
		return nil, fmt.Errorf("helpdesk %s: %w", cfg.Helpdesk, err)
	}
	return hd, nil
}

// runUntilDone runs start until ctx ends (SIGTERM), then shuts down within grace.
func runUntilDone(ctx context.Context, log *slog.Logger, grace time.Duration, start func() error, shutdown func(context.Context) error) error {
	errc := make(chan error, 1)
	go func() { errc <- start() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := shutdown(sctx); err != nil {
		log.Warn("shutdown incomplete; the rest is left to the helpdesk", "err", err)
	}
	return nil
}

// sandboxWaitTimeout is the sandbox's HANDOVER_HUMAN_WAIT_TIMEOUT unless set.
const sandboxWaitTimeout = time.Minute

func sandbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address (loopback by default)")
	simulated := config.Helpdesks().Simulated()
	name := fs.String("helpdesk", simulated.Names()[0], "which helpdesk the simulator speaks: "+simulated.Choice())
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, ok := simulated.Lookup(*name)
	if !ok {
		return fmt.Errorf("sandbox: helpdesk %q is not simulated; use %s", *name, simulated.Choice())
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	cfg.Helpdesk = d.Name
	if cfg.LogLevel == "" {
		cfg.LogLevel = "info"
	}
	if _, set := os.LookupEnv("HANDOVER_HUMAN_WAIT_TIMEOUT"); !set {
		// Ten minutes is long to try: in the sandbox a visitor nobody took is offered the
		// offline message after one (the reconciler looks every 30 s).
		cfg.HumanWaitTimeout = sandboxWaitTimeout
	}
	log := app.NewLogger(cfg.LogLevel, os.Stderr)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("sandbox: listen on %s: %w (try -addr 127.0.0.1:0)", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	metrics := server.NewMetrics()
	hd, simHandler, cleanup, err := sandboxWorld(d, base, cfg, log, observer(metrics, d.Name))
	if err != nil {
		return err
	}
	defer cleanup()
	if cfg.AgentUISecret == "" {
		// The agent pages; the printed link logs in. The secret is kept in the user's cache dir
		// so that a login (and the sandbox tab) stays valid when the sandbox restarts.
		secret, err := sandboxSecret()
		if err != nil {
			log.Warn("sandbox: agent pages secret not kept across restarts; a restart prints a new link", "err", err)
			secret = randomToken()
		}
		cfg.AgentUISecret = config.Secret(secret)
	}
	a, err := app.New(cfg, hd, app.Options{Knowledge: sandboxKnowledge(cfg), Logger: log, Metrics: metrics})
	if err != nil {
		return err
	}
	a.StartBackground()
	mux := http.NewServeMux()
	for _, p := range []string{"/webhooks/", "/healthz", "/readyz", "/metrics", "/agent", "/agent/"} {
		mux.Handle(p, a.Server)
	}
	mux.Handle("/", simHandler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	open := base + "/"
	if a.AgentUI != nil { // the link logs into the agent pages for a day, then opens the sandbox page
		open = base + a.AgentUI.LoginLink("/", 24*time.Hour)
	}
	fmt.Fprintf(stdout, "handover sandbox: open %s\n(visitor chat on the left; agent console and handover's agent pages on the right)\n", open)
	fmt.Fprintf(stdout, "simulated %s + handover + %s bot; Ctrl-C to stop\n", cfg.Helpdesk, cfg.LLMProvider)
	if cfg.HumanWaitTimeout > 0 {
		fmt.Fprintf(stdout, "a visitor no agent takes within %s after a handover is offered the offline message (HANDOVER_HUMAN_WAIT_TIMEOUT)\n", cfg.HumanWaitTimeout)
	}
	return runUntilDone(ctx, log, 5*time.Second, func() error {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}, func(c context.Context) error {
		err := a.Shutdown(c)
		return errors.Join(err, srv.Shutdown(c))
	})
}

// sandboxWorld builds the simulated helpdesk of d served at base, sending its webhooks to
// base+"/webhooks/<name>", and the adapter pointed at it. handler serves the simulator (API
// and sandbox page); cleanup stops its deliveries. observe may be nil.
func sandboxWorld(d helpdesk.Descriptor, base string, cfg config.Config, log *slog.Logger, observe func(string, int)) (hd app.Helpdesk, handler http.Handler, cleanup func(), err error) {
	w, err := d.Sandbox(helpdesk.SandboxOptions{SimURL: base, Settings: cfg.Adapters[d.Name], BotName: cfg.BotName, Logger: log})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sandbox: %w", err)
	}
	w.Connect(base)
	hd, err = d.New(w.Settings(), helpdesk.Deps{Logger: log, Observe: observe, BotName: cfg.BotName})
	if err != nil {
		w.Close()
		return nil, nil, nil, fmt.Errorf("sandbox: %w", err)
	}
	return hd, w.Handler(), w.Close, nil
}

func sandboxKnowledge(cfg config.Config) *bot.Knowledge {
	if strings.TrimSpace(cfg.KnowledgeDir) != "" {
		return nil // app loads HANDOVER_KNOWLEDGE_DIR
	}
	return bot.SampleKnowledge()
}

// observer counts helpdesk API calls in the metrics.
func observer(m *server.Metrics, helpdesk string) func(method string, status int) {
	return func(method string, status int) { m.HelpdeskRequest(helpdesk, method, status) }
}

// sandboxSecret is the sandbox's agent pages secret, read from (or first written to, mode 0600)
// os.UserCacheDir()/handover/sandbox-secret.
func sandboxSecret() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "handover", "sandbox-secret")
	if b, err := os.ReadFile(path); err == nil {
		if s := strings.TrimSpace(string(b)); len(s) >= 32 {
			return s, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	s := randomToken()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	_, err = f.WriteString(s + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(path, 0o600) // a short file left with other permissions
	}
	return s, err
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
