package rdp

import (
	"bytes"
	"context"
	"image"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/signaling"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReleaseAllLiftsWhatTheViewerHolds(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	rec := input.NewRecorder()
	s := connect(t, syn, rec, nil, nil)
	a, _ := input.KeyFromCode("KeyA")
	require.NoError(t, s.viewer.Send(
		input.Event{Kind: input.KeyEvent, Key: input.ShiftLeft, Down: true},
		input.Event{Kind: input.KeyEvent, Key: a, Down: true},
		input.Event{Kind: input.KeyEvent, Key: a},
		input.Event{Kind: input.MouseButton, Button: input.ButtonRight, Down: true},
	))
	// The window lost focus: the releases it will never see are sent now.
	require.NoError(t, s.viewer.ReleaseAll())
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.NoError(t, s.viewer.Sync(ctx))
	got := rec.Events()
	require.Len(t, got, 6)
	require.Equal(t, []input.Event{
		{Kind: input.MouseButton, Button: input.ButtonRight},
		{Kind: input.KeyEvent, Key: input.ShiftLeft},
	}, got[4:], "newest press released first")
	require.NoError(t, s.viewer.ReleaseAll(), "nothing left to release")
	require.NoError(t, s.viewer.Sync(ctx))
	require.Len(t, rec.Events(), 6)
}

func TestCtrlAltDel(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	rec := input.NewRecorder()
	var asked atomic.Int32
	events := func(e Event) {
		if e.Kind == EventSecureAttention {
			asked.Add(1)
		}
	}
	s := connect(t, syn, rec, []Option{WithEvents(events)}, nil)
	require.NoError(t, s.viewer.SendCtrlAltDel())
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	got, err := rec.Wait(ctx, 6)
	require.NoError(t, err)
	require.Equal(t, input.CtrlAltDel(), got)
	require.Equal(t, int32(1), asked.Load())
}

func TestCtrlAltDelRefusedWhenViewOnly(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	rec := input.NewRecorder()
	s := connect(t, syn, rec, []Option{WithViewOnly(true)}, nil)
	require.ErrorIs(t, s.viewer.SendCtrlAltDel(), ErrViewOnly)
	// A viewer that asks anyway is refused by the host, and told.
	s.viewer.mu.Lock()
	c := s.viewer.control
	s.viewer.mu.Unlock()
	require.NoError(t, c.Send(control{Type: ctlSecureAttention}.marshal()))
	require.Eventually(t, func() bool { return s.viewer.Stats().InputRefused == 1 }, testTimeout, 10*time.Millisecond)
	require.Empty(t, rec.Events())
}

func TestStatsAndFrameHook(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(640, 360))
	require.NoError(t, err)
	frames := make(chan FrameInfo, 256)
	hook := func(f FrameInfo) {
		f.Rects = slices.Clone(f.Rects) // valid only during the hook
		select {
		case frames <- f:
		default:
		}
	}
	s := connect(t, syn, nil, []Option{WithMaxFPS(20)}, []Option{WithFrameHook(hook)})
	first := <-frames
	require.True(t, first.Key)
	require.Positive(t, first.Bytes)
	// One machine, one clock: the host's own reading comes before the
	// application, to the nanosecond. Captured, converted through the ping's
	// clock offset, is only as close as half a round trip.
	require.False(t, first.Applied.Before(first.HostCaptured), "applied after captured")
	require.Less(t, first.Applied.Sub(first.HostCaptured), testTimeout)
	require.Less(t, first.Captured.Sub(first.HostCaptured).Abs(), time.Second)
	var all image.Rectangle
	for _, r := range first.Rects {
		all = all.Union(r)
	}
	require.Equal(t, image.Rect(0, 0, 640, 360), all, "a key frame repaints everything")
	next := <-frames
	require.False(t, next.Key)
	require.False(t, next.Applied.Before(next.HostCaptured), "applied after captured")
	require.Greater(t, next.Seq, first.Seq)
	require.NotEmpty(t, next.Rects, "an update says what it repainted")
	for _, r := range next.Rects {
		require.True(t, r.In(image.Rect(0, 0, 640, 360)), "%v outside the picture", r)
	}

	// After a second of pings and updates, both sides have numbers.
	require.Eventually(t, func() bool {
		st := s.viewer.Stats()
		return st.RTT > 0 && st.FPS > 0 && st.Bitrate > 0 && st.Updates > 30
	}, testTimeout, 50*time.Millisecond)
	require.Eventually(t, func() bool {
		vs := s.host.Viewers()
		return len(vs) == 1 && vs[0].Link.RTT > 0 && vs[0].Link.FPS > 0 && vs[0].Link.Bandwidth > 0
	}, testTimeout, 50*time.Millisecond)
	// Sends are at least 50 ms apart: at most 21 in a measured second (the
	// viewer's count can bunch up with the network's jitter).
	require.LessOrEqual(t, s.host.Viewers()[0].Link.FPS, 21.01, "the host's cap")
}

