package codec

import (
	"bytes"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDecode feeds arbitrary bytes to a fresh decoder and to one that holds a
// picture (so mutated deltas reach the tile code), with small memory caps.
func FuzzDecode(f *testing.F) {
	text := newSession(f, 100, 70, false)
	noise := newSession(f, 70, 70, true)
	for _, s := range []session{text, noise} {
		for _, m := range s.msgs {
			f.Add(m)
		}
	}
	f.Add(mustHex(exampleKey))
	f.Add(mustHex(exampleDelta))
	f.Add([]byte("DH\x01"))

	f.Fuzz(func(t *testing.T, msg []byte) {
		d, err := NewDecoder(WithMaxPixels(1<<16), WithMaxMessage(1<<20))
		require.NoError(t, err)
		defer d.Close()
		checkDecode(t, d, msg)
		_, err = d.Decode(text.msgs[0])
		require.NoError(t, err)
		checkDecode(t, d, msg)
	})
}

// checkDecode decodes msg and checks what must hold whatever the bytes.
func checkDecode(t *testing.T, d *Decoder, msg []byte) {
	var before []byte
	if d.Image() != nil {
		before = append(before, d.Image().Pix...)
	}
	h, herr := ReadHeader(msg)
	u, err := d.Decode(msg)
	if err != nil {
		require.False(t, d.ready, "an error must make the decoder wait for a key frame")
		if before == nil {
			require.Nil(t, d.Image())
		} else {
			require.True(t, bytes.Equal(before, d.Image().Pix), "a failed message changed the picture")
		}
		return
	}
	require.NoError(t, herr, "Decode accepted what ReadHeader refuses")
	require.Equal(t, h.Key, u.Key)
	require.Equal(t, h.Seq, u.Seq)
	img := d.Image()
	require.NotNil(t, img)
	bounds := image.Rect(0, 0, h.Width, h.Height)
	require.Equal(t, bounds, img.Rect)
	require.NotEmpty(t, u.Rects)
	for _, r := range u.Rects {
		require.True(t, r.In(bounds) && !r.Empty(), "rect %v outside %v", r, bounds)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		if img.Pix[i] != 0xFF {
			require.Failf(t, "transparent pixel", "alpha %d at byte %d", img.Pix[i], i)
		}
	}
}

// FuzzRoundTrip encodes two small frames (a key frame, then a delta) and
// checks that the decoder shows each exactly.
func FuzzRoundTrip(f *testing.F) {
	f.Add(uint8(64), uint8(64), false, uint64(1), []byte{0})
	f.Add(uint8(0), uint8(0), true, uint64(2), []byte{1, 2, 3})
	f.Add(uint8(129), uint8(65), false, uint64(3), []byte("hello, tiles"))
	f.Add(uint8(200), uint8(17), true, uint64(4), []byte{})
	f.Fuzz(func(t *testing.T, w, h uint8, rgba bool, seed uint64, data []byte) {
		width, height := 1+int(w)%150, 1+int(h)%150
		pf := BGRA
		if rgba {
			pf = RGBA
		}
		rng := rand.New(rand.NewPCG(seed, uint64(len(data))))
		fr := newFrame(width, height, pf, int(seed%3))
		fr.rng = rng
		// A few colours from data, so tiles are solid, raw or compressible.
		for y := range height {
			for x := range width {
				var b byte
				if len(data) > 0 {
					b = data[(y*width+x)%len(data)]
				}
				fr.set(x, y, (b&3)*85, (b>>2&3)*85, (b>>4&3)*85)
			}
		}
		enc, err := NewEncoder()
		require.NoError(t, err)
		defer enc.Close()
		dec, err := NewDecoder(WithMaxPixels(1 << 16))
		require.NoError(t, err)
		defer dec.Close()

		msg, err := enc.Encode(nil, fr.Image, false)
		require.NoError(t, err)
		_, err = dec.Decode(msg)
		require.NoError(t, err)
		requireSame(t, dec.Image(), fr)

		for range 1 + int(seed%3) {
			x, y := rng.IntN(width), rng.IntN(height)
			r := image.Rect(x, y, x+1+rng.IntN(70), y+1+rng.IntN(70))
			fr.fill(r, byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()))
		}
		msg, err = enc.Encode(msg[:0], fr.Image, false)
		require.NoError(t, err)
		if len(msg) > 0 {
			_, err = dec.Decode(msg)
			require.NoError(t, err)
		}
		requireSame(t, dec.Image(), fr)
	})
}
