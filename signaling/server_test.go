//go:build !js

package signaling

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	idPattern   = regexp.MustCompile(`^[1-9][0-9]{8}$`)
	codePattern = regexp.MustCompile(`^[abcdefghjkmnpqrstuvwxyz23456789]{6}$`)
)

func TestRegisterGivesCredentials(t *testing.T) {
	srv, url := startServer(t)
	before := time.Now()
	h := register(t, url, WithName("alice-laptop"))
	c := h.Credentials()
	assert.Regexp(t, idPattern, c.ID)
	assert.Regexp(t, codePattern, c.Code)
	assert.True(t, c.Expires.After(before.Add(9*time.Minute)), "expires %v", c.Expires)
	assert.True(t, c.Expires.Before(time.Now().Add(11*time.Minute)), "expires %v", c.Expires)
	assert.Equal(t, ServerStats{Hosts: 1, Connections: 1}, srv.Stats())

	h2 := register(t, url)
	assert.NotEqual(t, c.ID, h2.Credentials().ID)
	assert.Equal(t, 2, srv.Stats().Hosts)
}

func TestCodeLengthOption(t *testing.T) {
	_, url := startServer(t, WithCodeLength(12))
	h := register(t, url)
	assert.Regexp(t, `^[abcdefghjkmnpqrstuvwxyz23456789]{12}$`, h.Credentials().Code)
}

func ptr[T any](v T) *T { return &v }

func TestJoinExchangesSignalsBothWays(t *testing.T) {
	srv, url := startServer(t)
	h := register(t, url, WithName("alice-laptop"))
	c := h.Credentials()
	// People read IDs in groups and codes in capitals; both must still work.
	spaced := c.ID[:3] + " " + c.ID[3:6] + "-" + c.ID[6:]
	v, err := join(t, url, spaced, strings.ToUpper(c.Code), WithName("bob"))
	require.NoError(t, err)
	hl, err := h.Accept(testContext(t))
	require.NoError(t, err)

	assert.Equal(t, Peer{ID: c.ID, Name: "alice-laptop"}, v.Peer())
	assert.Equal(t, "bob", hl.Peer().Name)
	assert.Equal(t, "p1", hl.Peer().ID)
	assert.True(t, strings.HasPrefix(hl.Peer().Addr, "127.0.0.1:"), hl.Peer().Addr)
	assert.Equal(t, 1, srv.Stats().Viewers)

	ctx := testContext(t)
	sdp := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=<deskhand> & co\r\n" // '<' and '&' must survive
	fromHost := []Signal{
		{Type: "offer", SDP: sdp},
		{Type: "candidate", Candidate: &Candidate{Candidate: "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host", SDPMid: ptr("0"), SDPMLineIndex: ptr[uint16](0), UsernameFragment: ptr("abcd")}},
		{Type: "candidate"}, // end of candidates
	}
	fromViewer := []Signal{
		{Type: "answer", SDP: "v=0\r\nanswer"},
		{Type: "candidate", Candidate: &Candidate{Candidate: "candidate:2 1 udp 1 127.0.0.1 6000 typ host", SDPMid: ptr("0")}},
		{Type: "candidate"},
		{Type: "bye", Reason: "refused by the user"},
	}
	for _, s := range fromHost {
		require.NoError(t, hl.Send(ctx, s))
	}
	for _, s := range fromViewer {
		require.NoError(t, v.Send(ctx, s))
	}
	for _, want := range fromHost {
		assert.Equal(t, want, recv(t, v))
	}
	for _, want := range fromViewer {
		assert.Equal(t, want, recv(t, hl))
	}
	require.NoError(t, hl.Send(ctx, Signal{Type: "bye", Reason: "done"}))
	assert.Equal(t, Signal{Type: "bye", Reason: "done"}, recv(t, v))
}

