package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is the service or the reference, running as its own process so
// that its CPU time and memory are its own.
type child struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	logs *tail
	done chan struct{}
	err  error // of Wait, after done
}

// usage is what /proc says about a process at one moment.
type usage struct {
	cpu      time.Duration // user + system time of all its threads
	rss, hwm uint64        // resident set size now and at its peak (VmHWM), bytes
	ok       bool          // false where /proc is missing (not Linux)
}

// userHZ is the unit of utime and stime in /proc/<pid>/stat: USER_HZ, 100 on
// Linux whatever the kernel's tick rate (proc(5)).
const userHZ = 100

// startChild runs `exe sub` with env (on top of the parent's environment
// without its HANDOVER_* variables) listening on a free loopback port, and
// waits until it answers GET /readyz.
func startChild(ctx context.Context, exe, sub string, env []string, log io.Writer) (*child, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	c := &child{base: "http://" + addr, logs: &tail{max: 64 << 10, also: log}, done: make(chan struct{})}
	c.cmd = exec.Command(exe, sub)
	c.cmd.Env = append(cleanEnv(), append(env, "HANDOVER_LISTEN_ADDR="+addr)...)
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	setDeathSignal(c.cmd)
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s %s: %w", exe, sub, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(c.base + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c, nil
			}
		}
		select {
		case <-c.done:
			return nil, fmt.Errorf("%s %s exited at start (%v):\n%s", exe, sub, c.err, c.logs.String())
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("%s %s not ready after 20s:\n%s", exe, sub, c.logs.String())
		}
	}
}

// stop sends SIGTERM, waits up to 10 s, then kills.
func (c *child) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// exited reports whether the child died.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// usage reads the child's CPU time from /proc/<pid>/stat and its memory
// from /proc/<pid>/status.
func (c *child) usage() usage {
	pid := c.cmd.Process.Pid
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return usage{}
	}
	// The command name (field 2) is in parentheses and may hold spaces;
	// utime and stime are fields 14 and 15, the 12th and 13th after it.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return usage{}
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return usage{}
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return usage{}
	}
	u := usage{cpu: time.Duration(ut+st) * time.Second / userHZ, ok: true}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb := func() uint64 {
			n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n << 10
		}
		switch k {
		case "VmRSS":
			u.rss = kb()
		case "VmHWM":
			u.hwm = kb()
		}
	}
	return u
}

// allocated reads go_memstats_alloc_bytes_total (bytes allocated on the Go
// heap since the start) from the child's /metrics; both the service and
// the reference serve it.
func (c *child) allocated() (uint64, bool) {
	resp, err := http.Get(c.base + "/metrics")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_alloc_bytes_total "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return uint64(f), err == nil
		}
	}
	return 0, false
}

// cleanEnv is the parent's environment without HANDOVER_* variables: the
// child's configuration is exactly what the run sets.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HANDOVER_") {
			out = append(out, kv)
		}
	}
	return out
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tail keeps the last max bytes written (a child's logs, shown when it
// fails) and copies everything to also, if set.
type tail struct {
	mu   sync.Mutex
	max  int
	buf  []byte
	also io.Writer
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.also != nil {
		_, _ = t.also.Write(p)
	}
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

var errChildDied = errors.New("the child process died during the run")
