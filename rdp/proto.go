package rdp

import (
	"encoding/json"
	"fmt"
)

// ProtocolVersion is the version of the session protocol (PROTOCOL.md)
// spoken over the data channels. The host announces it in its hello.
const ProtocolVersion = 1

// Data channel labels.
const (
	labelScreen  = "screen"
	labelInput   = "input"
	labelControl = "control"
)

// Control message types.
const (
	ctlHello         = "hello"
	ctlKeyFrame      = "keyframe"
	ctlInputRefused  = "input-refused"
	ctlBye           = "bye"
	ctlSynced        = "synced"
	maxControlLength = 64 << 10
)

// control is one message of the control channel (JSON).
type control struct {
	Type     string `json:"type"`
	Version  int    `json:"version,omitempty"`
	ViewOnly bool   `json:"viewOnly,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Sync     uint32 `json:"sync,omitempty"`
}

// Input channel messages start with one byte saying what follows.
const (
	inputEvents = 0 // input events in input's wire form
	inputSync   = 1 // a uint32 (little endian) the host echoes in a "synced" control message once every earlier event is performed
)

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
	return c, nil
}

func (c control) marshal() []byte {
	b, _ := json.Marshal(c) // cannot fail: plain strings, ints and bools
	return b
}

// Screen fragments: every message on the screen channel starts with one
// flag byte; fragFinal marks the last fragment of a codec message.
const (
	fragMore  = 0
	fragFinal = 1
	fragRoom  = MaxMessageSize - 1
)

// fragments calls send for each fragment of msg, reusing buf for the
// header+payload of each.
func fragments(msg []byte, buf []byte, send func([]byte) error) ([]byte, error) {
	for {
		n := min(len(msg), fragRoom)
		flag := byte(fragMore)
		if n == len(msg) {
			flag = fragFinal
		}
		buf = append(buf[:0], flag)
		buf = append(buf, msg[:n]...)
		if err := send(buf); err != nil {
			return buf, err
		}
		msg = msg[n:]
		if flag == fragFinal {
			return buf, nil
		}
	}
}

// assembler rebuilds codec messages from screen fragments, refusing to hold
// more than limit bytes.
type assembler struct {
	buf   []byte
	limit int
}

// add takes one fragment; it returns the whole message once the final
// fragment is in (valid until the next add).
func (a *assembler) add(frag []byte) (msg []byte, done bool, err error) {
	if len(frag) == 0 {
		return nil, false, fmt.Errorf("%w: empty screen fragment", ErrProtocol)
	}
	flag, body := frag[0], frag[1:]
	if flag != fragMore && flag != fragFinal {
		return nil, false, fmt.Errorf("%w: screen fragment flag %d", ErrProtocol, flag)
	}
	if len(a.buf)+len(body) > a.limit {
		total := len(a.buf) + len(body)
		a.buf = a.buf[:0]
		return nil, false, fmt.Errorf("%w: more than %d bytes (at least %d)", ErrFrameTooLarge, a.limit, total)
	}
	if flag == fragFinal && len(a.buf) == 0 {
		return body, true, nil // the common case: one fragment, no copy
	}
	a.buf = append(a.buf, body...)
	if flag == fragMore {
		return nil, false, nil
	}
	msg = a.buf
	a.buf = a.buf[:0]
	return msg, true, nil
}

// reset drops a half-received message (the connection that carried it is gone).
func (a *assembler) reset() { a.buf = a.buf[:0] }
