// Package screenshot is a capture.Source built on github.com/kbinani/screenshot:
// the backend for Windows and macOS, and on Linux an independent second
// capture that tests use to check capture/x11.
//
// Each frame is a fresh *image.RGBA (capture.RGBA format) from
// screenshot.CaptureRect; kbinani opens a new connection and converts pixels
// one by one per call, so expect tens of milliseconds per 1080p frame on X11
// (capture/x11 does the same in about 2 ms). Frames carry no damage hints.
//
// Environment: on Linux and the BSDs kbinani talks to the X display named by
// $DISPLAY, which it reads itself (and uses the xdg-desktop-portal over D-Bus
// when XDG_SESSION_TYPE=wayland). Open checks first that an X display answers
// there and returns capture.ErrNoDisplay instead of letting kbinani fail
// later. Windows needs no cgo; macOS needs cgo.
//
// Import policy: screenshot imports capture and nothing else of deskhand;
// never pion, never another capture backend.
package screenshot
