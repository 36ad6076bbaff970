//go:build js

package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"syscall/js"
	"time"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/rdp"
	"github.com/deskhand/deskhand/signaling"
)

// app is what the page talks to through window.deskhand: at most one
// session at a time.
type app struct {
	mu        sync.Mutex
	sess      *session
	startedMs float64 // performance.now() when the module started
}

// config is what connect is given by the page.
type config struct {
	signal, id, code, name string
	lossless               bool
	screen, cursor         js.Value // the two canvases
	onState, onResize      js.Value // callbacks (may be undefined)
	onClipboard            js.Value
}

// session is one connection attempt and, once connected, its viewer.
type session struct {
	app    *app
	cfg    config
	ctx    context.Context
	cancel context.CancelFunc
	viewer atomic.Pointer[rdp.Viewer]
	state  atomic.Value // string: connecting, connected, reconnecting, closed

	// Set by rdp's hooks on its goroutines, taken by the painter.
	cursorMu   sync.Mutex
	cursor     rdp.RemoteCursor
	cursorSeen atomic.Bool

	paint   *painter
	kick    atomic.Pointer[func()] // asks the painter for a frame; nil while it does not run
	painted atomic.Int64           // canvas repaints
	paintNs atomic.Int64           // the last repaint's duration

	decodeNs atomic.Int64 // decode time of the updates not painted yet
	logMu    sync.Mutex
	paintLog []paintRecord // the last repaints, for paintLog()

	// Milestones in performance.now() milliseconds (since the page began
	// to load), for measuring the time to the first picture.
	connectedMs, firstPaintMs float64
}

// now is the page's clock: milliseconds since it began to load.
func now() float64 { return js.Global().Get("performance").Call("now").Float() }

// api builds the window.deskhand object.
func (a *app) api() js.Value {
	o := js.Global().Get("Object").New()
	fn := func(name string, f func(args []js.Value) any) {
		o.Set(name, js.FuncOf(func(_ js.Value, args []js.Value) any { return f(args) }))
	}
	fn("connect", func(args []js.Value) any {
		if len(args) < 1 || args[0].Type() != js.TypeObject {
			return "connect needs an options object"
		}
		a.connect(parseConfig(args[0]))
		return nil
	})
	fn("disconnect", func([]js.Value) any { a.disconnect(); return nil })
	fn("stats", func([]js.Value) any { return a.stats() })
	fn("paintLog", func([]js.Value) any { return a.takePaintLog() })
	fn("pointer", func(args []js.Value) any {
		return a.send(func(s *session, v *rdp.Viewer) error {
			x, y := s.paint.clamp(arg(args, 0).Float(), arg(args, 1).Float())
			return v.Send(input.Event{Kind: input.MouseMove, X: x, Y: y})
		})
	})
	fn("button", func(args []js.Value) any {
		return a.send(func(s *session, v *rdp.Viewer) error {
			b, ok := browserButton(arg(args, 0).Int())
			if !ok {
				return nil
			}
			return v.Send(input.Event{Kind: input.MouseButton, Button: b, Down: arg(args, 1).Truthy()})
		})
	})
	fn("wheel", func(args []js.Value) any {
		return a.send(func(s *session, v *rdp.Viewer) error {
			dx, dy := clampNotches(arg(args, 0).Int()), clampNotches(arg(args, 1).Int())
			if dx == 0 && dy == 0 {
				return nil
			}
			return v.Send(input.Event{Kind: input.MouseWheel, DX: dx, DY: dy})
		})
	})
	// key returns whether the code maps to a key the host can press, so
	// that the page keeps the browser from acting on those only.
	fn("key", func(args []js.Value) any {
		k, ok := input.KeyFromCode(arg(args, 0).String())
		if !ok {
			return false
		}
		a.send(func(s *session, v *rdp.Viewer) error {
			return v.Send(input.Event{Kind: input.KeyEvent, Key: k, Down: arg(args, 1).Truthy()})
		})
		return true
	})
	fn("text", func(args []js.Value) any {
		return a.send(func(s *session, v *rdp.Viewer) error {
			return v.Send(textEvents(arg(args, 0).String())...)
		})
	})
	fn("releaseAll", func([]js.Value) any {
		return a.send(func(s *session, v *rdp.Viewer) error { return v.ReleaseAll() })
	})
	fn("ctrlAltDel", func([]js.Value) any {
		return a.send(func(s *session, v *rdp.Viewer) error { return v.SendCtrlAltDel() })
	})
	fn("setLossless", func(args []js.Value) any {
		return a.send(func(s *session, v *rdp.Viewer) error { return v.SetPrefs(0, arg(args, 0).Truthy()) })
	})
	fn("setClipboard", func(args []js.Value) any {
		text := arg(args, 0).String()
		a.send(func(s *session, v *rdp.Viewer) error {
			go func() { // SetClipboard waits for the host's answer
				if err := v.SetClipboard(s.ctx, text); err != nil && !errors.Is(err, context.Canceled) {
					s.report("notice", "clipboard", "The remote computer did not take the clipboard text: "+err.Error())
				}
			}()
			return nil
		})
		return nil
	})
	return o
}

