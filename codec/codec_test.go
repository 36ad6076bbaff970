package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pixelsOutside finds a pixel whose colour differs between a and b and that
// lies outside rects.
func pixelsOutside(a, b *frame, rects []image.Rectangle) (image.Point, bool) {
	for y := range a.Height {
		if bytes.Equal(a.Pix[y*a.Stride:y*a.Stride+a.Width*4], b.Pix[y*b.Stride:y*b.Stride+b.Width*4]) {
			continue
		}
		for x := range a.Width {
			ar, ag, ab := a.rgb(x, y)
			br, bg, bb := b.rgb(x, y)
			if ar == br && ag == bg && ab == bb {
				continue
			}
			p := image.Pt(x, y)
			in := false
			for _, r := range rects {
				in = in || p.In(r)
			}
			if !in {
				return p, true
			}
		}
	}
	return image.Point{}, false
}

func TestRoundTrip(t *testing.T) {
	sizes := []image.Point{{1, 1}, {64, 64}, {65, 65}, {63, 129}, {300, 200}, {1917, 1079}}
	for _, size := range sizes {
		for _, pf := range []PixelFormat{BGRA, RGBA} {
			for _, content := range []string{"random", "desktop"} {
				t.Run(fmt.Sprintf("%dx%d/%v/%s", size.X, size.Y, pf, content), func(t *testing.T) {
					if size.X > 1000 && (testing.Short() || raceEnabled && content == "random") {
						t.Skip("large noise frame: too slow under -race or -short; covered without them")
					}
					rng := rand.New(rand.NewPCG(uint64(size.X), uint64(size.Y)))
					var fr *frame
					if content == "random" {
						fr = randomFrame(rng, size.X, size.Y, pf, 3)
					} else {
						fr = desktopFrame(rng, newFont(rng), size.X, size.Y, pf)
					}
					enc, dec := newPair(t, nil)
					msg, err := enc.Encode(nil, fr.Image, false)
					require.NoError(t, err)
					u, err := dec.Decode(msg)
					require.NoError(t, err)
					assert.True(t, u.Key)
					assert.Equal(t, uint32(0), u.Seq)
					assert.Equal(t, []image.Rectangle{image.Rect(0, 0, size.X, size.Y)}, u.Rects)
					requireSame(t, dec.Image(), fr)

					// Small changes, like typing and a cursor moving.
					f := newFont(rng)
					seq := uint32(0)
					for i := range 6 {
						old := fr.clone()
						fr.rng = rng // garbage in the ignored byte must not matter
						for range 1 + rng.IntN(3) {
							x, y := rng.IntN(size.X), rng.IntN(size.Y)
							fr.glyph(f, rng.IntN(len(f)), x, y, byte(i*40), 0, 0, 250, 250, 250)
						}
						fr.rng = nil
						msg, err = enc.Encode(msg[:0], fr.Image, false)
						require.NoError(t, err)
						if _, changed := pixelsOutside(old, fr, nil); !changed {
							require.Empty(t, msg, "nothing changed")
							continue
						}
						require.NotEmpty(t, msg)
						seq++
						u, err = dec.Decode(msg)
						require.NoError(t, err)
						assert.False(t, u.Key)
						assert.Equal(t, seq, u.Seq)
						requireSame(t, dec.Image(), fr)
						p, outside := pixelsOutside(old, fr, u.Rects)
						assert.False(t, outside, "changed pixel %v outside Rects %v", p, u.Rects)
					}
				})
			}
		}
	}
}

func TestLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fr := desktopFrame(rng, newFont(rng), 400, 300, BGRA)
	sizes := map[Level]int{}
	for _, l := range []Level{LevelFastest, LevelDefault, LevelBetter} {
		enc, dec := newPair(t, []Option{WithLevel(l)})
		msg, err := enc.Encode(nil, fr.Image, false)
		require.NoError(t, err)
		_, err = dec.Decode(msg)
		require.NoError(t, err)
		requireSame(t, dec.Image(), fr)
		sizes[l] = len(msg)
	}
	t.Logf("desktop 400x300 key frame: %v", sizes)
	assert.Less(t, sizes[LevelFastest], 400*300*3/4, "text-like frame must compress")
}

