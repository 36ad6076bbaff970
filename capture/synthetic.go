package capture

import (
	"context"
	"fmt"
	"image"
	"time"
)

// MaxSyntheticSize is the largest width or height NewSynthetic accepts.
const MaxSyntheticSize = 16384

// SyntheticOption configures NewSynthetic.
type SyntheticOption func(*syntheticOptions) error

type syntheticOptions struct {
	width, height int
	seed          int64
	still         bool
	format        PixelFormat
}

// WithSize sets the picture size. Default 1920x1080; each side 1..16384.
func WithSize(width, height int) SyntheticOption {
	return func(o *syntheticOptions) error {
		if width < 1 || width > MaxSyntheticSize || height < 1 || height > MaxSyntheticSize {
			return fmt.Errorf("%w: WithSize(%d, %d): each side must be 1..%d", ErrInvalidOption, width, height, MaxSyntheticSize)
		}
		o.width, o.height = width, height
		return nil
	}
}

// WithSeed picks the colours, glyph shapes, text and motion. Default 0; any
// value. Two sources with the same options produce identical frames.
func WithSeed(seed int64) SyntheticOption {
	return func(o *syntheticOptions) error {
		o.seed = seed
		return nil
	}
}

// WithStill makes every frame the same picture (step 0), to measure the cost
// of an unchanged screen. Default false: text is typed one glyph per frame,
// scrolling when the terminal is full, and three boxes move.
func WithStill(still bool) SyntheticOption {
	return func(o *syntheticOptions) error {
		o.still = still
		return nil
	}
}

// WithFormat sets the pixel byte order. Default BGRA (what X11 and Windows
// capture give); BGRA or RGBA.
func WithFormat(f PixelFormat) SyntheticOption {
	return func(o *syntheticOptions) error {
		if f != BGRA && f != RGBA {
			return fmt.Errorf("%w: WithFormat(%v): use BGRA or RGBA", ErrInvalidOption, f)
		}
		o.format = f
		return nil
	}
}

// Synthetic is a deterministic Source for tests and benchmarks: a gradient
// background, a terminal-like window in which text-like glyphs are typed one
// per frame (scrolling when full), and three moving boxes. The picture of step
// n depends only on the options and n. Its frames carry exact damage: the
// cells and boxes that moved since the previous frame.
//
// It is also a CursorSource (an arrow pointer that moves with the frame
// number) and a ChangeWatcher (still only under WithStill).
type Synthetic struct {
	opts   syntheticOptions
	stride int
	bg     []byte // the gradient, drawn once
	glyphs [glyphCount][glyphH]uint8
	colors palette
	layout layout

	buf    []byte
	frame  Frame
	damage []image.Rectangle
	seq    uint64
	closed bool

	arrow CursorShape // the pointer's shape, drawn on the first Cursor call
}

const (
	glyphCount = 64
	cellW      = 8
	cellH      = 16
	glyphW     = 6
	glyphH     = 10
	boxCount   = 3
)

type palette struct {
	termBG, termFG, cursor [4]byte
	boxes                  [boxCount][4]byte
	border                 [4]byte
}

type layout struct {
	term       image.Rectangle // whole terminal window; empty when too small
	cols, rows int
	prefill    uint64 // glyphs already typed at step 0, so frame 0 has text
	boxW, boxH int
}

// NewSynthetic returns a synthetic source.
func NewSynthetic(opts ...SyntheticOption) (*Synthetic, error) {
	o := syntheticOptions{width: 1920, height: 1080, format: BGRA}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	s := &Synthetic{opts: o, stride: 4 * o.width}
	s.colors = s.makePalette()
	s.makeGlyphs()
	s.makeLayout()
	s.bg = make([]byte, s.stride*o.height)
	s.drawGradient(s.bg)
	return s, nil
}

// splitmix64 is a small, fixed hash: the picture must not change when the
// standard library's random generators do.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (s *Synthetic) hash(parts ...uint64) uint64 {
	h := splitmix64(uint64(s.opts.seed))
	for _, p := range parts {
		h = splitmix64(h ^ p)
	}
	return h
}

func (s *Synthetic) pixel(r, g, b uint8) [4]byte {
	if s.opts.format == RGBA {
		return [4]byte{r, g, b, 0xff}
	}
	return [4]byte{b, g, r, 0xff}
}

func (s *Synthetic) makePalette() palette {
	var p palette
	h := s.hash(1)
	p.termBG = s.pixel(uint8(16+h%24), uint8(16+(h>>8)%24), uint8(24+(h>>16)%32))
	p.termFG = s.pixel(uint8(190+(h>>24)%60), uint8(190+(h>>32)%60), uint8(190+(h>>40)%60))
	p.cursor = s.pixel(0x40, 0xe0, 0x40)
	p.border = s.pixel(0x20, 0x20, 0x20)
	for i := range p.boxes {
		b := s.hash(2, uint64(i))
		p.boxes[i] = s.pixel(uint8(b), uint8(b>>8), uint8(b>>16))
	}
	return p
}

