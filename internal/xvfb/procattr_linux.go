//go:build linux

package xvfb

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel stop Xvfb when the process that started it
// dies without closing it (a test binary killed by its timeout or by
// Ctrl+C). SIGTERM, so that Xvfb removes its socket and lock file.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
