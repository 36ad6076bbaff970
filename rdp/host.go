package rdp

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"image"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/codec"
	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/signaling"
	"github.com/pion/webrtc/v4"
)

// errViewerBye ends a session the viewer closed on purpose.
var errViewerBye = errors.New("rdp: the viewer disconnected")

// errHostKick ends a session the host's application closed (Disconnect).
var errHostKick = errors.New("rdp: disconnected by the host")

// errResumeProof ends a resumed session whose viewer did not prove it
// holds the session's key.
var errResumeProof = errors.New("rdp: the resuming viewer did not prove it is the same one")

// refuseResume refuses a resuming viewer, through signaling, and has the
// server count it against the viewer's address (token guessing).
func (h *Host) refuseResume(sig Signaler, peer signaling.Peer, err error) error {
	sctx, scancel := context.WithTimeout(context.Background(), sendTimeout)
	defer scancel()
	_ = sig.Send(sctx, signaling.Signal{Type: sigBye, Reason: "this session can no longer be resumed; ask for a new code"})
	if r, ok := sig.(interface{ Reject(context.Context) error }); ok {
		_ = r.Reject(sctx)
	}
	h.emit(EventViewerRefused, peer, false, err)
	return fmt.Errorf("%w: %w", ErrRefused, err)
}

// Host shares one screen with any number of viewers. It captures only while
// a viewer is connected, at most WithMaxFPS times a second, and encodes the
// changes separately for each viewer, so a viewer whose link is full simply
// receives the next update later, with every change made meanwhile: frames
// never queue up.
type Host struct {
	src capture.Source
	inj input.Injector
	o   options

	ctx      context.Context
	cancel   context.CancelFunc
	loopDone chan struct{}
	clipDone chan struct{}
	wake     chan struct{}
	injMu    sync.Mutex // one event at a time reaches the injector
	// pointerMoved is set when a viewer moves or clicks the pointer, so
	// that the capture loop reads it at once, however long it was still.
	pointerMoved atomic.Bool

	monitors []Monitor           // in frame coordinates, read once at start
	cert     *webrtc.Certificate // one DTLS identity for every session, so resuming viewers can recognise the host

	suspMu    sync.Mutex
	suspended map[string]suspended // by resume token

	mu       sync.Mutex
	sessions map[*hostSession]struct{}
	wg       sync.WaitGroup
}

// NewHost returns a host that shares src and performs viewers' input on
// inj. inj may be nil: every viewer is then view-only. The host owns
// neither: close them after the host.
func NewHost(src capture.Source, inj input.Injector, opts ...Option) (*Host, error) {
	if src == nil {
		return nil, errors.New("rdp: NewHost: nil capture.Source")
	}
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Host{
		src:      src,
		inj:      inj,
		o:        o,
		ctx:      ctx,
		cancel:   cancel,
		loopDone: make(chan struct{}),
		clipDone: make(chan struct{}),
		wake:     make(chan struct{}, 1),
		sessions: make(map[*hostSession]struct{}),
		monitors: listMonitors(src),
		cert:     newCertificate(),
	}
	go h.captureLoop()
	if o.clipboard != nil && o.clipPolicy.ToViewers {
		go h.watchClipboard()
	} else {
		close(h.clipDone)
	}
	return h, nil
}

// Close ends every session and stops capturing. It is idempotent.
func (h *Host) Close() error {
	h.mu.Lock() // orders cancel with track's check, so Wait sees every Add
	h.cancel()
	h.mu.Unlock()
	<-h.loopDone
	<-h.clipDone
	h.wg.Wait()
	return nil
}

// Serve accepts viewers from a signaling connection until ctx ends or the
// connection fails, and returns why. Each viewer is served in its own
// goroutine, as by ServeViewer; sessions in progress go on after Serve
// returns, until they end or the Host is closed.
func (h *Host) Serve(ctx context.Context, hc *signaling.HostConn) error {
	for {
		link, err := hc.Accept(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if !h.track() {
			_ = link.Close()
			return ErrClosed
		}
		go func() {
			defer h.wg.Done()
			defer link.Close()
			_ = h.serveViewer(ctx, link, link.Peer())
		}()
	}
}

// ServeViewer runs one session with the viewer at the other end of sig and
// returns when it ends: nil when the viewer said goodbye, ErrRefused when
// the accept hook refused it, or what went wrong.
func (h *Host) ServeViewer(ctx context.Context, sig Signaler, peer signaling.Peer) error {
	if !h.track() {
		return ErrClosed
	}
	defer h.wg.Done()
	return h.serveViewer(ctx, sig, peer)
}

// track counts a session in, unless the host is closed.
func (h *Host) track() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx.Err() != nil {
		return false
	}
	h.wg.Add(1)
	return true
}

