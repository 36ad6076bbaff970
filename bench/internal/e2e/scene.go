package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"time"
)

// The phases, in the order they run.
const (
	phaseTyping     = "typing"
	phaseScroll     = "scroll"
	phaseFull       = "full"
	phaseThroughput = "throughput"
	phaseInput      = "input"
	phaseIdle       = "idle"
)

var allPhases = []string{phaseTyping, phaseScroll, phaseFull, phaseThroughput, phaseInput, phaseIdle}

// painter is a screen the benchmark draws on: a private Xvfb, or an
// in-memory canvas that a host captures. Pixels are B, G, R, X.
type painter interface {
	// put copies pix, r.Dy() rows of 4*r.Dx() bytes, to r.
	put(r image.Rectangle, pix []byte) error
	// scrollUp moves the content of r up by dy rows, as a terminal
	// scrolls; the last dy rows of r keep what they had.
	scrollUp(r image.Rectangle, dy int) error
	// flush returns once everything drawn so far is on the screen.
	flush() error
}

// A text cell: the unit of typing and scrolling.
const (
	cellW      = 10
	cellH      = 20
	glyphCount = 64
)

var (
	colorBG     = [4]byte{0x26, 0x1e, 0x1e, 0xff} // B, G, R, X
	colorFG     = [4]byte{0xd0, 0xd4, 0xd4, 0xff}
	colorPrompt = [4]byte{0x60, 0xd0, 0x70, 0xff}
)

// scene draws the phases' content on a painter. Everything it draws is a
// function of the phase and the step, so runs are comparable.
type scene struct {
	p          painter
	w, h       int
	cols, rows int
	fps        int // rate of the throughput phase's noise

	glyphs [2][glyphCount][]byte // per colour, cellW*cellH*4 bytes each
	blank  []byte
	block  []byte
	screen []byte   // a full screen, stride 4*w
	line   []byte   // one row of cells, stride 4*w
	pics   [][]byte // the full phase's pictures, made on first use
	noise  [][]byte // the throughput phase's pictures, made on first use

	typed    int // typing: cells typed so far
	top      int // scroll: the line at the top
	fullStep int
	noiseN   int
}

func newScene(p painter, w, h, fps int) *scene {
	s := &scene{p: p, w: w, h: h, cols: w / cellW, rows: h / cellH, fps: fps,
		screen: make([]byte, 4*w*h), line: make([]byte, 4*w*cellH)}
	s.blank = solidCell(colorBG)
	s.block = solidCell(colorFG)
	for c, fg := range [][4]byte{colorFG, colorPrompt} {
		for g := range glyphCount {
			s.glyphs[c][g] = makeGlyph(g, fg)
		}
	}
	return s
}

func solidCell(c [4]byte) []byte {
	b := make([]byte, 4*cellW*cellH)
	for i := 0; i < len(b); i += 4 {
		copy(b[i:], c[:])
	}
	return b
}

// splitmix64 is a small fixed hash: the pictures must not change when the
// standard library's generators do.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func hash2(a, b uint64) uint64 { return splitmix64(splitmix64(a) ^ b) }

// makeGlyph draws a text-like glyph of a few strokes, 8x14 pixels in its
// cell, so that lines of them compress and diff like text, not noise.
func makeGlyph(g int, fg [4]byte) []byte {
	cell := solidCell(colorBG)
	set := func(x, y int) {
		copy(cell[4*((3+y)*cellW+1+x):], fg[:])
	}
	h := splitmix64(uint64(g) + 1000)
	for k := range 2 + h%3 {
		switch (h >> (4 + 3*k)) % 7 {
		case 0, 1, 2: // a stem: left, right or middle
			x := []int{0, 7, 3}[(h>>(4+3*k))%7]
			for y := range 14 {
				set(x, y)
			}
		case 3, 4, 5: // a bar: top, middle or bottom
			y := []int{0, 7, 13}[(h>>(4+3*k))%7-3]
			for x := range 8 {
				set(x, y)
			}
		case 6: // a diagonal
			for y := range 14 {
				set(7-y*8/14, y)
			}
		}
	}
	return cell
}

