package rdp

import (
	"context"
	"errors"
	"image"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/signaling"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const testTimeout = 60 * time.Second

type served struct {
	host   *Host
	viewer *Viewer
	result chan error // ServeViewer's return
}

// connect starts a host on src/inj and connects one viewer to it through
// an in-process signaling pipe, over real pion peers on loopback.
func connect(t *testing.T, src capture.Source, inj input.Injector, hostOpts, viewerOpts []Option) *served {
	t.Helper()
	host, err := NewHost(src, inj, append([]Option{WithLoopbackOnly(true)}, hostOpts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, host.Close()) })
	s := &served{host: host, result: make(chan error, 8)}
	s.viewer = s.join(t, viewerOpts...)
	return s
}

// join connects one more viewer to s.host; ServeViewer's result goes to s.result.
func (s *served) join(t *testing.T, viewerOpts ...Option) *Viewer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	hl, vl := signaling.Pipe()
	go func() {
		s.result <- s.host.ServeViewer(ctx, hl, signaling.Peer{ID: "p1", Name: "test viewer", Addr: "127.0.0.1:1"})
		_ = hl.Close()
	}()
	v, err := Connect(ctx, vl, append([]Option{WithLoopbackOnly(true)}, viewerOpts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	return v
}

func waitStill(t *testing.T, v *Viewer) *image.RGBA {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.NoError(t, v.WaitStill(ctx, 300*time.Millisecond))
	img := v.Snapshot()
	require.NotNil(t, img)
	return img
}

func requireSameRGB(t *testing.T, want, got *image.RGBA) {
	t.Helper()
	require.Equal(t, want.Rect, got.Rect, "size")
	for y := want.Rect.Min.Y; y < want.Rect.Max.Y; y++ {
		for x := want.Rect.Min.X; x < want.Rect.Max.X; x++ {
			i, j := want.PixOffset(x, y), got.PixOffset(x, y)
			if want.Pix[i] != got.Pix[j] || want.Pix[i+1] != got.Pix[j+1] || want.Pix[i+2] != got.Pix[j+2] {
				t.Fatalf("pixel (%d,%d): want %v, got %v", x, y, want.Pix[i:i+3], got.Pix[j:j+3])
			}
		}
	}
}

// frozen is a Source that plays another source for n frames, then repeats
// the last one: the final picture is known.
type frozen struct {
	capture.Source
	mu    sync.Mutex
	n     int
	calls int
	last  *capture.Frame
	img   *image.RGBA
}

func (f *frozen) Next(ctx context.Context) (*capture.Frame, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.n > 0 || f.last == nil {
		fr, err := f.Source.Next(ctx)
		if err != nil {
			return nil, err
		}
		f.last = fr
		f.img = fr.RGBA()
	}
	f.n--
	return f.last, nil
}

// settled reports whether the host has captured the final picture a few
// times, so every update for it has been sent (on a loaded machine a
// still-screen wait alone may end between two late updates).
func (f *frozen) settled() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n < -3
}

func (f *frozen) final() *image.RGBA {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.img
}

// noise is a Source of incompressible pictures: a key frame is several
// megabytes, cut into many data-channel messages.
type noise struct {
	w, h  int
	still bool
	mu    sync.Mutex
	rng   *rand.Rand
	frame *capture.Frame
	seq   uint64
}

func newNoise(w, h int, still bool) *noise {
	return &noise{w: w, h: h, still: still, rng: rand.New(rand.NewPCG(1, 2))}
}

func (n *noise) Next(context.Context) (*capture.Frame, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.frame == nil || !n.still {
		f := &capture.Frame{Width: n.w, Height: n.h, Stride: n.w * 4, Format: capture.RGBA, Pix: make([]byte, n.w*n.h*4)}
		for i := range f.Pix {
			f.Pix[i] = byte(n.rng.Uint32())
		}
		n.frame = f
	}
	n.seq++
	n.frame.Seq = n.seq
	return n.frame, nil
}
func (n *noise) Monitors() []capture.Monitor {
	return []capture.Monitor{{Bounds: image.Rect(0, 0, n.w, n.h), Primary: true}}
}
func (n *noise) Close() error { return nil }

