// Package peerapi builds the pion WebRTC API that every deskhand peer
// connection is made with: the SCTP receive window and retransmission
// timeout cap, the UDP socket, its kernel buffers and its batching
// (internal/udpbatch), the ICE timeouts and the loopback-only restriction.
//
// It exists so that rdp's sessions and the benchmark's raw data-channel
// probe (bench e2e) use exactly the same transport settings: a number the
// probe measures is a number a session can reach.
//
// In the browser (GOOS=js) the RTCPeerConnection's own settings apply and
// New returns pion's default API.
//
// Import policy: pion, the standard library and internal/udpbatch only.
// Only rdp and bench import it.
package peerapi
