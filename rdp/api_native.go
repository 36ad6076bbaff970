//go:build !js

package rdp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"

	"github.com/deskhand/deskhand/internal/peerapi"
	"github.com/pion/webrtc/v4"
)

// newAPI builds the pion API of one peer connection with deskhand's
// transport settings (internal/peerapi, shared with the benchmark's
// data-channel probe). The returned closer releases its UDP socket once
// the peer connection is closed.
func newAPI(o *options) (*webrtc.API, io.Closer, error) {
	api, sock, err := peerapi.New(peerapi.Config{
		Net:                 o.net,
		LoopbackOnly:        o.loopbackOnly,
		DisconnectedTimeout: iceDisconnectedTimeout,
		FailedTimeout:       iceFailedTimeout,
		KeepaliveInterval:   iceKeepalive,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("rdp: %w", err)
	}
	return api, sock, nil
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