func arg(args []js.Value, i int) js.Value {
	if i < len(args) {
		return args[i]
	}
	return js.Undefined()
}

// send runs f with the connected session's viewer; it returns the error's
// text for the page, or null. View-only sessions drop input silently: the
// toolbar says so.
func (a *app) send(f func(*session, *rdp.Viewer) error) any {
	a.mu.Lock()
	s := a.sess
	a.mu.Unlock()
	if s == nil {
		return "not connected"
	}
	v := s.viewer.Load()
	if v == nil {
		return "not connected"
	}
	if err := f(s, v); err != nil && !errors.Is(err, rdp.ErrViewOnly) {
		return err.Error()
	}
	return nil
}

func parseConfig(o js.Value) config {
	str := func(name string) string {
		if v := o.Get(name); v.Type() == js.TypeString {
			return v.String()
		}
		return ""
	}
	return config{
		signal: str("signal"), id: str("id"), code: str("code"), name: str("name"),
		lossless: o.Get("lossless").Truthy(),
		screen:   o.Get("screen"), cursor: o.Get("cursor"),
		onState: o.Get("onstate"), onResize: o.Get("onresize"), onClipboard: o.Get("onclipboard"),
	}
}

func (a *app) connect(cfg config) {
	a.disconnect()
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{app: a, cfg: cfg, ctx: ctx, cancel: cancel}
	s.state.Store("connecting")
	s.paint = newPainter(cfg.screen, cfg.cursor, cfg.onResize)
	a.mu.Lock()
	a.sess = s
	a.mu.Unlock()
	go s.run()
}

func (a *app) disconnect() {
	a.mu.Lock()
	s := a.sess
	a.sess = nil
	a.mu.Unlock()
	if s != nil {
		s.cancel()
	}
}

func (a *app) stats() js.Value {
	o := js.Global().Get("Object").New()
	a.mu.Lock()
	s := a.sess
	a.mu.Unlock()
	o.Set("connected", false)
	o.Set("state", "idle")
	o.Set("startedMs", a.startedMs)
	for _, k := range []string{"frames", "width", "height", "fps", "rttMs", "latencyMs", "decodeMs", "painted", "paintMs", "bytes", "reconnects"} {
		o.Set(k, 0)
	}
	if s == nil {
		return o
	}
	state := s.state.Load().(string)
	o.Set("state", state)
	o.Set("connected", state == "connected")
	o.Set("painted", s.painted.Load())
	o.Set("connectedMs", s.connectedMs)
	o.Set("firstPaintMs", s.firstPaintMs)
	o.Set("paintMs", float64(s.paintNs.Load())/1e6)
	if v := s.viewer.Load(); v != nil {
		st := v.Stats()
		o.Set("frames", st.Updates)
		o.Set("width", st.Width)
		o.Set("height", st.Height)
		o.Set("fps", st.FPS)
		o.Set("rttMs", float64(st.RTT)/1e6)
		o.Set("latencyMs", float64(st.Latency)/1e6)
		o.Set("decodeMs", float64(st.LastDecode)/1e6)
		o.Set("bytes", st.Bytes)
		o.Set("reconnects", st.Reconnects)
		o.Set("viewOnly", v.ViewOnly())
		c := v.Cursor()
		cur := js.Global().Get("Object").New()
		cur.Set("x", c.X)
		cur.Set("y", c.Y)
		cur.Set("visible", c.Visible && c.Shape != nil)
		o.Set("cursor", cur)
	}
	return o
}

// report tells the page the session's state, with why for failures. A
// session replaced by a newer one (connect while connected) keeps quiet:
// the page shows the newer one.
func (s *session) report(state, kind, text string) {
	if state != "notice" {
		s.state.Store(state)
	}
	s.app.mu.Lock()
	replaced := s.app.sess != nil && s.app.sess != s
	s.app.mu.Unlock()
	if !replaced && s.cfg.onState.Type() == js.TypeFunction {
		s.cfg.onState.Invoke(state, kind, text)
	}
}