// Viewers lists the viewers connected now.
func (h *Host) Viewers() []ViewerInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]ViewerInfo, 0, len(h.sessions))
	for s := range h.sessions {
		out = append(out, ViewerInfo{Peer: s.peer, ViewOnly: s.grant.ViewOnly, Since: s.since, Link: s.flow.stats(time.Now())})
	}
	return out
}

// Disconnect ends the sessions of the viewer with peer ID id (a help
// desk's "end session" button), telling it reason. The session is not
// kept for resuming. It reports whether such a viewer was connected.
func (h *Host) Disconnect(id, reason string) bool {
	if reason == "" {
		reason = "the host ended the session"
	}
	found := false
	for _, s := range h.snapshot(nil) {
		if s.peer.ID == id {
			found = true
			s.end(fmt.Errorf("%w: %s", errHostKick, reason))
		}
	}
	return found
}

// ViewerInfo describes a connected viewer.
type ViewerInfo struct {
	Peer     signaling.Peer
	ViewOnly bool
	Since    time.Time
	Link     LinkStats
}

func (h *Host) emit(kind EventKind, p signaling.Peer, viewOnly bool, err error) {
	if h.o.events != nil {
		h.o.events(Event{Kind: kind, Time: time.Now(), Peer: p, ViewOnly: viewOnly, Err: err})
	}
}

func (h *Host) kick() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *Host) serveViewer(ctx context.Context, sig Signaler, peer signaling.Peer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(h.ctx, cancel)
	defer stop()

	h.emit(EventViewerJoined, peer, false, nil)
	grant := Grant{}
	resumed := false
	var wantKey string
	if peer.Resume != "" {
		var ok bool
		if grant, wantKey, ok = h.resume(peer.Resume); !ok {
			return h.refuseResume(sig, peer, errors.New("this session can no longer be resumed (it ended or expired); ask for a new code"))
		}
		resumed = true
	} else if h.o.accept != nil {
		actx, acancel := context.WithTimeout(ctx, h.o.connectTimeout)
		left := watchLeaving(actx, acancel, sig)
		g, err := h.o.accept(actx, peer)
		acancel()
		if gone := <-left; gone != nil {
			// The viewer gave up waiting (a consent prompt it did not
			// wait for): whatever the hook said, there is no one to serve.
			h.emit(EventViewerLeft, peer, false, gone)
			return gone
		}
		if err != nil {
			sctx, scancel := context.WithTimeout(context.Background(), sendTimeout)
			_ = sig.Send(sctx, signaling.Signal{Type: sigBye, Reason: err.Error()})
			scancel()
			h.emit(EventViewerRefused, peer, false, err)
			return fmt.Errorf("%w: %w", ErrRefused, err)
		}
		grant = g
	}
	if h.o.viewOnly || h.inj == nil {
		grant.ViewOnly = true
	}
	enc, err := codec.NewEncoder()
	if err != nil {
		return err
	}
	s := &hostSession{h: h, peer: peer, grant: grant, sig: sig, enc: enc, endCh: make(chan error, 1), proven: make(chan struct{}),
		flow: newFlow(time.Second/time.Duration(h.o.maxFPS), h.o.lossless, time.Now())}
	s.monitorIndex.Store(AllMonitors)
	s.wantKey = wantKey
	if h.o.resumeWindow > 0 {
		s.token, s.resumeKey = newResumeToken(), newResumeToken()
		s.resumable.Store(true)
	}
	if resumed {
		h.emit(EventViewerResumed, peer, grant.ViewOnly, nil)
	}
	err = s.run(ctx)
	if errors.Is(err, errViewerBye) {
		err = nil
	}
	h.emit(EventViewerLeft, peer, grant.ViewOnly, err)
	return err
}

// watchLeaving reads sig while the accept hook decides, and cancels the
// hook's context when the viewer leaves: its signaling ends, or it says
// goodbye (a viewer sends nothing else before the host's offer). The
// channel then gives why, or nil once ctx ended first.
func watchLeaving(ctx context.Context, cancel context.CancelFunc, sig Signaler) <-chan error {
	left := make(chan error, 1)
	go func() {
		m, err := sig.Recv(ctx)
		switch {
		case ctx.Err() != nil:
			left <- nil
			return
		case err != nil:
			err = fmt.Errorf("%w: the viewer left while waiting to be accepted: %w", ErrConnectionLost, err)
		case m.Type == sigBye:
			err = byeError(fmt.Errorf("%w: the viewer left while waiting to be accepted", ErrConnectionLost), m.Reason)
		default:
			err = fmt.Errorf("%w: unexpected %q signal from the viewer before the offer", ErrProtocol, m.Type)
		}
		cancel()
		left <- err
	}()
	return left
}

func (h *Host) add(s *hostSession) {
	h.mu.Lock()
	h.sessions[s] = struct{}{}
	h.mu.Unlock()
	h.kick()
}

func (h *Host) remove(s *hostSession) {
	h.mu.Lock()
	delete(h.sessions, s)
	h.mu.Unlock()
}

