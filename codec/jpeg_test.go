package codec

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// psnrRGB returns the PSNR in dB of b against a (both RGBA, same size),
// over R, G and B.
func psnrRGB(a, b []byte) float64 {
	var se float64
	n := 0
	for i := 0; i+3 < len(a); i += 4 {
		for c := range 3 {
			d := float64(a[i+c]) - float64(b[i+c])
			se += d * d
			n++
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// region returns the w x h area at (x, y) of img as contiguous RGBA.
func region(img *image.RGBA, x, y, w, h int) []byte {
	out := make([]byte, 0, w*h*4)
	for r := range h {
		o := img.PixOffset(x, y+r)
		out = append(out, img.Pix[o:o+w*4]...)
	}
	return out
}

func TestJPEGAgainstImageJPEG(t *testing.T) {
	ph := photo(200, 150, 3)
	var enc jpegEncoder
	var dec jpegDecoder
	for _, size := range []image.Point{{64, 64}, {1, 1}, {17, 9}, {64, 33}, {40, 64}} {
		for _, q := range []int{1, 30, 75, 95, 100} {
			px := region(ph, 5, 7, size.X, size.Y)
			scan := enc.appendJPEG(nil, px, size.X*4, size.X, size.Y, RGBA, q)
			got := make([]byte, len(px))
			require.NoError(t, dec.decode(got, size.X*4, size.X, size.Y, q, scan), "%v q%d", size, q)

			// A standard decoder reads the same scan in a rebuilt file.
			file := jpegFile(nil, size.X, size.Y, q, scan)
			ref, err := jpeg.Decode(bytes.NewReader(file))
			require.NoError(t, err, "%v q%d", size, q)
			rgba := image.NewRGBA(ref.Bounds())
			for y := range size.Y {
				for x := range size.X {
					r, g, b, _ := ref.At(x, y).RGBA()
					rgba.Pix[rgba.PixOffset(x, y)+0] = byte(r >> 8)
					rgba.Pix[rgba.PixOffset(x, y)+1] = byte(g >> 8)
					rgba.Pix[rgba.PixOffset(x, y)+2] = byte(b >> 8)
					rgba.Pix[rgba.PixOffset(x, y)+3] = 255
				}
			}
			ours, theirs := psnrRGB(px, got), psnrRGB(px, rgba.Pix)
			agree := psnrRGB(got, rgba.Pix)
			t.Logf("%v q%d: %d bytes, PSNR ours %.1f image/jpeg %.1f, agreement %.1f", size, q, len(scan), ours, theirs, agree)
			assert.Greater(t, agree, 30.0, "decoders disagree")
			assert.Greater(t, ours, math.Min(theirs, 45)-1.5, "our decoder is much worse")
			if q >= 75 {
				assert.Greater(t, ours, 30.0)
			}
		}
	}
}

func TestJPEGCorrupt(t *testing.T) {
	ph := photo(64, 64, 4)
	var enc jpegEncoder
	var dec jpegDecoder
	px := region(ph, 0, 0, 64, 64)
	scan := enc.appendJPEG(nil, px, 256, 64, 64, BGRA, 80)
	out := make([]byte, len(px))
	require.NoError(t, dec.decode(out, 256, 64, 64, 80, scan))
	for n := range len(scan) {
		require.Error(t, dec.decode(out, 256, 64, 64, 80, scan[:n]), "truncated to %d", n)
	}
	require.Error(t, dec.decode(out, 256, 64, 64, 80, append(bytes.Clone(scan), 0)))
	require.Error(t, dec.decode(out, 256, 64, 64, 80, append(bytes.Clone(scan), 0xFF, 0xD9)))
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		bad := bytes.Clone(scan)
		bad[rng.IntN(len(bad))] ^= byte(1 << rng.IntN(8))
		_ = dec.decode(out, 256, 64, 64, 80, bad) // must not panic
	}
}
