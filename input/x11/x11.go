package x11

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/internal/xconn"
	"github.com/deskhand/deskhand/internal/xdisplay"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

const (
	// openTimeout bounds New: a dead or stuck server gives an error, not a
	// hang.
	openTimeout = 10 * time.Second
	// closeTimeout bounds Close's releases: Close takes no context.
	closeTimeout = 2 * time.Second
	// maxNotches bounds the wheel clicks of one event in each direction:
	// more scroll than any screen needs, and a bound on the requests one
	// event can make.
	maxNotches = 128
	// backButton and forwardButton are the X buttons of the side buttons,
	// as Xorg's evdev and libinput drivers number them.
	backButton, forwardButton = 8, 9
)

// Injector performs input events on an X display through XTEST. It
// implements input.Injector and is safe for concurrent use: events are
// performed one at a time, in the order their Inject calls take turns.
type Injector struct {
	log     *slog.Logger
	ox, oy  int
	addr    xdisplay.Addr
	nc      net.Conn
	conn    *xgb.Conn
	root    xproto.Window
	buttons int // buttons of the server's pointer

	// busy is held (a value sent) by whoever talks to the server: the one
	// event being performed, or Close. A channel rather than a mutex, so
	// that a caller's context bounds the wait for its turn.
	busy      chan struct{}
	closed    atomic.Bool
	stale     atomic.Bool // the server announced a new keyboard map
	gone      atomic.Bool // the connection ended: the server went away, or Close
	loopDone  chan struct{}
	closeOnce sync.Once
	closeErr  error

	// Owned by the holder of busy.
	km      *keymap
	lock    bool                         // Caps Lock was on at the last round trip
	pressed map[input.Key]xproto.Keycode // keycodes of keys held down, for their release
	strokes []stroke                     // reused by text
	broken  error                        // set once the connection failed
	held    input.HeldKeys
}

var (
	_ input.Injector = (*Injector)(nil)
	_ input.Syncer   = (*Injector)(nil)
)

// New connects to the display named by WithDisplay and reads its keyboard
// map. It gives up after 10 seconds; NewContext takes a context instead.
// It returns ErrNoDisplay without a display name, an error matching
// input.ErrNoDisplay when nothing answers there, and ErrNoXTest when the
// server cannot take synthetic input.
func New(opts ...Option) (*Injector, error) {
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	return NewContext(ctx, opts...)
}

// NewContext is New with a context bounding the connection and setup; it
// does not bound the Injector's life.
func NewContext(ctx context.Context, opts ...Option) (*Injector, error) {
	o := options{}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.display == "" {
		return nil, ErrNoDisplay
	}
	addr, err := xdisplay.Parse(o.display)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadDisplayName, err)
	}
	xc, err := xconn.Open(ctx, addr, o.display, o.xauthority, input.ErrNoDisplay)
	if err != nil {
		return nil, err
	}
	defer xc.Release()
	nc, conn := xc.Net, xc.X
	in := &Injector{
		log: o.log, ox: o.ox, oy: o.oy, addr: addr, nc: nc, conn: conn,
		busy:     make(chan struct{}, 1),
		loopDone: make(chan struct{}),
		pressed:  map[input.Key]xproto.Keycode{},
	}
	if err := xc.Setup(in.setup()); err != nil {
		return nil, err
	}
	go in.loop()
	return in, nil
}

