//go:build !js

package signaling

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// outBuffer is how many messages may wait for one connection's writer: a whole negotiation (an
// offer, an answer and a few dozen candidates) fits, so relaying is not slowed by a burst.
const outBuffer = 256

// Server is the signaling server: an http.Handler serving the WebSocket endpoint at whatever path
// it is mounted. It keeps all state in memory: after a restart hosts register again, and get their
// session IDs back with their secrets (see PROTOCOL.md, "Reclaiming a session ID").
type Server struct {
	o   options
	log *slog.Logger

	mu      sync.Mutex
	closed  bool
	conns   map[*serverConn]struct{}
	hosts   map[string]*hostState
	viewers int
	addrs   *addrLimiter

	// reserved keeps the IDs of hosts that left, for WithReclaimWindow, so that only the host that
	// had one (it knows the secret) gets it back.
	reserved  map[string]reservation
	lastSweep time.Time

	wg sync.WaitGroup // ServeHTTP calls in progress
}

// ServerStats is a snapshot of a Server's load.
type ServerStats struct {
	Hosts             int // registered hosts
	Viewers           int // viewers joined to a host
	Connections       int // WebSocket connections, including ones not yet registered or joined
	AddrsWithFailures int // remote addresses with failed joins inside the rate-limit window
}

// hostState is one registered host. All fields are guarded by Server.mu.
type hostState struct {
	id      string
	secret  string // reclaims the ID; never logged
	name    string
	conn    *serverConn
	gone    bool
	code    string
	expires time.Time
	codeGen uint64
	timer   *time.Timer
	retired []string // recently used or expired codes, newest last

	failures    int // wrong codes since the last success or lockout
	lockouts    int // lockouts since the last success
	lockedUntil time.Time

	viewers  map[string]*viewerState
	nextPeer uint64
}

// reservation is a left host's ID, kept for its secret until until.
type reservation struct {
	secret string
	until  time.Time
}

// retiredCodes is how many used or expired codes a host remembers, to answer ErrExpired rather
// than ErrBadCode for them: an hour and more of expiries at the default TTL.
const retiredCodes = 8

type viewerState struct {
	peer   string
	host   *hostState
	conn   *serverConn
	gone   bool
	resume string // the token of a resume join; empty for a code join
}

// NewServer returns a Server configured by opts.
func NewServer(opts ...Option) (*Server, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	return &Server{
		o:        o,
		log:      o.log,
		conns:    make(map[*serverConn]struct{}),
		hosts:    make(map[string]*hostState),
		addrs:    newAddrLimiter(o.maxFailuresAddr, o.addrWindow),
		reserved: make(map[string]reservation),
	}, nil
}

