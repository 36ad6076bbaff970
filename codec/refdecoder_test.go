package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
)

// refState is what the reference decoder keeps between messages: the
// picture and the long-term picture L.
type refState struct{ img, long *image.RGBA }

// refDecode is a second decoder written from FORMAT.md alone, plainly and
// without validation: it applies a valid message to a copy of prev (zero for
// a key frame) and returns the new state. JPEG regions are decoded by Go's
// image/jpeg from the rebuilt file; lossy is true if there were any.
func refDecode(t testing.TB, prev refState, msg []byte) (next refState, lossy bool) {
	t.Helper()
	le := binary.LittleEndian
	key := msg[3]&1 != 0
	w, h := int(le.Uint16(msg[8:])), int(le.Uint16(msg[10:]))
	chunks := int(msg[15])
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	long := image.NewRGBA(img.Rect) // L after the message
	if !key {
		copy(img.Pix, prev.img.Pix)
		copy(long.Pix, prev.long.Pix)
	}
	before := image.NewRGBA(img.Rect) // copies read the previous picture
	copy(before.Pix, img.Pix)
	longBefore := image.NewRGBA(img.Rect) // BASE reads L before the message
	copy(longBefore.Pix, long.Pix)
	var saved []image.Rectangle // tiles to save once the message is applied
	tilesX := (w + 63) / 64
	set := func(x, y int, r, g, b byte) {
		o := img.PixOffset(x, y)
		img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = r, g, b, 255
	}
	uv := func(p []byte) (int, []byte) {
		v, n := binary.Uvarint(p)
		return int(v), p[n:]
	}
	zd, err := zstd.NewReader(nil)
	require.NoError(t, err)
	defer zd.Close()

	body := msg[16+16*chunks:]
	prevIndex := -1
	for c := range chunks {
		e := msg[16+16*c:]
		method, tiles := e[0], int(e[1])|int(e[2])<<8|int(e[3])<<16
		packedLen, blobLen := int(le.Uint32(e[8:])), int(le.Uint32(e[12:]))
		p, blob := body[:packedLen], body[packedLen:packedLen+blobLen]
		body = body[packedLen+blobLen:]
		if method == 1 {
			p, err = zd.DecodeAll(p, nil)
			require.NoError(t, err)
		}
		var shared [][3]byte
		var dx, dy int
		for range tiles {
			var gap int
			gap, p = uv(p)
			index := prevIndex + 1 + gap
			prevIndex = index
			op := p[0]
			p = p[1:]
			x0, y0 := (index%tilesX)*64, (index/tilesX)*64
			tw, th := min(64, w-x0), min(64, h-y0)
			if op == 0x07 { // save
				saved = append(saved, image.Rect(x0, y0, x0+tw, y0+th))
				continue
			}
			if op&0x08 != 0 { // BASE
				for y := y0; y < y0+th; y++ {
					for x := x0; x < x0+tw; x++ {
						o := longBefore.PixOffset(x, y)
						set(x, y, longBefore.Pix[o], longBefore.Pix[o+1], longBefore.Pix[o+2])
					}
				}
			}
			if op&0x20 != 0 {
				var ux, uy int
				ux, p = uv(p)
				uy, p = uv(p)
				dx, dy = ux>>1^-(ux&1), uy>>1^-(uy&1)
			}
			if op&0x60 != 0 {
				cx, cy, cw, ch := 0, 0, tw, th
				if op&0x80 != 0 {
					cx, cy, cw, ch = int(p[0]), int(p[1]), int(p[2])+1, int(p[3])+1
					p = p[4:]
				}
				for y := cy; y < cy+ch; y++ {
					for x := cx; x < cx+cw; x++ {
						o := before.PixOffset(x0+x+dx, y0+y+dy)
						set(x0+x, y0+y, before.Pix[o], before.Pix[o+1], before.Pix[o+2])
					}
				}
			}
			rx, ry, rw, rh := 0, 0, tw, th
			if op&0x10 != 0 {
				rx, ry, rw, rh = int(p[0]), int(p[1]), int(p[2])+1, int(p[3])+1
				p = p[4:]
			}
			px := func(i int, r, g, b byte) { set(x0+rx+i%rw, y0+ry+i/rw, r, g, b) }
			switch op & 7 {
			case 0: // keep
			case 1:
				for i := range rw * rh {
					px(i, p[0], p[1], p[2])
				}
				p = p[3:]
			case 2:
				n := int(p[0]) + 1
				cols, bits := p[1:1+3*n], 8
				switch {
				case n <= 2:
					bits = 1
				case n <= 4:
					bits = 2
				case n <= 16:
					bits = 4
				}
				idx := p[1+3*n:]
				rowBytes := (rw*bits + 7) / 8
				for y := range rh {
					for x := range rw {
						bit := x * bits
						v := int(idx[y*rowBytes+bit/8]>>(8-bits-bit%8)) & (1<<bits - 1)
						px(y*rw+x, cols[3*v], cols[3*v+1], cols[3*v+2])
					}
				}
				p = idx[rowBytes*rh:]
			case 3:
				var added int
				added, p = uv(p)
				for i := range added {
					shared = append(shared, [3]byte{p[3*i], p[3*i+1], p[3*i+2]})
				}
				p = p[3*added:]
				for i := range rw * rh {
					v := int(p[0])
					p = p[1:]
					if len(shared) > 256 {
						v |= int(p[0]) << 8
						p = p[1:]
					}
					px(i, shared[v][0], shared[v][1], shared[v][2])
				}
			case 4:
				for i := range rw * rh {
					px(i, p[3*i], p[3*i+1], p[3*i+2])
				}
				p = p[3*rw*rh:]
			case 5:
				q := int(p[0])
				var n int
				n, p = uv(p[1:])
				file := jpegFile(nil, rw, rh, q, blob[:n])
				blob = blob[n:]
				pic, err := jpeg.Decode(bytes.NewReader(file))
				require.NoError(t, err)
				for i := range rw * rh {
					r, g, b, _ := pic.At(i%rw, i/rw).RGBA()
					px(i, byte(r>>8), byte(g>>8), byte(b>>8))
				}
				lossy = true
			case 6:
				planes := make([]int, rw*rh*3) // R-G, G, B-G
				at := func(x, y, k int) int {
					if x < 0 || y < 0 {
						return 0
					}
					return planes[(y*rw+x)*3+k]
				}
				for y := range rh {
					for x := range rw {
						for k := range 3 {
							a, b, c := at(x-1, y, k), at(x, y-1, k), at(x-1, y-1, k)
							pred := a + b - c
							switch {
							case c >= max(a, b):
								pred = min(a, b)
							case c <= min(a, b):
								pred = max(a, b)
							}
							planes[(y*rw+x)*3+k] = (int(p[(y*rw+x)*3+k]) + pred) & 255
						}
						i := (y*rw + x) * 3
						g := planes[i+1]
						px(y*rw+x, byte(planes[i]+g), byte(g), byte(planes[i+2]+g))
					}
				}
				p = p[3*rw*rh:]
			default:
				t.Fatalf("reference decoder: op %#02x", op)
			}
		}
		require.Empty(t, p, "records left over")
		require.Empty(t, blob, "blob left over")
	}
	if key {
		copy(long.Pix, img.Pix)
	}
	for _, r := range saved {
		draw.Draw(long, r, img, r.Min, draw.Src)
	}
	return refState{img, long}, lossy
}

