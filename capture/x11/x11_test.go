//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"io"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/capture/internal/xdraw"
	"github.com/deskhand/deskhand/capture/screenshot"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func open(t testing.TB, display string, opts ...Option) *Source {
	t.Helper()
	s, err := Open(display, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func next(t testing.TB, s capture.Source) *capture.Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f, err := s.Next(ctx)
	require.NoError(t, err)
	return f
}

func TestKnownPattern(t *testing.T) {
	srv := xvfb.ForTest(t, 640, 480)
	p := xdraw.New(t, srv.Display)
	colors := []struct {
		r image.Rectangle
		c color.RGBA
	}{
		{image.Rect(0, 0, 640, 480), color.RGBA{0x10, 0x20, 0x30, 255}},
		{image.Rect(10, 10, 110, 60), color.RGBA{255, 0, 0, 255}},
		{image.Rect(200, 100, 260, 400), color.RGBA{0, 255, 0, 255}},
		{image.Rect(600, 440, 640, 480), color.RGBA{0, 0, 255, 255}},
		{image.Rect(300, 0, 301, 480), color.RGBA{0xfe, 0xdc, 0xba, 255}},
	}
	for _, c := range colors {
		p.Fill(t, c.r, c.c)
	}
	p.Sync(t)

	for _, shm := range []bool{true, false} {
		var opts []Option
		if !shm {
			opts = append(opts, WithoutSHM())
		}
		s := open(t, srv.Display, opts...)
		assert.Equal(t, shm, s.UsesSHM())
		assert.Equal(t, image.Rect(0, 0, 640, 480), s.Bounds())
		mons := s.Monitors()
		require.Len(t, mons, 1)
		assert.Equal(t, image.Rect(0, 0, 640, 480), mons[0].Bounds)
		assert.True(t, mons[0].Primary)

		f := next(t, s)
		assert.Equal(t, capture.BGRA, f.Format)
		assert.Equal(t, 640, f.Width)
		assert.Equal(t, 480, f.Height)
		assert.Equal(t, 640*4, f.Stride)
		assert.Equal(t, uint64(1), f.Seq)
		want := image.NewRGBA(image.Rect(0, 0, 640, 480))
		for _, c := range colors {
			for y := c.r.Min.Y; y < c.r.Max.Y; y++ {
				for x := c.r.Min.X; x < c.r.Max.X; x++ {
					want.SetRGBA(x, y, c.c)
				}
			}
		}
		assert.Empty(t, xdraw.Diff(want, f.RGBA()), "shm=%v", shm)
		// The raw bytes are B, G, R.
		i := 20*f.Stride + 20*4
		assert.Equal(t, []byte{0, 0, 255}, f.Pix[i:i+3])
		assert.Equal(t, uint64(2), next(t, s).Seq)
		require.NoError(t, s.Close())
	}
}

// TestThreeCapturesAgree compares the SHM path, the GetImage path and
// kbinani/screenshot on the same rich picture.
func TestThreeCapturesAgree(t *testing.T) {
	srv := xvfb.ForTest(t, 800, 600)
	p := xdraw.New(t, srv.Display)
	p.Put(t, xdraw.Pattern(800, 600, 1), image.Point{})
	p.Sync(t)

	shm := open(t, srv.Display)
	require.True(t, shm.UsesSHM())
	plain := open(t, srv.Display, WithoutSHM())
	require.False(t, plain.UsesSHM())
	t.Setenv("DISPLAY", srv.Display)
	kb, err := screenshot.Open(-1)
	require.NoError(t, err)
	defer kb.Close()

	a, b, c := next(t, shm).RGBA(), next(t, plain).RGBA(), next(t, kb).RGBA()
	assert.Empty(t, xdraw.Diff(xdraw.Pattern(800, 600, 1), a), "SHM capture differs from the picture drawn")
	assert.Empty(t, xdraw.Diff(a, b), "SHM and GetImage differ")
	assert.Empty(t, xdraw.Diff(a, c), "SHM and kbinani/screenshot differ")
}

func TestWithMonitor(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 240)
	s := open(t, srv.Display, WithMonitor(0))
	assert.Equal(t, s.Monitors()[0].Bounds, s.Bounds())
	f := next(t, s)
	assert.Equal(t, s.Bounds().Size(), image.Pt(f.Width, f.Height))

	_, err := Open(srv.Display, WithMonitor(len(s.Monitors())))
	assert.ErrorIs(t, err, capture.ErrNoMonitor)
	_, err = Open(srv.Display, WithMonitor(-2))
	assert.ErrorIs(t, err, capture.ErrInvalidOption)
}

