package codec

import (
	"fmt"
	"runtime"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Level trades encoding speed for message size. It does not change the wire
// format: a Decoder reads every level.
type Level int

const (
	// LevelFastest is the default: zstd's fastest level.
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
	level       Level
	quality     int
	concurrency int
	refineDelay time.Duration
}

const (
	// DefaultQuality is a good JPEG quality for WithQuality and SetQuality:
	// photographs at 35-45 dB PSNR in about 0.2-0.5 bits per pixel.
	DefaultQuality = 40
	// DefaultRefineDelay is how long a lossy region must stay unchanged before
	// it is sent again losslessly.
	DefaultRefineDelay = 300 * time.Millisecond
	maxRefineDelay     = 10 * time.Second
	maxConcurrency     = 256
)

func defaultEncoderOptions() encoderOptions {
	return encoderOptions{level: LevelFastest, concurrency: runtime.GOMAXPROCS(0), refineDelay: DefaultRefineDelay}
}

// WithQuality makes the encoder send photographic regions (more than 256
// colours in a tile) as JPEG of this quality, 1..100; 0 (the default) keeps
// every message lossless. DefaultQuality is a good start. Lossy regions are
// sent again losslessly once unchanged for WithRefineDelay. SetQuality
// changes the quality between frames.
func WithQuality(q int) Option {
	return func(o *encoderOptions) error {
		if q < 0 || q > 100 {
			return fmt.Errorf("%w: WithQuality(%d): range is 0 (lossless) to 100", ErrInvalidOption, q)
		}
		o.quality = q
		return nil
	}
}

// WithConcurrency sets how many goroutines encode one frame: the calling
// goroutine and n-1 workers that live until Close. Default
// runtime.GOMAXPROCS(0); range 1..256. The messages do not depend on it.
func WithConcurrency(n int) Option {
	return func(o *encoderOptions) error {
		if n < 1 || n > maxConcurrency {
			return fmt.Errorf("%w: WithConcurrency(%d): range is 1..%d", ErrInvalidOption, n, maxConcurrency)
		}
		o.concurrency = n
		return nil
	}
}

// WithRefineDelay sets how long a region sent as JPEG must stay unchanged
// (by Image.Time) before the encoder sends it again losslessly, spread over
// the following messages (all of a full screen within about half a second).
// Default DefaultRefineDelay (300 ms); range 0..10s.
func WithRefineDelay(d time.Duration) Option {
	return func(o *encoderOptions) error {
		if d < 0 || d > maxRefineDelay {
			return fmt.Errorf("%w: WithRefineDelay(%v): range is 0..%v", ErrInvalidOption, d, maxRefineDelay)
		}
		o.refineDelay = d
		return nil
	}
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
	maxPixels   int
	maxMessage  int
	concurrency int
}

// WithDecoderConcurrency sets how many goroutines decode the JPEG regions of
// one message: the calling goroutine and n-1 workers that live until Close.
// Default runtime.GOMAXPROCS(0) (1 in a browser); range 1..256.
func WithDecoderConcurrency(n int) DecoderOption {
	return func(o *decoderOptions) error {
		if n < 1 || n > maxConcurrency {
			return fmt.Errorf("%w: WithDecoderConcurrency(%d): range is 1..%d", ErrInvalidOption, n, maxConcurrency)
		}
		o.concurrency = n
		return nil
	}
}

const (
	defaultMaxPixels  = 8192 * 8192
	maxMaxPixels      = 1 << 28
	defaultMaxMessage = 64 << 20
	maxMaxMessage     = 1 << 30
)

// WithMaxPixels sets the largest frame (width*height) the decoder accepts; larger
// frames are refused with ErrTooLarge before anything is allocated. The decoder
// may use up to about 19 bytes per pixel of this limit (framebuffer,
// long-term picture, one decompressed message, copy sources and decoded JPEG
// regions). Default 8192*8192; range 1..1<<28.
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
