package rdp

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/stretchr/testify/require"
)

func TestCursorMessagesRoundTrip(t *testing.T) {
	shape := capture.CursorShape{Width: 300, Height: 4, HotX: 290, HotY: 1, Pix: make([]byte, 300*4*4)}
	for i := range shape.Pix {
		shape.Pix[i] = byte(i)
	}
	shape.ID = shape.Hash()
	_, _, got, err := parseCursor(appendCursorShape(nil, shape))
	require.NoError(t, err)
	require.Equal(t, MaxCursorSide, got.Width, "cropped")
	require.Equal(t, 4, got.Height)
	x0 := 300 - MaxCursorSide
	require.Equal(t, 290-x0, got.HotX, "the hotspot stays on the same pixel")
	require.Equal(t, shape.Pix[(1*300+x0)*4:(1*300+x0)*4+MaxCursorSide*4], got.Pix[MaxCursorSide*4:2*MaxCursorSide*4])
	require.LessOrEqual(t, len(appendCursorShape(nil, capture.CursorShape{ID: 1, Width: 256, Height: 256, Pix: make([]byte, 256*256*4)})), MaxMessageSize)

	pos, id, sh, err := parseCursor(appendCursorPosition(nil, capture.Cursor{X: -5, Y: 70000, Visible: true, Shape: capture.CursorShape{ID: 42}}))
	require.NoError(t, err)
	require.Nil(t, sh)
	require.Equal(t, uint64(42), id)
	require.Equal(t, RemoteCursor{X: -5, Y: 70000, Visible: true}, pos)

	for name, b := range map[string][]byte{
		"empty":      {},
		"kind":       {9},
		"short pos":  {cursorPosition, 1, 2},
		"visibility": append([]byte{cursorPosition}, make([]byte, 8)...)[:0],
		"no pixels":  {cursorShape, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0},
		"zero id":    {cursorShape, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4},
		"hot out":    {cursorShape, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 2, 3, 4},
	} {
		_, _, _, err := parseCursor(b)
		require.ErrorIs(t, err, ErrProtocol, name)
	}
	bad := appendCursorPosition(nil, capture.Cursor{})
	bad[9] = 2
	_, _, _, err = parseCursor(bad)
	require.ErrorIs(t, err, ErrProtocol)
}

func FuzzParseCursor(f *testing.F) {
	f.Add(appendCursorPosition(nil, capture.Cursor{X: 3, Y: 4, Visible: true, Shape: capture.CursorShape{ID: 9}}))
	f.Add(appendCursorShape(nil, capture.CursorShape{ID: 7, Width: 2, Height: 1, HotX: 1, Pix: make([]byte, 8)}))
	f.Add([]byte{cursorShape, 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, s, err := parseCursor(b)
		if err == nil && s != nil && len(s.Pix) != s.Width*s.Height*4 {
			t.Fatalf("shape %dx%d with %d bytes", s.Width, s.Height, len(s.Pix))
		}
	})
}

func TestCursorReachesViewer(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(640, 360))
	require.NoError(t, err)
	want, err := syn.Cursor(context.Background())
	require.NoError(t, err)
	require.True(t, want.Visible)
	var moves atomic.Int32
	s := connect(t, syn, nil, nil, []Option{WithCursorHook(func(RemoteCursor) { moves.Add(1) })})
	require.Eventually(t, func() bool { return moves.Load() >= 3 && s.viewer.Cursor().Shape != nil }, testTimeout, 10*time.Millisecond)
	c := s.viewer.Cursor()
	require.True(t, c.Visible)
	require.Equal(t, want.Shape.ID, c.Shape.ID)
	require.Equal(t, want.Shape.Pix, c.Shape.Pix)
	require.Equal(t, [2]int{want.Shape.HotX, want.Shape.HotY}, [2]int{c.Shape.HotX, c.Shape.HotY})
	first := c
	require.Eventually(t, func() bool {
		c := s.viewer.Cursor()
		return c.X != first.X || c.Y != first.Y
	}, testTimeout, 10*time.Millisecond, "the pointer moves with the synthetic source")
}

// stillSource is a still synthetic screen that says so, and counts captures.
type stillSource struct {
	*capture.Synthetic
	nexts   atomic.Int32
	changed atomic.Bool
}

func (s *stillSource) Next(ctx context.Context) (*capture.Frame, error) {
	s.nexts.Add(1)
	return s.Synthetic.Next(ctx)
}

func (s *stillSource) Changed(context.Context) (bool, error) { return s.changed.Load(), nil }

func TestIdleScreenIsNotCaptured(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	src := &stillSource{Synthetic: syn}
	s := connect(t, src, nil, nil, nil)
	waitStill(t, s.viewer)
	n := src.nexts.Load()
	time.Sleep(500 * time.Millisecond) // 15 capture ticks at 30 fps
	require.Equal(t, n, src.nexts.Load(), "no capture while the source says nothing changed")

	// A key frame request captures anyway; a change is captured again.
	require.NoError(t, s.viewer.RequestKeyFrame())
	require.Eventually(t, func() bool { return src.nexts.Load() > n }, testTimeout, 10*time.Millisecond)
	src.changed.Store(true)
	n = src.nexts.Load()
	require.Eventually(t, func() bool { return src.nexts.Load() > n+3 }, testTimeout, 10*time.Millisecond)
}

// countingCursor is a pointer that never moves, counting its reads.
type countingCursor struct{ reads int }

func (c *countingCursor) Cursor(context.Context) (capture.Cursor, error) {
	c.reads++
	return capture.Cursor{X: 10, Y: 20, Visible: true}, nil
}

// TestCursorPollRests: a still pointer is read less and less often, and a
// viewer's pointer input brings the reads back at once.
func TestCursorPollRests(t *testing.T) {
	src := &countingCursor{}
	h := &Host{ctx: context.Background()}
	p := cursorPoller{src: src}
	p.poll(h, nil)
	require.Equal(t, 1, src.reads)
	p.poll(h, nil) // moving (just started): every tick reads
	require.Equal(t, 2, src.reads)

	p.moved = time.Now().Add(-2 * time.Second)
	p.poll(h, nil)
	require.Equal(t, 3, src.reads)
	require.InDelta(t, float64(cursorIdleEvery), float64(time.Until(p.next)), float64(cursorIdleEvery/2), "still for a while: a few reads a second")
	p.poll(h, nil)
	require.Equal(t, 3, src.reads, "not before the next read is due")

	p.next = time.Time{}
	p.moved = time.Now().Add(-time.Minute)
	p.poll(h, nil)
	require.Equal(t, 4, src.reads)
	require.InDelta(t, float64(cursorRestEvery), float64(time.Until(p.next)), float64(cursorRestEvery/2), "still for long: resting")

	h.pointerMoved.Store(true) // a viewer moved it
	p.poll(h, nil)
	require.Equal(t, 5, src.reads, "a viewer's move is read at once")
	p.poll(h, nil)
	require.Equal(t, 6, src.reads, "and at every tick while it may move")
}
