package rdp

import (
	"context"
	"encoding/hex"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/signaling"
	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/require"
)

// redialer returns a Redialer that reaches s.host through a fresh
// in-process signaling pipe, as signaling.Resume would through a server.
func (s *served) redialer(t *testing.T, calls *atomic.Int32) Redialer {
	return func(ctx context.Context, token string) (Signaler, error) {
		calls.Add(1)
		hl, vl := signaling.Pipe()
		go func() {
			s.result <- s.host.ServeViewer(context.Background(), hl, signaling.Peer{ID: "p2", Name: "test viewer", Resume: token})
			_ = hl.Close()
		}()
		return vl, nil
	}
}

func TestResumeAfterNetworkDrop(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(640, 360), capture.WithStill(true))
	require.NoError(t, err)
	rec := input.NewRecorder()
	var asked atomic.Int32
	accept := func(context.Context, signaling.Peer) (Grant, error) {
		asked.Add(1)
		return Grant{}, nil
	}
	var resumed atomic.Int32
	events := func(e Event) {
		if e.Kind == EventViewerResumed {
			resumed.Add(1)
		}
	}
	var mu sync.Mutex
	var states []ConnState
	hook := func(st ConnState, _ error) {
		mu.Lock()
		states = append(states, st)
		mu.Unlock()
	}
	var calls atomic.Int32
	s := &served{result: make(chan error, 8)}
	host, err := NewHost(syn, rec, WithLoopbackOnly(true), WithAccept(accept), WithEvents(events))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, host.Close()) })
	s.host = host
	s.viewer = s.join(t, WithReconnect(s.redialer(t, &calls)), WithStateHook(hook))
	want := syn.Frame(0).RGBA()
	requireSameRGB(t, want, waitStill(t, s.viewer))
	a, _ := input.KeyFromCode("KeyA")
	require.NoError(t, s.viewer.Send(input.Event{Kind: input.KeyEvent, Key: a, Down: true}))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.NoError(t, s.viewer.Sync(ctx))

	// The network drops: the peer connection dies without a goodbye.
	s.viewer.mu.Lock()
	pc := s.viewer.c.pc
	s.viewer.mu.Unlock()
	require.NoError(t, pc.Close())
	select {
	case err := <-s.result:
		require.ErrorIs(t, err, ErrConnectionLost, "the host saw the first session lost")
	case <-time.After(testTimeout):
		t.Fatal("the host did not notice the drop")
	}
	require.Eventually(t, func() bool { return s.viewer.Stats().Reconnects == 1 && s.viewer.State() == StateConnected },
		testTimeout, 10*time.Millisecond)
	require.Equal(t, int32(1), calls.Load())
	require.Equal(t, int32(1), asked.Load(), "a resumed session is not asked for consent again")
	require.Equal(t, int32(1), resumed.Load())
	mu.Lock()
	got := append([]ConnState(nil), states...)
	mu.Unlock()
	require.Equal(t, []ConnState{StateReconnecting, StateConnected}, got)
	require.NoError(t, s.viewer.Err())

	// The held key was released with the lost session; the resumed one
	// shows the screen again and takes input.
	evs := rec.Events()
	require.Equal(t, input.Event{Kind: input.KeyEvent, Key: a}, evs[len(evs)-1])
	requireSameRGB(t, want, waitStill(t, s.viewer))
	require.NoError(t, s.viewer.Send(input.Event{Kind: input.MouseMove, X: 5, Y: 6}))
	require.NoError(t, s.viewer.Sync(ctx))
	require.Equal(t, input.Event{Kind: input.MouseMove, X: 5, Y: 6}, rec.Events()[len(rec.Events())-1])

	// A token works once: the resumed session has a new one.
	_, err = Connect(ctx, func() Signaler {
		hl, vl := signaling.Pipe()
		go func() {
			_ = host.ServeViewer(ctx, hl, signaling.Peer{ID: "p3", Resume: "not-a-token-of-this-host"})
			_ = hl.Close()
		}()
		return vl
	}(), WithLoopbackOnly(true))
	require.ErrorIs(t, err, ErrRefused)
	require.Contains(t, err.Error(), "can no longer be resumed")
}

