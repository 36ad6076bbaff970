package capture

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newSynth(t testing.TB, opts ...SyntheticOption) *Synthetic {
	t.Helper()
	s, err := NewSynthetic(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestSyntheticDeterministic(t *testing.T) {
	a := newSynth(t, WithSize(640, 480), WithSeed(7))
	b := newSynth(t, WithSize(640, 480), WithSeed(7))
	other := newSynth(t, WithSize(640, 480), WithSeed(8))
	for _, n := range []uint64{0, 1, 2, 57, 1000, 1 << 40} {
		fa, fb := a.Frame(n), b.Frame(n)
		assert.Equal(t, fa.Pix, fb.Pix, "step %d differs between two sources with the same options", n)
		assert.NotEqual(t, fa.Pix, other.Frame(n).Pix, "step %d is the same for another seed", n)
		assert.NotEqual(t, fa.Pix, a.Frame(n+1).Pix, "step %d and %d are the same picture", n, n+1)
	}
}

func TestSyntheticNextMatchesFrame(t *testing.T) {
	ctx := context.Background()
	s := newSynth(t, WithSize(320, 200), WithSeed(3))
	ref := newSynth(t, WithSize(320, 200), WithSeed(3))
	for k := uint64(1); k <= 5; k++ {
		f, err := s.Next(ctx)
		require.NoError(t, err)
		assert.Equal(t, k, f.Seq)
		assert.Equal(t, 320, f.Width)
		assert.Equal(t, 200, f.Height)
		assert.Equal(t, 4*320, f.Stride)
		assert.Equal(t, BGRA, f.Format)
		assert.False(t, f.Time.IsZero())
		assert.True(t, bytes.Equal(ref.Frame(k-1).Pix, f.Pix), "frame with Seq %d is not step %d", k, k-1)
	}
}

// damageCovers reports the first pixel that differs between prev and cur but
// lies outside every damage rectangle.
func damageCovers(prev, cur []byte, w, h, stride int, damage []image.Rectangle) (image.Point, bool) {
	for y := 0; y < h; y++ {
		a, b := prev[y*stride:y*stride+4*w], cur[y*stride:y*stride+4*w]
		if bytes.Equal(a, b) {
			continue
		}
		for x := 0; x < w; x++ {
			if bytes.Equal(a[4*x:4*x+4], b[4*x:4*x+4]) {
				continue
			}
			p := image.Pt(x, y)
			in := false
			for _, r := range damage {
				if p.In(r) {
					in = true
					break
				}
			}
			if !in {
				return p, false
			}
		}
	}
	return image.Point{}, true
}

func TestSyntheticDamageIsSuperset(t *testing.T) {
	ctx := context.Background()
	const w, h = 240, 160
	s := newSynth(t, WithSize(w, h), WithSeed(11))
	f, err := s.Next(ctx)
	require.NoError(t, err)
	assert.Nil(t, f.Damage, "the first frame's damage must be unknown (nil)")
	prev := bytes.Clone(f.Pix)
	scrolled := false
	// Enough frames to fill the terminal and scroll it.
	for i := 0; i < 150; i++ {
		f, err = s.Next(ctx)
		require.NoError(t, err)
		require.NotNil(t, f.Damage)
		p, ok := damageCovers(prev, f.Pix, w, h, f.Stride, f.Damage)
		require.True(t, ok, "frame %d: pixel %v changed outside damage %v", f.Seq, p, f.Damage)
		area := 0
		for _, r := range f.Damage {
			require.True(t, r.In(f.Bounds()), "damage %v outside the frame", r)
			area += r.Dx() * r.Dy()
		}
		if area >= s.layout.term.Dx()*s.layout.term.Dy() {
			scrolled = true
		} else {
			// Damage must be tight enough to be useful: boxes and two cells.
			assert.Less(t, area, w*h/2, "frame %d: damage covers most of the frame", f.Seq)
		}
		prev = append(prev[:0], f.Pix...)
	}
	assert.True(t, scrolled, "the terminal never scrolled in 150 frames")
}

func TestSyntheticStill(t *testing.T) {
	ctx := context.Background()
	s := newSynth(t, WithSize(200, 100), WithStill(true))
	f, err := s.Next(ctx)
	require.NoError(t, err)
	first := bytes.Clone(f.Pix)
	assert.Nil(t, f.Damage)
	for i := 0; i < 3; i++ {
		f, err = s.Next(ctx)
		require.NoError(t, err)
		assert.Equal(t, first, f.Pix)
		assert.NotNil(t, f.Damage)
		assert.Empty(t, f.Damage)
	}
	assert.Equal(t, first, s.Frame(99).Pix)
}

func TestSyntheticFormats(t *testing.T) {
	bgra := newSynth(t, WithSize(64, 48), WithFormat(BGRA), WithSeed(5))
	rgba := newSynth(t, WithSize(64, 48), WithFormat(RGBA), WithSeed(5))
	fb, fr := bgra.Frame(9), rgba.Frame(9)
	assert.NotEqual(t, fb.Pix, fr.Pix, "BGRA and RGBA byte orders should differ")
	ib, ir := fb.RGBA(), fr.RGBA()
	assert.Equal(t, ib.Pix, ir.Pix, "the same picture in either format must convert to the same RGBA image")
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			c := ib.RGBAAt(x, y)
			require.Equal(t, uint8(255), c.A)
			require.Equal(t, c, fb.At(x, y))
			require.Equal(t, c, fr.At(x, y))
		}
	}
	assert.Equal(t, color.RGBA{}, fb.At(-1, 0))
	assert.Equal(t, color.RGBA{}, fb.At(64, 0))
	assert.Equal(t, color.RGBA{}, fb.At(0, 48))
}