func (s *session) run() {
	defer s.cancel()
	s.report("connecting", "", "Connecting…")
	link, err := signaling.Join(s.ctx, s.cfg.signal, s.cfg.id, s.cfg.code, signaling.WithName(s.cfg.name))
	if err != nil {
		s.failed(err)
		return
	}
	opts := []rdp.Option{
		rdp.WithLossless(s.cfg.lossless),
		rdp.WithFrameHook(func(f rdp.FrameInfo) {
			s.paint.dmg.add(f.Rects)
			s.decodeNs.Add(int64(f.Decode))
			s.repaint()
		}),
		rdp.WithCursorHook(func(c rdp.RemoteCursor) {
			s.cursorMu.Lock()
			s.cursor = c
			s.cursorMu.Unlock()
			s.cursorSeen.Store(true)
			s.repaint()
		}),
		// After a network drop, come back with the session's resume token:
		// the one-time code is spent.
		rdp.WithReconnect(func(ctx context.Context, token string) (rdp.Signaler, error) {
			l, err := signaling.Resume(ctx, s.cfg.signal, s.cfg.id, token, signaling.WithName(s.cfg.name))
			if err != nil {
				return nil, err
			}
			return watchLink(l, s.serverLost), nil
		}),
		rdp.WithStateHook(func(st rdp.ConnState, err error) {
			switch st {
			case rdp.StateReconnecting:
				s.report("reconnecting", kindLost, "Connection lost; reconnecting…")
			case rdp.StateConnected:
				s.paint.dmg.all()
				s.repaint()
				s.report("connected", "", "Connected.")
			}
		}),
	}
	if s.cfg.onClipboard.Type() == js.TypeFunction {
		opts = append(opts, rdp.WithClipboardHook(func(text string) { s.cfg.onClipboard.Invoke(text) }))
	}
	v, err := rdp.Connect(s.ctx, watchLink(link, s.serverLost), opts...)
	if err != nil {
		s.failed(err)
		return
	}
	s.connectedMs = now()
	s.viewer.Store(v)
	s.report("connected", "", "Connected.")
	stop := s.paint.start(s, v)
	select {
	case <-v.Done():
		err = v.Err()
	case <-s.ctx.Done():
	}
	stop()
	_ = v.Close()
	if err != nil {
		s.failed(err)
		return
	}
	s.report("closed", "", "Disconnected.")
}

// serverLost tells the page that the signaling server went away while the
// session is up: nothing to do now, but a network drop could not be
// recovered from until it is back.
func (s *session) serverLost(error) {
	if s.ctx.Err() != nil || s.state.Load() != "connected" {
		return
	}
	s.report("notice", kindServerLost, "The deskhand server cannot be reached. The session goes on directly, "+
		"but could not recover from a network drop until the server is back.")
}

func (s *session) failed(err error) {
	if s.ctx.Err() != nil && errors.Is(err, context.Canceled) {
		s.report("closed", "", "Disconnected.")
		return
	}
	kind, text := explain(err)
	s.report("closed", kind, text)
}

// repaint asks for the picture and pointer to be painted at the next
// animation frame.
func (s *session) repaint() {
	if k := s.kick.Load(); k != nil {
		(*k)()
	}
}

// browserButton maps MouseEvent.button to the host's buttons.
func browserButton(b int) (input.Button, bool) {
	switch b {
	case 0:
		return input.ButtonLeft, true
	case 1:
		return input.ButtonMiddle, true
	case 2:
		return input.ButtonRight, true
	case 3:
		return input.ButtonBack, true
	case 4:
		return input.ButtonForward, true
	}
	return 0, false
}

func clampNotches(n int) int { return min(max(n, -32768), 32767) }

// maxPaintLog bounds the repaints kept until the page takes them.
const maxPaintLog = 512

// paintRecord is one repaint, for measuring: when it ended (page clock),
// how long it took, the decode time of the updates it showed, and the
// area it repainted.
type paintRecord struct {
	endMs, paintMs, decodeMs float64
	pixels                   int
}

// paintStats records one repaint of area pixels that took d.
func (s *session) paintStats(d time.Duration, area int, decode time.Duration) {
	t := now()
	if s.painted.Add(1) == 1 {
		s.firstPaintMs = t
	}
	s.paintNs.Store(int64(d))
	s.logMu.Lock()
	if len(s.paintLog) == maxPaintLog {
		s.paintLog = append(s.paintLog[:0], s.paintLog[1:]...)
	}
	s.paintLog = append(s.paintLog, paintRecord{endMs: t, paintMs: float64(d) / 1e6, decodeMs: float64(decode) / 1e6, pixels: area})
	s.logMu.Unlock()
}

// takePaintLog returns the repaints since the last call, oldest first, as
// [{endMs, paintMs, decodeMs, pixels}], and forgets them.
func (a *app) takePaintLog() js.Value {
	a.mu.Lock()
	s := a.sess
	a.mu.Unlock()
	arr := js.Global().Get("Array").New()
	if s == nil {
		return arr
	}
	s.logMu.Lock()
	recs := s.paintLog
	s.paintLog = nil
	s.logMu.Unlock()
	for _, r := range recs {
		o := js.Global().Get("Object").New()
		o.Set("endMs", r.endMs)
		o.Set("paintMs", r.paintMs)
		o.Set("decodeMs", r.decodeMs)
		o.Set("pixels", r.pixels)
		arr.Call("push", o)
	}
	return arr
}
