// Package xwindow is a test helper for injectors: a window of the test's
// own on an X display, as a second client, that records the pointer
// buttons and keys it receives. Tests read the events in order and query
// the server's state through its connection.
//
// Import policy: github.com/jezek/xgb, testify and the standard library;
// nothing of deskhand. Only tests import it.
package xwindow

import (
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/stretchr/testify/require"
)

// Window is an open, mapped window; closed at the end of the test.
type Window struct {
	Conn   *xgb.Conn     // the window's own connection to the display
	ID     xproto.Window // the window
	events chan xgb.Event
}

// Open maps a white window at (x, y) of size w x h on display and starts
// recording the button and key events it receives (up to 4096 unread).
func Open(tb testing.TB, display string, x, y, w, h int) *Window {
	tb.Helper()
	c, err := xgb.NewConnDisplay(display)
	require.NoError(tb, err)
	scr := xproto.Setup(c).DefaultScreen(c)
	win := &Window{Conn: c, events: make(chan xgb.Event, 4096)}
	win.ID, err = xproto.NewWindowId(c)
	require.NoError(tb, err)
	mask := uint32(xproto.EventMaskButtonPress | xproto.EventMaskButtonRelease | xproto.EventMaskKeyPress | xproto.EventMaskKeyRelease)
	require.NoError(tb, xproto.CreateWindowChecked(c, scr.RootDepth, win.ID, scr.Root, int16(x), int16(y),
		uint16(w), uint16(h), 0, xproto.WindowClassInputOutput, scr.RootVisual,
		xproto.CwBackPixel|xproto.CwEventMask, []uint32{0xffffff, mask}).Check())
	require.NoError(tb, xproto.MapWindowChecked(c, win.ID).Check())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			ev, xerr := c.WaitForEvent()
			if ev == nil && xerr == nil {
				return
			}
			switch ev.(type) {
			case xproto.ButtonPressEvent, xproto.ButtonReleaseEvent, xproto.KeyPressEvent, xproto.KeyReleaseEvent:
				win.events <- ev
			}
		}
	}()
	tb.Cleanup(func() {
		c.Close()
		<-done
	})
	return win
}

// Next returns the next recorded event, failing the test if none comes
// within 10 seconds.
func (w *Window) Next(tb testing.TB) xgb.Event {
	tb.Helper()
	select {
	case ev := <-w.events:
		return ev
	case <-time.After(10 * time.Second):
		tb.Fatal("no X event arrived")
		return nil
	}
}

// Keymap returns the display's keyboard map, keycode to its first keysym.
func (w *Window) Keymap(tb testing.TB) map[xproto.Keycode]xproto.Keysym {
	tb.Helper()
	setup := xproto.Setup(w.Conn)
	km, err := xproto.GetKeyboardMapping(w.Conn, setup.MinKeycode, byte(setup.MaxKeycode-setup.MinKeycode+1)).Reply()
	require.NoError(tb, err)
	m := map[xproto.Keycode]xproto.Keysym{}
	for i := 0; i*int(km.KeysymsPerKeycode) < len(km.Keysyms); i++ {
		m[setup.MinKeycode+xproto.Keycode(i)] = km.Keysyms[i*int(km.KeysymsPerKeycode)]
	}
	return m
}
