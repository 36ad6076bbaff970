//go:build js

package main

import (
	"image"
	"strconv"
	"sync"
	"syscall/js"
	"time"

	"github.com/deskhand/deskhand/rdp"
)

// painter draws the viewer's picture on the screen canvas and the host's
// pointer on the cursor canvas above it, once per animation frame at
// most, and only what changed.
type painter struct {
	screen, ctx    js.Value // canvas and its 2D context
	cursor, curCtx js.Value
	onResize       js.Value
	img, data      js.Value // full-size ImageData and its pixels
	w, h           int      // the canvas's size: the picture's last painted
	dmg            damage   // what to repaint, from rdp's frame hook
	rects          []image.Rectangle
	shapeID        uint64
	hasShape       bool
	cur            rdp.RemoteCursor // the pointer to show
	curDirty       bool             // and it is not shown yet
}

func newPainter(screen, cursor, onResize js.Value) *painter {
	p := &painter{screen: screen, cursor: cursor, onResize: onResize}
	if screen.Truthy() {
		// An opaque canvas: the browser skips blending it with the page.
		opts := js.Global().Get("Object").New()
		opts.Set("alpha", false)
		p.ctx = screen.Call("getContext", "2d", opts)
	}
	if cursor.Truthy() {
		p.curCtx = cursor.Call("getContext", "2d")
	}
	return p
}

// start paints at the next animation frame after each change (kick)
// until stop is called: an idle screen costs the page nothing.
func (p *painter) start(s *session, v *rdp.Viewer) (stop func()) {
	var (
		mu        sync.Mutex
		frame     js.Func
		pending   js.Value
		scheduled bool
		stopped   bool
	)
	raf := js.Global().Get("requestAnimationFrame")
	frame = js.FuncOf(func(js.Value, []js.Value) any {
		mu.Lock()
		scheduled = false
		done := stopped
		mu.Unlock()
		if done || s.ctx.Err() != nil {
			// A disconnected session paints no more, even before its
			// goroutine gets to stop this loop: the canvas may be a newer
			// session's already.
			return nil
		}
		t := time.Now()
		if area := p.paint(v); area > 0 {
			s.paintStats(time.Since(t), area, time.Duration(s.decodeNs.Swap(0)))
		}
		if s.cursorSeen.Swap(false) {
			s.cursorMu.Lock()
			p.cur = s.cursor
			s.cursorMu.Unlock()
			p.curDirty = true
		}
		// The pointer is placed relative to the picture: it waits for the
		// first one, and moves with a change of size.
		if p.curDirty && p.w > 0 {
			p.drawCursor(p.cur)
			p.curDirty = false
		}
		return nil
	})
	kick := func() {
		mu.Lock()
		defer mu.Unlock()
		if !stopped && !scheduled {
			scheduled = true
			pending = raf.Invoke(frame)
		}
	}
	s.kick.Store(&kick)
	p.dmg.all()
	kick()
	return func() {
		s.kick.Store(nil)
		mu.Lock()
		stopped = true
		if scheduled {
			js.Global().Call("cancelAnimationFrame", pending)
		}
		mu.Unlock()
		frame.Release()
	}
}

// paint copies the regions of the picture repainted since the last
// paint to the canvas and returns the area painted, in pixels.
func (p *painter) paint(v *rdp.Viewer) int {
	if !p.ctx.Truthy() {
		return 0
	}
	p.rects = p.rects[:0]
	v.View(func(img *image.RGBA) {
		if img == nil {
			return
		}
		w, h := img.Rect.Dx(), img.Rect.Dy()
		if w != p.w || h != p.h {
			p.resize(w, h)
		}
		p.rects = p.dmg.take(p.rects, image.Rect(0, 0, w, h))
		// Copied while the picture cannot change under us; painted after.
		for _, r := range p.rects {
			copyRect(img, r, func(off int, b []byte) {
				js.CopyBytesToJS(p.data.Call("subarray", off, off+len(b)), b)
			})
		}
	})
	area := 0
	for _, r := range p.rects {
		p.ctx.Call("putImageData", p.img, 0, 0, r.Min.X, r.Min.Y, r.Dx(), r.Dy())
		area += r.Dx() * r.Dy()
	}
	return area
}

func (p *painter) resize(w, h int) {
	p.screen.Set("width", w)
	p.screen.Set("height", h)
	p.img = p.ctx.Call("createImageData", w, h)
	p.data = p.img.Get("data")
	p.w, p.h = w, h
	p.dmg.all()
	p.curDirty = true
	if p.onResize.Type() == js.TypeFunction {
		p.onResize.Invoke(w, h)
	}
}

// drawCursor shows the host's pointer over the screen canvas, placed and
// sized in percent of the screen so that it follows the canvas's scaling.
func (p *painter) drawCursor(c rdp.RemoteCursor) {
	if !p.curCtx.Truthy() {
		return
	}
	style := p.cursor.Get("style")
	if !c.Visible || c.Shape == nil || c.Shape.Width == 0 || c.Shape.Height == 0 {
		style.Set("display", "none")
		return
	}
	sh := c.Shape
	if !p.hasShape || sh.ID != p.shapeID {
		p.cursor.Set("width", sh.Width)
		p.cursor.Set("height", sh.Height)
		img := p.curCtx.Call("createImageData", sh.Width, sh.Height)
		js.CopyBytesToJS(img.Get("data"), sh.Pix)
		p.curCtx.Call("putImageData", img, 0, 0)
		p.shapeID, p.hasShape = sh.ID, true
	}
	pct := func(n, of int) string {
		return strconv.FormatFloat(float64(n)*100/float64(of), 'f', 4, 64) + "%"
	}
	style.Set("left", pct(c.X-sh.HotX, p.w))
	style.Set("top", pct(c.Y-sh.HotY, p.h))
	style.Set("width", pct(sh.Width, p.w))
	style.Set("height", pct(sh.Height, p.h))
	style.Set("display", "block")
}

// clamp turns a position in screen pixels, as the page computed it from a
// pointer event, into one on the screen.
func (p *painter) clamp(x, y float64) (int, int) {
	w, h := max(p.w, 1), max(p.h, 1)
	return min(max(int(x), 0), w-1), min(max(int(y), 0), h-1)
}
