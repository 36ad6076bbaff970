package codecbench

import (
	"context"
	"fmt"
	"github.com/deskhand/deskhand/codec"
	"image"
	"os/exec"
	"strings"
	"time"
)

// Codec is one compression scheme under test. A Codec is a FrameCodec or a
// SequenceCodec; RunCorpus rejects any other.
type Codec interface {
	// Name is the codec's row name, unique in a run, e.g. "deskhand".
	Name() string
	// Lossy says whether decoded frames may differ from the source. A lossless
	// codec must rebuild every frame exactly (RGB); a lossy one gets PSNR.
	Lossy() bool
}

// FrameCodec codes a sequence frame by frame inside this process, so each
// Encode and Decode call is timed on its own.
type FrameCodec interface {
	Codec
	// NewSequence starts a stream of frames of the given size, as one
	// screen-sharing session would: the encoder may use earlier frames.
	NewSequence(width, height int) (Sequence, error)
}

// Sequence encodes and decodes one stream of frames in order.
type Sequence interface {
	// Encode returns the message for the next frame. An empty message means
	// "unchanged": it counts as 0 bytes and Decode is not called for it. The
	// returned slice may be reused by the next Encode.
	Encode(frame *image.RGBA) ([]byte, error)
	// EncodeKey returns frame coded as a key frame (intra frame): a message
	// that Decode applies whatever came before it, as a viewer joining a
	// session needs. It never returns an empty message. A codec whose
	// messages are all independent encodes it as Encode does.
	EncodeKey(frame *image.RGBA) ([]byte, error)
	// Decode applies the message of the next frame and returns the picture,
	// which stays owned by the Sequence and valid until the next Decode or
	// Close.
	Decode(msg []byte) (*image.RGBA, error)
	// Close releases the stream. It is idempotent.
	Close() error
}

// SequenceCodec codes a whole sequence at once, e.g. in an external process,
// so only its total times are known: RunCorpus reports them as averages per
// frame (Result.TimingAvg).
type SequenceCodec interface {
	Codec
	// CodeSequence encodes frames in order, decodes the result and calls
	// decoded once per frame, in order, with the decoded picture (valid only
	// during the call; decoding may be a separate untimed pass). An error from
	// decoded stops the work and is returned.
	CodeSequence(ctx context.Context, frames []*image.RGBA, decoded func(i int, img *image.RGBA) error) (SequenceStats, error)
}

// SequenceStats is what a SequenceCodec measured.
type SequenceStats struct {
	// FrameBytes is the encoded size of each frame, one entry per frame.
	FrameBytes []int
	// Encode and Decode are the wall times for the whole sequence.
	Encode, Decode time.Duration
	// Notes says how the times were taken, for the report.
	Notes string
}

// DefaultCodecs returns the codecs `bench codec` runs when --codecs is not
// given: deskhand, full-frame PNG (default and fastest compression), full-frame
// zstd and s2 on the raw RGBA pixels, and, when an ffmpeg executable is found
// in PATH, x264 lossless (libx264rgb -qp 0), x264 CRF 23 and VP8 realtime.
func DefaultCodecs() []Codec {
	cs := []Codec{
		Deskhand("deskhand", false),
		Deskhand("deskhand-lossy", true, codec.WithQuality(codec.DefaultQuality)),
		PNG("png", PNGDefault),
		PNG("png-fast", PNGFastest),
		Zstd("zstd-fastest"),
		S2("s2"),
	}
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		cs = append(cs, FFmpegCodecs("")...)
	}
	return cs
}

// AllCodecs returns DefaultCodecs plus variants that only run when named with
// --codecs (x264 -qp 0 in YUV 4:4:4, whose colour conversion rounds).
func AllCodecs() []Codec {
	cs := DefaultCodecs()
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		cs = append(cs, x264YUV444Lossless(""))
	}
	return cs
}

// SelectCodecs returns the codecs of AllCodecs with the given names, in the
// given order. An empty list selects DefaultCodecs. An unknown or repeated
// name returns ErrUnknownCodec listing the known names.
func SelectCodecs(names []string) ([]Codec, error) {
	if len(names) == 0 {
		return DefaultCodecs(), nil
	}
	all := AllCodecs()
	byName := make(map[string]Codec, len(all))
	known := make([]string, 0, len(all))
	for _, c := range all {
		byName[c.Name()] = c
		known = append(known, c.Name())
	}
	seen := map[string]bool{}
	var out []Codec
	for _, n := range names {
		n = strings.TrimSpace(n)
		c, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("%w %q (known: %s; ffmpeg codecs need ffmpeg in PATH)", ErrUnknownCodec, n, strings.Join(known, ", "))
		}
		if seen[n] {
			return nil, fmt.Errorf("%w: %q named twice", ErrUnknownCodec, n)
		}
		seen[n] = true
		out = append(out, c)
	}
	return out, nil
}
