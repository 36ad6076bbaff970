package x11

import (
	"fmt"
	"log/slog"

	"github.com/deskhand/deskhand/input"
)

// Option configures New.
type Option func(*options) error

type options struct {
	display    string
	xauthority string
	ox, oy     int
	log        *slog.Logger
}

// maxOrigin bounds WithOrigin: X11 screens are at most 32767 pixels across.
const maxOrigin = 1 << 16

// WithDisplay names the X display, such as ":0" or "localhost:10.0". It is
// required: the library never reads $DISPLAY, the application passes it. An
// empty name (an unset $DISPLAY) makes New fail with ErrNoDisplay. Pointer
// positions are on the screen the name gives (":0.1" is screen 1), default 0.
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
			return fmt.Errorf("x11: WithXAuthority(\"\"): give a file path: %w", input.ErrInvalid)
		}
		o.xauthority = path
		return nil
	}
}

// WithOrigin sets the screen position of the shared frame's top-left pixel
// (the captured monitor's origin, capture.Bounder.Bounds().Min); it is added
// to every pointer position. Default (0, 0); each -65536..65536.
func WithOrigin(x, y int) Option {
	return func(o *options) error {
		if x < -maxOrigin || x > maxOrigin || y < -maxOrigin || y > maxOrigin {
			return fmt.Errorf("x11: WithOrigin(%d, %d): each coordinate must be within ±%d: %w", x, y, maxOrigin, input.ErrInvalid)
		}
		o.ox, o.oy = x, y
		return nil
	}
}

// WithLogger sets where the injector reports dropped events, X errors and
// releases at Close (at debug level). Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("x11: WithLogger(nil): %w", input.ErrInvalid)
		}
		o.log = l
		return nil
	}
}