func (h *Host) snapshot(dst []*hostSession) []*hostSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	dst = dst[:0]
	for s := range h.sessions {
		dst = append(dst, s)
	}
	return dst
}

// captureLoop captures while at least one viewer can take an update.
//
// With a source that says when to look again (capture.ChangeNotifier), a
// still screen costs no wake-ups but the pointer's reads: the loop sleeps
// until the source signals, the host is woken, or the pointer is due.
func (h *Host) captureLoop() {
	defer close(h.loopDone)
	interval := time.Second / time.Duration(h.o.maxFPS)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var (
		last     time.Time // the last capture, or with no notifier the last tick
		sessions []*hostSession
		cur      cursorPoller
		ready    <-chan struct{}
	)
	watcher, _ := h.src.(capture.ChangeWatcher)
	if n, ok := h.src.(capture.ChangeNotifier); ok {
		ready = n.ChangeReady()
	}
	cur.src, _ = h.src.(capture.CursorSource)
	wait := func(d time.Duration, wakeToo bool) bool {
		timer.Reset(d)
		var wake <-chan struct{}
		if wakeToo {
			wake = h.wake
		}
		select {
		case <-h.ctx.Done():
			return false
		case <-timer.C:
		case <-wake:
		}
		return true
	}
	// sleep waits for the source to signal a change, a wake-up, or the
	// pointer's next read; a change signalled while asleep is captured at
	// once, as the frame rate cap (last) allows.
	sleep := func() bool {
		var due <-chan time.Time
		if at, ok := cur.due(interval); ok {
			timer.Reset(time.Until(at))
			due = timer.C
		}
		select {
		case <-h.ctx.Done():
			return false
		case <-ready:
		case <-h.wake:
		case <-due:
		}
		if due != nil {
			timer.Stop()
		}
		return true
	}
	for {
		sessions = h.snapshot(sessions)
		if len(sessions) == 0 {
			select {
			case <-h.ctx.Done():
				return
			case <-h.wake:
			}
			continue
		}
		if d := time.Until(last.Add(interval)); d > 0 && !wait(d, false) {
			return
		}
		cur.poll(h, sessions)
		wanted := false
		now := time.Now()
		for _, s := range sessions {
			w := s.wantsFrame()
			s.noteHeld(!w, now)
			wanted = wanted || w
		}
		if !wanted {
			// Every viewer's link is full: the frame this tick would have
			// captured is superseded by a later one. Wait until one drains
			// (an acknowledgement wakes the loop).
			for _, s := range sessions {
				s.flow.skipped()
			}
			if !wait(interval, true) {
				return
			}
			continue
		}
		if ready == nil {
			// Changed is asked once a tick: the ticks keep the rate.
			last = time.Now()
		}
		if watcher != nil && !mustCapture(sessions) {
			// Nothing was drawn since the last capture: an idle screen
			// costs no capture and no comparison.
			if changed, err := watcher.Changed(h.ctx); err == nil && !changed {
				if ready != nil && !sleep() {
					return
				}
				continue
			}
		}
		if ready != nil {
			last = time.Now()
		}
		f, err := h.src.Next(h.ctx)
		if err != nil {
			if h.ctx.Err() != nil {
				return
			}
			h.o.logger.Error("capture failed; ending sessions", "err", err)
			for _, s := range sessions {
				s.end(fmt.Errorf("%w: %w", ErrCapture, err))
			}
			continue
		}
		for _, s := range sessions {
			s.sendFrame(f)
		}
	}
}

func (h *Host) inject(ctx context.Context, e input.Event) error {
	err := h.injectFunc(func() error { return h.inj.Inject(ctx, e) })
	if e.Kind == input.MouseMove || e.Kind == input.MouseButton {
		// The loop may be asleep on a still screen, reading the pointer
		// only a few times a second: wake it once per rest, so the
		// pointer is followed at the full rate again at once. After the
		// event, so that the capture it starts neither delays the event
		// nor misses it.
		if !h.pointerMoved.Swap(true) {
			h.kick()
		}
	}
	return err
}

// injectFunc runs f alone against the injector.
func (h *Host) injectFunc(f func() error) error {
	h.injMu.Lock()
	defer h.injMu.Unlock()
	return f()
}