func TestCodeIsOneTime(t *testing.T) {
	_, url := startServer(t)
	h := register(t, url)
	used := h.Credentials()
	_, _ = connect(t, url, h) // also waits for the fresh code

	_, err := join(t, url, used.ID, used.Code)
	require.ErrorIs(t, err, ErrExpired)
	assert.Equal(t, "signaling: code expired or already used; ask for the current code", err.Error())

	fresh := h.Credentials()
	assert.Equal(t, used.ID, fresh.ID)
	assert.NotEqual(t, used.Code, fresh.Code)
	_, err = join(t, url, fresh.ID, fresh.Code)
	require.NoError(t, err)
}

func TestCodeExpiresAndIsReplaced(t *testing.T) {
	// Long enough that the old code is still among the remembered ones when the test joins.
	_, url := startServer(t, withCodeTTLForTest(time.Second))
	h := register(t, url)
	old := h.Credentials()
	fresh := nextCreds(t, h.creds) // pushed by the server when the old code expired
	assert.Equal(t, old.ID, fresh.ID)
	assert.NotEqual(t, old.Code, fresh.Code)

	_, err := join(t, url, old.ID, old.Code)
	require.ErrorIs(t, err, ErrExpired)
	// The fresh code may itself have expired by now on a slow machine: use the newest one.
	drainCreds(h)
	c := h.Credentials()
	_, err = join(t, url, c.ID, c.Code)
	if errors.Is(err, ErrExpired) { // expired between the two lines; the next one is fresh again
		c = nextCreds(t, h.creds)
		_, err = join(t, url, c.ID, c.Code)
	}
	require.NoError(t, err)
}

func drainCreds(h *testHost) {
	for {
		select {
		case <-h.creds:
		default:
			return
		}
	}
}

func TestWrongCodesLockTheID(t *testing.T) {
	const base, max = 200 * time.Millisecond, 400 * time.Millisecond
	_, url := startServer(t, WithMaxFailuresPerID(3), WithLockout(base, max))
	h := register(t, url)
	c := h.Credentials()

	lockOut := func() time.Duration {
		t.Helper()
		for i := 0; i < 2; i++ {
			_, err := join(t, url, c.ID, "wrong0")
			require.ErrorIs(t, err, ErrBadCode)
		}
		_, err := join(t, url, c.ID, "wrong0")
		require.ErrorIs(t, err, ErrLocked)
		var re *RetryError
		require.ErrorAs(t, err, &re)
		return re.After
	}

	assert.Equal(t, base, lockOut())
	// Locked: even the right code is refused, and the code is not consumed.
	_, err := join(t, url, c.ID, c.Code)
	require.ErrorIs(t, err, ErrLocked)
	var re *RetryError
	require.ErrorAs(t, err, &re)
	assert.Positive(t, re.After)
	assert.LessOrEqual(t, re.After, base)
	time.Sleep(re.After)

	// Lockouts double, up to the cap.
	assert.Equal(t, 2*base, lockOut())
	time.Sleep(2 * base)
	assert.Equal(t, max, lockOut())
	time.Sleep(max)

	// The lockout is over: the right code works and resets the count.
	_, err = join(t, url, c.ID, c.Code)
	require.NoError(t, err)
	c = nextCreds(t, h.creds)
	assert.Equal(t, base, lockOut())
}

func TestFailuresPerAddressAreLimited(t *testing.T) {
	srv, url := startServer(t, WithMaxFailuresPerAddr(3, time.Minute), WithMaxFailuresPerID(100))
	h := register(t, url)
	c := h.Credentials()

	_, err := join(t, url, c.ID, "wrong0")
	require.ErrorIs(t, err, ErrBadCode)
	_, err = join(t, url, "111111111", "abcdef") // an unknown ID counts too
	require.ErrorIs(t, err, ErrUnknownID)
	_, err = join(t, url, c.ID, "wrong0")
	require.ErrorIs(t, err, ErrBadCode)

	_, err = join(t, url, c.ID, c.Code) // refused although right
	require.ErrorIs(t, err, ErrRateLimited)
	var re *RetryError
	require.ErrorAs(t, err, &re)
	assert.Positive(t, re.After)
	assert.LessOrEqual(t, re.After, time.Minute)
	assert.Contains(t, err.Error(), "retry in")
	assert.Equal(t, 1, srv.Stats().AddrsWithFailures)

	// The code was not consumed, and the ID is not locked: only this address is limited.
	assert.Equal(t, c, h.Credentials())
}