func TestSyntheticSizes(t *testing.T) {
	ctx := context.Background()
	for _, sz := range []image.Point{{1, 1}, {1, 700}, {700, 1}, {7, 13}, {64, 64}, {MaxSyntheticSize, 2}} {
		s := newSynth(t, WithSize(sz.X, sz.Y))
		f, err := s.Next(ctx)
		require.NoError(t, err, "%v", sz)
		assert.Equal(t, sz.X, f.Width)
		assert.Equal(t, sz.Y, f.Height)
		assert.Len(t, f.Pix, 4*sz.X*sz.Y)
		_, err = s.Next(ctx)
		require.NoError(t, err)
		img := f.RGBA()
		assert.Equal(t, image.Rect(0, 0, sz.X, sz.Y), img.Bounds())
		assert.Equal(t, []Monitor{{Index: 0, Name: "synthetic", Bounds: image.Rect(0, 0, sz.X, sz.Y), Primary: true}}, s.Monitors())
	}
}

func TestSyntheticOptionErrors(t *testing.T) {
	for _, opt := range []SyntheticOption{
		WithSize(0, 10), WithSize(10, 0), WithSize(-1, 5), WithSize(MaxSyntheticSize+1, 1),
		WithFormat(0), WithFormat(3),
	} {
		_, err := NewSynthetic(opt)
		assert.ErrorIs(t, err, ErrInvalidOption)
	}
}

func TestSyntheticCloseAndContext(t *testing.T) {
	s := newSynth(t, WithSize(32, 32))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Next(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	_, err = s.Next(context.Background())
	assert.ErrorIs(t, err, ErrClosed)
}

func TestFrameMalformedDoesNotPanic(t *testing.T) {
	frames := []Frame{
		{Width: 10, Height: 10, Stride: 40, Format: BGRA, Pix: make([]byte, 17)},
		{Width: 10, Height: 10, Stride: -4, Format: RGBA, Pix: make([]byte, 400)},
		{Width: -3, Height: 2, Stride: 0, Format: BGRA},
		{Width: 3, Height: -2, Stride: 12, Format: 9, Pix: make([]byte, 36)},
		{Width: 4, Height: 1, Stride: 16, Format: RGBA, Pix: []byte{1, 2, 3, 4, 5, 6, 7}},
	}
	for i := range frames {
		f := &frames[i]
		img := f.RGBA()
		require.NotNil(t, img)
		for y := -1; y <= 10; y++ {
			for x := -1; x <= 10; x++ {
				_ = f.At(x, y)
			}
		}
	}
	// A short frame: present pixels convert, missing ones are opaque black.
	f := Frame{Width: 2, Height: 2, Stride: 8, Format: BGRA, Pix: []byte{1, 2, 3, 0, 4, 5, 6, 0, 7, 8}}
	img := f.RGBA()
	assert.Equal(t, color.RGBA{3, 2, 1, 255}, img.RGBAAt(0, 0))
	assert.Equal(t, color.RGBA{6, 5, 4, 255}, img.RGBAAt(1, 0))
	assert.Equal(t, color.RGBA{0, 0, 0, 255}, img.RGBAAt(0, 1))
	assert.Equal(t, color.RGBA{}, f.At(0, 1))
}

func TestPixelFormatString(t *testing.T) {
	assert.Equal(t, "BGRA", BGRA.String())
	assert.Equal(t, "RGBA", RGBA.String())
	assert.Equal(t, "PixelFormat(7)", PixelFormat(7).String())
}

func BenchmarkSyntheticNext(b *testing.B) {
	for _, still := range []bool{false, true} {
		name := "moving"
		if still {
			name = "still"
		}
		b.Run(name, func(b *testing.B) {
			s := newSynth(b, WithStill(still))
			b.SetBytes(1920 * 1080 * 4)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Next(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
