package rdp

import (
	"encoding/binary"
	"fmt"

	"github.com/deskhand/deskhand/capture"
)

// The cursor channel carries the host's pointer apart from the picture:
// its shape once per viewer (by ID) and its position whenever it moves.
// The viewer draws it; it is never part of the screen.
const (
	labelCursor     = "cursor"
	cursorPosition  = 0
	cursorShape     = 1
	cursorPosLen    = 1 + 4 + 4 + 1 + 8
	cursorShapeHead = 1 + 8 + 2 + 2 + 2 + 2
	// MaxCursorSide is the largest cursor side sent: a 255x255 RGBA shape
	// and its header fit in one data-channel message. The host crops
	// larger shapes around the hotspot.
	MaxCursorSide = 255
	// shapesKept bounds the shapes a viewer keeps by ID.
	shapesKept = 64
)

// RemoteCursor is the host's pointer as a viewer should draw it.
type RemoteCursor struct {
	X, Y    int  // the hotspot, in screen coordinates; may lie outside the screen
	Visible bool // false: draw nothing
	Shape   *CursorShape
}

// CursorShape is a pointer image: straight (not premultiplied) RGBA,
// Width*Height*4 bytes, with its hotspot. Shapes are immutable once
// received; equal IDs mean equal shapes.
type CursorShape struct {
	ID            uint64
	Width, Height int
	HotX, HotY    int
	Pix           []byte
}

func appendCursorPosition(b []byte, c capture.Cursor) []byte {
	b = append(b, cursorPosition)
	b = binary.LittleEndian.AppendUint32(b, uint32(int32(c.X)))
	b = binary.LittleEndian.AppendUint32(b, uint32(int32(c.Y)))
	vis := byte(0)
	if c.Visible {
		vis = 1
	}
	b = append(b, vis)
	return binary.LittleEndian.AppendUint64(b, c.Shape.ID)
}

// appendCursorShape appends s, cropped to MaxCursorSide around its
// hotspot.
func appendCursorShape(b []byte, s capture.CursorShape) []byte {
	x0, w := cropAround(s.HotX, s.Width)
	y0, h := cropAround(s.HotY, s.Height)
	hx := min(max(s.HotX-x0, 0), w-1)
	hy := min(max(s.HotY-y0, 0), h-1)
	b = append(b, cursorShape)
	b = binary.LittleEndian.AppendUint64(b, s.ID)
	for _, v := range []int{w, h, hx, hy} {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	for y := y0; y < y0+h; y++ {
		row := (y*s.Width + x0) * 4
		b = append(b, s.Pix[row:row+w*4]...)
	}
	return b
}

// cropAround returns the start and length of a window of at most
// MaxCursorSide over n, holding hot when possible.
func cropAround(hot, n int) (start, length int) {
	if n <= MaxCursorSide {
		return 0, n
	}
	start = min(max(hot-MaxCursorSide/2, 0), n-MaxCursorSide)
	return start, MaxCursorSide
}

// parseCursor reads one cursor message: a position, or a shape.
func parseCursor(b []byte) (pos RemoteCursor, shapeID uint64, shape *CursorShape, err error) {
	if len(b) == 0 {
		return pos, 0, nil, fmt.Errorf("%w: empty cursor message", ErrProtocol)
	}
	switch b[0] {
	case cursorPosition:
		if len(b) != cursorPosLen {
			return pos, 0, nil, fmt.Errorf("%w: cursor position of %d bytes", ErrProtocol, len(b))
		}
		pos.X = int(int32(binary.LittleEndian.Uint32(b[1:])))
		pos.Y = int(int32(binary.LittleEndian.Uint32(b[5:])))
		if b[9] > 1 {
			return pos, 0, nil, fmt.Errorf("%w: cursor visibility %d", ErrProtocol, b[9])
		}
		pos.Visible = b[9] == 1
		return pos, binary.LittleEndian.Uint64(b[10:]), nil, nil
	case cursorShape:
		if len(b) < cursorShapeHead {
			return pos, 0, nil, fmt.Errorf("%w: cursor shape of %d bytes", ErrProtocol, len(b))
		}
		s := &CursorShape{
			ID:     binary.LittleEndian.Uint64(b[1:]),
			Width:  int(binary.LittleEndian.Uint16(b[9:])),
			Height: int(binary.LittleEndian.Uint16(b[11:])),
			HotX:   int(binary.LittleEndian.Uint16(b[13:])),
			HotY:   int(binary.LittleEndian.Uint16(b[15:])),
		}
		switch {
		case s.ID == 0:
			return pos, 0, nil, fmt.Errorf("%w: cursor shape with ID 0", ErrProtocol)
		case s.Width < 1 || s.Height < 1 || s.Width > MaxCursorSide || s.Height > MaxCursorSide:
			return pos, 0, nil, fmt.Errorf("%w: cursor shape of %dx%d (1..%d a side)", ErrProtocol, s.Width, s.Height, MaxCursorSide)
		case s.HotX >= s.Width || s.HotY >= s.Height:
			return pos, 0, nil, fmt.Errorf("%w: cursor hotspot %d,%d outside its %dx%d shape", ErrProtocol, s.HotX, s.HotY, s.Width, s.Height)
		case len(b)-cursorShapeHead != s.Width*s.Height*4:
			return pos, 0, nil, fmt.Errorf("%w: cursor shape of %dx%d with %d bytes of pixels", ErrProtocol, s.Width, s.Height, len(b)-cursorShapeHead)
		}
		s.Pix = append([]byte(nil), b[cursorShapeHead:]...)
		return pos, 0, s, nil
	}
	return pos, 0, nil, fmt.Errorf("%w: cursor message of kind %d", ErrProtocol, b[0])
}
