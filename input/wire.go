package input

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// MaxEvents is the most events one wire message may hold; it caps what a
// message can make the parser allocate.
const MaxEvents = 1024

// Fixed sizes of each kind on the wire, kind byte included (see WIRE.md).
const (
	sizeMove   = 5 // kind, x u16, y u16
	sizeButton = 3 // kind, button u8, down u8
	sizeWheel  = 5 // kind, dx i16, dy i16
	sizeKey    = 4 // kind, key u16, down u8
)

func downByte(d bool) byte {
	if d {
		return 1
	}
	return 0
}

// AppendEvent appends e's wire form to dst. It returns dst unchanged and an
// error wrapping ErrInvalid when e is not valid. A message is one or more
// events appended one after the other.
func AppendEvent(dst []byte, e Event) ([]byte, error) {
	if err := e.Validate(); err != nil {
		return dst, err
	}
	le := binary.LittleEndian
	switch e.Kind {
	case MouseMove:
		dst = append(dst, byte(MouseMove))
		dst = le.AppendUint16(dst, uint16(e.X))
		dst = le.AppendUint16(dst, uint16(e.Y))
	case MouseButton:
		dst = append(dst, byte(MouseButton), byte(e.Button), downByte(e.Down))
	case MouseWheel:
		dst = append(dst, byte(MouseWheel))
		dst = le.AppendUint16(dst, uint16(int16(e.DX)))
		dst = le.AppendUint16(dst, uint16(int16(e.DY)))
	case KeyEvent:
		dst = append(dst, byte(KeyEvent))
		dst = le.AppendUint16(dst, uint16(e.Key))
		dst = append(dst, downByte(e.Down))
	case TextEvent:
		dst = append(dst, byte(TextEvent))
		dst = binary.AppendUvarint(dst, uint64(len(e.Text)))
		dst = append(dst, e.Text...)
	}
	return dst, nil
}

// ParseEvents decodes one message (one or more events) and appends them to
// dst. Any bad byte rejects the whole message: it then returns dst as it was
// given (no partial result) and an error wrapping ErrCorrupt.
func ParseEvents(msg []byte, dst []Event) ([]Event, error) {
	start := len(dst)
	fail := func(off int, format string, args ...any) ([]Event, error) {
		clear(dst[start:])
		return dst[:start], fmt.Errorf("%w: at byte %d: %s", ErrCorrupt, off, fmt.Sprintf(format, args...))
	}
	if len(msg) == 0 {
		return fail(0, "empty message")
	}
	le := binary.LittleEndian
	for off := 0; off < len(msg); {
		if len(dst)-start == MaxEvents {
			return fail(off, "more than %d events", MaxEvents)
		}
		kind := Kind(msg[off])
		need := 0
		switch kind {
		case MouseMove:
			need = sizeMove
		case MouseButton:
			need = sizeButton
		case MouseWheel:
			need = sizeWheel
		case KeyEvent:
			need = sizeKey
		case TextEvent:
			need = 2 // kind and at least one length byte
		default:
			return fail(off, "unknown kind %d", msg[off])
		}
		if len(msg)-off < need {
			return fail(off, "%v truncated", kind)
		}
		b := msg[off:]
		e := Event{Kind: kind}
		switch kind {
		case MouseMove:
			e.X, e.Y = int(le.Uint16(b[1:])), int(le.Uint16(b[3:]))
		case MouseButton:
			if b[2] > 1 {
				return fail(off+2, "down byte %d is not 0 or 1", b[2])
			}
			e.Button, e.Down = Button(b[1]), b[2] == 1
		case MouseWheel:
			e.DX, e.DY = int(int16(le.Uint16(b[1:]))), int(int16(le.Uint16(b[3:])))
		case KeyEvent:
			if b[3] > 1 {
				return fail(off+3, "down byte %d is not 0 or 1", b[3])
			}
			e.Key, e.Down = Key(le.Uint16(b[1:])), b[3] == 1
		case TextEvent:
			n, w := binary.Uvarint(b[1:])
			if w <= 0 || n == 0 || n > MaxText {
				return fail(off+1, "text length must be 1..%d", MaxText)
			}
			if w != uvarintLen(n) {
				return fail(off+1, "text length is not minimally encoded")
			}
			need = 1 + w + int(n)
			if len(b) < need {
				return fail(off, "text truncated")
			}
			text := b[1+w : need]
			if !utf8.Valid(text) {
				return fail(off+1+w, "text is not valid UTF-8")
			}
			e.Text = string(text)
		}
		if err := e.Validate(); err != nil {
			return fail(off, "%v", err)
		}
		dst = append(dst, e)
		off += need
	}
	return dst, nil
}

func uvarintLen(n uint64) int {
	w := 1
	for n >= 0x80 {
		n >>= 7
		w++
	}
	return w
}