// agreeWithRef decodes msg with d and with the reference decoder (ref is the
// state after the previous messages) and checks that the pictures and the
// long-term pictures agree: exactly, or within JPEG rounding where regions
// are lossy (then the reference goes on from d's state).
func agreeWithRef(t testing.TB, d *Decoder, ref refState, msg []byte, what string) refState {
	t.Helper()
	_, err := d.Decode(msg)
	require.NoError(t, err, what)
	ref, lossy := refDecode(t, ref, msg)
	if lossy {
		require.Greater(t, psnrRGB(ref.img.Pix, d.Image().Pix), 40.0, "%s: JPEG decoders disagree", what)
		copy(ref.img.Pix, d.Image().Pix) // go on from the same pictures
		copy(ref.long.Pix, d.longPicture())
		return ref
	}
	require.Equal(t, ref.img.Pix, d.Image().Pix, what)
	require.Equal(t, ref.long.Pix, d.longPicture(), "%s: long-term picture", what)
	return ref
}

// TestSecondDecoder decodes sessions that use every encoding with the
// reference decoder written from FORMAT.md and with Decoder: the pictures
// agree exactly, or within JPEG rounding where regions are lossy.
func TestSecondDecoder(t *testing.T) {
	msgs := append(fuzzSession(t), mustHex(exampleKey), mustHex(exampleDelta), mustHex(exampleCopy),
		mustHex(exampleSave), mustHex(exampleBase), rawKeyFrame(130, 70))
	d, err := NewDecoder()
	require.NoError(t, err)
	defer d.Close()
	var ref refState
	for i, m := range msgs {
		ref = agreeWithRef(t, d, ref, m, fmt.Sprintf("message %d", i))
	}
}
