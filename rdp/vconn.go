package rdp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskhand/deskhand/codec"
	"github.com/pion/webrtc/v4"
)

// ConnState is where a viewer's connection to its host stands.
type ConnState int32

// The connection states. A viewer starts Connected (Connect returns once
// the host said hello); with WithReconnect it goes Reconnecting when the
// network drops and back to Connected once the session is resumed; Closed
// is final (Done is closed, Err says why).
const (
	StateConnected ConnState = iota + 1
	StateReconnecting
	StateClosed
)

func (s ConnState) String() string {
	switch s {
	case StateConnected:
		return "connected"
	case StateReconnecting:
		return "reconnecting"
	case StateClosed:
		return "closed"
	}
	return fmt.Sprintf("ConnState(%d)", int32(s))
}

// Redialer reaches the host again through signaling to resume a session
// after a network drop, presenting token instead of a code (for example
// with signaling.Resume). See WithReconnect.
type Redialer func(ctx context.Context, token string) (Signaler, error)

// vconn is one peer connection of a viewer: the first, or one made to
// resume the session after a drop.
type vconn struct {
	v    *Viewer
	pc   *webrtc.PeerConnection
	sock io.Closer // the peer connection's UDP socket
	sig  Signaler

	hello     chan control
	failed    chan error // errors before the connection is adopted, for dial
	adopted   atomic.Bool
	adoptMu   sync.Mutex  // orders fail's check of adopted with adopt
	early     error       // the first error before adoption, which adopt then handles; under adoptMu
	retired   atomic.Bool // replaced or closed: its callbacks are ignored
	connected atomic.Bool // the host said hello: losing signaling no longer matters

	ctx       context.Context // ends when the connection is closed
	cancel    context.CancelFunc
	pumpDone  chan struct{}
	pingDone  chan struct{}
	pinging   atomic.Bool
	closeOnce sync.Once

	received uint32              // screen messages received, under v.mu
	input    *webrtc.DataChannel // this connection's input channel once announced, under v.mu
	rects    []image.Rectangle   // the last update's, for the frame hook (its receiving goroutine's)

	// Resuming: the key to send once the control channel is open, and the
	// host's certificate fingerprint it must be sent to.
	resumeKey string
	hostFP    []byte
}

// Connect negotiates a session through sig and returns once the host has
// said hello: the screen then arrives in the background (see Updated and
// WaitStill). It fails with ErrRefused if the host refused, and with
// ErrConnectionLost or ErrNegotiation if no connection could be made
// within WithConnectTimeout.
func Connect(ctx context.Context, sig Signaler, opts ...Option) (*Viewer, error) {
	o, err := buildOptions(opts)
	if err != nil {
		_ = sig.Close()
		return nil, err
	}
	dec, err := codec.NewDecoder(codec.WithMaxPixels(o.maxPixels), codec.WithMaxMessage(o.maxFrameBytes))
	if err != nil {
		_ = sig.Close()
		return nil, err
	}
	v := &Viewer{
		o:       o,
		dec:     dec,
		asm:     assembler{limit: o.maxFrameBytes},
		clipIn:  clipAssembler{limit: o.clipLimit},
		clipAns: make(chan control, 1),
		updated: make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	v.bg, v.stopBg = context.WithCancel(context.Background())
	c, h, err := v.dial(ctx, sig, "", nil)
	if err != nil {
		v.end(err)
		v.shutdown(err)
		return nil, err
	}
	v.viewOnly, v.clipFrom, v.clipTo = h.ViewOnly, h.ClipFromViewer, h.ClipToViewer
	v.monitors = h.Monitors
	v.monitor.Store(AllMonitors)
	if o.maxFPSSet || o.lossless {
		v.prefs = prefs{set: true, lossless: o.lossless}
		if o.maxFPSSet {
			v.prefs.maxFPS = o.maxFPS
		}
	}
	v.state.Store(int32(StateConnected))
	v.adopt(c, h) // nobody can have closed v yet
	return v, nil
}

// dial makes one peer connection through sig and waits for the host's
// hello. On failure everything it made is released.
func (v *Viewer) dial(ctx context.Context, sig Signaler, resumeKey string, hostFP []byte) (*vconn, control, error) {
	o := &v.o
	api, sock, err := newAPI(o)
	if err != nil {
		_ = sig.Close()
		return nil, control{}, err
	}
	pc, err := api.NewPeerConnection(webrtcConfig(o, nil))
	if err != nil {
		sock.Close()
		_ = sig.Close()
		return nil, control{}, fmt.Errorf("rdp: creating the peer connection: %w", err)
	}
	c := &vconn{v: v, pc: pc, sock: sock, sig: sig, hello: make(chan control, 1), failed: make(chan error, 1),
		pumpDone: make(chan struct{}), pingDone: make(chan struct{}), resumeKey: resumeKey, hostFP: hostFP}
	pc.OnDataChannel(func(dc *webrtc.DataChannel) { v.onDataChannel(c, dc) })
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateDisconnected:
			v.o.logger.Info("connection to the host interrupted; waiting for it to come back", "state", st.String())
		case webrtc.PeerConnectionStateFailed:
			v.fail(c, fmt.Errorf("%w: no network path to the host (ICE failed)", ErrConnectionLost))
		case webrtc.PeerConnectionStateClosed:
			v.fail(c, fmt.Errorf("%w: peer connection closed", ErrConnectionLost))
		}
	})
	neg := newNegotiator(pc, sig)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.pump(c.ctx, neg)

	timer := time.NewTimer(o.connectTimeout)
	defer timer.Stop()
	var h control
	select {
	case h = <-c.hello:
		if h.Version != ProtocolVersion {
			err = fmt.Errorf("%w: the host speaks session protocol version %d, this viewer %d", ErrProtocol, h.Version, ProtocolVersion)
		}
	case err = <-c.failed:
	case <-ctx.Done():
		err = ctx.Err()
	case <-timer.C:
		err = fmt.Errorf("%w: not connected after %v (no network path between viewer and host?)", ErrConnectionLost, o.connectTimeout)
	}
	if err != nil {
		c.close()
		return nil, control{}, err
	}
	return c, h, nil
}

