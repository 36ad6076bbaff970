package x11

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/deskhand/deskhand/internal/xwindow"
	"github.com/jezek/xgb/xproto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newInjector(t *testing.T, display string, opts ...Option) *Injector {
	t.Helper()
	in, err := New(append([]Option{WithDisplay(display)}, opts...)...)
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

func key(k input.Key, down bool) input.Event {
	return input.Event{Kind: input.KeyEvent, Key: k, Down: down}
}

func tap(k input.Key) []input.Event { return []input.Event{key(k, true), key(k, false)} }

// watcher is a second X client: a window that reports the buttons and keys
// it receives, and queries of the server's state.
type watcher struct{ *xwindow.Window }

func newWatcher(t *testing.T, display string, at, size [2]int) *watcher {
	t.Helper()
	return &watcher{xwindow.Open(t, display, at[0], at[1], size[0], size[1])}
}

// keymap reads the server's current keyboard map.
func (w *watcher) keymap(t *testing.T) *keymap {
	t.Helper()
	setup := xproto.Setup(w.Conn)
	rep, err := xproto.GetKeyboardMapping(w.Conn, setup.MinKeycode, byte(setup.MaxKeycode-setup.MinKeycode+1)).Reply()
	require.NoError(t, err)
	km, err := newKeymap(setup.MinKeycode, int(rep.KeysymsPerKeycode), rep.Keysyms)
	require.NoError(t, err)
	return km
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

type keyEv struct {
	sym   xproto.Keysym // the keycode's column-0 keysym
	press bool
	state uint16 // modifiers in effect
}

func (w *watcher) key(t *testing.T, km *keymap) keyEv {
	t.Helper()
	switch e := w.Next(t).(type) {
	case xproto.KeyPressEvent:
		return keyEv{km.level(e.Detail, 0), true, e.State}
	case xproto.KeyReleaseEvent:
		return keyEv{km.level(e.Detail, 0), false, e.State}
	default:
		t.Fatalf("want a key event, got %T %+v", e, e)
		return keyEv{}
	}
}

func (w *watcher) pointer(t *testing.T) *xproto.QueryPointerReply {
	t.Helper()
	p, err := xproto.QueryPointer(w.Conn, w.ID).Reply()
	require.NoError(t, err)
	return p
}

// keysDown returns the keycodes the server has down.
func (w *watcher) keysDown(t *testing.T) []int {
	t.Helper()
	km, err := xproto.QueryKeymap(w.Conn).Reply()
	require.NoError(t, err)
	var down []int
	for kc := range 256 {
		if km.Keys[kc/8]&(1<<(kc%8)) != 0 {
			down = append(down, kc)
		}
	}
	return down
}

func TestNewErrors(t *testing.T) {
	_, err := New()
	assert.ErrorIs(t, err, ErrNoDisplay)
	assert.ErrorIs(t, err, input.ErrNoDisplay)
	_, err = New(WithDisplay(""))
	assert.ErrorIs(t, err, ErrNoDisplay)
	_, err = New(WithDisplay("no-colon"))
	assert.ErrorIs(t, err, ErrBadDisplayName)
	_, err = New(WithDisplay("/nonexistent/deskhand-test:0"))
	assert.ErrorIs(t, err, input.ErrNoDisplay)
	for _, opt := range []Option{WithOrigin(70000, 0), WithOrigin(0, -70000), WithLogger(nil), WithXAuthority("")} {
		_, err = New(WithDisplay(":0"), opt)
		assert.ErrorIs(t, err, input.ErrInvalid)
	}

	srv := xvfb.ForTest(t, 640, 480)
	_, err = New(WithDisplay(srv.Display + ".3"))
	assert.ErrorIs(t, err, ErrNoScreen)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = NewContext(ctx, WithDisplay(srv.Display))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestPointerLandsWhereAsked(t *testing.T) {
	srv := xvfb.ForTest(t, 1024, 768)
	w := newWatcher(t, srv.Display, [2]int{0, 0}, [2]int{10, 10})
	in := newInjector(t, srv.Display)
	for _, p := range [][2]int{{0, 0}, {100, 200}, {1023, 767}, {512, 5}} {
		inject(t, in, input.Event{Kind: input.MouseMove, X: p[0], Y: p[1]})
		w.pointerReaches(t, p)
	}
	// Beyond the screen the server clamps to its edge.
	inject(t, in, input.Event{Kind: input.MouseMove, X: 65535, Y: 65535})
	w.pointerReaches(t, [2]int{1023, 767})

	shifted := newInjector(t, srv.Display, WithOrigin(300, 40))
	inject(t, shifted, input.Event{Kind: input.MouseMove, X: 10, Y: 20})
	w.pointerReaches(t, [2]int{310, 60})

	// A move makes no round trip, but the key after it does, which proves
	// the server performed both, and so does Sync: no waiting then.
	inject(t, in, input.Event{Kind: input.MouseMove, X: 7, Y: 9}, key(input.ShiftLeft, true), key(input.ShiftLeft, false))
	got := w.pointer(t)
	assert.Equal(t, [2]int{7, 9}, [2]int{int(got.RootX), int(got.RootY)})
	for i := range 20 {
		inject(t, in, input.Event{Kind: input.MouseMove, X: 100 + i, Y: 200 - i})
	}
	require.NoError(t, in.Sync(context.Background()))
	got = w.pointer(t)
	assert.Equal(t, [2]int{119, 181}, [2]int{int(got.RootX), int(got.RootY)})

	require.NoError(t, in.Close())
	assert.ErrorIs(t, in.Sync(context.Background()), input.ErrClosed)
}

// pointerReaches waits until the server has put the pointer at want, root
// coordinates: another client's moves reach it in their own time.
func (w *watcher) pointerReaches(t *testing.T, want [2]int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := w.pointer(t)
		at := [2]int{int(got.RootX), int(got.RootY)}
		if at == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pointer is at %v, want %v", at, want)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestButtonsWheelAndKeysReachAWindow(t *testing.T) {
	srv := xvfb.ForTest(t, 1024, 768)
	w := newWatcher(t, srv.Display, [2]int{300, 200}, [2]int{200, 100})
	in := newInjector(t, srv.Display)
	inject(t, in, input.Event{Kind: input.MouseMove, X: 350, Y: 230})

	buttons := []struct {
		in input.Button
		x  byte
	}{{input.ButtonLeft, 1}, {input.ButtonMiddle, 2}, {input.ButtonRight, 3}}
	if in.buttons >= 9 {
		buttons = append(buttons, struct {
			in input.Button
			x  byte
		}{input.ButtonBack, 8}, struct {
			in input.Button
			x  byte
		}{input.ButtonForward, 9})
	}
	for _, b := range buttons {
		inject(t, in, input.Event{Kind: input.MouseButton, Button: b.in, Down: true},
			input.Event{Kind: input.MouseButton, Button: b.in})
		btn, press, x, y := w.button(t)
		assert.Equal(t, [4]any{b.x, true, 50, 30}, [4]any{btn, press, x, y}, "%v press", b.in)
		btn, press, _, _ = w.button(t)
		assert.Equal(t, [2]any{b.x, false}, [2]any{btn, press}, "%v release", b.in)
	}

	// Wheel: X11 buttons 4 up, 5 down, 6 left, 7 right, one click per notch.
	inject(t, in, input.Event{Kind: input.MouseWheel, DY: 2}, input.Event{Kind: input.MouseWheel, DY: -1},
		input.Event{Kind: input.MouseWheel, DX: 1}, input.Event{Kind: input.MouseWheel, DX: -1, DY: 1})
	var got []byte
	for range 12 {
		btn, press, _, _ := w.button(t)
		if press {
			got = append(got, btn)
		}
	}
	assert.Equal(t, []byte{5, 5, 4, 7, 5, 6}, got)

	km := w.keymap(t)
	for _, k := range []struct {
		key input.Key
		sym xproto.Keysym
	}{{input.KeyA, 'a'}, {input.KeyZ, 'z'}, {input.Digit7, '7'}, {input.Enter, 0xff0d}, {input.ShiftRight, 0xffe2},
		{input.ArrowUp, 0xff52}, {input.F5, 0xffc2}, {input.Quote, '\''}, {input.Backslash, '\\'},
		{input.Numpad4, 0xff96}, {input.NumpadAdd, 0xffab}, {input.NumpadDecimal, 0xff9f},
		{input.MetaLeft, 0xffeb}, {input.ContextMenu, 0xff67}, {input.IntlBackslash, '<'}, {input.Delete, 0xffff}} {
		inject(t, in, tap(k.key)...)
		got := w.key(t, km)
		assert.Equal(t, keyEv{k.sym, true, 0}, got, "%v press", k.key)
		got = w.key(t, km)
		assert.Equal(t, k.sym, got.sym, "%v release", k.key)
		assert.False(t, got.press, "%v release", k.key)
	}
}

func TestModifiers(t *testing.T) {
	srv := xvfb.ForTest(t, 640, 480)
	w := newWatcher(t, srv.Display, [2]int{100, 100}, [2]int{100, 100})
	in := newInjector(t, srv.Display)
	inject(t, in, input.Event{Kind: input.MouseMove, X: 150, Y: 150})
	km := w.keymap(t)
	for _, m := range []struct {
		key  input.Key
		mask uint16
	}{{input.ShiftLeft, xproto.ModMaskShift}, {input.ShiftRight, xproto.ModMaskShift},
		{input.ControlLeft, xproto.ModMaskControl}, {input.ControlRight, xproto.ModMaskControl},
		{input.AltLeft, xproto.ModMask1}, {input.MetaLeft, xproto.ModMask4}} {
		inject(t, in, key(m.key, true), key(input.KeyA, true), key(input.KeyA, false), key(m.key, false))
		_ = w.key(t, km) // the modifier's own press
		a := w.key(t, km)
		assert.Equal(t, keyEv{'a', true, m.mask}, a, "%v+a", m.key)
		_ = w.key(t, km)
		_ = w.key(t, km)
	}
	// And none stays down.
	inject(t, in, tap(input.KeyA)...)
	assert.Equal(t, keyEv{'a', true, 0}, w.key(t, km))
}

// startXterm runs an xterm that copies the first n bytes typed into it to a
// file, and returns the file and a function waiting for the xterm to exit.
func startXterm(t *testing.T, srv *xvfb.Server, n int) (string, func()) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "typed")
	cmd := exec.Command("xterm", "-geometry", "80x24+0+0", "-e", "sh", "-c", fmt.Sprintf("head -c %d > %s", n, out))
	cmd.Env = append(srv.Env(), "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
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
	search.Env = srv.Env()
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
			got, _ := os.ReadFile(out)
			t.Fatalf("the xterm did not receive all the input; it has %q", got)
		}
	}
	return out, wait
}

