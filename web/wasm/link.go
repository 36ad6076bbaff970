package main

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/deskhand/deskhand/rdp"
	"github.com/deskhand/deskhand/signaling"
)

// watchedLink is a session's signaling link that tells when the signaling
// server went away. A connected session does not need the server (the
// picture flows peer to peer), but it cannot be resumed after a network
// drop until the server is back, and the person at the page should know
// both.
type watchedLink struct {
	rdp.Signaler
	lost   func(error) // called once, on the goroutine that read the error
	called atomic.Bool
}

func watchLink(l rdp.Signaler, lost func(error)) *watchedLink {
	return &watchedLink{Signaler: l, lost: lost}
}

func (w *watchedLink) Recv(ctx context.Context) (signaling.Signal, error) {
	s, err := w.Signaler.Recv(ctx)
	// Only the server's going counts: the host leaving the link, or the
	// session ending it, is the session's business.
	if err != nil && ctx.Err() == nil && serverGone(err) && w.called.CompareAndSwap(false, true) {
		w.lost(err)
	}
	return s, err
}

func serverGone(err error) bool {
	return errors.Is(err, signaling.ErrServerGone) || errors.Is(err, signaling.ErrUnreachable)
}