// forwardedClient adds X-Forwarded-For to every request, as a reverse proxy would.
func forwardedClient(ip string) *http.Client {
	base := &http.Transport{DisableKeepAlives: true}
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("X-Forwarded-For", "203.0.113.99, "+ip)
		return base.RoundTrip(r)
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestForwardedForIsTrustedOnlyWhenAsked(t *testing.T) {
	t.Run("trusted", func(t *testing.T) {
		_, url := startServer(t, WithMaxFailuresPerAddr(2, time.Minute), WithTrustForwardedFor(true))
		h := register(t, url)
		for range 2 {
			_, err := join(t, url, "111111111", "x", WithHTTPClient(forwardedClient("10.0.0.1")))
			require.ErrorIs(t, err, ErrUnknownID)
		}
		_, err := join(t, url, "111111111", "x", WithHTTPClient(forwardedClient("10.0.0.1")))
		require.ErrorIs(t, err, ErrRateLimited)
		// Another client behind the same proxy is not limited, and the host sees its address.
		c := h.Credentials()
		_, err = join(t, url, c.ID, c.Code, WithHTTPClient(forwardedClient("10.0.0.2")))
		require.NoError(t, err)
		hl, err := h.Accept(testContext(t))
		require.NoError(t, err)
		assert.Equal(t, "10.0.0.2", hl.Peer().Addr)
	})
	t.Run("ignored by default", func(t *testing.T) {
		_, url := startServer(t, WithMaxFailuresPerAddr(2, time.Minute))
		h := register(t, url)
		for _, ip := range []string{"10.0.0.1", "10.0.0.2"} {
			_, err := join(t, url, "111111111", "x", WithHTTPClient(forwardedClient(ip)))
			require.ErrorIs(t, err, ErrUnknownID)
		}
		c := h.Credentials()
		_, err := join(t, url, c.ID, c.Code, WithHTTPClient(forwardedClient("10.0.0.3")))
		require.ErrorIs(t, err, ErrRateLimited)
	})
}

func TestUnknownID(t *testing.T) {
	_, url := startServer(t)
	_, err := join(t, url, "123456789", "abcdef")
	require.ErrorIs(t, err, ErrUnknownID)
	_, err = join(t, url, "", "abcdef")
	require.ErrorIs(t, err, ErrUnknownID)
}

func TestProtocolErrorsCloseOnlyThatConnection(t *testing.T) {
	srv, url := startServer(t, withHandshakeTimeoutForTest(200*time.Millisecond))
	h := register(t, url)

	cases := []struct {
		name   string
		send   func(r *rawConn)
		code   string
		status websocket.StatusCode
	}{
		{"malformed JSON", func(r *rawConn) { r.send(`{"v":1,"type":`) }, codeBadMessage, websocket.StatusProtocolError},
		{"not an object", func(r *rawConn) { r.send(`[1,2,3]`) }, codeBadMessage, websocket.StatusProtocolError},
		{"wrong version", func(r *rawConn) { r.send(`{"v":2,"type":"register"}`) }, codeVersion, websocket.StatusProtocolError},
		{"no version", func(r *rawConn) { r.send(`{"type":"register"}`) }, codeVersion, websocket.StatusProtocolError},
		{"unknown type", func(r *rawConn) { r.send(`{"v":1,"type":"hello"}`) }, codeBadMessage, websocket.StatusProtocolError},
		{"signal before register", func(r *rawConn) {
			r.send(`{"v":1,"type":"signal","peer":"p1","signal":{"type":"offer","sdp":"x"}}`)
		}, codeBadMessage, websocket.StatusProtocolError},
		{"signal without type", func(r *rawConn) {
			r.send(`{"v":1,"type":"register"}`)
			m, err := r.read()
			require.NoError(t, err)
			require.Equal(t, msgRegistered, m.Type)
			r.send(`{"v":1,"type":"signal","peer":"p1","signal":{"sdp":"x"}}`)
		}, codeBadMessage, websocket.StatusProtocolError},
		{"register twice", func(r *rawConn) {
			r.send(`{"v":1,"type":"register"}`)
			_, err := r.read()
			require.NoError(t, err)
			r.send(`{"v":1,"type":"register"}`)
		}, codeBadMessage, websocket.StatusProtocolError},
		{"binary frame", func(r *rawConn) {
			require.NoError(t, r.ws.Write(testContext(t), websocket.MessageBinary, []byte(`{"v":1,"type":"register"}`)))
		}, codeBadMessage, websocket.StatusProtocolError},
		{"silence", func(r *rawConn) {}, codeTimeout, websocket.StatusPolicyViolation},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := dialRaw(t, url)
			tc.send(r)
			r.expectError(tc.code, tc.status)
		})
	}

	t.Run("oversized", func(t *testing.T) {
		r := dialRaw(t, url)
		r.send(`{"v":1,"type":"register","name":"` + strings.Repeat("x", 70<<10) + `"}`)
		_, err := r.read()
		assert.Equal(t, websocket.StatusMessageTooBig, websocket.CloseStatus(err), "err: %v", err)
	})

	// The server still serves the host registered before, and new clients.
	c := h.Credentials()
	_, err := join(t, url, c.ID, c.Code)
	require.NoError(t, err)
	register(t, url)
	assert.Equal(t, 2, srv.Stats().Hosts)
}

