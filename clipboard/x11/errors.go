package x11

import (
	"errors"
	"fmt"

	"github.com/deskhand/deskhand/clipboard"
)

// ErrNoDisplay means Open was given no display name. Pass WithDisplay(":N"),
// for example with the value of $DISPLAY. It matches clipboard.ErrUnavailable.
var ErrNoDisplay = fmt.Errorf("%w (x11: no display named; pass WithDisplay(\":N\"), for example $DISPLAY)", clipboard.ErrUnavailable)

// ErrBadDisplayName means the display name cannot be parsed. Use the X11 form
// ":N", ":N.S", "host:N", "unix:N" or "/path/to/socket:N".
var ErrBadDisplayName = errors.New("x11: malformed display name; use :N, :N.S, host:N or /path/to/socket:N")

// ErrNoScreen means the display has no screen with the number asked for
// (the ".S" of ":N.S"). Use a screen the server has, usually 0.
var ErrNoScreen = errors.New("x11: the display has no such screen; use :N.0")

// ErrOwnerTimeout means the program holding the clipboard (or the one asking
// for ours) stopped answering in the middle of a transfer. It may be frozen;
// copy the text again, or give it more time with WithTimeout.
var ErrOwnerTimeout = errors.New("x11: the other program did not answer in time; copy again or raise WithTimeout")

// ErrBadReply means the program holding the clipboard answered with data
// that is not text in a form ICCCM allows. Copy the text again in that
// program.
var ErrBadReply = errors.New("x11: the clipboard owner answered with malformed data; copy the text again")

// ErrNotOwner means WriteText could not take the clipboard: another program
// took it at the same moment. Write the text again.
var ErrNotOwner = errors.New("x11: another program took the clipboard at the same moment; write again")
