//go:build js

package rdp

import (
	"io"

	"github.com/pion/webrtc/v4"
)

// In the browser the RTCPeerConnection's own settings apply.
func newAPI(*options) (*webrtc.API, io.Closer, error) { return webrtc.NewAPI(), nopCloser{}, nil }

// newCertificate: the browser keeps its own certificates.
func newCertificate() *webrtc.Certificate { return nil }
