//go:build !js

package signaling

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withBackoffForTest shortens the reconnection backoff so that tests do not wait seconds.
func withBackoffForTest(min, max time.Duration) ClientOption {
	return func(o *clientOptions) error { o.backoffMin, o.backoffMax = min, max; return nil }
}

// passHeader marks requests that a closed gate lets through.
const passHeader = "X-Deskhand-Test-Pass"

// testServer is a Server behind an http.Server on a fixed 127.0.0.1 address, which can be stopped
// and started again on the same address (a server restart), cut off from its clients (a network
// drop), and gated (requests wait until the test lets them through).
type testServer struct {
	t    *testing.T
	opts []Option
	addr string

	mu     sync.Mutex
	srv    *Server
	hs     *http.Server
	served chan struct{}
	conns  []net.Conn     // hijacked connections: the WebSockets
	gate   chan struct{}  // when not nil, requests without passHeader wait until it is closed
	gated  chan struct{}  // gets one value per request that started waiting at the gate
	reqs   sync.WaitGroup // handlers in progress, for a clean stop
}

func startTestServer(t *testing.T, opts ...Option) *testServer {
	t.Helper()
	ts := &testServer{t: t, opts: opts, addr: "127.0.0.1:0", gated: make(chan struct{}, 64)}
	ts.start()
	t.Cleanup(ts.stop)
	return ts
}

func (ts *testServer) url() string { return "ws://" + ts.addr + "/v1/signal" }

// start serves a new Server (no memory of the previous one) on ts.addr.
func (ts *testServer) start() {
	ts.t.Helper()
	srv, err := NewServer(ts.opts...)
	require.NoError(ts.t, err)
	ln, err := net.Listen("tcp", ts.addr)
	require.NoError(ts.t, err)
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ts.mu.Lock()
			gate := ts.gate
			ts.mu.Unlock()
			if gate != nil && r.Header.Get(passHeader) == "" {
				ts.gated <- struct{}{}
				select {
				case <-gate:
				case <-r.Context().Done():
					return
				}
			}
			srv.ServeHTTP(w, r)
		}),
		ConnState: func(c net.Conn, st http.ConnState) {
			if st == http.StateHijacked {
				ts.mu.Lock()
				ts.conns = append(ts.conns, c)
				ts.mu.Unlock()
			}
		},
	}
	served := make(chan struct{})
	go func() { defer close(served); _ = hs.Serve(ln) }()
	ts.mu.Lock()
	ts.addr, ts.srv, ts.hs, ts.served, ts.conns = ln.Addr().String(), srv, hs, served, nil
	ts.mu.Unlock()
}

// stop shuts the server down as a process exit would: every client loses its connection.
func (ts *testServer) stop() {
	ts.mu.Lock()
	srv, hs, served := ts.srv, ts.hs, ts.served
	ts.srv = nil
	if ts.gate != nil {
		close(ts.gate)
		ts.gate = nil
	}
	ts.mu.Unlock()
	if srv == nil {
		return
	}
	require.NoError(ts.t, srv.Close())
	require.NoError(ts.t, hs.Close())
	<-served
}

func (ts *testServer) server() *Server {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.srv
}

// cut closes every WebSocket's TCP connection under the server, as a network failure would.
func (ts *testServer) cut() {
	ts.mu.Lock()
	conns := ts.conns
	ts.conns = nil
	ts.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// closeGate makes new requests wait (except those with passHeader) until openGate.
func (ts *testServer) closeGate() {
	ts.mu.Lock()
	ts.gate = make(chan struct{})
	ts.mu.Unlock()
}

func (ts *testServer) openGate() {
	ts.mu.Lock()
	if ts.gate != nil {
		close(ts.gate)
		ts.gate = nil
	}
	ts.mu.Unlock()
}

// passClient is an HTTP client whose requests pass a closed gate.
func passClient() *http.Client {
	base := &http.Transport{DisableKeepAlives: true}
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set(passHeader, "1")
		return base.RoundTrip(r)
	})}
}

