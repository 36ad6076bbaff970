package signaling

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Message types of protocol version 1 (PROTOCOL.md).
const (
	// client → server
	msgRegister = "register"
	msgJoin     = "join"
	msgSignal   = "signal" // both directions
	msgLeave    = "leave"
	msgReject   = "reject" // host only: refuse a viewer's resume token

	// server → client
	msgRegistered = "registered"
	msgCode       = "code"
	msgJoined     = "joined"
	msgPeer       = "peer"
	msgPeerGone   = "peer_gone"
	msgError      = "error"
)

// Error codes: the "error" field of an error message, and the reason of the WebSocket close frame
// that follows it.
const (
	codeVersion      = "version"
	codeBadMessage   = "bad_message"
	codeTooBig       = "too_big"
	codeTimeout      = "timeout"
	codeBadCode      = "bad_code"
	codeExpired      = "expired"
	codeUnknownID    = "unknown_id"
	codeLocked       = "locked"
	codeRateLimited  = "rate_limited"
	codeFull         = "full"
	codeSlow         = "slow"
	codeServerClosed = "server_closed"
	codePeerGone     = "peer_gone"
	codeLeft         = "left"
	codeBye          = "bye"
	codeIDTaken      = "id_taken"
	codeReplaced     = "replaced"
	codeResumeFailed = "resume_refused"
)

// Bounds on fields, checked on both sides. They are far above honest use and keep a hostile peer
// from making the other side store or show large strings.
const (
	maxNameLen = 64 // bytes of Peer.Name, after removing control characters
	maxIDLen   = 32 // bytes of a session ID as typed (spaces and dashes are removed)
	maxCodeLen = 64 // bytes of a code as typed
	maxPeerLen = 32 // bytes of a per-host peer ID

	// A resume token is chosen by the host, so the server only bounds its shape; 16 characters
	// of 64 are 96 bits, beyond guessing at the per-address limit.
	minTokenLen = 16
	maxTokenLen = 128
	// A secret is chosen by the server (43 characters, 256 bits); after a server restart the host
	// brings it back, so the server accepts any of at least 128 bits.
	minSecretLen = 22
	maxSecretLen = 128
)

// clientMessage is one client → server message. Every field but V and Type depends on Type.
type clientMessage struct {
	V      int             `json:"v"`
	Type   string          `json:"type"`
	ID     string          `json:"id,omitempty"`     // join: session ID; register: the ID to reclaim
	Code   string          `json:"code,omitempty"`   // join: one-time code
	Resume string          `json:"resume,omitempty"` // join: resume token, instead of a code
	Secret string          `json:"secret,omitempty"` // register: the secret of the ID to reclaim
	Name   string          `json:"name,omitempty"`   // register, join: shown to the other side
	Peer   string          `json:"peer,omitempty"`   // host's signal, leave, reject: which viewer
	Signal json.RawMessage `json:"signal,omitempty"` // signal: a Signal object, relayed verbatim
}

// serverMessage is one server → client message.
type serverMessage struct {
	V          int             `json:"v"`
	Type       string          `json:"type"`
	ID         string          `json:"id,omitempty"`             // registered, joined: session ID
	Code       string          `json:"code,omitempty"`           // registered, code: one-time code
	Secret     string          `json:"secret,omitempty"`         // registered: reclaims the ID
	ExpiresIn  int64           `json:"expires_in_ms,omitempty"`  // registered, code: code lifetime
	MaxMessage int             `json:"max_message,omitempty"`    // registered, joined: size limit
	Peer       string          `json:"peer,omitempty"`           // to the host: which viewer
	Addr       string          `json:"addr,omitempty"`           // peer: viewer's address
	Name       string          `json:"name,omitempty"`           // peer, joined: the other side's name
	Resume     string          `json:"resume,omitempty"`         // peer: the viewer's resume token
	Signal     json.RawMessage `json:"signal,omitempty"`         // signal
	Error      string          `json:"error,omitempty"`          // error: code
	Message    string          `json:"message,omitempty"`        // error: for humans
	RetryAfter int64           `json:"retry_after_ms,omitempty"` // error locked/rate_limited
}

// wireError is a refusal the server sends as an error message before closing the connection.
type wireError struct {
	code       string
	message    string
	retryAfter time.Duration
}

func (e *wireError) Error() string { return e.code + ": " + e.message }