func TestHostSeesViewerLeave(t *testing.T) {
	srv, url := startServer(t)
	h := register(t, url)
	hl, v := connect(t, url, h)

	require.NoError(t, v.Send(testContext(t), Signal{Type: "bye", Reason: "closing the tab"}))
	require.NoError(t, v.Close())
	require.NoError(t, v.Close()) // idempotent

	// What the viewer sent before leaving comes first, then ErrPeerGone.
	assert.Equal(t, Signal{Type: "bye", Reason: "closing the tab"}, recv(t, hl))
	_, err := hl.Recv(testContext(t))
	require.ErrorIs(t, err, ErrPeerGone)
	require.ErrorIs(t, hl.Send(testContext(t), Signal{Type: "offer"}), ErrPeerGone)
	_, err = v.Recv(testContext(t))
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, v.Send(testContext(t), Signal{Type: "offer"}), ErrClosed)

	assert.Equal(t, 0, srv.Stats().Viewers)
	select {
	case <-h.Done():
		t.Fatal("the host connection ended with its viewer")
	default:
	}
}

func TestViewerSeesHostLeave(t *testing.T) {
	srv, url := startServer(t)
	h := register(t, url)
	hl, v := connect(t, url, h)
	hl2, v2 := connect(t, url, h)

	require.NoError(t, hl.Send(testContext(t), Signal{Type: "bye", Reason: "host quits"}))
	require.NoError(t, h.Close())

	assert.Equal(t, Signal{Type: "bye", Reason: "host quits"}, recv(t, v))
	for _, l := range []*Link{v, v2} {
		_, err := l.Recv(testContext(t))
		require.ErrorIs(t, err, ErrPeerGone)
	}
	// The host's own side ends with ErrClosed.
	for _, l := range []*Link{hl, hl2} {
		_, err := l.Recv(testContext(t))
		require.ErrorIs(t, err, ErrClosed)
	}
	_, err := h.Accept(testContext(t))
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, h.Err(), ErrClosed)
	<-h.Done()

	require.Eventually(t, func() bool { return srv.Stats() == ServerStats{} }, testTimeout, 10*time.Millisecond)
	_, err = join(t, url, h.Credentials().ID, h.Credentials().Code)
	require.ErrorIs(t, err, ErrUnknownID)
}

