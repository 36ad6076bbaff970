package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/deskhand/deskhand/rdp"
	"github.com/deskhand/deskhand/signaling"
)

// Why a session could not start or ended, in the words the page shows.
// The kind lets the page (and tests) tell them apart without parsing text.
const (
	kindBadCode     = "bad-code"
	kindExpired     = "expired"
	kindUnknownID   = "unknown-id"
	kindWait        = "wait"
	kindUnreachable = "unreachable"
	kindRefused     = "refused"
	kindHostClosed  = "host-closed"
	kindLost        = "lost"
	kindServerLost  = "server-lost" // a notice: the session goes on
	kindOther       = "error"
)

// explain turns why a session failed into a kind and a sentence for the
// person at the page: what happened and what to do.
func explain(err error) (kind, text string) {
	var retry *signaling.RetryError
	switch {
	case errors.Is(err, signaling.ErrBadCode):
		return kindBadCode, "Wrong code for this session ID. Check the code shown on the remote screen and try again."
	case errors.Is(err, signaling.ErrExpired), errors.Is(err, signaling.ErrResumeRefused):
		return kindExpired, "This code was already used or has expired. Ask for the code shown now on the remote screen."
	case errors.Is(err, signaling.ErrUnknownID):
		return kindUnknownID, "No computer is online with this session ID. Check the ID, and that the remote program is still running."
	case errors.As(err, &retry):
		return kindWait, fmt.Sprintf("Too many wrong codes. Wait %s before trying again.", retry.After.Round(time.Second))
	case errors.Is(err, signaling.ErrLocked), errors.Is(err, signaling.ErrRateLimited):
		return kindWait, "Too many wrong codes. Wait a minute before trying again."
	case errors.Is(err, signaling.ErrUnreachable), errors.Is(err, signaling.ErrServerGone):
		return kindUnreachable, "Cannot reach the deskhand server. Check your network connection and try again."
	case errors.Is(err, rdp.ErrRefused):
		return kindRefused, "The remote computer refused the session" + reason(err, rdp.ErrRefused) + "."
	case errors.Is(err, rdp.ErrHostClosed):
		return kindHostClosed, "The remote computer ended the session" + reason(err, rdp.ErrHostClosed) + "."
	case errors.Is(err, rdp.ErrConnectionLost), errors.Is(err, signaling.ErrPeerGone), errors.Is(err, context.DeadlineExceeded):
		return kindLost, "The connection to the remote computer was lost."
	}
	return kindOther, "The session failed: " + err.Error()
}

// reason returns ": <the host's words>" when err carries a reason after
// the sentinel's own text, as rdp wraps the host's goodbye, else "".
func reason(err, sentinel error) string {
	_, rest, ok := strings.Cut(err.Error(), sentinel.Error()+": ")
	// A host with nothing to add repeats the sentinel's words.
	if ok && rest != "" && !strings.EqualFold(rest, strings.TrimPrefix(sentinel.Error(), "rdp: ")) {
		return ": " + rest
	}
	return ""
}
