package codec

import (
	"bytes"
	"encoding/binary"
	"image"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// Benchmarks of the goals, each next to its baseline in the same run:
// unchanged frame vs BytesEqual, key frame vs S2RawText and ZstdRawText.
// Message sizes are reported as msg-B/op (mean) and median-B.

const benchW, benchH = 1920, 1080

// benchDesktop is a 1080p text-heavy desktop frame and its font (the
// synthetic glyphs of the first codec version).
func benchDesktop() (*frame, *font) {
	rng := rand.New(rand.NewPCG(42, 1080))
	f := newFont(rng)
	return desktopFrame(rng, f, benchW, benchH, BGRA), f
}

// benchScene returns a fresh 1080p desktop with antialiased text (and its
// frame), the realistic key frame of a text screen.
func benchScene() (*desktop, *frame) {
	d := newDesktop(benchW, benchH, 1080)
	return d, toFrame(d.img, BGRA)
}

// setRect copies rectangle r of img into fr.
func (fr *frame) setRect(img *image.RGBA, r image.Rectangle) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		dst := fr.Pix[y*fr.Stride+r.Min.X*4 : y*fr.Stride+r.Max.X*4]
		if fr.Format == RGBA {
			copy(dst, src)
			continue
		}
		for x := 0; x < len(src); x += 4 {
			dst[x], dst[x+1], dst[x+2], dst[x+3] = src[x+2], src[x+1], src[x], 255
		}
	}
}

// typeChar draws the i-th character of a line being typed in the window.
func typeChar(fr *frame, f *font, i int) {
	fr.glyph(f, i%len(f), benchW/16+4+(i%200)*7, 600, 0, 0, 0, 255, 255, 255)
}

func newBenchEncoder(b *testing.B, opts ...Option) *Encoder {
	enc, err := NewEncoder(opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { enc.Close() })
	return enc
}

func newBenchDecoder(b *testing.B) *Decoder {
	dec, err := NewDecoder()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { dec.Close() })
	return dec
}

// sizes collects message sizes and reports their mean and median.
type sizes []int

func (s *sizes) add(n int) { *s = append(*s, n) }

func (s sizes) report(b *testing.B) {
	if len(s) == 0 {
		return
	}
	total := 0
	for _, n := range s {
		total += n
	}
	sorted := slices.Clone(s)
	slices.Sort(sorted)
	b.ReportMetric(float64(total)/float64(len(s)), "msg-B/op")
	b.ReportMetric(float64(sorted[len(sorted)/2]), "median-B")
}

// BenchmarkBytesEqual is the floor for BenchmarkEncodeUnchanged: one
// comparison of two copies of the frame.
func BenchmarkBytesEqual(b *testing.B) {
	_, fr := benchScene()
	other := bytes.Clone(fr.Pix)
	b.SetBytes(int64(len(fr.Pix)))
	b.ReportAllocs()
	for b.Loop() {
		if !bytes.Equal(fr.Pix, other) {
			b.Fatal("differ")
		}
	}
}

func BenchmarkEncodeUnchanged(b *testing.B) {
	_, fr := benchScene()
	enc := newBenchEncoder(b)
	buf, err := enc.Encode(nil, fr.Image, false)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(fr.Pix)))
	b.ReportAllocs()
	for b.Loop() {
		out, err := enc.Encode(buf[:0], fr.Image, false)
		if err != nil || len(out) != 0 {
			b.Fatal("expected no message", err)
		}
	}
}

// BenchmarkEncodeSmallChange types synthetic glyphs (the first codec
// version's benchmark).
func BenchmarkEncodeSmallChange(b *testing.B) {
	fr, f := benchDesktop()
	enc := newBenchEncoder(b)
	buf, err := enc.Encode(nil, fr.Image, false)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(fr.Pix)))
	b.ReportAllocs()
	var s sizes
	i := 0
	for b.Loop() {
		i++
		typeChar(fr, f, i)
		buf, err = enc.Encode(buf[:0], fr.Image, false)
		if err != nil || len(buf) == 0 {
			b.Fatal("expected a message", err)
		}
		s.add(len(buf))
	}
	s.report(b)
}

// BenchmarkEncodeTyping types into the terminal of the realistic desktop:
// one antialiased character and the cursor per frame.
func BenchmarkEncodeTyping(b *testing.B) {
	d, fr := benchScene()
	enc := newBenchEncoder(b)
	buf, err := enc.Encode(nil, fr.Image, false)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(fr.Pix)))
	b.ReportAllocs()
	var s sizes
	i := 0
	for b.Loop() {
		i++
		b.StopTimer()
		fr.setRect(d.img, d.typeAt(i))
		b.StartTimer()
		buf, err = enc.Encode(buf[:0], fr.Image, false)
		if err != nil || len(buf) == 0 {
			b.Fatal("expected a message", err)
		}
		s.add(len(buf))
	}
	s.report(b)
}

