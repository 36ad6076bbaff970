//go:build linux

package e2e

import (
	"context"
	"testing"

	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/stretchr/testify/require"
)

// Drawn on a real X server (requests through the socket for small
// pictures, shared memory for large ones, CopyArea for scrolling) the
// phases give exactly the canvas's pictures, and reading the screen back
// gives them too: the reference the viewer is compared with is right.
func TestXScreenDrawsWhatTheCanvasDraws(t *testing.T) {
	const w, h = 400, 240
	srv := xvfb.ForTest(t, w, h)
	xs, err := openXScreen(context.Background(), srv.Display)
	require.NoError(t, err)
	defer xs.close()
	require.NotNil(t, xs.shared, "Xvfb on this machine shares memory")

	cv := newCanvas(w, h)
	onX, inMem := newScene(xs, w, h, 30), newScene(cv, w, h, 30)
	for _, ph := range []string{phaseTyping, phaseScroll, phaseFull, phaseThroughput, phaseIdle} {
		for _, sc := range []*scene{onX, inMem} {
			require.NoError(t, sc.setup(ph))
			if sc.phaseRate(ph) > 0 {
				for range 25 {
					require.NoError(t, sc.step(ph))
				}
			}
		}
		got, err := xs.image()
		require.NoError(t, err)
		diff, first := compareRGB(cv.picture(), got)
		require.Zero(t, diff, "%s: first difference at %v", ph, first)
	}

	// Without shared memory, the same pictures through the socket.
	xs.detachShared(xs.shared)
	xs.shared = nil
	for _, sc := range []*scene{onX, inMem} {
		require.NoError(t, sc.setup(phaseFull))
		require.NoError(t, sc.step(phaseFull))
	}
	got, err := xs.image()
	require.NoError(t, err)
	diff, first := compareRGB(cv.picture(), got)
	require.Zero(t, diff, "first difference at %v", first)
}
