package rdp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/deskhand/deskhand/signaling"
	"github.com/pion/webrtc/v4"
)

// Signaler carries the WebRTC negotiation between one host and one viewer.
// *signaling.Link is one; signaling.Pipe gives two linked ones in-process.
type Signaler interface {
	Send(ctx context.Context, s signaling.Signal) error
	Recv(ctx context.Context) (signaling.Signal, error)
	Close() error
}

// Signal types exchanged through a Signaler.
const (
	sigOffer     = "offer"
	sigAnswer    = "answer"
	sigCandidate = "candidate"
	sigBye       = "bye"
)

// sendTimeout bounds one signaling send made from a pion callback, which has
// no context of its own.
const sendTimeout = 10 * time.Second

// negotiator runs the offer/answer/candidate exchange for one peer
// connection. ICE candidates can be produced before our description is
// sent and can arrive before the remote one is set; both are held back
// until the order is right, since pion and browsers refuse them otherwise.
type negotiator struct {
	pc  *webrtc.PeerConnection
	sig Signaler

	mu            sync.Mutex
	localSent     bool
	pendingLocal  []webrtc.ICECandidateInit
	remoteSet     bool
	pendingRemote []webrtc.ICECandidateInit
}

func newNegotiator(pc *webrtc.PeerConnection, sig Signaler) *negotiator {
	n := &negotiator{pc: pc, sig: sig}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return // gathering complete; trickle needs no end marker here
		}
		init := c.ToJSON()
		n.mu.Lock()
		if !n.localSent {
			n.pendingLocal = append(n.pendingLocal, init)
			n.mu.Unlock()
			return
		}
		n.mu.Unlock()
		n.sendCandidate(init)
	})
	return n
}

func (n *negotiator) sendCandidate(c webrtc.ICECandidateInit) {
	ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
	defer cancel()
	// A lost candidate only costs a path; the session fails later, with a
	// clear error, if no path is left.
	_ = n.sig.Send(ctx, signaling.Signal{Type: sigCandidate, Candidate: toSignalCandidate(c)})
}

// sendDescription sends our offer or answer, then any candidates gathered
// meanwhile.
func (n *negotiator) sendDescription(ctx context.Context, d webrtc.SessionDescription) error {
	if err := n.sig.Send(ctx, signaling.Signal{Type: d.Type.String(), SDP: d.SDP}); err != nil {
		return fmt.Errorf("%w: sending the %s: %w", ErrNegotiation, d.Type, err)
	}
	n.mu.Lock()
	n.localSent = true
	pending := n.pendingLocal
	n.pendingLocal = nil
	n.mu.Unlock()
	for _, c := range pending {
		n.sendCandidate(c)
	}
	return nil
}

// setRemote applies the peer's description, then any candidates that came
// before it.
func (n *negotiator) setRemote(d webrtc.SessionDescription) error {
	if err := n.pc.SetRemoteDescription(d); err != nil {
		return fmt.Errorf("%w: the peer's %s: %w", ErrNegotiation, d.Type, err)
	}
	n.mu.Lock()
	n.remoteSet = true
	pending := n.pendingRemote
	n.pendingRemote = nil
	n.mu.Unlock()
	for _, c := range pending {
		if err := n.pc.AddICECandidate(c); err != nil {
			return fmt.Errorf("%w: the peer's candidate: %w", ErrNegotiation, err)
		}
	}
	return nil
}

func (n *negotiator) addRemoteCandidate(c *signaling.Candidate) error {
	if c == nil || c.Candidate == "" {
		return nil // end of candidates
	}
	init := fromSignalCandidate(c)
	n.mu.Lock()
	if !n.remoteSet {
		if len(n.pendingRemote) >= maxPendingCandidates {
			n.mu.Unlock()
			return fmt.Errorf("%w: more than %d candidates before the description", ErrProtocol, maxPendingCandidates)
		}
		n.pendingRemote = append(n.pendingRemote, init)
		n.mu.Unlock()
		return nil
	}
	n.mu.Unlock()
	if err := n.pc.AddICECandidate(init); err != nil {
		return fmt.Errorf("%w: the peer's candidate: %w", ErrNegotiation, err)
	}
	return nil
}

// maxPendingCandidates bounds what a misbehaving peer can make us hold.
const maxPendingCandidates = 256

func toSignalCandidate(c webrtc.ICECandidateInit) *signaling.Candidate {
	return &signaling.Candidate{
		Candidate:        c.Candidate,
		SDPMid:           c.SDPMid,
		SDPMLineIndex:    c.SDPMLineIndex,
		UsernameFragment: c.UsernameFragment,
	}
}

func fromSignalCandidate(c *signaling.Candidate) webrtc.ICECandidateInit {
	return webrtc.ICECandidateInit{
		Candidate:        c.Candidate,
		SDPMid:           c.SDPMid,
		SDPMLineIndex:    c.SDPMLineIndex,
		UsernameFragment: c.UsernameFragment,
	}
}

// byeError turns a peer's goodbye into the error the caller sees.
func byeError(base error, reason string) error {
	if reason == "" {
		return base
	}
	return fmt.Errorf("%w: %s", base, reason)
}

// isContextErr reports whether err only says that our own context ended.
func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
