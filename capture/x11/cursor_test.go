//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/capture/internal/xdraw"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/render"
	"github.com/jezek/xgb/xproto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitFor polls cond until it holds, failing the test after a generous
// deadline (never a timing assertion: only a bound on a hang).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func cursorNow(t testing.TB, s capture.CursorSource) capture.Cursor {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := s.Cursor(ctx)
	require.NoError(t, err)
	return c
}

func changedNow(t testing.TB, s capture.ChangeWatcher) bool {
	t.Helper()
	ch, err := s.Changed(context.Background())
	require.NoError(t, err)
	return ch
}

func xdotool(t testing.TB, srv *xvfb.Server, args ...string) {
	t.Helper()
	cmd := exec.Command("xdotool", args...)
	cmd.Env = srv.Env()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "xdotool %v: %s", args, out)
}

func moveTo(t testing.TB, srv *xvfb.Server, x, y int) {
	t.Helper()
	xdotool(t, srv, "mousemove", strconv.Itoa(x), strconv.Itoa(y))
}

// requireSaneShape checks the invariants every reported shape keeps.
func requireSaneShape(t testing.TB, sh capture.CursorShape) {
	t.Helper()
	require.NotZero(t, sh.ID)
	require.True(t, sh.Width >= 1 && sh.Width <= capture.MaxCursorSize, "width %d", sh.Width)
	require.True(t, sh.Height >= 1 && sh.Height <= capture.MaxCursorSize, "height %d", sh.Height)
	require.True(t, sh.HotX >= 0 && sh.HotX < sh.Width && sh.HotY >= 0 && sh.HotY < sh.Height,
		"hotspot (%d,%d) outside %dx%d", sh.HotX, sh.HotY, sh.Width, sh.Height)
	require.Len(t, sh.Pix, 4*sh.Width*sh.Height)
	require.Equal(t, sh.Hash(), sh.ID, "the ID is the shape's hash")
}

func TestCursorFollowsPointer(t *testing.T) {
	srv := xvfb.ForTest(t, 640, 480)
	s := open(t, srv.Display)
	require.NotNil(t, s.cur, "Xvfb has XFIXES")

	c := cursorNow(t, s)
	require.True(t, c.Visible)
	requireSaneShape(t, c.Shape)
	first := c.Shape
	firstPix := bytes.Clone(first.Pix)
	assert.True(t, slicesHaveOpaque(firstPix), "the default pointer has opaque pixels")

	for _, p := range []image.Point{{100, 200}, {0, 0}, {639, 479}, {321, 17}} {
		moveTo(t, srv, p.X, p.Y)
		waitFor(t, "the pointer to reach "+p.String(), func() bool {
			c = cursorNow(t, s)
			return c.X == p.X && c.Y == p.Y
		})
		assert.True(t, c.Visible)
		assert.Equal(t, first.ID, c.Shape.ID, "moving does not change the shape")
		assert.Equal(t, firstPix, c.Shape.Pix)
	}
	// Nothing changed: no image is fetched, the same shape comes back.
	again := cursorNow(t, s)
	assert.Equal(t, first.ID, again.Shape.ID)
	assert.Equal(t, firstPix, again.Shape.Pix)
	assert.False(t, s.cur.stale)

	// The frame does not hold the pointer: capturing it where the pointer
	// is gives the background.
	p := xdraw.New(t, srv.Display)
	p.Fill(t, image.Rect(0, 0, 640, 480), color.RGBA{10, 20, 30, 255})
	p.Sync(t)
	moveTo(t, srv, 50, 50)
	waitFor(t, "the pointer to reach (50,50)", func() bool { c = cursorNow(t, s); return c.X == 50 && c.Y == 50 })
	f := next(t, s)
	for y := 40; y < 80; y++ {
		for x := 40; x < 80; x++ {
			require.Equal(t, color.RGBA{10, 20, 30, 255}, f.At(x, y), "pixel (%d,%d)", x, y)
		}
	}
}

func slicesHaveOpaque(pix []byte) bool {
	for i := 3; i < len(pix); i += 4 {
		if pix[i] == 0xff {
			return true
		}
	}
	return false
}

