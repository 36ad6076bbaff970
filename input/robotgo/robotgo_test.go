//go:build cgo && linux

package robotgo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/deskhand/deskhand/internal/xwindow"
	"github.com/jezek/xgb/xproto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// robotgo binds its one Xlib connection to the first display it meets and
// Xlib ends the process when that server goes away, so the whole package
// shares one Xvfb that outlives every test.
var display string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	srv, err := xvfb.Start(context.Background(), 1024, 768)
	stop := func() {}
	switch {
	case errors.Is(err, xvfb.ErrNotInstalled) && os.Getenv("CI") == "":
		fmt.Println("skipping X tests:", err)
	case err != nil:
		fmt.Println(err)
		return 1
	default:
		display = srv.Display
		os.Setenv("DISPLAY", display)
		stop = func() { _ = srv.Close() }
	}
	code := m.Run()
	stop()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Println(err)
			return 1
		}
	}
	return code
}

func needX(t *testing.T) {
	t.Helper()
	if display == "" {
		t.Skip("no Xvfb")
	}
}

func newInjector(t *testing.T, opts ...Option) *Injector {
	t.Helper()
	needX(t)
	in, err := New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = in.Close() })
	return in
}

func inject(t *testing.T, in input.Injector, events ...input.Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, e := range events {
		require.NoError(t, in.Inject(ctx, e), "%v", e)
	}
}

func mouseLocation(t *testing.T) (x, y int) {
	t.Helper()
	out, err := exec.Command("xdotool", "getmouselocation").Output()
	require.NoError(t, err)
	_, err = fmt.Sscanf(string(out), "x:%d y:%d", &x, &y)
	require.NoError(t, err, "%q", out)
	return x, y
}

func TestNewWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	_, err := New()
	assert.ErrorIs(t, err, input.ErrNoDisplay)
	t.Setenv("DISPLAY", ":987")
	_, err = New()
	assert.ErrorIs(t, err, input.ErrNoDisplay)
}

func TestOptions(t *testing.T) {
	_, err := New(WithOrigin(1<<20, 0))
	assert.ErrorIs(t, err, input.ErrInvalid)
	_, err = New(WithLogger(nil))
	assert.ErrorIs(t, err, input.ErrInvalid)
}

func TestMouseMove(t *testing.T) {
	in := newInjector(t)
	inject(t, in, input.Event{Kind: input.MouseMove, X: 123, Y: 45})
	x, y := mouseLocation(t)
	assert.Equal(t, [2]int{123, 45}, [2]int{x, y})
	inject(t, in, input.Event{Kind: input.MouseMove, X: 1023, Y: 767})
	x, y = mouseLocation(t)
	assert.Equal(t, [2]int{1023, 767}, [2]int{x, y})

	shifted := newInjector(t, WithOrigin(100, 50))
	inject(t, shifted, input.Event{Kind: input.MouseMove, X: 10, Y: 10})
	x, y = mouseLocation(t)
	assert.Equal(t, [2]int{110, 60}, [2]int{x, y})
}

// watcher is a window of the test's own that reports the input it receives.
type watcher struct {
	*xwindow.Window
	keymap map[xproto.Keycode]xproto.Keysym
}

func newWatcher(t *testing.T, at, size [2]int) *watcher {
	t.Helper()
	w := &watcher{Window: xwindow.Open(t, display, at[0], at[1], size[0], size[1])}
	w.keymap = w.Keymap(t)
	return w
}

// button returns the next button event's (button, press, x, y).
func (w *watcher) button(t *testing.T) (byte, bool, int, int) {
	t.Helper()
	switch e := w.Next(t).(type) {
	case xproto.ButtonPressEvent:
		return byte(e.Detail), true, int(e.EventX), int(e.EventY)
	case xproto.ButtonReleaseEvent:
		return byte(e.Detail), false, int(e.EventX), int(e.EventY)
	default:
		t.Fatalf("want a button event, got %T %+v", e, e)
		return 0, false, 0, 0
	}
}

// key returns the next key event's (unshifted keysym, press).
func (w *watcher) key(t *testing.T) (xproto.Keysym, bool) {
	t.Helper()
	switch e := w.Next(t).(type) {
	case xproto.KeyPressEvent:
		return w.keymap[e.Detail], true
	case xproto.KeyReleaseEvent:
		return w.keymap[e.Detail], false
	default:
		t.Fatalf("want a key event, got %T %+v", e, e)
		return 0, false
	}
}