func TestScreenArrivesExactly(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(1280, 720))
	require.NoError(t, err)
	src := &frozen{Source: syn, n: 20}
	s := connect(t, src, nil, nil, nil)
	require.Eventually(t, src.settled, testTimeout, 10*time.Millisecond)
	got := waitStill(t, s.viewer)
	requireSameRGB(t, src.final(), got)
	st := s.viewer.Stats()
	require.GreaterOrEqual(t, st.Updates, 1)
	require.Equal(t, 1280, st.Width)
}

// A key frame far above one data-channel message arrives whole.
func TestLargeFrameIsFragmented(t *testing.T) {
	src := newNoise(1920, 1080, true)
	s := connect(t, src, nil, nil, nil)
	got := waitStill(t, s.viewer)
	f, _ := src.Next(context.Background())
	requireSameRGB(t, f.RGBA(), got)
	require.Greater(t, s.viewer.Stats().Bytes, int64(4*MaxMessageSize))
}

func TestFrameLargerThanLimit(t *testing.T) {
	src := newNoise(1920, 1080, true)
	s := connect(t, src, nil, nil, []Option{WithMaxFrameBytes(64 << 10)})
	select {
	case <-s.viewer.Done():
	case <-time.After(testTimeout):
		t.Fatal("viewer did not stop on an oversized frame")
	}
	require.ErrorIs(t, s.viewer.Err(), ErrFrameTooLarge)
	require.Nil(t, s.viewer.Snapshot())
}

func TestInputReachesInjector(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	rec := input.NewRecorder()
	s := connect(t, syn, rec, nil, nil)
	enter, ok := input.KeyFromCode("Enter")
	require.True(t, ok)
	sent := []input.Event{
		{Kind: input.MouseMove, X: 10, Y: 20},
		{Kind: input.MouseButton, Button: input.ButtonLeft, Down: true},
		{Kind: input.MouseButton, Button: input.ButtonLeft},
		{Kind: input.MouseWheel, DY: 3},
		{Kind: input.TextEvent, Text: "héllo > x"},
		{Kind: input.KeyEvent, Key: enter, Down: true},
		{Kind: input.KeyEvent, Key: enter},
	}
	require.NoError(t, s.viewer.Send(sent[:3]...))
	require.NoError(t, s.viewer.Send(sent[3:]...))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.NoError(t, s.viewer.Sync(ctx))
	require.Equal(t, sent, rec.Events())
}

// lazyInjector performs events only when synced, as an injector that
// returns before the system has performed them would look from outside.
type lazyInjector struct {
	mu      sync.Mutex
	pending []input.Event
	done    *input.Recorder
}

func (l *lazyInjector) Inject(_ context.Context, e input.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = append(l.pending, e)
	return nil
}

func (l *lazyInjector) Sync(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.pending {
		if err := l.done.Inject(ctx, e); err != nil {
			return err
		}
	}
	l.pending = nil
	return nil
}

func (l *lazyInjector) Close() error { return l.done.Close() }

func TestSyncWaitsForTheInjector(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	inj := &lazyInjector{done: input.NewRecorder()}
	s := connect(t, syn, inj, nil, nil)
	sent := []input.Event{{Kind: input.MouseMove, X: 10, Y: 20}, {Kind: input.MouseMove, X: 11, Y: 21}}
	require.NoError(t, s.viewer.Send(sent...))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.NoError(t, s.viewer.Sync(ctx))
	require.Equal(t, sent, inj.done.Events(), "Viewer.Sync returned before the injector performed the events")
}

func TestViewOnlyRefusesInput(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	rec := input.NewRecorder()
	var refused atomic.Int32
	events := func(e Event) {
		if e.Kind == EventInputRefused {
			refused.Add(1)
		}
	}
	s := connect(t, syn, rec, []Option{WithViewOnly(true), WithEvents(events)}, nil)
	require.True(t, s.viewer.ViewOnly())
	move := input.Event{Kind: input.MouseMove, X: 1, Y: 1}
	require.ErrorIs(t, s.viewer.Send(move), ErrViewOnly)

	// A viewer that ignores the rule is refused by the host too.
	require.NoError(t, s.viewer.sendInput([]input.Event{move}))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.NoError(t, s.viewer.Sync(ctx))
	require.Empty(t, rec.Events())
	require.Equal(t, int32(1), refused.Load())
	require.Eventually(t, func() bool { return s.viewer.Stats().InputRefused == 1 }, testTimeout, 10*time.Millisecond)
}

