//go:build linux

package x11

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// sysvSegment is a System V shared memory segment mapped into this process.
type sysvSegment struct {
	id  int
	mem []byte
}

// newSysvSegment creates and maps a private segment of size bytes. Only this
// user may attach it (0600): the X server attaches it with the client's
// credentials.
func newSysvSegment(size int) (*sysvSegment, error) {
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, size, unix.IPC_CREAT|0o600)
	if err != nil {
		return nil, fmt.Errorf("shmget %d bytes: %w", size, err)
	}
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		_, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil)
		return nil, fmt.Errorf("shmat: %w", err)
	}
	return &sysvSegment{id: id, mem: mem}, nil
}

// remove marks the segment for deletion: the kernel frees it once both this
// process and the X server have detached, even if either dies first.
func (s *sysvSegment) remove() error {
	_, err := unix.SysvShmCtl(s.id, unix.IPC_RMID, nil)
	return err
}

// detach unmaps the segment; Pix slices into it must not be used afterwards.
func (s *sysvSegment) detach() error {
	if s.mem == nil {
		return nil
	}
	err := unix.SysvShmDetach(s.mem)
	s.mem = nil
	return err
}
