package peerapi

import "errors"

// ErrUDPSocket means the peer connection's UDP socket could not be opened.
// With LoopbackOnly, check that the loopback interface has 127.0.0.1;
// otherwise that the process may open UDP sockets.
var ErrUDPSocket = errors.New("opening the peer connection's UDP socket (is 127.0.0.1 up, may this process open UDP sockets?)")

// ErrInterfaces means the machine's network interfaces could not be
// listed, which ICE needs to gather candidates; check that /proc or the
// system's interface API is readable.
var ErrInterfaces = errors.New("listing the network interfaces for ICE (is the interface list readable?)")