func badMessage(format string, args ...any) *wireError {
	return &wireError{code: codeBadMessage, message: fmt.Sprintf(format, args...)}
}

// parseClientMessage decodes and checks one client message; it is the server's only parser of
// untrusted bytes. Fields are normalised (IDs and codes as typed by people: spaces and dashes
// dropped, codes lower-cased; names stripped of control characters) so that handlers only check
// meaning. Role-dependent checks (a viewer's signal has no peer) are the handler's.
func parseClientMessage(data []byte, maxSize int) (clientMessage, *wireError) {
	if len(data) > maxSize {
		return clientMessage{}, &wireError{code: codeTooBig, message: fmt.Sprintf("message of %d bytes is over the limit of %d", len(data), maxSize)}
	}
	var raw struct {
		V      *int            `json:"v"`
		Type   string          `json:"type"`
		ID     string          `json:"id"`
		Code   *string         `json:"code"`
		Resume *string         `json:"resume"`
		Secret *string         `json:"secret"`
		Name   string          `json:"name"`
		Peer   string          `json:"peer"`
		Signal json.RawMessage `json:"signal"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return clientMessage{}, badMessage("not a JSON object of the protocol: %v", err)
	}
	if raw.V == nil {
		return clientMessage{}, &wireError{code: codeVersion, message: fmt.Sprintf(`every message needs "v":%d`, ProtocolVersion)}
	}
	if *raw.V != ProtocolVersion {
		return clientMessage{}, &wireError{code: codeVersion, message: fmt.Sprintf("this server speaks protocol version %d, not %d", ProtocolVersion, *raw.V)}
	}
	m := clientMessage{V: *raw.V, Type: raw.Type}
	switch raw.Type {
	case msgRegister:
		m.Name = cleanName(raw.Name)
		if raw.ID != "" || raw.Secret != nil {
			// A reclaim: both or neither, so that a typo cannot quietly give a new ID.
			if !validSessionID(raw.ID) {
				return clientMessage{}, badMessage("register's \"id\" must be a session ID this server gave (9 digits), sent with its \"secret\"")
			}
			if raw.Secret == nil || !validToken(*raw.Secret, minSecretLen, maxSecretLen) {
				return clientMessage{}, badMessage("register's \"secret\" must be the one \"registered\" gave (%d to %d characters of A-Z a-z 0-9 _ -)", minSecretLen, maxSecretLen)
			}
			m.ID, m.Secret = raw.ID, *raw.Secret
		}
	case msgJoin:
		m.ID = normalizeID(raw.ID)
		if m.ID == "" || len(m.ID) > maxIDLen {
			return clientMessage{}, badMessage("join needs an \"id\" of at most %d characters", maxIDLen)
		}
		switch {
		case (raw.Code == nil) == (raw.Resume == nil):
			return clientMessage{}, badMessage("join needs either a \"code\" or a \"resume\" token, not both or neither")
		case raw.Code != nil:
			m.Code = normalizeCode(*raw.Code)
			if m.Code == "" || len(m.Code) > maxCodeLen {
				return clientMessage{}, badMessage("\"code\" must have 1 to %d characters", maxCodeLen)
			}
		default:
			if !validToken(*raw.Resume, minTokenLen, maxTokenLen) {
				return clientMessage{}, badMessage("\"resume\" must be %d to %d characters of A-Z a-z 0-9 _ -", minTokenLen, maxTokenLen)
			}
			m.Resume = *raw.Resume
		}
		m.Name = cleanName(raw.Name)
	case msgSignal:
		if len(raw.Peer) > maxPeerLen {
			return clientMessage{}, badMessage("\"peer\" is longer than %d characters", maxPeerLen)
		}
		if err := checkSignalJSON(raw.Signal); err != nil {
			return clientMessage{}, badMessage("%v", err)
		}
		m.Peer = raw.Peer
		m.Signal = raw.Signal
	case msgLeave:
		if len(raw.Peer) > maxPeerLen {
			return clientMessage{}, badMessage("\"peer\" is longer than %d characters", maxPeerLen)
		}
		m.Peer = raw.Peer
	case msgReject:
		if raw.Peer == "" || len(raw.Peer) > maxPeerLen {
			return clientMessage{}, badMessage("reject needs the \"peer\" it refuses, of at most %d characters", maxPeerLen)
		}
		m.Peer = raw.Peer
	default:
		return clientMessage{}, badMessage("unknown message type %q", raw.Type)
	}
	return m, nil
}

// checkSignalJSON accepts a JSON object whose "type" is a non-empty string of at most
// maxSignalType bytes. Other fields are the two ends' business and are relayed as they are.
func checkSignalJSON(b json.RawMessage) error {
	if len(b) == 0 || b[0] != '{' {
		return fmt.Errorf(`"signal" must be a JSON object`)
	}
	var s struct {
		Type *string `json:"type"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf(`"signal" is malformed: %v`, err)
	}
	if s.Type == nil || *s.Type == "" || len(*s.Type) > maxSignalType {
		return fmt.Errorf(`"signal" needs a "type" of 1 to %d bytes`, maxSignalType)
	}
	return nil
}

