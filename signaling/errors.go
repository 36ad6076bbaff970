package signaling

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrBadCode means the code does not match the host's current code. Each wrong code counts
	// towards the per-ID lockout and the per-address limit.
	ErrBadCode = errors.New("signaling: wrong code for this session ID; check the code the host shows")

	// ErrExpired means the code was once valid for this session ID but has been used or has expired:
	// codes are one-time and the host always shows the current one.
	ErrExpired = errors.New("signaling: code expired or already used; ask for the current code")

	// ErrUnknownID means no host with this session ID is online. Session IDs are not secrets (the
	// code is), so the server says so plainly; the per-address limit bounds ID probing.
	ErrUnknownID = errors.New("signaling: no host is online with this session ID; check the ID the host shows and that it is still running")

	// ErrLocked means this session ID refuses every join, even with the right code, because of too
	// many wrong codes. It comes wrapped in a *RetryError that says when to try again.
	ErrLocked = errors.New("signaling: too many wrong codes for this session ID; wait before trying again")

	// ErrRateLimited means too many failed joins came from this network address. It comes wrapped
	// in a *RetryError that says when to try again.
	ErrRateLimited = errors.New("signaling: too many failed attempts from this address; wait before trying again")

	// ErrVersion means the client and the server speak different protocol versions.
	ErrVersion = errors.New("signaling: client and server speak different protocol versions; update the older one")

	// ErrFull means the server has as many hosts as it allows, or the host has as many viewers as
	// the server allows per host.
	ErrFull = errors.New("signaling: no room for another session (server or host at its limit); try again later")

	// ErrServerGone means the connection to the signaling server ended (server shut down, network
	// failure, or the server closed it after a protocol error, which is wrapped too).
	ErrServerGone = errors.New("signaling: the connection to the signaling server ended; Register or Join again")

	// ErrPeerGone means the other side of a Link left (closed its Link or its connection).
	ErrPeerGone = errors.New("signaling: the other side left; start a new session to reconnect")

	// ErrClosed means the Link or HostConn was used after its own Close.
	ErrClosed = errors.New("signaling: used after Close; create a new connection")

	// ErrUnreachable means the WebSocket connection to the server could not be opened.
	ErrUnreachable = errors.New("signaling: cannot reach the signaling server; check the URL (ws://host:port/path) and that the server is running")

	// ErrProtocol means a message was malformed or came at the wrong time. It is a bug in one of
	// the two programs, or one of them is not a deskhand signaling peer.
	ErrProtocol = errors.New("signaling: malformed or unexpected message; both sides must speak signaling protocol version 1 (see PROTOCOL.md)")

	// ErrTooBig means a message is larger than the server's size limit.
	ErrTooBig = errors.New("signaling: message larger than the server's size limit; shorten it or raise WithMaxMessageSize on the server")

	// ErrBacklog means a Link received more signals than it buffers while nobody called Recv; the
	// Link is closed because the negotiation can no longer be trusted to be complete.
	ErrBacklog = errors.New("signaling: too many unread signals on this link; call Recv in a loop")

	// ErrInvalidSignal means Send was given a Signal without a Type (or with an over-long one).
	ErrInvalidSignal = errors.New("signaling: a signal needs a Type of at most 32 bytes, such as \"offer\", \"answer\", \"candidate\" or \"bye\"")

	// ErrIDTaken means the server refused to give a host back its session ID: another host holds
	// it, or the server still keeps it for a host that left, and the secret did not match. A
	// HostConn then ends, unless WithNewIDIfTaken lets it register under a new ID.
	ErrIDTaken = errors.New("signaling: this session ID belongs to another host; register without WithSessionID for a new ID")

	// ErrReplaced means another connection reclaimed this host's session ID with its secret (the
	// same program reconnected, or a copy of it runs elsewhere); this HostConn ends for good so
	// that the two do not take the ID from each other in turn.
	ErrReplaced = errors.New("signaling: another connection took over this session ID with its secret; stop the other copy of the host")

	// ErrResumeRefused ends a viewer's Link made by Resume when the host does not accept the
	// token (the session it belonged to is over, or the host restarted). Join again with the code
	// the host shows.
	ErrResumeRefused = errors.New("signaling: the host refused the resume token; join again with the code the host shows")

	// ErrInvalidToken means a resume token does not have the shape the protocol allows: 16 to 128
	// characters of A-Z a-z 0-9 _ and -.
	ErrInvalidToken = errors.New("signaling: a resume token must be 16 to 128 characters of A-Z a-z 0-9 _ -; pass the token the host gave unchanged")

	// ErrInvalidOption means an Option or ClientOption was given a value outside its documented
	// range; the wrapping error names the option.
	ErrInvalidOption = errors.New("signaling: invalid option; see the option's documentation for its range")
)

// RetryError is a refusal that ends after a while: it wraps ErrLocked or ErrRateLimited (so
// errors.Is works) and says how long to wait.
type RetryError struct {
	Err   error         // ErrLocked or ErrRateLimited
	After time.Duration // how long to wait before the next attempt can succeed
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("%v (retry in %v)", e.Err, e.After.Round(time.Millisecond))
}

func (e *RetryError) Unwrap() error { return e.Err }
