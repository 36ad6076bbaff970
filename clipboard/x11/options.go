//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/deskhand/deskhand/clipboard"
)

// Option configures Open.
type Option func(*options) error

type options struct {
	display    string
	xauthority string
	selection  string
	timeout    time.Duration
	log        *slog.Logger
}

// Default and range of WithTimeout.
const (
	defaultTimeout = 5 * time.Second
	minTimeout     = 10 * time.Millisecond
	maxTimeout     = 10 * time.Minute
)

// WithDisplay names the X display, such as ":0" or "localhost:10.0". It is
// required: the library never reads $DISPLAY, the application passes it. An
// empty name (an unset $DISPLAY) makes Open fail with ErrNoDisplay.
func WithDisplay(name string) Option {
	return func(o *options) error {
		if name == "" {
			return ErrNoDisplay
		}
		o.display = name
		return nil
	}
}

// WithXAuthority names the X authority file holding the display's cookie.
// Default: $XAUTHORITY, else $HOME/.Xauthority, as every X client does.
func WithXAuthority(path string) Option {
	return func(o *options) error {
		if path == "" {
			return fmt.Errorf("%w: WithXAuthority(\"\"): give a file path", clipboard.ErrInvalidArgument)
		}
		o.xauthority = path
		return nil
	}
}

// WithSelection picks the selection to share: "CLIPBOARD" (default; what
// Ctrl+C and Ctrl+V use), "PRIMARY" (the text last selected with the mouse,
// pasted with the middle button) or "SECONDARY".
func WithSelection(name string) Option {
	return func(o *options) error {
		switch name {
		case "CLIPBOARD", "PRIMARY", "SECONDARY":
			o.selection = name
			return nil
		}
		return fmt.Errorf("%w: WithSelection(%q): use CLIPBOARD, PRIMARY or SECONDARY", clipboard.ErrInvalidArgument, name)
	}
}

// WithTimeout bounds each wait for another program in a transfer: the
// owner's answer to ReadText and each INCR chunk, and, when serving a large
// text, the requestor's acknowledgement of each chunk. A program silent for
// longer is given up on (ReadText returns ErrOwnerTimeout). The caller's
// context still bounds the whole call. Default 5 s; range 10 ms to 10 min.
func WithTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < minTimeout || d > maxTimeout {
			return fmt.Errorf("%w: WithTimeout(%v): use %v to %v", clipboard.ErrInvalidArgument, d, minTimeout, maxTimeout)
		}
		o.timeout = d
		return nil
	}
}

// WithLogger sets where the clipboard reports fallbacks (info), and refused
// requests and asynchronous X errors (debug). Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger(nil)", clipboard.ErrInvalidArgument)
		}
		o.log = l
		return nil
	}
}