func TestViewerFPSCap(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200))
	require.NoError(t, err)
	s := connect(t, syn, nil, nil, []Option{WithMaxFPS(5)})
	var fps float64
	require.Eventually(t, func() bool {
		fps = s.viewer.Stats().FPS
		return fps > 0 && s.viewer.Stats().Updates > 8
	}, testTimeout, 50*time.Millisecond)
	var host float64
	require.Eventually(t, func() bool {
		vs := s.host.Viewers()
		host = vs[0].Link.FPS
		return len(vs) == 1 && host > 0
	}, testTimeout, 50*time.Millisecond)
	require.LessOrEqual(t, host, 6.01, "the viewer asked for 5 fps")
	require.Less(t, fps, 10.0, "the viewer asked for 5 fps")
}

// A viewer that stops reading does not hold up another, and the host does
// not pile up data for it: its frames are superseded.
func TestSlowViewerDoesNotDelayFastOne(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(1280, 720))
	require.NoError(t, err)
	var logged lockedBuffer
	s := connect(t, syn, nil, []Option{WithLogger(slog.New(slog.NewTextHandler(&logged, nil))), withHeldWarning(300 * time.Millisecond)}, nil)
	slow := s.viewer
	fast := s.join(t)
	waitUpdates := func(v *Viewer, n int) {
		t.Helper()
		base := v.Stats().Updates
		require.Eventually(t, func() bool { return v.Stats().Updates >= base+n }, testTimeout, 10*time.Millisecond)
	}
	waitUpdates(slow, 3)
	waitUpdates(fast, 3)

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	// The slow viewer stops reading: its receiving goroutine blocks, so
	// its link fills up.
	slowBase := slow.Stats().Updates
	release := make(chan struct{})
	stalled := make(chan struct{})
	go slow.View(func(*image.RGBA) { close(stalled); <-release })
	<-stalled

	waitUpdates(fast, 60) // two seconds at 30 fps, whatever the slow one does
	var slowLink LinkStats
	for _, vi := range s.host.Viewers() {
		if vi.Link.Superseded > slowLink.Superseded {
			slowLink = vi.Link
		}
	}
	require.Positive(t, slowLink.Superseded, "the slow viewer's frames were superseded")
	require.LessOrEqual(t, slowLink.InFlight, 16<<20, "bounded data in flight")

	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	require.Less(t, int64(after.HeapInuse)-int64(before.HeapInuse), int64(64<<20), "host and viewers did not pile up frames")
	// The host says which link stopped draining, once, and when it drains
	// again.
	require.Eventually(t, func() bool { return strings.Contains(logged.String(), "its link has not drained") }, testTimeout, 10*time.Millisecond)
	assert.Equal(t, 1, strings.Count(logged.String(), "its link has not drained"), logged.String())

	close(release)
	waitUpdates(slow, 3)
	require.Eventually(t, func() bool { return strings.Contains(logged.String(), "screen updates to the viewer resumed") }, testTimeout, 10*time.Millisecond)
	require.Greater(t, slow.Stats().Updates, slowBase)
	require.NoError(t, slow.Err())
	require.NoError(t, fast.Err())
}

func TestHostDisconnectsOneViewer(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	s := connect(t, syn, nil, nil, nil)
	other := s.join(t)
	waitStill(t, s.viewer)
	require.Len(t, s.host.Viewers(), 2)
	require.False(t, s.host.Disconnect("nobody", ""))
	require.True(t, s.host.Disconnect("p1", "the technician ended the session"))
	for _, v := range []*Viewer{s.viewer, other} { // both joined as "p1" in these tests
		select {
		case <-v.Done():
		case <-time.After(testTimeout):
			t.Fatal("the viewer was not disconnected")
		}
		require.ErrorIs(t, v.Err(), ErrHostClosed)
		require.Contains(t, v.Err().Error(), "the technician ended the session")
	}
}

