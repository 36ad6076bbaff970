package signaling

import "time"

// ProtocolVersion is the version of the wire protocol (PROTOCOL.md) that this package speaks.
// Every client message carries it as "v"; a server refuses other versions with ErrVersion.
const ProtocolVersion = 1

// Signal is one WebRTC negotiation message carried between a host and one viewer.
type Signal struct {
	Type      string     `json:"type"`                // "offer", "answer", "candidate", "bye"
	SDP       string     `json:"sdp,omitempty"`       // offer/answer
	Candidate *Candidate `json:"candidate,omitempty"` // candidate (nil candidate = end of candidates)
	Reason    string     `json:"reason,omitempty"`    // bye: why (e.g. "refused by the user")
}

// Candidate mirrors the JSON of RTCIceCandidateInit (browser) and pion's webrtc.ICECandidateInit,
// so either can be converted with a plain json round trip or field copy.
type Candidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// Peer is the other side of a Link. On the host side it is the viewer: ID is the per-host peer ID
// the server gave it, Addr the remote IP:port as the server saw it (only the IP when the server
// trusts X-Forwarded-For), Name what the viewer said. On the viewer side it is the host: ID is the
// host's session ID and Name what the host said.
type Peer struct {
	ID   string
	Addr string
	Name string
	// Resume is the token a viewer presented to resume an earlier session
	// instead of a code (see Resume); empty for a join with a code.
	Resume string
}

// Credentials are what a host shows its user so that a viewer can join: the session ID (9 digits)
// and the current one-time code, valid until Expires (by the host's clock) or until a viewer uses it.
type Credentials struct {
	ID, Code string
	Expires  time.Time
}

// clone returns a deep copy, so that the sender of a Signal over a Pipe can reuse its value while
// the receiver holds it.
func (s Signal) clone() Signal {
	if s.Candidate == nil {
		return s
	}
	c := *s.Candidate
	if c.SDPMid != nil {
		v := *c.SDPMid
		c.SDPMid = &v
	}
	if c.SDPMLineIndex != nil {
		v := *c.SDPMLineIndex
		c.SDPMLineIndex = &v
	}
	if c.UsernameFragment != nil {
		v := *c.UsernameFragment
		c.UsernameFragment = &v
	}
	s.Candidate = &c
	return s
}

// maxSignalType bounds Signal.Type; the server enforces the same bound.
const maxSignalType = 32

func (s Signal) validate() error {
	if s.Type == "" || len(s.Type) > maxSignalType {
		return ErrInvalidSignal
	}
	return nil
}