// makeGlyphs builds glyph bitmaps out of a few strokes each, which is what
// makes rows of them compress and diff like text rather than noise.
func (s *Synthetic) makeGlyphs() {
	for g := range s.glyphs {
		h := s.hash(3, uint64(g))
		strokes := 2 + h%3
		for k := uint64(0); k < strokes; k++ {
			switch (h >> (4 + 3*k)) % 7 {
			case 0: // left stem
				for y := 0; y < glyphH; y++ {
					s.glyphs[g][y] |= 1 << 5
				}
			case 1: // right stem
				for y := 0; y < glyphH; y++ {
					s.glyphs[g][y] |= 1
				}
			case 2: // middle stem
				for y := 0; y < glyphH; y++ {
					s.glyphs[g][y] |= 1 << 3
				}
			case 3: // top bar
				s.glyphs[g][0] |= 0x3f
			case 4: // middle bar
				s.glyphs[g][glyphH/2] |= 0x3f
			case 5: // bottom bar
				s.glyphs[g][glyphH-1] |= 0x3f
			case 6: // diagonal
				for y := 0; y < glyphH; y++ {
					s.glyphs[g][y] |= 1 << (5 - y*glyphW/glyphH)
				}
			}
		}
	}
}

func (s *Synthetic) makeLayout() {
	w, h := s.opts.width, s.opts.height
	x0, y0 := w/20, h/10
	cols := (w * 11 / 20) / cellW
	rows := (h * 3 / 4) / cellH
	if cols >= 1 && rows >= 1 {
		s.layout.cols, s.layout.rows = cols, rows
		s.layout.term = image.Rect(x0, y0, x0+cols*cellW, y0+rows*cellH)
		s.layout.prefill = uint64(cols*rows) / 2
	}
	s.layout.boxW, s.layout.boxH = max(w/8, 1), max(h/6, 1)
}

func (s *Synthetic) drawGradient(dst []byte) {
	w, h := s.opts.width, s.opts.height
	blue := uint8(s.hash(4))
	for y := 0; y < h; y++ {
		row := dst[y*s.stride:]
		g := uint8(y * 255 / max(h-1, 1))
		for x := 0; x < w; x++ {
			p := s.pixel(uint8(x*255/max(w-1, 1)), g, blue)
			copy(row[4*x:4*x+4], p[:])
		}
	}
}

// fill paints r (clipped to the frame) with c.
func (s *Synthetic) fill(dst []byte, r image.Rectangle, c [4]byte) {
	r = r.Intersect(image.Rect(0, 0, s.opts.width, s.opts.height))
	if r.Empty() {
		return
	}
	first := dst[r.Min.Y*s.stride+4*r.Min.X : r.Min.Y*s.stride+4*r.Max.X]
	for i := 0; i < len(first); i += 4 {
		copy(first[i:i+4], c[:])
	}
	for y := r.Min.Y + 1; y < r.Max.Y; y++ {
		copy(dst[y*s.stride+4*r.Min.X:], first)
	}
}

// cursor returns the number of glyphs typed by step n, the cursor's line and
// column, and the first line shown.
func (s *Synthetic) cursor(n uint64) (line, col, top uint64) {
	cols := uint64(s.layout.cols)
	typed := n + s.layout.prefill
	line, col = typed/cols, typed%cols
	if rows := uint64(s.layout.rows); line >= rows {
		top = line - rows + 1
	}
	return line, col, top
}

// glyphAt returns the glyph at (line, col), or -1 for a blank. Each line
// has its own length and spaces between words.
func (s *Synthetic) glyphAt(line, col uint64) int {
	lineLen := s.hash(5, line) % uint64(s.layout.cols+1)
	if col >= lineLen {
		return -1
	}
	h := s.hash(6, line, col)
	if h%6 == 0 {
		return -1
	}
	return int((h >> 8) % glyphCount)
}

func (s *Synthetic) cellRect(row, col uint64) image.Rectangle {
	x := s.layout.term.Min.X + int(col)*cellW
	y := s.layout.term.Min.Y + int(row)*cellH
	return image.Rect(x, y, x+cellW, y+cellH)
}

func (s *Synthetic) drawGlyph(dst []byte, cell image.Rectangle, g int) {
	ox, oy := cell.Min.X+1, cell.Min.Y+3
	c := s.colors.termFG
	for y := 0; y < glyphH; y++ {
		bits := s.glyphs[g][y]
		if bits == 0 {
			continue
		}
		py := oy + y
		if py < 0 || py >= s.opts.height {
			continue
		}
		row := dst[py*s.stride:]
		for x := 0; x < glyphW; x++ {
			if bits&(1<<(glyphW-1-x)) == 0 {
				continue
			}
			px := ox + x
			if px >= 0 && px < s.opts.width {
				copy(row[4*px:4*px+4], c[:])
			}
		}
	}
}