// ServeHTTP upgrades the request to a WebSocket and serves one host or viewer on it until either
// side closes. After Close it answers 503.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "signaling server is shutting down", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.o.origins})
	if err != nil {
		s.log.Debug("signaling: refused a connection", "remote", r.RemoteAddr, "err", err)
		return // Accept has written the HTTP error
	}
	ws.SetReadLimit(int64(s.o.maxMessage))
	shown, key := clientAddr(r, s.o.trustForwarded)
	c := &serverConn{
		srv:   s,
		ws:    ws,
		addr:  shown,
		key:   key,
		out:   make(chan outFrame, outBuffer),
		kill:  make(chan struct{}),
		ended: make(chan struct{}),

		writerDone: make(chan struct{}),
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close(websocket.StatusGoingAway, codeServerClosed)
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()

	c.run()

	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Close ends every connection (clients get ErrServerGone) and waits for them to finish; later
// requests get HTTP 503. It is idempotent and returns nil. It must not be called from a
// handler of this Server.
func (s *Server) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		for c := range s.conns {
			c.abort(websocket.StatusGoingAway, codeServerClosed)
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// Stats returns the current load.
func (s *Server) Stats() ServerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ServerStats{Hosts: len(s.hosts), Viewers: s.viewers, Connections: len(s.conns), AddrsWithFailures: s.addrs.size()}
}

// serverConn is one client's WebSocket. The handler goroutine reads; a writer goroutine writes
// from out so that relaying to a slow client never blocks the sender's reads; a third pings.
type serverConn struct {
	srv  *Server
	ws   *websocket.Conn
	addr string // shown to the host as Peer.Addr
	key  string // rate-limit key

	out        chan outFrame
	kill       chan struct{}
	killOnce   sync.Once
	killCode   websocket.StatusCode
	killWhy    string
	ended      chan struct{} // closed when reading has ended
	writerDone chan struct{} // closed when the writer has returned

	// Role, guarded by srv.mu: at most one is set, by the first message.
	host   *hostState
	viewer *viewerState
}

// outFrame is a message to write, or (data == nil) a close frame after the messages before it.
type outFrame struct {
	data   []byte
	code   websocket.StatusCode
	reason string
}

func (c *serverConn) run() {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); defer close(c.writerDone); c.writeLoop() }()
	go func() { defer wg.Done(); c.pingLoop() }()

	c.readLoop()

	c.srv.drop(c)
	// After whatever is queued (such as an error message), so that the client learns why.
	c.closeAfter(websocket.StatusNormalClosure, "")
	close(c.ended)
	wg.Wait()
}

func (c *serverConn) readLoop() {
	hello := time.AfterFunc(c.srv.o.handshakeTimeout, func() {
		c.fail(&wireError{code: codeTimeout, message: "send register or join right after connecting"})
	})
	defer hello.Stop()
	for {
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			if errors.Is(err, websocket.ErrMessageTooBig) {
				c.srv.log.Info("signaling: closed a connection that sent a message over the limit", "remote", c.addr, "limit", c.srv.o.maxMessage)
			} else {
				c.srv.log.Debug("signaling: connection ended", "remote", c.addr, "err", err)
			}
			return
		}
		if typ != websocket.MessageText {
			c.fail(badMessage("send JSON in text frames"))
			return
		}
		m, werr := parseClientMessage(data, c.srv.o.maxMessage)
		if werr != nil {
			c.srv.log.Info("signaling: refused a message", "remote", c.addr, "err", werr)
			c.fail(werr)
			return
		}
		hello.Stop()
		if !c.srv.handle(c, m) {
			return
		}
	}
}

func (c *serverConn) writeLoop() {
	for {
		select {
		case <-c.kill:
			_ = c.ws.Close(c.killCode, c.killWhy)
			return
		case f := <-c.out:
			if f.data == nil {
				_ = c.ws.Close(f.code, f.reason)
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), c.srv.o.writeTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, f.data)
			cancel()
			if err != nil {
				_ = c.ws.CloseNow()
				return
			}
		}
	}
}

func (c *serverConn) pingLoop() {
	d := c.srv.o.pingInterval
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), d)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil {
				c.srv.log.Info("signaling: dropping a connection that did not answer a ping", "remote", c.addr, "err", err)
				_ = c.ws.CloseNow()
				return
			}
		case <-c.ended:
			return
		case <-c.kill:
			return
		}
	}
}

// send queues a message without blocking (the caller may hold Server.mu); a client whose queue
// is full is dropped.
func (c *serverConn) send(m serverMessage) {
	if data, ok := c.encode(m); ok {
		c.queue(outFrame{data: data})
	}
}

// relay queues a message from the other side of a link, waiting while c's queue is full: the
// sender's reads pause, which pushes back through TCP on a sender faster than c reads. If c does
// not make room within the write timeout it is dropped, so that it holds up the sender (and, for
// a host, its other viewers) only that long. The caller must not hold Server.mu.
func (c *serverConn) relay(m serverMessage) {
	data, ok := c.encode(m)
	if !ok {
		return
	}
	f := outFrame{data: data}
	select {
	case c.out <- f:
		return
	default:
	}
	t := time.NewTimer(c.srv.o.writeTimeout)
	defer t.Stop()
	select {
	case c.out <- f:
	case <-c.writerDone:
	case <-t.C:
		c.srv.log.Warn("signaling: dropping a client that does not read its messages", "remote", c.addr)
		c.abort(websocket.StatusPolicyViolation, codeSlow)
	}
}