func TestButtonsWheelAndKeysReachAWindow(t *testing.T) {
	in := newInjector(t)
	w := newWatcher(t, [2]int{300, 200}, [2]int{200, 100})
	inject(t, in, input.Event{Kind: input.MouseMove, X: 350, Y: 230})

	for _, b := range []struct {
		in input.Button
		x  byte
	}{{input.ButtonLeft, 1}, {input.ButtonMiddle, 2}, {input.ButtonRight, 3}} {
		inject(t, in, input.Event{Kind: input.MouseButton, Button: b.in, Down: true},
			input.Event{Kind: input.MouseButton, Button: b.in})
		btn, press, x, y := w.button(t)
		assert.Equal(t, [4]any{b.x, true, 50, 30}, [4]any{btn, press, x, y}, "%v press", b.in)
		btn, press, _, _ = w.button(t)
		assert.Equal(t, [2]any{b.x, false}, [2]any{btn, press}, "%v release", b.in)
	}

	// Wheel: X11 buttons 4 up, 5 down, 6 left, 7 right, one click per notch.
	inject(t, in, input.Event{Kind: input.MouseWheel, DY: 2}, input.Event{Kind: input.MouseWheel, DY: -1},
		input.Event{Kind: input.MouseWheel, DX: 1}, input.Event{Kind: input.MouseWheel, DX: -1})
	var got []byte
	for i := 0; i < 10; i++ {
		btn, press, _, _ := w.button(t)
		if press {
			got = append(got, btn)
		}
	}
	assert.Equal(t, []byte{5, 5, 4, 7, 6}, got)

	type ks struct {
		sym   xproto.Keysym
		press bool
	}
	for _, k := range []struct {
		key input.Key
		sym xproto.Keysym
	}{{input.KeyA, 'a'}, {input.Digit7, '7'}, {input.Enter, 0xff0d}, {input.ShiftRight, 0xffe2},
		{input.ArrowUp, 0xff52}, {input.F5, 0xffc2}, {input.Quote, '\''}, {input.Backslash, '\\'},
		{input.Numpad4, 0xff96}, {input.MetaLeft, 0xffeb}} {
		inject(t, in, input.Event{Kind: input.KeyEvent, Key: k.key, Down: true}, input.Event{Kind: input.KeyEvent, Key: k.key})
		s, p := w.key(t)
		assert.Equal(t, ks{k.sym, true}, ks{s, p}, "%v press", k.key)
		s, p = w.key(t)
		assert.Equal(t, ks{k.sym, false}, ks{s, p}, "%v release", k.key)
	}
}

// startXterm runs an xterm that copies the first n bytes typed into it to a
// file, and returns the file and a function waiting for the xterm to exit.
func startXterm(t *testing.T, n int) (string, func()) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "typed")
	cmd := exec.Command("xterm", "-geometry", "80x24+0+0", "-e", "sh", "-c", fmt.Sprintf("head -c %d > %s", n, out))
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	// Wait for its window, so the pointer can give it the keyboard (Xvfb has
	// no window manager: the focus follows the pointer).
	search := exec.Command("xdotool", "search", "--sync", "--onlyvisible", "--pid", fmt.Sprint(cmd.Process.Pid))
	found := make(chan error, 1)
	go func() { found <- search.Run() }()
	select {
	case err := <-found:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		_ = search.Process.Kill()
		<-found
		t.Fatal("the xterm window never appeared")
	}
	wait := func() {
		t.Helper()
		select {
		case err := <-exited:
			exited <- err
		case <-time.After(20 * time.Second):
			t.Fatal("the xterm did not receive all the input")
		}
	}
	return out, wait
}

func TestTypedTextReachesXterm(t *testing.T) {
	in := newInjector(t)
	want := "Hi there! <\"'> ~\nA\nx\ny\tz é\n"
	out, wait := startXterm(t, len(want))
	inject(t, in,
		input.Event{Kind: input.MouseMove, X: 100, Y: 100},
		input.Event{Kind: input.TextEvent, Text: "Hi there! <\"'> ~\n"},
		input.Event{Kind: input.KeyEvent, Key: input.ShiftLeft, Down: true},
		input.Event{Kind: input.KeyEvent, Key: input.KeyA, Down: true},
		input.Event{Kind: input.KeyEvent, Key: input.KeyA},
		input.Event{Kind: input.KeyEvent, Key: input.ShiftLeft},
		input.Event{Kind: input.KeyEvent, Key: input.Enter, Down: true},
		input.Event{Kind: input.KeyEvent, Key: input.Enter},
		input.Event{Kind: input.TextEvent, Text: "x\r\ny\tz é\r"},
	)
	wait()
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, want, string(got))
}