func TestNothingChanged(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	fr := desktopFrame(rng, newFont(rng), 200, 130, BGRA)
	enc, dec := newPair(t, nil)
	buf, err := enc.Encode(make([]byte, 0, 1<<16), fr.Image, false)
	require.NoError(t, err)
	_, err = dec.Decode(buf)
	require.NoError(t, err)

	prefix := []byte("keep")
	out, err := enc.Encode(prefix, fr.Image, false)
	require.NoError(t, err)
	assert.Equal(t, []byte("keep"), out, "unchanged frame must add no bytes")

	// Only the ignored 4th byte changes: still nothing to send.
	for i := 3; i < len(fr.Pix); i += 4 {
		fr.Pix[i] ^= 0x5A
	}
	out, err = enc.Encode(prefix, fr.Image, false)
	require.NoError(t, err)
	assert.Len(t, out, 4, "a change of only X/A bytes must add no bytes")

	// key=true forces every tile.
	out, err = enc.Encode(nil, fr.Image, true)
	require.NoError(t, err)
	h, err := ReadHeader(out)
	require.NoError(t, err)
	assert.True(t, h.Key)
	assert.Equal(t, 4*3, h.Tiles)
	assert.Equal(t, uint32(1), h.Seq)
	_, err = dec.Decode(out)
	require.NoError(t, err)
	requireSame(t, dec.Image(), fr)

	// Reset forces a key frame too.
	enc.Reset()
	out, err = enc.Encode(nil, fr.Image, false)
	require.NoError(t, err)
	h, err = ReadHeader(out)
	require.NoError(t, err)
	assert.True(t, h.Key)
	out, err = enc.Encode(nil, fr.Image, false)
	require.NoError(t, err)
	assert.Empty(t, out)
}

func TestSizeAndFormatChange(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	enc, dec := newPair(t, nil)
	frames := []*frame{
		randomFrame(rng, 100, 100, BGRA, 0),
		randomFrame(rng, 130, 70, BGRA, 1),
		randomFrame(rng, 130, 70, RGBA, 0), // same size, other format
		randomFrame(rng, 100, 100, RGBA, 0),
	}
	for i, fr := range frames {
		msg, err := enc.Encode(nil, fr.Image, false)
		require.NoError(t, err)
		h, err := ReadHeader(msg)
		require.NoError(t, err)
		assert.True(t, h.Key, "frame %d", i)
		assert.Equal(t, uint32(i), h.Seq)
		assert.Equal(t, fr.Width, h.Width)
		assert.Equal(t, fr.Height, h.Height)
		u, err := dec.Decode(msg)
		require.NoError(t, err)
		assert.Equal(t, fr.Width, u.Width)
		requireSame(t, dec.Image(), fr)
	}
}

func TestSolidTiles(t *testing.T) {
	fr := newFrame(128, 100, RGBA, 0)
	fr.fill(image.Rect(0, 0, 128, 100), 10, 20, 30)
	fr.fill(image.Rect(64, 64, 128, 100), 200, 100, 50)
	enc, dec := newPair(t, nil)
	msg, err := enc.Encode(nil, fr.Image, false)
	require.NoError(t, err)
	hdr, cs := chunksOf(t, msg)
	assert.Equal(t, 4, hdr.Tiles)
	assert.Equal(t, 4*5, cs[0].rawLen, "solid tiles must use the solid encoding")
	_, err = dec.Decode(msg)
	require.NoError(t, err)
	requireSame(t, dec.Image(), fr)
}

