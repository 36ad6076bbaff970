// Package x11 is the clipboard backend for X11 (Linux and the BSDs): it
// reads and writes the text of a selection (CLIPBOARD by default, or
// PRIMARY) the way ICCCM asks, and reports when another program takes it.
//
// A Clipboard keeps one X connection, two unmapped 1x1 InputOnly windows
// (one owns the selection, one receives conversions) and one goroutine that
// reads X events: it answers other programs' requests for the text written by
// WriteText, forwards the answers ReadText waits for, and turns XFIXES
// selection notifications into Changes.
//
// Reading asks the owner for UTF8_STRING, then STRING (Latin-1), and
// accepts INCR transfers; the size limit is enforced while receiving: an
// INCR whose announced size is above it is refused before it starts, and
// the rest of a transfer that grows past it is let through unread (each
// chunk measured and deleted), so that owners serving one request at a time
// are not left hanging. Writing offers TARGETS,
// TIMESTAMP, MULTIPLE, UTF8_STRING, STRING and TEXT; texts larger than one
// request (about 256 KiB with the usual 16-bit request length) go by INCR.
// BIG-REQUESTS is not used: github.com/jezek/xgb encodes request lengths in
// 16 bits, and every toolkit reads INCR.
//
// The library never reads $DISPLAY: callers pass the display name with
// WithDisplay. It does read the X authority file the way every X client does
// ($XAUTHORITY, else $HOME/.Xauthority) unless WithXAuthority names one.
//
// Platform: linux, freebsd, openbsd, netbsd; pure Go (github.com/jezek/xgb),
// no cgo.
//
// Import policy: x11 imports clipboard and internal/xdisplay (display names,
// dialing, Xauthority; shared with capture/x11) and nothing else of deskhand;
// never pion, never cgo, never capture or another backend.
package x11