func TestOpenErrors(t *testing.T) {
	_, err := Open("")
	assert.ErrorIs(t, err, capture.ErrNoDisplay)
	_, err = Open(":987")
	assert.ErrorIs(t, err, capture.ErrNoDisplay)
	_, err = Open("no-colon")
	assert.ErrorIs(t, err, ErrBadDisplayName)
	assert.EqualError(t, err, `x11: malformed display name; use :N, :N.S, host:N or /path/to/socket:N: "no-colon": no ':'`)
	_, err = Open(":0", WithLogger(nil))
	assert.ErrorIs(t, err, capture.ErrInvalidOption)
	_, err = Open(":0", WithXAuthority(""))
	assert.ErrorIs(t, err, capture.ErrInvalidOption)
}

func TestNoSuchScreen(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 64)
	_, err := Open(srv.Display + ".3")
	assert.ErrorIs(t, err, ErrNoScreen)
}

// stuckServer accepts connections and never answers.
func stuckServer(t *testing.T) string {
	dir := t.TempDir()
	l, err := net.Listen("unix", filepath.Join(dir, "x:0"))
	require.NoError(t, err)
	var wg sync.WaitGroup
	var conns []net.Conn
	var mu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		wg.Wait()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return filepath.Join(dir, "x:0")
}

