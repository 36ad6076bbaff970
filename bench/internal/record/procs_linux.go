package record

import (
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// procs starts the programs a scenario drives and stops every one of them,
// with all their children, when the recording ends, however it ends.
type procs struct {
	log  *slog.Logger
	env  []string
	dir  string
	list []*proc
}

// proc is one started program.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *tail
	done chan struct{}
}

// stopGrace is how long a program gets to exit after SIGTERM before it is
// killed.
const stopGrace = 3 * time.Second

// start runs a program in its own process group, so that stopping it also
// stops what it started (a shell's children, ffplay's helpers).
func (p *procs) start(name string, args ...string) (*proc, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = p.env
	cmd.Dir = p.dir
	out := &tail{}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("record: start %s: %w", name, err)
	}
	pr := &proc{name: name, cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(pr.done)
	}()
	p.list = append(p.list, pr)
	p.log.Debug("record: started", "program", name, "pid", cmd.Process.Pid, "args", args)
	return pr, nil
}

// run runs a program to completion, bounded by ctx and timeout, and returns
// its error with its output.
func (p *procs) run(ctx context.Context, timeout time.Duration, name string, args ...string) error {
	pr, err := p.start(name, args...)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case <-pr.done:
	case <-ctx.Done():
		pr.stop()
		return fmt.Errorf("record: %s did not finish: %w", name, ctx.Err())
	}
	if st := pr.cmd.ProcessState; st != nil && !st.Success() {
		return fmt.Errorf("record: %s failed (%s): %s", name, st, pr.out.String())
	}
	return nil
}

// exited reports whether the program has ended.
func (pr *proc) exited() bool {
	select {
	case <-pr.done:
		return true
	default:
		return false
	}
}

// stop ends the program's process group: SIGTERM, then SIGKILL after
// stopGrace. It returns once the program itself has exited.
func (pr *proc) stop() {
	pgid := pr.cmd.Process.Pid
	// The group may outlive its leader (a shell's children), so it is
	// signalled even when the leader has already exited.
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-pr.done:
	case <-time.After(stopGrace):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-pr.done
}

// stopAll stops every started program, the last started first.
func (p *procs) stopAll() {
	for i := len(p.list) - 1; i >= 0; i-- {
		p.list[i].stop()
	}
	p.list = nil
}

// tail keeps the last few KiB a program wrote, for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 4 << 10

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > tailBytes {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailBytes:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.buf))
	if s == "" {
		return "no output"
	}
	return s
}