// boxRect returns box i's rectangle at step n: each box bounces across the
// screen along its own path.
func (s *Synthetic) boxRect(i int, n uint64) image.Rectangle {
	w, h := s.opts.width, s.opts.height
	bw, bh := s.layout.boxW, s.layout.boxH
	h0 := s.hash(7, uint64(i))
	x := bounce(n, w-bw, 3+h0%5, h0>>8)
	y := bounce(n, h-bh, 2+(h0>>4)%4, h0>>24)
	return image.Rect(x, y, x+bw, y+bh)
}

// bounce returns where, in 0..span, a point moving speed pixels per step from
// phase and bouncing off both ends is at step n.
func bounce(n uint64, span int, speed, phase uint64) int {
	if span <= 0 {
		return 0
	}
	period := uint64(2 * span)
	p := (n*speed + phase) % period
	if p >= uint64(span) {
		p = period - p
	}
	return int(p)
}

func (s *Synthetic) step(n uint64) uint64 {
	if s.opts.still {
		return 0
	}
	return n
}

// render draws the picture of step n into dst.
func (s *Synthetic) render(dst []byte, n uint64) {
	n = s.step(n)
	copy(dst, s.bg)
	if !s.layout.term.Empty() {
		s.fill(dst, s.layout.term, s.colors.termBG)
		curLine, curCol, top := s.cursor(n)
		for row := uint64(0); row < uint64(s.layout.rows); row++ {
			line := top + row
			if line > curLine {
				break
			}
			chars := uint64(s.layout.cols)
			if line == curLine {
				chars = curCol
			}
			for col := uint64(0); col < chars; col++ {
				if g := s.glyphAt(line, col); g >= 0 {
					s.drawGlyph(dst, s.cellRect(row, col), g)
				}
			}
		}
		s.fill(dst, s.cellRect(curLine-top, curCol), s.colors.cursor)
	}
	for i := 0; i < boxCount; i++ {
		r := s.boxRect(i, n)
		s.fill(dst, r, s.colors.border)
		s.fill(dst, r.Inset(min(2, r.Dx()/4, r.Dy()/4)), s.colors.boxes[i])
	}
}

// appendDamage appends the regions that differ between steps n-1 and n.
func (s *Synthetic) appendDamage(dst []image.Rectangle, n uint64) []image.Rectangle {
	if s.opts.still || n == 0 {
		return dst
	}
	frame := image.Rect(0, 0, s.opts.width, s.opts.height)
	add := func(r image.Rectangle) {
		if r = r.Intersect(frame); !r.Empty() {
			dst = append(dst, r)
		}
	}
	if !s.layout.term.Empty() {
		l0, c0, t0 := s.cursor(n - 1)
		l1, c1, t1 := s.cursor(n)
		if t0 != t1 {
			add(s.layout.term)
		} else {
			add(s.cellRect(l0-t0, c0))
			add(s.cellRect(l1-t1, c1))
		}
	}
	for i := 0; i < boxCount; i++ {
		add(s.boxRect(i, n-1))
		add(s.boxRect(i, n))
	}
	return dst
}

// Next renders the next step. It never blocks; ctx is only checked.
func (s *Synthetic) Next(ctx context.Context) (*Frame, error) {
	if s.closed {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.buf == nil {
		s.buf = make([]byte, len(s.bg))
	}
	n := s.seq
	s.render(s.buf, n)
	s.seq++
	var damage []image.Rectangle
	if n > 0 {
		damage = s.appendDamage(s.damage[:0], n)
		if damage == nil {
			damage = []image.Rectangle{}
		}
		s.damage = damage
	}
	s.frame = Frame{
		Width: s.opts.width, Height: s.opts.height, Stride: s.stride,
		Format: s.opts.format, Pix: s.buf, Damage: damage,
		Seq: s.seq, Time: time.Now(),
	}
	return &s.frame, nil
}

// Frame returns the picture of step n as a new frame the caller owns: the
// frame with Seq n+1 that Next returns is this picture. Damage is nil.
func (s *Synthetic) Frame(n uint64) *Frame {
	pix := make([]byte, len(s.bg))
	s.render(pix, n)
	return &Frame{
		Width: s.opts.width, Height: s.opts.height, Stride: s.stride,
		Format: s.opts.format, Pix: pix, Seq: n + 1, Time: time.Now(),
	}
}

// Monitors returns one primary monitor named "synthetic" covering the picture.
func (s *Synthetic) Monitors() []Monitor {
	return []Monitor{{Index: 0, Name: "synthetic", Bounds: s.Bounds(), Primary: true}}
}

// Bounds returns (0,0)-(width,height).
func (s *Synthetic) Bounds() image.Rectangle {
	return image.Rect(0, 0, s.opts.width, s.opts.height)
}

// Close releases the frame buffer. It is idempotent.
func (s *Synthetic) Close() error {
	s.closed = true
	s.buf = nil
	return nil
}

var (
	_ Source        = (*Synthetic)(nil)
	_ Bounder       = (*Synthetic)(nil)
	_ CursorSource  = (*Synthetic)(nil)
	_ ChangeWatcher = (*Synthetic)(nil)
)
