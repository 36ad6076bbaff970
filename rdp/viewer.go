package rdp

import (
	"context"
	"errors"
	"fmt"
	"image"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskhand/deskhand/clipboard"
	"github.com/deskhand/deskhand/codec"
	"github.com/deskhand/deskhand/input"
	"github.com/pion/webrtc/v4"
)

// Viewer is the viewing side of a session: it keeps a copy of the host's
// screen, updated as changes arrive, and sends input.
type Viewer struct {
	o options

	// The current connection and its channels (nil while reconnecting),
	// under mu.
	c         *vconn
	token     string // the host's resume token, under mu
	resumeKey string // and its proof
	hostFP    []byte // the host's DTLS certificate fingerprint, from the first connection
	state     atomic.Int32
	bg        context.Context // ends at Close: bounds reconnection
	stopBg    context.CancelFunc
	wg        sync.WaitGroup // a reconnection in progress

	screen, input, control *webrtc.DataChannel
	clip                   *webrtc.DataChannel
	// lost is closed when the adopted connection is lost (nil until one
	// is adopted again): what was sent on it will not be answered.
	lost             chan struct{}
	clipIn           clipAssembler
	viewOnly         bool
	clipFrom, clipTo bool         // the host takes our clipboard text / sends its own
	clipMu           sync.Mutex   // one SetClipboard at a time
	clipAns          chan control // the host's answer to our last text
	monitors         []Monitor
	monitor          atomic.Int32
	prefsMu          sync.Mutex // orders sending prefs: SetPrefs' against a resumed connection's
	prefs            prefs      // the viewer's latest, sent again on a resumed connection; under prefsMu

	mu         sync.Mutex // decoder and framebuffer
	dec        *codec.Decoder
	asm        assembler
	keyPending time.Time // when we last asked for a key frame; zero when none is awaited
	lastUpdate time.Time
	lastFrag   time.Time // the last screen fragment's arrival
	refining   bool      // the host will refine lossy regions of the picture
	stats      ViewerStats
	meter      meter
	clock      clockOffset
	decClosed  bool
	cursor     RemoteCursor
	shapes     map[uint64]*CursorShape
	final      *image.RGBA // the picture when the decoder was closed

	syncMu sync.Mutex
	syncID uint32
	syncs  map[uint32]chan struct{}

	updated chan struct{}
	done    chan struct{}
	endOnce sync.Once
	err     error
	sendMu  sync.Mutex
	inBuf   []byte
	held    input.HeldKeys // keys and buttons we pressed and have not released
	closing atomic.Bool
	// inReconnectHook: the reconnecting goroutine is calling the state
	// hook (see stateFromReconnect).
	inReconnectHook atomic.Bool
}

// ViewerStats counts what a viewer received.
type ViewerStats struct {
	Updates          int           // screen updates applied
	KeyFrames        int           // of which key frames
	Bytes            int64         // screen bytes received
	DecodeErrors     int           // updates refused by the decoder (a key frame was asked for)
	LastDecode       time.Duration // time to decode the last update
	LastEncode       time.Duration // the host's time to encode the last update
	Latency          time.Duration // the last update's capture on the host to applied here (clocks matched through pings)
	RTT              time.Duration // smoothed round-trip time to the host
	FPS              float64       // updates applied over the last second
	Bitrate          int64         // screen data received over the last second, bits/s
	Superseded       uint64        // frames the host captured but could not send us (their changes came in a later update)
	InputRefused     int           // times the host said our input was refused
	Reconnects       int           // times the session was resumed after a network drop
	ClipboardRefused int           // clipboard texts the host refused
	Width, Height    int
}

// FrameInfo describes one applied screen update (WithFrameHook).
type FrameInfo struct {
	Seq      uint32    // the codec message's sequence number
	Key      bool      // a key frame
	Bytes    int       // size of the codec message
	Captured time.Time // when the host captured it, in this machine's clock (offset measured through pings)
	Applied  time.Time // when it was applied here
	// HostCaptured is Captured as the host's clock read it. When host and
	// viewer run on one machine they share a clock, and Applied minus
	// HostCaptured is exact, where Captured may be off by up to half the
	// best ping's round trip.
	HostCaptured time.Time
	Encode       time.Duration // the host's encoding time
	Decode       time.Duration // our decoding time
	Superseded   uint32        // frames the host skipped for us just before this one
	// Rects are the regions of the picture this update repainted, so that
	// a display repaints only those. The slice is reused: it is valid only
	// during the hook.
	Rects []image.Rectangle
}

