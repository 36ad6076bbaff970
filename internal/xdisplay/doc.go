// Package xdisplay finds and reaches an X server the way Xlib does: it
// parses a display name ([protocol/][host]:number[.screen], or
// /path/to/socket:number[.screen]), dials the server's socket, and looks up
// the MIT-MAGIC-COOKIE-1 for it in an Xauthority file.
//
// It exists so that the X11 backends (capture/x11, clipboard/x11 and
// input/x11), which the import policy keeps apart, share one copy of this
// code. It speaks no X protocol: the backends hand the connection and the
// cookie to their X library.
//
// The package never reads $DISPLAY; XauthorityPath reads $XAUTHORITY and
// $HOME the way every X client does, unless the caller names a file.
//
// Import policy: the standard library only; nothing of deskhand, no
// third-party module, no cgo.
package xdisplay
