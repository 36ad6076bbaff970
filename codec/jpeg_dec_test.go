package codec

import (
	"crypto/sha256"
	"encoding/hex"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// scanWriter writes baseline scan data with the fixed Huffman tables:
// stuffed 0xFF bytes, padded with 1 bits.
type scanWriter struct {
	buf  []byte
	acc  uint64
	nacc uint
}

func (w *scanWriter) put(v uint32, n uint) {
	w.acc = w.acc<<n | uint64(v)&(1<<n-1)
	w.nacc += n
	for w.nacc >= 8 {
		b := byte(w.acc >> (w.nacc - 8))
		w.buf = append(w.buf, b)
		if b == 0xFF {
			w.buf = append(w.buf, 0)
		}
		w.nacc -= 8
	}
}

func (w *scanWriter) code(t int, sym uint8) {
	c := jpegTables.enc[t][sym]
	w.put(c&0xFFFF, uint(c>>24))
}

// value writes the category code of v with table t (run r for AC) and its
// magnitude bits.
func (w *scanWriter) value(t int, r, v int) {
	s := uint(bits.Len(uint(max(v, -v))))
	w.code(t, uint8(r<<4)|uint8(s))
	if s > 0 {
		if v < 0 {
			v--
		}
		w.put(uint32(v), s)
	}
}

func (w *scanWriter) finish() []byte {
	if w.nacc > 0 {
		w.put(1<<(8-w.nacc)-1, 8-w.nacc)
	}
	return w.buf
}

// randomScan returns the scan of a w x h region whose blocks have random
// quantised coefficients (natural order) in one of the shapes the decoder
// treats differently: DC only, the top-left 2x2 or 4x4, first row or
// column only, anywhere; small values mostly, sometimes extreme ones that
// need clamping. It does not depend on the encoder.
func randomScan(rng *rand.Rand, w, h int) []byte {
	var sw scanWriter
	var prev [3]int
	for range ((w + 15) / 16) * ((h + 15) / 16) {
		for b := range 6 {
			comp := max(b-3, 0)
			t := min(comp, 1)
			var c [64]int
			dcMax := 1023
			if rng.IntN(4) > 0 {
				dcMax = 200
			}
			c[0] = rng.IntN(2*dcMax+1) - dcMax
			shape := rng.IntN(7)
			amp := []int{3, 20, 1023}[rng.IntN(3)]
			for n := 1; n < 64; n++ {
				u, v := n>>3, n&7
				var in bool
				switch shape {
				case 0: // DC only
				case 1:
					in = u < 2 && v < 2
				case 2:
					in = u < 4 && v < 4
				case 3:
					in = u == 0
				case 4:
					in = v == 0
				case 5:
					in = true
				case 6:
					in = u < 4 && v < 8
				}
				if in && rng.IntN(3) == 0 {
					c[n] = rng.IntN(2*amp+1) - amp
				}
			}
			sw.value(2*t, 0, c[0]-prev[comp])
			prev[comp] = c[0]
			run := 0
			for k := 1; k < 64; k++ {
				v := c[unzig[k]]
				if v == 0 {
					run++
					continue
				}
				for ; run > 15; run -= 16 {
					sw.code(2*t+1, 0xF0)
				}
				sw.value(2*t+1, run, v)
				run = 0
			}
			if run > 0 {
				sw.code(2*t+1, 0x00)
			}
		}
	}
	return sw.finish()
}

// decodeDigest decodes random scans of every region shape at random
// qualities, intact and corrupted, with one decoder, and hashes what each
// decode gives: the pixels, or the error.
func decodeDigest(t testing.TB, extra [][]byte) string {
	rng := rand.New(rand.NewPCG(13, 42))
	h := sha256.New()
	var dec jpegDecoder
	out := make([]byte, TileSize*TileSize*4)
	one := func(w, ht, q int, scan []byte) {
		clear(out)
		if err := dec.decode(out, w*4, w, ht, q, scan); err != nil {
			h.Write([]byte(err.Error()))
			return
		}
		h.Write(out[:w*ht*4])
	}
	for i := range 600 {
		w, ht := rng.IntN(TileSize)+1, rng.IntN(TileSize)+1
		if i%3 == 0 {
			w, ht = TileSize, TileSize
		}
		q := rng.IntN(100) + 1
		scan := randomScan(rng, w, ht)
		one(w, ht, q, scan)
		if i%4 == 0 && len(scan) > 0 {
			bad := append([]byte(nil), scan...)
			bad[rng.IntN(len(bad))] ^= byte(1 << rng.IntN(8))
			one(w, ht, q, bad)
			one(w, ht, q, scan[:rng.IntN(len(scan))])
		}
	}
	ph := photo(TileSize, TileSize, 5)
	var enc jpegEncoder
	for _, q := range []int{1, 10, 25, 40, 60, 85, 95, 100} {
		scan := enc.appendJPEG(nil, region(ph, 0, 0, 50, 37), 50*4, 50, 37, RGBA, q)
		one(50, 37, q, scan)
	}
	for i, e := range extra {
		one(i%TileSize+1, i*7%TileSize+1, i*13%100+1, e)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestJPEGDecodeUnchanged pins what the decoder outputs for a fixed set of
// scans (random coefficients of every shape, values that need clamping,
// regions cut at every edge, corrupted and truncated scans), so that a
// faster decoder must give the same pixels and the same errors byte for
// byte. The digest was taken from the decoder before the speed-ups of
// jpeg_decode.go.
func TestJPEGDecodeUnchanged(t *testing.T) {
	const want = "b7f70f0ca69716a37148ec010579ecf7e08848c3eb1cb06cea04d69b5b661709"
	require.Equal(t, want, decodeDigest(t, nil))
}

// TestJPEGRandomScansDecode checks the scan writer of these tests: the
// random scans must decode (else the digest above would only pin errors).
func TestJPEGRandomScansDecode(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var dec jpegDecoder
	out := make([]byte, TileSize*TileSize*4)
	for range 200 {
		w, h := rng.IntN(TileSize)+1, rng.IntN(TileSize)+1
		require.NoError(t, dec.decode(out, w*4, w, h, rng.IntN(100)+1, randomScan(rng, w, h)))
	}
}

// TestJPEGDecodeNoAlloc: decoding a scan allocates nothing.
func TestJPEGDecodeNoAlloc(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	scan := randomScan(rng, TileSize, TileSize)
	var dec jpegDecoder
	out := make([]byte, TileSize*TileSize*4)
	allocs := testing.AllocsPerRun(20, func() {
		if err := dec.decode(out, TileSize*4, TileSize, TileSize, DefaultQuality, scan); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}

// jpegDecCases are the recorded scenarios and qualities of the decoder
// benchmarks.
var jpegDecCases = []struct {
	scenario string
	quality  int
}{{"video", 40}, {"photos", 40}, {"photos", 85}}

// corpusFrames loads the first n frames of a recorded scenario, or skips.
func corpusFrames(b *testing.B, name string, n int) []*frame {
	dir := os.Getenv("DESKHAND_CORPUS")
	if dir == "" {
		b.Skip("set DESKHAND_CORPUS to a directory of recorded scenarios")
	}
	frames := loadCorpus(b, filepath.Join(dir, name))
	return frames[:min(n, len(frames))]
}

// BenchmarkJPEGDecodeTiles decodes the JPEG scans of the 64x64 tiles of
// the first frame of a recorded scenario at a quality: the decoder alone.
// Run with DESKHAND_CORPUS=/work/corpus.
func BenchmarkJPEGDecodeTiles(b *testing.B) {
	for _, c := range jpegDecCases {
		b.Run(c.scenario+"-q"+strconv.Itoa(c.quality), func(b *testing.B) {
			dir := os.Getenv("DESKHAND_CORPUS")
			if dir == "" {
				b.Skip("set DESKHAND_CORPUS to a directory of recorded scenarios")
			}
			fr := loadFrame(b, filepath.Join(dir, c.scenario, "000000.png"))
			var enc jpegEncoder
			var scans [][]byte
			for y := 0; y+TileSize <= fr.Height; y += TileSize {
				for x := 0; x+TileSize <= fr.Width; x += TileSize {
					scans = append(scans, enc.appendJPEG(nil, fr.Pix[y*fr.Stride+x*4:], fr.Stride, TileSize, TileSize, BGRA, c.quality))
				}
			}
			var dec jpegDecoder
			out := make([]byte, TileSize*TileSize*4)
			b.SetBytes(int64(len(scans) * len(out)))
			b.ReportAllocs()
			cpu := startThreadCPU()
			for b.Loop() {
				for _, s := range scans {
					if err := dec.decode(out, TileSize*4, TileSize, TileSize, c.quality, s); err != nil {
						b.Fatal(err)
					}
				}
			}
			cpu.report(b)
		})
	}
}

// BenchmarkJPEGDecodeCorpus encodes ("enc") and decodes ("dec") the
// messages of the first 40 frames of a recorded scenario in a loop (a key
// frame every 40) at a quality, so that the two ms/frame give the ratio of
// issue 3 ("decode at least 4x faster than encode"). Run with -cpu 1 and
// DESKHAND_CORPUS=/work/corpus.
func BenchmarkJPEGDecodeCorpus(b *testing.B) {
	for _, c := range jpegDecCases {
		name := c.scenario + "-q" + strconv.Itoa(c.quality)
		var frames []*frame
		load := func(b *testing.B) []*frame {
			if frames == nil {
				frames = corpusFrames(b, c.scenario, 40)
			}
			return frames
		}
		stamp := func(i int) time.Time { return time.Unix(0, 0).Add(time.Duration(i) * time.Second / 30) }
		b.Run(name+"/enc", func(b *testing.B) {
			frames := load(b)
			enc := newBenchEncoder(b, WithQuality(c.quality))
			var msg []byte
			b.SetBytes(int64(len(frames[0].Pix)))
			b.ReportAllocs()
			i := 0
			cpu := startThreadCPU()
			for b.Loop() {
				img := frames[i%len(frames)].Image
				img.Time = stamp(i)
				var err error
				if msg, err = enc.Encode(msg[:0], img, i%len(frames) == 0); err != nil {
					b.Fatal(err)
				}
				i++
			}
			cpu.report(b)
		})
		b.Run(name+"/dec", func(b *testing.B) {
			frames := load(b)
			enc := newBenchEncoder(b, WithQuality(c.quality))
			msgs := make([][]byte, len(frames))
			for i, fr := range frames {
				img := fr.Image
				img.Time = stamp(i)
				var err error
				if msgs[i], err = enc.Encode(nil, img, i == 0); err != nil {
					b.Fatal(err)
				}
			}
			dec := newBenchDecoder(b)
			for _, m := range msgs { // allocate the buffers
				if len(m) > 0 {
					if _, err := dec.Decode(m); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.SetBytes(int64(len(frames[0].Pix)))
			b.ReportAllocs()
			i := 0
			cpu := startThreadCPU()
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
			cpu.report(b)
		})
	}
}

// threadCPU measures the CPU time of the benchmark's thread, which on a
// shared machine is steadier than the elapsed time: startThreadCPU locks
// the goroutine to its thread and reads the time it has run
// (/proc/thread-self/schedstat, Linux only); report adds it per iteration
// as cpu-ns/op (with -cpu 1, where the encoder and decoder run on the
// calling goroutine alone).
type threadCPU struct{ start time.Duration }

func startThreadCPU() threadCPU {
	runtime.LockOSThread()
	return threadCPU{readThreadCPU()}
}

func (c threadCPU) report(b *testing.B) {
	end := readThreadCPU()
	runtime.UnlockOSThread()
	if c.start >= 0 && end >= 0 && b.N > 0 {
		b.ReportMetric(float64(end-c.start)/float64(b.N), "cpu-ns/op")
	}
}

func readThreadCPU() time.Duration {
	data, err := os.ReadFile("/proc/thread-self/schedstat")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return -1
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return -1
	}
	return time.Duration(ns)
}