func (c *serverConn) encode(m serverMessage) ([]byte, bool) {
	m.V = ProtocolVersion
	data, err := encodeJSON(m)
	if err != nil { // cannot happen with these field types; never send half a message
		c.srv.log.Error("signaling: encoding a message", "type", m.Type, "err", err)
		c.abort(websocket.StatusInternalError, "internal")
		return nil, false
	}
	return data, true
}

func (c *serverConn) queue(f outFrame) {
	select {
	case c.out <- f:
	default:
		c.srv.log.Warn("signaling: dropping a client that does not read its messages", "remote", c.addr)
		c.abort(websocket.StatusPolicyViolation, codeSlow)
	}
}

// closeAfter queues a close frame after the messages already queued.
func (c *serverConn) closeAfter(code websocket.StatusCode, reason string) {
	c.queue(outFrame{code: code, reason: reason})
}

// fail sends an error message and then closes the connection.
func (c *serverConn) fail(e *wireError) {
	m := serverMessage{Type: msgError, Error: e.code, Message: e.message}
	if e.retryAfter > 0 {
		m.RetryAfter = (e.retryAfter + time.Millisecond - 1).Milliseconds() // round up: early retries fail
	}
	c.send(m)
	code := websocket.StatusPolicyViolation
	switch e.code {
	case codeVersion, codeBadMessage:
		code = websocket.StatusProtocolError
	case codeTooBig:
		code = websocket.StatusMessageTooBig
	}
	c.closeAfter(code, e.code)
}

// abort closes the connection now, dropping queued messages.
func (c *serverConn) abort(code websocket.StatusCode, reason string) {
	c.killOnce.Do(func() {
		c.killCode, c.killWhy = code, reason
		close(c.kill)
	})
}

// handle acts on one parsed message; it returns false when the connection must stop reading.
func (s *Server) handle(c *serverConn, m clientMessage) bool {
	s.mu.Lock()
	host, viewer := c.host, c.viewer
	s.mu.Unlock()
	switch {
	case host != nil:
		return s.handleHost(c, host, m)
	case viewer != nil:
		return s.handleViewer(c, viewer, m)
	case m.Type == msgRegister:
		return s.register(c, m)
	case m.Type == msgJoin:
		return s.join(c, m)
	default:
		c.fail(badMessage("the first message must be register or join, not %q", m.Type))
		return false
	}
}

func (s *Server) handleHost(c *serverConn, h *hostState, m clientMessage) bool {
	switch m.Type {
	case msgSignal:
		if m.Peer == "" {
			c.fail(badMessage("a host's signal needs the \"peer\" it is for"))
			return false
		}
		s.mu.Lock()
		var to *serverConn
		if v := h.viewers[m.Peer]; v != nil {
			to = v.conn
		} // else the viewer has just left; the host gets or has got peer_gone
		s.mu.Unlock()
		if to != nil {
			to.relay(serverMessage{Type: msgSignal, Signal: m.Signal})
		}
		return true
	case msgLeave:
		s.mu.Lock()
		if v := h.viewers[m.Peer]; v != nil {
			s.removeViewer(v, false)
			v.conn.send(serverMessage{Type: msgPeerGone})
			v.conn.closeAfter(websocket.StatusNormalClosure, codePeerGone)
		}
		s.mu.Unlock()
		return true
	case msgReject:
		s.mu.Lock()
		if v := h.viewers[m.Peer]; v != nil {
			s.removeViewer(v, false)
			if v.resume != "" {
				// The host knows the token is wrong, the server cannot: counting it here is what
				// bounds token guessing by the per-address limit.
				s.addrs.fail(v.conn.key, time.Now())
				s.log.Info("signaling: host refused a resume token", "id", h.id, "peer", v.peer, "remote", v.conn.addr)
				v.conn.fail(&wireError{code: codeResumeFailed, message: "the host did not accept this resume token; join with the current code"})
			} else { // a viewer that came with the code was not guessing: a plain leave
				v.conn.send(serverMessage{Type: msgPeerGone})
				v.conn.closeAfter(websocket.StatusNormalClosure, codePeerGone)
			}
		}
		s.mu.Unlock()
		return true
	default:
		c.fail(badMessage("a registered host may send signal, leave or reject, not %q", m.Type))
		return false
	}
}