func TestDamage(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	fr := desktopFrame(rng, newFont(rng), 300, 200, BGRA)
	enc, dec := newPair(t, nil)
	msg, err := enc.Encode(nil, fr.Image, false)
	require.NoError(t, err)
	_, err = dec.Decode(msg)
	require.NoError(t, err)
	before := fr.clone()

	// Change tile (0,0) and tile (3,2); damage names only the first.
	fr.fill(image.Rect(10, 10, 20, 20), 1, 2, 3)
	fr.fill(image.Rect(200, 140, 210, 150), 4, 5, 6)
	img := fr.Image
	img.Damage = []image.Rectangle{image.Rect(5, 5, 25, 25), image.Rect(-50, -50, -1, -1), image.Rect(1000, 1000, 1100, 1100)}
	msg, err = enc.Encode(nil, img, false)
	require.NoError(t, err)
	h, err := ReadHeader(msg)
	require.NoError(t, err)
	assert.Equal(t, 1, h.Tiles, "only the damaged tile is compared")
	u, err := dec.Decode(msg)
	require.NoError(t, err)
	assert.Equal(t, []image.Rectangle{image.Rect(10, 10, 20, 20)}, u.Rects, "only the changed pixels")
	// The undamaged change is not shown yet: the caller vouched for Damage.
	shown := before.clone()
	shown.fill(image.Rect(10, 10, 20, 20), 1, 2, 3)
	requireSame(t, dec.Image(), shown)

	// Empty, non-nil damage: nothing to compare, nothing sent.
	img.Damage = []image.Rectangle{}
	out, err := enc.Encode(nil, img, false)
	require.NoError(t, err)
	assert.Empty(t, out)

	// Without damage the missed change is found, since the kept copy was not updated.
	msg, err = enc.Encode(nil, fr.Image, false)
	require.NoError(t, err)
	u, err = dec.Decode(msg)
	require.NoError(t, err)
	assert.Equal(t, []image.Rectangle{image.Rect(200, 140, 210, 150)}, u.Rects)
	requireSame(t, dec.Image(), fr)

	// Damage spanning a whole tile row uses the whole-row compare.
	fr.fill(image.Rect(0, 70, 300, 72), 9, 9, 9)
	img = fr.Image
	img.Damage = []image.Rectangle{image.Rect(0, 64, 300, 128)}
	msg, err = enc.Encode(nil, img, false)
	require.NoError(t, err)
	u, err = dec.Decode(msg)
	require.NoError(t, err)
	assert.Equal(t, []image.Rectangle{image.Rect(0, 70, 300, 72)}, u.Rects)
	requireSame(t, dec.Image(), fr)
}

func TestInvalidImage(t *testing.T) {
	enc, _ := newPair(t, nil)
	good := newFrame(10, 10, BGRA, 0).Image
	cases := map[string]func(*Image){
		"zero width":   func(i *Image) { i.Width = 0 },
		"too high":     func(i *Image) { i.Height = MaxDimension + 1 },
		"format":       func(i *Image) { i.Format = 7 },
		"stride":       func(i *Image) { i.Stride = 39 },
		"short pix":    func(i *Image) { i.Pix = i.Pix[:len(i.Pix)-1] },
		"too many px":  func(i *Image) { i.Width, i.Height = 65535, 65535 },
		"negative hgt": func(i *Image) { i.Height = -1 },
	}
	for name, mutate := range cases {
		img := good
		mutate(&img)
		out, err := enc.Encode([]byte{1}, img, false)
		require.ErrorIs(t, err, ErrInvalidImage, name)
		assert.Equal(t, []byte{1}, out, name)
	}
	// A failed Encode leaves the encoder usable.
	out, err := enc.Encode(nil, good, false)
	require.NoError(t, err)
	assert.NotEmpty(t, out)
}

