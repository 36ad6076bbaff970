package rdp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deskhand/deskhand/clipboard"
	"github.com/deskhand/deskhand/signaling"
	"github.com/pion/webrtc/v4"
)

// The clipboard channel carries clipboard text both ways, cut into
// fragments like the screen: a flag byte (bit 0: the last fragment of a
// text), then the next piece of UTF-8. Each side refuses texts over its
// limit (WithClipboard, default 1 MiB) without ending the session.
const (
	labelClipboard       = "clipboard"
	clipFinal            = 1
	defaultClipboardSize = 1 << 20
	clipWait             = 5 * time.Second // bound on reading or writing the system clipboard
)

// ClipboardPolicy says which way clipboard text may go between a host and
// its viewers.
type ClipboardPolicy struct {
	// ToViewers sends the host's clipboard text to viewers whenever another
	// program on the host changes it.
	ToViewers bool
	// FromViewers lets viewers with control set the host's clipboard.
	// View-only viewers never can.
	FromViewers bool
	// MaxBytes bounds a text either way; longer ones are refused (the
	// viewer is told). Default (0) 1 MiB; range 1 byte..64 MiB.
	MaxBytes int
}

// sendClip sends text on dc in fragments.
func sendClip(dc *webrtc.DataChannel, text string) error {
	b := []byte(text)
	for {
		n := min(len(b), MaxMessageSize-1)
		flag := byte(0)
		if n == len(b) {
			flag = clipFinal
		}
		msg := make([]byte, 0, n+1)
		msg = append(append(msg, flag), b[:n]...)
		if err := dc.Send(msg); err != nil {
			return err
		}
		b = b[n:]
		if flag == clipFinal {
			return nil
		}
	}
}

// clipAssembler rebuilds clipboard texts. A text over the limit is
// dropped whole, and reported once its last fragment is in.
type clipAssembler struct {
	buf     []byte
	limit   int
	tooLong bool
}

func (a *clipAssembler) add(frag []byte) (text string, done bool, err error) {
	if len(frag) == 0 || frag[0]&^clipFinal != 0 {
		return "", false, fmt.Errorf("%w: malformed clipboard fragment", ErrProtocol)
	}
	if !a.tooLong {
		if len(a.buf)+len(frag)-1 > a.limit {
			a.tooLong, a.buf = true, nil
		} else {
			a.buf = append(a.buf, frag[1:]...)
		}
	}
	if frag[0] != clipFinal {
		return "", false, nil
	}
	defer func() { a.buf, a.tooLong = nil, false }()
	if a.tooLong {
		return "", true, fmt.Errorf("%w: more than %d bytes", ErrClipboardRefused, a.limit)
	}
	text = string(a.buf)
	if err := clipboard.Valid(text, a.limit); err != nil {
		return "", true, fmt.Errorf("%w: %w", ErrClipboardRefused, err)
	}
	return text, true, nil
}

// watchClipboard sends the host's clipboard text to every viewer each
// time another program changes it, until the host closes.
func (h *Host) watchClipboard() {
	defer close(h.clipDone)
	cb, pol := h.o.clipboard, h.o.clipPolicy
	for {
		select {
		case <-h.ctx.Done():
			return
		case _, ok := <-cb.Changes():
			if !ok {
				h.o.logger.Warn("the host's clipboard went away; clipboard sharing stops")
				return
			}
		}
		ctx, cancel := context.WithTimeout(h.ctx, clipWait)
		text, err := cb.ReadText(ctx, pol.MaxBytes)
		cancel()
		switch {
		case errors.Is(err, clipboard.ErrTooLarge):
			h.o.logger.Info("clipboard text too large to share", "limit", pol.MaxBytes)
			continue
		case err != nil:
			h.o.logger.Warn("cannot read the clipboard", "err", err)
			continue
		case text == "":
			continue
		}
		for _, s := range h.snapshot(nil) {
			s.sendClipboard(text)
		}
	}
}

func (s *hostSession) sendClipboard(text string) {
	if !s.helloSent.Load() || s.clip == nil {
		return
	}
	if err := sendClip(s.clip, text); err != nil {
		s.h.o.logger.Debug("clipboard not sent", "peer", s.peer.ID, "err", err)
		return
	}
	s.h.emitClipboard(EventClipboardToViewer, s.peer, len(text))
}

// onClipboard takes a fragment of text from the viewer.
func (s *hostSession) onClipboard(b []byte) {
	text, done, err := s.clipIn.add(b)
	if errors.Is(err, ErrProtocol) {
		s.end(err)
		return
	}
	if !done {
		return
	}
	pol := s.h.o.clipPolicy
	refuse := func(reason string) {
		_ = s.control.Send(control{Type: ctlClipboardRefused, Reason: reason}.marshal())
	}
	switch {
	case err != nil:
		refuse(err.Error())
	case s.h.o.clipboard == nil || !pol.FromViewers:
		refuse("the host does not accept clipboard text")
	case s.grant.ViewOnly:
		refuse("view-only session")
	default:
		ctx, cancel := context.WithTimeout(s.h.ctx, clipWait)
		err := s.h.o.clipboard.WriteText(ctx, text)
		cancel()
		if err != nil {
			s.h.o.logger.Warn("cannot set the clipboard", "err", err)
			refuse("the host could not set its clipboard")
			return
		}
		_ = s.control.Send(control{Type: ctlClipboardTaken}.marshal())
		s.h.emitClipboard(EventClipboardFromViewer, s.peer, len(text))
	}
}

func (h *Host) emitClipboard(kind EventKind, p signaling.Peer, n int) {
	if h.o.events != nil {
		h.o.events(Event{Kind: kind, Time: time.Now(), Peer: p, Bytes: n})
	}
}