// hostSession is the host's side of one viewer's session.
type hostSession struct {
	h         *Host
	peer      signaling.Peer
	grant     Grant
	sig       Signaler
	since     time.Time
	token     string      // to resume this session after a drop
	resumeKey string      // its proof, which the viewer sends over DTLS
	resumable atomic.Bool // the token has not been used
	wantKey   string      // a resumed session: the key the viewer must send before the hello
	proven    chan struct{}

	flow    *flow
	neg     atomic.Pointer[negotiator]
	restart sync.Mutex // one ICE restart at a time
	pc      *webrtc.PeerConnection
	screen  *webrtc.DataChannel
	cursor  *webrtc.DataChannel
	clip    *webrtc.DataChannel
	clipIn  clipAssembler
	curSent map[uint64]bool // shape IDs this viewer has
	curLast []byte          // the last position message sent
	curBuf  []byte
	control *webrtc.DataChannel
	endCh   chan error

	heldSince  time.Time // the capture loop's: since when the link has been full
	heldWarned bool

	keyReq       atomic.Bool
	view         atomic.Pointer[image.Rectangle] // the part of the frame this viewer sees; nil or empty: all
	monitorIndex atomic.Int32
	refining     atomic.Bool // the viewer shows lossy regions not yet refined: capture even if nothing changed
	connected    atomic.Bool
	helloSent    atomic.Bool // the screen starts after the hello

	sendMu  sync.Mutex // the capture loop's encode+send vs. teardown
	enc     *codec.Encoder
	stopped bool
	primed  atomic.Bool // enc has seen a frame, so damage hints apply (read by the capture loop without sendMu)
	skipped bool        // a frame went by without this viewer: damage hints no longer cover all changes
	msg     []byte
	frag    []byte
	dmg     []image.Rectangle

	inMu        sync.Mutex // input handling, from the input channel's goroutine
	events      []input.Event
	held        input.HeldKeys
	lastRefusal time.Time
}

func (s *hostSession) end(err error) {
	select {
	case s.endCh <- err:
	default:
	}
}

