package signaling

import (
	"context"
	"errors"
	"sync"
)

// linkBuffer is how many received signals a Link holds for Recv. A whole negotiation is an offer,
// an answer and a few dozen candidates; a peer that gets this far ahead of Recv is broken.
const linkBuffer = 256

// Link is the negotiation channel between one host and one viewer; both sides use it. Send and
// Recv may be called from different goroutines at the same time; signals arrive in the order they
// were sent.
type Link struct {
	peer Peer
	in   chan Signal

	// send carries a validated signal to the other side.
	send func(ctx context.Context, s Signal) error
	// onClose tells the other side that this side closed; it runs once, from Close or Reject.
	onClose func()
	// onReject tells the server that the viewer's resume token is refused, instead of onClose;
	// nil where there is no token to refuse.
	onReject func(ctx context.Context) error

	endOnce   sync.Once
	done      chan struct{}
	mu        sync.Mutex
	err       error // why the link ended; set before done is closed
	closeOnce sync.Once
}

func newLink(peer Peer) *Link {
	return &Link{peer: peer, in: make(chan Signal, linkBuffer), done: make(chan struct{})}
}

// Peer says who is on the other side: on the host side the viewer, on the viewer side the host
// (Peer{ID: session ID, Name: host's name}).
func (l *Link) Peer() Peer { return l.peer }

// Send sends one signal to the other side. It returns ErrInvalidSignal for a Signal without a
// Type, ErrTooBig if it exceeds the server's limit (the Link stays usable), and once the link has
// ended the reason (ErrPeerGone, ErrServerGone, ErrClosed). If ctx ends first Send returns
// ctx.Err(), and the signal may or may not have been sent.
func (l *Link) Send(ctx context.Context, s Signal) error {
	if err := s.validate(); err != nil {
		return err
	}
	select {
	case <-l.done:
		return l.Err()
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := l.send(ctx, s)
	if errors.Is(err, ErrServerGone) {
		// The connection broke under the write. Its reader, which ends the link, knows better
		// why: often the other side left and the server closed the connection behind it.
		select {
		case <-l.done:
			return l.Err()
		case <-ctx.Done():
		}
	}
	return err
}

// Recv returns the next signal from the other side. Signals that arrived before the other side
// left are returned first; then Recv returns why the link ended: ErrPeerGone when the other side
// left, ErrServerGone (wrapping detail) when the server went away, ErrClosed after this side's
// Close. It returns ctx.Err() if ctx ends first; the Link stays usable.
func (l *Link) Recv(ctx context.Context) (Signal, error) {
	select {
	case <-l.done:
		return l.drain()
	default:
	}
	select {
	case s := <-l.in:
		return s, nil
	case <-l.done:
		return l.drain()
	case <-ctx.Done():
		return Signal{}, ctx.Err()
	}
}

func (l *Link) drain() (Signal, error) {
	err := l.Err()
	if err == ErrClosed {
		return Signal{}, err
	}
	select {
	case s := <-l.in:
		return s, nil
	default:
		return Signal{}, err
	}
}

// Done is closed when the link has ended; Err then says why.
func (l *Link) Done() <-chan struct{} { return l.done }

// Err returns nil while the link is up, then why it ended (see Recv).
func (l *Link) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Close ends the link and tells the other side, whose Recv then returns ErrPeerGone. It is
// idempotent and returns nil. For a viewer it also closes the connection to the server.
func (l *Link) Close() error {
	l.end(ErrClosed)
	l.closeOnce.Do(func() {
		if l.onClose != nil {
			l.onClose()
		}
	})
	return nil
}

// Reject is Close for a host whose viewer came with a resume token (Peer.Resume) that the host
// does not accept: the viewer's Link ends with ErrResumeRefused, and the server counts the
// refusal against the viewer's address like a wrong code, which is what bounds token guessing.
// Any signal sent before (a "bye" with a reason) reaches the viewer first. On a Link without a
// token (a viewer that came with the code, a viewer's own Link, a Pipe) it is the same as Close.
// It returns nil, or why the refusal could not be sent (ctx ended, the server went away); it does
// nothing after Close or Reject.
func (l *Link) Reject(ctx context.Context) error {
	if l.onReject == nil {
		return l.Close()
	}
	l.end(ErrClosed)
	var err error
	l.closeOnce.Do(func() { err = l.onReject(ctx) })
	return err
}

// end records why the link ended, once; it reports whether this call did it.
func (l *Link) end(err error) bool {
	ended := false
	l.endOnce.Do(func() {
		l.mu.Lock()
		l.err = err
		l.mu.Unlock()
		close(l.done)
		ended = true
	})
	return ended
}

// deliver queues a received signal without blocking (the caller reads a connection shared by
// other links); it reports false when the buffer is full.
func (l *Link) deliver(s Signal) bool {
	select {
	case <-l.done:
		return true // nobody will read it; not the sender's fault
	default:
	}
	select {
	case l.in <- s:
		return true
	default:
		return false
	}
}

// Pipe returns two connected Links without any server, for tests of code built on Link and for
// in-process embedding: what one Sends the other Recvs, in order. When the receiver's buffer
// is full, Send waits (until ctx ends). Closing one makes the other's Recv return ErrPeerGone.
func Pipe() (host, viewer *Link) {
	host = newLink(Peer{ID: "pipe-viewer", Addr: "pipe"})
	viewer = newLink(Peer{ID: "pipe-host", Addr: "pipe"})
	connect := func(from, to *Link) {
		from.send = func(ctx context.Context, s Signal) error {
			select {
			case to.in <- s.clone():
				return nil
			case <-to.done:
				return ErrPeerGone
			case <-from.done:
				return from.Err()
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		from.onClose = func() { to.end(ErrPeerGone) }
	}
	connect(host, viewer)
	connect(viewer, host)
	return host, viewer
}
