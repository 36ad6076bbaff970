package signaling

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/coder/websocket"
)

const (
	// handshakeReadLimit bounds the server's first answer (a few hundred bytes in practice).
	handshakeReadLimit = 64 << 10
	// envelopeSlack is what the server adds around a relayed signal (type, peer ID, version).
	envelopeSlack = 4 << 10
	// maxServerLimit caps the message size a server may announce, so a hostile one cannot make
	// the client accept unbounded messages.
	maxServerLimit = 16 << 20
	// acceptBuffer is how many joined viewers wait for HostConn.Accept; the server allows 8 per
	// host by default.
	acceptBuffer = 64
)

// clientConn is the WebSocket to the server shared by a HostConn and its Links, or owned by one
// viewer Link. One goroutine reads, one writes (so that a caller's ctx ending never cuts the
// connection: coder/websocket closes a connection whose write ctx ends), one pings.
type clientConn struct {
	ws           *websocket.Conn
	log          *slog.Logger
	maxMessage   int
	writeTimeout time.Duration

	writes   chan writeReq
	stop     chan struct{} // closed when this side closes
	stopOnce sync.Once
	readDone chan struct{} // closed when the read loop has returned and endErr is set
	wg       sync.WaitGroup

	mu      sync.Mutex
	lastErr error // from the server's error message, or a failed ping
	endErr  error
}

type writeReq struct {
	data []byte
	res  chan error
}

func newClientConn(ws *websocket.Conn, o *clientOptions, maxMessage int) *clientConn {
	return &clientConn{
		ws:           ws,
		log:          o.log,
		maxMessage:   maxMessage,
		writeTimeout: o.writeTimeout,
		writes:       make(chan writeReq),
		stop:         make(chan struct{}),
		readDone:     make(chan struct{}),
	}
}

// start runs the connection's goroutines; onEnd runs once, when reading has ended, with why.
func (c *clientConn) start(pingInterval time.Duration, handle func(serverMessage), onEnd func(error)) {
	c.wg.Add(2)
	go c.writeLoop()
	go func() {
		defer c.wg.Done()
		err := c.readLoop(handle)
		c.mu.Lock()
		c.endErr = err
		c.mu.Unlock()
		close(c.readDone)
		onEnd(err)
	}()
	if pingInterval > 0 {
		c.wg.Add(1)
		go c.pingLoop(pingInterval)
	}
}

// shutdown closes the connection from this side and waits for its goroutines.
func (c *clientConn) shutdown() {
	c.stopOnce.Do(func() { close(c.stop) })
	c.wg.Wait()
}

func (c *clientConn) stopped() bool {
	select {
	case <-c.stop:
		return true
	default:
		return false
	}
}

func (c *clientConn) setLastErr(err error) {
	c.mu.Lock()
	if c.lastErr == nil {
		c.lastErr = err
	}
	c.mu.Unlock()
}

func (c *clientConn) goneErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.endErr != nil {
		return c.endErr
	}
	return ErrServerGone
}

func (c *clientConn) readLoop(handle func(serverMessage)) error {
	for {
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			return c.endCause(err)
		}
		if typ != websocket.MessageText {
			c.log.Debug("signaling: ignoring a binary message from the server")
			continue
		}
		m, err := parseServerMessage(data)
		if err != nil {
			c.log.Warn("signaling: bad message from the server; disconnecting", "err", err)
			c.setLastErr(err)
			_ = c.ws.CloseNow()
			continue // the next Read fails and ends the loop
		}
		if m.Type == msgError {
			err := errorFor(m.Error, m.Message, time.Duration(m.RetryAfter)*time.Millisecond)
			c.log.Info("signaling: server reported an error", "err", err)
			c.setLastErr(err)
			continue // the server closes the connection next
		}
		handle(m)
	}
}