func (s *hostSession) run(parent context.Context) (err error) {
	o := &s.h.o
	api, sock, err := newAPI(o)
	if err != nil {
		return err
	}
	defer sock.Close() // after teardown has closed the peer connection
	pc, err := api.NewPeerConnection(webrtcConfig(o, s.h.cert))
	if err != nil {
		return fmt.Errorf("rdp: creating the peer connection: %w", err)
	}
	s.pc = pc
	ctx, cancel := context.WithCancel(parent)
	defer func() {
		// First stop what waits on the system for this viewer's input (an
		// injector's Sync, a slow Inject), which holds the input lock that
		// teardown needs to release the viewer's keys.
		cancel()
		// A session lost to the network keeps its place for resuming, from
		// before teardown takes it off the live sessions: a viewer that
		// comes back at once finds it in one or the other.
		if errors.Is(err, ErrConnectionLost) && parent.Err() == nil && s.resumable.CompareAndSwap(true, false) {
			s.h.suspend(s.token, s.resumeKey, s.grant, s.peer)
		}
		s.teardown()
	}()

	ordered := true
	chans := make([]*webrtc.DataChannel, 0, 3)
	for _, label := range []string{labelScreen, labelInput, labelControl, labelCursor, labelClipboard} {
		dc, err := pc.CreateDataChannel(label, &webrtc.DataChannelInit{Ordered: &ordered})
		if err != nil {
			return fmt.Errorf("rdp: creating the %s channel: %w", label, err)
		}
		chans = append(chans, dc)
	}
	s.screen, s.control, s.cursor, s.clip = chans[0], chans[2], chans[3], chans[4]
	s.clipIn.limit = max(o.clipPolicy.MaxBytes, 1)
	s.clip.OnMessage(func(m webrtc.DataChannelMessage) { s.onClipboard(m.Data) })
	inputDC := chans[1]

	var opened atomic.Int32
	allOpen := make(chan struct{})
	for _, dc := range chans {
		dc.OnOpen(func() {
			if opened.Add(1) == int32(len(chans)) {
				close(allOpen)
			}
		})
		dc.OnClose(func() { s.end(fmt.Errorf("%w: the %s channel closed", ErrConnectionLost, dc.Label())) })
	}
	s.screen.SetBufferedAmountLowThreshold(uint64(o.maxBuffered / 2))
	s.screen.OnBufferedAmountLow(s.h.kick)
	s.control.OnMessage(func(m webrtc.DataChannelMessage) { s.onControl(m.Data) })
	inputDC.OnMessage(func(m webrtc.DataChannelMessage) { s.onInput(ctx, m.Data) })
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateDisconnected:
			// The path stopped answering: look for another one (ICE
			// restart) while the session waits; if none comes before ICE
			// gives up, the viewer resumes through signaling instead.
			if n := s.neg.Load(); n != nil && s.connected.Load() {
				go s.restartICE(ctx, n)
			}
		case webrtc.PeerConnectionStateFailed:
			s.end(fmt.Errorf("%w: no network path to the viewer (ICE failed)", ErrConnectionLost))
		case webrtc.PeerConnectionStateClosed:
			s.end(fmt.Errorf("%w: peer connection closed", ErrConnectionLost))
		}
	})

	neg := newNegotiator(pc, s.sig)
	s.neg.Store(neg)
	pumpCtx, stopPump := context.WithCancel(ctx)
	pumpDone := make(chan struct{})
	defer func() { stopPump(); <-pumpDone }()
	go func() {
		defer close(pumpDone)
		s.pump(pumpCtx, neg)
	}()

	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("%w: creating the offer: %w", ErrNegotiation, err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("%w: %w", ErrNegotiation, err)
	}
	if err := neg.sendDescription(ctx, offer); err != nil {
		return err
	}

	timer := time.NewTimer(o.connectTimeout)
	defer timer.Stop()
	select {
	case <-allOpen:
	case err := <-s.endCh:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return fmt.Errorf("%w: not connected after %v (no network path between host and viewer?)", ErrConnectionLost, o.connectTimeout)
	}

	if s.wantKey != "" {
		// A resuming viewer proves it is the one the token was given to.
		timer.Reset(o.connectTimeout)
		var err error
		select {
		case <-s.proven:
		case err = <-s.endCh:
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			err = fmt.Errorf("%w: the viewer did not send its resume key", errResumeProof)
		}
		if errors.Is(err, errResumeProof) {
			// Tell the viewer on the connection itself, then through
			// signaling (which counts the failure), then hang up.
			if s.control.Send(control{Type: ctlBye, Reason: "this session cannot be resumed; ask for a new code"}.marshal()) == nil {
				defer func() {
					select {
					case <-s.endCh:
					case <-time.After(closeGrace):
					}
				}()
			}
			return s.h.refuseResume(s.sig, s.peer, err)
		}
		if err != nil {
			return err
		}
	}
	s.since = time.Now()
	s.connected.Store(true)
	// Listed before the hello, so a viewer that has its hello is always in
	// Viewers().
	s.h.add(s)
	all := AllMonitors
	hello := control{Type: ctlHello, Version: ProtocolVersion, ViewOnly: s.grant.ViewOnly, Monitors: s.h.monitors, Monitor: &all,
		Resume: s.token, ResumeKey: s.resumeKey}
	if o.clipboard != nil {
		hello.ClipToViewer = o.clipPolicy.ToViewers
		hello.ClipFromViewer = o.clipPolicy.FromViewers && !s.grant.ViewOnly
	}
	if err := s.control.Send(hello.marshal()); err != nil {
		return fmt.Errorf("%w: %w", ErrConnectionLost, err)
	}
	s.helloSent.Store(true)
	s.h.kick()
	pingDone := make(chan struct{})
	pingCtx, stopPing := context.WithCancel(ctx)
	go func() {
		defer close(pingDone)
		pinger(pingCtx, s.control)
	}()
	defer func() { stopPing(); <-pingDone }()
	s.h.emit(EventViewerConnected, s.peer, s.grant.ViewOnly, nil)
	o.logger.Info("viewer connected", "peer", s.peer.ID, "addr", s.peer.Addr, "viewOnly", s.grant.ViewOnly)

	select {
	case err = <-s.endCh:
	case <-ctx.Done():
		err = ctx.Err()
	}
	reason := "the host ended the session"
	switch {
	case errors.Is(err, errHostKick):
		reason = strings.TrimPrefix(err.Error(), errHostKick.Error()+": ")
	case s.h.ctx.Err() == nil && ctx.Err() == nil && err != nil && !errors.Is(err, errViewerBye):
		reason = err.Error()
	}
	if s.control.Send(control{Type: ctlBye, Reason: reason}.marshal()) == nil && !errors.Is(err, ErrConnectionLost) && !errors.Is(err, errViewerBye) {
		// The viewer closes its side once it has read the goodbye; closing
		// first could lose it, and the viewer would see a dropped
		// connection instead of the reason.
		select {
		case <-s.endCh:
		case <-time.After(closeGrace):
		}
	}
	if errors.Is(err, errViewerBye) {
		o.logger.Info("viewer left", "peer", s.peer.ID)
	} else {
		o.logger.Info("viewer lost", "peer", s.peer.ID, "err", err)
	}
	return err
}

// pump applies what the viewer sends through signaling.
func (s *hostSession) pump(ctx context.Context, neg *negotiator) {
	for {
		m, err := s.sig.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if s.connected.Load() {
				return // the data channels carry on without signaling
			}
			s.end(fmt.Errorf("%w: signaling: %w", ErrConnectionLost, err))
			return
		}
		switch m.Type {
		case sigAnswer:
			err = neg.setRemote(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP})
		case sigCandidate:
			err = neg.addRemoteCandidate(m.Candidate)
		case sigBye:
			err = byeError(errViewerBye, m.Reason)
		default:
			err = fmt.Errorf("%w: unexpected %q signal from the viewer", ErrProtocol, m.Type)
		}
		if err != nil {
			s.end(err)
			return
		}
	}
}

func (s *hostSession) teardown() {
	s.h.remove(s)
	s.sendMu.Lock()
	s.stopped = true
	_ = s.enc.Close()
	s.sendMu.Unlock()
	s.releaseHeld()
	if s.pc != nil {
		_ = s.pc.Close()
	}
}

