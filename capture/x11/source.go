//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/internal/xconn"
	"github.com/deskhand/deskhand/internal/xdisplay"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"
)

// extInitMu serialises xgb extension Init calls: each one writes xgb's
// package-level event and error tables without a lock, so two sources
// opening at once would otherwise corrupt them.
var extInitMu sync.Mutex

func initExt(c *xgb.Conn, initFn func(*xgb.Conn) error) error {
	extInitMu.Lock()
	defer extInitMu.Unlock()
	return initFn(c)
}

// Option configures Open.
type Option func(*options) error

type options struct {
	monitor    int
	noSHM      bool
	noDamage   bool
	recheck    time.Duration
	xauthority string
	log        *slog.Logger
}

// WithMonitor captures only monitor i (an index from Monitors, found through
// RandR 1.5, else Xinerama). Default -1: the whole root window. Range -1..;
// an index the display does not have makes Open fail with capture.ErrNoMonitor.
func WithMonitor(i int) Option {
	return func(o *options) error {
		if i < -1 {
			return fmt.Errorf("%w: WithMonitor(%d): use -1 (whole screen) or a monitor index", capture.ErrInvalidOption, i)
		}
		o.monitor = i
		return nil
	}
}

// WithoutSHM never uses MIT-SHM, as if the server were remote: every frame
// is a plain GetImage reply (about 4x slower). Default: SHM when possible.
func WithoutSHM() Option {
	return func(o *options) error {
		o.noSHM = true
		return nil
	}
}

// WithoutDamage does not track damage: every Frame.Damage is nil. Default:
// damage hints when the server has DAMAGE and XFIXES.
func WithoutDamage() Option {
	return func(o *options) error {
		o.noDamage = true
		return nil
	}
}

// WithRecheck sets how long Changed may report a still screen before it
// reports true anyway, as a safety net against drawing that DAMAGE does not
// see. Default 1 second: a still screen then costs one capture per second
// (about 2 ms of CPU at 1080p, shared with the X server) and the caller's
// diff. 0 disables it (then a display that went away is noticed only by
// Next or Cursor); otherwise 100ms..1h.
func WithRecheck(d time.Duration) Option {
	return func(o *options) error {
		if d != 0 && (d < 100*time.Millisecond || d > time.Hour) {
			return fmt.Errorf("%w: WithRecheck(%v): use 0 (never) or 100ms..1h", capture.ErrInvalidOption, d)
		}
		o.recheck = d
		return nil
	}
}

// WithXAuthority names the X authority file holding the display's cookie.
// Default: $XAUTHORITY, else $HOME/.Xauthority, as every X client does.
func WithXAuthority(path string) Option {
	return func(o *options) error {
		if path == "" {
			return fmt.Errorf("%w: WithXAuthority(\"\"): give a file path", capture.ErrInvalidOption)
		}
		o.xauthority = path
		return nil
	}
}

// WithLogger sets where the source reports fallbacks and reconfigurations
// (at debug and info level). Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger(nil)", capture.ErrInvalidOption)
		}
		o.log = l
		return nil
	}
}

// openTimeout bounds Open: a dead or stuck server gives an error, not a hang.
const openTimeout = 10 * time.Second

