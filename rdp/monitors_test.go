package rdp

import (
	"context"
	"image"
	"image/draw"
	"testing"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/input"
	"github.com/stretchr/testify/require"
)

// twoMonitors is a still synthetic screen shown on two monitors side by
// side, the right one primary, in a virtual screen whose origin is not 0,0.
type twoMonitors struct{ *capture.Synthetic }

func (s twoMonitors) Bounds() image.Rectangle { return s.Synthetic.Bounds().Add(image.Pt(100, 50)) }

func (s twoMonitors) Monitors() []capture.Monitor {
	b := s.Bounds()
	mid := b.Min.X + b.Dx()/2
	return []capture.Monitor{
		{Index: 0, Name: "left", Bounds: image.Rect(b.Min.X, b.Min.Y, mid, b.Max.Y)},
		{Index: 1, Name: "right", Bounds: image.Rect(mid, b.Min.Y, b.Max.X, b.Max.Y), Primary: true},
		{Index: 2, Name: "elsewhere", Bounds: image.Rect(5000, 0, 6000, 100)},
	}
}

func TestMonitorSwitching(t *testing.T) {
	syn, err := capture.NewSynthetic(capture.WithSize(640, 360), capture.WithStill(true))
	require.NoError(t, err)
	rec := input.NewRecorder()
	s := connect(t, twoMonitors{syn}, rec, nil, nil)
	whole := syn.Frame(0).RGBA()
	requireSameRGB(t, whole, waitStill(t, s.viewer))

	require.Equal(t, []Monitor{
		{Index: 0, Name: "left", X: 0, Y: 0, Width: 320, Height: 360},
		{Index: 1, Name: "right", X: 320, Y: 0, Width: 320, Height: 360, Primary: true},
	}, s.viewer.Monitors(), "in frame coordinates; a monitor the frame does not show is left out")
	require.Equal(t, AllMonitors, s.viewer.Monitor())
	require.Error(t, s.viewer.SelectMonitor(2))

	require.NoError(t, s.viewer.SelectMonitor(1))
	right := image.NewRGBA(image.Rect(0, 0, 320, 360))
	draw.Draw(right, right.Rect, whole, image.Pt(320, 0), draw.Src)
	var got *image.RGBA
	require.Eventually(t, func() bool {
		got = s.viewer.Snapshot()
		return got != nil && got.Rect.Dx() == 320 && s.viewer.Monitor() == 1
	}, testTimeout, 10*time.Millisecond)
	requireSameRGB(t, right, waitStill(t, s.viewer))

	// The pointer lands on the monitor shown.
	require.NoError(t, s.viewer.Send(input.Event{Kind: input.MouseMove, X: 10, Y: 20}))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	require.NoError(t, s.viewer.Sync(ctx))
	require.Equal(t, []input.Event{{Kind: input.MouseMove, X: 330, Y: 20}}, rec.Events())

	require.NoError(t, s.viewer.SelectMonitor(AllMonitors))
	require.Eventually(t, func() bool {
		got = s.viewer.Snapshot()
		return got != nil && got.Rect.Dx() == 640
	}, testTimeout, 10*time.Millisecond)
	requireSameRGB(t, whole, waitStill(t, s.viewer))
}

func TestCropFrameDamage(t *testing.T) {
	f := &capture.Frame{Width: 100, Height: 50, Stride: 400, Pix: make([]byte, 400*50),
		Damage: []image.Rectangle{image.Rect(0, 0, 10, 10), image.Rect(55, 5, 70, 8)}}
	fv, _ := cropFrame(f, image.Rect(50, 0, 100, 50), nil)
	require.Equal(t, 50, fv.w)
	require.Equal(t, []image.Rectangle{image.Rect(5, 5, 20, 8)}, fv.damage)
	f.Damage = []image.Rectangle{image.Rect(0, 0, 10, 10)}
	fv, _ = cropFrame(f, image.Rect(50, 0, 100, 50), nil)
	require.NotNil(t, fv.damage)
	require.Empty(t, fv.damage, "nothing changed in the view")
	fv, _ = cropFrame(f, image.Rect(0, 0, 500, 500), nil)
	require.Equal(t, 100, fv.w, "a view larger than the frame is the frame")
}