// setup finds the screen, XTEST, the pointer's buttons, the keyboard map
// and the Caps Lock state. Its requests go out together: one round trip.
func (in *Injector) setup() error {
	info := xproto.Setup(in.conn)
	if info == nil || in.addr.Screen >= len(info.Roots) {
		return fmt.Errorf("%w: %s", ErrNoScreen, in.addr.Name)
	}
	in.root = info.Roots[in.addr.Screen].Root
	lo, hi := info.MinKeycode, info.MaxKeycode
	if hi < lo {
		return fmt.Errorf("%w: %s announces keycodes %d..%d", input.ErrNoDisplay, in.addr.Name, lo, hi)
	}
	// xtest.Init is not used: its QueryExtension could not be sent along
	// with the others. (It writes no xgb table: XTEST has no events or
	// errors.)
	extC := xproto.QueryExtension(in.conn, uint16(len("XTEST")), "XTEST")
	kmC := in.getKeymap()
	ptrC := xproto.GetPointerMapping(in.conn)
	qpC := xproto.QueryPointer(in.conn, in.root)

	ext, err := extC.Reply()
	if err != nil || ext == nil {
		return in.connErr("query XTEST", err)
	}
	if !ext.Present {
		return fmt.Errorf("%w (%s)", ErrNoXTest, in.addr.Name)
	}
	in.conn.ExtLock.Lock()
	in.conn.Extensions["XTEST"] = ext.MajorOpcode
	in.conn.ExtLock.Unlock()
	if in.km, err = in.readKeymap(kmC); err != nil {
		return err
	}
	in.km.pickSpares()
	ptr, err := ptrC.Reply()
	if err != nil || ptr == nil {
		return in.connErr("read the pointer's buttons", err)
	}
	in.buttons = int(ptr.MapLen)
	qp, err := qpC.Reply()
	if err != nil || qp == nil {
		return in.connErr("query the pointer", err)
	}
	in.lock = qp.Mask&xproto.ModMaskLock != 0
	in.log.Debug("x11 input: open", "display", in.addr.Name, "buttons", in.buttons,
		"keycodes", in.km.codes(), "spares", len(in.km.spares))
	return nil
}

// getKeymap asks for the whole keyboard map.
func (in *Injector) getKeymap() xproto.GetKeyboardMappingCookie {
	info := xproto.Setup(in.conn)
	// The protocol keeps keycodes at 8 or more: at most 248 of them.
	n := min(int(info.MaxKeycode)-int(info.MinKeycode)+1, 255)
	return xproto.GetKeyboardMapping(in.conn, info.MinKeycode, byte(n))
}

func (in *Injector) readKeymap(c xproto.GetKeyboardMappingCookie) (*keymap, error) {
	rep, err := c.Reply()
	if err != nil || rep == nil {
		return nil, in.connErr("read the keyboard map", err)
	}
	return newKeymap(xproto.Setup(in.conn).MinKeycode, int(rep.KeysymsPerKeycode), rep.Keysyms)
}

// connErr is the error for a request the server did not answer.
func (in *Injector) connErr(what string, err error) error {
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %s: %s: %v", input.ErrNoDisplay, in.addr.Name, what, err)
}

// loop reads the connection's events until it closes: xgb stalls every
// reply once its event queue is full, so it must be read even though only
// MappingNotify matters here. Errors of XTEST requests land here too; they
// are not expected (every keycode and button is checked first), so they are
// logged.
func (in *Injector) loop() {
	defer close(in.loopDone)
	for {
		ev, xerr := in.conn.WaitForEvent()
		switch {
		case ev == nil && xerr == nil:
			in.gone.Store(true)
			return
		case xerr != nil:
			in.log.Debug("x11 input: X error", "err", xerr)
		default:
			if m, ok := ev.(xproto.MappingNotifyEvent); ok && m.Request == xproto.MappingKeyboard {
				in.stale.Store(true)
			}
		}
	}
}

// Inject performs e and returns once the X server has; a pointer move
// returns once its request is written to the server. Invalid events
// return an error wrapping input.ErrInvalid; events this display cannot
// perform return input.ErrUnsupportedKey, ErrUnsupportedButton or
// ErrUnsupportedText and are dropped; a server that stopped answering
// returns an error matching input.ErrNoDisplay. ctx bounds the wait for
// earlier events and for the server; an event whose wait ctx ends may still
// be performed.
func (in *Injector) Inject(ctx context.Context, e input.Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return in.turn(ctx, func() error {
		err := in.perform(e)
		if err != nil {
			in.log.Debug("x11 input: event dropped", "event", e, "err", err)
		}
		return err
	})
}

// Sync returns once the server has performed every event injected before
// it: one round trip, needed only after pointer moves, since every other
// event makes it already. ctx bounds the wait as for Inject.
func (in *Injector) Sync(ctx context.Context) error {
	return in.turn(ctx, func() error {
		if err := in.check(); err != nil {
			return err
		}
		return in.sync()
	})
}

