package e2e

import (
	"context"
	"image"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pictureViewer is a viewer side that shows a fixed picture: waitExact is
// tested on its own, without a session.
type pictureViewer struct {
	viewerSide // the rest is not called
	img        atomic.Pointer[image.RGBA]
	last       atomic.Int64
}

func (v *pictureViewer) snapshot(context.Context) (*image.RGBA, error) { return v.img.Load(), nil }
func (v *pictureViewer) lastUpdate(context.Context) (time.Time, error) {
	if n := v.last.Load(); n != 0 {
		return time.Unix(0, n), nil
	}
	return time.Time{}, nil
}

func TestWaitExact(t *testing.T) {
	ctx := context.Background()
	cv := newCanvas(64, 64)
	sc := newScene(cv, 64, 64, 30)
	require.NoError(t, sc.setup(phaseTyping))
	screen := &sceneScreen{sc: sc, picture: func() (*image.RGBA, error) { return cv.picture(), nil }}
	v := &pictureViewer{}
	s := session{viewer: v, screen: screen, stillLimit: 400 * time.Millisecond, maxWait: 2 * time.Second}

	// No picture yet, then the right one: exact.
	go func() {
		time.Sleep(200 * time.Millisecond)
		v.last.Store(time.Now().UnixNano())
		v.img.Store(cv.picture())
	}()
	e, err := waitExact(ctx, s)
	require.NoError(t, err)
	assert.True(t, e.exact)
	assert.Contains(t, e.String(), "exact after")

	// A wrong picture and no update coming: given up, not exact.
	wrong := cv.picture()
	wrong.Pix[wrong.PixOffset(5, 6)] ^= 0xff
	v.img.Store(wrong)
	e, err = waitExact(ctx, s)
	require.NoError(t, err)
	assert.False(t, e.exact)
	assert.False(t, e.arrived)
	assert.Equal(t, 1, e.diff)
	assert.Equal(t, image.Pt(5, 6), e.first)
	assert.Contains(t, e.String(), "no update coming")

	// A wrong picture while updates keep arriving: the wait ends at maxWait.
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			v.last.Store(time.Now().UnixNano())
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	e, err = waitExact(ctx, s)
	close(stop)
	<-done
	require.NoError(t, err)
	assert.False(t, e.exact)
	assert.True(t, e.arrived)
	assert.Contains(t, e.String(), "still arriving")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = waitExact(cctx, s)
	require.ErrorIs(t, err, context.Canceled)
}
