package input

import "errors"

// ErrInvalid means an Event breaks the rules of its Kind (a value out of
// range, a field its kind does not use set, text too long or not UTF-8).
// Fix the code that builds the event.
var ErrInvalid = errors.New("input: invalid event (see the Event field docs for ranges)")

// ErrCorrupt means a wire message is not a valid sequence of events: empty,
// truncated, an unknown kind, an out-of-range value or invalid UTF-8. The
// whole message is rejected; drop it (and suspect the peer).
var ErrCorrupt = errors.New("input: corrupt event message; the whole message was rejected")

// ErrClosed means an Injector was used after Close. Create a new one.
var ErrClosed = errors.New("input: injector is closed; create a new one")

// ErrNoDisplay means there is no display to inject into: on X11, DISPLAY is
// unset or nothing answers there. Start the session inside a graphical login
// (or Xvfb) and set DISPLAY.
var ErrNoDisplay = errors.New("input: no X display: set DISPLAY to a running X server")

// ErrUnsupportedKey means the injector cannot press this key on this system
// (no mapping, or not on the host's keyboard map). The event is dropped; other
// keys still work.
var ErrUnsupportedKey = errors.New("input: this key cannot be injected on this system")

// ErrUnsupportedButton means the injector cannot press this mouse button on
// this system.
var ErrUnsupportedButton = errors.New("input: this mouse button cannot be injected on this system")

// ErrUnsupportedText means the text holds characters the injector cannot
// type (control characters other than newline, return and tab; with
// input/robotgo on X11, characters outside the Basic Multilingual Plane).
// Nothing was typed.
var ErrUnsupportedText = errors.New("input: the text holds characters that cannot be typed on this system; nothing was typed")
