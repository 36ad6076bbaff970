package codec

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The long-term picture part of FORMAT.md's worked example, after
// exampleCopy: tile 0 painted black and tile 1 saved, then tile 0 from L
// with a green pixel over it and tile 1 from L.
const (
	exampleSave = "44 48 02 00 03 00 00 00 41 00 02 00 02 00 00 01" +
		" 00 02 00 00 07 00 00 00 07 00 00 00 00 00 00 00" +
		" 00 01 00 00 00" +
		" 00 07"
	exampleBase = "44 48 02 00 04 00 00 00 41 00 02 00 02 00 00 01" +
		" 00 02 00 00 0b 00 00 00 0b 00 00 00 00 00 00 00" +
		" 00 19 00 00 00 00 00 ff 00" +
		" 00 08"
)

func TestFormatExampleLongTerm(t *testing.T) {
	d, err := NewDecoder()
	require.NoError(t, err)
	defer d.Close()
	for _, m := range []string{exampleKey, exampleDelta, exampleCopy} {
		_, err := d.Decode(mustHex(m))
		require.NoError(t, err)
	}
	want := newFrame(65, 2, RGBA, 0)
	want.fill(image.Rect(0, 0, 65, 2), 0xFF, 0, 0)
	requireSame(t, d.Image(), want)

	u, err := d.Decode(mustHex(exampleSave))
	require.NoError(t, err)
	assert.Equal(t, []image.Rectangle{image.Rect(0, 0, 64, 2)}, u.Rects, "a save repaints nothing")
	want.fill(image.Rect(0, 0, 64, 2), 0, 0, 0)
	requireSame(t, d.Image(), want)

	u, err = d.Decode(mustHex(exampleBase))
	require.NoError(t, err)
	assert.Equal(t, []image.Rectangle{image.Rect(0, 0, 65, 2)}, u.Rects)
	want.fill(image.Rect(0, 0, 64, 2), 0xFF, 0, 0)
	want.set(0, 0, 0, 0xFF, 0)
	requireSame(t, d.Image(), want) // tile 1 red over red: L as saved, not the key frame's

	doc, err := os.ReadFile("FORMAT.md")
	require.NoError(t, err)
	flat := strings.Join(strings.Fields(string(doc)), " ")
	for _, ex := range []string{exampleSave, exampleBase} {
		assert.Contains(t, flat, ex[:(HeaderSize+ChunkHeaderSize)*3-1], "FORMAT.md must show the example header and chunk table")
	}
	for _, rec := range []string{"00 01 00 00 00 00 07", "00 19 00 00 00 00 00 ff 00 00 08"} {
		assert.Contains(t, flat, rec, "FORMAT.md must show the records")
	}
}

// dragScene is a window full of text over a background of noise, which
// costs the most to paint again, so what L saves shows in the sizes.
type dragScene struct {
	bg, img, win *image.RGBA
	at           image.Point
}

func newDragScene(w, h int, seed uint64, win image.Rectangle) *dragScene {
	rng := rand.New(rand.NewPCG(seed, 3))
	s := &dragScene{bg: image.NewRGBA(image.Rect(0, 0, w, h)), img: image.NewRGBA(image.Rect(0, 0, w, h)), at: win.Min}
	for i := range s.bg.Pix {
		s.bg.Pix[i] = byte(rng.Uint32()) | byte(i&3/3*255)
	}
	s.win = image.NewRGBA(image.Rect(0, 0, win.Dx(), win.Dy()))
	client := window(s.win, s.win.Rect, "user@host: ~", termBG)
	mono, _ := loadFaces()
	// A terminal full of text, like `ls -l` output.
	for y := client.Min.Y; y+mono.lineH <= client.Max.Y; y += mono.lineH {
		line := make([]byte, client.Dx()/mono.advance)
		for i := range line {
			line[i] = byte('!' + rng.IntN(94))
		}
		mono.text(s.win, client, client.Min.X, y, string(line), termFG)
	}
	copy(s.img.Pix, s.bg.Pix)
	draw.Draw(s.img, s.win.Rect.Add(s.at), s.win, image.Point{}, draw.Src)
	return s
}

