//go:build linux

package rdp

import (
	"context"
	"image"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/capture/x11"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countedX11 is an X11 source that counts what the host asks of it. It
// offers the pointer only when withCursor, so the loop's wake-ups can be
// told from the pointer's reads.
type countedX11 struct {
	src     *x11.Source
	nexts   atomic.Int32
	changes atomic.Int32
}

func (c *countedX11) Next(ctx context.Context) (*capture.Frame, error) {
	c.nexts.Add(1)
	return c.src.Next(ctx)
}

func (c *countedX11) Changed(ctx context.Context) (bool, error) {
	c.changes.Add(1)
	return c.src.Changed(ctx)
}

func (c *countedX11) ChangeReady() <-chan struct{} { return c.src.ChangeReady() }
func (c *countedX11) Monitors() []capture.Monitor  { return c.src.Monitors() }
func (c *countedX11) Close() error                 { return c.src.Close() }

type countedX11Cursor struct{ *countedX11 }

func (c countedX11Cursor) Cursor(ctx context.Context) (capture.Cursor, error) {
	return c.src.Cursor(ctx)
}

// fillRoot draws a rectangle on the root window from another X client, as
// an application would.
func fillRoot(t *testing.T, display string, r image.Rectangle, rgb uint32) {
	t.Helper()
	c, err := xgb.NewConnDisplay(display)
	require.NoError(t, err)
	defer c.Close()
	root := xproto.Setup(c).DefaultScreen(c).Root
	gc, err := xproto.NewGcontextId(c)
	require.NoError(t, err)
	require.NoError(t, xproto.CreateGCChecked(c, gc, xproto.Drawable(root), xproto.GcForeground, []uint32{rgb}).Check())
	require.NoError(t, xproto.PolyFillRectangleChecked(c, xproto.Drawable(root), gc,
		[]xproto.Rectangle{{X: int16(r.Min.X), Y: int16(r.Min.Y), Width: uint16(r.Dx()), Height: uint16(r.Dy())}}).Check())
}

// TestIdleX11HostSleeps: over a still X11 screen the host neither captures
// nor even asks the source, yet a drawing reaches the viewer.
func TestIdleX11HostSleeps(t *testing.T) {
	for _, withCursor := range []bool{false, true} {
		name := map[bool]string{false: "no pointer", true: "pointer"}[withCursor]
		t.Run(name, func(t *testing.T) {
			srv := xvfb.ForTest(t, 320, 240)
			xs, err := x11.Open(srv.Display, x11.WithRecheck(0))
			require.NoError(t, err)
			t.Cleanup(func() { _ = xs.Close() })
			counted := &countedX11{src: xs}
			var src capture.Source = counted
			if withCursor {
				src = countedX11Cursor{counted}
			}
			s := connect(t, src, nil, nil, nil)
			waitStill(t, s.viewer)
			if withCursor {
				time.Sleep(cursorIdleAfter) // past the pointer's every-tick reads
			}

			nexts, changes := counted.nexts.Load(), counted.changes.Load()
			start := time.Now()
			time.Sleep(time.Second) // 30 capture ticks at 30 fps
			elapsed := time.Since(start)
			assert.Equal(t, nexts, counted.nexts.Load(), "a still screen was captured")
			asked := counted.changes.Load() - changes
			t.Logf("Changed called %d times in %v", asked, elapsed)
			if withCursor {
				// The pointer's reads wake the loop, at most every tick
				// for a second after it moved, then ten times a second:
				// a slow machine only lowers the rate.
				assert.Less(t, float64(asked)/elapsed.Seconds(), 25.0, "Changed called %d times in %v", asked, elapsed)
			} else {
				// Nothing to wake for but the acknowledgement of the last
				// update, if it was still on its way.
				assert.LessOrEqual(t, asked, int32(2), "the loop woke with nothing to do")
			}

			r := image.Rect(100, 80, 140, 120)
			fillRoot(t, srv.Display, r, 0xff8000)
			require.Eventually(t, func() bool {
				img := s.viewer.Snapshot()
				if img == nil {
					return false
				}
				i := img.PixOffset(r.Min.X+5, r.Min.Y+5)
				return img.Pix[i] == 0xff && img.Pix[i+1] == 0x80 && img.Pix[i+2] == 0
			}, testTimeout, 10*time.Millisecond, "the drawing reaches the viewer")
			assert.Greater(t, counted.nexts.Load(), nexts)
		})
	}
}

// TestCursorPollerDue: a sleeping loop reads the pointer at its tier's
// time, never sooner than a tick after the last read (a loop that woke for
// a pointer already due would spin), and not at all without a pointer.
func TestCursorPollerDue(t *testing.T) {
	var p cursorPoller
	_, ok := p.due(time.Second / 30)
	require.False(t, ok, "no pointer to read")

	src := &countingCursor{}
	h := &Host{ctx: context.Background()}
	p = cursorPoller{src: src}
	tick := time.Second / 30
	p.poll(h, nil) // moving: read every tick
	at, ok := p.due(tick)
	require.True(t, ok)
	assert.Equal(t, p.read.Add(tick), at)

	p.moved = time.Now().Add(-time.Minute)
	p.poll(h, nil)
	at, _ = p.due(tick)
	assert.Equal(t, p.next, at, "resting: its tier")
	assert.True(t, at.After(p.read.Add(tick)))
}
