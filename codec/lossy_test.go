package codec

import (
	"image"
	"image/draw"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// photoDesktop is a desktop with a photograph in a window: text around
// lossy content.
func photoDesktop(w, h int, seed uint64) (*desktop, image.Rectangle) {
	d := newDesktop(w, h, seed)
	r := image.Rect(w/8, h/6, w/8+w/2, h/6+h/2)
	draw.Draw(d.img, r, photo(r.Dx(), r.Dy(), seed), image.Point{}, draw.Src)
	return d, r
}

func TestLossyPSNR(t *testing.T) {
	for _, pf := range []PixelFormat{BGRA, RGBA} {
		fr := toFrame(photo(333, 250, 7), pf)
		lossless, _ := newPair(t, nil)
		exact, err := lossless.Encode(nil, fr.Image, false)
		require.NoError(t, err)

		enc, dec := newPair(t, []Option{WithQuality(DefaultQuality)})
		msg, err := enc.Encode(nil, fr.Image, false)
		require.NoError(t, err)
		_, err = dec.Decode(msg)
		require.NoError(t, err)
		psnr := psnrFrame(fr, dec.Image())
		t.Logf("%v: lossless %d bytes, quality %d: %d bytes, PSNR %.1f dB", pf, len(exact), DefaultQuality, len(msg), psnr)
		assert.GreaterOrEqual(t, psnr, 35.0)
		assert.Less(t, len(msg)*2, len(exact), "lossy must be much smaller")
		jpegs := 0
		for _, r := range dec.recs {
			if r.enc == encJPEG {
				jpegs++
			}
		}
		assert.Greater(t, jpegs, len(dec.recs)/2, "a photo is mostly JPEG")
	}
}

// decodeAll decodes msg (if any) and fails the test on error.
func decodeAll(t *testing.T, dec *Decoder, msg []byte) {
	t.Helper()
	if len(msg) == 0 {
		return
	}
	_, err := dec.Decode(msg)
	require.NoError(t, err)
}

// TestRefine shows a photo, then keeps the screen still: the viewer's
// picture becomes exact within a second of stillness, spread over several
// messages, none before the refine delay.
func TestRefine(t *testing.T) {
	d, photoRect := photoDesktop(640, 480, 3)
	fr := toFrame(d.img, BGRA)
	enc, dec := newPair(t, []Option{WithQuality(DefaultQuality), WithRefineDelay(300 * time.Millisecond)})
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	img := fr.Image
	img.Time = start
	msg, err := enc.Encode(nil, img, false)
	require.NoError(t, err)
	decodeAll(t, dec, msg)
	require.Positive(t, enc.lossyN, "the photo went lossy")
	assert.Less(t, psnrFrame(fr, dec.Image()), 100.0)

	const frame = 33 * time.Millisecond
	refining, largest, total := 0, 0, 0
	exactAt := time.Duration(-1)
	for i := 1; i <= 40; i++ {
		img.Time = start.Add(time.Duration(i) * frame)
		msg, err = enc.Encode(msg[:0], img, false)
		require.NoError(t, err)
		if time.Duration(i)*frame < 300*time.Millisecond {
			require.Empty(t, msg, "nothing to refine before the delay")
			continue
		}
		if len(msg) > 0 {
			refining++
			largest = max(largest, len(msg))
			total += len(msg)
		}
		decodeAll(t, dec, msg)
		if exactAt < 0 && enc.lossyN == 0 {
			exactAt = time.Duration(i) * frame
			requireSame(t, dec.Image(), fr)
		}
	}
	t.Logf("refined in %d messages (largest %d of %d bytes), exact %v after the last change", refining, largest, total, exactAt)
	require.GreaterOrEqual(t, exactAt, 300*time.Millisecond)
	assert.LessOrEqual(t, exactAt, time.Second)
	assert.Greater(t, refining, 3, "refinement is spread out")
	requireSame(t, dec.Image(), fr)
	_ = photoRect
}

// TestRefineRate refines the same photo under SetRefineRate: the bytes of
// the refinement, message by message, follow the rate (a slow link gets
// small messages, not one that queues up what follows), and the picture
// still becomes exact.
func TestRefineRate(t *testing.T) {
	d, _ := photoDesktop(640, 480, 3)
	fr := toFrame(d.img, BGRA)
	const (
		frame = 33 * time.Millisecond
		rate  = 200 << 10 // bytes a second: 6.6 KiB a frame
	)
	run := func(rate int) (messages, largest int) {
		enc, dec := newPair(t, []Option{WithQuality(DefaultQuality), WithRefineDelay(0)})
		enc.SetRefineRate(rate)
		start := time.Unix(2000, 0)
		img := fr.Image
		img.Time = start
		msg, err := enc.Encode(nil, img, false)
		require.NoError(t, err)
		decodeAll(t, dec, msg)
		require.Positive(t, enc.lossyN)
		for i := 1; enc.lossyN > 0; i++ {
			require.Less(t, i, 1000, "refinement never ends")
			img.Time = start.Add(time.Duration(i) * frame)
			msg, err = enc.Encode(msg[:0], img, false)
			require.NoError(t, err)
			decodeAll(t, dec, msg)
			if len(msg) > 0 {
				messages++
				largest = max(largest, len(msg))
			}
		}
		requireSame(t, dec.Image(), fr)
		return messages, largest
	}
	freeN, freeLargest := run(0)
	slowN, slowLargest := run(rate)
	t.Logf("unlimited: %d messages, largest %d B; at %d B/s: %d messages, largest %d B", freeN, freeLargest, rate, slowN, slowLargest)
	// A frame's share of the rate, plus the estimate's error on the first
	// messages (it starts from a lossless photograph's tile).
	assert.Less(t, slowLargest, 3*rate*int(frame)/int(time.Second)+initialRefineCost, "a refinement message exceeds the rate")
	assert.Greater(t, slowN, freeN, "a lower rate spreads the refinement over more messages")
	assert.Greater(t, freeLargest, slowLargest)
}

// TestRefineWhileChanging keeps changing the photo: its tiles stay lossy,
// while a still lossy region elsewhere is refined.
func TestRefineWhileChanging(t *testing.T) {
	d, photoRect := photoDesktop(640, 480, 4)
	still := image.Rect(448, 320, 576, 448) // a second photo that stays
	draw.Draw(d.img, still, photo(still.Dx(), still.Dy(), 11), image.Point{}, draw.Src)
	fr := toFrame(d.img, RGBA)
	enc, dec := newPair(t, []Option{WithQuality(70), WithRefineDelay(100 * time.Millisecond)})
	start := time.Unix(1000, 0)
	var msg []byte
	for i := range 30 {
		// "Video" in the photo rectangle: a new picture every frame.
		draw.Draw(d.img, photoRect, photo(photoRect.Dx(), photoRect.Dy(), uint64(100+i%3)), image.Point{}, draw.Src)
		fr.setRect(d.img, photoRect)
		img := fr.Image
		img.Time = start.Add(time.Duration(i) * 40 * time.Millisecond)
		var err error
		msg, err = enc.Encode(msg[:0], img, false)
		require.NoError(t, err)
		decodeAll(t, dec, msg)
	}
	// The still photo is exact now, the video is not.
	got := dec.Image()
	want := toFrame(d.img, RGBA)
	for y := still.Min.Y; y < still.Max.Y; y++ {
		for x := still.Min.X; x < still.Max.X; x++ {
			r, g, b := want.rgb(x, y)
			o := got.PixOffset(x, y)
			require.Equal(t, []byte{r, g, b}, got.Pix[o:o+3], "still photo at (%d,%d)", x, y)
		}
	}
	tx, ty := photoRect.Min.X/TileSize+1, photoRect.Min.Y/TileSize+1
	assert.True(t, enc.tiles[ty*enc.tilesX+tx].lossy, "the changing photo stays lossy")
}

func TestSetQuality(t *testing.T) {
	fr := toFrame(photo(256, 192, 5), BGRA)
	enc, dec := newPair(t, nil)
	msg, err := enc.Encode(nil, fr.Image, false)
	require.NoError(t, err)
	decodeAll(t, dec, msg)
	requireSame(t, dec.Image(), fr)
	assert.Zero(t, enc.lossyN, "lossless by default")

	enc.SetQuality(50)
	fr2 := toFrame(photo(256, 192, 6), BGRA)
	msg, err = enc.Encode(msg[:0], fr2.Image, false)
	require.NoError(t, err)
	decodeAll(t, dec, msg)
	assert.Positive(t, enc.lossyN)
	assert.Greater(t, psnrFrame(fr2, dec.Image()), 30.0)

	// Back to lossless: the next change is exact (the still lossy tiles wait
	// for refinement).
	enc.SetQuality(0)
	msg, err = enc.Encode(msg[:0], fr.Image, false)
	require.NoError(t, err)
	decodeAll(t, dec, msg)
	requireSame(t, dec.Image(), fr)
	enc.SetQuality(1000) // clamped
	assert.Equal(t, int64(100), enc.quality.Load())
}

// TestLossyCopy drags a window holding a photo: copies of lossy tiles are
// lossy too and get refined like the rest.
func TestLossyCopy(t *testing.T) {
	d := newDesktop(640, 480, 8)
	draw.Draw(d.editWin, image.Rect(20, 40, 260, 220), photo(240, 180, 8), image.Point{}, draw.Src)
	d.moveEdit(0, 0)
	fr := toFrame(d.img, BGRA)
	enc, dec := newPair(t, []Option{WithQuality(DefaultQuality), WithRefineDelay(0)})
	start := time.Unix(50, 0)
	img := fr.Image
	img.Time = start
	msg, err := enc.Encode(nil, img, false)
	require.NoError(t, err)
	decodeAll(t, dec, msg)
	for i := 1; i <= 4; i++ {
		fr.setRect(d.img, d.moveEdit(-16, 8))
		img := fr.Image
		img.Time = start.Add(time.Duration(i) * time.Millisecond)
		msg, err = enc.Encode(msg[:0], img, false)
		require.NoError(t, err)
		decodeAll(t, dec, msg)
	}
	copies, _ := countCopies(dec)
	assert.Positive(t, copies)
	assert.Positive(t, enc.lossyN)
	img = fr.Image
	for i := range 100 {
		img.Time = start.Add(time.Second + time.Duration(i)*30*time.Millisecond)
		msg, err = enc.Encode(msg[:0], img, false)
		require.NoError(t, err)
		decodeAll(t, dec, msg)
		if enc.lossyN == 0 {
			break
		}
	}
	requireSame(t, dec.Image(), fr)
}

// TestConcurrencyDeterminism encodes the same frames with 1 and 4
// goroutines: the messages are byte for byte the same.
func TestConcurrencyDeterminism(t *testing.T) {
	run := func(n int) [][]byte {
		d, photoRect := photoDesktop(900, 700, 12)
		fr := toFrame(d.img, BGRA)
		enc, dec := newPair(t, []Option{WithConcurrency(n), WithQuality(DefaultQuality)})
		var msgs [][]byte
		start := time.Unix(7, 0)
		for i := range 8 {
			switch {
			case i == 0:
			case i < 3:
				fr.setRect(d.img, d.moveEdit(11, 5))
			case i < 5:
				d.showTerm(i * d.lineHeight())
				fr.setRect(d.img, d.term)
			default:
				draw.Draw(d.img, photoRect, photo(photoRect.Dx(), photoRect.Dy(), uint64(i)), image.Point{}, draw.Src)
				fr.setRect(d.img, photoRect)
			}
			img := fr.Image
			img.Time = start.Add(time.Duration(i) * 200 * time.Millisecond)
			msg, err := enc.Encode(nil, img, i == 4)
			require.NoError(t, err)
			decodeAll(t, dec, msg)
			msgs = append(msgs, msg)
		}
		return msgs
	}
	one, four := run(1), run(4)
	for i := range one {
		require.Equal(t, one[i], four[i], "message %d differs", i)
	}
}