func TestAcceptHookRefuses(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200))
	require.NoError(t, err)
	var seen atomic.Value
	host, err := NewHost(syn, nil, WithLoopbackOnly(true), WithAccept(func(_ context.Context, p signaling.Peer) (Grant, error) {
		seen.Store(p.Name)
		return Grant{}, errors.New("declined by the user")
	}))
	require.NoError(t, err)
	defer host.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	hl, vl := signaling.Pipe()
	res := make(chan error, 1)
	go func() { res <- host.ServeViewer(ctx, hl, signaling.Peer{ID: "p9", Name: "tech"}) }()
	v, err := Connect(ctx, vl, WithLoopbackOnly(true))
	require.Nil(t, v)
	require.ErrorIs(t, err, ErrRefused)
	require.ErrorContains(t, err, "declined by the user")
	require.ErrorIs(t, <-res, ErrRefused)
	require.Equal(t, "tech", seen.Load())
}

// A viewer that stops waiting for the accept hook (a consent prompt nobody
// answered) ends the hook's context at once, so that the prompt goes away;
// the host reports the viewer gone, whatever the hook then says.
func TestAcceptHookSeesViewerLeave(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200))
	require.NoError(t, err)
	asked := make(chan struct{})
	answered := make(chan error, 1)
	var events []EventKind
	var mu sync.Mutex
	host, err := NewHost(syn, nil, WithLoopbackOnly(true), WithConnectTimeout(10*time.Minute),
		WithAccept(func(ctx context.Context, _ signaling.Peer) (Grant, error) {
			close(asked)
			<-ctx.Done() // the prompt is still up
			answered <- ctx.Err()
			return Grant{}, nil // and then the user clicks "allow"
		}),
		WithEvents(func(e Event) {
			mu.Lock()
			events = append(events, e.Kind)
			mu.Unlock()
		}))
	require.NoError(t, err)
	defer host.Close()
	hl, vl := signaling.Pipe()
	res := make(chan error, 1)
	go func() { res <- host.ServeViewer(context.Background(), hl, signaling.Peer{ID: "p9", Name: "tech"}) }()
	vctx, vcancel := context.WithCancel(context.Background())
	connected := make(chan error, 1)
	go func() {
		v, err := Connect(vctx, vl, WithLoopbackOnly(true))
		if v != nil {
			_ = v.Close()
		}
		connected <- err
	}()
	<-asked
	vcancel() // the technician gives up
	require.ErrorIs(t, <-connected, context.Canceled)
	select {
	case err := <-answered:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(testTimeout):
		t.Fatal("the accept hook's context did not end when the viewer left")
	}
	select {
	case err := <-res:
		require.ErrorIs(t, err, ErrConnectionLost)
		require.ErrorContains(t, err, "left while waiting to be accepted")
	case <-time.After(testTimeout):
		t.Fatal("ServeViewer did not return")
	}
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []EventKind{EventViewerJoined, EventViewerLeft}, events)
}

func TestAcceptHookGrantsViewOnly(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200))
	require.NoError(t, err)
	accept := func(context.Context, signaling.Peer) (Grant, error) { return Grant{ViewOnly: true}, nil }
	s := connect(t, syn, input.NewRecorder(), []Option{WithAccept(accept)}, nil)
	require.True(t, s.viewer.ViewOnly())
	require.Len(t, s.host.Viewers(), 1)
	require.True(t, s.host.Viewers()[0].ViewOnly)
}

