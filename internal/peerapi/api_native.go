//go:build !js

package peerapi

import (
	"fmt"
	"io"
	"net"

	"github.com/deskhand/deskhand/internal/udpbatch"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/transport/v5/stdnet"
	"github.com/pion/webrtc/v4"
)

// New builds the pion API of one peer connection, with its own UDP socket
// (an ICE UDP mux) whose buffers are large enough for screen bursts. The
// returned closer releases the socket; close it once the peer connection
// made with the API is closed. With c.Net set, no socket is opened and
// the closer does nothing.
func New(c Config) (*webrtc.API, io.Closer, error) {
	var se webrtc.SettingEngine
	se.SetSCTPMaxReceiveBufferSize(SCTPReceiveBuffer)
	se.SetSCTPRTOMax(SCTPRetransmitMax)
	// mDNS candidates would multicast on the LAN and need a resolver on
	// the other side; deskhand's peers exchange plain host candidates.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// Browsers hide their addresses (mDNS names), so a browser viewer's
	// candidate pair is peer-reflexive, learnt from its first checks; pion
	// holds such pairs back a second by default, a second added to every
	// browser session's start. The checks are authenticated by ICE's
	// credentials from the signaled SDP either way.
	se.SetPrflxAcceptanceMinWait(0)
	if c.DisconnectedTimeout != 0 || c.FailedTimeout != 0 || c.KeepaliveInterval != 0 {
		se.SetICETimeouts(c.iceTimeouts())
	}
	if c.Net != nil {
		se.SetNet(c.Net)
		return newAPI(se), nopCloser{}, nil
	}

	ip := net.IPv4zero
	if c.LoopbackOnly {
		ip = net.IPv4(127, 0, 0, 1)
		RestrictToLoopback(&se)
	}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: ip})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrUDPSocket, err)
	}
	// Best effort: an unprivileged process gets at most rmem_max.
	_ = conn.SetReadBuffer(UDPSocketBuffer)
	_ = conn.SetWriteBuffer(UDPSocketBuffer)
	stdNet, err := stdnet.NewNet()
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("%w: %w", ErrInterfaces, err)
	}
	// A screen update is hundreds of SCTP packets of ~1.2 KB; sent and
	// received one system call each, they cost more CPU than their
	// encryption.
	var pc net.PacketConn = conn
	if !c.UnbatchedUDP {
		if pc, err = udpbatch.Wrap(conn); err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("%w: %w", ErrUDPSocket, err)
		}
	}
	mux := ice.NewUDPMuxDefault(ice.UDPMuxParams{
		UDPConn: pc,
		Net:     stdNet,
	})
	se.SetICEUDPMux(mux)
	return newAPI(se), mux, nil
}

// RestrictToLoopback makes ICE gather and accept only loopback candidates
// (pion leaves loopback out by default, so without this two peers on one
// machine find no path when nothing else may be used). It is what New
// does for LoopbackOnly; the benchmark uses it alone to connect pion with
// its default settings.
func RestrictToLoopback(se *webrtc.SettingEngine) {
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(isLoopbackInterface)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
}

func isLoopbackInterface(name string) bool {
	ifi, err := net.InterfaceByName(name)
	return err == nil && ifi.Flags&net.FlagLoopback != 0
}

// newAPI makes the API with se and no RTP interceptors: deskhand sends no
// media, and pion's default ones (NACK, RTCP reports) keep timers running
// in every session, which an idle host pays for.
func newAPI(se webrtc.SettingEngine) *webrtc.API {
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithInterceptorRegistry(&interceptor.Registry{}))
}