// noteHeld tracks how long this viewer's link has been too full for a
// frame, and logs a link that does not drain for the heldWarn option's
// time (a viewer that stopped reading, a stalled transport), and its end.
// Only the capture loop calls it.
func (s *hostSession) noteHeld(held bool, now time.Time) {
	switch {
	case !held:
		if s.heldWarned {
			s.h.o.logger.Info("screen updates to the viewer resumed", "peer", s.peer.ID,
				"held", now.Sub(s.heldSince).Round(time.Millisecond))
		}
		s.heldSince, s.heldWarned = time.Time{}, false
	case s.heldSince.IsZero():
		s.heldSince = now
	case !s.heldWarned && now.Sub(s.heldSince) >= s.h.o.heldWarn:
		s.heldWarned = true
		msgs, bytes, window := s.flow.inFlight()
		s.h.o.logger.Warn("screen updates to the viewer held back: its link has not drained", "peer", s.peer.ID,
			"held", now.Sub(s.heldSince).Round(time.Millisecond), "unacknowledged_messages", msgs,
			"unacknowledged_bytes", bytes, "window_bytes", window, "transport_buffered_bytes", s.screen.BufferedAmount())
	}
}

func (s *hostSession) wantsFrame() bool {
	return s.flow.ready(time.Now()) && s.screen.BufferedAmount() <= uint64(s.h.o.maxBuffered)
}

func (s *hostSession) sendFrame(f *capture.Frame) {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if s.stopped || !s.helloSent.Load() {
		return
	}
	if !s.wantsFrame() {
		s.skipped = true
		s.flow.skipped()
		return
	}
	fv, dmg := cropFrame(f, s.viewRect(), s.dmg)
	s.dmg = dmg
	img := codec.Image{Width: fv.w, Height: fv.h, Stride: f.Stride, Format: codecFormat(f.Format), Pix: fv.pix}
	if s.primed.Load() && !s.skipped {
		img.Damage = fv.damage
	}
	start := time.Now()
	q := s.flow.quality(start)
	s.enc.SetQuality(q)
	s.enc.SetRefineRate(s.flow.refineRate(start))
	out, err := s.enc.Encode(s.msg[:0], img, s.keyReq.Swap(false))
	if err != nil {
		s.end(fmt.Errorf("rdp: encoding the screen: %w", err))
		return
	}
	s.msg, s.skipped = out, false
	s.primed.Store(true)
	if len(out) == 0 {
		return
	}
	refining := s.enc.LossyTiles() > 0
	s.refining.Store(refining) // keep encoding until refined, even on an idle screen
	now := time.Now()
	captured := f.Time
	if captured.IsZero() {
		captured = start
	}
	hdr := frameHeader{Captured: captured, Encode: now.Sub(start), Refining: refining}
	hdr.Superseded = s.flow.onSent(len(out), now)
	s.frag, err = fragments(out, hdr, s.frag, s.screen.Send)
	if err != nil {
		s.end(fmt.Errorf("%w: sending the screen: %w", ErrConnectionLost, err))
	}
}

// viewRect is the part of the frame this viewer sees (empty: all).
func (s *hostSession) viewRect() image.Rectangle {
	if r := s.view.Load(); r != nil {
		return *r
	}
	return image.Rectangle{}
}

// mustCapture reports whether a session needs a frame whatever the
// source says: its first one, a key frame asked for, or a refinement.
func mustCapture(sessions []*hostSession) bool {
	for _, s := range sessions {
		if !s.primed.Load() || s.keyReq.Load() || s.refining.Load() {
			return true
		}
	}
	return false
}

// cursorPoller reads the pointer from the source and passes changes to
// every viewer: every frame while it moves, ten times a second once it
// has been still for a second.
type cursorPoller struct {
	src    capture.CursorSource
	last   capture.Cursor
	moved  time.Time
	next   time.Time
	read   time.Time // the last read
	failed bool
}

// The pointer is read every capture tick while it moves, then less often
// the longer it stays still: a read is a round trip to the display server,
// which an idle host should not pay thirty times a second. Input from a
// viewer makes the next tick read it again (see Host.pointerMoved).
const (
	cursorIdleAfter = time.Second
	cursorIdleEvery = 100 * time.Millisecond
	cursorRestAfter = 10 * time.Second
	cursorRestEvery = 250 * time.Millisecond
)