func TestTypedTextReachesXterm(t *testing.T) {
	srv := xvfb.ForTest(t, 1024, 768)
	in := newInjector(t, srv.Display)
	// The terminal turns Return into "\n".
	want := "Hi there! <\"'> ~\nAa\nx\ny\tz é ü ß € 日本 ∑ \nCaps: Hello\n"
	out, wait := startXterm(t, srv, len(want))
	inject(t, in, input.Event{Kind: input.MouseMove, X: 100, Y: 100})
	inject(t, in,
		input.Event{Kind: input.TextEvent, Text: "Hi there! <\"'> ~\n"},
		key(input.ShiftLeft, true), key(input.KeyA, true), key(input.KeyA, false), key(input.ShiftLeft, false),
		key(input.KeyA, true), key(input.KeyA, false),
		key(input.Enter, true), key(input.Enter, false),
		input.Event{Kind: input.TextEvent, Text: "x\r\ny\tz é ü ß € 日本 ∑ \r"},
		key(input.CapsLock, true), key(input.CapsLock, false),
		input.Event{Kind: input.TextEvent, Text: "Caps: Hello\n"},
		key(input.CapsLock, true), key(input.CapsLock, false),
	)
	wait()
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, want, string(got))
}

func TestTextOutsideBMPReachesXterm(t *testing.T) {
	srv := xvfb.ForTest(t, 1024, 768)
	in := newInjector(t, srv.Display)
	want := "smile 😀 ok\n"
	out, wait := startXterm(t, srv, len(want))
	inject(t, in, input.Event{Kind: input.MouseMove, X: 100, Y: 100},
		input.Event{Kind: input.TextEvent, Text: "smile 😀 ok\n"})
	wait()
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, want, string(got))
}