// turn waits for the injector's turn within ctx, then runs f, which talks
// to the server.
func (in *Injector) turn(ctx context.Context, f func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if in.closed.Load() {
		return input.ErrClosed
	}
	select {
	case in.busy <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	if in.closed.Load() {
		<-in.busy
		return input.ErrClosed
	}
	return in.run(ctx, f)
}

// run calls f, which talks to the server, for the holder of busy, and gives
// busy back when f returns. When ctx can end, f runs on its own goroutine so
// that the caller can stop waiting; it then keeps busy until the server
// answers or the connection closes.
func (in *Injector) run(ctx context.Context, f func() error) error {
	if ctx.Done() == nil {
		defer func() { <-in.busy }()
		return f()
	}
	done := make(chan error, 1)
	go func() {
		err := f()
		<-in.busy
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// perform sends e's requests and, except for a pointer move, makes the
// round trip that proves the server performed them (and every move before).
func (in *Injector) perform(e input.Event) error {
	if err := in.check(); err != nil {
		return err
	}
	if err := in.refreshKeymap(); err != nil {
		return err
	}
	var err error
	switch e.Kind {
	case input.MouseMove:
		// No reply awaited: see the package documentation.
		in.fake(xproto.MotionNotify, 0, clamp16(e.X+in.ox), clamp16(e.Y+in.oy))
		return nil
	case input.MouseButton:
		err = in.button(e.Button, e.Down)
	case input.MouseWheel:
		err = in.wheel(e.DX, e.DY)
	case input.KeyEvent:
		err = in.key(e.Key, e.Down)
	case input.TextEvent:
		err = in.text(e.Text)
	default:
		err = fmt.Errorf("%w: kind %v", input.ErrInvalid, e.Kind)
	}
	if err != nil {
		return err
	}
	if err := in.sync(); err != nil {
		return err
	}
	in.held.Observe(e)
	return nil
}

// check returns the error that ended the connection, if it has ended.
// Moves make no round trip that would notice it, so it asks the event loop.
func (in *Injector) check() error {
	if in.broken == nil && in.gone.Load() {
		in.broken = fmt.Errorf("%w: %s closed the connection", input.ErrNoDisplay, in.addr.Name)
	}
	return in.broken
}

// sync makes the one round trip of an event: the reply proves the server
// has performed every request sent before, and tells the Caps Lock state.
func (in *Injector) sync() error {
	rep, err := xproto.QueryPointer(in.conn, in.root).Reply()
	if err != nil || rep == nil {
		in.broken = fmt.Errorf("%w: %s stopped answering: %v", input.ErrNoDisplay, in.addr.Name, orEOF(err))
		return in.broken
	}
	in.lock = rep.Mask&xproto.ModMaskLock != 0
	return nil
}

func orEOF(err error) error {
	if err == nil {
		return io.ErrUnexpectedEOF
	}
	return err
}

// refreshKeymap reads the keyboard map again after the server announced a
// change: someone ran setxkbmap or xmodmap, or text typing mapped a spare.
func (in *Injector) refreshKeymap() error {
	if !in.stale.Swap(false) {
		return nil
	}
	km, err := in.readKeymap(in.getKeymap())
	if err != nil {
		if errors.Is(err, input.ErrNoDisplay) {
			in.broken = err
		}
		return err
	}
	km.adoptSpares(in.km)
	in.km = km
	return nil
}

// fake sends one XTEST event. Time 0 is CurrentTime: now.
func (in *Injector) fake(typ, detail byte, x, y int16) {
	xtest.FakeInput(in.conn, typ, detail, 0, in.root, x, y, 0)
}

func clamp16(v int) int16 {
	return int16(max(math.MinInt16, min(v, math.MaxInt16)))
}

func (in *Injector) button(b input.Button, down bool) error {
	var x int
	switch b {
	case input.ButtonLeft, input.ButtonMiddle, input.ButtonRight:
		x = int(b)
	case input.ButtonBack:
		x = backButton
	case input.ButtonForward:
		x = forwardButton
	}
	if x == 0 || x > in.buttons {
		return fmt.Errorf("%w: %v (the X pointer has %d buttons)", input.ErrUnsupportedButton, b, in.buttons)
	}
	typ := byte(xproto.ButtonRelease)
	if down {
		typ = xproto.ButtonPress
	}
	in.fake(typ, byte(x), 0, 0)
	return nil
}

// wheel clicks buttons 4 (up), 5 (down), 6 (left) and 7 (right) once per
// notch, as X clients expect scrolling.
func (in *Injector) wheel(dx, dy int) error {
	clicks := func(n int, neg, pos byte) {
		b := pos
		if n < 0 {
			n, b = -n, neg
		}
		for range min(n, maxNotches) {
			in.fake(xproto.ButtonPress, b, 0, 0)
			in.fake(xproto.ButtonRelease, b, 0, 0)
		}
	}
	switch {
	case dx != 0 && in.buttons < 7:
		return fmt.Errorf("%w: horizontal wheel (the X pointer has %d buttons)", input.ErrUnsupportedButton, in.buttons)
	case dy != 0 && in.buttons < 5:
		return fmt.Errorf("%w: wheel (the X pointer has %d buttons)", input.ErrUnsupportedButton, in.buttons)
	}
	clicks(dy, 4, 5)
	clicks(dx, 6, 7)
	return nil
}

// key presses or releases k. A release goes to the keycode the press went
// to, even if the map changed in between.
func (in *Injector) key(k input.Key, down bool) error {
	code, ok := in.pressed[k]
	if down || !ok {
		if code, ok = in.km.key(k); !ok {
			return fmt.Errorf("%w: %v (its keysym is not on the keyboard map)", input.ErrUnsupportedKey, k)
		}
	}
	typ := byte(xproto.KeyRelease)
	if down {
		typ = xproto.KeyPress
		in.pressed[k] = code
	} else {
		delete(in.pressed, k)
	}
	in.fake(typ, byte(code), 0, 0)
	return nil
}

// text types s (see plan). Shift stays down across consecutive shifted
// characters.
func (in *Injector) text(s string) error {
	var err error
	in.strokes, err = in.km.plan(in.strokes[:0], s, in.lock)
	if err != nil {
		return err
	}
	shifted := false
	for _, st := range in.strokes {
		if st.remap {
			xproto.ChangeKeyboardMapping(in.conn, 1, st.code, 2, []xproto.Keysym{st.sym, st.sym})
			continue
		}
		if st.shift != shifted {
			typ := byte(xproto.KeyRelease)
			if st.shift {
				typ = xproto.KeyPress
			}
			in.fake(typ, byte(in.km.shift), 0, 0)
			shifted = st.shift
		}
		in.fake(xproto.KeyPress, byte(st.code), 0, 0)
		in.fake(xproto.KeyRelease, byte(st.code), 0, 0)
	}
	if shifted {
		in.fake(xproto.KeyRelease, byte(in.km.shift), 0, 0)
	}
	return nil
}

// Close releases every key and button still held down through the
// injector, gives the spare keycodes text typing took over back their empty
// map, and closes the connection. It waits at most 2 seconds for an event
// still in progress (then returns ErrBusy) and for the server. It is
// idempotent.
func (in *Injector) Close() error {
	in.closeOnce.Do(func() { in.closeErr = in.close() })
	return in.closeErr
}

func (in *Injector) close() error {
	in.closed.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	var err error
	select {
	case in.busy <- struct{}{}:
		err = in.run(ctx, in.releaseAll)
		if err != nil && ctx.Err() != nil {
			err = ErrBusy
		}
	case <-ctx.Done():
		err = ErrBusy
	}
	// Closing the socket ends every wait at once, even with a stuck server.
	_ = in.nc.Close()
	<-in.loopDone
	return err
}

// releaseAll releases what is held and empties the spares, in one round
// trip.
func (in *Injector) releaseAll() error {
	if in.check() != nil {
		if len(in.held.Held()) > 0 {
			return in.broken
		}
		return nil
	}
	if err := in.refreshKeymap(); err != nil {
		return err
	}
	var errs []error
	for _, e := range in.held.Release() {
		in.log.Debug("x11 input: releasing on close", "event", e)
		var err error
		if e.Kind == input.KeyEvent {
			err = in.key(e.Key, false)
		} else {
			err = in.button(e.Button, false)
		}
		errs = append(errs, err)
	}
	for _, sp := range in.km.spares {
		if row := in.km.row(sp.code); sp.sym != 0 && row != nil && row[0] == sp.sym {
			xproto.ChangeKeyboardMapping(in.conn, 1, sp.code, 2, []xproto.Keysym{0, 0})
		}
	}
	errs = append(errs, in.sync())
	return errors.Join(errs...)
}