// Source captures an X11 screen. It implements capture.Source,
// capture.Bounder, capture.CursorSource and capture.ChangeNotifier. Its
// methods hold one lock, so they may be called from several goroutines, but
// they wait for each other (a Cursor call waits for a running Next): Close
// is the one that does not wait, and ends a waiting Next. ChangeReady does
// not take the lock. A goroutine reads the server's events until Close.
type Source struct {
	opts options
	log  *slog.Logger
	addr xdisplay.Addr
	nc   net.Conn
	conn *xgb.Conn

	root xproto.Window

	mu       sync.Mutex // held by Next and the end of Close
	closed   bool
	broken   error         // set once the connection is gone
	pending  chan struct{} // closed when an abandoned request completes
	dirty    bool          // the screen was reconfigured
	screen   image.Point   // root window size
	area     image.Rectangle
	monitors []capture.Monitor
	randr    bool

	seg           *segment // nil when not using MIT-SHM
	dmg           *damageTracker
	frame         capture.Frame
	seq           uint64
	damageUnknown bool // the next frame's damage is unknown

	// What Changed reports (see damageTracker.arm): watchSeq is the
	// sequence number of the last frame's arm request; watchFenced is set
	// once that frame's replies, and so every notification sent before
	// arm, have been read; changed is set by a notification sent after it.
	watchSeq    uint16
	watchFenced bool
	changed     bool
	noMarks     bool // the marker window is gone: never fenced

	cur *cursorTracker // nil without XFIXES

	ev eventPump // started at the end of setup; ev.done is nil before

	closeOnce sync.Once
}

// Open connects to display (such as ":3"; the library never reads $DISPLAY)
// and prepares to capture its root window, or one monitor of it. It gives up
// after 10 seconds if the server does not answer.
func Open(display string, opts ...Option) (*Source, error) {
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	return OpenContext(ctx, display, opts...)
}

// OpenContext is Open with a context bounding the connection and setup.
func OpenContext(ctx context.Context, display string, opts ...Option) (*Source, error) {
	o := options{monitor: -1, recheck: time.Second}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if display == "" {
		return nil, capture.ErrNoDisplay
	}
	addr, err := xdisplay.Parse(display)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadDisplayName, err)
	}
	xc, err := xconn.Open(ctx, addr, display, o.xauthority, capture.ErrNoDisplay)
	if err != nil {
		return nil, err
	}
	defer xc.Release()
	nc, conn := xc.Net, xc.X
	s := &Source{opts: o, log: o.log, addr: addr, nc: nc, conn: conn}
	if err := s.setup(ctx); err != nil {
		_ = s.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("x11: set up %s: %w", display, ctx.Err())
		}
		return nil, err
	}
	if !xc.Release() {
		_ = s.Close()
		return nil, fmt.Errorf("x11: set up %s: %w", display, ctx.Err())
	}
	return s, nil
}

// setup checks the screen's pixel format, finds the monitors, and prepares
// shared memory and damage tracking.
func (s *Source) setup(ctx context.Context) error {
	setup := xproto.Setup(s.conn)
	if setup == nil || s.addr.Screen >= len(setup.Roots) {
		return fmt.Errorf("%w: %s", ErrNoScreen, s.addr.Name)
	}
	scr := setup.Roots[s.addr.Screen]
	s.root = scr.Root
	if err := checkFormat(setup, &scr); err != nil {
		return err
	}
	// Screen size and monitor changes arrive as events, read at each Next.
	err := xproto.ChangeWindowAttributesChecked(s.conn, s.root, xproto.CwEventMask,
		[]uint32{xproto.EventMaskStructureNotify}).Check()
	if err != nil {
		return s.connErr("select root events", err)
	}
	s.randr = s.initRandr(ctx)
	if err := s.refresh(ctx); err != nil {
		return err
	}
	if !s.opts.noSHM && s.addr.Local() {
		s.seg = s.newSegment(ctx, s.area.Size())
	}
	if !s.opts.noDamage {
		s.dmg = newDamageTracker(ctx, s)
	}
	if s.dmg != nil {
		if err := s.createMarkerWindow(); err != nil {
			// Without markers Changed could not tell old notifications
			// from new ones (see damageTracker.arm).
			s.log.Info("x11: no damage hints, frames will be compared whole", "why", "marker window", "err", err)
			s.dmg = nil
		}
	}
	s.cur = newCursorTracker(ctx, s)
	s.startEvents()
	s.log.Debug("x11: source open", "display", s.addr.Name, "area", s.area, "shm", s.seg != nil,
		"damage", s.dmg != nil, "cursor", s.cur != nil)
	return nil
}