func TestCloseReleasesHeldKeysAndSpares(t *testing.T) {
	srv := xvfb.ForTest(t, 640, 480)
	w := newWatcher(t, srv.Display, [2]int{0, 0}, [2]int{100, 100})
	before := w.keymap(t)
	in, err := New(WithDisplay(srv.Display))
	require.NoError(t, err)
	inject(t, in,
		input.Event{Kind: input.MouseMove, X: 50, Y: 50},
		input.Event{Kind: input.TextEvent, Text: "ü€"},
		key(input.ShiftLeft, true),
		key(input.ControlRight, true),
		key(input.ControlRight, false),
		key(input.KeyQ, true),
		input.Event{Kind: input.MouseButton, Button: input.ButtonLeft, Down: true},
		input.Event{Kind: input.MouseButton, Button: input.ButtonRight, Down: true},
	)
	assert.Len(t, w.keysDown(t), 2, "Shift_L and q should be down before Close")
	assert.NotZero(t, w.pointer(t).Mask&(xproto.KeyButMaskButton1|xproto.KeyButMaskButton3|xproto.KeyButMaskShift))
	assert.NotEqual(t, before.syms, w.keymap(t).syms, "typing ü€ should have mapped spares")

	require.NoError(t, in.Close())
	assert.Empty(t, w.keysDown(t), "Close left keys down")
	assert.Zero(t, w.pointer(t).Mask, "Close left buttons or modifiers down")
	assert.Equal(t, before.syms, w.keymap(t).syms, "Close should give the spares back their empty map")

	require.NoError(t, in.Close())
	assert.ErrorIs(t, in.Inject(context.Background(), input.Event{Kind: input.MouseMove}), input.ErrClosed)
}

