package x11

import "errors"

// ErrBadDisplayName means the display name cannot be parsed. Use the X11 form
// ":N", ":N.S", "host:N", "unix:N" or "/path/to/socket:N".
var ErrBadDisplayName = errors.New("x11: malformed display name; use :N, :N.S, host:N or /path/to/socket:N")

// ErrNoScreen means the display has no screen with the number asked for
// (the ".S" of ":N.S"). Use a screen the server has, usually 0.
var ErrNoScreen = errors.New("x11: the display has no such screen; use :N.0")
