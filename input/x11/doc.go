// Package x11 injects input events into an X11 display through the XTEST
// extension, in pure Go (github.com/jezek/xgb): pointer moves, buttons,
// wheel, physical keys and typed text. It needs no cgo, so an agent built
// with CGO_ENABLED=0 can still take control, and unlike input/robotgo it
// adds no sleep per event and cannot end the process when the server goes.
//
// Every Inject but a pointer move ends with one round trip to the server (a
// QueryPointer after the XTEST requests), so when it returns the server has
// performed the event and every event before it; the reply also tells the
// Caps Lock state that typed text allows for. A pointer move returns once
// its request is written to the server's socket: the server performs a
// connection's requests in order, so a click or key after a move still
// happens where the pointer was moved. Moves come at the pointer's rate,
// and a wait for the server to wake up and answer each one (0.3 ms at the
// median in bench e2e, 0.7-1.0 ms at the 99th percentile) held up every
// event behind it. Sync (input.Syncer) makes the round trip when
// a caller needs to know that the moves were performed; rdp's host calls
// it for Viewer.Sync. A move sent just as the server goes away may return
// nil; the next event returns an error matching input.ErrNoDisplay.
// The keyboard map is read once at New and read again after the server
// announces a change (MappingNotify), which costs one more round trip on
// the next event.
//
// Keys are pressed by keysym in the host's current keyboard layout: a key
// event finds the keycode that carries the key's keysym (KeyA: "a", Quote:
// "apostrophe"), so key events match the viewer's physical keys when both
// sides use the same layout. Send text as a TextEvent to get the same
// characters whatever the layouts. Keys whose keysym is not on the host's map
// (F13-F24 on many, IntlBackslash on 104-key maps) return
// input.ErrUnsupportedKey.
//
// Text is typed character by character: a character on the keyboard map
// (level 1, or level 2 with Shift; Caps Lock is allowed for) is typed with
// its key; any other character, up to U+10FFFF, is typed by mapping its
// keysym onto a spare keycode (one with no symbols) with
// ChangeKeyboardMapping, as xdotool does. Spare keycodes are reused least
// recently used first and keep their new symbol until Close restores them,
// because clients read the new map some time after MappingNotify: restoring
// at once, as xdotool does, would race with them. A text with more
// distinct off-keyboard characters than there are spares (up to 16) reuses
// spares within the same text, and a slow client can then see the wrong
// character. A map without spare keycodes makes such text fail with
// input.ErrUnsupportedText, with nothing typed. Modifiers held down while
// text is typed (by the viewer or the local user), other than Caps Lock,
// apply to the typed characters as they would on a real keyboard.
//
// Buttons: left, middle and right are X buttons 1-3, back and forward 8 and
// 9 when the server's pointer has that many, wheel notches clicks of
// buttons 4 (up), 5 (down), 6 (left) and 7 (right), at most 128 a direction
// per event.
//
// The library never reads $DISPLAY: callers pass the display name with
// WithDisplay. It does read the X authority file the way every X client does
// ($XAUTHORITY, else $HOME/.Xauthority) unless WithXAuthority names one.
//
// Platform: any system that can reach an X server (Linux and the BSDs
// chiefly); pure Go, no cgo, no build tags.
//
// Import policy: x11 imports input and internal/xdisplay (display names,
// dialing, Xauthority; shared with capture/x11 and clipboard/x11) and nothing
// else of deskhand; never pion, never cgo, never capture, clipboard or
// another input backend.
package x11
