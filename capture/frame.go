package capture

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"time"
)

// PixelFormat is the byte order of a Frame's 4-byte pixels.
type PixelFormat uint8

const (
	// BGRA is B, G, R, X per pixel: X11 ZPixmap at depth 24/32 and Windows DIBs.
	// The fourth byte is undefined; never read it as alpha.
	BGRA PixelFormat = 1
	// RGBA is R, G, B, A per pixel, the layout of image.RGBA.
	RGBA PixelFormat = 2
)

// String returns "BGRA", "RGBA" or "PixelFormat(n)".
func (p PixelFormat) String() string {
	switch p {
	case BGRA:
		return "BGRA"
	case RGBA:
		return "RGBA"
	}
	return fmt.Sprintf("PixelFormat(%d)", uint8(p))
}

// Frame is one captured picture.
//
// A Frame returned by Source.Next, its Pix and its Damage belong to the Source:
// they are valid until the next Next or Close and may be reused then. Copy what
// you keep.
type Frame struct {
	// Width and Height are the picture size in pixels.
	Width, Height int
	// Stride is the distance in bytes between the starts of two rows
	// (at least 4*Width).
	Stride int
	// Format is the byte order of each 4-byte pixel.
	Format PixelFormat
	// Pix holds Height rows of Stride bytes (the last row may be only
	// 4*Width bytes long).
	Pix []byte
	// Damage lists regions, in frame coordinates, that may have changed since
	// the previous frame of the same Source. It is exact or a superset: a pixel
	// outside every rectangle is unchanged. nil means unknown (compare
	// everything); an empty non-nil slice means nothing changed.
	Damage []image.Rectangle
	// Seq is 1 for the first frame of a Source and grows by one per frame.
	Seq uint64
	// Time is when the frame was captured.
	Time time.Time
}

// Bounds returns the frame's rectangle, (0,0)-(Width,Height).
func (f *Frame) Bounds() image.Rectangle { return image.Rect(0, 0, f.Width, f.Height) }

// rowLen reports how many bytes of row y are in Pix (clipped to 4*Width), so
// that a malformed frame reads as black rather than panicking.
func (f *Frame) rowLen(y int) (off, n int) {
	if f.Width <= 0 || y < 0 || y >= f.Height || f.Stride < 0 {
		return 0, 0
	}
	off = y * f.Stride
	if off >= len(f.Pix) {
		return 0, 0
	}
	n = min(4*f.Width, len(f.Pix)-off)
	return off, n
}

// RGBA returns a new copy of the frame as an *image.RGBA with alpha 255. It is
// meant for tests, snapshots and encoders that want the standard type; the hot
// path should read Pix directly. Pixels missing from a malformed frame are
// opaque black.
func (f *Frame) RGBA() *image.RGBA {
	w, h := max(f.Width, 0), max(f.Height, 0)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		dst := img.Pix[y*img.Stride : y*img.Stride+4*w]
		off, n := f.rowLen(y)
		src := f.Pix[off : off+n]
		switch f.Format {
		case BGRA:
			for i := 0; i+3 < n; i += 4 {
				dst[i+0] = src[i+2]
				dst[i+1] = src[i+1]
				dst[i+2] = src[i+0]
			}
		default:
			copy(dst, src[:n&^3])
		}
		for i := 3; i < len(dst); i += 4 {
			dst[i] = 0xff
		}
	}
	return img
}

// At returns the colour of pixel (x, y) with alpha 255, or the zero colour when
// (x, y) is outside the frame or missing from Pix.
func (f *Frame) At(x, y int) color.RGBA {
	if x < 0 || x >= f.Width {
		return color.RGBA{}
	}
	off, n := f.rowLen(y)
	i := 4 * x
	if i+3 >= n {
		return color.RGBA{}
	}
	p := f.Pix[off+i : off+i+4]
	if f.Format == BGRA {
		return color.RGBA{R: p[2], G: p[1], B: p[0], A: 0xff}
	}
	return color.RGBA{R: p[0], G: p[1], B: p[2], A: 0xff}
}

// Monitor is one physical or logical monitor of the machine.
type Monitor struct {
	// Index is the monitor's position in the list returned by Monitors; it is
	// what backends take to capture one monitor.
	Index int
	// Name is the system's name for it ("HDMI-1", "screen", "\\.\DISPLAY1"), or
	// empty when the system gives none.
	Name string
	// Bounds is its rectangle in the virtual screen (see the package doc).
	Bounds image.Rectangle
	// Primary is true for the primary monitor.
	Primary bool
}

// Source yields frames of one screen area.
//
// Implementations are not safe for concurrent use, except that Close may be
// called from another goroutine to stop a Next that is waiting.
type Source interface {
	// Next captures the screen now (it does not wait for a change) and
	// returns the frame. ctx bounds the wait for the display.
	Next(ctx context.Context) (*Frame, error)
	// Monitors returns the machine's monitors, in the source's coordinate
	// space (see the package doc).
	Monitors() []Monitor
	// Close releases the source. It is idempotent; frames returned earlier
	// become invalid.
	Close() error
}

// Bounder is implemented by sources that know where their frames sit in the
// virtual screen: a frame's pixel (0, 0) is Bounds().Min. Input injection uses
// it as the origin of pointer coordinates.
type Bounder interface {
	Bounds() image.Rectangle
}
