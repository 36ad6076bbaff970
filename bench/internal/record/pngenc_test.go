package record

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/deskhand/deskhand/capture"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bgraOf returns BGRA pixels with the given stride and the RGBA image they
// should decode to.
func bgraOf(w, h, stride int, pixel func(x, y int) (r, g, b byte)) ([]byte, *image.RGBA) {
	src := make([]byte, (h-1)*stride+4*w)
	want := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, b := pixel(x, y)
			i := y*stride + 4*x
			src[i], src[i+1], src[i+2], src[i+3] = b, g, r, 0x5a // the X byte is junk
			j := want.PixOffset(x, y)
			want.Pix[j], want.Pix[j+1], want.Pix[j+2], want.Pix[j+3] = r, g, b, 0xff
		}
	}
	return src, want
}

func TestPNGWriterRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	noise := func(x, y int) (byte, byte, byte) { return byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()) }
	flat := func(x, y int) (byte, byte, byte) { return 30, 30, 30 }
	text := func(x, y int) (byte, byte, byte) {
		if (x/3+y/5)%4 == 0 {
			return 0xd4, 0xd4, 0xd4
		}
		return 0x1e, 0x1e, 0x1e
	}
	pw, err := newPNGWriter()
	require.NoError(t, err)
	for _, c := range []struct {
		name      string
		w, h, pad int
		pixel     func(x, y int) (byte, byte, byte)
	}{
		{"1x1", 1, 1, 0, noise},
		{"odd noise", 37, 23, 0, noise},
		{"padded rows", 40, 17, 12, noise},
		{"flat", 300, 200, 0, flat},
		{"text-like, several IDAT chunks", 700, 400, 4, noise},
		{"text", 640, 90, 0, text},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, want := bgraOf(c.w, c.h, 4*c.w+c.pad, c.pixel)
			var b bytes.Buffer
			require.NoError(t, pw.encode(&b, src, c.w, c.h, 4*c.w+c.pad))
			got, err := png.Decode(&b)
			require.NoError(t, err)
			rgba, ok := got.(*image.RGBA)
			require.True(t, ok, "decoded as %T, want an opaque RGB PNG", got)
			assert.Equal(t, want.Rect, rgba.Rect)
			assert.True(t, bytes.Equal(want.Pix, rgba.Pix), "pixels differ after a round trip")
		})
	}
}

func TestPNGWriterRefusesBadGeometry(t *testing.T) {
	pw, err := newPNGWriter()
	require.NoError(t, err)
	for _, c := range []struct{ w, h, stride, n int }{
		{0, 1, 4, 4}, {1, 0, 4, 4}, {2, 2, 4, 100}, {4, 4, 16, 63}, {-1, 1, 4, 4},
	} {
		err := pw.encode(&bytes.Buffer{}, make([]byte, c.n), c.w, c.h, c.stride)
		assert.Error(t, err, "%+v", c)
	}
}

type failingWriter struct{ after int }

var errDiskFull = errors.New("disk full")

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.after < len(p) {
		return 0, errDiskFull
	}
	f.after -= len(p)
	return len(p), nil
}

func TestPNGWriterReportsWriteErrors(t *testing.T) {
	pw, err := newPNGWriter()
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(5, 6))
	src, _ := bgraOf(400, 300, 1600, func(x, y int) (byte, byte, byte) {
		return byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())
	})
	for _, after := range []int{0, 10, 40, 100_000} {
		err := pw.encode(&failingWriter{after: after}, src, 400, 300, 1600)
		assert.ErrorIs(t, err, errDiskFull, "failing after %d bytes", after)
	}
	// The writer is still usable after a failure.
	var b bytes.Buffer
	require.NoError(t, pw.encode(&b, src, 400, 300, 1600))
	_, err = png.Decode(&b)
	require.NoError(t, err)
}

func BenchmarkPNGWriter(b *testing.B) {
	src, err := capture.NewSynthetic()
	require.NoError(b, err)
	var f *capture.Frame
	for range 90 { // a terminal with text typed and scrolled
		f, err = src.Next(b.Context())
		require.NoError(b, err)
	}
	frames := map[string][]byte{"synthetic-terminal": packFrame(nil, f)}
	rng := rand.New(rand.NewPCG(7, 8))
	photo, _ := bgraOf(f.Width, f.Height, 4*f.Width, func(x, y int) (byte, byte, byte) {
		n := byte(rng.IntN(12))
		return byte(x/8) + n, byte(y/5) + n, byte((x+y)/12) + n
	})
	frames["gradient-with-noise"] = photo
	for name, pix := range frames {
		b.Run(name, func(b *testing.B) {
			pw, err := newPNGWriter()
			require.NoError(b, err)
			var out bytes.Buffer
			b.SetBytes(int64(len(pix)))
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				if err := pw.encode(&out, pix, f.Width, f.Height, 4*f.Width); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.Len()), "png-bytes")
		})
		b.Run(name+"/image-png-bestspeed", func(b *testing.B) {
			img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
			for i := 0; i < len(pix); i += 4 {
				img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = pix[i+2], pix[i+1], pix[i], 255
			}
			enc := png.Encoder{CompressionLevel: png.BestSpeed}
			var out bytes.Buffer
			b.SetBytes(int64(len(pix)))
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				if err := enc.Encode(&out, img); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.Len()), "png-bytes")
		})
	}
}