// checkFormat accepts only screens whose pixels are 32-bit little-endian
// words with 8-bit R, G, B at bits 16, 8, 0: the bytes of such a ZPixmap are
// B, G, R, X, which is capture.BGRA without conversion.
func checkFormat(setup *xproto.SetupInfo, scr *xproto.ScreenInfo) error {
	if scr.RootDepth != 24 && scr.RootDepth != 32 {
		return fmt.Errorf("%w: the root window has depth %d", capture.ErrUnsupportedFormat, scr.RootDepth)
	}
	bpp := 0
	for _, f := range setup.PixmapFormats {
		if f.Depth == scr.RootDepth {
			bpp = int(f.BitsPerPixel)
		}
	}
	if bpp != 32 {
		return fmt.Errorf("%w: depth %d is stored in %d bits per pixel, not 32", capture.ErrUnsupportedFormat, scr.RootDepth, bpp)
	}
	if setup.ImageByteOrder != xproto.ImageOrderLSBFirst {
		return fmt.Errorf("%w: the server sends images most significant byte first", capture.ErrUnsupportedFormat)
	}
	for _, d := range scr.AllowedDepths {
		for _, v := range d.Visuals {
			if v.VisualId != scr.RootVisual {
				continue
			}
			if v.RedMask != 0xff0000 || v.GreenMask != 0xff00 || v.BlueMask != 0xff {
				return fmt.Errorf("%w: root visual masks R %#x G %#x B %#x", capture.ErrUnsupportedFormat, v.RedMask, v.GreenMask, v.BlueMask)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: the root visual is not described by the server", capture.ErrUnsupportedFormat)
}

// connErr classifies a request error: X protocol errors are returned as
// they are; anything else means the connection is gone.
func (s *Source) connErr(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("x11: %s: %w", what, err)
	}
	var xerr xgb.Error
	if errors.As(err, &xerr) {
		return fmt.Errorf("x11: %s: %w", what, err)
	}
	return fmt.Errorf("%w: %s: %s: %v", capture.ErrDisplayLost, s.addr.Name, what, err)
}

// await waits for a reply, or for ctx. A reply abandoned because of ctx is
// remembered, and the next request waits for it first: the server may still
// be writing into the shared segment.
func await[T any](ctx context.Context, s *Source, reply func() (T, error)) (T, error) {
	if ctx.Done() == nil {
		return reply()
	}
	done := make(chan struct{})
	var r T
	var err error
	go func() {
		r, err = reply()
		close(done)
	}()
	select {
	case <-done:
		return r, err
	case <-ctx.Done():
		s.pending = done
		var zero T
		return zero, ctx.Err()
	}
}

// waitPending waits for a request abandoned by an earlier Next.
func (s *Source) waitPending(ctx context.Context) error {
	if s.pending == nil {
		return nil
	}
	select {
	case <-s.pending:
		s.pending = nil
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// refresh reads the root window size and the monitors, and recomputes the
// captured area.
func (s *Source) refresh(ctx context.Context) error {
	geo, err := await(ctx, s, xproto.GetGeometry(s.conn, xproto.Drawable(s.root)).Reply)
	if err != nil {
		return s.connErr("get root geometry", err)
	}
	if geo == nil {
		return s.connErr("get root geometry", io.ErrUnexpectedEOF)
	}
	s.screen = image.Pt(int(geo.Width), int(geo.Height))
	mons, err := s.queryMonitors(ctx)
	if err != nil {
		return err
	}
	s.monitors = mons
	whole := image.Rectangle{Max: s.screen}
	area := whole
	if i := s.opts.monitor; i >= 0 {
		if i >= len(mons) {
			return fmt.Errorf("%w: monitor %d asked for, the display has %d", capture.ErrNoMonitor, i, len(mons))
		}
		area = mons[i].Bounds.Intersect(whole)
		if area.Empty() {
			return fmt.Errorf("%w: monitor %d lies outside the screen", capture.ErrNoMonitor, i)
		}
	}
	if area != s.area && !s.area.Empty() {
		s.log.Info("x11: capture area changed", "from", s.area, "to", area)
	}
	s.area = area
	s.dirty = false
	s.damageUnknown = true
	return nil
}

// drainEvents reads the events the pump has queued so far and notes screen
// reconfigurations, drawing and pointer shape changes. Every event is read
// here, by whichever of Next, Changed and Cursor holds the lock, in the order
// the server sent them.
func (s *Source) drainEvents() {
	evs, overflow := s.ev.takeEvents()
	if overflow {
		// Whatever was dropped may have been any of these.
		s.dirty, s.changed = true, true
		if s.cur != nil {
			s.cur.stale = true
		}
	}
	for _, ev := range evs {
		switch e := ev.(type) {
		case xproto.ConfigureNotifyEvent:
			if e.Window == s.root && (int(e.Width) != s.screen.X || int(e.Height) != s.screen.Y) {
				s.dirty = true
			}
		case damage.NotifyEvent:
			s.noteDamage(e)
		case xfixes.CursorNotifyEvent:
			s.cur.note(e)
		default:
			if s.isRandrEvent(ev) {
				s.dirty = true
			}
		}
	}
	s.ev.giveEvents(evs)
}

// Next captures the area now. The frame is valid until the next Next or Close.
func (s *Source) Next(ctx context.Context) (*capture.Frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, capture.ErrClosed
	}
	if s.broken != nil {
		return nil, s.broken
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.waitPending(ctx); err != nil {
		return nil, err
	}
	f, err := s.next(ctx)
	if err != nil && errors.Is(err, capture.ErrDisplayLost) {
		s.broken = err
	}
	return f, err
}

func (s *Source) next(ctx context.Context) (*capture.Frame, error) {
	s.drainEvents()
	for attempt := 0; ; attempt++ {
		if s.dirty {
			if err := s.refresh(ctx); err != nil {
				return nil, err
			}
			if s.seg != nil && s.seg.capacity() < 4*s.area.Dx()*s.area.Dy() {
				s.seg.close(s.conn)
				s.seg = s.newSegment(ctx, s.area.Size())
			}
		}
		f, err := s.grab(ctx)
		var xerr xgb.Error
		if err != nil && attempt == 0 && errors.As(err, &xerr) && ctx.Err() == nil {
			// Most likely the screen shrank under us and the area no longer
			// fits (BadMatch): re-read the geometry and try once more.
			s.log.Debug("x11: capture failed, re-reading the screen geometry", "err", err)
			s.dirty = true
			continue
		}
		return f, err
	}
}

// grab issues the image request (and the damage fetch after it) and waits
// for the replies.
func (s *Source) grab(ctx context.Context) (*capture.Frame, error) {
	a := s.area
	w, h := a.Dx(), a.Dy()
	size := 4 * w * h
	var pix []byte
	var fetch *damageFetch
	var mark uint32
	if s.dmg != nil {
		s.watchSeq, s.watchFenced, s.changed = s.dmg.arm(s), false, false
		if !s.noMarks {
			mark = s.sendMarker()
		}
	}
	if s.seg != nil {
		ck := s.seg.getImage(s.conn, s.root, a)
		fetch = s.dmg.start(s)
		rep, err := await(ctx, s, ck.Reply)
		if err == nil && rep == nil {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			s.abandon(ctx, fetch)
			return nil, s.connErr("shm get image", err)
		}
		if int(rep.Size) < size {
			return nil, fmt.Errorf("%w: the server wrote %d bytes for a %dx%d image", capture.ErrUnsupportedFormat, rep.Size, w, h)
		}
		pix = s.seg.mem()[:size]
	} else {
		ck := xproto.GetImage(s.conn, xproto.ImageFormatZPixmap, xproto.Drawable(s.root),
			int16(a.Min.X), int16(a.Min.Y), uint16(w), uint16(h), 0xffffffff)
		fetch = s.dmg.start(s)
		// The raw reply is the image after a 32-byte header: slicing it
		// avoids the copy xgb's decoded reply would make.
		raw, err := await(ctx, s, ck.Cookie.Reply)
		if err == nil && raw == nil {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			s.abandon(ctx, fetch)
			return nil, s.connErr("get image", err)
		}
		if len(raw) < 32+size {
			return nil, fmt.Errorf("%w: the server sent %d bytes for a %dx%d image", capture.ErrUnsupportedFormat, len(raw)-32, w, h)
		}
		pix = raw[32 : 32+size]
	}
	now := time.Now()
	damage, err := s.dmg.finish(fetch, a, s.damageUnknown)
	if err != nil {
		return nil, s.connErr("fetch damage", err)
	}
	s.damageUnknown = false
	if s.dmg != nil {
		// The marker, sent after arm's request and before the image
		// request, came back before the image reply: once the pump has
		// seen it, every notification sent before arm's request is queued.
		switch {
		case s.noMarks:
		case s.awaitMarker(mark):
			s.drainEvents()
			s.watchFenced = true
		case s.ev.doneErr() != nil:
			return nil, s.connErr("await the event marker", s.ev.doneErr())
		default:
			s.log.Warn("x11: another client destroyed the marker window; Changed will report true on every call")
			s.noMarks = true
		}
		if s.opts.recheck > 0 {
			s.ev.recheck.Reset(s.opts.recheck)
		}
	}
	s.seq++
	s.frame = capture.Frame{
		Width: w, Height: h, Stride: 4 * w, Format: capture.BGRA,
		Pix: pix, Damage: damage, Seq: s.seq, Time: now,
	}
	return &s.frame, nil
}

// abandon makes the next Next wait for the damage fetch too, when the image
// reply was given up because of ctx: it is the last request in flight.
func (s *Source) abandon(ctx context.Context, fetch *damageFetch) {
	if ctx.Err() == nil || fetch == nil {
		return
	}
	imageDone := s.pending
	done := make(chan struct{})
	go func() {
		if imageDone != nil {
			<-imageDone
		}
		_, _ = fetch.cookie.Reply()
		close(done)
	}()
	s.pending = done
}

// Monitors returns the display's monitors in root window coordinates, as of
// the last frame (or Open).
func (s *Source) Monitors() []capture.Monitor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]capture.Monitor(nil), s.monitors...)
}

// Bounds returns the captured area in root window coordinates: the frame's
// pixel (0, 0) is Bounds().Min.
func (s *Source) Bounds() image.Rectangle {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.area
}

// UsesSHM reports whether frames come through MIT-SHM (true) or plain
// GetImage replies (false).
func (s *Source) UsesSHM() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seg != nil
}

// Close ends the connection and unmaps the shared segment; frames returned
// earlier become invalid. It is idempotent and safe to call while Next waits.
func (s *Source) Close() error {
	s.closeOnce.Do(func() {
		// Closing the socket first ends any reply wait at once, even with a
		// stuck server; the server frees the segment attachment and the
		// damage objects of a closed client by itself.
		_ = s.nc.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		s.closed = true
		// xgb's reader goroutine closes the event queue when it exits,
		// which ends the pump.
		if s.ev.done != nil {
			<-s.ev.done
			s.ev.recheck.Stop()
		} else {
			for {
				ev, xerr := s.conn.WaitForEvent()
				if ev == nil && xerr == nil {
					break
				}
			}
		}
		if s.seg != nil {
			s.seg.release()
			s.seg = nil
		}
	})
	return nil
}

var (
	_ capture.Source         = (*Source)(nil)
	_ capture.Bounder        = (*Source)(nil)
	_ capture.CursorSource   = (*Source)(nil)
	_ capture.ChangeWatcher  = (*Source)(nil)
	_ capture.ChangeNotifier = (*Source)(nil)
)
