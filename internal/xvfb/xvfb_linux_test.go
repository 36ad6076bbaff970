//go:build linux

package xvfb

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServerDiesWithItsStarter kills, without any cleanup, a process that
// started an Xvfb, and expects the Xvfb to go too.
func TestServerDiesWithItsStarter(t *testing.T) {
	if os.Getenv("DESKHAND_XVFB_HELPER") != "" {
		srv, err := Start(context.Background(), 320, 200)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println(srv.cmd.Process.Pid)
		select {} // until killed
	}
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Skip(err)
	}
	helper := exec.Command(os.Args[0], "-test.run=^TestServerDiesWithItsStarter$")
	helper.Env = append(os.Environ(), "DESKHAND_XVFB_HELPER=1")
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = helper.Process.Kill(); _ = helper.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the helper did not start an Xvfb: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("the helper printed %q", line)
	}
	if !running(pid) {
		t.Fatalf("Xvfb %d is not running", pid)
	}
	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for running(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("Xvfb %d outlived the process that started it", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running reports whether process pid exists and is not a zombie (an init
// that does not reap leaves dead orphans as zombies).
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z'
}