type stateEvent struct {
	connected bool
	err       error
}

// reconnectingHost registers a host that reconnects quickly and reports its connection state.
func reconnectingHost(t *testing.T, url string, opts ...ClientOption) (*testHost, chan stateEvent) {
	t.Helper()
	states := make(chan stateEvent, 64)
	opts = append([]ClientOption{
		withBackoffForTest(10*time.Millisecond, 50*time.Millisecond),
		WithHTTPClient(noKeepAlive()),
		OnConnectionState(func(connected bool, err error) { states <- stateEvent{connected, err} }),
	}, opts...)
	return register(t, url, opts...), states
}

func nextState(t *testing.T, ch <-chan stateEvent) stateEvent {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(testTimeout):
		t.Fatal("no call of OnConnectionState")
		return stateEvent{}
	}
}

// waitDone waits for h to end for good, within the test timeout.
func waitDone(t *testing.T, h *HostConn) {
	t.Helper()
	select {
	case <-h.Done():
	case <-time.After(testTimeout):
		t.Fatal("the HostConn did not end")
	}
}

func requireRunning(t *testing.T, h *testHost) {
	t.Helper()
	select {
	case <-h.Done():
		t.Fatalf("the HostConn ended: %v", h.Err())
	default:
	}
	require.NoError(t, h.Err())
}

// --- resume joins ---

