//go:build unix

package app

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/handover-dev/handover/server"
)

// SIGHUP reloads at once; reads race with reloads safely (-race).
func TestKnowledgeReloadOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.md"), "# A\n\nFirst.")
	cfg := knowledgeConfig(dir)
	cfg.KnowledgeRefresh = 0
	k, err := newKnowledge(cfg, plainHD{}, Options{}, server.NewMetrics(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// The test's own subscription keeps SIGHUP from ending the process
	// before run subscribes.
	mine := make(chan os.Signal, 1)
	signal.Notify(mine, syscall.SIGHUP)
	defer signal.Stop(mine)
	reloaded := make(chan error, 16)
	k.reloaded = func(err error) { reloaded <- err }
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); k.run(ctx) }()
	stopReads := make(chan struct{})
	readsDone := make(chan struct{})
	go func() {
		defer close(readsDone)
		for {
			select {
			case <-stopReads:
				return
			default:
				_ = k.base.Load().Search("second", 1)
			}
		}
	}()
	writeFile(t, filepath.Join(dir, "b.md"), "# B\n\nSecond.")
	resend := time.NewTicker(20 * time.Millisecond)
	defer resend.Stop()
	for waiting := true; waiting; {
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-reloaded:
			if err != nil {
				t.Fatal(err)
			}
			waiting = false
		case <-resend.C:
		}
	}
	close(stopReads)
	<-readsDone
	cancel()
	<-done
	if hits := k.base.Load().Search("second", 1); len(hits) == 0 || hits[0].Title != "B" {
		t.Errorf("after SIGHUP: %+v", hits)
	}
}
