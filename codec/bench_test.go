package codec

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

const benchW, benchH = 1920, 1080

// benchDesktop is a 1080p text-heavy desktop frame and its font.
func benchDesktop() (*frame, *font) {
	rng := rand.New(rand.NewPCG(42, 1080))
	f := newFont(rng)
	return desktopFrame(rng, f, benchW, benchH, BGRA), f
}

// typeChar draws the i-th character of a line being typed in the window.
func typeChar(fr *frame, f *font, i int) {
	fr.glyph(f, i%len(f), benchW/16+4+(i%200)*7, 600, 0, 0, 0, 255, 255, 255)
}

func newBenchEncoder(b *testing.B, l Level) *Encoder {
	enc, err := NewEncoder(WithLevel(l))
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

// BenchmarkBytesEqual is the floor for BenchmarkEncodeUnchanged: one
// comparison of two copies of the frame.
func BenchmarkBytesEqual(b *testing.B) {
	fr, _ := benchDesktop()
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
	fr, _ := benchDesktop()
	enc := newBenchEncoder(b, LevelFastest)
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

func BenchmarkEncodeSmallChange(b *testing.B) {
	fr, f := benchDesktop()
	enc := newBenchEncoder(b, LevelFastest)
	buf, err := enc.Encode(nil, fr.Image, false)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(fr.Pix)))
	b.ReportAllocs()
	total, i := 0, 0
	for b.Loop() {
		i++
		typeChar(fr, f, i)
		buf, err = enc.Encode(buf[:0], fr.Image, false)
		if err != nil || len(buf) == 0 {
			b.Fatal("expected a message", err)
		}
		total += len(buf)
	}
	b.ReportMetric(float64(total)/float64(i), "msg-B/op")
}

func BenchmarkEncodeKeyText(b *testing.B) {
	for _, l := range []Level{LevelFastest, LevelDefault, LevelBetter} {
		b.Run(l.String(), func(b *testing.B) {
			fr, _ := benchDesktop()
			enc := newBenchEncoder(b, l)
			var buf []byte
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
			b.ReportMetric(float64(benchW*benchH*3)/float64(len(buf)), "ratio-vs-RGB")
		})
	}
}

func BenchmarkDecodeKeyText(b *testing.B) {
	fr, _ := benchDesktop()
	enc := newBenchEncoder(b, LevelFastest)
	msg, err := enc.Encode(nil, fr.Image, true)
	if err != nil {
		b.Fatal(err)
	}
	dec := newBenchDecoder(b)
	b.SetBytes(int64(benchW * benchH * 4))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSmallChange(b *testing.B) {
	fr, f := benchDesktop()
	enc := newBenchEncoder(b, LevelFastest)
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
		binary.LittleEndian.PutUint32(m[8:], seq)
		if _, err := dec.Decode(m); err != nil {
			b.Fatal(err)
		}
	}
}
