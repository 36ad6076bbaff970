//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskhand/deskhand/clipboard"
	"github.com/deskhand/deskhand/internal/xconn"
	"github.com/deskhand/deskhand/internal/xdisplay"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"
)

// openTimeout bounds Open: a dead or stuck server gives an error, not a hang.
const openTimeout = 10 * time.Second

// readEvents is the room for events forwarded to a waiting ReadText; one
// transfer has at most two in flight (the owner's last write and its answer).
const readEvents = 16

// Clipboard shares the text of one X selection. It implements
// clipboard.Clipboard and is safe for concurrent use; Close may be called
// while a read or write waits.
type Clipboard struct {
	log     *slog.Logger
	timeout time.Duration
	addr    xdisplay.Addr
	nc      net.Conn
	conn    *xgb.Conn

	root   xproto.Window
	owner  xproto.Window // owns the selection; timestamps and XFIXES events arrive on it
	sel    xproto.Atom
	atoms  atoms
	chunk  int  // the largest property value written in one request
	xfixes bool // Changes works

	reader atomic.Uint32 // the window ReadText converts into; replaced after an abandoned read

	readMu  sync.Mutex // one ReadText at a time: they share the reader window's property
	writeMu sync.Mutex // one WriteText at a time: they share the timestamp property

	mu       sync.Mutex
	owned    *ownedText                  // what we serve; nil when we do not own the selection
	draining map[xproto.Window]time.Time // retired reader windows, by last chunk
	closed   bool
	broken   error // set when the connection is gone

	readEv   chan xgb.Event        // SelectionNotify and PropertyNotify for the reader window
	stamps   chan xproto.Timestamp // server times, for WriteText
	changes  chan struct{}
	closing  chan struct{} // closed by Close
	loopDone chan struct{} // closed when the event goroutine ends
	once     sync.Once

	// Used by the event goroutine only.
	out     map[transferKey]*transfer
	watched map[xproto.Window]int // transfers per requestor window we watch
}

type atoms struct {
	targets, multiple, timestamp, utf8, text, incr, atomPair xproto.Atom
	prop, stamp                                              xproto.Atom // our own properties
}

// Open connects to the display named by WithDisplay and prepares to share
// the selection. ctx bounds the connection and setup (and Open gives up
// after 10 seconds in any case); it does not bound the Clipboard's life.
func Open(ctx context.Context, opts ...Option) (*Clipboard, error) {
	o := options{selection: "CLIPBOARD", timeout: defaultTimeout}
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
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	xc, err := xconn.Open(ctx, addr, o.display, o.xauthority, clipboard.ErrUnavailable)
	if err != nil {
		return nil, err
	}
	defer xc.Release()
	nc, conn := xc.Net, xc.X
	c := &Clipboard{
		log: o.log, timeout: o.timeout, addr: addr, nc: nc, conn: conn,
		readEv:   make(chan xgb.Event, readEvents),
		stamps:   make(chan xproto.Timestamp, 1),
		changes:  make(chan struct{}, 1),
		closing:  make(chan struct{}),
		loopDone: make(chan struct{}),
		out:      map[transferKey]*transfer{},
		watched:  map[xproto.Window]int{},
		draining: map[xproto.Window]time.Time{},
	}
	if err := xc.Setup(c.setup(ctx, o.selection)); err != nil {
		return nil, err
	}
	go c.loop()
	return c, nil
}

// setup interns the atoms, creates the two windows and asks XFIXES for
// selection notifications. The event goroutine is not running yet: events
// queue until it starts.
func (c *Clipboard) setup(ctx context.Context, selection string) error {
	info := xproto.Setup(c.conn)
	if info == nil || c.addr.Screen >= len(info.Roots) {
		return fmt.Errorf("%w: %s", ErrNoScreen, c.addr.Name)
	}
	c.root = info.Roots[c.addr.Screen].Root
	// A ChangeProperty request has a 24-byte header; lengths count 4-byte
	// units in 16 bits (xgb does not use BIG-REQUESTS).
	c.chunk = (int(info.MaximumRequestLength)*4 - 24) &^ 3

	names := []string{selection, "TARGETS", "MULTIPLE", "TIMESTAMP", "UTF8_STRING", "TEXT", "INCR", "ATOM_PAIR",
		"DESKHAND_SELECTION", "DESKHAND_TIMESTAMP"}
	cookies := make([]xproto.InternAtomCookie, len(names))
	for i, n := range names {
		cookies[i] = xproto.InternAtom(c.conn, false, uint16(len(n)), n)
	}
	got := make([]xproto.Atom, len(names))
	for i := range cookies {
		rep, err := await(ctx, c, cookies[i].Reply)
		if err != nil {
			return fmt.Errorf("x11: intern atom %s: %w", names[i], err)
		}
		got[i] = rep.Atom
	}
	c.sel = got[0]
	c.atoms = atoms{
		targets: got[1], multiple: got[2], timestamp: got[3], utf8: got[4], text: got[5], incr: got[6],
		atomPair: got[7], prop: got[8], stamp: got[9],
	}
	var err error
	if c.owner, err = c.newWindow(ctx); err != nil {
		return err
	}
	reader, err := c.newWindow(ctx)
	if err != nil {
		return err
	}
	c.reader.Store(uint32(reader))
	c.xfixes = c.watchSelection(ctx)
	c.log.Debug("x11 clipboard: open", "display", c.addr.Name, "selection", selection, "chunk", c.chunk, "changes", c.xfixes)
	return nil
}