// endCause turns the error that ended reading into what the user sees.
func (c *clientConn) endCause(readErr error) error {
	if c.stopped() {
		return ErrClosed
	}
	c.mu.Lock()
	last := c.lastErr
	c.mu.Unlock()
	if last == nil {
		var ce websocket.CloseError
		if errors.As(readErr, &ce) {
			switch {
			case ce.Code == websocket.StatusMessageTooBig:
				last = ErrTooBig
			case ce.Reason == codeServerClosed:
				return fmt.Errorf("%w: the server shut down", ErrServerGone)
			case ce.Reason == codePeerGone:
				return ErrPeerGone
			case ce.Reason == codeResumeFailed:
				return ErrResumeRefused
			case ce.Reason != "" && ce.Reason != codeBye && ce.Reason != codeLeft:
				last = errorFor(ce.Reason, "", 0)
			}
		}
	}
	switch {
	case last == nil:
		return fmt.Errorf("%w: %v", ErrServerGone, readErr)
	case errors.Is(last, ErrServerGone), errors.Is(last, ErrPeerGone), errors.Is(last, ErrResumeRefused):
		return last
	default:
		return fmt.Errorf("%w: %w", ErrServerGone, last)
	}
}

func (c *clientConn) writeLoop() {
	defer c.wg.Done()
	for {
		select {
		case req := <-c.writes:
			ctx, cancel := context.WithTimeout(context.Background(), c.writeTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, req.data)
			cancel()
			req.res <- err
			if err != nil {
				_ = c.ws.CloseNow()
				return
			}
		case <-c.stop:
			_ = c.ws.Close(websocket.StatusNormalClosure, codeBye)
			return
		case <-c.readDone:
			_ = c.ws.CloseNow()
			return
		}
	}
}

func (c *clientConn) pingLoop(interval time.Duration) {
	defer c.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil {
				if !c.stopped() {
					c.setLastErr(fmt.Errorf("%w: the server did not answer a ping: %v", ErrServerGone, err))
				}
				_ = c.ws.CloseNow()
				return
			}
		case <-c.stop:
			return
		case <-c.readDone:
			return
		}
	}
}

