package robotgo

import (
	"errors"

	"github.com/deskhand/deskhand/input"
)

// ErrNoDisplay is input.ErrNoDisplay: DISPLAY is unset or no X server answers
// there.
var ErrNoDisplay = input.ErrNoDisplay

// ErrUnsupportedKey is input.ErrUnsupportedKey: the key has no robotgo
// mapping on this system, or is not on the host's keyboard map.
var ErrUnsupportedKey = input.ErrUnsupportedKey

// ErrNoXTest means the X server lacks the XTEST extension, which robotgo
// injects through. Enable it (Xvfb and Xorg have it by default; Xvfb
// +extension XTEST).
var ErrNoXTest = errors.New("robotgo: the X server lacks the XTEST extension; enable it (e.g. Xvfb +extension XTEST)")
