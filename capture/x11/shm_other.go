//go:build freebsd || openbsd || netbsd

package x11

import "errors"

// sysvSegment is not implemented on the BSDs (golang.org/x/sys/unix has no
// System V shared memory there): sources fall back to plain GetImage.
type sysvSegment struct {
	id  int
	mem []byte
}

func newSysvSegment(int) (*sysvSegment, error) {
	return nil, errors.New("System V shared memory is not supported on this OS")
}

func (s *sysvSegment) remove() error { return nil }
func (s *sysvSegment) detach() error { return nil }