func (v *Viewer) onControl(conn *vconn, b []byte) {
	c, err := parseControl(b)
	if err != nil {
		v.fail(conn, err)
		return
	}
	switch c.Type {
	case ctlHello:
		conn.connected.Store(true) // from now on, losing signaling does not matter
		select {
		case conn.hello <- c:
		default:
		}
	case ctlInputRefused:
		v.mu.Lock()
		v.stats.InputRefused++
		v.mu.Unlock()
	case ctlClipboardRefused, ctlClipboardTaken:
		if c.Type == ctlClipboardRefused {
			v.mu.Lock()
			v.stats.ClipboardRefused++
			v.mu.Unlock()
			v.o.logger.Info("the host refused our clipboard text", "reason", c.Reason)
		}
		select {
		case v.clipAns <- c:
		default:
		}
	case ctlBye:
		if conn.connected.Load() {
			v.fail(conn, byeError(ErrHostClosed, c.Reason))
		} else {
			v.fail(conn, byeError(ErrRefused, c.Reason)) // before its hello: refused
		}
	case ctlPing:
		v.mu.Lock()
		dc := v.control
		v.mu.Unlock()
		if dc != nil {
			_ = dc.Send(control{Type: ctlPong, T: c.T, At: time.Now().UnixNano()}.marshal())
		}
	case ctlPong:
		if c.T != 0 && c.At != 0 {
			now := time.Now()
			v.mu.Lock()
			v.clock.sample(time.Unix(0, c.T), time.Unix(0, c.At), now)
			v.mu.Unlock()
		}
	case ctlMonitor:
		if c.Monitor != nil {
			v.monitor.Store(int32(*c.Monitor))
		}
		if c.Reason != "" {
			v.o.logger.Warn("the host did not switch monitors", "reason", c.Reason)
		}
	case ctlSynced:
		v.syncMu.Lock()
		if ch, ok := v.syncs[c.Sync]; ok {
			close(ch)
			delete(v.syncs, c.Sync)
		}
		v.syncMu.Unlock()
	}
}

