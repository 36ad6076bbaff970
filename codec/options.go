package codec

import (
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// Level trades encoding speed for message size. It does not change the wire
// format: a Decoder reads every level.
type Level int

const (
	// LevelFastest is the default: zstd's fastest level. A 1080p key frame of
	// text compresses in a few milliseconds.
	LevelFastest Level = iota
	// LevelDefault is zstd's default level: somewhat smaller, about twice as slow.
	LevelDefault
	// LevelBetter is zstd's "better compression" level: smaller still, several
	// times slower; for slow links.
	LevelBetter
)

// String returns the level's name.
func (l Level) String() string {
	switch l {
	case LevelFastest:
		return "fastest"
	case LevelDefault:
		return "default"
	case LevelBetter:
		return "better"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

func (l Level) zstd() zstd.EncoderLevel {
	switch l {
	case LevelDefault:
		return zstd.SpeedDefault
	case LevelBetter:
		return zstd.SpeedBetterCompression
	}
	return zstd.SpeedFastest
}

// Option configures an Encoder.
type Option func(*encoderOptions) error

type encoderOptions struct {
	level Level
}

// WithLevel sets the compression level. Default LevelFastest; one of
// LevelFastest, LevelDefault, LevelBetter.
func WithLevel(l Level) Option {
	return func(o *encoderOptions) error {
		if l < LevelFastest || l > LevelBetter {
			return fmt.Errorf("%w: WithLevel(%d): use LevelFastest, LevelDefault or LevelBetter", ErrInvalidOption, int(l))
		}
		o.level = l
		return nil
	}
}

// DecoderOption configures a Decoder.
type DecoderOption func(*decoderOptions) error

type decoderOptions struct {
	maxPixels  int
	maxMessage int
}

const (
	defaultMaxPixels  = 8192 * 8192
	maxMaxPixels      = 1 << 28
	defaultMaxMessage = 64 << 20
	maxMaxMessage     = 1 << 30
)

// WithMaxPixels sets the largest frame (width*height) the decoder accepts; larger
// frames are refused with ErrTooLarge before anything is allocated. The decoder
// may use up to about 7 bytes per pixel of this limit (framebuffer and one
// decompressed message). Default 8192*8192; range 1..1<<28.
func WithMaxPixels(n int) DecoderOption {
	return func(o *decoderOptions) error {
		if n < 1 || n > maxMaxPixels {
			return fmt.Errorf("%w: WithMaxPixels(%d): range is 1..%d", ErrInvalidOption, n, maxMaxPixels)
		}
		o.maxPixels = n
		return nil
	}
}

// WithMaxMessage sets the largest message, in bytes, the decoder accepts; larger
// ones are refused with ErrTooLarge. Default 64 MiB; range HeaderSize+1..1<<30.
func WithMaxMessage(n int) DecoderOption {
	return func(o *decoderOptions) error {
		if n < HeaderSize+1 || n > maxMaxMessage {
			return fmt.Errorf("%w: WithMaxMessage(%d): range is %d..%d", ErrInvalidOption, n, HeaderSize+1, maxMaxMessage)
		}
		o.maxMessage = n
		return nil
	}
}