func BenchmarkEncodeKeyText(b *testing.B) {
	for _, l := range []Level{LevelFastest, LevelDefault, LevelBetter} {
		b.Run(l.String(), func(b *testing.B) {
			_, fr := benchScene()
			enc := newBenchEncoder(b, WithLevel(l))
			buf, err := enc.Encode(nil, fr.Image, true) // allocate the buffers
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(fr.Pix)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				buf, err = enc.Encode(buf[:0], fr.Image, true)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(buf)), "msg-B/op")
			b.ReportMetric(float64(len(fr.Pix))/float64(len(buf)), "ratio-vs-BGRA")
		})
	}
}

// BenchmarkS2RawText is the speed baseline of the key frame: s2 on the
// captured (BGRA) frame.
func BenchmarkS2RawText(b *testing.B) {
	_, fr := benchScene()
	var buf []byte
	b.SetBytes(int64(len(fr.Pix)))
	b.ReportAllocs()
	for b.Loop() {
		buf = s2.Encode(buf[:cap(buf)], fr.Pix)
	}
	b.ReportMetric(float64(len(buf)), "msg-B/op")
	b.ReportMetric(float64(len(fr.Pix))/float64(len(buf)), "ratio-vs-BGRA")
}

// BenchmarkZstdRawText is the size baseline of the key frame: zstd's
// fastest level on the captured frame.
func BenchmarkZstdRawText(b *testing.B) {
	_, fr := benchScene()
	z, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(false))
	if err != nil {
		b.Fatal(err)
	}
	defer z.Close()
	var buf []byte
	b.SetBytes(int64(len(fr.Pix)))
	b.ReportAllocs()
	for b.Loop() {
		buf = z.EncodeAll(fr.Pix, buf[:0])
	}
	b.ReportMetric(float64(len(buf)), "msg-B/op")
	b.ReportMetric(float64(len(fr.Pix))/float64(len(buf)), "ratio-vs-BGRA")
}

// sequence is a benchmark workload: it changes the desktop and returns what
// changed.
type sequence func(d *desktop, i int) image.Rectangle

// scroll scrolls the terminal by one line per frame.
func scroll(d *desktop, i int) image.Rectangle {
	d.showTerm(i * d.lineHeight())
	return d.term
}

// drag moves the editor window 7 pixels right and 3 down per frame, and back.
func drag(d *desktop, i int) image.Rectangle {
	if i/40%2 == 0 {
		return d.moveEdit(7, 3)
	}
	return d.moveEdit(-7, -3)
}

// benchSequence encodes frames of seq after a key frame.
func benchSequence(b *testing.B, seq sequence) {
	d, fr := benchScene()
	enc := newBenchEncoder(b)
	buf, err := enc.Encode(nil, fr.Image, false)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(fr.Pix)))
	b.ReportAllocs()
	var s sizes
	i := 0
	for b.Loop() {
		i++
		b.StopTimer()
		fr.setRect(d.img, seq(d, i))
		b.StartTimer()
		buf, err = enc.Encode(buf[:0], fr.Image, false)
		if err != nil {
			b.Fatal(err)
		}
		s.add(len(buf))
	}
	s.report(b)
}

func BenchmarkEncodeScroll(b *testing.B) { benchSequence(b, scroll) }
func BenchmarkEncodeDrag(b *testing.B)   { benchSequence(b, drag) }

// benchPhotos are two different full-screen photographs: showing them in
// turn changes every tile and leaves nothing to copy, like video.
func benchPhotos() [2]*frame {
	return [2]*frame{toFrame(photo(benchW, benchH, 1), BGRA), toFrame(photo(benchW, benchH, 2), BGRA)}
}

func BenchmarkEncodeLossyPhoto(b *testing.B) {
	photos := benchPhotos()
	// Quality first, untimed: what the viewer shows.
	enc := newBenchEncoder(b, WithQuality(DefaultQuality))
	dec := newBenchDecoder(b)
	var buf []byte
	for _, p := range photos {
		var err error
		buf, err = enc.Encode(buf[:0], p.Image, false)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := dec.Decode(buf); err != nil {
			b.Fatal(err)
		}
	}
	psnr := psnrFrame(photos[1], dec.Image())

	b.SetBytes(int64(len(photos[0].Pix)))
	b.ReportAllocs()
	var s sizes
	i := 0
	for b.Loop() {
		i++
		var err error
		buf, err = enc.Encode(buf[:0], photos[i%2].Image, false)
		if err != nil {
			b.Fatal(err)
		}
		s.add(len(buf))
	}
	s.report(b)
	b.ReportMetric(psnr, "PSNR-dB")
}

