package codec

import (
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// BenchmarkCorpus runs the codec over recorded screens when DESKHAND_CORPUS
// names a directory of scenarios (<dir>/<scenario>/000000.png ...; 1080p
// captures at 30 fps). Lossless scenarios must decode exactly; photos and
// video are encoded with DefaultQuality and report their PSNR. Per frame:
// encode and decode times, mean and median message size; for the first
// frame (a key frame) the s2 and zstd-fastest baselines on the raw BGRA
// frame. Run with -benchtime=1x.
func BenchmarkCorpus(b *testing.B) {
	dir := os.Getenv("DESKHAND_CORPUS")
	if dir == "" {
		b.Skip("set DESKHAND_CORPUS to a directory of recorded scenarios")
	}
	scenarios, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, sc := range scenarios {
		if !sc.IsDir() {
			continue
		}
		b.Run(sc.Name(), func(b *testing.B) {
			frames := loadCorpus(b, filepath.Join(dir, sc.Name()))
			lossy := sc.Name() == "photos" || sc.Name() == "video"
			var opts []Option
			if lossy {
				opts = append(opts, WithQuality(DefaultQuality))
			}
			var r corpusResult
			for b.Loop() {
				r = runCorpus(b, frames, opts)
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(r.encode)/float64(len(frames)), "enc-ms/frame")
			b.ReportMetric(ms(r.keyEncode), "key-enc-ms")
			b.ReportMetric(float64(r.sizes[0]), "key-B")
			// Updates: the non-empty deltas.
			var updates []int
			var updEnc, updDec []time.Duration
			total := 0
			for i, n := range r.sizes[1:] {
				total += n
				if n > 0 {
					updates = append(updates, n)
					updEnc = append(updEnc, r.encodes[i+1])
					updDec = append(updDec, r.decodes[i+1])
				}
			}
			b.ReportMetric(float64(total)*8*30/float64(len(frames)-1)/1e6, "Mbit/s@30fps")
			if len(updates) > 0 {
				slices.Sort(updates)
				slices.Sort(updEnc)
				slices.Sort(updDec)
				b.ReportMetric(float64(len(updates)), "updates")
				b.ReportMetric(float64(updates[len(updates)/2]), "update-median-B")
				b.ReportMetric(float64(updates[len(updates)*9/10]), "update-p90-B")
				b.ReportMetric(ms(updEnc[len(updEnc)/2]), "update-enc-median-ms")
				b.ReportMetric(ms(updDec[len(updDec)/2]), "update-dec-median-ms")
			}
			// A key frame in steady state (buffers allocated), as a session
			// sends when a viewer joins.
			enc := newBenchEncoder(b, opts...)
			var key []byte
			var keyTime time.Duration
			for i := range 6 {
				t0 := time.Now()
				key, err = enc.Encode(key[:0], frames[0].Image, true)
				if err != nil {
					b.Fatal(err)
				}
				if i > 0 {
					keyTime += time.Since(t0)
				}
			}
			b.ReportMetric(ms(keyTime)/5, "key-enc-warm-ms")
			dec := newBenchDecoder(b)
			t0 := time.Now()
			for range 5 {
				if _, err := dec.Decode(key); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(ms(time.Since(t0))/5, "key-dec-ms")
			if lossy {
				b.ReportMetric(r.psnr, "PSNR-dB")
				b.ReportMetric(float64(r.exact), "exact-frames")
			} else if r.exact != len(frames) {
				b.Errorf("%d of %d frames decoded exactly", r.exact, len(frames))
			}

			// Baselines on the raw first frame, in the same run.
			raw := frames[0].Pix
			start := time.Now()
			var out []byte
			const reps = 5
			for range reps {
				out = s2.Encode(out[:cap(out)], raw)
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/reps/1000, "s2-raw-ms")
			b.ReportMetric(float64(len(out)), "s2-raw-B")
			z, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(false))
			if err != nil {
				b.Fatal(err)
			}
			defer z.Close()
			start = time.Now()
			for range reps {
				out = z.EncodeAll(raw, out[:0])
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/reps/1000, "zstd-raw-ms")
			b.ReportMetric(float64(len(out)), "zstd-raw-B")
		})
	}
}

type corpusResult struct {
	sizes          []int
	encodes        []time.Duration
	decodes        []time.Duration
	encode, decode time.Duration
	keyEncode      time.Duration
	psnr           float64 // mean over frames
	exact          int     // frames decoded exactly
}

func runCorpus(b *testing.B, frames []*frame, opts []Option) corpusResult {
	enc := newBenchEncoder(b, opts...)
	dec := newBenchDecoder(b)
	var r corpusResult
	var msg []byte
	start := time.Unix(0, 0)
	for i, fr := range frames {
		img := fr.Image
		img.Time = start.Add(time.Duration(i) * time.Second / 30)
		t0 := time.Now()
		var err error
		msg, err = enc.Encode(msg[:0], img, false)
		el := time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		r.encode += el
		r.encodes = append(r.encodes, el)
		if i == 0 {
			r.keyEncode = el
		}
		r.sizes = append(r.sizes, len(msg))
		var dt time.Duration
		if len(msg) > 0 {
			t0 = time.Now()
			if _, err := dec.Decode(msg); err != nil {
				b.Fatal(err)
			}
			dt = time.Since(t0)
			r.decode += dt
		}
		r.decodes = append(r.decodes, dt)
		p := psnrFrame(fr, dec.Image())
		if p > 99 {
			r.exact++
			p = 99
		}
		r.psnr += p / float64(len(frames))
	}
	return r
}

// loadCorpus reads the PNG frames of a scenario as BGRA frames.
func loadCorpus(b *testing.B, dir string) []*frame {
	names, err := filepath.Glob(filepath.Join(dir, "*.png"))
	if err != nil || len(names) == 0 {
		b.Skipf("no frames in %s", dir)
	}
	sort.Strings(names)
	frames := make([]*frame, len(names))
	for i, name := range names {
		f, err := os.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		rgba, ok := img.(*image.RGBA)
		if !ok {
			rgba = image.NewRGBA(img.Bounds())
			draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
		}
		frames[i] = toFrame(rgba, BGRA)
	}
	return frames
}