// A viewer counts the screen messages that arrive before Connect has
// adopted the connection: the host's key frame comes right after its hello.
// Uncounted, each acknowledgement would lag one message behind, the last
// message of every burst would stay in flight, and a last message larger
// than the window would stop the screen for good.
func TestMessagesBeforeAdoptionAreAcknowledged(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 180), capture.WithStill(true))
	require.NoError(t, err)
	applied := make(chan struct{})
	var once sync.Once
	hook := func(FrameInfo) { once.Do(func() { close(applied) }) }
	// Connect adopts its connection only once the key frame is applied.
	wait := func() {
		select {
		case <-applied:
		case <-time.After(testTimeout):
		}
	}
	s := connect(t, syn, nil, nil, []Option{WithFrameHook(hook), withAdoptHook(wait)})
	select {
	case <-applied:
	default:
		t.Fatal("Connect returned before the key frame")
	}
	waitStill(t, s.viewer)
	// Until well before the session's context ends (testTimeout), which
	// would empty the host's flow too.
	var sessions, inFlight int
	for deadline := time.Now().Add(testTimeout / 3); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if sessions, inFlight = hostInFlight(s.host); sessions == 1 && inFlight == 0 {
			break
		}
	}
	require.Equal(t, 1, sessions, "sessions")
	require.Zero(t, inFlight, "screen messages the viewer has not acknowledged")
}

// hostInFlight returns the host's sessions and how many screen messages
// they have sent and not seen acknowledged.
func hostInFlight(h *Host) (sessions, messages int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.sessions {
		m, _, _ := s.flow.inFlight()
		messages += m
	}
	return len(h.sessions), messages
}

// withAdoptHook has a viewer call f before it adopts a new connection.
func withAdoptHook(f func()) Option {
	return func(o *options) error { o.adoptHook = f; return nil }
}

// withHeldWarning sets how long a viewer's link must stay full before the
// host logs it.
func withHeldWarning(d time.Duration) Option {
	return func(o *options) error { o.heldWarn = d; return nil }
}

// lockedBuffer is a bytes.Buffer that several goroutines may write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The viewer's hooks may call its methods: a frame hook that reads Stats
// or repaints through View, a state hook that reads Stats when the session
// ends on a corrupt update. (They used to run under the viewer's lock, and
// such a hook hung the viewer, and then Close, for good.)
func TestHooksMayCallTheViewer(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200))
	require.NoError(t, err)
	var viewer atomic.Pointer[Viewer]
	framed := make(chan struct{}, 1)
	frameHook := func(f FrameInfo) {
		v := viewer.Load()
		if v == nil {
			return // before Connect returned
		}
		st := v.Stats()
		v.View(func(img *image.RGBA) {
			if img != nil && st.Updates > 0 {
				select {
				case framed <- struct{}{}:
				default:
				}
			}
		})
	}
	ended := make(chan ViewerStats, 1)
	stateHook := func(s ConnState, err error) {
		if v := viewer.Load(); v != nil && s == StateClosed {
			ended <- v.Stats()
		}
	}
	s := connect(t, syn, nil, []Option{WithMaxFPS(20)}, []Option{WithFrameHook(frameHook), WithStateHook(stateHook)})
	viewer.Store(s.viewer)
	select {
	case <-framed:
	case <-time.After(testTimeout):
		t.Fatal("no update reached the frame hook, or the hook is stuck")
	}

	// A corrupt update ends the session from the receiving goroutine.
	go s.viewer.onScreen(adopted(s.viewer), []byte{7, 1, 2, 3})
	select {
	case st := <-ended:
		require.Positive(t, st.Updates)
	case <-time.After(testTimeout):
		t.Fatal("the state hook did not return")
	}
	require.ErrorIs(t, s.viewer.Err(), ErrProtocol)
}

// A host that ends the session right after its hello (an event hook's
// policy, a host closing) gets its reason to the viewer, even when the
// goodbye arrives before Connect has adopted the connection.
func TestGoodbyeBeforeAdoptionKeepsReason(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200))
	require.NoError(t, err)
	var host *Host
	kicked := make(chan struct{})
	host, err = NewHost(syn, nil, WithLoopbackOnly(true), WithEvents(func(e Event) {
		if e.Kind == EventViewerConnected {
			require.Len(t, host.Viewers(), 1, "the hook may call the host")
			require.True(t, host.Disconnect(e.Peer.ID, "one technician at a time"))
			close(kicked)
		}
	}))
	require.NoError(t, err)
	defer host.Close()
	hl, vl := signaling.Pipe()
	res := make(chan error, 1)
	go func() { res <- host.ServeViewer(context.Background(), hl, signaling.Peer{ID: "p1"}) }()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	v, err := Connect(ctx, vl, WithLoopbackOnly(true), withAdoptHook(func() {
		<-kicked
		time.Sleep(200 * time.Millisecond) // the goodbye arrives meanwhile
	}))
	require.NoError(t, err, "the session was up: the host said hello")
	defer v.Close()
	select {
	case <-v.Done():
	case <-ctx.Done():
		t.Fatal("the session did not end")
	}
	require.ErrorIs(t, v.Err(), ErrHostClosed)
	require.ErrorContains(t, v.Err(), "one technician at a time")
	require.ErrorIs(t, <-res, errHostKick)
}
