// Package robotgo injects input events on the local desktop through
// github.com/go-vgo/robotgo (v1.1.0): pointer moves, buttons, wheel,
// physical keys and typed text.
//
// Platform: Linux (X11 with the XTEST extension), Windows and macOS; it needs
// cgo. Without cgo, or on other systems, the package is empty.
//
// Environment: robotgo opens its own X connection from $DISPLAY, so on Linux
// New reads $DISPLAY too, the one exception to deskhand's rule that library
// code never reads the environment. New first checks that DISPLAY is set and
// that an X server answers there (robotgo would crash the process with
// SIGSEGV otherwise) and returns input.ErrNoDisplay if not.
//
// robotgo keeps process-wide state: one Xlib connection opened from the first
// display it sees, and its sleep settings. This package serialises every
// robotgo call behind one lock, sets robotgo.MouseSleep and robotgo.KeySleep
// to 0 (their default sleeps add latency to every event), binds robotgo to
// the DISPLAY of the latest New, and closes robotgo's Xlib connection when the
// last injector closes. Use one X display per process at a time. Each Inject
// first checks over a separate connection that the X server still answers,
// because Xlib ends the whole process when its server goes away; a server that
// dies between that check and the injection can still take the process down.
//
// Keys are pressed by keysym in the host's current keyboard layout (robotgo
// has no raw-keycode call), so key events match the viewer's physical keys
// when both sides use the same layout; send text as TextEvent to get the same
// characters whatever the layouts. Known gaps, reported as
// input.ErrUnsupportedKey or ErrUnsupportedButton rather than performed wrong:
// the Back and Forward buttons, IntlBackslash and IntlHash everywhere, and on
// X11 ContextMenu and the keypad operator keys (robotgo v1.1.0 maps them to
// the wrong keysyms). On Windows robotgo v1.1.0 turns horizontal wheel moves
// into vertical ones, so the horizontal part is dropped; on macOS a wheel
// notch scrolls one pixel.
//
// Import policy: robotgo imports input and nothing else of deskhand; never
// pion, never capture.
package robotgo
