package x11

import "errors"

// ErrBadDisplayName means the display name cannot be parsed. Use the X11 form
// ":N", ":N.S", "host:N", "unix:N" or "/path/to/socket:N".
var ErrBadDisplayName = errors.New("x11: malformed display name; use :N, :N.S, host:N or /path/to/socket:N")

// ErrNoScreen means the display has no screen with the number asked for
// (the ".S" of ":N.S"). Use a screen the server has, usually 0.
var ErrNoScreen = errors.New("x11: the display has no such screen; use :N.0")

// errBadCursorImage marks a malformed XFIXES cursor image from the server. It
// is logged, never returned: a bad pointer image must not stop a session, the
// pointer is reported hidden instead.
var errBadCursorImage = errors.New("x11: malformed cursor image reply")