// TestCursorOnMonitor checks that positions are in frame coordinates when
// one monitor of two is captured.
func TestCursorOnMonitor(t *testing.T) {
	srv := xvfb.ForTest(t, 640, 480)
	xrandr, err := exec.LookPath("xrandr")
	if err != nil {
		t.Skip("xrandr is not installed (x11-xserver-utils)")
	}
	for _, m := range []string{"L 320/85x480/127+0+0", "R 320/85x480/127+320+0"} {
		cmd := exec.Command(xrandr, append(append([]string{"--setmonitor"}, strings.Fields(m)...), "none")...)
		cmd.Env = srv.Env()
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	whole := open(t, srv.Display)
	right := -1
	for _, m := range whole.Monitors() {
		if m.Bounds == image.Rect(320, 0, 640, 480) {
			right = m.Index
		}
	}
	require.GreaterOrEqual(t, right, 0, "monitor R not found in %v", whole.Monitors())
	s := open(t, srv.Display, WithMonitor(right))
	require.Equal(t, image.Rect(320, 0, 640, 480), s.Bounds())

	moveTo(t, srv, 400, 50)
	var c capture.Cursor
	waitFor(t, "the pointer to reach (400,50)", func() bool { c = cursorNow(t, s); return c.X == 80 && c.Y == 50 })
	assert.True(t, c.Visible)
	wc := cursorNow(t, whole)
	assert.Equal(t, image.Pt(400, 50), image.Pt(wc.X, wc.Y))
	assert.Equal(t, wc.Shape.ID, c.Shape.ID)

	// On the other monitor the pointer lies left of the frame.
	moveTo(t, srv, 10, 20)
	waitFor(t, "the pointer to reach (10,20)", func() bool { c = cursorNow(t, s); return c.X == 10-320 && c.Y == 20 })
}

// argbCursor is a test pointer image: premultiplied ARGB words as the RENDER
// extension takes them.
type argbCursor struct {
	w, h, hotX, hotY int
	argb             []uint32
}

func testCursorImage() argbCursor {
	const w, h = 9, 7
	c := argbCursor{w: w, h: h, hotX: 4, hotY: 5, argb: make([]uint32, w*h)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var a, r, g, b uint32
			switch (x + 3*y) % 5 {
			case 0: // opaque
				a, r, g, b = 0xff, uint32(x*28), uint32(y*40), 0x80
			case 1: // transparent
			case 2: // half
				a, r, g, b = 0x80, 0x80, uint32(x*8), 0x10
			case 3: // faint
				a, r, g, b = 0x20, 0x20, 0x05, 0x11
			case 4: // nearly opaque
				a, r, g, b = 0xf0, 0xe0, 0x01, uint32(y*30)
			}
			c.argb[y*w+x] = a<<24 | r<<16 | g<<8 | b
		}
	}
	return c
}

// wantStraight converts the test image the slow, obvious way.
func (c argbCursor) wantStraight() []byte {
	out := make([]byte, 0, 4*len(c.argb))
	for _, p := range c.argb {
		a := float64(p >> 24)
		un := func(v uint32) byte {
			if a == 0 {
				return 0
			}
			return byte(math.Min(255, math.Round(float64(v&0xff)*255/a)))
		}
		out = append(out, un(p>>16), un(p>>8), un(p), byte(p>>24))
	}
	return out
}

// setRootCursor makes an ARGB cursor through RENDER and shows it on the root
// window (where the pointer is, with no other window).
func setRootCursor(t *testing.T, p *xdraw.Painter, img argbCursor) {
	t.Helper()
	c := p.Conn
	require.NoError(t, initExt(c, render.Init))
	_, err := render.QueryVersion(c, 0, 11).Reply()
	require.NoError(t, err)
	formats, err := render.QueryPictFormats(c).Reply()
	require.NoError(t, err)
	var argb32 render.Pictformat
	for _, f := range formats.Formats {
		d := f.Direct
		if f.Depth == 32 && f.Type == render.PictTypeDirect && d.AlphaMask == 0xff && d.AlphaShift == 24 &&
			d.RedShift == 16 && d.GreenShift == 8 && d.BlueShift == 0 {
			argb32 = f.Id
		}
	}
	require.NotZero(t, argb32, "no ARGB32 picture format")

	pix, err := xproto.NewPixmapId(c)
	require.NoError(t, err)
	require.NoError(t, xproto.CreatePixmapChecked(c, 32, pix, xproto.Drawable(p.Root), uint16(img.w), uint16(img.h)).Check())
	gc, err := xproto.NewGcontextId(c)
	require.NoError(t, err)
	require.NoError(t, xproto.CreateGCChecked(c, gc, xproto.Drawable(pix), 0, nil).Check())
	data := make([]byte, 4*len(img.argb))
	for i, v := range img.argb {
		binary.LittleEndian.PutUint32(data[4*i:], v)
	}
	require.NoError(t, xproto.PutImageChecked(c, xproto.ImageFormatZPixmap, xproto.Drawable(pix), gc,
		uint16(img.w), uint16(img.h), 0, 0, 0, 32, data).Check())
	pic, err := render.NewPictureId(c)
	require.NoError(t, err)
	require.NoError(t, render.CreatePictureChecked(c, pic, xproto.Drawable(pix), argb32, 0, nil).Check())
	cur, err := xproto.NewCursorId(c)
	require.NoError(t, err)
	require.NoError(t, render.CreateCursorChecked(c, cur, pic, uint16(img.hotX), uint16(img.hotY)).Check())
	require.NoError(t, xproto.ChangeWindowAttributesChecked(c, p.Root, xproto.CwCursor, []uint32{uint32(cur)}).Check())
}