// move drags the window by (dx, dy) and returns the area that changed.
func (s *dragScene) move(dx, dy int) image.Rectangle {
	old := s.win.Rect.Add(s.at)
	s.at = s.at.Add(image.Pt(dx, dy))
	now := s.win.Rect.Add(s.at)
	draw.Draw(s.img, old, s.bg, old.Min, draw.Src)
	draw.Draw(s.img, now, s.win, image.Point{}, draw.Src)
	return old.Union(now).Intersect(s.img.Rect)
}

// dragSteps is a drag right and down, a pause, a drag left and up past the
// start, a pause and a drag right back over the start: (0, 0) is a still
// frame.
func dragSteps() []image.Point {
	var steps []image.Point
	add := func(n int, p image.Point) {
		for range n {
			steps = append(steps, p)
		}
	}
	add(12, image.Pt(9, 4))
	add(10, image.Point{})
	add(16, image.Pt(-9, -3))
	add(10, image.Point{})
	add(12, image.Pt(9, 0))
	return steps
}

// checkLongTerm checks what exactness rests on: every tile the encoder
// believes exact is exact in dec's picture, every L tile it believes exact
// is the same in both copies of L, and a tile it believes shown from L is.
func checkLongTerm(t *testing.T, enc *Encoder, dec *Decoder, fr *frame) {
	t.Helper()
	img := dec.Image()
	// The encoder's L as RGB, like the decoder's.
	rgb := func(p []byte) (r, g, b byte) {
		if enc.format == BGRA {
			return p[2], p[1], p[0]
		}
		return p[0], p[1], p[2]
	}
	decLong, encLong := dec.longPicture(), enc.longPicture()
	for i := range enc.tiles {
		x0, y0, tw, th := tileRect(i, enc.tilesX, enc.width, enc.height)
		ti := enc.tiles[i]
		for y := y0; y < y0+th; y++ {
			for x := x0; x < x0+tw; x++ {
				o := img.PixOffset(x, y)
				got, long := img.Pix[o:o+3], decLong[o:o+3]
				if !ti.lossy {
					if r, g, b := fr.rgb(x, y); got[0] != r || got[1] != g || got[2] != b {
						require.Failf(t, "a tile believed exact differs", "tile %d at (%d,%d): %v, want %v", i, x, y, got, []byte{r, g, b})
					}
				}
				if !ti.longLossy {
					if r, g, b := rgb(encLong[(y*enc.width+x)*4:]); long[0] != r || long[1] != g || long[2] != b {
						require.Failf(t, "an L tile believed exact differs", "tile %d at (%d,%d): %v, want %v", i, x, y, long, []byte{r, g, b})
					}
				}
				if ti.inLong && !ti.longLossy && !ti.lossy && !bytes.Equal(got, long) {
					require.Failf(t, "a tile believed shown from L is not", "tile %d at (%d,%d)", i, x, y)
				}
			}
		}
	}
}

