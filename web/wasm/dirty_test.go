package main

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func randomImage(r *rand.Rand, w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	return img
}

// painted replays what the page does with update's rectangles: copies
// each one's span from the shadow to the canvas's pixels.
func painted(s *shadow, canvas []byte, rects []image.Rectangle) {
	for _, r := range rects {
		off, end := s.span(r)
		copy(canvas[off:end], s.pix[off:end])
	}
}

func TestShadowFindsEveryChange(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []image.Point{{1, 1}, {7, 3}, {64, 40}, {333, 97}} {
		w, h := size.X, size.Y
		var s shadow
		s.reset(w, h)
		canvas := make([]byte, w*h*4)
		img := randomImage(r, w, h)
		rects := s.update(img)
		painted(&s, canvas, rects)
		require.Equal(t, img.Pix, canvas, "%v: the first update paints everything", size)
		for round := range 50 {
			// Change a few random boxes, sometimes nothing.
			for range r.IntN(4) {
				x0, y0 := r.IntN(w), r.IntN(h)
				x1, y1 := x0+1+r.IntN(w-x0), y0+1+r.IntN(h-y0)
				for y := y0; y < y1; y++ {
					for x := x0; x < x1; x++ {
						img.Pix[y*img.Stride+x*4+r.IntN(4)] ^= byte(1 + r.IntN(255))
					}
				}
			}
			rects := s.update(img)
			painted(&s, canvas, rects)
			require.Equal(t, img.Pix, s.pix, "%v round %d: the shadow follows the picture", size, round)
			require.Equal(t, img.Pix, canvas, "%v round %d: repainting the rectangles reproduces the picture", size, round)
			for _, rc := range rects {
				assert.True(t, rc.In(img.Rect) && !rc.Empty(), "rectangle %v within %v", rc, img.Rect)
			}
		}
	}
}

func TestShadowRectanglesAreTight(t *testing.T) {
	var s shadow
	s.reset(100, 100)
	img := image.NewRGBA(image.Rect(0, 0, 100, 100))
	s.update(img) // all transparent black: equal to the reset shadow
	assert.Empty(t, s.update(img), "nothing changed")

	img.Pix[(10*100+20)*4+1] = 9 // one channel of pixel (20, 10)
	img.Pix[(12*100+25)*4+3] = 9 // pixel (25, 12)
	rects := s.update(img)
	assert.Equal(t, []image.Rectangle{image.Rect(20, 10, 26, 13)}, rects)

	img.Pix[(99*100+99)*4] = 1
	img.Pix[(0*100+0)*4] = 1
	rects = s.update(img)
	assert.Equal(t, []image.Rectangle{image.Rect(0, 0, 1, 1), image.Rect(99, 99, 100, 100)}, rects,
		"distant changes in different bands stay apart")
}

func TestShadowKeepsAStrideApart(t *testing.T) {
	// The decoder's picture may have rows longer than the canvas's.
	big := image.NewRGBA(image.Rect(0, 0, 20, 5))
	img := big.SubImage(image.Rect(0, 0, 10, 5)).(*image.RGBA)
	for i := range big.Pix {
		big.Pix[i] = byte(i)
	}
	var s shadow
	s.reset(10, 5)
	s.update(img)
	for y := range 5 {
		assert.Equal(t, img.Pix[y*img.Stride:y*img.Stride+40], s.pix[y*40:(y+1)*40])
	}
}

func BenchmarkShadowTyping(b *testing.B) {
	// A keystroke on a still 1080p screen: one glyph changes.
	r := rand.New(rand.NewPCG(3, 4))
	img := randomImage(r, 1920, 1080)
	var s shadow
	s.reset(1920, 1080)
	s.update(img)
	b.SetBytes(int64(len(img.Pix)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		img.Pix[(500*1920+700)*4] = byte(i)
		s.update(img)
	}
}

func BenchmarkShadowFullScreen(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	a, c := randomImage(r, 1920, 1080), randomImage(r, 1920, 1080)
	var s shadow
	s.reset(1920, 1080)
	b.SetBytes(int64(len(a.Pix)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			s.update(a)
		} else {
			s.update(c)
		}
	}
}
