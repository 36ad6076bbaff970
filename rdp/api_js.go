//go:build js

package rdp

import (
	"io"

	"github.com/deskhand/deskhand/internal/peerapi"
	"github.com/pion/webrtc/v4"
)

// In the browser the RTCPeerConnection's own settings apply (peerapi
// returns pion's default API there).
func newAPI(*options) (*webrtc.API, io.Closer, error) { return peerapi.New(peerapi.Config{}) }

// newCertificate: the browser keeps its own certificates.
func newCertificate() *webrtc.Certificate { return nil }