func TestOptions(t *testing.T) {
	_, err := NewEncoder(WithLevel(Level(9)))
	require.ErrorIs(t, err, ErrInvalidOption)
	_, err = NewEncoder(WithLevel(Level(-1)))
	require.ErrorIs(t, err, ErrInvalidOption)
	for _, o := range []Option{WithQuality(-1), WithQuality(101), WithConcurrency(0), WithConcurrency(257),
		WithRefineDelay(-time.Millisecond), WithRefineDelay(11 * time.Second)} {
		_, err = NewEncoder(o)
		require.ErrorIs(t, err, ErrInvalidOption)
	}
	e, err := NewEncoder(WithQuality(0), WithQuality(100), WithConcurrency(1), WithConcurrency(256), WithRefineDelay(0), WithRefineDelay(10*time.Second))
	require.NoError(t, err)
	require.NoError(t, e.Close())
	for _, n := range []int{0, -1, 1<<28 + 1} {
		_, err = NewDecoder(WithMaxPixels(n))
		require.ErrorIs(t, err, ErrInvalidOption, n)
	}
	for _, n := range []int{0, HeaderSize, 1<<30 + 1} {
		_, err = NewDecoder(WithMaxMessage(n))
		require.ErrorIs(t, err, ErrInvalidOption, n)
	}
	d, err := NewDecoder(WithMaxPixels(1), WithMaxMessage(HeaderSize+1))
	require.NoError(t, err)
	require.NoError(t, d.Close())

	assert.Equal(t, "fastest", LevelFastest.String())
	assert.Equal(t, "default", LevelDefault.String())
	assert.Equal(t, "better", LevelBetter.String())
	assert.Equal(t, "Level(7)", Level(7).String())
	assert.Equal(t, "BGRA", BGRA.String())
	assert.Equal(t, "RGBA", RGBA.String())
	assert.Equal(t, "PixelFormat(0)", PixelFormat(0).String())
}

func TestClose(t *testing.T) {
	enc, err := NewEncoder()
	require.NoError(t, err)
	require.NoError(t, enc.Close())
	require.NoError(t, enc.Close())
	_, err = enc.Encode(nil, newFrame(1, 1, BGRA, 0).Image, false)
	require.ErrorIs(t, err, ErrClosed)

	dec, err := NewDecoder()
	require.NoError(t, err)
	require.NoError(t, dec.Close())
	require.NoError(t, dec.Close())
	_, err = dec.Decode([]byte("DH"))
	require.ErrorIs(t, err, ErrClosed)
}

func TestSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	f := newFont(rng)
	fr := desktopFrame(rng, f, 640, 480, BGRA)
	enc, dec := newPair(t, nil)
	buf, err := enc.Encode(nil, fr.Image, false)
	require.NoError(t, err)
	_, err = dec.Decode(buf)
	require.NoError(t, err)

	i := 0
	step := func() {
		i++
		fr.glyph(f, i%len(f), 100+(i%20)*7, 100, 0, 0, 0, 255, 255, 255)
		buf, err = enc.Encode(buf[:0], fr.Image, false)
		if err != nil {
			panic(err)
		}
		if _, err = dec.Decode(buf); err != nil {
			panic(err)
		}
	}
	for range 5 { // warm the reused buffers
		step()
	}
	assert.Zero(t, testing.AllocsPerRun(50, step), "Encode+Decode of a small change must not allocate")
	requireSame(t, dec.Image(), fr)

	// Unchanged frame.
	assert.Zero(t, testing.AllocsPerRun(20, func() {
		out, err := enc.Encode(buf[:0], fr.Image, false)
		if err != nil || len(out) != 0 {
			panic("expected no message")
		}
	}))
	// Key frames of the same size reuse everything too.
	for range 2 {
		buf, err = enc.Encode(buf[:0], fr.Image, true)
		require.NoError(t, err)
		_, err = dec.Decode(buf)
		require.NoError(t, err)
	}
	assert.Zero(t, testing.AllocsPerRun(5, func() {
		buf, err = enc.Encode(buf[:0], fr.Image, true)
		if err != nil {
			panic(err)
		}
		if _, err = dec.Decode(buf); err != nil {
			panic(err)
		}
	}))
	var hdr Header
	assert.Zero(t, testing.AllocsPerRun(100, func() { hdr, _ = ReadHeader(buf) }))
	assert.True(t, hdr.Key)
}

