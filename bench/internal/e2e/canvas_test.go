package e2e

import (
	"bytes"
	"context"
	"image"
	"path/filepath"
	"testing"

	"github.com/deskhand/deskhand/capture"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompareRGB(t *testing.T) {
	sc := newScene(newCanvas(64, 64), 64, 64, 30)
	want := image.NewRGBA(image.Rect(0, 0, 64, 64))
	sc.textScreen(sc.screen, 5)
	copy(want.Pix, bgrxToRGBA(sc.screen, 64, 64, 4*64).Pix)
	got := image.NewRGBA(want.Rect)
	copy(got.Pix, want.Pix)

	diff, first := compareRGB(want, got)
	assert.Zero(t, diff)
	assert.Equal(t, image.Pt(-1, -1), first)

	// Alpha is not colour: a viewer may keep any alpha.
	got.Pix[3] = 0
	diff, _ = compareRGB(want, got)
	assert.Zero(t, diff)

	// One channel of one pixel is a corrupted picture.
	got.Pix[got.PixOffset(17, 40)+2] ^= 1
	got.Pix[got.PixOffset(3, 50)+0] ^= 0x80
	diff, first = compareRGB(want, got)
	assert.Equal(t, 2, diff)
	assert.Equal(t, image.Pt(17, 40), first)

	// A picture of another size differs everywhere.
	diff, _ = compareRGB(want, image.NewRGBA(image.Rect(0, 0, 64, 63)))
	assert.Equal(t, 64*64, diff)
	diff, _ = compareRGB(want, nil)
	assert.Equal(t, 64*64, diff)

	// A sub-image (non-zero origin, wider stride) compares by content.
	big := image.NewRGBA(image.Rect(0, 0, 80, 70))
	sub := big.SubImage(image.Rect(10, 5, 74, 69)).(*image.RGBA)
	for y := range 64 {
		copy(sub.Pix[y*sub.Stride:y*sub.Stride+4*64], want.Pix[y*want.Stride:])
	}
	diff, _ = compareRGB(want, sub)
	assert.Zero(t, diff)
}

func TestCanvasSourceCopiesOnlyDamage(t *testing.T) {
	ctx := context.Background()
	cv := newCanvas(100, 60)
	src := cv.source()
	defer src.Close()

	f, err := src.Next(ctx)
	require.NoError(t, err)
	assert.Nil(t, f.Damage, "the first frame: compare everything")
	assert.Equal(t, capture.BGRA, f.Format)
	assert.Equal(t, cv.picture().Pix, f.RGBA().Pix)

	changed, err := src.Changed(ctx)
	require.NoError(t, err)
	assert.False(t, changed)
	f, err = src.Next(ctx)
	require.NoError(t, err)
	assert.NotNil(t, f.Damage)
	assert.Empty(t, f.Damage, "nothing drawn: nothing changed")

	cell := solidCell([4]byte{1, 2, 3, 0xff})
	r := image.Rect(30, 20, 30+cellW, 20+cellH)
	require.NoError(t, cv.put(r, cell))
	changed, err = src.Changed(ctx)
	require.NoError(t, err)
	assert.True(t, changed)
	f, err = src.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, []image.Rectangle{r}, f.Damage)
	assert.Equal(t, [4]uint8{3, 2, 1, 0xff}, [4]uint8(f.RGBA().Pix[f.RGBA().PixOffset(31, 21):][:4]))
	assert.Equal(t, cv.picture().Pix, f.RGBA().Pix)

	// Scrolling moves rows up; the frame follows.
	require.NoError(t, cv.scrollUp(image.Rect(0, 0, 100, 60), cellH))
	f, err = src.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, []image.Rectangle{image.Rect(0, 0, 100, 60)}, f.Damage)
	assert.Equal(t, [4]uint8{3, 2, 1, 0xff}, [4]uint8(f.RGBA().Pix[f.RGBA().PixOffset(31, 1):][:4]))
	assert.Equal(t, cv.picture().Pix, f.RGBA().Pix)

	// Too many rectangles become the whole screen.
	for i := range maxDamage + 1 {
		require.NoError(t, cv.put(image.Rect(i%90, 0, i%90+1, 1), []byte{9, 9, 9, 9}))
	}
	f, err = src.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, []image.Rectangle{cv.bounds()}, f.Damage)
	assert.Equal(t, cv.picture().Pix, f.RGBA().Pix)

	require.NoError(t, src.Close())
	_, err = src.Next(ctx)
	require.ErrorIs(t, err, capture.ErrClosed)
	require.NoError(t, cv.put(r, cell), "the canvas outlives its sources")
}

func TestRawRoundTrip(t *testing.T) {
	cv := newCanvas(70, 65)
	sc := newScene(cv, 70, 65, 30)
	require.NoError(t, sc.setup(phaseScroll))
	img := cv.picture()
	path := filepath.Join(t.TempDir(), "p.raw")
	require.NoError(t, writeRaw(path, img))
	got, err := readRaw(path)
	require.NoError(t, err)
	assert.Equal(t, img.Rect, got.Rect)
	assert.True(t, bytes.Equal(img.Pix, got.Pix))

	_, err = readRaw(filepath.Join(t.TempDir(), "missing.raw"))
	require.Error(t, err)
}
