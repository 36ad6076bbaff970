//go:build js

package peerapi

import (
	"io"

	"github.com/pion/webrtc/v4"
)

// New returns pion's default API: in the browser the RTCPeerConnection's
// own settings apply, and c is ignored.
func New(c Config) (*webrtc.API, io.Closer, error) { return webrtc.NewAPI(), nopCloser{}, nil }
