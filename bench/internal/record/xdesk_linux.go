package record

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// desk is the recorder's own X connection: it finds the windows of the
// programs it started, moves them, gives them the focus and types into them
// through XTEST, as a user's hands would.
type desk struct {
	nc   net.Conn
	conn *xgb.Conn
	root xproto.Window
	keys map[xproto.Keysym]keyPos
}

// keyPos is where a keysym sits on the keyboard.
type keyPos struct {
	code  xproto.Keycode
	shift bool
}

const (
	keysymReturn    xproto.Keysym = 0xff0d
	keysymTab       xproto.Keysym = 0xff09
	keysymDown      xproto.Keysym = 0xff54
	keysymRight     xproto.Keysym = 0xff53
	keysymShiftL    xproto.Keysym = 0xffe1
	deskOpenTimeout               = 10 * time.Second
)

// openDesk connects to a local display (":N") started by this package.
func openDesk(ctx context.Context, display string) (*desk, error) {
	num, _, _ := strings.Cut(strings.TrimPrefix(display, ":"), ".")
	ctx, cancel := context.WithTimeout(ctx, deskOpenTimeout)
	defer cancel()
	var dialer net.Dialer
	nc, err := dialer.DialContext(ctx, "unix", "/tmp/.X11-unix/X"+num)
	if err != nil {
		return nil, fmt.Errorf("record: connect to %s: %w", display, err)
	}
	// The handshake has no context of its own: the deadline bounds it.
	deadline, _ := ctx.Deadline()
	_ = nc.SetDeadline(deadline)
	conn, err := xgb.NewConnNet(nc)
	if err != nil {
		_ = nc.Close()
		return nil, fmt.Errorf("record: X handshake with %s: %w", display, err)
	}
	_ = nc.SetDeadline(time.Time{})
	d := &desk{nc: nc, conn: conn, root: xproto.Setup(conn).DefaultScreen(conn).Root}
	if err := d.init(); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *desk) init() error {
	if err := xtest.Init(d.conn); err != nil {
		return fmt.Errorf("record: the X server lacks XTEST: %w", err)
	}
	setup := xproto.Setup(d.conn)
	first, last := setup.MinKeycode, setup.MaxKeycode
	km, err := xproto.GetKeyboardMapping(d.conn, first, byte(last-first)+1).Reply()
	if err != nil {
		return fmt.Errorf("record: read the keyboard map: %w", err)
	}
	per := int(km.KeysymsPerKeycode)
	d.keys = make(map[xproto.Keysym]keyPos)
	// Unshifted positions win over shifted ones, lower keycodes over
	// higher: the same choice xdotool makes for a plain US map.
	for col := 0; col < min(per, 2); col++ {
		for i := 0; i*per+col < len(km.Keysyms); i++ {
			sym := km.Keysyms[i*per+col]
			if sym == 0 {
				continue
			}
			if _, ok := d.keys[sym]; !ok {
				d.keys[sym] = keyPos{code: xproto.Keycode(int(first) + i), shift: col == 1}
			}
		}
	}
	if _, ok := d.keys[keysymShiftL]; !ok {
		return errors.New("record: the keyboard map has no Shift_L")
	}
	return nil
}

// close ends the connection and waits for xgb's goroutines to finish.
func (d *desk) close() {
	d.conn.Close()
	_ = d.nc.Close()
	for {
		ev, xerr := d.conn.WaitForEvent()
		if ev == nil && xerr == nil {
			return
		}
	}
}

// drain discards queued events and errors of unchecked requests, so that
// the queue never fills.
func (d *desk) drain() {
	for {
		ev, xerr := d.conn.PollForEvent()
		if ev == nil && xerr == nil {
			return
		}
	}
}

// findWindow waits until a top-level window whose WM_CLASS instance or class
// is name is mapped, and returns it.
func (d *desk) findWindow(ctx context.Context, name string, timeout time.Duration) (xproto.Window, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		w, err := d.lookWindow(name)
		if err != nil || w != 0 {
			return w, err
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%w: no %q window appeared within %v", ErrNotReady, name, timeout)
		case <-tick.C:
		}
	}
}