func TestUnsupportedAndInvalid(t *testing.T) {
	srv := xvfb.ForTest(t, 640, 480)
	in := newInjector(t, srv.Display)
	ctx := context.Background()
	cases := []struct {
		e    input.Event
		want error
	}{
		// Xvfb's keyboard map has no F13, and no key with '#' alone.
		{key(input.F13, true), input.ErrUnsupportedKey},
		{key(input.IntlHash, true), input.ErrUnsupportedKey},
		{key(input.Key(0xa5), true), input.ErrUnsupportedKey},
		{input.Event{Kind: input.TextEvent, Text: "a\x01b"}, input.ErrUnsupportedText},
		{input.Event{Kind: input.TextEvent, Text: "tab\tok but bell\a"}, input.ErrUnsupportedText},
		{input.Event{Kind: input.KeyEvent}, input.ErrInvalid},
		{input.Event{Kind: input.MouseMove, X: -1}, input.ErrInvalid},
		{input.Event{Kind: input.MouseMove, X: 1, Text: "x"}, input.ErrInvalid},
		{input.Event{Kind: input.TextEvent, Text: "\xff"}, input.ErrInvalid},
		{input.Event{Kind: 9}, input.ErrInvalid},
		{input.Event{Kind: input.MouseButton, Button: 6}, input.ErrInvalid},
	}
	if in.buttons < 9 {
		cases = append(cases, struct {
			e    input.Event
			want error
		}{input.Event{Kind: input.MouseButton, Button: input.ButtonForward, Down: true}, input.ErrUnsupportedButton})
	}
	for _, c := range cases {
		assert.ErrorIs(t, in.Inject(ctx, c.e), c.want, "%v", c.e)
	}
	assert.Empty(t, in.held.Held(), "a dropped press must not be remembered")
	// Huge wheels are bounded, not refused; the longest text goes through.
	inject(t, in, input.Event{Kind: input.MouseWheel, DX: -32768, DY: 32767},
		input.Event{Kind: input.TextEvent, Text: strings.Repeat("aZ\u00fc\u20ac", input.MaxText/8)})

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, in.Inject(cctx, input.Event{Kind: input.MouseMove}), context.Canceled)
	// The injector still works after all of these.
	inject(t, in, input.Event{Kind: input.MouseMove, X: 3, Y: 4})
}