func TestHostClosesOneLink(t *testing.T) {
	_, url := startServer(t)
	h := register(t, url)
	hl1, v1 := connect(t, url, h)
	hl2, v2 := connect(t, url, h)

	require.NoError(t, hl1.Close())
	_, err := v1.Recv(testContext(t))
	require.ErrorIs(t, err, ErrPeerGone)
	_, err = hl1.Recv(testContext(t))
	require.ErrorIs(t, err, ErrClosed)

	// The other viewer is unaffected.
	require.NoError(t, v2.Send(testContext(t), Signal{Type: "answer", SDP: "x"}))
	assert.Equal(t, Signal{Type: "answer", SDP: "x"}, recv(t, hl2))
}

func TestServerCloseEndsEveryone(t *testing.T) {
	srv, url := startServer(t)
	// Without reconnecting, as before hosts reconnected by themselves.
	h := register(t, url, WithoutReconnect())
	hl, v := connect(t, url, h)
	// Another registered host, idle.
	h2 := register(t, url, WithoutReconnect())

	require.NoError(t, srv.Close())
	require.NoError(t, srv.Close()) // idempotent

	for _, l := range []*Link{hl, v} {
		_, err := l.Recv(testContext(t))
		require.ErrorIs(t, err, ErrServerGone)
	}
	for _, hc := range []*testHost{h, h2} {
		<-hc.Done()
		require.ErrorIs(t, hc.Err(), ErrServerGone)
		_, err := hc.Accept(testContext(t))
		require.ErrorIs(t, err, ErrServerGone)
	}
	assert.Equal(t, ServerStats{}, srv.Stats())

	// Later requests get 503, and clients say the server is unreachable.
	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, "http"+strings.TrimPrefix(url, "ws"), nil)
	require.NoError(t, err)
	resp, err := noKeepAlive().Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	_, err = Register(testContext(t), url, WithHTTPClient(noKeepAlive()))
	require.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), "503")
}

func TestSeveralViewersPerHost(t *testing.T) {
	srv, url := startServer(t)
	h := register(t, url)
	const n = 4
	hosts := make([]*Link, n)
	viewers := make([]*Link, n)
	for i := range n {
		hosts[i], viewers[i] = connect(t, url, h, WithName(fmt.Sprintf("viewer-%d", i)))
		assert.Equal(t, fmt.Sprintf("viewer-%d", i), hosts[i].Peer().Name)
	}
	assert.Equal(t, n, srv.Stats().Viewers)

	// Each side talks concurrently; every message reaches only its own counterpart, in order.
	ctx := testContext(t)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			for j := range 20 {
				assert.NoError(t, hosts[i].Send(ctx, Signal{Type: "candidate", Candidate: &Candidate{Candidate: fmt.Sprintf("h%d-%d", i, j)}}))
			}
		})
		wg.Go(func() {
			for j := range 20 {
				assert.NoError(t, viewers[i].Send(ctx, Signal{Type: "candidate", Candidate: &Candidate{Candidate: fmt.Sprintf("v%d-%d", i, j)}}))
			}
		})
	}
	wg.Wait()
	for i := range n {
		for j := range 20 {
			assert.Equal(t, fmt.Sprintf("h%d-%d", i, j), recv(t, viewers[i]).Candidate.Candidate)
			assert.Equal(t, fmt.Sprintf("v%d-%d", i, j), recv(t, hosts[i]).Candidate.Candidate)
		}
	}
}