func (s *Server) handleViewer(c *serverConn, v *viewerState, m clientMessage) bool {
	switch m.Type {
	case msgSignal:
		s.mu.Lock()
		var to *serverConn
		if !v.gone {
			to = v.host.conn
		}
		s.mu.Unlock()
		if to != nil {
			to.relay(serverMessage{Type: msgSignal, Peer: v.peer, Signal: m.Signal})
		}
		return true
	case msgLeave:
		s.mu.Lock()
		s.removeViewer(v, true)
		s.mu.Unlock()
		c.closeAfter(websocket.StatusNormalClosure, codeLeft)
		return false
	default:
		c.fail(badMessage("a joined viewer may send signal or leave, not %q", m.Type))
		return false
	}
}

func (s *Server) register(c *serverConn, m clientMessage) bool {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	id, secret := m.ID, m.Secret
	var old *hostState
	if id != "" {
		if h := s.hosts[id]; h != nil {
			if !codesEqual(h.secret, secret) {
				c.fail(&wireError{code: codeIDTaken, message: "another host holds this ID; register without an ID for a new one"})
				return false
			}
			old = h // its connection may be dead without the server knowing yet
		} else if r, ok := s.reserved[id]; ok && now.Before(r.until) && !codesEqual(r.secret, secret) {
			c.fail(&wireError{code: codeIDTaken, message: "this ID is kept for the host that left it; register without an ID for a new one"})
			return false
		}
		// Otherwise the ID is free or kept for this very host. A server that does not know it at
		// all (it restarted) gives it to the first host that asks, with that host's secret.
	}
	if old == nil && len(s.hosts) >= s.o.maxHosts {
		s.log.Warn("signaling: refused a host: server full", "hosts", len(s.hosts))
		c.fail(&wireError{code: codeFull, message: fmt.Sprintf("this server already has its maximum of %d hosts; try again later", s.o.maxHosts)})
		return false
	}
	if id == "" {
		id = newSessionID()
		for s.hosts[id] != nil || s.isReserved(id, now) { // 1 in 90,000 at 10,000 hosts
			id = newSessionID()
		}
		secret = randomToken()
	}
	delete(s.reserved, id)
	if old != nil {
		s.endHost(old, &wireError{code: codeReplaced, message: "another connection took over this ID with its secret"})
		s.log.Info("signaling: host reconnected; replaced its old connection", "id", id, "remote", c.addr)
	}
	h := &hostState{id: id, secret: secret, name: m.Name, conn: c, viewers: make(map[string]*viewerState)}
	s.hosts[id] = h
	c.host = h
	s.newCode(h, now)
	c.send(serverMessage{Type: msgRegistered, ID: id, Code: h.code, Secret: secret, ExpiresIn: s.o.codeTTL.Milliseconds(), MaxMessage: s.o.maxMessage})
	s.log.Info("signaling: host registered", "id", id, "remote", c.addr, "reclaimed", m.ID != "")
	return true
}

// isReserved reports whether id is kept for a host that left; the caller holds s.mu.
func (s *Server) isReserved(id string, now time.Time) bool {
	r, ok := s.reserved[id]
	return ok && now.Before(r.until)
}

