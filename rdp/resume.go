package rdp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/deskhand/deskhand/signaling"
	"github.com/pion/webrtc/v4"
)

// Resuming: the host gives each viewer, in its hello, a token and a key.
// When the session is lost to the network (not ended by either side), the
// host keeps the viewer's place — its rights, not its screen — for the
// resume window. A viewer comes back through signaling with the token
// instead of a code; the token only names the place (signaling servers
// and whoever holds the session ID see it). Once the new connection is up,
// the viewer checks that the host's DTLS certificate is the one of the
// first session (a host keeps one certificate for all its sessions) and
// sends the key over the encrypted channel; only then does the host say
// hello, with the same rights, without the accept hook asking again, and
// with a fresh token and key.

// maxSuspended bounds the sessions kept for resuming.
const maxSuspended = 256

type suspended struct {
	grant Grant
	key   string
	name  string
	until time.Time
}

func newResumeToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// suspend keeps a lost session's place for the resume window.
func (h *Host) suspend(token, key string, grant Grant, p signaling.Peer) {
	if token == "" || h.o.resumeWindow <= 0 || h.ctx.Err() != nil {
		return
	}
	now := time.Now()
	h.suspMu.Lock()
	defer h.suspMu.Unlock()
	for t, s := range h.suspended {
		if now.After(s.until) {
			delete(h.suspended, t)
		}
	}
	if len(h.suspended) >= maxSuspended {
		return
	}
	if h.suspended == nil {
		h.suspended = make(map[string]suspended)
	}
	h.suspended[token] = suspended{grant: grant, key: key, name: p.Name, until: now.Add(h.o.resumeWindow)}
}

// resume takes a suspended session's place: once, and only in time. A
// viewer can notice a drop (and come back) before the host does: a live
// session with that token is then ended and its place taken at once.
func (h *Host) resume(token string) (grant Grant, key string, ok bool) {
	h.suspMu.Lock()
	s, ok := h.suspended[token]
	delete(h.suspended, token)
	h.suspMu.Unlock()
	if ok && !time.Now().After(s.until) {
		return s.grant, s.key, true
	}
	h.mu.Lock()
	var live *hostSession
	for hs := range h.sessions {
		if hs.token == token && hs.resumable.CompareAndSwap(true, false) {
			live = hs
		}
	}
	h.mu.Unlock()
	if live == nil {
		return Grant{}, "", false
	}
	live.end(fmt.Errorf("%w: the viewer came back on a new connection", ErrConnectionLost))
	return live.grant, live.resumeKey, true
}

// certFingerprint is the SHA-256 of a peer connection's remote DTLS
// certificate. Where the platform does not give the certificate (Firefox
// has no getRemoteCertificates), it is the SHA-256 fingerprint the remote
// description announced: DTLS refuses a certificate that does not match
// it, so it names the same certificate. nil when neither is known.
func certFingerprint(pc *webrtc.PeerConnection) []byte {
	if sctp := pc.SCTP(); sctp != nil && sctp.Transport() != nil {
		if der := sctp.Transport().GetRemoteCertificate(); len(der) > 0 {
			sum := sha256.Sum256(der)
			return sum[:]
		}
	}
	if rd := pc.RemoteDescription(); rd != nil {
		return sdpFingerprint(rd.SDP)
	}
	return nil
}

// sdpFingerprint returns the first SHA-256 certificate fingerprint
// (a=fingerprint:sha-256 AB:CD:...) of an SDP, or nil.
func sdpFingerprint(sdp string) []byte {
	for line := range strings.Lines(sdp) {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=fingerprint:")
		if !ok {
			continue
		}
		alg, fp, ok := strings.Cut(v, " ")
		if !ok || !strings.EqualFold(alg, "sha-256") {
			continue
		}
		if b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(fp), ":", "")); err == nil && len(b) == sha256.Size {
			return b
		}
	}
	return nil
}
