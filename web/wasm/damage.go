package main

import (
	"image"
	"sync"
)

// maxDamage bounds the regions kept between two paints: past it (many
// updates within one animation frame, or a screen full of small changes)
// the next paint repaints the whole picture, which costs one copy of it
// and never more.
const maxDamage = 256

// damage gathers the regions of the picture repainted since the last
// paint, as rdp's frame hook reports them (FrameInfo.Rects, on rdp's
// goroutine), for the painter to take at the next animation frame. It
// replaces comparing each update with the last painted picture: the
// decoder knows what it repainted.
type damage struct {
	mu    sync.Mutex
	rects []image.Rectangle
	full  bool              // repaint everything: a new size, a resumed session, too many regions
	bands []image.Rectangle // take's, reused
}

// add records the regions one update repainted; rs may be reused once
// add returns.
func (d *damage) add(rs []image.Rectangle) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.full {
		return
	}
	if len(d.rects)+len(rs) > maxDamage {
		d.full, d.rects = true, d.rects[:0]
		return
	}
	for _, r := range rs {
		if !r.Empty() {
			d.rects = append(d.rects, r)
		}
	}
}

// all asks for the whole picture at the next paint.
func (d *damage) all() {
	d.mu.Lock()
	d.full, d.rects = true, d.rects[:0]
	d.mu.Unlock()
}

// bandRows is the height of the horizontal bands damage is painted in:
// each band with damage is repainted as one rectangle, from its leftmost
// damaged column to its rightmost, copied to JavaScript in one call (rows
// in between included whole) and put on the canvas in one more. The
// decoder reports a full-screen text update as hundreds of small
// rectangles, tile by tile; bands bound the calls to 34 for a 1080-line
// screen, and keep a change on two distant lines from repainting all in
// between.
const bandRows = 32

// take returns what to repaint of a picture with bounds b (Min at 0,0),
// appended to dst, and forgets it: one rectangle per band of bandRows
// rows that has damage, covering its damage, top to bottom.
func (d *damage) take(dst []image.Rectangle, b image.Rectangle) []image.Rectangle {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.full {
		d.full, d.rects = false, d.rects[:0]
		if b.Empty() {
			return dst
		}
		for y := b.Min.Y; y < b.Max.Y; y += bandRows {
			dst = append(dst, image.Rect(b.Min.X, y, b.Max.X, min(y+bandRows, b.Max.Y)))
		}
		return dst
	}
	if len(d.rects) == 0 {
		return dst
	}
	bands := (b.Dy() + bandRows - 1) / bandRows
	if cap(d.bands) < bands {
		d.bands = make([]image.Rectangle, bands)
	}
	d.bands = d.bands[:bands]
	clear(d.bands)
	for _, r := range d.rects {
		r = r.Intersect(b)
		for y := r.Min.Y; y < r.Max.Y; {
			i := y / bandRows
			end := min((i+1)*bandRows, r.Max.Y)
			d.bands[i] = d.bands[i].Union(image.Rect(r.Min.X, y, r.Max.X, end))
			y = end
		}
	}
	for _, r := range d.bands {
		if !r.Empty() {
			dst = append(dst, r)
		}
	}
	d.rects = d.rects[:0]
	return dst
}

// copyRect copies rectangle r of src (a picture with Rect.Min at 0,0) into
// dst, laid out like the canvas's ImageData: RGBA, 4 bytes a pixel, rows
// of src.Rect.Dx() pixels with no padding. copySpan is given contiguous
// pieces (offset in dst, bytes from src) so that the page can copy each to
// JavaScript in one call: the whole rectangle, rows in between included,
// when src has no padding (a band is at most bandRows rows), else row by
// row.
func copyRect(src *image.RGBA, r image.Rectangle, copySpan func(off int, b []byte)) {
	row := src.Rect.Dx() * 4
	if src.Stride == row {
		off, end := r.Min.Y*row+r.Min.X*4, (r.Max.Y-1)*row+r.Max.X*4
		copySpan(off, src.Pix[off:end])
		return
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		s := y*src.Stride + r.Min.X*4
		copySpan(y*row+r.Min.X*4, src.Pix[s:s+r.Dx()*4])
	}
}
