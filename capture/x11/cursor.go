//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/deskhand/deskhand/capture"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"
)

// cursorTracker keeps the pointer shape, fetched with XFIXES GetCursorImage
// only when a CursorNotify says the displayed cursor changed: a shape is a
// few kilobytes, and the pointer's position alone is one small round trip.
type cursorTracker struct {
	stale  bool   // the shape must be fetched before it is reported
	serial uint32 // the server's serial of the cursor in shape
	shape  capture.CursorShape
}

// newCursorTracker selects cursor change events on the root window, or
// returns nil when the server lacks XFIXES (the pointer is then reported
// with its position but no shape, as not visible).
func newCursorTracker(ctx context.Context, s *Source) *cursorTracker {
	off := func(why string, err error) *cursorTracker {
		s.log.Info("x11: no pointer shape, the cursor is reported hidden", "why", why, "err", err)
		return nil
	}
	if err := initExt(s.conn, xfixes.Init); err != nil {
		return off("no XFIXES extension", err)
	}
	// XFIXES refuses requests until the client states its version; asking
	// again when the damage tracker already has is harmless.
	xv, err := await(ctx, s, xfixes.QueryVersion(s.conn, 2, 0).Reply)
	if err != nil || xv == nil || xv.MajorVersion < 1 {
		return off("XFIXES 1 needed", err)
	}
	_, err = await(ctx, s, check(xfixes.SelectCursorInputChecked(s.conn, s.root, xfixes.CursorNotifyMaskDisplayCursor)))
	if err != nil {
		return off("select cursor input", err)
	}
	return &cursorTracker{stale: true}
}

// note records a CursorNotify read from the event queue.
func (t *cursorTracker) note(e xfixes.CursorNotifyEvent) {
	if t != nil && (e.CursorSerial != t.serial || t.shape.ID == 0) {
		t.stale = true
	}
}

// Cursor returns the pointer now: its position from one QueryPointer round
// trip, in frame coordinates (relative to Bounds().Min, the top-left of the
// area the last frame covered),
// and its shape, fetched in the same round trip only when the server said it
// changed. The shape's Pix stays unchanged until the shape changes (a new
// slice is made then), though the contract only promises it until the next
// call.
//
// Visible is false when the pointer is on another X screen, when the server
// has no XFIXES, or when the server sent a malformed image; an XFIXES
// HideCursor cannot be observed, so a hidden pointer is still reported
// visible. Larger shapes than capture.MaxCursorSize are cropped around the
// hotspot.
//
// Like Next, it waits for a Next running in another goroutine to finish.
func (s *Source) Cursor(ctx context.Context) (capture.Cursor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return capture.Cursor{}, capture.ErrClosed
	}
	if s.broken != nil {
		return capture.Cursor{}, s.broken
	}
	if err := ctx.Err(); err != nil {
		return capture.Cursor{}, err
	}
	if err := s.waitPending(ctx); err != nil {
		return capture.Cursor{}, err
	}
	c, err := s.cursor(ctx)
	if err != nil && errors.Is(err, capture.ErrDisplayLost) {
		s.broken = err
	}
	return c, err
}

func (s *Source) cursor(ctx context.Context) (capture.Cursor, error) {
	s.drainEvents()
	t := s.cur
	pointer := xproto.QueryPointer(s.conn, s.root)
	var img xfixes.GetCursorImageCookie
	fetch := t != nil && t.stale
	if fetch {
		img = xfixes.GetCursorImage(s.conn)
	}
	p, err := await(ctx, s, pointer.Reply)
	if err == nil && p == nil {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return capture.Cursor{}, s.connErr("query pointer", err)
	}
	if fetch {
		raw, err := await(ctx, s, img.Cookie.Reply)
		if err == nil && raw == nil {
			err = io.ErrUnexpectedEOF
		}
		var xerr xgb.Error
		if err != nil && !errors.As(err, &xerr) {
			return capture.Cursor{}, s.connErr("get cursor image", err)
		}
		// A protocol error leaves raw nil: no shape until the next change,
		// rather than an error on every call.
		t.update(s, raw)
	}
	c := capture.Cursor{X: int(p.RootX) - s.area.Min.X, Y: int(p.RootY) - s.area.Min.Y}
	if t != nil && t.shape.ID != 0 && p.SameScreen {
		c.Visible, c.Shape = true, t.shape
	}
	return c, nil
}

