package rdp

import "errors"

var (
	// ErrClosed is returned by operations on a Host or Viewer after Close.
	ErrClosed = errors.New("rdp: closed")

	// ErrRefused means the host refused this viewer (its accept hook said
	// no, or its user declined). The error returned wraps it with the
	// host's reason.
	ErrRefused = errors.New("rdp: the host refused the session")

	// ErrViewOnly is returned when a view-only viewer tries to send input.
	ErrViewOnly = errors.New("rdp: this session is view-only; the host did not grant control")

	// ErrFrameTooLarge means the host sent a screen update larger than
	// the viewer's limit (WithMaxFrameBytes, WithMaxPixels). Raise the
	// limit if the screen really is that large.
	ErrFrameTooLarge = errors.New("rdp: screen update larger than the configured limit")

	// ErrProtocol means the peer sent something this version does not
	// understand: a malformed control message or an unknown version.
	ErrProtocol = errors.New("rdp: protocol error from the peer")

	// ErrConnectionLost means the peer-to-peer connection failed or the
	// peer went away without saying goodbye.
	ErrConnectionLost = errors.New("rdp: connection lost")

	// ErrHostClosed means the host ended the session.
	ErrHostClosed = errors.New("rdp: the host ended the session")

	// ErrNegotiation means the WebRTC offer/answer exchange failed.
	ErrNegotiation = errors.New("rdp: WebRTC negotiation failed")

	// ErrClipboardRefused means a clipboard text was not taken: larger than
	// the limit, not valid UTF-8 text, or not allowed by the host's policy
	// (ClipboardPolicy) or this session's rights.
	ErrClipboardRefused = errors.New("rdp: clipboard text refused")

	// ErrCapture means the host could not capture its screen.
	ErrCapture = errors.New("rdp: screen capture failed on the host")
)
