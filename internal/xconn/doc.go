// Package xconn opens an xgb connection to an X display, bounded by a
// context: it dials the display's socket, finds its cookie in the
// Xauthority file and makes the X handshake (with internal/xdisplay), and
// keeps the context able to interrupt the caller's own setup until the
// caller releases it.
//
// It exists so that the X11 backends (capture/x11, clipboard/x11 and
// input/x11), which the import policy keeps apart, connect the same way
// from one copy of this code; each still speaks its own part of the
// protocol over the connection.
//
// Import policy: internal/xdisplay, github.com/jezek/xgb and the standard
// library; nothing else of deskhand.
package xconn