// write sends one message through the write goroutine. If ctx ends while the message is being
// written, write returns ctx.Err() and the message may still go out.
func (c *clientConn) write(ctx context.Context, m clientMessage) error {
	data, err := encodeJSON(m)
	if err != nil {
		return fmt.Errorf("signaling: encoding a %s message: %w", m.Type, err)
	}
	if len(data) > c.maxMessage {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooBig, len(data), c.maxMessage)
	}
	req := writeReq{data: data, res: make(chan error, 1)}
	select {
	case c.writes <- req:
	case <-c.stop:
		return ErrClosed
	case <-c.readDone:
		return c.goneErr()
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.res:
		if err != nil {
			return fmt.Errorf("%w: %v", ErrServerGone, err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// handshake sends the first message and waits for the answer of type want.
func handshake(ctx context.Context, ws *websocket.Conn, first clientMessage, want string) (serverMessage, error) {
	data, err := encodeJSON(first)
	if err != nil {
		return serverMessage{}, fmt.Errorf("signaling: encoding %s: %w", first.Type, err)
	}
	ws.SetReadLimit(handshakeReadLimit)
	if err := ws.Write(ctx, websocket.MessageText, data); err != nil {
		return serverMessage{}, handshakeErr(ctx, err)
	}
	for {
		typ, data, err := ws.Read(ctx)
		if err != nil {
			return serverMessage{}, handshakeErr(ctx, err)
		}
		if typ != websocket.MessageText {
			continue
		}
		m, err := parseServerMessage(data)
		if err != nil {
			return serverMessage{}, err
		}
		switch m.Type {
		case want:
			return m, nil
		case msgError:
			return serverMessage{}, errorFor(m.Error, m.Message, time.Duration(m.RetryAfter)*time.Millisecond)
		default:
			return serverMessage{}, fmt.Errorf("%w: server answered %q to %q", ErrProtocol, m.Type, first.Type)
		}
	}
}

func handshakeErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		if ce.Code == websocket.StatusMessageTooBig {
			return ErrTooBig
		}
		if ce.Reason != "" {
			return errorFor(ce.Reason, "", 0)
		}
	}
	return fmt.Errorf("%w: %v", ErrServerGone, err)
}

// serverLimit returns the message size limit the server announced, within sane bounds.
func serverLimit(announced int) int {
	switch {
	case announced <= 0:
		return 64 << 10
	case announced < 1<<10:
		return 1 << 10
	case announced > maxServerLimit:
		return maxServerLimit
	}
	return announced
}

func expiresAt(ms int64) time.Time {
	if ms < 0 {
		ms = 0
	}
	return time.Now().Add(time.Duration(ms) * time.Millisecond)
}

// HostConn is a host's registration at the signaling server: it holds the credentials that the
// host's user shows to viewers, and yields one Link per viewer that joins. When its connection
// to the server drops it reconnects by itself and gets its session ID back (unless
// WithoutReconnect); the Links of that connection end, and Accept waits for the next viewer.
type HostConn struct {
	url     string
	o       clientOptions
	log     *slog.Logger
	accept  chan *Link
	done    chan struct{} // closed when the HostConn has ended for good
	life    context.Context
	cancel  context.CancelFunc // ends life: Close
	runDone chan struct{}

	mu        sync.Mutex
	id        string
	secret    string
	creds     Credentials
	links     map[string]*Link // of the current connection
	err       error
	events    []func() // for OnCredentials and OnConnectionState, in order
	eventWake chan struct{}
}

// Register connects to the signaling server at url (ws:// or wss://, or http(s):// for the same)
// as a host, and returns once the server has given it a session ID and a first code. ctx bounds
// only the registration; the HostConn then lasts until Close, reconnecting when its connection
// drops (see WithoutReconnect), or until the server refuses it for good.
func Register(ctx context.Context, url string, opts ...ClientOption) (*HostConn, error) {
	o, err := newClientOptions(opts)
	if err != nil {
		return nil, err
	}
	h := &HostConn{
		url:       url,
		o:         o,
		log:       o.log,
		accept:    make(chan *Link, acceptBuffer),
		done:      make(chan struct{}),
		runDone:   make(chan struct{}),
		links:     make(map[string]*Link),
		id:        o.sessionID,
		secret:    o.secret,
		eventWake: make(chan struct{}, 1),
	}
	c, err := h.connect(ctx)
	if err != nil {
		return nil, err
	}
	h.life, h.cancel = context.WithCancel(context.Background())
	if o.onCredentials != nil || o.onState != nil {
		go h.eventLoop()
	}
	go h.run(c)
	return h, nil
}

// connect opens a connection and registers on it, reclaiming the HostConn's ID if it has one.
func (h *HostConn) connect(ctx context.Context) (*clientConn, error) {
	h.mu.Lock()
	id, secret := h.id, h.secret
	h.mu.Unlock()
	if id != "" && secret == "" { // a server without secrets: the ID cannot be proven ours
		if !h.o.newIDIfTaken {
			return nil, fmt.Errorf("%w: the server gave no secret to reclaim the ID with", ErrIDTaken)
		}
		id, secret = "", ""
	}
	c, m, err := h.registerOn(ctx, id, secret)
	if errors.Is(err, ErrIDTaken) && h.o.newIDIfTaken {
		h.log.Warn("signaling: the session ID was taken; registering under a new one", "old", id)
		c, m, err = h.registerOn(ctx, "", "")
	}
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.id, h.secret = m.ID, m.Secret
	h.mu.Unlock()
	h.setCredentials(Credentials{ID: m.ID, Code: m.Code, Expires: expiresAt(m.ExpiresIn)})
	return c, nil
}

func (h *HostConn) registerOn(ctx context.Context, id, secret string) (*clientConn, serverMessage, error) {
	ws, err := dial(ctx, h.url, &h.o)
	if err != nil {
		return nil, serverMessage{}, err
	}
	m, err := handshake(ctx, ws, clientMessage{V: ProtocolVersion, Type: msgRegister, Name: h.o.name, ID: id, Secret: secret}, msgRegistered)
	switch {
	case err != nil:
	case m.ID == "" || len(m.ID) > maxIDLen || m.Code == "" || len(m.Code) > maxCodeLen:
		err = fmt.Errorf("%w: registration without a valid ID and code", ErrProtocol)
	case id != "" && m.ID != id:
		err = fmt.Errorf("%w: asked for ID %s back, the server gave another", ErrProtocol, id)
	}
	if err != nil {
		_ = ws.CloseNow()
		return nil, serverMessage{}, err
	}
	limit := serverLimit(m.MaxMessage)
	ws.SetReadLimit(int64(limit + envelopeSlack))
	return newClientConn(ws, &h.o, limit), m, nil
}

// run serves one connection after the other until Close or a permanent refusal.
func (h *HostConn) run(c *clientConn) {
	defer close(h.runDone)
	for {
		c.start(h.o.pingInterval, func(m serverMessage) { h.handle(c, m) }, func(error) {})
		select {
		case <-c.readDone:
		case <-h.life.Done():
		}
		c.shutdown()
		cause := c.goneErr()
		h.endLinks(cause)
		switch {
		case h.life.Err() != nil:
			h.finish(ErrClosed)
			return
		case !h.o.reconnect || permanent(cause):
			h.finish(cause)
			return
		}
		h.log.Warn("signaling: lost the connection to the server; reconnecting", "err", cause)
		h.queueEvent(func() { h.o.onState(false, cause) }, h.o.onState != nil)
		if c = h.reconnect(); c == nil {
			return
		}
		h.log.Info("signaling: reconnected to the server")
		h.queueEvent(func() { h.o.onState(true, nil) }, h.o.onState != nil)
	}
}

// reconnect registers again, with backoff, until it succeeds (it returns the connection), Close,
// or a permanent refusal (it returns nil after finish).
func (h *HostConn) reconnect() *clientConn {
	delay := h.o.backoffMin
	for {
		// Jittered so that the hosts of a restarted server do not all come back at once.
		wait := delay/2 + rand.N(delay/2+1)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-h.life.Done():
			t.Stop()
			h.finish(ErrClosed)
			return nil
		}
		ctx, cancel := context.WithTimeout(h.life, h.o.attemptTimeout)
		c, err := h.connect(ctx)
		cancel()
		switch {
		case err == nil:
			return c
		case h.life.Err() != nil:
			h.finish(ErrClosed)
			return nil
		case permanent(err):
			h.log.Warn("signaling: the server refused the reconnection; giving up", "err", err)
			if !errors.Is(err, ErrServerGone) {
				err = fmt.Errorf("%w: %w", ErrServerGone, err)
			}
			h.finish(err)
			return nil
		}
		h.log.Info("signaling: reconnecting failed; trying again", "err", err)
		delay = min(2*delay, h.o.backoffMax)
	}
}

