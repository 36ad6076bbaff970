package xdisplay

import (
	"errors"
	"strconv"
)

// ErrBadName means a display name cannot be parsed. Use the X11 form ":N",
// ":N.S", "host:N", "unix:N" or "/path/to/socket:N".
var ErrBadName = errors.New("xdisplay: malformed display name; use :N, :N.S, host:N or /path/to/socket:N")

// ErrNoAddress means Dial was given an Addr with no address to try. Dial an
// Addr that Parse returned.
var ErrNoAddress = errors.New("xdisplay: the display has no address to dial; use an Addr from Parse")

// NameError is the error Parse returns; it matches ErrBadName. Its message is
// only the quoted name and the reason, because every caller puts its own
// sentinel in front (fmt.Errorf("%w: %w", ErrBadDisplayName, err)) and one
// "malformed display name" is enough.
type NameError struct {
	Name   string // the display name as given
	Reason string // what is wrong with it
}

func (e *NameError) Error() string { return strconv.Quote(e.Name) + ": " + e.Reason }

// Is makes errors.Is(err, ErrBadName) hold without ErrBadName's text in the
// message.
func (e *NameError) Is(target error) bool { return target == ErrBadName }