// due returns when the pointer should next be read by a loop that sleeps
// between changes rather than ticking every interval: at its tier's time,
// and never sooner than a tick after the last read. ok is false without a
// pointer to read.
func (p *cursorPoller) due(interval time.Duration) (at time.Time, ok bool) {
	if p.src == nil {
		return time.Time{}, false
	}
	return later(p.next, p.read.Add(interval)), true
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (p *cursorPoller) poll(h *Host, sessions []*hostSession) {
	if p.src == nil {
		return
	}
	now := time.Now()
	if h.pointerMoved.Swap(false) {
		p.next, p.moved = time.Time{}, now
	}
	if now.Before(p.next) {
		return
	}
	p.read = now
	c, err := p.src.Cursor(h.ctx)
	if err != nil {
		if !p.failed {
			h.o.logger.Warn("cannot read the pointer; viewers will not see it move", "err", err)
			p.failed = true
		}
		p.next = now.Add(time.Second)
		return
	}
	p.failed = false
	if c.X != p.last.X || c.Y != p.last.Y || c.Visible != p.last.Visible || c.Shape.ID != p.last.Shape.ID {
		p.moved = now
	}
	p.last = c
	switch still := now.Sub(p.moved); {
	case still > cursorRestAfter:
		p.next = now.Add(cursorRestEvery)
	case still > cursorIdleAfter:
		p.next = now.Add(cursorIdleEvery)
	}
	for _, s := range sessions {
		s.sendCursor(c)
	}
}

// sendCursor passes the pointer to this viewer if it changed for it,
// with its shape first if the viewer does not have it.
func (s *hostSession) sendCursor(c capture.Cursor) {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if s.stopped || !s.helloSent.Load() || s.cursor == nil {
		return
	}
	if c.Visible && c.Shape.ID != 0 && !s.curSent[c.Shape.ID] && len(c.Shape.Pix) == c.Shape.Width*c.Shape.Height*4 {
		if s.curSent == nil || len(s.curSent) >= shapesKept {
			s.curSent = make(map[uint64]bool) // the viewer drops its oldest too
		}
		s.curBuf = appendCursorShape(s.curBuf[:0], c.Shape)
		if s.cursor.Send(s.curBuf) != nil {
			return
		}
		s.curSent[c.Shape.ID] = true
	}
	origin := s.viewRect().Min
	c.X -= origin.X
	c.Y -= origin.Y
	s.curBuf = appendCursorPosition(s.curBuf[:0], c)
	if bytes.Equal(s.curBuf, s.curLast) {
		return
	}
	if s.cursor.Send(s.curBuf) == nil {
		s.curLast = append(s.curLast[:0], s.curBuf...)
	}
}

func codecFormat(f capture.PixelFormat) codec.PixelFormat {
	if f == capture.RGBA {
		return codec.RGBA
	}
	return codec.BGRA
}

func (s *hostSession) onControl(b []byte) {
	c, err := parseControl(b)
	if err != nil {
		s.end(err)
		return
	}
	switch c.Type {
	case ctlKeyFrame:
		s.keyReq.Store(true)
		s.h.kick()
	case ctlResume:
		if s.wantKey == "" || s.helloSent.Load() {
			return
		}
		if subtle.ConstantTimeCompare([]byte(c.ResumeKey), []byte(s.wantKey)) != 1 {
			s.end(fmt.Errorf("%w: wrong resume key", errResumeProof))
			return
		}
		select {
		case <-s.proven:
		default:
			close(s.proven)
		}
	case ctlPing:
		_ = s.control.Send(control{Type: ctlPong, T: c.T, At: time.Now().UnixNano()}.marshal())
	case ctlPong:
		if c.T != 0 {
			s.flow.onRTT(time.Since(time.Unix(0, c.T)))
		}
	case ctlSecureAttention:
		go s.secureAttention()
	case ctlMonitor:
		cur := AllMonitors
		if c.Monitor != nil {
			cur = *c.Monitor
		}
		r, err := checkMonitor(s.h.monitors, cur)
		if err != nil {
			old := s.monitorIndex.Load()
			cur = int(old)
			_ = s.control.Send(control{Type: ctlMonitor, Monitor: &cur, Reason: err.Error()}.marshal())
			return
		}
		s.view.Store(&r)
		s.monitorIndex.Store(int32(cur))
		s.keyReq.Store(true) // a new size: a key frame
		s.h.kick()
		_ = s.control.Send(control{Type: ctlMonitor, Monitor: &cur}.marshal())
	case ctlPrefs:
		s.flow.setPrefs(c.MaxFPS, c.Lossless || s.h.o.lossless)
		s.h.kick()
	case ctlBye:
		s.end(byeError(errViewerBye, c.Reason))
	default:
		// Unknown types come from newer viewers; ignoring them keeps
		// old hosts usable.
	}
}

func (s *hostSession) onInput(ctx context.Context, b []byte) {
	s.inMu.Lock()
	defer s.inMu.Unlock()
	if len(b) == 5 && b[0] == inputSync {
		id := uint32(b[1]) | uint32(b[2])<<8 | uint32(b[3])<<16 | uint32(b[4])<<24
		// Events before it have returned from Inject; an injector that
		// returns before the system has performed some says when it has.
		if sy, ok := s.h.inj.(input.Syncer); ok && !s.grant.ViewOnly {
			if err := s.h.injectFunc(func() error { return sy.Sync(ctx) }); err != nil {
				s.h.o.logger.Warn("input not confirmed", "err", err)
			}
		}
		_ = s.control.Send(control{Type: ctlSynced, Sync: id}.marshal())
		return
	}
	if len(b) == 5 && b[0] == inputAck {
		count := uint32(b[1]) | uint32(b[2])<<8 | uint32(b[3])<<16 | uint32(b[4])<<24
		if !s.flow.onAck(count, time.Now()) {
			s.h.o.logger.Debug("the viewer acknowledged screen updates never sent", "peer", s.peer.ID, "count", count)
		}
		s.h.kick()
		return
	}
	if len(b) == 0 || b[0] != inputEvents {
		s.end(fmt.Errorf("%w: input message of unknown kind", ErrProtocol))
		return
	}
	events, err := input.ParseEvents(b[1:], s.events[:0])
	s.events = events
	if err != nil {
		s.end(fmt.Errorf("%w: input from the viewer: %w", ErrProtocol, err))
		return
	}
	if s.grant.ViewOnly {
		// Tell the viewer (and the audit hook) at most once a second, so a
		// moving mouse does not flood either.
		if now := time.Now(); now.Sub(s.lastRefusal) >= time.Second {
			s.lastRefusal = now
			_ = s.control.Send(control{Type: ctlInputRefused, Reason: "view-only session"}.marshal())
			s.h.emit(EventInputRefused, s.peer, true, ErrViewOnly)
		}
		return
	}
	origin := s.viewRect().Min
	for _, e := range events {
		if e.Kind == input.MouseMove {
			e.X += origin.X
			e.Y += origin.Y
		}
		if err := s.h.inject(ctx, e); err != nil {
			s.h.o.logger.Warn("input not performed", "event", e.Kind, "err", err)
			continue
		}
		s.held.Observe(e)
	}
}

// restartICE offers new ICE credentials to the viewer through signaling,
// so that both sides gather and check paths again (a changed address, a
// dead NAT binding). Best effort: without signaling it does nothing.
func (s *hostSession) restartICE(ctx context.Context, neg *negotiator) {
	if !s.restart.TryLock() {
		return
	}
	defer s.restart.Unlock()
	offer, err := s.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: true})
	if err == nil {
		err = s.pc.SetLocalDescription(offer)
	}
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, sendTimeout)
		err = neg.sendDescription(sctx, offer)
		cancel()
	}
	if err != nil {
		s.h.o.logger.Info("ICE restart not possible", "peer", s.peer.ID, "err", err)
		return
	}
	s.h.o.logger.Info("connection to the viewer interrupted; ICE restart offered", "peer", s.peer.ID)
}