// permanent reports whether err is a refusal that reconnecting would only repeat.
func permanent(err error) bool {
	for _, e := range []error{ErrIDTaken, ErrReplaced, ErrVersion, ErrProtocol, ErrInvalidOption} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Credentials returns the current session ID and code. While the HostConn reconnects they are
// the last ones the server gave, and the code does not work until OnCredentials reports a new one.
func (h *HostConn) Credentials() Credentials {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.creds
}

// Secret returns the secret with which the server gives this host its session ID back (see
// WithSessionID). Keep it like a password: whoever has it can take the ID over.
func (h *HostConn) Secret() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.secret
}

// Accept returns the Link to the next viewer that joined. It keeps waiting while the HostConn
// reconnects. It returns ctx.Err() if ctx ends first, and once the HostConn has ended why
// (ErrClosed, or ErrServerGone wrapping the detail). Up to 64 joined viewers wait for Accept; a
// viewer beyond that is dropped (it gets ErrPeerGone).
func (h *HostConn) Accept(ctx context.Context) (*Link, error) {
	select {
	case <-h.done:
		return nil, h.Err()
	default:
	}
	select {
	case l := <-h.accept:
		return l, nil
	case <-h.done:
		return nil, h.Err()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Done is closed when the HostConn has ended for good: after Close, after a lost connection with
// WithoutReconnect, or when the server refuses it in a way reconnecting cannot fix (ErrIDTaken,
// ErrReplaced, ErrVersion, ErrProtocol).
func (h *HostConn) Done() <-chan struct{} { return h.done }

// Err returns nil until Done is closed (also while reconnecting), then why the HostConn ended:
// ErrClosed after Close, or ErrServerGone wrapping the detail.
func (h *HostConn) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// Close ends the registration: the session ID and code stop working, every Link of this host ends
// (its Recv returns ErrClosed) and every viewer gets ErrPeerGone. It is idempotent, returns nil,
// and returns once the connection's goroutines have ended.
func (h *HostConn) Close() error {
	h.cancel()
	<-h.runDone
	return nil
}

func (h *HostConn) setCredentials(c Credentials) {
	h.mu.Lock()
	h.creds = c
	h.mu.Unlock()
	h.queueEvent(func() { h.o.onCredentials(c) }, h.o.onCredentials != nil)
}

// queueEvent has the event goroutine call f, after the calls queued before, if want.
func (h *HostConn) queueEvent(f func(), want bool) {
	if !want {
		return
	}
	h.mu.Lock()
	h.events = append(h.events, f)
	h.mu.Unlock()
	select {
	case h.eventWake <- struct{}{}:
	default:
	}
}

func (h *HostConn) eventLoop() {
	for {
		select {
		case <-h.eventWake:
		case <-h.done:
		}
		h.mu.Lock()
		q := h.events
		h.events = nil
		h.mu.Unlock()
		for _, f := range q {
			f()
		}
		select {
		case <-h.done:
			h.mu.Lock()
			n := len(h.events)
			h.mu.Unlock()
			if n == 0 {
				return
			}
		default:
		}
	}
}

// handle runs on c's read goroutine for each server message.
func (h *HostConn) handle(c *clientConn, m serverMessage) {
	switch m.Type {
	case msgCode:
		if m.Code == "" || len(m.Code) > maxCodeLen {
			h.log.Warn("signaling: ignoring a code message without a valid code")
			return
		}
		h.mu.Lock()
		id := h.id
		h.mu.Unlock()
		h.setCredentials(Credentials{ID: id, Code: m.Code, Expires: expiresAt(m.ExpiresIn)})
	case msgPeer:
		if m.Peer == "" {
			return
		}
		h.addLink(c, m)
	case msgSignal:
		h.mu.Lock()
		l := h.links[m.Peer]
		h.mu.Unlock()
		if l == nil {
			return // the viewer left, or this side closed the link; the signal is moot
		}
		s, err := decodeSignal(m.Signal)
		if err != nil {
			h.log.Warn("signaling: malformed signal from a viewer; closing its link", "peer", m.Peer, "err", err)
			h.failLinkAsync(c, m.Peer, l, err)
			return
		}
		if !l.deliver(s) {
			h.failLinkAsync(c, m.Peer, l, ErrBacklog)
		}
	case msgPeerGone:
		h.mu.Lock()
		l := h.links[m.Peer]
		delete(h.links, m.Peer)
		h.mu.Unlock()
		if l != nil {
			l.end(ErrPeerGone)
		}
	default:
		h.log.Debug("signaling: ignoring a server message", "type", m.Type)
	}
}

func (h *HostConn) addLink(c *clientConn, m serverMessage) {
	peer := m.Peer
	l := newLink(Peer{ID: peer, Addr: m.Addr, Name: m.Name, Resume: m.Resume})
	l.send = func(ctx context.Context, s Signal) error {
		raw, err := encodeJSON(s)
		if err != nil {
			return fmt.Errorf("signaling: encoding a signal: %w", err)
		}
		return c.write(ctx, clientMessage{V: ProtocolVersion, Type: msgSignal, Peer: peer, Signal: raw})
	}
	tell := func(ctx context.Context, typ string) error {
		if !h.removeLink(peer, l) {
			return nil // gone already: the server has forgotten the viewer too
		}
		return c.write(ctx, clientMessage{V: ProtocolVersion, Type: typ, Peer: peer})
	}
	l.onClose = func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.writeTimeout)
		defer cancel()
		_ = tell(ctx, msgLeave)
	}
	if m.Resume != "" {
		l.onReject = func(ctx context.Context) error { return tell(ctx, msgReject) }
	}
	h.mu.Lock()
	old := h.links[peer]
	h.links[peer] = l
	h.mu.Unlock()
	if old != nil { // a server does not reuse peer IDs; if one does, the old link is stale
		old.end(ErrPeerGone)
	}
	select {
	case h.accept <- l:
	default:
		h.log.Warn("signaling: too many viewers waiting for Accept; refusing one", "peer", peer)
		h.failLinkAsync(c, peer, l, ErrBacklog)
	}
}

