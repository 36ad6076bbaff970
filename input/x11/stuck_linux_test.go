package x11

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// childXvfb returns the process ID of the one Xvfb this test process runs
// (tests run one at a time and stop their Xvfb at their end).
func childXvfb(t *testing.T) int {
	t.Helper()
	dirs, err := os.ReadDir("/proc")
	require.NoError(t, err)
	found := 0
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[i+1:])
		if strings.HasPrefix(s[strings.IndexByte(s, '(')+1:], "Xvfb)") && len(f) > 1 && f[1] == strconv.Itoa(os.Getpid()) {
			require.Zero(t, found, "two Xvfb children")
			found = pid
		}
	}
	require.NotZero(t, found, "no Xvfb child found")
	return found
}

// A server that stops answering (here: stopped with SIGSTOP) must not hang
// Inject past its context, nor Close.
func TestStuckServer(t *testing.T) {
	srv := xvfb.ForTest(t, 640, 480)
	pid := childXvfb(t)

	in, err := New(WithDisplay(srv.Display))
	require.NoError(t, err)
	inject(t, in, key(input.ShiftLeft, true))
	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })

	for range 2 { // the second waits for its turn behind the first
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err = in.Inject(ctx, input.Event{Kind: input.MouseMove, X: 1, Y: 1})
		cancel()
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	}
	assert.ErrorIs(t, in.Close(), ErrBusy)
	assert.ErrorIs(t, in.Inject(context.Background(), input.Event{Kind: input.MouseMove}), input.ErrClosed)
}
