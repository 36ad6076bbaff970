package record

import (
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Option configures Record.
type Option func(*options) error

type options struct {
	fps       int
	frames    int           // 0: the scenario's default, unless duration is set
	duration  time.Duration // 0: use frames
	encoders  int
	maxBuffer int64
	log       *slog.Logger
	progress  io.Writer
}

const (
	minFPS           = 1
	maxFPS           = 120
	defaultFPS       = 30
	defaultEncoders  = 2
	maxEncoders      = 64
	defaultMaxBuffer = 2 << 30
	minMaxBuffer     = 64 << 20
	maxDuration      = time.Hour
)

func defaultOptions() options {
	return options{
		fps:       defaultFPS,
		encoders:  defaultEncoders,
		maxBuffer: defaultMaxBuffer,
		log:       slog.New(slog.DiscardHandler),
	}
}

// WithFPS sets the capture pace: frame i is taken i/fps seconds after frame
// 0. Default 30; range 1..120.
func WithFPS(fps int) Option {
	return func(o *options) error {
		if fps < minFPS || fps > maxFPS {
			return fmt.Errorf("%w: WithFPS(%d): use %d..%d", ErrInvalidOption, fps, minFPS, maxFPS)
		}
		o.fps = fps
		return nil
	}
}

// WithFrames sets how many frames to record. Default: the scenario's own
// count (DefaultFrames); range 1..999999. It cannot be combined with
// WithDuration.
func WithFrames(n int) Option {
	return func(o *options) error {
		if n < 1 || n > maxFrames {
			return fmt.Errorf("%w: WithFrames(%d): use 1..%d", ErrInvalidOption, n, maxFrames)
		}
		if o.duration != 0 {
			return fmt.Errorf("%w: WithFrames and WithDuration both given; use one", ErrInvalidOption)
		}
		o.frames = n
		return nil
	}
}

// WithDuration records for d instead of a frame count: d times the fps
// frames, rounded up. Default: unset (the scenario's frame count); range
// above 0 up to one hour. It cannot be combined with WithFrames.
func WithDuration(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 || d > maxDuration {
			return fmt.Errorf("%w: WithDuration(%v): use more than 0 and at most %v", ErrInvalidOption, d, maxDuration)
		}
		if o.frames != 0 {
			return fmt.Errorf("%w: WithFrames and WithDuration both given; use one", ErrInvalidOption)
		}
		o.duration = d
		return nil
	}
}

// WithEncoders sets how many goroutines encode PNGs. Default 2; range
// 1..64. While frames are being captured only GOMAXPROCS-1 of them run (at
// least one), leaving a core to the capture and the programs on screen; for
// the video scenario none run until the capture ends, when the frames fit
// in WithMaxBuffer. The rest start when the capture ends.
func WithEncoders(n int) Option {
	return func(o *options) error {
		if n < 1 || n > maxEncoders {
			return fmt.Errorf("%w: WithEncoders(%d): use 1..%d", ErrInvalidOption, n, maxEncoders)
		}
		o.encoders = n
		return nil
	}
}

// WithMaxBuffer caps the memory held by captured frames waiting to be
// encoded (8 MiB per 1080p frame). The buffers, up to one per frame, are
// allocated and faulted in before the first frame, so that copying a frame
// never waits for the kernel. When encoding falls this far behind, the
// capture waits for a free buffer and the frames it takes late are counted
// in Info.Timing. Default 2 GiB (256 frames); at least 64 MiB.
func WithMaxBuffer(bytes int64) Option {
	return func(o *options) error {
		if bytes < minMaxBuffer {
			return fmt.Errorf("%w: WithMaxBuffer(%d): use at least %d bytes", ErrInvalidOption, bytes, minMaxBuffer)
		}
		o.maxBuffer = bytes
		return nil
	}
}

// WithLogger sets where Record reports what it starts and waits for (debug
// level) and the programs' own error output. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger(nil)", ErrInvalidOption)
		}
		o.log = l
		return nil
	}
}

// WithProgress writes one line per second of capture ("typing: 30/150
// frames captured, 12 written") and one when encoding ends. Default: none.
func WithProgress(w io.Writer) Option {
	return func(o *options) error {
		if w == nil {
			return fmt.Errorf("%w: WithProgress(nil)", ErrInvalidOption)
		}
		o.progress = w
		return nil
	}
}
