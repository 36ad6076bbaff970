//go:build linux || freebsd || openbsd || netbsd

// Package xdraw paints known pictures on an X server's root window, so that
// capture tests can check what they read back. It is for tests only: library
// code must never import it.
package xdraw

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"log"
	"testing"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

func init() {
	// Silence xgb's package-level logger ("Could not get authority info")
	// before any connection exists; see capture/x11 for why at init.
	xgb.Logger = log.New(io.Discard, "", 0)
}

// Painter draws on one display's root window through its own connection.
type Painter struct {
	Conn *xgb.Conn
	Root xproto.Window
	Size image.Point
	gc   xproto.Gcontext
}

// New connects to display and closes the connection when the test ends.
func New(tb testing.TB, display string) *Painter {
	tb.Helper()
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		tb.Fatalf("xdraw: connect %s: %v", display, err)
	}
	tb.Cleanup(c.Close)
	scr := xproto.Setup(c).DefaultScreen(c)
	p := &Painter{Conn: c, Root: scr.Root, Size: image.Pt(int(scr.WidthInPixels), int(scr.HeightInPixels))}
	if p.gc, err = xproto.NewGcontextId(c); err != nil {
		tb.Fatal(err)
	}
	if err := xproto.CreateGCChecked(c, p.gc, xproto.Drawable(p.Root), 0, nil).Check(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// Pixel is the TrueColor pixel value of c at depth 24.
func Pixel(c color.RGBA) uint32 { return uint32(c.R)<<16 | uint32(c.G)<<8 | uint32(c.B) }

// Fill paints r with c.
func (p *Painter) Fill(tb testing.TB, r image.Rectangle, c color.RGBA) {
	tb.Helper()
	if err := xproto.ChangeGCChecked(p.Conn, p.gc, xproto.GcForeground, []uint32{Pixel(c)}).Check(); err != nil {
		tb.Fatal(err)
	}
	rect := xproto.Rectangle{X: int16(r.Min.X), Y: int16(r.Min.Y), Width: uint16(r.Dx()), Height: uint16(r.Dy())}
	if err := xproto.PolyFillRectangleChecked(p.Conn, xproto.Drawable(p.Root), p.gc, []xproto.Rectangle{rect}).Check(); err != nil {
		tb.Fatal(err)
	}
}

// Put paints img with its top-left at at, in strips that fit the core
// protocol's request size limit.
func (p *Painter) Put(tb testing.TB, img *image.RGBA, at image.Point) {
	tb.Helper()
	w, h := img.Rect.Dx(), img.Rect.Dy()
	rows := max(1, 60000/max(w, 1))
	buf := make([]byte, 0, 4*w*rows)
	for y0 := 0; y0 < h; y0 += rows {
		n := min(rows, h-y0)
		buf = buf[:0]
		for y := y0; y < y0+n; y++ {
			for x := 0; x < w; x++ {
				c := img.RGBAAt(img.Rect.Min.X+x, img.Rect.Min.Y+y)
				buf = append(buf, c.B, c.G, c.R, 0)
			}
		}
		err := xproto.PutImageChecked(p.Conn, xproto.ImageFormatZPixmap, xproto.Drawable(p.Root), p.gc,
			uint16(w), uint16(n), int16(at.X), int16(at.Y+y0), 0, 24, buf).Check()
		if err != nil {
			tb.Fatalf("xdraw: put image: %v", err)
		}
	}
}

// Sync waits until the server has processed everything sent so far.
func (p *Painter) Sync(tb testing.TB) {
	tb.Helper()
	if _, err := xproto.GetInputFocus(p.Conn).Reply(); err != nil {
		tb.Fatal(err)
	}
}

// Pattern returns a deterministic w x h picture with many distinct colours:
// gradients, a checkerboard and pseudo-random noise, so that any swapped
// channel, row or offset shows.
func Pattern(w, h int, seed uint32) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	x32 := seed*2654435761 + 1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			x32 ^= x32 << 13
			x32 ^= x32 >> 17
			x32 ^= x32 << 5
			var c color.RGBA
			switch {
			case y < h/3:
				c = color.RGBA{uint8(x * 255 / max(w-1, 1)), uint8(y * 7), uint8(x ^ y), 255}
			case y < 2*h/3:
				if (x/8+y/8)%2 == 0 {
					c = color.RGBA{250, 20, 30, 255}
				} else {
					c = color.RGBA{10, 40, 240, 255}
				}
			default:
				c = color.RGBA{uint8(x32), uint8(x32 >> 8), uint8(x32 >> 16), 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// Diff describes the first pixel where a and b differ in R, G or B, or
// returns "" when they are equal.
func Diff(a, b *image.RGBA) string {
	if a.Rect.Size() != b.Rect.Size() {
		return fmt.Sprintf("sizes differ: %v vs %v", a.Rect.Size(), b.Rect.Size())
	}
	for y := 0; y < a.Rect.Dy(); y++ {
		for x := 0; x < a.Rect.Dx(); x++ {
			ca := a.RGBAAt(a.Rect.Min.X+x, a.Rect.Min.Y+y)
			cb := b.RGBAAt(b.Rect.Min.X+x, b.Rect.Min.Y+y)
			if ca.R != cb.R || ca.G != cb.G || ca.B != cb.B {
				return fmt.Sprintf("pixel (%d,%d): %v vs %v", x, y, ca, cb)
			}
		}
	}
	return ""
}