// A corrupt screen message is refused, a key frame is asked for, and the
// picture comes back exact.
func TestCorruptScreenMessageRecovers(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(640, 360), capture.WithStill(true))
	require.NoError(t, err)
	s := connect(t, syn, nil, nil, nil)
	want := syn.Frame(0).RGBA()
	requireSameRGB(t, want, waitStill(t, s.viewer))

	s.viewer.onScreen(adopted(s.viewer), append(append([]byte{fragFirst | fragFinal}, make([]byte, frameHeaderLen)...), 'D', 'H', 1, 0, 0xff, 0xff, 0xff))
	s.viewer.onScreen(adopted(s.viewer), append([]byte{fragFirst | fragFinal}, make([]byte, frameHeaderLen)...))
	st := s.viewer.Stats()
	require.Equal(t, 2, st.DecodeErrors)
	keyFrames := st.KeyFrames
	require.Eventually(t, func() bool { return s.viewer.Stats().KeyFrames > keyFrames }, testTimeout, 10*time.Millisecond)
	requireSameRGB(t, want, waitStill(t, s.viewer))
	require.NoError(t, s.viewer.Err())
}

// adopted is the connection v uses.
func adopted(v *Viewer) *vconn {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.c
}

func TestGarbageFragmentEndsSession(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	s := connect(t, syn, nil, nil, nil)
	s.viewer.onScreen(adopted(s.viewer), []byte{7, 1, 2, 3})
	<-s.viewer.Done()
	require.ErrorIs(t, s.viewer.Err(), ErrProtocol)
}

// A viewer that vanishes in the middle of a large update (no goodbye) ends
// its session with ErrConnectionLost; the host goes on serving others and
// releases whatever the viewer held down.
func TestViewerVanishesMidFrame(t *testing.T) {
	src := newNoise(1920, 1080, false) // every frame is a new multi-megabyte update
	rec := input.NewRecorder()
	s := connect(t, src, rec, []Option{WithMaxFPS(60)}, nil)
	shift, ok := input.KeyFromCode("ShiftLeft")
	require.True(t, ok)
	require.NoError(t, s.viewer.Send(input.Event{Kind: input.KeyEvent, Key: shift, Down: true}))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.NoError(t, s.viewer.Sync(ctx))
	require.Eventually(t, func() bool { return s.viewer.Stats().Bytes > 0 }, testTimeout, time.Millisecond)

	require.NoError(t, s.viewer.c.pc.Close()) // gone, without a goodbye
	select {
	case err := <-s.result:
		require.ErrorIs(t, err, ErrConnectionLost)
	case <-time.After(testTimeout):
		t.Fatal("host did not notice the viewer had gone")
	}
	evs := rec.Events()
	require.Equal(t, input.Event{Kind: input.KeyEvent, Key: shift}, evs[len(evs)-1], "shift left held down")
	require.Empty(t, s.host.Viewers())

	v2 := s.join(t)
	require.NotNil(t, waitStillOrMoving(t, v2))
}

// waitStillOrMoving waits for the first picture of a screen that never stops.
func waitStillOrMoving(t *testing.T, v *Viewer) *image.RGBA {
	t.Helper()
	deadline := time.After(testTimeout)
	for {
		if img := v.Snapshot(); img != nil {
			return img
		}
		select {
		case <-v.Updated():
		case <-v.Done():
			t.Fatalf("viewer ended: %v", v.Err())
		case <-deadline:
			t.Fatal("no picture")
		}
	}
}

func TestViewerCloseIsCleanForHost(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200))
	require.NoError(t, err)
	var left atomic.Value
	s := connect(t, syn, nil, []Option{WithEvents(func(e Event) {
		if e.Kind == EventViewerLeft {
			left.Store(e)
		}
	})}, nil)
	waitStillOrMoving(t, s.viewer)
	require.NoError(t, s.viewer.Close())
	require.NoError(t, s.viewer.Close(), "second Close")
	select {
	case err := <-s.result:
		require.NoError(t, err)
	case <-time.After(testTimeout):
		t.Fatal("host did not see the goodbye")
	}
	require.Eventually(t, func() bool { return left.Load() != nil }, testTimeout, time.Millisecond)
	require.NoError(t, left.Load().(Event).Err)
	require.NoError(t, s.viewer.Err())
}