// secureAttention performs the viewer's Ctrl+Alt+Del request: through the
// injector's own secure-attention path when it has one, else as the key
// combination.
func (s *hostSession) secureAttention() {
	if s.grant.ViewOnly {
		_ = s.control.Send(control{Type: ctlInputRefused, Reason: "view-only session"}.marshal())
		s.h.emit(EventInputRefused, s.peer, true, ErrViewOnly)
		return
	}
	s.h.emit(EventSecureAttention, s.peer, false, nil)
	ctx, cancel := context.WithTimeout(s.h.ctx, 5*time.Second)
	defer cancel()
	s.inMu.Lock() // between the viewer's other input, not inside it
	defer s.inMu.Unlock()
	if sa, ok := s.h.inj.(input.SecureAttention); ok {
		if err := s.h.injectFunc(func() error { return sa.SecureAttention(ctx) }); err != nil {
			s.h.o.logger.Warn("Ctrl+Alt+Del not performed", "err", err)
		}
		return
	}
	for _, e := range input.CtrlAltDel() {
		if err := s.h.inject(ctx, e); err != nil {
			s.h.o.logger.Warn("Ctrl+Alt+Del not performed", "event", e.Kind, "err", err)
		}
	}
}

// releaseHeld lifts every key and button the viewer left pressed, so a
// dropped connection never leaves Ctrl held on the shared machine.
func (s *hostSession) releaseHeld() {
	s.inMu.Lock()
	defer s.inMu.Unlock()
	if s.h.inj == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, e := range s.held.Release() {
		if err := s.h.inject(ctx, e); err != nil {
			s.h.o.logger.Warn("could not release input", "event", e.Kind, "err", err)
		}
	}
}

func webrtcConfig(o *options, cert *webrtc.Certificate) webrtc.Configuration {
	var c webrtc.Configuration
	if len(o.iceServers) > 0 {
		c.ICEServers = []webrtc.ICEServer{{URLs: o.iceServers}}
	}
	if cert != nil {
		c.Certificates = []webrtc.Certificate{*cert}
	}
	return c
}
