// Package clipboard lets a remote-support host share text through a system
// clipboard: the [Clipboard] interface every backend implements, the rules a
// text must follow to cross a session ([Valid], [Sanitize]), and [Memory], a
// pure-Go clipboard for tests and for hosts that have no system clipboard.
//
// Backends live in sub-packages so that a program links only what it uses:
//
//   - clipboard/x11: the X11 CLIPBOARD or PRIMARY selection (pure Go, one
//     connection, ICCCM INCR transfers both ways, changes seen through XFIXES).
//
// Text is UTF-8 everywhere in this package. A clipboard text never contains
// NUL: C programs, X11 STRING targets and Windows' CF_UNICODETEXT all end a
// text at its first NUL, so a NUL would silently cut the text short on the
// other side. [Valid] rejects such a text before it is written; [Sanitize]
// drops NULs (and repairs invalid UTF-8) in what is read from other programs.
//
// Policy (whether each direction is on, and the size limit) belongs to the
// caller: ReadText takes the limit, and WriteText writes what it is given.
//
// Import policy: clipboard is an engine leaf. It must never import another
// deskhand package, pion, cgo or unsafe; only the standard library. It builds
// for GOOS=js GOARCH=wasm (the browser viewer checks texts with the same
// rules). internal/layering enforces this.
package clipboard
