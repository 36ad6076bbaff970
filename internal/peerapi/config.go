package peerapi

import (
	"time"

	"github.com/pion/transport/v5"
)

// Transport settings New applies (outside the browser).
const (
	// SCTPReceiveBuffer is the SCTP receive window. pion's 1 MiB default
	// holds a loopback stream to a few MB/s; 8 MiB lets a full-screen key
	// frame through in one round trip (PERF.md: 20–50 MB/s).
	SCTPReceiveBuffer = 8 << 20
	// UDPSocketBuffer is the kernel buffer of the peer connection's UDP
	// socket. With Linux's default (~200 KiB) bursts of a key frame
	// overflow it and are dropped (RcvbufErrors); 4 MiB reached ~500 Mbit/s
	// in PERF.md. The kernel caps it at net.core.rmem_max / wmem_max.
	UDPSocketBuffer = 4 << 20
	// SCTPRetransmitMax caps SCTP's retransmission timeout. pion follows
	// RFC 9260: one second at least, doubled after each timeout up to a
	// minute, so a link that loses a few retransmissions in a row (a
	// viewer starved of CPU, a Wi-Fi hand-over) stalls the session for 3,
	// 7, 15 seconds after it is back. Capped at one second, a lost
	// packet is tried again every second while the link is down, and the
	// screen follows within a second of its return.
	SCTPRetransmitMax = time.Second
)

// pion's ICE timeouts, used for the ones a Config leaves zero.
const (
	pionDisconnectedTimeout = 5 * time.Second
	pionFailedTimeout       = 25 * time.Second
	pionKeepaliveInterval   = 2 * time.Second
)

// Config is what differs between the peer connections New builds for. The
// zero value uses the machine's network on every interface, with pion's
// ICE timeouts.
type Config struct {
	// Net replaces the machine's network, e.g. pion's virtual network
	// (github.com/pion/transport/v5/vnet) for tests and benchmarks;
	// LoopbackOnly is then ignored. Default nil: the real network.
	Net transport.Net
	// LoopbackOnly restricts ICE to the loopback interface (UDP over
	// IPv4): no packet leaves the machine. Default false.
	LoopbackOnly bool
	// DisconnectedTimeout is how long a path may be silent before the
	// connection counts as disconnected; FailedTimeout how long after that
	// it counts as failed; KeepaliveInterval how often ICE sends traffic on
	// an idle path. Each one left zero takes pion's default (5 s, 25 s,
	// 2 s).
	DisconnectedTimeout, FailedTimeout, KeepaliveInterval time.Duration
	// UnbatchedUDP sends and receives datagram by datagram, as pion's own
	// sockets do, instead of through internal/udpbatch: the benchmark's
	// baseline for what batching buys. Default false.
	UnbatchedUDP bool
}

// iceTimeouts returns the three ICE timeouts, pion's defaults filling the
// ones left zero.
func (c Config) iceTimeouts() (disconnected, failed, keepalive time.Duration) {
	disconnected, failed, keepalive = c.DisconnectedTimeout, c.FailedTimeout, c.KeepaliveInterval
	if disconnected == 0 {
		disconnected = pionDisconnectedTimeout
	}
	if failed == 0 {
		failed = pionFailedTimeout
	}
	if keepalive == 0 {
		keepalive = pionKeepaliveInterval
	}
	return disconnected, failed, keepalive
}

// nopCloser is the closer of an API that opened no socket.
type nopCloser struct{}

func (nopCloser) Close() error { return nil }
