// Package web serves deskhand's browser viewer: one http.Handler with
// everything the page needs embedded in the binary.
//
// The viewer is not a second implementation in JavaScript: it is rdp's
// viewer side and codec's decoder compiled to WebAssembly (the package
// main in web/wasm), with pion's browser backend, so one codebase decodes
// everywhere. JavaScript (assets/viewer.js) only loads the module and
// forwards the canvas's pointer, keyboard and clipboard events to it.
//
// Handler serves, relative to where it is mounted:
//
//	/             the page: a form for session ID and code; ?id=ID&code=CODE connects at once
//	/viewer.wasm  the module (gzip-encoded when the browser accepts it)
//	/wasm_exec.js the Go toolchain's support script, matched to the module
//	/viewer.js    the page's glue
//	/viewer.css   its style
//
// The page joins sessions through a deskhand signaling server
// (WithSignalingURL) and talks to the host peer to peer (WebRTC DTLS): the
// server that serves the page never sees the screen.
//
// The module is built by `go generate ./web` (web/internal/gen), not at
// start-up: a server needs no Go toolchain, and the committed asset
// (assets/viewer.wasm.gz) is what was tested. The package's tests fail
// when the asset is stale, that is when web/wasm or anything it imports
// changed, or the toolchain did, since it was generated.
//
// Import policy: web imports only the standard library; web/wasm imports
// rdp, signaling and input (never pion directly, never capture); nothing
// of deskhand imports web but the example apps.
package web