func TestOpenStuckServer(t *testing.T) {
	display := stuckServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := OpenContext(ctx, display)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// proxy forwards a local socket to an X server and can stop forwarding the
// server's answers, which makes the server look stuck.
type proxy struct {
	display string
	mu      sync.Mutex
	paused  bool
	cond    *sync.Cond
	wg      sync.WaitGroup
}

func newProxy(t *testing.T, target string) *proxy {
	dir := t.TempDir()
	l, err := net.Listen("unix", filepath.Join(dir, "p:0"))
	require.NoError(t, err)
	p := &proxy{display: filepath.Join(dir, "p:0")}
	p.cond = sync.NewCond(&p.mu)
	var conns []net.Conn
	var cmu sync.Mutex
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("unix", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			cmu.Lock()
			conns = append(conns, c, up)
			cmu.Unlock()
			p.wg.Add(2)
			go func() { defer p.wg.Done(); _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { defer p.wg.Done(); p.copyGated(c, up); _ = c.Close() }()
		}
	}()
	t.Cleanup(func() {
		p.pause(false)
		_ = l.Close()
		cmu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		cmu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) pause(on bool) {
	p.mu.Lock()
	p.paused = on
	p.mu.Unlock()
	p.cond.Broadcast()
}

func (p *proxy) copyGated(dst, src net.Conn) {
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		for p.paused {
			p.cond.Wait()
		}
		p.mu.Unlock()
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func TestNextStuckServerAndRecovery(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 240)
	px := newProxy(t, "/tmp/.X11-unix/X"+srv.Display[1:])
	xp := xdraw.New(t, srv.Display)
	s := open(t, px.display)
	require.True(t, s.UsesSHM(), "a local proxy still shares memory")
	next(t, s)

	px.pause(true)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err := s.Next(ctx)
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded)

	// While the answer is held back, paint: the next frame must show it.
	xp.Fill(t, image.Rect(0, 0, 320, 240), color.RGBA{1, 200, 3, 255})
	xp.Sync(t)
	px.pause(false)
	f := next(t, s)
	assert.Equal(t, color.RGBA{1, 200, 3, 255}, f.At(100, 100))
	assert.Equal(t, uint64(2), f.Seq)

	// Close must not hang on a stuck server.
	px.pause(true)
	require.NoError(t, s.Close())
	_, err = s.Next(context.Background())
	assert.ErrorIs(t, err, capture.ErrClosed)
}

func TestServerDies(t *testing.T) {
	srv, err := xvfb.Start(context.Background(), 320, 240)
	if errors.Is(err, xvfb.ErrNotInstalled) {
		t.Skip(err)
	}
	require.NoError(t, err)
	defer srv.Close()
	s := open(t, srv.Display)
	next(t, s)
	require.NoError(t, srv.Close())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = s.Next(ctx)
	require.ErrorIs(t, err, capture.ErrDisplayLost)
	_, err = s.Next(ctx)
	require.ErrorIs(t, err, capture.ErrDisplayLost)
	require.NoError(t, s.Close())
}

func TestCloseAndContext(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	s := open(t, srv.Display)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Next(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	next(t, s)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	_, err = s.Next(context.Background())
	assert.ErrorIs(t, err, capture.ErrClosed)
}

func unionArea(rs []image.Rectangle) int {
	a := 0
	for _, r := range rs {
		a += r.Dx() * r.Dy()
	}
	return a
}

// TestDamageIsSuperset draws between captures and checks that every changed
// pixel lies inside the reported damage, and that the damage is tight.
func TestDamageIsSuperset(t *testing.T) {
	srv := xvfb.ForTest(t, 640, 480)
	p := xdraw.New(t, srv.Display)
	p.Fill(t, image.Rect(0, 0, 640, 480), color.RGBA{0, 0, 0, 255})
	p.Sync(t)
	for _, shm := range []bool{true, false} {
		var opts []Option
		if !shm {
			opts = append(opts, WithoutSHM())
		}
		s := open(t, srv.Display, opts...)
		require.NotNil(t, s.dmg, "Xvfb has DAMAGE and XFIXES")
		f := next(t, s)
		assert.Nil(t, f.Damage, "the first frame's damage is unknown")
		prev := bytes.Clone(f.Pix)
		steps := []image.Rectangle{
			image.Rect(10, 10, 50, 30),
			image.Rect(600, 400, 640, 480),
			{}, // nothing drawn
			image.Rect(0, 200, 640, 201),
			{},
			{},
		}
		for i, r := range steps {
			if !r.Empty() {
				p.Fill(t, r, color.RGBA{uint8(40 * i), 255, uint8(255 - 30*i), 255})
				p.Sync(t)
			}
			f = next(t, s)
			require.NotNil(t, f.Damage, "step %d", i)
			for y := 0; y < f.Height; y++ {
				for x := 0; x < f.Width; x++ {
					o := y*f.Stride + 4*x
					if bytes.Equal(prev[o:o+3], f.Pix[o:o+3]) {
						continue
					}
					in := false
					for _, d := range f.Damage {
						in = in || image.Pt(x, y).In(d)
					}
					require.True(t, in, "step %d: pixel (%d,%d) changed outside damage %v", i, x, y, f.Damage)
				}
			}
			for _, d := range f.Damage {
				require.True(t, d.In(f.Bounds()))
			}
			if !r.Empty() {
				// Damage of this step plus, at most, the previous one.
				limit := r.Dx() * r.Dy()
				if i > 0 {
					limit += steps[i-1].Dx() * steps[i-1].Dy()
				}
				assert.LessOrEqual(t, unionArea(f.Damage), limit, "step %d: damage %v is not tight", i, f.Damage)
			}
			if i > 0 && r.Empty() && steps[i-1].Empty() {
				assert.Empty(t, f.Damage, "step %d: nothing drawn for two frames", i)
			}
			prev = append(prev[:0], f.Pix...)
		}
		require.NoError(t, s.Close())
	}
}

// TestRecoversFromGeometryChange plays the two things a screen resize does
// to a source (Xvfb cannot resize): the area no longer fits the root window
// (the server answers BadMatch), and the segment is too small for the new
// size.
func TestRecoversFromGeometryChange(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 240)
	p := xdraw.New(t, srv.Display)
	p.Fill(t, image.Rect(0, 0, 320, 240), color.RGBA{200, 100, 50, 255})
	p.Sync(t)
	s := open(t, srv.Display)
	require.True(t, s.UsesSHM())
	next(t, s)

	// As if the screen had shrunk from 640x480 without us noticing yet.
	s.area = image.Rect(0, 0, 640, 480)
	f := next(t, s)
	assert.Equal(t, [2]int{320, 240}, [2]int{f.Width, f.Height})
	assert.Equal(t, image.Rect(0, 0, 320, 240), s.Bounds())
	assert.Nil(t, f.Damage, "after a reconfiguration the damage is unknown")
	assert.Equal(t, color.RGBA{200, 100, 50, 255}, f.At(319, 239))

	// As if it had grown beyond the segment: a reconfiguration event marks
	// the source dirty and the segment must be replaced.
	s.seg.close(s.conn)
	s.seg = s.newSegment(context.Background(), image.Pt(10, 10))
	require.NotNil(t, s.seg)
	s.dirty = true
	f = next(t, s)
	assert.True(t, s.UsesSHM())
	assert.GreaterOrEqual(t, s.seg.capacity(), 4*320*240)
	assert.Equal(t, color.RGBA{200, 100, 50, 255}, f.At(319, 239))
	assert.Equal(t, color.RGBA{200, 100, 50, 255}, f.At(0, 0))
}

func TestWithoutDamage(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	s := open(t, srv.Display, WithoutDamage())
	next(t, s)
	assert.Nil(t, next(t, s).Damage)
}

func benchNext(b *testing.B, s capture.Source) {
	f := next(b, s)
	b.SetBytes(int64(f.Width * f.Height * 4))
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNextSHM(b *testing.B) {
	srv := xvfb.ForTest(b, 1920, 1080)
	s := open(b, srv.Display)
	if !s.UsesSHM() {
		b.Fatal("no MIT-SHM")
	}
	benchNext(b, s)
}

func BenchmarkNextSHMNoDamage(b *testing.B) {
	srv := xvfb.ForTest(b, 1920, 1080)
	benchNext(b, open(b, srv.Display, WithoutDamage()))
}

func BenchmarkNextGetImage(b *testing.B) {
	srv := xvfb.ForTest(b, 1920, 1080)
	benchNext(b, open(b, srv.Display, WithoutSHM()))
}

func BenchmarkScreenshot(b *testing.B) {
	srv := xvfb.ForTest(b, 1920, 1080)
	b.Setenv("DISPLAY", srv.Display)
	s, err := screenshot.Open(-1)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchNext(b, s)
}
