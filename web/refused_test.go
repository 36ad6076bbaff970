package web_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/rdp"
	"github.com/deskhand/deskhand/signaling"
	"github.com/deskhand/deskhand/web"
	"github.com/stretchr/testify/require"
)

// TestBrowserRefused: a host whose consent hook declines the viewer (as
// the help desk's prompt will) makes the page say so, with the host's
// reason, and the page does not retry by itself; the host is told of the
// refusal. The host runs in this process over a synthetic screen: the
// refusal happens before any picture.
func TestBrowserRefused(t *testing.T) {
	chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	defer cancel()

	d := &desk{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	d.addr = ln.Addr().String()
	d.startSignaling(t, ln)
	t.Cleanup(d.stopSignaling)

	src, err := capture.NewSynthetic(capture.WithSize(640, 480))
	require.NoError(t, err)
	defer src.Close()
	asked := make(chan signaling.Peer, 4)
	refusals := make(chan error, 4)
	host, err := rdp.NewHost(src, nil,
		rdp.WithLoopbackOnly(true),
		rdp.WithAccept(func(_ context.Context, p signaling.Peer) (rdp.Grant, error) {
			asked <- p
			return rdp.Grant{}, errors.New("declined by the user")
		}),
		rdp.WithEvents(func(e rdp.Event) {
			if e.Kind == rdp.EventViewerRefused {
				refusals <- e.Err
			}
		}))
	require.NoError(t, err)
	defer host.Close()
	creds := make(chan signaling.Credentials, 4)
	hc, err := signaling.Register(ctx, "ws://"+d.addr+web.DefaultSignalingPath,
		signaling.OnCredentials(func(c signaling.Credentials) { creds <- c }))
	require.NoError(t, err)
	defer hc.Close()
	served := make(chan error, 1)
	sctx, stopServing := context.WithCancel(ctx)
	go func() { served <- host.Serve(sctx, hc) }()
	defer func() { stopServing(); <-served }()

	var c signaling.Credentials
	select {
	case c = <-creds:
	case <-ctx.Done():
		t.Fatal("the host got no credentials from the signaling server")
	}
	bctx := browser(t, ctx)
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate("http://"+d.addr+"/?id="+c.ID+"&code="+c.Code)))

	msg := formMessage(t, bctx)
	t.Logf("the page says: %s", msg.Text)
	require.Equal(t, "refused", msg.Kind, "message: %s", msg.Text)
	text := msg.Text
	require.Contains(t, text, "refused the session")
	require.Contains(t, text, "declined by the user", "the host's reason reaches the technician")
	select {
	case p := <-asked:
		t.Logf("the host was asked about viewer %q from %s", p.Name, p.Addr)
	case <-ctx.Done():
		t.Fatal("the host's consent hook was never asked")
	}
	select {
	case err := <-refusals:
		require.ErrorContains(t, err, "declined by the user")
	case <-ctx.Done():
		t.Fatal("the host was not told of the refusal")
	}
	s, err := stats(bctx)
	require.NoError(t, err)
	require.False(t, s.Connected, "a refused page is not connected: %+v", s)
	require.Zero(t, s.Frames, "a refused page shows no picture")
	require.Len(t, asked, 0, "the page asked again after a refusal: it must wait for the technician")
}