// removeLink forgets l if it is still the link of peer, and reports whether it was.
func (h *HostConn) removeLink(peer string, l *Link) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.links[peer] != l {
		return false
	}
	delete(h.links, peer)
	return true
}

// failLinkAsync ends a link from c's read goroutine and tells the server to drop the viewer,
// without making the read goroutine wait for the write.
func (h *HostConn) failLinkAsync(c *clientConn, peer string, l *Link, err error) {
	l.end(err)
	if !h.removeLink(peer, l) {
		return
	}
	c.wg.Add(1) // safe: the read goroutine itself is counted, so Wait cannot be returning
	go func() {
		defer c.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), c.writeTimeout)
		defer cancel()
		_ = c.write(ctx, clientMessage{V: ProtocolVersion, Type: msgLeave, Peer: peer})
	}()
}

// endLinks ends the links of the connection that has just ended; the next connection's viewers
// get new peer IDs from the server.
func (h *HostConn) endLinks(cause error) {
	h.mu.Lock()
	links := h.links
	h.links = map[string]*Link{}
	h.mu.Unlock()
	for _, l := range links {
		l.end(cause)
	}
}

// finish runs once, when the HostConn ends for good.
func (h *HostConn) finish(cause error) {
	h.mu.Lock()
	h.err = cause
	h.mu.Unlock()
	close(h.done)
}

