//go:build linux || freebsd || openbsd || netbsd

package screenshot

import (
	"context"
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/capture/internal/xdraw"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestCapturesWhatWasDrawn(t *testing.T) {
	srv := xvfb.ForTest(t, 400, 300)
	p := xdraw.New(t, srv.Display)
	want := xdraw.Pattern(400, 300, 9)
	p.Put(t, want, image.Point{})
	p.Sync(t)
	t.Setenv("DISPLAY", srv.Display)

	for _, monitor := range []int{-1, 0} {
		s, err := Open(monitor)
		require.NoError(t, err)
		assert.Equal(t, image.Rect(0, 0, 400, 300), s.Bounds())
		mons := s.Monitors()
		require.Len(t, mons, 1)
		assert.Equal(t, capture.Monitor{Index: 0, Bounds: image.Rect(0, 0, 400, 300), Primary: true}, mons[0])

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		f, err := s.Next(ctx)
		cancel()
		require.NoError(t, err)
		assert.Equal(t, capture.RGBA, f.Format)
		assert.Equal(t, 400, f.Width)
		assert.Equal(t, 300, f.Height)
		assert.Equal(t, uint64(1), f.Seq)
		assert.Nil(t, f.Damage)
		assert.Empty(t, xdraw.Diff(want, f.RGBA()), "monitor %d", monitor)
		require.NoError(t, s.Close())
		require.NoError(t, s.Close())
		_, err = s.Next(context.Background())
		assert.ErrorIs(t, err, capture.ErrClosed)
	}

	p.Fill(t, image.Rect(0, 0, 400, 300), color.RGBA{9, 8, 7, 255})
	p.Sync(t)
	s, err := Open(-1)
	require.NoError(t, err)
	defer s.Close()
	f, err := s.Next(context.Background())
	require.NoError(t, err)
	assert.Equal(t, color.RGBA{9, 8, 7, 255}, f.At(399, 299))
}

func TestOpenErrors(t *testing.T) {
	t.Setenv("DISPLAY", "")
	_, err := Open(-1)
	assert.ErrorIs(t, err, capture.ErrNoDisplay)

	t.Setenv("DISPLAY", ":987")
	_, err = Open(-1)
	assert.ErrorIs(t, err, capture.ErrNoDisplay)

	_, err = Open(-2)
	assert.ErrorIs(t, err, capture.ErrInvalidOption)

	srv := xvfb.ForTest(t, 64, 64)
	t.Setenv("DISPLAY", srv.Display)
	_, err = Open(1)
	assert.ErrorIs(t, err, capture.ErrNoMonitor)
}

func TestContextCanceled(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 64)
	t.Setenv("DISPLAY", srv.Display)
	s, err := Open(-1)
	require.NoError(t, err)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.Next(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Next(context.Background())
	assert.NoError(t, err)
}
