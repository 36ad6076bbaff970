package codec

import (
	"encoding/binary"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// frame is a test source image with helpers to draw in either pixel format.
type frame struct {
	Image
	rng *rand.Rand // fills the ignored 4th byte with garbage when set
}

// newFrame returns a black frame whose stride has pad extra pixels per row.
func newFrame(w, h int, f PixelFormat, pad int) *frame {
	stride := (w + pad) * 4
	return &frame{Image: Image{Width: w, Height: h, Stride: stride, Format: f, Pix: make([]byte, stride*h)}}
}

func (fr *frame) set(x, y int, r, g, b byte) {
	v := uint32(r) | uint32(g)<<8 | uint32(b)<<16
	if fr.Format == BGRA {
		v = uint32(b) | uint32(g)<<8 | uint32(r)<<16
	}
	if fr.rng != nil {
		v |= fr.rng.Uint32() << 24
	} else {
		v |= 0xFF << 24
	}
	binary.LittleEndian.PutUint32(fr.Pix[y*fr.Stride+x*4:], v)
}

func (fr *frame) rgb(x, y int) (r, g, b byte) {
	p := fr.Pix[y*fr.Stride+x*4:]
	if fr.Format == BGRA {
		return p[2], p[1], p[0]
	}
	return p[0], p[1], p[2]
}

func (fr *frame) fill(rect image.Rectangle, r, g, b byte) {
	rect = rect.Intersect(image.Rect(0, 0, fr.Width, fr.Height))
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			fr.set(x, y, r, g, b)
		}
	}
}

func (fr *frame) clone() *frame {
	c := *fr
	c.Pix = append([]byte(nil), fr.Pix...)
	c.Damage = nil
	return &c
}

// randomFrame fills every pixel (and the 4th bytes) with noise.
func randomFrame(rng *rand.Rand, w, h int, f PixelFormat, pad int) *frame {
	fr := newFrame(w, h, f, pad)
	for i := range fr.Pix {
		fr.Pix[i] = byte(rng.Uint32())
	}
	return fr
}

// font is a set of random 6x10 glyph bitmaps: text-like content with sharp
// edges, repeated shapes and a lot of background, like a terminal or editor.
type font [96][10]uint8

func newFont(rng *rand.Rand) *font {
	var f font
	for i := range f {
		for y := 1; y < 9; y++ {
			f[i][y] = uint8(rng.Uint32()) & 0x3E
		}
	}
	return &f
}

func (fr *frame) glyph(f *font, c, x0, y0 int, r, g, b, br, bg, bb byte) {
	for y := range 10 {
		for x := range 7 {
			px, py := x0+x, y0+y
			if px >= fr.Width || py >= fr.Height {
				continue
			}
			if x < 6 && f[c][y]&(1<<x) != 0 {
				fr.set(px, py, r, g, b)
			} else {
				fr.set(px, py, br, bg, bb)
			}
		}
	}
}

// desktopFrame draws a desktop: gradient wallpaper, a task bar, a window with a
// title bar and a page of text.
func desktopFrame(rng *rand.Rand, f *font, w, h int, pf PixelFormat) *frame {
	fr := newFrame(w, h, pf, 0)
	for y := range h {
		for x := range w {
			fr.set(x, y, byte(y*255/h), byte(x*255/w), 128)
		}
	}
	fr.fill(image.Rect(0, h-40, w, h), 40, 40, 48)
	win := image.Rect(w/16, h/16, w-w/16, h-h/8)
	fr.fill(win, 255, 255, 255)
	fr.fill(image.Rect(win.Min.X, win.Min.Y, win.Max.X, win.Min.Y+24), 30, 60, 160)
	for y := win.Min.Y + 30; y+10 < win.Max.Y; y += 14 {
		lineLen := rng.IntN(max(1, win.Dx()/7))
		for i := range lineLen {
			c := rng.IntN(len(f))
			fr.glyph(f, c, win.Min.X+4+i*7, y, 0, 0, 0, 255, 255, 255)
		}
	}
	return fr
}

// requireSame fails unless the decoder's framebuffer shows fr exactly (RGB)
// and is opaque.
func requireSame(t testing.TB, got *image.RGBA, fr *frame) {
	t.Helper()
	require.NotNil(t, got)
	require.Equal(t, image.Rect(0, 0, fr.Width, fr.Height), got.Rect)
	for y := range fr.Height {
		src := fr.Pix[y*fr.Stride : y*fr.Stride+fr.Width*4]
		dst := got.Pix[y*got.Stride : y*got.Stride+fr.Width*4]
		for x := 0; x < len(src); x += 4 {
			v := binary.LittleEndian.Uint32(src[x:])
			if fr.Format == BGRA {
				v = v>>16&0xFF | v&0xFF00 | (v&0xFF)<<16
			}
			if want := v | 0xFF000000; binary.LittleEndian.Uint32(dst[x:]) != want {
				require.Failf(t, "pixel differs", "at (%d,%d): got %v, want %08x (ABGR)", x/4, y, dst[x:x+4], want)
			}
		}
	}
}

func newPair(t testing.TB, eo []Option, do ...DecoderOption) (*Encoder, *Decoder) {
	t.Helper()
	enc, err := NewEncoder(eo...)
	require.NoError(t, err)
	dec, err := NewDecoder(do...)
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, enc.Close())
		require.NoError(t, dec.Close())
	})
	return enc, dec
}