// adopt makes c the viewer's connection: its channels carry the session
// from now on. It refuses, reporting false, once Close has begun: c is
// then the caller's to close.
func (v *Viewer) adopt(c *vconn, h control) bool {
	if v.o.adoptHook != nil {
		v.o.adoptHook() // tests
	}
	fp := certFingerprint(c.pc)
	v.mu.Lock()
	if v.bg.Err() != nil {
		// shutdown cancels bg before it takes the connection to close
		// under mu: it either sees c here or we see it closing.
		v.mu.Unlock()
		return false
	}
	v.c = c
	v.lost = make(chan struct{})
	v.token, v.resumeKey = h.Resume, h.ResumeKey
	if v.hostFP == nil {
		v.hostFP = fp
	}
	ctl := v.control
	v.mu.Unlock()
	c.adoptMu.Lock()
	c.adopted.Store(true)
	early := c.early
	c.adoptMu.Unlock()
	c.pinging.Store(true)
	go func() {
		// Until the connection closes: the pump may end before, once
		// signaling goes away, which a connected session does not need.
		defer close(c.pingDone)
		pinger(c.ctx, ctl)
	}()
	v.prefsMu.Lock()
	if v.prefs.set {
		_ = ctl.Send(v.prefs.message()) // on a resumed connection, as before the drop
	}
	v.prefsMu.Unlock()
	if m := v.Monitor(); m != AllMonitors {
		_ = ctl.Send(control{Type: ctlMonitor, Monitor: &m}.marshal()) // as before the drop
	}
	if early != nil {
		// Something ended the connection between the host's hello and now
		// (a goodbye with its reason, a closed channel): the session, now
		// adopted, ends or resumes as it would have.
		v.fail(c, early)
	}
	return true
}

func (c *vconn) pump(ctx context.Context, neg *negotiator) {
	defer close(c.pumpDone)
	for {
		m, err := c.sig.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if c.connected.Load() {
				// The data channels carry on without signaling; only an
				// ICE restart would need it.
				return
			}
			c.v.fail(c, fmt.Errorf("%w: signaling: %w", ErrConnectionLost, err))
			return
		}
		switch m.Type {
		case sigOffer:
			err = c.answer(ctx, neg, m.SDP)
		case sigCandidate:
			err = neg.addRemoteCandidate(m.Candidate)
		case sigBye:
			if c.connected.Load() {
				err = byeError(ErrHostClosed, m.Reason)
			} else {
				err = byeError(ErrRefused, m.Reason)
			}
		default:
			err = fmt.Errorf("%w: unexpected %q signal from the host", ErrProtocol, m.Type)
		}
		if err != nil {
			c.v.fail(c, err)
			return
		}
	}
}

