// Package rdp is deskhand's session layer: a Host that shares a
// capture.Source and performs input on an input.Injector, and a Viewer that
// keeps the remote framebuffer and sends input, connected peer to peer over
// WebRTC data channels (pion).
//
// A session has three data channels, all reliable and ordered:
//
//   - "screen": codec messages from host to viewer, cut into fragments of
//     at most MaxMessageSize bytes so that browsers can take them;
//   - "input": input events from viewer to host, in input's wire form;
//   - "control": small JSON messages both ways (hello, key-frame requests,
//     refused input, goodbye).
//
// PROTOCOL.md in this folder describes them. Signaling (the exchange of
// offer, answer and ICE candidates) goes through a Signaler; a
// *signaling.Link is one. The signaling server never sees the screen: the
// data channels are encrypted end to end with DTLS.
//
// Hooks for applications (a help desk's consent prompt, view-only
// technicians, audit logs) are options: WithAccept decides per viewer,
// WithEvents reports what happens.
//
// rdp is the one package that ties codec, capture, input and signaling to
// pion. It must never import platform backends (capture/x11,
// input/robotgo, ...) nor anything under examples or bench: the
// application chooses the backends and hands them in. The viewer side
// builds for GOOS=js GOARCH=wasm.
package rdp