// reserve keeps a left host's ID for the reclaim window; the caller holds s.mu.
func (s *Server) reserve(h *hostState, now time.Time) {
	if s.o.reclaimWindow <= 0 || h.secret == "" {
		return
	}
	if now.Sub(s.lastSweep) >= s.o.reclaimWindow || len(s.reserved) >= s.o.maxHosts {
		// At most once per window, or when full: the map then holds only IDs left recently.
		s.lastSweep = now
		for id, r := range s.reserved {
			if !now.Before(r.until) {
				delete(s.reserved, id)
			}
		}
	}
	if len(s.reserved) >= s.o.maxHosts {
		s.log.Warn("signaling: too many left IDs kept for reclaiming; this one is not kept", "id", h.id)
		return
	}
	s.reserved[h.id] = reservation{secret: h.secret, until: now.Add(s.o.reclaimWindow)}
}

// newCode retires h's code, if any, and gives h a fresh one with a fresh expiry timer. The caller
// holds s.mu and tells the host.
func (s *Server) newCode(h *hostState, now time.Time) {
	if h.code != "" {
		h.retired = append(h.retired, h.code)
		if len(h.retired) > retiredCodes {
			h.retired = h.retired[len(h.retired)-retiredCodes:]
		}
	}
	code := newCode(s.o.codeLen)
	for code == h.code || h.isRetired(code) {
		code = newCode(s.o.codeLen)
	}
	h.code = code
	h.expires = now.Add(s.o.codeTTL)
	h.codeGen++
	if h.timer != nil {
		h.timer.Stop()
	}
	gen := h.codeGen
	h.timer = time.AfterFunc(s.o.codeTTL, func() { s.expire(h, gen) })
}

func (h *hostState) isRetired(code string) bool {
	for _, r := range h.retired {
		if r == code {
			return true
		}
	}
	return false
}

// expire runs when a code's TTL is over, unless a newer code replaced it.
func (s *Server) expire(h *hostState, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h.gone || h.codeGen != gen {
		return
	}
	s.newCode(h, time.Now())
	h.conn.send(serverMessage{Type: msgCode, Code: h.code, ExpiresIn: s.o.codeTTL.Milliseconds()})
}

func (s *Server) lockout(n int) time.Duration {
	d := s.o.lockoutBase
	for i := 0; i < n && d < s.o.lockoutMax; i++ {
		d *= 2
	}
	return min(d, s.o.lockoutMax)
}

func (s *Server) join(c *serverConn, m clientMessage) bool {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if wait, limited := s.addrs.blocked(c.key, now); limited {
		c.fail(&wireError{code: codeRateLimited, message: "too many failed joins from your address", retryAfter: wait})
		return false
	}
	h := s.hosts[m.ID]
	if h == nil {
		s.addrs.fail(c.key, now)
		c.fail(&wireError{code: codeUnknownID, message: "no host is online with this ID"})
		return false
	}
	if m.Resume != "" {
		// The per-ID lockout guards the short code; a token is checked by the host, which
		// rejects a wrong one (counted per address then). The code stays as it is.
		if !s.roomFor(c, h) {
			return false
		}
		s.addViewer(c, h, m)
		return true
	}
	if now.Before(h.lockedUntil) {
		c.fail(&wireError{code: codeLocked, message: "this ID is locked after too many wrong codes", retryAfter: h.lockedUntil.Sub(now)})
		return false
	}
	if !now.Before(h.expires) { // the expiry timer has not run yet
		s.newCode(h, now)
		h.conn.send(serverMessage{Type: msgCode, Code: h.code, ExpiresIn: s.o.codeTTL.Milliseconds()})
	}
	switch {
	case codesEqual(m.Code, h.code):
	case m.Code != "" && h.isRetired(m.Code):
		c.fail(&wireError{code: codeExpired, message: "code expired or already used; ask for the current code"})
		return false
	default:
		s.addrs.fail(c.key, now)
		h.failures++
		if h.failures >= s.o.maxFailuresID {
			d := s.lockout(h.lockouts)
			h.lockouts++
			h.failures = 0
			h.lockedUntil = now.Add(d)
			s.log.Warn("signaling: locked a host ID after wrong codes", "id", h.id, "for", d, "remote", c.addr)
			c.fail(&wireError{code: codeLocked, message: "too many wrong codes; this ID is locked", retryAfter: d})
			return false
		}
		c.fail(&wireError{code: codeBadCode, message: "wrong code for this ID"})
		return false
	}
	if !s.roomFor(c, h) {
		return false
	}
	h.failures, h.lockouts = 0, 0
	s.newCode(h, now)
	h.conn.send(serverMessage{Type: msgCode, Code: h.code, ExpiresIn: s.o.codeTTL.Milliseconds()})
	s.addViewer(c, h, m)
	return true
}