// TestLongTermDrag drags a window with text over noise both ways, back
// over where it started: every frame is exact, agrees with the reference
// decoder, and the wallpaper uncovered a second time comes from L (BASE
// records), so the median update is a fraction of painting it.
func TestLongTermDrag(t *testing.T) {
	formats := []PixelFormat{BGRA, RGBA}
	if raceEnabled || testing.Short() {
		formats = formats[:1] // the reference decoder is slow under the race detector
	}
	for _, pf := range formats {
		s := newDragScene(512, 320, 4, image.Rect(60, 60, 260, 200))
		fr := toFrame(s.img, pf)
		enc, dec := newPair(t, nil)
		var ref refState
		var msg []byte
		encode := func(what string) int {
			var err error
			msg, err = enc.Encode(msg[:0], fr.Image, false)
			require.NoError(t, err)
			if len(msg) == 0 {
				return 0
			}
			ref = agreeWithRef(t, dec, ref, msg, what)
			requireSame(t, dec.Image(), fr)
			checkLongTerm(t, enc, dec, fr)
			return len(msg)
		}
		encode("key frame")
		var updates, firstLeg []int
		bases, baseCopies, saves := 0, 0, 0
		for i, p := range dragSteps() {
			if p != (image.Point{}) {
				fr.setRect(s.img, s.move(p.X, p.Y))
			}
			n := encode(fmt.Sprintf("%v step %d", pf, i))
			if n == 0 {
				require.Equal(t, image.Point{}, p, "a move must send something")
				continue
			}
			updates = append(updates, n)
			if i < 12 {
				firstLeg = append(firstLeg, n)
			}
			for _, r := range dec.recs {
				switch {
				case r.save:
					saves++
				case r.base && r.copy:
					baseCopies++
				case r.base:
					bases++
				}
			}
		}
		med, firstMed := median(updates), median(firstLeg)
		t.Logf("%v: %d updates, median %d bytes (first leg, uncovering what no one saw: %d); %d BASE, %d BASE under a copy, %d saves",
			pf, len(updates), med, firstMed, bases, baseCopies, saves)
		assert.Positive(t, saves)
		assert.Positive(t, bases)
		assert.Positive(t, baseCopies, "the window's trailing edge: L under, the window over")
		assert.Less(t, med*8, firstMed, "uncovering what L holds must cost a fraction of painting it")
		assert.Less(t, med, 1024)
	}
}