// answer answers the host's offer: the first, or an ICE restart's.
func (c *vconn) answer(ctx context.Context, neg *negotiator, sdp string) error {
	if err := neg.setRemote(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return err
	}
	ans, err := c.pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("%w: creating the answer: %w", ErrNegotiation, err)
	}
	if err := c.pc.SetLocalDescription(ans); err != nil {
		return fmt.Errorf("%w: %w", ErrNegotiation, err)
	}
	return neg.sendDescription(ctx, ans)
}

// close releases c; it is idempotent.
func (c *vconn) close() {
	c.closeOnce.Do(func() {
		c.retired.Store(true)
		c.cancel()
		<-c.pumpDone
		if c.pinging.Load() {
			<-c.pingDone
		}
		_ = c.pc.Close()
		_ = c.sock.Close()
		_ = c.sig.Close()
	})
}

func (v *Viewer) onDataChannel(c *vconn, dc *webrtc.DataChannel) {
	if c.retired.Load() {
		return
	}
	live := func(f func([]byte)) func(webrtc.DataChannelMessage) {
		return func(m webrtc.DataChannelMessage) {
			if !c.retired.Load() {
				f(m.Data)
			}
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	switch dc.Label() {
	case labelScreen:
		v.screen = dc
		dc.OnMessage(live(func(b []byte) { v.onScreen(c, b) }))
	case labelInput:
		v.input, c.input = dc, dc
		dc.OnOpen(func() {
			// Screen messages that came before this channel was announced
			// could not be acknowledged then.
			v.mu.Lock()
			n := c.received
			v.mu.Unlock()
			if n > 0 && !c.retired.Load() {
				_ = dc.Send(ackMessage(n))
			}
		})
	case labelControl:
		v.control = dc
		dc.OnMessage(live(func(b []byte) { v.onControl(c, b) }))
		if c.resumeKey != "" {
			dc.OnOpen(func() { v.proveResume(c, dc) })
		}
	case labelClipboard:
		v.clip = dc
		dc.OnMessage(live(v.onClipboard))
	case labelCursor:
		dc.OnMessage(live(v.onCursor))
	default:
		return // a newer host's channel: not ours to use
	}
	dc.OnClose(func() { v.fail(c, fmt.Errorf("%w: the %s channel closed", ErrConnectionLost, dc.Label())) })
}

// proveResume sends the session's resume key to the host, once it has
// checked that the host is the one of the first connection: the key must
// never reach whoever else answered for the session ID.
func (v *Viewer) proveResume(c *vconn, dc *webrtc.DataChannel) {
	if fp := certFingerprint(c.pc); c.hostFP != nil && !bytes.Equal(fp, c.hostFP) {
		v.fail(c, fmt.Errorf("%w: the host answering is not the one of this session (its DTLS certificate changed)", ErrRefused))
		return
	}
	if err := dc.Send(control{Type: ctlResume, ResumeKey: c.resumeKey}.marshal()); err != nil {
		v.fail(c, fmt.Errorf("%w: %w", ErrConnectionLost, err))
	}
}

// fail handles an error of connection c: before c is adopted it goes to
// whoever is dialing, and is kept for adopt; after, a lost connection is
// resumed when the viewer can reconnect, and anything else ends the
// session.
func (v *Viewer) fail(c *vconn, err error) {
	c.adoptMu.Lock()
	if !c.adopted.Load() {
		if c.early == nil {
			c.early = err
		}
		c.adoptMu.Unlock()
		select {
		case c.failed <- err:
		default:
		}
		return
	}
	c.adoptMu.Unlock()
	if c.retired.Load() {
		return
	}
	v.mu.Lock()
	token, key, fp := v.token, v.resumeKey, v.hostFP
	v.mu.Unlock()
	if errors.Is(err, ErrConnectionLost) && v.o.redial != nil && token != "" && !v.closing.Load() {
		if c.retired.CompareAndSwap(false, true) {
			v.wg.Add(1)
			go v.reconnect(c, token, key, fp, err)
		}
		return
	}
	v.end(err)
	if errors.Is(err, ErrHostClosed) {
		// The host waits for us to hang up after its goodbye.
		go c.close()
	}
}

// reconnect resumes the session through v.o.redial after c was lost,
// trying for the resume window; the screen restarts with a key frame.
func (v *Viewer) reconnect(c *vconn, token, key string, hostFP []byte, cause error) {
	defer v.wg.Done()
	v.stateFromReconnect(func() { v.setState(StateReconnecting, cause) })
	v.o.logger.Info("connection to the host lost; resuming the session", "err", cause)
	c.close()
	v.mu.Lock()
	v.c, v.screen, v.input, v.control, v.clip = nil, nil, nil, nil, nil
	if v.lost != nil {
		close(v.lost) // a Sync or SetClipboard waiting on c gets no answer
		v.lost = nil
	}
	v.asm.reset()
	v.clipIn = clipAssembler{limit: v.o.clipLimit}
	v.mu.Unlock()
	v.held.Release() // the host released them when the connection went

	deadline := time.Now().Add(v.o.resumeWindow)
	wait := 250 * time.Millisecond
	for {
		remaining := time.Until(deadline)
		if v.bg.Err() != nil {
			return
		}
		if remaining <= 0 {
			v.stateFromReconnect(func() {
				v.end(fmt.Errorf("%w (could not resume the session within %v)", cause, v.o.resumeWindow))
			})
			return
		}
		ctx, cancel := context.WithTimeout(v.bg, min(remaining, v.o.connectTimeout))
		sig, err := v.o.redial(ctx, token)
		var nc *vconn
		var h control
		if err == nil {
			nc, h, err = v.dial(ctx, sig, key, hostFP)
		}
		cancel()
		if err == nil {
			v.mu.Lock()
			v.stats.Reconnects++
			v.keyPending = time.Time{}
			v.mu.Unlock()
			if !v.adopt(nc, h) {
				nc.close() // closed meanwhile
				return
			}
			v.o.logger.Info("session resumed")
			v.stateFromReconnect(func() { v.setState(StateConnected, nil) })
			return
		}
		if errors.Is(err, ErrRefused) {
			v.stateFromReconnect(func() { v.end(err) }) // the host no longer knows the session
			return
		}
		v.o.logger.Info("resuming failed; retrying", "err", err, "in", wait)
		select {
		case <-v.bg.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 4*time.Second)
	}
}

// stateFromReconnect runs f, which calls the state hook, on the
// reconnecting goroutine: a hook that calls Close then must not wait for
// that goroutine, its caller, to end.
func (v *Viewer) stateFromReconnect(f func()) {
	v.inReconnectHook.Store(true)
	defer v.inReconnectHook.Store(false)
	f()
}

func (v *Viewer) setState(s ConnState, err error) {
	if ConnState(v.state.Swap(int32(s))) != s && v.o.stateHook != nil {
		v.o.stateHook(s, err)
	}
}

// State returns where the connection to the host stands.
func (v *Viewer) State() ConnState { return ConnState(v.state.Load()) }

// end records why the session ended and closes Done; the first reason wins.
func (v *Viewer) end(err error) {
	v.endOnce.Do(func() {
		if v.closing.Load() {
			err = nil
		}
		v.err = err
		close(v.done)
		v.setState(StateClosed, err)
	})
}

// shutdown ends the session and releases everything.
func (v *Viewer) shutdown(err error) {
	v.end(err)
	v.stopBg()
	if !v.inReconnectHook.Load() {
		// Else Close was called from the state hook, on the reconnecting
		// goroutine: it returns on its own once the hook does (bg is
		// cancelled, and adopt refuses).
		v.wg.Wait()
	}
	v.mu.Lock()
	c := v.c
	v.mu.Unlock()
	if c != nil {
		c.close()
	}
	v.mu.Lock()
	v.asm.reset()
	if !v.decClosed {
		v.final = v.dec.Image() // Snapshot still works after Close
		v.decClosed = true
		_ = v.dec.Close()
	}
	v.mu.Unlock()
}
