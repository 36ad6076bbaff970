package codecbench

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// PNGLevel is the compression level of the full-frame PNG baseline.
type PNGLevel int

const (
	// PNGDefault is image/png's default compression.
	PNGDefault PNGLevel = iota
	// PNGFastest is image/png's BestSpeed.
	PNGFastest
)

// PNG returns the full-frame PNG baseline (image/png): every frame is an
// independent PNG, as a naive screen sharer sends it.
func PNG(name string, level PNGLevel) FrameCodec {
	cl := png.DefaultCompression
	if level == PNGFastest {
		cl = png.BestSpeed
	}
	return pngCodec{name: name, level: cl}
}

// Zstd returns the full-frame zstd baseline: every frame's raw RGBA pixels
// compressed independently at SpeedFastest, one goroutine, no checksum (as
// deskhand's codec).
func Zstd(name string) FrameCodec { return zstdCodec{name: name} }

// S2 returns the full-frame s2 baseline: every frame's raw RGBA pixels
// compressed independently as one s2 block.
func S2(name string) FrameCodec { return s2Codec{name: name} }

type pngCodec struct {
	name  string
	level png.CompressionLevel
}

func (c pngCodec) Name() string { return c.name }
func (c pngCodec) Lossy() bool  { return false }

func (c pngCodec) NewSequence(width, height int) (Sequence, error) {
	return &pngSeq{enc: png.Encoder{CompressionLevel: c.level}, img: image.NewRGBA(image.Rect(0, 0, width, height))}, nil
}

type pngSeq struct {
	enc png.Encoder
	buf bytes.Buffer
	img *image.RGBA
}

func (s *pngSeq) Encode(f *image.RGBA) ([]byte, error) {
	s.buf.Reset()
	if err := s.enc.Encode(&s.buf, f); err != nil {
		return nil, err
	}
	return s.buf.Bytes(), nil
}

// EncodeKey implements Sequence: every message is independent.
func (s *pngSeq) EncodeKey(f *image.RGBA) ([]byte, error) { return s.Encode(f) }

func (s *pngSeq) Decode(msg []byte) (*image.RGBA, error) {
	m, err := png.Decode(bytes.NewReader(msg))
	if err != nil {
		return nil, err
	}
	if rgba, ok := m.(*image.RGBA); ok {
		return rgba, nil
	}
	// An opaque RGBA frame comes back as *image.RGBA; other models (gray,
	// palette) are converted, and that conversion is part of the decode cost.
	if m.Bounds() != s.img.Bounds() {
		return nil, fmt.Errorf("png decoded %v, want %v", m.Bounds(), s.img.Bounds())
	}
	draw.Draw(s.img, s.img.Bounds(), m, image.Point{}, draw.Src)
	return s.img, nil
}

func (s *pngSeq) Close() error { return nil }

type zstdCodec struct{ name string }

func (c zstdCodec) Name() string { return c.name }
func (c zstdCodec) Lossy() bool  { return false }

func (c zstdCodec) NewSequence(width, height int) (Sequence, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(false),
	)
	if err != nil {
		return nil, err
	}
	size := width * height * 4
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(uint64(size)+1),
		zstd.WithDecodeAllCapLimit(true),
	)
	if err != nil {
		enc.Close()
		return nil, err
	}
	return &zstdSeq{enc: enc, dec: dec, img: image.NewRGBA(image.Rect(0, 0, width, height))}, nil
}

type zstdSeq struct {
	enc  *zstd.Encoder
	dec  *zstd.Decoder
	buf  []byte
	img  *image.RGBA
	done bool
}

func (s *zstdSeq) Encode(f *image.RGBA) ([]byte, error) {
	pix, err := packedPix(f, s.img.Bounds())
	if err != nil {
		return nil, err
	}
	s.buf = s.enc.EncodeAll(pix, s.buf[:0])
	return s.buf, nil
}

// EncodeKey implements Sequence: every message is independent.
func (s *zstdSeq) EncodeKey(f *image.RGBA) ([]byte, error) { return s.Encode(f) }

func (s *zstdSeq) Decode(msg []byte) (*image.RGBA, error) {
	out, err := s.dec.DecodeAll(msg, s.img.Pix[:0])
	if err != nil {
		return nil, err
	}
	if len(out) != len(s.img.Pix) || &out[0] != &s.img.Pix[0] {
		return nil, fmt.Errorf("zstd decoded %d bytes, want %d", len(out), len(s.img.Pix))
	}
	return s.img, nil
}

func (s *zstdSeq) Close() error {
	if s.done {
		return nil
	}
	s.done = true
	s.dec.Close()
	return s.enc.Close()
}

type s2Codec struct{ name string }

func (c s2Codec) Name() string { return c.name }
func (c s2Codec) Lossy() bool  { return false }

func (c s2Codec) NewSequence(width, height int) (Sequence, error) {
	return &s2Seq{img: image.NewRGBA(image.Rect(0, 0, width, height))}, nil
}

type s2Seq struct {
	buf []byte
	img *image.RGBA
}

func (s *s2Seq) Encode(f *image.RGBA) ([]byte, error) {
	pix, err := packedPix(f, s.img.Bounds())
	if err != nil {
		return nil, err
	}
	s.buf = s2.Encode(s.buf[:cap(s.buf)], pix)
	return s.buf, nil
}

// EncodeKey implements Sequence: every message is independent.
func (s *s2Seq) EncodeKey(f *image.RGBA) ([]byte, error) { return s.Encode(f) }

func (s *s2Seq) Decode(msg []byte) (*image.RGBA, error) {
	n, err := s2.DecodedLen(msg)
	if err != nil {
		return nil, err
	}
	if n != len(s.img.Pix) {
		return nil, fmt.Errorf("s2 block holds %d bytes, want %d", n, len(s.img.Pix))
	}
	if _, err := s2.Decode(s.img.Pix, msg); err != nil {
		return nil, err
	}
	return s.img, nil
}

func (s *s2Seq) Close() error { return nil }

// packedPix returns f's pixels as width*4-byte rows with no padding, the raw
// frame the full-frame baselines compress.
func packedPix(f *image.RGBA, want image.Rectangle) ([]byte, error) {
	if f.Bounds() != want {
		return nil, fmt.Errorf("%w: frame is %v, sequence is %v", ErrFrame, f.Bounds(), want)
	}
	w, h := want.Dx(), want.Dy()
	if f.Stride == w*4 {
		return f.Pix[:w*h*4], nil
	}
	out := make([]byte, 0, w*h*4)
	for y := 0; y < h; y++ {
		out = append(out, f.Pix[y*f.Stride:y*f.Stride+w*4]...)
	}
	return out, nil
}
