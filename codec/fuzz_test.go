package codec

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/draw"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fuzzSession records messages that use every encoding: palettes and the
// shared palette (text), copies and copy rectangles (scrolling, a dragged
// window), JPEG (a photo, with a quality set), lossless refinement, and the
// long-term picture: a window dragged away, a still screen, typing (which
// carries the saves of the settled tiles) and the window dragged back and
// away again over what was saved (BASE records, alone and under copies).
func fuzzSession(t testing.TB) [][]byte {
	d, photoRect := photoDesktop(330, 220, 31)
	fr := toFrame(d.img, BGRA)
	enc, err := NewEncoder(WithQuality(50), WithRefineDelay(0), WithConcurrency(1))
	require.NoError(t, err)
	defer enc.Close()
	var msgs [][]byte
	now := time.Unix(1, 0)
	for i := range 22 {
		switch {
		case i == 0:
		case i < 3:
			d.showTerm(i * d.lineHeight())
			fr.setRect(d.img, d.term)
		case i < 5:
			fr.setRect(d.img, d.moveEdit(-9, 5))
		case i < 7:
			draw.Draw(d.img, photoRect, photo(photoRect.Dx(), photoRect.Dy(), uint64(i)), image.Point{}, draw.Src)
			fr.setRect(d.img, photoRect)
		case i == 9, i == 21:
			fr.setRect(d.img, d.moveEdit(-70, 0))
		case i == 19:
			fr.setRect(d.img, d.typeAt(0))
		case i == 20:
			fr.setRect(d.img, d.moveEdit(70, 0))
		default:
			now = now.Add(time.Second) // still: refinement, tiles settle
		}
		img := fr.Image
		img.Time = now
		msg, err := enc.Encode(nil, img, false)
		require.NoError(t, err)
		if len(msg) > 0 {
			msgs = append(msgs, msg)
		}
	}
	return msgs
}

// FuzzDecode feeds arbitrary bytes to a fresh decoder and to one that holds a
// picture (so mutated deltas reach the record code: their seq is patched to
// follow the key frame), with small memory caps.
func FuzzDecode(f *testing.F) {
	msgs := fuzzSession(f)
	for _, m := range msgs {
		f.Add(m)
	}
	f.Add(rawKeyFrame(130, 70))
	noise := newSession(f, 70, 70, true)
	for _, m := range noise.msgs {
		f.Add(m)
	}
	f.Add(mustHex(exampleKey))
	f.Add(mustHex(exampleDelta))
	f.Add(mustHex(exampleCopy))
	f.Add(mustHex(exampleSave))
	f.Add(mustHex(exampleBase))
	f.Add([]byte("DH\x02"))

	// The example's deltas (65x2) are mutated on top of its key frame,
	// the session's on top of its own, each with its seq patched.
	exKey := mustHex(exampleKey)
	f.Fuzz(func(t *testing.T, msg []byte) {
		d, err := NewDecoder(WithMaxPixels(1<<18), WithMaxMessage(1<<20), WithDecoderConcurrency(1))
		require.NoError(t, err)
		defer d.Close()
		checkDecode(t, d, msg)
		key := msgs[0]
		if len(msg) >= HeaderSize && msg[8] == exKey[8] && msg[10] == exKey[10] {
			key = exKey
		}
		_, err = d.Decode(key)
		require.NoError(t, err)
		if len(msg) >= HeaderSize {
			msg = bytes.Clone(msg)
			binary.LittleEndian.PutUint32(msg[4:], 1)
		}
		checkDecode(t, d, msg)
	})
}

