package capture

import "context"

// arrowRows is the synthetic pointer: X is its black outline, o its white
// body, a space is transparent. A soft shadow is added below and to the right
// so that viewers' alpha blending gets exercised too.
var arrowRows = [...]string{
	"X           ",
	"XX          ",
	"XoX         ",
	"XooX        ",
	"XoooX       ",
	"XooooX      ",
	"XoooooX     ",
	"XooooooX    ",
	"XoooooooX   ",
	"XooooooooX  ",
	"XoooooooooX ",
	"XooooooXXXXX",
	"XoooXooX    ",
	"XooX XooX   ",
	"XoX  XooX   ",
	"XX    XooX  ",
	"X     XooX  ",
	"       XooX ",
	"        XX  ",
}

// arrowShadowAlpha is the shadow's opacity (straight alpha).
const arrowShadowAlpha = 0x50

// makeArrow draws the synthetic pointer shape: 13x20, hotspot at its tip.
func makeArrow() CursorShape {
	w, h := len(arrowRows[0])+1, len(arrowRows)+1
	opaque := func(x, y int) byte {
		if x < 0 || y < 0 || y >= len(arrowRows) || x >= len(arrowRows[y]) {
			return ' '
		}
		return arrowRows[y][x]
	}
	pix := make([]byte, 4*w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := pix[4*(y*w+x) : 4*(y*w+x)+4]
			switch opaque(x, y) {
			case 'X':
				p[3] = 0xff
			case 'o':
				p[0], p[1], p[2], p[3] = 0xff, 0xff, 0xff, 0xff
			default:
				if opaque(x-1, y-1) != ' ' {
					p[3] = arrowShadowAlpha
				}
			}
		}
	}
	s := CursorShape{Width: w, Height: h, Pix: pix}
	s.ID = s.Hash()
	return s
}

// pointerAt returns where the pointer's hotspot is at step n: it bounces
// across the frame along its own path, like the boxes.
func (s *Synthetic) pointerAt(n uint64) (x, y int) {
	n = s.step(n)
	h := s.hash(8)
	return bounce(n, s.opts.width-1, 5+h%4, h>>8), bounce(n, s.opts.height-1, 3+(h>>4)%3, h>>24)
}

// Cursor returns the synthetic arrow pointer at the step of the last frame
// Next returned (step 0 before the first Next): always visible, always the
// same shape, its position a function of the options and the step, still
// under WithStill. It never blocks; ctx is only checked. Shape.Pix is never
// modified, but like any source's it is only promised until the next call.
func (s *Synthetic) Cursor(ctx context.Context) (Cursor, error) {
	if s.closed {
		return Cursor{}, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return Cursor{}, err
	}
	if s.arrow.ID == 0 {
		s.arrow = makeArrow()
	}
	n := uint64(0)
	if s.seq > 0 {
		n = s.seq - 1
	}
	x, y := s.pointerAt(n)
	return Cursor{X: x, Y: y, Visible: true, Shape: s.arrow}, nil
}

// Changed reports true before the first Next, false after it under
// WithStill (every frame is the same picture), and true otherwise (every step
// moves the boxes and types a glyph). It never blocks; ctx is only checked.
func (s *Synthetic) Changed(ctx context.Context) (bool, error) {
	if s.closed {
		return false, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return s.seq == 0 || !s.opts.still, nil
}
