package capture

import "errors"

// ErrClosed means a Source was used after Close. Open a new one.
var ErrClosed = errors.New("capture: source is closed; open a new one")

// ErrNoDisplay means there is no X display to capture: none was named, or
// nothing answers at the name given.
var ErrNoDisplay = errors.New("capture: no X display: set DISPLAY or pass a display name")

// ErrDisplayLost means the connection to the display broke while capturing
// (the X server exited or the session ended). Open the source again once the
// display is back.
var ErrDisplayLost = errors.New("capture: lost the connection to the display; open the source again")

// ErrUnsupportedFormat means the screen's pixel layout is not one this package
// hands out raw (4 bytes per pixel, 8 bits per channel). Run the X server at
// depth 24 or 32 (for example Xvfb -screen 0 1920x1080x24).
var ErrUnsupportedFormat = errors.New("capture: unsupported screen pixel format; use depth 24 or 32 (8 bits per channel)")

// ErrNoMonitor means the monitor index asked for does not exist (or went away
// when the screen was reconfigured). Pick an index listed by Monitors, or -1
// for the whole screen.
var ErrNoMonitor = errors.New("capture: no such monitor; use an index from Monitors() or -1 for the whole screen")

// ErrInvalidOption means an option value is out of its documented range.
var ErrInvalidOption = errors.New("capture: invalid option value (see the option's documented range)")
