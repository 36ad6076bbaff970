//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/stretchr/testify/require"
)

// guard bounds every wait of a test so a bug fails it instead of hanging;
// it is not a performance assertion.
const guard = 60 * time.Second

func open(t testing.TB, display string, opts ...Option) *Clipboard {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	c, err := Open(ctx, append([]Option{WithDisplay(display)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func bg(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	t.Cleanup(cancel)
	return ctx
}

// waitChange waits for a Changes signal.
func waitChange(t testing.TB, c *Clipboard) {
	t.Helper()
	select {
	case _, ok := <-c.Changes():
		require.True(t, ok, "Changes closed")
	case <-time.After(guard):
		t.Fatal("Changes did not fire")
	}
}

// settle returns once the event goroutine has handled every event the
// server sent before now: the timestamp property's notification queues
// behind them.
func settle(t testing.TB, c *Clipboard) {
	t.Helper()
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_, err := c.timestamp(bg(t))
	require.NoError(t, err)
}

func noChange(t testing.TB, c *Clipboard) {
	t.Helper()
	settle(t, c)
	select {
	case <-c.Changes():
		t.Fatal("Changes fired")
	default:
	}
}

func needXclip(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("xclip"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xclip is not installed (apt-get install xclip)")
		}
		t.Skip("xclip is not installed (apt-get install xclip)")
	}
}

// xclipOut runs xclip -o and returns its output.
func xclipOut(t testing.TB, srv *xvfb.Server, selection, target string) ([]byte, error) {
	t.Helper()
	args := []string{"-selection", selection, "-o"}
	if target != "" {
		args = append(args, "-t", target)
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xclip", args...)
	cmd.Env = srv.Env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, &xclipError{err, stderr.String()}
	}
	return out, nil
}

type xclipError struct {
	err    error
	stderr string
}

func (e *xclipError) Error() string { return e.err.Error() + ": " + e.stderr }

// xclipIn starts xclip -i in the foreground: it owns the selection until
// another program takes it, then exits. The test kills it at the end.
func xclipIn(t testing.TB, srv *xvfb.Server, selection string, text []byte) {
	t.Helper()
	cmd := exec.Command("xclip", "-selection", selection, "-i", "-quiet")
	cmd.Env = srv.Env()
	cmd.Stdin = bytes.NewReader(text)
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
}

// logs records what a Clipboard logs.
type logs struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }
func (l *logs) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}
func (l *logs) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logs) WithGroup(string) slog.Handler      { return l }

func (l *logs) count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.msgs {
		if strings.Contains(m, substr) {
			n++
		}
	}
	return n
}

// rawClient is an independent X client written against the protocol, to
// play owners and requestors that xclip cannot (silent, lying, MULTIPLE).
type rawClient struct {
	conn *xgb.Conn
	win  xproto.Window
	done chan struct{}
}

func newRaw(t testing.TB, display string) *rawClient {
	t.Helper()
	conn, err := xgb.NewConnDisplay(display)
	require.NoError(t, err)
	r := &rawClient{conn: conn, done: make(chan struct{})}
	r.win, err = xproto.NewWindowId(conn)
	require.NoError(t, err)
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	require.NoError(t, xproto.CreateWindowChecked(conn, 0, r.win, root, 0, 0, 1, 1, 0, xproto.WindowClassInputOnly, 0,
		xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange}).Check())
	t.Cleanup(func() {
		conn.Close()
		<-r.done
	})
	return r
}

// run hands every event to handle on one goroutine, until the test ends.
func (r *rawClient) run(handle func(ev xgb.Event)) {
	go func() {
		defer close(r.done)
		for {
			ev, xerr := r.conn.WaitForEvent()
			if ev == nil && xerr == nil {
				return
			}
			if ev != nil {
				handle(ev)
			}
		}
	}()
}

// drain consumes events when the client has no handler.
func (r *rawClient) drain() { r.run(func(xgb.Event) {}) }

func (r *rawClient) atom(t testing.TB, name string) xproto.Atom {
	t.Helper()
	rep, err := xproto.InternAtom(r.conn, false, uint16(len(name)), name).Reply()
	require.NoError(t, err)
	return rep.Atom
}

// own takes the selection.
func (r *rawClient) own(t testing.TB, selection string) {
	t.Helper()
	sel := r.atom(t, selection)
	xproto.SetSelectionOwner(r.conn, r.win, sel, xproto.TimeCurrentTime)
	rep, err := xproto.GetSelectionOwner(r.conn, sel).Reply()
	require.NoError(t, err)
	require.Equal(t, r.win, rep.Owner)
}

func (r *rawClient) notify(e xproto.SelectionRequestEvent, prop xproto.Atom) {
	ev := xproto.SelectionNotifyEvent{Time: e.Time, Requestor: e.Requestor, Selection: e.Selection, Target: e.Target, Property: prop}
	xproto.SendEvent(r.conn, false, e.Requestor, xproto.EventMaskNoEvent, string(ev.Bytes()))
}