func TestNoResumeWithoutReconnect(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	s := connect(t, syn, nil, nil, nil)
	waitStill(t, s.viewer)
	s.viewer.mu.Lock()
	pc := s.viewer.c.pc
	s.viewer.mu.Unlock()
	require.NoError(t, pc.Close())
	select {
	case <-s.viewer.Done():
	case <-time.After(testTimeout):
		t.Fatal("the session did not end")
	}
	require.ErrorIs(t, s.viewer.Err(), ErrConnectionLost)
	require.Equal(t, StateClosed, s.viewer.State())
}

func TestICERestartKeepsTheSession(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200))
	require.NoError(t, err)
	rec := input.NewRecorder()
	s := connect(t, syn, rec, nil, nil)
	waitStillOrMoving(t, s.viewer)
	sessions := s.host.snapshot(nil)
	require.Len(t, sessions, 1)
	hs := sessions[0]
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	before := hs.pc.LocalDescription().SDP
	hs.restartICE(ctx, hs.neg.Load())
	require.Eventually(t, func() bool {
		d := hs.pc.RemoteDescription()
		return d != nil && hs.pc.LocalDescription().SDP != before && hs.pc.SignalingState().String() == "stable"
	}, testTimeout, 10*time.Millisecond, "the viewer answered the restart offer")
	n := s.viewer.Stats().Updates
	require.Eventually(t, func() bool { return s.viewer.Stats().Updates > n+5 }, testTimeout, 10*time.Millisecond)
	require.NoError(t, s.viewer.Send(input.Event{Kind: input.MouseMove, X: 1, Y: 2}))
	require.NoError(t, s.viewer.Sync(ctx))
	require.NoError(t, s.viewer.Err())
}

// The token alone, which signaling servers see, does not resume a session:
// the viewer must send the key it got over the encrypted channel.
func TestResumeNeedsTheKey(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	var refused atomic.Int32
	host, err := NewHost(syn, input.NewRecorder(), WithLoopbackOnly(true), WithConnectTimeout(3*time.Second),
		WithEvents(func(e Event) {
			if e.Kind == EventViewerRefused {
				refused.Add(1)
			}
		}))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, host.Close()) })
	s := &served{host: host, result: make(chan error, 8)}
	s.viewer = s.join(t)
	waitStill(t, s.viewer)
	s.viewer.mu.Lock()
	token, key, pc := s.viewer.token, s.viewer.resumeKey, s.viewer.c.pc
	s.viewer.mu.Unlock()
	require.NotEmpty(t, token)
	require.NotEmpty(t, key)
	require.NotEqual(t, token, key)
	require.NoError(t, pc.Close())
	require.ErrorIs(t, <-s.result, ErrConnectionLost)

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	hl, vl := signaling.Pipe()
	go func() {
		s.result <- host.ServeViewer(ctx, hl, signaling.Peer{ID: "p9", Resume: token})
		_ = hl.Close()
	}()
	_, err = Connect(ctx, vl, WithLoopbackOnly(true)) // knows the token, not the key
	require.ErrorIs(t, err, ErrRefused)
	require.ErrorIs(t, <-s.result, ErrRefused)
	require.Equal(t, int32(1), refused.Load())
}

