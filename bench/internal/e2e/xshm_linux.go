//go:build linux

package e2e

import (
	"fmt"
	"image"

	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xproto"
	"golang.org/x/sys/unix"
)

// xShared is a shared-memory segment the X server reads large pictures
// from: one copy into the segment and one by the server, instead of a
// megabytes-long request through the socket (8 ms for a 1080p picture,
// about a quarter of a core at 30 pictures a second, taken from the host
// and viewer being measured).
type xShared struct {
	id  shm.Seg
	mem []byte
}

// shmMinBytes is the smallest picture sent through shared memory: below
// it, a request through the socket costs less than the extra round trip.
const shmMinBytes = 256 << 10

// attachShared sets up a segment for pictures of the screen's size, or
// returns nil (plain requests then) when the server cannot share memory
// with this process.
func (s *xScreen) attachShared() *xShared {
	if err := shm.Init(s.conn); err != nil {
		return nil
	}
	sysID, err := unix.SysvShmGet(unix.IPC_PRIVATE, 4*s.w*s.h, unix.IPC_CREAT|0o600)
	if err != nil {
		return nil
	}
	// Marked for removal once both sides have detached, even if one dies.
	defer func() { _, _ = unix.SysvShmCtl(sysID, unix.IPC_RMID, nil) }()
	mem, err := unix.SysvShmAttach(sysID, 0, 0)
	if err != nil {
		return nil
	}
	id, err := shm.NewSegId(s.conn)
	if err == nil {
		err = shm.AttachChecked(s.conn, id, uint32(sysID), true).Check()
	}
	if err != nil {
		_ = unix.SysvShmDetach(mem)
		return nil
	}
	g := &xShared{id: id, mem: mem}
	if !s.sharesMemory(g) {
		s.detachShared(g)
		return nil
	}
	return g
}

// sharesMemory checks that the server reads our memory (a server in
// another IPC namespace would attach another segment with the same id):
// it draws one pixel from the segment and reads it back.
func (s *xScreen) sharesMemory(g *xShared) bool {
	for _, v := range []byte{0x5a, 0xa5} {
		g.mem[0], g.mem[1], g.mem[2] = v, v^0xff, v
		shm.PutImage(s.conn, xproto.Drawable(s.root), s.gc, 1, 1, 0, 0, 1, 1, 0, 0, 24, xproto.ImageFormatZPixmap, 0, g.id, 0)
		rep, err := xproto.GetImage(s.conn, xproto.ImageFormatZPixmap, xproto.Drawable(s.root), 0, 0, 1, 1, 0xffffffff).Reply()
		if err != nil || len(rep.Data) < 3 || rep.Data[0] != v || rep.Data[1] != v^0xff || rep.Data[2] != v {
			return false
		}
	}
	return true
}

func (s *xScreen) detachShared(g *xShared) {
	_ = shm.DetachChecked(s.conn, g.id).Check()
	_ = unix.SysvShmDetach(g.mem)
}

// putShared draws pix at r through the segment and waits until the server
// has read it, so the segment is free again.
func (s *xScreen) putShared(r image.Rectangle, pix []byte) error {
	n := 4 * r.Dx() * r.Dy()
	copy(s.shared.mem[:n], pix[:n])
	shm.PutImage(s.conn, xproto.Drawable(s.root), s.gc, uint16(r.Dx()), uint16(r.Dy()), 0, 0,
		uint16(r.Dx()), uint16(r.Dy()), int16(r.Min.X), int16(r.Min.Y), 24, xproto.ImageFormatZPixmap, 0, s.shared.id, 0)
	if _, err := xproto.GetInputFocus(s.conn).Reply(); err != nil {
		return fmt.Errorf("e2e: drawing on the X display: %w", err)
	}
	return nil
}
