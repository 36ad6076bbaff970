//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"io"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xproto"
)

// maxQueuedEvents bounds the events held for the source's methods while
// none of them runs. Beyond it events are dropped and the source assumes
// the worst of them (see drainEvents): a caller that never calls Changed,
// Next or Cursor cannot make the queue grow without bound.
const maxQueuedEvents = 4096

// eventPump is the one reader of the connection's event queue: a goroutine
// that blocks in WaitForEvent, so that a caller can sleep until the server
// reports drawing (ChangeReady) rather than poll for it.
//
// It only moves events into queue, in the order the server sent them;
// drainEvents, under Source.mu, reads them from there as it read them from
// xgb before, so the source's state keeps its one lock. What the pump
// cannot do alone is tell the source's methods that every event sent
// before some request has been queued: a reply arrives on its own path,
// and an event may be between WaitForEvent and the queue when it does.
// Markers do that. sendMarker sends the server a ClientMessage for the
// source's own window, which the server sends back in the event stream
// after every event it sent before; once the pump has seen it, every one of
// those is in the queue (see awaitMarker and damageTracker.arm).
type eventPump struct {
	win   xproto.Window // the marker window, 0 without damage tracking
	ready chan struct{} // Source.ChangeReady
	marks chan struct{} // a marker arrived, or failed
	done  chan struct{} // closed when the pump has ended

	// recheck signals ready when WithRecheck's interval has passed since
	// the last frame, the one reason Changed turns true without an event.
	recheck *time.Timer

	mu       sync.Mutex
	queue    []xgb.Event
	spare    []xgb.Event
	overflow bool   // events were dropped since the last drain
	sent     uint32 // the number of the last marker sent
	sentSeq  uint16 // its request's sequence number
	seen     uint32 // the last marker the pump has seen (or seen fail)
	failed   bool   // that marker came back as an X error
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// startEvents starts the pump once setup is done: what it reads about the
// source (the watch damage, the root window, RandR) no longer changes.
// Events sent during setup wait in xgb's queue until then.
func (s *Source) startEvents() {
	p := &s.ev
	p.ready = make(chan struct{}, 1)
	p.marks = make(chan struct{}, 1)
	p.done = make(chan struct{})
	p.recheck = time.AfterFunc(time.Hour, func() { signal(p.ready) })
	p.recheck.Stop()
	go s.pump()
}

// pump runs until the connection ends (xgb closes its event queue then).
func (s *Source) pump() {
	p := &s.ev
	defer close(p.done)
	for {
		ev, xerr := s.conn.WaitForEvent()
		if ev == nil && xerr == nil {
			return
		}
		if xerr != nil {
			p.mu.Lock()
			// Only a window destroyed by another client fails a marker;
			// the waiting Next must not wait for good.
			if p.sent != p.seen && xerr.SequenceId() == p.sentSeq {
				p.seen, p.failed = p.sent, true
				signal(p.marks)
			}
			p.mu.Unlock()
			s.log.Debug("x11: asynchronous X error", "err", xerr)
			continue
		}
		if m, ok := ev.(xproto.ClientMessageEvent); ok && p.win != 0 && m.Window == p.win && m.Format == 32 {
			p.mu.Lock()
			p.seen, p.failed = m.Data.Data32[0], false
			p.mu.Unlock()
			signal(p.marks)
			continue
		}
		wake := false
		switch e := ev.(type) {
		case damage.NotifyEvent:
			wake = s.dmg != nil && e.Damage == s.dmg.watch
		case xproto.ConfigureNotifyEvent:
			wake = e.Window == s.root
		default:
			wake = s.isRandrEvent(ev)
		}
		p.mu.Lock()
		if len(p.queue) < maxQueuedEvents {
			p.queue = append(p.queue, ev)
		} else {
			p.overflow, wake = true, true
		}
		p.mu.Unlock()
		// After the event is queued: a Changed that did not see it is
		// followed by this signal.
		if wake {
			signal(p.ready)
		}
	}
}

// takeEvents hands the queued events to drainEvents, which gives the slice
// back with giveEvents once read.
func (p *eventPump) takeEvents() (evs []xgb.Event, overflow bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	evs, overflow = p.queue, p.overflow
	p.queue, p.spare, p.overflow = p.spare, nil, false
	return evs, overflow
}

func (p *eventPump) giveEvents(evs []xgb.Event) {
	clear(evs) // drop the references until reused
	p.mu.Lock()
	p.spare = evs[:0]
	p.mu.Unlock()
}

// createMarkerWindow makes the window markers are sent to: a 1x1 InputOnly
// window, never mapped, so it draws nothing and no one sees it.
func (s *Source) createMarkerWindow() error {
	win, err := xproto.NewWindowId(s.conn)
	if err != nil {
		return err
	}
	err = xproto.CreateWindowChecked(s.conn, 0, win, s.root, -1, -1, 1, 1, 0,
		xproto.WindowClassInputOnly, 0, 0, nil).Check()
	if err != nil {
		return err
	}
	s.ev.win = win
	return nil
}

// sendMarker asks the server to send a marker back after every event it has
// sent so far, and returns its number for awaitMarker. Sent with no event
// mask, a ClientMessage goes to the window's creator alone.
func (s *Source) sendMarker() uint32 {
	p := &s.ev
	// Held across the request, so an error for it cannot be read before its
	// sequence number is known.
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent++
	ev := xproto.ClientMessageEvent{Format: 32, Window: p.win,
		Data: xproto.ClientMessageDataUnionData32New([]uint32{p.sent, 0, 0, 0, 0})}
	p.sentSeq = xproto.SendEvent(s.conn, false, p.win, 0, string(ev.Bytes())).Sequence
	return p.sent
}

// awaitMarker waits until the pump has seen marker n, and so queued every
// event the server sent before it. It reports false when the marker failed
// or the connection ended first.
//
// It needs no context: the caller has a reply to a request sent after the
// marker, so the marker is already in xgb's queue (xgb queues each event
// before reading what follows it), and the pump takes it at once.
func (s *Source) awaitMarker(n uint32) bool {
	p := &s.ev
	for {
		p.mu.Lock()
		reached, failed := int32(p.seen-n) >= 0, p.failed
		p.mu.Unlock()
		if reached {
			return !failed
		}
		select {
		case <-p.marks:
		case <-p.done:
			return false
		}
	}
}

// doneErr returns an error once the pump has ended: the connection is gone.
func (p *eventPump) doneErr() error {
	select {
	case <-p.done:
		return io.ErrUnexpectedEOF
	default:
		return nil
	}
}

// ChangeReady implements capture.ChangeNotifier: its channel receives a
// value when the server reports drawing on the root window, a screen
// reconfiguration, or a change of monitors, and when the recheck interval
// (WithRecheck) has passed since the last frame; see Changed. Drawing is
// signalled as the notification arrives, so a caller waiting on the
// channel captures it with no added delay.
//
// Spurious values: a drawing made while a frame was being captured may
// signal though the frame already shows it (Changed then reports false).
// Without damage tracking Changed always reports true, and nothing is sent.
func (s *Source) ChangeReady() <-chan struct{} {
	return s.ev.ready
}
