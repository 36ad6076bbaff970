package capture

import (
	"context"
	"encoding/binary"
	"hash/fnv"
)

// MaxCursorSize is the largest width or height of a CursorShape a source
// reports. Shapes travel to every viewer, so a source crops a larger pointer
// image to at most MaxCursorSize x MaxCursorSize pixels, the window placed
// around the hotspot as far as the image allows (HotX and HotY are adjusted),
// so the pointer still points where it did: at most 256 KiB per shape.
// Real pointers are 16 to 128 pixels; only an oddity is ever cropped.
const MaxCursorSize = 256

// Cursor is the pointer as a viewer draws it over the picture.
//
// The pointer is never part of a Frame's pixels: a source that implements
// [CursorSource] reports it apart, so that a viewer can draw it at once, at
// its own rate, without the picture changing whenever it moves.
type Cursor struct {
	// X and Y are the hotspot, in frame coordinates (pixel (0, 0) of the
	// frame). They may lie outside the frame when the pointer is on another
	// monitor than the one captured.
	X, Y int
	// Visible is false when the pointer is hidden, or when its shape is
	// unknown (then Shape is the zero value).
	Visible bool
	// Shape is the pointer image. It is meaningful only when Visible.
	Shape CursorShape
}

// CursorShape is a pointer image. Pix belongs to the source and is valid
// until its next call; copy what you keep (a viewer keeps one copy per ID).
type CursorShape struct {
	// ID identifies the shape: equal IDs mean equal shapes. It is
	// [CursorShape.Hash] of the shape (size, hotspot and pixels), so the same
	// image set again keeps its ID, even across sources and restarts. It is
	// never 0 for a real shape; 0 means no shape.
	ID uint64
	// Width and Height are the image size, each 1..MaxCursorSize for a real
	// shape.
	Width, Height int
	// HotX and HotY are the hotspot: the pixel of the image that points,
	// which a viewer draws at the Cursor's X, Y. 0 <= HotX < Width,
	// 0 <= HotY < Height.
	HotX, HotY int
	// Pix is straight (not premultiplied) RGBA, Width*Height*4 bytes, rows
	// of 4*Width bytes with no padding.
	Pix []byte
}

// Hash returns the ID a source gives this shape: FNV-1a 64 of Width, Height,
// HotX and HotY (each as 4 little-endian bytes) followed by Pix, or 1 in the
// unlikely case that is 0. It is fixed for good, so viewers may keep shapes
// by ID across versions. It reads every pixel: sources compute it once per
// shape change, not per call.
func (s *CursorShape) Hash() uint64 {
	h := fnv.New64a()
	var head [16]byte
	binary.LittleEndian.PutUint32(head[0:], uint32(s.Width))
	binary.LittleEndian.PutUint32(head[4:], uint32(s.Height))
	binary.LittleEndian.PutUint32(head[8:], uint32(s.HotX))
	binary.LittleEndian.PutUint32(head[12:], uint32(s.HotY))
	_, _ = h.Write(head[:])
	_, _ = h.Write(s.Pix)
	if id := h.Sum64(); id != 0 {
		return id
	}
	return 1
}

// CursorSource is implemented by sources that report the pointer apart from
// the picture. Discover it with a type assertion on a Source.
type CursorSource interface {
	// Cursor returns the pointer now, as of this call (not as of the last
	// frame). ctx bounds the wait for the display. Like Next, it is not safe
	// for concurrent use with the source's other methods unless the
	// implementation says so.
	Cursor(ctx context.Context) (Cursor, error)
}

// ChangeWatcher is implemented by sources that learn of drawing from the
// system, so a caller can skip capturing a still screen: call Changed on
// every tick, and Next only when it reports true. Discover it with a type
// assertion on a Source.
type ChangeWatcher interface {
	// Changed reports whether anything may have been drawn since the
	// previous Next (true when unknown, and before the first Next). It does
	// not capture and does not block on the display for long. False means
	// the system reported no drawing: the next frame would equal the
	// previous one. True may be spurious; implementations document when.
	// Moving the pointer is not drawing (see CursorSource).
	Changed(ctx context.Context) (bool, error)
}