// Join connects to the signaling server at url as a viewer of the host with session ID id, using
// the one-time code the host shows (spaces and dashes in either are ignored, and the code's case).
// It returns the Link to that host once the server has accepted the code. ctx bounds only the
// join. Refusals: ErrBadCode, ErrExpired, ErrUnknownID, *RetryError wrapping ErrLocked or
// ErrRateLimited, ErrFull, ErrVersion; connection failures: ErrUnreachable, ErrServerGone.
func Join(ctx context.Context, url, id, code string, opts ...ClientOption) (*Link, error) {
	o, err := newClientOptions(opts)
	if err != nil {
		return nil, err
	}
	id, code = normalizeID(id), normalizeCode(code)
	if id == "" || len(id) > maxIDLen {
		return nil, ErrUnknownID
	}
	if code == "" || len(code) > maxCodeLen {
		return nil, ErrBadCode
	}
	return joinAs(ctx, url, id, clientMessage{V: ProtocolVersion, Type: msgJoin, ID: id, Code: code, Name: o.name}, &o)
}

// Resume connects to the signaling server at url as a viewer of the host with session ID id,
// presenting a resume token the host gave this viewer in an earlier session instead of a code:
// the host then knows the viewer (Peer.Resume) and may carry the session on without asking its
// user again. The server does not know the token: it returns the Link as soon as the host is
// online (the code stays valid for others), and the host checks the token. If the host refuses
// it, the Link ends with ErrResumeRefused, and the refusal counts against this address's limit of
// failed joins like a wrong code. Other refusals as for Join (ErrUnknownID, ErrRateLimited, ...);
// ErrInvalidToken for a token of the wrong shape.
func Resume(ctx context.Context, url, id, token string, opts ...ClientOption) (*Link, error) {
	o, err := newClientOptions(opts)
	if err != nil {
		return nil, err
	}
	id = normalizeID(id)
	if id == "" || len(id) > maxIDLen {
		return nil, ErrUnknownID
	}
	if !validToken(token, minTokenLen, maxTokenLen) {
		return nil, ErrInvalidToken
	}
	return joinAs(ctx, url, id, clientMessage{V: ProtocolVersion, Type: msgJoin, ID: id, Resume: token, Name: o.name}, &o)
}

// joinAs joins with first (a join with a code or a token) and returns the viewer's Link.
func joinAs(ctx context.Context, url, id string, first clientMessage, o *clientOptions) (*Link, error) {
	ws, err := dial(ctx, url, o)
	if err != nil {
		return nil, err
	}
	m, err := handshake(ctx, ws, first, msgJoined)
	if err != nil {
		_ = ws.CloseNow()
		return nil, err
	}
	limit := serverLimit(m.MaxMessage)
	ws.SetReadLimit(int64(limit + envelopeSlack))
	c := newClientConn(ws, o, limit)
	hostID := m.ID
	if hostID == "" {
		hostID = id
	}
	l := newLink(Peer{ID: hostID, Name: m.Name})
	l.send = func(ctx context.Context, s Signal) error {
		raw, err := encodeJSON(s)
		if err != nil {
			return fmt.Errorf("signaling: encoding a signal: %w", err)
		}
		return c.write(ctx, clientMessage{V: ProtocolVersion, Type: msgSignal, Signal: raw})
	}
	l.onClose = c.shutdown
	handle := func(m serverMessage) {
		switch m.Type {
		case msgSignal:
			s, err := decodeSignal(m.Signal)
			if err != nil {
				o.log.Warn("signaling: malformed signal from the host; leaving", "err", err)
				l.end(err)
				_ = c.ws.CloseNow()
				return
			}
			if !l.deliver(s) {
				l.end(ErrBacklog)
				_ = c.ws.CloseNow()
			}
		case msgPeerGone:
			l.end(ErrPeerGone)
		default:
			o.log.Debug("signaling: ignoring a server message", "type", m.Type)
		}
	}
	c.start(o.pingInterval, handle, func(cause error) { l.end(cause) })
	return l, nil
}
