package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deskhand/deskhand/signaling"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestServeRegisterAndStop builds the command, runs it on a free port, registers a host through
// it, checks that it serves the browser viewer, and that SIGTERM shuts it down cleanly.
func TestServeRegisterAndStop(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGTERM")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the example with")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute) // includes a cold build
	defer cancel()

	bin := filepath.Join(t.TempDir(), "signaling")
	out, err := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)

	cmd := exec.CommandContext(ctx, bin, "--listen", "127.0.0.1:0", "--code-length", "8", "--log-level", "debug")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	exited := false
	defer func() {
		if !exited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()

	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on http://")
	require.True(t, ok, "first line %q", line)
	require.NotContains(t, addr, ":0", "the real port must be printed")

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	lost := make(chan error, 8)
	h, err := signaling.Register(ctx, "ws://"+addr+signalPath, signaling.WithHTTPClient(client),
		signaling.OnConnectionState(func(connected bool, err error) {
			if !connected {
				lost <- err
			}
		}))
	require.NoError(t, err)
	defer h.Close()
	assert.Len(t, h.Credentials().Code, 8)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/", nil)
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err)
	page, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), `data-signal="`+signalPath+`"`, "the browser viewer joins through this server")
	assert.Contains(t, string(page), `<canvas id="screen"`)

	// The viewer's module comes from the same server.
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/viewer.wasm", nil)
	require.NoError(t, err)
	resp, err = client.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/wasm", resp.Header.Get("Content-Type"))

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err = cmd.Wait()
	exited = true
	require.NoError(t, err, "stderr: %s", stderr.String())
	assert.Equal(t, 0, cmd.ProcessState.ExitCode())

	// The host learns that the server shut down (and keeps trying to reconnect until Close).
	select {
	case err := <-lost:
		assert.ErrorIs(t, err, signaling.ErrServerGone)
		assert.ErrorContains(t, err, "shut down")
	case <-ctx.Done():
		t.Fatal("host not told that the server stopped")
	}
	require.NoError(t, h.Close())
	assert.ErrorIs(t, h.Err(), signaling.ErrClosed)
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--code-length", "2"},
		{"--code-ttl", "1s"},
		{"--log-level", "loud"},
		{"--listen", "127.0.0.1:notaport"},
		{"extra"},
	} {
		err := run(t.Context(), args, io.Discard, io.Discard)
		assert.Error(t, err, "%v", args)
	}
}

// syncBuffer collects the command's stderr, written by exec's copying goroutine while the test
// may read it for a failure message.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