func TestHostCloseEndsViewers(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200))
	require.NoError(t, err)
	s := connect(t, syn, nil, nil, nil)
	v2 := s.join(t)
	waitStillOrMoving(t, s.viewer)
	waitStillOrMoving(t, v2)
	require.Len(t, s.host.Viewers(), 2)
	require.NoError(t, s.host.Close())
	for _, v := range []*Viewer{s.viewer, v2} {
		select {
		case <-v.Done():
			require.Error(t, v.Err())
		case <-time.After(testTimeout):
			t.Fatal("viewer did not notice the host closing")
		}
	}
	require.ErrorIs(t, s.host.ServeViewer(context.Background(), nil, signaling.Peer{}), ErrClosed)
}

func TestOptionsValidate(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(32, 32))
	require.NoError(t, err)
	for _, o := range []Option{WithMaxFPS(0), WithMaxFPS(1000), WithMaxBuffered(1), WithMaxFrameBytes(1), WithMaxPixels(0), WithConnectTimeout(0), WithLogger(nil)} {
		_, err := NewHost(syn, nil, o)
		require.Error(t, err)
	}
	_, err = NewHost(nil, nil)
	require.Error(t, err)
}

func TestFragmentsRoundTrip(t *testing.T) {
	hdr := frameHeader{Captured: time.Unix(1700000000, 123456789), Encode: 2500 * time.Microsecond, Superseded: 7}
	for _, n := range []int{0, 1, fragRoom - frameHeaderLen - 1, fragRoom - frameHeaderLen, fragRoom - frameHeaderLen + 1, 3*fragRoom + 17} {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(i * 7)
		}
		a := assembler{limit: 1 << 24}
		var got []byte
		var gotHdr frameHeader
		count := 0
		_, err := fragments(msg, hdr, nil, func(b []byte) error {
			require.LessOrEqual(t, len(b), MaxMessageSize)
			count++
			m, h, done, err := a.add(b)
			require.NoError(t, err)
			if done {
				got, gotHdr = append([]byte{}, m...), h
			}
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, msg, got, "n=%d", n)
		require.True(t, hdr.Captured.Equal(gotHdr.Captured), "n=%d", n)
		require.Equal(t, hdr.Encode, gotHdr.Encode)
		require.Equal(t, hdr.Superseded, gotHdr.Superseded)
		require.Equal(t, max(1, (n+frameHeaderLen+fragRoom-1)/fragRoom), count, "n=%d", n)
	}
}

func TestAssemblerRefusesBrokenSequences(t *testing.T) {
	first := append([]byte{fragFirst}, make([]byte, frameHeaderLen)...)
	for name, frags := range map[string][][]byte{
		"empty":                  {{}},
		"unknown flag":           {{0x80}},
		"continuation first":     {{0, 1, 2}},
		"final without first":    {{fragFinal, 1}},
		"short header":           {{fragFirst | fragFinal, 1, 2, 3}},
		"first inside a message": {first, first},
	} {
		a := assembler{limit: 1 << 20}
		var err error
		for _, f := range frags {
			if _, _, _, err = a.add(f); err != nil {
				break
			}
		}
		require.ErrorIs(t, err, ErrProtocol, name)
	}
	a := assembler{limit: 10}
	_, _, _, err := a.add(append(append([]byte{fragFirst}, make([]byte, frameHeaderLen)...), make([]byte, 11)...))
	require.ErrorIs(t, err, ErrFrameTooLarge)
}

func FuzzAssembler(f *testing.F) {
	hdr := make([]byte, frameHeaderLen)
	f.Add(append(append([]byte{fragFirst | fragFinal}, hdr...), 1, 2), []byte{0, 3})
	f.Add(append([]byte{fragFirst}, hdr...), []byte{fragFinal, 4})
	f.Add([]byte{}, []byte{9})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		asm := assembler{limit: 64}
		for _, frag := range [][]byte{a, b, a} {
			msg, _, done, err := asm.add(frag)
			if err != nil {
				continue
			}
			if done && len(msg) > 64 {
				t.Fatalf("message of %d bytes above the limit", len(msg))
			}
		}
	})
}

func FuzzParseControl(f *testing.F) {
	f.Add([]byte(`{"type":"hello","version":1}`))
	f.Add([]byte(`{"type":""}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseControl(b)
		if err == nil && c.Type == "" {
			t.Fatal("accepted a control message without a type")
		}
	})
}
