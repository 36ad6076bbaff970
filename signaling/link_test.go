package signaling

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPipeCarriesSignalsBothWays(t *testing.T) {
	host, viewer := Pipe()
	defer host.Close()
	defer viewer.Close()
	ctx := t.Context()

	mid := "0"
	offer := Signal{Type: "offer", SDP: "v=0"}
	cand := Signal{Type: "candidate", Candidate: &Candidate{Candidate: "candidate:1", SDPMid: &mid}}
	require.NoError(t, host.Send(ctx, offer))
	require.NoError(t, host.Send(ctx, cand))
	require.NoError(t, viewer.Send(ctx, Signal{Type: "answer", SDP: "v=0 answer"}))

	got, err := viewer.Recv(ctx)
	require.NoError(t, err)
	assert.Equal(t, offer, got)
	got, err = viewer.Recv(ctx)
	require.NoError(t, err)
	assert.Equal(t, cand, got)
	// The receiver owns its copy: the sender may reuse its values.
	mid = "changed"
	assert.Equal(t, "0", *got.Candidate.SDPMid)

	got, err = host.Recv(ctx)
	require.NoError(t, err)
	assert.Equal(t, "v=0 answer", got.SDP)
	assert.NotEqual(t, host.Peer(), viewer.Peer())
}

func TestPipeCloseTellsTheOtherSide(t *testing.T) {
	host, viewer := Pipe()
	ctx := t.Context()
	require.NoError(t, viewer.Send(ctx, Signal{Type: "bye", Reason: "refused by the user"}))
	require.NoError(t, viewer.Close())
	require.NoError(t, viewer.Close())

	got, err := host.Recv(ctx)
	require.NoError(t, err)
	assert.Equal(t, "refused by the user", got.Reason)
	_, err = host.Recv(ctx)
	require.ErrorIs(t, err, ErrPeerGone)
	require.ErrorIs(t, host.Send(ctx, Signal{Type: "offer"}), ErrPeerGone)
	<-host.Done()
	require.ErrorIs(t, host.Err(), ErrPeerGone)

	_, err = viewer.Recv(ctx)
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, viewer.Send(ctx, Signal{Type: "offer"}), ErrClosed)
	require.NoError(t, host.Close())
}

func TestPipeWaitsWhenTheReceiverIsFull(t *testing.T) {
	host, viewer := Pipe()
	defer host.Close()
	defer viewer.Close()
	for range linkBuffer {
		require.NoError(t, host.Send(t.Context(), Signal{Type: "candidate"}))
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- host.Send(ctx, Signal{Type: "candidate"}) }()
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)

	// Once the receiver reads, there is room again.
	_, err := viewer.Recv(t.Context())
	require.NoError(t, err)
	require.NoError(t, host.Send(t.Context(), Signal{Type: "bye"}))
}

func TestLinkRecvHonoursContext(t *testing.T) {
	host, viewer := Pipe()
	defer host.Close()
	defer viewer.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { _, err := viewer.Recv(ctx); done <- err }()
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	require.ErrorIs(t, viewer.Send(ctx, Signal{Type: "offer"}), context.Canceled)
	require.ErrorIs(t, viewer.Send(t.Context(), Signal{}), ErrInvalidSignal)
}
