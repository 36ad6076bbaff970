// Package input is deskhand's remote input model: the events a viewer sends
// (pointer moves, buttons, wheel, physical keys, typed text), their compact
// binary wire form (WIRE.md), and the Injector interface that performs them
// on the host.
//
// Keys are physical and layout-independent: a [Key] is the USB HID usage of
// the key (keyboard page 0x07), the same key the browser names in
// KeyboardEvent.code ("KeyA", "ShiftLeft"). Text that should arrive as
// characters whatever the host's layout is sent as a TextEvent instead.
//
// Pointer positions are absolute pixels of the shared frame (0..65535); an
// injector adds the shared area's origin.
//
// Backends: input/x11 (pure Go XTEST, any X11 display; what Linux uses) and
// input/robotgo (cgo, Windows/macOS, and Linux). [Recorder] is an
// in-memory Injector for tests. [HeldKeys] helps an injector release what is
// still held down when a session ends.
//
// Import policy: input is a leaf. It must never import another deskhand
// package, pion, cgo or unsafe; only the standard library. It builds for
// GOOS=js GOARCH=wasm (the browser viewer encodes events with it).
// imports_test.go enforces this.
package input