func TestResumeReachesTheHostWithTheToken(t *testing.T) {
	srv, url := startServer(t)
	h := register(t, url, WithName("alice-laptop"))
	c := h.Credentials()
	token := NewResumeToken()
	require.Len(t, token, 43)

	v, err := Resume(testContext(t), url, c.ID, token, WithName("bob"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	hl, err := h.Accept(testContext(t))
	require.NoError(t, err)
	assert.Equal(t, token, hl.Peer().Resume)
	assert.Equal(t, "bob", hl.Peer().Name)
	assert.Equal(t, Peer{ID: c.ID, Name: "alice-laptop"}, v.Peer())
	assert.Equal(t, 1, srv.Stats().Viewers)

	// The two negotiate as after a join with the code.
	require.NoError(t, hl.Send(testContext(t), Signal{Type: "offer", SDP: "resumed"}))
	assert.Equal(t, "resumed", recv(t, v).SDP)
	require.NoError(t, v.Send(testContext(t), Signal{Type: "answer", SDP: "ok"}))
	assert.Equal(t, "ok", recv(t, hl).SDP)

	// The code was neither used up nor renewed: it still works, once, and a code join has no token.
	assert.Equal(t, c, h.Credentials())
	select {
	case fresh := <-h.creds:
		t.Fatalf("a resume join renewed the code: %+v", fresh)
	default:
	}
	hl2, _ := connect(t, url, h)
	assert.Empty(t, hl2.Peer().Resume)
}

func TestResumeRefusesMalformedTokens(t *testing.T) {
	srv, url := startServer(t)
	h := register(t, url)
	id := h.Credentials().ID
	for _, tok := range []string{"", "short", strings.Repeat("a", 15), strings.Repeat("a", 129), "abcdefgh.ijklmnopq", "abcdefghijklmnop\n", "abcdefghijklmnopé"} {
		_, err := Resume(testContext(t), url, id, tok)
		require.ErrorIs(t, err, ErrInvalidToken, "%q", tok)
	}
	_, err := Resume(testContext(t), url, "", NewResumeToken())
	require.ErrorIs(t, err, ErrUnknownID)

	// On the wire: a malformed token, both a code and a token, or neither, is a bad message.
	for _, msg := range []string{
		fmt.Sprintf(`{"v":1,"type":"join","id":%q,"resume":"short"}`, id),
		fmt.Sprintf(`{"v":1,"type":"join","id":%q,"resume":"%s!"}`, id, strings.Repeat("a", 20)),
		fmt.Sprintf(`{"v":1,"type":"join","id":%q,"code":"abcdef","resume":%q}`, id, NewResumeToken()),
		fmt.Sprintf(`{"v":1,"type":"join","id":%q}`, id),
		fmt.Sprintf(`{"v":1,"type":"join","id":%q,"code":""}`, id),
	} {
		r := dialRaw(t, url)
		r.send(msg)
		r.expectError(codeBadMessage, websocket.StatusProtocolError)
	}
	assert.Zero(t, srv.Stats().Viewers)
	assert.Zero(t, srv.Stats().AddrsWithFailures, "malformed messages are not guesses")
}

func TestResumeToAnUnknownIDIsCounted(t *testing.T) {
	_, url := startServer(t, WithMaxFailuresPerAddr(2, time.Minute))
	h := register(t, url)
	for range 2 {
		_, err := Resume(testContext(t), url, "111111111", NewResumeToken())
		require.ErrorIs(t, err, ErrUnknownID)
	}
	_, err := Resume(testContext(t), url, h.Credentials().ID, NewResumeToken())
	require.ErrorIs(t, err, ErrRateLimited)
	c := h.Credentials()
	_, err = join(t, url, c.ID, c.Code)
	require.ErrorIs(t, err, ErrRateLimited)
}

func TestRejectedTokensAreBoundedPerAddress(t *testing.T) {
	const limit = 3
	// One wrong code would lock the ID: rejected tokens must not count towards that lockout,
	// only towards the guessing address's limit.
	_, url := startServer(t, WithMaxFailuresPerAddr(limit, time.Minute), WithMaxFailuresPerID(1), WithTrustForwardedFor(true))
	h := register(t, url)
	id := h.Credentials().ID
	guesser := WithHTTPClient(forwardedClient("10.0.0.1"))

	for i := range limit {
		v, err := Resume(testContext(t), url, id, NewResumeToken(), guesser)
		require.NoError(t, err, "guess %d", i) // the server cannot tell; the host can
		hl, err := h.Accept(testContext(t))
		require.NoError(t, err)
		require.NotEmpty(t, hl.Peer().Resume)
		require.NoError(t, hl.Send(testContext(t), Signal{Type: "bye", Reason: "unknown session"}))
		require.NoError(t, hl.Reject(testContext(t)))
		require.NoError(t, hl.Reject(testContext(t)), "idempotent")

		// The viewer gets the host's bye first, then why its Link ended.
		assert.Equal(t, "unknown session", recv(t, v).Reason)
		_, err = v.Recv(testContext(t))
		require.ErrorIs(t, err, ErrResumeRefused)
		_, err = hl.Recv(testContext(t))
		require.ErrorIs(t, err, ErrClosed)
		require.NoError(t, v.Close())
	}
	// The guesser is now refused, with a token or a code.
	_, err := Resume(testContext(t), url, id, NewResumeToken(), guesser)
	require.ErrorIs(t, err, ErrRateLimited)
	c := h.Credentials()
	_, err = Join(testContext(t), url, id, c.Code, guesser)
	require.ErrorIs(t, err, ErrRateLimited)

	// The ID itself is not locked: another address joins with the code.
	v, err := Join(testContext(t), url, id, c.Code, WithHTTPClient(forwardedClient("10.0.0.2")))
	require.NoError(t, err)
	require.NoError(t, v.Close())
}

func TestRejectOfACodeJoinIsALeave(t *testing.T) {
	_, url := startServer(t, WithMaxFailuresPerAddr(1, time.Minute))
	h := register(t, url)
	hl, v := connect(t, url, h)
	require.NoError(t, hl.Reject(testContext(t)))
	_, err := v.Recv(testContext(t))
	require.ErrorIs(t, err, ErrPeerGone)
	// Not counted: the next join from this address is not rate limited.
	_, _ = connect(t, url, h)

	// Reject on a viewer's Link or a Pipe is Close.
	a, b := Pipe()
	require.NoError(t, b.Reject(testContext(t)))
	_, err = a.Recv(testContext(t))
	require.ErrorIs(t, err, ErrPeerGone)
	require.NoError(t, a.Close())
}

// --- reclaiming a session ID ---

func TestReclaimALiveIDReplacesTheOldConnection(t *testing.T) {
	srv, url := startServer(t)
	h1 := register(t, url)
	c1 := h1.Credentials()
	secret := h1.Secret()
	require.Len(t, secret, 43)
	_, v1 := connect(t, url, h1)
	c1 = h1.Credentials()

	// A wrong secret is refused, and changes nothing.
	_, err := Register(testContext(t), url, WithSessionID(c1.ID, NewResumeToken()))
	require.ErrorIs(t, err, ErrIDTaken)
	requireRunning(t, h1)

	// The right one takes the ID over, with a fresh code: as when the old connection is dead
	// but the server has not noticed yet.
	h2 := register(t, url, WithSessionID(c1.ID, secret))
	c2 := h2.Credentials()
	assert.Equal(t, c1.ID, c2.ID)
	assert.NotEqual(t, c1.Code, c2.Code)
	assert.Equal(t, secret, h2.Secret())

	// The old connection ends for good (it must not take the ID back in turn), and its viewer
	// with it.
	waitDone(t, h1.HostConn)
	require.ErrorIs(t, h1.Err(), ErrReplaced)
	require.ErrorIs(t, h1.Err(), ErrServerGone)
	_, err = v1.Recv(testContext(t))
	require.ErrorIs(t, err, ErrPeerGone)

	// The ID now leads to the new host.
	hl, v := connect(t, url, h2)
	require.NoError(t, v.Send(testContext(t), Signal{Type: "offer", SDP: "to h2"}))
	assert.Equal(t, "to h2", recv(t, hl).SDP)
	assert.Equal(t, 1, srv.Stats().Hosts)
}

func TestReclaimWithinTheWindowNeedsTheSecret(t *testing.T) {
	srv, url := startServer(t)
	h1 := register(t, url)
	id, secret := h1.Credentials().ID, h1.Secret()
	require.NoError(t, h1.Close())
	require.Eventually(t, func() bool { return srv.Stats().Hosts == 0 }, testTimeout, 5*time.Millisecond)

	_, err := Register(testContext(t), url, WithSessionID(id, NewResumeToken()))
	require.ErrorIs(t, err, ErrIDTaken)
	_, err = join(t, url, id, "abcdef")
	require.ErrorIs(t, err, ErrUnknownID, "a kept ID has no host")

	// With WithNewIDIfTaken the refused host gets a new ID instead of an error.
	other := register(t, url, WithSessionID(id, NewResumeToken()), WithNewIDIfTaken())
	assert.NotEqual(t, id, other.Credentials().ID)

	h2 := register(t, url, WithSessionID(id, secret))
	assert.Equal(t, id, h2.Credentials().ID)
	assert.Equal(t, secret, h2.Secret())
	_, _ = connect(t, url, h2)
}

func TestReclaimWindowEnds(t *testing.T) {
	t.Run("zero", func(t *testing.T) {
		srv, url := startServer(t, WithReclaimWindow(0))
		h1 := register(t, url)
		id := h1.Credentials().ID
		require.NoError(t, h1.Close())
		require.Eventually(t, func() bool { return srv.Stats().Hosts == 0 }, testTimeout, 5*time.Millisecond)
		h2 := register(t, url, WithSessionID(id, NewResumeToken()))
		assert.Equal(t, id, h2.Credentials().ID)
	})
	t.Run("short", func(t *testing.T) {
		_, url := startServer(t, WithReclaimWindow(50*time.Millisecond))
		h1 := register(t, url)
		id := h1.Credentials().ID
		require.NoError(t, h1.Close())
		other := NewResumeToken()
		var h2 *HostConn
		require.Eventually(t, func() bool {
			var err error
			h2, err = Register(testContext(t), url, WithSessionID(id, other))
			require.True(t, err == nil || errors.Is(err, ErrIDTaken), "err: %v", err)
			return err == nil
		}, testTimeout, 10*time.Millisecond)
		assert.Equal(t, id, h2.Credentials().ID)
		require.NoError(t, h2.Close())
	})
}

func TestReclaimAfterAServerRestart(t *testing.T) {
	ts := startTestServer(t)
	h1 := register(t, ts.url(), WithoutReconnect(), WithHTTPClient(noKeepAlive()))
	id, secret := h1.Credentials().ID, h1.Secret()
	ts.stop()
	waitDone(t, h1.HostConn)
	ts.start() // a new Server: it has never heard of id

	// It gives the ID to the first host that asks, with that host's secret...
	h2 := register(t, ts.url(), WithSessionID(id, secret))
	assert.Equal(t, id, h2.Credentials().ID)
	assert.Equal(t, secret, h2.Secret())
	// ...which others then need.
	_, err := Register(testContext(t), ts.url(), WithSessionID(id, NewResumeToken()))
	require.ErrorIs(t, err, ErrIDTaken)
	_, _ = connect(t, ts.url(), h2)

	// An ID of another shape, or without a secret, is a bad message, not a vanity ID.
	for _, msg := range []string{
		fmt.Sprintf(`{"v":1,"type":"register","id":"1","secret":%q}`, secret),
		fmt.Sprintf(`{"v":1,"type":"register","id":"012345678","secret":%q}`, secret),
		`{"v":1,"type":"register","id":"123456789"}`,
		`{"v":1,"type":"register","id":"123456789","secret":"tooshort"}`,
		fmt.Sprintf(`{"v":1,"type":"register","secret":%q}`, secret),
	} {
		r := dialRaw(t, ts.url())
		r.send(msg)
		r.expectError(codeBadMessage, websocket.StatusProtocolError)
	}
}

// --- HostConn reconnecting ---

func TestHostConnReconnectsAfterAServerRestart(t *testing.T) {
	ts := startTestServer(t)
	h, states := reconnectingHost(t, ts.url())
	first := h.Credentials()
	hl, v := connect(t, ts.url(), h)

	// Accept waits through the outage and returns the first viewer after it.
	accepted := make(chan *Link, 1)
	acceptErr := make(chan error, 1)
	go func() {
		l, err := h.Accept(testContext(t))
		if err != nil {
			acceptErr <- err
			return
		}
		accepted <- l
	}()

	ts.stop()
	s := nextState(t, states)
	assert.False(t, s.connected)
	require.ErrorIs(t, s.err, ErrServerGone)
	// The links of the lost connection end; the HostConn does not.
	_, err := hl.Recv(testContext(t))
	require.ErrorIs(t, err, ErrServerGone)
	_, err = v.Recv(testContext(t))
	require.ErrorIs(t, err, ErrServerGone)
	requireRunning(t, h)

	ts.start()
	s = nextState(t, states)
	assert.Equal(t, stateEvent{connected: true}, s)
	c := nextCreds(t, h.creds)
	assert.Equal(t, first.ID, c.ID, "same session ID")
	assert.Equal(t, c, h.Credentials())
	requireRunning(t, h)

	v2, err := join(t, ts.url(), c.ID, c.Code)
	require.NoError(t, err)
	var hl2 *Link
	select {
	case hl2 = <-accepted:
	case err := <-acceptErr:
		t.Fatalf("Accept failed during the outage: %v", err)
	}
	require.NoError(t, hl2.Send(testContext(t), Signal{Type: "offer", SDP: "after"}))
	assert.Equal(t, "after", recv(t, v2).SDP)
	assert.Equal(t, 1, ts.server().Stats().Hosts)
}

func TestHostConnReconnectsAfterANetworkDrop(t *testing.T) {
	ts := startTestServer(t)
	h, states := reconnectingHost(t, ts.url())
	id := h.Credentials().ID
	_, v := connect(t, ts.url(), h)
	newer := h.Credentials()

	ts.cut() // the server stays up, and keeps the ID for the host's secret
	assert.False(t, nextState(t, states).connected)
	_, err := v.Recv(testContext(t))
	require.Error(t, err)
	assert.True(t, nextState(t, states).connected)
	c := nextCreds(t, h.creds)
	assert.Equal(t, id, c.ID)
	assert.NotEqual(t, newer.Code, c.Code, "a reclaimed registration gets a fresh code")

	hl, v2 := connect(t, ts.url(), h)
	require.NoError(t, v2.Send(testContext(t), Signal{Type: "answer", SDP: "x"}))
	assert.Equal(t, "x", recv(t, hl).SDP)
	st := ts.server().Stats()
	assert.Equal(t, 1, st.Hosts)
	assert.Equal(t, 1, st.Viewers)
}

func TestHostConnGivesUpWhenItsIDIsTaken(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		t.Run(fmt.Sprintf("newID=%v", fallback), func(t *testing.T) {
			ts := startTestServer(t, WithReclaimWindow(0))
			var opts []ClientOption
			if fallback {
				opts = append(opts, WithNewIDIfTaken())
			}
			h, states := reconnectingHost(t, ts.url(), opts...)
			id := h.Credentials().ID

			// While the host cannot get through, another one takes its free ID.
			ts.closeGate()
			ts.cut()
			assert.False(t, nextState(t, states).connected)
			<-ts.gated // the host's attempt waits at the gate
			require.Eventually(t, func() bool { return ts.server().Stats().Hosts == 0 }, testTimeout, 5*time.Millisecond)
			squatter := register(t, ts.url(), WithSessionID(id, NewResumeToken()), WithHTTPClient(passClient()))
			require.Equal(t, id, squatter.Credentials().ID)
			ts.openGate()

			if !fallback {
				waitDone(t, h.HostConn)
				require.ErrorIs(t, h.Err(), ErrIDTaken)
				require.ErrorIs(t, h.Err(), ErrServerGone)
				_, err := h.Accept(testContext(t))
				require.ErrorIs(t, err, ErrIDTaken)
				return
			}
			assert.True(t, nextState(t, states).connected)
			c := nextCreds(t, h.creds)
			assert.NotEqual(t, id, c.ID)
			assert.Equal(t, c, h.Credentials())
			_, _ = connect(t, ts.url(), h)
		})
	}
}

func TestWithoutReconnectEndsOnADrop(t *testing.T) {
	ts := startTestServer(t)
	h := register(t, ts.url(), WithoutReconnect(), OnConnectionState(func(bool, error) {
		t.Error("OnConnectionState called without reconnection")
	}))
	hl, _ := connect(t, ts.url(), h)
	ts.cut()
	waitDone(t, h.HostConn)
	require.ErrorIs(t, h.Err(), ErrServerGone)
	_, err := h.Accept(testContext(t))
	require.ErrorIs(t, err, ErrServerGone)
	_, err = hl.Recv(testContext(t))
	require.ErrorIs(t, err, ErrServerGone)
}

func TestCloseWhileReconnecting(t *testing.T) {
	ts := startTestServer(t)
	h, states := reconnectingHost(t, ts.url())
	ts.stop()
	assert.False(t, nextState(t, states).connected)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := h.Accept(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "Accept waits while reconnecting")

	require.NoError(t, h.Close())
	waitDone(t, h.HostConn)
	require.ErrorIs(t, h.Err(), ErrClosed)
	_, err = h.Accept(testContext(t))
	require.ErrorIs(t, err, ErrClosed)
}