// Sync waits until the host has performed every input event sent before
// it: a round trip through the input channel, which the host handles in
// order. If the connection drops first, it returns ErrConnectionLost at
// once, even when the viewer goes on to resume the session: the events
// may or may not have been performed.
func (v *Viewer) Sync(ctx context.Context) error {
	v.syncMu.Lock()
	v.syncID++
	id := v.syncID
	ch := make(chan struct{})
	if v.syncs == nil {
		v.syncs = make(map[uint32]chan struct{})
	}
	v.syncs[id] = ch
	v.syncMu.Unlock()
	defer func() {
		v.syncMu.Lock()
		delete(v.syncs, id)
		v.syncMu.Unlock()
	}()
	if err := v.ended(); err != nil {
		return err
	}
	v.mu.Lock()
	dc, lost := v.input, v.lost
	v.mu.Unlock()
	if dc == nil {
		return v.notOpen("input")
	}
	if err := dc.Send([]byte{inputSync, byte(id), byte(id >> 8), byte(id >> 16), byte(id >> 24)}); err != nil {
		return v.sendErr(err)
	}
	select {
	case <-ch:
		return nil
	case <-lost:
		return fmt.Errorf("%w: the connection dropped before the host confirmed the input", ErrConnectionLost)
	case <-v.done:
		return v.ended()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// onScreen takes a fragment of a screen message that came by connection c.
func (v *Viewer) onScreen(c *vconn, frag []byte) {
	// The hooks run after the lock is released, so that they may call the
	// viewer (Stats, View, Close…).
	f, applied, err := v.applyScreen(c, frag)
	if err != nil {
		v.end(err)
		return
	}
	if !applied {
		return
	}
	if v.o.frameHook != nil {
		v.o.frameHook(f)
	}
	select {
	case v.updated <- struct{}{}:
	default:
	}
}

// applyScreen adds a screen fragment and, once it completes a message,
// decodes it. It reports the update if one was applied, and an error that
// ends the session.
func (v *Viewer) applyScreen(c *vconn, frag []byte) (FrameInfo, bool, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.decClosed {
		return FrameInfo{}, false, nil
	}
	v.stats.Bytes += int64(len(frag))
	v.lastFrag = time.Now()
	msg, hdr, done, err := v.asm.add(frag)
	if err != nil || !done {
		return FrameInfo{}, false, err
	}
	start := time.Now()
	u, err := v.dec.Decode(msg)
	// Acknowledge whatever became of it: the host's flow control counts
	// messages, not pictures. The count is the connection's own, from its
	// first message on, which may come before Connect or a resume has
	// adopted the connection: a message left uncounted would stay in the
	// host's window for the rest of the session.
	c.received++
	if c.input != nil {
		_ = c.input.Send(ackMessage(c.received))
	}
	if err != nil {
		if errors.Is(err, codec.ErrTooLarge) {
			return FrameInfo{}, false, fmt.Errorf("%w: %w", ErrFrameTooLarge, err)
		}
		v.stats.DecodeErrors++
		v.o.logger.Warn("screen update refused; asking for a key frame", "err", err)
		v.askKeyFrameLocked()
		return FrameInfo{}, false, nil
	}
	now := time.Now()
	v.stats.LastDecode = now.Sub(start)
	v.stats.LastEncode = hdr.Encode
	v.stats.Superseded += uint64(hdr.Superseded)
	captured := v.clock.local(hdr.Captured)
	v.stats.Latency = now.Sub(captured)
	v.stats.Updates++
	v.meter.add(now, len(msg))
	if u.Key {
		v.stats.KeyFrames++
		v.keyPending = time.Time{}
	}
	v.stats.Width, v.stats.Height = u.Width, u.Height
	v.lastUpdate = now
	v.refining = hdr.Refining
	// The rectangles outlive the lock: the connection's own copy, which
	// only its receiving goroutine writes, stays valid during the hook.
	c.rects = append(c.rects[:0], u.Rects...)
	return FrameInfo{Seq: u.Seq, Key: u.Key, Bytes: len(msg), Captured: captured, Applied: now,
		HostCaptured: hdr.Captured, Encode: hdr.Encode, Decode: v.stats.LastDecode, Superseded: hdr.Superseded, Rects: c.rects}, true, nil
}

func (v *Viewer) onCursor(b []byte) {
	pos, id, shape, err := parseCursor(b)
	if err != nil {
		v.end(err)
		return
	}
	v.mu.Lock()
	if shape != nil {
		if v.shapes == nil || len(v.shapes) >= shapesKept {
			v.shapes = make(map[uint64]*CursorShape) // as the host forgets what we have
		}
		v.shapes[shape.ID] = shape
		v.mu.Unlock()
		return
	}
	pos.Shape = v.shapes[id]
	v.cursor = pos
	v.mu.Unlock()
	if v.o.cursorHook != nil {
		v.o.cursorHook(pos)
	}
}

func (v *Viewer) onClipboard(b []byte) {
	text, done, err := v.clipIn.add(b)
	switch {
	case errors.Is(err, ErrProtocol):
		v.end(err)
	case err != nil:
		v.o.logger.Info("clipboard text from the host refused", "err", err)
	case done && v.o.clipHook != nil:
		v.o.clipHook(text)
	}
}

// SetClipboard sets the host's clipboard to text and returns once the
// host has taken it. It returns ErrClipboardRefused, without sending, when
// the host does not take clipboard text from this viewer (its policy, or a
// view-only session) or when text is over the limit (WithClipboardLimit)
// or not valid UTF-8 text; with the host's reason when the host refuses
// it (its own limit, or its clipboard failed); and ErrConnectionLost when
// the connection drops before the host's answer.
func (v *Viewer) SetClipboard(ctx context.Context, text string) error {
	if !v.clipFrom {
		return fmt.Errorf("%w: the host does not take clipboard text from this viewer", ErrClipboardRefused)
	}
	if err := clipboard.Valid(text, v.o.clipLimit); err != nil {
		return fmt.Errorf("%w: %w", ErrClipboardRefused, err)
	}
	if err := v.ended(); err != nil {
		return err
	}
	v.mu.Lock()
	dc, lost := v.clip, v.lost
	v.mu.Unlock()
	if dc == nil {
		return v.notOpen("clipboard")
	}
	v.clipMu.Lock()
	defer v.clipMu.Unlock()
	select {
	case <-v.clipAns: // a stale answer
	default:
	}
	if err := sendClip(dc, text); err != nil {
		return v.sendErr(err)
	}
	select {
	case c := <-v.clipAns:
		if c.Type == ctlClipboardRefused {
			return fmt.Errorf("%w: %s", ErrClipboardRefused, c.Reason)
		}
		return nil
	case <-lost:
		return fmt.Errorf("%w: the connection dropped before the host took the text", ErrConnectionLost)
	case <-v.done:
		return v.ended()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ClipboardShared reports which way clipboard text may go in this session:
// toViewer when the host sends its clipboard changes, fromViewer when it
// takes ours.
func (v *Viewer) ClipboardShared() (toViewer, fromViewer bool) { return v.clipTo, v.clipFrom }

// Monitors lists the host's monitors, in the shared screen's pixels.
func (v *Viewer) Monitors() []Monitor { return append([]Monitor(nil), v.monitors...) }

// Monitor returns the index of the monitor shown, or AllMonitors.
func (v *Viewer) Monitor() int { return int(v.monitor.Load()) }

// SelectMonitor asks the host to show only monitor i (an Index from
// Monitors), or every monitor (AllMonitors). The screen then arrives at
// the new size as a key frame; pointer positions sent with Send are in
// the shown monitor's pixels.
func (v *Viewer) SelectMonitor(i int) error {
	if i != AllMonitors {
		if _, err := checkMonitor(v.monitors, i); err != nil {
			return fmt.Errorf("rdp: SelectMonitor: %w (the host has %d)", err, len(v.monitors))
		}
	}
	return v.sendControl(control{Type: ctlMonitor, Monitor: &i})
}

// Cursor returns the host's pointer as last reported: draw Shape with its
// hotspot at X, Y over the screen when Visible. Shape is nil until the
// host has sent one (and for hosts whose source cannot report the pointer).
func (v *Viewer) Cursor() RemoteCursor {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.cursor
}

// askKeyFrameLocked asks the host for a key frame, at most once a second
// while one is awaited.
func (v *Viewer) askKeyFrameLocked() {
	if !v.keyPending.IsZero() && time.Since(v.keyPending) < time.Second {
		return
	}
	v.keyPending = time.Now()
	if v.control != nil {
		_ = v.control.Send(control{Type: ctlKeyFrame}.marshal())
	}
}

// RequestKeyFrame asks the host to send the whole screen again.
func (v *Viewer) RequestKeyFrame() error {
	return v.sendControl(control{Type: ctlKeyFrame})
}

// Send sends input events to the host, in one message, in order.
func (v *Viewer) Send(events ...input.Event) error {
	if v.viewOnly {
		return ErrViewOnly
	}
	return v.sendInput(events)
}

func (v *Viewer) sendInput(events []input.Event) error {
	if err := v.ended(); err != nil {
		return err
	}
	v.sendMu.Lock()
	defer v.sendMu.Unlock()
	buf := append(v.inBuf[:0], inputEvents)
	var err error
	for _, e := range events {
		if buf, err = input.AppendEvent(buf, e); err != nil {
			return err
		}
	}
	v.inBuf = buf
	v.mu.Lock()
	dc := v.input
	v.mu.Unlock()
	if dc == nil {
		return v.notOpen("input")
	}
	if err := dc.Send(buf); err != nil {
		return v.sendErr(err)
	}
	for _, e := range events {
		v.held.Observe(e)
	}
	return nil
}

// ReleaseAll releases every key and mouse button this viewer pressed and
// has not released: call it when the viewer's window loses focus, so a key
// whose release the window never saw is not left down on the host. (The
// host also releases everything when the session ends.)
func (v *Viewer) ReleaseAll() error {
	if v.viewOnly {
		return nil
	}
	if rel := v.held.Release(); len(rel) > 0 {
		return v.sendInput(rel)
	}
	return nil
}

// SendCtrlAltDel asks the host to perform Ctrl+Alt+Del (the secure
// attention sequence), which a viewer cannot send as keys: its own system
// would act on them.
func (v *Viewer) SendCtrlAltDel() error {
	if v.viewOnly {
		return ErrViewOnly
	}
	return v.sendControl(control{Type: ctlSecureAttention})
}

// ViewOnly reports whether the host refused this viewer control.
func (v *Viewer) ViewOnly() bool { return v.viewOnly }

// Updated is signalled after each screen update is applied (several
// updates may share one signal).
func (v *Viewer) Updated() <-chan struct{} { return v.updated }

// Snapshot returns a copy of the screen as it is now, or nil before the
// first key frame has arrived.
func (v *Viewer) Snapshot() *image.RGBA {
	v.mu.Lock()
	defer v.mu.Unlock()
	img := v.imageLocked()
	if img == nil {
		return nil
	}
	cp := image.NewRGBA(img.Rect)
	copy(cp.Pix, img.Pix)
	return cp
}

// View calls f with the current screen (nil before the first key frame)
// while holding off updates: f must not keep img, block, or call the
// viewer's other methods.
func (v *Viewer) View(f func(img *image.RGBA)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	f(v.imageLocked())
}

func (v *Viewer) imageLocked() *image.RGBA {
	if v.decClosed {
		return v.final
	}
	return v.dec.Image()
}

// Stats returns what the viewer has received so far.
func (v *Viewer) Stats() ViewerStats {
	v.mu.Lock()
	defer v.mu.Unlock()
	st := v.stats
	fps, bps := v.meter.rates(time.Now())
	st.FPS, st.Bitrate, st.RTT = fps, int64(bps*8), v.clock.rtt
	return st
}

// prefs are what a viewer asked of the host's updates (WithMaxFPS,
// WithLossless, SetPrefs).
type prefs struct {
	set      bool // anything asked: else the host's defaults
	maxFPS   int  // 0: the host's rate
	lossless bool
}

func (p prefs) message() []byte {
	return control{Type: ctlPrefs, MaxFPS: p.maxFPS, Lossless: p.lossless}.marshal()
}

// SetPrefs asks the host for at most maxFPS updates a second (0: the
// host's rate) and for lossless updates only, or not. They hold for the
// rest of the session, a resumed connection included; while the session
// is being resumed, they are sent once it is.
func (v *Viewer) SetPrefs(maxFPS int, lossless bool) error {
	if maxFPS < 0 || maxFPS > 240 {
		return fmt.Errorf("rdp: SetPrefs(%d): want 0..240 frames a second", maxFPS)
	}
	if err := v.ended(); err != nil {
		return err
	}
	p := prefs{set: true, maxFPS: maxFPS, lossless: lossless}
	v.prefsMu.Lock()
	defer v.prefsMu.Unlock()
	v.prefs = p
	v.mu.Lock()
	c := v.control
	v.mu.Unlock()
	if c == nil {
		return nil // adopt sends them
	}
	if err := c.Send(p.message()); err != nil {
		return v.sendErr(err)
	}
	return nil
}

// WaitStill waits until the screen has arrived, is final (the host has no
// lossy region left to refine and no update on its way) and no update has
// come for d, then returns nil; or returns why the session ended, or ctx's
// error.
func (v *Viewer) WaitStill(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		if err := v.ended(); err != nil {
			return err
		}
		v.mu.Lock()
		have := v.imageLocked() != nil && v.keyPending.IsZero() && !v.refining && !v.asm.inside
		since := time.Since(v.lastUpdate)
		if f := time.Since(v.lastFrag); f < since {
			since = f
		}
		v.mu.Unlock()
		if have && since >= d {
			return nil
		}
		wait := d
		if have {
			wait = d - since
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-v.done:
			return v.ended()
		case <-v.updated:
		case <-timer.C:
		}
	}
}

// Done is closed when the session has ended; Err then says why. Call
// Close afterwards to release the connection.
func (v *Viewer) Done() <-chan struct{} { return v.done }

// Err returns why the session ended: nil while it runs and after a Close
// of our own.
func (v *Viewer) Err() error {
	select {
	case <-v.done:
		return v.err
	default:
		return nil
	}
}

// ended returns why the session ended (ErrClosed after Close), or nil
// while it goes on.
func (v *Viewer) ended() error {
	select {
	case <-v.done:
		if err := v.Err(); err != nil {
			return err
		}
		return ErrClosed
	default:
		return nil
	}
}

// sendErr is the error of a send on one of the session's channels that
// failed: the session's end if it ended meanwhile, else a lost connection.
func (v *Viewer) sendErr(err error) error {
	if e := v.ended(); e != nil {
		return e
	}
	return fmt.Errorf("%w: %w", ErrConnectionLost, err)
}

// sendControl sends m to the host on the control channel.
func (v *Viewer) sendControl(m control) error {
	if err := v.ended(); err != nil {
		return err
	}
	v.mu.Lock()
	c := v.control
	v.mu.Unlock()
	if c == nil {
		return v.notOpen("control")
	}
	if err := c.Send(m.marshal()); err != nil {
		return v.sendErr(err)
	}
	return nil
}

// notOpen is the error of an operation that found no channel to use: the
// session ended, or its connection is being resumed.
func (v *Viewer) notOpen(channel string) error {
	if err := v.ended(); err != nil {
		return err
	}
	return fmt.Errorf("%w: the %s channel is not open (the session is being resumed)", ErrConnectionLost, channel)
}

// closeGrace bounds how long Close waits for the host to hang up.
const closeGrace = 2 * time.Second

// Close says goodbye to the host and ends the session. It is idempotent.
func (v *Viewer) Close() error {
	if v.closing.CompareAndSwap(false, true) {
		v.mu.Lock()
		c := v.control
		v.mu.Unlock()
		if c != nil && c.ReadyState() == webrtc.DataChannelStateOpen && c.Send(control{Type: ctlBye}.marshal()) == nil {
			// Let the host read the goodbye and close first, so it sees a
			// clean departure rather than a lost connection.
			select {
			case <-v.done:
			case <-time.After(closeGrace):
			}
		}
	}
	v.shutdown(nil)
	return nil
}
