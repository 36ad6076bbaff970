//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"context"
	"image"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xproto"
)

// segment is the one shared memory segment a Source reuses for every frame,
// attached on both sides.
type segment struct {
	sys *sysvSegment
	id  shm.Seg
}

func (g *segment) capacity() int { return len(g.sys.mem) }
func (g *segment) mem() []byte   { return g.sys.mem }

func (g *segment) getImage(c *xgb.Conn, root xproto.Window, a image.Rectangle) shm.GetImageCookie {
	return shm.GetImage(c, xproto.Drawable(root), int16(a.Min.X), int16(a.Min.Y),
		uint16(a.Dx()), uint16(a.Dy()), 0xffffffff, xproto.ImageFormatZPixmap, g.id, 0)
}

// close detaches the segment on both sides while the connection lives.
func (g *segment) close(c *xgb.Conn) {
	shm.Detach(c, g.id)
	g.release()
}

// release unmaps our side only (the server drops its side when the client
// disconnects).
func (g *segment) release() { _ = g.sys.detach() }

func check(ck interface{ Check() error }) func() (struct{}, error) {
	return func() (struct{}, error) { return struct{}{}, ck.Check() }
}

// newSegment creates a segment for a frame of the given size and attaches it
// to the server, or returns nil (and the source uses plain GetImage) when the
// server cannot share memory with this process.
func (s *Source) newSegment(ctx context.Context, size image.Point) *segment {
	fallback := func(why string, err error) *segment {
		s.log.Info("x11: MIT-SHM unavailable, using plain GetImage (about 4x slower)", "why", why, "err", err)
		return nil
	}
	if err := initExt(s.conn, shm.Init); err != nil {
		return fallback("no MIT-SHM extension", err)
	}
	if _, err := await(ctx, s, shm.QueryVersion(s.conn).Reply); err != nil {
		return fallback("query version", err)
	}
	sys, err := newSysvSegment(max(4*size.X*size.Y, 4))
	if err != nil {
		return fallback("create segment", err)
	}
	id, err := shm.NewSegId(s.conn)
	if err != nil {
		_ = sys.remove()
		_ = sys.detach()
		return fallback("allocate id", err)
	}
	_, err = await(ctx, s, check(shm.AttachChecked(s.conn, id, uint32(sys.id), false)))
	// Both sides are attached (or the server refused): mark the segment for
	// removal now, so nothing is left behind if either process dies.
	_ = sys.remove()
	g := &segment{sys: sys, id: id}
	if err != nil {
		_ = sys.detach()
		return fallback("server cannot attach the segment", err)
	}
	if ok, err := s.sharesMemory(ctx, g); !ok {
		g.close(s.conn)
		return fallback("the server does not write into our segment (another IPC namespace?)", err)
	}
	return g
}

// sharesMemory checks that the server writes into our memory: a server in
// another IPC namespace attaches a different segment with the same id. It
// captures one pixel twice over two different sentinels; if both stay, the
// pixel went elsewhere.
func (s *Source) sharesMemory(ctx context.Context, g *segment) (bool, error) {
	m := g.mem()
	for _, sentinel := range []byte{0x00, 0xff} {
		m[0], m[1], m[2] = sentinel, sentinel, sentinel
		rep, err := await(ctx, s, g.getImage(s.conn, s.root, image.Rect(0, 0, 1, 1)).Reply)
		if err != nil {
			return false, err
		}
		if rep == nil {
			return false, nil
		}
		if m[0] != sentinel || m[1] != sentinel || m[2] != sentinel {
			return true, nil
		}
	}
	return false, nil
}