// psnrFrame is the PSNR of a decoded picture against a source frame (+Inf
// when exact).
func psnrFrame(fr *frame, img *image.RGBA) float64 {
	var se float64
	for y := range fr.Height {
		src := fr.Pix[y*fr.Stride : y*fr.Stride+fr.Width*4]
		dst := img.Pix[y*img.Stride : y*img.Stride+fr.Width*4]
		for x := 0; x < len(src); x += 4 {
			v := binary.LittleEndian.Uint32(src[x:])
			if fr.Format == BGRA {
				v = swapRB(v)
			}
			g := binary.LittleEndian.Uint32(dst[x:])
			if (v^g)&mask24 == 0 {
				continue
			}
			for c := 0; c < 24; c += 8 {
				d := float64(int(v>>c&0xFF) - int(g>>c&0xFF))
				se += d * d
			}
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(fr.Width*fr.Height*3)))
}

func BenchmarkDecodeKeyText(b *testing.B) {
	_, fr := benchScene()
	enc := newBenchEncoder(b)
	msg, err := enc.Encode(nil, fr.Image, true)
	if err != nil {
		b.Fatal(err)
	}
	dec := newBenchDecoder(b)
	if _, err := dec.Decode(msg); err != nil { // allocate the buffers
		b.Fatal(err)
	}
	b.SetBytes(int64(len(fr.Pix)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// benchDecodeMessages decodes a recorded sequence of messages in a loop: a
// key frame, then the deltas, then again.
func benchDecodeMessages(b *testing.B, msgs [][]byte, pixels int) {
	dec := newBenchDecoder(b)
	for _, m := range msgs { // allocate the buffers
		if _, err := dec.Decode(m); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(pixels * 4))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := dec.Decode(msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// recordSequence encodes a key frame and n frames of seq.
func recordSequence(b *testing.B, seq sequence, n int, opts ...Option) [][]byte {
	d, fr := benchScene()
	enc := newBenchEncoder(b, opts...)
	var msgs [][]byte
	for i := range n + 1 {
		if i > 0 {
			fr.setRect(d.img, seq(d, i))
		}
		msg, err := enc.Encode(nil, fr.Image, false)
		if err != nil {
			b.Fatal(err)
		}
		if len(msg) > 0 {
			msgs = append(msgs, msg)
		}
	}
	return msgs
}

// BenchmarkDecodeScroll decodes scrolling deltas (the key frame once per
// 16 messages).
func BenchmarkDecodeScroll(b *testing.B) {
	benchDecodeMessages(b, recordSequence(b, scroll, 15), benchW*benchH)
}

func BenchmarkDecodeLossyPhoto(b *testing.B) {
	photos := benchPhotos()
	enc := newBenchEncoder(b, WithQuality(DefaultQuality))
	var msgs [][]byte
	for i := range 4 {
		msg, err := enc.Encode(nil, photos[i%2].Image, false)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, msg)
	}
	// Deltas only after the first: loop over messages 1..3 with fixed seq.
	dec := newBenchDecoder(b)
	if _, err := dec.Decode(msgs[0]); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(photos[0].Pix)))
	b.ReportAllocs()
	seq := uint32(0)
	for b.Loop() {
		seq++
		m := msgs[1+int(seq)%2]
		binary.LittleEndian.PutUint32(m[4:], seq)
		if _, err := dec.Decode(m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSmallChange(b *testing.B) {
	fr, f := benchDesktop()
	enc := newBenchEncoder(b)
	key, err := enc.Encode(nil, fr.Image, false)
	if err != nil {
		b.Fatal(err)
	}
	// Two deltas that undo each other; their seq is rewritten as the loop goes.
	orig := fr.clone()
	typeChar(fr, f, 7)
	typed, err := enc.Encode(nil, fr.Image, false)
	if err != nil {
		b.Fatal(err)
	}
	undone, err := enc.Encode(nil, orig.Image, false)
	if err != nil {
		b.Fatal(err)
	}
	deltas := [2][]byte{typed, undone}
	dec := newBenchDecoder(b)
	if _, err := dec.Decode(key); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(typed)))
	b.ReportAllocs()
	seq := uint32(0)
	for b.Loop() {
		seq++
		m := deltas[seq%2]
		binary.LittleEndian.PutUint32(m[4:], seq)
		if _, err := dec.Decode(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeFirstPhoto decodes a photograph that replaces a whole
// screen, with a decoder that has seen no JPEG before (the first photograph
// after connecting): what the decoder's scratch costs to grow.
func BenchmarkDecodeFirstPhoto(b *testing.B) {
	photos := benchPhotos()
	enc := newBenchEncoder(b, WithQuality(DefaultQuality))
	key, err := enc.Encode(nil, toFrame(wallpaper(benchW, benchH, 3), BGRA).Image, true)
	if err != nil {
		b.Fatal(err)
	}
	delta, err := enc.Encode(nil, photos[0].Image, false)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(photos[0].Pix)))
	for b.Loop() {
		b.StopTimer()
		dec, err := NewDecoder()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := dec.Decode(key); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := dec.Decode(delta); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		dec.Close()
		b.StartTimer()
	}
}