// parseServerMessage decodes one server message on the client side (the server is not trusted
// more than it must be: a broken or hostile one must not crash the client).
func parseServerMessage(data []byte) (serverMessage, error) {
	var m serverMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return serverMessage{}, fmt.Errorf("%w: server message is not valid JSON: %v", ErrProtocol, err)
	}
	if m.V != ProtocolVersion {
		return serverMessage{}, fmt.Errorf("%w: server speaks version %d, this client %d", ErrVersion, m.V, ProtocolVersion)
	}
	if m.Type == "" {
		return serverMessage{}, fmt.Errorf("%w: server message has no type", ErrProtocol)
	}
	m.Name = cleanName(m.Name)
	m.Addr = cleanName(m.Addr)
	if len(m.Peer) > maxPeerLen {
		return serverMessage{}, fmt.Errorf("%w: peer ID longer than %d bytes", ErrProtocol, maxPeerLen)
	}
	if m.Resume != "" && !validToken(m.Resume, minTokenLen, maxTokenLen) {
		return serverMessage{}, fmt.Errorf("%w: malformed resume token", ErrProtocol)
	}
	if m.Secret != "" && !validToken(m.Secret, minSecretLen, maxSecretLen) {
		return serverMessage{}, fmt.Errorf("%w: malformed secret", ErrProtocol)
	}
	return m, nil
}

// decodeSignal decodes a relayed signal.
func decodeSignal(b json.RawMessage) (Signal, error) {
	var s Signal
	if err := json.Unmarshal(b, &s); err != nil {
		return Signal{}, fmt.Errorf("%w: malformed signal: %v", ErrProtocol, err)
	}
	if err := s.validate(); err != nil {
		return Signal{}, fmt.Errorf("%w: %v", ErrProtocol, err)
	}
	return s, nil
}

// encodeJSON marshals without HTML escaping: SDP is relayed, and escaping '<' as \u003c would
// make a relayed message up to six times its input and so over the size limit.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// errorFor maps an error code from the server to this package's errors.
func errorFor(code, message string, retryAfter time.Duration) error {
	var err error
	switch code {
	case codeBadCode:
		return ErrBadCode
	case codeExpired:
		return ErrExpired
	case codeUnknownID:
		return ErrUnknownID
	case codeLocked:
		return &RetryError{Err: ErrLocked, After: retryAfter}
	case codeRateLimited:
		return &RetryError{Err: ErrRateLimited, After: retryAfter}
	case codeVersion:
		err = ErrVersion
	case codeFull:
		err = ErrFull
	case codeTooBig:
		err = ErrTooBig
	case codeServerClosed:
		return ErrServerGone
	case codePeerGone:
		return ErrPeerGone
	case codeIDTaken:
		return ErrIDTaken
	case codeReplaced:
		return ErrReplaced
	case codeResumeFailed:
		return ErrResumeRefused
	default:
		err = ErrProtocol
	}
	if message == "" {
		return fmt.Errorf("%w (server: %s)", err, cleanName(code))
	}
	return fmt.Errorf("%w (server: %s)", err, cleanText(message, 200))
}

// normalizeID drops what people type between digit groups ("123 456 789", "123-456-789").
func normalizeID(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
}

// normalizeCode drops spaces and dashes and lower-cases, so "AB3-K7X" matches "ab3k7x".
func normalizeCode(s string) string {
	return strings.ToLower(normalizeID(s))
}

// cleanName keeps a name short and free of control characters, since the other side shows it.
func cleanName(s string) string { return cleanText(s, maxNameLen) }

func cleanText(s string, maxBytes int) string {
	if len(s) > 4*maxBytes {
		s = s[:4*maxBytes]
	}
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if len(s) <= maxBytes {
		return s
	}
	cut := maxBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
