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

func randomRect(r *rand.Rand, w, h int) image.Rectangle {
	x0, y0 := r.IntN(w), r.IntN(h)
	return image.Rect(x0, y0, x0+1+r.IntN(w-x0), y0+1+r.IntN(h-y0))
}

// TestDamageRepaintsWhatChanged replays what the page does: updates change
// regions of the picture and report them; at each paint, copying the
// regions taken makes the canvas equal the picture.
func TestDamageRepaintsWhatChanged(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []image.Point{{1, 1}, {7, 3}, {64, 40}, {333, 97}} {
		w, h := size.X, size.Y
		b := image.Rect(0, 0, w, h)
		img := randomImage(r, w, h)
		canvas := make([]byte, w*h*4)
		var d damage
		var rects []image.Rectangle
		paint := func() {
			rects = d.take(rects[:0], b)
			for _, rc := range rects {
				copyRect(img, rc, func(off int, p []byte) { copy(canvas[off:], p) })
			}
		}
		d.all()
		paint()
		require.Equal(t, img.Pix, canvas, "%v: a full repaint paints everything", size)
		for round := range 50 {
			for range 1 + r.IntN(4) { // several updates between two paints
				var changed []image.Rectangle
				for range 1 + r.IntN(3) {
					rc := randomRect(r, w, h)
					for y := rc.Min.Y; y < rc.Max.Y; y++ {
						for x := rc.Min.X; x < rc.Max.X; x++ {
							img.Pix[img.PixOffset(x, y)] ^= 0xff
						}
					}
					changed = append(changed, rc)
				}
				d.add(changed)
			}
			paint()
			require.Equal(t, img.Pix, canvas, "%v round %d", size, round)
			for i, a := range rects {
				require.LessOrEqual(t, a.Dy(), bandRows, "one band at most")
				for _, c := range rects[i+1:] {
					require.False(t, a.Overlaps(c), "regions taken do not overlap: %v %v", a, c)
				}
			}
		}
		assert.Empty(t, d.take(nil, b), "nothing more to paint")
	}
}

func TestDamageClipsAndOverflows(t *testing.T) {
	b := image.Rect(0, 0, 100, 50)
	var d damage
	d.add([]image.Rectangle{image.Rect(90, 40, 200, 200), image.Rect(300, 300, 400, 400), {}})
	assert.Equal(t, []image.Rectangle{image.Rect(90, 40, 100, 50)}, d.take(nil, b), "clipped to the picture; outside and empty ones dropped")

	// Tall strips, as a full-screen update reports them: one rectangle a band.
	d.add([]image.Rectangle{image.Rect(0, 0, 10, 50), image.Rect(60, 10, 70, 40)})
	assert.Equal(t, []image.Rectangle{image.Rect(0, 0, 70, 32), image.Rect(0, 32, 70, 50)}, d.take(nil, b))

	many := make([]image.Rectangle, maxDamage+1)
	for i := range many {
		many[i] = image.Rect(i%100, 0, i%100+1, 1)
	}
	d.add(many)
	d.add([]image.Rectangle{image.Rect(0, 0, 1, 1)})
	assert.Equal(t, []image.Rectangle{image.Rect(0, 0, 100, 32), image.Rect(0, 32, 100, 50)}, d.take(nil, b), "too many regions: the whole picture once")
	assert.Empty(t, d.take(nil, b))
}

// TestCopyRectPieces: a rectangle goes as one piece, rows in between
// included, and a picture with padded rows (a sub-image) row by row.
func TestCopyRectPieces(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 10, 4))
	var pieces int
	copyRect(img, image.Rect(2, 1, 4, 4), func(off int, b []byte) {
		pieces++
		assert.Equal(t, 1*40+2*4, off)
		assert.Len(t, b, 3*40-2*4-6*4)
	})
	assert.Equal(t, 1, pieces)

	big := randomImage(rand.New(rand.NewPCG(3, 4)), 20, 10)
	sub := big.SubImage(image.Rect(5, 2, 15, 8)).(*image.RGBA)
	sub.Rect = image.Rect(0, 0, 10, 6) // as a decoder would hand it over
	canvas := make([]byte, 10*6*4)
	copyRect(sub, image.Rect(0, 0, 10, 6), func(off int, p []byte) { copy(canvas[off:], p) })
	for y := range 6 {
		require.Equal(t, big.Pix[big.PixOffset(5, 2+y):big.PixOffset(15, 2+y)], canvas[y*40:(y+1)*40], "row %d", y)
	}
}
