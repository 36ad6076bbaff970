// Package rdp is deskhand's session layer: a Host that shares a
// capture.Source and performs input on an input.Injector, and a Viewer that
// keeps the remote framebuffer and sends input, connected peer to peer over
// WebRTC data channels (pion).
//
// A session has five data channels, all reliable and ordered:
//
//   - "screen": codec messages from host to viewer, cut into fragments of
//     at most MaxMessageSize bytes so that browsers can take them;
//   - "input": input events from viewer to host, in input's wire form, and
//     the viewer's acknowledgements of screen messages (flow control);
//   - "control": small JSON messages both ways (hello, key-frame requests,
//     prefs, monitors, pings, refused input, goodbye);
//   - "cursor": the host's pointer, its shape (sent once, by hash) apart
//     from its position, drawn by the viewer;
//   - "clipboard": clipboard text both ways, as the host's policy allows.
//
// PROTOCOL.md in this folder describes them. Signaling (the exchange of
// offer, answer and ICE candidates) goes through a Signaler; a
// *signaling.Link is one. The signaling server never sees the screen: the
// data channels are encrypted end to end with DTLS.
//
// Hooks for applications (a help desk's consent prompt, view-only
// technicians, audit logs) are options: WithAccept decides per viewer,
// WithEvents reports what happens. A viewer's hooks (WithFrameHook,
// WithCursorHook, WithClipboardHook, WithStateHook) run without its locks
// held and may call its methods.
//
// A viewer made WithReconnect resumes its session after a network drop,
// with the same rights and prefs; the host keeps a lost session's place
// for WithResumeWindow. Operations that wait for the host (Sync,
// SetClipboard) return ErrConnectionLost when the connection they used
// drops, and those that send to the host return ErrClosed after Close.
//
// rdp is the one package that ties codec, capture, input and signaling to
// pion. It must never import platform backends (capture/x11,
// input/robotgo, ...) nor anything under examples or bench: the
// application chooses the backends and hands them in. The viewer side
// builds for GOOS=js GOARCH=wasm.
package rdp
