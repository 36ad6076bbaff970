package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// socketInodes lists the inodes of the sockets process pid holds open.
func socketInodes(t *testing.T, pid int) map[string]bool {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err != nil {
			continue
		}
		if strings.HasPrefix(link, "socket:[") {
			out[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	return out
}

// listening returns the local addresses of pid's sockets that accept
// connections (TCP LISTEN) or wait for datagrams (bound UDP).
func listening(t *testing.T, pid int) []string {
	t.Helper()
	inodes := socketInodes(t, pid)
	var found []string
	for _, table := range []string{"tcp", "tcp6", "udp", "udp6"} {
		f, err := os.Open(filepath.Join("/proc/net", table))
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || !inodes[fields[9]] {
				continue
			}
			state := fields[3]
			if strings.HasPrefix(table, "tcp") && state != "0A" { // 0A: LISTEN
				continue
			}
			found = append(found, table+" "+fields[1])
		}
		f.Close()
	}
	return found
}

// The agent dials out and never waits for anyone to dial in: while it waits
// for a viewer it holds no listening TCP socket and no bound UDP socket.
func TestAgentOpensNoPort(t *testing.T) {
	d := setup(t, "exec sleep 600")
	d.credentials(t) // registered and idle
	pid := d.agent.cmd.Process.Pid
	require.NotEmpty(t, socketInodes(t, pid), "the agent should hold its signaling connection")
	require.Empty(t, listening(t, pid), "the agent opened a port")

	// The check itself sees a listener: the signaling server has one.
	require.NotEmpty(t, listening(t, d.sig.cmd.Process.Pid))
}