// putCell copies a cell picture to (x, y) of dst, whose rows are stride
// bytes apart.
func putCell(dst []byte, stride, x, y int, cell []byte) {
	for r := range cellH {
		copy(dst[(y+r)*stride+4*x:], cell[r*4*cellW:(r+1)*4*cellW])
	}
}

func fill(dst []byte, c [4]byte) {
	for i := 0; i < len(dst); i += 4 {
		copy(dst[i:], c[:])
	}
}

// textLine draws line n of an endless terminal log into the cellH rows of
// dst starting at row y: lines of varied length, some blank, some prompts.
func (s *scene) textLine(dst []byte, y, n int) {
	stride := 4 * s.w
	fill(dst[y*stride:(y+cellH)*stride], colorBG)
	h := splitmix64(uint64(n))
	length := 0
	if h%5 != 0 {
		length = int(h>>8) % (s.cols + 1)
	}
	colour := 0
	if h%7 == 1 {
		colour = 1
	}
	for c := range length {
		ch := hash2(uint64(n), uint64(c))
		if ch%7 == 0 {
			continue // a space
		}
		putCell(dst, stride, c*cellW, y, s.glyphs[colour][ch%glyphCount])
	}
}

// textScreen draws a screen of lines first, first+1, ... into dst.
func (s *scene) textScreen(dst []byte, first int) {
	fill(dst, colorBG)
	for r := range s.rows {
		s.textLine(dst, r*cellH, first+r)
	}
}

// photo draws a photo-like picture: smooth colour waves with grain, more
// than a palette can hold, so the host may send it lossy.
func (s *scene) photo(dst []byte, k int) {
	sx := make([]float64, s.w)
	sy := make([]float64, s.h)
	for x := range sx {
		sx[x] = math.Sin(float64(x)*2*math.Pi/float64(max(s.w/3, 1)) + float64(k))
	}
	for y := range sy {
		sy[y] = math.Cos(float64(y)*2*math.Pi/float64(max(s.h/2, 1)) + float64(2*k))
	}
	for y := range s.h {
		row := dst[y*4*s.w:]
		for x := range s.w {
			g := splitmix64(uint64(y*s.w+x) ^ uint64(k)<<40)
			v := sx[x] * sy[y]
			row[4*x+0] = clamp8(110 + 80*sy[y] + float64(g&15) - 8)
			row[4*x+1] = clamp8(120 + 90*v + float64(g>>4&15) - 8)
			row[4*x+2] = clamp8(130 + 100*sx[x] + float64(g>>8&15) - 8)
			row[4*x+3] = 0xff
		}
	}
}

func clamp8(v float64) byte {
	return byte(min(max(v, 0), 255))
}

func (s *scene) full() image.Rectangle { return image.Rect(0, 0, s.w, s.h) }

// typingCell is where the n-th typed character goes: the last two rows
// (the last row on a tiny screen), over and over.
func (s *scene) typingCell(n int) (x, y int) {
	first := max(s.rows-2, 0)
	area := (s.rows - first) * s.cols
	n %= area
	return (n % s.cols) * cellW, (first + n/s.cols) * cellH
}

// setup draws the phase's starting picture.
func (s *scene) setup(phase string) error {
	switch phase {
	case phaseTyping:
		s.textScreen(s.screen, 0)
		first := max(s.rows-2, 0)
		fill(s.screen[first*cellH*4*s.w:s.rows*cellH*4*s.w], colorBG)
		s.typed = 0
		x, y := s.typingCell(0)
		putCell(s.screen, 4*s.w, x, y, s.block)
	case phaseScroll:
		s.top = 100_000
		s.textScreen(s.screen, s.top)
	case phaseFull:
		s.makePics()
		s.fullStep = 0
		copy(s.screen, s.pics[0])
	case phaseThroughput:
		s.makeNoise()
		return nil // the previous picture will do: noise replaces it at once
	default:
		s.textScreen(s.screen, 200_000)
	}
	if err := s.p.put(s.full(), s.screen); err != nil {
		return err
	}
	return s.p.flush()
}

