// Package capture defines what a screen source yields: a [Frame] of raw pixels
// with optional damage hints, the [Source] interface every backend implements,
// and a deterministic [Synthetic] source for tests and benchmarks.
//
// Two optional interfaces, found by type assertion, serve a host that must
// stay idle on a still screen: a [CursorSource] reports the pointer (position
// and a [CursorShape] identified by hash) apart from the picture, which never
// contains it; a [ChangeWatcher] says, without capturing, whether anything
// was drawn since the last frame, so Next is called only when it was.
//
// Backends live in sub-packages so that a program links only what it uses:
//
//   - capture/x11: the fast X11 source (pure Go, one persistent connection, one
//     reused MIT-SHM segment, raw BGRA; about 2 ms per 1080p frame).
//   - capture/screenshot: github.com/kbinani/screenshot, for Windows and macOS,
//     and on Linux an independent second capture to check the first one.
//
// Frames are handed out without copying: a Frame and its Pix belong to the
// Source and stay valid only until the next call to Next or Close. Copy what you
// keep (the tile differ keeps its own previous frame anyway, so one copy is paid
// once, not twice).
//
// Coordinates: a Source's Monitors and, when it implements [Bounder], its Bounds
// are in one space, the virtual screen (on X11 the root window). A Frame's
// pixel (0, 0) is Bounds().Min in that space; input injectors take that point
// as their origin.
//
// Import policy: capture is a leaf. It must never import another deskhand
// package, pion, cgo or unsafe; only the standard library. It builds for
// GOOS=js GOARCH=wasm (the browser viewer shares Frame with the host).
// imports_test.go enforces this.
package capture
