//go:build linux

package e2e

import (
	"context"
	"errors"
	"fmt"
	"image"
	"net"
	"strings"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/capture/x11"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// xScreen draws on an X display's root window, as an application would:
// PutImage for new pixels, CopyArea for scrolling (what xterm does).
type xScreen struct {
	nc      net.Conn
	conn    *xgb.Conn
	root    xproto.Window
	gc      xproto.Gcontext
	w, h    int
	maxData int      // bytes of pixels one request may carry
	shared  *xShared // nil: every picture goes through the socket
}

const xOpenTimeout = 10 * time.Second

// openXScreen connects to a local display (":N").
func openXScreen(ctx context.Context, display string) (*xScreen, error) {
	num, _, _ := strings.Cut(strings.TrimPrefix(display, ":"), ".")
	ctx, cancel := context.WithTimeout(ctx, xOpenTimeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "unix", "/tmp/.X11-unix/X"+num)
	if err != nil {
		return nil, fmt.Errorf("e2e: connect to %s: %w", display, err)
	}
	deadline, _ := ctx.Deadline()
	_ = nc.SetDeadline(deadline) // the handshake has no context of its own
	conn, err := xgb.NewConnNet(nc)
	if err != nil {
		_ = nc.Close()
		return nil, fmt.Errorf("e2e: X handshake with %s: %w", display, err)
	}
	_ = nc.SetDeadline(time.Time{})
	setup := xproto.Setup(conn)
	scr := setup.DefaultScreen(conn)
	s := &xScreen{nc: nc, conn: conn, root: scr.Root, w: int(scr.WidthInPixels), h: int(scr.HeightInPixels),
		maxData: int(setup.MaximumRequestLength)*4 - 32}
	if scr.RootDepth != 24 && scr.RootDepth != 32 {
		s.close()
		return nil, fmt.Errorf("e2e: %s has depth %d; want 24", display, scr.RootDepth)
	}
	if s.gc, err = xproto.NewGcontextId(conn); err == nil {
		// No exposure events for CopyArea: nothing covers the root.
		err = xproto.CreateGCChecked(conn, s.gc, xproto.Drawable(s.root), xproto.GcGraphicsExposures, []uint32{0}).Check()
	}
	if err != nil {
		s.close()
		return nil, fmt.Errorf("e2e: X graphics context on %s: %w", display, err)
	}
	s.shared = s.attachShared()
	return s, nil
}

func (s *xScreen) rowsPerRequest(width int) int { return max(1, s.maxData/(4*width)) }

func (s *xScreen) put(r image.Rectangle, pix []byte) error {
	r = r.Intersect(image.Rect(0, 0, s.w, s.h))
	if r.Empty() {
		return nil
	}
	if s.shared != nil && 4*r.Dx()*r.Dy() >= shmMinBytes {
		return s.putShared(r, pix)
	}
	n, step := 4*r.Dx(), s.rowsPerRequest(r.Dx())
	for y := 0; y < r.Dy(); y += step {
		rows := min(step, r.Dy()-y)
		xproto.PutImage(s.conn, xproto.ImageFormatZPixmap, xproto.Drawable(s.root), s.gc,
			uint16(r.Dx()), uint16(rows), int16(r.Min.X), int16(r.Min.Y+y), 0, 24, pix[y*n:(y+rows)*n])
	}
	return nil
}

func (s *xScreen) scrollUp(r image.Rectangle, dy int) error {
	r = r.Intersect(image.Rect(0, 0, s.w, s.h))
	if r.Dy() <= dy || dy <= 0 {
		return nil
	}
	xproto.CopyArea(s.conn, xproto.Drawable(s.root), xproto.Drawable(s.root), s.gc,
		int16(r.Min.X), int16(r.Min.Y+dy), int16(r.Min.X), int16(r.Min.Y), uint16(r.Dx()), uint16(r.Dy()-dy))
	return nil
}

// flush waits for a round trip, so every request sent before has been
// performed, and reports the first error among them.
func (s *xScreen) flush() error {
	if _, err := xproto.GetInputFocus(s.conn).Reply(); err != nil {
		return fmt.Errorf("e2e: drawing on the X display: %w", err)
	}
	for {
		ev, xerr := s.conn.PollForEvent()
		if xerr != nil {
			return fmt.Errorf("e2e: drawing on the X display: %v", xerr)
		}
		if ev == nil {
			return nil
		}
	}
}

// image reads the whole screen back.
func (s *xScreen) image() (*image.RGBA, error) {
	img := image.NewRGBA(image.Rect(0, 0, s.w, s.h))
	step := s.rowsPerRequest(s.w)
	for y := 0; y < s.h; y += step {
		rows := min(step, s.h-y)
		rep, err := xproto.GetImage(s.conn, xproto.ImageFormatZPixmap, xproto.Drawable(s.root),
			0, int16(y), uint16(s.w), uint16(rows), 0xffffffff).Reply()
		if err != nil {
			return nil, fmt.Errorf("e2e: reading the X screen: %w", err)
		}
		if len(rep.Data) < 4*s.w*rows {
			return nil, errors.New("e2e: reading the X screen: short image (depth 24 with 32 bits per pixel expected)")
		}
		part := bgrxToRGBA(rep.Data, s.w, rows, 4*s.w)
		copy(img.Pix[y*img.Stride:], part.Pix)
	}
	return img, nil
}

// close ends the connection and waits for xgb's goroutines to finish.
func (s *xScreen) close() {
	if s.shared != nil {
		s.detachShared(s.shared)
		s.shared = nil
	}
	s.conn.Close()
	_ = s.nc.Close()
	for {
		ev, xerr := s.conn.WaitForEvent()
		if ev == nil && xerr == nil {
			return
		}
	}
}

// startXvfbScreen starts a private Xvfb of the given size and connects to it.
func startXvfbScreen(ctx context.Context, size image.Point) (*xScreen, *xvfb.Server, error) {
	srv, err := xvfb.Start(ctx, size.X, size.Y)
	if err != nil {
		if errors.Is(err, xvfb.ErrNotInstalled) {
			return nil, nil, fmt.Errorf("%w: %w", ErrPlatform, err)
		}
		return nil, nil, err
	}
	xs, err := openXScreen(ctx, srv.Display)
	if err != nil {
		_ = srv.Close()
		return nil, nil, err
	}
	return xs, srv, nil
}

// openX11Source opens the real capture path on display.
func openX11Source(ctx context.Context, display string) (capture.Source, error) {
	return x11.OpenContext(ctx, display)
}

var _ painter = (*xScreen)(nil)
