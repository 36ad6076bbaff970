//go:build !js

package signaling

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testTimeout bounds every wait in a test; it is a hang guard, not a performance claim.
const testTimeout = 10 * time.Second

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// withCodeTTLForTest bypasses WithCodeTTL's 10 s minimum so that expiry can be tested quickly.
func withCodeTTLForTest(d time.Duration) Option {
	return func(o *options) error { o.codeTTL = d; return nil }
}

// withHandshakeTimeoutForTest shortens the wait for a first message.
func withHandshakeTimeoutForTest(d time.Duration) Option {
	return func(o *options) error { o.handshakeTimeout = d; return nil }
}

// startServer runs a Server behind a real HTTP server on 127.0.0.1 and returns its ws:// URL.
func startServer(t *testing.T, opts ...Option) (*Server, string) {
	t.Helper()
	srv, err := NewServer(opts...)
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		require.NoError(t, srv.Close())
		ts.Close()
	})
	return srv, "ws" + strings.TrimPrefix(ts.URL, "http") + "/v1/signal"
}

// noKeepAlive is an HTTP client whose failed upgrades leave no idle connection behind (which
// goleak would report).
func noKeepAlive() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

type testHost struct {
	*HostConn
	creds chan Credentials
}

// register registers a host and collects its credentials from OnCredentials.
func register(t *testing.T, url string, opts ...ClientOption) *testHost {
	t.Helper()
	creds := make(chan Credentials, 64)
	opts = append([]ClientOption{OnCredentials(func(c Credentials) { creds <- c })}, opts...)
	h, err := Register(testContext(t), url, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	first := nextCreds(t, creds)
	require.Equal(t, h.Credentials(), first)
	return &testHost{HostConn: h, creds: creds}
}

func nextCreds(t *testing.T, ch <-chan Credentials) Credentials {
	t.Helper()
	select {
	case c := <-ch:
		return c
	case <-time.After(testTimeout):
		t.Fatal("no credentials from OnCredentials")
		return Credentials{}
	}
}

// join joins and registers the link for closing at the end of the test.
func join(t *testing.T, url, id, code string, opts ...ClientOption) (*Link, error) {
	t.Helper()
	l, err := Join(testContext(t), url, id, code, opts...)
	if err == nil {
		t.Cleanup(func() { require.NoError(t, l.Close()) })
	}
	return l, err
}

// connect joins h with its current code and returns both ends, after h's next code arrived.
func connect(t *testing.T, url string, h *testHost, opts ...ClientOption) (hostEnd, viewerEnd *Link) {
	t.Helper()
	c := h.Credentials()
	v, err := join(t, url, c.ID, c.Code, opts...)
	require.NoError(t, err)
	hl, err := h.Accept(testContext(t))
	require.NoError(t, err)
	fresh := nextCreds(t, h.creds)
	require.NotEqual(t, c.Code, fresh.Code)
	return hl, v
}

func recv(t *testing.T, l *Link) Signal {
	t.Helper()
	s, err := l.Recv(testContext(t))
	require.NoError(t, err)
	return s
}

// rawConn is a WebSocket client that speaks the wire protocol by hand, to send what the
// package's own clients never would.
type rawConn struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialRaw(t *testing.T, url string) *rawConn {
	t.Helper()
	ws, _, err := websocket.Dial(testContext(t), url, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ws.CloseNow() })
	return &rawConn{t: t, ws: ws}
}

func (r *rawConn) send(msg string) {
	r.t.Helper()
	require.NoError(r.t, r.ws.Write(testContext(r.t), websocket.MessageText, []byte(msg)))
}

func (r *rawConn) read() (serverMessage, error) {
	r.t.Helper()
	_, data, err := r.ws.Read(testContext(r.t))
	if err != nil {
		return serverMessage{}, err
	}
	m, err := parseServerMessage(data)
	require.NoError(r.t, err)
	return m, nil
}

// expectError reads an error message with the given code and then the close frame carrying it.
func (r *rawConn) expectError(code string, status websocket.StatusCode) {
	r.t.Helper()
	m, err := r.read()
	require.NoError(r.t, err)
	require.Equal(r.t, msgError, m.Type)
	require.Equal(r.t, code, m.Error)
	require.NotEmpty(r.t, m.Message)
	_, err = r.read()
	var ce websocket.CloseError
	require.ErrorAs(r.t, err, &ce)
	require.Equal(r.t, status, ce.Code)
	require.Equal(r.t, code, ce.Reason)
}