// roomFor refuses c with full if h has its maximum of viewers; the caller holds s.mu.
func (s *Server) roomFor(c *serverConn, h *hostState) bool {
	if len(h.viewers) >= s.o.maxViewers {
		c.fail(&wireError{code: codeFull, message: fmt.Sprintf("this host already has its maximum of %d viewers", s.o.maxViewers)})
		return false
	}
	return true
}

// addViewer makes c a viewer of h and introduces the two; the caller holds s.mu.
func (s *Server) addViewer(c *serverConn, h *hostState, m clientMessage) {
	h.nextPeer++
	v := &viewerState{peer: "p" + strconv.FormatUint(h.nextPeer, 10), host: h, conn: c, resume: m.Resume}
	h.viewers[v.peer] = v
	s.viewers++
	c.viewer = v
	c.send(serverMessage{Type: msgJoined, ID: h.id, Name: h.name, MaxMessage: s.o.maxMessage})
	h.conn.send(serverMessage{Type: msgPeer, Peer: v.peer, Addr: c.addr, Name: m.Name, Resume: m.Resume})
	s.log.Info("signaling: viewer joined", "id", h.id, "peer", v.peer, "remote", c.addr, "resume", m.Resume != "")
}

// removeViewer detaches v from its host; the caller holds s.mu.
func (s *Server) removeViewer(v *viewerState, tellHost bool) {
	if v.gone {
		return
	}
	v.gone = true
	delete(v.host.viewers, v.peer)
	s.viewers--
	// Once the server is closing, everyone is told server_closed; a peer_gone queued then would
	// race with it and tell the client the wrong reason.
	if tellHost && !v.host.gone && !s.closed {
		v.host.conn.send(serverMessage{Type: msgPeerGone, Peer: v.peer})
	}
}

// drop forgets whatever role c had, once its reading has ended.
func (s *Server) drop(c *serverConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := c.viewer; v != nil {
		s.removeViewer(v, true)
	}
	if h := c.host; h != nil && !h.gone {
		s.endHost(h, nil)
		s.reserve(h, time.Now())
		s.log.Info("signaling: host left", "id", h.id)
	}
}

// endHost forgets h and ends its viewers; with why, it also refuses h's connection, which is
// still open. The caller holds s.mu.
func (s *Server) endHost(h *hostState, why *wireError) {
	h.gone = true
	if h.timer != nil {
		h.timer.Stop()
	}
	if s.hosts[h.id] == h {
		delete(s.hosts, h.id)
	}
	for _, v := range h.viewers {
		s.removeViewer(v, false)
		if !s.closed { // else the viewer is told server_closed (see removeViewer)
			v.conn.send(serverMessage{Type: msgPeerGone})
			v.conn.closeAfter(websocket.StatusNormalClosure, codePeerGone)
		}
	}
	if why != nil {
		h.conn.fail(why)
	}
}
