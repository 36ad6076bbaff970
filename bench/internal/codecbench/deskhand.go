package codecbench

import (
	"errors"
	"image"

	"github.com/deskhand/deskhand/codec"
)

// Deskhand returns deskhand's codec as a FrameCodec named name, encoding with
// opts. lossy must say whether opts make it lossy (e.g. a quality option), so
// that the runner checks exactness or measures PSNR accordingly. A new
// variant is one line: Deskhand("deskhand-lossy", true, codec.WithQuality(75)).
func Deskhand(name string, lossy bool, opts ...codec.Option) FrameCodec {
	return deskhandCodec{name: name, lossy: lossy, opts: opts}
}

type deskhandCodec struct {
	name  string
	lossy bool
	opts  []codec.Option
}

func (c deskhandCodec) Name() string { return c.name }
func (c deskhandCodec) Lossy() bool  { return c.lossy }

func (c deskhandCodec) NewSequence(width, height int) (Sequence, error) {
	enc, err := codec.NewEncoder(c.opts...)
	if err != nil {
		return nil, err
	}
	// The decoder must accept every frame the benchmark may feed it.
	dec, err := codec.NewDecoder(codec.WithMaxPixels(max(width*height, 1)))
	if err != nil {
		return nil, errors.Join(err, enc.Close())
	}
	return &deskhandSeq{enc: enc, dec: dec}, nil
}

type deskhandSeq struct {
	enc *codec.Encoder
	dec *codec.Decoder
	buf []byte
}

func (s *deskhandSeq) Encode(f *image.RGBA) ([]byte, error) { return s.encode(f, false) }

// EncodeKey asks the same Encoder for a key frame (Encode's key argument),
// so a measured key frame runs on warm buffers and workers, as one sent to a
// viewer joining a running session does.
func (s *deskhandSeq) EncodeKey(f *image.RGBA) ([]byte, error) { return s.encode(f, true) }

func (s *deskhandSeq) encode(f *image.RGBA, key bool) ([]byte, error) {
	b := f.Bounds()
	var err error
	s.buf, err = s.enc.Encode(s.buf[:0], codec.Image{
		Width:  b.Dx(),
		Height: b.Dy(),
		Stride: f.Stride,
		Format: codec.RGBA,
		Pix:    f.Pix,
	}, key)
	return s.buf, err
}

func (s *deskhandSeq) Decode(msg []byte) (*image.RGBA, error) {
	if _, err := s.dec.Decode(msg); err != nil {
		return nil, err
	}
	return s.dec.Image(), nil
}

func (s *deskhandSeq) Close() error {
	return errors.Join(s.enc.Close(), s.dec.Close())
}
