package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/deskhand/deskhand/signaling"
	"github.com/stretchr/testify/assert"
)

// failingLink is a link whose every Recv fails with err.
type failingLink struct{ err error }

func (l failingLink) Send(context.Context, signaling.Signal) error { return nil }
func (l failingLink) Recv(context.Context) (signaling.Signal, error) {
	return signaling.Signal{}, l.err
}
func (l failingLink) Close() error { return nil }

func TestWatchedLinkTellsServerLossOnce(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("reading: %w", signaling.ErrServerGone), 1},
		{signaling.ErrUnreachable, 1},
		{signaling.ErrPeerGone, 0}, // the host left: the session's business
		{errors.New("other"), 0},
	} {
		calls := 0
		w := watchLink(failingLink{tc.err}, func(error) { calls++ })
		for range 3 {
			_, err := w.Recv(t.Context())
			assert.ErrorIs(t, err, tc.err)
		}
		assert.Equal(t, tc.want, calls, "%v", tc.err)
	}

	// The session ending (its context cancelled) is not the server's loss.
	calls := 0
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	w := watchLink(failingLink{signaling.ErrServerGone}, func(error) { calls++ })
	_, _ = w.Recv(ctx)
	assert.Zero(t, calls)
}