func TestContextCancellation(t *testing.T) {
	_, url := startServer(t)
	h := register(t, url)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := h.Accept(ctx)
	require.ErrorIs(t, err, context.Canceled)
	_, err = Register(ctx, url)
	require.ErrorIs(t, err, context.Canceled)
	c := h.Credentials()
	_, err = Join(ctx, url, c.ID, c.Code)
	require.ErrorIs(t, err, context.Canceled)

	hl, v := connect(t, url, h)
	ctx, cancel = context.WithCancel(t.Context())
	errs := make(chan error, 2)
	go func() { _, err := hl.Recv(ctx); errs <- err }()
	go func() { _, err := v.Recv(ctx); errs <- err }()
	cancel()
	for range 2 {
		require.ErrorIs(t, <-errs, context.Canceled)
	}
	require.ErrorIs(t, v.Send(ctx, Signal{Type: "offer"}), context.Canceled)

	// Cancelling waits does not break the link.
	require.NoError(t, v.Send(testContext(t), Signal{Type: "offer", SDP: "still here"}))
	assert.Equal(t, "still here", recv(t, hl).SDP)
	require.NoError(t, hl.Send(testContext(t), Signal{Type: "answer", SDP: "me too"}))
	assert.Equal(t, "me too", recv(t, v).SDP)
}

func TestMaxViewersPerHost(t *testing.T) {
	_, url := startServer(t, WithMaxViewersPerHost(1))
	h := register(t, url)
	_, v := connect(t, url, h)

	c := h.Credentials()
	_, err := join(t, url, c.ID, c.Code)
	require.ErrorIs(t, err, ErrFull)
	assert.Equal(t, c, h.Credentials(), "a refused join must not consume the code")

	require.NoError(t, v.Close())
	// Once the first viewer left, the same code works.
	require.Eventually(t, func() bool {
		_, err = join(t, url, c.ID, c.Code)
		return !errors.Is(err, ErrFull)
	}, testTimeout, 10*time.Millisecond)
	require.NoError(t, err)
}

func TestMaxHosts(t *testing.T) {
	_, url := startServer(t, WithMaxHosts(1))
	register(t, url)
	_, err := Register(testContext(t), url)
	require.ErrorIs(t, err, ErrFull)
}

func TestKeepaliveDropsSilentClients(t *testing.T) {
	srv, url := startServer(t, WithPingInterval(50*time.Millisecond))
	// A well-behaved host answers pings (its read loop does) and stays.
	h := register(t, url, WithClientPingInterval(50*time.Millisecond))

	// A client that registers and then never reads cannot answer pings.
	r := dialRaw(t, url)
	r.send(`{"v":1,"type":"register"}`)
	require.Eventually(t, func() bool { return srv.Stats().Hosts == 2 }, testTimeout, 5*time.Millisecond)
	require.Eventually(t, func() bool { return srv.Stats().Hosts == 1 }, testTimeout, 10*time.Millisecond)

	select {
	case <-h.Done():
		t.Fatalf("a responsive host was dropped: %v", h.Err())
	default:
	}
	_, v := connect(t, url, h)
	require.NoError(t, v.Send(testContext(t), Signal{Type: "offer"}))
}

func TestOrigins(t *testing.T) {
	dialOrigin := func(url, origin string) error {
		hdr := http.Header{"Origin": []string{origin}}
		ws, _, err := websocket.Dial(testContext(t), url, &websocket.DialOptions{HTTPHeader: hdr, HTTPClient: noKeepAlive()})
		if err == nil {
			_ = ws.CloseNow()
		}
		return err
	}
	_, url := startServer(t)
	host := strings.TrimPrefix(url, "ws://")
	host = host[:strings.IndexByte(host, '/')]
	assert.NoError(t, dialOrigin(url, "http://"+host), "same host")
	assert.Error(t, dialOrigin(url, "https://evil.example"), "foreign origin")

	_, url = startServer(t, WithOriginPatterns("*.deskhand.example"))
	assert.NoError(t, dialOrigin(url, "https://viewer.deskhand.example"))
	assert.Error(t, dialOrigin(url, "https://evil.example"))
}