func TestKeymapChangeIsSeen(t *testing.T) {
	srv := xvfb.ForTest(t, 640, 480)
	w := newWatcher(t, srv.Display, [2]int{0, 0}, [2]int{100, 100})
	in := newInjector(t, srv.Display)
	inject(t, in, input.Event{Kind: input.MouseMove, X: 50, Y: 50})
	ctx := context.Background()
	require.ErrorIs(t, in.Inject(ctx, key(input.F13, true)), input.ErrUnsupportedKey)

	// Another client puts F13 on an empty keycode, as xmodmap would.
	km := w.keymap(t)
	var free xproto.Keycode
	for c := int(km.min) + km.codes() - 1; c >= int(km.min); c-- {
		if empty(km.row(xproto.Keycode(c))) {
			free = xproto.Keycode(c)
			break
		}
	}
	require.NotZero(t, free)
	require.NoError(t, xproto.ChangeKeyboardMappingChecked(w.Conn, 1, free, 1, []xproto.Keysym{0xffca}).Check())
	t.Cleanup(func() { _ = xproto.ChangeKeyboardMappingChecked(w.Conn, 1, free, 1, []xproto.Keysym{0}).Check() })

	// The MappingNotify reaches the injector in its own time; each event
	// checks for it first.
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := in.Inject(ctx, key(input.F13, true))
		if err == nil {
			break
		}
		require.ErrorIs(t, err, input.ErrUnsupportedKey)
		require.True(t, time.Now().Before(deadline), "the injector never saw the new keyboard map")
		inject(t, in, input.Event{Kind: input.MouseMove, X: 50, Y: 50})
	}
	inject(t, in, key(input.F13, false))
	km = w.keymap(t)
	assert.Equal(t, keyEv{0xffca, true, 0}, w.key(t, km))
	assert.Equal(t, keyEv{0xffca, false, 0}, w.key(t, km))
}

func TestConcurrentInjects(t *testing.T) {
	srv := xvfb.ForTest(t, 640, 480)
	w := newWatcher(t, srv.Display, [2]int{0, 0}, [2]int{640, 480})
	in := newInjector(t, srv.Display)
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for g := range 4 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for i := range 50 {
				errs <- in.Inject(ctx, input.Event{Kind: input.MouseMove, X: g*100 + i, Y: i})
				errs <- in.Inject(context.Background(), key(input.KeyB+input.Key(g), i%2 == 0))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	km := w.keymap(t)
	n := 0
	for n < 200 {
		if e := w.key(t, km); e.sym >= 'b' && e.sym <= 'e' {
			n++
		}
	}
	assert.Empty(t, w.keysDown(t), "every press had its release")
}

func TestServerGoesAway(t *testing.T) {
	srv := xvfb.ForTest(t, 640, 480)
	in, err := New(WithDisplay(srv.Display))
	require.NoError(t, err)
	inject(t, in, key(input.ShiftLeft, true))
	require.NoError(t, srv.Close())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A move waits for no reply, so the first ones may still be written
	// before the injector learns that the server went; then moves fail too.
	for {
		err = in.Inject(ctx, input.Event{Kind: input.MouseMove, X: 1, Y: 1})
		if err != nil || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	assert.ErrorIs(t, err, input.ErrNoDisplay)
	assert.ErrorIs(t, in.Sync(ctx), input.ErrNoDisplay)
	err = in.Inject(ctx, input.Event{Kind: input.TextEvent, Text: "abc"})
	assert.ErrorIs(t, err, input.ErrNoDisplay)
	// Shift is still held and cannot be released: Close says so.
	assert.ErrorIs(t, in.Close(), input.ErrNoDisplay)
}
