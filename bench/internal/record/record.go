package record

import (
	"context"
	"fmt"
	"time"

	"github.com/deskhand/deskhand/capture"
)

// Width and Height are the size of the screen every scenario is recorded
// on.
const (
	Width  = 1920
	Height = 1080
)

// Record records one scenario into dir, which must not exist or be empty,
// and returns what it wrote to dir/corpus.json. It starts its own Xvfb and
// the scenario's programs, and stops all of them before it returns, also
// when ctx is cancelled or something fails; a failed recording leaves no
// frames behind.
func Record(ctx context.Context, scenario, dir string, opts ...Option) (Info, error) {
	sp, err := lookup(scenario)
	if err != nil {
		return Info{}, err
	}
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return Info{}, err
		}
	}
	frames := o.frames
	switch {
	case o.duration > 0:
		interval := time.Second / time.Duration(o.fps)
		frames = int((o.duration + interval - 1) / interval)
	case frames == 0:
		frames = sp.frames
	}
	if frames < 1 || frames > maxFrames {
		return Info{}, fmt.Errorf("%w: %d frames: use 1..%d", ErrInvalidOption, frames, maxFrames)
	}
	if dir == "" {
		return Info{}, fmt.Errorf("%w: no output directory", ErrInvalidOption)
	}
	return record(ctx, sp, dir, frames, o)
}

// packFrame copies a frame's rows into dst (grown as needed) without the
// row padding.
func packFrame(dst []byte, f *capture.Frame) []byte {
	row := 4 * f.Width
	n := row * f.Height
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	for y := 0; y < f.Height; y++ {
		copy(dst[y*row:(y+1)*row], f.Pix[y*f.Stride:])
	}
	return dst
}
