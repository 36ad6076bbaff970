// Package xvfb starts private Xvfb servers for tests, benchmarks and demos.
//
// Each server picks a free display number itself (Xvfb -displayfd), so many
// can run side by side without racing for ":99". It must never be imported
// by library packages: it runs programs and is meant for test binaries and
// the example commands.
package xvfb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// ErrNotInstalled is returned when the Xvfb binary cannot be found.
var ErrNotInstalled = errors.New("xvfb: Xvfb is not installed (apt-get install xvfb)")

// Server is a running Xvfb.
type Server struct {
	// Display is the X display name, such as ":3".
	Display string
	cmd     *exec.Cmd
	done    chan struct{}
}

// Start runs Xvfb with one screen of the given size and depth 24 and waits
// until it accepts connections.
func Start(ctx context.Context, width, height int) (*Server, error) {
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		return nil, ErrNotInstalled
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := exec.Command(bin, "-displayfd", "3", "-screen", "0",
		fmt.Sprintf("%dx%dx24", width, height), "-nolisten", "tcp", "-noreset", "+extension", "XTEST")
	cmd.ExtraFiles = []*os.File{w}
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("xvfb: start: %w", err)
	}
	w.Close()
	s := &Server{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()

	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(l)
	}()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	select {
	case l := <-line:
		if _, err := strconv.Atoi(l); err != nil {
			s.Close()
			return nil, fmt.Errorf("xvfb: did not report a display (got %q)", l)
		}
		s.Display = ":" + l
		return s, nil
	case <-s.done:
		return nil, errors.New("xvfb: exited before it was ready")
	case <-ctx.Done():
		s.Close()
		return nil, fmt.Errorf("xvfb: not ready: %w", ctx.Err())
	}
}

// Close stops the server and waits for it to exit. It is safe to call twice.
func (s *Server) Close() error {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	return nil
}

// Env returns os.Environ() with DISPLAY set to this server.
func (s *Server) Env() []string {
	env := []string{"DISPLAY=" + s.Display}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") {
			env = append(env, kv)
		}
	}
	return env
}
