package xwindow

import (
	"testing"

	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRecordsAClick: a button pressed over the window reaches Next, at
// the window's coordinates.
func TestRecordsAClick(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 200)
	w := Open(t, srv.Display, 10, 20, 100, 50)
	require.NoError(t, xtest.Init(w.Conn))
	root := xproto.Setup(w.Conn).DefaultScreen(w.Conn).Root
	require.NoError(t, xtest.FakeInputChecked(w.Conn, xproto.MotionNotify, 0, 0, root, 30, 40, 0).Check())
	require.NoError(t, xtest.FakeInputChecked(w.Conn, xproto.ButtonPress, 1, 0, root, 0, 0, 0).Check())
	require.NoError(t, xtest.FakeInputChecked(w.Conn, xproto.ButtonRelease, 1, 0, root, 0, 0, 0).Check())
	ev, ok := w.Next(t).(xproto.ButtonPressEvent)
	require.True(t, ok)
	require.Equal(t, xproto.Button(1), ev.Detail)
	require.Equal(t, [2]int16{20, 20}, [2]int16{ev.EventX, ev.EventY})
	_, ok = w.Next(t).(xproto.ButtonReleaseEvent)
	require.True(t, ok)
	require.NotEmpty(t, w.Keymap(t))
}