func resetRootCursor(t *testing.T, p *xdraw.Painter) {
	t.Helper()
	require.NoError(t, xproto.ChangeWindowAttributesChecked(p.Conn, p.Root, xproto.CwCursor, []uint32{0}).Check())
}

func TestCursorShapeChanges(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 240)
	s := open(t, srv.Display)
	p := xdraw.New(t, srv.Display)
	moveTo(t, srv, 100, 100)
	orig := cursorNow(t, s)
	requireSaneShape(t, orig.Shape)
	origPix := bytes.Clone(orig.Shape.Pix)

	img := testCursorImage()
	setRootCursor(t, p, img)
	var c capture.Cursor
	waitFor(t, "the new pointer shape", func() bool { c = cursorNow(t, s); return c.Shape.ID != orig.Shape.ID })
	require.True(t, c.Visible)
	requireSaneShape(t, c.Shape)
	assert.Equal(t, [4]int{img.w, img.h, img.hotX, img.hotY}, [4]int{c.Shape.Width, c.Shape.Height, c.Shape.HotX, c.Shape.HotY})
	assert.Equal(t, img.wantStraight(), c.Shape.Pix, "straight RGBA of the premultiplied image")
	assert.Equal(t, image.Pt(100, 100), image.Pt(c.X, c.Y))
	assert.Equal(t, c.Shape.ID, cursorNow(t, s).Shape.ID, "the ID is stable")

	// The old shape again: the same ID as before, not a new one.
	resetRootCursor(t, p)
	waitFor(t, "the original pointer shape", func() bool { c = cursorNow(t, s); return c.Shape.ID == orig.Shape.ID })
	assert.Equal(t, origPix, c.Shape.Pix)

	// A new source computes the same ID for the same shape.
	setRootCursor(t, p, img)
	waitFor(t, "the test pointer shape again", func() bool { c = cursorNow(t, s); return c.Shape.ID != orig.Shape.ID })
	other := open(t, srv.Display)
	assert.Equal(t, c.Shape.ID, cursorNow(t, other).Shape.ID)
}

// TestChangedStillAndDrawn follows the idle loop a host runs: Changed on
// every tick, Next only when it says so.
func TestChangedStillAndDrawn(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 240)
	p := xdraw.New(t, srv.Display)
	s := open(t, srv.Display, WithRecheck(0))
	require.NotNil(t, s.dmg)
	assert.True(t, changedNow(t, s), "before the first Next")
	next(t, s)
	assert.False(t, changedNow(t, s), "nothing drawn since the frame")

	for i, r := range []image.Rectangle{image.Rect(10, 10, 20, 20), image.Rect(300, 200, 320, 240), image.Rect(0, 0, 1, 1)} {
		p.Fill(t, r, color.RGBA{uint8(50 * i), 200, 100, 255})
		p.Sync(t)
		waitFor(t, "Changed to see the drawing", func() bool { return changedNow(t, s) })
		assert.True(t, changedNow(t, s), "stays true until the next Next")
		f := next(t, s)
		assert.Equal(t, color.RGBA{uint8(50 * i), 200, 100, 255}, f.At(r.Min.X, r.Min.Y))
		assert.False(t, changedNow(t, s), "step %d: nothing drawn since the frame", i)
		// Every event sent so far is in: still nothing.
		syncEvents(t, s)
		assert.False(t, changedNow(t, s), "step %d: nothing drawn since the frame", i)

		// Drawn and captured at once, its notification perhaps still on
		// the way during Next: it is about the frame, not after it.
		p.Fill(t, r, color.RGBA{uint8(50 * i), 20, 100, 255})
		p.Sync(t)
		f = next(t, s)
		assert.Equal(t, color.RGBA{uint8(50 * i), 20, 100, 255}, f.At(r.Min.X, r.Min.Y))
		syncEvents(t, s)
		assert.False(t, changedNow(t, s), "step %d: a notification about the frame counted as a change after it", i)
	}
}

