// Command wasm is deskhand's browser viewer: rdp's viewer side and codec's
// decoder compiled to WebAssembly (GOOS=js GOARCH=wasm), drawing the
// host's screen on a canvas. The page's JavaScript (web/assets/viewer.js)
// only loads it and forwards the canvas's events through the
// window.deskhand object it sets; package web serves both, and
// `go generate ./web` builds it into web/assets.
//
// Built for another platform it only says so: its painting and message
// logic (damage.go, link.go, messages.go, text.go) has no build tag so that its
// tests run natively.
//
// Import policy: rdp, signaling and input, like any app of the engine;
// never pion directly (rdp picks its browser backend), never capture or
// a platform backend.
package main
