package capture

import (
	"bytes"
	"context"
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCursorShapeHash(t *testing.T) {
	base := CursorShape{Width: 2, Height: 1, HotX: 1, Pix: []byte{1, 2, 3, 4, 5, 6, 7, 8}}
	h := base.Hash()
	assert.NotZero(t, h)
	same := base
	same.Pix = bytes.Clone(base.Pix)
	assert.Equal(t, h, same.Hash(), "the hash depends on the content, not the slice")

	variants := []CursorShape{
		{Width: 1, Height: 2, HotX: 1, Pix: base.Pix},
		{Width: 2, Height: 1, HotX: 0, Pix: base.Pix},
		{Width: 2, Height: 1, HotX: 1, HotY: 1, Pix: base.Pix},
		{Width: 2, Height: 1, HotX: 1, Pix: []byte{1, 2, 3, 4, 5, 6, 7, 9}},
		{},
	}
	seen := map[uint64]int{h: -1}
	for i, v := range variants {
		id := v.Hash()
		assert.NotZero(t, id)
		prev, dup := seen[id]
		assert.False(t, dup, "variant %d hashes like %d", i, prev)
		seen[id] = i
	}
	// The ID is FNV-1a 64 of the little-endian size and hotspot, then the
	// pixels, as documented: computed here by hand, it must never change
	// between versions, since viewers may keep shapes by ID.
	fnv := uint64(14695981039346656037)
	for _, b := range append([]byte{2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, base.Pix...) {
		fnv = (fnv ^ uint64(b)) * 1099511628211
	}
	assert.Equal(t, fnv, h)
}

func TestSyntheticCursor(t *testing.T) {
	ctx := context.Background()
	const w, h = 320, 200
	s := newSynth(t, WithSize(w, h), WithSeed(4))
	twin := newSynth(t, WithSize(w, h), WithSeed(4))
	c, err := s.Cursor(ctx)
	require.NoError(t, err)
	require.True(t, c.Visible)
	sh := c.Shape
	assert.Equal(t, sh.Hash(), sh.ID)
	assert.Equal(t, [4]int{13, 20, 0, 0}, [4]int{sh.Width, sh.Height, sh.HotX, sh.HotY})
	require.Len(t, sh.Pix, 4*sh.Width*sh.Height)
	alphas := map[byte]bool{}
	for i := 0; i < len(sh.Pix); i += 4 {
		alphas[sh.Pix[i+3]] = true
		if sh.Pix[i+3] == 0 {
			require.Equal(t, []byte{0, 0, 0}, sh.Pix[i:i+3], "a transparent pixel has colour")
		}
	}
	assert.Equal(t, map[byte]bool{0: true, 0xff: true, arrowShadowAlpha: true}, alphas, "opaque, transparent and shadow pixels")
	assert.Equal(t, byte(0xff), sh.Pix[3], "the hotspot pixel is opaque")

	positions := map[image.Point]bool{}
	for i := 0; i < 20; i++ {
		_, err := s.Next(ctx)
		require.NoError(t, err)
		_, err = twin.Next(ctx)
		require.NoError(t, err)
		c, err = s.Cursor(ctx)
		require.NoError(t, err)
		tc, err := twin.Cursor(ctx)
		require.NoError(t, err)
		assert.Equal(t, tc.X, c.X)
		assert.Equal(t, tc.Y, c.Y)
		assert.Equal(t, sh.ID, c.Shape.ID, "the shape never changes")
		require.True(t, image.Pt(c.X, c.Y).In(image.Rect(0, 0, w, h)), "pointer %d,%d off the frame", c.X, c.Y)
		positions[image.Pt(c.X, c.Y)] = true
	}
	assert.Greater(t, len(positions), 15, "the pointer should move with the frames")

	still := newSynth(t, WithSize(w, h), WithStill(true))
	first, err := still.Cursor(ctx)
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		_, err := still.Next(ctx)
		require.NoError(t, err)
		c, err := still.Cursor(ctx)
		require.NoError(t, err)
		assert.Equal(t, [2]int{first.X, first.Y}, [2]int{c.X, c.Y}, "a still source has a still pointer")
	}

	tiny := newSynth(t, WithSize(1, 1))
	for i := 0; i < 3; i++ {
		_, err := tiny.Next(ctx)
		require.NoError(t, err)
		c, err := tiny.Cursor(ctx)
		require.NoError(t, err)
		assert.Equal(t, [2]int{0, 0}, [2]int{c.X, c.Y})
	}
}

func TestSyntheticChanged(t *testing.T) {
	ctx := context.Background()
	for _, still := range []bool{false, true} {
		s := newSynth(t, WithSize(64, 48), WithStill(still))
		ch, err := s.Changed(ctx)
		require.NoError(t, err)
		assert.True(t, ch, "before the first Next")
		for i := 0; i < 3; i++ {
			_, err := s.Next(ctx)
			require.NoError(t, err)
			ch, err := s.Changed(ctx)
			require.NoError(t, err)
			assert.Equal(t, !still, ch, "still=%v", still)
		}
	}
}

func TestSyntheticCursorChangedErrors(t *testing.T) {
	s := newSynth(t, WithSize(32, 32))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Cursor(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Changed(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	require.NoError(t, s.Close())
	_, err = s.Cursor(context.Background())
	assert.ErrorIs(t, err, ErrClosed)
	_, err = s.Changed(context.Background())
	assert.ErrorIs(t, err, ErrClosed)
}

// The interfaces are discovered at run time, as a host does.
func TestSyntheticImplementsOptionalInterfaces(t *testing.T) {
	var src Source = newSynth(t, WithSize(8, 8))
	_, ok := src.(CursorSource)
	assert.True(t, ok)
	_, ok = src.(ChangeWatcher)
	assert.True(t, ok)
}
