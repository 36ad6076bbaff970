package main

import (
	"bytes"
	"image"
)

// bandRows is the height of the horizontal bands the picture is compared
// in: each band with a change yields one rectangle, the smallest that
// holds its changed pixels. Tall enough to keep the rectangles few (34 for
// a whole 1080-line screen), short enough that a change on two distant
// lines does not repaint everything between them.
const bandRows = 32

// shadow is a copy of the picture as last painted, laid out as the
// canvas's ImageData (RGBA, 4 bytes a pixel, no padding), so that a
// changed rectangle can be copied from it to the canvas in one piece.
//
// It exists because rdp's FrameInfo does not (yet) carry the rectangles
// each update repainted: comparing rows against the last painted picture
// finds them, at the cost of one pass over the rows of the frame.
type shadow struct {
	w, h int
	pix  []byte
	rect []image.Rectangle
}

// reset sizes s for a w×h picture and forgets what was painted, so that
// the next update is painted whole.
func (s *shadow) reset(w, h int) {
	s.w, s.h = w, h
	if n := w * h * 4; cap(s.pix) >= n {
		s.pix = s.pix[:n]
		clear(s.pix)
	} else {
		s.pix = make([]byte, n)
	}
}

// update copies what changed in img into s and returns the rectangles that
// changed (reused by the next call). img must have s's size.
func (s *shadow) update(img *image.RGBA) []image.Rectangle {
	s.rect = s.rect[:0]
	row := s.w * 4
	for y0 := 0; y0 < s.h; y0 += bandRows {
		y1 := min(y0+bandRows, s.h)
		minX, maxX, top, bottom := row, 0, -1, 0
		for y := y0; y < y1; y++ {
			src := img.Pix[y*img.Stride : y*img.Stride+row]
			dst := s.pix[y*row : (y+1)*row]
			if bytes.Equal(src, dst) {
				continue
			}
			l, r := firstDiff(src, dst), lastDiff(src, dst)+1
			copy(dst[l:r], src[l:r])
			minX, maxX = min(minX, l), max(maxX, r)
			if top < 0 {
				top = y
			}
			bottom = y + 1
		}
		if top >= 0 {
			s.rect = append(s.rect, image.Rect(minX/4, top, (maxX+3)/4, bottom))
		}
	}
	return s.rect
}

// span returns where rectangle r lies in s.pix: the bytes from its first
// pixel to its last, rows in between included whole.
func (s *shadow) span(r image.Rectangle) (off, end int) {
	row := s.w * 4
	return r.Min.Y*row + r.Min.X*4, (r.Max.Y-1)*row + r.Max.X*4
}

// firstDiff returns the index of the first byte where a and b (equal
// lengths, known to differ) differ.
func firstDiff(a, b []byte) int {
	i := 0
	for ; i+64 <= len(a) && bytes.Equal(a[i:i+64], b[i:i+64]); i += 64 {
	}
	for ; i < len(a) && a[i] == b[i]; i++ {
	}
	return i
}

// lastDiff returns the index of the last byte where a and b (equal
// lengths, known to differ) differ.
func lastDiff(a, b []byte) int {
	i := len(a)
	for ; i-64 >= 0 && bytes.Equal(a[i-64:i], b[i-64:i]); i -= 64 {
	}
	for i--; i > 0 && a[i] == b[i]; i-- {
	}
	return i
}