// The whole path: a real signaling server, a host registered with it, a
// viewer joined with the code that resumes through the server with its
// token after a drop.
func TestResumeThroughSignalingServer(t *testing.T) {
	srv, err := signaling.NewServer()
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	t.Cleanup(func() { _ = srv.Close() })
	url := "ws" + strings.TrimPrefix(hs.URL, "http")

	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	host, err := NewHost(syn, input.NewRecorder(), WithLoopbackOnly(true))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, host.Close()) })
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	creds := make(chan signaling.Credentials, 4)
	hc, err := signaling.Register(ctx, url, signaling.OnCredentials(func(c signaling.Credentials) { creds <- c }))
	require.NoError(t, err)
	t.Cleanup(func() { _ = hc.Close() })
	serveCtx, stopServe := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { defer close(served); _ = host.Serve(serveCtx, hc) }()
	t.Cleanup(func() { stopServe(); <-served })

	c := <-creds
	link, err := signaling.Join(ctx, url, c.ID, c.Code)
	require.NoError(t, err)
	v, err := Connect(ctx, link, WithLoopbackOnly(true), WithReconnect(func(ctx context.Context, token string) (Signaler, error) {
		return signaling.Resume(ctx, url, c.ID, token)
	}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	want := syn.Frame(0).RGBA()
	requireSameRGB(t, want, waitStill(t, v))

	v.mu.Lock()
	pc := v.c.pc
	v.mu.Unlock()
	require.NoError(t, pc.Close())
	require.Eventually(t, func() bool { return v.Stats().Reconnects == 1 && v.State() == StateConnected }, testTimeout, 10*time.Millisecond)
	requireSameRGB(t, want, waitStill(t, v))
	require.NoError(t, v.Err())
}

// TestSDPFingerprint: the fingerprint a browser viewer falls back on is the
// one of the certificate the SDP announces, and anything else is no
// fingerprint rather than a wrong one.
func TestSDPFingerprint(t *testing.T) {
	cert := newCertificate()
	require.NotNil(t, cert)
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{Certificates: []webrtc.Certificate{*cert}})
	require.NoError(t, err)
	defer pc.Close()
	_, err = pc.CreateDataChannel("x", nil)
	require.NoError(t, err)
	offer, err := pc.CreateOffer(nil)
	require.NoError(t, err)
	fps, err := cert.GetFingerprints()
	require.NoError(t, err)
	var want []byte
	for _, f := range fps {
		if f.Algorithm == "sha-256" {
			want, err = hex.DecodeString(strings.ReplaceAll(f.Value, ":", ""))
			require.NoError(t, err)
		}
	}
	require.Len(t, want, 32)
	require.Equal(t, want, sdpFingerprint(offer.SDP))

	for _, sdp := range []string{
		"", "v=0\r\n",
		"a=fingerprint:sha-1 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01\r\n",
		"a=fingerprint:sha-256 ZZ:00\r\n",
		"a=fingerprint:sha-256 AB:CD\r\n",
		"a=fingerprint:sha-256\r\n",
	} {
		require.Nil(t, sdpFingerprint(sdp), "%q", sdp)
	}
}

// resumable serves a still 320x200 screen, injecting into inj (nil:
// view-only), to one viewer that resumes the session after a drop (and has
// viewerOpts), and waits until the viewer shows the screen.
func resumable(t *testing.T, inj input.Injector, viewerOpts ...Option) *served {
	t.Helper()
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	host, err := NewHost(syn, inj, WithLoopbackOnly(true))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, host.Close()) })
	s := &served{host: host, result: make(chan error, 8)}
	var calls atomic.Int32
	s.viewer = s.join(t, append([]Option{WithReconnect(s.redialer(t, &calls))}, viewerOpts...)...)
	waitStill(t, s.viewer)
	return s
}

// dropAndResume closes the viewer's peer connection, as a network drop
// would, and waits until the viewer has resumed the session.
func dropAndResume(t *testing.T, s *served) {
	t.Helper()
	require.NoError(t, adopted(s.viewer).pc.Close())
	waitResumed(t, s.viewer)
}

// waitResumed waits until v has resumed its session once.
func waitResumed(t *testing.T, v *Viewer) {
	t.Helper()
	require.Eventually(t, func() bool { return v.Stats().Reconnects == 1 && v.State() == StateConnected },
		testTimeout, 10*time.Millisecond, "the session was not resumed: %v", v.Err())
}

// blockingSync is an injector whose Sync waits until released: the host
// holds a viewer's Sync unanswered.
type blockingSync struct {
	*input.Recorder
	release chan struct{}
}

func (b blockingSync) Sync(ctx context.Context) error {
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A Sync waiting on a connection that drops returns ErrConnectionLost
// instead of waiting for an answer that will never come, and the session
// is resumed as usual.
func TestSyncPendingAcrossDropFails(t *testing.T) {
	inj := blockingSync{Recorder: input.NewRecorder(), release: make(chan struct{})}
	s := resumable(t, inj)

	synced := make(chan error, 1)
	go func() { synced <- s.viewer.Sync(context.Background()) }()
	// The host has the sync and waits on the injector.
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-synced:
		t.Fatalf("Sync returned before the host answered: %v", err)
	default:
	}
	require.NoError(t, adopted(s.viewer).pc.Close()) // the network drops
	select {
	case err := <-synced:
		require.ErrorIs(t, err, ErrConnectionLost)
	case <-time.After(testTimeout):
		t.Fatal("Sync still waits for an answer from the lost connection")
	}
	waitResumed(t, s.viewer)
	// The resumed session answers.
	close(inj.release)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.NoError(t, s.viewer.Sync(ctx))
}