func (d *desk) lookWindow(name string) (xproto.Window, error) {
	tree, err := xproto.QueryTree(d.conn, d.root).Reply()
	if err != nil {
		return 0, fmt.Errorf("record: list windows: %w", err)
	}
	for _, w := range tree.Children {
		attr, err := xproto.GetWindowAttributes(d.conn, w).Reply()
		if err != nil || attr.MapState != xproto.MapStateViewable {
			continue // windows come and go while we look
		}
		prop, err := xproto.GetProperty(d.conn, false, w, xproto.AtomWmClass, xproto.AtomString, 0, 64).Reply()
		if err != nil || prop == nil {
			continue
		}
		for _, part := range strings.Split(string(prop.Value), "\x00") {
			if part == name {
				return w, nil
			}
		}
	}
	return 0, nil
}

// place moves and resizes a top-level window; without a window manager the
// server does it at once.
func (d *desk) place(w xproto.Window, x, y, width, height int) error {
	err := xproto.ConfigureWindowChecked(d.conn, w,
		xproto.ConfigWindowX|xproto.ConfigWindowY|xproto.ConfigWindowWidth|xproto.ConfigWindowHeight,
		[]uint32{uint32(int32(x)), uint32(int32(y)), uint32(width), uint32(height)}).Check()
	if err != nil {
		return fmt.Errorf("record: place window: %w", err)
	}
	return nil
}

// move moves a top-level window without waiting for the server, as a drag
// does many times a second.
func (d *desk) move(w xproto.Window, x, y int) {
	xproto.ConfigureWindow(d.conn, w, xproto.ConfigWindowX|xproto.ConfigWindowY,
		[]uint32{uint32(int32(x)), uint32(int32(y))})
	d.drain()
}

// focus gives a window the keyboard focus and puts the pointer in it.
func (d *desk) focus(w xproto.Window) error {
	geo, err := xproto.GetGeometry(d.conn, xproto.Drawable(w)).Reply()
	if err != nil {
		return fmt.Errorf("record: window geometry: %w", err)
	}
	err = xproto.WarpPointerChecked(d.conn, 0, w, 0, 0, 0, 0, int16(geo.Width/2), int16(geo.Height/2)).Check()
	if err != nil {
		return fmt.Errorf("record: move the pointer: %w", err)
	}
	err = xproto.SetInputFocusChecked(d.conn, xproto.InputFocusPointerRoot, w, xproto.TimeCurrentTime).Check()
	if err != nil {
		return fmt.Errorf("record: focus window: %w", err)
	}
	return nil
}

// tap presses and releases the key of sym, with Shift when the keysym
// needs it. It does not wait for the server.
func (d *desk) tap(sym xproto.Keysym) error {
	k, ok := d.keys[sym]
	if !ok {
		return fmt.Errorf("record: no key types keysym %#x on this keyboard map", uint32(sym))
	}
	shift := d.keys[keysymShiftL].code
	if k.shift {
		d.fake(xproto.KeyPress, shift)
	}
	d.fake(xproto.KeyPress, k.code)
	d.fake(xproto.KeyRelease, k.code)
	if k.shift {
		d.fake(xproto.KeyRelease, shift)
	}
	d.drain()
	return nil
}

func (d *desk) fake(kind byte, code xproto.Keycode) {
	xtest.FakeInput(d.conn, kind, byte(code), 0, d.root, 0, 0, 0)
}

// typeRune types one character of ASCII text.
func (d *desk) typeRune(r rune) error {
	switch {
	case r == '\n':
		return d.tap(keysymReturn)
	case r == '\t':
		return d.tap(keysymTab)
	case r >= 0x20 && r <= 0x7e:
		// Printable ASCII keysyms equal their code points.
		return d.tap(xproto.Keysym(r))
	}
	return fmt.Errorf("record: cannot type %q: only ASCII text", r)
}

// sync waits until the server has handled every request sent so far.
func (d *desk) sync() error {
	_, err := xproto.GetInputFocus(d.conn).Reply()
	return err
}
