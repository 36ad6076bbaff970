package codec

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// putPredictedRef is the predicted decoding as FORMAT.md words it: planes
// row by row, then R = (R-G) + G, B = (B-G) + G.
func putPredictedRef(pix []byte, stride, x0, y0, w, h int, data []byte) {
	planes := make([]int, w*h*3)
	at := func(x, y, p int) int {
		if x < 0 || y < 0 {
			return 0
		}
		return planes[(y*w+x)*3+p]
	}
	for y := range h {
		for x := range w {
			for p := range 3 {
				a, b, c := at(x-1, y, p), at(x, y-1, p), at(x-1, y-1, p)
				pred := a + b - c
				if c >= max(a, b) {
					pred = min(a, b)
				} else if c <= min(a, b) {
					pred = max(a, b)
				}
				planes[(y*w+x)*3+p] = (int(data[(y*w+x)*3+p]) + pred) & 0xFF
			}
			rg, g, bg := planes[(y*w+x)*3], planes[(y*w+x)*3+1], planes[(y*w+x)*3+2]
			o := (y0+y)*stride + (x0+x)*4
			binary.LittleEndian.PutUint32(pix[o:], uint32((rg+g)&0xFF|g<<8|(bg+g)&0xFF<<16)|0xFF000000)
		}
	}
}

// TestPutPredicted decodes random residuals and encoded photographs of
// every shape, at the edges of a framebuffer, against the plain decoding.
func TestPutPredicted(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const fw, fh = 70, 70 // a 64-wide region at x 6 touches the right edge
	for _, size := range [][2]int{{1, 1}, {64, 64}, {64, 1}, {1, 64}, {63, 64}, {64, 63}, {17, 5}, {2, 2}} {
		for _, photoData := range []bool{false, true} {
			w, h := size[0], size[1]
			var data []byte
			if photoData {
				fr := toFrame(photo(w, h, uint64(w*h)), BGRA)
				data = appendPredicted(nil, fr.Pix, fr.Stride, w, h, BGRA)
			} else {
				data = make([]byte, w*h*3)
				for i := range data {
					data[i] = byte(rng.Uint32())
				}
			}
			x0, y0 := fw-w, fh-h
			got, want := make([]byte, fw*fh*4), make([]byte, fw*fh*4)
			for i := range got {
				got[i] = byte(i)
				want[i] = byte(i)
			}
			putPredicted(got, fw*4, x0, y0, w, h, data)
			putPredictedRef(want, fw*4, x0, y0, w, h, data)
			require.Equal(t, want, got, "%dx%d photo %v", w, h, photoData)
		}
	}
}