// TestSteadyStateAllocsCopyAndJPEG: scrolling (copies) and lossy frames
// (JPEG both ways, refinement) do not allocate once warm either.
func TestSteadyStateAllocsCopyAndJPEG(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	d, photoRect := photoDesktop(640, 480, 21)
	fr := toFrame(d.img, BGRA)
	enc, dec := newPair(t, []Option{WithQuality(DefaultQuality), WithRefineDelay(0)})
	var buf []byte
	i := 0
	now := time.Unix(100, 0)
	step := func() {
		i++
		switch i % 3 {
		case 0:
			d.showTerm(i * d.lineHeight())
			fr.setRect(d.img, d.term)
		case 1:
			draw.Draw(d.img, photoRect, photo(photoRect.Dx(), photoRect.Dy(), uint64(i%2)), image.Point{}, draw.Src)
			fr.setRect(d.img, photoRect)
		}
		img := fr.Image
		now = now.Add(40 * time.Millisecond)
		img.Time = now
		var err error
		buf, err = enc.Encode(buf[:0], img, false)
		if err != nil {
			panic(err)
		}
		if len(buf) > 0 {
			if _, err = dec.Decode(buf); err != nil {
				panic(err)
			}
		}
	}
	for range 12 {
		step()
	}
	photo(photoRect.Dx(), photoRect.Dy(), 0) // cached: no allocation in step
	photo(photoRect.Dx(), photoRect.Dy(), 1)
	assert.Zero(t, testing.AllocsPerRun(30, step))
	copies, _ := countCopies(dec)
	_ = copies
}

// TestPack checks the word-at-a-time pixel loops against the obvious ones for
// every length around their 4-pixel steps.
func TestPack(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for n := range 13 {
		src := make([]byte, n*4)
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		want := make([]byte, 0, n*3)
		for i := 0; i < len(src); i += 4 {
			want = append(want, src[i+2], src[i+1], src[i])
		}
		got := make([]byte, n*3)
		packBGRA(got, src)
		require.Equal(t, want, got, "BGRA, %d pixels", n)
		want = want[:0]
		for i := 0; i < len(src); i += 4 {
			want = append(want, src[i], src[i+1], src[i+2])
		}
		packRGBA(got, src)
		require.Equal(t, want, got, "RGBA, %d pixels", n)

		back := make([]byte, n*4)
		unpackRGB(back, got)
		for i := range n {
			require.Equal(t, append(append([]byte(nil), src[i*4:i*4+3]...), 0xFF), back[i*4:i*4+4], "unpack, %d pixels", n)
		}
	}
}

// TestLargeKeyFrame covers a 4K-wide key frame, split into several chunks.
func TestLargeKeyFrame(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("large frame: too slow under -race or -short")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	fr := desktopFrame(rng, newFont(rng), 3840, 1000, RGBA)
	enc, dec := newPair(t, nil)
	msg, err := enc.Encode(nil, fr.Image, false)
	require.NoError(t, err)
	h, _ := chunksOf(t, msg)
	require.Greater(t, h.Chunks, 2)
	_, err = dec.Decode(msg)
	require.NoError(t, err)
	requireSame(t, dec.Image(), fr)
}

