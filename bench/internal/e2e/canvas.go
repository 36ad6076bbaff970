package e2e

import (
	"context"
	"image"
	"sync"
	"time"

	"github.com/deskhand/deskhand/capture"
)

// maxDamage is how many changed rectangles a canvas keeps between two
// captures before it reports the whole screen instead.
const maxDamage = 64

// canvas is the --synthetic screen: a painter in memory, captured by the
// sources it hands out. Like an X server with the DAMAGE extension, it
// knows what was drawn since each source's previous capture, and a capture
// copies only that. Safe for concurrent use.
type canvas struct {
	mu      sync.Mutex
	w, h    int
	pix     []byte // B, G, R, X; stride 4*w
	sources map[*canvasSource]struct{}
}

func newCanvas(w, h int) *canvas {
	c := &canvas{w: w, h: h, pix: make([]byte, 4*w*h), sources: map[*canvasSource]struct{}{}}
	fill(c.pix, colorBG)
	return c
}

func (c *canvas) bounds() image.Rectangle { return image.Rect(0, 0, c.w, c.h) }

// damagedLocked records r as changed for every source.
func (c *canvas) damagedLocked(r image.Rectangle) {
	for s := range c.sources {
		if s.all {
			continue
		}
		if len(s.damage) >= maxDamage {
			s.all, s.damage = true, s.damage[:0]
			continue
		}
		s.damage = append(s.damage, r)
	}
}

func (c *canvas) put(r image.Rectangle, pix []byte) error {
	r = r.Intersect(c.bounds())
	if r.Empty() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 4 * r.Dx()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := pix[(y-r.Min.Y)*n : (y-r.Min.Y+1)*n]
		copy(c.pix[y*4*c.w+4*r.Min.X:], src)
	}
	c.damagedLocked(r)
	return nil
}

func (c *canvas) scrollUp(r image.Rectangle, dy int) error {
	r = r.Intersect(c.bounds())
	if r.Empty() || dy <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	stride, x0, n := 4*c.w, 4*r.Min.X, 4*r.Dx()
	for y := r.Min.Y; y+dy < r.Max.Y; y++ {
		copy(c.pix[y*stride+x0:y*stride+x0+n], c.pix[(y+dy)*stride+x0:])
	}
	c.damagedLocked(r)
	return nil
}

func (c *canvas) flush() error { return nil }

// picture returns a copy of the canvas.
func (c *canvas) picture() *image.RGBA {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bgrxToRGBA(c.pix, c.w, c.h, 4*c.w)
}

// source returns a new capture source of the canvas. Closing it leaves
// the canvas as it is.
func (c *canvas) source() *canvasSource {
	s := &canvasSource{c: c, all: true, buf: make([]byte, 4*c.w*c.h)}
	c.mu.Lock()
	c.sources[s] = struct{}{}
	c.mu.Unlock()
	return s
}

// canvasSource captures a canvas. It implements capture.Source and
// capture.ChangeWatcher.
type canvasSource struct {
	c *canvas
	// guarded by c.mu
	all    bool // everything may have changed (first frame, or too much damage)
	damage []image.Rectangle
	closed bool

	buf   []byte
	frame capture.Frame
	seq   uint64
	out   []image.Rectangle
}

// Next copies what changed since the previous frame and returns the frame,
// with exact damage.
func (s *canvasSource) Next(ctx context.Context) (*capture.Frame, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := s.c
	c.mu.Lock()
	if s.closed {
		c.mu.Unlock()
		return nil, capture.ErrClosed
	}
	stride := 4 * c.w
	var damage []image.Rectangle
	if s.all {
		copy(s.buf, c.pix)
		damage = nil // unknown: compare everything
		if s.seq > 0 {
			damage = append(s.out[:0], c.bounds())
		}
	} else {
		if s.out == nil {
			s.out = make([]image.Rectangle, 0, 8) // empty, not nil: nothing changed
		}
		s.out = append(s.out[:0], s.damage...)
		damage = s.out
		for _, r := range s.damage {
			for y := r.Min.Y; y < r.Max.Y; y++ {
				i := y*stride + 4*r.Min.X
				copy(s.buf[i:i+4*r.Dx()], c.pix[i:])
			}
		}
	}
	s.all, s.damage = false, s.damage[:0]
	c.mu.Unlock()
	s.seq++
	s.frame = capture.Frame{Width: c.w, Height: c.h, Stride: stride, Format: capture.BGRA,
		Pix: s.buf, Damage: damage, Seq: s.seq, Time: time.Now()}
	return &s.frame, nil
}

// Changed reports whether anything was drawn since the previous Next.
func (s *canvasSource) Changed(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.closed {
		return false, capture.ErrClosed
	}
	return s.all || len(s.damage) > 0, nil
}

func (s *canvasSource) Monitors() []capture.Monitor {
	return []capture.Monitor{{Index: 0, Name: "canvas", Bounds: s.c.bounds(), Primary: true}}
}

func (s *canvasSource) Bounds() image.Rectangle { return s.c.bounds() }

func (s *canvasSource) Close() error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	s.closed = true
	delete(s.c.sources, s)
	return nil
}

var (
	_ capture.Source        = (*canvasSource)(nil)
	_ capture.ChangeWatcher = (*canvasSource)(nil)
	_ painter               = (*canvas)(nil)
)

// bgrxToRGBA converts B, G, R, X rows to an opaque *image.RGBA.
func bgrxToRGBA(pix []byte, w, h, stride int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		src := pix[y*stride : y*stride+4*w]
		dst := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for i := 0; i < len(src); i += 4 {
			dst[i], dst[i+1], dst[i+2], dst[i+3] = src[i+2], src[i+1], src[i], 0xff
		}
	}
	return img
}

// compareRGB counts the pixels whose colour (alpha aside) differs between
// want and got, and returns the first one; a size mismatch counts every
// pixel of want. It is how "no frame corrupted" is decided: at rest, the
// viewer's picture must equal the screen exactly.
func compareRGB(want, got *image.RGBA) (diff int, first image.Point) {
	first = image.Pt(-1, -1)
	if want == nil {
		return 0, first
	}
	if got == nil || got.Rect.Size() != want.Rect.Size() {
		return want.Rect.Dx() * want.Rect.Dy(), want.Rect.Min
	}
	w, h := want.Rect.Dx(), want.Rect.Dy()
	for y := range h {
		a := want.Pix[y*want.Stride : y*want.Stride+4*w]
		b := got.Pix[y*got.Stride : y*got.Stride+4*w]
		for i := 0; i < len(a); i += 4 {
			if a[i] != b[i] || a[i+1] != b[i+1] || a[i+2] != b[i+2] {
				if diff == 0 {
					first = image.Pt(i/4, y)
				}
				diff++
			}
		}
	}
	return diff, first
}
