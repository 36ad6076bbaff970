// Package signaling introduces a host (the machine being shared) and its viewers so they can set
// up a WebRTC connection, TeamViewer style: the host registers and shows a session ID and a
// one-time code, a viewer joins with both, and the server then relays the WebRTC negotiation
// (offer, answer, ICE candidates, bye) between the two. The server never sees the screen: WebRTC's
// DTLS is end to end, and the server only carries a few kilobytes of SDP per session.
//
// The wire protocol is versioned JSON over WebSocket, described in PROTOCOL.md. [Server] is an
// http.Handler; [Register] (host side) and [Join] (viewer side) are its clients, and both sides
// negotiate over a [Link]. [Pipe] gives two connected Links without any server, for tests and for
// in-process embedding.
//
// Network drops do not need a new code: a [HostConn] reconnects by itself and keeps its session
// ID (the server gives it back for a secret), and a viewer that the host gave a resume token
// comes back with [Resume] instead of a code; the host checks the token and may [Link.Reject] it.
//
// The client side (Register, Join, Resume, Link, Pipe) also builds for GOOS=js GOARCH=wasm, where it uses
// the browser's WebSocket; the server is built everywhere else.
//
// This package must never import pion or any other deskhand package: it may import only the
// standard library, github.com/coder/websocket and golang.org/x/time/rate. Signaling is the one
// part that must stay usable by any WebRTC stack (pion, a browser, ...), and keeping it free of
// pion keeps the wasm viewer small. import_test.go enforces this.
package signaling