// checkDecode decodes msg and checks what must hold whatever the bytes.
func checkDecode(t *testing.T, d *Decoder, msg []byte) {
	var before, long []byte
	if d.Image() != nil {
		before = append(before, d.Image().Pix...)
		long = d.longPicture()
	}
	h, herr := ReadHeader(msg)
	u, err := d.Decode(msg)
	if err != nil {
		require.False(t, d.ready, "an error must make the decoder wait for a key frame")
		if before == nil {
			require.Nil(t, d.Image())
		} else {
			require.True(t, bytes.Equal(before, d.Image().Pix), "a failed message changed the picture")
			require.True(t, bytes.Equal(long, d.longPicture()), "a failed message changed the long-term picture")
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
	require.Len(t, d.long, len(img.Pix))
	saves := 0
	for _, r := range d.recs {
		if r.save {
			saves++
		}
	}
	if saves < len(d.recs) {
		require.NotEmpty(t, u.Rects) // only saves repaint nothing
	}
	for _, r := range u.Rects {
		require.True(t, r.In(bounds) && !r.Empty(), "rect %v outside %v", r, bounds)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		if img.Pix[i] != 0xFF {
			require.Failf(t, "transparent pixel", "alpha %d at byte %d", img.Pix[i], i)
		}
	}
}

// FuzzRoundTrip encodes a frame, then a second one with a moved block and
// painted rectangles, and checks that the decoder shows each exactly; with
// a quality set, after the refinement of a still screen.
func FuzzRoundTrip(f *testing.F) {
	f.Add(uint8(64), uint8(64), false, uint64(1), []byte{0}, uint8(0))
	f.Add(uint8(0), uint8(0), true, uint64(2), []byte{1, 2, 3}, uint8(0))
	f.Add(uint8(129), uint8(65), false, uint64(3), []byte("hello, tiles"), uint8(0))
	f.Add(uint8(200), uint8(17), true, uint64(4), []byte{}, uint8(0))
	f.Add(uint8(149), uint8(140), false, uint64(5), []byte("a photo?"), uint8(60))
	f.Add(uint8(100), uint8(130), true, uint64(6), []byte("scroll"), uint8(0))
	f.Fuzz(func(t *testing.T, w, h uint8, rgba bool, seed uint64, data []byte, quality uint8) {
		width, height := 1+int(w)%150, 1+int(h)%150
		pf := BGRA
		if rgba {
			pf = RGBA
		}
		rng := rand.New(rand.NewPCG(seed, uint64(len(data))))
		fr := newFrame(width, height, pf, int(seed%3))
		fr.rng = rng
		// Colours from data (few: palettes) or, with a quality, a photo.
		var pic *image.RGBA
		if quality > 0 {
			pic = photo(width, height, seed%4)
		}
		for y := range height {
			for x := range width {
				var b byte
				if len(data) > 0 {
					b = data[(y*width+x)%len(data)]
				}
				r, g, bl := (b&3)*85, (b>>2&3)*85, (b>>4&3)*85
				if pic != nil && b&64 == 0 {
					o := pic.PixOffset(x, y)
					r, g, bl = pic.Pix[o], pic.Pix[o+1], pic.Pix[o+2]
				}
				fr.set(x, y, r, g, bl)
			}
		}
		enc, err := NewEncoder(WithQuality(int(quality)%101), WithRefineDelay(0))
		require.NoError(t, err)
		defer enc.Close()
		dec, err := NewDecoder(WithMaxPixels(1<<16), WithDecoderConcurrency(1))
		require.NoError(t, err)
		defer dec.Close()
		now := time.Unix(0, 0)
		encode := func() {
			img := fr.Image
			now = now.Add(10 * time.Millisecond)
			img.Time = now
			msg, err := enc.Encode(nil, img, false)
			require.NoError(t, err)
			if len(msg) > 0 {
				_, err = dec.Decode(msg)
				require.NoError(t, err)
			}
		}
		exact := func() {
			for range 200 {
				if enc.lossyN == 0 {
					break
				}
				now = now.Add(time.Second)
				encode()
			}
			requireSame(t, dec.Image(), fr)
		}
		encode()
		exact()

		// Move a block (content of the previous frame elsewhere), paint a few
		// rectangles.
		old := fr.clone()
		bw, bh := 1+rng.IntN(width), 1+rng.IntN(height)
		sx, sy, dx, dy := rng.IntN(width-bw+1), rng.IntN(height-bh+1), rng.IntN(width-bw+1), rng.IntN(height-bh+1)
		for y := range bh {
			for x := range bw {
				r, g, b := old.rgb(sx+x, sy+y)
				fr.set(dx+x, dy+y, r, g, b)
			}
		}
		for range int(seed % 3) {
			x, y := rng.IntN(width), rng.IntN(height)
			r := image.Rect(x, y, x+1+rng.IntN(70), y+1+rng.IntN(70))
			fr.fill(r, byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()))
		}
		encode()
		exact()

		// The long-term picture: still frames let the tiles settle, a
		// change of one pixel carries their saves, then the first picture
		// comes back (from L where it still holds it).
		for range saveAfter {
			encode()
		}
		r, g, b := fr.rgb(0, 0)
		fr.set(0, 0, r^0x80, g, b)
		encode()
		exact()
		copy(fr.Pix, old.Pix)
		encode()
		exact()
	})
}

// rawKeyFrame is a key frame of raw tiles (the reference encoder only uses
// raw when a chunk's shared palette is full).
func rawKeyFrame(w, h int) []byte {
	tilesX, tilesY := tileGrid(w, h)
	var records []byte
	for i := range tilesX * tilesY {
		_, _, tw, th := tileRect(i, tilesX, w, h)
		records = append(records, 0, encRaw)
		for k := range tw * th * 3 {
			records = append(records, byte(k*7+i))
		}
	}
	return rawMessage(true, tilesX*tilesY, 0, w, h, records)
}

// TestFuzzSeedsCoverEncodings makes sure FuzzDecode starts from messages
// with every encoding and operation.
func TestFuzzSeedsCoverEncodings(t *testing.T) {
	msgs := append(fuzzSession(t), rawKeyFrame(130, 70), mustHex(exampleKey), mustHex(exampleDelta),
		mustHex(exampleCopy), mustHex(exampleSave), mustHex(exampleBase))
	d, err := NewDecoder()
	require.NoError(t, err)
	defer d.Close()
	seen := map[string]bool{}
	for _, m := range msgs {
		_, err := d.Decode(m)
		require.NoError(t, err)
		for _, r := range d.recs {
			seen[[]string{"keep", "solid", "palette", "shared", "raw", "jpeg", "predicted", "save"}[r.enc]] = true
			if r.base {
				seen["base"] = true
				if r.copy {
					seen["baseCopy"] = true
				}
				if r.enc != encKeep {
					seen["basePaint"] = true
				}
			}
			if r.copy {
				seen["copy"] = true
				if r.cw != r.tw || r.ch != r.th {
					seen["copyRect"] = true
				}
			}
			if r.rw != r.tw || r.rh != r.th {
				seen["region"] = true
			}
			if r.wide {
				seen["wide"] = true
			}
		}
	}
	for _, k := range []string{"keep", "solid", "palette", "shared", "raw", "jpeg", "predicted", "copy", "copyRect", "region",
		"save", "base", "baseCopy", "basePaint"} {
		require.True(t, seen[k], "no %s record in the fuzz seeds (%v)", k, seen)
	}
}
