package xconn

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deskhand/deskhand/internal/xdisplay"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/jezek/xgb/xproto"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errNoDisplay = errors.New("no display")

func TestOpenSpeaksX(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 200)
	addr, err := xdisplay.Parse(srv.Display)
	require.NoError(t, err)
	c, err := Open(context.Background(), addr, srv.Display, "", errNoDisplay)
	require.NoError(t, err)
	defer c.X.Close()
	require.True(t, c.Release(), "a live context still held the connection")
	require.False(t, c.Release(), "released twice")
	setup := xproto.Setup(c.X)
	require.Equal(t, uint16(320), setup.DefaultScreen(c.X).WidthInPixels)
	_, err = xproto.GetInputFocus(c.X).Reply()
	require.NoError(t, err, "a round trip after Release")
}

func TestOpenNothingAnswers(t *testing.T) {
	addr, err := xdisplay.Parse("/nonexistent/deskhand-x11-socket:0")
	require.NoError(t, err)
	_, err = Open(context.Background(), addr, "the test display", "", errNoDisplay)
	require.ErrorIs(t, err, errNoDisplay)
	require.ErrorContains(t, err, "nothing answers at the test display")
}

func TestOpenEndedContext(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 200)
	addr, err := xdisplay.Parse(srv.Display)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Open(ctx, addr, srv.Display, "", errNoDisplay)
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, errNoDisplay)
}

// TestContextEndsSetup: until Release, the context's end closes the
// socket, so a setup stuck waiting for the server returns.
func TestContextEndsSetup(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 200)
	addr, err := xdisplay.Parse(srv.Display)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	c, err := Open(ctx, addr, srv.Display, "", errNoDisplay)
	require.NoError(t, err)
	defer c.X.Close()
	cancel()
	require.False(t, c.Release(), "the context ended first")
	// The context closes the socket on its own goroutine, soon after.
	require.Eventually(t, func() bool {
		_, err := xproto.GetInputFocus(c.X).Reply()
		return err != nil
	}, 10*time.Second, 10*time.Millisecond, "the socket must be closed")
}

// TestSetup: a setup that succeeds keeps the connection; one that fails
// closes it and returns its error; one outlived by its context returns
// the context's.
func TestSetup(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 200)
	addr, err := xdisplay.Parse(srv.Display)
	require.NoError(t, err)

	c, err := Open(context.Background(), addr, srv.Display, "", errNoDisplay)
	require.NoError(t, err)
	require.NoError(t, c.Setup(nil))
	_, err = xproto.GetInputFocus(c.X).Reply()
	require.NoError(t, err, "kept after a good setup")
	c.X.Close()

	c, err = Open(context.Background(), addr, srv.Display, "", errNoDisplay)
	require.NoError(t, err)
	bad := errors.New("no XTEST")
	require.ErrorIs(t, c.Setup(bad), bad)
	_, err = xproto.GetInputFocus(c.X).Reply()
	require.Error(t, err, "closed after a failed setup")

	ctx, cancel := context.WithCancel(context.Background())
	c, err = Open(ctx, addr, srv.Display, "", errNoDisplay)
	require.NoError(t, err)
	cancel()
	err = c.Setup(nil)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorContains(t, err, "x11: set up "+srv.Display)
}