// keyDown reports whether the key producing keysym is down on the server.
func keyDown(t *testing.T, w *watcher, keysym xproto.Keysym) bool {
	t.Helper()
	km, err := xproto.QueryKeymap(w.Conn).Reply()
	require.NoError(t, err)
	for kc, s := range w.keymap {
		if s == keysym && km.Keys[kc/8]&(1<<(kc%8)) != 0 {
			return true
		}
	}
	return false
}

func buttonDown(t *testing.T, w *watcher) bool {
	t.Helper()
	p, err := xproto.QueryPointer(w.Conn, w.ID).Reply()
	require.NoError(t, err)
	return p.Mask&xproto.KeyButMaskButton1 != 0
}

func TestCloseReleasesHeldKeys(t *testing.T) {
	needX(t)
	w := newWatcher(t, [2]int{700, 500}, [2]int{100, 100})
	in, err := New()
	require.NoError(t, err)
	inject(t, in,
		input.Event{Kind: input.MouseMove, X: 750, Y: 550},
		input.Event{Kind: input.KeyEvent, Key: input.ShiftLeft, Down: true},
		input.Event{Kind: input.KeyEvent, Key: input.ControlRight, Down: true},
		input.Event{Kind: input.KeyEvent, Key: input.ControlRight},
		input.Event{Kind: input.MouseButton, Button: input.ButtonLeft, Down: true},
	)
	require.True(t, keyDown(t, w, 0xffe1), "Shift_L should be down before Close")
	require.True(t, buttonDown(t, w), "button 1 should be down before Close")
	require.NoError(t, in.Close())
	assert.False(t, keyDown(t, w, 0xffe1), "Close left Shift_L down")
	assert.False(t, buttonDown(t, w), "Close left button 1 down")
	require.NoError(t, in.Close())
	assert.ErrorIs(t, in.Inject(context.Background(), input.Event{Kind: input.MouseMove}), input.ErrClosed)
}

func TestUnsupportedAndInvalid(t *testing.T) {
	in := newInjector(t)
	ctx := context.Background()
	for _, c := range []struct {
		e    input.Event
		want error
	}{
		{input.Event{Kind: input.MouseButton, Button: input.ButtonBack, Down: true}, input.ErrUnsupportedButton},
		{input.Event{Kind: input.MouseButton, Button: input.ButtonForward}, input.ErrUnsupportedButton},
		{input.Event{Kind: input.KeyEvent, Key: input.NumpadAdd, Down: true}, input.ErrUnsupportedKey},
		{input.Event{Kind: input.KeyEvent, Key: input.ContextMenu, Down: true}, input.ErrUnsupportedKey},
		{input.Event{Kind: input.KeyEvent, Key: input.IntlBackslash, Down: true}, input.ErrUnsupportedKey},
		{input.Event{Kind: input.KeyEvent, Key: input.Key(0xa5), Down: true}, input.ErrUnsupportedKey},
		// Xvfb's keyboard map has no F13: robotgo would press keycode 0 and
		// Xlib would end the process.
		{input.Event{Kind: input.KeyEvent, Key: input.F13, Down: true}, input.ErrUnsupportedKey},
		{input.Event{Kind: input.TextEvent, Text: "a\x01b"}, input.ErrUnsupportedText},
		{input.Event{Kind: input.TextEvent, Text: "smile 😀"}, input.ErrUnsupportedText},
		{input.Event{Kind: input.KeyEvent}, input.ErrInvalid},
		{input.Event{Kind: input.MouseMove, X: -1}, input.ErrInvalid},
	} {
		assert.ErrorIs(t, in.Inject(ctx, c.e), c.want, "%v", c.e)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, in.Inject(cctx, input.Event{Kind: input.MouseMove}), context.Canceled)
}

func TestKeyTableCoversInput(t *testing.T) {
	for code := range strings.FieldsSeq("KeyA KeyZ Digit0 Digit9 Enter Escape Backspace Tab Space F1 F12 ShiftLeft ShiftRight ControlLeft ControlRight AltLeft AltRight MetaLeft MetaRight ArrowUp ArrowDown ArrowLeft ArrowRight Delete Home End PageUp PageDown Insert Numpad0 Numpad9 NumpadDecimal CapsLock PrintScreen MediaPlayPause AudioVolumeMute") {
		k, ok := input.KeyFromCode(code)
		require.True(t, ok, code)
		info, ok := keys[k]
		require.True(t, ok, "%s has no robotgo name", code)
		assert.NotEmpty(t, info.name, code)
		assert.True(t, info.notOnX11 || info.keysym != 0, "%s has no keysym", code)
	}
}
