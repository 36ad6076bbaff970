//go:build linux

package e2e

import (
	"os/exec"
	"syscall"
)

// setChildAttrs has the kernel kill a child if the benchmark dies without
// closing it (a closed standard input already tells it to leave).
func setChildAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