// slowRelease is an injector that takes its time releasing keys once told
// to: a host whose session teardown is slow.
type slowRelease struct {
	*input.Recorder
	slow atomic.Bool
}

func (r *slowRelease) Inject(ctx context.Context, e input.Event) error {
	if r.slow.Load() && e.Kind == input.KeyEvent && !e.Down {
		time.Sleep(500 * time.Millisecond)
	}
	return r.Recorder.Inject(ctx, e)
}

// A viewer that comes back while the host is still tearing the lost
// session down (releasing the keys it held) resumes it: the session's
// place is kept from before it leaves the live sessions.
func TestResumeWhileHostTearsDown(t *testing.T) {
	inj := &slowRelease{Recorder: input.NewRecorder()}
	s := resumable(t, inj)
	a, _ := input.KeyFromCode("KeyA")
	require.NoError(t, s.viewer.Send(input.Event{Kind: input.KeyEvent, Key: a, Down: true}))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.NoError(t, s.viewer.Sync(ctx))

	inj.slow.Store(true)
	dropAndResume(t, s)
	require.NoError(t, s.viewer.Err())
	require.Eventually(t, func() bool {
		evs := inj.Events()
		return evs[len(evs)-1] == input.Event{Kind: input.KeyEvent, Key: a}
	}, testTimeout, 10*time.Millisecond, "the lost session's key was not released")
}

// What the viewer asked of the host's updates (SetPrefs) holds on the
// resumed connection too.
func TestPrefsSurviveResume(t *testing.T) {
	s := resumable(t, nil)
	quality := func() int {
		vs := s.host.Viewers()
		if len(vs) != 1 {
			return -1
		}
		return vs[0].Link.Quality
	}
	require.Positive(t, quality(), "lossy photographs by default")
	require.NoError(t, s.viewer.SetPrefs(0, true))
	require.Eventually(t, func() bool { return quality() == 0 }, testTimeout, 10*time.Millisecond)

	dropAndResume(t, s)
	require.Eventually(t, func() bool { return quality() == 0 }, 10*time.Second, 10*time.Millisecond,
		"the resumed session is back to lossy updates")
}

// After Close, the viewer's operations say so.
func TestViewerOperationsAfterClose(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	s := connect(t, syn, input.NewRecorder(), nil, nil)
	waitStill(t, s.viewer)
	require.NoError(t, s.viewer.Close())
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.ErrorIs(t, s.viewer.Send(input.Event{Kind: input.MouseMove, X: 1, Y: 1}), ErrClosed)
	require.ErrorIs(t, s.viewer.Sync(ctx), ErrClosed)
	require.ErrorIs(t, s.viewer.RequestKeyFrame(), ErrClosed)
	require.ErrorIs(t, s.viewer.SetPrefs(10, false), ErrClosed)
	require.ErrorIs(t, s.viewer.SelectMonitor(AllMonitors), ErrClosed)
	require.ErrorIs(t, s.viewer.SendCtrlAltDel(), ErrClosed)
	require.ErrorIs(t, s.viewer.WaitStill(ctx, time.Millisecond), ErrClosed)
	require.NotNil(t, s.viewer.Snapshot(), "the last picture stays")
}

// A state hook may close the viewer when its connection drops or comes
// back: Close does not wait for the reconnecting goroutine that is calling
// the hook.
func TestCloseFromStateHook(t *testing.T) {
	for _, at := range []ConnState{StateReconnecting, StateConnected} {
		t.Run(at.String(), func(t *testing.T) {
			var viewer atomic.Pointer[Viewer]
			closed := make(chan error, 1)
			hook := func(st ConnState, _ error) {
				if v := viewer.Load(); v != nil && st == at {
					closed <- v.Close()
				}
			}
			s := resumable(t, nil, WithStateHook(hook))
			viewer.Store(s.viewer)
			require.NoError(t, adopted(s.viewer).pc.Close()) // the network drops
			select {
			case err := <-closed:
				require.NoError(t, err)
			case <-time.After(testTimeout):
				t.Fatal("Close from the state hook hangs")
			}
			require.Equal(t, StateClosed, s.viewer.State())
			require.ErrorIs(t, s.viewer.RequestKeyFrame(), ErrClosed)
		})
	}
}