func TestSendChecksSignals(t *testing.T) {
	_, url := startServer(t, WithMaxMessageSize(4<<10))
	h := register(t, url)
	hl, v := connect(t, url, h)

	require.ErrorIs(t, v.Send(testContext(t), Signal{SDP: "no type"}), ErrInvalidSignal)
	require.ErrorIs(t, v.Send(testContext(t), Signal{Type: strings.Repeat("x", 33)}), ErrInvalidSignal)
	err := v.Send(testContext(t), Signal{Type: "offer", SDP: strings.Repeat("a", 5<<10)})
	require.ErrorIs(t, err, ErrTooBig)
	// Refused locally: the link still works.
	require.NoError(t, v.Send(testContext(t), Signal{Type: "offer", SDP: "small"}))
	assert.Equal(t, "small", recv(t, hl).SDP)
}

func TestHostCloseEndsUnacceptedViewers(t *testing.T) {
	// A viewer the host never accepted still learns that the host left.
	_, url := startServer(t)
	h := register(t, url)
	c := h.Credentials()
	v, err := join(t, url, c.ID, c.Code)
	require.NoError(t, err)
	require.NoError(t, h.Close())
	_, err = v.Recv(testContext(t))
	require.ErrorIs(t, err, ErrPeerGone)
	_, err = h.Accept(testContext(t))
	require.ErrorIs(t, err, ErrClosed)
}

