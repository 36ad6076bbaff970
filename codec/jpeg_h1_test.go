package codec

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/stretchr/testify/require"
)

// corpusMessages encodes the first n frames of a recorded scenario
// (DESKHAND_CORPUS/<name>) at DefaultQuality, 30 fps, and returns the
// messages and the frames.
func corpusMessages(b *testing.B, name string, n int) ([][]byte, []*frame) {
	dir := os.Getenv("DESKHAND_CORPUS")
	if dir == "" {
		b.Skip("set DESKHAND_CORPUS to a directory of recorded scenarios")
	}
	frames := loadCorpus(b, filepath.Join(dir, name))
	frames = frames[:min(n, len(frames))]
	enc := newBenchEncoder(b, WithQuality(DefaultQuality))
	var msgs [][]byte
	start := time.Unix(0, 0)
	for i, fr := range frames {
		img := fr.Image
		img.Time = start.Add(time.Duration(i) * time.Second / 30)
		msg, err := enc.Encode(nil, img, false)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, msg)
	}
	return msgs, frames
}

// BenchmarkCorpusDecode decodes the messages of the first 40 frames of the
// recorded video and photos in a loop (key frame included); run with
// DESKHAND_CORPUS=/work/corpus.
func BenchmarkCorpusDecode(b *testing.B) {
	for _, name := range []string{"video", "photos"} {
		b.Run(name, func(b *testing.B) {
			msgs, frames := corpusMessages(b, name, 40)
			dec := newBenchDecoder(b)
			for _, m := range msgs {
				if len(m) > 0 {
					if _, err := dec.Decode(m); err != nil {
						b.Fatal(err)
					}
				}
			}
			psnr := psnrFrame(frames[len(frames)-1], dec.Image())
			b.SetBytes(int64(len(frames[0].Pix)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				m := msgs[i%len(msgs)]
				i++
				if len(m) == 0 {
					continue
				}
				if _, err := dec.Decode(m); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(psnr, "PSNR-last-dB")
		})
	}
}

// jpegTiles returns the 64x64 tiles of a 1080p picture (the first recorded
// video frame with DESKHAND_CORPUS, else a synthetic photograph) as BGRA
// regions, and their scans at quality q.
func jpegTiles(b *testing.B, q int) (px [][]byte, scans [][]byte) {
	var fr *frame
	if dir := os.Getenv("DESKHAND_CORPUS"); dir != "" {
		fr = loadFrame(b, filepath.Join(dir, "video", "000000.png"))
	} else {
		fr = toFrame(photo(1920, 1080, 1), BGRA)
	}
	var enc jpegEncoder
	for y := 0; y+TileSize <= fr.Height; y += TileSize {
		for x := 0; x+TileSize <= fr.Width; x += TileSize {
			p := fr.Pix[y*fr.Stride+x*4:]
			tile := make([]byte, 0, TileSize*TileSize*4)
			for r := range TileSize {
				tile = append(tile, p[r*fr.Stride:r*fr.Stride+TileSize*4]...)
			}
			px = append(px, tile)
			scans = append(scans, enc.appendJPEG(nil, tile, TileSize*4, TileSize, TileSize, BGRA, q))
		}
	}
	return px, scans
}

// loadFrame reads one recorded PNG frame as a BGRA frame.
func loadFrame(b *testing.B, name string) *frame {
	f, err := os.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		b.Fatal(err)
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
	return toFrame(rgba, BGRA)
}

// BenchmarkJPEGTiles encodes and decodes the tiles of a 1080p picture on
// one goroutine at DefaultQuality.
func BenchmarkJPEGTiles(b *testing.B) {
	px, scans := jpegTiles(b, DefaultQuality)
	total := 0
	for _, s := range scans {
		total += len(s)
	}
	b.Run("decode", func(b *testing.B) {
		var dec jpegDecoder
		out := make([]byte, TileSize*TileSize*4)
		var se float64
		for i, s := range scans {
			if err := dec.decode(out, TileSize*4, TileSize, TileSize, DefaultQuality, s); err != nil {
				b.Fatal(err)
			}
			se += mse(px[i], out)
		}
		b.SetBytes(int64(len(px) * TileSize * TileSize * 4))
		b.ReportAllocs()
		for b.Loop() {
			for _, s := range scans {
				if err := dec.decode(out, TileSize*4, TileSize, TileSize, DefaultQuality, s); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(10*math.Log10(255*255/(se/float64(len(px)))), "PSNR-dB")
		b.ReportMetric(float64(total), "scan-B")
	})
	b.Run("encode", func(b *testing.B) {
		var enc jpegEncoder
		var out []byte
		b.SetBytes(int64(len(px) * TileSize * TileSize * 4))
		b.ReportAllocs()
		for b.Loop() {
			for _, p := range px {
				out = enc.appendJPEG(out[:0], p, TileSize*4, TileSize, TileSize, BGRA, DefaultQuality)
			}
		}
	})
}

// mse is the mean squared error of RGBA b against BGRA a, over R, G, B.
func mse(a, b []byte) float64 {
	var se float64
	for i := 0; i+3 < len(a); i += 4 {
		for c, k := range [3]int{2, 1, 0} {
			d := float64(a[i+k]) - float64(b[i+c])
			se += d * d
		}
	}
	return se / float64(len(a)/4*3)
}

// BenchmarkCorpusKey encodes and decodes a key frame of the first recorded
// video and photos frame, lossy (DefaultQuality) and lossless; run with
// DESKHAND_CORPUS=/work/corpus.
func BenchmarkCorpusKey(b *testing.B) {
	for _, c := range []struct {
		name, scenario string
		opts           []Option
	}{
		{"video-lossy", "video", []Option{WithQuality(DefaultQuality)}},
		{"photos-lossy", "photos", []Option{WithQuality(DefaultQuality)}},
		{"photos-lossless", "photos", nil},
		{"text-lossless", "scroll", nil},
	} {
		dir := os.Getenv("DESKHAND_CORPUS")
		if dir == "" {
			b.Skip("set DESKHAND_CORPUS to a directory of recorded scenarios")
		}
		fr := loadFrame(b, filepath.Join(dir, c.scenario, "000000.png"))
		enc := newBenchEncoder(b, c.opts...)
		key, err := enc.Encode(nil, fr.Image, true)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/encode", func(b *testing.B) {
			b.SetBytes(int64(len(fr.Pix)))
			b.ReportAllocs()
			for b.Loop() {
				if key, err = enc.Encode(key[:0], fr.Image, true); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/s2", func(b *testing.B) {
			var buf []byte
			b.SetBytes(int64(len(fr.Pix)))
			for b.Loop() {
				buf = s2.Encode(buf[:cap(buf)], fr.Pix)
			}
		})
		b.Run(c.name+"/decode", func(b *testing.B) {
			dec := newBenchDecoder(b)
			if _, err := dec.Decode(key); err != nil { // allocate the buffers
				b.Fatal(err)
			}
			b.SetBytes(int64(len(fr.Pix)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := dec.Decode(key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// refIDCT is the textbook inverse DCT of dequantised coefficients f
// (natural order) in float64, level-shifted, rounded and clamped.
func refIDCT(f *[64]float64) (out [64]uint8) {
	for y := range 8 {
		for x := range 8 {
			var s float64
			for v := range 8 {
				for u := range 8 {
					cu, cv := 1.0, 1.0
					if u == 0 {
						cu = 1 / math.Sqrt2
					}
					if v == 0 {
						cv = 1 / math.Sqrt2
					}
					s += cu * cv * f[v*8+u] * math.Cos(float64(2*x+1)*float64(u)*math.Pi/16) * math.Cos(float64(2*y+1)*float64(v)*math.Pi/16)
				}
			}
			out[y*8+x] = uint8(min(max(math.Round(s/4+128), 0), 255))
		}
	}
	return out
}

// TestIDCTSparse checks every shortcut of the integer IDCT (DC only, one
// row, one column, 2x2, 4x4, full) against the textbook transform.
func TestIDCTSparse(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var d jpegDecoder
	for _, q := range []int{1, 10, 40, 75, 95, 100} {
		d.setQuality(q)
		qz := quantTables(q)
		for _, shape := range []struct{ rows, cols int }{{1, 1}, {1, 2}, {1, 4}, {1, 8}, {2, 1}, {4, 1}, {8, 1}, {2, 2}, {2, 4}, {4, 2}, {4, 4}, {3, 8}, {8, 3}, {8, 8}} {
			for range 50 {
				var f [64]float64
				var rows, cols uint
				for k := range 64 {
					n := int(unzig[k])
					r, c := n/8, n%8
					if r >= shape.rows || c >= shape.cols || rng.IntN(3) == 0 {
						continue
					}
					// Small values mostly, as a real scan has, and some large.
					v := rng.IntN(7) - 3
					if rng.IntN(8) == 0 {
						v = rng.IntN(400) - 200
					}
					if n == 0 {
						v = rng.IntN(2048) - 1024
					}
					if v == 0 {
						continue
					}
					f[n] = float64(v) * float64(qz[0][k])
					d.coef[n] = v * int(d.mul[0][n])
					if n != 0 {
						rows |= 1 << r
						cols |= 1 << c
					}
				}
				want := refIDCT(&f)
				var got [64]uint8
				if rows == 0 {
					// The DC-only path of block.
					v := uint8(clampSample((d.coef[0] + idctBias) >> (idctFrac + 3)))
					for i := range got {
						got[i] = v
					}
				} else {
					d.coef[0] += idctBias
					d.idct(got[:], 8, rows|1, cols|1)
				}
				clear(d.coef[:])
				for i := range got {
					diff := int(got[i]) - int(want[i])
					require.LessOrEqual(t, max(diff, -diff), 1, "q%d shape %v sample %d: got %d want %d", q, shape, i, got[i], want[i])
				}
			}
		}
	}
}

// FuzzJPEGScan decodes arbitrary bytes as the scan of a region: it must
// fail cleanly or decode, the same way twice, and leave nothing behind (a
// block's coefficients) that changes what the next scan decodes to.
func FuzzJPEGScan(f *testing.F) {
	var enc jpegEncoder
	ph := photo(64, 64, 9)
	for _, s := range [][3]int{{64, 64, 40}, {17, 9, 90}, {1, 1, 1}, {33, 64, 100}} {
		px := region(ph, 0, 0, s[0], s[1])
		f.Add(uint8(s[0]-1), uint8(s[1]-1), uint8(s[2]-1), enc.appendJPEG(nil, px, s[0]*4, s[0], s[1], RGBA, s[2]))
	}
	good := enc.appendJPEG(nil, region(ph, 0, 0, 64, 64), 256, 64, 64, RGBA, 75)
	var fresh jpegDecoder
	want := make([]byte, 64*64*4)
	require.NoError(f, fresh.decode(want, 256, 64, 64, 75, good))
	f.Fuzz(func(t *testing.T, w, h, q uint8, data []byte) {
		width, height, quality := int(w)%TileSize+1, int(h)%TileSize+1, int(q)%100+1
		var dec jpegDecoder
		out := make([]byte, width*height*4)
		if err := dec.decode(out, width*4, width, height, quality, data); err == nil {
			again := make([]byte, len(out))
			require.NoError(t, dec.decode(again, width*4, width, height, quality, data))
			require.Equal(t, out, again, "decoded differently the second time")
		}
		got := make([]byte, len(want))
		require.NoError(t, dec.decode(got, 256, 64, 64, 75, good))
		require.Equal(t, want, got, "a previous scan changed what the next decodes to")
	})
}

// TestJPEGCloseToImageJPEG decodes regions of every MCU layout (whole,
// cut at the right, at the bottom, both) with our decoder and with
// image/jpeg, which differ only by rounding: no channel of any pixel may
// differ by more than 3.
func TestJPEGCloseToImageJPEG(t *testing.T) {
	var enc jpegEncoder
	var dec jpegDecoder
	for i, size := range [][2]int{{64, 64}, {64, 56}, {64, 8}, {48, 6}, {56, 64}, {9, 64}, {37, 23}, {16, 16}, {2, 2}, {1, 17}} {
		for _, q := range []int{5, 40, 90, 100} {
			w, h := size[0], size[1]
			// A photograph with saturated corners, which need clamping.
			ph := photo(w, h, uint64(i))
			for y := 0; y < h/4; y++ {
				for x := 0; x < w/4; x++ {
					copy(ph.Pix[ph.PixOffset(x, y):], []byte{255, 255, 255, 255})
					copy(ph.Pix[ph.PixOffset(w-1-x, h-1-y):], []byte{0, 0, 255, 255})
				}
			}
			px := region(ph, 0, 0, w, h)
			scan := enc.appendJPEG(nil, px, w*4, w, h, RGBA, q)
			got := make([]byte, w*h*4)
			require.NoError(t, dec.decode(got, w*4, w, h, q, scan))
			ref, err := jpeg.Decode(bytes.NewReader(jpegFile(nil, w, h, q, scan)))
			require.NoError(t, err)
			worst := 0
			for y := range h {
				for x := range w {
					r, g, b, _ := ref.At(x, y).RGBA()
					o := (y*w + x) * 4
					for c, v := range [3]uint32{r >> 8, g >> 8, b >> 8} {
						worst = max(worst, abs(int(got[o+c])-int(v)))
					}
					require.Equal(t, byte(255), got[o+3], "alpha")
				}
			}
			t.Logf("%dx%d q%d worst %d", w, h, q, worst)
			require.LessOrEqual(t, worst, 3, "%dx%d q%d", w, h, q)
		}
	}
}

func abs(v int) int { return max(v, -v) }