// makePics makes the full phase's four pictures: text, a photo, other
// text, another photo. Each differs from the one before everywhere.
func (s *scene) makePics() {
	if s.pics != nil {
		return
	}
	s.pics = make([][]byte, 4)
	for i := range s.pics {
		s.pics[i] = make([]byte, 4*s.w*s.h)
		if i%2 == 0 {
			s.textScreen(s.pics[i], 300_000+i*1000)
		} else {
			s.photo(s.pics[i], i)
		}
	}
}

// noiseFrames is how many different noise pictures the throughput phase
// cycles through: made once, so that drawing costs no more than a copy,
// and never two alike in a row, so that every one is new to the encoder
// (which compares each picture with the previous one).
const noiseFrames = 3

// makeNoise makes the throughput phase's pictures: incompressible noise.
func (s *scene) makeNoise() {
	if s.noise != nil {
		return
	}
	rng := rand.New(rand.NewPCG(7, 11))
	s.noise = make([][]byte, noiseFrames)
	for i := range s.noise {
		b := make([]byte, 4*s.w*s.h)
		for j := 0; j+8 <= len(b); j += 8 {
			binary.LittleEndian.PutUint64(b[j:], rng.Uint64())
		}
		s.noise[i] = b
	}
}

// phaseRate is how many times a second the phase changes the screen.
func (s *scene) phaseRate(phase string) int {
	switch phase {
	case phaseTyping, phaseScroll:
		return 30
	case phaseFull:
		return 10
	case phaseThroughput:
		return s.fps
	}
	return 0
}

// run changes the screen as the phase does for d, and returns how many
// changes it made.
func (s *scene) run(ctx context.Context, phase string, d time.Duration) (int, error) {
	rate := s.phaseRate(phase)
	deadline := time.Now().Add(d)
	if rate == 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return 0, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	changes := 0
	for time.Now().Before(deadline) {
		if err := s.step(phase); err != nil {
			return changes, err
		}
		changes++
		select {
		case <-tick.C:
		case <-ctx.Done():
			return changes, ctx.Err()
		}
	}
	return changes, nil
}

// step makes one change of the phase.
func (s *scene) step(phase string) error {
	switch phase {
	case phaseTyping:
		// The character where the cursor was, and the cursor one cell on.
		s.typed++
		x, y := s.typingCell(s.typed - 1)
		g := s.glyphs[0][hash2(uint64(s.typed), 99)%glyphCount]
		if err := s.p.put(image.Rect(x, y, x+cellW, y+cellH), g); err != nil {
			return err
		}
		x, y = s.typingCell(s.typed)
		if err := s.p.put(image.Rect(x, y, x+cellW, y+cellH), s.block); err != nil {
			return err
		}
	case phaseScroll:
		s.top++
		text := image.Rect(0, 0, s.w, s.rows*cellH)
		if err := s.p.scrollUp(text, cellH); err != nil {
			return err
		}
		s.textLine(s.line, 0, s.top+s.rows-1)
		if err := s.p.put(image.Rect(0, text.Max.Y-cellH, s.w, text.Max.Y), s.line); err != nil {
			return err
		}
	case phaseFull:
		s.fullStep++
		if err := s.p.put(s.full(), s.pics[s.fullStep%len(s.pics)]); err != nil {
			return err
		}
	case phaseThroughput:
		s.noiseN++
		if err := s.p.put(s.full(), s.noise[s.noiseN%len(s.noise)]); err != nil {
			return err
		}
	default:
		return fmt.Errorf("e2e: phase %q draws nothing", phase)
	}
	return s.p.flush()
}