func TestRawClientRelay(t *testing.T) {
	// The wire format as documented in PROTOCOL.md, end to end, without this package's clients.
	_, url := startServer(t)
	host := dialRaw(t, url)
	host.send(`{"v":1,"type":"register","name":"raw host"}`)
	reg, err := host.read()
	require.NoError(t, err)
	require.Equal(t, msgRegistered, reg.Type)
	assert.Equal(t, 64<<10, reg.MaxMessage)
	assert.Equal(t, (10 * time.Minute).Milliseconds(), reg.ExpiresIn)

	viewer := dialRaw(t, url)
	viewer.send(fmt.Sprintf(`{"v":1,"type":"join","id":%q,"code":%q,"name":"raw viewer"}`, reg.ID, reg.Code))
	joined, err := viewer.read()
	require.NoError(t, err)
	assert.Equal(t, serverMessage{V: 1, Type: msgJoined, ID: reg.ID, Name: "raw host", MaxMessage: 64 << 10}, joined)

	code, err := host.read()
	require.NoError(t, err)
	assert.Equal(t, msgCode, code.Type)
	peer, err := host.read()
	require.NoError(t, err)
	assert.Equal(t, msgPeer, peer.Type)
	assert.Equal(t, "p1", peer.Peer)
	assert.Equal(t, "raw viewer", peer.Name)

	host.send(`{"v":1,"type":"signal","peer":"p1","signal":{"type":"offer","sdp":"<x>","extra":true}}`)
	m, err := viewer.read()
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"offer","sdp":"<x>","extra":true}`, string(m.Signal))
	viewer.send(`{"v":1,"type":"signal","signal":{"type":"answer","sdp":"y"}}`)
	m, err = host.read()
	require.NoError(t, err)
	assert.Equal(t, "p1", m.Peer)
	assert.JSONEq(t, `{"type":"answer","sdp":"y"}`, string(m.Signal))

	// A signal for a viewer that does not exist is dropped, not an error.
	host.send(`{"v":1,"type":"signal","peer":"p9","signal":{"type":"offer"}}`)
	// The host drops the viewer.
	host.send(`{"v":1,"type":"leave","peer":"p1"}`)
	m, err = viewer.read()
	require.NoError(t, err)
	assert.Equal(t, msgPeerGone, m.Type)
	_, err = viewer.read()
	var ce websocket.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, websocket.StatusNormalClosure, ce.Code)
	assert.Equal(t, codePeerGone, ce.Reason)
}

func TestViewerLeaveMessage(t *testing.T) {
	_, url := startServer(t)
	h := register(t, url)
	c := h.Credentials()
	viewer := dialRaw(t, url)
	viewer.send(fmt.Sprintf(`{"v":1,"type":"join","id":%q,"code":%q}`, c.ID, c.Code))
	_, err := viewer.read()
	require.NoError(t, err)
	hl, err := h.Accept(testContext(t))
	require.NoError(t, err)
	viewer.send(`{"v":1,"type":"leave"}`)
	_, err = hl.Recv(testContext(t))
	require.ErrorIs(t, err, ErrPeerGone)
	_, err = viewer.read()
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err))
}

func TestNewServerRejectsBadOptions(t *testing.T) {
	bad := []Option{
		WithCodeTTL(time.Second), WithCodeTTL(25 * time.Hour),
		WithCodeLength(3), WithCodeLength(33),
		WithMaxFailuresPerID(0), WithMaxFailuresPerAddr(0, time.Minute), WithMaxFailuresPerAddr(1, 0),
		WithLockout(0, time.Second), WithLockout(time.Second, time.Millisecond), WithLockout(time.Second, 25*time.Hour),
		WithMaxMessageSize(100), WithMaxMessageSize(17 << 20),
		WithMaxHosts(0), WithMaxViewersPerHost(0), WithMaxViewersPerHost(2000),
		WithLogger(nil), WithOriginPatterns(""), WithOriginPatterns("[bad"),
		WithPingInterval(time.Millisecond), WithReclaimWindow(-time.Second), WithReclaimWindow(25 * time.Hour),
	}
	for i, opt := range bad {
		_, err := NewServer(opt)
		assert.ErrorIs(t, err, ErrInvalidOption, "option %d", i)
	}
	srv, err := NewServer(WithCodeTTL(10*time.Second), WithCodeLength(4), WithLockout(time.Millisecond, time.Millisecond), WithOriginPatterns("example.com"), nil)
	require.NoError(t, err)
	require.NoError(t, srv.Close())

	badClient := []ClientOption{
		WithName(strings.Repeat("x", 65)), WithName("tab\there"), WithName("\xff"),
		WithHTTPClient(nil), WithClientLogger(nil), OnCredentials(nil),
		WithClientPingInterval(time.Millisecond), OnConnectionState(nil),
		WithSessionID("1", NewResumeToken()), WithSessionID("012345678", NewResumeToken()),
		WithSessionID("123456789", "tooshort"), WithSessionID("123456789", strings.Repeat("!", 30)),
	}
	for i, opt := range badClient {
		_, err := Register(t.Context(), "ws://127.0.0.1:1/", opt)
		assert.ErrorIs(t, err, ErrInvalidOption, "client option %d", i)
		_, err = Join(t.Context(), "ws://127.0.0.1:1/", "123456789", "abcdef", opt)
		assert.ErrorIs(t, err, ErrInvalidOption, "client option %d", i)
	}
}

func TestUnreachable(t *testing.T) {
	_, err := Register(testContext(t), "ws://127.0.0.1:1/v1/signal", WithHTTPClient(noKeepAlive()))
	require.ErrorIs(t, err, ErrUnreachable)
	_, err = Join(testContext(t), "ws://127.0.0.1:1/v1/signal", "123456789", "abcdef", WithHTTPClient(noKeepAlive()))
	require.ErrorIs(t, err, ErrUnreachable)
}

func TestUnreadSignalsEndTheLink(t *testing.T) {
	_, url := startServer(t)
	h := register(t, url)
	hl, v := connect(t, url, h)

	// The host never calls Recv; the viewer keeps sending until the host drops it.
	var err error
	sent := 0
	for err == nil && sent < 10*linkBuffer {
		err = v.Send(testContext(t), Signal{Type: "candidate", Candidate: &Candidate{Candidate: fmt.Sprint(sent)}})
		sent++
	}
	if err == nil {
		_, err = v.Recv(testContext(t))
	}
	require.ErrorIs(t, err, ErrPeerGone)

	// The host still gets what was buffered, in order, then why the link ended.
	for i := range linkBuffer {
		assert.Equal(t, fmt.Sprint(i), recv(t, hl).Candidate.Candidate)
	}
	_, err = hl.Recv(testContext(t))
	require.ErrorIs(t, err, ErrBacklog)
}
