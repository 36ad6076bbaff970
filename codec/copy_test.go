package codec

import (
	"image"
	"image/draw"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countCopies returns how many records of the decoder's last message copy.
func countCopies(d *Decoder) (copies, all int) {
	for _, r := range d.recs {
		if r.copy {
			copies++
		}
	}
	return copies, len(d.recs)
}

// TestCopySequences plays scrolling (both ways), window drags and typing on
// a realistic desktop and checks that every decoded frame is exact and that
// moved content travels as copies.
func TestCopySequences(t *testing.T) {
	w, h := 800, 600
	if testing.Short() || raceEnabled {
		w, h = 520, 400
	}
	cases := []struct {
		name  string
		steps int
		seq   func(d *desktop, i int) image.Rectangle
	}{
		{"scroll down", 6, func(d *desktop, i int) image.Rectangle { d.showTerm(i * d.lineHeight()); return d.term }},
		{"scroll up", 6, func(d *desktop, i int) image.Rectangle { d.showTerm((10 - i) * d.lineHeight()); return d.term }},
		{"smooth scroll", 6, func(d *desktop, i int) image.Rectangle { d.showTerm(i * 5); return d.term }},
		{"drag right down", 5, func(d *desktop, i int) image.Rectangle { return d.moveEdit(9, 4) }},
		{"drag left up", 5, func(d *desktop, i int) image.Rectangle { return d.moveEdit(-13, -2) }},
		{"drag far", 3, func(d *desktop, i int) image.Rectangle { return d.moveEdit(-150, 40) }},
		{"typing", 6, func(d *desktop, i int) image.Rectangle { return d.typeAt(i) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newDesktop(w, h, 5)
			fr := toFrame(d.img, BGRA)
			enc, dec := newPair(t, nil)
			msg, err := enc.Encode(nil, fr.Image, false)
			require.NoError(t, err)
			_, err = dec.Decode(msg)
			require.NoError(t, err)
			if c.name == "scroll up" {
				fr.setRect(d.img, c.seq(d, 0))
				msg, err = enc.Encode(msg[:0], fr.Image, false)
				require.NoError(t, err)
				_, err = dec.Decode(msg)
				require.NoError(t, err)
			}
			copied := 0
			for i := 1; i <= c.steps; i++ {
				fr.setRect(d.img, c.seq(d, i))
				msg, err = enc.Encode(msg[:0], fr.Image, false)
				require.NoError(t, err)
				require.NotEmpty(t, msg)
				_, err = dec.Decode(msg)
				require.NoError(t, err)
				requireSame(t, dec.Image(), fr)
				n, all := countCopies(dec)
				copied += n
				t.Logf("step %d: %d bytes, %d of %d records copy", i, len(msg), n, all)
			}
			if c.name != "typing" {
				assert.Positive(t, copied, "moved content must be copied")
			}
		})
	}
}

// TestCopyReadsPreviousFrame swaps two tiles' content: each copy's source is
// itself overwritten in the same message, so copies must read the previous
// picture, not the one being painted.
func TestCopyReadsPreviousFrame(t *testing.T) {
	d := newDesktop(640, 480, 9)
	fr := toFrame(d.img, RGBA)
	enc, dec := newPair(t, nil)
	msg, err := enc.Encode(nil, fr.Image, false)
	require.NoError(t, err)
	_, err = dec.Decode(msg)
	require.NoError(t, err)

	// Swap two 2x2-tile blocks of text (the terminal), and shift a third one
	// onto the first's old place in a chain.
	a := image.Rect(64, 128, 192, 256)
	b := image.Rect(256, 256, 384, 384)
	img := image.NewRGBA(d.img.Rect)
	copy(img.Pix, d.img.Pix)
	draw.Draw(img, a, d.img, b.Min, draw.Src)
	draw.Draw(img, b, d.img, a.Min, draw.Src)
	fr.setRect(img, img.Rect)
	msg, err = enc.Encode(msg[:0], fr.Image, false)
	require.NoError(t, err)
	_, err = dec.Decode(msg)
	require.NoError(t, err)
	requireSame(t, dec.Image(), fr)
	n, all := countCopies(dec)
	t.Logf("%d bytes, %d of %d records copy", len(msg), n, all)
	assert.Equal(t, 8, n, "both blocks travel as copies")
}
