package codecbench

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

func FuzzSplitAnnexB(f *testing.F) {
	f.Add(cat(nal(7, 0x42), nal(8, 0xce), nal(5, 0x88, 0x84), nal(5, 0x40), nal(1, 0x9a), nal(9, 0x10), nal(1, 0x9a)))
	f.Add([]byte{0, 0, 1, 0x65, 0x88, 0, 0, 0, 1, 0x41, 0x9a, 0})
	f.Add([]byte{0, 0, 0, 0, 0, 1, 0x09})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		sizes, err := SplitAnnexB(data)
		if err != nil {
			return
		}
		total := 0
		for _, s := range sizes {
			if s <= 0 {
				t.Fatalf("empty access unit in %v", sizes)
			}
			total += s
		}
		if total != len(data) {
			t.Fatalf("sizes add up to %d, stream is %d bytes", total, len(data))
		}
	})
}

func FuzzSplitIVF(f *testing.F) {
	f.Add(ivf([]byte{1, 2, 3}, nil, make([]byte, 40)))
	f.Add(ivf())
	f.Add([]byte("DKIF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		sizes, err := SplitIVF(data)
		if err != nil {
			return
		}
		total := 0
		for _, s := range sizes {
			if s < 0 {
				t.Fatalf("negative frame size in %v", sizes)
			}
			total += s + 12
		}
		if total > len(data) {
			t.Fatalf("frames claim %d bytes of a %d-byte file", total, len(data))
		}
	})
}

func FuzzDecodeFrame(f *testing.F) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 7, 3))); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	buf.Reset()
	if err := png.Encode(&buf, image.NewGray16(image.Rect(0, 0, 2, 9))); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	const maxPixels = 1 << 16 // keeps the fuzzer's memory small
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeFrame(data, maxPixels)
		if err != nil {
			return
		}
		b := img.Bounds()
		if b.Min != (image.Point{}) || b.Dx()*b.Dy() > maxPixels || len(img.Pix) < b.Dx()*b.Dy()*4 {
			t.Fatalf("bad image %v, %d bytes", b, len(img.Pix))
		}
	})
}
