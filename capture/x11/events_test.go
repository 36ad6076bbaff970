//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"context"
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/capture/internal/xdraw"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xproto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncEvents returns once the pump has queued every event the server sent
// before this call: a marker round trip through the event stream.
func syncEvents(t testing.TB, s *Source) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.NotNil(t, s.dmg, "markers need damage tracking")
	require.True(t, s.awaitMarker(s.sendMarker()), "the marker did not come back")
}

// received reports whether c holds a value, taking it.
func received(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// awaitReady waits for a value on c, failing after a generous deadline
// (a bound on a hang, not a timing assertion).
func awaitReady(t testing.TB, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(20 * time.Second):
		t.Fatalf("gave up waiting: %s", what)
	}
}

// TestChangeReadyDrawing follows the loop a host runs with a notifier:
// Changed, then sleep on ChangeReady until another client draws.
func TestChangeReadyDrawing(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 240)
	p := xdraw.New(t, srv.Display)
	s := open(t, srv.Display, WithRecheck(0))
	var n capture.ChangeNotifier = s
	ready := n.ChangeReady()
	require.Equal(t, ready, n.ChangeReady(), "one channel for the source's life")

	for i, r := range []image.Rectangle{image.Rect(10, 10, 20, 20), image.Rect(300, 200, 320, 240)} {
		want := color.RGBA{uint8(40 * i), 200, 100, 255}
		next(t, s)
		syncEvents(t, s)
		received(ready) // a value from before the frame may remain
		require.False(t, changedNow(t, s), "step %d: nothing drawn since the frame", i)

		p.Fill(t, r, want)
		p.Sync(t)
		awaitReady(t, ready, "a signal for the drawing")
		// The value is sent after the notification is queued: Changed
		// sees it at once.
		assert.True(t, changedNow(t, s), "step %d: signalled but Changed says still", i)
		f := next(t, s)
		assert.Equal(t, want, f.At(r.Min.X, r.Min.Y))
	}
}

// TestChangeReadyStill: with nothing drawn, the channel stays empty, even
// while the pointer moves and the source is asked about it.
func TestChangeReadyStill(t *testing.T) {
	srv := xvfb.ForTest(t, 320, 240)
	s := open(t, srv.Display, WithRecheck(0))
	ready := s.ChangeReady()
	next(t, s)
	syncEvents(t, s)
	received(ready)
	require.False(t, changedNow(t, s))

	moveTo(t, srv, 30, 40)
	waitFor(t, "the pointer to reach (30,40)", func() bool { c := cursorNow(t, s); return c.X == 30 && c.Y == 40 })
	for range 20 {
		cursorNow(t, s)
		_, err := s.Changed(context.Background())
		require.NoError(t, err)
		time.Sleep(10 * time.Millisecond)
	}
	syncEvents(t, s)
	// Nothing was drawn, so any value would be spurious: not a timing
	// assertion, there is nothing to wait for.
	assert.False(t, received(ready), "signalled with nothing drawn")
	assert.False(t, changedNow(t, s))
}

// TestChangeReadyRecheck: the safety net, which turns Changed true with no
// event, signals too.
func TestChangeReadyRecheck(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	s := open(t, srv.Display, WithRecheck(100*time.Millisecond))
	ready := s.ChangeReady()
	for range 3 {
		next(t, s)
		syncEvents(t, s)
		received(ready)
		awaitReady(t, ready, "the recheck interval")
		assert.True(t, changedNow(t, s), "signalled for the recheck, yet Changed says still")
	}
}

// TestMarkerWindowDestroyed: another client can destroy any window; the
// source must then neither hang nor miss drawing.
func TestMarkerWindowDestroyed(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	p := xdraw.New(t, srv.Display)
	s := open(t, srv.Display, WithRecheck(0))
	next(t, s)
	require.NoError(t, xproto.DestroyWindowChecked(p.Conn, s.ev.win).Check())
	for range 3 {
		next(t, s)
		assert.True(t, changedNow(t, s), "without markers a still screen cannot be told")
	}
	assert.True(t, s.noMarks)
}

// TestEventsOverflow: events dropped for want of room count as every kind
// of change.
func TestEventsOverflow(t *testing.T) {
	s := &Source{dmg: &damageTracker{watch: 5}, cur: &cursorTracker{}}
	s.ev.overflow = true
	s.drainEvents()
	assert.True(t, s.dirty)
	assert.True(t, s.changed)
	assert.True(t, s.cur.stale)
	assert.False(t, s.ev.overflow)

	// The queue keeps its order and its buffers.
	s = &Source{dmg: &damageTracker{watch: 5}, watchFenced: true}
	s.ev.queue = append(s.ev.queue, damage.NotifyEvent{Damage: 4}, damage.NotifyEvent{Damage: 5})
	s.drainEvents()
	assert.True(t, s.changed)
	assert.False(t, s.dirty)
	assert.Empty(t, s.ev.queue)
	assert.NotNil(t, s.ev.spare)
}

// TestClosedSourceEndsPump: Close returns only once the pump has ended
// (goleak checks the rest of the goroutines).
func TestClosedSourceEndsPump(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	s := open(t, srv.Display)
	next(t, s)
	require.NoError(t, s.Close())
	select {
	case <-s.ev.done:
	default:
		t.Fatal("Close returned with the pump running")
	}
	_, err := s.Changed(context.Background())
	assert.ErrorIs(t, err, capture.ErrClosed)
}