func median(v []int) int {
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

// TestLongTermWindowFlash opens a window over the background and closes it
// before it settles: the tiles come back from L in a few bytes each.
func TestLongTermWindowFlash(t *testing.T) {
	s := newDragScene(384, 256, 5, image.Rect(500, 500, 700, 640)) // off screen
	fr := toFrame(s.img, BGRA)
	enc, dec := newPair(t, nil)
	step := func() []byte {
		msg, err := enc.Encode(nil, fr.Image, false)
		require.NoError(t, err)
		_, err = dec.Decode(msg)
		require.NoError(t, err)
		requireSame(t, dec.Image(), fr)
		return msg
	}
	step()
	fr.setRect(s.img, s.move(-450, -450)) // opens at (50, 50)
	opened := step()
	fr.setRect(s.img, s.move(450, 450))
	closed := step()
	t.Logf("open %d bytes, close %d bytes", len(opened), len(closed))
	for _, r := range dec.recs {
		require.True(t, r.base && r.enc == encKeep && !r.copy, "every tile wholly from L")
	}
	assert.Less(t, len(closed), 100)
}

// TestLongTermLossy starts from a lossy key frame, so L holds JPEG
// approximations: a tile rebuilt from them is lossy, is refined, and the
// picture ends exact; at every step the encoder's beliefs hold.
func TestLongTermLossy(t *testing.T) {
	s := newDragScene(384, 256, 6, image.Rect(40, 40, 240, 180))
	draw.Draw(s.bg, s.bg.Rect, photo(384, 256, 3), image.Point{}, draw.Src) // photographic background
	draw.Draw(s.img, s.img.Rect, s.bg, image.Point{}, draw.Src)
	s.move(0, 0)
	fr := toFrame(s.img, BGRA)
	enc, dec := newPair(t, []Option{WithQuality(DefaultQuality), WithRefineDelay(100 * time.Millisecond)})
	now := time.Unix(50, 0)
	encode := func(dt time.Duration) {
		now = now.Add(dt)
		img := fr.Image
		img.Time = now
		msg, err := enc.Encode(nil, img, false)
		require.NoError(t, err)
		if len(msg) > 0 {
			_, err = dec.Decode(msg)
			require.NoError(t, err)
		}
		checkLongTerm(t, enc, dec, fr)
	}
	encode(0)
	require.Positive(t, enc.lossyN, "a photographic key frame is lossy")
	longLossy := 0
	for _, ti := range enc.tiles {
		if ti.longLossy {
			longLossy++
		}
	}
	require.Positive(t, longLossy, "and so is L")
	bases := 0
	for range 6 { // away and back: tiles the window leaves come from L
		fr.setRect(s.img, s.move(30, 10))
		encode(33 * time.Millisecond)
		for _, r := range dec.recs {
			if r.base {
				bases++
			}
		}
	}
	for range 10 {
		fr.setRect(s.img, s.move(-18, -6))
		encode(33 * time.Millisecond)
		for _, r := range dec.recs {
			if r.base {
				bases++
			}
		}
	}
	t.Logf("%d BASE records over a lossy L", bases)
	assert.Positive(t, bases)
	for range 100 {
		if enc.lossyN == 0 {
			break
		}
		encode(time.Second)
	}
	require.Zero(t, enc.lossyN)
	requireSame(t, dec.Image(), fr)
}

// TestLongTermRejects feeds records that misuse save and BASE: each is
// refused as corrupt and changes neither the picture nor L.
func TestLongTermRejects(t *testing.T) {
	// 130x70: 3x2 tiles; tile 2 is 2x64, tile 5 is 2x6.
	solid := []byte{0, encSolid, 1, 2, 3}
	allSolid := bytes.Repeat(solid, 6)
	key := rawMessage(true, 6, 0, 130, 70, allSolid)
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	d, err := NewDecoder()
	require.NoError(t, err)
	defer d.Close()
	// A good start: the key frame, then tile 0 painted and tile 1 saved
	// after a change (so L differs from the picture in tile 0).
	setup := func() {
		_, err := d.Decode(key)
		require.NoError(t, err)
		_, err = d.Decode(rawMessage(false, 2, 1, 130, 70, cat([]byte{0, encSolid, 9, 9, 9}, []byte{0, encSave})))
		require.NoError(t, err)
	}
	setup()
	delta := func(tiles int, records []byte) []byte { return rawMessage(false, tiles, 2, 130, 70, records) }
	cases := map[string][]byte{
		"save in key":          rawMessage(true, 6, 0, 130, 70, cat([]byte{0, encSave}, allSolid[5:])),
		"BASE in key":          rawMessage(true, 6, 0, 130, 70, cat([]byte{0, opBase | encSolid, 1, 2, 3}, allSolid[5:])),
		"BASE keep in key":     rawMessage(true, 6, 0, 130, 70, cat([]byte{0, opBase | encKeep}, allSolid[5:])),
		"save with BASE":       delta(1, []byte{0, opBase | encSave}),
		"save with REGION":     delta(1, []byte{0, opSubRect | encSave, 0, 0, 0, 0}),
		"save with COPY":       delta(1, []byte{1, opCopy | encSave, 0x7f, 0}),
		"save with COPYSAME":   delta(2, []byte{1, opCopy | encKeep, 0x7f, 0, 2, opCopySame | encSave}),
		"save with COPYRECT":   delta(1, []byte{1, opCopyRect | encSave, 0, 0, 0, 0}),
		"save with data":       delta(1, []byte{0, encSave, 1, 2, 3}),
		"save index range":     delta(1, []byte{6, encSave}),
		"BASE keep REGION":     delta(1, []byte{0, opBase | opSubRect | encKeep, 0, 0, 0, 0}),
		"BASE COPYRECT no vec": delta(1, []byte{0, opBase | opCopyRect | encKeep, 0, 0, 0, 0}),
		"BASE both copies":     delta(1, []byte{1, opBase | opCopy | opCopySame | encKeep, 0x7f, 0}),
		"BASE copy outside":    delta(1, []byte{0, opBase | opCopy | opCopyRect | encKeep, 1, 0, 0, 0, 0, 0}),
		"BASE short region":    delta(1, []byte{0, opBase | opSubRect | encSolid, 0, 0}),
		"BASE region out":      delta(1, []byte{2, opBase | opSubRect | encSolid, 1, 0, 1, 0, 1, 2, 3}),
		"BASE short solid":     delta(1, []byte{0, opBase | encSolid, 1, 2}),
		// A good save then a bad record: the save must not happen.
		"save then garbage": delta(2, []byte{1, encSave, 0, 15, 1, 2, 3}),
	}
	for name, msg := range cases {
		pic := bytes.Clone(d.Image().Pix)
		long := d.longPicture()
		_, err := d.Decode(msg)
		require.ErrorIs(t, err, ErrCorrupt, name)
		require.Equal(t, pic, d.Image().Pix, "%s changed the picture", name)
		require.Equal(t, long, d.longPicture(), "%s changed L", name)
		_, err = d.Decode(delta(1, []byte{0, opBase | encKeep}))
		require.ErrorIs(t, err, ErrNeedKeyFrame, "%s: a BASE after an error needs a key frame", name)
		setup()
	}

	// And the good ones do what FORMAT.md says: tile 0 back from L (the
	// key frame's colour), tile 1 from L as saved.
	_, err = d.Decode(delta(2, []byte{0, opBase | encKeep, 0, opBase | encKeep}))
	require.NoError(t, err)
	want := newFrame(130, 70, RGBA, 0)
	want.fill(image.Rect(0, 0, 130, 70), 1, 2, 3)
	requireSame(t, d.Image(), want)

	// BASE before any key frame is refused.
	fresh, err := NewDecoder()
	require.NoError(t, err)
	defer fresh.Close()
	_, err = fresh.Decode(rawMessage(false, 1, 1, 130, 70, []byte{0, opBase | encKeep}))
	require.ErrorIs(t, err, ErrNeedKeyFrame)
}

// TestLongTermSteadyStateAllocs drags a window to and fro over saved
// wallpaper, with BASE records and saves in the messages: Encode and
// Decode allocate nothing once warm.
func TestLongTermSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s := newDragScene(512, 320, 7, image.Rect(100, 60, 300, 200))
	fr := toFrame(s.img, BGRA)
	enc, dec := newPair(t, nil)
	var buf []byte
	i := 0
	bases := 0
	step := func() {
		i++
		switch {
		case i%40 < 10:
			fr.setRect(s.img, s.move(9, 3))
		case i%40 < 20:
			// still: tiles settle
		case i%40 < 30:
			fr.setRect(s.img, s.move(-9, -3))
		}
		var err error
		buf, err = enc.Encode(buf[:0], fr.Image, false)
		if err != nil {
			panic(err)
		}
		if len(buf) > 0 {
			if _, err = dec.Decode(buf); err != nil {
				panic(err)
			}
			for _, r := range dec.recs {
				if r.base {
					bases++
				}
			}
		}
	}
	for range 80 {
		step()
	}
	require.Positive(t, bases)
	assert.Zero(t, testing.AllocsPerRun(80, step))
	requireSame(t, dec.Image(), fr)
}

// longPicture returns the encoder's whole long-term picture, taking the
// tiles still kept in prev from there.
func (e *Encoder) longPicture() []byte {
	out := bytes.Clone(e.long)
	for i := range e.tiles {
		if e.tiles[i].longInPrev {
			e.copyTile(out, e.prev, i)
		}
	}
	return out
}

// longPicture returns the decoder's whole long-term picture, taking the
// tiles still kept in the picture from there.
func (d *Decoder) longPicture() []byte {
	out := bytes.Clone(d.long)
	if d.img == nil {
		return out
	}
	w, h := d.img.Rect.Dx(), d.img.Rect.Dy()
	tx, _ := tileGrid(w, h)
	for i, in := range d.longInImg {
		if in {
			var r decRecord
			r.x0, r.y0, r.tw, r.th = tileRect(i, tx, w, h)
			copyTile(out, d.img.Pix, d.img.Stride, &r)
		}
	}
	return out
}