// TestChangedNeverMissesDrawing draws from another client while the host
// loop runs, then checks that when Changed reports a still screen the last
// frame is what is on the screen: no drawing was lost between two requests.
func TestChangedNeverMissesDrawing(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 240)
	p := xdraw.New(t, srv.Display)
	s := open(t, srv.Display, WithRecheck(0))
	ctx := context.Background()
	var last []byte
	grab := func() {
		f := next(t, s)
		last = append(last[:0], f.Pix...)
	}
	grab()
	gc, err := xproto.NewGcontextId(p.Conn)
	require.NoError(t, err)
	require.NoError(t, xproto.CreateGCChecked(p.Conn, gc, xproto.Drawable(p.Root), 0, nil).Check())

	for round := 0; round < 3; round++ {
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done)
			for i := 0; i < 300; i++ {
				x, y := (i*37+round*11)%300, (i*53)%220
				// Unchecked requests: a failing test must not call
				// t.Fatal from this goroutine.
				xproto.ChangeGC(p.Conn, gc, xproto.GcForeground, []uint32{uint32(i*2654435761) & 0xffffff})
				xproto.PolyFillRectangle(p.Conn, xproto.Drawable(p.Root), gc,
					[]xproto.Rectangle{{X: int16(x), Y: int16(y), Width: 20, Height: 20}})
				if i%50 == 0 {
					_, _ = xproto.GetInputFocus(p.Conn).Reply()
				}
			}
			_, _ = xproto.GetInputFocus(p.Conn).Reply()
		}()
		captures := 0
	loop:
		for {
			select {
			case <-done:
				break loop
			default:
			}
			ch, err := s.Changed(ctx)
			require.NoError(t, err)
			if ch {
				grab()
				captures++
			}
		}
		wg.Wait()
		// The painter's last request has been processed: a marker through
		// the source's event stream brings in every notification about it.
		syncEvents(t, s)
		for changedNow(t, s) {
			grab()
			captures++
			syncEvents(t, s)
		}
		fresh := open(t, srv.Display, WithoutDamage())
		want := next(t, fresh).Pix
		require.True(t, bytes.Equal(want, last), "round %d: Changed reported a still screen but the last frame is out of date", round)
		require.NoError(t, fresh.Close())
		t.Logf("round %d: %d captures", round, captures)
	}
}

func TestChangedWithoutDamage(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	s := open(t, srv.Display, WithoutDamage())
	next(t, s)
	assert.True(t, changedNow(t, s), "without damage every tick may have changed")
	next(t, s)
	assert.True(t, changedNow(t, s))
}

func TestChangedRecheck(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	s := open(t, srv.Display, WithRecheck(100*time.Millisecond))
	next(t, s)
	// With nothing drawn, the safety net still says true once its
	// interval has passed.
	waitFor(t, "the recheck interval", func() bool { return changedNow(t, s) })
	next(t, s)
	// A fresh frame, if this machine answers within the interval, is still.
	if ch := changedNow(t, s); ch {
		assert.GreaterOrEqual(t, time.Since(s.frame.Time), 100*time.Millisecond, "true before the interval with nothing drawn")
	}

	for _, d := range []time.Duration{-1, time.Millisecond, 99 * time.Millisecond, 2 * time.Hour} {
		_, err := Open(srv.Display, WithRecheck(d))
		assert.ErrorIs(t, err, capture.ErrInvalidOption, "%v", d)
	}
}