// TestPaletteRoundTrip packs regions of every width with every index width
// and unpacks them as the decoder does.
func TestPaletteRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	var p palette
	for _, n := range []int{1, 2, 3, 4, 5, 16, 17, 200, 256, 300} {
		for w := 1; w <= 64; w += 1 + rng.IntN(5) {
			h := 1 + rng.IntN(64)
			cols := make([]uint32, n)
			for i := range cols {
				cols[i] = uint32(i*0x10101+i*i*7) & mask24
			}
			px := make([]byte, w*h*4)
			for i := range w * h {
				c := cols[rng.IntN(n)]
				if i < n {
					c = cols[i] // every colour appears
				}
				binary.LittleEndian.PutUint32(px[i*4:], c|uint32(rng.Uint32())<<24)
			}
			got := p.build(px, w*4, w, h)
			if min(n, w*h) > maxPalette {
				require.Equal(t, maxPalette+1, got)
				continue
			}
			require.Equal(t, min(n, w*h), got, "n %d, %dx%d", n, w, h)
			if got == 1 {
				continue
			}
			data := []byte{byte(got - 1)}
			for _, c := range p.colors[:got] {
				data = appendColour(data, c, RGBA)
			}
			data = appendIndices(data, p.idx[:], w, h, paletteBits(got))
			require.True(t, indicesBelow(data[1+3*got:], w, h, paletteBits(got), got))
			out := make([]byte, w*h*4)
			putPalette(out, w*4, 0, 0, w, h, got, data)
			for i := range w * h {
				require.Equal(t, binary.LittleEndian.Uint32(px[i*4:])&mask24|0xFF000000, binary.LittleEndian.Uint32(out[i*4:]), "n %d, %dx%d, pixel %d", n, w, h, i)
			}
		}
	}
}

// TestPackedIndices checks the packing of palette indices, and putPalette
// reading them back, against FORMAT.md bit by bit: rows start on a byte
// boundary, the leftmost pixel in the most significant bits.
func TestPackedIndices(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	for _, bits := range []int{1, 2, 4, 8} {
		for w := 1; w <= 64; w++ {
			h := 1 + rng.IntN(3)
			n := 1 << bits
			idx := make([]byte, w*h)
			for i := range idx {
				idx[i] = byte(rng.IntN(n))
			}
			rowBytes := (w*bits + 7) / 8
			want := make([]byte, rowBytes*h)
			for y := range h {
				for x := range w {
					bit := x * bits
					want[y*rowBytes+bit/8] |= idx[y*w+x] << (8 - bits - bit%8)
				}
			}
			got := appendIndices([]byte{0xAA}, idx, w, h, bits)
			require.Equal(t, want, got[1:], "%d bits, width %d", bits, w)

			data := []byte{byte(n - 1)}
			for c := range n {
				data = append(data, byte(c), byte(c*7), byte(c*13))
			}
			data = append(data, want...)
			stride := w*4 + 8
			out := make([]byte, stride*h)
			putPalette(out, stride, 1, 0, w, h, n, data)
			for y := range h {
				for x := range w {
					c := idx[y*w+x]
					require.Equal(t, []byte{c, c * 7, c * 13, 0xFF}, out[y*stride+(1+x)*4:][:4], "%d bits, width %d, pixel %d,%d", bits, w, x, y)
				}
				require.Equal(t, make([]byte, 4), out[y*stride:][:4], "%d bits, width %d: left of the region", bits, w)
				require.Equal(t, make([]byte, 4), out[y*stride+(1+w)*4:][:4], "%d bits, width %d: right of the region", bits, w)
			}
		}
	}
}

// TestIndicesBelow checks the validation of packed palette indices against
// the obvious loop, padding bits included.
func TestIndicesBelow(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for range 3000 {
		bits := []int{1, 2, 4, 8}[rng.IntN(4)]
		n := 1 + rng.IntN(1<<bits)
		w, h := 1+rng.IntN(64), 1+rng.IntN(4)
		rowBytes := (w*bits + 7) / 8
		p := make([]byte, rowBytes*h)
		for i := range p {
			if rng.IntN(3) == 0 {
				p[i] = byte(rng.Uint32())
			}
		}
		want := true
		for y := range h {
			for x := range w {
				bit := x * bits
				if int(p[y*rowBytes+bit/8]>>(8-bits-bit%8))&(1<<bits-1) >= n {
					want = false
				}
			}
		}
		require.Equal(t, want, indicesBelow(p, w, h, bits, n), "bits %d n %d w %d % x", bits, n, w, p)
	}
}
