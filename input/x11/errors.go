package x11

import (
	"errors"
	"fmt"

	"github.com/deskhand/deskhand/input"
)

// ErrNoDisplay means New was given no display name. Pass WithDisplay(":N"),
// for example with the value of $DISPLAY. It matches input.ErrNoDisplay, as
// do the errors for a display where nothing answers or that stopped
// answering.
var ErrNoDisplay = fmt.Errorf("%w (x11: no display named; pass WithDisplay(\":N\"), for example $DISPLAY)", input.ErrNoDisplay)

// ErrBadDisplayName means the display name cannot be parsed. Use the X11 form
// ":N", ":N.S", "host:N", "unix:N" or "/path/to/socket:N".
var ErrBadDisplayName = errors.New("x11: malformed display name; use :N, :N.S, host:N or /path/to/socket:N")

// ErrNoScreen means the display has no screen with the number asked for
// (the ".S" of ":N.S"). Use a screen the server has, usually 0.
var ErrNoScreen = errors.New("x11: the display has no such screen; use :N.0")

// ErrNoXTest means the X server lacks the XTEST extension, through which
// input is injected. Enable it (Xorg and Xvfb have it by default; Xvfb
// +extension XTEST).
var ErrNoXTest = errors.New("x11: the X server lacks the XTEST extension; enable it (e.g. Xvfb +extension XTEST)")

// ErrBusy means Close gave up waiting for the X server (to finish an
// earlier event, or to answer the releases): the connection is closed, but
// keys and buttons held through it may stay down on the display. Check
// that the server is not stuck.
var ErrBusy = errors.New("x11: the X server did not answer within Close's 2 seconds; held keys and buttons may stay down")