func TestCursorAndChangedAfterClose(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	s := open(t, srv.Display)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Cursor(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Changed(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	require.NoError(t, s.Close())
	_, err = s.Cursor(context.Background())
	assert.ErrorIs(t, err, capture.ErrClosed)
	_, err = s.Changed(context.Background())
	assert.ErrorIs(t, err, capture.ErrClosed)
}

func TestCursorServerDies(t *testing.T) {
	srv, err := xvfb.Start(context.Background(), 64, 48)
	if err != nil {
		t.Skip(err)
	}
	defer srv.Close()
	s := open(t, srv.Display)
	cursorNow(t, s)
	require.NoError(t, srv.Close())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = s.Cursor(ctx)
	require.ErrorIs(t, err, capture.ErrDisplayLost)
	_, err = s.Changed(ctx)
	require.ErrorIs(t, err, capture.ErrDisplayLost)
	_, err = s.Next(ctx)
	require.ErrorIs(t, err, capture.ErrDisplayLost)
}

// cursorReply builds a raw GetCursorImage reply around premultiplied ARGB.
func cursorReply(w, h, hotX, hotY int, serial uint32, argb []uint32) []byte {
	b := make([]byte, cursorHeader+4*len(argb))
	b[0] = 1
	binary.LittleEndian.PutUint32(b[4:], uint32(len(argb)))
	binary.LittleEndian.PutUint16(b[cursorOffWidth:], uint16(w))
	binary.LittleEndian.PutUint16(b[cursorOffHeight:], uint16(h))
	binary.LittleEndian.PutUint16(b[cursorOffHotX:], uint16(hotX))
	binary.LittleEndian.PutUint16(b[cursorOffHotY:], uint16(hotY))
	binary.LittleEndian.PutUint32(b[cursorOffSerial:], serial)
	for i, v := range argb {
		binary.LittleEndian.PutUint32(b[cursorHeader+4*i:], v)
	}
	return b
}

func TestParseCursorImage(t *testing.T) {
	img := testCursorImage()
	sh, err := parseCursorImage(cursorReply(img.w, img.h, img.hotX, img.hotY, 7, img.argb))
	require.NoError(t, err)
	requireSaneShape(t, sh)
	assert.Equal(t, img.wantStraight(), sh.Pix)

	// Every alpha and channel value against the obvious formula.
	for a := 0; a < 256; a++ {
		for c := 0; c < 256; c++ {
			want := 0
			if a > 0 {
				want = min(255, int(math.Round(float64(c)*255/float64(a))))
			}
			require.Equal(t, byte(want), unpremultiply(byte(c), byte(a)), "c=%d a=%d", c, a)
		}
	}
	// Straight alpha survives a premultiply and back exactly.
	for a := 1; a < 256; a++ {
		for c := 0; c < 256; c++ {
			pre := byte(math.Round(float64(c) * float64(a) / 255))
			back := unpremultiply(pre, byte(a))
			require.InDelta(t, c, int(back), math.Ceil(255/float64(a)/2)+0.01, "c=%d a=%d", c, a)
		}
	}

	bad := [][]byte{
		nil,
		make([]byte, cursorHeader-1),
		cursorReply(0, 5, 0, 0, 1, nil),
		cursorReply(2, 2, 0, 0, 1, make([]uint32, 3)),
		cursorReply(2, 2, 2, 0, 1, make([]uint32, 4)),
		cursorReply(2, 2, 0, 2, 1, make([]uint32, 4)),
		cursorReply(65535, 65535, 0, 0, 1, make([]uint32, 16)),
	}
	for i, b := range bad {
		_, err := parseCursorImage(b)
		assert.ErrorIs(t, err, errBadCursorImage, "case %d", i)
	}
}

func TestParseCursorImageCrops(t *testing.T) {
	const w, h = 300, 700
	argb := make([]uint32, w*h)
	for i := range argb {
		x, y := i%w, i/w
		argb[i] = 0xff000000 | uint32(x&0xff)<<16 | uint32(y&0xff)<<8 | uint32(x>>8)<<4 | uint32(y>>8)
	}
	at := func(sh capture.CursorShape, x, y int) [2]int {
		p := sh.Pix[4*(y*sh.Width+x):]
		return [2]int{int(p[0]) | int(p[2]>>4)<<8, int(p[1]) | int(p[2]&0xf)<<8}
	}
	for _, hot := range []image.Point{{0, 0}, {299, 699}, {150, 400}, {10, 690}} {
		sh, err := parseCursorImage(cursorReply(w, h, hot.X, hot.Y, 1, argb))
		require.NoError(t, err)
		requireSaneShape(t, sh)
		assert.Equal(t, capture.MaxCursorSize, sh.Width)
		assert.Equal(t, capture.MaxCursorSize, sh.Height)
		// The hotspot pixel is the original hotspot pixel.
		assert.Equal(t, [2]int{hot.X, hot.Y}, at(sh, sh.HotX, sh.HotY), "hotspot %v", hot)
		// And the window is contiguous around it.
		assert.Equal(t, [2]int{hot.X - sh.HotX, hot.Y - sh.HotY}, at(sh, 0, 0))
	}
}

func FuzzParseCursorImage(f *testing.F) {
	img := testCursorImage()
	f.Add(cursorReply(img.w, img.h, img.hotX, img.hotY, 3, img.argb))
	f.Add(cursorReply(1, 1, 0, 0, 1, []uint32{0x80ff0000}))
	f.Add(cursorReply(3, 300, 1, 299, 1, make([]uint32, 900)))
	f.Add(make([]byte, cursorHeader))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 4<<20 {
			return
		}
		sh, err := parseCursorImage(b)
		if err != nil {
			return
		}
		if sh.Width < 1 || sh.Width > capture.MaxCursorSize || sh.Height < 1 || sh.Height > capture.MaxCursorSize ||
			sh.HotX < 0 || sh.HotX >= sh.Width || sh.HotY < 0 || sh.HotY >= sh.Height ||
			len(sh.Pix) != 4*sh.Width*sh.Height || sh.ID != sh.Hash() || sh.ID == 0 {
			t.Fatalf("bad shape %dx%d hot (%d,%d) %d bytes id %x", sh.Width, sh.Height, sh.HotX, sh.HotY, len(sh.Pix), sh.ID)
		}
		for i := 0; i < len(sh.Pix); i += 4 {
			if sh.Pix[i+3] == 0 && (sh.Pix[i] != 0 || sh.Pix[i+1] != 0 || sh.Pix[i+2] != 0) {
				t.Fatalf("a transparent pixel has colour")
			}
		}
	})
}

