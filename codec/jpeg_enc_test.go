package codec

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// encodeTiles encodes fr as the encoder cuts it, TileSize x TileSize
// regions read in place (edge tiles cropped), appending the scans to out;
// it returns them and where each starts.
func encodeTiles(enc *jpegEncoder, out []byte, starts []int, fr *frame, q int) ([]byte, []int) {
	starts = starts[:0]
	for y := 0; y < fr.Height; y += TileSize {
		for x := 0; x < fr.Width; x += TileSize {
			w, h := min(TileSize, fr.Width-x), min(TileSize, fr.Height-y)
			starts = append(starts, len(out))
			out = enc.appendJPEG(out, fr.Pix[y*fr.Stride+x*4:], fr.Stride, w, h, fr.Format, q)
		}
	}
	return out, starts
}

// tilesPSNR decodes the scans of encodeTiles and returns their PSNR against fr.
func tilesPSNR(tb testing.TB, fr *frame, q int, out []byte, starts []int) float64 {
	var dec jpegDecoder
	got := make([]byte, TileSize*TileSize*4)
	var se float64
	n, i := 0, 0
	for y := 0; y < fr.Height; y += TileSize {
		for x := 0; x < fr.Width; x += TileSize {
			w, h := min(TileSize, fr.Width-x), min(TileSize, fr.Height-y)
			end := len(out)
			if i+1 < len(starts) {
				end = starts[i+1]
			}
			require.NoError(tb, dec.decode(got, w*4, w, h, q, out[starts[i]:end]))
			i++
			for r := range h {
				src := fr.Pix[(y+r)*fr.Stride+x*4:]
				for c := range w {
					for k, s := range [3]int{2, 1, 0} { // BGRA source, RGBA output
						d := float64(src[c*4+s]) - float64(got[(r*w+c)*4+k])
						se += d * d
					}
				}
			}
			n += w * h * 3
		}
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// BenchmarkJPEGEncode encodes a whole 1080p picture as JPEG tiles on one
// goroutine, as a full-screen photograph or video frame is sent: the first
// frame of the recorded photos and video with DESKHAND_CORPUS, else a
// synthetic photograph. It reports the PSNR and the bytes of the scans.
func BenchmarkJPEGEncode(b *testing.B) {
	type picture struct {
		name string
		fr   *frame
	}
	var pics []picture
	if dir := os.Getenv("DESKHAND_CORPUS"); dir != "" {
		for _, name := range []string{"photos", "video"} {
			pics = append(pics, picture{name, loadFrame(b, filepath.Join(dir, name, "000000.png"))})
		}
	} else {
		pics = append(pics, picture{"synthetic", toFrame(photo(1920, 1080, 1), BGRA)})
	}
	for _, p := range pics {
		for _, q := range []int{DefaultQuality, 85} {
			b.Run(fmt.Sprintf("%s/q%d", p.name, q), func(b *testing.B) {
				var enc jpegEncoder
				out, starts := encodeTiles(&enc, nil, nil, p.fr, q)
				psnr, size := tilesPSNR(b, p.fr, q, out, starts), len(out)
				b.SetBytes(int64(p.fr.Width * p.fr.Height * 4))
				b.ReportAllocs()
				for b.Loop() {
					out, starts = encodeTiles(&enc, out[:0], starts, p.fr, q)
				}
				b.ReportMetric(psnr, "PSNR-dB")
				b.ReportMetric(float64(size), "scan-B")
			})
		}
	}
}

// refQuantise is the textbook forward DCT of the 8x8 samples s (level
// shifted) in float64, quantised with table qz (zig-zag order) as the
// encoder does: DC to nearest, AC towards zero by the dead zone. The
// result is in zig-zag order.
func refQuantise(s *[64]float64, qz *[64]uint8) (out [64]int32) {
	for k := range 64 {
		n := int(unzig[k])
		u, v := n%8, n/8
		var sum float64
		for y := range 8 {
			for x := range 8 {
				sum += s[y*8+x] * math.Cos(float64(2*x+1)*float64(u)*math.Pi/16) * math.Cos(float64(2*y+1)*float64(v)*math.Pi/16)
			}
		}
		cu, cv := 1.0, 1.0
		if u == 0 {
			cu = 1 / math.Sqrt2
		}
		if v == 0 {
			cv = 1 / math.Sqrt2
		}
		c := sum * cu * cv / 4 / float64(qz[k])
		if k == 0 {
			out[k] = int32(math.Round(c))
		} else {
			out[k] = int32(math.Copysign(math.Floor(math.Abs(c)+0.5-jpegDeadZone/100.0), c))
		}
	}
	return out
}

// TestJPEGBlockAgainstReference quantises random blocks (smooth, noisy
// and saturated) with the integer DCT and quantiser and with the textbook
// transform in float64: they may differ only where a value lies within a
// rounding error of a quantisation boundary, by 1.
func TestJPEGBlockAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var enc jpegEncoder
	for _, q := range []int{1, 10, 40, 75, 85, 95, 100} {
		enc.setQuality(q)
		qz := quantTables(q)
		diffs, total := 0, 0
		for i := range 400 {
			var s [64]float64
			var b [64]int32
			base, slope := rng.Float64()*255-128, rng.Float64()*8-4
			for n := range 64 {
				var v float64
				switch i % 4 {
				case 0: // a smooth gradient
					v = base + slope*float64(n%8+n/8)
				case 1: // noise
					v = rng.Float64()*255 - 128
				case 2: // saturated edges
					v = float64(rng.IntN(2)*255) - 128
				default: // a gradient with a little noise
					v = base + slope*float64(n%8) + rng.NormFloat64()*3
				}
				v = math.Round(min(max(v, -128), 127)*(1<<jpegFrac)) / (1 << jpegFrac)
				s[n], b[n] = v, int32(v*(1<<jpegFrac))
			}
			tab := i % 2
			want := refQuantise(&s, &qz[tab])
			mask := fdct(&b, &enc.tmp, &enc.thr[tab])
			var got [64]int32
			for k := range 64 {
				n := unzigT[k]
				if k == 0 {
					got[k] = quant(b[n], enc.recip[tab][n], dcBias)
				} else {
					got[k] = quantAC(b[n], enc.recip[tab][n])
				}
				require.Equal(t, got[k] != 0, mask>>n&1 == 1, "q%d block %d coefficient %d: %d but mask bit %d", q, i, k, got[k], mask>>n&1)
			}
			for k := range 64 {
				d := got[k] - want[k]
				require.LessOrEqual(t, max(d, -d), int32(1), "q%d block %d coefficient %d: got %d want %d", q, i, k, got[k], want[k])
				if d != 0 {
					diffs++
				}
				total++
			}
		}
		t.Logf("q%d: %d of %d coefficients off by one", q, diffs, total)
		require.Less(t, float64(diffs), 0.005*float64(total), "q%d: too many coefficients differ", q)
	}
}

// TestJPEGColourConversion checks the fused integer conversion against the
// JFIF formulas in float64, on random pixels in both pixel formats.
func TestJPEGColourConversion(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, f := range []PixelFormat{RGBA, BGRA} {
		for range 200 {
			var s0, s1 [64]byte
			for i := range s0 {
				s0[i], s1[i] = byte(rng.Uint32()), byte(rng.Uint32())
			}
			rgb := func(p []byte) (r, g, b float64) {
				if f == BGRA {
					return float64(p[2]), float64(p[1]), float64(p[0])
				}
				return float64(p[0]), float64(p[1]), float64(p[2])
			}
			var m [6][64]int32
			pr := rng.IntN(8)
			rs, bs := uint(0), uint(16)
			if f == BGRA {
				rs, bs = 16, 0
			}
			convertRows(&m, &s0, &s1, pr, rs, bs)
			const unit = 1.0 / (1 << jpegFrac)
			for x := range 16 {
				for dy, row := range [2]*[64]byte{&s0, &s1} {
					r, g, b := rgb(row[x*4:])
					want := 0.299*r + 0.587*g + 0.114*b - 128
					y := 2*pr + dy
					got := float64(m[y/8*2+x/8][y%8*8+x%8]) * unit
					require.InDelta(t, want, got, unit, "%v luma x %d row %d", f, x, y)
				}
			}
			for x := range 8 {
				var sr, sg, sb float64
				for _, p := range [][]byte{s0[x*8:], s0[x*8+4:], s1[x*8:], s1[x*8+4:]} {
					r, g, b := rgb(p)
					sr, sg, sb = sr+r, sg+g, sb+b
				}
				cb := (-0.168736*sr - 0.331264*sg + 0.5*sb) / 4
				cr := (0.5*sr - 0.418688*sg - 0.081312*sb) / 4
				require.InDelta(t, cb, float64(m[4][pr*8+x])*unit, unit, "%v cb x %d", f, x)
				require.InDelta(t, cr, float64(m[5][pr*8+x])*unit, unit, "%v cr x %d", f, x)
			}
		}
	}
}

// TestJPEGEncodeRegions encodes regions of every size class read in place
// from a larger picture (a stride wider than the region, the last row
// shorter than the stride) and checks that the scan is the one of the same
// pixels copied out, the same in both pixel formats, decodable by
// image/jpeg and close to the source.
func TestJPEGEncodeRegions(t *testing.T) {
	ph := photo(200, 150, 11)
	bgra := toFrame(ph, BGRA)
	var enc jpegEncoder
	for _, size := range [][2]int{{64, 64}, {1, 1}, {2, 3}, {15, 17}, {16, 16}, {17, 1}, {33, 64}, {64, 7}, {63, 63}, {48, 50}} {
		for _, q := range []int{1, 40, 85, 100} {
			w, h := size[0], size[1]
			x0, y0 := 200-w, 150-h // the bottom-right corner: px ends with the region
			px := region(ph, x0, y0, w, h)
			want := enc.appendJPEG(nil, px, w*4, w, h, RGBA, q)
			inPlace := enc.appendJPEG([]byte{1, 2}, ph.Pix[ph.PixOffset(x0, y0):], ph.Stride, w, h, RGBA, q)
			require.True(t, bytes.Equal(want, inPlace[2:]), "%v q%d: read in place", size, q)
			require.Equal(t, []byte{1, 2}, inPlace[:2], "dst's bytes kept")
			fromBGRA := enc.appendJPEG(nil, bgra.Pix[y0*bgra.Stride+x0*4:], bgra.Stride, w, h, BGRA, q)
			require.True(t, bytes.Equal(want, fromBGRA), "%v q%d: BGRA", size, q)

			img, err := jpeg.Decode(bytes.NewReader(jpegFile(nil, w, h, q, want)))
			require.NoError(t, err, "%v q%d", size, q)
			got := make([]byte, 0, w*h*4)
			for y := range h {
				for x := range w {
					r, g, b, _ := img.At(x, y).RGBA()
					got = append(got, byte(r>>8), byte(g>>8), byte(b>>8), 255)
				}
			}
			if q >= 85 {
				require.Greater(t, psnrRGB(px, got), 30.0, "%v q%d", size, q)
			}
		}
	}
}

// TestJPEGEncodeExtremes encodes flat and saturated pictures (the largest
// DC steps and AC values, and scans full of 0xFF bytes to stuff) and
// decodes them with both decoders.
func TestJPEGEncodeExtremes(t *testing.T) {
	const w, h = 64, 64
	pics := map[string]func(x, y int) [3]byte{
		"white":   func(x, y int) [3]byte { return [3]byte{255, 255, 255} },
		"black":   func(x, y int) [3]byte { return [3]byte{} },
		"checker": func(x, y int) [3]byte { v := byte((x + y) % 2 * 255); return [3]byte{v, v, v} },
		"stripes": func(x, y int) [3]byte { return [3]byte{byte(x % 2 * 255), byte(y % 2 * 255), 255 - byte(x%2*255)} },
		"blocks": func(x, y int) [3]byte {
			if (x/8+y/8)%2 == 0 {
				return [3]byte{255, 255, 255}
			}
			return [3]byte{0, 0, 0}
		},
		"red-blue": func(x, y int) [3]byte {
			if (x/4+y/4)%2 == 0 {
				return [3]byte{255, 0, 0}
			}
			return [3]byte{0, 0, 255}
		},
	}
	var enc jpegEncoder
	var dec jpegDecoder
	for name, pix := range pics {
		px := make([]byte, w*h*4)
		for y := range h {
			for x := range w {
				c := pix(x, y)
				copy(px[(y*w+x)*4:], []byte{c[0], c[1], c[2], 255})
			}
		}
		for _, q := range []int{1, 50, 100} {
			scan := enc.appendJPEG(nil, px, w*4, w, h, RGBA, q)
			got := make([]byte, len(px))
			require.NoError(t, dec.decode(got, w*4, w, h, q, scan), "%s q%d", name, q)
			_, err := jpeg.Decode(bytes.NewReader(jpegFile(nil, w, h, q, scan)))
			require.NoError(t, err, "%s q%d", name, q)
			if q == 100 && name != "stripes" { // stripes of colour are lost to 4:2:0
				require.Greater(t, psnrRGB(px, got), 28.0, "%s q%d", name, q)
			}
			if q == 100 && (name == "white" || name == "black") {
				require.True(t, bytes.Equal(px, got), "%s q%d: a flat picture is exact", name, q)
			}
		}
	}
}

// TestJPEGEncodeNoAlloc checks that encoding into a buffer with room
// allocates nothing.
func TestJPEGEncodeNoAlloc(t *testing.T) {
	px := region(photo(64, 64, 12), 0, 0, 64, 64)
	var enc jpegEncoder
	out := enc.appendJPEG(nil, px, 256, 64, 64, BGRA, 85)
	allocs := testing.AllocsPerRun(20, func() {
		out = enc.appendJPEG(out[:0], px, 256, 64, 64, BGRA, 85)
		out = enc.appendJPEG(out[:0], px, 256, 37, 29, RGBA, 40)
	})
	require.Zero(t, allocs)
}

// FuzzJPEGEncode encodes arbitrary pixels at any size and quality: the
// scan must decode with our decoder and image/jpeg, and at quality 100 be
// close to the source unless the source is noise.
func FuzzJPEGEncode(f *testing.F) {
	f.Add(uint8(63), uint8(63), uint8(99), []byte{0xFF, 0, 0xFF, 0x80})
	f.Add(uint8(0), uint8(0), uint8(0), []byte{})
	f.Add(uint8(16), uint8(7), uint8(39), bytes.Repeat([]byte{0xFF, 0xFF, 0, 0}, 50))
	var enc jpegEncoder
	var dec jpegDecoder
	f.Fuzz(func(t *testing.T, w8, h8, q8 uint8, seed []byte) {
		w, h, q := int(w8)%TileSize+1, int(h8)%TileSize+1, int(q8)%100+1
		px := make([]byte, w*h*4)
		if len(seed) > 0 {
			for i := range px {
				px[i] = seed[i%len(seed)] + byte(i/len(seed))
			}
		}
		scan := enc.appendJPEG(nil, px, w*4, w, h, BGRA, q)
		got := make([]byte, len(px))
		require.NoError(t, dec.decode(got, w*4, w, h, q, scan))
		_, err := jpeg.Decode(bytes.NewReader(jpegFile(nil, w, h, q, scan)))
		require.NoError(t, err)
	})
}