// newWindow creates an unmapped 1x1 InputOnly window that reports property
// changes. With ctx it waits for the server to accept it; with nil it does
// not (the event goroutine logs a failure).
func (c *Clipboard) newWindow(ctx context.Context) (xproto.Window, error) {
	w, err := xproto.NewWindowId(c.conn)
	if err != nil {
		return 0, c.requestErr("allocate window id", err)
	}
	ck := xproto.CreateWindowChecked(c.conn, 0, w, c.root, -1, -1, 1, 1, 0, xproto.WindowClassInputOnly,
		0, xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange})
	if ctx == nil {
		return w, nil
	}
	if err := awaitCheck(ctx, c, ck); err != nil {
		return 0, fmt.Errorf("x11: create window: %w", err)
	}
	return w, nil
}

// eventTableMu serialises this package's writes to xgb's event table.
var eventTableMu sync.Mutex

// watchSelection asks XFIXES to report every change of the selection's
// owner. It reports false (and Changes never fires) without XFIXES.
//
// xfixes.Init is not used: it rewrites xgb's package-level event and error
// tables at every call, without a lock, while the reader goroutine of every
// open xgb connection reads them. The extension is set up here by hand, and
// the one event constructor needed is written only when it is missing,
// which makes that write happen once per process.
func (c *Clipboard) watchSelection(ctx context.Context) bool {
	off := func(why string, err error) bool {
		c.log.Info("x11 clipboard: no XFIXES, Changes will not fire", "why", why, "err", err)
		return false
	}
	ext, err := await(ctx, c, xproto.QueryExtension(c.conn, 6, "XFIXES").Reply)
	if err != nil || !ext.Present {
		return off("no XFIXES extension", err)
	}
	c.conn.ExtLock.Lock()
	c.conn.Extensions["XFIXES"] = ext.MajorOpcode
	c.conn.ExtLock.Unlock()
	registerEvent(int(ext.FirstEvent)+xfixes.SelectionNotify, xfixes.SelectionNotifyEventNew, func(ev xgb.Event) bool {
		_, ok := ev.(xfixes.SelectionNotifyEvent)
		return ok
	})
	// XFIXES refuses other requests until the client states its version.
	v, err := await(ctx, c, xfixes.QueryVersion(c.conn, 5, 0).Reply)
	if err != nil || v.MajorVersion < 1 {
		return off("XFIXES 1 needed", err)
	}
	err = awaitCheck(ctx, c, xfixes.SelectSelectionInputChecked(c.conn, c.owner, c.sel, xfixes.SelectionEventMaskSetSelectionOwner))
	if err != nil {
		return off("select selection input", err)
	}
	return true
}

// registerEvent installs an event constructor in xgb's table unless the
// number already builds that event.
func registerEvent(num int, fn xgb.NewEventFun, is func(xgb.Event) bool) {
	eventTableMu.Lock()
	defer eventTableMu.Unlock()
	if have, ok := xgb.NewEventFuncs[num]; ok && builds(have, num, is) {
		return
	}
	xgb.NewEventFuncs[num] = fn
}

func builds(fn xgb.NewEventFun, num int, is func(xgb.Event) bool) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	var probe [32]byte
	probe[0] = byte(num)
	return is(fn(probe[:]))
}

// Changes receives a value when another program takes the selection; it is
// closed when the Clipboard is closed or its connection is lost. Without
// XFIXES (no X server in use lacks it) it never fires.
func (c *Clipboard) Changes() <-chan struct{} { return c.changes }

// Close gives up the selection (the server clears it when our windows go),
// ends the connection and the event goroutine, and makes waiting calls
// return clipboard.ErrClosed. It is idempotent.
func (c *Clipboard) Close() error {
	c.once.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.owned = nil
		c.mu.Unlock()
		close(c.closing)
		// Closing the socket ends every wait at once, even with a stuck
		// server.
		_ = c.nc.Close()
		<-c.loopDone
	})
	return nil
}

