//go:build !js

package rdp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"net"

	"github.com/pion/ice/v4"
	"github.com/pion/transport/v5/stdnet"
	"github.com/pion/webrtc/v4"
)

const (
	// sctpReceiveBuffer is the SCTP receive window. pion's 1 MiB default
	// holds a loopback stream to a few MB/s; 8 MiB lets a full-screen key
	// frame through in one round trip (PERF.md: 20–50 MB/s).
	sctpReceiveBuffer = 8 << 20
	// udpSocketBuffer is the kernel buffer of the session's UDP socket. With
	// Linux's default (~200 KiB) bursts of a key frame overflow it and are
	// dropped (RcvbufErrors); 4 MiB reached ~500 Mbit/s in PERF.md. The
	// kernel caps it at net.core.rmem_max / wmem_max.
	udpSocketBuffer = 4 << 20
)

// newAPI builds the pion API of one peer connection, with its own UDP
// socket (an ICE UDP mux) whose buffers are large enough for screen
// bursts. The returned closer releases the socket once the peer
// connection is closed.
func newAPI(o *options) (*webrtc.API, io.Closer, error) {
	var se webrtc.SettingEngine
	se.SetSCTPMaxReceiveBufferSize(sctpReceiveBuffer)
	// mDNS candidates would multicast on the LAN and need a resolver on
	// the other side; deskhand's peers exchange plain host candidates.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetICETimeouts(iceDisconnectedTimeout, iceFailedTimeout, iceKeepalive)
	if o.net != nil {
		se.SetNet(o.net)
		return webrtc.NewAPI(webrtc.WithSettingEngine(se)), nopCloser{}, nil
	}

	ip := net.IPv4zero
	if o.loopbackOnly {
		ip = net.IPv4(127, 0, 0, 1)
		se.SetIncludeLoopbackCandidate(true)
		se.SetInterfaceFilter(isLoopbackInterface)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: ip})
	if err != nil {
		return nil, nil, fmt.Errorf("rdp: opening a UDP socket: %w", err)
	}
	// Best effort: an unprivileged process gets at most rmem_max.
	_ = conn.SetReadBuffer(udpSocketBuffer)
	_ = conn.SetWriteBuffer(udpSocketBuffer)
	stdNet, err := stdnet.NewNet()
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("rdp: listing network interfaces: %w", err)
	}
	mux := ice.NewUDPMuxDefault(ice.UDPMuxParams{
		UDPConn: conn,
		Net:     stdNet,
	})
	se.SetICEUDPMux(mux)
	return webrtc.NewAPI(webrtc.WithSettingEngine(se)), mux, nil
}

func isLoopbackInterface(name string) bool {
	ifi, err := net.InterfaceByName(name)
	return err == nil && ifi.Flags&net.FlagLoopback != 0
}

// newCertificate makes the host's DTLS identity; nil (pion then makes one
// per connection) if that fails, which only costs resuming.
func newCertificate() *webrtc.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil
	}
	cert, err := webrtc.GenerateCertificate(key)
	if err != nil {
		return nil
	}
	return cert
}
