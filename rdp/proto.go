package rdp

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"
)

// ProtocolVersion is the version of the session protocol (PROTOCOL.md)
// spoken over the data channels. The host announces it in its hello.
const ProtocolVersion = 2

// Data channel labels.
const (
	labelScreen  = "screen"
	labelInput   = "input"
	labelControl = "control"
)

// Control message types.
const (
	ctlHello            = "hello"
	ctlKeyFrame         = "keyframe"
	ctlInputRefused     = "input-refused"
	ctlBye              = "bye"
	ctlSynced           = "synced"
	ctlPing             = "ping"
	ctlPong             = "pong"
	ctlPrefs            = "prefs"
	ctlSecureAttention  = "ctrl-alt-del"
	ctlClipboardRefused = "clipboard-refused"
	ctlClipboardTaken   = "clipboard-taken"
	ctlMonitor          = "monitor"
	ctlResume           = "resume"
	maxControlLength    = 64 << 10
)

// control is one message of the control channel (JSON).
type control struct {
	Type     string `json:"type"`
	Version  int    `json:"version,omitempty"`
	ViewOnly bool   `json:"viewOnly,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Sync     uint32 `json:"sync,omitempty"`
	// ping, pong: the pinger's clock (Unix ns) echoed back, and the
	// ponger's clock when it answered.
	T  int64 `json:"t,omitempty"`
	At int64 `json:"at,omitempty"`
	// prefs: what the viewer asks of the host (0: no cap).
	MaxFPS   int  `json:"maxFps,omitempty"`
	Lossless bool `json:"lossless,omitempty"`
	// hello: which way clipboard text may go.
	ClipToViewer   bool `json:"clipToViewer,omitempty"`
	ClipFromViewer bool `json:"clipFromViewer,omitempty"`
	// hello: the host's monitors; monitor: the one shown (AllMonitors: all).
	Monitors []Monitor `json:"monitors,omitempty"`
	Monitor  *int      `json:"monitor,omitempty"`
	// hello: the token with which the viewer may resume this session
	// after a network drop.
	Resume string `json:"resume,omitempty"`
	// hello: the secret that proves a resuming viewer is this one; resume:
	// the viewer sends it back over the encrypted channel, never through
	// signaling.
	ResumeKey string `json:"resumeKey,omitempty"`
}

// Input channel messages start with one byte saying what follows.
const (
	inputEvents = 0 // input events in input's wire form
	inputSync   = 1 // a uint32 (little endian) the host echoes in a "synced" control message once every earlier event is performed
	inputAck    = 2 // a uint32 (little endian): how many codec messages the viewer has received on this connection
)

// ackMessage is the input channel's acknowledgement of the first n screen
// messages of a connection.
func ackMessage(n uint32) []byte {
	return []byte{inputAck, byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}
}

func parseControl(b []byte) (control, error) {
	var c control
	if len(b) > maxControlLength {
		return c, fmt.Errorf("%w: control message of %d bytes (limit %d)", ErrProtocol, len(b), maxControlLength)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%w: control message: %v", ErrProtocol, err)
	}
	if c.Type == "" {
		return c, fmt.Errorf("%w: control message without a type", ErrProtocol)
	}
	if c.MaxFPS < 0 {
		return c, fmt.Errorf("%w: control message with a negative frame rate", ErrProtocol)
	}
	return c, nil
}

func (c control) marshal() []byte {
	b, _ := json.Marshal(c) // cannot fail: plain strings, ints and bools
	return b
}

// Screen fragments: every message on the screen channel starts with one
// flag byte. fragFirst marks the first fragment of a codec message, which
// carries a frameHeader right after the flag; fragFinal marks the last.
// A message that fits in one fragment has both.
const (
	fragFinal      = 1 << 0
	fragFirst      = 1 << 1
	fragKnown      = fragFinal | fragFirst
	frameHeaderLen = 20
	fragRoom       = MaxMessageSize - 1
)

// frameHeader is what the host tells the viewer about one codec message,
// for its statistics.
type frameHeader struct {
	Captured   time.Time     // when the host captured the frame (host clock)
	Encode     time.Duration // how long the host took to encode it
	Superseded uint32        // frames captured but not sent to this viewer since the previous message
	Refining   bool          // lossy regions remain after this message; their lossless refinement will follow
}

const headRefining = 1 << 0

func (h frameHeader) append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(h.Captured.UnixNano()))
	us := min(h.Encode.Microseconds(), 1<<32-1)
	b = binary.LittleEndian.AppendUint32(b, uint32(max(us, 0)))
	b = binary.LittleEndian.AppendUint32(b, h.Superseded)
	var flags uint32
	if h.Refining {
		flags |= headRefining
	}
	return binary.LittleEndian.AppendUint32(b, flags)
}

func parseFrameHeader(b []byte) frameHeader {
	return frameHeader{
		Captured:   time.Unix(0, int64(binary.LittleEndian.Uint64(b))),
		Encode:     time.Duration(binary.LittleEndian.Uint32(b[8:])) * time.Microsecond,
		Superseded: binary.LittleEndian.Uint32(b[12:]),
		Refining:   binary.LittleEndian.Uint32(b[16:])&headRefining != 0,
	}
}

// fragments calls send for each fragment of msg, the first carrying hdr,
// reusing buf for the bytes of each.
func fragments(msg []byte, hdr frameHeader, buf []byte, send func([]byte) error) ([]byte, error) {
	first := true
	for {
		buf = append(buf[:0], 0)
		if first {
			buf[0] |= fragFirst
			buf = hdr.append(buf)
		}
		n := min(len(msg), MaxMessageSize-len(buf))
		if n == len(msg) {
			buf[0] |= fragFinal
		}
		buf = append(buf, msg[:n]...)
		if err := send(buf); err != nil {
			return buf, err
		}
		msg = msg[n:]
		if buf[0]&fragFinal != 0 {
			return buf, nil
		}
		first = false
	}
}

// assembler rebuilds codec messages from screen fragments, refusing to hold
// more than limit bytes.
type assembler struct {
	buf    []byte
	hdr    frameHeader
	inside bool // a first fragment came and its final one not yet
	limit  int
}

// add takes one fragment; it returns the whole message and its header once
// the final fragment is in (the message is valid until the next add).
func (a *assembler) add(frag []byte) (msg []byte, hdr frameHeader, done bool, err error) {
	if len(frag) == 0 {
		return nil, hdr, false, fmt.Errorf("%w: empty screen fragment", ErrProtocol)
	}
	flag, body := frag[0], frag[1:]
	if flag&^fragKnown != 0 {
		return nil, hdr, false, fmt.Errorf("%w: screen fragment flag %#x", ErrProtocol, flag)
	}
	if flag&fragFirst != 0 {
		if a.inside {
			return nil, hdr, false, fmt.Errorf("%w: a screen message began before the previous one ended", ErrProtocol)
		}
		if len(body) < frameHeaderLen {
			return nil, hdr, false, fmt.Errorf("%w: screen fragment of %d bytes, shorter than its header", ErrProtocol, len(frag))
		}
		a.hdr, body = parseFrameHeader(body), body[frameHeaderLen:]
		a.inside = true
	} else if !a.inside {
		return nil, hdr, false, fmt.Errorf("%w: a screen fragment without the start of its message", ErrProtocol)
	}
	if len(a.buf)+len(body) > a.limit {
		total := len(a.buf) + len(body)
		a.reset()
		return nil, hdr, false, fmt.Errorf("%w: more than %d bytes (at least %d)", ErrFrameTooLarge, a.limit, total)
	}
	if flag&fragFinal == 0 {
		a.buf = append(a.buf, body...)
		return nil, hdr, false, nil
	}
	a.inside = false
	if len(a.buf) == 0 {
		return body, a.hdr, true, nil // the common case: one fragment, no copy
	}
	a.buf = append(a.buf, body...)
	msg = a.buf
	a.buf = a.buf[:0]
	return msg, a.hdr, true, nil
}

// reset drops a half-received message (the connection that carried it is gone).
func (a *assembler) reset() {
	a.buf = a.buf[:0]
	a.inside = false
}

// pingEvery is how often each side measures the round trip.
const pingEvery = 500 * time.Millisecond

// pinger sends a ping on the control channel every pingEvery until ctx ends.
func pinger(ctx context.Context, c *webrtc.DataChannel) {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		if c.Send(control{Type: ctlPing, T: time.Now().UnixNano()}.marshal()) != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
