package screenshot

import (
	"context"
	"fmt"
	"image"
	"sync"
	"time"

	"github.com/deskhand/deskhand/capture"
	kb "github.com/kbinani/screenshot"
)

// Source captures one display, or the union of all, through kbinani/screenshot.
// It implements capture.Source and capture.Bounder. It is not safe for
// concurrent use, except Close.
type Source struct {
	mu       sync.Mutex
	monitors []capture.Monitor
	area     image.Rectangle
	pending  chan capResult // a capture abandoned by ctx
	frame    capture.Frame
	seq      uint64
	closed   bool
}

type capResult struct {
	img *image.RGBA
	err error
}

// Open prepares to capture display monitor (an index from Monitors, 0 being
// the primary display), or the union of all displays when monitor is -1. On
// X11 it needs $DISPLAY (see the package doc) and returns capture.ErrNoDisplay
// when nothing answers there.
func Open(monitor int) (*Source, error) {
	if monitor < -1 {
		return nil, fmt.Errorf("%w: monitor %d: use -1 (all displays) or an index", capture.ErrInvalidOption, monitor)
	}
	if err := checkDisplay(); err != nil {
		return nil, err
	}
	mons := listMonitors()
	if len(mons) == 0 {
		return nil, ErrNoDisplays
	}
	s := &Source{monitors: mons}
	switch {
	case monitor == -1:
		for _, m := range mons {
			s.area = s.area.Union(m.Bounds)
		}
	case monitor < len(mons):
		s.area = mons[monitor].Bounds
	default:
		return nil, fmt.Errorf("%w: monitor %d asked for, the system has %d", capture.ErrNoMonitor, monitor, len(mons))
	}
	if s.area.Empty() {
		return nil, ErrNoDisplays
	}
	return s, nil
}

// listMonitors reads kbinani's display list. Its coordinates put the
// primary display's top-left at (0, 0).
func listMonitors() []capture.Monitor {
	n := kb.NumActiveDisplays()
	mons := make([]capture.Monitor, 0, n)
	for i := 0; i < n; i++ {
		b := kb.GetDisplayBounds(i)
		if b.Empty() {
			continue
		}
		mons = append(mons, capture.Monitor{Index: len(mons), Bounds: b, Primary: i == 0})
	}
	return mons
}

// Next captures the area now. kbinani's call cannot be interrupted: when ctx
// ends first Next returns ctx's error, and the following Next waits for that
// capture to finish before starting another.
func (s *Source) Next(ctx context.Context) (*capture.Frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, capture.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.pending != nil {
		select {
		case <-s.pending:
			s.pending = nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	done := make(chan capResult, 1)
	area := s.area
	go func() {
		img, err := kb.CaptureRect(area)
		done <- capResult{img, err}
	}()
	var r capResult
	select {
	case r = <-done:
	case <-ctx.Done():
		s.pending = done
		return nil, ctx.Err()
	}
	if r.err != nil {
		return nil, fmt.Errorf("screenshot: capture %v: %w", area, r.err)
	}
	if r.img == nil || r.img.Rect.Dx() != area.Dx() || r.img.Rect.Dy() != area.Dy() {
		return nil, fmt.Errorf("screenshot: capture %v returned no image of that size", area)
	}
	s.seq++
	s.frame = capture.Frame{
		Width: area.Dx(), Height: area.Dy(), Stride: r.img.Stride, Format: capture.RGBA,
		Pix: r.img.Pix, Seq: s.seq, Time: time.Now(),
	}
	return &s.frame, nil
}

// Monitors returns the displays found at Open, the primary one first, in
// kbinani's coordinates (primary display at (0, 0)).
func (s *Source) Monitors() []capture.Monitor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]capture.Monitor(nil), s.monitors...)
}

// Bounds returns the captured area in the Monitors coordinate space.
func (s *Source) Bounds() image.Rectangle {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.area
}

// Close marks the source closed. It is idempotent. A capture still running
// in kbinani finishes on its own.
func (s *Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

var (
	_ capture.Source  = (*Source)(nil)
	_ capture.Bounder = (*Source)(nil)
)