func BenchmarkCursor(b *testing.B) {
	srv := xvfb.ForTest(b, 1920, 1080)
	s := open(b, srv.Display)
	ctx := context.Background()
	c := cursorNow(b, s)
	b.SetBytes(int64(len(c.Shape.Pix)))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if _, err := s.Cursor(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// processCPU returns the CPU time this process has used (user and system),
// which a round trip costs besides the wait.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkChanged(b *testing.B) {
	srv := xvfb.ForTest(b, 1920, 1080)
	s := open(b, srv.Display, WithRecheck(0))
	next(b, s)
	ctx := context.Background()
	b.SetBytes(1)
	b.ReportAllocs()
	for b.Loop() {
		ch, err := s.Changed(ctx)
		if err != nil || ch {
			b.Fatal("a still screen changed", err)
		}
	}
}

func TestNoteDamageOrdersBySequence(t *testing.T) {
	s := &Source{dmg: &damageTracker{watch: 5}}
	for _, c := range []struct {
		arm, ev uint16
		fenced  bool
		other   bool
		want    bool
	}{
		{arm: 100, ev: 99, want: false},
		{arm: 100, ev: 100, want: true},
		{arm: 100, ev: 101, want: true},
		{arm: 65535, ev: 2, want: true},  // wrapped after arm
		{arm: 2, ev: 65535, want: false}, // wrapped before arm
		{arm: 100, ev: 99, fenced: true, want: true},
		{arm: 100, ev: 100, other: true, want: false}, // the tracker's own damage
	} {
		s.watchSeq, s.watchFenced, s.changed = c.arm, c.fenced, false
		d := s.dmg.watch
		if c.other {
			d++
		}
		s.noteDamage(damage.NotifyEvent{Sequence: c.ev, Damage: d})
		assert.Equal(t, c.want, s.changed, "%+v", c)
	}
}

func TestPointerMotionIsNotDrawing(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 240)
	s := open(t, srv.Display, WithRecheck(0))
	next(t, s)
	moveTo(t, srv, 10, 10)
	waitFor(t, "the pointer to reach (10,10)", func() bool { c := cursorNow(t, s); return c.X == 10 && c.Y == 10 })
	// The pointer is not in the picture, so moving it draws nothing: a host
	// whose viewer only moves the mouse stays idle.
	assert.False(t, changedNow(t, s), "a pointer move counted as drawing")
}