// usable returns why the Clipboard cannot be used, or nil.
func (c *Clipboard) usable() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return clipboard.ErrClosed
	case c.broken != nil:
		return c.broken
	}
	return nil
}

// gone returns the error for a connection that ended.
func (c *Clipboard) gone() error {
	if err := c.usable(); err != nil {
		return err
	}
	return fmt.Errorf("%w: lost the connection to %s", clipboard.ErrUnavailable, c.addr.Name)
}

// requestErr classifies a request error: X protocol errors are returned as
// they are; anything else means the connection is gone.
func (c *Clipboard) requestErr(what string, err error) error {
	var xerr xgb.Error
	if errors.As(err, &xerr) {
		return fmt.Errorf("x11: %s: %w", what, err)
	}
	return fmt.Errorf("%w (%s: %v)", c.gone(), what, err)
}

// await waits for a reply from the X server, or for ctx or Close.
func await[T any](ctx context.Context, c *Clipboard, reply func() (*T, error)) (*T, error) {
	done := make(chan struct{})
	var r *T
	var err error
	go func() {
		r, err = reply()
		close(done)
	}()
	select {
	case <-done:
		if err == nil && r == nil {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, c.requestErr("request", err)
		}
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.closing:
		return nil, clipboard.ErrClosed
	}
}

// awaitCheck waits for a checked request without reply to succeed.
func awaitCheck(ctx context.Context, c *Clipboard, ck interface{ Check() error }) error {
	_, err := await(ctx, c, func() (*struct{}, error) { return &struct{}{}, ck.Check() })
	return err
}

// wait waits for a value from ch, bounded by the peer timeout, ctx, Close and
// the connection.
func wait[T any](ctx context.Context, c *Clipboard, ch <-chan T, what string) (T, error) {
	t := time.NewTimer(c.timeout)
	defer t.Stop()
	var zero T
	select {
	case v := <-ch:
		return v, nil
	case <-t.C:
		return zero, fmt.Errorf("%w: %s: nothing within %v", ErrOwnerTimeout, what, c.timeout)
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-c.closing:
		return zero, clipboard.ErrClosed
	case <-c.loopDone:
		return zero, c.gone()
	}
}

// loop is the one goroutine reading X events.
func (c *Clipboard) loop() {
	defer close(c.loopDone)
	defer close(c.changes)
	for {
		ev, xerr := c.conn.WaitForEvent()
		if ev == nil && xerr == nil {
			// xgb closes the queue when the connection ends.
			c.mu.Lock()
			if !c.closed {
				c.broken = fmt.Errorf("%w: lost the connection to %s", clipboard.ErrUnavailable, c.addr.Name)
				c.log.Warn("x11 clipboard: lost the connection", "display", c.addr.Name)
			}
			c.owned = nil
			c.mu.Unlock()
			return
		}
		if xerr != nil {
			// Mostly BadWindow: a requestor went away mid-transfer.
			c.log.Debug("x11 clipboard: asynchronous X error", "err", xerr)
			continue
		}
		c.handle(ev)
	}
}

func (c *Clipboard) handle(ev xgb.Event) {
	now := time.Now()
	switch e := ev.(type) {
	case xproto.SelectionRequestEvent:
		c.serve(e, now)
	case xproto.SelectionClearEvent:
		c.lost(e)
	case xproto.SelectionNotifyEvent:
		if e.Requestor == xproto.Window(c.reader.Load()) {
			c.forward(e)
		}
	case xproto.PropertyNotifyEvent:
		switch {
		case e.Window == c.owner && e.Atom == c.atoms.stamp:
			select {
			case c.stamps <- e.Time:
			default:
			}
		case e.Atom == c.atoms.prop && e.State == xproto.PropertyNewValue:
			if e.Window == xproto.Window(c.reader.Load()) {
				c.forward(e)
			} else {
				c.drained(e.Window, now)
			}
		case e.State == xproto.PropertyDelete:
			c.next(e, now)
		}
	case xproto.DestroyNotifyEvent:
		c.drop(e.Window)
	case xfixes.SelectionNotifyEvent:
		if e.Selection == c.sel && e.Owner != c.owner {
			select {
			case c.changes <- struct{}{}:
			default: // one signal pending is enough: the reader reads the latest text
			}
		}
	}
	c.sweep(now)
	c.sweepDrained(now)
}

// forward hands an event to the waiting ReadText. Without one, it is stale
// and dropped; each read drains the channel before it starts.
func (c *Clipboard) forward(ev xgb.Event) {
	select {
	case c.readEv <- ev:
	default:
		c.log.Debug("x11 clipboard: dropped an event nobody waits for", "event", ev.String())
	}
}

var _ clipboard.Clipboard = (*Clipboard)(nil)
