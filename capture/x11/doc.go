// Package x11 is the fast screen source for X11 (Linux and the BSDs).
//
// A Source keeps one X connection and one MIT-SHM segment for its whole life
// and asks the server to write the root window's pixels straight into that
// segment as raw BGRA (ZPixmap at depth 24/32): no per-frame allocation, no
// per-pixel conversion, about 2 ms per 1080p frame. When the server cannot
// share memory with this process (a remote display over TCP, or a server in
// another IPC namespace) it falls back to plain GetImage, about 8 ms per
// frame. With the DAMAGE and XFIXES extensions, frames carry damage hints that
// are exact or a superset of what changed, and Changed tells from the
// server's notifications alone, without a request, whether anything was
// drawn since the last frame (a still screen then costs nothing but a
// capture per WithRecheck interval), and ChangeReady when to ask again, so a
// caller can sleep through a still screen: one goroutine per Source reads
// the server's events as they come. Cursor reports the pointer apart from
// the picture: its position in one QueryPointer round trip, its shape from
// XFIXES only when the server says it changed.
//
// The library never reads $DISPLAY: callers pass the display name. It does
// read the X authority file the way every X client does ($XAUTHORITY, else
// $HOME/.Xauthority) unless WithXAuthority names one.
//
// Platform: linux, freebsd, openbsd, netbsd; pure Go (github.com/jezek/xgb,
// golang.org/x/sys/unix), no cgo. MIT-SHM is used on Linux only.
//
// Import policy: x11 imports capture and internal/xdisplay (display names,
// dialing, Xauthority; shared with clipboard/x11) and nothing else of
// deskhand; never pion, never cgo, never another capture backend.
package x11