// update takes a GetCursorImage reply. A malformed one leaves no shape (the
// pointer is reported hidden) until the cursor changes again.
func (t *cursorTracker) update(s *Source, raw []byte) {
	t.stale = false
	serial, ok := cursorSerial(raw)
	if ok && serial == t.serial && t.shape.ID != 0 {
		return // set again, or changed and back: nothing to convert
	}
	shape, err := parseCursorImage(raw)
	if err != nil {
		s.log.Debug("x11: malformed cursor image, reporting the pointer hidden", "err", err)
		t.serial, t.shape = 0, capture.CursorShape{}
		return
	}
	t.serial, t.shape = serial, shape
}

// GetCursorImage reply layout (XFIXES 1.0): a 32-byte header, then
// Width*Height 32-bit ARGB pixels, premultiplied, in the connection's byte
// order (xgb always asks for little-endian).
const (
	cursorHeader    = 32
	cursorOffWidth  = 12
	cursorOffHeight = 14
	cursorOffHotX   = 16
	cursorOffHotY   = 18
	cursorOffSerial = 20
)

func cursorSerial(raw []byte) (uint32, bool) {
	if len(raw) < cursorHeader {
		return 0, false
	}
	return binary.LittleEndian.Uint32(raw[cursorOffSerial:]), true
}

// parseCursorImage decodes a raw GetCursorImage reply into a straight-alpha
// RGBA shape of at most capture.MaxCursorSize square, cropped around the
// hotspot, with its ID. It checks every size against the reply's length, so
// a malformed reply gives an error, never a panic or a large allocation.
func parseCursorImage(raw []byte) (capture.CursorShape, error) {
	if len(raw) < cursorHeader {
		return capture.CursorShape{}, fmt.Errorf("%w: %d bytes, the header alone is %d", errBadCursorImage, len(raw), cursorHeader)
	}
	le := binary.LittleEndian
	w, h := int(le.Uint16(raw[cursorOffWidth:])), int(le.Uint16(raw[cursorOffHeight:]))
	hx, hy := int(le.Uint16(raw[cursorOffHotX:])), int(le.Uint16(raw[cursorOffHotY:]))
	if w == 0 || h == 0 {
		return capture.CursorShape{}, fmt.Errorf("%w: empty %dx%d image", errBadCursorImage, w, h)
	}
	if len(raw)-cursorHeader < 4*w*h {
		return capture.CursorShape{}, fmt.Errorf("%w: %dx%d image in %d bytes", errBadCursorImage, w, h, len(raw)-cursorHeader)
	}
	if hx >= w || hy >= h {
		return capture.CursorShape{}, fmt.Errorf("%w: hotspot (%d,%d) outside the %dx%d image", errBadCursorImage, hx, hy, w, h)
	}
	x0, cw := cropAxis(w, hx)
	y0, ch := cropAxis(h, hy)
	pix := make([]byte, 4*cw*ch)
	src := raw[cursorHeader:]
	for y := 0; y < ch; y++ {
		row := src[4*((y0+y)*w+x0):]
		dst := pix[4*y*cw : 4*(y+1)*cw]
		for i := 0; i < len(dst); i += 4 {
			// A little-endian 0xAARRGGBB word: bytes B, G, R, A.
			b, g, r, a := row[i], row[i+1], row[i+2], row[i+3]
			dst[i], dst[i+1], dst[i+2], dst[i+3] = unpremultiply(r, a), unpremultiply(g, a), unpremultiply(b, a), a
		}
	}
	s := capture.CursorShape{Width: cw, Height: ch, HotX: hx - x0, HotY: hy - y0, Pix: pix}
	s.ID = s.Hash()
	return s, nil
}

// cropAxis returns the first pixel and length, along one axis of n pixels
// with the hotspot at hot, of a window of at most capture.MaxCursorSize
// pixels, centred on the hotspot as far as the image allows.
func cropAxis(n, hot int) (first, length int) {
	if n <= capture.MaxCursorSize {
		return 0, n
	}
	first = min(max(hot-capture.MaxCursorSize/2, 0), n-capture.MaxCursorSize)
	return first, capture.MaxCursorSize
}

// unpremultiply turns a colour channel premultiplied by alpha a back into a
// straight one, rounding to nearest. A channel above its alpha (invalid in
// premultiplied form) saturates.
func unpremultiply(c, a byte) byte {
	switch a {
	case 0:
		return 0
	case 0xff:
		return c
	}
	v := (int(c)*0xff + int(a)/2) / int(a)
	return byte(min(v, 0xff))
}
