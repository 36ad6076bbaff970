package rdp

import (
	"fmt"
	"image"

	"github.com/deskhand/deskhand/capture"
)

// Monitor is one of the host's monitors, as a viewer can choose it.
type Monitor struct {
	Index   int    `json:"index"`
	Name    string `json:"name,omitempty"`
	X       int    `json:"x"` // position and size in the shared screen's pixels
	Y       int    `json:"y"`
	Width   int    `json:"w"`
	Height  int    `json:"h"`
	Primary bool   `json:"primary,omitempty"`
}

// Rect returns the monitor's rectangle in the shared screen.
func (m Monitor) Rect() image.Rectangle { return image.Rect(m.X, m.Y, m.X+m.Width, m.Y+m.Height) }

// AllMonitors selects the whole shared screen (every monitor).
const AllMonitors = -1

// listMonitors returns src's monitors in frame coordinates (the frame's
// pixel 0,0 is the Bounder's Bounds().Min, or the virtual screen's
// origin), keeping those the frame shows.
func listMonitors(src capture.Source) []Monitor {
	var origin image.Point
	var frame image.Rectangle
	if b, ok := src.(capture.Bounder); ok {
		origin = b.Bounds().Min
		frame = b.Bounds().Sub(origin)
	}
	var out []Monitor
	for _, m := range src.Monitors() {
		r := m.Bounds.Sub(origin)
		if !frame.Empty() {
			r = r.Intersect(frame)
		}
		if r.Empty() {
			continue
		}
		out = append(out, Monitor{Index: m.Index, Name: m.Name, X: r.Min.X, Y: r.Min.Y, Width: r.Dx(), Height: r.Dy(), Primary: m.Primary})
	}
	return out
}

// cropFrame returns the part of f inside view (frame coordinates) as a
// codec image, its damage translated into dmg's storage; the whole frame
// when view is empty or does not meet it.
func cropFrame(f *capture.Frame, view image.Rectangle, dmg []image.Rectangle) (img frameView, out []image.Rectangle) {
	full := image.Rect(0, 0, f.Width, f.Height)
	view = view.Intersect(full)
	if view.Empty() || view == full {
		return frameView{pix: f.Pix, w: f.Width, h: f.Height, damage: f.Damage}, dmg
	}
	off := view.Min.Y*f.Stride + view.Min.X*4
	img = frameView{pix: f.Pix[off:], w: view.Dx(), h: view.Dy(), origin: view.Min}
	if f.Damage != nil {
		out = dmg[:0]
		for _, r := range f.Damage {
			if r = r.Intersect(view); !r.Empty() {
				out = append(out, r.Sub(view.Min))
			}
		}
		if out == nil {
			out = []image.Rectangle{}
		}
		img.damage = out
	}
	return img, out
}

type frameView struct {
	pix    []byte
	w, h   int
	origin image.Point
	damage []image.Rectangle
}

func checkMonitor(list []Monitor, i int) (image.Rectangle, error) {
	if i == AllMonitors {
		return image.Rectangle{}, nil
	}
	for _, m := range list {
		if m.Index == i {
			return m.Rect(), nil
		}
	}
	return image.Rectangle{}, fmt.Errorf("no monitor %d", i)
}
